// message_cipher: the IV generator and the message-based AES-GCM/CCM
// operations (driven through the AES rows). IVs longer than OpenSSL takes
// are covered in gcm_iv_test.cc.
#include "crypto/message_cipher.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crypto/families.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

Bytes hex(std::string_view text) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

KeyPtr aes_key(const Bytes& value) {
  auto key = std::make_shared<Key>();
  key->object_class = CKO_SECRET_KEY;
  key->key_type = CKK_AES;
  key->secret.assign(value.begin(), value.end());
  key->bits = 8 * value.size();
  return key;
}

const MechanismEntry& aes_row(CK_MECHANISM_TYPE type) {
  for (const MechanismEntry& entry : aes_mechanisms()) {
    if (entry.type == type) return entry;
  }
  ADD_FAILURE() << "no row for mechanism " << type;
  static const MechanismEntry kEmpty{};
  return kEmpty;
}

class MessageCipherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Provider::create();
    ASSERT_TRUE(created.ok()) << created.status().message();
    provider_ = std::move(created).value();
  }

  Result<std::unique_ptr<MessageCipherOperation>> message_op(CK_MECHANISM_TYPE type, const KeyPtr& key,
                                                             bool encrypt) {
    CK_MECHANISM mech{type, nullptr, 0};
    const MechanismEntry& row = aes_row(type);
    return (encrypt ? row.message_encrypt : row.message_decrypt)(MechanismCall{*provider_, mech}, key);
  }

  std::unique_ptr<Provider> provider_;
};

// ---- IvGenerator ---------------------------------------------------------------------

TEST_F(MessageCipherTest, CounterKeepsFixedBitsAndCounts) {
  IvGenerator gen;
  // 12 fixed bits: the first byte and the high nibble of the second stay.
  Bytes iv = hex("abcdefffffffffffffffffff");
  ASSERT_TRUE(gen.generate(*provider_, CKG_GENERATE_COUNTER, 12, iv.data(), iv.size()).ok());
  EXPECT_EQ(iv, hex("abc000000000000000000000"));
  ASSERT_TRUE(gen.generate(*provider_, CKG_GENERATE_COUNTER, 12, iv.data(), iv.size()).ok());
  EXPECT_EQ(iv, hex("abc000000000000000000001"));
}

TEST_F(MessageCipherTest, CounterRefusesToWrap) {
  IvGenerator gen;
  Bytes iv(12, 0x55);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(gen.generate(*provider_, CKG_GENERATE_COUNTER, 94, iv.data(), iv.size()).ok());
  EXPECT_EQ(iv.back() & 0x03, 3);
  EXPECT_EQ(gen.generate(*provider_, CKG_GENERATE_COUNTER, 94, iv.data(), iv.size()).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(gen.generate(*provider_, CKG_GENERATE_COUNTER, 96, iv.data(), iv.size()).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(MessageCipherTest, RandomKeepsFixedBitsAndNeedsRoom) {
  IvGenerator gen;
  std::set<Bytes> seen;
  for (int i = 0; i < 16; ++i) {
    Bytes iv = hex("0102030400000000000000ff");
    ASSERT_TRUE(gen.generate(*provider_, CKG_GENERATE_RANDOM, 32, iv.data(), iv.size()).ok());
    EXPECT_EQ(Bytes(iv.begin(), iv.begin() + 4), hex("01020304"));
    seen.insert(iv);
  }
  EXPECT_EQ(seen.size(), 16u);
  Bytes iv(12, 0);
  EXPECT_EQ(gen.generate(*provider_, CKG_GENERATE_RANDOM, 40, iv.data(), iv.size()).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(gen.generate(*provider_, 99, 0, iv.data(), iv.size()).rv(), CKR_MECHANISM_PARAM_INVALID);
}

// ---- Message-based GCM -----------------------------------------------------------------

const Bytes kKey = hex("feffe9928665731c6d6a8f9467308308");
const Bytes kAad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
const Bytes kPlain = hex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");

// Encrypts `plain` as one message split in parts of `split` bytes.
Status encrypt_message(MessageCipherOperation& op, void* params, CK_ULONG len, const Bytes& plain, Bytes& out,
                       std::size_t split = 1000) {
  RETURN_IF_ERROR(op.begin(params, len, kAad));
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min(split, plain.size() - pos);
    const bool last = pos + n == plain.size();
    const std::size_t bound = op.next_length(n, last), before = out.size();
    RETURN_IF_ERROR(op.next(ByteView(plain).subspan(pos, n), out, last));
    EXPECT_LE(out.size() - before, bound);
    pos += n;
  } while (pos < plain.size());
  return Status::Ok();
}

TEST_F(MessageCipherTest, GcmMessageMatchesTestCase4) {
  KeyPtr key = aes_key(kKey);
  auto op = message_op(CKM_AES_GCM, key, true);
  ASSERT_TRUE(op.ok()) << op.status().message();
  Bytes iv = hex("cafebabefacedbaddecaf888"), tag(16);
  CK_GCM_MESSAGE_PARAMS params{iv.data(), iv.size(), 0, CKG_NO_GENERATE, tag.data(), 128};
  Bytes out;
  ASSERT_TRUE(encrypt_message(**op, &params, sizeof(params), kPlain, out, 7).ok());
  EXPECT_EQ(out, hex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
                     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"));
  EXPECT_EQ(tag, hex("5bc94fbc3221a5db94fae95ae7121a47"));
}

TEST_F(MessageCipherTest, GcmMessageGeneratedIvsDecrypt) {
  KeyPtr key = aes_key(kKey);
  for (CK_GENERATOR_FUNCTION generator : {CKG_GENERATE_COUNTER, CKG_GENERATE_RANDOM, CKG_GENERATE}) {
    SCOPED_TRACE(generator);
    auto enc = message_op(CKM_AES_GCM, key, true);
    auto dec = message_op(CKM_AES_GCM, key, false);
    ASSERT_TRUE(enc.ok() && dec.ok());
    std::set<Bytes> ivs;
    for (int msg = 0; msg < 3; ++msg) {
      Bytes iv = hex("a1a2a3a4ffffffffffffffff"), tag(12);
      CK_GCM_MESSAGE_PARAMS params{iv.data(), iv.size(), 32, generator, tag.data(), 96};
      Bytes ct;
      ASSERT_TRUE(encrypt_message(**enc, &params, sizeof(params), kPlain, ct, 13).ok());
      EXPECT_EQ(Bytes(iv.begin(), iv.begin() + 4), hex("a1a2a3a4"));
      if (generator == CKG_GENERATE_COUNTER) {
        EXPECT_EQ(iv.back(), msg);
      }
      ivs.insert(iv);
      // Decryption reads the IV and tag back from the same parameter struct.
      params.ivGenerator = CKG_NO_GENERATE;
      ASSERT_TRUE((*dec)->begin(&params, sizeof(params), kAad).ok());
      Bytes pt;
      EXPECT_EQ((*dec)->next_length(10, false), 0u);
      ASSERT_TRUE((*dec)->next(ByteView(ct).first(10), pt, false).ok());
      EXPECT_TRUE(pt.empty());  // nothing released before the tag is checked
      ASSERT_TRUE((*dec)->next(ByteView(ct).subspan(10), pt, true).ok());
      EXPECT_EQ(pt, kPlain);
      // A wrong tag releases nothing.
      tag[0] ^= 1;
      ASSERT_TRUE((*dec)->begin(&params, sizeof(params), kAad).ok());
      Bytes bad;
      EXPECT_EQ((*dec)->next(ct, bad, true).rv(), CKR_ENCRYPTED_DATA_INVALID);
      EXPECT_TRUE(bad.empty());
    }
    EXPECT_EQ(ivs.size(), 3u);
  }
}

TEST_F(MessageCipherTest, GcmMessageErrors) {
  KeyPtr key = aes_key(kKey);
  auto op = message_op(CKM_AES_GCM, key, true);
  ASSERT_TRUE(op.ok());
  Bytes out, iv(12, 0), tag(16);
  EXPECT_EQ((*op)->next(kPlain, out, true).rv(), CKR_OPERATION_NOT_INITIALIZED);
  CK_GCM_MESSAGE_PARAMS params{iv.data(), iv.size(), 0, CKG_NO_GENERATE, tag.data(), 128};
  EXPECT_EQ((*op)->begin(&params, sizeof(params) - 1, {}).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_GCM_MESSAGE_PARAMS p = params;
  p.ulTagBits = 100;
  EXPECT_EQ((*op)->begin(&p, sizeof(p), {}).rv(), CKR_MECHANISM_PARAM_INVALID);
  p = params;
  p.pTag = nullptr;
  EXPECT_EQ((*op)->begin(&p, sizeof(p), {}).rv(), CKR_MECHANISM_PARAM_INVALID);
  p = params;
  p.ivGenerator = CKG_GENERATE_RANDOM;
  p.ulIvFixedBits = 64;  // 32 random bits are too few
  EXPECT_EQ((*op)->begin(&p, sizeof(p), {}).rv(), CKR_MECHANISM_PARAM_INVALID);
  p.ivGenerator = CKG_GENERATE_COUNTER;
  p.ulIvFixedBits = 95;  // two messages, then the counter is spent
  ASSERT_TRUE(encrypt_message(**op, &p, sizeof(p), kPlain, out).ok());
  ASSERT_TRUE(encrypt_message(**op, &p, sizeof(p), kPlain, out).ok());
  EXPECT_EQ((*op)->begin(&p, sizeof(p), {}).rv(), CKR_MECHANISM_PARAM_INVALID);
}

// ---- Message-based CCM (SP 800-38C Appendix C, Example 2) -----------------------------

TEST_F(MessageCipherTest, CcmMessageKnownAnswerAndRoundTrip) {
  KeyPtr key = aes_key(hex("404142434445464748494a4b4c4d4e4f"));
  const Bytes aad = hex("000102030405060708090a0b0c0d0e0f");
  const Bytes plain = hex("202122232425262728292a2b2c2d2e2f");
  auto enc = message_op(CKM_AES_CCM, key, true);
  auto dec = message_op(CKM_AES_CCM, key, false);
  ASSERT_TRUE(enc.ok() && dec.ok());
  Bytes nonce = hex("1011121314151617"), mac(6);
  CK_CCM_MESSAGE_PARAMS params{plain.size(), nonce.data(), nonce.size(), 0, CKG_NO_GENERATE, mac.data(), 6};
  ASSERT_TRUE((*enc)->begin(&params, sizeof(params), aad).ok());
  Bytes ct;
  EXPECT_EQ((*enc)->next_length(5, false), 0u);
  ASSERT_TRUE((*enc)->next(ByteView(plain).first(5), ct, false).ok());
  ASSERT_TRUE((*enc)->next(ByteView(plain).subspan(5), ct, true).ok());
  EXPECT_EQ(ct, hex("d2a1f0e051ea5f62081a7792073d593d"));
  EXPECT_EQ(mac, hex("1fc64fbfaccd"));

  ASSERT_TRUE((*dec)->begin(&params, sizeof(params), aad).ok());
  Bytes pt;
  ASSERT_TRUE((*dec)->next(ct, pt, true).ok());
  EXPECT_EQ(pt, plain);
  mac[0] ^= 1;
  ASSERT_TRUE((*dec)->begin(&params, sizeof(params), aad).ok());
  Bytes bad;
  EXPECT_EQ((*dec)->next(ct, bad, true).rv(), CKR_ENCRYPTED_DATA_INVALID);
  EXPECT_TRUE(bad.empty());

  // Generated nonce (counter, 32 fixed bits), then a wrong length.
  params.nonceGenerator = CKG_GENERATE_COUNTER;
  params.ulNonceFixedBits = 32;
  ASSERT_TRUE((*enc)->begin(&params, sizeof(params), aad).ok());
  Bytes ct2;
  ASSERT_TRUE((*enc)->next(plain, ct2, true).ok());
  EXPECT_EQ(nonce, hex("1011121300000000"));
  ASSERT_TRUE((*dec)->begin(&params, sizeof(params), aad).ok());
  pt.clear();
  ASSERT_TRUE((*dec)->next(ct2, pt, true).ok());
  EXPECT_EQ(pt, plain);
  ASSERT_TRUE((*enc)->begin(&params, sizeof(params), aad).ok());
  EXPECT_EQ((*enc)->next(ByteView(plain).first(15), ct2, true).rv(), CKR_DATA_LEN_RANGE);
  ASSERT_TRUE((*enc)->begin(&params, sizeof(params), aad).ok());
  EXPECT_EQ((*enc)->next(Bytes(17), ct2, false).rv(), CKR_DATA_LEN_RANGE);
}

}  // namespace
}  // namespace craton::crypto

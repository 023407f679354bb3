// AES family: known answers (SP 800-38A/B/C, the GCM specification, RFC
// 3394/4493/5649), multi-part == single-part, clone(), length bounds and the
// error codes. The message-based AEAD operations are tested in
// message_cipher_test.cc, IVs longer than 128 bytes in gcm_iv_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/families.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

Bytes hex(std::string_view text) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (v < 0) continue;  // spaces group the vectors for reading
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

KeyPtr make_key(const Bytes& value, CK_KEY_TYPE type = CKK_AES) {
  auto key = std::make_shared<Key>();
  key->object_class = CKO_SECRET_KEY;
  key->key_type = type;
  key->secret.assign(value.begin(), value.end());
  key->bits = 8 * value.size();
  return key;
}

const MechanismEntry& row(CK_MECHANISM_TYPE type) {
  for (const MechanismEntry& entry : aes_mechanisms()) {
    if (entry.type == type) return entry;
  }
  ADD_FAILURE() << "no row for mechanism " << type;
  static const MechanismEntry kEmpty{};
  return kEmpty;
}

// Input split into these sizes, cycling, to exercise partial blocks.
constexpr std::size_t kOddSplits[] = {1, 7, 13, 5, 31, 3, 17};

class AesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = Provider::create();
    ASSERT_TRUE(created.ok()) << created.status().message();
    provider_ = std::move(created).value().release();
  }
  static void TearDownTestSuite() {
    delete provider_;
    provider_ = nullptr;
  }

  static Result<std::unique_ptr<CipherOperation>> start(CK_MECHANISM_TYPE type, const void* param,
                                                        CK_ULONG param_len, const KeyPtr& key, bool encrypt) {
    CK_MECHANISM mech{type, const_cast<void*>(param), param_len};
    const MechanismEntry& entry = row(type);
    CipherFactory factory = encrypt ? entry.encrypt : entry.decrypt;
    if (factory == nullptr) return Status(CKR_MECHANISM_INVALID, "no factory");
    return factory(MechanismCall{*provider_, mech}, key);
  }

  // Single-part; checks the announced bound.
  static Result<Bytes> run(CK_MECHANISM_TYPE type, const void* param, CK_ULONG param_len, const KeyPtr& key,
                           bool encrypt, const Bytes& in) {
    auto op = start(type, param, param_len, key, encrypt);
    if (!op.ok()) return op.status();
    const std::size_t bound = (*op)->run_length(in.size());
    Bytes out;
    Status st = (*op)->run(in, out);
    if (!st.ok()) return st;
    EXPECT_LE(out.size(), bound);
    return out;
  }

  // Multi-part with odd split sizes; checks every bound.
  static Result<Bytes> parts(CK_MECHANISM_TYPE type, const void* param, CK_ULONG param_len, const KeyPtr& key,
                             bool encrypt, const Bytes& in) {
    auto op = start(type, param, param_len, key, encrypt);
    if (!op.ok()) return op.status();
    Bytes out;
    std::size_t pos = 0;
    for (std::size_t i = 0; pos < in.size(); ++i) {
      const std::size_t len = std::min(kOddSplits[i % std::size(kOddSplits)], in.size() - pos);
      const std::size_t before = out.size();
      const std::size_t bound = (*op)->update_length(len);
      Status st = (*op)->update(ByteView(in).subspan(pos, len), out);
      if (!st.ok()) return st;
      EXPECT_LE(out.size() - before, bound);
      pos += len;
    }
    const std::size_t before = out.size();
    const std::size_t bound = (*op)->final_length();
    Status st = (*op)->final(out);
    if (!st.ok()) return st;
    EXPECT_LE(out.size() - before, bound);
    return out;
  }

  // Encrypts single- and multi-part, checks both against `expected`, then
  // decrypts both ways back to `plain`.
  static void check_vector(CK_MECHANISM_TYPE type, const void* param, CK_ULONG param_len, const Bytes& key,
                           const Bytes& plain, const Bytes& expected) {
    KeyPtr k = make_key(key);
    auto single = run(type, param, param_len, k, true, plain);
    ASSERT_TRUE(single.ok()) << single.status().message();
    EXPECT_EQ(*single, expected);
    auto multi = parts(type, param, param_len, k, true, plain);
    ASSERT_TRUE(multi.ok()) << multi.status().message();
    EXPECT_EQ(*multi, expected);
    auto back = run(type, param, param_len, k, false, expected);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, plain);
    auto back_multi = parts(type, param, param_len, k, false, expected);
    ASSERT_TRUE(back_multi.ok()) << back_multi.status().message();
    EXPECT_EQ(*back_multi, plain);
  }

  static Provider* provider_;
};
Provider* AesTest::provider_ = nullptr;

// SP 800-38A Appendix F: the shared plaintext and keys.
const Bytes kSp38aPlain = hex(
    "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710");
const Bytes kSp38aKey128 = hex("2b7e151628aed2a6abf7158809cf4f3c");
const Bytes kSp38aKey256 = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");

// ---- Key generation and rows ---------------------------------------------------------

TEST_F(AesTest, KeyGenProducesRequestedLength) {
  CK_MECHANISM mech{CKM_AES_KEY_GEN, nullptr, 0};
  for (CK_ULONG len : {16UL, 24UL, 32UL}) {
    AttributeMap tmpl;
    tmpl.set_ulong(CKA_VALUE_LEN, len);
    auto out = row(CKM_AES_KEY_GEN).generate_key(MechanismCall{*provider_, mech}, tmpl);
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->bytes_or_empty(CKA_VALUE).size(), len);
    EXPECT_EQ(out->get_ulong(CKA_VALUE_LEN), len);
  }
}

TEST_F(AesTest, KeyGenValidatesTemplate) {
  CK_MECHANISM mech{CKM_AES_KEY_GEN, nullptr, 0};
  MechanismCall call{*provider_, mech};
  AttributeMap empty;
  EXPECT_EQ(row(CKM_AES_KEY_GEN).generate_key(call, empty).rv(), CKR_TEMPLATE_INCOMPLETE);
  AttributeMap bad;
  bad.set_ulong(CKA_VALUE_LEN, 20);
  EXPECT_EQ(row(CKM_AES_KEY_GEN).generate_key(call, bad).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  AttributeMap malformed;
  malformed.set(CKA_VALUE_LEN, ByteView(hex("10")));
  EXPECT_EQ(row(CKM_AES_KEY_GEN).generate_key(call, malformed).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST_F(AesTest, RowsAreConsistent) {
  for (const MechanismEntry& entry : aes_mechanisms()) {
    SCOPED_TRACE(entry.name);
    EXPECT_EQ(entry.min_key_size, 16u);
    EXPECT_EQ(entry.max_key_size, 32u);
    EXPECT_TRUE(entry.approved);
    EXPECT_EQ((entry.flags & CKF_ENCRYPT) != 0, entry.encrypt != nullptr);
    EXPECT_EQ((entry.flags & CKF_DECRYPT) != 0, entry.decrypt != nullptr);
    EXPECT_EQ((entry.flags & CKF_SIGN) != 0, entry.sign != nullptr);
    EXPECT_EQ((entry.flags & CKF_VERIFY) != 0, entry.verify != nullptr);
    EXPECT_EQ((entry.flags & CKF_GENERATE) != 0, entry.generate_key != nullptr);
    EXPECT_EQ((entry.flags & CKF_MESSAGE_ENCRYPT) != 0, entry.message_encrypt != nullptr);
    EXPECT_EQ((entry.flags & CKF_MESSAGE_DECRYPT) != 0, entry.message_decrypt != nullptr);
    if (entry.flags & CKF_WRAP) {
      EXPECT_NE(entry.encrypt, nullptr);
    }
  }
  EXPECT_EQ(row(CKM_AES_CTR).flags & (CKF_WRAP | CKF_UNWRAP), 0u);
  EXPECT_NE(row(CKM_AES_GCM).flags & CKF_WRAP, 0u);
}

// ---- ECB / CBC / CBC-PAD / CTR -----------------------------------------------------

TEST_F(AesTest, EcbKnownAnswersSp80038aF1) {
  check_vector(CKM_AES_ECB, nullptr, 0, kSp38aKey128, kSp38aPlain,
               hex("3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf"
                   "43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4"));
  check_vector(CKM_AES_ECB, nullptr, 0, kSp38aKey256, kSp38aPlain,
               hex("f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870"
                   "b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7"));
}

TEST_F(AesTest, CbcKnownAnswersSp80038aF2) {
  const Bytes iv = hex("000102030405060708090a0b0c0d0e0f");
  check_vector(CKM_AES_CBC, iv.data(), iv.size(), kSp38aKey128, kSp38aPlain,
               hex("7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2"
                   "73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7"));
  check_vector(CKM_AES_CBC, iv.data(), iv.size(), kSp38aKey256, kSp38aPlain,
               hex("f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d"
                   "39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b"));
}

TEST_F(AesTest, CtrKnownAnswersSp80038aF5) {
  CK_AES_CTR_PARAMS params{128, {}};
  const Bytes counter = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  std::copy(counter.begin(), counter.end(), params.cb);
  check_vector(CKM_AES_CTR, &params, sizeof(params), kSp38aKey128, kSp38aPlain,
               hex("874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff"
                   "5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee"));
  check_vector(CKM_AES_CTR, &params, sizeof(params), kSp38aKey256, kSp38aPlain,
               hex("601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5"
                   "2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6"));
}

TEST_F(AesTest, CbcPadAndCtrMultiPartMatchSinglePart) {
  const Bytes iv = hex("000102030405060708090a0b0c0d0e0f");
  CK_AES_CTR_PARAMS ctr{32, {}};
  KeyPtr key = make_key(kSp38aKey128);
  for (std::size_t len : {0u, 1u, 15u, 16u, 17u, 64u, 100u}) {
    SCOPED_TRACE(len);
    Bytes plain(len);
    for (std::size_t i = 0; i < len; ++i) plain[i] = static_cast<std::uint8_t>(i * 7);
    for (auto [type, param, param_len] : {std::tuple{CKM_AES_CBC_PAD, (const void*)iv.data(), iv.size()},
                                          std::tuple{CKM_AES_CTR, (const void*)&ctr, sizeof(ctr)}}) {
      auto single = run(type, param, param_len, key, true, plain);
      auto multi = parts(type, param, param_len, key, true, plain);
      ASSERT_TRUE(single.ok() && multi.ok());
      EXPECT_EQ(*single, *multi);
      if (type == CKM_AES_CBC_PAD) {
        EXPECT_EQ(single->size(), (len / 16 + 1) * 16);
      }
      auto back = parts(type, param, param_len, key, false, *single);
      ASSERT_TRUE(back.ok()) << back.status().message();
      EXPECT_EQ(*back, plain);
    }
  }
}

TEST_F(AesTest, BlockModeBoundsAreExact) {
  // CBC-PAD decryption holds the last block back; the bounds must say so.
  const Bytes iv(16, 1);
  KeyPtr key = make_key(kSp38aKey128);
  auto op = start(CKM_AES_CBC_PAD, iv.data(), iv.size(), key, false);
  ASSERT_TRUE(op.ok());
  Bytes in(64, 0), out;
  for (std::size_t len : {16u, 5u, 11u, 16u}) {
    const std::size_t expected = (*op)->update_length(len);
    const std::size_t before = out.size();
    ASSERT_TRUE((*op)->update(ByteView(in).first(len), out).ok());
    EXPECT_EQ(out.size() - before, expected);
  }
  EXPECT_EQ(out.size(), 32u);  // 48 bytes in, the last block held back
}

TEST_F(AesTest, CloneIsIndependent) {
  const Bytes iv = hex("000102030405060708090a0b0c0d0e0f");
  KeyPtr key = make_key(kSp38aKey128);
  auto op = start(CKM_AES_CBC, iv.data(), iv.size(), key, true);
  ASSERT_TRUE(op.ok());
  Bytes prefix;
  ASSERT_TRUE((*op)->update(ByteView(kSp38aPlain).first(20), prefix).ok());
  auto copy = (*op)->clone();
  ASSERT_NE(copy, nullptr);
  Bytes from_copy = prefix, from_original = prefix;
  ASSERT_TRUE(copy->update(ByteView(kSp38aPlain).subspan(20), from_copy).ok());
  ASSERT_TRUE(copy->final(from_copy).ok());
  // The copy's progress did not move the original.
  ASSERT_TRUE((*op)->update(ByteView(kSp38aPlain).subspan(20), from_original).ok());
  ASSERT_TRUE((*op)->final(from_original).ok());
  EXPECT_EQ(from_copy, from_original);
  EXPECT_EQ(from_original, *run(CKM_AES_CBC, iv.data(), iv.size(), key, true, kSp38aPlain));
}

TEST_F(AesTest, BlockModeErrors) {
  KeyPtr key = make_key(kSp38aKey128);
  const Bytes iv(16, 0), short_iv(15, 0);
  EXPECT_EQ(start(CKM_AES_CBC, short_iv.data(), short_iv.size(), key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(start(CKM_AES_CBC, nullptr, 16, key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(start(CKM_AES_ECB, iv.data(), iv.size(), key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(run(CKM_AES_CBC, iv.data(), iv.size(), key, true, Bytes(17)).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(run(CKM_AES_CBC, iv.data(), iv.size(), key, false, Bytes(17)).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(parts(CKM_AES_ECB, nullptr, 0, key, true, Bytes(33)).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(parts(CKM_AES_ECB, nullptr, 0, key, false, Bytes(33)).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(run(CKM_AES_CBC_PAD, iv.data(), iv.size(), key, false, Bytes(20)).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(run(CKM_AES_CBC_PAD, iv.data(), iv.size(), key, false, Bytes()).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  // Decrypting plain CBC output with CBC-PAD: the last byte is no padding.
  Bytes block = hex("000102030405060708090a0b0c0d0e00");
  auto enc = run(CKM_AES_CBC, iv.data(), iv.size(), key, true, block);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(run(CKM_AES_CBC_PAD, iv.data(), iv.size(), key, false, *enc).rv(), CKR_ENCRYPTED_DATA_INVALID);
  EXPECT_EQ(start(CKM_AES_ECB, nullptr, 0, make_key(Bytes(20, 1)), true).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(start(CKM_AES_ECB, nullptr, 0, make_key(Bytes(24, 1), CKK_DES3), true).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(AesTest, CtrHonoursCounterBits) {
  KeyPtr key = make_key(kSp38aKey128);
  CK_AES_CTR_PARAMS params{0, {}};
  EXPECT_EQ(start(CKM_AES_CTR, &params, sizeof(params), key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
  params.ulCounterBits = 129;
  EXPECT_EQ(start(CKM_AES_CTR, &params, sizeof(params), key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(start(CKM_AES_CTR, &params, sizeof(params) - 1, key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
  // 8 counter bits starting at 0xFE: two blocks left before the wrap.
  params.ulCounterBits = 8;
  params.cb[15] = 0xFE;
  EXPECT_TRUE(run(CKM_AES_CTR, &params, sizeof(params), key, true, Bytes(32)).ok());
  EXPECT_EQ(run(CKM_AES_CTR, &params, sizeof(params), key, true, Bytes(33)).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(parts(CKM_AES_CTR, &params, sizeof(params), key, false, Bytes(40)).rv(),
            CKR_ENCRYPTED_DATA_LEN_RANGE);
  // 64 counter bits at their maximum: one block; 65 bits leave room.
  params.ulCounterBits = 64;
  std::fill(params.cb + 8, params.cb + 16, 0xFF);
  EXPECT_TRUE(run(CKM_AES_CTR, &params, sizeof(params), key, true, Bytes(16)).ok());
  EXPECT_EQ(run(CKM_AES_CTR, &params, sizeof(params), key, true, Bytes(17)).rv(), CKR_DATA_LEN_RANGE);
  params.ulCounterBits = 65;
  EXPECT_TRUE(run(CKM_AES_CTR, &params, sizeof(params), key, true, Bytes(64)).ok());
  params.cb[7] = 0x01;  // now the 65-bit counter is all ones as well
  EXPECT_EQ(run(CKM_AES_CTR, &params, sizeof(params), key, true, Bytes(17)).rv(), CKR_DATA_LEN_RANGE);
}

// ---- GCM (test cases of McGrew & Viega, "The GCM mode of operation") ---------------

const Bytes kGcmKey3 = hex("feffe9928665731c6d6a8f9467308308");
const Bytes kGcmPlain3 = hex(
    "d9313225f88406e5a55909c5aff5269a 86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525 b16aedf5aa0de657ba637b391aafd255");
const Bytes kGcmAad4 = hex("feedfacedeadbeeffeedfacedeadbeef abaddad2");

struct Gcm {
  Bytes iv, aad;
  CK_GCM_PARAMS params;
  Gcm(Bytes iv_in, Bytes aad_in, CK_ULONG tag_bits = 128) : iv(std::move(iv_in)), aad(std::move(aad_in)) {
    params = {iv.data(), iv.size(), iv.size() * 8, aad.empty() ? nullptr : aad.data(), aad.size(), tag_bits};
  }
};

TEST_F(AesTest, GcmKnownAnswers) {
  Gcm tc1(Bytes(12, 0), {});  // empty plaintext: the output is the tag alone
  check_vector(CKM_AES_GCM, &tc1.params, sizeof(CK_GCM_PARAMS), Bytes(16, 0), {},
               hex("58e2fccefa7e3061367f1d57a4e7455a"));
  Gcm tc2(Bytes(12, 0), {});
  check_vector(CKM_AES_GCM, &tc2.params, sizeof(CK_GCM_PARAMS), Bytes(16, 0), Bytes(16, 0),
               hex("0388dace60b6a392f328c2b971b2fe78 ab6e47d42cec13bdf53a67b21257bddf"));
  Gcm tc3(hex("cafebabefacedbaddecaf888"), {});
  check_vector(CKM_AES_GCM, &tc3.params, sizeof(CK_GCM_PARAMS), kGcmKey3, kGcmPlain3,
               hex("42831ec2217774244b7221b784d0d49c e3aa212f2c02a4e035c17e2329aca12e"
                   "21d514b25466931c7d8f6a5aac84aa05 1ba30b396a0aac973d58e091473f5985"
                   "4d5c2af327cd64a62cf35abd2ba6fab4"));
  const Bytes plain4(kGcmPlain3.begin(), kGcmPlain3.end() - 4);
  Gcm tc4(hex("cafebabefacedbaddecaf888"), kGcmAad4);
  check_vector(CKM_AES_GCM, &tc4.params, sizeof(CK_GCM_PARAMS), kGcmKey3, plain4,
               hex("42831ec2217774244b7221b784d0d49c e3aa212f2c02a4e035c17e2329aca12e"
                   "21d514b25466931c7d8f6a5aac84aa05 1ba30b396a0aac973d58e091"
                   "5bc94fbc3221a5db94fae95ae7121a47"));
  // Test Case 6: a 60-byte IV (hashed into the counter block).
  Gcm tc6(hex("9313225df88406e555909c5aff5269aa 6a7a9538534f7da1e4c303d2a318a728"
              "c3c0c95156809539fcf0e2429a6b5254 16aedbf5a0de6a57a637b39b"),
          kGcmAad4);
  check_vector(CKM_AES_GCM, &tc6.params, sizeof(CK_GCM_PARAMS), kGcmKey3, plain4,
               hex("8ce24998625615b603a033aca13fb894 be9112a5c3a211a8ba262a3cca7e2ca7"
                   "01e4a9a4fba43c90ccdcb281d48c7c6f d62875d2aca417034c34aee5"
                   "619cc5aefffe0bfa462af43c1699d050"));
}

TEST_F(AesTest, GcmTruncatedTagAndBounds) {
  Gcm tc4(hex("cafebabefacedbaddecaf888"), kGcmAad4, 96);
  KeyPtr key = make_key(kGcmKey3);
  auto enc = run(CKM_AES_GCM, &tc4.params, sizeof(CK_GCM_PARAMS), key, true, kGcmPlain3);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->size(), kGcmPlain3.size() + 12);
  auto op = start(CKM_AES_GCM, &tc4.params, sizeof(CK_GCM_PARAMS), key, false);
  ASSERT_TRUE(op.ok());
  Bytes out;
  EXPECT_EQ((*op)->update_length(enc->size()), 0u);  // nothing before the tag is checked
  ASSERT_TRUE((*op)->update(*enc, out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_GE((*op)->final_length(), kGcmPlain3.size());
  ASSERT_TRUE((*op)->final(out).ok());
  EXPECT_EQ(out, kGcmPlain3);
}

TEST_F(AesTest, GcmErrors) {
  KeyPtr key = make_key(kGcmKey3);
  Gcm good(hex("cafebabefacedbaddecaf888"), kGcmAad4);
  for (CK_ULONG bits : {0UL, 8UL, 40UL, 100UL, 136UL}) {
    CK_GCM_PARAMS p = good.params;
    p.ulTagBits = bits;
    EXPECT_EQ(start(CKM_AES_GCM, &p, sizeof(p), key, true).rv(), CKR_MECHANISM_PARAM_INVALID) << bits;
  }
  CK_GCM_PARAMS p = good.params;
  p.ulIvLen = 0;
  EXPECT_EQ(start(CKM_AES_GCM, &p, sizeof(p), key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
  p = good.params;
  p.pIv = nullptr;
  EXPECT_EQ(start(CKM_AES_GCM, &p, sizeof(p), key, false).rv(), CKR_MECHANISM_PARAM_INVALID);
  p = good.params;
  p.pAAD = nullptr;
  EXPECT_EQ(start(CKM_AES_GCM, &p, sizeof(p), key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(start(CKM_AES_GCM, &good.params, sizeof(CK_GCM_PARAMS) - 8, key, true).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(start(CKM_AES_GCM, nullptr, 0, key, true).rv(), CKR_MECHANISM_PARAM_INVALID);

  auto enc = run(CKM_AES_GCM, &good.params, sizeof(CK_GCM_PARAMS), key, true, kGcmPlain3);
  ASSERT_TRUE(enc.ok());
  for (std::size_t flip : {std::size_t{0}, enc->size() - 1}) {  // ciphertext, then tag
    Bytes bad = *enc;
    bad[flip] ^= 1;
    auto op = start(CKM_AES_GCM, &good.params, sizeof(CK_GCM_PARAMS), key, false);
    ASSERT_TRUE(op.ok());
    Bytes out = {0xAA};
    EXPECT_EQ((*op)->run(bad, out).rv(), CKR_ENCRYPTED_DATA_INVALID);
    EXPECT_EQ(out, Bytes{0xAA});  // nothing released
  }
  EXPECT_EQ(run(CKM_AES_GCM, &good.params, sizeof(CK_GCM_PARAMS), key, false, Bytes(15)).rv(),
            CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(run(CKM_AES_GCM, &good.params, sizeof(CK_GCM_PARAMS), key, false, Bytes(16)).rv(),
            CKR_ENCRYPTED_DATA_INVALID);  // a tag alone, and a wrong one
}

TEST_F(AesTest, GcmCloneIsIndependent) {
  Gcm tc4(hex("cafebabefacedbaddecaf888"), kGcmAad4);
  KeyPtr key = make_key(kGcmKey3);
  for (bool encrypt : {true, false}) {
    const Bytes in = encrypt ? kGcmPlain3 : *run(CKM_AES_GCM, &tc4.params, sizeof(CK_GCM_PARAMS), key, true, kGcmPlain3);
    auto op = start(CKM_AES_GCM, &tc4.params, sizeof(CK_GCM_PARAMS), key, encrypt);
    ASSERT_TRUE(op.ok());
    Bytes a;
    ASSERT_TRUE((*op)->update(ByteView(in).first(21), a).ok());
    auto copy = (*op)->clone();
    ASSERT_NE(copy, nullptr);
    Bytes b = a;
    ASSERT_TRUE(copy->update(ByteView(in).subspan(21), b).ok());
    ASSERT_TRUE(copy->final(b).ok());
    ASSERT_TRUE((*op)->update(ByteView(in).subspan(21), a).ok());
    ASSERT_TRUE((*op)->final(a).ok());
    EXPECT_EQ(a, b);
  }
}

// ---- CCM (SP 800-38C Appendix C) -------------------------------------------------------

struct Ccm {
  Bytes nonce, aad;
  CK_CCM_PARAMS params;
  Ccm(Bytes n, Bytes a, CK_ULONG data_len, CK_ULONG mac_len) : nonce(std::move(n)), aad(std::move(a)) {
    params = {data_len, nonce.data(), nonce.size(), aad.empty() ? nullptr : aad.data(), aad.size(), mac_len};
  }
};

const Bytes kCcmKey = hex("404142434445464748494a4b4c4d4e4f");
const Bytes kCcmPlain = hex("202122232425262728292a2b2c2d2e2f3031323334353637");

TEST_F(AesTest, CcmKnownAnswers) {
  Ccm ex1(hex("10111213141516"), hex("0001020304050607"), 4, 4);
  check_vector(CKM_AES_CCM, &ex1.params, sizeof(CK_CCM_PARAMS), kCcmKey, Bytes(kCcmPlain.begin(), kCcmPlain.begin() + 4),
               hex("7162015b4dac255d"));
  Ccm ex2(hex("1011121314151617"), hex("000102030405060708090a0b0c0d0e0f"), 16, 6);
  check_vector(CKM_AES_CCM, &ex2.params, sizeof(CK_CCM_PARAMS), kCcmKey, Bytes(kCcmPlain.begin(), kCcmPlain.begin() + 16),
               hex("d2a1f0e051ea5f62081a7792073d593d 1fc64fbfaccd"));
  Ccm ex3(hex("101112131415161718191a1b"), hex("000102030405060708090a0b0c0d0e0f10111213"), 24, 8);
  check_vector(CKM_AES_CCM, &ex3.params, sizeof(CK_CCM_PARAMS), kCcmKey, kCcmPlain,
               hex("e3b201a9f5b71a7a9b1ceaeccd97e70b 6176aad9a4428aa5 484392fbc1b09951"));
}

TEST_F(AesTest, CcmEmptyPayloadRoundTrips) {
  Ccm empty(hex("10111213141516"), hex("0001020304050607"), 0, 16);
  KeyPtr key = make_key(kCcmKey);
  auto enc = run(CKM_AES_CCM, &empty.params, sizeof(CK_CCM_PARAMS), key, true, {});
  ASSERT_TRUE(enc.ok()) << enc.status().message();
  EXPECT_EQ(enc->size(), 16u);
  auto dec = run(CKM_AES_CCM, &empty.params, sizeof(CK_CCM_PARAMS), key, false, *enc);
  ASSERT_TRUE(dec.ok()) << dec.status().message();
  EXPECT_TRUE(dec->empty());
}

TEST_F(AesTest, CcmErrors) {
  KeyPtr key = make_key(kCcmKey);
  Ccm good(hex("1011121314151617"), hex("0001"), 16, 8);
  const Bytes plain(kCcmPlain.begin(), kCcmPlain.begin() + 16);
  EXPECT_EQ(run(CKM_AES_CCM, &good.params, sizeof(CK_CCM_PARAMS), key, true, Bytes(15)).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(parts(CKM_AES_CCM, &good.params, sizeof(CK_CCM_PARAMS), key, true, Bytes(17)).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(run(CKM_AES_CCM, &good.params, sizeof(CK_CCM_PARAMS), key, false, Bytes(16)).rv(),
            CKR_ENCRYPTED_DATA_LEN_RANGE);
  auto enc = run(CKM_AES_CCM, &good.params, sizeof(CK_CCM_PARAMS), key, true, plain);
  ASSERT_TRUE(enc.ok());
  (*enc)[3] ^= 0x80;
  EXPECT_EQ(run(CKM_AES_CCM, &good.params, sizeof(CK_CCM_PARAMS), key, false, *enc).rv(), CKR_ENCRYPTED_DATA_INVALID);
  for (auto [nonce_len, mac_len, data_len] : {std::tuple{6UL, 8UL, 16UL}, std::tuple{14UL, 8UL, 16UL},
                                               std::tuple{8UL, 5UL, 16UL}, std::tuple{8UL, 18UL, 16UL},
                                               std::tuple{8UL, 2UL, 16UL}, std::tuple{13UL, 8UL, 65536UL}}) {
    Ccm bad(Bytes(nonce_len, 1), {}, data_len, mac_len);
    EXPECT_EQ(start(CKM_AES_CCM, &bad.params, sizeof(CK_CCM_PARAMS), key, true).rv(), CKR_MECHANISM_PARAM_INVALID)
        << nonce_len << "/" << mac_len << "/" << data_len;
  }
  CK_CCM_PARAMS null_nonce = good.params;
  null_nonce.pNonce = nullptr;
  EXPECT_EQ(start(CKM_AES_CCM, &null_nonce, sizeof(null_nonce), key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
}

// ---- CMAC (RFC 4493 §4 = SP 800-38B Appendix D.1) -------------------------------------

TEST_F(AesTest, CmacKnownAnswers) {
  KeyPtr key = make_key(kSp38aKey128);
  CK_MECHANISM mech{CKM_AES_CMAC, nullptr, 0};
  const std::pair<std::size_t, const char*> vectors[] = {
      {0, "bb1d6929e95937287fa37d129b756746"},
      {16, "070a16b46b4d4144f79bdd9dd04a287c"},
      {40, "dfa66747de9ae63030ca32611497c827"},
      {64, "51f0bebf7e3b9d92fc49741779363cfe"}};
  for (auto [len, mac] : vectors) {
    const ByteView msg = ByteView(kSp38aPlain).first(len);
    auto op = row(CKM_AES_CMAC).sign(MechanismCall{*provider_, mech}, key);
    ASSERT_TRUE(op.ok()) << op.status().message();
    EXPECT_EQ((*op)->signature_length(), 16u);
    Bytes sig;
    for (std::size_t pos = 0; pos < len; pos += 7) ASSERT_TRUE((*op)->update(msg.subspan(pos, std::min<std::size_t>(7, len - pos))).ok());
    ASSERT_TRUE((*op)->final(sig).ok());
    EXPECT_EQ(sig, hex(mac)) << len;
    auto verify = row(CKM_AES_CMAC).verify(MechanismCall{*provider_, mech}, key);
    ASSERT_TRUE(verify.ok());
    EXPECT_TRUE((*verify)->verify(msg, sig).ok());
  }
}

TEST_F(AesTest, CmacGeneralAndVerifyErrors) {
  KeyPtr key = make_key(kSp38aKey128);
  CK_MAC_GENERAL_PARAMS len = 8;
  CK_MECHANISM general{CKM_AES_CMAC_GENERAL, &len, sizeof(len)};
  auto op = row(CKM_AES_CMAC_GENERAL).sign(MechanismCall{*provider_, general}, key);
  ASSERT_TRUE(op.ok());
  Bytes sig;
  ASSERT_TRUE((*op)->sign(ByteView(kSp38aPlain).first(16), sig).ok());
  EXPECT_EQ(sig, hex("070a16b46b4d4144"));

  auto verify = [&](CK_MECHANISM& mech, const Bytes& signature) {
    auto v = row(mech.mechanism).verify(MechanismCall{*provider_, mech}, key);
    return v.ok() ? (*v)->verify(ByteView(kSp38aPlain).first(16), signature).rv() : v.rv();
  };
  EXPECT_EQ(verify(general, sig), CKR_OK);
  Bytes wrong = sig;
  wrong[0] ^= 1;
  EXPECT_EQ(verify(general, wrong), CKR_SIGNATURE_INVALID);
  EXPECT_EQ(verify(general, Bytes(sig.begin(), sig.end() - 1)), CKR_SIGNATURE_LEN_RANGE);
  CK_MECHANISM full{CKM_AES_CMAC, nullptr, 0};
  EXPECT_EQ(verify(full, sig), CKR_SIGNATURE_LEN_RANGE);
  for (CK_MAC_GENERAL_PARAMS bad : {0UL, 17UL}) {
    len = bad;
    EXPECT_EQ(row(CKM_AES_CMAC_GENERAL).sign(MechanismCall{*provider_, general}, key).rv(), CKR_MECHANISM_PARAM_INVALID);
  }
  CK_MECHANISM with_param{CKM_AES_CMAC, &len, sizeof(len)};
  EXPECT_EQ(row(CKM_AES_CMAC).sign(MechanismCall{*provider_, with_param}, key).rv(), CKR_MECHANISM_PARAM_INVALID);
}

// ---- Key wrap (RFC 3394 §4, RFC 5649 §6) ------------------------------------------------

TEST_F(AesTest, KeyWrapKnownAnswers) {
  check_vector(CKM_AES_KEY_WRAP, nullptr, 0, hex("000102030405060708090A0B0C0D0E0F"),
               hex("00112233445566778899AABBCCDDEEFF"), hex("1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5"));
  check_vector(CKM_AES_KEY_WRAP, nullptr, 0,
               hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"),
               hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F"),
               hex("28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21"));
  const Bytes kek = hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8");
  check_vector(CKM_AES_KEY_WRAP_KWP, nullptr, 0, kek, hex("c37b7e6492584340bed12207808941155068f738"),
               hex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"));
  check_vector(CKM_AES_KEY_WRAP_KWP, nullptr, 0, kek, hex("466f7250617369"), hex("afbeb0f07dfbf5419200f2ccb50bb24f"));
}

TEST_F(AesTest, KeyWrapIvAndErrors) {
  KeyPtr key = make_key(kSp38aKey128);
  const Bytes data = hex("00112233445566778899AABBCCDDEEFF");
  const Bytes iv8 = hex("0102030405060708"), iv4 = hex("01020304");
  auto custom = run(CKM_AES_KEY_WRAP, iv8.data(), iv8.size(), key, true, data);
  auto standard = run(CKM_AES_KEY_WRAP, nullptr, 0, key, true, data);
  ASSERT_TRUE(custom.ok() && standard.ok());
  EXPECT_NE(*custom, *standard);
  EXPECT_EQ(*run(CKM_AES_KEY_WRAP, iv8.data(), iv8.size(), key, false, *custom), data);
  EXPECT_EQ(run(CKM_AES_KEY_WRAP, nullptr, 0, key, false, *custom).rv(), CKR_ENCRYPTED_DATA_INVALID);
  auto kwp = run(CKM_AES_KEY_WRAP_KWP, iv4.data(), iv4.size(), key, true, Bytes(5, 9));
  ASSERT_TRUE(kwp.ok());
  EXPECT_EQ(*run(CKM_AES_KEY_WRAP_KWP, iv4.data(), iv4.size(), key, false, *kwp), Bytes(5, 9));
  EXPECT_EQ(start(CKM_AES_KEY_WRAP, iv4.data(), iv4.size(), key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(start(CKM_AES_KEY_WRAP_KWP, iv8.data(), iv8.size(), key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(run(CKM_AES_KEY_WRAP, nullptr, 0, key, true, Bytes(8)).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(run(CKM_AES_KEY_WRAP, nullptr, 0, key, true, Bytes(20)).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(run(CKM_AES_KEY_WRAP, nullptr, 0, key, false, Bytes(16)).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(run(CKM_AES_KEY_WRAP_KWP, nullptr, 0, key, true, Bytes()).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(run(CKM_AES_KEY_WRAP_KWP, nullptr, 0, key, false, Bytes(20)).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  Bytes corrupted = *standard;
  corrupted[10] ^= 1;
  EXPECT_EQ(run(CKM_AES_KEY_WRAP, nullptr, 0, key, false, corrupted).rv(), CKR_ENCRYPTED_DATA_INVALID);
  // A forged KWP input: OpenSSL wipes a whole input's length of output then.
  for (std::size_t len : {16u, 32u}) {
    Bytes forged = *run(CKM_AES_KEY_WRAP_KWP, nullptr, 0, key, true, Bytes(len - 8, 7));
    forged[9] ^= 0x80;
    EXPECT_EQ(run(CKM_AES_KEY_WRAP_KWP, nullptr, 0, key, false, forged).rv(), CKR_ENCRYPTED_DATA_INVALID);
  }
}

}  // namespace
}  // namespace craton::crypto

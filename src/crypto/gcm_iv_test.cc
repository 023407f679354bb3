// gcm_iv: GF(2^128) arithmetic against the GCM specification's worked
// values, the IV mapping against OpenSSL's own handling of IVs it accepts,
// and IVs of 129..256 bytes end to end (classic single- and multi-part and
// message-based) against a small reference GCM written here.
#include "crypto/gcm_iv.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <string>

#include "crypto/cipher_util.h"
#include "crypto/families.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

using Block = std::array<std::uint8_t, kGcmBlockBytes>;

Bytes hex(std::string_view text) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    const int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
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

Gf128 gf(std::string_view text) {
  const Bytes bytes = hex(text);
  EXPECT_EQ(bytes.size(), kGcmBlockBytes);
  return gf128_load(std::span<const std::uint8_t, kGcmBlockBytes>(bytes.data(), kGcmBlockBytes));
}

Bytes to_bytes(const Gf128& value) {
  Block block;
  gf128_store(value, block);
  return Bytes(block.begin(), block.end());
}

KeyPtr make_key(const Bytes& value) {
  auto key = std::make_shared<Key>();
  key->object_class = CKO_SECRET_KEY;
  key->key_type = CKK_AES;
  key->secret.assign(value.begin(), value.end());
  key->bits = 8 * value.size();
  return key;
}

const MechanismEntry& gcm_row() {
  for (const MechanismEntry& entry : aes_mechanisms()) {
    if (entry.type == CKM_AES_GCM) return entry;
  }
  ADD_FAILURE() << "no CKM_AES_GCM row";
  static const MechanismEntry kEmpty{};
  return kEmpty;
}

// The GCM specification (McGrew & Viega), Test Case 6.
const Bytes kTc6Key = hex("feffe9928665731c6d6a8f9467308308");
const Bytes kTc6Iv = hex(
    "9313225df88406e555909c5aff5269aa 6a7a9538534f7da1e4c303d2a318a728"
    "c3c0c95156809539fcf0e2429a6b5254 16aedbf5a0de6a57a637b39b");
const Bytes kTc6Aad = hex("feedfacedeadbeeffeedfacedeadbeef abaddad2");
const Bytes kTc6Plain = hex(
    "d9313225f88406e5a55909c5aff5269a 86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525 b16aedf5aa0de657ba637b39");
const Bytes kTc6Cipher = hex(
    "8ce24998625615b603a033aca13fb894 be9112a5c3a211a8ba262a3cca7e2ca7"
    "01e4a9a4fba43c90ccdcb281d48c7c6f d62875d2aca417034c34aee5");
const Bytes kTc6Tag = hex("619cc5aefffe0bfa462af43c1699d050");
const Gf128 kTc6H = gf("b83b533708bf535d0aa6e52980d53b78");

// ---- Reference GCM (SP 800-38D §6-7), deliberately plain -----------------------------
// Bit by bit on byte arrays, sharing nothing with gcm_iv.cc but the EVP
// AES block function.

Block ref_mul(const Block& x, const Block& y) {
  Block z{}, v = y;
  for (int i = 0; i < 128; ++i) {
    if ((x[i / 8] >> (7 - i % 8)) & 1) {
      for (int j = 0; j < 16; ++j) z[j] ^= v[j];
    }
    const bool lsb = v[15] & 1;
    for (int j = 15; j > 0; --j) v[j] = static_cast<std::uint8_t>(v[j] >> 1 | v[j - 1] << 7);
    v[0] >>= 1;
    if (lsb) v[0] ^= 0xE1;
  }
  return z;
}

// Absorbs `data` zero-padded to whole blocks.
void ref_ghash(Block& y, const Block& h, ByteView data) {
  for (std::size_t pos = 0; pos < data.size(); pos += 16) {
    for (std::size_t j = 0; j < 16 && pos + j < data.size(); ++j) y[j] ^= data[pos + j];
    y = ref_mul(y, h);
  }
}

Block ref_lengths(std::uint64_t a_bytes, std::uint64_t b_bytes) {
  Block block{};
  for (int i = 0; i < 8; ++i) {
    block[i] = static_cast<std::uint8_t>((a_bytes * 8) >> (56 - 8 * i));
    block[8 + i] = static_cast<std::uint8_t>((b_bytes * 8) >> (56 - 8 * i));
  }
  return block;
}

class ReferenceGcm {
 public:
  ReferenceGcm(const Provider& provider, const Bytes& key) {
    const char* name = key.size() == 16 ? "AES-128-ECB" : key.size() == 24 ? "AES-192-ECB" : "AES-256-ECB";
    cipher_ = EVP_CIPHER_fetch(provider.libctx(), name, nullptr);
    ctx_ = EVP_CIPHER_CTX_new();
    EXPECT_EQ(EVP_EncryptInit_ex2(ctx_, cipher_, key.data(), nullptr, nullptr), 1);
    EVP_CIPHER_CTX_set_padding(ctx_, 0);
    h_ = aes(Block{});
  }
  ~ReferenceGcm() {
    EVP_CIPHER_CTX_free(ctx_);
    EVP_CIPHER_free(cipher_);
  }
  ReferenceGcm(const ReferenceGcm&) = delete;
  ReferenceGcm& operator=(const ReferenceGcm&) = delete;

  // Ciphertext || tag (tag_len bytes).
  Bytes encrypt(ByteView iv, ByteView aad, ByteView plain, std::size_t tag_len) {
    Block j0{};
    if (iv.size() == 12) {
      std::copy(iv.begin(), iv.end(), j0.begin());
      j0[15] = 1;
    } else {
      ref_ghash(j0, h_, iv);
      ref_ghash(j0, h_, ref_lengths(0, iv.size()));
    }
    Bytes out(plain.begin(), plain.end());
    Block counter = j0;
    for (std::size_t pos = 0; pos < out.size(); pos += 16) {
      inc32(counter);
      const Block stream = aes(counter);
      for (std::size_t j = 0; j < 16 && pos + j < out.size(); ++j) out[pos + j] ^= stream[j];
    }
    Block s{};
    ref_ghash(s, h_, aad);
    ref_ghash(s, h_, out);
    ref_ghash(s, h_, ref_lengths(aad.size(), out.size()));
    const Block mask = aes(j0);
    for (std::size_t j = 0; j < tag_len; ++j) out.push_back(s[j] ^ mask[j]);
    return out;
  }

 private:
  static void inc32(Block& counter) {
    for (int j = 15; j >= 12; --j) {
      if (++counter[j] != 0) break;
    }
  }
  Block aes(const Block& in) {
    Block out{};
    int len = 0;
    EXPECT_EQ(EVP_EncryptUpdate(ctx_, out.data(), &len, in.data(), 16), 1);
    return out;
  }

  EVP_CIPHER* cipher_ = nullptr;
  EVP_CIPHER_CTX* ctx_ = nullptr;
  Block h_{};
};

// ---- Fixture ---------------------------------------------------------------------------

class GcmIvTest : public ::testing::Test {
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

  static Bytes random_bytes(std::size_t n) {
    Bytes out(n);
    EXPECT_TRUE(provider_->random(out).ok());
    return out;
  }

  // OpenSSL's GCM directly: ciphertext || tag for an IV it accepts itself.
  static Bytes openssl_encrypt(const Bytes& key, ByteView iv, ByteView aad, ByteView plain) {
    auto cipher = fetch_cipher(*provider_, key.size() == 16   ? CipherName::kAes128Gcm
                                           : key.size() == 24 ? CipherName::kAes192Gcm
                                                              : CipherName::kAes256Gcm);
    EXPECT_TRUE(cipher.ok());
    auto ctx = new_cipher_ctx();
    EXPECT_TRUE(ctx.ok());
    EXPECT_TRUE(gcm_start(ctx->get(), *cipher, key, iv, aad, true).ok());
    Bytes out(plain.size() + 16);
    int len = 0, final_len = 0;
    EXPECT_EQ(EVP_EncryptUpdate(ctx->get(), out.data(), &len, plain.data(), static_cast<int>(plain.size())), 1);
    EXPECT_EQ(EVP_EncryptFinal_ex(ctx->get(), out.data() + len, &final_len), 1);
    EXPECT_TRUE(aead_get_tag(ctx->get(), out.data() + plain.size(), 16).ok());
    return out;
  }

  static Result<std::unique_ptr<CipherOperation>> start(const CK_GCM_PARAMS& params, const KeyPtr& key,
                                                        bool encrypt) {
    CK_MECHANISM mech{CKM_AES_GCM, const_cast<CK_GCM_PARAMS*>(&params), sizeof(params)};
    const MechanismEntry& row = gcm_row();
    return (encrypt ? row.encrypt : row.decrypt)(MechanismCall{*provider_, mech}, key);
  }

  static Result<Bytes> single(const CK_GCM_PARAMS& params, const KeyPtr& key, bool encrypt, ByteView in) {
    ASSIGN_OR_RETURN(std::unique_ptr<CipherOperation> op, start(params, key, encrypt));
    Bytes out;
    RETURN_IF_ERROR(op->run(in, out));
    return out;
  }

  // Parts of 1, 17, 33, ... bytes.
  static Result<Bytes> multi(const CK_GCM_PARAMS& params, const KeyPtr& key, bool encrypt, ByteView in) {
    ASSIGN_OR_RETURN(std::unique_ptr<CipherOperation> op, start(params, key, encrypt));
    Bytes out;
    for (std::size_t pos = 0, part = 1; pos < in.size(); pos += part, part += 16) {
      RETURN_IF_ERROR(op->update(in.subspan(pos, std::min(part, in.size() - pos)), out));
    }
    RETURN_IF_ERROR(op->final(out));
    return out;
  }

  static Result<std::unique_ptr<MessageCipherOperation>> message_op(const KeyPtr& key, bool encrypt) {
    CK_MECHANISM mech{CKM_AES_GCM, nullptr, 0};
    const MechanismEntry& row = gcm_row();
    return (encrypt ? row.message_encrypt : row.message_decrypt)(MechanismCall{*provider_, mech}, key);
  }

  static Provider* provider_;
};
Provider* GcmIvTest::provider_ = nullptr;

CK_GCM_PARAMS gcm_params(Bytes& iv, Bytes& aad, CK_ULONG tag_bits) {
  return CK_GCM_PARAMS{iv.data(), iv.size(), iv.size() * 8, aad.empty() ? nullptr : aad.data(), aad.size(),
                       tag_bits};
}

// ---- (a) GF(2^128) against the specification's worked values --------------------------

TEST_F(GcmIvTest, MultiplyMatchesTestCase2Ghash) {
  // Test Case 2: K = 0, P = 0^128. X1 = C·H, X2 = (X1 ⊕ len)·H.
  const Gf128 h = gf("66e94bd4ef8a2c3b884cfa59ca342b2e");
  const Gf128 x1 = gf128_mul(gf("0388dace60b6a392f328c2b971b2fe78"), h);
  EXPECT_EQ(to_bytes(x1), hex("5e2ec746917062882c85b0685353deb7"));
  const Gf128 x2 = gf128_mul(gf128_xor(x1, gf("00000000000000000000000000000080")), h);
  EXPECT_EQ(to_bytes(x2), hex("f38cbb1ad69223dcc3457ae5b6b0f885"));
}

TEST_F(GcmIvTest, IvHashMatchesTestCase6) {
  // The per-block values of the 60-byte IV's hash, then J0 (spec's Y0).
  const char* kSteps[] = {"004d6599d7fb1634756e1e299d81630f", "88ffe8a3c8033df4b54d732f7f88408e",
                          "24e694cfab657beabba8055aad495e23", "d8349a5eda24943c8fbb2ef5168b20cb"};
  Gf128 y;
  for (std::size_t i = 0; i < 4; ++i) {
    Block block{};
    std::copy_n(kTc6Iv.begin() + static_cast<std::ptrdiff_t>(16 * i), std::min<std::size_t>(16, 60 - 16 * i),
                block.begin());
    y = gf128_mul(gf128_xor(y, gf128_load(block)), kTc6H);
    EXPECT_EQ(to_bytes(y), hex(kSteps[i])) << i;
  }
  const Gf128 j0 = gf("3bab75780a31c059f83d2a44752f9864");
  EXPECT_EQ(gf128_mul(gf128_xor(y, gf("000000000000000000000000000001e0")), kTc6H), j0);
  EXPECT_EQ(GcmIvMapper::for_hash_subkey(kTc6H).pre_counter_block(kTc6Iv), j0);
  // H from the key (AES-ECB through the provider) gives the same J0.
  auto mapper = GcmIvMapper::for_key(*provider_, kTc6Key);
  ASSERT_TRUE(mapper.ok()) << mapper.status().message();
  EXPECT_EQ(mapper->pre_counter_block(kTc6Iv), j0);
}

TEST_F(GcmIvTest, MultiplyMatchesTestCase6TagHash) {
  // GHASH(H, A, C) of Test Case 6.
  Bytes input = kTc6Aad;
  input.resize(32, 0);
  input.insert(input.end(), kTc6Cipher.begin(), kTc6Cipher.end());
  input.resize(96, 0);
  const Bytes lengths = hex("00000000000000a0 00000000000001e0");
  input.insert(input.end(), lengths.begin(), lengths.end());
  Gf128 y;
  for (std::size_t pos = 0; pos < input.size(); pos += 16) {
    y = gf128_mul(gf128_xor(y, gf128_load(std::span<const std::uint8_t, 16>(input.data() + pos, 16))), kTc6H);
  }
  EXPECT_EQ(to_bytes(y), hex("1c5afe9760d3932f3c9a878aac3dc3de"));
}

// a^(2^128 - 2) by plain square-and-multiply with gf128_mul only: checks the
// fast inversion (its own squaring and addition chain) independently.
Gf128 slow_inverse(const Gf128& a) {
  Gf128 power = a;
  for (int k = 1; k < 127; ++k) power = gf128_mul(gf128_mul(power, power), a);
  return gf128_mul(power, power);
}

TEST_F(GcmIvTest, FieldIdentitiesAndInverse) {
  const Gf128 one = gf("80000000000000000000000000000000");
  EXPECT_EQ(gf128_inverse(Gf128{}), Gf128{});
  EXPECT_EQ(gf128_inverse(one), one);
  // x (the second bit) and x^127 (the last), whose squares need reduction.
  for (const Gf128& a : {gf("40000000000000000000000000000000"), gf("00000000000000000000000000000001"),
                         gf("ffffffffffffffffffffffffffffffff"), kTc6H}) {
    EXPECT_EQ(gf128_inverse(a), slow_inverse(a));
    EXPECT_EQ(gf128_mul(a, gf128_inverse(a)), one);
  }
  for (int i = 0; i < 64; ++i) {
    const Bytes a_bytes = random_bytes(16), b_bytes = random_bytes(16);
    const Gf128 a = gf128_load(std::span<const std::uint8_t, 16>(a_bytes.data(), 16));
    const Gf128 b = gf128_load(std::span<const std::uint8_t, 16>(b_bytes.data(), 16));
    EXPECT_EQ(gf128_mul(a, one), a);
    EXPECT_EQ(gf128_mul(a, b), gf128_mul(b, a));
    Block ra, rb;
    gf128_store(a, ra);
    gf128_store(b, rb);
    const Block reference = ref_mul(ra, rb);
    EXPECT_EQ(to_bytes(gf128_mul(a, b)), Bytes(reference.begin(), reference.end()));
    if (a != Gf128{}) {
      EXPECT_EQ(gf128_mul(a, gf128_inverse(a)), one);
    }
    if (i < 4) {
      EXPECT_EQ(gf128_inverse(a), slow_inverse(a));
    }
  }
}

// ---- The mapping itself -----------------------------------------------------------------

TEST_F(GcmIvTest, MappedIvHasTheSameJ0) {
  const Bytes h_bytes = random_bytes(16);
  const GcmIvMapper mapper =
      GcmIvMapper::for_hash_subkey(gf128_load(std::span<const std::uint8_t, 16>(h_bytes.data(), 16)));
  for (std::size_t len : {1u, 11u, 13u, 16u, 100u, 128u, 129u, 200u, 256u}) {
    const Bytes iv = random_bytes(len);
    Block mapped{};
    ASSERT_TRUE(mapper.map(iv, mapped).ok()) << len;
    EXPECT_EQ(mapper.pre_counter_block(mapped), mapper.pre_counter_block(iv)) << len;
  }
  Block out{};
  EXPECT_EQ(mapper.map(Bytes(12, 1), out).rv(), CKR_GENERAL_ERROR);
  EXPECT_EQ(mapper.map(Bytes(), out).rv(), CKR_GENERAL_ERROR);
}

TEST_F(GcmIvTest, ZeroHashSubkeyMapsEveryIvToJ0Zero) {
  // H = 0 (a key with AES_K(0) = 0): every non-96-bit IV hashes to J0 = 0,
  // and so does every 16-byte IV, so any mapped IV is right.
  const GcmIvMapper mapper = GcmIvMapper::for_hash_subkey(Gf128{});
  for (std::size_t len : {13u, 129u, 256u}) {
    const Bytes iv = random_bytes(len);
    Block mapped{};
    mapped.fill(0xFF);
    ASSERT_TRUE(mapper.map(iv, mapped).ok());
    EXPECT_EQ(mapper.pre_counter_block(iv), Gf128{});
    EXPECT_EQ(mapper.pre_counter_block(mapped), Gf128{});
  }
}

// (b) For IVs OpenSSL takes itself, its GCM with the mapped 16-byte IV gives
// exactly its output with the original IV.
TEST_F(GcmIvTest, ForcedMappingMatchesOpenSslNativeIvs) {
  for (std::size_t key_len : {16u, 24u, 32u}) {
    const Bytes key = random_bytes(key_len);
    auto mapper = GcmIvMapper::for_key(*provider_, key);
    ASSERT_TRUE(mapper.ok());
    for (std::size_t len = 1; len <= kOpenSslGcmMaxIvBytes; ++len) {
      if (len == 12) continue;
      const Bytes iv = random_bytes(len), aad = random_bytes(len % 37), plain = random_bytes(len % 53 + 1);
      Block mapped{};
      ASSERT_TRUE(mapper->map(iv, mapped).ok());
      EXPECT_EQ(openssl_encrypt(key, mapped, aad, plain), openssl_encrypt(key, iv, aad, plain))
          << "key " << key_len << " iv " << len;
    }
  }
}

TEST_F(GcmIvTest, OpenSslIvPassesNativeLengthsThrough) {
  const Bytes key(16, 7), iv(256, 9);
  SecureBytes storage;
  for (std::size_t len : {1u, 12u, 128u}) {
    auto view = openssl_gcm_iv(*provider_, key, ByteView(iv).first(len), storage);
    ASSERT_TRUE(view.ok());
    EXPECT_EQ(view->data(), iv.data());
    EXPECT_EQ(view->size(), len);
  }
  for (std::size_t len : {129u, 256u}) {
    auto view = openssl_gcm_iv(*provider_, key, ByteView(iv).first(len), storage);
    ASSERT_TRUE(view.ok());
    EXPECT_EQ(view->data(), storage.data());
    EXPECT_EQ(view->size(), kGcmBlockBytes);
  }
  EXPECT_EQ(openssl_gcm_iv(*provider_, key, {}, storage).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(openssl_gcm_iv(*provider_, key, Bytes(257), storage).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(openssl_gcm_iv(*provider_, Bytes(17), iv, storage).rv(), CKR_KEY_SIZE_RANGE);
}

// ---- (c) 129..256-byte IVs against the reference ------------------------------------------

TEST_F(GcmIvTest, ReferenceMatchesTestCase6) {
  ReferenceGcm ref(*provider_, kTc6Key);
  Bytes expected = kTc6Cipher;
  expected.insert(expected.end(), kTc6Tag.begin(), kTc6Tag.end());
  EXPECT_EQ(ref.encrypt(kTc6Iv, kTc6Aad, kTc6Plain, 16), expected);
}

TEST_F(GcmIvTest, LongIvsMatchReferenceSingleAndMultiPart) {
  const std::size_t kIvLens[] = {129, 144, 200, 255, 256};
  const CK_ULONG kTagBits[] = {128, 96, 32, 120, 64};
  const std::size_t kAadLens[] = {0, 20, 33, 1, 16};
  const std::size_t kPlainLens[] = {0, 1, 60, 100, 257};
  std::size_t round = 0;
  for (std::size_t key_len : {16u, 24u, 32u}) {
    const Bytes key_value = random_bytes(key_len);
    const KeyPtr key = make_key(key_value);
    ReferenceGcm ref(*provider_, key_value);
    for (std::size_t i = 0; i < std::size(kIvLens); ++i, ++round) {
      SCOPED_TRACE("key " + std::to_string(key_len) + " iv " + std::to_string(kIvLens[i]));
      Bytes iv = random_bytes(kIvLens[i]), aad = random_bytes(kAadLens[(i + round) % 5]);
      const Bytes plain = random_bytes(kPlainLens[(i + 2 * round) % 5]);
      const CK_ULONG tag_bits = kTagBits[(i + round) % 5];
      const CK_GCM_PARAMS params = gcm_params(iv, aad, tag_bits);
      const Bytes expected = ref.encrypt(iv, aad, plain, tag_bits / 8);

      auto enc = single(params, key, true, plain);
      ASSERT_TRUE(enc.ok()) << enc.status().message();
      EXPECT_EQ(*enc, expected);
      auto enc_parts = multi(params, key, true, plain);
      ASSERT_TRUE(enc_parts.ok()) << enc_parts.status().message();
      EXPECT_EQ(*enc_parts, expected);

      auto dec = single(params, key, false, expected);
      ASSERT_TRUE(dec.ok()) << dec.status().message();
      EXPECT_EQ(*dec, plain);
      auto dec_parts = multi(params, key, false, expected);
      ASSERT_TRUE(dec_parts.ok()) << dec_parts.status().message();
      EXPECT_EQ(*dec_parts, plain);

      Bytes forged = expected;
      forged.back() ^= 0x80;
      EXPECT_EQ(single(params, key, false, forged).rv(), CKR_ENCRYPTED_DATA_INVALID);
      // One IV byte past OpenSSL's limit changes the result.
      Bytes other_iv = iv;
      other_iv[kOpenSslGcmMaxIvBytes] ^= 1;
      EXPECT_EQ(single(gcm_params(other_iv, aad, tag_bits), key, false, expected).rv(),
                CKR_ENCRYPTED_DATA_INVALID);
    }
  }
}

TEST_F(GcmIvTest, LongIvsMatchReferenceInTheMessageApi) {
  const Bytes key_value = random_bytes(32);
  const KeyPtr key = make_key(key_value);
  ReferenceGcm ref(*provider_, key_value);
  auto enc = message_op(key, true);
  auto dec = message_op(key, false);
  ASSERT_TRUE(enc.ok() && dec.ok());
  const Bytes aad = random_bytes(24), plain = random_bytes(77);
  for (CK_GENERATOR_FUNCTION generator : {CKG_NO_GENERATE, CKG_GENERATE_COUNTER, CKG_GENERATE_RANDOM}) {
    for (std::size_t iv_len : {12u, 129u, 256u}) {
      SCOPED_TRACE("generator " + std::to_string(generator) + " iv " + std::to_string(iv_len));
      Bytes iv = random_bytes(iv_len), tag(12);
      CK_GCM_MESSAGE_PARAMS params{iv.data(), iv.size(), 32, generator, tag.data(), 96};
      ASSERT_TRUE((*enc)->begin(&params, sizeof(params), aad).ok());
      Bytes out;
      ASSERT_TRUE((*enc)->next(ByteView(plain).first(30), out, false).ok());
      ASSERT_TRUE((*enc)->next(ByteView(plain).subspan(30), out, true).ok());
      out.insert(out.end(), tag.begin(), tag.end());
      EXPECT_EQ(out, ref.encrypt(iv, aad, plain, 12));  // iv now holds what was used

      params.ivGenerator = CKG_NO_GENERATE;
      ASSERT_TRUE((*dec)->begin(&params, sizeof(params), aad).ok());
      Bytes back;
      ASSERT_TRUE((*dec)->next(ByteView(out).first(plain.size()), back, true).ok());
      EXPECT_EQ(back, plain);
    }
  }
}

// ---- (d) Through the mechanism rows: lengths accepted and refused ---------------------------

TEST_F(GcmIvTest, MechanismRoundTripsA200ByteIvAndRefusesBadLengths) {
  const KeyPtr key = make_key(random_bytes(16));
  Bytes iv = random_bytes(200), aad = random_bytes(13);
  const Bytes plain = random_bytes(50);
  const CK_GCM_PARAMS params = gcm_params(iv, aad, 128);
  auto enc = single(params, key, true, plain);
  ASSERT_TRUE(enc.ok()) << enc.status().message();
  EXPECT_EQ(enc->size(), plain.size() + 16);
  auto dec = single(params, key, false, *enc);
  ASSERT_TRUE(dec.ok()) << dec.status().message();
  EXPECT_EQ(*dec, plain);

  Bytes long_iv = random_bytes(257);
  for (bool encrypt : {true, false}) {
    EXPECT_EQ(start(gcm_params(long_iv, aad, 128), key, encrypt).rv(), CKR_MECHANISM_PARAM_INVALID);
    CK_GCM_PARAMS empty = params;
    empty.ulIvLen = 0;
    EXPECT_EQ(start(empty, key, encrypt).rv(), CKR_MECHANISM_PARAM_INVALID);
  }
  auto msg = message_op(key, true);
  ASSERT_TRUE(msg.ok());
  Bytes tag(16);
  for (std::size_t len : {0u, 257u}) {
    CK_GCM_MESSAGE_PARAMS p{long_iv.data(), len, 0, CKG_NO_GENERATE, tag.data(), 128};
    EXPECT_EQ((*msg)->begin(&p, sizeof(p), aad).rv(), CKR_MECHANISM_PARAM_INVALID) << len;
  }
}

}  // namespace
}  // namespace craton::crypto

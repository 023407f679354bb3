#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string>

#include "crypto/families.h"
#include "crypto/hash_names.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

std::string to_hex(ByteView bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (std::uint8_t b : bytes) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 0xF];
  }
  return hex;
}

Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

KeyPtr secret_key(ByteView value, CK_KEY_TYPE type = CKK_GENERIC_SECRET) {
  auto key = std::make_shared<Key>();
  key->object_class = CKO_SECRET_KEY;
  key->key_type = type;
  key->secret.assign(value.begin(), value.end());
  key->bits = 8 * value.size();
  return key;
}

const MechanismEntry* hmac_row(CK_MECHANISM_TYPE type) {
  for (const MechanismEntry& row : hmac_mechanisms()) {
    if (row.type == type) return &row;
  }
  return nullptr;
}

class HmacTest : public ::testing::Test {
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

  static Result<std::unique_ptr<SignOperation>> start_sign(const CK_MECHANISM& mech, const KeyPtr& key) {
    const MechanismEntry* row = hmac_row(mech.mechanism);
    if (row == nullptr) return Status(CKR_MECHANISM_INVALID, "no row");
    return row->sign(MechanismCall{*provider_, mech}, key);
  }
  static Result<std::unique_ptr<VerifyOperation>> start_verify(const CK_MECHANISM& mech, const KeyPtr& key) {
    const MechanismEntry* row = hmac_row(mech.mechanism);
    if (row == nullptr) return Status(CKR_MECHANISM_INVALID, "no row");
    return row->verify(MechanismCall{*provider_, mech}, key);
  }

  // Single-part MAC as hex ("" on failure, with the failure reported).
  static std::string mac_hex(CK_MECHANISM_TYPE type, ByteView key, ByteView data) {
    CK_MECHANISM mech{type, nullptr, 0};
    auto op = start_sign(mech, secret_key(key));
    EXPECT_TRUE(op.ok()) << op.status().message();
    if (!op.ok()) return {};
    Bytes mac;
    EXPECT_TRUE((*op)->sign(data, mac).ok());
    EXPECT_EQ(mac.size(), (*op)->signature_length());
    return to_hex(mac);
  }

  static CK_RV verify_rv(const CK_MECHANISM& mech, ByteView key, ByteView data, ByteView mac) {
    auto op = start_verify(mech, secret_key(key));
    if (!op.ok()) return op.rv();
    return (*op)->verify(data, mac).rv();
  }

  static Provider* provider_;
};
Provider* HmacTest::provider_ = nullptr;

// RFC 4231 inputs (test cases 1-4, 6, 7) and the HMAC-SHA-224/256/384/512 outputs.
struct Rfc4231Case {
  int number;
  Bytes key;
  Bytes data;
  const char* sha224;
  const char* sha256;
  const char* sha384;
  const char* sha512;
};

Bytes repeat(std::uint8_t byte, std::size_t count) { return Bytes(count, byte); }
Bytes text(std::string_view s) { return copy_bytes(as_bytes(s)); }

std::vector<Rfc4231Case> rfc4231_cases() {
  Bytes key4;
  for (std::uint8_t i = 1; i <= 25; ++i) key4.push_back(i);
  return {
      {1, repeat(0x0b, 20), text("Hi There"), "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
       "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
       "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4"
       "be9d914eeb61f1702e696c203a126854"},
      {2, text("Jefe"), text("what do ya want for nothing?"),
       "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
       "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fd"
       "caeab1a34d4a6b4b636e070a38bce737"},
      {3, repeat(0xaa, 20), repeat(0xdd, 50), "7fb3cb3588c6c1f6ffa9694d7d6ad2649365b0c1f65d69d1ec8333ea",
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
       "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
       "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807"
       "b946a337bee8942674278859e13292fb"},
      {4, key4, repeat(0xcd, 50), "6c11506874013cac6a2abc1bb382627cec6a90d86efc012de7afec5a",
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
       "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
       "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063"
       "a5f19741120c4f2de2adebeb10a298dd"},
      {6, repeat(0xaa, 131), text("Test Using Larger Than Block-Size Key - Hash Key First"),
       "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
       "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
       "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e52"
       "95e64f73f63f0aec8b915a985d786598"},
      {7, repeat(0xaa, 131),
       text("This is a test using a larger than block-size key and a larger than block-size data. The key "
            "needs to be hashed before being used by the HMAC algorithm."),
       "3a854166ac5d9f023f54d517d0b39dbd946770db9c2b95c9f6f565d1",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
       "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
       "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15"
       "134676fb6de0446065c97440fa8c6a58"},
  };
}

TEST_F(HmacTest, Rfc4231Sha2) {
  for (const Rfc4231Case& c : rfc4231_cases()) {
    SCOPED_TRACE("RFC 4231 test case " + std::to_string(c.number));
    EXPECT_EQ(mac_hex(CKM_SHA224_HMAC, c.key, c.data), c.sha224);
    EXPECT_EQ(mac_hex(CKM_SHA256_HMAC, c.key, c.data), c.sha256);
    EXPECT_EQ(mac_hex(CKM_SHA384_HMAC, c.key, c.data), c.sha384);
    EXPECT_EQ(mac_hex(CKM_SHA512_HMAC, c.key, c.data), c.sha512);
    CK_MECHANISM mech{CKM_SHA256_HMAC, nullptr, 0};
    EXPECT_EQ(verify_rv(mech, c.key, c.data, from_hex(c.sha256)), CKR_OK);
  }
}

// RFC 2202 test cases 1 and 2 for HMAC-SHA-1.
TEST_F(HmacTest, Rfc2202Sha1) {
  EXPECT_EQ(mac_hex(CKM_SHA_1_HMAC, repeat(0x0b, 20), text("Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(mac_hex(CKM_SHA_1_HMAC, text("Jefe"), text("what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

// NIST "Keyed-Hash Message Authentication Code" example, HMAC-SHA3-256, keylen < blocklen.
TEST_F(HmacTest, NistSha3_256Example) {
  Bytes key;
  for (std::uint8_t i = 0; i < 32; ++i) key.push_back(i);
  EXPECT_EQ(mac_hex(CKM_SHA3_256_HMAC, key, text("Sample message for keylen<blocklen")),
            "4fe8e202c4f058e8dddc23d8c34e467343e23555e24fc2f025d598f558f67205");
}

// OpenSSL's EVP_MAC used directly, as an independent reference.
std::string evp_hmac_hex(OSSL_LIB_CTX* libctx, const char* digest, ByteView key, ByteView data) {
  EVP_MAC* mac = EVP_MAC_fetch(libctx, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
                         OSSL_PARAM_construct_end()};
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t out_len = 0;
  const bool ok = ctx != nullptr && EVP_MAC_init(ctx, key.data(), key.size(), params) == 1 &&
                  EVP_MAC_update(ctx, data.data(), data.size()) == 1 &&
                  EVP_MAC_final(ctx, out, &out_len, sizeof(out)) == 1;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return ok ? to_hex(ByteView(out, out_len)) : std::string("EVP failure");
}

// The hashes without a published vector above, checked against EVP_MAC.
TEST_F(HmacTest, OtherHashesMatchEvpMacDirectly) {
  const Bytes key = text("cross-check key of moderate length");
  const Bytes data = repeat(0x5a, 300);
  struct {
    CK_MECHANISM_TYPE type;
    const char* digest;
  } cases[] = {
      {CKM_SHA3_224_HMAC, "SHA3-224"}, {CKM_SHA3_256_HMAC, "SHA3-256"}, {CKM_SHA3_384_HMAC, "SHA3-384"},
      {CKM_SHA3_512_HMAC, "SHA3-512"}, {CKM_MD5_HMAC, "MD5"},
#ifdef CKM_SHA512_224_HMAC
      {CKM_SHA512_224_HMAC, "SHA512-224"},
#endif
#ifdef CKM_SHA512_256_HMAC
      {CKM_SHA512_256_HMAC, "SHA512-256"},
#endif
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.digest);
    EXPECT_EQ(mac_hex(c.type, key, data), evp_hmac_hex(provider_->libctx(), c.digest, key, data));
  }
}

// RFC 4231 test case 5 (truncation to 128 bits) through the _GENERAL mechanisms.
TEST_F(HmacTest, GeneralTruncates) {
  const Bytes key = repeat(0x0c, 20);
  const Bytes data = text("Test With Truncation");
  struct {
    CK_MECHANISM_TYPE type;
    const char* expected;
  } cases[] = {
      {CKM_SHA224_HMAC_GENERAL, "0e2aea68a90c8d37c988bcdb9fca6fa8"},
      {CKM_SHA256_HMAC_GENERAL, "a3b6167473100ee06e0c796c2955552b"},
      {CKM_SHA384_HMAC_GENERAL, "3abf34c3503b2a23a46efc619baef897"},
      {CKM_SHA512_HMAC_GENERAL, "415fad6271580a531d4179bc891d87a6"},
  };
  for (const auto& c : cases) {
    CK_MAC_GENERAL_PARAMS length = 16;
    CK_MECHANISM mech{c.type, &length, sizeof(length)};
    auto op = start_sign(mech, secret_key(key));
    ASSERT_TRUE(op.ok()) << op.status().message();
    EXPECT_EQ((*op)->signature_length(), 16u);
    Bytes mac;
    ASSERT_TRUE((*op)->sign(data, mac).ok());
    EXPECT_EQ(to_hex(mac), c.expected);
    EXPECT_EQ(verify_rv(mech, key, data, mac), CKR_OK);
    EXPECT_EQ(verify_rv(mech, key, data, ByteView(mac).first(15)), CKR_SIGNATURE_LEN_RANGE);
  }
}

TEST_F(HmacTest, GeneralLengthLimits) {
  const Bytes key = repeat(0x42, 32);
  for (CK_MAC_GENERAL_PARAMS length : {CK_ULONG{1}, CK_ULONG{32}}) {
    CK_MECHANISM mech{CKM_SHA256_HMAC_GENERAL, &length, sizeof(length)};
    auto op = start_sign(mech, secret_key(key));
    ASSERT_TRUE(op.ok());
    Bytes mac;
    ASSERT_TRUE((*op)->sign(text("x"), mac).ok());
    EXPECT_EQ(mac.size(), length);
    EXPECT_EQ(to_hex(mac), mac_hex(CKM_SHA256_HMAC, key, text("x")).substr(0, 2 * length));
  }
  for (CK_MAC_GENERAL_PARAMS length : {CK_ULONG{0}, CK_ULONG{33}, CK_ULONG{1000}}) {
    CK_MECHANISM mech{CKM_SHA256_HMAC_GENERAL, &length, sizeof(length)};
    EXPECT_EQ(start_sign(mech, secret_key(key)).rv(), CKR_MECHANISM_PARAM_INVALID) << length;
    EXPECT_EQ(start_verify(mech, secret_key(key)).rv(), CKR_MECHANISM_PARAM_INVALID) << length;
  }
  CK_MAC_GENERAL_PARAMS length = 16;
  CK_MECHANISM no_param{CKM_SHA256_HMAC_GENERAL, nullptr, 0};
  EXPECT_EQ(start_sign(no_param, secret_key(key)).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_MECHANISM short_param{CKM_SHA256_HMAC_GENERAL, &length, 4};
  EXPECT_EQ(start_sign(short_param, secret_key(key)).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_MECHANISM null_param{CKM_SHA256_HMAC_GENERAL, nullptr, sizeof(length)};
  EXPECT_EQ(start_sign(null_param, secret_key(key)).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(HmacTest, FullLengthMechanismRefusesAParameter) {
  CK_MAC_GENERAL_PARAMS length = 16;
  CK_MECHANISM mech{CKM_SHA256_HMAC, &length, sizeof(length)};
  EXPECT_EQ(start_sign(mech, secret_key(text("k"))).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(HmacTest, VerifyErrors) {
  const Bytes key = text("Jefe");
  const Bytes data = text("what do ya want for nothing?");
  Bytes good = from_hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CK_MECHANISM mech{CKM_SHA256_HMAC, nullptr, 0};
  EXPECT_EQ(verify_rv(mech, key, data, good), CKR_OK);
  Bytes flipped = good;
  flipped.back() ^= 1;
  EXPECT_EQ(verify_rv(mech, key, data, flipped), CKR_SIGNATURE_INVALID);
  flipped = good;
  flipped.front() ^= 0x80;
  EXPECT_EQ(verify_rv(mech, key, data, flipped), CKR_SIGNATURE_INVALID);
  EXPECT_EQ(verify_rv(mech, key, data, ByteView(good).first(31)), CKR_SIGNATURE_LEN_RANGE);
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_EQ(verify_rv(mech, key, data, longer), CKR_SIGNATURE_LEN_RANGE);
  EXPECT_EQ(verify_rv(mech, key, data, {}), CKR_SIGNATURE_LEN_RANGE);
  EXPECT_EQ(verify_rv(mech, key, text("other data"), good), CKR_SIGNATURE_INVALID);
}

TEST_F(HmacTest, MultiPartEqualsSinglePart) {
  const Bytes key = repeat(0x11, 40);
  const Bytes data = repeat(0x77, 1000);
  CK_MECHANISM mech{CKM_SHA3_512_HMAC, nullptr, 0};
  auto op = start_sign(mech, secret_key(key));
  ASSERT_TRUE(op.ok());
  for (std::size_t off = 0; off < data.size(); off += 37) {
    ASSERT_TRUE((*op)->update(ByteView(data).subspan(off, std::min<std::size_t>(37, data.size() - off))).ok());
  }
  Bytes mac;
  ASSERT_TRUE((*op)->final(mac).ok());
  EXPECT_EQ(to_hex(mac), mac_hex(CKM_SHA3_512_HMAC, key, data));

  auto verify = start_verify(mech, secret_key(key));
  ASSERT_TRUE(verify.ok());
  ASSERT_TRUE((*verify)->update(ByteView(data).first(500)).ok());
  ASSERT_TRUE((*verify)->update(ByteView(data).subspan(500)).ok());
  EXPECT_TRUE((*verify)->final(mac).ok());
}

TEST_F(HmacTest, KeyErrors) {
  CK_MECHANISM mech{CKM_SHA256_HMAC, nullptr, 0};
  EXPECT_EQ(start_sign(mech, secret_key({})).rv(), CKR_KEY_SIZE_RANGE);
  auto public_key = std::make_shared<Key>();
  public_key->object_class = CKO_PUBLIC_KEY;
  public_key->key_type = CKK_EC;
  EXPECT_EQ(start_sign(mech, public_key).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(start_verify(mech, nullptr).rv(), CKR_KEY_HANDLE_INVALID);
}

TEST_F(HmacTest, PerHashKeyTypeWorks) {
  CK_MECHANISM mech{CKM_SHA256_HMAC, nullptr, 0};
  auto op = start_sign(mech, secret_key(text("Jefe"), CKK_SHA256_HMAC));
  ASSERT_TRUE(op.ok());
  Bytes mac;
  ASSERT_TRUE((*op)->sign(text("what do ya want for nothing?"), mac).ok());
  EXPECT_EQ(to_hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(HmacTest, RowsAreConsistent) {
  for (const MechanismEntry& row : hmac_mechanisms()) {
    SCOPED_TRACE(row.name);
    if (row.type == CKM_GENERIC_SECRET_KEY_GEN) {
      EXPECT_EQ(row.flags, CKF_GENERATE);
      EXPECT_NE(row.generate_key, nullptr);
      continue;
    }
    EXPECT_EQ(row.flags, CKF_SIGN | CKF_VERIFY);
    EXPECT_NE(row.sign, nullptr);
    EXPECT_NE(row.verify, nullptr);
    EXPECT_EQ(row.min_key_size, 1u);
    EXPECT_EQ(row.max_key_size, kMaxSecretKeyBytes);
    ASSERT_EQ(row.key_types.size(), 2u);
    EXPECT_EQ(*row.key_types.begin(), CKK_GENERIC_SECRET);
    const bool md5 = row.type == CKM_MD5_HMAC || row.type == CKM_MD5_HMAC_GENERAL;
    EXPECT_EQ(row.legacy, md5);
    EXPECT_EQ(row.approved, !md5);
  }
  EXPECT_NE(hmac_row(CKM_SHA3_224_HMAC_GENERAL), nullptr);
  EXPECT_NE(hmac_row(CKM_SHA512_HMAC_GENERAL), nullptr);
}

TEST_F(HmacTest, GenericSecretKeyGen) {
  const MechanismEntry* row = hmac_row(CKM_GENERIC_SECRET_KEY_GEN);
  ASSERT_NE(row, nullptr);
  CK_MECHANISM mech{CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
  AttributeMap tmpl;
  tmpl.set_ulong(CKA_VALUE_LEN, 20);
  auto out = row->generate_key(MechanismCall{*provider_, mech}, tmpl);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->find(CKA_VALUE)->size(), 20u);
  EXPECT_EQ(out->get_ulong(CKA_VALUE_LEN), 20u);
  EXPECT_EQ(row->generate_key(MechanismCall{*provider_, mech}, AttributeMap{}).rv(), CKR_TEMPLATE_INCOMPLETE);
}

}  // namespace
}  // namespace craton::crypto

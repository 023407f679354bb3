#include <gtest/gtest.h>

#include <string>

#include "crypto/families.h"
#include "crypto/hash_names.h"
#include "crypto/pbkdf2.h"
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

Bytes range_bytes(int first, int last_exclusive) {
  Bytes out;
  for (int i = first; i < last_exclusive; ++i) out.push_back(static_cast<std::uint8_t>(i));
  return out;
}

Bytes text(std::string_view s) { return copy_bytes(as_bytes(s)); }

KeyPtr make_key(ByteView value, CK_OBJECT_CLASS cls = CKO_SECRET_KEY, CK_KEY_TYPE type = CKK_GENERIC_SECRET) {
  auto key = std::make_shared<Key>();
  key->object_class = cls;
  key->key_type = type;
  key->secret.assign(value.begin(), value.end());
  key->bits = 8 * value.size();
  return key;
}

const MechanismEntry* kdf_row(CK_MECHANISM_TYPE type) {
  for (const MechanismEntry& row : kdf_mechanisms()) {
    if (row.type == type) return &row;
  }
  return nullptr;
}

class KdfTest : public ::testing::Test {
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
  static Provider* provider_;
};
Provider* KdfTest::provider_ = nullptr;

// ------------------------------------------------------------------- HKDF

struct HkdfVector {
  Bytes ikm;
  Bytes salt;  // empty = no salt (CKF_HKDF_SALT_NULL)
  Bytes info;
  std::size_t length;
  const char* prk;
  const char* okm;
};

// RFC 5869 Appendix A, test cases 1-3 (SHA-256).
std::vector<HkdfVector> rfc5869_vectors() {
  return {
      {Bytes(22, 0x0b), range_bytes(0x00, 0x0d), range_bytes(0xf0, 0xfa), 42,
       "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      {range_bytes(0x00, 0x50), range_bytes(0x60, 0xb0), range_bytes(0xb0, 0x100), 82,
       "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
       "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      {Bytes(22, 0x0b), {}, {}, 42, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
  };
}

class HkdfTest : public KdfTest {
 protected:
  static CK_HKDF_PARAMS params_for(const HkdfVector& v, bool extract, bool expand) {
    CK_HKDF_PARAMS p{};
    p.bExtract = extract ? CK_TRUE : CK_FALSE;
    p.bExpand = expand ? CK_TRUE : CK_FALSE;
    p.prfHashMechanism = CKM_SHA256;
    p.ulSaltType = v.salt.empty() ? CKF_HKDF_SALT_NULL : CKF_HKDF_SALT_DATA;
    p.pSalt = v.salt.empty() ? nullptr : const_cast<CK_BYTE_PTR>(v.salt.data());
    p.ulSaltLen = v.salt.size();
    p.pInfo = v.info.empty() ? nullptr : const_cast<CK_BYTE_PTR>(v.info.data());
    p.ulInfoLen = v.info.size();
    return p;
  }

  static Result<SecureBytes> derive(CK_MECHANISM_TYPE type, CK_HKDF_PARAMS& params, const KeyPtr& base,
                                    std::size_t length, const KeyResolver& resolve = {}) {
    return derive_raw(type, &params, sizeof(params), base, length, resolve);
  }

  static Result<SecureBytes> derive_raw(CK_MECHANISM_TYPE type, void* param, CK_ULONG param_len,
                                        const KeyPtr& base, std::size_t length, const KeyResolver& resolve = {}) {
    CK_MECHANISM mech{type, param, param_len};
    return kdf_row(type)->derive(MechanismCall{*provider_, mech}, base, length, resolve);
  }
};

TEST_F(HkdfTest, Rfc5869ExtractAndExpand) {
  for (const HkdfVector& v : rfc5869_vectors()) {
    CK_HKDF_PARAMS p = params_for(v, true, true);
    auto okm = derive(CKM_HKDF_DERIVE, p, make_key(v.ikm), v.length);
    ASSERT_TRUE(okm.ok()) << okm.status().message();
    EXPECT_EQ(to_hex(*okm), v.okm);
  }
}

TEST_F(HkdfTest, Rfc5869ExtractOnly) {
  for (const HkdfVector& v : rfc5869_vectors()) {
    CK_HKDF_PARAMS p = params_for(v, true, false);
    auto prk = derive(CKM_HKDF_DERIVE, p, make_key(v.ikm), 0);
    ASSERT_TRUE(prk.ok()) << prk.status().message();
    EXPECT_EQ(to_hex(*prk), v.prk);
    auto restated = derive(CKM_HKDF_DERIVE, p, make_key(v.ikm), 32);  // the PRK size restated
    ASSERT_TRUE(restated.ok());
    EXPECT_EQ(to_hex(*restated), v.prk);
    EXPECT_EQ(derive(CKM_HKDF_DERIVE, p, make_key(v.ikm), 16).rv(), CKR_KEY_SIZE_RANGE);
  }
}

TEST_F(HkdfTest, Rfc5869ExpandOnly) {
  for (const HkdfVector& v : rfc5869_vectors()) {
    CK_HKDF_PARAMS p = params_for(v, false, true);
    p.ulSaltType = 0;  // ignored without extract
    auto okm = derive(CKM_HKDF_DERIVE, p, make_key(from_hex(v.prk), CKO_SECRET_KEY, CKK_HKDF), v.length);
    ASSERT_TRUE(okm.ok()) << okm.status().message();
    EXPECT_EQ(to_hex(*okm), v.okm);
  }
}

TEST_F(HkdfTest, SaltFromKeyHandle) {
  const HkdfVector v = rfc5869_vectors()[0];
  CK_HKDF_PARAMS p = params_for(v, true, true);
  p.ulSaltType = CKF_HKDF_SALT_KEY;
  p.pSalt = nullptr;
  p.ulSaltLen = 0;
  p.hSaltKey = 77;
  CK_OBJECT_HANDLE asked = 0;
  KeyResolver resolve = [&](CK_OBJECT_HANDLE handle) -> Result<KeyPtr> {
    asked = handle;
    return make_key(v.salt, CKO_SECRET_KEY, CKK_HKDF);
  };
  auto okm = derive(CKM_HKDF_DERIVE, p, make_key(v.ikm), v.length, resolve);
  ASSERT_TRUE(okm.ok()) << okm.status().message();
  EXPECT_EQ(asked, 77u);
  EXPECT_EQ(to_hex(*okm), v.okm);

  KeyResolver missing = [](CK_OBJECT_HANDLE) -> Result<KeyPtr> { return Status(CKR_KEY_HANDLE_INVALID); };
  EXPECT_EQ(derive(CKM_HKDF_DERIVE, p, make_key(v.ikm), v.length, missing).rv(), CKR_KEY_HANDLE_INVALID);
  KeyResolver public_key = [](CK_OBJECT_HANDLE) -> Result<KeyPtr> {
    return make_key(text("x"), CKO_PUBLIC_KEY, CKK_EC);
  };
  EXPECT_EQ(derive(CKM_HKDF_DERIVE, p, make_key(v.ikm), v.length, public_key).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(derive(CKM_HKDF_DERIVE, p, make_key(v.ikm), v.length).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(HkdfTest, DataMechanismTakesADataObject) {
  const HkdfVector v = rfc5869_vectors()[0];
  CK_HKDF_PARAMS p = params_for(v, true, true);
  auto okm = derive(CKM_HKDF_DATA, p, make_key(v.ikm, CKO_DATA), v.length);
  ASSERT_TRUE(okm.ok()) << okm.status().message();
  EXPECT_EQ(to_hex(*okm), v.okm);
  auto from_key = derive(CKM_HKDF_DATA, p, make_key(v.ikm), v.length);
  ASSERT_TRUE(from_key.ok());
  EXPECT_EQ(to_hex(*from_key), v.okm);
  // An empty data object is a valid (zero-length) IKM; value cross-checked with Python's hmac.
  CK_HKDF_PARAMS no_salt = params_for(rfc5869_vectors()[2], true, true);
  auto empty = derive(CKM_HKDF_DATA, no_salt, make_key({}, CKO_DATA), 32);
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_EQ(to_hex(*empty), "eb70f01dede9afafa449eee1b1286504e1f62388b3f7dd4f956697b0e828fe18");
  // HKDF_DERIVE wants a secret key.
  EXPECT_EQ(derive(CKM_HKDF_DERIVE, p, make_key(v.ikm, CKO_DATA), v.length).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(derive(CKM_HKDF_DERIVE, p, nullptr, v.length).rv(), CKR_KEY_HANDLE_INVALID);
}

TEST_F(HkdfTest, OtherHashesAndLengthLimits) {
  const HkdfVector v = rfc5869_vectors()[0];
  CK_HKDF_PARAMS p = params_for(v, true, true);
  for (CK_MECHANISM_TYPE hash : {CKM_SHA_1, CKM_SHA384, CKM_SHA512, CKM_SHA512_256, CKM_SHA3_256}) {
    p.prfHashMechanism = hash;
    const std::size_t max = 255 * hash_by_mechanism(hash)->digest_size;
    auto okm = derive(CKM_HKDF_DERIVE, p, make_key(v.ikm), max);
    ASSERT_TRUE(okm.ok()) << okm.status().message();
    EXPECT_EQ(okm->size(), max);
    EXPECT_EQ(derive(CKM_HKDF_DERIVE, p, make_key(v.ikm), max + 1).rv(), CKR_KEY_SIZE_RANGE);
  }
  p.prfHashMechanism = CKM_SHA256;
  EXPECT_EQ(derive(CKM_HKDF_DERIVE, p, make_key(v.ikm), 0).rv(), CKR_TEMPLATE_INCOMPLETE);
}

TEST_F(HkdfTest, ParameterErrors) {
  const HkdfVector v = rfc5869_vectors()[0];
  const KeyPtr base = make_key(v.ikm);
  CK_HKDF_PARAMS good = params_for(v, true, true);
  auto rv_with = [&](auto mutate) {
    CK_HKDF_PARAMS p = good;
    mutate(p);
    return derive(CKM_HKDF_DERIVE, p, base, 32).rv();
  };
  EXPECT_EQ(rv_with([](CK_HKDF_PARAMS&) {}), CKR_OK);
  EXPECT_EQ(rv_with([](CK_HKDF_PARAMS& p) { p.bExtract = p.bExpand = CK_FALSE; }), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_HKDF_PARAMS& p) { p.prfHashMechanism = CKM_MD5; }), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_HKDF_PARAMS& p) { p.prfHashMechanism = CKM_SHA256_HMAC; }),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_HKDF_PARAMS& p) { p.ulSaltType = 0; }), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_HKDF_PARAMS& p) { p.ulSaltType = CKF_HKDF_SALT_DATA | CKF_HKDF_SALT_KEY; }),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_HKDF_PARAMS& p) { p.pSalt = nullptr; }), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_HKDF_PARAMS& p) { p.ulSaltLen = 0; }), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_HKDF_PARAMS& p) { p.pInfo = nullptr; }), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_HKDF_PARAMS& p) { p.ulInfoLen = 32 * 1024 + 1; }), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(derive_raw(CKM_HKDF_DERIVE, &good, sizeof(good) - 1, base, 32).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(derive_raw(CKM_HKDF_DERIVE, nullptr, sizeof(good), base, 32).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(derive_raw(CKM_HKDF_DERIVE, nullptr, 0, base, 32).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(HkdfTest, InternalHkdfSha256) {
  for (const HkdfVector& v : rfc5869_vectors()) {
    auto okm = hkdf_sha256(*provider_, v.ikm, v.salt, v.info, v.length);
    ASSERT_TRUE(okm.ok()) << okm.status().message();
    EXPECT_EQ(to_hex(*okm), v.okm);
  }
  EXPECT_EQ(hkdf_sha256(*provider_, text("ikm"), {}, {}, 0).rv(), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(hkdf_sha256(*provider_, text("ikm"), {}, {}, 255 * 32 + 1).rv(), CKR_ARGUMENTS_BAD);
}

TEST_F(HkdfTest, KeyGenRow) {
  const MechanismEntry* row = kdf_row(CKM_HKDF_KEY_GEN);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->flags, CKF_GENERATE);
  CK_MECHANISM mech{CKM_HKDF_KEY_GEN, nullptr, 0};
  AttributeMap tmpl;
  tmpl.set_ulong(CKA_VALUE_LEN, 48);
  auto out = row->generate_key(MechanismCall{*provider_, mech}, tmpl);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->find(CKA_VALUE)->size(), 48u);
  EXPECT_EQ(out->get_ulong(CKA_VALUE_LEN), 48u);
  EXPECT_EQ(row->generate_key(MechanismCall{*provider_, mech}, AttributeMap{}).rv(), CKR_TEMPLATE_INCOMPLETE);
}

TEST_F(HkdfTest, RowsAreConsistent) {
  for (CK_MECHANISM_TYPE type : {CKM_HKDF_DERIVE, CKM_HKDF_DATA}) {
    const MechanismEntry* row = kdf_row(type);
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->flags, CKF_DERIVE);
    EXPECT_NE(row->derive, nullptr);
    EXPECT_TRUE(row->approved);
  }
  const MechanismEntry* pbkdf2 = kdf_row(CKM_PKCS5_PBKD2);
  ASSERT_NE(pbkdf2, nullptr);
  EXPECT_EQ(pbkdf2->flags, CKF_GENERATE);
  EXPECT_NE(pbkdf2->generate_key, nullptr);
}

// ----------------------------------------------------------------- PBKDF2

class Pbkdf2Test : public KdfTest {
 protected:
  static CK_PKCS5_PBKD2_PARAMS2 params2(const Bytes& password, const Bytes& salt, CK_ULONG iterations,
                                        CK_PKCS5_PBKD2_PSEUDO_RANDOM_FUNCTION_TYPE prf) {
    CK_PKCS5_PBKD2_PARAMS2 p{};
    p.saltSource = CKZ_SALT_SPECIFIED;
    p.pSaltSourceData = const_cast<std::uint8_t*>(salt.data());
    p.ulSaltSourceDataLen = salt.size();
    p.iterations = iterations;
    p.prf = prf;
    p.pPassword = const_cast<std::uint8_t*>(password.data());
    p.ulPasswordLen = password.size();
    return p;
  }

  static Result<AttributeMap> generate_raw(void* param, CK_ULONG param_len, std::size_t length) {
    CK_MECHANISM mech{CKM_PKCS5_PBKD2, param, param_len};
    AttributeMap tmpl;
    if (length != 0) tmpl.set_ulong(CKA_VALUE_LEN, length);
    return kdf_row(CKM_PKCS5_PBKD2)->generate_key(MechanismCall{*provider_, mech}, tmpl);
  }

  static std::string generate_hex(CK_PKCS5_PBKD2_PARAMS2& p, std::size_t length) {
    auto out = generate_raw(&p, sizeof(p), length);
    EXPECT_TRUE(out.ok()) << out.status().message();
    if (!out.ok()) return {};
    EXPECT_EQ(out->get_ulong(CKA_VALUE_LEN), length);
    return to_hex(*out->find(CKA_VALUE));
  }
};

struct Pbkdf2Vector {
  Bytes password;
  Bytes salt;
  CK_ULONG iterations;
  std::size_t length;
  const char* expected;
};

// RFC 6070 (PBKDF2-HMAC-SHA1), all but the 16,777,216-iteration case.
std::vector<Pbkdf2Vector> rfc6070_vectors() {
  using namespace std::string_view_literals;
  return {
      {text("password"), text("salt"), 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
      {text("password"), text("salt"), 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
      {text("password"), text("salt"), 4096, 20, "4b007901b765489abead49d926f721d065a429c1"},
      {text("passwordPASSWORDpassword"), text("saltSALTsaltSALTsaltSALTsaltSALTsalt"), 4096, 25,
       "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
      {text("pass\0word"sv), text("sa\0lt"sv), 4096, 16, "56fa6aa75548099dcc37d7f03425e0c3"},
  };
}

// RFC 7914 §11 (PBKDF2-HMAC-SHA256).
const char kRfc7914Passwd[] =
    "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71"
    "b845b1e30bd509112041d3a19783";
const char kRfc7914Password[] =
    "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a27"
    "2bdebba1d078478f62b397f33c8d";

TEST_F(Pbkdf2Test, Rfc6070Sha1) {
  for (const Pbkdf2Vector& v : rfc6070_vectors()) {
    CK_PKCS5_PBKD2_PARAMS2 p = params2(v.password, v.salt, v.iterations, CKP_PKCS5_PBKD2_HMAC_SHA1);
    EXPECT_EQ(generate_hex(p, v.length), v.expected);
  }
}

TEST_F(Pbkdf2Test, Rfc7914Sha256) {
  const Bytes passwd = text("passwd");
  const Bytes salt = text("salt");
  CK_PKCS5_PBKD2_PARAMS2 p = params2(passwd, salt, 1, CKP_PKCS5_PBKD2_HMAC_SHA256);
  EXPECT_EQ(generate_hex(p, 64), kRfc7914Passwd);
  const Bytes password = text("Password");
  const Bytes nacl = text("NaCl");
  CK_PKCS5_PBKD2_PARAMS2 slow = params2(password, nacl, 80000, CKP_PKCS5_PBKD2_HMAC_SHA256);
  EXPECT_EQ(generate_hex(slow, 64), kRfc7914Password);
}

TEST_F(Pbkdf2Test, LegacyParamsWithPasswordLengthPointer) {
  const Pbkdf2Vector v = rfc6070_vectors()[3];
  CK_ULONG password_len = v.password.size();
  CK_PKCS5_PBKD2_PARAMS p{};
  p.saltSource = CKZ_SALT_SPECIFIED;
  p.pSaltSourceData = const_cast<std::uint8_t*>(v.salt.data());
  p.ulSaltSourceDataLen = v.salt.size();
  p.iterations = v.iterations;
  p.prf = CKP_PKCS5_PBKD2_HMAC_SHA1;
  p.pPassword = const_cast<std::uint8_t*>(v.password.data());
  p.ulPasswordLen = &password_len;
  auto out = generate_raw(&p, sizeof(p), v.length);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(to_hex(*out->find(CKA_VALUE)), v.expected);
}

TEST_F(Pbkdf2Test, OtherPrfs) {
  const Bytes password = text("password");
  const Bytes salt = text("salt");
  CK_PKCS5_PBKD2_PARAMS2 p = params2(password, salt, 1, CKP_PKCS5_PBKD2_HMAC_SHA512);
  EXPECT_EQ(generate_hex(p, 64),
            "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f"
            "050235d7d68b1da55e63f73b60a57fce");
  for (CK_ULONG prf : {CKP_PKCS5_PBKD2_HMAC_SHA224, CKP_PKCS5_PBKD2_HMAC_SHA384,
                       CKP_PKCS5_PBKD2_HMAC_SHA512_224, CKP_PKCS5_PBKD2_HMAC_SHA512_256}) {
    p.prf = prf;
    EXPECT_EQ(generate_hex(p, 32).size(), 64u) << prf;
  }
}

TEST_F(Pbkdf2Test, ParameterErrors) {
  const Bytes password = text("password");
  const Bytes salt = text("salt");
  const CK_PKCS5_PBKD2_PARAMS2 good = params2(password, salt, 2, CKP_PKCS5_PBKD2_HMAC_SHA256);
  auto rv_with = [&](auto mutate) {
    CK_PKCS5_PBKD2_PARAMS2 p = good;
    mutate(p);
    return generate_raw(&p, sizeof(p), 32).rv();
  };
  EXPECT_EQ(rv_with([](CK_PKCS5_PBKD2_PARAMS2&) {}), CKR_OK);
  EXPECT_EQ(rv_with([](CK_PKCS5_PBKD2_PARAMS2& p) { p.prf = CKP_PKCS5_PBKD2_HMAC_GOSTR3411; }),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_PKCS5_PBKD2_PARAMS2& p) { p.prf = 99; }), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_PKCS5_PBKD2_PARAMS2& p) { p.saltSource = 2; }), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_PKCS5_PBKD2_PARAMS2& p) { p.iterations = 0; }), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_PKCS5_PBKD2_PARAMS2& p) { p.pSaltSourceData = nullptr; }), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv_with([](CK_PKCS5_PBKD2_PARAMS2& p) { p.pPassword = nullptr; }), CKR_MECHANISM_PARAM_INVALID);
  // A length by value must be below 64 KiB (see kdf.cc); a NULL pointer is refused.
  EXPECT_EQ(rv_with([](CK_PKCS5_PBKD2_PARAMS2& p) { p.ulPasswordLen = 0; p.pPassword = nullptr; }), CKR_OK);
  CK_PKCS5_PBKD2_PARAMS2 p = good;
  EXPECT_EQ(generate_raw(&p, sizeof(p) - 1, 32).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(generate_raw(nullptr, sizeof(p), 32).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(generate_raw(&p, sizeof(p), 0).rv(), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(generate_raw(&p, sizeof(p), kMaxSecretKeyBytes + 1).rv(), CKR_KEY_SIZE_RANGE);
}

TEST_F(Pbkdf2Test, EmptySaltAndPasswordAreAccepted) {
  CK_PKCS5_PBKD2_PARAMS2 p = params2({}, {}, 1, CKP_PKCS5_PBKD2_HMAC_SHA256);
  p.pPassword = nullptr;
  p.pSaltSourceData = nullptr;
  auto out = generate_raw(&p, sizeof(p), 16);
  ASSERT_TRUE(out.ok()) << out.status().message();
  // PBKDF2-HMAC-SHA256("", "", 1, 16), cross-checked with Python's hashlib.
  EXPECT_EQ(to_hex(*out->find(CKA_VALUE)), "f7ce0b653d2d72a4108cf5abe912ffdd");
}

TEST_F(Pbkdf2Test, InternalPbkdf2HmacSha256) {
  auto out = pbkdf2_hmac_sha256(*provider_, text("passwd"), text("salt"), 1, 64);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(to_hex(*out), kRfc7914Passwd);
  EXPECT_EQ(pbkdf2_hmac_sha256(*provider_, text("p"), text("s"), 0, 32).rv(), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(pbkdf2_hmac_sha256(*provider_, text("p"), text("s"), 1, 0).rv(), CKR_ARGUMENTS_BAD);
}

}  // namespace
}  // namespace craton::crypto

// Hash-based key derivation through the C ABI: CKM_HKDF_DERIVE in all its
// modes (extract+expand, extract-only, expand-only, salt as data, as a key or
// absent), CKM_HKDF_DATA, CKM_HKDF_KEY_GEN, and CKM_PKCS5_PBKD2, with RFC 5869
// / RFC 6070 / RFC 7914 known answers and the parameter errors.
#include <cstring>
#include <string>

#include "coverage_reference.h"
#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

using ossl::from_hex;
using ref::ptr;

// RFC 5869 written out with HMAC (the reference for hashes the RFC has no vectors for).
Bytes hkdf(const std::string& digest, const Bytes& salt, const Bytes& ikm, const Bytes& info, std::size_t length) {
  const Bytes prk = ref::hmac(digest, salt.empty() ? Bytes(ossl::digest(digest, {}).size(), 0) : salt, ikm);
  Bytes out, t;
  for (std::uint8_t i = 1; out.size() < length; ++i) {
    Bytes block = t;
    block.insert(block.end(), info.begin(), info.end());
    block.push_back(i);
    t = ref::hmac(digest, prk, block);
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(length);
  return out;
}

class KdfTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
    Template derive;
    derive.add_bool(CKA_DERIVE, true);
    ikm_key = import_secret(session, CKK_GENERIC_SECRET, ikm, &derive);
  }

  CK_HKDF_PARAMS params(bool extract, bool expand, CK_MECHANISM_TYPE hash = CKM_SHA256) {
    return CK_HKDF_PARAMS{static_cast<CK_BBOOL>(extract), static_cast<CK_BBOOL>(expand), hash, CKF_HKDF_SALT_DATA,
                          salt.data(), salt.size(), CK_INVALID_HANDLE, info.data(), info.size()};
  }

  // C_DeriveKey into a readable secret (length 0: no CKA_VALUE_LEN).
  CK_RV derive(CK_HKDF_PARAMS p, CK_OBJECT_HANDLE base, CK_ULONG length, Bytes& value,
               CK_MECHANISM_TYPE mechanism = CKM_HKDF_DERIVE) {
    CK_MECHANISM mech{mechanism, &p, sizeof p};
    Template t;
    t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
    t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
    if (length != 0) t.add_ulong(CKA_VALUE_LEN, length);
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    const CK_RV rv = p11->C_DeriveKey(session, &mech, base, t.data(), t.count(), &key);
    value = rv == CKR_OK ? attribute(session, key, CKA_VALUE) : Bytes();
    return rv;
  }

  // RFC 5869 test case 1.
  const Bytes ikm = Bytes(22, 0x0b);
  Bytes salt = from_hex("000102030405060708090a0b0c");
  Bytes info = from_hex("f0f1f2f3f4f5f6f7f8f9");
  const Bytes prk = from_hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  const Bytes okm =
      from_hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE ikm_key = CK_INVALID_HANDLE;
};

TEST_F(KdfTest, HkdfModesMatchRfc5869) {
  Bytes value;
  ASSERT_CKR(CKR_OK, derive(params(true, false), ikm_key, 0, value));
  EXPECT_EQ(prk, value);
  ASSERT_CKR(CKR_OK, derive(params(true, false), ikm_key, 32, value));  // restating the size is fine
  EXPECT_EQ(prk, value);

  Template derive_flag;
  derive_flag.add_bool(CKA_DERIVE, true);
  const CK_OBJECT_HANDLE prk_key = import_secret(session, CKK_GENERIC_SECRET, prk, &derive_flag);
  ASSERT_CKR(CKR_OK, derive(params(false, true), prk_key, okm.size(), value));
  EXPECT_EQ(okm, value);

  // Test case 3: no salt, no info.
  CK_HKDF_PARAMS none{CK_TRUE, CK_TRUE, CKM_SHA256, CKF_HKDF_SALT_NULL, nullptr, 0, CK_INVALID_HANDLE, nullptr, 0};
  ASSERT_CKR(CKR_OK, derive(none, ikm_key, 42, value));
  EXPECT_EQ(from_hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"), value);

  // The salt from a key object.
  const CK_OBJECT_HANDLE salt_key = import_secret(session, CKK_GENERIC_SECRET, salt);
  CK_HKDF_PARAMS keyed = params(true, true);
  keyed.ulSaltType = CKF_HKDF_SALT_KEY;
  keyed.pSalt = nullptr;
  keyed.ulSaltLen = 0;
  keyed.hSaltKey = salt_key;
  ASSERT_CKR(CKR_OK, derive(keyed, ikm_key, okm.size(), value));
  EXPECT_EQ(okm, value);
}

TEST_F(KdfTest, HkdfOtherHashesMatchTheConstruction) {
  struct Hash {
    CK_MECHANISM_TYPE mech;
    const char* name;
  };
  for (const Hash& h : {Hash{CKM_SHA_1, "SHA1"}, Hash{CKM_SHA384, "SHA384"}, Hash{CKM_SHA512, "SHA512"},
                        Hash{CKM_SHA3_256, "SHA3-256"}, Hash{CKM_SHA512_256, "SHA512-256"}}) {
    Bytes value;
    ASSERT_CKR(CKR_OK, derive(params(true, true, h.mech), ikm_key, 100, value)) << h.name;
    EXPECT_EQ(hkdf(h.name, salt, ikm, info, 100), value) << h.name;
  }
}

TEST_F(KdfTest, HkdfDataDerivesDataObjects) {
  // From a data object holding the input keying material...
  Template data;
  data.add_ulong(CKA_CLASS, CKO_DATA).add_bytes(CKA_VALUE, ikm).add_string(CKA_LABEL, "ikm");
  CK_OBJECT_HANDLE data_obj = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_CreateObject(session, data.data(), data.count(), &data_obj));
  CK_HKDF_PARAMS p = params(true, true);
  CK_MECHANISM mech{CKM_HKDF_DATA, &p, sizeof p};
  Template out;
  out.add_ulong(CKA_CLASS, CKO_DATA).add_ulong(CKA_VALUE_LEN, okm.size());
  CK_OBJECT_HANDLE result = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_DeriveKey(session, &mech, data_obj, out.data(), out.count(), &result))
      << Module::get().last_error();
  EXPECT_EQ(CKO_DATA, attribute_ulong(session, result, CKA_CLASS));
  EXPECT_EQ(okm, attribute(session, result, CKA_VALUE));
  // ...and from a secret key.
  Template out2;
  out2.add_ulong(CKA_CLASS, CKO_DATA).add_ulong(CKA_VALUE_LEN, 16);
  ASSERT_CKR(CKR_OK, p11->C_DeriveKey(session, &mech, ikm_key, out2.data(), out2.count(), &result));
  EXPECT_EQ(Bytes(okm.begin(), okm.begin() + 16), attribute(session, result, CKA_VALUE));
  // CKM_HKDF_DERIVE does not take a data object as its base.
  Bytes value;
  const CK_RV rv = derive(params(true, true), data_obj, 16, value);
  EXPECT_TRUE(rv == CKR_KEY_HANDLE_INVALID || rv == CKR_KEY_TYPE_INCONSISTENT) << rv_name(rv);
}

TEST_F(KdfTest, HkdfKeyGenMakesUsableHkdfKeys) {
  CK_MECHANISM gen{CKM_HKDF_KEY_GEN, nullptr, 0};
  Template t;
  t.add_ulong(CKA_VALUE_LEN, 32).add_bool(CKA_DERIVE, true).add_bool(CKA_SENSITIVE, false);
  t.add_bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_GenerateKey(session, &gen, t.data(), t.count(), &key));
  EXPECT_EQ(CKK_HKDF, attribute_ulong(session, key, CKA_KEY_TYPE));
  EXPECT_EQ(CKM_HKDF_KEY_GEN, attribute_ulong(session, key, CKA_KEY_GEN_MECHANISM));
  const Bytes value = attribute(session, key, CKA_VALUE);
  ASSERT_EQ(32u, value.size());
  Bytes derived;
  ASSERT_CKR(CKR_OK, derive(params(true, true), key, 48, derived));
  EXPECT_EQ(hkdf("SHA256", salt, value, info, 48), derived);
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, p11->C_GenerateKey(session, &gen, nullptr, 0, &key));
}

TEST_F(KdfTest, HkdfParameterErrors) {
  Bytes value;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, derive(params(false, false), ikm_key, 32, value));
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, derive(params(true, true, CKM_AES_CBC), ikm_key, 32, value));
  CK_HKDF_PARAMS bad_type = params(true, true);
  bad_type.ulSaltType = CKF_HKDF_SALT_DATA | CKF_HKDF_SALT_KEY;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, derive(bad_type, ikm_key, 32, value));
  CK_HKDF_PARAMS null_salt = params(true, true);
  null_salt.pSalt = nullptr;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, derive(null_salt, ikm_key, 32, value));
  CK_HKDF_PARAMS null_info = params(true, true);
  null_info.pInfo = nullptr;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, derive(null_info, ikm_key, 32, value));
  CK_HKDF_PARAMS missing_salt_key = params(true, true);
  missing_salt_key.ulSaltType = CKF_HKDF_SALT_KEY;
  missing_salt_key.hSaltKey = ikm_key + 5000;
  const CK_RV rv = derive(missing_salt_key, ikm_key, 32, value);
  EXPECT_TRUE(rv == CKR_KEY_HANDLE_INVALID || rv == CKR_MECHANISM_PARAM_INVALID) << rv_name(rv);

  // Lengths: extract-only yields the hash length; expand needs 1..255*HashLen.
  const CK_RV restated = derive(params(true, false), ikm_key, 16, value);
  EXPECT_TRUE(restated == CKR_KEY_SIZE_RANGE || restated == CKR_TEMPLATE_INCONSISTENT) << rv_name(restated);
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, derive(params(true, true), ikm_key, 0, value));
  EXPECT_CKR(CKR_KEY_SIZE_RANGE, derive(params(true, true), ikm_key, 255 * 32 + 1, value));

  CK_HKDF_PARAMS p = params(true, true);
  CK_MECHANISM truncated{CKM_HKDF_DERIVE, &p, sizeof p - 8};
  Template t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_VALUE_LEN, 16);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_DeriveKey(session, &truncated, ikm_key, t.data(), t.count(), &key));

  // Base key checks.
  const CK_OBJECT_HANDLE no_derive = import_secret(session, CKK_GENERIC_SECRET, ikm);
  if (!attribute_bool(session, no_derive, CKA_DERIVE)) {
    EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, derive(params(true, true), no_derive, 32, value));
  }
  Template aes_derive;
  aes_derive.add_bool(CKA_DERIVE, true);
  const CK_OBJECT_HANDLE aes = import_secret(session, CKK_AES, Bytes(16, 1), &aes_derive);
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, derive(params(true, true), aes, 32, value));
  // AES output keys need their length.
  CK_MECHANISM mech{CKM_HKDF_DERIVE, &p, sizeof p};
  Template aes_out;
  aes_out.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES);
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, p11->C_DeriveKey(session, &mech, ikm_key, aes_out.data(), aes_out.count(), &key));
  aes_out.add_ulong(CKA_VALUE_LEN, 24);
  ASSERT_CKR(CKR_OK, p11->C_DeriveKey(session, &mech, ikm_key, aes_out.data(), aes_out.count(), &key));
  EXPECT_EQ(24u, attribute_ulong(session, key, CKA_VALUE_LEN));
}

// --- PBKDF2 (C_GenerateKey with CKM_PKCS5_PBKD2) ---

class Pbkdf2Test : public KdfTest {
 protected:
  CK_RV generate(CK_PKCS5_PBKD2_PARAMS2 p, CK_ULONG length, Bytes& value, CK_ULONG param_len = 0) {
    CK_MECHANISM mech{CKM_PKCS5_PBKD2, &p, param_len != 0 ? param_len : sizeof p};
    Template t;
    t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
    t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
    if (length != 0) t.add_ulong(CKA_VALUE_LEN, length);
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    const CK_RV rv = p11->C_GenerateKey(session, &mech, t.data(), t.count(), &key);
    value = rv == CKR_OK ? attribute(session, key, CKA_VALUE) : Bytes();
    return rv;
  }

  CK_PKCS5_PBKD2_PARAMS2 params2(CK_ULONG iterations, CK_PKCS5_PBKD2_PSEUDO_RANDOM_FUNCTION_TYPE prf) {
    return CK_PKCS5_PBKD2_PARAMS2{CKZ_SALT_SPECIFIED, pbkdf_salt.data(), pbkdf_salt.size(), iterations, prf, nullptr,
                                  0, password.data(), password.size()};
  }

  Bytes password = to_bytes("password");
  Bytes pbkdf_salt = to_bytes("salt");
};

TEST_F(Pbkdf2Test, KnownAnswers) {
  Bytes value;
  // RFC 6070 (PBKDF2-HMAC-SHA1).
  ASSERT_CKR(CKR_OK, generate(params2(1, CKP_PKCS5_PBKD2_HMAC_SHA1), 20, value));
  EXPECT_EQ(from_hex("0c60c80f961f0e71f3a9b524af6012062fe037a6"), value);
  ASSERT_CKR(CKR_OK, generate(params2(2, CKP_PKCS5_PBKD2_HMAC_SHA1), 20, value));
  EXPECT_EQ(from_hex("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"), value);
  ASSERT_CKR(CKR_OK, generate(params2(4096, CKP_PKCS5_PBKD2_HMAC_SHA1), 20, value));
  EXPECT_EQ(from_hex("4b007901b765489abead49d926f721d065a429c1"), value);
  // RFC 7914 §11 (PBKDF2-HMAC-SHA256).
  password = to_bytes("passwd");
  ASSERT_CKR(CKR_OK, generate(params2(1, CKP_PKCS5_PBKD2_HMAC_SHA256), 64, value));
  EXPECT_EQ(from_hex("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d"
                     "77ef317c71b845b1e30bd509112041d3a19783"),
            value);

  // The older struct passes the password length by pointer.
  password = to_bytes("password");
  CK_ULONG password_len = password.size();
  CK_PKCS5_PBKD2_PARAMS legacy{CKZ_SALT_SPECIFIED, pbkdf_salt.data(), pbkdf_salt.size(), 2, CKP_PKCS5_PBKD2_HMAC_SHA1,
                               nullptr, 0, password.data(), &password_len};
  CK_MECHANISM mech{CKM_PKCS5_PBKD2, &legacy, sizeof legacy};
  Template t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET).add_ulong(CKA_VALUE_LEN, 20);
  t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_GenerateKey(session, &mech, t.data(), t.count(), &key));
  EXPECT_EQ(from_hex("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"), attribute(session, key, CKA_VALUE));
}

TEST_F(Pbkdf2Test, ProducesTypedKeysAndRejectsBadParameters) {
  CK_PKCS5_PBKD2_PARAMS2 p = params2(1000, CKP_PKCS5_PBKD2_HMAC_SHA512);
  CK_MECHANISM mech{CKM_PKCS5_PBKD2, &p, sizeof p};
  Template aes;
  aes.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES).add_ulong(CKA_VALUE_LEN, 32);
  aes.add_bool(CKA_ENCRYPT, true);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_GenerateKey(session, &mech, aes.data(), aes.count(), &key));
  EXPECT_EQ(CKK_AES, attribute_ulong(session, key, CKA_KEY_TYPE));
  EXPECT_EQ(32u, attribute_ulong(session, key, CKA_VALUE_LEN));

  Bytes value;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, generate(params2(0, CKP_PKCS5_PBKD2_HMAC_SHA256), 16, value));
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, generate(params2(1, 0x99), 16, value));
  CK_PKCS5_PBKD2_PARAMS2 bad_source = params2(1, CKP_PKCS5_PBKD2_HMAC_SHA256);
  bad_source.saltSource = 0x5;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, generate(bad_source, 16, value));
  CK_PKCS5_PBKD2_PARAMS2 null_password = params2(1, CKP_PKCS5_PBKD2_HMAC_SHA256);
  null_password.pPassword = nullptr;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, generate(null_password, 16, value));
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, generate(params2(1, CKP_PKCS5_PBKD2_HMAC_SHA256), 16, value, 12));
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, generate(params2(1, CKP_PKCS5_PBKD2_HMAC_SHA256), 0, value));
  CK_MECHANISM no_param{CKM_PKCS5_PBKD2, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_GenerateKey(session, &no_param, aes.data(), aes.count(), &key));
}

// Whatever mechanism makes it, an AES key has 16, 24 or 32 bytes; C_CreateObject,
// C_DeriveKey and C_UnwrapKey refuse other lengths with CKR_ATTRIBUTE_VALUE_INVALID,
// and C_GenerateKey must not be the way around that.
TEST_F(Pbkdf2Test, DerivedKeyLengthMustFitTheKeyType) {
  CK_PKCS5_PBKD2_PARAMS2 p = params2(1, CKP_PKCS5_PBKD2_HMAC_SHA256);
  CK_MECHANISM mech{CKM_PKCS5_PBKD2, &p, sizeof p};
  for (CK_ULONG bad_len : {20ul, 8ul, 33ul}) {
    Template aes;
    aes.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES).add_ulong(CKA_VALUE_LEN, bad_len);
    aes.add_bool(CKA_ENCRYPT, true);
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    const CK_RV rv = p11->C_GenerateKey(session, &mech, aes.data(), aes.count(), &key);
    EXPECT_TRUE(rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_TEMPLATE_INCONSISTENT || rv == CKR_KEY_SIZE_RANGE)
        << bad_len << " bytes: " << rv_name(rv);
  }
}

}  // namespace
}  // namespace abi_test

// Approved-only mode and the other [algorithms] switches, through the C ABI:
// what C_GetMechanismList and C_GetMechanismInfo show, and what every
// key-using call refuses (src/core/policy.h). Keys made under the permissive
// defaults are used again after a restart under the strict configuration.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "module_fixture.h"

namespace abi_test {
namespace {

constexpr char kApprovedOnly[] = "[algorithms]\nfips_approved_only = true\n";

class PolicyTest : public AbiTest {
 protected:
  // Switches the configuration and restarts the module; token objects stay.
  void reconfigure(const std::string& algorithms) {
    write_config(dir(), algorithms);
    restart();
  }

  std::vector<CK_MECHANISM_TYPE> mechanisms() {
    CK_ULONG count = 0;
    EXPECT_CKR(CKR_OK, p11->C_GetMechanismList(slot, nullptr, &count));
    std::vector<CK_MECHANISM_TYPE> list(count);
    EXPECT_CKR(CKR_OK, p11->C_GetMechanismList(slot, list.data(), &count));
    list.resize(count);
    return list;
  }
  bool listed(CK_MECHANISM_TYPE type) {
    const auto list = mechanisms();
    return std::find(list.begin(), list.end(), type) != list.end();
  }
  CK_MECHANISM_INFO info(CK_MECHANISM_TYPE type) {
    CK_MECHANISM_INFO out{};
    EXPECT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, type, &out));
    return out;
  }

  KeyPair token_pair(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE gen, Template& pub, const std::string& label) {
    const bool signs = gen != CKM_EC_MONTGOMERY_KEY_PAIR_GEN;
    pub.add_bool(CKA_TOKEN, true).add_string(CKA_LABEL, label).add_bool(CKA_VERIFY, signs);
    Template priv;
    priv.add_bool(CKA_TOKEN, true).add_string(CKA_LABEL, label).add_bool(CKA_SIGN, signs);
    priv.add_bool(CKA_DERIVE, gen != CKM_RSA_PKCS_KEY_PAIR_GEN).add_bool(CKA_DECRYPT, gen == CKM_RSA_PKCS_KEY_PAIR_GEN);
    CK_MECHANISM mech{gen, nullptr, 0};
    KeyPair kp;
    EXPECT_CKR(CKR_OK, p11->C_GenerateKeyPair(s, &mech, pub.data(), pub.count(), priv.data(), priv.count(),
                                              &kp.public_key, &kp.private_key));
    return kp;
  }
  KeyPair rsa_pair(CK_SESSION_HANDLE s, CK_ULONG bits, const std::string& label) {
    Template pub;
    pub.add_ulong(CKA_MODULUS_BITS, bits).add_bytes(CKA_PUBLIC_EXPONENT, {0x01, 0x00, 0x01});
    pub.add_bool(CKA_ENCRYPT, true);
    return token_pair(s, CKM_RSA_PKCS_KEY_PAIR_GEN, pub, label);
  }

  // An RSA key of `bits` made by OpenSSL and imported as a token pair
  // (generation below 2048 bits is refused in every mode; import is not).
  void import_rsa(CK_SESSION_HANDLE s, unsigned bits, const std::string& label) {
    EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
    ASSERT_NE(pkey, nullptr);
    auto component = [&](const char* name) {
      BIGNUM* bn = nullptr;
      EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1) << name;
      Bytes out(BN_num_bytes(bn));
      BN_bn2bin(bn, out.data());
      BN_free(bn);
      return out;
    };
    Template priv;
    priv.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_ulong(CKA_KEY_TYPE, CKK_RSA).add_bool(CKA_TOKEN, true);
    priv.add_string(CKA_LABEL, label).add_bool(CKA_SIGN, true);
    priv.add_bytes(CKA_MODULUS, component(OSSL_PKEY_PARAM_RSA_N));
    priv.add_bytes(CKA_PUBLIC_EXPONENT, component(OSSL_PKEY_PARAM_RSA_E));
    priv.add_bytes(CKA_PRIVATE_EXPONENT, component(OSSL_PKEY_PARAM_RSA_D));
    priv.add_bytes(CKA_PRIME_1, component(OSSL_PKEY_PARAM_RSA_FACTOR1));
    priv.add_bytes(CKA_PRIME_2, component(OSSL_PKEY_PARAM_RSA_FACTOR2));
    priv.add_bytes(CKA_EXPONENT_1, component(OSSL_PKEY_PARAM_RSA_EXPONENT1));
    priv.add_bytes(CKA_EXPONENT_2, component(OSSL_PKEY_PARAM_RSA_EXPONENT2));
    priv.add_bytes(CKA_COEFFICIENT, component(OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
    Template pub;
    pub.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY).add_ulong(CKA_KEY_TYPE, CKK_RSA).add_bool(CKA_TOKEN, true);
    pub.add_string(CKA_LABEL, label).add_bool(CKA_VERIFY, true);
    pub.add_bytes(CKA_MODULUS, component(OSSL_PKEY_PARAM_RSA_N));
    pub.add_bytes(CKA_PUBLIC_EXPONENT, component(OSSL_PKEY_PARAM_RSA_E));
    EVP_PKEY_free(pkey);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    EXPECT_CKR(CKR_OK, p11->C_CreateObject(s, priv.data(), priv.count(), &h));
    EXPECT_CKR(CKR_OK, p11->C_CreateObject(s, pub.data(), pub.count(), &h));
  }

  CK_OBJECT_HANDLE find_one(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const std::string& label) {
    Template t;
    t.add_ulong(CKA_CLASS, cls).add_string(CKA_LABEL, label);
    EXPECT_CKR(CKR_OK, p11->C_FindObjectsInit(s, t.data(), t.count()));
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_ULONG n = 0;
    EXPECT_CKR(CKR_OK, p11->C_FindObjects(s, &h, 1, &n));
    EXPECT_CKR(CKR_OK, p11->C_FindObjectsFinal(s));
    EXPECT_EQ(n, 1u) << label;
    return h;
  }

  Bytes sign(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE type, CK_OBJECT_HANDLE key, const Bytes& data) {
    CK_MECHANISM mech{type, nullptr, 0};
    EXPECT_CKR(CKR_OK, p11->C_SignInit(s, &mech, key));
    Bytes sig(1024);
    CK_ULONG len = sig.size();
    EXPECT_CKR(CKR_OK, p11->C_Sign(s, const_cast<CK_BYTE*>(data.data()), data.size(), sig.data(), &len));
    sig.resize(len);
    return sig;
  }
  CK_RV sign_init(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE type, CK_OBJECT_HANDLE key) {
    CK_MECHANISM mech{type, nullptr, 0};
    const CK_RV rv = p11->C_SignInit(s, &mech, key);
    if (rv == CKR_OK) p11->C_SignInit(s, nullptr, key);  // cancel
    return rv;
  }
};

const Bytes kData = {'p', 'o', 'l', 'i', 'c', 'y'};

TEST_F(PolicyTest, DefaultsOfferLegacyAndEverySignature) {
  EXPECT_TRUE(listed(CKM_DES3_CBC));
  EXPECT_TRUE(listed(CKM_MD5));
  EXPECT_TRUE(listed(CKM_RSA_X_509));
  EXPECT_TRUE(listed(CKM_EC_MONTGOMERY_KEY_PAIR_GEN));
  EXPECT_TRUE(info(CKM_SHA1_RSA_PKCS).flags & CKF_SIGN);
  EXPECT_TRUE(info(CKM_RSA_PKCS).flags & CKF_ENCRYPT);
  EXPECT_EQ(info(CKM_RSA_PKCS_KEY_PAIR_GEN).ulMinKeySize, 2048u);  // generation; import allows 1024
  EXPECT_EQ(info(CKM_RSA_PKCS).ulMinKeySize, 1024u);
}

TEST_F(PolicyTest, ApprovedOnlyHidesWhatTheRegistryMarksUnapproved) {
  reconfigure(kApprovedOnly);
  for (CK_MECHANISM_TYPE hidden : {CKM_DES3_KEY_GEN, CKM_DES3_ECB, CKM_DES3_CBC, CKM_DES3_CBC_PAD, CKM_MD5,
                                   CKM_MD5_HMAC, CKM_RSA_X_509, CKM_EC_MONTGOMERY_KEY_PAIR_GEN}) {
    EXPECT_FALSE(listed(hidden)) << std::hex << hidden;
    CK_MECHANISM_INFO out{};
    EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GetMechanismInfo(slot, hidden, &out));
  }
  for (CK_MECHANISM_TYPE shown : {CKM_AES_GCM, CKM_SHA256_RSA_PKCS_PSS, CKM_ECDSA_SHA256, CKM_EDDSA, CKM_SHA_1,
                                  CKM_SHA_1_HMAC, CKM_ECDH1_DERIVE, CKM_HKDF_DERIVE, CKM_PKCS5_PBKD2,
                                  CKM_SHA1_RSA_PKCS, CKM_ECDSA_SHA1}) {
    EXPECT_TRUE(listed(shown)) << std::hex << shown;
  }
  // SHA-1 signatures: verification only.
  for (CK_MECHANISM_TYPE sha1 : {CKM_SHA1_RSA_PKCS, CKM_SHA1_RSA_PKCS_PSS, CKM_ECDSA_SHA1}) {
    EXPECT_FALSE(info(sha1).flags & CKF_SIGN) << std::hex << sha1;
    EXPECT_TRUE(info(sha1).flags & CKF_VERIFY) << std::hex << sha1;
  }
  // PKCS#1 v1.5: signatures only.
  const CK_MECHANISM_INFO pkcs = info(CKM_RSA_PKCS);
  EXPECT_EQ(pkcs.flags & (CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP), 0u);
  EXPECT_TRUE(pkcs.flags & CKF_SIGN);
  EXPECT_EQ(pkcs.ulMinKeySize, 2048u);
  EXPECT_EQ(info(CKM_SHA256_RSA_PKCS).ulMinKeySize, 2048u);
  EXPECT_EQ(info(CKM_SHA256_HMAC).ulMinKeySize, 14u);
}

TEST_F(PolicyTest, ApprovedOnlyRefusesUnapprovedUsesOfExistingKeys) {
  const CK_SESSION_HANDLE s = user_session();
  import_rsa(s, 1024, "rsa1024");
  const KeyPair rsa = rsa_pair(s, 2048, "rsa2048");
  Template ec;
  ec.add_bytes(CKA_EC_PARAMS, p256_params());
  token_pair(s, CKM_EC_KEY_PAIR_GEN, ec, "p256");
  Template x;
  x.add_bytes(CKA_EC_PARAMS, x25519_params());
  token_pair(s, CKM_EC_MONTGOMERY_KEY_PAIR_GEN, x, "x25519");
  Template hmac_short;
  hmac_short.add_bool(CKA_TOKEN, true).add_string(CKA_LABEL, "hmac10").add_bool(CKA_SIGN, true);
  import_secret(s, CKK_GENERIC_SECRET, Bytes(10, 0x42), &hmac_short);
  Template hmac_ok;
  hmac_ok.add_bool(CKA_TOKEN, true).add_string(CKA_LABEL, "hmac32").add_bool(CKA_SIGN, true);
  import_secret(s, CKK_GENERIC_SECRET, Bytes(32, 0x42), &hmac_ok);
  const Bytes sha1_sig = sign(s, CKM_SHA1_RSA_PKCS, rsa.private_key, kData);

  reconfigure(kApprovedOnly);
  const CK_SESSION_HANDLE t = open_session();
  login(t);
  const CK_OBJECT_HANDLE rsa_priv = find_one(t, CKO_PRIVATE_KEY, "rsa2048");
  const CK_OBJECT_HANDLE rsa_pub = find_one(t, CKO_PUBLIC_KEY, "rsa2048");
  const CK_OBJECT_HANDLE small_priv = find_one(t, CKO_PRIVATE_KEY, "rsa1024");
  const CK_OBJECT_HANDLE small_pub = find_one(t, CKO_PUBLIC_KEY, "rsa1024");

  // SHA-1 signing refused, verification of the old signature still works.
  EXPECT_CKR(CKR_MECHANISM_INVALID, sign_init(t, CKM_SHA1_RSA_PKCS, rsa_priv));
  EXPECT_CKR(CKR_MECHANISM_INVALID, sign_init(t, CKM_ECDSA_SHA1, find_one(t, CKO_PRIVATE_KEY, "p256")));
  CK_MECHANISM sha1{CKM_SHA1_RSA_PKCS, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_VerifyInit(t, &sha1, rsa_pub));
  EXPECT_CKR(CKR_OK, p11->C_Verify(t, const_cast<CK_BYTE*>(kData.data()), kData.size(),
                                    const_cast<CK_BYTE*>(sha1_sig.data()), sha1_sig.size()));
  EXPECT_CKR(CKR_OK, sign_init(t, CKM_SHA256_RSA_PKCS, rsa_priv));

  // RSA below 2048 bits: refused for every use.
  EXPECT_CKR(CKR_KEY_SIZE_RANGE, sign_init(t, CKM_SHA256_RSA_PKCS, small_priv));
  CK_MECHANISM sha256{CKM_SHA256_RSA_PKCS, nullptr, 0};
  EXPECT_CKR(CKR_KEY_SIZE_RANGE, p11->C_VerifyInit(t, &sha256, small_pub));

  // PKCS#1 v1.5 encryption and raw RSA refused; OAEP allowed.
  CK_MECHANISM pkcs{CKM_RSA_PKCS, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_EncryptInit(t, &pkcs, rsa_pub));
  CK_MECHANISM raw{CKM_RSA_X_509, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_EncryptInit(t, &raw, rsa_pub));
  CK_RSA_PKCS_OAEP_PARAMS oaep_params{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
  CK_MECHANISM oaep{CKM_RSA_PKCS_OAEP, &oaep_params, sizeof oaep_params};
  EXPECT_CKR(CKR_OK, p11->C_EncryptInit(t, &oaep, rsa_pub));

  // X25519 refused for ECDH; P-256 fine.
  Bytes peer(32, 9);
  CK_ECDH1_DERIVE_PARAMS ecdh{CKD_NULL, 0, nullptr, static_cast<CK_ULONG>(peer.size()), peer.data()};
  CK_MECHANISM derive{CKM_ECDH1_DERIVE, &ecdh, sizeof ecdh};
  Template out;
  out.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET).add_ulong(CKA_VALUE_LEN, 32);
  CK_OBJECT_HANDLE derived = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_DeriveKey(t, &derive, find_one(t, CKO_PRIVATE_KEY, "x25519"),
                                                         out.data(), out.count(), &derived));

  // HMAC keys below 112 bits refused.
  EXPECT_CKR(CKR_KEY_SIZE_RANGE, sign_init(t, CKM_SHA256_HMAC, find_one(t, CKO_SECRET_KEY, "hmac10")));
  EXPECT_CKR(CKR_OK, sign_init(t, CKM_SHA256_HMAC, find_one(t, CKO_SECRET_KEY, "hmac32")));
}

TEST_F(PolicyTest, ApprovedOnlyRefusesUnapprovedGeneration) {
  reconfigure(kApprovedOnly);
  const CK_SESSION_HANDLE s = user_session();
  Template pub;
  pub.add_ulong(CKA_MODULUS_BITS, 1024).add_bytes(CKA_PUBLIC_EXPONENT, {0x01, 0x00, 0x01});
  Template priv;
  CK_MECHANISM rsa_gen{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE a = CK_INVALID_HANDLE, b = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_KEY_SIZE_RANGE, p11->C_GenerateKeyPair(s, &rsa_gen, pub.data(), pub.count(), priv.data(),
                                                        priv.count(), &a, &b));
  Template x;
  x.add_bytes(CKA_EC_PARAMS, x25519_params());
  CK_MECHANISM x_gen{CKM_EC_MONTGOMERY_KEY_PAIR_GEN, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID,
             p11->C_GenerateKeyPair(s, &x_gen, x.data(), x.count(), priv.data(), priv.count(), &a, &b));
  Template des;
  CK_MECHANISM des_gen{CKM_DES3_KEY_GEN, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GenerateKey(s, &des_gen, des.data(), des.count(), &a));
  CK_MECHANISM md5{CKM_MD5, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_DigestInit(s, &md5));
  CK_MECHANISM sha1{CKM_SHA_1, nullptr, 0};
  EXPECT_CKR(CKR_OK, p11->C_DigestInit(s, &sha1));  // hashing with SHA-1 stays approved
  EXPECT_NE(generate_rsa(s, 2048).private_key, CK_INVALID_HANDLE);
}

TEST_F(PolicyTest, Sha1SigningSwitchAloneKeepsVerification) {
  reconfigure("[algorithms]\nallow_sha1_signing = false\n");
  EXPECT_FALSE(info(CKM_ECDSA_SHA1).flags & CKF_SIGN);
  EXPECT_TRUE(info(CKM_ECDSA_SHA1).flags & CKF_VERIFY);
  EXPECT_TRUE(listed(CKM_DES3_CBC));  // the other switches keep their defaults
  const CK_SESSION_HANDLE s = user_session();
  const KeyPair ec = generate_ec(s, p256_params());
  EXPECT_CKR(CKR_MECHANISM_INVALID, sign_init(s, CKM_ECDSA_SHA1, ec.private_key));
  EXPECT_CKR(CKR_OK, sign_init(s, CKM_ECDSA_SHA256, ec.private_key));
  CK_MECHANISM verify{CKM_ECDSA_SHA1, nullptr, 0};
  EXPECT_CKR(CKR_OK, p11->C_VerifyInit(s, &verify, ec.public_key));
}

TEST_F(PolicyTest, LegacySwitchHidesDes3AndMd5) {
  reconfigure("[algorithms]\nenable_legacy = false\n");
  EXPECT_FALSE(listed(CKM_DES3_CBC));
  EXPECT_FALSE(listed(CKM_MD5_HMAC));
  EXPECT_TRUE(listed(CKM_RSA_X_509));  // not legacy, merely unapproved
  const CK_SESSION_HANDLE s = user_session();
  CK_MECHANISM md5{CKM_MD5, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_DigestInit(s, &md5));
}

}  // namespace
}  // namespace abi_test

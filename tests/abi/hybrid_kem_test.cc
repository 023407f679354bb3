// The vendor-defined X25519+ML-KEM-768 hybrid (include/craton/pkcs11_vendor.h)
// through C_EncapsulateKey / C_DecapsulateKey: key pairs, agreement with
// OpenSSL's X25519MLKEM768 both ways, the composition checked part by part
// (ML-KEM-768 and X25519 computed separately in the test process), import,
// persistence, the error paths and the policy switches (not approved).
#include <algorithm>
#include <string>
#include <vector>

#include "coverage_reference.h"
#include "module_fixture.h"
#include "openssl_kem.h"

namespace abi_test {
namespace {

using ref::ptr;

CK_MECHANISM kHybrid{CKM_CRATON_X25519_ML_KEM_768, nullptr, 0};
constexpr std::size_t kPublicBytes = 1216, kPrivateBytes = 2432, kCiphertextBytes = 1120;

Bytes slice(const Bytes& b, std::size_t from, std::size_t to) {
  return Bytes(b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(to));
}

class HybridKemTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
    readable.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
    readable.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
  }

  KeyPair generate(bool token = false) {
    Template pub;
    pub.add_bool(CKA_TOKEN, token);
    Template priv;
    priv.add_bool(CKA_TOKEN, token).add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
    CK_MECHANISM mech{CKM_CRATON_X25519_ML_KEM_768_KEY_PAIR_GEN, nullptr, 0};
    KeyPair kp;
    EXPECT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(), priv.count(),
                                              &kp.public_key, &kp.private_key));
    return kp;
  }

  Bytes encapsulate(CK_OBJECT_HANDLE public_key, CK_OBJECT_HANDLE& key) {
    CK_ULONG len = 0;
    EXPECT_CKR(CKR_OK, p11->C_EncapsulateKey(session, &kHybrid, public_key, readable.data(), readable.count(),
                                             nullptr, &len, &key));
    Bytes ciphertext(len);
    EXPECT_CKR(CKR_OK, p11->C_EncapsulateKey(session, &kHybrid, public_key, readable.data(), readable.count(),
                                             ciphertext.data(), &len, &key));
    ciphertext.resize(len);
    return ciphertext;
  }

  CK_RV decapsulate(CK_OBJECT_HANDLE private_key, const Bytes& ciphertext, CK_OBJECT_HANDLE& key,
                    CK_MECHANISM mech = kHybrid) {
    return p11->C_DecapsulateKey(session, &mech, private_key, readable.data(), readable.count(),
                                 const_cast<CK_BYTE*>(ptr(ciphertext)), ciphertext.size(), &key);
  }

  Bytes value(CK_OBJECT_HANDLE key) { return attribute(session, key, CKA_VALUE); }

  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  Template readable;
};

TEST_F(HybridKemTest, KeyPairsAndAgreement) {
  const KeyPair kp = generate();
  EXPECT_EQ(CKK_CRATON_X25519_ML_KEM_768, attribute_ulong(session, kp.public_key, CKA_KEY_TYPE));
  EXPECT_EQ(CKM_CRATON_X25519_ML_KEM_768_KEY_PAIR_GEN,
            attribute_ulong(session, kp.private_key, CKA_KEY_GEN_MECHANISM));
  EXPECT_TRUE(attribute_bool(session, kp.public_key, CKA_ENCAPSULATE));
  EXPECT_TRUE(attribute_bool(session, kp.private_key, CKA_DECAPSULATE));
  EXPECT_EQ(kPublicBytes, value(kp.public_key).size());
  EXPECT_EQ(kPrivateBytes, value(kp.private_key).size());
  CK_OBJECT_HANDLE sent = CK_INVALID_HANDLE;
  const Bytes ciphertext = encapsulate(kp.public_key, sent);
  EXPECT_EQ(kCiphertextBytes, ciphertext.size());
  CK_OBJECT_HANDLE received = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, decapsulate(kp.private_key, ciphertext, received));
  EXPECT_EQ(64u, value(sent).size());
  EXPECT_EQ(value(sent), value(received));
}

// The secret is ML-KEM-768's secret followed by the X25519 shared secret:
// each half recomputed separately from the key and ciphertext halves.
TEST_F(HybridKemTest, TheSecretIsMlKemThenX25519) {
  const KeyPair kp = generate();
  const Bytes priv = value(kp.private_key);
  CK_OBJECT_HANDLE sent = CK_INVALID_HANDLE;
  const Bytes ciphertext = encapsulate(kp.public_key, sent);
  const Bytes secret = value(sent);
  EXPECT_EQ(slice(secret, 0, 32),
            ossl::kem_decapsulate("ML-KEM-768", "priv", slice(priv, 0, 2400), slice(ciphertext, 0, 1088)));
  EXPECT_EQ(slice(secret, 32, 64), ossl::x25519_shared_secret(slice(priv, 2400, 2432), slice(ciphertext, 1088, 1120)));
}

TEST_F(HybridKemTest, SecretsMatchOpenSslBothWays) {
  const KeyPair kp = generate();
  CK_OBJECT_HANDLE sent = CK_INVALID_HANDLE;
  const Bytes ciphertext = encapsulate(kp.public_key, sent);
  EXPECT_EQ(value(sent), ossl::kem_decapsulate("X25519MLKEM768", "priv", value(kp.private_key), ciphertext));
  Bytes theirs;
  const Bytes secret = ossl::kem_encapsulate("X25519MLKEM768", value(kp.public_key), theirs);
  CK_OBJECT_HANDLE received = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, decapsulate(kp.private_key, theirs, received));
  EXPECT_EQ(secret, value(received));
}

TEST_F(HybridKemTest, ImportPersistenceAndCopy) {
  const KeyPair kp = generate(true);
  CK_OBJECT_HANDLE sent = CK_INVALID_HANDLE;
  const Bytes ciphertext = encapsulate(kp.public_key, sent);
  const Bytes secret = value(sent);
  // C_CreateObject of the private value, and of a wrong length.
  Template t;
  t.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_ulong(CKA_KEY_TYPE, CKK_CRATON_X25519_ML_KEM_768);
  t.add_bool(CKA_DECAPSULATE, true).add_bytes(CKA_VALUE, value(kp.private_key));
  CK_OBJECT_HANDLE imported = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_CreateObject(session, t.data(), t.count(), &imported));
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, decapsulate(imported, ciphertext, key));
  EXPECT_EQ(secret, value(key));
  Template bad;
  bad.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY).add_ulong(CKA_KEY_TYPE, CKK_CRATON_X25519_ML_KEM_768);
  bad.add_bytes(CKA_VALUE, Bytes(kPublicBytes - 1, 1));
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, p11->C_CreateObject(session, bad.data(), bad.count(), &key));
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_CopyObject(session, kp.private_key, nullptr, 0, &copy));
  ASSERT_CKR(CKR_OK, decapsulate(copy, ciphertext, key));
  EXPECT_EQ(secret, value(key));
  // There is no standard PKCS#8 form of the combination: not wrappable.
  const CK_OBJECT_HANDLE kek = generate_aes(session, 32);
  CK_MECHANISM kwp{CKM_AES_KEY_WRAP_KWP, nullptr, 0};
  CK_ULONG len = 0;
  EXPECT_CKR(CKR_KEY_NOT_WRAPPABLE, p11->C_WrapKey(session, &kwp, kek, kp.private_key, nullptr, &len));

  restart();
  session = open_session();
  login(session);
  Template find;
  find.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_ulong(CKA_KEY_TYPE, CKK_CRATON_X25519_ML_KEM_768);
  ASSERT_CKR(CKR_OK, p11->C_FindObjectsInit(session, find.data(), find.count()));
  CK_OBJECT_HANDLE found[4];
  CK_ULONG count = 0;
  ASSERT_CKR(CKR_OK, p11->C_FindObjects(session, found, 4, &count));
  ASSERT_CKR(CKR_OK, p11->C_FindObjectsFinal(session));
  ASSERT_EQ(2u, count);  // the generated key and its token copy
  ASSERT_CKR(CKR_OK, decapsulate(found[0], ciphertext, key));
  EXPECT_EQ(secret, value(key));
}

TEST_F(HybridKemTest, ErrorPaths) {
  const KeyPair kp = generate();
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  const Bytes ciphertext = encapsulate(kp.public_key, key);
  EXPECT_CKR(CKR_WRAPPED_KEY_LEN_RANGE, decapsulate(kp.private_key, slice(ciphertext, 0, 1119), key));
  EXPECT_CKR(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, decapsulate(kp.public_key, ciphertext, key));
  // ML-KEM keys and the hybrid mechanism do not mix, either way.
  Template pub;
  pub.add_ulong(CKA_PARAMETER_SET, CKP_ML_KEM_768);
  CK_MECHANISM ml_kem_gen{CKM_ML_KEM_KEY_PAIR_GEN, nullptr, 0};
  KeyPair ml;
  ASSERT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &ml_kem_gen, pub.data(), pub.count(), nullptr, 0,
                                            &ml.public_key, &ml.private_key));
  EXPECT_CKR(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, decapsulate(ml.private_key, ciphertext, key));
  EXPECT_CKR(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT,
             decapsulate(kp.private_key, slice(ciphertext, 0, 1088), key, CK_MECHANISM{CKM_ML_KEM, nullptr, 0}));
  // The 64-byte secret is no AES key; a 32-byte prefix can be asked for.
  Template aes;
  aes.add_ulong(CKA_KEY_TYPE, CKK_AES);
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID,
             p11->C_DecapsulateKey(session, &kHybrid, kp.private_key, aes.data(), aes.count(),
                                   const_cast<CK_BYTE*>(ptr(ciphertext)), ciphertext.size(), &key));
  CK_BYTE junk = 0;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID,
             decapsulate(kp.private_key, ciphertext, key, CK_MECHANISM{CKM_CRATON_X25519_ML_KEM_768, &junk, 1}));
}

bool listed(CK_FUNCTION_LIST_3_2* p11, CK_SLOT_ID slot, CK_MECHANISM_TYPE m) {
  CK_ULONG count = 0;
  EXPECT_CKR(CKR_OK, p11->C_GetMechanismList(slot, nullptr, &count));
  std::vector<CK_MECHANISM_TYPE> list(count);
  EXPECT_CKR(CKR_OK, p11->C_GetMechanismList(slot, list.data(), &count));
  list.resize(count);
  return std::find(list.begin(), list.end(), m) != list.end();
}

TEST_F(HybridKemTest, MechanismInfo) {
  EXPECT_TRUE(listed(p11, slot, CKM_CRATON_X25519_ML_KEM_768));
  CK_MECHANISM_INFO info{};
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, CKM_CRATON_X25519_ML_KEM_768_KEY_PAIR_GEN, &info));
  EXPECT_EQ(CKF_GENERATE_KEY_PAIR, info.flags & (CKF_GENERATE_KEY_PAIR | CKF_ENCAPSULATE | CKF_DECAPSULATE));
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, CKM_CRATON_X25519_ML_KEM_768, &info));
  EXPECT_EQ(CKF_ENCAPSULATE | CKF_DECAPSULATE, info.flags & (CKF_GENERATE_KEY_PAIR | CKF_ENCAPSULATE | CKF_DECAPSULATE));
  EXPECT_EQ(kPublicBytes, info.ulMinKeySize);
  EXPECT_EQ(kPublicBytes, info.ulMaxKeySize);
}

// X25519 is not an approved key agreement: approved-only mode hides the
// hybrid while keeping ML-KEM; enable_pqc = false hides it too.
class HybridApprovedOnlyTest : public AbiTest {
 protected:
  std::string extra_security_config() const override { return "[algorithms]\nfips_approved_only = true\n"; }
};

TEST_F(HybridApprovedOnlyTest, HiddenWhileMlKemStays) {
  EXPECT_FALSE(listed(p11, slot, CKM_CRATON_X25519_ML_KEM_768));
  EXPECT_FALSE(listed(p11, slot, CKM_CRATON_X25519_ML_KEM_768_KEY_PAIR_GEN));
  EXPECT_TRUE(listed(p11, slot, CKM_ML_KEM));
  const CK_SESSION_HANDLE session = user_session();
  CK_MECHANISM mech{CKM_CRATON_X25519_ML_KEM_768_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  EXPECT_CKR(CKR_MECHANISM_INVALID,
             p11->C_GenerateKeyPair(session, &mech, nullptr, 0, nullptr, 0, &kp.public_key, &kp.private_key));
}

class HybridDisabledTest : public AbiTest {
 protected:
  std::string extra_security_config() const override { return "[algorithms]\nenable_pqc = false\n"; }
};

TEST_F(HybridDisabledTest, Hidden) {
  EXPECT_FALSE(listed(p11, slot, CKM_CRATON_X25519_ML_KEM_768));
  CK_MECHANISM_INFO info{};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GetMechanismInfo(slot, CKM_CRATON_X25519_ML_KEM_768, &info));
}

}  // namespace
}  // namespace abi_test

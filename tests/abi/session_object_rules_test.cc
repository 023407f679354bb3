// Access rules seen through the cryptographic and key-management functions:
// private keys before login, read-only sessions, sensitive and
// unextractable attributes, invalid and closed handles, an uninitialised
// library; plus C_GetObjectSize, C_GetOperationState with an active
// operation and C_SeedRandom (PKCS#11 3.0 §4.x, §5.6-5.7, §5.19).
#include <cstring>
#include <string>

#include "coverage_reference.h"
#include "module_fixture.h"

namespace abi_test {
namespace {

using ref::ptr;

class RulesTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }

  CK_OBJECT_HANDLE token_aes(bool is_private) {
    Template t;
    t.add_bool(CKA_TOKEN, true).add_bool(CKA_PRIVATE, is_private).add_bool(CKA_ENCRYPT, true);
    t.add_bool(CKA_WRAP, true).add_bool(CKA_DERIVE, true).add_bool(CKA_SIGN, true);
    return generate_aes(session, 16, &t);
  }

  Bytes iv = Bytes(16, 0);
  CK_MECHANISM cbc{CKM_AES_CBC_PAD, nullptr, 0};
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
};

TEST_F(RulesTest, PrivateKeysAreUnusableBeforeLogin) {
  cbc = {CKM_AES_CBC_PAD, iv.data(), 16};
  const CK_OBJECT_HANDLE secret = token_aes(true);
  const CK_OBJECT_HANDLE shared = token_aes(false);
  ASSERT_CKR(CKR_OK, p11->C_Logout(session));

  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_EncryptInit(session, &cbc, secret));
  CK_MECHANISM cmac{CKM_AES_CMAC, nullptr, 0};
  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_SignInit(session, &cmac, secret));
  CK_MECHANISM gcm{CKM_AES_GCM, nullptr, 0};
  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_MessageEncryptInit(session, &gcm, secret));
  CK_ULONG size = 0;
  EXPECT_CKR(CKR_OBJECT_HANDLE_INVALID, p11->C_GetObjectSize(session, secret, &size));
  EXPECT_CKR(CKR_OBJECT_HANDLE_INVALID, p11->C_DestroyObject(session, secret));
  Template label;
  label.add_string(CKA_LABEL, "x");
  EXPECT_CKR(CKR_OBJECT_HANDLE_INVALID, p11->C_SetAttributeValue(session, secret, label.data(), label.count()));
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_OBJECT_HANDLE_INVALID, p11->C_CopyObject(session, secret, label.data(), label.count(), &copy));
  CK_MECHANISM kw{CKM_AES_KEY_WRAP, nullptr, 0};
  Bytes out(64);
  CK_ULONG len = out.size();
  EXPECT_CKR(CKR_WRAPPING_KEY_HANDLE_INVALID, p11->C_WrapKey(session, &kw, secret, shared, out.data(), &len));
  CK_MECHANISM digest{CKM_SHA256, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &digest));
  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_DigestKey(session, secret));

  // A public key object stays usable, and the private one returns with the login.
  EXPECT_CKR(CKR_OK, p11->C_EncryptInit(session, &cbc, shared));
  EXPECT_CKR(CKR_OK, p11->C_GetObjectSize(session, shared, &size));
  login(session);
  EXPECT_CKR(CKR_OK, p11->C_GetObjectSize(session, secret, &size));
}

TEST_F(RulesTest, CreatingPrivateObjectsNeedsLogin) {
  ASSERT_CKR(CKR_OK, p11->C_Logout(session));
  CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
  Template priv;
  priv.add_ulong(CKA_VALUE_LEN, 16);  // secret keys are private by default
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_USER_NOT_LOGGED_IN, p11->C_GenerateKey(session, &gen, priv.data(), priv.count(), &key));
  Template pub;
  pub.add_ulong(CKA_VALUE_LEN, 16).add_bool(CKA_PRIVATE, false);
  EXPECT_CKR(CKR_OK, p11->C_GenerateKey(session, &gen, pub.data(), pub.count(), &key));
  Template data;
  data.add_ulong(CKA_CLASS, CKO_DATA).add_bool(CKA_PRIVATE, true).add_string(CKA_LABEL, "p");
  EXPECT_CKR(CKR_USER_NOT_LOGGED_IN, p11->C_CreateObject(session, data.data(), data.count(), &key));
}

TEST_F(RulesTest, ReadOnlySessionsKeepTokenObjectsUnchanged) {
  const CK_OBJECT_HANDLE token_key = token_aes(true);
  CK_SESSION_HANDLE ro = open_session(false);
  CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
  Template token;
  token.add_ulong(CKA_VALUE_LEN, 16).add_bool(CKA_TOKEN, true);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_SESSION_READ_ONLY, p11->C_GenerateKey(ro, &gen, token.data(), token.count(), &key));
  Template pub;
  pub.add_bytes(CKA_EC_PARAMS, p256_params()).add_bool(CKA_TOKEN, true);
  Template priv;
  priv.add_bool(CKA_SIGN, true);
  CK_MECHANISM pair{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub_key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_SESSION_READ_ONLY,
             p11->C_GenerateKeyPair(ro, &pair, pub.data(), pub.count(), priv.data(), priv.count(), &pub_key, &key));
  Template label;
  label.add_string(CKA_LABEL, "renamed");
  EXPECT_CKR(CKR_SESSION_READ_ONLY, p11->C_SetAttributeValue(ro, token_key, label.data(), label.count()));
  Template to_token;
  to_token.add_bool(CKA_TOKEN, true);
  EXPECT_CKR(CKR_SESSION_READ_ONLY, p11->C_CopyObject(ro, token_key, to_token.data(), to_token.count(), &key));
  const std::string new_pin = "another-pin";
  EXPECT_CKR(CKR_SESSION_READ_ONLY,
             p11->C_SetPIN(ro, (CK_UTF8CHAR_PTR)kUserPin, std::strlen(kUserPin), (CK_UTF8CHAR_PTR)new_pin.data(),
                           new_pin.size()));

  // Session keys and every cryptographic use are fine.
  Template session_key;
  session_key.add_ulong(CKA_VALUE_LEN, 16).add_bool(CKA_ENCRYPT, true);
  ASSERT_CKR(CKR_OK, p11->C_GenerateKey(ro, &gen, session_key.data(), session_key.count(), &key));
  cbc = {CKM_AES_CBC_PAD, iv.data(), 16};
  EXPECT_CKR(CKR_OK, p11->C_EncryptInit(ro, &cbc, token_key));
  EXPECT_CKR(CKR_OK, p11->C_SetAttributeValue(ro, key, label.data(), label.count()));
}

TEST_F(RulesTest, SensitivityOnlyGrowsAndExtractabilityOnlyShrinks) {
  Template t;
  t.add_bool(CKA_SENSITIVE, true).add_bool(CKA_EXTRACTABLE, false).add_bool(CKA_ENCRYPT, true);
  const CK_OBJECT_HANDLE key = generate_aes(session, 32, &t);
  EXPECT_TRUE(attribute_bool(session, key, CKA_ALWAYS_SENSITIVE));
  EXPECT_TRUE(attribute_bool(session, key, CKA_NEVER_EXTRACTABLE));
  Template unsensitive;
  unsensitive.add_bool(CKA_SENSITIVE, false);
  EXPECT_CKR(CKR_ATTRIBUTE_READ_ONLY, p11->C_SetAttributeValue(session, key, unsensitive.data(), unsensitive.count()));
  Template extractable;
  extractable.add_bool(CKA_EXTRACTABLE, true);
  EXPECT_CKR(CKR_ATTRIBUTE_READ_ONLY, p11->C_SetAttributeValue(session, key, extractable.data(), extractable.count()));

  // Readable values stop being readable once either flag protects them.
  Template clear;
  clear.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
  const CK_OBJECT_HANDLE open_key = generate_aes(session, 16, &clear);
  EXPECT_EQ(16u, attribute(session, open_key, CKA_VALUE).size());
  EXPECT_FALSE(attribute_bool(session, open_key, CKA_ALWAYS_SENSITIVE));
  Template protect;
  protect.add_bool(CKA_SENSITIVE, true);
  ASSERT_CKR(CKR_OK, p11->C_SetAttributeValue(session, open_key, protect.data(), protect.count()));
  CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
  EXPECT_CKR(CKR_ATTRIBUTE_SENSITIVE, p11->C_GetAttributeValue(session, open_key, &value, 1));
  EXPECT_EQ(CK_UNAVAILABLE_INFORMATION, value.ulValueLen);
  EXPECT_FALSE(attribute_bool(session, open_key, CKA_ALWAYS_SENSITIVE));  // history is kept

  // An EC private key's scalar is as protected as a secret key's value.
  const KeyPair ec = generate_ec(session, p256_params());
  CK_ATTRIBUTE scalar{CKA_VALUE, nullptr, 0};
  EXPECT_CKR(CKR_ATTRIBUTE_SENSITIVE, p11->C_GetAttributeValue(session, ec.private_key, &scalar, 1));
}

TEST_F(RulesTest, ObjectSize) {
  Template small_data;
  small_data.add_ulong(CKA_CLASS, CKO_DATA).add_bytes(CKA_VALUE, Bytes(10, 1));
  Template big_data;
  big_data.add_ulong(CKA_CLASS, CKO_DATA).add_bytes(CKA_VALUE, Bytes(2000, 1));
  CK_OBJECT_HANDLE small = CK_INVALID_HANDLE, big = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_CreateObject(session, small_data.data(), small_data.count(), &small));
  ASSERT_CKR(CKR_OK, p11->C_CreateObject(session, big_data.data(), big_data.count(), &big));
  CK_ULONG small_size = 0, big_size = 0;
  ASSERT_CKR(CKR_OK, p11->C_GetObjectSize(session, small, &small_size));
  ASSERT_CKR(CKR_OK, p11->C_GetObjectSize(session, big, &big_size));
  EXPECT_GT(small_size, 0u);
  EXPECT_NE(CK_UNAVAILABLE_INFORMATION, small_size);
  EXPECT_GE(big_size, small_size + 1990);
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetObjectSize(session, small, nullptr));
  EXPECT_CKR(CKR_OBJECT_HANDLE_INVALID, p11->C_GetObjectSize(session, big + 5000, &small_size));
  EXPECT_CKR(CKR_OBJECT_HANDLE_INVALID, p11->C_GetObjectSize(session, CK_INVALID_HANDLE, &small_size));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_GetObjectSize(session + 5000, small, &small_size));
}

TEST_F(RulesTest, OperationStateWithAnActiveOperation) {
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &sha));
  CK_BYTE part[3] = {'a', 'b', 'c'};
  ASSERT_CKR(CKR_OK, p11->C_DigestUpdate(session, part, 3));
  CK_ULONG len = 0;
  const CK_RV rv = p11->C_GetOperationState(session, nullptr, &len);
  // Either the state is saved (a length query) or the library says it cannot be.
  EXPECT_TRUE(rv == CKR_STATE_UNSAVEABLE || (rv == CKR_OK && len > 0)) << rv_name(rv);
  // The digest goes on regardless.
  Bytes out(32);
  len = out.size();
  EXPECT_CKR(CKR_OK, p11->C_DigestFinal(session, out.data(), &len));
}

TEST_F(RulesTest, SeedRandom) {
  Bytes seed(48, 0x5a);
  EXPECT_CKR(CKR_OK, p11->C_SeedRandom(session, seed.data(), seed.size()));
  EXPECT_CKR(CKR_OK, p11->C_SeedRandom(session, nullptr, 0));
  Bytes big(100000, 0x11);
  EXPECT_CKR(CKR_OK, p11->C_SeedRandom(session, big.data(), big.size()));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_SeedRandom(session + 5000, seed.data(), seed.size()));
  // The same seed twice does not make the generator repeat itself.
  Bytes a(32), b(32);
  ASSERT_CKR(CKR_OK, p11->C_SeedRandom(session, seed.data(), seed.size()));
  ASSERT_CKR(CKR_OK, p11->C_GenerateRandom(session, a.data(), a.size()));
  ASSERT_CKR(CKR_OK, p11->C_SeedRandom(session, seed.data(), seed.size()));
  ASSERT_CKR(CKR_OK, p11->C_GenerateRandom(session, b.data(), b.size()));
  EXPECT_NE(a, b);
  CK_SESSION_HANDLE ro = open_session(false);  // any session may seed
  EXPECT_CKR(CKR_OK, p11->C_SeedRandom(ro, seed.data(), seed.size()));
}

TEST_F(RulesTest, ClosedSessionHandleIsRefusedEverywhere) {
  const CK_OBJECT_HANDLE key = token_aes(false);
  CK_SESSION_HANDLE closed = open_session();
  ASSERT_CKR(CKR_OK, p11->C_CloseSession(closed));
  cbc = {CKM_AES_CBC_PAD, iv.data(), 16};
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
  CK_MECHANISM cmac{CKM_AES_CMAC, nullptr, 0};
  CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
  Template t;
  t.add_ulong(CKA_VALUE_LEN, 16);
  Bytes buf(64);
  CK_ULONG len = buf.size();
  CK_OBJECT_HANDLE out = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_EncryptInit(closed, &cbc, key));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_DecryptInit(closed, &cbc, key));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_DigestInit(closed, &sha));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_SignInit(closed, &cmac, key));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_VerifyInit(closed, &cmac, key));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_Encrypt(closed, buf.data(), 16, buf.data(), &len));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_SignUpdate(closed, buf.data(), 16));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_DigestFinal(closed, buf.data(), &len));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_VerifyFinal(closed, buf.data(), 16));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_GenerateKey(closed, &gen, t.data(), t.count(), &out));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_GenerateRandom(closed, buf.data(), 8));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_MessageEncryptFinal(closed));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_DigestKey(closed, key));

  // CK_INVALID_HANDLE is never a key.
  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_EncryptInit(session, &cbc, CK_INVALID_HANDLE));
  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_SignInit(session, &cmac, CK_INVALID_HANDLE));
}

TEST_F(RulesTest, UninitialisedLibraryRefusesCryptography) {
  const CK_OBJECT_HANDLE key = token_aes(false);
  finalize_module();
  cbc = {CKM_AES_CBC_PAD, iv.data(), 16};
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
  Bytes buf(16);
  CK_ULONG len = buf.size();
  EXPECT_CKR(CKR_CRYPTOKI_NOT_INITIALIZED, p11->C_EncryptInit(session, &cbc, key));
  EXPECT_CKR(CKR_CRYPTOKI_NOT_INITIALIZED, p11->C_DigestInit(session, &sha));
  EXPECT_CKR(CKR_CRYPTOKI_NOT_INITIALIZED, p11->C_Digest(session, buf.data(), 4, buf.data(), &len));
  EXPECT_CKR(CKR_CRYPTOKI_NOT_INITIALIZED, p11->C_GenerateRandom(session, buf.data(), 4));
  EXPECT_CKR(CKR_CRYPTOKI_NOT_INITIALIZED, p11->C_SeedRandom(session, buf.data(), 4));
  EXPECT_CKR(CKR_CRYPTOKI_NOT_INITIALIZED, p11->C_GetObjectSize(session, key, &len));
  EXPECT_CKR(CKR_CRYPTOKI_NOT_INITIALIZED, p11->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)kUserPin, 4));
  CK_MECHANISM_INFO info;
  EXPECT_CKR(CKR_CRYPTOKI_NOT_INITIALIZED, p11->C_GetMechanismInfo(slot, CKM_SHA256, &info));
  ASSERT_CKR(CKR_OK, initialize_module(nullptr));
}

}  // namespace
}  // namespace abi_test

// CKA_ALWAYS_AUTHENTICATE keys and C_Login(CKU_CONTEXT_SPECIFIC) (PKCS#11
// 3.0 §4.9 and §5.6): every signing or decrypting operation with such a key
// fails with CKR_USER_NOT_LOGGED_IN until the user re-enters the PIN for that
// operation; the re-authentication lasts for one operation only.
#include <cstring>
#include <string>

#include "coverage_reference.h"
#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

using ref::ptr;

CK_UTF8CHAR_PTR pin_ptr(const std::string& pin) {
  return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data()));
}

class ContextLoginTest : public AbiTest {
 protected:
  std::string extra_security_config() const override { return "max_failed_logins = 3\n"; }

  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }

  CK_RV context_login(const std::string& pin) {
    return p11->C_Login(session, CKU_CONTEXT_SPECIFIC, pin_ptr(pin), pin.size());
  }

  KeyPair ec_pair(bool always_authenticate) {
    Template pub;
    pub.add_bytes(CKA_EC_PARAMS, p256_params()).add_bool(CKA_VERIFY, true);
    Template priv;
    priv.add_bool(CKA_SIGN, true).add_bool(CKA_PRIVATE, true).add_bool(CKA_ALWAYS_AUTHENTICATE, always_authenticate);
    CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    KeyPair kp;
    EXPECT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(), priv.count(),
                                              &kp.public_key, &kp.private_key));
    return kp;
  }

  KeyPair rsa_pair() {
    Template pub;
    pub.add_ulong(CKA_MODULUS_BITS, 2048).add_bool(CKA_ENCRYPT, true).add_bool(CKA_VERIFY, true);
    Template priv;
    priv.add_bool(CKA_DECRYPT, true).add_bool(CKA_SIGN, true).add_bool(CKA_ALWAYS_AUTHENTICATE, true);
    CK_MECHANISM mech{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    KeyPair kp;
    EXPECT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(), priv.count(),
                                              &kp.public_key, &kp.private_key));
    return kp;
  }

  CK_RV sign_once(Bytes& sig) {
    sig.assign(64, 0);
    CK_ULONG len = sig.size();
    const CK_RV rv = p11->C_Sign(session, ptr(message), message.size(), sig.data(), &len);
    sig.resize(rv == CKR_OK ? len : 0);
    return rv;
  }

  const Bytes message = to_bytes("needs the PIN every time");
  CK_MECHANISM ecdsa{CKM_ECDSA_SHA256, nullptr, 0};
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
};

TEST_F(ContextLoginTest, SignatureNeedsContextLoginOncePerOperation) {
  const KeyPair kp = ec_pair(true);
  EXPECT_TRUE(attribute_bool(session, kp.private_key, CKA_ALWAYS_AUTHENTICATE));
  Bytes sig;
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &ecdsa, kp.private_key));
  EXPECT_CKR(CKR_USER_NOT_LOGGED_IN, sign_once(sig));
  EXPECT_CKR(CKR_PIN_INCORRECT, context_login("wrong-pin"));
  ASSERT_CKR(CKR_OK, context_login(kUserPin));
  ASSERT_CKR(CKR_OK, sign_once(sig));
  const Bytes point = ossl::der_octet_string_contents(attribute(session, kp.public_key, CKA_EC_POINT));
  EXPECT_TRUE(ossl::verify_ecdsa("prime256v1", point, "SHA256", message, sig));

  // The next operation needs its own login, multi-part included.
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &ecdsa, kp.private_key));
  EXPECT_CKR(CKR_USER_NOT_LOGGED_IN, p11->C_SignUpdate(session, ptr(message), message.size()));
  ASSERT_CKR(CKR_OK, context_login(kUserPin));
  ASSERT_CKR(CKR_OK, p11->C_SignUpdate(session, ptr(message), message.size()));
  Bytes multi(64);
  CK_ULONG len = multi.size();
  ASSERT_CKR(CKR_OK, p11->C_SignFinal(session, multi.data(), &len));
  EXPECT_TRUE(ossl::verify_ecdsa("prime256v1", point, "SHA256", message, multi));

  // Verification with the public key needs nothing extra.
  ASSERT_CKR(CKR_OK, p11->C_VerifyInit(session, &ecdsa, kp.public_key));
  EXPECT_CKR(CKR_OK, p11->C_Verify(session, ptr(message), message.size(), multi.data(), len));
}

TEST_F(ContextLoginTest, ContextLoginWithoutAWaitingOperation) {
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, context_login(kUserPin));
  // An operation with an ordinary key does not wait for one either.
  const KeyPair plain = ec_pair(false);
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &ecdsa, plain.private_key));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, context_login(kUserPin));
  Bytes sig;
  EXPECT_CKR(CKR_OK, sign_once(sig));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_Login(session, CKU_CONTEXT_SPECIFIC, nullptr, 4));
}

TEST_F(ContextLoginTest, DecryptAndSignRecoverNeedContextLogin) {
  const KeyPair kp = rsa_pair();
  const Bytes secret = to_bytes("secret");
  CK_MECHANISM pkcs{CKM_RSA_PKCS, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &pkcs, kp.public_key));  // public side: no PIN
  Bytes ct(256);
  CK_ULONG len = ct.size();
  ASSERT_CKR(CKR_OK, p11->C_Encrypt(session, ptr(secret), secret.size(), ct.data(), &len));

  ASSERT_CKR(CKR_OK, p11->C_DecryptInit(session, &pkcs, kp.private_key));
  Bytes back(256);
  len = back.size();
  EXPECT_CKR(CKR_USER_NOT_LOGGED_IN, p11->C_Decrypt(session, ct.data(), ct.size(), back.data(), &len));
  ASSERT_CKR(CKR_OK, context_login(kUserPin));
  len = back.size();
  ASSERT_CKR(CKR_OK, p11->C_Decrypt(session, ct.data(), ct.size(), back.data(), &len));
  back.resize(len);
  EXPECT_EQ(secret, back);

  ASSERT_CKR(CKR_OK, p11->C_SignRecoverInit(session, &pkcs, kp.private_key));
  Bytes sig(256);
  len = sig.size();
  EXPECT_CKR(CKR_USER_NOT_LOGGED_IN, p11->C_SignRecover(session, ptr(secret), secret.size(), sig.data(), &len));
  ASSERT_CKR(CKR_OK, context_login(kUserPin));
  len = sig.size();
  EXPECT_CKR(CKR_OK, p11->C_SignRecover(session, ptr(secret), secret.size(), sig.data(), &len));
}

TEST_F(ContextLoginTest, AlwaysAuthenticateNeedsAPrivateObject) {
  Template pub;
  pub.add_bytes(CKA_EC_PARAMS, p256_params());
  Template priv;
  priv.add_bool(CKA_SIGN, true).add_bool(CKA_PRIVATE, false).add_bool(CKA_ALWAYS_AUTHENTICATE, true);
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  EXPECT_CKR(CKR_TEMPLATE_INCONSISTENT, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(),
                                                               priv.count(), &kp.public_key, &kp.private_key));
}

TEST_F(ContextLoginTest, WrongContextPinsCountTowardsLockout) {
  const KeyPair kp = ec_pair(true);
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &ecdsa, kp.private_key));
  EXPECT_CKR(CKR_PIN_INCORRECT, context_login("wrong-pin"));
  EXPECT_CKR(CKR_PIN_INCORRECT, context_login("wrong-pin"));
  const CK_RV third = context_login("wrong-pin");
  EXPECT_TRUE(third == CKR_PIN_INCORRECT || third == CKR_PIN_LOCKED) << rv_name(third);
  EXPECT_NE(0u, token_info().flags & CKF_USER_PIN_LOCKED);
  EXPECT_CKR(CKR_PIN_LOCKED, context_login(kUserPin));
  Bytes sig;
  EXPECT_CKR(CKR_USER_NOT_LOGGED_IN, sign_once(sig));
}

// --- SO PIN lockout and its persistence ---

using SoLockoutTest = ContextLoginTest;

TEST_F(SoLockoutTest, SoPinLocksAndStaysLockedAcrossRestart) {
  ASSERT_CKR(CKR_OK, p11->C_Logout(session));
  const std::string wrong = "not-the-so-pin";
  ASSERT_CKR(CKR_PIN_INCORRECT, p11->C_Login(session, CKU_SO, pin_ptr(wrong), wrong.size()));
  EXPECT_NE(0u, token_info().flags & CKF_SO_PIN_COUNT_LOW);
  ASSERT_CKR(CKR_PIN_INCORRECT, p11->C_Login(session, CKU_SO, pin_ptr(wrong), wrong.size()));
  EXPECT_NE(0u, token_info().flags & CKF_SO_PIN_FINAL_TRY);
  const CK_RV third = p11->C_Login(session, CKU_SO, pin_ptr(wrong), wrong.size());
  EXPECT_TRUE(third == CKR_PIN_INCORRECT || third == CKR_PIN_LOCKED) << rv_name(third);
  EXPECT_NE(0u, token_info().flags & CKF_SO_PIN_LOCKED);
  EXPECT_CKR(CKR_PIN_LOCKED, p11->C_Login(session, CKU_SO, pin_ptr(kSoPin), std::strlen(kSoPin)));
  // The user is unaffected.
  EXPECT_EQ(0u, token_info().flags & CKF_USER_PIN_LOCKED);
  login(session);

  restart();
  EXPECT_NE(0u, token_info().flags & CKF_SO_PIN_LOCKED);
  CK_SESSION_HANDLE again = open_session();
  EXPECT_CKR(CKR_PIN_LOCKED, p11->C_Login(again, CKU_SO, pin_ptr(kSoPin), std::strlen(kSoPin)));
}

}  // namespace
}  // namespace abi_test

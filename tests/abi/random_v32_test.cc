// Random numbers (C_SeedRandom, C_GenerateRandom) and the PKCS#11 3.2
// additions (C_EncapsulateKey ... C_UnwrapKeyAuthenticated).
#include <algorithm>
#include <cstring>

#include "module_fixture.h"

namespace abi_test {
namespace {

using RandomTest = AbiTest;

TEST_F(RandomTest, GenerateRandom) {
  init_token();
  CK_SESSION_HANDLE session = open_session(false);  // no login needed
  Bytes a(64, 0);
  Bytes b(64, 0);
  ASSERT_CKR(CKR_OK, p11->C_GenerateRandom(session, a.data(), a.size()));
  ASSERT_CKR(CKR_OK, p11->C_GenerateRandom(session, b.data(), b.size()));
  EXPECT_NE(a, b);
  EXPECT_NE(Bytes(64, 0), a);
  EXPECT_CKR(CKR_OK, p11->C_GenerateRandom(session, nullptr, 0));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GenerateRandom(session, nullptr, 16));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_GenerateRandom(session + 1000, a.data(), a.size()));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_SeedRandom(session, nullptr, 8));
}

class V32Test : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
};

TEST_F(V32Test, SessionValidationFlags) {
  CK_FLAGS flags = 0xFF;
  ASSERT_CKR(CKR_OK, p11->C_GetSessionValidationFlags(session, CKS_LAST_VALIDATION_OK, &flags));
  EXPECT_EQ(0u, flags);
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetSessionValidationFlags(session, CKS_LAST_VALIDATION_OK, nullptr));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetSessionValidationFlags(session, 77, &flags));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID,
             p11->C_GetSessionValidationFlags(session + 1000, CKS_LAST_VALIDATION_OK, &flags));
}

TEST_F(V32Test, KemFunctionsValidateTheirArguments) {
  CK_MECHANISM kem{CKM_ML_KEM, nullptr, 0};
  Template t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES);
  CK_ULONG ct_len = 0;
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_EncapsulateKey(session, &kem, 0x7777, t.data(), t.count(), nullptr, &ct_len, &key));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_EncapsulateKey(session, &kem, 1, t.data(), t.count(), nullptr, nullptr, &key));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_EncapsulateKey(session, nullptr, 1, t.data(), t.count(), nullptr, &ct_len, &key));
  CK_BYTE ct[32] = {};
  EXPECT_CKR(CKR_UNWRAPPING_KEY_HANDLE_INVALID, p11->C_DecapsulateKey(session, &kem, 0x7777, t.data(), t.count(), ct, sizeof ct, &key));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_DecapsulateKey(session, &kem, 1, t.data(), t.count(), nullptr, 32, &key));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID,
             p11->C_DecapsulateKey(session + 1000, &kem, 1, t.data(), t.count(), ct, sizeof ct, &key));
  CK_MECHANISM broken{CKM_ML_KEM, nullptr, 4};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID,
             p11->C_DecapsulateKey(session, &broken, 1, t.data(), t.count(), ct, sizeof ct, &key));
}

TEST_F(V32Test, UnofferedFunctionsSayNotSupported) {
  CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
  CK_BYTE data[8] = {};
  CK_ULONG len = 8;
  // (C_VerifySignature* are offered: verify_signature_test.cc.)
  CK_UTF8CHAR name[] = "C_Sign";
  CK_ULONG id = 0;
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED, p11->C_AsyncGetID(session, name, &id));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED, p11->C_AsyncJoin(session, name, id, data, sizeof data));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED, p11->C_AsyncComplete(session, name, nullptr));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED,
             p11->C_WrapKeyAuthenticated(session, &mech, 1, 2, nullptr, 0, data, &len));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED,
             p11->C_UnwrapKeyAuthenticated(session, &mech, 1, data, sizeof data, nullptr, 0, nullptr, 0, &id));
}

}  // namespace
}  // namespace abi_test

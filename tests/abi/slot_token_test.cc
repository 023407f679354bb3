// Slot and token management: C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo,
// C_GetMechanismList, C_GetMechanismInfo, C_InitToken, C_InitPIN, C_SetPIN,
// C_WaitForSlotEvent, and the PIN policy and lockout seen through them.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "module_fixture.h"

namespace abi_test {
namespace {

CK_UTF8CHAR_PTR pin_ptr(const std::string& pin) {
  return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data()));
}

std::string label32(const std::string& label) {
  std::string s = label;
  s.resize(32, ' ');
  return s;
}

using SlotTokenTest = AbiTest;

TEST_F(SlotTokenTest, SlotListBufferConvention) {
  CK_ULONG count = 0;
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetSlotList(CK_TRUE, nullptr, nullptr));
  ASSERT_CKR(CKR_OK, p11->C_GetSlotList(CK_FALSE, nullptr, &count));
  EXPECT_EQ(1u, count);  // slot_count defaults to 1
  CK_SLOT_ID ids[4] = {99, 99, 99, 99};
  count = 0;
  EXPECT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_GetSlotList(CK_FALSE, ids, &count));
  EXPECT_EQ(1u, count);
  count = 4;
  ASSERT_CKR(CKR_OK, p11->C_GetSlotList(CK_TRUE, ids, &count));
  EXPECT_EQ(1u, count);
  EXPECT_EQ(slot, ids[0]);
}

TEST_F(SlotTokenTest, SlotInfo) {
  CK_SLOT_INFO info{};
  ASSERT_CKR(CKR_OK, p11->C_GetSlotInfo(slot, &info));
  EXPECT_NE(0u, info.flags & CKF_TOKEN_PRESENT);
  EXPECT_EQ(0u, info.flags & CKF_REMOVABLE_DEVICE);
  EXPECT_CKR(CKR_SLOT_ID_INVALID, p11->C_GetSlotInfo(4242, &info));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetSlotInfo(slot, nullptr));
}

TEST_F(SlotTokenTest, TokenInfoBeforeAndAfterInit) {
  CK_TOKEN_INFO info = token_info();
  EXPECT_EQ(0u, info.flags & CKF_TOKEN_INITIALIZED);
  EXPECT_CKR(CKR_SLOT_ID_INVALID, p11->C_GetTokenInfo(4242, &info));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetTokenInfo(slot, nullptr));

  init_token("my label");
  info = token_info();
  EXPECT_EQ(label32("my label"), std::string(reinterpret_cast<char*>(info.label), 32));
  EXPECT_NE(0u, info.flags & CKF_TOKEN_INITIALIZED);
  EXPECT_NE(0u, info.flags & CKF_USER_PIN_INITIALIZED);
  EXPECT_NE(0u, info.flags & CKF_LOGIN_REQUIRED);
  EXPECT_NE(0u, info.flags & CKF_RNG);
  EXPECT_EQ(4u, info.ulMinPinLen);
  EXPECT_EQ(64u, info.ulMaxPinLen);
  EXPECT_EQ(0u, info.ulSessionCount);

  CK_SESSION_HANDLE rw = open_session(true);
  CK_SESSION_HANDLE ro = open_session(false);
  info = token_info();
  EXPECT_EQ(2u, info.ulSessionCount);
  EXPECT_EQ(1u, info.ulRwSessionCount);
  EXPECT_CKR(CKR_OK, p11->C_CloseSession(rw));
  EXPECT_CKR(CKR_OK, p11->C_CloseSession(ro));
}

TEST_F(SlotTokenTest, InitTokenArgumentsAndSessions) {
  std::string label = label32("t");
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_InitToken(slot, pin_ptr(kSoPin), std::strlen(kSoPin), nullptr));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_InitToken(slot, nullptr, 8, pin_ptr(label)));
  EXPECT_CKR(CKR_SLOT_ID_INVALID, p11->C_InitToken(4242, pin_ptr(kSoPin), std::strlen(kSoPin), pin_ptr(label)));
  init_token();
  CK_SESSION_HANDLE session = open_session(false);
  EXPECT_CKR(CKR_SESSION_EXISTS, p11->C_InitToken(slot, pin_ptr(kSoPin), std::strlen(kSoPin), pin_ptr(label)));
  ASSERT_CKR(CKR_OK, p11->C_CloseSession(session));
  const std::string wrong = "not-the-so-pin";
  EXPECT_CKR(CKR_PIN_INCORRECT, p11->C_InitToken(slot, pin_ptr(wrong), wrong.size(), pin_ptr(label)));
  // Re-initialisation with the right SO PIN works and keeps the SO PIN.
  EXPECT_CKR(CKR_OK, p11->C_InitToken(slot, pin_ptr(kSoPin), std::strlen(kSoPin), pin_ptr(label)));
}

TEST_F(SlotTokenTest, PinLengthPolicy) {
  std::string label = label32("t");
  const std::string short_pin = "abc";
  const std::string long_pin(65, 'x');
  EXPECT_CKR(CKR_PIN_LEN_RANGE, p11->C_InitToken(slot, pin_ptr(short_pin), short_pin.size(), pin_ptr(label)));
  EXPECT_CKR(CKR_PIN_LEN_RANGE, p11->C_InitToken(slot, pin_ptr(long_pin), long_pin.size(), pin_ptr(label)));
  ASSERT_CKR(CKR_OK, p11->C_InitToken(slot, pin_ptr(kSoPin), std::strlen(kSoPin), pin_ptr(label)));

  CK_SESSION_HANDLE so = open_session();
  login(so, CKU_SO, kSoPin);
  EXPECT_CKR(CKR_PIN_LEN_RANGE, p11->C_InitPIN(so, pin_ptr(short_pin), short_pin.size()));
  EXPECT_CKR(CKR_PIN_LEN_RANGE, p11->C_InitPIN(so, pin_ptr(long_pin), long_pin.size()));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_InitPIN(so, nullptr, 5));
  ASSERT_CKR(CKR_OK, p11->C_InitPIN(so, pin_ptr(kUserPin), std::strlen(kUserPin)));
  ASSERT_CKR(CKR_OK, p11->C_Logout(so));

  login(so);
  EXPECT_CKR(CKR_PIN_LEN_RANGE,
             p11->C_SetPIN(so, pin_ptr(kUserPin), std::strlen(kUserPin), pin_ptr(short_pin), short_pin.size()));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_SetPIN(so, nullptr, 4, pin_ptr(kUserPin), std::strlen(kUserPin)));
}

TEST_F(SlotTokenTest, SetPinChangesTheUserPin) {
  CK_SESSION_HANDLE session = user_session();
  const std::string new_pin = "fresh-pin-2";
  const std::string wrong = "wrong-pin";
  EXPECT_CKR(CKR_PIN_INCORRECT,
             p11->C_SetPIN(session, pin_ptr(wrong), wrong.size(), pin_ptr(new_pin), new_pin.size()));
  ASSERT_CKR(CKR_OK,
             p11->C_SetPIN(session, pin_ptr(kUserPin), std::strlen(kUserPin), pin_ptr(new_pin), new_pin.size()));
  ASSERT_CKR(CKR_OK, p11->C_Logout(session));
  EXPECT_CKR(CKR_PIN_INCORRECT, p11->C_Login(session, CKU_USER, pin_ptr(kUserPin), std::strlen(kUserPin)));
  EXPECT_CKR(CKR_OK, p11->C_Login(session, CKU_USER, pin_ptr(new_pin), new_pin.size()));
}

TEST_F(SlotTokenTest, MechanismListAndInfo) {
  CK_ULONG count = 0;
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetMechanismList(slot, nullptr, nullptr));
  EXPECT_CKR(CKR_SLOT_ID_INVALID, p11->C_GetMechanismList(4242, nullptr, &count));
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismList(slot, nullptr, &count));
  ASSERT_GT(count, 10u);
  std::vector<CK_MECHANISM_TYPE> list(count);
  CK_ULONG small = 1;
  EXPECT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_GetMechanismList(slot, list.data(), &small));
  EXPECT_EQ(count, small);
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismList(slot, list.data(), &count));
  for (CK_MECHANISM_TYPE m : {CKM_SHA256, CKM_AES_KEY_GEN, CKM_AES_GCM, CKM_AES_CBC_PAD, CKM_AES_KEY_WRAP,
                              CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_RSA_PKCS_OAEP, CKM_SHA256_RSA_PKCS_PSS,
                              CKM_EC_KEY_PAIR_GEN, CKM_ECDSA, CKM_ECDH1_DERIVE, CKM_EDDSA, CKM_HKDF_DERIVE,
                              CKM_SHA256_HMAC}) {
    EXPECT_NE(list.end(), std::find(list.begin(), list.end(), m)) << "mechanism 0x" << std::hex << m;
  }

  CK_MECHANISM_INFO info{};
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, CKM_AES_KEY_GEN, &info));
  EXPECT_EQ(16u, info.ulMinKeySize);
  EXPECT_EQ(32u, info.ulMaxKeySize);
  EXPECT_NE(0u, info.flags & CKF_GENERATE);
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, CKM_ECDSA, &info));
  EXPECT_EQ(CKF_SIGN | CKF_VERIFY, info.flags & (CKF_SIGN | CKF_VERIFY));
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GetMechanismInfo(slot, 0x8000ABCDUL, &info));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetMechanismInfo(slot, CKM_SHA256, nullptr));
  EXPECT_CKR(CKR_SLOT_ID_INVALID, p11->C_GetMechanismInfo(4242, CKM_SHA256, &info));
}

TEST_F(SlotTokenTest, WaitForSlotEvent) {
  CK_SLOT_ID event_slot = 0;
  EXPECT_CKR(CKR_NO_EVENT, p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &event_slot, nullptr));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED, p11->C_WaitForSlotEvent(0, &event_slot, nullptr));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, nullptr, nullptr));
}

// --- lockout, with max_failed_logins = 3 ---

class LockoutTest : public AbiTest {
 protected:
  std::string extra_security_config() const override { return "max_failed_logins = 3\n"; }

  CK_FLAGS pin_flags() {
    return token_info().flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
  }
};

TEST_F(LockoutTest, UserPinCountsDownLocksAndStaysLocked) {
  init_token();
  CK_SESSION_HANDLE session = open_session();
  const std::string wrong = "wrong-pin";
  EXPECT_EQ(0u, pin_flags());

  ASSERT_CKR(CKR_PIN_INCORRECT, p11->C_Login(session, CKU_USER, pin_ptr(wrong), wrong.size()));
  EXPECT_NE(0u, pin_flags() & CKF_USER_PIN_COUNT_LOW);
  EXPECT_EQ(0u, pin_flags() & (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED));

  // A correct login resets the counter.
  login(session);
  EXPECT_EQ(0u, pin_flags());
  ASSERT_CKR(CKR_OK, p11->C_Logout(session));

  ASSERT_CKR(CKR_PIN_INCORRECT, p11->C_Login(session, CKU_USER, pin_ptr(wrong), wrong.size()));
  ASSERT_CKR(CKR_PIN_INCORRECT, p11->C_Login(session, CKU_USER, pin_ptr(wrong), wrong.size()));
  EXPECT_NE(0u, pin_flags() & CKF_USER_PIN_FINAL_TRY);
  EXPECT_EQ(0u, pin_flags() & CKF_USER_PIN_LOCKED);

  const CK_RV third = p11->C_Login(session, CKU_USER, pin_ptr(wrong), wrong.size());
  EXPECT_TRUE(third == CKR_PIN_INCORRECT || third == CKR_PIN_LOCKED) << rv_name(third);
  EXPECT_NE(0u, pin_flags() & CKF_USER_PIN_LOCKED);
  EXPECT_CKR(CKR_PIN_LOCKED, p11->C_Login(session, CKU_USER, pin_ptr(kUserPin), std::strlen(kUserPin)));

  // The counter is persistent.
  restart();
  EXPECT_NE(0u, pin_flags() & CKF_USER_PIN_LOCKED);
  session = open_session();
  EXPECT_CKR(CKR_PIN_LOCKED, p11->C_Login(session, CKU_USER, pin_ptr(kUserPin), std::strlen(kUserPin)));

  // The SO unlocks by setting a new user PIN.
  login(session, CKU_SO, kSoPin);
  ASSERT_CKR(CKR_OK, p11->C_InitPIN(session, pin_ptr(kUserPin), std::strlen(kUserPin)));
  ASSERT_CKR(CKR_OK, p11->C_Logout(session));
  EXPECT_EQ(0u, pin_flags());
  login(session);
}

}  // namespace
}  // namespace abi_test

// Session management: C_OpenSession, C_CloseSession, C_CloseAllSessions,
// C_GetSessionInfo, C_Login, C_LoginUser, C_Logout, C_SessionCancel, and the
// fixed answers of C_GetOperationState/C_SetOperationState/
// C_GetFunctionStatus/C_CancelFunction.
#include <cstring>
#include <string>

#include "module_fixture.h"

namespace abi_test {
namespace {

CK_UTF8CHAR_PTR pin_ptr(const char* pin) { return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin)); }

class SessionTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    init_token();
  }

  CK_SESSION_INFO info(CK_SESSION_HANDLE session) {
    CK_SESSION_INFO out{};
    EXPECT_CKR(CKR_OK, p11->C_GetSessionInfo(session, &out));
    return out;
  }
};

TEST_F(SessionTest, OpenSessionArguments) {
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_SESSION_PARALLEL_NOT_SUPPORTED, p11->C_OpenSession(slot, CKF_RW_SESSION, nullptr, nullptr, &session));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr));
  EXPECT_CKR(CKR_SLOT_ID_INVALID, p11->C_OpenSession(4242, CKF_SERIAL_SESSION, nullptr, nullptr, &session));
  // A notification callback is accepted (and never called).
  CK_NOTIFY notify = [](CK_SESSION_HANDLE, CK_NOTIFICATION, CK_VOID_PTR) -> CK_RV { return CKR_OK; };
  int app = 0;
  ASSERT_CKR(CKR_OK, p11->C_OpenSession(slot, CKF_SERIAL_SESSION, &app, notify, &session));
  EXPECT_NE(CK_INVALID_HANDLE, session);
}

TEST_F(SessionTest, StatesFollowSessionKindAndSharedLogin) {
  CK_SESSION_HANDLE ro = open_session(false);
  CK_SESSION_HANDLE rw = open_session(true);
  CK_SESSION_INFO i = info(ro);
  EXPECT_EQ(slot, i.slotID);
  EXPECT_EQ(CKS_RO_PUBLIC_SESSION, i.state);
  EXPECT_EQ(CKF_SERIAL_SESSION, i.flags);
  i = info(rw);
  EXPECT_EQ(CKS_RW_PUBLIC_SESSION, i.state);
  EXPECT_EQ(CKF_SERIAL_SESSION | CKF_RW_SESSION, i.flags);

  // Login state belongs to the token: logging in on one session logs in all.
  login(ro);
  EXPECT_EQ(CKS_RO_USER_FUNCTIONS, info(ro).state);
  EXPECT_EQ(CKS_RW_USER_FUNCTIONS, info(rw).state);
  EXPECT_CKR(CKR_USER_ALREADY_LOGGED_IN, p11->C_Login(rw, CKU_USER, pin_ptr(kUserPin), std::strlen(kUserPin)));
  ASSERT_CKR(CKR_OK, p11->C_Logout(rw));
  EXPECT_EQ(CKS_RO_PUBLIC_SESSION, info(ro).state);
  EXPECT_CKR(CKR_USER_NOT_LOGGED_IN, p11->C_Logout(rw));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetSessionInfo(rw, nullptr));
}

TEST_F(SessionTest, SecurityOfficerNeedsReadWriteSessions) {
  CK_SESSION_HANDLE ro = open_session(false);
  CK_SESSION_HANDLE rw = open_session(true);
  EXPECT_CKR(CKR_SESSION_READ_ONLY_EXISTS, p11->C_Login(rw, CKU_SO, pin_ptr(kSoPin), std::strlen(kSoPin)));
  ASSERT_CKR(CKR_OK, p11->C_CloseSession(ro));
  login(rw, CKU_SO, kSoPin);
  EXPECT_EQ(CKS_RW_SO_FUNCTIONS, info(rw).state);
  CK_SESSION_HANDLE another = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_SESSION_READ_WRITE_SO_EXISTS,
             p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &another));
  EXPECT_CKR(CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
             p11->C_Login(rw, CKU_USER, pin_ptr(kUserPin), std::strlen(kUserPin)));
  ASSERT_CKR(CKR_OK, p11->C_Logout(rw));
  login(rw);
  EXPECT_CKR(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, p11->C_Login(rw, CKU_SO, pin_ptr(kSoPin), std::strlen(kSoPin)));
}

TEST_F(SessionTest, LoginArguments) {
  CK_SESSION_HANDLE session = open_session();
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_Login(session, CKU_USER, nullptr, 4));
  EXPECT_CKR(CKR_USER_TYPE_INVALID, p11->C_Login(session, 7, pin_ptr(kUserPin), std::strlen(kUserPin)));
  EXPECT_CKR(CKR_PIN_INCORRECT, p11->C_Login(session, CKU_USER, pin_ptr("wrong-pin"), 9));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID,
             p11->C_Login(session + 1000, CKU_USER, pin_ptr(kUserPin), std::strlen(kUserPin)));
  EXPECT_EQ(CKS_RW_PUBLIC_SESSION, info(session).state);
}

TEST_F(SessionTest, LoginUserWithoutNameIsLogin) {
  CK_SESSION_HANDLE session = open_session();
  CK_UTF8CHAR name[] = "alice";
  EXPECT_CKR(CKR_ARGUMENTS_BAD,
             p11->C_LoginUser(session, CKU_USER, pin_ptr(kUserPin), std::strlen(kUserPin), name, 5));
  EXPECT_CKR(CKR_ARGUMENTS_BAD,
             p11->C_LoginUser(session, CKU_USER, pin_ptr(kUserPin), std::strlen(kUserPin), nullptr, 5));
  EXPECT_CKR(CKR_USER_TYPE_INVALID,
             p11->C_LoginUser(session, 9, pin_ptr(kUserPin), std::strlen(kUserPin), nullptr, 0));
  ASSERT_CKR(CKR_OK, p11->C_LoginUser(session, CKU_USER, pin_ptr(kUserPin), std::strlen(kUserPin), nullptr, 0));
  EXPECT_EQ(CKS_RW_USER_FUNCTIONS, info(session).state);
}

TEST_F(SessionTest, CloseSessionAndInvalidHandles) {
  CK_SESSION_HANDLE session = open_session();
  ASSERT_CKR(CKR_OK, p11->C_CloseSession(session));
  CK_SESSION_INFO i;
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_GetSessionInfo(session, &i));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_CloseSession(session));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_CloseSession(CK_INVALID_HANDLE));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_Logout(session));
}

TEST_F(SessionTest, ClosingTheLastSessionLogsOut) {
  CK_SESSION_HANDLE a = open_session();
  CK_SESSION_HANDLE b = open_session(false);
  login(a);
  ASSERT_CKR(CKR_OK, p11->C_CloseSession(a));
  EXPECT_EQ(CKS_RO_USER_FUNCTIONS, info(b).state);  // still one session open
  ASSERT_CKR(CKR_OK, p11->C_CloseSession(b));
  CK_SESSION_HANDLE c = open_session();
  EXPECT_EQ(CKS_RW_PUBLIC_SESSION, info(c).state);
}

TEST_F(SessionTest, CloseAllSessions) {
  CK_SESSION_HANDLE a = open_session();
  CK_SESSION_HANDLE b = open_session(false);
  login(a);
  ASSERT_CKR(CKR_OK, p11->C_CloseAllSessions(slot));
  CK_SESSION_INFO i;
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_GetSessionInfo(a, &i));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_GetSessionInfo(b, &i));
  EXPECT_EQ(0u, token_info().ulSessionCount);
  CK_SESSION_HANDLE c = open_session();
  EXPECT_EQ(CKS_RW_PUBLIC_SESSION, info(c).state);
  EXPECT_CKR(CKR_SLOT_ID_INVALID, p11->C_CloseAllSessions(4242));
}

TEST_F(SessionTest, SessionCancelEndsTheNamedOperations) {
  CK_SESSION_HANDLE session = open_session();
  CK_MECHANISM digest{CKM_SHA256, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &digest));
  ASSERT_CKR(CKR_OK, p11->C_SessionCancel(session, CKF_DIGEST));
  CK_BYTE data[1] = {0};
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_DigestUpdate(session, data, 1));
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &digest));
}

TEST_F(SessionTest, StateAndParallelFunctionsHaveFixedAnswers) {
  CK_SESSION_HANDLE session = open_session();
  CK_ULONG len = 0;
  EXPECT_CKR(CKR_STATE_UNSAVEABLE, p11->C_GetOperationState(session, nullptr, &len));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetOperationState(session, nullptr, nullptr));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_GetOperationState(session + 1000, nullptr, &len));
  CK_BYTE state[16] = {};
  EXPECT_CKR(CKR_SAVED_STATE_INVALID, p11->C_SetOperationState(session, state, sizeof state, 0, 0));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_SetOperationState(session, nullptr, 16, 0, 0));
  EXPECT_CKR(CKR_FUNCTION_NOT_PARALLEL, p11->C_GetFunctionStatus(session));
  EXPECT_CKR(CKR_FUNCTION_NOT_PARALLEL, p11->C_CancelFunction(session));
}

}  // namespace
}  // namespace abi_test

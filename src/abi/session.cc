// Session management (PKCS#11 3.0 §5.6).
#include "abi/args.h"
#include "abi/guard.h"

using namespace craton;
using namespace craton::abi;

namespace {

bool known_user_type(CK_USER_TYPE user) {
  return user == CKU_SO || user == CKU_USER || user == CKU_CONTEXT_SPECIFIC;
}

}  // namespace

// Notification callbacks are accepted and never called: the module has no
// events to report (no removable tokens, no parallel functions).
CRATON_EXPORT CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR /*pApplication*/,
                                  CK_NOTIFY /*Notify*/, CK_SESSION_HANDLE_PTR phSession) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (phSession == nullptr) return CKR_ARGUMENTS_BAD;
    if ((flags & CKF_SERIAL_SESSION) == 0) return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
    Result<CK_SESSION_HANDLE> session = core.open_session(slotID, flags);
    if (!session.ok()) return session.rv();
    *phSession = *session;
    return CKR_OK;
  });
}

CRATON_EXPORT CK_RV C_CloseSession(CK_SESSION_HANDLE hSession) {
  return guarded([&](HsmCore& core) -> CK_RV { return core.close_session(hSession).rv(); });
}

CRATON_EXPORT CK_RV C_CloseAllSessions(CK_SLOT_ID slotID) {
  return guarded([&](HsmCore& core) -> CK_RV { return core.close_all_sessions(slotID).rv(); });
}

CRATON_EXPORT CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
    return core.session_info(hSession, *pInfo).rv();
  });
}

CRATON_EXPORT CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags) {
  return guarded([&](HsmCore& core) -> CK_RV { return core.session_cancel(hSession, flags).rv(); });
}

CRATON_EXPORT CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
                            CK_ULONG ulPinLen) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(pPin, ulPinLen)) return CKR_ARGUMENTS_BAD;
    if (!known_user_type(userType)) return CKR_USER_TYPE_INVALID;
    return core.login(hSession, userType, input(pPin, ulPinLen)).rv();
  });
}

// Tokens have one unnamed user per role. Without a name C_LoginUser is
// C_Login; a name could not be checked against anything, and silently
// ignoring it would let a caller believe it logged in as someone specific.
CRATON_EXPORT CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
                                CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(pPin, ulPinLen) || !valid_buffer(pUsername, ulUsernameLen)) return CKR_ARGUMENTS_BAD;
    if (!known_user_type(userType)) return CKR_USER_TYPE_INVALID;
    if (ulUsernameLen > 0) return CKR_ARGUMENTS_BAD;
    return core.login(hSession, userType, input(pPin, ulPinLen)).rv();
  });
}

CRATON_EXPORT CK_RV C_Logout(CK_SESSION_HANDLE hSession) {
  return guarded([&](HsmCore& core) -> CK_RV { return core.logout(hSession).rv(); });
}

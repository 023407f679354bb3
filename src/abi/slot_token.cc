// Slot and token management (PKCS#11 3.0 §5.5).
#include "abi/args.h"
#include "abi/guard.h"

using namespace craton;
using namespace craton::abi;

CRATON_EXPORT CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pulCount == nullptr) return CKR_ARGUMENTS_BAD;
    return deliver_items(core.slot_list(tokenPresent != CK_FALSE), pSlotList, pulCount);
  });
}

CRATON_EXPORT CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
    return core.slot_info(slotID, *pInfo).rv();
  });
}

CRATON_EXPORT CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
    return core.token_info(slotID, *pInfo).rv();
  });
}

CRATON_EXPORT CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
                                       CK_ULONG_PTR pulCount) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pulCount == nullptr) return CKR_ARGUMENTS_BAD;
    Result<std::vector<CK_MECHANISM_TYPE>> mechanisms = core.mechanism_list(slotID);
    if (!mechanisms.ok()) return mechanisms.rv();
    return deliver_items(*mechanisms, pMechanismList, pulCount);
  });
}

CRATON_EXPORT CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pInfo == nullptr) return CKR_ARGUMENTS_BAD;
    return core.mechanism_info(slotID, type, *pInfo).rv();
  });
}

// pLabel is 32 bytes, blank padded, by definition of the function.
CRATON_EXPORT CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
                                CK_UTF8CHAR_PTR pLabel) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(pPin, ulPinLen) || pLabel == nullptr) return CKR_ARGUMENTS_BAD;
    return core.init_token(slotID, input(pPin, ulPinLen), input(pLabel, 32)).rv();
  });
}

CRATON_EXPORT CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(pPin, ulPinLen)) return CKR_ARGUMENTS_BAD;
    return core.init_pin(hSession, input(pPin, ulPinLen)).rv();
  });
}

CRATON_EXPORT CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
                             CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(pOldPin, ulOldLen) || !valid_buffer(pNewPin, ulNewLen)) return CKR_ARGUMENTS_BAD;
    return core.set_pin(hSession, input(pOldPin, ulOldLen), input(pNewPin, ulNewLen)).rv();
  });
}

// Tokens are not removable and never change while the module runs, so there
// is never an event. The specification lets a library without events answer
// a blocking wait with CKR_FUNCTION_NOT_SUPPORTED instead of blocking forever.
CRATON_EXPORT CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved) {
  return guarded([&](HsmCore&) -> CK_RV {
    if (pSlot == nullptr || pReserved != nullptr) return CKR_ARGUMENTS_BAD;
    if ((flags & CKF_DONT_BLOCK) != 0) return CKR_NO_EVENT;
    return CKR_FUNCTION_NOT_SUPPORTED;
  });
}

// The static function lists: PKCS#11 2.40, 3.0 and 3.2. Each later list is
// the earlier one followed by the functions its version added, in the order
// the specification fixes. Only C_GetInfo differs between the shared entries:
// each list reports its own version (function_lists.h).
#include "abi/function_lists.h"

namespace craton::abi {

// The 2.40 functions, in their specified order. A macro because the three
// list types are distinct structs sharing this prefix; designated
// initialisers make the compiler check every name and position.
#define CRATON_FUNCTIONS_2_40(get_info)                                                         \
  .C_Initialize = C_Initialize, .C_Finalize = C_Finalize, .C_GetInfo = get_info,                \
  .C_GetFunctionList = C_GetFunctionList, .C_GetSlotList = C_GetSlotList,                       \
  .C_GetSlotInfo = C_GetSlotInfo, .C_GetTokenInfo = C_GetTokenInfo,                             \
  .C_GetMechanismList = C_GetMechanismList, .C_GetMechanismInfo = C_GetMechanismInfo,           \
  .C_InitToken = C_InitToken, .C_InitPIN = C_InitPIN, .C_SetPIN = C_SetPIN,                     \
  .C_OpenSession = C_OpenSession, .C_CloseSession = C_CloseSession,                             \
  .C_CloseAllSessions = C_CloseAllSessions, .C_GetSessionInfo = C_GetSessionInfo,               \
  .C_GetOperationState = C_GetOperationState, .C_SetOperationState = C_SetOperationState,       \
  .C_Login = C_Login, .C_Logout = C_Logout, .C_CreateObject = C_CreateObject,                   \
  .C_CopyObject = C_CopyObject, .C_DestroyObject = C_DestroyObject,                             \
  .C_GetObjectSize = C_GetObjectSize, .C_GetAttributeValue = C_GetAttributeValue,               \
  .C_SetAttributeValue = C_SetAttributeValue, .C_FindObjectsInit = C_FindObjectsInit,           \
  .C_FindObjects = C_FindObjects, .C_FindObjectsFinal = C_FindObjectsFinal,                     \
  .C_EncryptInit = C_EncryptInit, .C_Encrypt = C_Encrypt, .C_EncryptUpdate = C_EncryptUpdate,   \
  .C_EncryptFinal = C_EncryptFinal, .C_DecryptInit = C_DecryptInit, .C_Decrypt = C_Decrypt,     \
  .C_DecryptUpdate = C_DecryptUpdate, .C_DecryptFinal = C_DecryptFinal,                         \
  .C_DigestInit = C_DigestInit, .C_Digest = C_Digest, .C_DigestUpdate = C_DigestUpdate,         \
  .C_DigestKey = C_DigestKey, .C_DigestFinal = C_DigestFinal, .C_SignInit = C_SignInit,         \
  .C_Sign = C_Sign, .C_SignUpdate = C_SignUpdate, .C_SignFinal = C_SignFinal,                   \
  .C_SignRecoverInit = C_SignRecoverInit, .C_SignRecover = C_SignRecover,                       \
  .C_VerifyInit = C_VerifyInit, .C_Verify = C_Verify, .C_VerifyUpdate = C_VerifyUpdate,         \
  .C_VerifyFinal = C_VerifyFinal, .C_VerifyRecoverInit = C_VerifyRecoverInit,                   \
  .C_VerifyRecover = C_VerifyRecover, .C_DigestEncryptUpdate = C_DigestEncryptUpdate,           \
  .C_DecryptDigestUpdate = C_DecryptDigestUpdate, .C_SignEncryptUpdate = C_SignEncryptUpdate,   \
  .C_DecryptVerifyUpdate = C_DecryptVerifyUpdate, .C_GenerateKey = C_GenerateKey,               \
  .C_GenerateKeyPair = C_GenerateKeyPair, .C_WrapKey = C_WrapKey, .C_UnwrapKey = C_UnwrapKey,   \
  .C_DeriveKey = C_DeriveKey, .C_SeedRandom = C_SeedRandom,                                     \
  .C_GenerateRandom = C_GenerateRandom, .C_GetFunctionStatus = C_GetFunctionStatus,             \
  .C_CancelFunction = C_CancelFunction, .C_WaitForSlotEvent = C_WaitForSlotEvent

// What 3.0 appended.
#define CRATON_FUNCTIONS_3_0                                                                    \
  .C_GetInterfaceList = C_GetInterfaceList, .C_GetInterface = C_GetInterface,                   \
  .C_LoginUser = C_LoginUser, .C_SessionCancel = C_SessionCancel,                               \
  .C_MessageEncryptInit = C_MessageEncryptInit, .C_EncryptMessage = C_EncryptMessage,           \
  .C_EncryptMessageBegin = C_EncryptMessageBegin, .C_EncryptMessageNext = C_EncryptMessageNext, \
  .C_MessageEncryptFinal = C_MessageEncryptFinal, .C_MessageDecryptInit = C_MessageDecryptInit, \
  .C_DecryptMessage = C_DecryptMessage, .C_DecryptMessageBegin = C_DecryptMessageBegin,         \
  .C_DecryptMessageNext = C_DecryptMessageNext, .C_MessageDecryptFinal = C_MessageDecryptFinal, \
  .C_MessageSignInit = C_MessageSignInit, .C_SignMessage = C_SignMessage,                       \
  .C_SignMessageBegin = C_SignMessageBegin, .C_SignMessageNext = C_SignMessageNext,             \
  .C_MessageSignFinal = C_MessageSignFinal, .C_MessageVerifyInit = C_MessageVerifyInit,         \
  .C_VerifyMessage = C_VerifyMessage, .C_VerifyMessageBegin = C_VerifyMessageBegin,             \
  .C_VerifyMessageNext = C_VerifyMessageNext, .C_MessageVerifyFinal = C_MessageVerifyFinal

// What 3.2 appended (DESIGN.md §9).
#define CRATON_FUNCTIONS_3_2                                                                    \
  .C_EncapsulateKey = C_EncapsulateKey, .C_DecapsulateKey = C_DecapsulateKey,                   \
  .C_VerifySignatureInit = C_VerifySignatureInit, .C_VerifySignature = C_VerifySignature,       \
  .C_VerifySignatureUpdate = C_VerifySignatureUpdate,                                           \
  .C_VerifySignatureFinal = C_VerifySignatureFinal,                                             \
  .C_GetSessionValidationFlags = C_GetSessionValidationFlags,                                   \
  .C_AsyncComplete = C_AsyncComplete, .C_AsyncGetID = C_AsyncGetID, .C_AsyncJoin = C_AsyncJoin, \
  .C_WrapKeyAuthenticated = C_WrapKeyAuthenticated,                                             \
  .C_UnwrapKeyAuthenticated = C_UnwrapKeyAuthenticated

CK_FUNCTION_LIST function_list_v2_40 = {
    .version = {2, 40},
    CRATON_FUNCTIONS_2_40(get_info_v2_40),
};

CK_FUNCTION_LIST_3_0 function_list_v3_0 = {
    .version = {3, 0},
    CRATON_FUNCTIONS_2_40(get_info_v3_0),
    CRATON_FUNCTIONS_3_0,
};

CK_FUNCTION_LIST_3_2 function_list_v3_2 = {
    .version = {3, 2},
    CRATON_FUNCTIONS_2_40(get_info_v3_2),
    CRATON_FUNCTIONS_3_0,
    CRATON_FUNCTIONS_3_2,
};

#undef CRATON_FUNCTIONS_2_40
#undef CRATON_FUNCTIONS_3_0
#undef CRATON_FUNCTIONS_3_2

}  // namespace craton::abi

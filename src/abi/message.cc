// Message-based encryption and decryption (PKCS#11 3.0 §5.15, §5.16), and
// message-based signing and verification (§5.17, §5.18), which the module
// does not offer.
//
// Each message carries its own parameter struct (CK_GCM_MESSAGE_PARAMS ...);
// it is handed to the core as is, because the operation writes generated IVs
// and tags back into it.
#include "abi/args.h"
#include "abi/guard.h"

using namespace craton;
using namespace craton::abi;

namespace {

CK_RV message_init(CK_SESSION_HANDLE session, OpKind kind, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (mechanism == nullptr) return core.cancel_operation(session, kind).rv();
    if (CK_RV rv = check_mechanism(*mechanism); rv != CKR_OK) return rv;
    return core.message_init(session, kind, *mechanism, key).rv();
  });
}

// One whole message: C_EncryptMessage / C_DecryptMessage.
CK_RV message_run(CK_SESSION_HANDLE session, OpKind kind, CK_VOID_PTR params, CK_ULONG params_len,
                  CK_BYTE_PTR aad, CK_ULONG aad_len, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR out,
                  CK_ULONG_PTR out_len) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(params, params_len) || !valid_buffer(aad, aad_len) || !valid_buffer(in, in_len) ||
        out_len == nullptr) {
      return CKR_ARGUMENTS_BAD;
    }
    return core.message_run(session, kind, params, params_len, input(aad, aad_len), input(in, in_len),
                            Output{out, out_len})
        .rv();
  });
}

CK_RV message_begin(CK_SESSION_HANDLE session, OpKind kind, CK_VOID_PTR params, CK_ULONG params_len,
                    CK_BYTE_PTR aad, CK_ULONG aad_len) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(params, params_len) || !valid_buffer(aad, aad_len)) return CKR_ARGUMENTS_BAD;
    return core.message_begin(session, kind, params, params_len, input(aad, aad_len)).rv();
  });
}

CK_RV message_next(CK_SESSION_HANDLE session, OpKind kind, CK_VOID_PTR params, CK_ULONG params_len,
                   CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR out, CK_ULONG_PTR out_len, CK_FLAGS flags) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(params, params_len) || !valid_buffer(in, in_len) || out_len == nullptr ||
        (flags & ~static_cast<CK_FLAGS>(CKF_END_OF_MESSAGE)) != 0) {
      return CKR_ARGUMENTS_BAD;
    }
    const bool last = (flags & CKF_END_OF_MESSAGE) != 0;
    return core.message_next(session, kind, params, params_len, input(in, in_len), Output{out, out_len}, last)
        .rv();
  });
}

CK_RV message_final(CK_SESSION_HANDLE session, OpKind kind) {
  return guarded([&](HsmCore& core) -> CK_RV { return core.message_final(session, kind).rv(); });
}

}  // namespace

// --- Message-based encryption ---

CRATON_EXPORT CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                         CK_OBJECT_HANDLE hKey) {
  return message_init(hSession, OpKind::MessageEncrypt, pMechanism, hKey);
}

CRATON_EXPORT CK_RV C_EncryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                                     CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen,
                                     CK_BYTE_PTR pPlaintext, CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext,
                                     CK_ULONG_PTR pulCiphertextLen) {
  return message_run(hSession, OpKind::MessageEncrypt, pParameter, ulParameterLen, pAssociatedData,
                     ulAssociatedDataLen, pPlaintext, ulPlaintextLen, pCiphertext, pulCiphertextLen);
}

CRATON_EXPORT CK_RV C_EncryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                          CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                                          CK_ULONG ulAssociatedDataLen) {
  return message_begin(hSession, OpKind::MessageEncrypt, pParameter, ulParameterLen, pAssociatedData,
                       ulAssociatedDataLen);
}

CRATON_EXPORT CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                         CK_ULONG ulParameterLen, CK_BYTE_PTR pPlaintextPart,
                                         CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart,
                                         CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags) {
  return message_next(hSession, OpKind::MessageEncrypt, pParameter, ulParameterLen, pPlaintextPart,
                      ulPlaintextPartLen, pCiphertextPart, pulCiphertextPartLen, flags);
}

CRATON_EXPORT CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE hSession) {
  return message_final(hSession, OpKind::MessageEncrypt);
}

// --- Message-based decryption ---

CRATON_EXPORT CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                         CK_OBJECT_HANDLE hKey) {
  return message_init(hSession, OpKind::MessageDecrypt, pMechanism, hKey);
}

CRATON_EXPORT CK_RV C_DecryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                                     CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen,
                                     CK_BYTE_PTR pCiphertext, CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext,
                                     CK_ULONG_PTR pulPlaintextLen) {
  return message_run(hSession, OpKind::MessageDecrypt, pParameter, ulParameterLen, pAssociatedData,
                     ulAssociatedDataLen, pCiphertext, ulCiphertextLen, pPlaintext, pulPlaintextLen);
}

CRATON_EXPORT CK_RV C_DecryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                          CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                                          CK_ULONG ulAssociatedDataLen) {
  return message_begin(hSession, OpKind::MessageDecrypt, pParameter, ulParameterLen, pAssociatedData,
                       ulAssociatedDataLen);
}

CRATON_EXPORT CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                         CK_ULONG ulParameterLen, CK_BYTE_PTR pCiphertextPart,
                                         CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart,
                                         CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags) {
  return message_next(hSession, OpKind::MessageDecrypt, pParameter, ulParameterLen, pCiphertextPart,
                      ulCiphertextPartLen, pPlaintextPart, pulPlaintextPartLen, flags);
}

CRATON_EXPORT CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE hSession) {
  return message_final(hSession, OpKind::MessageDecrypt);
}

// --- Message-based signing and verification ---
// Not offered: no mechanism of the registry has a message-based signing
// form, and no issue asks for one. The specification allows a library to
// answer CKR_FUNCTION_NOT_SUPPORTED for these.

CRATON_EXPORT CK_RV C_MessageSignInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CRATON_EXPORT CK_RV C_SignMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                                  CK_ULONG_PTR) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CRATON_EXPORT CK_RV C_SignMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CRATON_EXPORT CK_RV C_SignMessageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                                      CK_ULONG_PTR) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CRATON_EXPORT CK_RV C_MessageSignFinal(CK_SESSION_HANDLE) { return CKR_FUNCTION_NOT_SUPPORTED; }

CRATON_EXPORT CK_RV C_MessageVerifyInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CRATON_EXPORT CK_RV C_VerifyMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                                    CK_ULONG) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CRATON_EXPORT CK_RV C_VerifyMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CRATON_EXPORT CK_RV C_VerifyMessageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                                        CK_ULONG) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CRATON_EXPORT CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE) { return CKR_FUNCTION_NOT_SUPPORTED; }

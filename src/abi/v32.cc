// The functions PKCS#11 3.2 added (DESIGN.md §9).
#include "abi/args.h"
#include "abi/attribute_marshal.h"
#include "abi/guard.h"

using namespace craton;
using namespace craton::abi;

namespace {

// Fails with CKR_SESSION_HANDLE_INVALID (or what the core says) for a bad session.
CK_RV check_session(HsmCore& core, CK_SESSION_HANDLE session) {
  CK_SESSION_INFO info;
  return core.session_info(session, info).rv();
}

}  // namespace

// Key encapsulation (3.2): the ciphertext follows the output-buffer
// convention; a length query makes no key and may omit phKey.
CRATON_EXPORT CK_RV C_EncapsulateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                     CK_OBJECT_HANDLE hPublicKey, CK_ATTRIBUTE_PTR pTemplate,
                                     CK_ULONG ulAttributeCount, CK_BYTE_PTR pCiphertext,
                                     CK_ULONG_PTR pulCiphertextLen, CK_OBJECT_HANDLE_PTR phKey) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pMechanism == nullptr || pulCiphertextLen == nullptr) return CKR_ARGUMENTS_BAD;
    if (pCiphertext != nullptr && phKey == nullptr) return CKR_ARGUMENTS_BAD;
    if (CK_RV rv = check_mechanism(*pMechanism); rv != CKR_OK) return rv;
    Result<AttributeMap> tmpl = template_to_map(pTemplate, ulAttributeCount);
    if (!tmpl.ok()) return tmpl.rv();
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    Status st = core.encapsulate_key(hSession, *pMechanism, hPublicKey, *tmpl,
                                     Output{pCiphertext, pulCiphertextLen}, key);
    if (st.ok() && pCiphertext != nullptr) *phKey = key;
    return st.rv();
  });
}

CRATON_EXPORT CK_RV C_DecapsulateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                     CK_OBJECT_HANDLE hPrivateKey, CK_ATTRIBUTE_PTR pTemplate,
                                     CK_ULONG ulAttributeCount, CK_BYTE_PTR pCiphertext, CK_ULONG ulCiphertextLen,
                                     CK_OBJECT_HANDLE_PTR phKey) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pMechanism == nullptr || phKey == nullptr || !valid_buffer(pCiphertext, ulCiphertextLen)) {
      return CKR_ARGUMENTS_BAD;
    }
    if (CK_RV rv = check_mechanism(*pMechanism); rv != CKR_OK) return rv;
    Result<AttributeMap> tmpl = template_to_map(pTemplate, ulAttributeCount);
    if (!tmpl.ok()) return tmpl.rv();
    Result<CK_OBJECT_HANDLE> key =
        core.decapsulate_key(hSession, *pMechanism, hPrivateKey, input(pCiphertext, ulCiphertextLen), *tmpl);
    if (!key.ok()) return key.rv();
    *phKey = *key;
    return CKR_OK;
  });
}

// Verification with the signature given at init (3.2 §5.13): the core keeps
// the signature in the session's VerifySignature slot.
CRATON_EXPORT CK_RV C_VerifySignatureInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                          CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pMechanism == nullptr) return core.cancel_operation(hSession, OpKind::VerifySignature).rv();
    if (CK_RV rv = check_mechanism(*pMechanism); rv != CKR_OK) return rv;
    if (!valid_buffer(pSignature, ulSignatureLen)) return CKR_ARGUMENTS_BAD;
    return core.verify_signature_init(hSession, *pMechanism, hKey, input(pSignature, ulSignatureLen)).rv();
  });
}

CRATON_EXPORT CK_RV C_VerifySignature(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(pData, ulDataLen)) {
      return end_operation(core, hSession, OpKind::VerifySignature, CKR_ARGUMENTS_BAD);
    }
    return core.verify_signature(hSession, input(pData, ulDataLen)).rv();
  });
}

CRATON_EXPORT CK_RV C_VerifySignatureUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(pPart, ulPartLen)) {
      return end_operation(core, hSession, OpKind::VerifySignature, CKR_ARGUMENTS_BAD);
    }
    return core.verify_signature_update(hSession, input(pPart, ulPartLen)).rv();
  });
}

CRATON_EXPORT CK_RV C_VerifySignatureFinal(CK_SESSION_HANDLE hSession) {
  return guarded([&](HsmCore& core) -> CK_RV { return core.verify_signature_final(hSession).rv(); });
}

// The module claims no validation (CKA_VALIDATION_FLAG objects), so the last
// operation never ran under one: flags 0.
CRATON_EXPORT CK_RV C_GetSessionValidationFlags(CK_SESSION_HANDLE hSession, CK_SESSION_VALIDATION_FLAGS_TYPE type,
                                                CK_FLAGS_PTR pulFlags) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pulFlags == nullptr || type != CKS_LAST_VALIDATION_OK) return CKR_ARGUMENTS_BAD;
    if (CK_RV rv = check_session(core, hSession); rv != CKR_OK) return rv;
    *pulFlags = 0;
    return CKR_OK;
  });
}

// Asynchronous operation is optional and not offered: every function
// completes before it returns.
CRATON_EXPORT CK_RV C_AsyncComplete(CK_SESSION_HANDLE, CK_UTF8CHAR_PTR, CK_ASYNC_DATA_PTR) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CRATON_EXPORT CK_RV C_AsyncGetID(CK_SESSION_HANDLE, CK_UTF8CHAR_PTR, CK_ULONG_PTR) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CRATON_EXPORT CK_RV C_AsyncJoin(CK_SESSION_HANDLE, CK_UTF8CHAR_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

// Authenticated wrapping (AAD bound to the wrapped key) has no mechanism in
// the registry yet.
CRATON_EXPORT CK_RV C_WrapKeyAuthenticated(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE,
                                           CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

CRATON_EXPORT CK_RV C_UnwrapKeyAuthenticated(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_BYTE_PTR,
                                             CK_ULONG, CK_ATTRIBUTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG,
                                             CK_OBJECT_HANDLE_PTR) {
  return CKR_FUNCTION_NOT_SUPPORTED;
}

// Dual-function cryptographic operations (PKCS#11 3.0 §5.14) and the legacy
// functions whose answer is fixed by the specification.
//
// A dual function is two multi-part updates on the same data, composed from
// the core's calls. The cipher side runs first because it carries the output
// buffer convention: a length query or CKR_BUFFER_TOO_SMALL must consume
// nothing, so the second operation is fed only after real output was made.
// Before that, a zero-length update checks the second operation is active,
// so that input is never consumed by one half only.
#include "abi/args.h"
#include "abi/guard.h"

using namespace craton;
using namespace craton::abi;

namespace {

using Absorb = Status (HsmCore::*)(CK_SESSION_HANDLE, ByteView);
using Transform = Status (HsmCore::*)(CK_SESSION_HANDLE, ByteView, Output);

// `cipher` (encrypt_update/decrypt_update of kind `cipher_kind`) on the input,
// then `absorb` (digest/sign/verify update of kind `absorb_kind`) on either
// the input (absorb_output = false) or the cipher's output.
CK_RV dual_update(CK_SESSION_HANDLE session, OpKind cipher_kind, Transform cipher, OpKind absorb_kind,
                  Absorb absorb, bool absorb_output, const void* in, CK_ULONG in_len, CK_BYTE_PTR out,
                  CK_ULONG_PTR out_len) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(in, in_len) || out_len == nullptr) {
      (void)core.cancel_operation(session, absorb_kind);
      return end_operation(core, session, cipher_kind, CKR_ARGUMENTS_BAD);
    }
    if (Status active = (core.*absorb)(session, ByteView{}); !active.ok()) return active.rv();
    const Output output{out, out_len};
    if (Status st = (core.*cipher)(session, input(in, in_len), output); !st.ok() || output.is_query()) {
      return st.rv();
    }
    const ByteView fed = absorb_output ? input(out, *out_len) : input(in, in_len);
    return (core.*absorb)(session, fed).rv();
  });
}

}  // namespace

CRATON_EXPORT CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                                          CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen) {
  return dual_update(hSession, OpKind::Encrypt, &HsmCore::encrypt_update, OpKind::Digest, &HsmCore::digest_update,
                     false, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen);
}

CRATON_EXPORT CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                                          CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen) {
  return dual_update(hSession, OpKind::Decrypt, &HsmCore::decrypt_update, OpKind::Digest, &HsmCore::digest_update,
                     true, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen);
}

CRATON_EXPORT CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                                        CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen) {
  return dual_update(hSession, OpKind::Encrypt, &HsmCore::encrypt_update, OpKind::Sign, &HsmCore::sign_update,
                     false, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen);
}

CRATON_EXPORT CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                                          CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen) {
  return dual_update(hSession, OpKind::Decrypt, &HsmCore::decrypt_update, OpKind::Verify, &HsmCore::verify_update,
                     true, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen);
}

// Operation state is never saveable: it lives in OpenSSL contexts that hold
// key material, and exporting it would take keys out of the module. These
// are the answers the specification defines for such a token.
CRATON_EXPORT CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR /*pOperationState*/,
                                        CK_ULONG_PTR pulOperationStateLen) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pulOperationStateLen == nullptr) return CKR_ARGUMENTS_BAD;
    CK_SESSION_INFO info;
    if (Status st = core.session_info(hSession, info); !st.ok()) return st.rv();
    return CKR_STATE_UNSAVEABLE;
  });
}

CRATON_EXPORT CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                                        CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE /*hEncryptionKey*/,
                                        CK_OBJECT_HANDLE /*hAuthenticationKey*/) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(pOperationState, ulOperationStateLen)) return CKR_ARGUMENTS_BAD;
    CK_SESSION_INFO info;
    if (Status st = core.session_info(hSession, info); !st.ok()) return st.rv();
    return CKR_SAVED_STATE_INVALID;
  });
}

// Legacy functions for parallel sessions, which the module does not offer:
// the specification fixes their answer.
CRATON_EXPORT CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE /*hSession*/) {
  return guarded([](HsmCore&) -> CK_RV { return CKR_FUNCTION_NOT_PARALLEL; });
}

CRATON_EXPORT CK_RV C_CancelFunction(CK_SESSION_HANDLE /*hSession*/) {
  return guarded([](HsmCore&) -> CK_RV { return CKR_FUNCTION_NOT_PARALLEL; });
}

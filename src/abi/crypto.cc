// Single- and multi-part cryptographic functions (PKCS#11 3.0 §5.8-5.13):
// encryption, decryption, digests, signatures, verification, recovery.
#include "abi/args.h"
#include "abi/guard.h"

using namespace craton;
using namespace craton::abi;

namespace {

// The core calls that take input and produce output with the buffer convention.
using Transform = Status (HsmCore::*)(CK_SESSION_HANDLE, ByteView, Output);
using Finish = Status (HsmCore::*)(CK_SESSION_HANDLE, Output);
using Absorb = Status (HsmCore::*)(CK_SESSION_HANDLE, ByteView);

// C_*Init: a NULL mechanism cancels the active operation of that kind (3.0).
CK_RV init_operation(CK_SESSION_HANDLE session, OpKind kind, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (mechanism == nullptr) return core.cancel_operation(session, kind).rv();
    if (CK_RV rv = check_mechanism(*mechanism); rv != CKR_OK) return rv;
    return core.crypto_init(session, kind, *mechanism, key).rv();
  });
}

CK_RV transform(CK_SESSION_HANDLE session, OpKind kind, Transform call, const void* in, CK_ULONG in_len,
                CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(in, in_len) || out_len == nullptr) {
      return end_operation(core, session, kind, CKR_ARGUMENTS_BAD);
    }
    return (core.*call)(session, input(in, in_len), Output{out, out_len}).rv();
  });
}

CK_RV finish(CK_SESSION_HANDLE session, OpKind kind, Finish call, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (out_len == nullptr) return end_operation(core, session, kind, CKR_ARGUMENTS_BAD);
    return (core.*call)(session, Output{out, out_len}).rv();
  });
}

CK_RV absorb(CK_SESSION_HANDLE session, OpKind kind, Absorb call, const void* in, CK_ULONG in_len) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(in, in_len)) return end_operation(core, session, kind, CKR_ARGUMENTS_BAD);
    return (core.*call)(session, input(in, in_len)).rv();
  });
}

}  // namespace

// --- Encryption ---

CRATON_EXPORT CK_RV C_EncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return init_operation(hSession, OpKind::Encrypt, pMechanism, hKey);
}

CRATON_EXPORT CK_RV C_Encrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                              CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen) {
  return transform(hSession, OpKind::Encrypt, &HsmCore::encrypt, pData, ulDataLen, pEncryptedData,
                   pulEncryptedDataLen);
}

CRATON_EXPORT CK_RV C_EncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                                    CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen) {
  return transform(hSession, OpKind::Encrypt, &HsmCore::encrypt_update, pPart, ulPartLen, pEncryptedPart,
                   pulEncryptedPartLen);
}

CRATON_EXPORT CK_RV C_EncryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart,
                                   CK_ULONG_PTR pulLastEncryptedPartLen) {
  return finish(hSession, OpKind::Encrypt, &HsmCore::encrypt_final, pLastEncryptedPart, pulLastEncryptedPartLen);
}

// --- Decryption ---

CRATON_EXPORT CK_RV C_DecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return init_operation(hSession, OpKind::Decrypt, pMechanism, hKey);
}

CRATON_EXPORT CK_RV C_Decrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData, CK_ULONG ulEncryptedDataLen,
                              CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen) {
  return transform(hSession, OpKind::Decrypt, &HsmCore::decrypt, pEncryptedData, ulEncryptedDataLen, pData,
                   pulDataLen);
}

CRATON_EXPORT CK_RV C_DecryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                                    CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen) {
  return transform(hSession, OpKind::Decrypt, &HsmCore::decrypt_update, pEncryptedPart, ulEncryptedPartLen, pPart,
                   pulPartLen);
}

CRATON_EXPORT CK_RV C_DecryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart, CK_ULONG_PTR pulLastPartLen) {
  return finish(hSession, OpKind::Decrypt, &HsmCore::decrypt_final, pLastPart, pulLastPartLen);
}

// --- Digests ---

CRATON_EXPORT CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pMechanism == nullptr) return core.cancel_operation(hSession, OpKind::Digest).rv();
    if (CK_RV rv = check_mechanism(*pMechanism); rv != CKR_OK) return rv;
    return core.digest_init(hSession, *pMechanism).rv();
  });
}

CRATON_EXPORT CK_RV C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pDigest,
                             CK_ULONG_PTR pulDigestLen) {
  return transform(hSession, OpKind::Digest, &HsmCore::digest, pData, ulDataLen, pDigest, pulDigestLen);
}

CRATON_EXPORT CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return absorb(hSession, OpKind::Digest, &HsmCore::digest_update, pPart, ulPartLen);
}

CRATON_EXPORT CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey) {
  return guarded([&](HsmCore& core) -> CK_RV { return core.digest_key(hSession, hKey).rv(); });
}

CRATON_EXPORT CK_RV C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen) {
  return finish(hSession, OpKind::Digest, &HsmCore::digest_final, pDigest, pulDigestLen);
}

// --- Signatures ---

CRATON_EXPORT CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return init_operation(hSession, OpKind::Sign, pMechanism, hKey);
}

CRATON_EXPORT CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                           CK_ULONG_PTR pulSignatureLen) {
  return transform(hSession, OpKind::Sign, &HsmCore::sign, pData, ulDataLen, pSignature, pulSignatureLen);
}

CRATON_EXPORT CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return absorb(hSession, OpKind::Sign, &HsmCore::sign_update, pPart, ulPartLen);
}

CRATON_EXPORT CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) {
  return finish(hSession, OpKind::Sign, &HsmCore::sign_final, pSignature, pulSignatureLen);
}

CRATON_EXPORT CK_RV C_SignRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                      CK_OBJECT_HANDLE hKey) {
  return init_operation(hSession, OpKind::SignRecover, pMechanism, hKey);
}

CRATON_EXPORT CK_RV C_SignRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                                  CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) {
  return transform(hSession, OpKind::SignRecover, &HsmCore::sign_recover, pData, ulDataLen, pSignature,
                   pulSignatureLen);
}

// --- Verification ---

CRATON_EXPORT CK_RV C_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return init_operation(hSession, OpKind::Verify, pMechanism, hKey);
}

CRATON_EXPORT CK_RV C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                             CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (!valid_buffer(pData, ulDataLen) || !valid_buffer(pSignature, ulSignatureLen)) {
      return end_operation(core, hSession, OpKind::Verify, CKR_ARGUMENTS_BAD);
    }
    return core.verify(hSession, input(pData, ulDataLen), input(pSignature, ulSignatureLen)).rv();
  });
}

CRATON_EXPORT CK_RV C_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  return absorb(hSession, OpKind::Verify, &HsmCore::verify_update, pPart, ulPartLen);
}

CRATON_EXPORT CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) {
  return absorb(hSession, OpKind::Verify, &HsmCore::verify_final, pSignature, ulSignatureLen);
}

CRATON_EXPORT CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                        CK_OBJECT_HANDLE hKey) {
  return init_operation(hSession, OpKind::VerifyRecover, pMechanism, hKey);
}

CRATON_EXPORT CK_RV C_VerifyRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen,
                                    CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen) {
  return transform(hSession, OpKind::VerifyRecover, &HsmCore::verify_recover, pSignature, ulSignatureLen, pData,
                   pulDataLen);
}

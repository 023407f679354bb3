// Key management (PKCS#11 3.0 §5.18): generation, wrapping, unwrapping,
// derivation.
#include "abi/args.h"
#include "abi/attribute_marshal.h"
#include "abi/guard.h"

using namespace craton;
using namespace craton::abi;

namespace {

// Key functions need a mechanism (there is nothing to cancel).
CK_RV check_key_mechanism(CK_MECHANISM_PTR mechanism) {
  if (mechanism == nullptr) return CKR_ARGUMENTS_BAD;
  return check_mechanism(*mechanism);
}

CK_RV deliver_key(const Result<CK_OBJECT_HANDLE>& key, CK_OBJECT_HANDLE_PTR out) {
  if (!key.ok()) return key.rv();
  *out = *key;
  return CKR_OK;
}

}  // namespace

CRATON_EXPORT CK_RV C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (phKey == nullptr) return CKR_ARGUMENTS_BAD;
    if (CK_RV rv = check_key_mechanism(pMechanism); rv != CKR_OK) return rv;
    Result<AttributeMap> tmpl = template_to_map(pTemplate, ulCount);
    if (!tmpl.ok()) return tmpl.rv();
    return deliver_key(core.generate_key(hSession, *pMechanism, *tmpl), phKey);
  });
}

CRATON_EXPORT CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                      CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
                                      CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
                                      CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (phPublicKey == nullptr || phPrivateKey == nullptr) return CKR_ARGUMENTS_BAD;
    if (CK_RV rv = check_key_mechanism(pMechanism); rv != CKR_OK) return rv;
    Result<AttributeMap> public_tmpl = template_to_map(pPublicKeyTemplate, ulPublicKeyAttributeCount);
    if (!public_tmpl.ok()) return public_tmpl.rv();
    Result<AttributeMap> private_tmpl = template_to_map(pPrivateKeyTemplate, ulPrivateKeyAttributeCount);
    if (!private_tmpl.ok()) return private_tmpl.rv();
    CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
    Status st = core.generate_key_pair(hSession, *pMechanism, *public_tmpl, *private_tmpl, public_key, private_key);
    if (!st.ok()) return st.rv();
    *phPublicKey = public_key;
    *phPrivateKey = private_key;
    return CKR_OK;
  });
}

CRATON_EXPORT CK_RV C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hWrappingKey,
                              CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (pulWrappedKeyLen == nullptr) return CKR_ARGUMENTS_BAD;
    if (CK_RV rv = check_key_mechanism(pMechanism); rv != CKR_OK) return rv;
    return core.wrap_key(hSession, *pMechanism, hWrappingKey, hKey, Output{pWrappedKey, pulWrappedKeyLen}).rv();
  });
}

CRATON_EXPORT CK_RV C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen,
                                CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey) {
  return guarded([&](HsmCore& core) -> CK_RV {
    if (phKey == nullptr || !valid_buffer(pWrappedKey, ulWrappedKeyLen)) return CKR_ARGUMENTS_BAD;
    if (CK_RV rv = check_key_mechanism(pMechanism); rv != CKR_OK) return rv;
    Result<AttributeMap> tmpl = template_to_map(pTemplate, ulAttributeCount);
    if (!tmpl.ok()) return tmpl.rv();
    return deliver_key(core.unwrap_key(hSession, *pMechanism, hUnwrappingKey, input(pWrappedKey, ulWrappedKeyLen),
                                       *tmpl),
                       phKey);
  });
}

CRATON_EXPORT CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey,
                                CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey) {
  return guarded([&](HsmCore& core) -> CK_RV {
    // Every mechanism the module derives with produces one key; the
    // phKey-less TLS/SSL derivations are not offered.
    if (phKey == nullptr) return CKR_ARGUMENTS_BAD;
    if (CK_RV rv = check_key_mechanism(pMechanism); rv != CKR_OK) return rv;
    Result<AttributeMap> tmpl = template_to_map(pTemplate, ulAttributeCount);
    if (!tmpl.ok()) return tmpl.rv();
    return deliver_key(core.derive_key(hSession, *pMechanism, hBaseKey, *tmpl), phKey);
  });
}

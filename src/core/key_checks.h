// The checks every key-using call makes before the backend sees the key.
#pragma once

#include "core/policy.h"
#include "crypto/mechanism.h"
#include "object/object.h"

namespace craton {

// Object classes as a bit set (the key classes are small numbers).
constexpr unsigned class_bit(CK_OBJECT_CLASS c) { return 1u << c; }
constexpr unsigned kPublicKey = class_bit(CKO_PUBLIC_KEY);
constexpr unsigned kPrivateKey = class_bit(CKO_PRIVATE_KEY);
constexpr unsigned kSecretKey = class_bit(CKO_SECRET_KEY);

struct KeyUse {
  CK_FLAGS mechanism_flag;   // CKF_SIGN, CKF_WRAP, ...
  CK_ATTRIBUTE_TYPE usage;   // CKA_SIGN, CKA_WRAP, ...
  unsigned classes;          // kPublicKey | kSecretKey, ...
};

// Mechanism offers the use and the policy permits it (CKR_MECHANISM_INVALID);
// object is a key of an allowed class and key type (CKR_KEY_TYPE_INCONSISTENT);
// usage attribute and CKA_ALLOWED_MECHANISMS permit it; the key's lifecycle
// dates permit the use (CKR_KEY_FUNCTION_NOT_PERMITTED); size within the row's
// range and the policy's (CKR_KEY_SIZE_RANGE). Returns the parsed key.
Result<crypto::KeyPtr> checked_key(const crypto::Provider& provider, const MechanismPolicy& policy,
                                   const crypto::MechanismEntry& entry, const Object& object, const KeyUse& use);

// Errors about the wrapping/unwrapping key get their own codes (C_WrapKey,
// C_UnwrapKey and, for its private key, C_DecapsulateKey): key handle, type
// and size errors become CKR_(UN)WRAPPING_KEY_*.
Status as_wrapping_key_error(const Status& st, bool unwrap);
// Errors about the wrapped input (C_UnwrapKey's wrapped key,
// C_DecapsulateKey's ciphertext): CKR_ENCRYPTED_DATA_* become CKR_WRAPPED_KEY_*.
Status as_wrapped_key_error(const Status& st);

}  // namespace craton

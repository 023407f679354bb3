// Key: a key object's material parsed once into the form the backend uses.
//
// HsmCore caches one Key per object version (objects are copy-on-write, so an
// attribute change makes a new object and drops the cache with it), which is
// why C_SignInit + C_Sign costs what the crypto costs.
#pragma once

#include <memory>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"
#include "object/attributes.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace craton::crypto {

class Provider;

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* p) const noexcept;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

struct Key {
  CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;
  CK_KEY_TYPE key_type = CKK_GENERIC_SECRET;
  // Size in bits: RSA modulus, EC field order, Edwards/Montgomery curve,
  // ML-DSA/SLH-DSA public key length * 8, or secret-key length * 8. Compared with the
  // registry's limits (key_size_in_info_units).
  CK_ULONG bits = 0;
  // ML-KEM / ML-DSA / SLH-DSA: CKA_PARAMETER_SET, resolved once when the key
  // is loaded so that C_*Init does not ask OpenSSL for the algorithm again.
  CK_ULONG parameter_set = 0;
  EvpPkeyPtr pkey;     // asymmetric keys (public or private); null for secret keys
  SecureBytes secret;  // secret keys: CKA_VALUE
};
using KeyPtr = std::shared_ptr<const Key>;

// Parses the material of a key object (class + key type + component
// attributes) into a Key. CKR_KEY_TYPE_INCONSISTENT / CKR_TEMPLATE_INCOMPLETE /
// CKR_ATTRIBUTE_VALUE_INVALID on bad material.
Result<KeyPtr> load_key(const Provider& provider, const AttributeMap& attrs);

// Validates the key material of an object about to be created by
// C_CreateObject or C_UnwrapKey (class/key type already set in `attrs`) and
// adds the attributes derived from it: CKA_MODULUS_BITS, CKA_VALUE_LEN,
// CKA_PUBLIC_KEY_INFO, CKA_EC_POINT normalised to a DER OCTET STRING, and for
// private keys the public components the specification lets a token expose.
Status complete_key_material(const Provider& provider, AttributeMap& attrs);

// PKCS#8 PrivateKeyInfo of a private key object (for wrapping), and back.
// decode fills CKA_CLASS, CKA_KEY_TYPE and the component attributes.
Result<SecureBytes> encode_private_key_pkcs8(const Provider& provider, const AttributeMap& attrs);
Result<AttributeMap> decode_private_key_pkcs8(const Provider& provider, ByteView der);
// A DER SubjectPublicKeyInfo as a public key object's material, as
// C_CreateObject takes it: CKA_CLASS, CKA_KEY_TYPE and the component
// attributes (CKR_ATTRIBUTE_VALUE_INVALID for
// anything else, CKR_CURVE_NOT_SUPPORTED for an EC key on another curve).
Result<AttributeMap> decode_public_key_spki(const Provider& provider, ByteView der);

}  // namespace craton::crypto

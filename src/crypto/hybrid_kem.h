// The vendor-defined X25519+ML-KEM-768 hybrid KEM (include/craton/pkcs11_vendor.h):
// key material <-> EVP_PKEY ("X25519MLKEM768" in OpenSSL 3.5). key.cc
// dispatches CKK_CRATON_X25519_ML_KEM_768 here; hybrid_kem.cc holds the
// mechanisms.
#pragma once

#include <cstddef>

#include "core/status.h"
#include "crypto/key.h"
#include "object/attributes.h"

namespace craton::crypto {

class Provider;

inline constexpr std::size_t kHybridKemPublicBytes = 1184 + 32;
inline constexpr std::size_t kHybridKemPrivateBytes = 2400 + 32;
inline constexpr std::size_t kHybridKemCiphertextBytes = 1088 + 32;

// The EVP_PKEY of a hybrid key object from its CKA_VALUE, whose length must
// be the public or private encoding's (CKR_ATTRIBUTE_VALUE_INVALID).
Result<EvpPkeyPtr> load_hybrid_kem(const Provider& provider, const AttributeMap& attrs, bool is_private);
// Validates imported material (OpenSSL checks the ML-KEM key's hash and
// the X25519 key).
Status complete_hybrid_kem(const Provider& provider, AttributeMap& attrs, bool is_private);

}  // namespace craton::crypto

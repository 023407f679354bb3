// SLH-DSA (FIPS 205) key material: the twelve parameter sets, PKCS#11
// attributes (CKA_PARAMETER_SET, CKA_VALUE) <-> EVP_PKEY. key.cc dispatches
// CKK_SLH_DSA here; slh_dsa.cc (the mechanisms) uses the sizes.
//
// CKA_VALUE holds the FIPS 205 §9.1 encodings: PK.seed || PK.root for the
// public key (2n bytes), SK.seed || SK.prf || PK.seed || PK.root for the
// private key (4n bytes). SLH-DSA keys have no CKA_SEED.
#pragma once

#include <cstddef>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"
#include "crypto/key.h"
#include "object/attributes.h"

namespace craton::crypto {

class Provider;

// One parameter set (FIPS 205 §11, Table 2).
struct SlhDsaParams {
  CK_ULONG parameter_set;      // CKP_SLH_DSA_SHA2_128S, ...
  const char* openssl_name;    // "SLH-DSA-SHA2-128s", ... (key and signature algorithm)
  std::size_t n;               // security parameter in bytes: 16, 24 or 32
  std::size_t signature_bytes;
  std::size_t public_bytes() const { return 2 * n; }
  std::size_t private_bytes() const { return 4 * n; }
};

// The smallest and largest public key (the CK_MECHANISM_INFO key-size unit
// of the SLH-DSA mechanisms, in bytes as for ML-DSA).
inline constexpr CK_ULONG kSlhDsaMinPublicBytes = 32;
inline constexpr CK_ULONG kSlhDsaMaxPublicBytes = 64;

// The parameter set named by CKA_PARAMETER_SET in `attrs`:
// CKR_TEMPLATE_INCOMPLETE when absent, CKR_ATTRIBUTE_VALUE_INVALID when not
// an SLH-DSA parameter set.
Result<const SlhDsaParams*> slh_dsa_params(const AttributeMap& attrs);
// The parameter set with CKA_PARAMETER_SET `set`, or nullptr.
const SlhDsaParams* slh_dsa_params_for(CK_ULONG set);
// The parameter set of an SLH-DSA EVP_PKEY, or nullptr for other algorithms.
const SlhDsaParams* slh_dsa_params_of(const EVP_PKEY* pkey);

// The EVP_PKEY of an SLH-DSA key object from CKA_VALUE, whose length must
// fit the parameter set (CKR_ATTRIBUTE_VALUE_INVALID).
Result<EvpPkeyPtr> load_slh_dsa(const Provider& provider, const AttributeMap& attrs, bool is_private);

// Validates imported SLH-DSA material and adds CKA_PUBLIC_KEY_INFO. A
// private key's PK.root must be the root its SK.seed and PK.seed compute
// (CKR_ATTRIBUTE_VALUE_INVALID otherwise): an inconsistent key would sign
// with a public key that cannot verify.
Status complete_slh_dsa(const Provider& provider, AttributeMap& attrs, bool is_private);

// The attributes of a generated or decoded key: CKA_KEY_TYPE,
// CKA_PARAMETER_SET, CKA_VALUE (the public key, or the private key for the
// private half) and CKA_PUBLIC_KEY_INFO.
Status export_slh_dsa_public(EVP_PKEY* pkey, AttributeMap& out);
Status export_slh_dsa_private(EVP_PKEY* pkey, AttributeMap& out);

}  // namespace craton::crypto

// ML-DSA (FIPS 204) parameter sets with their signature sizes. The key
// encodings (CKA_PARAMETER_SET, CKA_VALUE, CKA_SEED <-> EVP_PKEY) are the
// shared post-quantum layer's (pq_key.h); ml_dsa.cc uses the sizes.
#pragma once

#include <cstddef>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"
#include "crypto/key.h"
#include "object/attributes.h"

namespace craton::crypto {

class Provider;

// One parameter set (FIPS 204 §4, Table 2).
struct MlDsaParams {
  CK_ULONG parameter_set;      // CKP_ML_DSA_44/65/87
  const char* openssl_name;    // "ML-DSA-44", ... (key and signature algorithm)
  std::size_t public_bytes;    // encoded public key (pk)
  std::size_t private_bytes;   // encoded expanded private key (sk)
  std::size_t signature_bytes;
};

// The seed ξ of ML-DSA.KeyGen (FIPS 204 Algorithm 1).
inline constexpr std::size_t kMlDsaSeedBytes = 32;

// The smallest and largest public key (the CK_MECHANISM_INFO key-size unit
// of the ML-DSA mechanisms: "the supported range of ML-DSA public key in bytes").
inline constexpr CK_ULONG kMlDsaMinPublicBytes = 1312;
inline constexpr CK_ULONG kMlDsaMaxPublicBytes = 2592;

// The parameter set named by CKA_PARAMETER_SET in `attrs`:
// CKR_TEMPLATE_INCOMPLETE when absent, CKR_ATTRIBUTE_VALUE_INVALID when not
// an ML-DSA parameter set.
Result<const MlDsaParams*> ml_dsa_params(const AttributeMap& attrs);
// The parameter set with CKA_PARAMETER_SET `set`, or nullptr.
const MlDsaParams* ml_dsa_params_for(CK_ULONG set);
// The parameter set of an ML-DSA EVP_PKEY, or nullptr for other algorithms.
const MlDsaParams* ml_dsa_params_of(const EVP_PKEY* pkey);

}  // namespace craton::crypto

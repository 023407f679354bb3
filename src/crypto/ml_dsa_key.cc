// ML-DSA key material (see ml_dsa_key.h): the signature sizes per parameter
// set here, the key encodings in the shared post-quantum layer (pq_key.h).
#include "crypto/ml_dsa_key.h"

#include "crypto/pq_key.h"

namespace craton::crypto {
namespace {

constexpr MlDsaParams kParameterSets[] = {
    {CKP_ML_DSA_44, "ML-DSA-44", 1312, 2560, 2420},
    {CKP_ML_DSA_65, "ML-DSA-65", 1952, 4032, 3309},
    {CKP_ML_DSA_87, "ML-DSA-87", 2592, 4896, 4627},
};

}  // namespace

const MlDsaParams* ml_dsa_params_for(CK_ULONG set) {
  for (const MlDsaParams& p : kParameterSets) {
    if (p.parameter_set == set) return &p;
  }
  return nullptr;
}

Result<const MlDsaParams*> ml_dsa_params(const AttributeMap& attrs) {
  ASSIGN_OR_RETURN(const PqKeyFormat* format, pq_format(attrs, CKK_ML_DSA));
  return ml_dsa_params_for(format->parameter_set);
}

const MlDsaParams* ml_dsa_params_of(const EVP_PKEY* pkey) {
  const PqKeyFormat* format = pq_format_of(pkey);
  return format != nullptr && format->key_type == CKK_ML_DSA ? ml_dsa_params_for(format->parameter_set) : nullptr;
}

}  // namespace craton::crypto

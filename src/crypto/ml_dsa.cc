// ML-DSA (FIPS 204, PKCS#11 3.2): key-pair generation (CKM_ML_DSA_KEY_PAIR_GEN),
// pure ML-DSA signatures (CKM_ML_DSA) and HashML-DSA (CKM_HASH_ML_DSA with the
// caller's hash, CKM_HASH_ML_DSA_<hash> hashing on the token). The signature
// operations themselves are shared with SLH-DSA (pq_sign.h).
#include <openssl/evp.h>

#include "crypto/families.h"
#include "crypto/key_attributes.h"
#include "crypto/ml_dsa_key.h"
#include "crypto/pq_key.h"
#include "crypto/pq_sign.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

Result<const MlDsaParams*> check_ml_dsa_key(const KeyPtr& key, bool need_private) {
  const MlDsaParams* set = key && key->key_type == CKK_ML_DSA ? ml_dsa_params_for(key->parameter_set) : nullptr;
  if (set == nullptr) return Status(CKR_KEY_TYPE_INCONSISTENT, "not an ML-DSA key");
  if (need_private && key->object_class != CKO_PRIVATE_KEY) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "operation needs the private key");
  }
  return set;
}

// Every ML-DSA signature mechanism (pure, HashML-DSA, HashML-DSA with
// hashing): pq_sign.cc tells them apart by the mechanism type.
Result<std::unique_ptr<SignOperation>> make_sign(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(const MlDsaParams* set, check_ml_dsa_key(key, true));
  return make_pq_sign(call, key, {set->openssl_name, set->signature_bytes});
}

Result<std::unique_ptr<VerifyOperation>> make_verify(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(const MlDsaParams* set, check_ml_dsa_key(key, false));
  return make_pq_verify(call, key, {set->openssl_name, set->signature_bytes});
}

// The parameter set comes from the public template (PKCS#11 3.2: the private
// template does not carry it; a copy there is overwritten with the real one).
Status generate_key_pair(const MechanismCall& call, const AttributeMap& public_tmpl, const AttributeMap&,
                         AttributeMap& public_out, AttributeMap& private_out) {
  RETURN_IF_ERROR(require_no_parameter(call.mechanism, "CKM_ML_DSA_KEY_PAIR_GEN"));
  ASSIGN_OR_RETURN(const PqKeyFormat* format, pq_format(public_tmpl, CKK_ML_DSA));
  return generate_pq_key_pair(call.provider, *format, public_out, private_out);
}

// One signature row; sizes in CK_MECHANISM_INFO are public-key lengths in
// bytes (PKCS#11 3.2). ML-DSA and HashML-DSA are approved (FIPS 204), so
// approved-only mode keeps these rows.
constexpr MechanismEntry signature_row(CK_MECHANISM_TYPE type, const char* name) {
  return {.type = type, .name = name, .key_types = {CKK_ML_DSA}, .min_key_size = kMlDsaMinPublicBytes,
          .max_key_size = kMlDsaMaxPublicBytes, .flags = CKF_SIGN | CKF_VERIFY, .pqc = true, .sign = make_sign,
          .verify = make_verify};
}

const MechanismEntry kRows[] = {
    {.type = CKM_ML_DSA_KEY_PAIR_GEN, .name = "CKM_ML_DSA_KEY_PAIR_GEN", .key_types = {CKK_ML_DSA},
     .min_key_size = kMlDsaMinPublicBytes, .max_key_size = kMlDsaMaxPublicBytes, .flags = CKF_GENERATE_KEY_PAIR,
     .pqc = true, .generate_key_pair = generate_key_pair},
    signature_row(CKM_ML_DSA, "CKM_ML_DSA"),
    signature_row(CKM_HASH_ML_DSA, "CKM_HASH_ML_DSA"),
    signature_row(CKM_HASH_ML_DSA_SHA224, "CKM_HASH_ML_DSA_SHA224"),
    signature_row(CKM_HASH_ML_DSA_SHA256, "CKM_HASH_ML_DSA_SHA256"),
    signature_row(CKM_HASH_ML_DSA_SHA384, "CKM_HASH_ML_DSA_SHA384"),
    signature_row(CKM_HASH_ML_DSA_SHA512, "CKM_HASH_ML_DSA_SHA512"),
    signature_row(CKM_HASH_ML_DSA_SHA3_224, "CKM_HASH_ML_DSA_SHA3_224"),
    signature_row(CKM_HASH_ML_DSA_SHA3_256, "CKM_HASH_ML_DSA_SHA3_256"),
    signature_row(CKM_HASH_ML_DSA_SHA3_384, "CKM_HASH_ML_DSA_SHA3_384"),
    signature_row(CKM_HASH_ML_DSA_SHA3_512, "CKM_HASH_ML_DSA_SHA3_512"),
    signature_row(CKM_HASH_ML_DSA_SHAKE128, "CKM_HASH_ML_DSA_SHAKE128"),
    signature_row(CKM_HASH_ML_DSA_SHAKE256, "CKM_HASH_ML_DSA_SHAKE256"),
};

}  // namespace

std::span<const MechanismEntry> ml_dsa_mechanisms() { return kRows; }

}  // namespace craton::crypto

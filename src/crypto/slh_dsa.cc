// SLH-DSA (FIPS 205, PKCS#11 3.2): key-pair generation (CKM_SLH_DSA_KEY_PAIR_GEN)
// for the twelve parameter sets, pure SLH-DSA signatures (CKM_SLH_DSA) and
// HashSLH-DSA (CKM_HASH_SLH_DSA with the caller's hash, CKM_HASH_SLH_DSA_<hash>
// hashing on the token). The signature operations are shared with ML-DSA
// (pq_sign.h).
#include <openssl/evp.h>

#include "crypto/families.h"
#include "crypto/key_attributes.h"
#include "crypto/pq_sign.h"
#include "crypto/provider.h"
#include "crypto/slh_dsa_key.h"

namespace craton::crypto {
namespace {

Result<const SlhDsaParams*> check_slh_dsa_key(const KeyPtr& key, bool need_private) {
  const SlhDsaParams* set = key && key->key_type == CKK_SLH_DSA ? slh_dsa_params_for(key->parameter_set) : nullptr;
  if (set == nullptr) return Status(CKR_KEY_TYPE_INCONSISTENT, "not an SLH-DSA key");
  if (need_private && key->object_class != CKO_PRIVATE_KEY) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "operation needs the private key");
  }
  return set;
}

Result<std::unique_ptr<SignOperation>> make_sign(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(const SlhDsaParams* set, check_slh_dsa_key(key, true));
  return make_pq_sign(call, key, {set->openssl_name, set->signature_bytes});
}

Result<std::unique_ptr<VerifyOperation>> make_verify(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(const SlhDsaParams* set, check_slh_dsa_key(key, false));
  return make_pq_verify(call, key, {set->openssl_name, set->signature_bytes});
}

// As for ML-DSA, the parameter set comes from the public template; the core
// runs the pairwise-consistency test (a full signature, which for the "s"
// sets is most of the cost of generating a pair) before either half exists.
Status generate_key_pair(const MechanismCall& call, const AttributeMap& public_tmpl, const AttributeMap&,
                         AttributeMap& public_out, AttributeMap& private_out) {
  RETURN_IF_ERROR(require_no_parameter(call.mechanism, "CKM_SLH_DSA_KEY_PAIR_GEN"));
  ASSIGN_OR_RETURN(const SlhDsaParams* set, slh_dsa_params(public_tmpl));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(call.provider.libctx(), set->openssl_name, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, "SLH-DSA key generation");
  }
  EvpPkeyPtr pkey(raw);
  RETURN_IF_ERROR(export_slh_dsa_public(pkey.get(), public_out));
  return export_slh_dsa_private(pkey.get(), private_out);
}

// Sizes in CK_MECHANISM_INFO are public-key lengths in bytes, 32 (128-bit
// sets) to 64 (256-bit sets). SLH-DSA and HashSLH-DSA are approved (FIPS 205).
constexpr MechanismEntry signature_row(CK_MECHANISM_TYPE type, const char* name) {
  return {.type = type, .name = name, .key_types = {CKK_SLH_DSA}, .min_key_size = kSlhDsaMinPublicBytes,
          .max_key_size = kSlhDsaMaxPublicBytes, .flags = CKF_SIGN | CKF_VERIFY, .pqc = true, .sign = make_sign,
          .verify = make_verify};
}

const MechanismEntry kRows[] = {
    {.type = CKM_SLH_DSA_KEY_PAIR_GEN, .name = "CKM_SLH_DSA_KEY_PAIR_GEN", .key_types = {CKK_SLH_DSA},
     .min_key_size = kSlhDsaMinPublicBytes, .max_key_size = kSlhDsaMaxPublicBytes, .flags = CKF_GENERATE_KEY_PAIR,
     .pqc = true, .generate_key_pair = generate_key_pair},
    signature_row(CKM_SLH_DSA, "CKM_SLH_DSA"),
    signature_row(CKM_HASH_SLH_DSA, "CKM_HASH_SLH_DSA"),
    signature_row(CKM_HASH_SLH_DSA_SHA224, "CKM_HASH_SLH_DSA_SHA224"),
    signature_row(CKM_HASH_SLH_DSA_SHA256, "CKM_HASH_SLH_DSA_SHA256"),
    signature_row(CKM_HASH_SLH_DSA_SHA384, "CKM_HASH_SLH_DSA_SHA384"),
    signature_row(CKM_HASH_SLH_DSA_SHA512, "CKM_HASH_SLH_DSA_SHA512"),
    signature_row(CKM_HASH_SLH_DSA_SHA3_224, "CKM_HASH_SLH_DSA_SHA3_224"),
    signature_row(CKM_HASH_SLH_DSA_SHA3_256, "CKM_HASH_SLH_DSA_SHA3_256"),
    signature_row(CKM_HASH_SLH_DSA_SHA3_384, "CKM_HASH_SLH_DSA_SHA3_384"),
    signature_row(CKM_HASH_SLH_DSA_SHA3_512, "CKM_HASH_SLH_DSA_SHA3_512"),
    signature_row(CKM_HASH_SLH_DSA_SHAKE128, "CKM_HASH_SLH_DSA_SHAKE128"),
    signature_row(CKM_HASH_SLH_DSA_SHAKE256, "CKM_HASH_SLH_DSA_SHAKE256"),
};

}  // namespace

std::span<const MechanismEntry> slh_dsa_mechanisms() { return kRows; }

}  // namespace craton::crypto

// SLH-DSA key material (see slh_dsa_key.h).
#include "crypto/slh_dsa_key.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <optional>
#include <string>

#include "crypto/key_attributes.h"
#include "crypto/pkey_octets.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

constexpr SlhDsaParams kParameterSets[] = {
    {CKP_SLH_DSA_SHA2_128S, "SLH-DSA-SHA2-128s", 16, 7856},
    {CKP_SLH_DSA_SHAKE_128S, "SLH-DSA-SHAKE-128s", 16, 7856},
    {CKP_SLH_DSA_SHA2_128F, "SLH-DSA-SHA2-128f", 16, 17088},
    {CKP_SLH_DSA_SHAKE_128F, "SLH-DSA-SHAKE-128f", 16, 17088},
    {CKP_SLH_DSA_SHA2_192S, "SLH-DSA-SHA2-192s", 24, 16224},
    {CKP_SLH_DSA_SHAKE_192S, "SLH-DSA-SHAKE-192s", 24, 16224},
    {CKP_SLH_DSA_SHA2_192F, "SLH-DSA-SHA2-192f", 24, 35664},
    {CKP_SLH_DSA_SHAKE_192F, "SLH-DSA-SHAKE-192f", 24, 35664},
    {CKP_SLH_DSA_SHA2_256S, "SLH-DSA-SHA2-256s", 32, 29792},
    {CKP_SLH_DSA_SHAKE_256S, "SLH-DSA-SHAKE-256s", 32, 29792},
    {CKP_SLH_DSA_SHA2_256F, "SLH-DSA-SHA2-256f", 32, 49856},
    {CKP_SLH_DSA_SHAKE_256F, "SLH-DSA-SHAKE-256f", 32, 49856},
};

}  // namespace

Result<const SlhDsaParams*> slh_dsa_params(const AttributeMap& attrs) {
  ASSIGN_OR_RETURN(std::optional<CK_ULONG> set, attrs.checked_ulong(CKA_PARAMETER_SET));
  if (!set) return Status(CKR_TEMPLATE_INCOMPLETE, "SLH-DSA keys need CKA_PARAMETER_SET");
  if (const SlhDsaParams* p = slh_dsa_params_for(*set)) return p;
  return Status(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_PARAMETER_SET is not an SLH-DSA parameter set");
}

const SlhDsaParams* slh_dsa_params_for(CK_ULONG set) {
  for (const SlhDsaParams& p : kParameterSets) {
    if (p.parameter_set == set) return &p;
  }
  return nullptr;
}

const SlhDsaParams* slh_dsa_params_of(const EVP_PKEY* pkey) {
  if (pkey == nullptr) return nullptr;
  for (const SlhDsaParams& p : kParameterSets) {
    if (EVP_PKEY_is_a(pkey, p.openssl_name)) return &p;
  }
  return nullptr;
}

Result<EvpPkeyPtr> load_slh_dsa(const Provider& provider, const AttributeMap& attrs, bool is_private) {
  ASSIGN_OR_RETURN(const SlhDsaParams* set, slh_dsa_params(attrs));
  const SecureBytes* value = attrs.find(CKA_VALUE);
  if (value == nullptr) return Status(CKR_TEMPLATE_INCOMPLETE, "SLH-DSA keys need CKA_VALUE");
  RETURN_IF_ERROR(check_octet_length(*value, is_private ? set->private_bytes() : set->public_bytes(),
                               is_private ? "SLH-DSA private key CKA_VALUE" : "SLH-DSA public key CKA_VALUE"));
  // The private encoding contains the public key (PK.seed || PK.root), so
  // one parameter suffices for either class.
  return pkey_from_octets(provider, set->openssl_name, is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                          is_private ? OSSL_PKEY_PARAM_PRIV_KEY : OSSL_PKEY_PARAM_PUB_KEY, *value,
                          "SLH-DSA key material");
}

Status complete_slh_dsa(const Provider& provider, AttributeMap& attrs, bool is_private) {
  ASSIGN_OR_RETURN(EvpPkeyPtr pkey, load_slh_dsa(provider, attrs, is_private));
  if (is_private) {
    // OpenSSL's import takes PK.root as given; its key check recomputes the
    // root of the top hypertree layer from SK.seed and PK.seed (FIPS 205
    // Algorithm 18), a few milliseconds even for the "s" sets.
    ASSIGN_OR_RETURN(PkeyCtxPtr ctx, new_pkey_ctx(provider, pkey.get()));
    if (EVP_PKEY_pairwise_check(ctx.get()) != 1) {
      return openssl_error(CKR_ATTRIBUTE_VALUE_INVALID, "SLH-DSA PK.root does not match SK.seed and PK.seed");
    }
  }
  ASSIGN_OR_RETURN(Bytes spki, subject_public_key_info(pkey.get()));
  attrs.set(CKA_PUBLIC_KEY_INFO, view_of(spki));
  return Status::Ok();
}

Status export_slh_dsa_public(EVP_PKEY* pkey, AttributeMap& out) {
  const SlhDsaParams* set = slh_dsa_params_of(pkey);
  if (set == nullptr) return Status(CKR_KEY_TYPE_INCONSISTENT, "not an SLH-DSA key");
  std::optional<SecureBytes> pk = pkey_octets(pkey, OSSL_PKEY_PARAM_PUB_KEY, set->public_bytes());
  if (!pk) return Status(CKR_FUNCTION_FAILED, "SLH-DSA public key unavailable");
  ASSIGN_OR_RETURN(Bytes spki, subject_public_key_info(pkey));
  out.set_ulong(CKA_KEY_TYPE, CKK_SLH_DSA);
  out.set_ulong(CKA_PARAMETER_SET, set->parameter_set);
  out.set(CKA_VALUE, std::move(*pk));
  out.set(CKA_PUBLIC_KEY_INFO, view_of(spki));
  return Status::Ok();
}

Status export_slh_dsa_private(EVP_PKEY* pkey, AttributeMap& out) {
  RETURN_IF_ERROR(export_slh_dsa_public(pkey, out));
  const SlhDsaParams* set = slh_dsa_params_of(pkey);
  std::optional<SecureBytes> sk = pkey_octets(pkey, OSSL_PKEY_PARAM_PRIV_KEY, set->private_bytes());
  if (!sk) return Status(CKR_FUNCTION_FAILED, "SLH-DSA private key unavailable");
  out.set(CKA_VALUE, std::move(*sk));  // replaces the public key set above
  return Status::Ok();
}

}  // namespace craton::crypto

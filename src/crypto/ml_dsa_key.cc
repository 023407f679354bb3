// ML-DSA key material (see ml_dsa_key.h).
#include "crypto/ml_dsa_key.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <optional>
#include <string>

#include "crypto/key_attributes.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

constexpr MlDsaParams kParameterSets[] = {
    {CKP_ML_DSA_44, "ML-DSA-44", 1312, 2560, 2420},
    {CKP_ML_DSA_65, "ML-DSA-65", 1952, 4032, 3309},
    {CKP_ML_DSA_87, "ML-DSA-87", 2592, 4896, 4627},
};

Status check_length(const SecureBytes& value, std::size_t want, const char* what) {
  if (value.size() == want) return Status::Ok();
  return Status(CKR_ATTRIBUTE_VALUE_INVALID, std::string(what) + " has the wrong length for the parameter set (" +
                                                 std::to_string(value.size()) + " bytes, expected " +
                                                 std::to_string(want) + ")");
}

// An ML-DSA EVP_PKEY from one octet-string component (public key, seed or
// expanded private key) through OpenSSL's import, which derives the rest
// (the whole key from the seed, the public key from sk).
Result<EvpPkeyPtr> from_octets(const Provider& provider, const MlDsaParams& set, int selection, const char* name,
                               const SecureBytes& value) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(provider.libctx(), set.openssl_name, nullptr));
  if (!ctx) return openssl_error(CKR_HOST_MEMORY, "EVP_PKEY_CTX_new_from_name");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(name, const_cast<std::uint8_t*>(value.data()), value.size()),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 || EVP_PKEY_fromdata(ctx.get(), &raw, selection, params) != 1) {
    return openssl_error(CKR_ATTRIBUTE_VALUE_INVALID, "ML-DSA key material rejected");
  }
  return EvpPkeyPtr(raw);
}

// An octet-string parameter of exactly `size` bytes, or nullopt when the key
// does not have it (a private key imported without its seed has no seed).
std::optional<SecureBytes> octets(const EVP_PKEY* pkey, const char* name, std::size_t size) {
  SecureBytes out(size);
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey, name, out.data(), out.size(), &len) != 1 || len != size) {
    ERR_clear_error();
    return std::nullopt;
  }
  return out;
}

}  // namespace

Result<const MlDsaParams*> ml_dsa_params(const AttributeMap& attrs) {
  ASSIGN_OR_RETURN(std::optional<CK_ULONG> set, attrs.checked_ulong(CKA_PARAMETER_SET));
  if (!set) return Status(CKR_TEMPLATE_INCOMPLETE, "ML-DSA keys need CKA_PARAMETER_SET");
  for (const MlDsaParams& p : kParameterSets) {
    if (p.parameter_set == *set) return &p;
  }
  return Status(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_PARAMETER_SET is not an ML-DSA parameter set");
}

const MlDsaParams* ml_dsa_params_of(const EVP_PKEY* pkey) {
  if (pkey == nullptr) return nullptr;
  for (const MlDsaParams& p : kParameterSets) {
    if (EVP_PKEY_is_a(pkey, p.openssl_name)) return &p;
  }
  return nullptr;
}

Result<EvpPkeyPtr> load_ml_dsa(const Provider& provider, const AttributeMap& attrs, bool is_private) {
  ASSIGN_OR_RETURN(const MlDsaParams* set, ml_dsa_params(attrs));
  const SecureBytes* value = attrs.find(CKA_VALUE);
  if (!is_private) {
    if (value == nullptr) return Status(CKR_TEMPLATE_INCOMPLETE, "ML-DSA public key needs CKA_VALUE");
    RETURN_IF_ERROR(check_length(*value, set->public_bytes, "ML-DSA public key CKA_VALUE"));
    return from_octets(provider, *set, EVP_PKEY_PUBLIC_KEY, OSSL_PKEY_PARAM_PUB_KEY, *value);
  }
  // The seed is the canonical form (FIPS 204 §3.6.3 recommends keeping it):
  // it determines sk, which was checked against it when the object was made.
  if (const SecureBytes* seed = attrs.find(CKA_SEED)) {
    RETURN_IF_ERROR(check_length(*seed, kMlDsaSeedBytes, "ML-DSA CKA_SEED"));
    return from_octets(provider, *set, EVP_PKEY_KEYPAIR, OSSL_PKEY_PARAM_ML_DSA_SEED, *seed);
  }
  if (value == nullptr) return Status(CKR_TEMPLATE_INCOMPLETE, "ML-DSA private key needs CKA_SEED or CKA_VALUE");
  RETURN_IF_ERROR(check_length(*value, set->private_bytes, "ML-DSA private key CKA_VALUE"));
  return from_octets(provider, *set, EVP_PKEY_KEYPAIR, OSSL_PKEY_PARAM_PRIV_KEY, *value);
}

Status complete_ml_dsa(const Provider& provider, AttributeMap& attrs, bool is_private) {
  ASSIGN_OR_RETURN(EvpPkeyPtr pkey, load_ml_dsa(provider, attrs, is_private));
  if (is_private) {
    AttributeMap derived;
    RETURN_IF_ERROR(export_ml_dsa_private(pkey.get(), derived));
    const SecureBytes& expanded = *derived.find(CKA_VALUE);
    const SecureBytes* given = attrs.find(CKA_VALUE);
    // load_ml_dsa used the seed and ignored CKA_VALUE: compare them here.
    if (attrs.has(CKA_SEED) && given != nullptr) {
      RETURN_IF_ERROR(check_length(*given, expanded.size(), "ML-DSA private key CKA_VALUE"));
      if (!constant_time_equal(*given, expanded)) {
        return Status(CKR_ATTRIBUTE_VALUE_INVALID, "ML-DSA CKA_VALUE does not match CKA_SEED");
      }
    }
    // A seed-only import also stores sk: applications and other tokens
    // that read or wrap the key expect CKA_VALUE (spec: "set both").
    attrs.set(CKA_VALUE, expanded);
  }
  ASSIGN_OR_RETURN(Bytes spki, subject_public_key_info(pkey.get()));
  attrs.set(CKA_PUBLIC_KEY_INFO, view_of(spki));
  return Status::Ok();
}

Status export_ml_dsa_public(EVP_PKEY* pkey, AttributeMap& out) {
  const MlDsaParams* set = ml_dsa_params_of(pkey);
  if (set == nullptr) return Status(CKR_KEY_TYPE_INCONSISTENT, "not an ML-DSA key");
  std::optional<SecureBytes> pk = octets(pkey, OSSL_PKEY_PARAM_PUB_KEY, set->public_bytes);
  if (!pk) return Status(CKR_FUNCTION_FAILED, "ML-DSA public key unavailable");
  ASSIGN_OR_RETURN(Bytes spki, subject_public_key_info(pkey));
  out.set_ulong(CKA_KEY_TYPE, CKK_ML_DSA);
  out.set_ulong(CKA_PARAMETER_SET, set->parameter_set);
  out.set(CKA_VALUE, std::move(*pk));
  out.set(CKA_PUBLIC_KEY_INFO, view_of(spki));
  return Status::Ok();
}

Status export_ml_dsa_private(EVP_PKEY* pkey, AttributeMap& out) {
  RETURN_IF_ERROR(export_ml_dsa_public(pkey, out));
  const MlDsaParams* set = ml_dsa_params_of(pkey);
  std::optional<SecureBytes> sk = octets(pkey, OSSL_PKEY_PARAM_PRIV_KEY, set->private_bytes);
  if (!sk) return Status(CKR_FUNCTION_FAILED, "ML-DSA private key unavailable");
  out.set(CKA_VALUE, std::move(*sk));  // replaces the public key set above
  if (std::optional<SecureBytes> seed = octets(pkey, OSSL_PKEY_PARAM_ML_DSA_SEED, kMlDsaSeedBytes)) {
    out.set(CKA_SEED, std::move(*seed));
  }
  return Status::Ok();
}

}  // namespace craton::crypto

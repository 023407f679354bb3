// Post-quantum key material (see pq_key.h).
#include "crypto/pq_key.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <optional>
#include <string>

#include "crypto/key_attributes.h"
#include "crypto/pkey_octets.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

// FIPS 203 Table 3 (ek, dk) and FIPS 204 Table 2 (pk, sk).
constexpr PqKeyFormat kFormats[] = {
    {CKK_ML_KEM, CKP_ML_KEM_512, "ML-KEM-512", 800, 1632, 64},
    {CKK_ML_KEM, CKP_ML_KEM_768, "ML-KEM-768", 1184, 2400, 64},
    {CKK_ML_KEM, CKP_ML_KEM_1024, "ML-KEM-1024", 1568, 3168, 64},
    {CKK_ML_DSA, CKP_ML_DSA_44, "ML-DSA-44", 1312, 2560, 32},
    {CKK_ML_DSA, CKP_ML_DSA_65, "ML-DSA-65", 1952, 4032, 32},
    {CKK_ML_DSA, CKP_ML_DSA_87, "ML-DSA-87", 2592, 4896, 32},
};

const char* seed_param(const PqKeyFormat& format) {
  return format.key_type == CKK_ML_KEM ? OSSL_PKEY_PARAM_ML_KEM_SEED : OSSL_PKEY_PARAM_ML_DSA_SEED;
}

std::string what(const PqKeyFormat& format, const char* part) {
  return std::string(pq_family_name(format.key_type)) + " " + part;
}

Result<EvpPkeyPtr> from_octets(const Provider& provider, const PqKeyFormat& format, int selection, const char* name,
                               const SecureBytes& value) {
  return pkey_from_octets(provider, format.openssl_name, selection, name, value, what(format, "key material"));
}

}  // namespace

bool is_pq_key_type(CK_KEY_TYPE type) { return type == CKK_ML_KEM || type == CKK_ML_DSA; }

const char* pq_family_name(CK_KEY_TYPE type) {
  switch (type) {
    case CKK_ML_KEM: return "ML-KEM";
    case CKK_ML_DSA: return "ML-DSA";
    default: return "post-quantum";
  }
}

Result<const PqKeyFormat*> pq_format(const AttributeMap& attrs, CK_KEY_TYPE type) {
  ASSIGN_OR_RETURN(std::optional<CK_ULONG> set, attrs.checked_ulong(CKA_PARAMETER_SET));
  if (!set) return Status(CKR_TEMPLATE_INCOMPLETE, std::string(pq_family_name(type)) + " keys need CKA_PARAMETER_SET");
  for (const PqKeyFormat& f : kFormats) {
    if (f.key_type == type && f.parameter_set == *set) return &f;
  }
  return Status(CKR_ATTRIBUTE_VALUE_INVALID,
                std::string("CKA_PARAMETER_SET is not an ") + pq_family_name(type) + " parameter set");
}

const PqKeyFormat* pq_format_of(const EVP_PKEY* pkey) {
  if (pkey == nullptr) return nullptr;
  for (const PqKeyFormat& f : kFormats) {
    if (EVP_PKEY_is_a(pkey, f.openssl_name)) return &f;
  }
  return nullptr;
}

Result<EvpPkeyPtr> load_pq_key(const Provider& provider, const AttributeMap& attrs, bool is_private) {
  const CK_KEY_TYPE type = attrs.ulong_or(CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
  if (!is_pq_key_type(type)) return Status(CKR_KEY_TYPE_INCONSISTENT, "not a post-quantum key type");
  ASSIGN_OR_RETURN(const PqKeyFormat* format, pq_format(attrs, type));
  const SecureBytes* value = attrs.find(CKA_VALUE);
  if (!is_private) {
    if (value == nullptr) return Status(CKR_TEMPLATE_INCOMPLETE, what(*format, "public key needs CKA_VALUE"));
    RETURN_IF_ERROR(check_octet_length(*value, format->public_bytes, what(*format, "public key CKA_VALUE")));
    return from_octets(provider, *format, EVP_PKEY_PUBLIC_KEY, OSSL_PKEY_PARAM_PUB_KEY, *value);
  }
  // The seed is the canonical form (FIPS 203 §3.3 and FIPS 204 §3.6.3
  // recommend keeping it): it determines the expanded key, which was checked
  // against it when the object was made.
  if (const SecureBytes* seed = attrs.find(CKA_SEED)) {
    RETURN_IF_ERROR(check_octet_length(*seed, format->seed_bytes, what(*format, "CKA_SEED")));
    return from_octets(provider, *format, EVP_PKEY_KEYPAIR, seed_param(*format), *seed);
  }
  if (value == nullptr) return Status(CKR_TEMPLATE_INCOMPLETE, what(*format, "private key needs CKA_SEED or CKA_VALUE"));
  RETURN_IF_ERROR(check_octet_length(*value, format->private_bytes, what(*format, "private key CKA_VALUE")));
  return from_octets(provider, *format, EVP_PKEY_KEYPAIR, OSSL_PKEY_PARAM_PRIV_KEY, *value);
}

Status complete_pq_key(const Provider& provider, AttributeMap& attrs, bool is_private) {
  ASSIGN_OR_RETURN(EvpPkeyPtr pkey, load_pq_key(provider, attrs, is_private));
  if (is_private) {
    AttributeMap derived;
    RETURN_IF_ERROR(export_pq_private(pkey.get(), derived));
    const SecureBytes& expanded = *derived.find(CKA_VALUE);
    const SecureBytes* given = attrs.find(CKA_VALUE);
    // load_pq_key used the seed and ignored CKA_VALUE: compare them here.
    if (attrs.has(CKA_SEED) && given != nullptr) {
      const PqKeyFormat& format = *pq_format_of(pkey.get());
      RETURN_IF_ERROR(check_octet_length(*given, expanded.size(), what(format, "private key CKA_VALUE")));
      if (!constant_time_equal(*given, expanded)) {
        return Status(CKR_ATTRIBUTE_VALUE_INVALID, what(format, "CKA_VALUE does not match CKA_SEED"));
      }
    }
    // A seed-only import also stores the expanded key: applications and
    // other tokens that read or wrap the key expect CKA_VALUE.
    attrs.set(CKA_VALUE, expanded);
  }
  ASSIGN_OR_RETURN(Bytes spki, subject_public_key_info(pkey.get()));
  attrs.set(CKA_PUBLIC_KEY_INFO, view_of(spki));
  return Status::Ok();
}

Status export_pq_public(EVP_PKEY* pkey, AttributeMap& out) {
  const PqKeyFormat* format = pq_format_of(pkey);
  if (format == nullptr) return Status(CKR_KEY_TYPE_INCONSISTENT, "not a post-quantum key");
  std::optional<SecureBytes> pk = pkey_octets(pkey, OSSL_PKEY_PARAM_PUB_KEY, format->public_bytes);
  if (!pk) return Status(CKR_FUNCTION_FAILED, what(*format, "public key unavailable"));
  ASSIGN_OR_RETURN(Bytes spki, subject_public_key_info(pkey));
  out.set_ulong(CKA_KEY_TYPE, format->key_type);
  out.set_ulong(CKA_PARAMETER_SET, format->parameter_set);
  out.set(CKA_VALUE, std::move(*pk));
  out.set(CKA_PUBLIC_KEY_INFO, view_of(spki));
  return Status::Ok();
}

Status export_pq_private(EVP_PKEY* pkey, AttributeMap& out) {
  RETURN_IF_ERROR(export_pq_public(pkey, out));
  const PqKeyFormat& format = *pq_format_of(pkey);
  std::optional<SecureBytes> sk = pkey_octets(pkey, OSSL_PKEY_PARAM_PRIV_KEY, format.private_bytes);
  if (!sk) return Status(CKR_FUNCTION_FAILED, what(format, "private key unavailable"));
  out.set(CKA_VALUE, std::move(*sk));  // replaces the public key set above
  if (std::optional<SecureBytes> seed = pkey_octets(pkey, seed_param(format), format.seed_bytes)) {
    out.set(CKA_SEED, std::move(*seed));
  }
  return Status::Ok();
}

Status generate_pq_key_pair(const Provider& provider, const PqKeyFormat& format, AttributeMap& public_out,
                            AttributeMap& private_out) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(provider.libctx(), format.openssl_name, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, what(format, "key generation").c_str());
  }
  EvpPkeyPtr pkey(raw);
  RETURN_IF_ERROR(export_pq_public(pkey.get(), public_out));
  RETURN_IF_ERROR(export_pq_private(pkey.get(), private_out));
  // OpenSSL keeps the seed of keys it generates unless configured otherwise,
  // which the module never does.
  if (!private_out.has(CKA_SEED)) return Status(CKR_FUNCTION_FAILED, what(format, "seed not retained"));
  return Status::Ok();
}

}  // namespace craton::crypto

#include "crypto/hash_names.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <string>

#include "crypto/key_attributes.h"
#include "crypto/mechanism.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

// Sizes from FIPS 180-4 (SHA-1/SHA-2), FIPS 202 (SHA-3: block = rate) and RFC 1321.
constexpr HashInfo kHashes[] = {
    {CKM_SHA_1, "SHA-1", "SHA1", 20, 64, false},
    {CKM_SHA224, "SHA-224", "SHA2-224", 28, 64, false},
    {CKM_SHA256, "SHA-256", "SHA2-256", 32, 64, false},
    {CKM_SHA384, "SHA-384", "SHA2-384", 48, 128, false},
    {CKM_SHA512, "SHA-512", "SHA2-512", 64, 128, false},
    {CKM_SHA512_224, "SHA-512/224", "SHA2-512/224", 28, 128, false},
    {CKM_SHA512_256, "SHA-512/256", "SHA2-512/256", 32, 128, false},
    {CKM_SHA3_224, "SHA3-224", "SHA3-224", 28, 144, false},
    {CKM_SHA3_256, "SHA3-256", "SHA3-256", 32, 136, false},
    {CKM_SHA3_384, "SHA3-384", "SHA3-384", 48, 104, false},
    {CKM_SHA3_512, "SHA3-512", "SHA3-512", 64, 72, false},
    {CKM_MD5, "MD5", "MD5", 16, 64, true},
};

// An identifier of some other namespace (MGF, KDF, PRF) and its hash mechanism.
struct Alias {
  CK_ULONG id;
  CK_MECHANISM_TYPE hash;
};

constexpr Alias kMgfs[] = {
    {CKG_MGF1_SHA1, CKM_SHA_1},         {CKG_MGF1_SHA224, CKM_SHA224},
    {CKG_MGF1_SHA256, CKM_SHA256},      {CKG_MGF1_SHA384, CKM_SHA384},
    {CKG_MGF1_SHA512, CKM_SHA512},      {CKG_MGF1_SHA3_224, CKM_SHA3_224},
    {CKG_MGF1_SHA3_256, CKM_SHA3_256},  {CKG_MGF1_SHA3_384, CKM_SHA3_384},
    {CKG_MGF1_SHA3_512, CKM_SHA3_512},
};

constexpr Alias kX963Kdfs[] = {
    {CKD_SHA1_KDF, CKM_SHA_1},         {CKD_SHA224_KDF, CKM_SHA224},
    {CKD_SHA256_KDF, CKM_SHA256},      {CKD_SHA384_KDF, CKM_SHA384},
    {CKD_SHA512_KDF, CKM_SHA512},      {CKD_SHA3_224_KDF, CKM_SHA3_224},
    {CKD_SHA3_256_KDF, CKM_SHA3_256},  {CKD_SHA3_384_KDF, CKM_SHA3_384},
    {CKD_SHA3_512_KDF, CKM_SHA3_512},
};

constexpr Alias kSp800Kdfs[] = {
    {CKD_SHA1_KDF_SP800, CKM_SHA_1},         {CKD_SHA224_KDF_SP800, CKM_SHA224},
    {CKD_SHA256_KDF_SP800, CKM_SHA256},      {CKD_SHA384_KDF_SP800, CKM_SHA384},
    {CKD_SHA512_KDF_SP800, CKM_SHA512},      {CKD_SHA3_224_KDF_SP800, CKM_SHA3_224},
    {CKD_SHA3_256_KDF_SP800, CKM_SHA3_256},  {CKD_SHA3_384_KDF_SP800, CKM_SHA3_384},
    {CKD_SHA3_512_KDF_SP800, CKM_SHA3_512},
};

constexpr Alias kPbkdf2Prfs[] = {
    {CKP_PKCS5_PBKD2_HMAC_SHA1, CKM_SHA_1},
    {CKP_PKCS5_PBKD2_HMAC_SHA224, CKM_SHA224},
    {CKP_PKCS5_PBKD2_HMAC_SHA256, CKM_SHA256},
    {CKP_PKCS5_PBKD2_HMAC_SHA384, CKM_SHA384},
    {CKP_PKCS5_PBKD2_HMAC_SHA512, CKM_SHA512},
    {CKP_PKCS5_PBKD2_HMAC_SHA512_224, CKM_SHA512_224},
    {CKP_PKCS5_PBKD2_HMAC_SHA512_256, CKM_SHA512_256},
};

template <std::size_t N>
const HashInfo* lookup_alias(const Alias (&table)[N], CK_ULONG id) {
  for (const Alias& alias : table) {
    if (alias.id == id) return hash_by_mechanism(alias.hash);
  }
  return nullptr;
}

}  // namespace

const HashInfo* hash_by_mechanism_including_legacy(CK_MECHANISM_TYPE mechanism) {
  // Linear search: twelve rows, faster than any map at this size.
  for (const HashInfo& hash : kHashes) {
    if (hash.mechanism == mechanism) return &hash;
  }
  return nullptr;
}

const HashInfo* hash_by_mechanism(CK_MECHANISM_TYPE mechanism) {
  const HashInfo* hash = hash_by_mechanism_including_legacy(mechanism);
  return (hash != nullptr && !hash->legacy) ? hash : nullptr;
}

const HashInfo* hash_by_mgf(CK_RSA_PKCS_MGF_TYPE mgf) { return lookup_alias(kMgfs, mgf); }

const HashInfo* hash_by_kdf(CK_EC_KDF_TYPE kdf) {
  const HashInfo* hash = lookup_alias(kX963Kdfs, kdf);
  return hash != nullptr ? hash : lookup_alias(kSp800Kdfs, kdf);
}

bool kdf_is_sp800_56c(CK_EC_KDF_TYPE kdf) { return lookup_alias(kSp800Kdfs, kdf) != nullptr; }

const HashInfo* hash_by_pbkdf2_prf(CK_PKCS5_PBKD2_PSEUDO_RANDOM_FUNCTION_TYPE prf) {
  return lookup_alias(kPbkdf2Prfs, prf);
}

std::span<const HashInfo> all_hashes() { return kHashes; }

Result<const EVP_MD*> digest_md(const Provider& provider, const HashInfo& hash) {
  const EVP_MD* md = provider.md(hash.openssl_name);
  if (md == nullptr) return openssl_failure(std::string("no digest ") + hash.openssl_name);
  return md;
}

Status openssl_failure(std::string_view what) {
  std::string message(what);
  const unsigned long code = ERR_peek_error();
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    message += ": ";
    message += text;
  }
  ERR_clear_error();
  return Status(CKR_FUNCTION_FAILED, std::move(message));
}

Result<std::size_t> required_value_len(const AttributeMap& tmpl, CK_ULONG max_bytes) {
  ASSIGN_OR_RETURN(std::optional<CK_ULONG> len, tmpl.checked_ulong(CKA_VALUE_LEN));
  if (!len) return Status(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is required");
  if (*len == 0 || *len > max_bytes) return Status(CKR_KEY_SIZE_RANGE, "CKA_VALUE_LEN out of range");
  return static_cast<std::size_t>(*len);
}

Result<AttributeMap> generate_random_secret(const MechanismCall& call, const AttributeMap& tmpl) {
  RETURN_IF_ERROR(require_no_parameter(call.mechanism, "key generation"));
  ASSIGN_OR_RETURN(std::size_t len, required_value_len(tmpl, kMaxSecretKeyBytes));
  SecureBytes value(len);
  RETURN_IF_ERROR(call.provider.random(value));
  AttributeMap out;
  out.set(CKA_VALUE, std::move(value));
  out.set_ulong(CKA_VALUE_LEN, len);
  return out;
}

}  // namespace craton::crypto

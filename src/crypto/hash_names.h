// Hash functions by PKCS#11 identifier: one table that maps the mechanism
// (CKM_SHA256 ...), MGF1 (CKG_MGF1_SHA256 ...), ECDH KDF (CKD_SHA256_KDF ...)
// and PBKDF2 PRF (CKP_PKCS5_PBKD2_HMAC_SHA256 ...) identifiers to the OpenSSL
// algorithm name and the sizes a caller needs to validate parameters.
//
// Every family that takes a hash as a parameter (RSA PSS/OAEP, ECDSA, ECDH
// KDFs, HMAC, HKDF, PBKDF2) looks its hash up here, so that the set of hashes
// Craton accepts and their names are defined once.
//
// Fetching: digest_md() returns the EVP_MD cached by the Provider
// (Provider::md), so digests are fetched once per Provider.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "core/status.h"
#include "craton/pkcs11.h"
#include "object/attributes.h"

typedef struct evp_md_st EVP_MD;

namespace craton::crypto {

class Provider;
struct MechanismCall;

struct HashInfo {
  CK_MECHANISM_TYPE mechanism;  // the digest mechanism, e.g. CKM_SHA256
  const char* name;             // display name for logs, e.g. "SHA-256"
  const char* openssl_name;     // EVP_MD_fetch name, e.g. "SHA2-256"
  std::size_t digest_size;      // bytes
  std::size_t block_size;       // bytes (HMAC block; SHA-3: the sponge rate)
  bool legacy;                  // MD5: only for the legacy digest/HMAC rows
};

// The SHA-1, SHA-2 and SHA-3 hashes (never MD5) by digest mechanism, or
// nullptr. This is the lookup for any hash given as a mechanism parameter
// (CK_RSA_PKCS_PSS_PARAMS.hashAlg, CK_HKDF_PARAMS.prfHashMechanism, ...).
const HashInfo* hash_by_mechanism(CK_MECHANISM_TYPE mechanism);

// Like hash_by_mechanism, but also CKM_MD5 (legacy rows only).
const HashInfo* hash_by_mechanism_including_legacy(CK_MECHANISM_TYPE mechanism);

// The hash of an MGF1 identifier (CKG_MGF1_SHA1 ... CKG_MGF1_SHA3_512), or nullptr.
const HashInfo* hash_by_mgf(CK_RSA_PKCS_MGF_TYPE mgf);

// The hash of an ECDH KDF identifier, or nullptr. Both the ANSI X9.63
// (CKD_SHA256_KDF ...) and the SP 800-56C (CKD_SHA256_KDF_SP800 ...) forms
// map to their hash; kdf_is_sp800_56c() tells them apart. CKD_NULL (no KDF)
// has no hash and returns nullptr: callers handle it before the lookup.
const HashInfo* hash_by_kdf(CK_EC_KDF_TYPE kdf);
bool kdf_is_sp800_56c(CK_EC_KDF_TYPE kdf);

// The HMAC hash of a PBKDF2 PRF (CKP_PKCS5_PBKD2_HMAC_SHA1 ...), or nullptr
// (CKP_PKCS5_PBKD2_HMAC_GOSTR3411 is not supported).
const HashInfo* hash_by_pbkdf2_prf(CK_PKCS5_PBKD2_PSEUDO_RANDOM_FUNCTION_TYPE prf);

// Every hash the table knows, MD5 included, in table order.
std::span<const HashInfo> all_hashes();

// --- OpenSSL helpers shared by the hash-based families ---------------------

// The EVP_MD of `hash` from the Provider's cache (owned by the Provider: do
// not free). CKR_FUNCTION_FAILED when the provider lacks the algorithm.
Result<const EVP_MD*> digest_md(const Provider& provider, const HashInfo& hash);

// An unexpected OpenSSL failure: returns CKR_FUNCTION_FAILED with `what` and
// the first queued OpenSSL error in the message, and empties the thread's
// OpenSSL error queue so that later calls start clean.
Status openssl_failure(std::string_view what);

// --- Random secret-key generation (generic secret, HKDF keys) --------------

// Largest CKA_VALUE_LEN, in bytes, of a generated generic-secret/HKDF key and
// of a key accepted by the HMAC rows. 4096 bits is beyond any hash's block
// size; a longer HMAC key is hashed down first anyway (RFC 2104), so larger
// keys add nothing.
inline constexpr CK_ULONG kMaxSecretKeyBytes = 512;

// GenerateKeyFn for CKM_GENERIC_SECRET_KEY_GEN and CKM_HKDF_KEY_GEN: takes no
// mechanism parameter; reads CKA_VALUE_LEN (required, 1..kMaxSecretKeyBytes)
// from the template and returns CKA_VALUE (from the module DRBG) and
// CKA_VALUE_LEN.
Result<AttributeMap> generate_random_secret(const MechanismCall& call, const AttributeMap& tmpl);

// CKA_VALUE_LEN of a key-generation template: CKR_TEMPLATE_INCOMPLETE when
// absent, CKR_ATTRIBUTE_VALUE_INVALID when not a CK_ULONG, CKR_KEY_SIZE_RANGE
// when 0 or above `max_bytes`.
Result<std::size_t> required_value_len(const AttributeMap& tmpl, CK_ULONG max_bytes);

}  // namespace craton::crypto

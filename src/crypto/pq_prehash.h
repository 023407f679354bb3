// What the post-quantum signature mechanisms of PKCS#11 3.2 sign, shared by
// ML-DSA (FIPS 204) and SLH-DSA (FIPS 205):
//
//  - pure signatures (CKM_ML_DSA, CKM_SLH_DSA) of the message M, with an
//    optional CK_SIGN_ADDITIONAL_CONTEXT;
//  - pre-hash signatures (HashML-DSA, FIPS 204 §5.4; HashSLH-DSA, FIPS 205
//    §10.2.2) of M' = 0x01 || len(ctx) || ctx || OID(PH) || PH(M), either with
//    PH(M) computed by the caller (CKM_HASH_ML_DSA, CKM_HASH_SLH_DSA, with a
//    CK_HASH_SIGN_ADDITIONAL_CONTEXT naming PH) or by the module
//    (CKM_HASH_ML_DSA_<hash>, CKM_HASH_SLH_DSA_<hash>).
//
// OpenSSL 3.5 implements only the pure forms; the pre-hash forms are signed as
// M' with the message encoding switched off (pq_sign.h).
#pragma once

#include <cstddef>
#include <span>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"
#include "crypto/key_attributes.h"

namespace craton::crypto {

class Provider;

// One pre-hash function PH. FIPS 204/205 allow any approved hash or XOF; the
// table holds the ten that PKCS#11 3.2 names CKM_HASH_ML_DSA_<hash> and
// CKM_HASH_SLH_DSA_<hash> variants for.
struct PrehashInfo {
  // How CK_HASH_SIGN_ADDITIONAL_CONTEXT.hash names it: the digest mechanism
  // (CKM_SHA256, ...), or for the XOFs, which have no digest mechanism, the
  // SHAKE key-derivation mechanism (CKM_SHAKE_128_KEY_DERIVATION).
  CK_MECHANISM_TYPE hash;
  CK_MECHANISM_TYPE ml_dsa_mechanism;   // CKM_HASH_ML_DSA_SHA256, ...
  CK_MECHANISM_TYPE slh_dsa_mechanism;  // CKM_HASH_SLH_DSA_SHA256, ...
  const char* openssl_name;             // EVP_MD name: "SHA2-256", "SHAKE128", ...
  // Length of PH(M): the digest size, or for SHAKE128/SHAKE256 the 256/512
  // output bits FIPS 204 Algorithm 4 and FIPS 205 Algorithm 23 fix.
  std::size_t output_bytes;
  bool xof;
  ByteView oid;  // DER OBJECT IDENTIFIER (tag, length, value), as it goes into M'
};

// The ten pre-hash functions.
std::span<const PrehashInfo> all_prehashes();
// The pre-hash named by CK_HASH_SIGN_ADDITIONAL_CONTEXT.hash, or nullptr.
const PrehashInfo* prehash_by_hash(CK_MECHANISM_TYPE hash);
// The pre-hash of a CKM_HASH_ML_DSA_<hash> or CKM_HASH_SLH_DSA_<hash>
// mechanism, or nullptr for any other mechanism.
const PrehashInfo* prehash_of_mechanism(CK_MECHANISM_TYPE mechanism);

// FIPS 204 §5.2 / FIPS 205 §10.2: the context string is at most 255 bytes.
inline constexpr std::size_t kMaxSignatureContext = 255;

// A parsed post-quantum signature mechanism.
struct PqSignatureRequest {
  const PrehashInfo* prehash = nullptr;  // null: pure signature of the message
  bool caller_hashes = false;            // CKM_HASH_ML_DSA / CKM_HASH_SLH_DSA: the input is PH(M)
  Bytes context;
  bool deterministic = false;  // signing only: CKH_DETERMINISTIC_REQUIRED
};

// Parses any of the mechanisms above and its parameter. `signing` selects
// whether the hedge variant matters ("on verification the hedgeVariant
// parameter is ignored"). CKR_MECHANISM_PARAM_INVALID for a malformed
// parameter, a context over 255 bytes, an unknown hedge variant, a missing
// CK_HASH_SIGN_ADDITIONAL_CONTEXT or a hash outside the table;
// CKR_MECHANISM_INVALID for a mechanism that is none of these.
Result<PqSignatureRequest> parse_pq_signature_mechanism(const CK_MECHANISM& mechanism, bool signing);

// M' = 0x01 || len(ctx) || ctx || OID(PH) || digest (FIPS 204 Algorithm 4
// step 23, FIPS 205 Algorithm 23 step 24). `digest` must be PH(M).
Bytes prehash_message(const PrehashInfo& prehash, ByteView context, ByteView digest);

// PH(M) computed as the message arrives, so that a multi-part pre-hash
// signature never holds the message: a hashing SignatureInput with the
// output length FIPS 204/205 fix (also for the SHAKE XOFs).
// CKR_FUNCTION_FAILED when the module's library context lacks the hash.
Result<SignatureInput> start_prehash(const Provider& provider, const PrehashInfo& prehash);

}  // namespace craton::crypto

// Pre-hash functions, mechanism parameters and M' of the post-quantum
// signature mechanisms (see pq_prehash.h).
#include "crypto/pq_prehash.h"

#include <openssl/evp.h>

#include "crypto/provider.h"

namespace craton::crypto {
namespace {

// DER of the NIST hash algorithm OIDs 2.16.840.1.101.3.4.2.x (FIPS 204
// Algorithm 4, FIPS 205 Algorithm 23 write them out in this form).
constexpr std::uint8_t kSha256Oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
constexpr std::uint8_t kSha384Oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
constexpr std::uint8_t kSha512Oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03};
constexpr std::uint8_t kSha224Oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04};
constexpr std::uint8_t kSha3_224Oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x07};
constexpr std::uint8_t kSha3_256Oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x08};
constexpr std::uint8_t kSha3_384Oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x09};
constexpr std::uint8_t kSha3_512Oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x0a};
constexpr std::uint8_t kShake128Oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x0b};
constexpr std::uint8_t kShake256Oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x0c};

const PrehashInfo kPrehashes[] = {
    {CKM_SHA224, CKM_HASH_ML_DSA_SHA224, CKM_HASH_SLH_DSA_SHA224, "SHA2-224", 28, false, kSha224Oid},
    {CKM_SHA256, CKM_HASH_ML_DSA_SHA256, CKM_HASH_SLH_DSA_SHA256, "SHA2-256", 32, false, kSha256Oid},
    {CKM_SHA384, CKM_HASH_ML_DSA_SHA384, CKM_HASH_SLH_DSA_SHA384, "SHA2-384", 48, false, kSha384Oid},
    {CKM_SHA512, CKM_HASH_ML_DSA_SHA512, CKM_HASH_SLH_DSA_SHA512, "SHA2-512", 64, false, kSha512Oid},
    {CKM_SHA3_224, CKM_HASH_ML_DSA_SHA3_224, CKM_HASH_SLH_DSA_SHA3_224, "SHA3-224", 28, false, kSha3_224Oid},
    {CKM_SHA3_256, CKM_HASH_ML_DSA_SHA3_256, CKM_HASH_SLH_DSA_SHA3_256, "SHA3-256", 32, false, kSha3_256Oid},
    {CKM_SHA3_384, CKM_HASH_ML_DSA_SHA3_384, CKM_HASH_SLH_DSA_SHA3_384, "SHA3-384", 48, false, kSha3_384Oid},
    {CKM_SHA3_512, CKM_HASH_ML_DSA_SHA3_512, CKM_HASH_SLH_DSA_SHA3_512, "SHA3-512", 64, false, kSha3_512Oid},
    {CKM_SHAKE_128_KEY_DERIVATION, CKM_HASH_ML_DSA_SHAKE128, CKM_HASH_SLH_DSA_SHAKE128, "SHAKE128", 32, true,
     kShake128Oid},
    {CKM_SHAKE_256_KEY_DERIVATION, CKM_HASH_ML_DSA_SHAKE256, CKM_HASH_SLH_DSA_SHAKE256, "SHAKE256", 64, true,
     kShake256Oid},
};

// The context and hedge variant shared by both parameter structures.
Status parse_context(CK_HEDGE_TYPE hedge, CK_BYTE_PTR context, CK_ULONG context_len, bool signing,
                     PqSignatureRequest& out) {
  if (context_len > kMaxSignatureContext) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "signature context longer than 255 bytes");
  }
  ASSIGN_OR_RETURN(ByteView bytes, param_buffer(context, context_len));
  out.context = copy_bytes(bytes);
  if (!signing) return Status::Ok();  // "On verification the hedgeVariant parameter is ignored."
  switch (hedge) {
    case CKH_HEDGE_PREFERRED:
    case CKH_HEDGE_REQUIRED:
      return Status::Ok();  // OpenSSL hedges by default, with randomness from the module's DRBG
    case CKH_DETERMINISTIC_REQUIRED:
      out.deterministic = true;
      return Status::Ok();
    default:
      return Status(CKR_MECHANISM_PARAM_INVALID, "unknown hedgeVariant");
  }
}

}  // namespace

std::span<const PrehashInfo> all_prehashes() { return kPrehashes; }

const PrehashInfo* prehash_by_hash(CK_MECHANISM_TYPE hash) {
  for (const PrehashInfo& p : kPrehashes) {
    if (p.hash == hash) return &p;
  }
  return nullptr;
}

const PrehashInfo* prehash_of_mechanism(CK_MECHANISM_TYPE mechanism) {
  for (const PrehashInfo& p : kPrehashes) {
    if (p.ml_dsa_mechanism == mechanism || p.slh_dsa_mechanism == mechanism) return &p;
  }
  return nullptr;
}

Result<PqSignatureRequest> parse_pq_signature_mechanism(const CK_MECHANISM& mechanism, bool signing) {
  PqSignatureRequest out;
  if (mechanism.mechanism == CKM_HASH_ML_DSA || mechanism.mechanism == CKM_HASH_SLH_DSA) {
    ASSIGN_OR_RETURN(const CK_HASH_SIGN_ADDITIONAL_CONTEXT* params,
                     mechanism_param<CK_HASH_SIGN_ADDITIONAL_CONTEXT>(mechanism));
    // Unlike the other forms this parameter is not optional: it names PH.
    if (params == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "CK_HASH_SIGN_ADDITIONAL_CONTEXT required");
    out.prehash = prehash_by_hash(params->hash);
    if (out.prehash == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "unsupported pre-hash function");
    out.caller_hashes = true;
    RETURN_IF_ERROR(parse_context(params->hedgeVariant, params->pContext, params->ulContextLen, signing, out));
    return out;
  }
  if (mechanism.mechanism != CKM_ML_DSA && mechanism.mechanism != CKM_SLH_DSA) {
    out.prehash = prehash_of_mechanism(mechanism.mechanism);
    if (out.prehash == nullptr) return Status(CKR_MECHANISM_INVALID, "not a post-quantum signature mechanism");
  }
  // No parameter: hedged signing with an empty context (PKCS#11 3.2).
  ASSIGN_OR_RETURN(const CK_SIGN_ADDITIONAL_CONTEXT* params, mechanism_param<CK_SIGN_ADDITIONAL_CONTEXT>(mechanism));
  if (params != nullptr) {
    RETURN_IF_ERROR(parse_context(params->hedgeVariant, params->pContext, params->ulContextLen, signing, out));
  }
  return out;
}

Bytes prehash_message(const PrehashInfo& prehash, ByteView context, ByteView digest) {
  Bytes out;
  out.reserve(2 + context.size() + prehash.oid.size() + digest.size());
  out.push_back(0x01);  // the domain separator of the pre-hash variant (0x00 is pure)
  out.push_back(static_cast<std::uint8_t>(context.size()));
  out.insert(out.end(), context.begin(), context.end());
  out.insert(out.end(), prehash.oid.begin(), prehash.oid.end());
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

Result<SignatureInput> start_prehash(const Provider& provider, const PrehashInfo& prehash) {
  const EVP_MD* md = provider.md(prehash.openssl_name);
  if (md == nullptr) return Status(CKR_FUNCTION_FAILED, "pre-hash function unavailable in the module's library context");
  return SignatureInput::hashing(md, prehash.xof ? prehash.output_bytes : 0);
}

}  // namespace craton::crypto

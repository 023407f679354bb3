// HMAC sign/verify (CKM_*_HMAC and CKM_*_HMAC_GENERAL) and generic secret
// key generation, through OpenSSL's EVP_MAC "HMAC" in the module's libctx.
//
// Key sizes are in bytes, 1..kMaxSecretKeyBytes (512). The minimum is the
// registry's informational floor: FIPS (SP 800-107 / SP 800-131A) wants at
// least 112-bit (14-byte) HMAC keys for approved use, which is a policy
// decision for the approved-mode layer, not a reason to refuse short keys
// that interoperating applications create.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstring>
#include <memory>

#include "crypto/families.h"
#include "crypto/hash_names.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

struct EvpMacDeleter {
  void operator()(EVP_MAC* mac) const noexcept { EVP_MAC_free(mac); }
};
struct EvpMacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, EvpMacCtxDeleter>;

// HMAC mechanism -> the digest mechanism it uses, and whether it is the
// _GENERAL variant (CK_MAC_GENERAL_PARAMS gives the output length).
struct HmacVariant {
  CK_MECHANISM_TYPE hmac;
  CK_MECHANISM_TYPE general;
  CK_MECHANISM_TYPE digest;
};

constexpr HmacVariant kVariants[] = {
    {CKM_SHA_1_HMAC, CKM_SHA_1_HMAC_GENERAL, CKM_SHA_1},
    {CKM_SHA224_HMAC, CKM_SHA224_HMAC_GENERAL, CKM_SHA224},
    {CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL, CKM_SHA256},
    {CKM_SHA384_HMAC, CKM_SHA384_HMAC_GENERAL, CKM_SHA384},
    {CKM_SHA512_HMAC, CKM_SHA512_HMAC_GENERAL, CKM_SHA512},
#ifdef CKM_SHA512_224_HMAC
    {CKM_SHA512_224_HMAC, CKM_SHA512_224_HMAC_GENERAL, CKM_SHA512_224},
#endif
#ifdef CKM_SHA512_256_HMAC
    {CKM_SHA512_256_HMAC, CKM_SHA512_256_HMAC_GENERAL, CKM_SHA512_256},
#endif
    {CKM_SHA3_224_HMAC, CKM_SHA3_224_HMAC_GENERAL, CKM_SHA3_224},
    {CKM_SHA3_256_HMAC, CKM_SHA3_256_HMAC_GENERAL, CKM_SHA3_256},
    {CKM_SHA3_384_HMAC, CKM_SHA3_384_HMAC_GENERAL, CKM_SHA3_384},
    {CKM_SHA3_512_HMAC, CKM_SHA3_512_HMAC_GENERAL, CKM_SHA3_512},
    {CKM_MD5_HMAC, CKM_MD5_HMAC_GENERAL, CKM_MD5},
};

// What a validated HMAC mechanism asks for.
struct HmacRequest {
  const HashInfo* hash = nullptr;
  std::size_t output_length = 0;  // truncated length for _GENERAL, else digest size
};

// Reads CK_MAC_GENERAL_PARAMS (a CK_ULONG output length, 1..digest size).
Result<std::size_t> general_output_length(const CK_MECHANISM& mech, const HashInfo& hash) {
  if (mech.pParameter == nullptr || mech.ulParameterLen != sizeof(CK_MAC_GENERAL_PARAMS)) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "HMAC_GENERAL needs CK_MAC_GENERAL_PARAMS");
  }
  CK_MAC_GENERAL_PARAMS length = 0;
  std::memcpy(&length, mech.pParameter, sizeof(length));  // caller memory may be unaligned
  if (length == 0 || length > hash.digest_size) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "HMAC_GENERAL output length out of range");
  }
  return static_cast<std::size_t>(length);
}

Result<HmacRequest> parse_request(const CK_MECHANISM& mech) {
  for (const HmacVariant& variant : kVariants) {
    if (mech.mechanism != variant.hmac && mech.mechanism != variant.general) continue;
    HmacRequest request;
    request.hash = hash_by_mechanism_including_legacy(variant.digest);
    if (mech.mechanism == variant.general) {
      ASSIGN_OR_RETURN(request.output_length, general_output_length(mech, *request.hash));
    } else if (mech.pParameter != nullptr || mech.ulParameterLen != 0) {
      return Status(CKR_MECHANISM_PARAM_INVALID, "HMAC takes no parameter");
    } else {
      request.output_length = request.hash->digest_size;
    }
    return request;
  }
  return Status(CKR_MECHANISM_INVALID, "not an HMAC mechanism");
}

// A MAC context keyed and ready for update(). The EVP_MAC is fetched per
// operation (Provider caches digests only): measured with OpenSSL 3.5, a fetch
// of an algorithm already used is a lookup in the libctx's method store, about
// 3% of an HMAC-SHA-256 over 4 KiB. HMAC's init fetches its digest by name
// internally in the same way.
Result<EvpMacCtxPtr> new_hmac_ctx(const Provider& provider, const HashInfo& hash, const Key& key) {
  if (key.object_class != CKO_SECRET_KEY) return Status(CKR_KEY_TYPE_INCONSISTENT, "HMAC needs a secret key");
  if (key.secret.empty()) return Status(CKR_KEY_SIZE_RANGE, "empty HMAC key");
  std::unique_ptr<EVP_MAC, EvpMacDeleter> mac(EVP_MAC_fetch(provider.libctx(), "HMAC", nullptr));
  if (!mac) return openssl_failure("EVP_MAC_fetch HMAC");
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));  // the context holds its own reference
  if (!ctx) return Status(CKR_HOST_MEMORY, "EVP_MAC_CTX_new");
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(hash.openssl_name), 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), key.secret.data(), key.secret.size(), params) != 1) {
    return openssl_failure("EVP_MAC_init HMAC");
  }
  return ctx;
}

// The state shared by sign and verify: a keyed context and the output length.
class HmacState {
 public:
  HmacState(EvpMacCtxPtr ctx, std::size_t output_length)
      : ctx_(std::move(ctx)), output_length_(output_length) {}

  std::size_t output_length() const { return output_length_; }

  Status update(ByteView part) {
    if (EVP_MAC_update(ctx_.get(), part.data(), part.size()) != 1) return openssl_failure("EVP_MAC_update");
    return Status::Ok();
  }

  // Writes the full MAC into `mac` (EVP_MAX_MD_SIZE bytes); the caller uses
  // the first output_length() bytes.
  Status finish(unsigned char* mac) {
    std::size_t mac_len = 0;
    if (EVP_MAC_final(ctx_.get(), mac, &mac_len, EVP_MAX_MD_SIZE) != 1) {
      return openssl_failure("EVP_MAC_final");
    }
    if (mac_len < output_length_) return Status(CKR_FUNCTION_FAILED, "HMAC output shorter than expected");
    return Status::Ok();
  }

 private:
  EvpMacCtxPtr ctx_;
  std::size_t output_length_;
};

class HmacSign final : public SignOperation {
 public:
  explicit HmacSign(HmacState state) : state_(std::move(state)) {}
  std::size_t signature_length() const override { return state_.output_length(); }
  Status update(ByteView part) override { return state_.update(part); }
  Status final(Bytes& signature) override {
    unsigned char mac[EVP_MAX_MD_SIZE];
    RETURN_IF_ERROR(state_.finish(mac));
    signature.insert(signature.end(), mac, mac + state_.output_length());
    secure_wipe(mac, sizeof(mac));
    return Status::Ok();
  }

 private:
  HmacState state_;
};

class HmacVerify final : public VerifyOperation {
 public:
  explicit HmacVerify(HmacState state) : state_(std::move(state)) {}
  Status update(ByteView part) override { return state_.update(part); }
  Status final(ByteView signature) override {
    if (signature.size() != state_.output_length()) {
      return Status(CKR_SIGNATURE_LEN_RANGE, "MAC length differs from the mechanism's");
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    RETURN_IF_ERROR(state_.finish(mac));
    // Constant time, so that timing does not reveal how many leading bytes of
    // a forged MAC were right.
    const bool equal = constant_time_equal(ByteView(mac, state_.output_length()), signature);
    secure_wipe(mac, sizeof(mac));
    if (!equal) return Status(CKR_SIGNATURE_INVALID, "MAC mismatch");
    return Status::Ok();
  }

 private:
  HmacState state_;
};

Result<HmacState> start_hmac(const MechanismCall& call, const KeyPtr& key) {
  if (!key) return Status(CKR_KEY_HANDLE_INVALID, "no key");
  ASSIGN_OR_RETURN(HmacRequest request, parse_request(call.mechanism));
  ASSIGN_OR_RETURN(EvpMacCtxPtr ctx, new_hmac_ctx(call.provider, *request.hash, *key));
  return HmacState(std::move(ctx), request.output_length);
}

Result<std::unique_ptr<SignOperation>> make_hmac_sign(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(HmacState state, start_hmac(call, key));
  return std::unique_ptr<SignOperation>(std::make_unique<HmacSign>(std::move(state)));
}

Result<std::unique_ptr<VerifyOperation>> make_hmac_verify(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(HmacState state, start_hmac(call, key));
  return std::unique_ptr<VerifyOperation>(std::make_unique<HmacVerify>(std::move(state)));
}

// HMAC keys below 112 bits are not approved (SP 800-131A r2, SP 800-107).
constexpr CK_ULONG kApprovedMinKeyBytes = 14;

// Two rows per hash: the full-length mechanism and its _GENERAL variant. Keys:
// generic secrets and the hash's own HMAC key type.
#define CRATON_HMAC_ROW(mech, key_type, is_legacy)                                                     \
  MechanismEntry {                                                                                    \
    .type = mech, .name = #mech, .key_types = {CKK_GENERIC_SECRET, key_type}, .min_key_size = 1,      \
    .max_key_size = kMaxSecretKeyBytes, .flags = CKF_SIGN | CKF_VERIFY, .approved = !(is_legacy),     \
    .legacy = is_legacy, .approved_min_key_size = kApprovedMinKeyBytes, .sign = &make_hmac_sign,      \
    .verify = &make_hmac_verify                                                                       \
  }
#define CRATON_HMAC_ROWS(prefix, key_type, is_legacy) \
  CRATON_HMAC_ROW(prefix##_HMAC, key_type, is_legacy), CRATON_HMAC_ROW(prefix##_HMAC_GENERAL, key_type, is_legacy)

const MechanismEntry kHmacRows[] = {
    CRATON_HMAC_ROWS(CKM_SHA_1, CKK_SHA_1_HMAC, false),
    CRATON_HMAC_ROWS(CKM_SHA224, CKK_SHA224_HMAC, false),
    CRATON_HMAC_ROWS(CKM_SHA256, CKK_SHA256_HMAC, false),
    CRATON_HMAC_ROWS(CKM_SHA384, CKK_SHA384_HMAC, false),
    CRATON_HMAC_ROWS(CKM_SHA512, CKK_SHA512_HMAC, false),
#if defined(CKM_SHA512_224_HMAC) && defined(CKK_SHA512_224_HMAC)
    CRATON_HMAC_ROWS(CKM_SHA512_224, CKK_SHA512_224_HMAC, false),
#endif
#if defined(CKM_SHA512_256_HMAC) && defined(CKK_SHA512_256_HMAC)
    CRATON_HMAC_ROWS(CKM_SHA512_256, CKK_SHA512_256_HMAC, false),
#endif
    CRATON_HMAC_ROWS(CKM_SHA3_224, CKK_SHA3_224_HMAC, false),
    CRATON_HMAC_ROWS(CKM_SHA3_256, CKK_SHA3_256_HMAC, false),
    CRATON_HMAC_ROWS(CKM_SHA3_384, CKK_SHA3_384_HMAC, false),
    CRATON_HMAC_ROWS(CKM_SHA3_512, CKK_SHA3_512_HMAC, false),
    CRATON_HMAC_ROWS(CKM_MD5, CKK_MD5_HMAC, true),
    MechanismEntry{.type = CKM_GENERIC_SECRET_KEY_GEN, .name = "CKM_GENERIC_SECRET_KEY_GEN",
                   .key_types = {CKK_GENERIC_SECRET}, .min_key_size = 1, .max_key_size = kMaxSecretKeyBytes,
                   .flags = CKF_GENERATE, .generate_key = &generate_random_secret},
};

#undef CRATON_HMAC_ROWS
#undef CRATON_HMAC_ROW

}  // namespace

std::span<const MechanismEntry> hmac_mechanisms() { return kHmacRows; }

}  // namespace craton::crypto

// ML-DSA (FIPS 204, PKCS#11 3.2): key-pair generation (CKM_ML_DSA_KEY_PAIR_GEN)
// and pure ML-DSA signatures (CKM_ML_DSA) with the optional
// CK_SIGN_ADDITIONAL_CONTEXT: a context string and the hedged or
// deterministic signing variant.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/families.h"
#include "crypto/key_attributes.h"
#include "crypto/ml_dsa_key.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

// FIPS 204 §5.2: the context string is at most 255 bytes.
constexpr CK_ULONG kMaxContext = 255;
// Pure ML-DSA hashes the whole message with the public-key hash tr in front
// (OpenSSL 3.5 has no streaming interface for it), so multi-part input is
// collected; this caps the memory one operation can hold.
constexpr std::size_t kMaxMessage = std::size_t{256} << 20;

struct SigningOptions {
  Bytes context;
  bool deterministic = false;
};

// No parameter means hedged signing with an empty context (PKCS#11 3.2).
Result<SigningOptions> parse_options(const CK_MECHANISM& mech, bool signing) {
  ASSIGN_OR_RETURN(const CK_SIGN_ADDITIONAL_CONTEXT* params, mechanism_param<CK_SIGN_ADDITIONAL_CONTEXT>(mech));
  SigningOptions options;
  if (params == nullptr) return options;
  if (params->ulContextLen > kMaxContext) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "ML-DSA context longer than 255 bytes");
  }
  ASSIGN_OR_RETURN(ByteView context, param_buffer(params->pContext, params->ulContextLen));
  options.context = copy_bytes(context);
  if (!signing) return options;  // "On verification the hedgeVariant parameter is ignored."
  switch (params->hedgeVariant) {
    case CKH_HEDGE_PREFERRED:
    case CKH_HEDGE_REQUIRED:
      break;  // OpenSSL hedges by default, with fresh randomness from the module's DRBG
    case CKH_DETERMINISTIC_REQUIRED:
      options.deterministic = true;
      break;
    default:
      return Status(CKR_MECHANISM_PARAM_INVALID, "unknown ML-DSA hedgeVariant");
  }
  return options;
}

Result<const MlDsaParams*> check_ml_dsa_key(const KeyPtr& key, bool need_private) {
  const MlDsaParams* set = key && key->key_type == CKK_ML_DSA ? ml_dsa_params_of(key->pkey.get()) : nullptr;
  if (set == nullptr) return Status(CKR_KEY_TYPE_INCONSISTENT, "not an ML-DSA key");
  if (need_private && key->object_class != CKO_PRIVATE_KEY) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "operation needs the private key");
  }
  return set;
}

// An EVP_PKEY_CTX set up for one ML-DSA message signature or verification.
Result<PkeyCtxPtr> message_ctx(const Provider& provider, const Key& key, const MlDsaParams& set,
                               const SigningOptions& options, bool sign) {
  ASSIGN_OR_RETURN(PkeyCtxPtr ctx, new_pkey_ctx(provider, key.pkey.get()));
  int deterministic = options.deterministic ? 1 : 0;
  OSSL_PARAM params[3];
  std::size_t n = 0;
  // An empty context is OpenSSL's default; an empty octet string with a
  // null pointer would be refused by the parameter parser.
  if (!options.context.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_CONTEXT_STRING,
                                                    const_cast<std::uint8_t*>(options.context.data()),
                                                    options.context.size());
  }
  if (sign) params[n++] = OSSL_PARAM_construct_int(OSSL_SIGNATURE_PARAM_DETERMINISTIC, &deterministic);
  params[n] = OSSL_PARAM_construct_end();
  EVP_SIGNATURE* alg = EVP_SIGNATURE_fetch(provider.libctx(), set.openssl_name, nullptr);
  if (alg == nullptr) return openssl_error(CKR_FUNCTION_FAILED, "ML-DSA unavailable in the module's library context");
  const int ok = sign ? EVP_PKEY_sign_message_init(ctx.get(), alg, params)
                      : EVP_PKEY_verify_message_init(ctx.get(), alg, params);
  EVP_SIGNATURE_free(alg);
  if (ok != 1) return openssl_error(CKR_FUNCTION_FAILED, "ML-DSA init");
  return ctx;
}

class MlDsaSign final : public SignOperation {
 public:
  MlDsaSign(const Provider& provider, KeyPtr key, const MlDsaParams& set, SigningOptions options)
      : provider_(provider), key_(std::move(key)), set_(set), options_(std::move(options)),
        input_(SignatureInput::collecting(kMaxMessage, SignatureInput::Overflow::kError)) {}

  std::size_t signature_length() const override { return set_.signature_bytes; }
  Status update(ByteView part) override { return input_.update(part); }

  Status final(Bytes& signature) override {
    ASSIGN_OR_RETURN(SecureBytes message, input_.finish());
    ASSIGN_OR_RETURN(PkeyCtxPtr ctx, message_ctx(provider_, *key_, set_, options_, true));
    const std::size_t start = signature.size();
    std::size_t len = set_.signature_bytes;
    signature.resize(start + len);
    if (EVP_PKEY_sign(ctx.get(), signature.data() + start, &len, message.data(), message.size()) != 1) {
      signature.resize(start);
      return openssl_error(CKR_FUNCTION_FAILED, "ML-DSA sign");
    }
    signature.resize(start + len);
    return Status::Ok();
  }

 private:
  const Provider& provider_;
  KeyPtr key_;
  const MlDsaParams& set_;
  SigningOptions options_;
  SignatureInput input_;
};

class MlDsaVerify final : public VerifyOperation {
 public:
  MlDsaVerify(const Provider& provider, KeyPtr key, const MlDsaParams& set, SigningOptions options)
      : provider_(provider), key_(std::move(key)), set_(set), options_(std::move(options)),
        input_(SignatureInput::collecting(kMaxMessage, SignatureInput::Overflow::kError)) {}

  Status update(ByteView part) override { return input_.update(part); }

  Status final(ByteView signature) override {
    ASSIGN_OR_RETURN(SecureBytes message, input_.finish());
    if (signature.size() != set_.signature_bytes) {
      return Status(CKR_SIGNATURE_LEN_RANGE, "wrong ML-DSA signature length");
    }
    ASSIGN_OR_RETURN(PkeyCtxPtr ctx, message_ctx(provider_, *key_, set_, options_, false));
    if (EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) != 1) {
      return openssl_error(CKR_SIGNATURE_INVALID, "ML-DSA verify");
    }
    return Status::Ok();
  }

 private:
  const Provider& provider_;
  KeyPtr key_;
  const MlDsaParams& set_;
  SigningOptions options_;
  SignatureInput input_;
};

Result<std::unique_ptr<SignOperation>> make_sign(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(const MlDsaParams* set, check_ml_dsa_key(key, true));
  ASSIGN_OR_RETURN(SigningOptions options, parse_options(call.mechanism, true));
  return std::unique_ptr<SignOperation>(new MlDsaSign(call.provider, key, *set, std::move(options)));
}

Result<std::unique_ptr<VerifyOperation>> make_verify(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(const MlDsaParams* set, check_ml_dsa_key(key, false));
  ASSIGN_OR_RETURN(SigningOptions options, parse_options(call.mechanism, false));
  return std::unique_ptr<VerifyOperation>(new MlDsaVerify(call.provider, key, *set, std::move(options)));
}

// The parameter set comes from the public template (PKCS#11 3.2: the private
// template does not carry it; a copy there is overwritten with the real one).
Status generate_key_pair(const MechanismCall& call, const AttributeMap& public_tmpl, const AttributeMap&,
                         AttributeMap& public_out, AttributeMap& private_out) {
  if (call.mechanism.pParameter != nullptr || call.mechanism.ulParameterLen != 0) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "CKM_ML_DSA_KEY_PAIR_GEN takes no parameter");
  }
  ASSIGN_OR_RETURN(const MlDsaParams* set, ml_dsa_params(public_tmpl));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(call.provider.libctx(), set->openssl_name, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, "ML-DSA key generation");
  }
  EvpPkeyPtr pkey(raw);
  RETURN_IF_ERROR(export_ml_dsa_public(pkey.get(), public_out));
  RETURN_IF_ERROR(export_ml_dsa_private(pkey.get(), private_out));
  // The mechanism contributes CKA_SEED (PKCS#11 3.2); OpenSSL keeps the seed
  // of keys it generates unless configured otherwise, which we never do.
  if (!private_out.has(CKA_SEED)) return Status(CKR_FUNCTION_FAILED, "ML-DSA seed not retained");
  return Status::Ok();
}

// Sizes in CK_MECHANISM_INFO are public-key lengths in bytes (PKCS#11 3.2).
// ML-DSA is approved (FIPS 204), so approved-only mode keeps these rows.
const MechanismEntry kRows[] = {
    {.type = CKM_ML_DSA_KEY_PAIR_GEN, .name = "CKM_ML_DSA_KEY_PAIR_GEN", .key_types = {CKK_ML_DSA},
     .min_key_size = kMlDsaMinPublicBytes, .max_key_size = kMlDsaMaxPublicBytes, .flags = CKF_GENERATE_KEY_PAIR,
     .pqc = true, .generate_key_pair = generate_key_pair},
    {.type = CKM_ML_DSA, .name = "CKM_ML_DSA", .key_types = {CKK_ML_DSA}, .min_key_size = kMlDsaMinPublicBytes,
     .max_key_size = kMlDsaMaxPublicBytes, .flags = CKF_SIGN | CKF_VERIFY, .pqc = true, .sign = make_sign,
     .verify = make_verify},
};

}  // namespace

std::span<const MechanismEntry> ml_dsa_mechanisms() { return kRows; }

}  // namespace craton::crypto

// Post-quantum sign/verify operations (see pq_sign.h).
#include "crypto/pq_sign.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/key_attributes.h"
#include "crypto/pq_prehash.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

// Caps the memory one pure-signature operation can hold.
constexpr std::size_t kMaxMessage = std::size_t{256} << 20;

// The input of one operation, turned into what OpenSSL signs: M for pure
// signatures (OpenSSL adds 0x00 || len(ctx) || ctx), M' for pre-hash ones.
class SignedMessage {
 public:
  static Result<SignedMessage> start(const Provider& provider, const PqSignatureRequest& request) {
    if (request.prehash != nullptr && !request.caller_hashes) {
      ASSIGN_OR_RETURN(SignatureInput hashing, start_prehash(provider, *request.prehash));
      return SignedMessage(request, std::move(hashing));
    }
    // A caller's PH(M) longer than the hash is refused at finish().
    const std::size_t limit = request.caller_hashes ? request.prehash->output_bytes : kMaxMessage;
    return SignedMessage(request, SignatureInput::collecting(limit, SignatureInput::Overflow::kError));
  }

  Status update(ByteView part) { return input_.update(part); }

  Result<SecureBytes> finish() {
    ASSIGN_OR_RETURN(SecureBytes data, input_.finish());
    if (request_.prehash == nullptr) return data;
    if (request_.caller_hashes && data.size() != request_.prehash->output_bytes) {
      return Status(CKR_DATA_LEN_RANGE, "the data must be a hash of the length the parameter names");
    }
    const Bytes prime = prehash_message(*request_.prehash, request_.context, data);
    return SecureBytes(prime.begin(), prime.end());
  }

  const PqSignatureRequest& request() const { return request_; }

 private:
  SignedMessage(const PqSignatureRequest& request, SignatureInput input)
      : request_(request), input_(std::move(input)) {}

  PqSignatureRequest request_;
  SignatureInput input_;
};

// An EVP_PKEY_CTX set up for one signature or verification.
Result<PkeyCtxPtr> signature_ctx(const Provider& provider, const Key& key, const PqSignatureAlgorithm& algorithm,
                                 const PqSignatureRequest& request, bool sign) {
  ASSIGN_OR_RETURN(PkeyCtxPtr ctx, new_pkey_ctx(provider, key.pkey.get()));
  int deterministic = request.deterministic ? 1 : 0;
  int raw_encoding = 0;
  OSSL_PARAM params[3];
  std::size_t n = 0;
  if (request.prehash != nullptr) {
    // M' already carries the context: OpenSSL must sign it as given.
    params[n++] = OSSL_PARAM_construct_int(OSSL_SIGNATURE_PARAM_MESSAGE_ENCODING, &raw_encoding);
  } else if (!request.context.empty()) {
    // An empty context is OpenSSL's default; an empty octet string with a
    // null pointer would be refused by the parameter parser.
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_CONTEXT_STRING,
                                                    const_cast<std::uint8_t*>(request.context.data()),
                                                    request.context.size());
  }
  if (sign) params[n++] = OSSL_PARAM_construct_int(OSSL_SIGNATURE_PARAM_DETERMINISTIC, &deterministic);
  params[n] = OSSL_PARAM_construct_end();
  EVP_SIGNATURE* alg = EVP_SIGNATURE_fetch(provider.libctx(), algorithm.openssl_name, nullptr);
  if (alg == nullptr) return openssl_error(CKR_FUNCTION_FAILED, "signature algorithm unavailable");
  const int ok = sign ? EVP_PKEY_sign_message_init(ctx.get(), alg, params)
                      : EVP_PKEY_verify_message_init(ctx.get(), alg, params);
  EVP_SIGNATURE_free(alg);
  if (ok != 1) return openssl_error(CKR_FUNCTION_FAILED, "signature init");
  return ctx;
}

class PqSign final : public SignOperation {
 public:
  PqSign(const Provider& provider, KeyPtr key, const PqSignatureAlgorithm& algorithm, SignedMessage message)
      : provider_(provider), key_(std::move(key)), algorithm_(algorithm), message_(std::move(message)) {}

  std::size_t signature_length() const override { return algorithm_.signature_bytes; }
  Status update(ByteView part) override { return message_.update(part); }

  Status final(Bytes& signature) override {
    ASSIGN_OR_RETURN(SecureBytes message, message_.finish());
    ASSIGN_OR_RETURN(PkeyCtxPtr ctx, signature_ctx(provider_, *key_, algorithm_, message_.request(), true));
    const std::size_t start = signature.size();
    std::size_t len = algorithm_.signature_bytes;
    signature.resize(start + len);
    if (EVP_PKEY_sign(ctx.get(), signature.data() + start, &len, message.data(), message.size()) != 1) {
      signature.resize(start);
      return openssl_error(CKR_FUNCTION_FAILED, "post-quantum sign");
    }
    signature.resize(start + len);
    return Status::Ok();
  }

 private:
  const Provider& provider_;
  KeyPtr key_;
  PqSignatureAlgorithm algorithm_;
  SignedMessage message_;
};

class PqVerify final : public VerifyOperation {
 public:
  PqVerify(const Provider& provider, KeyPtr key, const PqSignatureAlgorithm& algorithm, SignedMessage message)
      : provider_(provider), key_(std::move(key)), algorithm_(algorithm), message_(std::move(message)) {}

  Status update(ByteView part) override { return message_.update(part); }

  Status final(ByteView signature) override {
    ASSIGN_OR_RETURN(SecureBytes message, message_.finish());
    if (signature.size() != algorithm_.signature_bytes) {
      return Status(CKR_SIGNATURE_LEN_RANGE, "wrong signature length for the parameter set");
    }
    ASSIGN_OR_RETURN(PkeyCtxPtr ctx, signature_ctx(provider_, *key_, algorithm_, message_.request(), false));
    if (EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) != 1) {
      return openssl_error(CKR_SIGNATURE_INVALID, "post-quantum verify");
    }
    return Status::Ok();
  }

 private:
  const Provider& provider_;
  KeyPtr key_;
  PqSignatureAlgorithm algorithm_;
  SignedMessage message_;
};

}  // namespace

Result<std::unique_ptr<SignOperation>> make_pq_sign(const MechanismCall& call, const KeyPtr& key,
                                                    const PqSignatureAlgorithm& algorithm) {
  ASSIGN_OR_RETURN(PqSignatureRequest request, parse_pq_signature_mechanism(call.mechanism, true));
  ASSIGN_OR_RETURN(SignedMessage message, SignedMessage::start(call.provider, request));
  return std::unique_ptr<SignOperation>(new PqSign(call.provider, key, algorithm, std::move(message)));
}

Result<std::unique_ptr<VerifyOperation>> make_pq_verify(const MechanismCall& call, const KeyPtr& key,
                                                        const PqSignatureAlgorithm& algorithm) {
  ASSIGN_OR_RETURN(PqSignatureRequest request, parse_pq_signature_mechanism(call.mechanism, false));
  ASSIGN_OR_RETURN(SignedMessage message, SignedMessage::start(call.provider, request));
  return std::unique_ptr<VerifyOperation>(new PqVerify(call.provider, key, algorithm, std::move(message)));
}

}  // namespace craton::crypto

// Power-on known-answer tests of the post-quantum algorithms, with ACVP
// vectors (self_test_pqc_vectors.h): ML-KEM-768 decapsulation (FIPS 203),
// ML-DSA-44 deterministic signing and verification (FIPS 204), SLH-DSA-SHA2-128s
// verification (FIPS 205). Keys are imported raw, as the vectors give them.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/key.h"
#include "crypto/key_attributes.h"
#include "crypto/provider.h"
#include "crypto/self_test_internal.h"
#include "crypto/self_test_pqc_vectors.h"

namespace craton::crypto::kat {
namespace {

using namespace pqc;

// Message-signing parameters: the context string, and for signing the
// deterministic variant (no fresh randomness, so the output is the vector's).
struct SigningParams {
  explicit SigningParams(ByteView context, bool deterministic) : deterministic_(deterministic ? 1 : 0) {
    params_[0] = OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_CONTEXT_STRING,
                                                   const_cast<std::uint8_t*>(context.data()), context.size());
    params_[1] = OSSL_PARAM_construct_int(OSSL_SIGNATURE_PARAM_DETERMINISTIC, &deterministic_);
    params_[2] = OSSL_PARAM_construct_end();
  }
  const OSSL_PARAM* get() const { return params_; }

 private:
  int deterministic_;
  OSSL_PARAM params_[3];
};

bool verify_message(const Provider& provider, EVP_PKEY* key, const char* algorithm, ByteView context,
                    ByteView message, ByteView signature) {
  EVP_SIGNATURE* sig = EVP_SIGNATURE_fetch(provider.libctx(), algorithm, nullptr);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(provider.libctx(), key, nullptr));
  const SigningParams params(context, false);
  const bool ok = sig != nullptr && ctx && EVP_PKEY_verify_message_init(ctx.get(), sig, params.get()) == 1 &&
                  EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
  EVP_SIGNATURE_free(sig);
  return ok;
}

bool ml_kem_768_decapsulate(const Provider& provider, bool corrupt) {
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key_ex(provider.libctx(), "ML-KEM-768", nullptr,
                                                 kMlKem768DecapsulationKey.data(), kMlKem768DecapsulationKey.size()));
  if (!key) return false;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(provider.libctx(), key.get(), nullptr));
  // A corrupted ciphertext is rejected implicitly: a different secret, not an error.
  const Bytes ciphertext = input_copy(kMlKem768Ciphertext, corrupt);
  std::uint8_t secret[32];
  std::size_t secret_len = sizeof secret;
  if (!ctx || EVP_PKEY_decapsulate_init(ctx.get(), nullptr) != 1 ||
      EVP_PKEY_decapsulate(ctx.get(), secret, &secret_len, ciphertext.data(), ciphertext.size()) != 1) {
    return false;
  }
  return matches(ByteView(secret, secret_len), kMlKem768SharedSecret);
}

bool ml_dsa_44_sign_verify(const Provider& provider, bool corrupt) {
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key_ex(provider.libctx(), "ML-DSA-44", nullptr, kMlDsa44PrivateKey.data(),
                                                 kMlDsa44PrivateKey.size()));
  EVP_SIGNATURE* alg = EVP_SIGNATURE_fetch(provider.libctx(), "ML-DSA-44", nullptr);
  PkeyCtxPtr ctx(key ? EVP_PKEY_CTX_new_from_pkey(provider.libctx(), key.get(), nullptr) : nullptr);
  const Bytes message = input_copy(kMlDsa44Message, corrupt);
  const SigningParams params(kMlDsa44Context, true);
  Bytes signature(kMlDsa44Signature.size());
  std::size_t signature_len = signature.size();
  const bool signed_ok = alg != nullptr && ctx && EVP_PKEY_sign_message_init(ctx.get(), alg, params.get()) == 1 &&
                         EVP_PKEY_sign(ctx.get(), signature.data(), &signature_len, message.data(), message.size()) == 1;
  EVP_SIGNATURE_free(alg);
  if (!signed_ok) return false;
  signature.resize(signature_len);
  // The public key the module derived from the private one must accept it too.
  return matches(signature, kMlDsa44Signature) &&
         verify_message(provider, key.get(), "ML-DSA-44", kMlDsa44Context, message, signature);
}

bool slh_dsa_sha2_128s_verify(const Provider& provider, bool corrupt) {
  EvpPkeyPtr key(EVP_PKEY_new_raw_public_key_ex(provider.libctx(), "SLH-DSA-SHA2-128s", nullptr,
                                                kSlhDsaSha2128sPublicKey.data(), kSlhDsaSha2128sPublicKey.size()));
  if (!key) return false;
  const Bytes message = input_copy(kSlhDsaSha2128sMessage, corrupt);
  return verify_message(provider, key.get(), "SLH-DSA-SHA2-128s", kSlhDsaSha2128sContext, message,
                        kSlhDsaSha2128sSignature);
}

constexpr KnownAnswerTest kTests[] = {
    {"ML-KEM-768-decapsulate", ml_kem_768_decapsulate},
    {"ML-DSA-44-sign-verify", ml_dsa_44_sign_verify},
    {"SLH-DSA-SHA2-128s-verify", slh_dsa_sha2_128s_verify},
};

}  // namespace

std::span<const KnownAnswerTest> post_quantum_tests() { return kTests; }

}  // namespace craton::crypto::kat

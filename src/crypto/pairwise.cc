// Pairwise-consistency tests of generated key pairs (see pairwise.h).
#include "crypto/pairwise.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <string_view>

#include "core/test_faults.h"
#include "crypto/key_attributes.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

enum class Method {
  kSignWithSha256,  // RSA, EC: hash-and-sign
  kSignPure,        // EdDSA, ML-DSA, SLH-DSA: the message itself
  kAgreement,       // X25519, X448
  kKem,             // ML-KEM, the X25519+ML-KEM-768 hybrid
};

struct PairwiseMethod {
  std::string_view algorithm;  // OpenSSL key type name, or a prefix of it
  bool prefix;                 // matches every parameter set of a family
  Method method;
};

// One row per algorithm family. SLH-DSA signing is slow (the "s" parameter
// sets take a large fraction of a second), but FIPS 140-3 requires the test
// for it as for any signature key pair.
constexpr PairwiseMethod kMethods[] = {
    {"RSA", false, Method::kSignWithSha256},   {"RSA-PSS", false, Method::kSignWithSha256},
    {"EC", false, Method::kSignWithSha256},    {"ED25519", false, Method::kSignPure},
    {"ED448", false, Method::kSignPure},       {"X25519", false, Method::kAgreement},
    {"X448", false, Method::kAgreement},       {"ML-DSA-", true, Method::kSignPure},
    {"SLH-DSA-", true, Method::kSignPure},     {"ML-KEM-", true, Method::kKem},
    {"X25519MLKEM768", false, Method::kKem},
};

constexpr char kMessage[] = "Craton HSM pairwise consistency test";

const PairwiseMethod* method_of(const EVP_PKEY* pkey) {
  const char* name = EVP_PKEY_get0_type_name(pkey);
  if (name == nullptr) return nullptr;
  const std::string_view type(name);
  for (const PairwiseMethod& m : kMethods) {
    if (m.prefix ? type.starts_with(m.algorithm) : type == m.algorithm) return &m;
  }
  return nullptr;
}

Status failed(const char* what) {
  ERR_clear_error();  // a failed PCT must not leave errors for unrelated calls
  return Status(CKR_GENERAL_ERROR, std::string("pairwise consistency test failed: ") + what);
}

// Fault injection (Debug builds only): damage one byte of `data`.
void maybe_corrupt(std::uint8_t* data, std::size_t len) {
  if (len != 0 && kTestFaultsCompiledIn && test_fault("pairwise")) data[0] ^= 0x01;
}

Status sign_and_verify(const Provider& provider, EVP_PKEY* pub, EVP_PKEY* priv, const char* md) {
  const auto* message = reinterpret_cast<const std::uint8_t*>(kMessage);
  const std::size_t message_len = sizeof kMessage - 1;
  MdCtxPtr sign_ctx(EVP_MD_CTX_new());
  MdCtxPtr verify_ctx(EVP_MD_CTX_new());
  if (!sign_ctx || !verify_ctx) return Status(CKR_HOST_MEMORY, "EVP_MD_CTX_new");
  std::size_t len = 0;
  if (EVP_DigestSignInit_ex(sign_ctx.get(), nullptr, md, provider.libctx(), nullptr, priv, nullptr) != 1 ||
      EVP_DigestSign(sign_ctx.get(), nullptr, &len, message, message_len) != 1) {
    return failed("cannot sign");
  }
  Bytes signature(len);
  if (EVP_DigestSign(sign_ctx.get(), signature.data(), &len, message, message_len) != 1) {
    return failed("cannot sign");
  }
  signature.resize(len);
  maybe_corrupt(signature.data(), signature.size());
  if (EVP_DigestVerifyInit_ex(verify_ctx.get(), nullptr, md, provider.libctx(), nullptr, pub, nullptr) != 1 ||
      EVP_DigestVerify(verify_ctx.get(), signature.data(), signature.size(), message, message_len) != 1) {
    return failed("the public key does not verify the private key's signature");
  }
  return Status::Ok();
}

// The shared secret of `own` (private) with `peer` (public); empty on failure.
SecureBytes derive(const Provider& provider, EVP_PKEY* own, EVP_PKEY* peer) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(provider.libctx(), own, nullptr));
  std::size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, 1) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return {};
  }
  SecureBytes secret(len);
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1) return {};
  secret.resize(len);
  return secret;
}

Status agree_both_ways(const Provider& provider, EVP_PKEY* pub, EVP_PKEY* priv) {
  // An ephemeral peer of the same curve, from the module's DRBG.
  EvpPkeyPtr peer(EVP_PKEY_Q_keygen(provider.libctx(), nullptr, EVP_PKEY_get0_type_name(priv)));
  if (!peer) return failed("cannot generate an ephemeral peer");
  SecureBytes ours = derive(provider, priv, peer.get());
  const SecureBytes theirs = derive(provider, peer.get(), pub);
  if (ours.empty() || theirs.empty()) return failed("key agreement failed");
  maybe_corrupt(ours.data(), ours.size());
  if (!constant_time_equal(ours, theirs)) return failed("the two sides of a key agreement differ");
  return Status::Ok();
}

Status encapsulate_and_decapsulate(const Provider& provider, EVP_PKEY* pub, EVP_PKEY* priv) {
  PkeyCtxPtr enc(EVP_PKEY_CTX_new_from_pkey(provider.libctx(), pub, nullptr));
  PkeyCtxPtr dec(EVP_PKEY_CTX_new_from_pkey(provider.libctx(), priv, nullptr));
  std::size_t wrapped_len = 0;
  std::size_t secret_len = 0;
  if (!enc || !dec || EVP_PKEY_encapsulate_init(enc.get(), nullptr) != 1 ||
      EVP_PKEY_encapsulate(enc.get(), nullptr, &wrapped_len, nullptr, &secret_len) != 1) {
    return failed("cannot encapsulate");
  }
  Bytes wrapped(wrapped_len);
  SecureBytes sent(secret_len);
  if (EVP_PKEY_encapsulate(enc.get(), wrapped.data(), &wrapped_len, sent.data(), &secret_len) != 1) {
    return failed("cannot encapsulate");
  }
  SecureBytes received(sent.size());
  std::size_t received_len = received.size();
  if (EVP_PKEY_decapsulate_init(dec.get(), nullptr) != 1 ||
      EVP_PKEY_decapsulate(dec.get(), received.data(), &received_len, wrapped.data(), wrapped_len) != 1) {
    return failed("cannot decapsulate");
  }
  received.resize(received_len);
  maybe_corrupt(received.data(), received.size());
  // ML-KEM decapsulation never fails on a wrong key: it returns an implicit
  // rejection secret, which is what this comparison catches.
  if (!constant_time_equal(sent, received)) return failed("decapsulation does not recover the secret");
  return Status::Ok();
}

}  // namespace

Status pairwise_consistency_test(const Provider& provider, const Key& public_key, const Key& private_key) {
  if (public_key.object_class != CKO_PUBLIC_KEY || private_key.object_class != CKO_PRIVATE_KEY ||
      !public_key.pkey || !private_key.pkey || public_key.key_type != private_key.key_type) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "pairwise test needs a public and a private key of one type");
  }
  EVP_PKEY* pub = public_key.pkey.get();
  EVP_PKEY* priv = private_key.pkey.get();
  const PairwiseMethod* method = method_of(priv);
  const char* type = EVP_PKEY_get0_type_name(priv);
  if (method == nullptr || type == nullptr || !EVP_PKEY_is_a(pub, type)) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "no pairwise test for this key pair");
  }
  switch (method->method) {
    case Method::kSignWithSha256: return sign_and_verify(provider, pub, priv, "SHA2-256");
    case Method::kSignPure: return sign_and_verify(provider, pub, priv, nullptr);
    case Method::kAgreement: return agree_both_ways(provider, pub, priv);
    case Method::kKem: return encapsulate_and_decapsulate(provider, pub, priv);
  }
  return Status(CKR_KEY_TYPE_INCONSISTENT, "no pairwise test for this key pair");
}

}  // namespace craton::crypto

#include "openssl_kem.h"

#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

namespace abi_test::ossl {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;

PkeyPtr load(const std::string& algorithm, const std::string& param, const Bytes& value, int selection) {
  CtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, algorithm.c_str(), nullptr));
  Bytes copy = value;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(param.c_str(), copy.data(), copy.size()),
                         OSSL_PARAM_construct_end()};
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 || EVP_PKEY_fromdata(ctx.get(), &raw, selection, params) != 1) {
    throw std::runtime_error("OpenSSL refused the " + algorithm + " key (" + param + ")");
  }
  return PkeyPtr(raw);
}

}  // namespace

Bytes kem_encapsulate(const std::string& algorithm, const Bytes& public_key, Bytes& ciphertext) {
  PkeyPtr key = load(algorithm, "pub", public_key, EVP_PKEY_PUBLIC_KEY);
  CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  std::size_t ct_len = 0, secret_len = 0;
  if (!ctx || EVP_PKEY_encapsulate_init(ctx.get(), nullptr) != 1 ||
      EVP_PKEY_encapsulate(ctx.get(), nullptr, &ct_len, nullptr, &secret_len) != 1) {
    throw std::runtime_error("OpenSSL encapsulation init");
  }
  ciphertext.assign(ct_len, 0);
  Bytes secret(secret_len);
  if (EVP_PKEY_encapsulate(ctx.get(), ciphertext.data(), &ct_len, secret.data(), &secret_len) != 1) {
    throw std::runtime_error("OpenSSL encapsulation");
  }
  ciphertext.resize(ct_len);
  secret.resize(secret_len);
  return secret;
}

Bytes kem_decapsulate(const std::string& algorithm, const std::string& param, const Bytes& private_key,
                      const Bytes& ciphertext) {
  PkeyPtr key = load(algorithm, param, private_key, EVP_PKEY_KEYPAIR);
  CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  std::size_t secret_len = 0;
  if (!ctx || EVP_PKEY_decapsulate_init(ctx.get(), nullptr) != 1 ||
      EVP_PKEY_decapsulate(ctx.get(), nullptr, &secret_len, ciphertext.data(), ciphertext.size()) != 1) {
    throw std::runtime_error("OpenSSL decapsulation init");
  }
  Bytes secret(secret_len);
  if (EVP_PKEY_decapsulate(ctx.get(), secret.data(), &secret_len, ciphertext.data(), ciphertext.size()) != 1) {
    throw std::runtime_error("OpenSSL decapsulation");
  }
  secret.resize(secret_len);
  return secret;
}

Bytes x25519_shared_secret(const Bytes& private_key, const Bytes& peer_public_key) {
  PkeyPtr mine(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(), private_key.size()));
  PkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public_key.data(), peer_public_key.size()));
  if (!mine || !peer) throw std::runtime_error("OpenSSL refused an X25519 key");
  CtxPtr ctx(EVP_PKEY_CTX_new(mine.get(), nullptr));
  std::size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    throw std::runtime_error("OpenSSL X25519 init");
  }
  Bytes secret(len);
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1) throw std::runtime_error("OpenSSL X25519");
  secret.resize(len);
  return secret;
}

}  // namespace abi_test::ossl

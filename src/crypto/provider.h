// Provider: the module's private OpenSSL library context.
//
// Every EVP call in Craton HSM passes provider.libctx() (and a NULL property
// query) so that the host process's OpenSSL configuration can never reach us
// (DESIGN.md §1). One Provider is owned by HsmCore and passed by reference.
#pragma once

#include <memory>
#include <span>

#include "core/bytes.h"
#include "core/status.h"

typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;
typedef struct evp_md_st EVP_MD;
typedef struct evp_cipher_st EVP_CIPHER;
typedef struct evp_mac_st EVP_MAC;

namespace craton::crypto {

class Provider {
 public:
  // Creates a fresh library context with the default provider loaded and
  // the module's DRBG (drbg.h) installed as the context's DRBG.
  static Result<std::unique_ptr<Provider>> create();
  ~Provider();
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  OSSL_LIB_CTX* libctx() const { return ctx_; }

  // Fills `out` from the module's DRBG. CKR_GENERAL_ERROR once the DRBG is
  // unhealthy (see healthy()), including when this very call makes it so.
  Status random(std::span<std::uint8_t> out) const;
  // Mixes caller-supplied input into the DRBG (C_SeedRandom): a reseed of
  // the primary DRBG with the input as additional input; every later output
  // of every thread depends on it. CKR_GENERAL_ERROR once unhealthy.
  Status add_seed(ByteView seed) const;
  // False forever once the DRBG has failed: a repeated output block (the
  // continuous health test), a failed entropy read or a failed generate,
  // anywhere in this context — including inside OpenSSL's own key
  // generation. The core latches its error state on it.
  bool healthy() const noexcept;

  // The digest `name` (an OpenSSL name such as "SHA2-256") fetched from this
  // Provider's library context, or nullptr if the context has no such digest.
  // Fetched once and kept until the Provider dies; safe from any thread. The
  // pointer is owned by the Provider: do not free it.
  const EVP_MD* md(const char* name) const;
  // The same for ciphers ("AES-256-GCM", ...) and MACs ("HMAC", "CMAC").
  const EVP_CIPHER* cipher(const char* name) const;
  const EVP_MAC* mac(const char* name) const;

 private:
  explicit Provider(OSSL_LIB_CTX* ctx);  // in provider.cc: Resources is incomplete here
  OSSL_LIB_CTX* ctx_;

  // ---- Owned OpenSSL objects (provider.cc) ------------------------------------
  // The loaded default and craton-drbg providers (unloaded before the
  // context is freed), the DRBG's health latch, and the digest cache behind
  // md(): common digests are fetched in create() into
  // an immutable table read without locking; any other name is fetched on
  // first use under a mutex.
  struct Resources;
  std::unique_ptr<Resources> resources_;
};

}  // namespace craton::crypto

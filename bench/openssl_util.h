// Helpers shared by the OpenSSL baseline files (openssl_baseline.cc,
// openssl_pqc.cc): owning pointers and OpenSSL errors as a Status.
#pragma once

#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "bench_types.h"

namespace bench::ossl {

using PKey = std::shared_ptr<EVP_PKEY>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

// An OpenSSL failure as a non-zero Status (the packed error code).
inline Status failure() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  return e != 0 ? e : 1;
}
inline Status status(bool ok) { return ok ? 0 : failure(); }

[[noreturn]] inline void setup_failed(const std::string& what) {
  throw CaseError(Outcome::failed, failure(), "OpenSSL " + what);
}

inline PKey adopt(EVP_PKEY* k, const std::string& what) {
  if (!k) setup_failed(what);
  return PKey(k, EVP_PKEY_free);
}

// A fresh EVP_PKEY_CTX for one operation, as a module's C_*Init builds one.
inline PkeyCtx pkey_ctx(const PKey& key) {
  return PkeyCtx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), EVP_PKEY_CTX_free);
}

}  // namespace bench::ossl

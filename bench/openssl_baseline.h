// The same crypto as the PKCS#11 cases, done directly with OpenSSL EVP: the
// upper limit a module built on OpenSSL can approach.
#pragma once

#include <vector>

#include "bench_types.h"

namespace bench::ossl {

// Every case whose name matches a PKCS#11 crypto or keygen case. Keys live in
// memory; each operation builds a fresh EVP context, as a module's C_*Init would.
std::vector<Case> openssl_cases();

// The post-quantum part of openssl_cases() (openssl_pqc.cc).
std::vector<Case> pqc_cases();

}  // namespace bench::ossl

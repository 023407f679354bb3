// Independent key encapsulation with OpenSSL 3.5 (default library context,
// in the test process): secrets the module establishes are checked against
// OpenSSL's encapsulation and decapsulation, never through the module.
#pragma once

#include <string>

#include "module_fixture.h"

namespace abi_test::ossl {

// `algorithm` is OpenSSL's key name ("ML-KEM-768", "X25519MLKEM768", ...);
// every failure throws std::runtime_error.

// Encapsulates to `public_key`; returns the secret and fills `ciphertext`.
Bytes kem_encapsulate(const std::string& algorithm, const Bytes& public_key, Bytes& ciphertext);
// Decapsulates with a private key given as `param` ("seed" or "priv").
Bytes kem_decapsulate(const std::string& algorithm, const std::string& param, const Bytes& private_key,
                      const Bytes& ciphertext);

// X25519 (RFC 7748) between a raw private key and a raw peer public key.
Bytes x25519_shared_secret(const Bytes& private_key, const Bytes& peer_public_key);

}  // namespace abi_test::ossl

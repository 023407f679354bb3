// Key material as opaque octet strings through OpenSSL's parameter
// interface: the families whose PKCS#11 form is one encoding (ML-KEM,
// ML-DSA, SLH-DSA, the X25519+ML-KEM-768 hybrid) import and export here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/status.h"
#include "crypto/key.h"

namespace craton::crypto {

class Provider;

// An EVP_PKEY of `algorithm` ("ML-KEM-768", ...) from one octet-string
// parameter `param` (OSSL_PKEY_PARAM_PUB_KEY, _PRIV_KEY, a seed) for
// `selection` (EVP_PKEY_PUBLIC_KEY or EVP_PKEY_KEYPAIR). OpenSSL derives the
// rest and checks what it can; a refusal is CKR_ATTRIBUTE_VALUE_INVALID
// naming `what`.
Result<EvpPkeyPtr> pkey_from_octets(const Provider& provider, const char* algorithm, int selection, const char* param,
                                    ByteView value, const std::string& what);

// The octet-string parameter `param` of exactly `size` bytes, or nullopt when
// the key does not have it (a private key imported without its seed).
std::optional<SecureBytes> pkey_octets(const EVP_PKEY* pkey, const char* param, std::size_t size);

// CKR_ATTRIBUTE_VALUE_INVALID unless `value` has `want` bytes; the message
// names `what` and both lengths.
Status check_octet_length(ByteView value, std::size_t want, const std::string& what);

}  // namespace craton::crypto

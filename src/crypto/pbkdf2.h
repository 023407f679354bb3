// Key derivation for the module's own use (PIN hashing, key-encryption keys),
// outside the PKCS#11 mechanism rows. Implemented in kdf.cc with the same
// OpenSSL code path as CKM_PKCS5_PBKD2 and CKM_HKDF_DERIVE.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/status.h"

namespace craton::crypto {

class Provider;

// PBKDF2 (RFC 8018) with HMAC-SHA-256. The function enforces only what the
// algorithm needs (iterations >= 1, 1 <= out_len <= 512 bytes): the policy
// (>= 100,000 iterations, 16-byte random salt, DESIGN.md §4) is the caller's.
// CKR_ARGUMENTS_BAD on impossible arguments, CKR_FUNCTION_FAILED if OpenSSL fails.
Result<SecureBytes> pbkdf2_hmac_sha256(const Provider& provider, ByteView password, ByteView salt,
                                       std::uint32_t iterations, std::size_t out_len);

// HKDF (RFC 5869) extract-and-expand with SHA-256. An empty salt means the
// RFC's default (HashLen zero bytes). 1 <= out_len <= 255 * 32, info at most
// 32 KiB, else CKR_ARGUMENTS_BAD.
Result<SecureBytes> hkdf_sha256(const Provider& provider, ByteView ikm, ByteView salt, ByteView info,
                                std::size_t out_len);

}  // namespace craton::crypto

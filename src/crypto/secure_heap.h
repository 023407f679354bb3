// The OpenSSL secure heap of the module's private libcrypto.
//
// OpenSSL keeps private-key numbers in its "secure heap" when one is set up:
// a fixed arena that is mlock'ed, MADV_DONTDUMP'd, fenced by guard pages and
// cleansed on free. It is off until CRYPTO_secure_malloc_init is called. Our
// libcrypto is a private static copy with hidden symbols (DESIGN.md §1), so
// this changes nothing for the host's own OpenSSL.
//
// What goes there in OpenSSL 3.5 (measured in secure_heap_test.cc and while
// writing it): EC scalars (generated or imported with EVP_PKEY_fromdata),
// X25519/X448/Ed25519/Ed448 private keys, generated RSA keys and RSA keys
// decoded from DER, and the DRBG state. Not there: RSA numbers imported with
// EVP_PKEY_fromdata (OpenSSL copies them into ordinary BIGNUMs) and ML-DSA /
// ML-KEM keys; those stay in OpenSSL's ordinary heap, cleansed on free.
#pragma once

#include <cstddef>

namespace craton::crypto {

// Arena size and smallest block (both powers of two, as OpenSSL requires).
//
// 1 MiB: the arena is a fixed buddy allocator; when it is full, OpenSSL fails
// the allocation (a key cannot be loaded or generated) instead of falling
// back to the ordinary heap. 1 MiB holds about 1,100 live RSA-2048 private
// keys (896 bytes each) or 30,000 P-256/Ed25519 scalars (32 bytes) at once,
// plus the DRBG state (~0.5 KiB), and takes one eighth of the usual 8 MiB
// RLIMIT_MEMLOCK, leaving the rest to the secure pool behind SecureBytes.
// Untouched pages cost no RAM (OpenSSL locks the arena on fault).
// 32 bytes: a 256-bit scalar (four 64-bit limbs) fills one block exactly;
// a smaller minimum would only double the arena's bitmaps (2 bits per
// block, 16 KiB in total at 32) for allocations that do not occur.
inline constexpr std::size_t kSecureHeapBytes = std::size_t{1} << 20;
inline constexpr std::size_t kSecureHeapMinBlock = 32;

enum class SecureHeapState {
  kNotInitialized,
  kLocked,          // arena set up, locked and excluded from core dumps
  kUnprotected,     // arena set up, but mlock/madvise/guard pages failed (warned)
  kUnavailable,     // no arena: secrets use OpenSSL's ordinary, cleansed heap (warned)
  kSetUpElsewhere,  // set up earlier by other code in the process; protection unknown
};

// Sets up the secure heap once per process; later calls do nothing.
// Thread-safe, but call it before any OpenSSL key is created (from
// Provider::create, before the library context exists): a secure allocation
// that races with the set-up is not covered by OpenSSL's own locking. A
// failure is not an error: it raises the single secure-memory warning
// (core/secure_memory.h) and OpenSSL keeps working with its ordinary heap.
void init_openssl_secure_heap();

SecureHeapState openssl_secure_heap_state();

}  // namespace craton::crypto

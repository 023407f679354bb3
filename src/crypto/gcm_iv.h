// AES-GCM IVs longer than OpenSSL accepts.
//
// PKCS#11 lets CK_GCM_PARAMS / CK_GCM_MESSAGE_PARAMS carry IVs of 1..256
// bytes; OpenSSL's GCM takes at most 128. GCM uses the IV only through the
// pre-counter block J0 (SP 800-38D §7.1 step 2): for every IV that is not
// 96 bits long, J0 = GHASH_H(IV || 0-pad || [0]_64 || [len(IV)]_64) with the
// hash subkey H = AES_K(0^128). GHASH is linear in its input, so a 16-byte
// IV' with the same J0 always exists:
//     J0' = GHASH_H(IV' || L16) = IV'·H^2 ⊕ L16·H      (L16 = [0]_64 || [128]_64)
//     IV' = (J0 ⊕ L16·H) · H^-2
// Handing IV' to OpenSSL's GCM yields exactly the ciphertext and tag of GCM
// with the long IV, without a GCM implementation of our own: only the IV
// hash is computed here.
//
// IV' is secret: together with the public IV it gives a polynomial equation
// whose root is H, and knowing H allows tag forgeries. It therefore lives in
// SecureBytes and never leaves the operation; H and the intermediates are
// wiped after use.
#pragma once

#include <cstdint>
#include <span>

#include "core/bytes.h"
#include "core/status.h"

namespace craton::crypto {

class Provider;

// IV lengths in bytes: what PKCS#11 allows, and what OpenSSL takes itself.
constexpr std::size_t kGcmMaxIvBytes = 256;
constexpr std::size_t kOpenSslGcmMaxIvBytes = 128;
constexpr std::size_t kGcmBlockBytes = 16;

// ---- GF(2^128) in GCM's bit order (SP 800-38D §6.3) -----------------------------
// Bit 0 of a block (the most significant bit of its first byte) is the
// coefficient of x^0; the field polynomial is x^128 + x^7 + x^2 + x + 1.
// `hi` holds bytes 0..7 big-endian, `lo` bytes 8..15.
struct Gf128 {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  friend bool operator==(const Gf128&, const Gf128&) = default;
};

Gf128 gf128_load(std::span<const std::uint8_t, kGcmBlockBytes> block);
void gf128_store(const Gf128& value, std::span<std::uint8_t, kGcmBlockBytes> block);
inline Gf128 gf128_xor(const Gf128& a, const Gf128& b) { return {a.hi ^ b.hi, a.lo ^ b.lo}; }
// a·b, in time independent of the operands (H is secret).
Gf128 gf128_mul(const Gf128& a, const Gf128& b);
// a^(2^128 - 2): the inverse of a non-zero a, and 0 for 0.
Gf128 gf128_inverse(const Gf128& a);

// ---- IV mapping ---------------------------------------------------------------------

// The per-key part of the mapping (H, L16·H, H^-2), computed once and reused
// for every IV under that key. Wiped when destroyed.
class GcmIvMapper {
 public:
  // H = AES_K(0^128): one ECB block with the provider's cached AES-ECB cipher
  // (CKR_KEY_SIZE_RANGE unless the key is 16, 24 or 32 bytes).
  static Result<GcmIvMapper> for_key(const Provider& provider, ByteView key);
  // The same from a known hash subkey (test vectors; H = 0 cases).
  static GcmIvMapper for_hash_subkey(const Gf128& h);

  GcmIvMapper(const GcmIvMapper&) = default;
  GcmIvMapper& operator=(const GcmIvMapper&) = default;
  ~GcmIvMapper();

  // J0 of `iv` (any length >= 1; 12 bytes: IV || 0^31 || 1).
  Gf128 pre_counter_block(ByteView iv) const;

  // Writes the 16-byte IV whose J0 equals that of `iv`. `iv` must not be 12
  // bytes long (its J0 bypasses GHASH: not every one is reachable when H = 0)
  // nor empty; CKR_GENERAL_ERROR then, as that is a caller bug.
  Status map(ByteView iv, std::span<std::uint8_t, kGcmBlockBytes> out) const;

 private:
  GcmIvMapper() = default;
  Gf128 h_;
  Gf128 l16_h_;     // L16·H
  Gf128 h_inv_sq_;  // H^-2 (0 when H = 0)
};

// The IV to give OpenSSL's GCM for `iv` (1..256 bytes) under the AES key
// `key`: `iv` itself when OpenSSL takes its length, otherwise the equivalent
// 16-byte IV, written into `storage` (which the result then views).
Result<ByteView> openssl_gcm_iv(const Provider& provider, ByteView key, ByteView iv, SecureBytes& storage);

}  // namespace craton::crypto

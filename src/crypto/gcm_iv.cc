// AES-GCM IVs longer than OpenSSL accepts: GF(2^128) arithmetic, the IV hash
// that gives J0, and the mapping of a long IV to an equivalent 16-byte IV.
// See gcm_iv.h for the derivation.
#include "crypto/gcm_iv.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "crypto/cipher_util.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

// The reduction constant R = 11100001 || 0^120 (SP 800-38D §6.3), as it
// lands in `hi` when the bit shifted out of x^127 wraps around.
constexpr std::uint64_t kReduction = 0xE100000000000000ULL;

// The field's 1: the coefficient of x^0 is the block's first bit.
constexpr Gf128 kOne{0x8000000000000000ULL, 0};

// The length block closing the IV hash: [0]_64 || [len(IV) in bits]_64.
Gf128 length_block(std::size_t iv_bytes) { return {0, std::uint64_t{iv_bytes} * 8}; }

void wipe(Gf128& value) { secure_wipe(&value, sizeof(value)); }

// H = AES_K(0^128) through the provider's cached AES-ECB cipher.
Result<Gf128> hash_subkey(const Provider& provider, ByteView key) {
  CipherName ecb = CipherName::kAes128Ecb;
  switch (key.size()) {
    case 16: ecb = CipherName::kAes128Ecb; break;
    case 24: ecb = CipherName::kAes192Ecb; break;
    case 32: ecb = CipherName::kAes256Ecb; break;
    default: return Status(CKR_KEY_SIZE_RANGE, "AES key must be 16, 24 or 32 bytes");
  }
  ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, fetch_cipher(provider, ecb));
  ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, new_cipher_ctx());
  const std::array<std::uint8_t, kGcmBlockBytes> zero{};
  std::array<std::uint8_t, kGcmBlockBytes> block{};
  int written = 0;
  if (EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), nullptr, 1, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), block.data(), &written, zero.data(), static_cast<int>(zero.size())) != 1 ||
      written != static_cast<int>(block.size())) {
    secure_wipe(block.data(), block.size());
    return openssl_failure("AES-ECB for the GCM hash subkey failed");
  }
  const Gf128 h = gf128_load(block);
  secure_wipe(block.data(), block.size());
  return h;  // the context (and its key schedule) is cleansed when freed
}

}  // namespace

// ---- GF(2^128) ---------------------------------------------------------------------

Gf128 gf128_load(std::span<const std::uint8_t, kGcmBlockBytes> block) {
  Gf128 value;
  for (std::size_t i = 0; i < 8; ++i) {
    value.hi = value.hi << 8 | block[i];
    value.lo = value.lo << 8 | block[i + 8];
  }
  return value;
}

void gf128_store(const Gf128& value, std::span<std::uint8_t, kGcmBlockBytes> block) {
  for (std::size_t i = 0; i < 8; ++i) {
    block[i] = static_cast<std::uint8_t>(value.hi >> (56 - 8 * i));
    block[i + 8] = static_cast<std::uint8_t>(value.lo >> (56 - 8 * i));
  }
}

// SP 800-38D Algorithm 1, with masks instead of branches on secret bits.
Gf128 gf128_mul(const Gf128& a, const Gf128& b) {
  Gf128 product;
  Gf128 v = b;  // b·x^i at step i
  for (int i = 0; i < 128; ++i) {
    const std::uint64_t word = i < 64 ? a.hi : a.lo;  // the index is public
    const std::uint64_t take = 0 - ((word >> (63 - i % 64)) & 1);
    product.hi ^= v.hi & take;
    product.lo ^= v.lo & take;
    // Multiply v by x: a right shift in this bit order, reducing the x^128
    // term that falls out of the last bit.
    const std::uint64_t carry = 0 - (v.lo & 1);
    v.lo = (v.lo >> 1) | (v.hi << 63);
    v.hi = (v.hi >> 1) ^ (kReduction & carry);
  }
  wipe(v);
  return product;
}

namespace {

// ---- Inversion helpers, in natural bit order ------------------------------------
// Squaring is linear over GF(2) (the cross terms cancel), so a^2 is the bits
// of a spread apart and reduced: far cheaper than a general multiply. That
// is easiest to write with coefficient i at integer bit i, so the inversion
// converts once into that order and back. Everything here is branch-free.

struct Poly {  // coefficient of x^i at bit i of lo (i < 64) or hi (i >= 64)
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
};

std::uint64_t reverse_bits(std::uint64_t x) {
  x = ((x >> 1) & 0x5555555555555555ULL) | ((x & 0x5555555555555555ULL) << 1);
  x = ((x >> 2) & 0x3333333333333333ULL) | ((x & 0x3333333333333333ULL) << 2);
  x = ((x >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((x & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(x);
}

// GCM's order has x^0 at the top bit of `hi`: reversing each word swaps them.
Poly to_natural(const Gf128& a) { return {reverse_bits(a.hi), reverse_bits(a.lo)}; }
Gf128 from_natural(const Poly& p) { return {reverse_bits(p.lo), reverse_bits(p.hi)}; }

// Bit i of the low 32 bits of x moves to bit 2i.
std::uint64_t spread_bits(std::uint64_t x) {
  x &= 0xFFFFFFFFULL;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  return (x | (x << 1)) & 0x5555555555555555ULL;
}

// low + high·x^128, reduced with x^128 = x^7 + x^2 + x + 1.
Poly reduce(const Poly& low, const Poly& high) {
  // Bits pushed past x^127 by the shifts below: at most x^128..x^134.
  const std::uint64_t over = (high.hi >> 63) ^ (high.hi >> 62) ^ (high.hi >> 57);
  Poly r = low;
  r.lo ^= high.lo ^ (high.lo << 1) ^ (high.lo << 2) ^ (high.lo << 7);
  r.hi ^= high.hi ^ (high.hi << 1 | high.lo >> 63) ^ (high.hi << 2 | high.lo >> 62) ^
          (high.hi << 7 | high.lo >> 57);
  r.lo ^= over ^ (over << 1) ^ (over << 2) ^ (over << 7);  // degree <= 13: no further overflow
  return r;
}

Poly square(const Poly& a) {
  const Poly low{spread_bits(a.lo), spread_bits(a.lo >> 32)};
  const Poly high{spread_bits(a.hi), spread_bits(a.hi >> 32)};
  return reduce(low, high);
}

Poly square_times(Poly a, int times) {
  for (int i = 0; i < times; ++i) a = square(a);
  return a;
}

Poly multiply(const Poly& a, const Poly& b) {
  // Only 12 general products: reuse the GCM-order multiply, converting by
  // bit reversal (cheap) instead of keeping a second multiply in this order.
  return to_natural(gf128_mul(from_natural(a), from_natural(b)));
}

}  // namespace

// Fermat: a^(2^128 - 1) = 1 for a != 0, so a^-1 = a^(2^128 - 2) =
// (a^(2^127 - 1))^2. With b(k) = a^(2^k - 1), b(j + k) = b(j)^(2^k) · b(k)
// (Itoh–Tsujii), which reaches b(127) along 1, 2, 3, 6, 7, 14, 15, 30, 31,
// 62, 63, 126, 127: 12 multiplications and 127 cheap squarings. The chain
// is fixed, so the timing does not depend on a; a = 0 yields 0.
Gf128 gf128_inverse(const Gf128& a) {
  Poly x = to_natural(a);
  Poly b = x;  // b(1)
  int k = 1;
  for (int step = 0; step < 6; ++step) {
    b = multiply(square_times(b, k), b);  // b(2k)
    k *= 2;
    b = multiply(square(b), x);  // b(2k + 1)
    k += 1;
  }
  // k = 127 now: 1 -> 3 -> 7 -> 15 -> 31 -> 63 -> 127.
  const Gf128 inverse = from_natural(square(b));
  secure_wipe(&b, sizeof(b));
  secure_wipe(&x, sizeof(x));
  return inverse;
}

// ---- GcmIvMapper -------------------------------------------------------------------

Result<GcmIvMapper> GcmIvMapper::for_key(const Provider& provider, ByteView key) {
  ASSIGN_OR_RETURN(Gf128 h, hash_subkey(provider, key));
  GcmIvMapper mapper = for_hash_subkey(h);
  wipe(h);
  return mapper;
}

GcmIvMapper GcmIvMapper::for_hash_subkey(const Gf128& h) {
  GcmIvMapper mapper;
  mapper.h_ = h;
  mapper.l16_h_ = gf128_mul(length_block(kGcmBlockBytes), h);
  Gf128 h_squared = gf128_mul(h, h);
  // H = 0 gives H^-2 = 0 here. That is still right: with H = 0 every IV
  // that is not 96 bits long, the long one and any 16-byte one alike, hashes
  // to J0 = 0, so map() may return any block and returns 0.
  mapper.h_inv_sq_ = gf128_inverse(h_squared);
  wipe(h_squared);
  return mapper;
}

GcmIvMapper::~GcmIvMapper() {
  wipe(h_);
  wipe(l16_h_);
  wipe(h_inv_sq_);
}

Gf128 GcmIvMapper::pre_counter_block(ByteView iv) const {
  std::array<std::uint8_t, kGcmBlockBytes> block{};
  if (iv.size() == 12) {  // SP 800-38D §7.1: J0 = IV || 0^31 || 1
    std::copy(iv.begin(), iv.end(), block.begin());
    block[15] = 1;
    const Gf128 j0 = gf128_load(block);
    secure_wipe(block.data(), block.size());
    return j0;
  }
  // GHASH over the IV zero-padded to whole blocks, then the length block.
  Gf128 y;
  for (std::size_t pos = 0; pos < iv.size(); pos += kGcmBlockBytes) {
    const std::size_t n = std::min(kGcmBlockBytes, iv.size() - pos);
    block.fill(0);
    std::copy_n(iv.begin() + static_cast<std::ptrdiff_t>(pos), n, block.begin());
    y = gf128_mul(gf128_xor(y, gf128_load(block)), h_);
  }
  const Gf128 j0 = gf128_mul(gf128_xor(y, length_block(iv.size())), h_);
  wipe(y);
  secure_wipe(block.data(), block.size());
  return j0;
}

Status GcmIvMapper::map(ByteView iv, std::span<std::uint8_t, kGcmBlockBytes> out) const {
  if (iv.empty() || iv.size() == 12) return Status(CKR_GENERAL_ERROR, "GCM IV length cannot be mapped");
  Gf128 j0 = pre_counter_block(iv);
  Gf128 mapped = gf128_mul(gf128_xor(j0, l16_h_), h_inv_sq_);
  gf128_store(mapped, out);
  wipe(j0);
  wipe(mapped);
  return Status::Ok();
}

// ---- Entry point -------------------------------------------------------------------

Result<ByteView> openssl_gcm_iv(const Provider& provider, ByteView key, ByteView iv, SecureBytes& storage) {
  if (iv.empty() || iv.size() > kGcmMaxIvBytes) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "GCM IV length out of range");
  }
  if (iv.size() <= kOpenSslGcmMaxIvBytes) return iv;
  ASSIGN_OR_RETURN(GcmIvMapper mapper, GcmIvMapper::for_key(provider, key));
  storage.assign(kGcmBlockBytes, 0);
  RETURN_IF_ERROR(mapper.map(iv, std::span<std::uint8_t, kGcmBlockBytes>(storage.data(), kGcmBlockBytes)));
  return ByteView(storage);
}

}  // namespace craton::crypto

// Building blocks of the power-on known-answer tests (self_tests.cc and the
// per-family files self_test_symmetric.cc / self_test_asymmetric.cc).
// Private to src/crypto.
//
// A known-answer test (KAT) recomputes one value from fixed inputs with the
// same OpenSSL primitive a mechanism family uses, in the module's library
// context, and compares it with the value published in a standard (FIPS 180,
// SP 800-38A/B/D, RFC 3394/5869/6979/8032, RFC 7914, CAVP).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/bytes.h"

namespace craton::crypto {

class Provider;

namespace kat {

// One KAT. `run` returns true when every recomputed value equals the
// expected constant. With `corrupt` set (fault injection, Debug builds only)
// the KAT must alter one of its inputs so that it genuinely computes a wrong
// value and fails its own comparison.
struct KnownAnswerTest {
  std::string_view name;
  bool (*run)(const Provider& provider, bool corrupt);
};

// The KATs of each family file, in the order they run.
std::span<const KnownAnswerTest> symmetric_tests();   // hashes, HMAC, AES modes, CMAC, KDFs
std::span<const KnownAnswerTest> asymmetric_tests();  // RSA, ECDSA, EdDSA, ECDH
std::span<const KnownAnswerTest> post_quantum_tests();  // ML-KEM, ML-DSA, SLH-DSA

// ---- Compile-time hex constants ------------------------------------------------
// Test vectors are written as the hex text of their source document and
// decoded by the compiler: a typo in a digit is a build error, and the
// running module pays nothing to decode them.

consteval std::uint8_t hex_nibble(char c) {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
  throw "invalid hex digit in a known-answer constant";  // not a constant expression: build error
}

template <std::size_t N>
consteval std::array<std::uint8_t, (N - 1) / 2> hex(const char (&text)[N]) {
  static_assert((N - 1) % 2 == 0, "hex constant needs an even number of digits");
  std::array<std::uint8_t, (N - 1) / 2> out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(hex_nibble(text[2 * i]) << 4 | hex_nibble(text[2 * i + 1]));
  }
  return out;
}

// A text input (a message such as "abc") as bytes, without the NUL.
template <std::size_t N>
constexpr ByteView text(const char (&s)[N]) {
  return {reinterpret_cast<const std::uint8_t*>(s), N - 1};
}

// ---- Helpers shared by the KATs ----------------------------------------------

// A copy of `input`, with one bit flipped when `corrupt` is set.
inline Bytes input_copy(ByteView input, bool corrupt) {
  Bytes copy(input.begin(), input.end());
  if (corrupt && !copy.empty()) copy[0] ^= 0x01;
  return copy;
}

// True when `got` is exactly `expected`. KAT outputs are public test-vector
// values, so an ordinary comparison is fine here.
bool matches(ByteView got, ByteView expected);

}  // namespace kat
}  // namespace craton::crypto

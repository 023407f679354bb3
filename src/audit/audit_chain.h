// AuditChain: the keyed hash that links audit entries (DESIGN.md §5).
//
//   hash(entry) = lowercase hex of HMAC-SHA256(K, prev || payload)
//
// where K is the 32-byte audit key, `prev` is the previous entry's hash as its
// 64 ASCII hex characters, and `payload` is the entry's canonical JSON without
// the "hash" member (audit_format.h). Hashing the hex text rather than raw
// bytes lets anyone holding the key recompute an entry with standard tools:
//   printf '%s%s' "$prev" "$payload" | openssl mac -digest SHA256 -macopt hexkey:$K HMAC
//
// Genesis. The first entry of a chain has prev = hex(HMAC-SHA256(K,
// "craton-hsm audit genesis v1")) instead of a constant: the start of a chain
// is then bound to its key, which lets the verifier tell "this log was written
// under another key" from "the first entry was edited" (audit_verify.h).
//
// An AuditChain is not thread-safe (one reusable EVP_MAC_CTX); the writer uses
// it under its write lock and the verifier owns its own.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"

typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace craton {
namespace crypto {
class Provider;
}

inline constexpr std::size_t kAuditKeyBytes = 32;
inline constexpr std::size_t kAuditHashHexChars = 64;

// A 64-character lowercase hex hash, stored inline (no allocation).
using AuditHashHex = std::array<char, kAuditHashHexChars>;

inline std::string_view hash_view(const AuditHashHex& h) { return {h.data(), h.size()}; }
// True for exactly 64 lowercase hex characters.
bool is_audit_hash_hex(std::string_view text);
// Copies a valid hash text into an AuditHashHex (caller checked is_audit_hash_hex).
AuditHashHex to_audit_hash(std::string_view text);

class AuditChain {
 public:
  // HMAC-SHA256 from the provider's library context, keyed once with `key`
  // (kAuditKeyBytes; CKR_ARGUMENTS_BAD otherwise). The EVP_MAC comes from the
  // Provider's cache; the Provider must outlive the chain.
  static Result<std::unique_ptr<AuditChain>> create(const crypto::Provider& provider, ByteView key);
  ~AuditChain();
  AuditChain(const AuditChain&) = delete;
  AuditChain& operator=(const AuditChain&) = delete;

  // HMAC over prev || part1 || part2 (the payload may be passed in two pieces
  // so that the writer need not copy the closing brace). CKR_FUNCTION_FAILED
  // if OpenSSL fails.
  Result<AuditHashHex> hash(std::string_view prev, std::string_view part1, std::string_view part2 = {});
  // The chain's first `prev` under this key.
  const AuditHashHex& genesis() const { return genesis_; }

 private:
  explicit AuditChain(EVP_MAC_CTX* ctx) : ctx_(ctx) {}
  EVP_MAC_CTX* ctx_;  // keyed; re-initialised per entry without re-keying
  AuditHashHex genesis_{};
};

}  // namespace craton

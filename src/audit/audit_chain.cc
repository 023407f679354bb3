// AuditChain: HMAC-SHA256 through EVP_MAC in the module's library context.
#include "audit/audit_chain.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/provider.h"

namespace craton {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr std::string_view kGenesisLabel = "craton-hsm audit genesis v1";

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

bool is_audit_hash_hex(std::string_view text) {
  if (text.size() != kAuditHashHexChars) return false;
  for (char c : text) {
    if (!is_lower_hex(c)) return false;
  }
  return true;
}

AuditHashHex to_audit_hash(std::string_view text) {
  AuditHashHex out{};
  for (std::size_t i = 0; i < out.size() && i < text.size(); ++i) out[i] = text[i];
  return out;
}

Result<std::unique_ptr<AuditChain>> AuditChain::create(const crypto::Provider& provider, ByteView key) {
  if (key.size() != kAuditKeyBytes) {
    return Status(CKR_ARGUMENTS_BAD, "audit key must be " + std::to_string(kAuditKeyBytes) + " bytes");
  }
  const EVP_MAC* mac = provider.mac("HMAC");
  if (mac == nullptr) return Status(CKR_FUNCTION_FAILED, "HMAC is not available in the provider");
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(const_cast<EVP_MAC*>(mac));
  if (ctx == nullptr) return Status(CKR_HOST_MEMORY, "EVP_MAC_CTX_new failed");
  std::unique_ptr<AuditChain> chain(new AuditChain(ctx));
  char digest[] = "SHA2-256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  // Keyed once here; hash() re-initialises with a NULL key, which restarts
  // from the already-keyed inner/outer state (no key schedule per entry).
  if (EVP_MAC_init(ctx, key.data(), key.size(), params) != 1) {
    return Status(CKR_FUNCTION_FAILED, "EVP_MAC_init HMAC-SHA256 for the audit key failed");
  }
  ASSIGN_OR_RETURN(chain->genesis_, chain->hash(kGenesisLabel, {}));
  return chain;
}

AuditChain::~AuditChain() { EVP_MAC_CTX_free(ctx_); }

Result<AuditHashHex> AuditChain::hash(std::string_view prev, std::string_view part1, std::string_view part2) {
  unsigned char mac[32];
  std::size_t mac_len = 0;
  const auto update = [this](std::string_view s) {
    return s.empty() || EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(s.data()), s.size()) == 1;
  };
  if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1 || !update(prev) || !update(part1) || !update(part2) ||
      EVP_MAC_final(ctx_, mac, &mac_len, sizeof(mac)) != 1 || mac_len != sizeof(mac)) {
    return Status(CKR_FUNCTION_FAILED, "HMAC-SHA256 of an audit entry failed");
  }
  AuditHashHex out{};
  for (std::size_t i = 0; i < sizeof(mac); ++i) {
    out[2 * i] = kHexDigits[mac[i] >> 4];
    out[2 * i + 1] = kHexDigits[mac[i] & 0x0f];
  }
  return out;
}

}  // namespace craton

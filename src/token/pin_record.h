// PinRecord: what the store keeps for one PIN (SO or user).
//
// The PIN is never stored, nor a hash of it: PBKDF2-HMAC-SHA256(PIN, salt,
// iterations) gives a key-encryption key that wraps the token master key
// (AES-256-GCM). A PIN is correct exactly when the unwrap authenticates, so a
// PIN check is one PBKDF2 run plus a constant-time tag comparison, and a PIN
// change rewraps one 32-byte key instead of re-encrypting every object.
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "core/status.h"

namespace craton {

namespace crypto { class Provider; }

enum class PinRole : std::uint8_t { kSecurityOfficer = 0, kUser = 1 };

struct PinRecord {
  SecureBytes salt;
  std::uint32_t iterations = 0;
  Bytes wrapped_master_key;

  static Result<PinRecord> create(const crypto::Provider& provider, std::uint64_t slot_id, PinRole role,
                                  ByteView pin, std::uint32_t iterations, ByteView master_key);
  // The master key, or CKR_PIN_INCORRECT.
  Result<SecureBytes> unlock(const crypto::Provider& provider, std::uint64_t slot_id, PinRole role,
                             ByteView pin) const;

  SecureBytes encode() const;
  static Result<PinRecord> decode(ByteView bytes);
};

}  // namespace craton

// What a slot's store keeps besides objects: the names of its meta entries
// and the "token" record (label, serial, whether token and user PIN are
// initialised). Shared by the slot and its backup/restore.
#pragma once

#include <string>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"

namespace craton {

inline constexpr const char* kMetaToken = "token";
inline constexpr const char* kMetaSoPin = "pin.so";
inline constexpr const char* kMetaUserPin = "pin.user";
inline constexpr const char* kMetaSoFailures = "failures.so";
inline constexpr const char* kMetaUserFailures = "failures.user";

struct TokenMeta {
  bool initialized = false;
  bool user_pin_initialized = false;
  std::string label;   // 32 bytes, space padded
  std::string serial;  // 16 bytes, space padded

  SecureBytes encode() const;
  static Result<TokenMeta> decode(ByteView bytes);
};

// A failed-login counter record.
SecureBytes encode_failure_counter(CK_ULONG count);
Result<CK_ULONG> decode_failure_counter(ByteView bytes);

}  // namespace craton

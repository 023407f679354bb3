// Names written into audit entries: event types, roles, return values and
// mechanisms. Return values and mechanisms are written by name so that a
// reader can grep the log; unknown values fall back to hex.
#include "audit/audit_event.h"

#include <cstdio>

#include "crypto/mechanism.h"

namespace craton {
namespace {

struct EventRow {
  AuditEventType type;
  const char* name;
  bool management;
};

// Indexed by the enum value (checked by a static_assert below).
constexpr EventRow kEvents[] = {
    {AuditEventType::kInitialize, "initialize", true},
    {AuditEventType::kFinalize, "finalize", true},
    {AuditEventType::kSelfTest, "self_test", true},
    {AuditEventType::kLogin, "login", true},
    {AuditEventType::kLogout, "logout", true},
    {AuditEventType::kLockout, "lockout", true},
    {AuditEventType::kInitToken, "init_token", true},
    {AuditEventType::kInitPin, "init_pin", true},
    {AuditEventType::kSetPin, "set_pin", true},
    {AuditEventType::kGenerateKey, "generate_key", true},
    {AuditEventType::kGenerateKeyPair, "generate_key_pair", true},
    {AuditEventType::kCreateObject, "create_object", true},
    {AuditEventType::kImportKey, "import_key", true},
    {AuditEventType::kCopyObject, "copy_object", true},
    {AuditEventType::kDestroyObject, "destroy_object", true},
    {AuditEventType::kSetAttribute, "set_attribute", true},
    {AuditEventType::kWrapKey, "wrap_key", true},
    {AuditEventType::kUnwrapKey, "unwrap_key", true},
    {AuditEventType::kDeriveKey, "derive_key", true},
    {AuditEventType::kEncapsulateKey, "encapsulate_key", true},
    {AuditEventType::kDecapsulateKey, "decapsulate_key", true},
    {AuditEventType::kBackup, "backup", true},
    {AuditEventType::kRestore, "restore", true},
    {AuditEventType::kAuditNewChain, "audit_new_chain", true},
    {AuditEventType::kAuditRecovered, "audit_recovered", true},
    {AuditEventType::kSign, "sign", false},
    {AuditEventType::kVerify, "verify", false},
    {AuditEventType::kEncrypt, "encrypt", false},
    {AuditEventType::kDecrypt, "decrypt", false},
    {AuditEventType::kDigest, "digest", false},
    {AuditEventType::kSignRecover, "sign_recover", false},
    {AuditEventType::kVerifyRecover, "verify_recover", false},
    {AuditEventType::kMessageEncrypt, "message_encrypt", false},
    {AuditEventType::kMessageDecrypt, "message_decrypt", false},
    {AuditEventType::kMessageSign, "message_sign", false},
    {AuditEventType::kMessageVerify, "message_verify", false},
    {AuditEventType::kGenerateRandom, "generate_random", false},
};
static_assert(std::size(kEvents) == static_cast<std::size_t>(AuditEventType::kGenerateRandom) + 1,
              "one row per AuditEventType");

constexpr bool rows_in_enum_order() {
  for (std::size_t i = 0; i < std::size(kEvents); ++i) {
    if (static_cast<std::size_t>(kEvents[i].type) != i) return false;
  }
  return true;
}
static_assert(rows_in_enum_order(), "kEvents must be in enum order");

const EventRow* event_row(AuditEventType type) {
  const auto index = static_cast<std::size_t>(type);
  return index < std::size(kEvents) ? &kEvents[index] : nullptr;
}

struct RvRow {
  CK_RV rv;
  const char* name;
};

#define CKR_ROW(name) {name, #name}
constexpr RvRow kReturnValues[] = {
    CKR_ROW(CKR_OK),
    CKR_ROW(CKR_CANCEL),
    CKR_ROW(CKR_HOST_MEMORY),
    CKR_ROW(CKR_SLOT_ID_INVALID),
    CKR_ROW(CKR_GENERAL_ERROR),
    CKR_ROW(CKR_FUNCTION_FAILED),
    CKR_ROW(CKR_ARGUMENTS_BAD),
    CKR_ROW(CKR_NO_EVENT),
    CKR_ROW(CKR_NEED_TO_CREATE_THREADS),
    CKR_ROW(CKR_CANT_LOCK),
    CKR_ROW(CKR_ATTRIBUTE_READ_ONLY),
    CKR_ROW(CKR_ATTRIBUTE_SENSITIVE),
    CKR_ROW(CKR_ATTRIBUTE_TYPE_INVALID),
    CKR_ROW(CKR_ATTRIBUTE_VALUE_INVALID),
    CKR_ROW(CKR_ACTION_PROHIBITED),
    CKR_ROW(CKR_DATA_INVALID),
    CKR_ROW(CKR_DATA_LEN_RANGE),
    CKR_ROW(CKR_DEVICE_ERROR),
    CKR_ROW(CKR_DEVICE_MEMORY),
    CKR_ROW(CKR_DEVICE_REMOVED),
    CKR_ROW(CKR_ENCRYPTED_DATA_INVALID),
    CKR_ROW(CKR_ENCRYPTED_DATA_LEN_RANGE),
    CKR_ROW(CKR_AEAD_DECRYPT_FAILED),
    CKR_ROW(CKR_FUNCTION_CANCELED),
    CKR_ROW(CKR_FUNCTION_NOT_PARALLEL),
    CKR_ROW(CKR_FUNCTION_NOT_SUPPORTED),
    CKR_ROW(CKR_KEY_HANDLE_INVALID),
    CKR_ROW(CKR_KEY_SIZE_RANGE),
    CKR_ROW(CKR_KEY_TYPE_INCONSISTENT),
    CKR_ROW(CKR_KEY_NOT_NEEDED),
    CKR_ROW(CKR_KEY_CHANGED),
    CKR_ROW(CKR_KEY_NEEDED),
    CKR_ROW(CKR_KEY_INDIGESTIBLE),
    CKR_ROW(CKR_KEY_FUNCTION_NOT_PERMITTED),
    CKR_ROW(CKR_KEY_NOT_WRAPPABLE),
    CKR_ROW(CKR_KEY_UNEXTRACTABLE),
    CKR_ROW(CKR_MECHANISM_INVALID),
    CKR_ROW(CKR_MECHANISM_PARAM_INVALID),
    CKR_ROW(CKR_OBJECT_HANDLE_INVALID),
    CKR_ROW(CKR_OPERATION_ACTIVE),
    CKR_ROW(CKR_OPERATION_NOT_INITIALIZED),
    CKR_ROW(CKR_PIN_INCORRECT),
    CKR_ROW(CKR_PIN_INVALID),
    CKR_ROW(CKR_PIN_LEN_RANGE),
    CKR_ROW(CKR_PIN_EXPIRED),
    CKR_ROW(CKR_PIN_LOCKED),
    CKR_ROW(CKR_SESSION_CLOSED),
    CKR_ROW(CKR_SESSION_COUNT),
    CKR_ROW(CKR_SESSION_HANDLE_INVALID),
    CKR_ROW(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
    CKR_ROW(CKR_SESSION_READ_ONLY),
    CKR_ROW(CKR_SESSION_EXISTS),
    CKR_ROW(CKR_SESSION_READ_ONLY_EXISTS),
    CKR_ROW(CKR_SESSION_READ_WRITE_SO_EXISTS),
    CKR_ROW(CKR_SIGNATURE_INVALID),
    CKR_ROW(CKR_SIGNATURE_LEN_RANGE),
    CKR_ROW(CKR_TEMPLATE_INCOMPLETE),
    CKR_ROW(CKR_TEMPLATE_INCONSISTENT),
    CKR_ROW(CKR_TOKEN_NOT_PRESENT),
    CKR_ROW(CKR_TOKEN_NOT_RECOGNIZED),
    CKR_ROW(CKR_TOKEN_WRITE_PROTECTED),
    CKR_ROW(CKR_UNWRAPPING_KEY_HANDLE_INVALID),
    CKR_ROW(CKR_UNWRAPPING_KEY_SIZE_RANGE),
    CKR_ROW(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT),
    CKR_ROW(CKR_USER_ALREADY_LOGGED_IN),
    CKR_ROW(CKR_USER_NOT_LOGGED_IN),
    CKR_ROW(CKR_USER_PIN_NOT_INITIALIZED),
    CKR_ROW(CKR_USER_TYPE_INVALID),
    CKR_ROW(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
    CKR_ROW(CKR_USER_TOO_MANY_TYPES),
    CKR_ROW(CKR_WRAPPED_KEY_INVALID),
    CKR_ROW(CKR_WRAPPED_KEY_LEN_RANGE),
    CKR_ROW(CKR_WRAPPING_KEY_HANDLE_INVALID),
    CKR_ROW(CKR_WRAPPING_KEY_SIZE_RANGE),
    CKR_ROW(CKR_WRAPPING_KEY_TYPE_INCONSISTENT),
    CKR_ROW(CKR_RANDOM_SEED_NOT_SUPPORTED),
    CKR_ROW(CKR_RANDOM_NO_RNG),
    CKR_ROW(CKR_DOMAIN_PARAMS_INVALID),
    CKR_ROW(CKR_CURVE_NOT_SUPPORTED),
    CKR_ROW(CKR_BUFFER_TOO_SMALL),
    CKR_ROW(CKR_SAVED_STATE_INVALID),
    CKR_ROW(CKR_INFORMATION_SENSITIVE),
    CKR_ROW(CKR_STATE_UNSAVEABLE),
    CKR_ROW(CKR_CRYPTOKI_NOT_INITIALIZED),
    CKR_ROW(CKR_CRYPTOKI_ALREADY_INITIALIZED),
    CKR_ROW(CKR_MUTEX_BAD),
    CKR_ROW(CKR_MUTEX_NOT_LOCKED),
    CKR_ROW(CKR_NEW_PIN_MODE),
    CKR_ROW(CKR_NEXT_OTP),
    CKR_ROW(CKR_EXCEEDED_MAX_ITERATIONS),
    CKR_ROW(CKR_FIPS_SELF_TEST_FAILED),
    CKR_ROW(CKR_LIBRARY_LOAD_FAILED),
    CKR_ROW(CKR_PIN_TOO_WEAK),
    CKR_ROW(CKR_PUBLIC_KEY_INVALID),
    CKR_ROW(CKR_FUNCTION_REJECTED),
    CKR_ROW(CKR_TOKEN_RESOURCE_EXCEEDED),
    CKR_ROW(CKR_OPERATION_CANCEL_FAILED),
    CKR_ROW(CKR_KEY_EXHAUSTED),
};
#undef CKR_ROW

std::string hex_value(CK_ULONG value) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%08lX", static_cast<unsigned long>(value));
  return buf;
}

}  // namespace

std::string audit_hex(CK_ULONG value) { return hex_value(value); }

std::string_view audit_event_name(AuditEventType type) {
  const EventRow* row = event_row(type);
  return row != nullptr ? row->name : "unknown";
}

std::optional<AuditEventType> audit_event_from_name(std::string_view name) {
  for (const EventRow& row : kEvents) {
    if (name == row.name) return row.type;
  }
  return std::nullopt;
}

bool is_management_event(AuditEventType type) {
  const EventRow* row = event_row(type);
  return row == nullptr || row->management;  // an unknown type errs on the durable side
}

const char* audit_role_name(AuditRole role) {
  switch (role) {
    case AuditRole::kPublic:
      return "public";
    case AuditRole::kUser:
      return "user";
    case AuditRole::kSecurityOfficer:
      return "so";
    case AuditRole::kContextSpecific:
      return "context_specific";
    case AuditRole::kUnspecified:
      break;
  }
  return nullptr;
}

AuditRole audit_role_from_user_type(CK_USER_TYPE user_type) {
  switch (user_type) {
    case CKU_SO:
      return AuditRole::kSecurityOfficer;
    case CKU_USER:
      return AuditRole::kUser;
    case CKU_CONTEXT_SPECIFIC:
      return AuditRole::kContextSpecific;
    default:
      return AuditRole::kUnspecified;
  }
}

std::string audit_rv_name(CK_RV rv) {
  for (const RvRow& row : kReturnValues) {
    if (row.rv == rv) return row.name;
  }
  return hex_value(rv);
}

std::string audit_mechanism_name(CK_MECHANISM_TYPE mechanism) {
  const crypto::MechanismEntry* entry = crypto::find_mechanism(mechanism);
  if (entry != nullptr && entry->name != nullptr && entry->name[0] != '\0') return entry->name;
  return hex_value(mechanism);
}

}  // namespace craton

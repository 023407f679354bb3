// AuditEvent: what the core hands to the audit log (DESIGN.md §5).
//
// The struct has no field that could carry key bytes or a PIN, so no caller
// can put one in the log by mistake: objects appear by handle and label only.
//
// Every event type is either a *management* event (written and fsync'ed
// before AuditLog::record returns, whatever the configuration) or a *crypto*
// event (sign, encrypt, ...: written per audit.crypto_ops). The class is a
// property of the type (is_management_event), so a caller cannot mislabel one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "craton/pkcs11.h"

namespace craton {

enum class AuditEventType : std::uint8_t {
  // ---- management (durable) ----
  kInitialize,       // C_Initialize; detail carries the self-test results
  kFinalize,         // C_Finalize
  kSelfTest,         // a self-test run outside C_Initialize (daemon start, on demand)
  kLogin,            // C_Login, success or failure (rv tells which)
  kLogout,           // C_Logout
  kLockout,          // a PIN reached max_failed_logins
  kInitToken,        // C_InitToken
  kInitPin,          // C_InitPIN
  kSetPin,           // C_SetPIN
  kGenerateKey,      // C_GenerateKey: object = new key
  kGenerateKeyPair,  // C_GenerateKeyPair: object = private key, object2 = public key
  kCreateObject,     // C_CreateObject: object = new object
  kImportKey,        // key material brought in from outside (other than unwrap/restore)
  kCopyObject,       // C_CopyObject: object = new object, object2 = source
  kDestroyObject,    // C_DestroyObject: object = destroyed object
  kSetAttribute,     // C_SetAttributeValue: object = changed object
  kWrapKey,          // C_WrapKey: object = wrapped key, object2 = wrapping key
  kUnwrapKey,        // C_UnwrapKey: object = new key, object2 = unwrapping key
  kDeriveKey,        // C_DeriveKey: object = new key, object2 = base key
  kEncapsulateKey,   // C_EncapsulateKey: object = new key, object2 = public key
  kDecapsulateKey,   // C_DecapsulateKey: object = new key, object2 = private key
  kBackup,           // store backup written
  kRestore,          // store restored from a backup
  kAuditNewChain,    // written by the log itself: first entry of a deliberately restarted chain
  kAuditRecovered,   // written by the log itself: a torn (never acknowledged) tail was discarded
  // ---- crypto operations (audit.crypto_ops) ----
  kSign,
  kVerify,
  kEncrypt,
  kDecrypt,
  kDigest,
  kSignRecover,
  kVerifyRecover,
  kMessageEncrypt,
  kMessageDecrypt,
  kMessageSign,
  kMessageVerify,
  kGenerateRandom,
};

// The `event` string of an entry, e.g. "login", "generate_key_pair", "sign".
std::string_view audit_event_name(AuditEventType type);
// The type named `name` (the inverse of audit_event_name), nullopt if none.
std::optional<AuditEventType> audit_event_from_name(std::string_view name);
// Management events are durable before record() returns; the others follow crypto_ops.
bool is_management_event(AuditEventType type);

// Who the session was logged in as (or, for kLogin, the user type asked for).
enum class AuditRole : std::uint8_t {
  kUnspecified,      // written as null
  kPublic,           // "public": no login
  kUser,             // "user"  (CKU_USER)
  kSecurityOfficer,  // "so"    (CKU_SO)
  kContextSpecific,  // "context_specific" (CKU_CONTEXT_SPECIFIC)
};
// nullptr for kUnspecified.
const char* audit_role_name(AuditRole role);
// CKU_SO / CKU_USER / CKU_CONTEXT_SPECIFIC to the role; anything else -> kUnspecified.
AuditRole audit_role_from_user_type(CK_USER_TYPE user_type);

// "CKR_PIN_INCORRECT" for a known value, else "0x%08lX" (e.g. vendor codes).
std::string audit_rv_name(CK_RV rv);
// "0x%08lX": how a value without a known name is written.
std::string audit_hex(CK_ULONG value);
// The registry's name ("CKM_ECDSA") for a known mechanism, else "0x%08lX".
std::string audit_mechanism_name(CK_MECHANISM_TYPE mechanism);

// Bounds applied when an entry is written (longer values are cut at a UTF-8
// boundary): they keep every line far below the reader's line limit.
inline constexpr std::size_t kAuditMaxLabelBytes = 256;
inline constexpr std::size_t kAuditMaxDetailValueBytes = 1024;
inline constexpr std::size_t kAuditMaxDetailEntries = 32;

struct AuditEvent {
  AuditEventType type = AuditEventType::kInitialize;
  std::optional<CK_SLOT_ID> slot;
  std::optional<CK_SESSION_HANDLE> session;
  AuditRole role = AuditRole::kUnspecified;
  std::optional<CK_MECHANISM_TYPE> mechanism;
  std::optional<CK_OBJECT_HANDLE> object;   // see the per-type comments above
  std::optional<CK_OBJECT_HANDLE> object2;  // the second object some events involve
  std::optional<std::string> label;         // CKA_LABEL of `object` (UTF-8; never a secret)
  CK_RV rv = CKR_OK;
  // Free-form facts (self-test results, changed attribute names, reasons),
  // written as a JSON object in this order. Never put secrets here.
  std::vector<std::pair<std::string, std::string>> detail;
};

}  // namespace craton

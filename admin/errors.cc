#include "errors.h"

#include "audit/audit_event.h"

namespace craton::admin {

void fail(Exit code, std::string message) { throw CliError(code, std::move(message)); }

Exit exit_for(CK_RV rv) {
  switch (rv) {
    case CKR_PIN_INCORRECT:
    case CKR_PIN_LOCKED:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID:
    case CKR_PIN_EXPIRED:
    case CKR_USER_PIN_NOT_INITIALIZED:
    case CKR_USER_NOT_LOGGED_IN:
      return Exit::kAuth;
    case CKR_DEVICE_ERROR:
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
      return Exit::kUnavailable;
    default:
      return Exit::kFailed;
  }
}

std::string rv_name(CK_RV rv) { return audit_rv_name(rv); }

namespace {

// Words an operator can act on for the codes they meet most.
std::string_view advice(CK_RV rv) {
  switch (rv) {
    case CKR_PIN_INCORRECT: return "wrong PIN";
    case CKR_PIN_LOCKED: return "PIN locked after too many failures; the SO can reset it with `pin reset`";
    case CKR_PIN_LEN_RANGE: return "PIN length outside the configured [pin_min_length, pin_max_length]";
    case CKR_USER_PIN_NOT_INITIALIZED: return "token or user PIN not initialised; run `token init`";
    case CKR_SLOT_ID_INVALID: return "no such slot; see `slot list`";
    case CKR_SESSION_EXISTS: return "the token has open sessions";
    default: return {};
  }
}

}  // namespace

void fail_status(const Status& status, std::string_view doing) {
  std::string message(doing);
  const std::string_view hint = advice(status.rv());
  if (!hint.empty()) {
    message += ": ";
    message += hint;
  } else if (!status.message().empty()) {
    message += ": " + status.message();
  }
  message += " (" + rv_name(status.rv()) + ")";
  fail(exit_for(status.rv()), std::move(message));
}

}  // namespace craton::admin

#include "core/core_audit.h"

#include <chrono>

#include "session/session.h"
#include "token/slot.h"

namespace craton {
namespace {

AuditRole role_of(LoginState login) {
  switch (login) {
    case LoginState::kUser: return AuditRole::kUser;
    case LoginState::kSecurityOfficer: return AuditRole::kSecurityOfficer;
    default: return AuditRole::kPublic;
  }
}

}  // namespace

Result<std::unique_ptr<CoreAudit>> CoreAudit::open(const Config& config, const crypto::Provider& provider,
                                                   bool may_create_threads) {
  AuditLogOptions options;
  options.log_path = config.audit_log_file();
  options.key_path = config.audit_key_file();
  options.head_path = config.audit_head_file();
  ASSIGN_OR_RETURN(options.crypto_ops, parse_crypto_audit_mode(config.audit_crypto_ops));
  options.flush_interval = std::chrono::milliseconds(config.audit_flush_ms);
  options.max_file_bytes = config.audit_max_file_bytes;
  options.background_thread = may_create_threads;
  const bool records_crypto = options.crypto_ops != CryptoAuditMode::kOff;
  ASSIGN_OR_RETURN(std::unique_ptr<AuditLog> log, AuditLog::open(provider, std::move(options)));
  return std::unique_ptr<CoreAudit>(new CoreAudit(std::move(log), records_crypto));
}

Status CoreAudit::ready() const {
  return log_->failed() ? log_->failure() : Status::Ok();
}

AuditEvent CoreAudit::about(AuditEventType type, const Session& s) {
  AuditEvent event;
  event.type = type;
  event.slot = s.slot().id();
  event.session = s.handle();
  event.role = role_of(s.slot().login_state());
  return event;
}

AuditEvent CoreAudit::about_slot(AuditEventType type, CK_SLOT_ID slot) {
  AuditEvent event;
  event.type = type;
  event.slot = slot;
  return event;
}

void CoreAudit::name_object(AuditEvent& event, const Slot& slot, CK_OBJECT_HANDLE handle) {
  event.object = handle;
  if (ObjectPtr object = slot.objects().get(handle)) {
    if (object->attrs.has(CKA_LABEL)) event.label = object->attrs.string_or_empty(CKA_LABEL);
  }
}

Status CoreAudit::record(AuditEvent event, const Status& result) {
  event.rv = result.rv();
  Status st = log_->record(std::move(event));
  return st.ok() ? result : st;
}

Status CoreAudit::close() { return log_->close(); }

}  // namespace craton

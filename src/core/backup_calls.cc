// HsmCore: token backup and restore (docs/backup.md). The file format and
// the passphrase are the caller's (store/backup_file.h); the core hands out
// and takes in token images, under the SO PIN, and leaves both in the audit log.
#include "core/core_audit.h"
#include "core/hsm_core.h"
#include "session/session_table.h"
#include "token/slot.h"

namespace craton {

Result<TokenImage> HsmCore::backup_token(CK_SESSION_HANDLE h) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kBackup, *s);
  Result<TokenImage> image = s->slot().export_image();
  if (image.ok()) {
    event.label = image->label;
    event.detail.emplace_back("serial", image->serial);
    event.detail.emplace_back("objects", std::to_string(image->content.objects.size()));
  }
  return audit_->record(std::move(event), std::move(image));
}

Result<RestoreOutcome> HsmCore::restore_token(CK_SLOT_ID id, ByteView so_pin, const TokenImage& image) {
  ASSIGN_OR_RETURN(Slot * s, slot(id));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about_slot(AuditEventType::kRestore, id);
  event.role = AuditRole::kSecurityOfficer;
  event.label = image.label;
  event.detail.emplace_back("source_serial", image.serial);
  event.detail.emplace_back("source_slot", std::to_string(image.source_slot));
  event.detail.emplace_back("objects", std::to_string(image.content.objects.size()));
  Result<RestoreOutcome> outcome = sessions_->counts(id).total != 0
                                       ? Result<RestoreOutcome>(Status(CKR_SESSION_EXISTS, "close all sessions first"))
                                       : s->restore_image(so_pin, image);
  if (outcome.ok()) event.detail.emplace_back("user_pin", outcome->user_pin_kept ? "kept" : "not set");
  return audit_->record(std::move(event), std::move(outcome));
}

}  // namespace craton

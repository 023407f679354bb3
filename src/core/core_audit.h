// CoreAudit: how the core leaves its trace in the audit log (DESIGN.md §5,
// src/audit/README.md).
//
// HsmCore owns one. Each audited call builds an AuditEvent about its session
// (slot, session handle, the token's login role), does its work, and records
// the event with the call's result, success or failure alike: a refused login
// or a key generation that failed its policy check is as much a part of the
// trail as a successful one. Objects appear by handle and CKA_LABEL only.
//
// Fail closed. Management events must be durable before the call returns.
// Once the log cannot be written (disk full, I/O error) every later audited
// call is refused up front with the log's error (CKR_DEVICE_ERROR or
// CKR_DEVICE_MEMORY) instead of running unrecorded; ready() is that check
// and costs one atomic load. If the write of the entry itself fails after the
// work was done, the call returns the log's error although its effect stands
// (it cannot be recorded, and it is not undone: undoing could itself fail
// half-way) — the same failure then refuses everything after it.
// With audit.crypto_ops = "off" crypto operations are neither recorded nor
// refused.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "audit/audit_event.h"
#include "audit/audit_log.h"
#include "core/config.h"
#include "core/status.h"

namespace craton {

namespace crypto {
class Provider;
}
class Session;
class Slot;
struct Object;

class CoreAudit {
 public:
  // Opens (or creates) the log named by the configuration. `may_create_threads`
  // is false when the application forbade threads (CKF_LIBRARY_CANT_CREATE_OS_THREADS).
  static Result<std::unique_ptr<CoreAudit>> open(const Config& config, const crypto::Provider& provider,
                                                 bool may_create_threads);

  // CKR_OK while the log can be written; its error once it cannot.
  Status ready() const;
  // Whether crypto operations are recorded (audit.crypto_ops is not "off").
  bool records_crypto() const { return records_crypto_; }

  // An event about `s`: slot, session and the role the token is logged in as.
  static AuditEvent about(AuditEventType type, const Session& s);
  // An event about a slot outside any session (C_InitToken).
  static AuditEvent about_slot(AuditEventType type, CK_SLOT_ID slot);
  // Sets `event.object` and its label from the object, when it exists.
  static void name_object(AuditEvent& event, const Slot& slot, CK_OBJECT_HANDLE handle);

  // Records `event` with the result of the call; returns `result`, or the
  // log's error when the entry could not be written.
  Status record(AuditEvent event, const Status& result);
  template <class T>
  Result<T> record(AuditEvent event, Result<T> result) {
    Status st = record(std::move(event), result.status());
    if (!st.ok() && result.ok()) return st;
    return result;
  }

  // Stops the flusher and writes what is queued (C_Finalize).
  Status close();
  const AuditLogOptions& options() const { return log_->options(); }

 private:
  CoreAudit(std::unique_ptr<AuditLog> log, bool records_crypto)
      : log_(std::move(log)), records_crypto_(records_crypto) {}

  std::unique_ptr<AuditLog> log_;
  const bool records_crypto_;
};

}  // namespace craton

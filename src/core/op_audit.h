// The audit entries of cryptographic operations (audit.crypto_ops).
//
// One entry per operation, written when it ends: a single-part call or a
// *Final that completed, or any error that ended it. Length questions,
// CKR_BUFFER_TOO_SMALL and successful *Update parts end nothing and write
// nothing. Message-based operations write one entry per message.
// The mechanism, key handle and key label come from the operation's init
// (note_operation), so the hot path never looks the key up again.
#pragma once

#include <utility>

#include "core/core_audit.h"
#include "object/object.h"
#include "session/session.h"

namespace craton {

// At init: what the operation's audit entry will name.
inline void note_operation(const CoreAudit& audit, OpState& state, CK_MECHANISM_TYPE mechanism,
                           const Object* key) {
  state.mechanism = mechanism;
  state.key = key != nullptr ? key->handle : CK_INVALID_HANDLE;
  state.key_label.reset();
  if (audit.records_crypto() && key != nullptr && key->attrs.has(CKA_LABEL)) {
    state.key_label = key->attrs.string_or_empty(CKA_LABEL);
  }
}

// Wraps one call on an operation slot: constructed before the call, done()
// with its result after it.
template <class Slot>
class OpAudit {
 public:
  OpAudit(CoreAudit& audit, const Session& session, const Slot& slot, AuditEventType type)
      : audit_(audit), session_(session), slot_(slot), type_(type),
        watching_(audit.records_crypto() && slot.active()) {}

  // Fail closed: an operation that would be recorded is refused once the log
  // cannot be written.
  Status ready() const { return watching_ ? audit_.ready() : Status::Ok(); }

  // Records the operation if this call ended it.
  Status done(Status st) {
    if (!watching_ || slot_.active()) return st;
    return record(std::move(st));
  }

  // Records one message of a message-based operation.
  Status record(Status st) {
    if (!watching_) return st;
    AuditEvent event = CoreAudit::about(type_, session_);
    if (slot_.mechanism != CK_UNAVAILABLE_INFORMATION) event.mechanism = slot_.mechanism;
    if (slot_.key != CK_INVALID_HANDLE) event.object = slot_.key;
    event.label = slot_.key_label;
    return audit_.record(std::move(event), st);
  }

 private:
  CoreAudit& audit_;
  const Session& session_;
  const Slot& slot_;
  const AuditEventType type_;
  const bool watching_;
};

}  // namespace craton

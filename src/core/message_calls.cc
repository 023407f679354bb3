// HsmCore: message-based encryption and decryption (PKCS#11 3.0 §5.14-5.15).
// A failed message does not end the message-based operation (only
// C_Message*Final does); the backend resets its per-message state.
#include <mutex>

#include "core/hsm_core.h"
#include "core/key_checks.h"
#include "core/op_audit.h"
#include "crypto/provider.h"
#include "token/slot.h"

namespace craton {
namespace {

OpSlot<crypto::MessageCipherOperation>& message_slot(Session& s, OpKind kind) {
  return kind == OpKind::MessageEncrypt ? s.message_encrypt : s.message_decrypt;
}

AuditEventType message_event(OpKind kind) {
  return kind == OpKind::MessageEncrypt ? AuditEventType::kMessageEncrypt : AuditEventType::kMessageDecrypt;
}

}  // namespace

Status HsmCore::message_init(CK_SESSION_HANDLE h, OpKind kind, const CK_MECHANISM& mech, CK_OBJECT_HANDLE key) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::lock_guard lock(s->mu);
  auto& slot = message_slot(*s, kind);
  if (slot.active()) return Status(CKR_OPERATION_ACTIVE);
  ASSIGN_OR_RETURN(const crypto::MechanismEntry* entry, offered_mechanism(mech.mechanism));
  Result<ObjectPtr> object = visible_object(*s, key);
  if (!object.ok()) return Status(CKR_KEY_HANDLE_INVALID);
  const bool enc = kind == OpKind::MessageEncrypt;
  const KeyUse use = enc ? KeyUse{CKF_MESSAGE_ENCRYPT, CKA_ENCRYPT, kSecretKey}
                         : KeyUse{CKF_MESSAGE_DECRYPT, CKA_DECRYPT, kSecretKey};
  ASSIGN_OR_RETURN(crypto::KeyPtr parsed, checked_key(*provider_, policy_, *entry, **object, use));
  crypto::MessageCipherFactory factory = enc ? entry->message_encrypt : entry->message_decrypt;
  if (!factory) return Status(CKR_MECHANISM_INVALID);
  ASSIGN_OR_RETURN(slot.op, factory({*provider_, mech}, parsed));
  note_operation(*audit_, slot, mech.mechanism, object->get());
  return Status::Ok();
}

Status HsmCore::message_run(CK_SESSION_HANDLE h, OpKind kind, void* params, CK_ULONG params_len, ByteView aad,
                            ByteView in, Output out) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::lock_guard lock(s->mu);
  auto& slot = message_slot(*s, kind);
  if (!slot.active()) return Status(CKR_OPERATION_NOT_INITIALIZED);
  // Answer length questions before begin(): beginning a message may consume
  // an IV from a generator, which a mere query must not do.
  const std::size_t bound = slot.op->next_length(in.size(), /*last=*/true);
  if (out.is_query() || out.capacity() < bound) return out.deliver(Bytes(bound));
  OpAudit audit(*audit_, *s, slot, message_event(kind));
  RETURN_IF_ERROR(audit.ready());
  return audit.record([&]() -> Status {
    RETURN_IF_ERROR(slot.op->begin(params, params_len, aad));
    Bytes produced;
    RETURN_IF_ERROR(slot.op->next(in, produced, /*last=*/true));
    return out.deliver(produced);
  }());
}

Status HsmCore::message_begin(CK_SESSION_HANDLE h, OpKind kind, void* params, CK_ULONG params_len, ByteView aad) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::lock_guard lock(s->mu);
  auto& slot = message_slot(*s, kind);
  if (!slot.active()) return Status(CKR_OPERATION_NOT_INITIALIZED);
  return slot.op->begin(params, params_len, aad);
}

Status HsmCore::message_next(CK_SESSION_HANDLE h, OpKind kind, void* params, CK_ULONG params_len, ByteView in,
                             Output out, bool last) {
  (void)params;
  (void)params_len;  // the struct given to begin() stays in force for the whole message
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::lock_guard lock(s->mu);
  auto& slot = message_slot(*s, kind);
  if (!slot.active()) return Status(CKR_OPERATION_NOT_INITIALIZED);
  const std::size_t bound = slot.op->next_length(in.size(), last);
  if (out.is_query() || out.capacity() < bound) return out.deliver(Bytes(bound));
  OpAudit audit(*audit_, *s, slot, message_event(kind));
  RETURN_IF_ERROR(audit.ready());
  Bytes produced;
  Status st = slot.op->next(in, produced, last);
  if (st.ok()) st = out.deliver(produced);
  // A message is recorded once, when its last part is done (or a part failed).
  return last || !st.ok() ? audit.record(st) : st;
}

Status HsmCore::message_final(CK_SESSION_HANDLE h, OpKind kind) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::lock_guard lock(s->mu);
  auto& slot = message_slot(*s, kind);
  if (!slot.active()) return Status(CKR_OPERATION_NOT_INITIALIZED);
  slot.reset();
  return Status::Ok();
}

}  // namespace craton

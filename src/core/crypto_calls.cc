// HsmCore: encrypt, decrypt, digest, sign, verify and recover (PKCS#11 §5.8-5.13).
//
// State rules of §5.2 in one place: one operation of each kind per session;
// any error other than CKR_BUFFER_TOO_SMALL (and a length query) ends the
// operation; single-part calls after an *Update are CKR_OPERATION_ACTIVE.
#include <mutex>

#include "core/hsm_core.h"
#include "core/key_checks.h"
#include "core/op_audit.h"
#include "crypto/provider.h"
#include "token/slot.h"

namespace craton {
namespace {

using crypto::CipherOperation;

KeyUse use_for(OpKind kind) {
  switch (kind) {
    case OpKind::Encrypt: return {CKF_ENCRYPT, CKA_ENCRYPT, kPublicKey | kSecretKey};
    case OpKind::Decrypt: return {CKF_DECRYPT, CKA_DECRYPT, kPrivateKey | kSecretKey};
    case OpKind::Sign: return {CKF_SIGN, CKA_SIGN, kPrivateKey | kSecretKey};
    case OpKind::Verify:
    case OpKind::VerifySignature: return {CKF_VERIFY, CKA_VERIFY, kPublicKey | kSecretKey};
    case OpKind::SignRecover: return {CKF_SIGN_RECOVER, CKA_SIGN_RECOVER, kPrivateKey};
    case OpKind::VerifyRecover: return {CKF_VERIFY_RECOVER, CKA_VERIFY_RECOVER, kPublicKey};
    case OpKind::MessageEncrypt: return {CKF_MESSAGE_ENCRYPT, CKA_ENCRYPT, kSecretKey};
    case OpKind::MessageDecrypt: return {CKF_MESSAGE_DECRYPT, CKA_DECRYPT, kSecretKey};
    default: return {0, 0, {}};
  }
}

OpSlot<CipherOperation>& cipher_slot(Session& s, OpKind kind) {
  switch (kind) {
    case OpKind::Encrypt: return s.encrypt;
    case OpKind::Decrypt: return s.decrypt;
    case OpKind::SignRecover: return s.sign_recover;
    default: return s.verify_recover;
  }
}

template <class Op>
Status require_active(const OpSlot<Op>& slot) {
  if (!slot.active()) return Status(CKR_OPERATION_NOT_INITIALIZED);
  if (slot.needs_context_login) return Status(CKR_USER_NOT_LOGGED_IN, "CKA_ALWAYS_AUTHENTICATE key: log in with CKU_CONTEXT_SPECIFIC");
  return Status::Ok();
}

template <class Op>
Status require_single_part(const OpSlot<Op>& slot) {
  RETURN_IF_ERROR(require_active(slot));
  if (slot.multipart) return Status(CKR_OPERATION_ACTIVE, "multi-part operation in progress");
  return Status::Ok();
}

// Runs one cipher step under the output convention. When the caller's buffer
// is below the step's bound, the step runs on a clone so that a buffer that
// turns out too small leaves the operation exactly as it was.
template <class Step>
Status run_cipher_step(OpSlot<CipherOperation>& slot, std::size_t bound, Output out, bool ends, Step step) {
  if (out.is_query()) return out.report(bound);
  Bytes produced;
  CipherOperation* target = slot.op.get();
  std::unique_ptr<CipherOperation> copy;
  if (out.capacity() < bound) {
    copy = slot.op->clone();
    if (!copy) {
      *out.len = static_cast<CK_ULONG>(bound);
      return Status(CKR_BUFFER_TOO_SMALL);
    }
    target = copy.get();
  }
  Status st = step(*target, produced);
  if (!st.ok()) {
    slot.reset();
    return st;
  }
  if (produced.size() > out.capacity()) {
    if (!copy) slot.reset();  // the bound was wrong and the state is consumed: cannot continue
    *out.len = static_cast<CK_ULONG>(produced.size());
    return Status(copy ? CKR_BUFFER_TOO_SMALL : CKR_GENERAL_ERROR, "output exceeds the reported bound");
  }
  if (copy) slot.op = std::move(copy);
  if (ends) slot.reset();
  return out.deliver(produced);
}

// Produces a signature (single-part or final) under the output convention:
// the exact length is known up front, so a query or short buffer costs nothing.
template <class Step>
Status produce_signature(OpSlot<crypto::SignOperation>& slot, Output out, Step step) {
  const std::size_t len = slot.op->signature_length();
  if (out.is_query() || out.capacity() < len) return out.deliver(Bytes(len));  // length only, state kept
  Bytes signature;
  signature.reserve(len);
  Status st = step(*slot.op, signature);
  slot.reset();
  RETURN_IF_ERROR(st);
  return out.deliver(signature);
}

// Runs a verification step that ends the operation whatever its answer.
template <class Step>
Status finish_verification(OpSlot<crypto::VerifyOperation>& slot, Step step) {
  Status st = step(*slot.op);
  slot.reset();
  return st;
}

// Feeds one part of a multi-part operation; an error ends it.
template <class Op>
Status absorb_part(OpSlot<Op>& slot, ByteView in) {
  RETURN_IF_ERROR(require_active(slot));
  slot.multipart = true;
  Status st = slot.op->update(in);
  if (!st.ok()) slot.reset();
  return st;
}

}  // namespace

Status HsmCore::crypto_init(CK_SESSION_HANDLE h, OpKind kind, const CK_MECHANISM& mech, CK_OBJECT_HANDLE key) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::lock_guard lock(s->mu);
  OpState* state = nullptr;
  bool active = false;
  if (kind == OpKind::Sign) { state = &s->sign; active = s->sign.active(); }
  else if (kind == OpKind::Verify) { state = &s->verify; active = s->verify.active(); }
  else if (kind == OpKind::VerifySignature) { state = &s->verify_signature; active = s->verify_signature.active(); }
  else { auto& c = cipher_slot(*s, kind); state = &c; active = c.active(); }
  if (active) return Status(CKR_OPERATION_ACTIVE);

  ASSIGN_OR_RETURN(const crypto::MechanismEntry* entry, offered_mechanism(mech.mechanism));
  Result<ObjectPtr> object = visible_object(*s, key);
  if (!object.ok()) return Status(CKR_KEY_HANDLE_INVALID);
  ASSIGN_OR_RETURN(crypto::KeyPtr parsed, checked_key(*provider_, policy_, *entry, **object, use_for(kind)));
  const crypto::MechanismCall call{*provider_, mech};
  switch (kind) {
    case OpKind::Sign: {
      if (!entry->sign) return Status(CKR_MECHANISM_INVALID);
      ASSIGN_OR_RETURN(s->sign.op, entry->sign(call, parsed));
      break;
    }
    case OpKind::Verify:
    case OpKind::VerifySignature: {
      if (!entry->verify) return Status(CKR_MECHANISM_INVALID);
      auto& slot = kind == OpKind::Verify ? s->verify : s->verify_signature;
      ASSIGN_OR_RETURN(slot.op, entry->verify(call, parsed));
      break;
    }
    default: {
      crypto::CipherFactory factory = kind == OpKind::Encrypt   ? entry->encrypt
                                      : kind == OpKind::Decrypt ? entry->decrypt
                                      : kind == OpKind::SignRecover ? entry->sign_recover
                                                                    : entry->verify_recover;
      if (!factory) return Status(CKR_MECHANISM_INVALID);
      ASSIGN_OR_RETURN(cipher_slot(*s, kind).op, factory(call, parsed));
    }
  }
  state->multipart = false;
  note_operation(*audit_, *state, mech.mechanism, object->get());
  const bool private_use = kind == OpKind::Sign || kind == OpKind::Decrypt || kind == OpKind::SignRecover;
  state->needs_context_login = private_use && (*object)->attrs.bool_or(CKA_ALWAYS_AUTHENTICATE, false);
  return Status::Ok();
}

Status HsmCore::digest_init(CK_SESSION_HANDLE h, const CK_MECHANISM& mech) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::lock_guard lock(s->mu);
  if (s->digest.active()) return Status(CKR_OPERATION_ACTIVE);
  ASSIGN_OR_RETURN(const crypto::MechanismEntry* entry, offered_mechanism(mech.mechanism));
  if (!(entry->flags & CKF_DIGEST) || !entry->digest) return Status(CKR_MECHANISM_INVALID);
  ASSIGN_OR_RETURN(s->digest.op, entry->digest({*provider_, mech}));
  s->digest.multipart = false;
  note_operation(*audit_, s->digest, mech.mechanism, nullptr);
  return Status::Ok();
}

Status HsmCore::cancel_operation(CK_SESSION_HANDLE h, OpKind kind) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::lock_guard lock(s->mu);
  switch (kind) {
    case OpKind::Sign: s->sign.reset(); break;
    case OpKind::Verify: s->verify.reset(); break;
    case OpKind::VerifySignature: s->verify_signature.reset(); break;
    case OpKind::Digest: s->digest.reset(); break;
    case OpKind::MessageEncrypt: s->message_encrypt.reset(); break;
    case OpKind::MessageDecrypt: s->message_decrypt.reset(); break;
    case OpKind::Find: s->find = FindState{}; break;
    default: cipher_slot(*s, kind).reset();
  }
  return Status::Ok();
}

// --- encrypt / decrypt / recover ---

namespace {

Status cipher_single(Session& s, OpKind kind, ByteView in, Output out) {
  auto& slot = cipher_slot(s, kind);
  RETURN_IF_ERROR(require_single_part(slot));
  return run_cipher_step(slot, slot.op->run_length(in.size()), out, /*ends=*/true,
                         [&](CipherOperation& op, Bytes& buf) { return op.run(in, buf); });
}

Status cipher_update(Session& s, OpKind kind, ByteView in, Output out) {
  auto& slot = cipher_slot(s, kind);
  RETURN_IF_ERROR(require_active(slot));
  slot.multipart = true;
  return run_cipher_step(slot, slot.op->update_length(in.size()), out, /*ends=*/false,
                         [&](CipherOperation& op, Bytes& buf) { return op.update(in, buf); });
}

Status cipher_final(Session& s, OpKind kind, Output out) {
  auto& slot = cipher_slot(s, kind);
  RETURN_IF_ERROR(require_active(slot));
  return run_cipher_step(slot, slot.op->final_length(), out, /*ends=*/true,
                         [&](CipherOperation& op, Bytes& buf) { return op.final(buf); });
}

}  // namespace

#define CRATON_WITH_SESSION(h) \
  ASSIGN_OR_RETURN(SessionPtr s, session(h)); \
  std::lock_guard lock(s->mu)

// The session, its lock, and the audit of the operation in `slot`
// (core/op_audit.h): the call's result goes through audit.done().
#define CRATON_AUDITED(h, slot, type)                              \
  CRATON_WITH_SESSION(h);                                          \
  OpAudit audit(*audit_, *s, s->slot, AuditEventType::type); \
  RETURN_IF_ERROR(audit.ready())

Status HsmCore::encrypt(CK_SESSION_HANDLE h, ByteView in, Output out) {
  CRATON_AUDITED(h, encrypt, kEncrypt);
  return audit.done(cipher_single(*s, OpKind::Encrypt, in, out));
}
Status HsmCore::encrypt_update(CK_SESSION_HANDLE h, ByteView in, Output out) {
  CRATON_AUDITED(h, encrypt, kEncrypt);
  return audit.done(cipher_update(*s, OpKind::Encrypt, in, out));
}
Status HsmCore::encrypt_final(CK_SESSION_HANDLE h, Output out) {
  CRATON_AUDITED(h, encrypt, kEncrypt);
  return audit.done(cipher_final(*s, OpKind::Encrypt, out));
}
Status HsmCore::decrypt(CK_SESSION_HANDLE h, ByteView in, Output out) {
  CRATON_AUDITED(h, decrypt, kDecrypt);
  return audit.done(cipher_single(*s, OpKind::Decrypt, in, out));
}
Status HsmCore::decrypt_update(CK_SESSION_HANDLE h, ByteView in, Output out) {
  CRATON_AUDITED(h, decrypt, kDecrypt);
  return audit.done(cipher_update(*s, OpKind::Decrypt, in, out));
}
Status HsmCore::decrypt_final(CK_SESSION_HANDLE h, Output out) {
  CRATON_AUDITED(h, decrypt, kDecrypt);
  return audit.done(cipher_final(*s, OpKind::Decrypt, out));
}
Status HsmCore::sign_recover(CK_SESSION_HANDLE h, ByteView in, Output out) {
  CRATON_AUDITED(h, sign_recover, kSignRecover);
  return audit.done(cipher_single(*s, OpKind::SignRecover, in, out));
}
Status HsmCore::verify_recover(CK_SESSION_HANDLE h, ByteView signature, Output out) {
  CRATON_AUDITED(h, verify_recover, kVerifyRecover);
  return audit.done(cipher_single(*s, OpKind::VerifyRecover, signature, out));
}

// --- digest, sign, verify: the steps, then the audited calls ---

namespace {

Status digest_single(Session& s, ByteView in, Output out) {
  RETURN_IF_ERROR(require_single_part(s.digest));
  const std::size_t len = s.digest.op->digest_length();
  if (out.is_query() || out.capacity() < len) return out.deliver(Bytes(len));  // length only, state kept
  Bytes md;
  Status st = s.digest.op->update(in);
  if (st.ok()) st = s.digest.op->final(md);
  s.digest.reset();
  RETURN_IF_ERROR(st);
  return out.deliver(md);
}

Status digest_finish(Session& s, Output out) {
  RETURN_IF_ERROR(require_active(s.digest));
  const std::size_t len = s.digest.op->digest_length();
  if (out.is_query() || out.capacity() < len) return out.deliver(Bytes(len));
  Bytes md;
  Status st = s.digest.op->final(md);
  s.digest.reset();
  RETURN_IF_ERROR(st);
  return out.deliver(md);
}

Status sign_single(Session& s, ByteView in, Output out) {
  RETURN_IF_ERROR(require_single_part(s.sign));
  return produce_signature(s.sign, out, [&](crypto::SignOperation& op, Bytes& sig) { return op.sign(in, sig); });
}

Status sign_finish(Session& s, Output out) {
  RETURN_IF_ERROR(require_active(s.sign));
  return produce_signature(s.sign, out, [](crypto::SignOperation& op, Bytes& sig) { return op.final(sig); });
}

Status verify_single(OpSlot<crypto::VerifyOperation>& slot, ByteView in, ByteView signature) {
  RETURN_IF_ERROR(require_single_part(slot));
  return finish_verification(slot, [&](crypto::VerifyOperation& op) { return op.verify(in, signature); });
}

Status verify_finish(OpSlot<crypto::VerifyOperation>& slot, ByteView signature) {
  RETURN_IF_ERROR(require_active(slot));
  return finish_verification(slot, [&](crypto::VerifyOperation& op) { return op.final(signature); });
}

}  // namespace

Status HsmCore::digest(CK_SESSION_HANDLE h, ByteView in, Output out) {
  CRATON_AUDITED(h, digest, kDigest);
  return audit.done(digest_single(*s, in, out));
}

Status HsmCore::digest_update(CK_SESSION_HANDLE h, ByteView in) {
  CRATON_AUDITED(h, digest, kDigest);
  return audit.done(absorb_part(s->digest, in));
}

// The key's value is fed to the digest, never written to the log.
Status HsmCore::digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key) {
  CRATON_AUDITED(h, digest, kDigest);
  return audit.done([&]() -> Status {
    RETURN_IF_ERROR(require_active(s->digest));
    Result<ObjectPtr> object = visible_object(*s, key);
    if (!object.ok()) return Status(CKR_KEY_HANDLE_INVALID);
    if ((*object)->object_class() != CKO_SECRET_KEY) return Status(CKR_KEY_INDIGESTIBLE);
    s->digest.multipart = true;
    Status st = s->digest.op->update((*object)->attrs.bytes_or_empty(CKA_VALUE));
    if (!st.ok()) s->digest.reset();
    return st;
  }());
}

Status HsmCore::digest_final(CK_SESSION_HANDLE h, Output out) {
  CRATON_AUDITED(h, digest, kDigest);
  return audit.done(digest_finish(*s, out));
}

Status HsmCore::sign(CK_SESSION_HANDLE h, ByteView in, Output out) {
  CRATON_AUDITED(h, sign, kSign);
  return audit.done(sign_single(*s, in, out));
}

Status HsmCore::sign_update(CK_SESSION_HANDLE h, ByteView in) {
  CRATON_AUDITED(h, sign, kSign);
  return audit.done(absorb_part(s->sign, in));
}

Status HsmCore::sign_final(CK_SESSION_HANDLE h, Output out) {
  CRATON_AUDITED(h, sign, kSign);
  return audit.done(sign_finish(*s, out));
}

Status HsmCore::verify(CK_SESSION_HANDLE h, ByteView in, ByteView signature) {
  CRATON_AUDITED(h, verify, kVerify);
  return audit.done(verify_single(s->verify, in, signature));
}

Status HsmCore::verify_update(CK_SESSION_HANDLE h, ByteView in) {
  CRATON_AUDITED(h, verify, kVerify);
  return audit.done(absorb_part(s->verify, in));
}

Status HsmCore::verify_final(CK_SESSION_HANDLE h, ByteView signature) {
  CRATON_AUDITED(h, verify, kVerify);
  return audit.done(verify_finish(s->verify, signature));
}

// --- verify with the signature given at init (PKCS#11 3.2) ---

Status HsmCore::verify_signature_init(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, CK_OBJECT_HANDLE key,
                                      ByteView signature) {
  RETURN_IF_ERROR(crypto_init(h, OpKind::VerifySignature, mech, key));
  CRATON_WITH_SESSION(h);
  s->signature_to_verify.assign(signature.begin(), signature.end());
  return Status::Ok();
}

Status HsmCore::verify_signature(CK_SESSION_HANDLE h, ByteView in) {
  CRATON_AUDITED(h, verify_signature, kVerify);
  return audit.done(verify_single(s->verify_signature, in, s->signature_to_verify));
}

Status HsmCore::verify_signature_update(CK_SESSION_HANDLE h, ByteView in) {
  CRATON_AUDITED(h, verify_signature, kVerify);
  return audit.done(absorb_part(s->verify_signature, in));
}

Status HsmCore::verify_signature_final(CK_SESSION_HANDLE h) {
  CRATON_AUDITED(h, verify_signature, kVerify);
  return audit.done(verify_finish(s->verify_signature, s->signature_to_verify));
}

}  // namespace craton

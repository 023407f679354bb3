// HsmCore: key encapsulation (PKCS#11 3.2 C_EncapsulateKey / C_DecapsulateKey).
//
// Both calls make a secret key from the caller's template whose value is
// the KEM's shared secret, as C_DeriveKey makes one from a derived secret.
#include "core/core_audit.h"
#include "core/hsm_core.h"
#include "core/key_checks.h"
#include "core/rule_context.h"
#include "crypto/key.h"
#include "crypto/provider.h"
#include "token/slot.h"

namespace craton {

// Recorded when a key was made or refused, not for length questions.
Status HsmCore::encapsulate_key(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, CK_OBJECT_HANDLE public_key,
                                const AttributeMap& tmpl, Output ciphertext, CK_OBJECT_HANDLE& key) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kEncapsulateKey, *s);
  event.mechanism = mech.mechanism;
  event.object2 = public_key;
  const bool query = ciphertext.is_query();
  Status st = encapsulate_key_in(*s, mech, public_key, tmpl, ciphertext, key);
  if ((st.ok() && query) || st.rv() == CKR_BUFFER_TOO_SMALL) return st;
  if (st.ok()) CoreAudit::name_object(event, s->slot(), key);
  return audit_->record(std::move(event), st);
}

Result<CK_OBJECT_HANDLE> HsmCore::decapsulate_key(CK_SESSION_HANDLE h, const CK_MECHANISM& mech,
                                                  CK_OBJECT_HANDLE private_key, ByteView ciphertext,
                                                  const AttributeMap& tmpl) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kDecapsulateKey, *s);
  event.mechanism = mech.mechanism;
  event.object2 = private_key;
  Result<CK_OBJECT_HANDLE> made = decapsulate_key_in(*s, mech, private_key, ciphertext, tmpl);
  if (made.ok()) CoreAudit::name_object(event, s->slot(), *made);
  return audit_->record(std::move(event), std::move(made));
}

Status HsmCore::encapsulate_key_in(Session& s, const CK_MECHANISM& mech, CK_OBJECT_HANDLE public_key,
                                   const AttributeMap& tmpl, Output ciphertext, CK_OBJECT_HANDLE& key) {
  ASSIGN_OR_RETURN(const crypto::MechanismEntry* entry, offered_mechanism(mech.mechanism));
  if (!(entry->flags & CKF_ENCAPSULATE) || !entry->encapsulate) return Status(CKR_MECHANISM_INVALID);
  Result<ObjectPtr> object = visible_object(s, public_key);
  if (!object.ok()) return Status(CKR_KEY_HANDLE_INVALID);
  ASSIGN_OR_RETURN(crypto::KeyPtr kem_key, checked_key(*provider_, policy_, *entry, **object,
                                                       {CKF_ENCAPSULATE, CKA_ENCAPSULATE, kPublicKey}));
  // The template is checked before the length answer, so that a query
  // already reports a template the real call would refuse.
  ASSIGN_OR_RETURN(AttributeMap attrs, kem_key_template(s, mech, **object, tmpl, true));
  ASSIGN_OR_RETURN(std::size_t length, entry->ciphertext_length({*provider_, mech}, kem_key));
  if (ciphertext.is_query()) return ciphertext.report(length);
  RETURN_IF_ERROR(ciphertext.require(length));
  ASSIGN_OR_RETURN(crypto::Encapsulated made, entry->encapsulate({*provider_, mech}, kem_key));
  ASSIGN_OR_RETURN(key, publish_kem_secret(s, std::move(attrs), made.secret));
  return ciphertext.deliver(made.ciphertext);
}

Result<CK_OBJECT_HANDLE> HsmCore::decapsulate_key_in(Session& s, const CK_MECHANISM& mech,
                                                     CK_OBJECT_HANDLE private_key, ByteView ciphertext,
                                                     const AttributeMap& tmpl) {
  ASSIGN_OR_RETURN(const crypto::MechanismEntry* entry, offered_mechanism(mech.mechanism));
  if (!(entry->flags & CKF_DECAPSULATE) || !entry->decapsulate) return Status(CKR_MECHANISM_INVALID);
  // C_DecapsulateKey reports its private key as C_UnwrapKey reports the
  // unwrapping key, and the ciphertext as the wrapped key (its return values
  // in PKCS#11 3.2 are C_UnwrapKey's).
  Result<ObjectPtr> object = visible_object(s, private_key);
  if (!object.ok()) return Status(CKR_UNWRAPPING_KEY_HANDLE_INVALID);
  Result<crypto::KeyPtr> kem_key = checked_key(*provider_, policy_, *entry, **object,
                                               {CKF_DECAPSULATE, CKA_DECAPSULATE, kPrivateKey});
  if (!kem_key.ok()) return as_wrapping_key_error(kem_key.status(), true);
  ASSIGN_OR_RETURN(AttributeMap attrs, kem_key_template(s, mech, **object, tmpl, false));
  Result<SecureBytes> secret = entry->decapsulate({*provider_, mech}, *kem_key, ciphertext);
  if (!secret.ok()) return as_wrapping_key_error(as_wrapped_key_error(secret.status()), true);
  return publish_kem_secret(s, std::move(attrs), *secret);
}

Result<AttributeMap> HsmCore::kem_key_template(Session& s, const CK_MECHANISM& mech, const Object& kem_key,
                                               const AttributeMap& tmpl, bool encapsulating) {
  ASSIGN_OR_RETURN(AttributeMap merged,
                   merge_key_template(kem_key.attrs, encapsulating ? CKA_ENCAPSULATE_TEMPLATE
                                                                   : CKA_DECAPSULATE_TEMPLATE, tmpl));
  RuleContext ctx = rule_context(s, encapsulating ? Origin::Encapsulate : Origin::Decapsulate, mech.mechanism);
  ctx.implied_class = CKO_SECRET_KEY;
  ctx.implied_key_type = merged.ulong_or(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
  return prepare_new_object(merged, ctx);
}

// The key takes the first CKA_VALUE_LEN bytes of the secret, or all of it
// when the template has no length (DES3 keys take their fixed 24 bytes). A
// length the secret cannot fill is CKR_KEY_SIZE_RANGE; one the key type
// does not allow (an AES key of 64 bytes from a hybrid secret) is refused
// by the key-material check.
Result<CK_OBJECT_HANDLE> HsmCore::publish_kem_secret(Session& s, AttributeMap attrs, const SecureBytes& secret) {
  std::size_t length = attrs.ulong_or(CKA_VALUE_LEN, 0);
  if (length == 0) length = attrs.ulong_or(CKA_KEY_TYPE, 0) == CKK_DES3 ? 24 : secret.size();
  if (length > secret.size()) {
    return Status(CKR_KEY_SIZE_RANGE, "CKA_VALUE_LEN is longer than the shared secret (" +
                                          std::to_string(secret.size()) + " bytes)");
  }
  attrs.set_ulong(CKA_VALUE_LEN, length);
  attrs.set(CKA_VALUE, ByteView(secret).first(length));
  RETURN_IF_ERROR(crypto::complete_key_material(*provider_, attrs));
  return publish(s, std::move(attrs));
}

}  // namespace craton

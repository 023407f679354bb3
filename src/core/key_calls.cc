// HsmCore: key generation, wrapping, unwrapping and derivation (PKCS#11 §5.16).
#include <mutex>

#include "core/core_audit.h"
#include "core/hsm_core.h"
#include "core/key_checks.h"
#include "core/rule_context.h"
#include "crypto/key.h"
#include "crypto/pairwise.h"
#include "crypto/provider.h"
#include "token/slot.h"

namespace craton {
namespace {

// The key type a generation mechanism makes (PBKDF2 takes it from the template).
CK_KEY_TYPE key_type_made_by(CK_MECHANISM_TYPE mech, const AttributeMap& tmpl) {
  switch (mech) {
    case CKM_AES_KEY_GEN: return CKK_AES;
    case CKM_DES3_KEY_GEN: return CKK_DES3;
    case CKM_GENERIC_SECRET_KEY_GEN:  // may make HMAC-typed keys (CKK_SHA256_HMAC, ...)
      return tmpl.ulong_or(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
    case CKM_HKDF_KEY_GEN: return CKK_HKDF;
    case CKM_RSA_PKCS_KEY_PAIR_GEN: return CKK_RSA;
    case CKM_EC_KEY_PAIR_GEN: return CKK_EC;
    case CKM_EC_EDWARDS_KEY_PAIR_GEN: return CKK_EC_EDWARDS;
    case CKM_EC_MONTGOMERY_KEY_PAIR_GEN: return CKK_EC_MONTGOMERY;
    case CKM_ML_DSA_KEY_PAIR_GEN: return CKK_ML_DSA;
    case CKM_ML_KEM_KEY_PAIR_GEN: return CKK_ML_KEM;
    case CKM_CRATON_X25519_ML_KEM_768_KEY_PAIR_GEN: return CKK_CRATON_X25519_ML_KEM_768;
    case CKM_SLH_DSA_KEY_PAIR_GEN: return CKK_SLH_DSA;
    default: return tmpl.ulong_or(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
  }
}

}  // namespace

// The pairwise-consistency self-test of a new pair, before either half is
// published (so a failing pair never exists as objects). A failure means the
// module computes wrong results: it enters the error state.
Status HsmCore::check_generated_pair(const AttributeMap& pub, const AttributeMap& priv) {
  ASSIGN_OR_RETURN(crypto::KeyPtr public_key, crypto::load_key(*provider_, pub));
  ASSIGN_OR_RETURN(crypto::KeyPtr private_key, crypto::load_key(*provider_, priv));
  Status st = crypto::pairwise_consistency_test(*provider_, *public_key, *private_key);
  if (st.ok()) return st;
  enter_error_state("pairwise consistency test of a generated key pair failed: " + st.message());
  return Status(CKR_GENERAL_ERROR, "pairwise consistency test failed; the module is in the error state");
}

// --- the audited calls: each records its event with the result ---

Result<CK_OBJECT_HANDLE> HsmCore::generate_key(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, const AttributeMap& tmpl) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kGenerateKey, *s);
  event.mechanism = mech.mechanism;
  Result<CK_OBJECT_HANDLE> made = generate_key_in(*s, mech, tmpl);
  if (made.ok()) CoreAudit::name_object(event, s->slot(), *made);
  return audit_->record(std::move(event), std::move(made));
}

Status HsmCore::generate_key_pair(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, const AttributeMap& public_tmpl,
                                  const AttributeMap& private_tmpl, CK_OBJECT_HANDLE& public_key,
                                  CK_OBJECT_HANDLE& private_key) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kGenerateKeyPair, *s);
  event.mechanism = mech.mechanism;
  Status st = generate_key_pair_in(*s, mech, public_tmpl, private_tmpl, public_key, private_key);
  if (st.ok()) {
    CoreAudit::name_object(event, s->slot(), private_key);
    event.object2 = public_key;
  }
  return audit_->record(std::move(event), st);
}

// Recorded when a wrapped key was produced or refused, not for length questions.
Status HsmCore::wrap_key(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, CK_OBJECT_HANDLE wrapping_key,
                         CK_OBJECT_HANDLE key, Output out) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kWrapKey, *s);
  event.mechanism = mech.mechanism;
  CoreAudit::name_object(event, s->slot(), key);
  event.object2 = wrapping_key;
  Status st = wrap_key_in(*s, mech, wrapping_key, key, out);
  if ((st.ok() && out.is_query()) || st.rv() == CKR_BUFFER_TOO_SMALL) return st;
  return audit_->record(std::move(event), st);
}

Result<CK_OBJECT_HANDLE> HsmCore::unwrap_key(CK_SESSION_HANDLE h, const CK_MECHANISM& mech,
                                             CK_OBJECT_HANDLE unwrapping_key, ByteView wrapped,
                                             const AttributeMap& tmpl) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kUnwrapKey, *s);
  event.mechanism = mech.mechanism;
  event.object2 = unwrapping_key;
  Result<CK_OBJECT_HANDLE> made = unwrap_key_in(*s, mech, unwrapping_key, wrapped, tmpl);
  if (made.ok()) CoreAudit::name_object(event, s->slot(), *made);
  return audit_->record(std::move(event), std::move(made));
}

Result<CK_OBJECT_HANDLE> HsmCore::derive_key(CK_SESSION_HANDLE h, const CK_MECHANISM& mech, CK_OBJECT_HANDLE base_key,
                                             const AttributeMap& tmpl) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kDeriveKey, *s);
  event.mechanism = mech.mechanism;
  event.object2 = base_key;
  Result<CK_OBJECT_HANDLE> made = derive_key_in(*s, mech, base_key, tmpl);
  if (made.ok()) CoreAudit::name_object(event, s->slot(), *made);
  return audit_->record(std::move(event), std::move(made));
}

// --- the work itself ---

Result<CK_OBJECT_HANDLE> HsmCore::generate_key_in(Session& session, const CK_MECHANISM& mech,
                                                  const AttributeMap& tmpl) {
  Session* s = &session;
  ASSIGN_OR_RETURN(const crypto::MechanismEntry* entry, offered_mechanism(mech.mechanism));
  if (!(entry->flags & CKF_GENERATE) || !entry->generate_key) return Status(CKR_MECHANISM_INVALID);
  RuleContext ctx = rule_context(*s, Origin::Generate, mech.mechanism);
  ctx.implied_class = CKO_SECRET_KEY;
  ctx.implied_key_type = key_type_made_by(mech.mechanism, tmpl);
  ASSIGN_OR_RETURN(AttributeMap attrs, prepare_new_object(tmpl, ctx));
  RETURN_IF_ERROR(policy_.permits_operation(*entry, CKF_GENERATE));
  ASSIGN_OR_RETURN(AttributeMap material, entry->generate_key({*provider_, mech}, attrs));
  RETURN_IF_ERROR(policy_.permits_key(*entry, ctx.implied_key_type, material.bytes_or_empty(CKA_VALUE).size()));
  attrs.merge_from(material);
  // The length must suit the key type (an AES key of 20 bytes is refused
  // here, as C_CreateObject, C_DeriveKey and C_UnwrapKey refuse it).
  RETURN_IF_ERROR(crypto::complete_key_material(*provider_, attrs));
  return publish(*s, std::move(attrs));
}

Status HsmCore::generate_key_pair_in(Session& session, const CK_MECHANISM& mech, const AttributeMap& public_tmpl,
                                     const AttributeMap& private_tmpl, CK_OBJECT_HANDLE& public_key,
                                     CK_OBJECT_HANDLE& private_key) {
  Session* s = &session;
  ASSIGN_OR_RETURN(const crypto::MechanismEntry* entry, offered_mechanism(mech.mechanism));
  if (!(entry->flags & CKF_GENERATE_KEY_PAIR) || !entry->generate_key_pair) return Status(CKR_MECHANISM_INVALID);
  RuleContext ctx = rule_context(*s, Origin::GenerateKeyPair, mech.mechanism);
  ctx.implied_key_type = key_type_made_by(mech.mechanism, public_tmpl);
  ctx.implied_class = CKO_PUBLIC_KEY;
  ASSIGN_OR_RETURN(AttributeMap pub, prepare_new_object(public_tmpl, ctx));
  ctx.implied_class = CKO_PRIVATE_KEY;
  ASSIGN_OR_RETURN(AttributeMap priv, prepare_new_object(private_tmpl, ctx));
  // Fail before the expensive generation if either half could not be stored.
  if ((pub.bool_or(CKA_TOKEN, false) || priv.bool_or(CKA_TOKEN, false)) && !s->read_write()) {
    return Status(CKR_SESSION_READ_ONLY);
  }
  RETURN_IF_ERROR(policy_.permits_operation(*entry, CKF_GENERATE_KEY_PAIR));
  if (pub.has(CKA_MODULUS_BITS)) {  // the one pair size known before generating
    RETURN_IF_ERROR(policy_.permits_key(*entry, ctx.implied_key_type, pub.ulong_or(CKA_MODULUS_BITS, 0)));
  }
  AttributeMap pub_material, priv_material;
  RETURN_IF_ERROR(entry->generate_key_pair({*provider_, mech}, pub, priv, pub_material, priv_material));
  pub.merge_from(pub_material);
  priv.merge_from(priv_material);
  RETURN_IF_ERROR(check_generated_pair(pub, priv));
  ASSIGN_OR_RETURN(public_key, publish(*s, std::move(pub)));
  Result<CK_OBJECT_HANDLE> priv_handle = publish(*s, std::move(priv));
  if (!priv_handle.ok()) {
    // Never leave half a pair behind.
    if (ObjectPtr orphan = s->slot().objects().get(public_key)) (void)s->slot().destroy_object(orphan);
    return priv_handle.status();
  }
  private_key = *priv_handle;
  return Status::Ok();
}

Status HsmCore::wrap_key_in(Session& session, const CK_MECHANISM& mech, CK_OBJECT_HANDLE wrapping_key,
                            CK_OBJECT_HANDLE key, Output out) {
  Session* s = &session;
  ASSIGN_OR_RETURN(const crypto::MechanismEntry* entry, offered_mechanism(mech.mechanism));
  if (!entry->encrypt) return Status(CKR_MECHANISM_INVALID);
  Result<ObjectPtr> wrapper = visible_object(*s, wrapping_key);
  if (!wrapper.ok()) return Status(CKR_WRAPPING_KEY_HANDLE_INVALID);
  Result<ObjectPtr> target = visible_object(*s, key);
  if (!target.ok() || !(*target)->is_key()) return Status(CKR_KEY_HANDLE_INVALID);
  Result<crypto::KeyPtr> kek =
      checked_key(*provider_, policy_, *entry, **wrapper, {CKF_WRAP, CKA_WRAP, kSecretKey | kPublicKey});
  if (!kek.ok()) return as_wrapping_key_error(kek.status(), false);
  RETURN_IF_ERROR(check_wrap_allowed((*wrapper)->attrs, (*target)->attrs));

  SecureBytes plain;
  switch ((*target)->object_class()) {
    case CKO_SECRET_KEY: plain = copy_bytes<SecureBytes>((*target)->attrs.bytes_or_empty(CKA_VALUE)); break;
    case CKO_PRIVATE_KEY: {
      ASSIGN_OR_RETURN(plain, crypto::encode_private_key_pkcs8(*provider_, (*target)->attrs));
      break;
    }
    default: return Status(CKR_KEY_NOT_WRAPPABLE, "public keys are not wrapped");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<crypto::CipherOperation> op, entry->encrypt({*provider_, mech}, *kek));
  if (out.is_query()) return out.report(op->run_length(plain.size()));
  Bytes wrapped;
  Status st = op->run(plain, wrapped);
  if (st.rv() == CKR_DATA_LEN_RANGE) return Status(CKR_KEY_SIZE_RANGE, "key does not fit this wrapping mechanism");
  RETURN_IF_ERROR(st);
  return out.deliver(wrapped);
}

Result<CK_OBJECT_HANDLE> HsmCore::unwrap_key_in(Session& session, const CK_MECHANISM& mech,
                                                CK_OBJECT_HANDLE unwrapping_key, ByteView wrapped,
                                                const AttributeMap& tmpl) {
  Session* s = &session;
  ASSIGN_OR_RETURN(const crypto::MechanismEntry* entry, offered_mechanism(mech.mechanism));
  if (!entry->decrypt) return Status(CKR_MECHANISM_INVALID);
  Result<ObjectPtr> unwrapper = visible_object(*s, unwrapping_key);
  if (!unwrapper.ok()) return Status(CKR_UNWRAPPING_KEY_HANDLE_INVALID);
  Result<crypto::KeyPtr> kek =
      checked_key(*provider_, policy_, *entry, **unwrapper, {CKF_UNWRAP, CKA_UNWRAP, kSecretKey | kPrivateKey});
  if (!kek.ok()) return as_wrapping_key_error(kek.status(), true);
  ASSIGN_OR_RETURN(AttributeMap merged, merge_key_template((*unwrapper)->attrs, CKA_UNWRAP_TEMPLATE, tmpl));
  if (!merged.has(CKA_CLASS)) return Status(CKR_TEMPLATE_INCOMPLETE, "C_UnwrapKey needs CKA_CLASS");

  ASSIGN_OR_RETURN(std::unique_ptr<crypto::CipherOperation> op, entry->decrypt({*provider_, mech}, *kek));
  Bytes plain_raw;
  Status st = op->run(wrapped, plain_raw);
  SecureBytes plain(plain_raw.begin(), plain_raw.end());
  secure_wipe(plain_raw.data(), plain_raw.size());
  if (!st.ok()) return as_wrapped_key_error(st);

  const CK_OBJECT_CLASS cls = merged.ulong_or(CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
  AttributeMap material;
  if (cls == CKO_PRIVATE_KEY) {
    Result<AttributeMap> decoded = crypto::decode_private_key_pkcs8(*provider_, plain);
    if (!decoded.ok()) return Status(CKR_WRAPPED_KEY_INVALID, decoded.status().message());
    material = std::move(decoded).value();
    if (merged.has(CKA_KEY_TYPE) && merged.get_ulong(CKA_KEY_TYPE) != material.get_ulong(CKA_KEY_TYPE)) {
      return Status(CKR_TEMPLATE_INCONSISTENT, "CKA_KEY_TYPE differs from the wrapped key");
    }
    if (!merged.has(CKA_KEY_TYPE)) merged.set(CKA_KEY_TYPE, material.bytes_or_empty(CKA_KEY_TYPE));
    material.erase(CKA_CLASS);
    material.erase(CKA_KEY_TYPE);
  } else if (cls == CKO_SECRET_KEY) {
    // CKA_VALUE_LEN trims padding of mechanisms without length information (e.g. AES-ECB).
    const CK_ULONG want = merged.ulong_or(CKA_VALUE_LEN, plain.size());
    if (want > plain.size()) return Status(CKR_WRAPPED_KEY_INVALID, "wrapped key shorter than CKA_VALUE_LEN");
    material.set(CKA_VALUE, ByteView(plain).first(want));
    merged.erase(CKA_VALUE_LEN);
  } else {
    return Status(CKR_TEMPLATE_INCONSISTENT, "only secret and private keys can be unwrapped");
  }
  ASSIGN_OR_RETURN(AttributeMap attrs, prepare_new_object(merged, rule_context(*s, Origin::Unwrap, mech.mechanism)));
  attrs.merge_from(material);
  RETURN_IF_ERROR(crypto::complete_key_material(*provider_, attrs));
  return publish(*s, std::move(attrs));
}

Result<CK_OBJECT_HANDLE> HsmCore::derive_key_in(Session& session, const CK_MECHANISM& mech, CK_OBJECT_HANDLE base_key,
                                                const AttributeMap& tmpl) {
  Session* s = &session;
  ASSIGN_OR_RETURN(const crypto::MechanismEntry* entry, offered_mechanism(mech.mechanism));
  if (!(entry->flags & CKF_DERIVE) || !entry->derive) return Status(CKR_MECHANISM_INVALID);
  Result<ObjectPtr> base = visible_object(*s, base_key);
  if (!base.ok()) return Status(CKR_KEY_HANDLE_INVALID);

  crypto::KeyPtr base_parsed;
  if ((*base)->object_class() == CKO_DATA && mech.mechanism == CKM_HKDF_DATA) {
    // CKM_HKDF_DATA derives from a data object's value (PKCS#11 3.0 §2.43).
    auto data = std::make_shared<crypto::Key>();
    data->object_class = CKO_DATA;
    data->secret = copy_bytes<SecureBytes>((*base)->attrs.bytes_or_empty(CKA_VALUE));
    data->bits = data->secret.size() * 8;
    base_parsed = data;
  } else {
    ASSIGN_OR_RETURN(base_parsed, checked_key(*provider_, policy_, *entry, **base,
                                              {CKF_DERIVE, CKA_DERIVE, kPrivateKey | kSecretKey}));
  }
  ASSIGN_OR_RETURN(AttributeMap merged, merge_key_template((*base)->attrs, CKA_DERIVE_TEMPLATE, tmpl));
  // CKM_HKDF_DATA makes a data object (PKCS#11 3.0 §2.43.3); the others keys.
  const bool makes_data = mech.mechanism == CKM_HKDF_DATA;
  RuleContext ctx = rule_context(*s, Origin::Derive, mech.mechanism);
  ctx.implied_class = makes_data ? CKO_DATA : CKO_SECRET_KEY;
  if (!makes_data) ctx.implied_key_type = merged.ulong_or(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
  ctx.base = &(*base)->attrs;
  // A data object has no CKA_VALUE_LEN: its length comes from the template's
  // CKA_VALUE_LEN, which is consumed here rather than stored.
  const std::size_t data_length = makes_data ? merged.ulong_or(CKA_VALUE_LEN, 0) : 0;
  if (makes_data) merged.erase(CKA_VALUE_LEN);
  ASSIGN_OR_RETURN(AttributeMap attrs, prepare_new_object(merged, ctx));

  std::size_t length = makes_data ? data_length : attrs.ulong_or(CKA_VALUE_LEN, 0);
  if (length == 0 && attrs.ulong_or(CKA_KEY_TYPE, 0) == CKK_DES3) length = 24;
  if (length == 0 && attrs.ulong_or(CKA_KEY_TYPE, 0) == CKK_AES) {
    return Status(CKR_TEMPLATE_INCOMPLETE, "AES keys need CKA_VALUE_LEN");
  }
  const Session& session_ref = *s;
  crypto::KeyResolver resolve = [this, &session_ref](CK_OBJECT_HANDLE other) -> Result<crypto::KeyPtr> {
    Result<ObjectPtr> object = visible_object(session_ref, other);
    if (!object.ok()) return Status(CKR_KEY_HANDLE_INVALID);
    return (*object)->key(*provider_);
  };
  ASSIGN_OR_RETURN(SecureBytes secret, entry->derive({*provider_, mech}, base_parsed, length, resolve));
  if (makes_data) {
    attrs.set(CKA_VALUE, std::move(secret));
    return publish(*s, std::move(attrs));
  }
  attrs.set_ulong(CKA_VALUE_LEN, secret.size());
  attrs.set(CKA_VALUE, std::move(secret));
  RETURN_IF_ERROR(crypto::complete_key_material(*provider_, attrs));
  return publish(*s, std::move(attrs));
}

}  // namespace craton

// HsmCore: object management (PKCS#11 §5.7).
#include "core/core_audit.h"
#include "core/hsm_core.h"
#include "core/rule_context.h"
#include "session/session_table.h"
#include "object/attribute_catalog.h"
#include "crypto/key.h"
#include "crypto/provider.h"
#include "token/slot.h"

namespace craton {
namespace {

// Token objects can be created, changed or destroyed only in R/W sessions.
Status check_writable(const Session& s, const AttributeMap& attrs) {
  if (attrs.bool_or(CKA_TOKEN, false) && !s.read_write()) return Status(CKR_SESSION_READ_ONLY);
  return Status::Ok();
}

}  // namespace

Result<CK_OBJECT_HANDLE> HsmCore::publish(Session& s, AttributeMap attrs) {
  RETURN_IF_ERROR(check_writable(s, attrs));
  ASSIGN_OR_RETURN(ObjectPtr object, s.slot().add_object(std::move(attrs), s.handle()));
  // A session closed while we created its object has already dropped its
  // session objects; this one came too late and goes the same way.
  if (!object->is_token() && !sessions_->get(s.handle()).ok()) {
    (void)s.slot().destroy_object(object);
    return Status(CKR_SESSION_CLOSED);
  }
  return object->handle;
}

// Secret and private keys brought in by value are recorded as imports; other
// objects (public keys, certificates, data) as creations.
Result<CK_OBJECT_HANDLE> HsmCore::create_object(CK_SESSION_HANDLE h, const AttributeMap& tmpl) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  const CK_OBJECT_CLASS cls = tmpl.ulong_or(CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
  const bool import = cls == CKO_SECRET_KEY || cls == CKO_PRIVATE_KEY;
  AuditEvent event = CoreAudit::about(import ? AuditEventType::kImportKey : AuditEventType::kCreateObject, *s);
  Result<CK_OBJECT_HANDLE> made = create_object_in(*s, tmpl);
  if (made.ok()) CoreAudit::name_object(event, s->slot(), *made);
  return audit_->record(std::move(event), std::move(made));
}

Result<CK_OBJECT_HANDLE> HsmCore::create_object_in(Session& s, const AttributeMap& tmpl) {
  ASSIGN_OR_RETURN(AttributeMap attrs, prepare_new_object(tmpl, rule_context(s, Origin::Create)));
  RETURN_IF_ERROR(check_writable(s, attrs));
  if (is_key_class(attrs.ulong_or(CKA_CLASS, CK_UNAVAILABLE_INFORMATION))) {
    RETURN_IF_ERROR(crypto::complete_key_material(*provider_, attrs));
  }
  return publish(s, std::move(attrs));
}

Result<CK_OBJECT_HANDLE> HsmCore::copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, const AttributeMap& tmpl) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kCopyObject, *s);
  event.object2 = obj;
  Result<CK_OBJECT_HANDLE> made = [&]() -> Result<CK_OBJECT_HANDLE> {
    ASSIGN_OR_RETURN(ObjectPtr original, visible_object(*s, obj));
    ASSIGN_OR_RETURN(AttributeMap attrs, prepare_copy(original->attrs, tmpl, rule_context(*s, Origin::Copy)));
    return publish(*s, std::move(attrs));
  }();
  if (made.ok()) CoreAudit::name_object(event, s->slot(), *made);
  return audit_->record(std::move(event), std::move(made));
}

Status HsmCore::destroy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kDestroyObject, *s);
  event.object = obj;
  Status st = [&]() -> Status {
    ASSIGN_OR_RETURN(ObjectPtr object, visible_object(*s, obj));
    CoreAudit::name_object(event, s->slot(), obj);  // while it still exists
    RETURN_IF_ERROR(check_writable(*s, object->attrs));
    if (!object->attrs.bool_or(CKA_DESTROYABLE, true)) return Status(CKR_ACTION_PROHIBITED, "CKA_DESTROYABLE is false");
    return s->slot().destroy_object(object);
  }();
  return audit_->record(std::move(event), st);
}

Result<CK_ULONG> HsmCore::object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  ASSIGN_OR_RETURN(ObjectPtr object, visible_object(*s, obj));
  // The size of the object's stored record: what it costs the token.
  return static_cast<CK_ULONG>(object->attrs.encode().size());
}

Result<ObjectPtr> HsmCore::read_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  return visible_object(*s, obj);
}

// The entry names the attributes changed, never their values.
Status HsmCore::set_attributes(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, const AttributeMap& changes) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  RETURN_IF_ERROR(audit_->ready());
  AuditEvent event = CoreAudit::about(AuditEventType::kSetAttribute, *s);
  event.object = obj;
  std::string names;
  for (const auto& [type, value] : changes) {
    if (!names.empty()) names += ',';
    names += attribute_kind(type) ? attribute_name(type) : audit_hex(type);
  }
  event.detail.emplace_back("attributes", std::move(names));
  Slot& slot = s->slot();
  const RuleContext ctx = rule_context(*s, Origin::Create);
  Status st = slot.modify_object(
      obj, [&slot](const Object& o) { return slot.visible(o); },
      [&](const Object& current) -> Result<AttributeMap> {
        RETURN_IF_ERROR(check_writable(*s, current.attrs));
        return apply_changes(current.attrs, changes, ctx);
      });
  if (st.ok()) CoreAudit::name_object(event, slot, obj);  // the label as it is now
  return audit_->record(std::move(event), st);
}

Status HsmCore::find_init(CK_SESSION_HANDLE h, const AttributeMap& tmpl) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::lock_guard lock(s->mu);
  if (s->find.active) return Status(CKR_OPERATION_ACTIVE);
  const Slot& slot = s->slot();
  s->find.results = slot.objects().find(tmpl, [&slot](const Object& o) { return slot.visible(o); });
  s->find.next = 0;
  s->find.active = true;
  return Status::Ok();
}

Result<std::size_t> HsmCore::find(CK_SESSION_HANDLE h, std::span<CK_OBJECT_HANDLE> out) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::lock_guard lock(s->mu);
  FindState& f = s->find;
  if (!f.active) return Status(CKR_OPERATION_NOT_INITIALIZED);
  std::size_t n = 0;
  while (n < out.size() && f.next < f.results.size()) out[n++] = f.results[f.next++];
  return n;
}

Status HsmCore::find_final(CK_SESSION_HANDLE h) {
  ASSIGN_OR_RETURN(SessionPtr s, session(h));
  std::lock_guard lock(s->mu);
  if (!s->find.active) return Status(CKR_OPERATION_NOT_INITIALIZED);
  s->find = FindState{};
  return Status::Ok();
}

}  // namespace craton

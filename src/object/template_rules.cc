#include "object/template_rules.h"

#include <algorithm>
#include <cstring>

#include "object/object.h"

namespace craton {
namespace {

using namespace attr_flag;  // NOLINT: flags are read constantly below

// A known attribute on an object that does not have it: the specification's
// own example of an inconsistent template (PKCS#11 3.0 §4.1.1 rule 5), and the
// C_SetAttributeValue/C_CopyObject "incompatible with other existing
// attributes" case.
constexpr CK_RV kNotForThisObject = CKR_TEMPLATE_INCONSISTENT;

std::string named(CK_ATTRIBUTE_TYPE type, const char* what) { return std::string(attribute_name(type)) + what; }

bool is_generate(Origin o) { return o == Origin::Generate || o == Origin::GenerateKeyPair; }

// Derive, Encapsulate and Decapsulate make keys whose material comes from the
// operation, like C_UnwrapKey: they use the unwrap column of the footnotes.
bool uses_unwrap_column(Origin o) {
  return o == Origin::Unwrap || o == Origin::Derive || o == Origin::Encapsulate || o == Origin::Decapsulate;
}

std::uint32_t forbidden_flag(Origin o) {
  if (is_generate(o)) return kGenerateForbidden;
  if (uses_unwrap_column(o)) return kUnwrapForbidden;
  return kCreateForbidden;
}

std::uint32_t required_flag(Origin o) {
  if (is_generate(o)) return kGenerateRequired;
  if (uses_unwrap_column(o)) return kUnwrapRequired;
  return kCreateRequired;
}

bool same_value(CK_ATTRIBUTE_TYPE type, const SecureBytes& a, const SecureBytes& b) {
  if (attribute_kind(type) == AttributeKind::kBool && a.size() == 1 && b.size() == 1) {
    return (a[0] != CK_FALSE) == (b[0] != CK_FALSE);
  }
  return a == b;
}

Status check_all_well_formed(const AttributeMap& tmpl) {
  for (const auto& [type, value] : tmpl) RETURN_IF_ERROR(check_well_formed(type, ByteView(value.data(), value.size())));
  return Status::Ok();
}

// --- Which object is being made ---

// The class a creating function produces when the template does not say.
CK_OBJECT_CLASS implied_class(const RuleContext& ctx) {
  if (ctx.implied_class != CK_UNAVAILABLE_INFORMATION) return ctx.implied_class;
  switch (ctx.origin) {
    case Origin::Generate: case Origin::Derive: case Origin::Encapsulate: case Origin::Decapsulate:
      return CKO_SECRET_KEY;
    default:
      return CK_UNAVAILABLE_INFORMATION;
  }
}

// Classes each creating function can produce (C_GenerateKey: secret keys;
// C_UnwrapKey: private or secret keys; ...).
bool origin_can_make(Origin o, CK_OBJECT_CLASS c) {
  switch (o) {
    case Origin::Generate: case Origin::Encapsulate: case Origin::Decapsulate:
      return c == CKO_SECRET_KEY;
    // CKM_HKDF_DATA derives a data object; the mechanism's implied class
    // (resolve_class) keeps every other derivation to secret keys.
    case Origin::Derive: return c == CKO_SECRET_KEY || c == CKO_DATA;
    case Origin::GenerateKeyPair: return c == CKO_PUBLIC_KEY || c == CKO_PRIVATE_KEY;
    case Origin::Unwrap: return c == CKO_SECRET_KEY || c == CKO_PRIVATE_KEY;
    default: return true;
  }
}

Result<CK_OBJECT_CLASS> resolve_class(const AttributeMap& tmpl, const RuleContext& ctx) {
  const std::optional<CK_ULONG> given = tmpl.get_ulong(CKA_CLASS);
  if (given && !is_supported_class(*given)) return Status(CKR_ATTRIBUTE_VALUE_INVALID, "unsupported CKA_CLASS");
  const CK_OBJECT_CLASS implied = implied_class(ctx);
  if (given && implied != CK_UNAVAILABLE_INFORMATION && *given != implied) {
    return Status(CKR_TEMPLATE_INCONSISTENT, "CKA_CLASS contradicts the mechanism");
  }
  const CK_OBJECT_CLASS c = given ? *given : implied;
  if (c == CK_UNAVAILABLE_INFORMATION) return Status(CKR_TEMPLATE_INCOMPLETE, "CKA_CLASS missing");
  if (!origin_can_make(ctx.origin, c)) return Status(CKR_TEMPLATE_INCONSISTENT, "this function cannot make that class");
  return c;
}

Result<CK_KEY_TYPE> resolve_key_type(const AttributeMap& tmpl, CK_OBJECT_CLASS c, const RuleContext& ctx) {
  if (!is_key_class(c)) return CK_KEY_TYPE{CK_UNAVAILABLE_INFORMATION};
  const std::optional<CK_ULONG> given = tmpl.get_ulong(CKA_KEY_TYPE);
  if (given && !is_supported_key_type(*given)) return Status(CKR_ATTRIBUTE_VALUE_INVALID, "unsupported CKA_KEY_TYPE");
  const CK_KEY_TYPE implied = ctx.implied_key_type;
  if (given && implied != CK_UNAVAILABLE_INFORMATION && *given != implied) {
    return Status(CKR_TEMPLATE_INCONSISTENT, "CKA_KEY_TYPE contradicts the mechanism");
  }
  const CK_KEY_TYPE t = given ? *given : implied;
  if (t == CK_UNAVAILABLE_INFORMATION) return Status(CKR_TEMPLATE_INCOMPLETE, "CKA_KEY_TYPE missing");
  if (!key_type_fits_class(t, c)) return Status(CKR_TEMPLATE_INCONSISTENT, "key type does not fit the class");
  return t;
}

Result<ObjectShape> resolve_shape(const AttributeMap& tmpl, const RuleContext& ctx) {
  ObjectShape shape;
  ASSIGN_OR_RETURN(shape.object_class, resolve_class(tmpl, ctx));
  ASSIGN_OR_RETURN(shape.key_type, resolve_key_type(tmpl, shape.object_class, ctx));
  if (shape.object_class == CKO_CERTIFICATE) {
    const std::optional<CK_ULONG> cert_type = tmpl.get_ulong(CKA_CERTIFICATE_TYPE);
    if (!cert_type) return Status(CKR_TEMPLATE_INCOMPLETE, "CKA_CERTIFICATE_TYPE missing");
    if (*cert_type != CKC_X_509) return Status(CKR_ATTRIBUTE_VALUE_INVALID, "only X.509 certificates are supported");
    shape.certificate_type = *cert_type;
  }
  return shape;
}

// --- Checks on the caller's template ---

Status check_supplied(const AttributeMap& tmpl, const ObjectShape& shape, const RuleContext& ctx) {
  for (const auto& [type, value] : tmpl) {
    const AttributeRule* rule = find_rule(shape, type);
    if (rule == nullptr) return Status(kNotForThisObject, named(type, " does not belong to this object"));
    if ((rule->flags & kTokenOnly) != 0) return Status(CKR_ATTRIBUTE_READ_ONLY, named(type, " is set by the token"));
    if ((rule->flags & forbidden_flag(ctx.origin)) != 0) {
      return Status(CKR_ATTRIBUTE_READ_ONLY, named(type, " must not be specified here"));
    }
    if (type == CKA_TRUSTED && value[0] != CK_FALSE && !ctx.so_session) {
      return Status(CKR_ATTRIBUTE_READ_ONLY, "only the SO may set CKA_TRUSTED");
    }
  }
  return Status::Ok();
}

bool ulong_at_most(const AttributeMap& tmpl, CK_ATTRIBUTE_TYPE type, CK_ULONG max, CK_ULONG min = 0) {
  const std::optional<CK_ULONG> v = tmpl.get_ulong(type);
  return !v || (*v >= min && *v <= max);
}

// Values with a closed set of meanings (§4.6, 3.2 CKP_ tables).
Status check_domains(const AttributeMap& tmpl, const ObjectShape& shape) {
  if (!ulong_at_most(tmpl, CKA_CERTIFICATE_CATEGORY, CK_CERTIFICATE_CATEGORY_OTHER_ENTITY) ||
      !ulong_at_most(tmpl, CKA_JAVA_MIDP_SECURITY_DOMAIN, CK_SECURITY_DOMAIN_THIRD_PARTY)) {
    return Status(CKR_ATTRIBUTE_VALUE_INVALID, "certificate category or security domain out of range");
  }
  CK_ULONG max_set = 0;
  if (shape.key_type == CKK_ML_KEM) max_set = CKP_ML_KEM_1024;
  if (shape.key_type == CKK_ML_DSA) max_set = CKP_ML_DSA_87;
  if (shape.key_type == CKK_SLH_DSA) max_set = CKP_SLH_DSA_SHAKE_256F;
  if (max_set != 0 && !ulong_at_most(tmpl, CKA_PARAMETER_SET, max_set, 1)) {
    return Status(CKR_ATTRIBUTE_VALUE_INVALID, "unknown CKA_PARAMETER_SET");
  }
  return Status::Ok();
}

bool has_non_empty(const AttributeMap& m, CK_ATTRIBUTE_TYPE type) {
  const SecureBytes* v = m.find(type);
  return v != nullptr && !v->empty();
}

// Requirements stated in prose rather than in one footnote.
Status check_special_requirements(const AttributeMap& tmpl, const ObjectShape& shape, Origin origin) {
  if (origin != Origin::Create) return Status::Ok();
  if (shape.object_class == CKO_CERTIFICATE) {
    // X.509 footnotes 2-4: the certificate or its URL; with a URL, the key hashes.
    const bool url = has_non_empty(tmpl, CKA_URL);
    if (!url && !has_non_empty(tmpl, CKA_VALUE)) return Status(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE missing");
    if (url && (!has_non_empty(tmpl, CKA_HASH_OF_SUBJECT_PUBLIC_KEY) ||
                !has_non_empty(tmpl, CKA_HASH_OF_ISSUER_PUBLIC_KEY))) {
      return Status(CKR_TEMPLATE_INCOMPLETE, "a CKA_URL certificate needs both public key hashes");
    }
  }
  const bool seeded = shape.key_type == CKK_ML_KEM || shape.key_type == CKK_ML_DSA;
  if (shape.object_class == CKO_PRIVATE_KEY && seeded && !tmpl.has(CKA_SEED) && !tmpl.has(CKA_VALUE)) {
    return Status(CKR_TEMPLATE_INCOMPLETE, "CKA_SEED or CKA_VALUE required");
  }
  return Status::Ok();
}

Status check_required(const AttributeMap& tmpl, const ObjectShape& shape, Origin origin) {
  const std::uint32_t required = required_flag(origin);
  for (std::span<const AttributeRule> table : rule_tables(shape)) {
    for (const AttributeRule& rule : table) {
      // Class, key type and certificate type were resolved already (they may be implied).
      if (rule.type == CKA_CLASS || rule.type == CKA_KEY_TYPE || rule.type == CKA_CERTIFICATE_TYPE) continue;
      if ((rule.flags & required) != 0 && !tmpl.has(rule.type)) {
        return Status(CKR_TEMPLATE_INCOMPLETE, named(rule.type, " missing"));
      }
    }
  }
  return check_special_requirements(tmpl, shape, origin);
}

// --- Defaults and token-set attributes ---

void default_bool(AttributeMap& a, CK_ATTRIBUTE_TYPE t, bool v) {
  if (!a.has(t)) a.set_bool(t, v);
}
void default_ulong(AttributeMap& a, CK_ATTRIBUTE_TYPE t, CK_ULONG v) {
  if (!a.has(t)) a.set_ulong(t, v);
}
void default_empty(AttributeMap& a, std::initializer_list<CK_ATTRIBUTE_TYPE> types) {
  for (CK_ATTRIBUTE_TYPE t : types) {
    if (!a.has(t)) a.set(t, SecureBytes{});
  }
}

void fill_storage_defaults(AttributeMap& a, const ObjectShape& shape) {
  default_bool(a, CKA_TOKEN, false);
  default_bool(a, CKA_PRIVATE, shape.object_class == CKO_PRIVATE_KEY || shape.object_class == CKO_SECRET_KEY);
  default_bool(a, CKA_MODIFIABLE, true);
  default_bool(a, CKA_COPYABLE, true);
  default_bool(a, CKA_DESTROYABLE, true);
  default_empty(a, {CKA_LABEL});
}

void fill_certificate_defaults(AttributeMap& a) {
  default_bool(a, CKA_TRUSTED, false);
  default_ulong(a, CKA_CERTIFICATE_CATEGORY, CK_CERTIFICATE_CATEGORY_UNSPECIFIED);
  default_ulong(a, CKA_JAVA_MIDP_SECURITY_DOMAIN, CK_SECURITY_DOMAIN_UNSPECIFIED);
  default_ulong(a, CKA_NAME_HASH_ALGORITHM, CKM_SHA_1);  // "defaults to SHA-1"
  default_empty(a, {CKA_START_DATE, CKA_END_DATE, CKA_PUBLIC_KEY_INFO, CKA_ID, CKA_ISSUER, CKA_SERIAL_NUMBER,
                    CKA_VALUE, CKA_URL, CKA_HASH_OF_SUBJECT_PUBLIC_KEY, CKA_HASH_OF_ISSUER_PUBLIC_KEY});
}

// CKA_PUBLIC_KEY_INFO, CKA_VALUE_LEN, CKA_MODULUS_BITS and CKA_EC_POINT of keys
// are left to crypto::complete_key_material, which computes them.
void fill_key_defaults(AttributeMap& a, const ObjectShape& shape, Origin origin) {
  default_empty(a, {CKA_ID, CKA_START_DATE, CKA_END_DATE, CKA_ALLOWED_MECHANISMS});
  const std::span<const CK_ATTRIBUTE_TYPE> can = default_usages(shape.object_class, shape.key_type);
  for (CK_ATTRIBUTE_TYPE flag : usage_flags(shape.object_class)) {
    default_bool(a, flag, std::find(can.begin(), can.end(), flag) != can.end());
  }
  if (shape.object_class == CKO_PUBLIC_KEY) {
    default_bool(a, CKA_TRUSTED, false);
    default_empty(a, {CKA_SUBJECT, CKA_WRAP_TEMPLATE, CKA_ENCAPSULATE_TEMPLATE});
    return;
  }
  // Private and secret keys.
  default_bool(a, CKA_SENSITIVE, true);
  // C_UnwrapKey, C_EncapsulateKey and C_DecapsulateKey: "CKA_EXTRACTABLE ... default of CK_TRUE".
  default_bool(a, CKA_EXTRACTABLE, uses_unwrap_column(origin) && origin != Origin::Derive);
  default_bool(a, CKA_WRAP_WITH_TRUSTED, false);
  default_empty(a, {CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE});
  if (shape.object_class == CKO_PRIVATE_KEY) {
    default_bool(a, CKA_ALWAYS_AUTHENTICATE, false);
    default_empty(a, {CKA_SUBJECT, CKA_DECAPSULATE_TEMPLATE});
  } else {
    default_bool(a, CKA_TRUSTED, false);
    default_empty(a, {CKA_WRAP_TEMPLATE});
  }
}

void fill_defaults(AttributeMap& a, const ObjectShape& shape, Origin origin) {
  a.set_ulong(CKA_CLASS, shape.object_class);
  fill_storage_defaults(a, shape);
  if (shape.object_class == CKO_DATA) default_empty(a, {CKA_APPLICATION, CKA_OBJECT_ID, CKA_VALUE});
  if (shape.object_class == CKO_CERTIFICATE) fill_certificate_defaults(a);
  if (is_key_class(shape.object_class)) {
    a.set_ulong(CKA_KEY_TYPE, shape.key_type);
    fill_key_defaults(a, shape, origin);
  }
}

// CKA_LOCAL, CKA_KEY_GEN_MECHANISM, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE.
void set_token_attributes(AttributeMap& a, const ObjectShape& shape, const RuleContext& ctx) {
  if (!is_key_class(shape.object_class)) return;
  const bool generated = is_generate(ctx.origin);
  a.set_bool(CKA_LOCAL, generated);
  a.set_ulong(CKA_KEY_GEN_MECHANISM, generated ? ctx.mechanism : CK_UNAVAILABLE_INFORMATION);
  if (shape.object_class == CKO_PUBLIC_KEY) return;
  const bool sensitive = a.bool_or(CKA_SENSITIVE, true);
  const bool extractable = a.bool_or(CKA_EXTRACTABLE, false);
  bool always_sensitive = false;
  bool never_extractable = false;
  if (generated) {
    always_sensitive = sensitive;
    never_extractable = !extractable;
  } else if (ctx.origin == Origin::Derive && ctx.base != nullptr) {
    // Derivation mechanisms (§6.x): FALSE if the base key's is FALSE,
    // otherwise the new key's own SENSITIVE / !EXTRACTABLE.
    always_sensitive = ctx.base->bool_or(CKA_ALWAYS_SENSITIVE, false) && sensitive;
    never_extractable = ctx.base->bool_or(CKA_NEVER_EXTRACTABLE, false) && !extractable;
  }
  a.set_bool(CKA_ALWAYS_SENSITIVE, always_sensitive);
  a.set_bool(CKA_NEVER_EXTRACTABLE, never_extractable);
}

// --- Checks on the finished attribute set ---

Status check_consistency(const AttributeMap& a) {
  // §4.9: "This attribute may only be set to CK_TRUE when CKA_PRIVATE is also CK_TRUE."
  if (a.bool_or(CKA_ALWAYS_AUTHENTICATE, false) && !a.bool_or(CKA_PRIVATE, false)) {
    return Status(CKR_TEMPLATE_INCONSISTENT, "CKA_ALWAYS_AUTHENTICATE needs CKA_PRIVATE");
  }
  return Status::Ok();
}

// §5.7: "Only session objects can be created during a read-only session. Only
// public objects can be created unless the normal user is logged in." This
// token also keeps token private/secret keys (even public ones) to logged-in
// users, so that no unauthenticated session can plant persistent key material.
Status check_session(const AttributeMap& a, const RuleContext& ctx) {
  const bool token = a.bool_or(CKA_TOKEN, false);
  if (token && !ctx.rw_session) return Status(CKR_SESSION_READ_ONLY, "token objects need a R/W session");
  if (ctx.user_logged_in) return Status::Ok();
  if (a.bool_or(CKA_PRIVATE, false)) return Status(CKR_USER_NOT_LOGGED_IN, "private objects need a user login");
  const CK_OBJECT_CLASS c = a.ulong_or(CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
  if (token && (c == CKO_PRIVATE_KEY || c == CKO_SECRET_KEY)) {
    return Status(CKR_USER_NOT_LOGGED_IN, "token keys with secret material need a user login");
  }
  return Status::Ok();
}

AttributeMap canonical(const AttributeMap& tmpl) {
  AttributeMap out = tmpl;
  canonicalize_booleans(out);
  return out;
}

// --- Changing an existing object (C_SetAttributeValue, C_CopyObject) ---

Status check_one_way(const AttributeMap& current, const AttributeRule& rule, bool wanted) {
  // A missing value counts as the locked state, so nothing is unlocked by accident.
  const bool now = current.bool_or(rule.type, (rule.flags & kSticksTrue) != 0);
  if (wanted == now) return Status::Ok();
  if ((rule.flags & kSticksTrue) != 0 && wanted) return Status::Ok();    // FALSE -> TRUE
  if ((rule.flags & kSticksFalse) != 0 && !wanted) return Status::Ok();  // TRUE -> FALSE
  return Status(CKR_ATTRIBUTE_READ_ONLY, named(rule.type, " cannot move back"));
}

Status check_change(const AttributeMap& current, const AttributeRule& rule, const SecureBytes& value,
                    const RuleContext& ctx, bool copying) {
  const std::uint32_t f = rule.flags;
  if ((f & kTokenOnly) != 0) return Status(CKR_ATTRIBUTE_READ_ONLY, named(rule.type, " is set by the token"));
  if (rule.type == CKA_TRUSTED) {
    // Footnote 10; a copy may drop the trust, which grants nothing.
    if (ctx.so_session || (copying && value[0] == CK_FALSE)) return Status::Ok();
    return Status(CKR_ATTRIBUTE_READ_ONLY, "only the SO may change CKA_TRUSTED");
  }
  if ((f & kCopyOnly) != 0) {
    if (copying) return Status::Ok();
    return Status(CKR_ATTRIBUTE_READ_ONLY, named(rule.type, " changes only through C_CopyObject"));
  }
  if ((f & (kSticksTrue | kSticksFalse)) != 0) return check_one_way(current, rule, value[0] != CK_FALSE);
  if ((f & kModifiable) != 0) return Status::Ok();
  // §4.10: "C_SetAttributeValue may be used to destroy the attribute, by supplying no-value."
  if ((f & kClearable) != 0 && value.empty()) return Status::Ok();
  return Status(CKR_ATTRIBUTE_READ_ONLY, named(rule.type, " cannot be changed after creation"));
}

Status check_changes(const AttributeMap& current, const AttributeMap& changes, const RuleContext& ctx,
                     bool copying) {
  RETURN_IF_ERROR(check_all_well_formed(changes));
  const ObjectShape shape = shape_of(current);
  for (const auto& [type, value] : changes) {
    const AttributeRule* rule = find_rule(shape, type);
    if (rule == nullptr) return Status(kNotForThisObject, named(type, " does not belong to this object"));
    RETURN_IF_ERROR(check_change(current, *rule, value, ctx, copying));
  }
  return Status::Ok();
}

const CK_ATTRIBUTE_TYPE kUsageAttributes[] = {CKA_SIGN,   CKA_VERIFY, CKA_ENCRYPT,        CKA_DECRYPT,
                                              CKA_WRAP,   CKA_UNWRAP, CKA_DERIVE,         CKA_SIGN_RECOVER,
                                              CKA_VERIFY_RECOVER, CKA_ENCAPSULATE, CKA_DECAPSULATE};

bool mechanism_listed(const SecureBytes& list, CK_MECHANISM_TYPE mechanism) {
  if (list.size() % sizeof(CK_MECHANISM_TYPE) != 0) return false;
  for (std::size_t off = 0; off < list.size(); off += sizeof(CK_MECHANISM_TYPE)) {
    CK_MECHANISM_TYPE m;
    std::memcpy(&m, list.data() + off, sizeof m);
    if (m == mechanism) return true;
  }
  return false;
}

}  // namespace

Result<AttributeMap> prepare_new_object(const AttributeMap& tmpl, const RuleContext& ctx) {
  RETURN_IF_ERROR(check_all_well_formed(tmpl));
  ASSIGN_OR_RETURN(ObjectShape shape, resolve_shape(tmpl, ctx));
  RETURN_IF_ERROR(check_domains(tmpl, shape));
  RETURN_IF_ERROR(check_supplied(tmpl, shape, ctx));
  RETURN_IF_ERROR(check_required(tmpl, shape, ctx.origin));
  AttributeMap attrs = canonical(tmpl);
  fill_defaults(attrs, shape, ctx.origin);
  set_token_attributes(attrs, shape, ctx);
  RETURN_IF_ERROR(check_consistency(attrs));
  RETURN_IF_ERROR(check_session(attrs, ctx));
  return attrs;
}

void assign_unique_id(AttributeMap& attrs, std::string_view id) { attrs.set_string(CKA_UNIQUE_ID, id); }

Readability attribute_readability(const AttributeMap& object, CK_ATTRIBUTE_TYPE type) {
  if (!object.has(type)) return Readability::kInvalid;
  if (!is_sensitive_component(shape_of(object), type)) return Readability::kReadable;
  // Footnote 7. Missing flags count as the protective values.
  const bool sensitive = object.bool_or(CKA_SENSITIVE, true);
  const bool extractable = object.bool_or(CKA_EXTRACTABLE, false);
  return sensitive || !extractable ? Readability::kSensitive : Readability::kReadable;
}

Readability attribute_readability(const Object& object, CK_ATTRIBUTE_TYPE type) {
  return attribute_readability(object.attrs, type);
}

Result<AttributeMap> apply_changes(const AttributeMap& current, const AttributeMap& changes, const RuleContext& ctx) {
  if (!current.bool_or(CKA_MODIFIABLE, true)) return Status(CKR_ACTION_PROHIBITED, "object is not modifiable");
  RETURN_IF_ERROR(check_changes(current, changes, ctx, /*copying=*/false));
  // §4.6: "Trusted certificates cannot be modified."
  if (!changes.empty() && current.ulong_or(CKA_CLASS, CK_UNAVAILABLE_INFORMATION) == CKO_CERTIFICATE &&
      current.bool_or(CKA_TRUSTED, false)) {
    return Status(CKR_ATTRIBUTE_READ_ONLY, "trusted certificates cannot be modified");
  }
  if (current.bool_or(CKA_TOKEN, false) && !ctx.rw_session) {
    return Status(CKR_SESSION_READ_ONLY, "token objects change only in R/W sessions");
  }
  AttributeMap updated = current;
  updated.merge_from(canonical(changes));
  return updated;
}

Result<AttributeMap> prepare_copy(const AttributeMap& original, const AttributeMap& changes, const RuleContext& ctx) {
  if (!original.bool_or(CKA_COPYABLE, true)) return Status(CKR_ACTION_PROHIBITED, "object is not copyable");
  RETURN_IF_ERROR(check_changes(original, changes, ctx, /*copying=*/true));
  AttributeMap copy = original;
  copy.merge_from(canonical(changes));
  // CKA_LOCAL, CKA_KEY_GEN_MECHANISM, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE
  // are kept (§5.7 C_CopyObject); the copy is a new object with its own id.
  copy.erase(CKA_UNIQUE_ID);
  RETURN_IF_ERROR(check_consistency(copy));
  RETURN_IF_ERROR(check_session(copy, ctx));
  return copy;
}

Status check_key_usage(const AttributeMap& key, CK_ATTRIBUTE_TYPE usage, CK_MECHANISM_TYPE mechanism) {
  if (std::find(std::begin(kUsageAttributes), std::end(kUsageAttributes), usage) == std::end(kUsageAttributes)) {
    return Status(CKR_GENERAL_ERROR, "check_key_usage called with a non-usage attribute");
  }
  if (!key.bool_or(usage, false)) {
    return Status(CKR_KEY_FUNCTION_NOT_PERMITTED, named(usage, " is not set on the key"));
  }
  const SecureBytes* allowed = key.find(CKA_ALLOWED_MECHANISMS);
  // An empty list places no restriction (as SoftHSMv2 reads it).
  if (allowed != nullptr && !allowed->empty() && !mechanism_listed(*allowed, mechanism)) {
    return Status(CKR_MECHANISM_INVALID, "mechanism not in the key's CKA_ALLOWED_MECHANISMS");
  }
  return Status::Ok();
}

Status check_wrap_allowed(const AttributeMap& wrapping_key, const AttributeMap& target_key) {
  const CK_OBJECT_CLASS c = target_key.ulong_or(CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
  if (c != CKO_SECRET_KEY && c != CKO_PRIVATE_KEY) {
    return Status(CKR_KEY_NOT_WRAPPABLE, "only private and secret keys can be wrapped");
  }
  if (!target_key.bool_or(CKA_EXTRACTABLE, false)) return Status(CKR_KEY_UNEXTRACTABLE, "key is not extractable");
  if (target_key.bool_or(CKA_WRAP_WITH_TRUSTED, false) && !wrapping_key.bool_or(CKA_TRUSTED, false)) {
    return Status(CKR_KEY_NOT_WRAPPABLE, "key may only be wrapped by a trusted key");
  }
  const SecureBytes* stored = wrapping_key.find(CKA_WRAP_TEMPLATE);
  if (stored == nullptr || stored->empty()) return Status::Ok();
  Result<AttributeMap> wrap_template = AttributeMap::decode(ByteView(stored->data(), stored->size()));
  if (!wrap_template.ok()) return Status(CKR_GENERAL_ERROR, "stored CKA_WRAP_TEMPLATE does not decode");
  canonicalize_booleans(*wrap_template);
  if (!target_key.matches(*wrap_template)) {
    return Status(CKR_KEY_HANDLE_INVALID, "key does not match the wrapping key's CKA_WRAP_TEMPLATE");
  }
  return Status::Ok();
}

Result<AttributeMap> merge_key_template(const AttributeMap& key, CK_ATTRIBUTE_TYPE template_attr,
                                        const AttributeMap& tmpl) {
  if (attribute_kind(template_attr) != AttributeKind::kTemplate) {
    return Status(CKR_GENERAL_ERROR, "merge_key_template needs a template attribute");
  }
  const SecureBytes* stored = key.find(template_attr);
  if (stored == nullptr || stored->empty()) return tmpl;
  Result<AttributeMap> key_template = AttributeMap::decode(ByteView(stored->data(), stored->size()));
  if (!key_template.ok()) return Status(CKR_GENERAL_ERROR, "stored key template does not decode");
  const CK_RV conflict = template_attr == CKA_ENCAPSULATE_TEMPLATE ? CKR_KEY_HANDLE_INVALID : CKR_TEMPLATE_INCONSISTENT;
  AttributeMap merged = tmpl;
  for (const auto& [type, value] : *key_template) {
    const SecureBytes* mine = tmpl.find(type);
    if (mine != nullptr && !same_value(type, *mine, value)) {
      return Status(conflict, named(type, " conflicts with the key's template"));
    }
    if (mine == nullptr) merged.set(type, value);
  }
  return merged;
}

}  // namespace craton

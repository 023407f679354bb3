#include "object/attribute_catalog.h"

#include <algorithm>

namespace craton {
namespace {

using namespace attr_flag;  // NOLINT: the tables below read like the spec's

struct KnownAttribute {
  CK_ATTRIBUTE_TYPE type;
  AttributeKind kind;
  const char* name;
};

#define CRATON_ATTR(name, kind) KnownAttribute{name, AttributeKind::kind, #name}

// Every attribute this token supports on some object (any other PKCS#11
// attribute, e.g. DSA/DH/OTP ones, is CKR_ATTRIBUTE_TYPE_INVALID here).
constexpr KnownAttribute kKnown[] = {
    CRATON_ATTR(CKA_CLASS, kUlong),
    CRATON_ATTR(CKA_TOKEN, kBool),
    CRATON_ATTR(CKA_PRIVATE, kBool),
    CRATON_ATTR(CKA_LABEL, kBytes),
    CRATON_ATTR(CKA_UNIQUE_ID, kBytes),
    CRATON_ATTR(CKA_APPLICATION, kBytes),
    CRATON_ATTR(CKA_VALUE, kBytes),
    CRATON_ATTR(CKA_OBJECT_ID, kBytes),
    CRATON_ATTR(CKA_CERTIFICATE_TYPE, kUlong),
    CRATON_ATTR(CKA_ISSUER, kBytes),
    CRATON_ATTR(CKA_SERIAL_NUMBER, kBytes),
    CRATON_ATTR(CKA_TRUSTED, kBool),
    CRATON_ATTR(CKA_CERTIFICATE_CATEGORY, kUlong),
    CRATON_ATTR(CKA_JAVA_MIDP_SECURITY_DOMAIN, kUlong),
    CRATON_ATTR(CKA_URL, kBytes),
    CRATON_ATTR(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, kBytes),
    CRATON_ATTR(CKA_HASH_OF_ISSUER_PUBLIC_KEY, kBytes),
    CRATON_ATTR(CKA_NAME_HASH_ALGORITHM, kUlong),
    CRATON_ATTR(CKA_CHECK_VALUE, kBytes),
    CRATON_ATTR(CKA_KEY_TYPE, kUlong),
    CRATON_ATTR(CKA_SUBJECT, kBytes),
    CRATON_ATTR(CKA_ID, kBytes),
    CRATON_ATTR(CKA_SENSITIVE, kBool),
    CRATON_ATTR(CKA_ENCRYPT, kBool),
    CRATON_ATTR(CKA_DECRYPT, kBool),
    CRATON_ATTR(CKA_WRAP, kBool),
    CRATON_ATTR(CKA_UNWRAP, kBool),
    CRATON_ATTR(CKA_SIGN, kBool),
    CRATON_ATTR(CKA_SIGN_RECOVER, kBool),
    CRATON_ATTR(CKA_VERIFY, kBool),
    CRATON_ATTR(CKA_VERIFY_RECOVER, kBool),
    CRATON_ATTR(CKA_DERIVE, kBool),
    CRATON_ATTR(CKA_START_DATE, kDate),
    CRATON_ATTR(CKA_END_DATE, kDate),
    CRATON_ATTR(CKA_MODULUS, kBytes),
    CRATON_ATTR(CKA_MODULUS_BITS, kUlong),
    CRATON_ATTR(CKA_PUBLIC_EXPONENT, kBytes),
    CRATON_ATTR(CKA_PRIVATE_EXPONENT, kBytes),
    CRATON_ATTR(CKA_PRIME_1, kBytes),
    CRATON_ATTR(CKA_PRIME_2, kBytes),
    CRATON_ATTR(CKA_EXPONENT_1, kBytes),
    CRATON_ATTR(CKA_EXPONENT_2, kBytes),
    CRATON_ATTR(CKA_COEFFICIENT, kBytes),
    CRATON_ATTR(CKA_PUBLIC_KEY_INFO, kBytes),
    CRATON_ATTR(CKA_VALUE_LEN, kUlong),
    CRATON_ATTR(CKA_EXTRACTABLE, kBool),
    CRATON_ATTR(CKA_LOCAL, kBool),
    CRATON_ATTR(CKA_NEVER_EXTRACTABLE, kBool),
    CRATON_ATTR(CKA_ALWAYS_SENSITIVE, kBool),
    CRATON_ATTR(CKA_KEY_GEN_MECHANISM, kUlong),
    CRATON_ATTR(CKA_MODIFIABLE, kBool),
    CRATON_ATTR(CKA_COPYABLE, kBool),
    CRATON_ATTR(CKA_DESTROYABLE, kBool),
    CRATON_ATTR(CKA_EC_PARAMS, kBytes),
    CRATON_ATTR(CKA_EC_POINT, kBytes),
    CRATON_ATTR(CKA_ALWAYS_AUTHENTICATE, kBool),
    CRATON_ATTR(CKA_WRAP_WITH_TRUSTED, kBool),
    CRATON_ATTR(CKA_WRAP_TEMPLATE, kTemplate),
    CRATON_ATTR(CKA_UNWRAP_TEMPLATE, kTemplate),
    CRATON_ATTR(CKA_DERIVE_TEMPLATE, kTemplate),
    CRATON_ATTR(CKA_ALLOWED_MECHANISMS, kMechanisms),
    CRATON_ATTR(CKA_PARAMETER_SET, kUlong),
    CRATON_ATTR(CKA_ENCAPSULATE_TEMPLATE, kTemplate),
    CRATON_ATTR(CKA_DECAPSULATE_TEMPLATE, kTemplate),
    CRATON_ATTR(CKA_ENCAPSULATE, kBool),
    CRATON_ATTR(CKA_DECAPSULATE, kBool),
    CRATON_ATTR(CKA_SEED, kBytes),
};

#undef CRATON_ATTR

const KnownAttribute* find_known(CK_ATTRIBUTE_TYPE type) {
  for (const KnownAttribute& known : kKnown) {
    if (known.type == type) return &known;
  }
  return nullptr;
}

// --- Attribute tables (PKCS#11 3.0 §4.4-§4.10, 3.2 §6.67-6.69) ---

// §4.4 storage objects. The text says only CKA_LABEL changes after creation
// and TOKEN/PRIVATE/MODIFIABLE change only while copying; COPYABLE may go
// TRUE -> FALSE ("can't be set to TRUE once it is set to FALSE").
constexpr AttributeRule kStorage[] = {
    {CKA_CLASS, kCreateRequired},
    {CKA_TOKEN, kCopyOnly},
    {CKA_PRIVATE, kCopyOnly},
    {CKA_MODIFIABLE, kCopyOnly},
    {CKA_LABEL, kModifiable},
    {CKA_COPYABLE, kModifiable | kSticksFalse},
    {CKA_DESTROYABLE, kModifiable},
    {CKA_UNIQUE_ID, kTokenOnly},
};

// §4.5 data objects: no footnote 8, so nothing but the label changes later.
constexpr AttributeRule kData[] = {
    {CKA_APPLICATION, 0},
    {CKA_OBJECT_ID, 0},
    {CKA_VALUE, 0},
};

// §4.6 certificates; "Trusted certificates cannot be modified" and the
// category "may not be modified after an object is created".
constexpr AttributeRule kCertificate[] = {
    {CKA_CERTIFICATE_TYPE, kCreateRequired},
    {CKA_TRUSTED, kSoOnlyTrue},
    {CKA_CERTIFICATE_CATEGORY, 0},
    {CKA_CHECK_VALUE, 0},
    {CKA_START_DATE, 0},
    {CKA_END_DATE, 0},
    {CKA_PUBLIC_KEY_INFO, 0},
};

// §4.6.3 X.509: "Only the CKA_ID, CKA_ISSUER, and CKA_SERIAL_NUMBER attributes
// may be modified after the object is created." CKA_VALUE/CKA_URL are checked
// together by template_rules (one of them must carry the certificate).
constexpr AttributeRule kX509[] = {
    {CKA_SUBJECT, kCreateRequired},
    {CKA_ID, kModifiable},
    {CKA_ISSUER, kModifiable},
    {CKA_SERIAL_NUMBER, kModifiable},
    {CKA_VALUE, 0},
    {CKA_URL, 0},
    {CKA_HASH_OF_SUBJECT_PUBLIC_KEY, 0},
    {CKA_HASH_OF_ISSUER_PUBLIC_KEY, 0},
    {CKA_JAVA_MIDP_SECURITY_DOMAIN, 0},
    {CKA_NAME_HASH_ALGORITHM, 0},
};

// §4.7 common key attributes.
constexpr AttributeRule kKeyCommon[] = {
    {CKA_KEY_TYPE, kCreateRequired | kUnwrapRequired},
    {CKA_ID, kModifiable},
    {CKA_START_DATE, kModifiable},
    {CKA_END_DATE, kModifiable},
    {CKA_DERIVE, kModifiable},
    {CKA_LOCAL, kTokenOnly},
    {CKA_KEY_GEN_MECHANISM, kTokenOnly},
    {CKA_ALLOWED_MECHANISMS, 0},
};

// §4.8 public keys (+ 3.2 CKA_ENCAPSULATE/_TEMPLATE). CKA_PUBLIC_KEY_INFO of a
// generated key is computed, so a caller cannot supply it then.
constexpr AttributeRule kPublicKey[] = {
    {CKA_SUBJECT, kModifiable},
    {CKA_ENCRYPT, kModifiable},
    {CKA_VERIFY, kModifiable},
    {CKA_VERIFY_RECOVER, kModifiable},
    {CKA_WRAP, kModifiable},
    {CKA_ENCAPSULATE, kModifiable},
    {CKA_TRUSTED, kSoOnlyTrue},
    {CKA_WRAP_TEMPLATE, 0},
    {CKA_ENCAPSULATE_TEMPLATE, 0},
    {CKA_PUBLIC_KEY_INFO, kGenerateForbidden},
};

// §4.9 private keys (+ 3.2 CKA_DECAPSULATE/_TEMPLATE). The spec marks
// CKA_PUBLIC_KEY_INFO 8 but changing it needs a consistency check against the
// key material, so this token keeps it fixed after creation (allowed: "a
// particular token may not permit modification").
constexpr AttributeRule kPrivateKey[] = {
    {CKA_SUBJECT, kModifiable},
    {CKA_SENSITIVE, kModifiable | kSticksTrue},
    {CKA_DECRYPT, kModifiable},
    {CKA_SIGN, kModifiable},
    {CKA_SIGN_RECOVER, kModifiable},
    {CKA_UNWRAP, kModifiable},
    {CKA_DECAPSULATE, kModifiable},
    {CKA_EXTRACTABLE, kModifiable | kSticksFalse},
    {CKA_ALWAYS_SENSITIVE, kTokenOnly},
    {CKA_NEVER_EXTRACTABLE, kTokenOnly},
    {CKA_WRAP_WITH_TRUSTED, kSticksTrue},
    {CKA_UNWRAP_TEMPLATE, 0},
    {CKA_DECAPSULATE_TEMPLATE, 0},
    {CKA_DERIVE_TEMPLATE, 0},
    {CKA_ALWAYS_AUTHENTICATE, 0},
    {CKA_PUBLIC_KEY_INFO, kGenerateForbidden},
};

// §4.10 secret keys.
constexpr AttributeRule kSecretKey[] = {
    {CKA_SENSITIVE, kModifiable | kSticksTrue},
    {CKA_ENCRYPT, kModifiable},
    {CKA_DECRYPT, kModifiable},
    {CKA_SIGN, kModifiable},
    {CKA_VERIFY, kModifiable},
    {CKA_WRAP, kModifiable},
    {CKA_UNWRAP, kModifiable},
    {CKA_EXTRACTABLE, kModifiable | kSticksFalse},
    {CKA_ALWAYS_SENSITIVE, kTokenOnly},
    {CKA_NEVER_EXTRACTABLE, kTokenOnly},
    {CKA_CHECK_VALUE, kClearable},
    {CKA_WRAP_WITH_TRUSTED, kSticksTrue},
    {CKA_TRUSTED, kSoOnlyTrue},
    {CKA_WRAP_TEMPLATE, 0},
    {CKA_UNWRAP_TEMPLATE, 0},
    {CKA_DERIVE_TEMPLATE, 0},
};

// §6.1 RSA.
constexpr AttributeRule kRsaPublic[] = {
    {CKA_MODULUS, kCreateRequired | kGenerateForbidden},
    {CKA_MODULUS_BITS, kCreateForbidden | kGenerateRequired},
    {CKA_PUBLIC_EXPONENT, kCreateRequired},
};
// CKA_MODULUS_BITS on a private key is not in the spec's table; this token
// exposes it (computed) as many clients expect it there too.
constexpr AttributeRule kRsaPrivate[] = {
    {CKA_MODULUS, kMaterial},
    {CKA_PUBLIC_EXPONENT, kMaterial},
    {CKA_PRIVATE_EXPONENT, kMaterial | kSensitive},
    {CKA_PRIME_1, kGenerateForbidden | kUnwrapForbidden | kSensitive},
    {CKA_PRIME_2, kGenerateForbidden | kUnwrapForbidden | kSensitive},
    {CKA_EXPONENT_1, kGenerateForbidden | kUnwrapForbidden | kSensitive},
    {CKA_EXPONENT_2, kGenerateForbidden | kUnwrapForbidden | kSensitive},
    {CKA_COEFFICIENT, kGenerateForbidden | kUnwrapForbidden | kSensitive},
    {CKA_MODULUS_BITS, kTokenOnly},
};

// §6.3 EC, §6.3.x Edwards and Montgomery: same tables. CKA_EC_POINT on a
// private key is this token's addition (the public point, computed when
// absent; a caller may supply it on C_CreateObject).
constexpr AttributeRule kEcPublic[] = {
    {CKA_EC_PARAMS, kCreateRequired | kGenerateRequired},
    {CKA_EC_POINT, kCreateRequired | kGenerateForbidden},
};
constexpr AttributeRule kEcPrivate[] = {
    {CKA_EC_PARAMS, kMaterial},
    {CKA_VALUE, kMaterial | kSensitive},
    {CKA_EC_POINT, kGenerateForbidden | kUnwrapForbidden},
};

// 3.2 §6.67-6.69 ML-KEM, ML-DSA, SLH-DSA public keys.
constexpr AttributeRule kPqcPublic[] = {
    {CKA_PARAMETER_SET, kCreateRequired | kGenerateRequired},
    {CKA_VALUE, kCreateRequired | kGenerateForbidden},
};
// ML-KEM / ML-DSA private keys: "At least one of CKA_SEED and CKA_VALUE must
// be specified on C_CreateObject" (template_rules checks the pair). The spec
// marks CKA_PARAMETER_SET 4 (the pair's set comes from the public template);
// this token tolerates a copy of it in the private template, as SoftHSMv2
// does, and the key-pair generator overwrites it with the real value.
constexpr AttributeRule kSeededPrivate[] = {
    {CKA_PARAMETER_SET, kCreateRequired | kUnwrapForbidden},
    {CKA_SEED, kGenerateForbidden | kUnwrapForbidden | kSensitive},
    {CKA_VALUE, kGenerateForbidden | kUnwrapForbidden | kSensitive},
};
constexpr AttributeRule kSlhDsaPrivate[] = {
    {CKA_PARAMETER_SET, kCreateRequired | kUnwrapForbidden},
    {CKA_VALUE, kMaterial | kSensitive},
};
// The vendor-defined X25519+ML-KEM-768 hybrid (pkcs11_vendor.h): one
// combination, so no parameter set; both halves are CKA_VALUE.
constexpr AttributeRule kHybridKemPublic[] = {
    {CKA_VALUE, kCreateRequired | kGenerateForbidden},
};
constexpr AttributeRule kHybridKemPrivate[] = {
    {CKA_VALUE, kMaterial | kSensitive},
};

// Secret keys with a variable length (AES, generic, HMAC, HKDF: CKA_VALUE_LEN
// 2,3). Unwrap/derive templates may carry CKA_VALUE_LEN (C_UnwrapKey text).
constexpr AttributeRule kSizedSecret[] = {
    {CKA_VALUE, kMaterial | kSensitive},
    {CKA_VALUE_LEN, kCreateForbidden | kGenerateRequired},
};
// DES3 has a fixed length; CKA_VALUE_LEN is still reported (24).
constexpr AttributeRule kFixedSecret[] = {
    {CKA_VALUE, kMaterial | kSensitive},
    {CKA_VALUE_LEN, kCreateForbidden},
};

std::span<const AttributeRule> class_table(CK_OBJECT_CLASS object_class) {
  switch (object_class) {
    case CKO_PUBLIC_KEY: return kPublicKey;
    case CKO_PRIVATE_KEY: return kPrivateKey;
    case CKO_SECRET_KEY: return kSecretKey;
    default: return {};
  }
}

bool is_hmac_key_type(CK_KEY_TYPE t) {
  switch (t) {
    case CKK_SHA_1_HMAC: case CKK_SHA224_HMAC: case CKK_SHA256_HMAC: case CKK_SHA384_HMAC:
    case CKK_SHA512_HMAC: case CKK_SHA3_224_HMAC: case CKK_SHA3_256_HMAC: case CKK_SHA3_384_HMAC:
    case CKK_SHA3_512_HMAC:
      return true;
    default:
      return false;
  }
}

bool is_asymmetric_key_type(CK_KEY_TYPE t) {
  switch (t) {
    case CKK_RSA: case CKK_EC: case CKK_EC_EDWARDS: case CKK_EC_MONTGOMERY:
    case CKK_ML_KEM: case CKK_ML_DSA: case CKK_SLH_DSA: case CKK_CRATON_X25519_ML_KEM_768:
      return true;
    default:
      return false;
  }
}

bool is_secret_key_type(CK_KEY_TYPE t) {
  return t == CKK_AES || t == CKK_DES3 || t == CKK_GENERIC_SECRET || t == CKK_HKDF || is_hmac_key_type(t);
}

std::span<const AttributeRule> key_type_table(CK_OBJECT_CLASS c, CK_KEY_TYPE t) {
  if (!key_type_fits_class(t, c)) return {};
  const bool pub = c == CKO_PUBLIC_KEY;
  switch (t) {
    case CKK_RSA: return pub ? std::span<const AttributeRule>(kRsaPublic) : kRsaPrivate;
    case CKK_EC: case CKK_EC_EDWARDS: case CKK_EC_MONTGOMERY:
      return pub ? std::span<const AttributeRule>(kEcPublic) : kEcPrivate;
    case CKK_ML_KEM: case CKK_ML_DSA: return pub ? std::span<const AttributeRule>(kPqcPublic) : kSeededPrivate;
    case CKK_SLH_DSA: return pub ? std::span<const AttributeRule>(kPqcPublic) : kSlhDsaPrivate;
    case CKK_CRATON_X25519_ML_KEM_768:
      return pub ? std::span<const AttributeRule>(kHybridKemPublic) : kHybridKemPrivate;
    case CKK_DES3: return kFixedSecret;
    default: return kSizedSecret;  // AES, generic, HMAC, HKDF
  }
}

// --- Default usages: what each key type can do ---
constexpr CK_ATTRIBUTE_TYPE kRsaPublicUses[] = {CKA_ENCRYPT, CKA_VERIFY, CKA_VERIFY_RECOVER, CKA_WRAP};
constexpr CK_ATTRIBUTE_TYPE kRsaPrivateUses[] = {CKA_DECRYPT, CKA_SIGN, CKA_SIGN_RECOVER, CKA_UNWRAP};
constexpr CK_ATTRIBUTE_TYPE kVerifyUses[] = {CKA_VERIFY};
constexpr CK_ATTRIBUTE_TYPE kSignUses[] = {CKA_SIGN};
constexpr CK_ATTRIBUTE_TYPE kEncapsulateUses[] = {CKA_ENCAPSULATE};
constexpr CK_ATTRIBUTE_TYPE kDecapsulateUses[] = {CKA_DECAPSULATE};
constexpr CK_ATTRIBUTE_TYPE kBlockCipherUses[] = {CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN,
                                                   CKA_VERIFY,  CKA_WRAP,    CKA_UNWRAP};
constexpr CK_ATTRIBUTE_TYPE kMacUses[] = {CKA_SIGN, CKA_VERIFY};

constexpr CK_ATTRIBUTE_TYPE kPublicFlags[] = {CKA_ENCRYPT, CKA_VERIFY,      CKA_VERIFY_RECOVER,
                                               CKA_WRAP,    CKA_ENCAPSULATE, CKA_DERIVE};
constexpr CK_ATTRIBUTE_TYPE kPrivateFlags[] = {CKA_DECRYPT, CKA_SIGN,        CKA_SIGN_RECOVER,
                                                CKA_UNWRAP,  CKA_DECAPSULATE, CKA_DERIVE};
constexpr CK_ATTRIBUTE_TYPE kSecretFlags[] = {CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN,  CKA_VERIFY,
                                               CKA_WRAP,    CKA_UNWRAP,  CKA_DERIVE};

// --- Value checks ---

// Nested templates may themselves hold templates (an unwrap template holding a
// derive template); bound the recursion anyway.
constexpr int kMaxTemplateDepth = 4;

Status check_value(CK_ATTRIBUTE_TYPE type, ByteView value, int depth);

Status check_template(ByteView value, int depth) {
  if (depth >= kMaxTemplateDepth) return Status(CKR_ATTRIBUTE_VALUE_INVALID, "templates nested too deeply");
  Result<AttributeMap> nested = AttributeMap::decode(value);
  if (!nested.ok()) return Status(CKR_ATTRIBUTE_VALUE_INVALID, "malformed nested template");
  for (const auto& [inner_type, inner_value] : *nested) {
    Status st = check_value(inner_type, ByteView(inner_value.data(), inner_value.size()), depth + 1);
    // An unknown type inside a template makes the template's value invalid;
    // the outer attribute itself is a valid type.
    if (!st.ok()) return Status(CKR_ATTRIBUTE_VALUE_INVALID, "in nested template: " + st.message());
  }
  return Status::Ok();
}

Status check_value(CK_ATTRIBUTE_TYPE type, ByteView value, int depth) {
  const KnownAttribute* known = find_known(type);
  if (known == nullptr) return Status(CKR_ATTRIBUTE_TYPE_INVALID, "unknown attribute type");
  const std::string name = known->name;
  switch (known->kind) {
    case AttributeKind::kBool:
      if (value.size() != sizeof(CK_BBOOL)) return Status(CKR_ATTRIBUTE_VALUE_INVALID, name + " is not one byte");
      return Status::Ok();
    case AttributeKind::kUlong:
      if (value.size() != sizeof(CK_ULONG)) {
        return Status(CKR_ATTRIBUTE_VALUE_INVALID, name + " is not a CK_ULONG");
      }
      return Status::Ok();
    case AttributeKind::kDate:
      if (!is_valid_date(value)) return Status(CKR_ATTRIBUTE_VALUE_INVALID, name + " is not a valid CK_DATE");
      return Status::Ok();
    case AttributeKind::kMechanisms:
      if (value.size() % sizeof(CK_MECHANISM_TYPE) != 0) {
        return Status(CKR_ATTRIBUTE_VALUE_INVALID, name + " is not a CK_MECHANISM_TYPE array");
      }
      return Status::Ok();
    case AttributeKind::kTemplate:
      return check_template(value, depth);
    case AttributeKind::kBytes:
      return Status::Ok();
  }
  return Status::Ok();
}

int digits(ByteView v, std::size_t pos, std::size_t n) {
  int out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) out = out * 10 + (v[i] - '0');
  return out;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

void canonicalize(AttributeMap& attrs, int depth) {
  AttributeMap rewritten;
  for (const auto& [type, value] : attrs) {
    const std::optional<AttributeKind> kind = attribute_kind(type);
    if (kind == AttributeKind::kBool && value.size() == sizeof(CK_BBOOL)) {
      rewritten.set_bool(type, value[0] != CK_FALSE);
    } else if (kind == AttributeKind::kTemplate && depth < kMaxTemplateDepth) {
      Result<AttributeMap> nested = AttributeMap::decode(ByteView(value.data(), value.size()));
      if (!nested.ok()) continue;  // left as is; check_well_formed rejects it
      canonicalize(*nested, depth + 1);
      rewritten.set(type, nested->encode());
    }
  }
  attrs.merge_from(rewritten);
}

}  // namespace

bool is_known_attribute(CK_ATTRIBUTE_TYPE type) { return find_known(type) != nullptr; }

std::optional<AttributeKind> attribute_kind(CK_ATTRIBUTE_TYPE type) {
  const KnownAttribute* known = find_known(type);
  if (known == nullptr) return std::nullopt;
  return known->kind;
}

const char* attribute_name(CK_ATTRIBUTE_TYPE type) {
  const KnownAttribute* known = find_known(type);
  return known == nullptr ? "unknown attribute" : known->name;
}

ObjectShape shape_of(const AttributeMap& object) {
  ObjectShape shape;
  shape.object_class = object.ulong_or(CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
  if (is_key_class(shape.object_class)) shape.key_type = object.ulong_or(CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
  if (shape.object_class == CKO_CERTIFICATE) {
    shape.certificate_type = object.ulong_or(CKA_CERTIFICATE_TYPE, CK_UNAVAILABLE_INFORMATION);
  }
  return shape;
}

bool is_supported_class(CK_OBJECT_CLASS c) {
  return c == CKO_DATA || c == CKO_CERTIFICATE || is_key_class(c);
}

bool is_key_class(CK_OBJECT_CLASS c) {
  return c == CKO_PUBLIC_KEY || c == CKO_PRIVATE_KEY || c == CKO_SECRET_KEY;
}

bool is_supported_key_type(CK_KEY_TYPE t) { return is_asymmetric_key_type(t) || is_secret_key_type(t); }

bool key_type_fits_class(CK_KEY_TYPE t, CK_OBJECT_CLASS c) {
  if (c == CKO_SECRET_KEY) return is_secret_key_type(t);
  if (c == CKO_PUBLIC_KEY || c == CKO_PRIVATE_KEY) return is_asymmetric_key_type(t);
  return false;
}

std::array<std::span<const AttributeRule>, 4> rule_tables(const ObjectShape& shape) {
  switch (shape.object_class) {
    case CKO_DATA:
      return {kStorage, kData, {}, {}};
    case CKO_CERTIFICATE:
      return {kStorage, kCertificate,
              shape.certificate_type == CKC_X_509 ? std::span<const AttributeRule>(kX509) : std::span<const AttributeRule>(),
              {}};
    case CKO_PUBLIC_KEY:
    case CKO_PRIVATE_KEY:
    case CKO_SECRET_KEY:
      return {kStorage, kKeyCommon, class_table(shape.object_class),
              key_type_table(shape.object_class, shape.key_type)};
    default:
      return {kStorage, {}, {}, {}};
  }
}

const AttributeRule* find_rule(const ObjectShape& shape, CK_ATTRIBUTE_TYPE type) {
  for (std::span<const AttributeRule> table : rule_tables(shape)) {
    for (const AttributeRule& rule : table) {
      if (rule.type == type) return &rule;
    }
  }
  return nullptr;
}

bool is_sensitive_component(const ObjectShape& shape, CK_ATTRIBUTE_TYPE type) {
  if (shape.object_class != CKO_PRIVATE_KEY && shape.object_class != CKO_SECRET_KEY) return false;
  const AttributeRule* rule = find_rule(shape, type);
  if (rule != nullptr) return (rule->flags & kSensitive) != 0;
  // A key whose type we cannot place still hides its obvious secret parts.
  return type == CKA_VALUE || type == CKA_SEED || type == CKA_PRIVATE_EXPONENT || type == CKA_PRIME_1 ||
         type == CKA_PRIME_2 || type == CKA_EXPONENT_1 || type == CKA_EXPONENT_2 || type == CKA_COEFFICIENT;
}

std::span<const CK_ATTRIBUTE_TYPE> default_usages(CK_OBJECT_CLASS c, CK_KEY_TYPE t) {
  if (!key_type_fits_class(t, c)) return {};
  const bool pub = c == CKO_PUBLIC_KEY;
  switch (t) {
    case CKK_RSA: return pub ? std::span<const CK_ATTRIBUTE_TYPE>(kRsaPublicUses) : kRsaPrivateUses;
    case CKK_EC: case CKK_EC_EDWARDS: case CKK_ML_DSA: case CKK_SLH_DSA:
      return pub ? std::span<const CK_ATTRIBUTE_TYPE>(kVerifyUses) : kSignUses;
    case CKK_ML_KEM: case CKK_CRATON_X25519_ML_KEM_768:
      return pub ? std::span<const CK_ATTRIBUTE_TYPE>(kEncapsulateUses) : kDecapsulateUses;
    case CKK_AES: case CKK_DES3: return kBlockCipherUses;
    case CKK_EC_MONTGOMERY: case CKK_HKDF: return {};  // derivation only; CKA_DERIVE defaults to FALSE
    default: return kMacUses;                          // generic secret and HMAC keys
  }
}

std::span<const CK_ATTRIBUTE_TYPE> usage_flags(CK_OBJECT_CLASS c) {
  switch (c) {
    case CKO_PUBLIC_KEY: return kPublicFlags;
    case CKO_PRIVATE_KEY: return kPrivateFlags;
    case CKO_SECRET_KEY: return kSecretFlags;
    default: return {};
  }
}

Status check_well_formed(CK_ATTRIBUTE_TYPE type, ByteView value) { return check_value(type, value, 0); }

bool is_valid_date(ByteView v) {
  if (v.empty()) return true;  // "default empty"
  if (v.size() != 8) return false;
  if (!std::all_of(v.begin(), v.end(), [](std::uint8_t c) { return c >= '0' && c <= '9'; })) return false;
  const int year = digits(v, 0, 4), month = digits(v, 4, 2), day = digits(v, 6, 2);
  if (year < 1900 || month < 1 || month > 12) return false;
  return day >= 1 && day <= days_in_month(year, month);
}

void canonicalize_booleans(AttributeMap& attrs) { canonicalize(attrs, 0); }

}  // namespace craton

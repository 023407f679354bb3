// The attribute catalog: every attribute type Craton HSM knows, the kind of
// value it carries, and — per object class and key type — the properties the
// PKCS#11 specification gives it in its attribute tables (PKCS#11 3.0 §4.2
// "Common footnotes for object attribute tables", plus the 3.2 PQC tables).
//
// template_rules.cc turns these facts into policy (creation, modification,
// copying, reading). Nothing here performs I/O or cryptography.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"
#include "object/attributes.h"

namespace craton {

// How an attribute's value is encoded (and must be marshalled by the ABI).
enum class AttributeKind {
  kBool,        // CK_BBOOL, one byte
  kUlong,       // CK_ULONG (and its typedefs), sizeof(CK_ULONG) bytes
  kBytes,       // byte array or RFC 2279 string, any length
  kDate,        // CK_DATE: empty, or 8 ASCII digits YYYYMMDD
  kTemplate,    // nested CK_ATTRIBUTE array, stored as AttributeMap::encode()
  kMechanisms,  // packed CK_MECHANISM_TYPE array
};

// True for every attribute type listed in the catalog. Anything else is
// CKR_ATTRIBUTE_TYPE_INVALID for this token (PKCS#11 3.0 §4.1.1 rule 1).
bool is_known_attribute(CK_ATTRIBUTE_TYPE type);
// The value kind of a known attribute; nullopt for unknown types. The ABI
// must use this (not the CKF_ARRAY_ATTRIBUTE bit) to decide what is a nested
// template: CKA_ALLOWED_MECHANISMS carries the bit but is a mechanism list,
// and the v3.2 CKA_ENCAPSULATE_TEMPLATE/CKA_DECAPSULATE_TEMPLATE lack it.
std::optional<AttributeKind> attribute_kind(CK_ATTRIBUTE_TYPE type);
// "CKA_LABEL" etc., for error messages; "unknown attribute" otherwise.
const char* attribute_name(CK_ATTRIBUTE_TYPE type);

// Footnotes of the specification's attribute tables, as bit flags. The
// numbers are the footnote numbers of PKCS#11 3.0 table 10.
namespace attr_flag {
inline constexpr std::uint32_t kCreateRequired = 1u << 0;     // 1
inline constexpr std::uint32_t kCreateForbidden = 1u << 1;    // 2
inline constexpr std::uint32_t kGenerateRequired = 1u << 2;   // 3
inline constexpr std::uint32_t kGenerateForbidden = 1u << 3;  // 4
inline constexpr std::uint32_t kUnwrapRequired = 1u << 4;     // 5
inline constexpr std::uint32_t kUnwrapForbidden = 1u << 5;    // 6
inline constexpr std::uint32_t kSensitive = 1u << 6;          // 7: hidden when sensitive/unextractable
inline constexpr std::uint32_t kModifiable = 1u << 7;         // 8: C_SetAttributeValue / C_CopyObject
inline constexpr std::uint32_t kSoOnlyTrue = 1u << 8;         // 10: only the SO may set CK_TRUE
inline constexpr std::uint32_t kSticksTrue = 1u << 9;         // 11: may only move FALSE -> TRUE
inline constexpr std::uint32_t kSticksFalse = 1u << 10;       // 12: may only move TRUE -> FALSE
// Not footnotes, but stated in the text of §4.4 / §4.6:
inline constexpr std::uint32_t kCopyOnly = 1u << 11;   // changeable only by C_CopyObject (TOKEN, PRIVATE, MODIFIABLE)
inline constexpr std::uint32_t kTokenOnly = 1u << 12;  // always set by the token, never by a caller
inline constexpr std::uint32_t kClearable = 1u << 13;  // CKA_CHECK_VALUE: may be set to empty afterwards
// Shorthand for key material: 1,4,6 (+7 when secret).
inline constexpr std::uint32_t kMaterial = kCreateRequired | kGenerateForbidden | kUnwrapForbidden;
}  // namespace attr_flag

// One row of an attribute table: the attribute and its footnote flags.
struct AttributeRule {
  CK_ATTRIBUTE_TYPE type;
  std::uint32_t flags;
};

// What determines which attribute table applies to an object.
struct ObjectShape {
  CK_OBJECT_CLASS object_class = CK_UNAVAILABLE_INFORMATION;
  CK_KEY_TYPE key_type = CK_UNAVAILABLE_INFORMATION;
  CK_CERTIFICATE_TYPE certificate_type = CK_UNAVAILABLE_INFORMATION;
};
// The shape of a stored object (class, key type, certificate type).
ObjectShape shape_of(const AttributeMap& object);

// Classes this token can hold: data, X.509 certificates, and keys.
bool is_supported_class(CK_OBJECT_CLASS object_class);
bool is_key_class(CK_OBJECT_CLASS object_class);
// Key types this token knows, and the class(es) each one belongs to.
bool is_supported_key_type(CK_KEY_TYPE key_type);
bool key_type_fits_class(CK_KEY_TYPE key_type, CK_OBJECT_CLASS object_class);

// The attribute tables that apply to `shape`, most general first (storage,
// class common, key common, key/certificate type). Unused slots are empty.
std::array<std::span<const AttributeRule>, 4> rule_tables(const ObjectShape& shape);
// The rule for `type` on objects of `shape`; nullptr when such objects do not
// have that attribute.
const AttributeRule* find_rule(const ObjectShape& shape, CK_ATTRIBUTE_TYPE type);

// Footnote 7: attributes that cannot be revealed when the key is sensitive or
// unextractable (CKA_VALUE of secret/private keys, the RSA private
// components, CKA_SEED).
bool is_sensitive_component(const ObjectShape& shape, CK_ATTRIBUTE_TYPE type);

// The usage flags (CKA_ENCRYPT, CKA_SIGN, ...) that default to CK_TRUE for a
// key of this class and type: those the key type can actually perform.
std::span<const CK_ATTRIBUTE_TYPE> default_usages(CK_OBJECT_CLASS object_class, CK_KEY_TYPE key_type);
// Every usage flag of a key class (the ones default_usages does not list
// default to CK_FALSE).
std::span<const CK_ATTRIBUTE_TYPE> usage_flags(CK_OBJECT_CLASS object_class);

// Checks that `value` is well formed for `type`'s kind: CK_BBOOL of one byte,
// CK_ULONG of sizeof(CK_ULONG), a valid CK_DATE, a whole CK_MECHANISM_TYPE
// array, or a nested template whose every attribute is known and well formed
// (recursively). CKR_ATTRIBUTE_TYPE_INVALID for unknown types,
// CKR_ATTRIBUTE_VALUE_INVALID otherwise.
Status check_well_formed(CK_ATTRIBUTE_TYPE type, ByteView value);
// A CK_DATE value: empty, or "YYYYMMDD" with year 1900-9999 and a real day.
bool is_valid_date(ByteView value);

// Rewrites every CK_BBOOL (also inside nested templates) as exactly CK_TRUE
// or CK_FALSE, so that stored objects and templates compare byte for byte
// (C_FindObjects, CKA_WRAP_TEMPLATE matching). Call after check_well_formed.
void canonicalize_booleans(AttributeMap& attrs);

}  // namespace craton

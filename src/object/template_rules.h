// PKCS#11 object attribute rules as pure functions over AttributeMap: what a
// new object's full attribute set is, what C_SetAttributeValue and
// C_CopyObject may change, what C_GetAttributeValue may reveal, and whether a
// key may be used, wrapped, or lend its templates. No I/O, no sessions, no
// cryptography: key material is validated by crypto::complete_key_material.
//
// Sources: PKCS#11 3.0 base specification §4 (object classes and attribute
// tables with footnotes 1-12), §5.7/§5.18 (object and key management
// functions), and the 3.2 post-quantum additions. The attribute tables live in
// object/attribute_catalog.h.
//
// Defaults this token chooses where the specification leaves them
// token-specific (footnote 9 and CKA_PRIVATE), with the reasons:
//  * CKA_PRIVATE: TRUE for private and secret keys, FALSE for public keys,
//    certificates and data objects. Keys are secrets and so are hidden from
//    sessions without a user login; the others are public by nature (NSS,
//    ssh-keygen -D and p11tool list certificates and public keys without a
//    login). SoftHSMv2 makes the same choice. Callers can always override.
//  * CKA_SENSITIVE: TRUE for private and secret keys. The 3.0 table says
//    "default CK_FALSE" for secret keys; this HSM deliberately deviates so
//    that key material is never readable in the clear unless the caller asks
//    for it with CKA_SENSITIVE=FALSE (clients that read key values, such as
//    pkcs11-tool's derive and write-object paths, always set it explicitly).
//  * CKA_EXTRACTABLE: FALSE for keys that are created, generated or derived
//    (as SoftHSMv2 and Luna); TRUE for keys made by C_UnwrapKey,
//    C_EncapsulateKey and C_DecapsulateKey, where the specification states
//    that default. Wrapping a key needs CKA_EXTRACTABLE=TRUE explicitly.
//  * Usage flags (CKA_ENCRYPT, CKA_SIGN, ...): TRUE for exactly the operations
//    the key type can perform (AES: encrypt/decrypt/sign/verify/wrap/unwrap;
//    HMAC/generic: sign/verify; RSA public: encrypt/verify/verify-recover/
//    wrap; EC/EdDSA/ML-DSA/SLH-DSA: sign or verify; ML-KEM: encapsulate or
//    decapsulate), FALSE for the rest. SoftHSMv2 sets every flag TRUE;
//    pkcs11-tool --write-object and Java SunPKCS11 send no usage flags and
//    expect the key to work, so the capabilities must default on, but flags a
//    key type cannot use gain nothing and are left off.
//  * CKA_DERIVE: FALSE (the specification's stated default).
//  * Other defaults are the specification's: CKA_TOKEN FALSE, CKA_MODIFIABLE/
//    CKA_COPYABLE/CKA_DESTROYABLE TRUE, empty CKA_LABEL/CKA_ID/CKA_SUBJECT/
//    dates/templates/CKA_ALLOWED_MECHANISMS (empty = no restriction),
//    CKA_TRUSTED/CKA_WRAP_WITH_TRUSTED/CKA_ALWAYS_AUTHENTICATE FALSE,
//    CKA_CERTIFICATE_CATEGORY unspecified, CKA_NAME_HASH_ALGORITHM SHA-1.
//
// Error codes follow PKCS#11 3.0 §4.1.1. Deliberate readings of the text:
//  * A known attribute that does not belong to the object's class or key type
//    (CKA_MODULUS on an AES key) is CKR_TEMPLATE_INCONSISTENT — the spec's own
//    example of an inconsistent template (§4.1.1 rule 5) — for creation, copy
//    and C_SetAttributeValue alike. Unknown types are CKR_ATTRIBUTE_TYPE_INVALID.
//  * Attributes the specification says "must not be specified" (footnotes
//    2/4/6) and token-set ones (CKA_LOCAL, CKA_UNIQUE_ID, ...) are
//    CKR_ATTRIBUTE_READ_ONLY, as SoftHSMv2 does; a class or key type that
//    contradicts the generating mechanism is CKR_TEMPLATE_INCONSISTENT.
#pragma once

#include <string_view>

#include "core/status.h"
#include "craton/pkcs11.h"
#include "object/attribute_catalog.h"
#include "object/attributes.h"

namespace craton {

struct Object;

// How a new object comes into being. Derive, Encapsulate and Decapsulate use
// the C_UnwrapKey column of the footnotes (the material comes from the
// operation, not from the caller).
enum class Origin { Create, Generate, GenerateKeyPair, Unwrap, Derive, Copy, Decapsulate, Encapsulate };

struct RuleContext {
  Origin origin = Origin::Create;
  CK_MECHANISM_TYPE mechanism = CK_UNAVAILABLE_INFORMATION;  // for CKA_KEY_GEN_MECHANISM
  bool so_session = false;      // the SO is logged in (CKA_TRUSTED may be set TRUE only by the SO)
  bool rw_session = true;       // token objects need a R/W session
  bool user_logged_in = false;  // private objects need a logged-in user
  CK_OBJECT_CLASS implied_class = CK_UNAVAILABLE_INFORMATION;  // set by keygen/unwrap (e.g. CKO_SECRET_KEY)
  CK_KEY_TYPE implied_key_type = CK_UNAVAILABLE_INFORMATION;   // set by keygen/unwrap (e.g. CKK_AES)
  const AttributeMap* base = nullptr;  // Derive: the base key (ALWAYS_SENSITIVE/NEVER_EXTRACTABLE inherit)
};

// Validates a caller template for a new object and returns its full attribute
// set with every default of its class filled in (see the defaults above) and
// the token-set attributes computed:
//   CKA_LOCAL            TRUE only for Generate/GenerateKeyPair
//   CKA_KEY_GEN_MECHANISM ctx.mechanism when generated, else CK_UNAVAILABLE_INFORMATION
//   CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE  Generate: =SENSITIVE / =!EXTRACTABLE;
//     Derive: base's value AND the new one (FALSE without a base);
//     Create/Unwrap/Encapsulate/Decapsulate: FALSE.
// Errors: unknown type → CKR_ATTRIBUTE_TYPE_INVALID; malformed value, unknown
// class/key type/certificate type, bad date → CKR_ATTRIBUTE_VALUE_INVALID;
// attribute not of this class/key type, or class/key type contradicting the
// implied one → CKR_TEMPLATE_INCONSISTENT; token-set or "must not be
// specified" attribute, or CKA_TRUSTED=TRUE outside an SO session →
// CKR_ATTRIBUTE_READ_ONLY; missing required attribute → CKR_TEMPLATE_INCOMPLETE;
// token object in a R/O session → CKR_SESSION_READ_ONLY; private object
// (CKA_PRIVATE=TRUE), or a token private/secret key, without a user login →
// CKR_USER_NOT_LOGGED_IN.
Result<AttributeMap> prepare_new_object(const AttributeMap& tmpl, const RuleContext& ctx);

// Writes the token-assigned CKA_UNIQUE_ID (PKCS#11 3.0 §4.4.1).
void assign_unique_id(AttributeMap& attrs, std::string_view id);

// C_GetAttributeValue: kSensitive for key material (footnote 7) of a key that
// is CKA_SENSITIVE or not CKA_EXTRACTABLE; kInvalid when the object does not
// have the attribute. (Readable/Sensitive/Invalid are aliases.)
enum class Readability {
  kReadable,
  kSensitive,
  kInvalid,
  Readable = kReadable,
  Sensitive = kSensitive,
  Invalid = kInvalid,
};
Readability attribute_readability(const AttributeMap& object, CK_ATTRIBUTE_TYPE type);
Readability attribute_readability(const Object& object, CK_ATTRIBUTE_TYPE type);

// C_SetAttributeValue: returns the object's new attribute set.
//   CKA_MODIFIABLE=FALSE → CKR_ACTION_PROHIBITED (nothing may change);
//   attribute not modifiable after creation (class, key type, material,
//   CKA_TOKEN/CKA_PRIVATE/CKA_MODIFIABLE which only C_CopyObject changes,
//   token-set ones), a one-way attribute moved the wrong way (CKA_SENSITIVE
//   TRUE→FALSE, CKA_EXTRACTABLE FALSE→TRUE, CKA_WRAP_WITH_TRUSTED TRUE→FALSE,
//   CKA_COPYABLE FALSE→TRUE), CKA_TRUSTED outside an SO session, or any change
//   to a trusted certificate → CKR_ATTRIBUTE_READ_ONLY. Setting a one-way
//   attribute to its current value is accepted as a no-op.
Result<AttributeMap> apply_changes(const AttributeMap& current, const AttributeMap& changes, const RuleContext& ctx);

// C_CopyObject: CKR_ACTION_PROHIBITED when CKA_COPYABLE is FALSE. The template
// may change CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE and whatever
// C_SetAttributeValue could change (with the same one-way rules: the copy may
// become sensitive or unextractable, never the reverse); anything else is
// CKR_ATTRIBUTE_READ_ONLY. CKA_LOCAL, CKA_KEY_GEN_MECHANISM,
// CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE are kept; CKA_UNIQUE_ID is
// dropped (the copy gets its own).
Result<AttributeMap> prepare_copy(const AttributeMap& original, const AttributeMap& changes, const RuleContext& ctx);

// May `key` be used for `usage` (CKA_SIGN, CKA_VERIFY, CKA_ENCRYPT, CKA_DECRYPT,
// CKA_WRAP, CKA_UNWRAP, CKA_DERIVE, CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER,
// CKA_ENCAPSULATE, CKA_DECAPSULATE) with `mechanism`?
//   usage flag FALSE or absent → CKR_KEY_FUNCTION_NOT_PERMITTED;
//   non-empty CKA_ALLOWED_MECHANISMS without `mechanism` → CKR_MECHANISM_INVALID
//   ("the mechanism specified cannot be used with the selected token with the
//   selected function"; SoftHSMv2 answers the same).
Status check_key_usage(const AttributeMap& key, CK_ATTRIBUTE_TYPE usage, CK_MECHANISM_TYPE mechanism);

// C_WrapKey policy (the wrapping key's CKA_WRAP is check_key_usage's job):
//   target is not a private or secret key → CKR_KEY_NOT_WRAPPABLE;
//   target not CKA_EXTRACTABLE → CKR_KEY_UNEXTRACTABLE;
//   target CKA_WRAP_WITH_TRUSTED and wrapping key not CKA_TRUSTED → CKR_KEY_NOT_WRAPPABLE;
//   target does not match the wrapping key's CKA_WRAP_TEMPLATE →
//   CKR_KEY_HANDLE_INVALID, which §5.18 C_WrapKey prescribes ("If any
//   attribute mismatch occurs on an attempt to wrap a key then the function
//   SHALL return CKR_KEY_HANDLE_INVALID").
Status check_wrap_allowed(const AttributeMap& wrapping_key, const AttributeMap& target_key);

// C_UnwrapKey / C_DeriveKey / C_EncapsulateKey / C_DecapsulateKey: merges the
// key's CKA_UNWRAP_TEMPLATE / CKA_DERIVE_TEMPLATE / CKA_ENCAPSULATE_TEMPLATE /
// CKA_DECAPSULATE_TEMPLATE into the caller's template. An attribute present in
// both with different values → CKR_TEMPLATE_INCONSISTENT (for the
// encapsulate template CKR_KEY_HANDLE_INVALID, as §5.18 C_EncapsulateKey
// states). The result still goes through prepare_new_object.
Result<AttributeMap> merge_key_template(const AttributeMap& key, CK_ATTRIBUTE_TYPE template_attr,
                                        const AttributeMap& tmpl);

}  // namespace craton

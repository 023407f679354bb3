// AttributeMap: an object's (or a template's) attributes as typed values.
//
// Values are stored exactly as the PKCS#11 ABI carries them (CK_BBOOL is one
// byte, CK_ULONG is native-endian sizeof(CK_ULONG), CK_DATE is 8 chars, byte
// arrays as is). Array attributes (CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE,
// CKA_DERIVE_TEMPLATE, CKA_ENCAPSULATE_TEMPLATE, CKA_DECAPSULATE_TEMPLATE) hold a
// nested AttributeMap serialised with encode(); CKA_ALLOWED_MECHANISMS holds a
// packed CK_MECHANISM_TYPE array as the ABI does. All values live in SecureBytes
// because any attribute may be key material.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"

namespace craton {

class AttributeMap {
 public:
  using Map = std::map<CK_ATTRIBUTE_TYPE, SecureBytes>;

  bool has(CK_ATTRIBUTE_TYPE type) const { return values_.count(type) != 0; }
  const SecureBytes* find(CK_ATTRIBUTE_TYPE type) const;
  std::size_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }

  void set(CK_ATTRIBUTE_TYPE type, ByteView value);
  void set(CK_ATTRIBUTE_TYPE type, SecureBytes value) { values_[type] = std::move(value); }
  void set_bool(CK_ATTRIBUTE_TYPE type, bool value);
  void set_ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
  void set_string(CK_ATTRIBUTE_TYPE type, std::string_view value) { set(type, as_bytes(value)); }
  void erase(CK_ATTRIBUTE_TYPE type) { values_.erase(type); }

  // Typed reads. They return nullopt when the attribute is absent *or* has the
  // wrong length for its type; use checked_bool/checked_ulong to tell the two
  // apart when validating caller templates.
  std::optional<bool> get_bool(CK_ATTRIBUTE_TYPE type) const;
  std::optional<CK_ULONG> get_ulong(CK_ATTRIBUTE_TYPE type) const;
  bool bool_or(CK_ATTRIBUTE_TYPE type, bool fallback) const { return get_bool(type).value_or(fallback); }
  CK_ULONG ulong_or(CK_ATTRIBUTE_TYPE type, CK_ULONG fallback) const {
    return get_ulong(type).value_or(fallback);
  }
  ByteView bytes_or_empty(CK_ATTRIBUTE_TYPE type) const;
  std::string string_or_empty(CK_ATTRIBUTE_TYPE type) const;

  // Reads that fail with CKR_ATTRIBUTE_VALUE_INVALID when present with a bad length.
  Result<std::optional<bool>> checked_bool(CK_ATTRIBUTE_TYPE type) const;
  Result<std::optional<CK_ULONG>> checked_ulong(CK_ATTRIBUTE_TYPE type) const;

  // Copies every attribute of `other` into this map, replacing existing values.
  void merge_from(const AttributeMap& other);
  // True when every attribute of `tmpl` is present here with an equal value
  // (the C_FindObjects and CKA_*_TEMPLATE matching rule).
  bool matches(const AttributeMap& tmpl) const;

  Map::const_iterator begin() const { return values_.begin(); }
  Map::const_iterator end() const { return values_.end(); }

  // Stable binary encoding (for the store and for nested templates):
  // repeated [u64 type][u32 length][value], little-endian, sorted by type.
  SecureBytes encode() const;
  static Result<AttributeMap> decode(ByteView encoded);

  bool operator==(const AttributeMap& other) const { return values_ == other.values_; }

 private:
  Map values_;
};

// True for attribute types whose value is a nested template (an array of
// CK_ATTRIBUTE). Not simply the CKF_ARRAY_ATTRIBUTE bit: CKA_ALLOWED_MECHANISMS
// carries that bit but holds CK_MECHANISM_TYPEs, and the 3.2 encapsulation
// templates are templates without it.
inline bool is_array_attribute(CK_ATTRIBUTE_TYPE type) {
  return type == CKA_WRAP_TEMPLATE || type == CKA_UNWRAP_TEMPLATE || type == CKA_DERIVE_TEMPLATE ||
         type == CKA_ENCAPSULATE_TEMPLATE || type == CKA_DECAPSULATE_TEMPLATE;
}

}  // namespace craton

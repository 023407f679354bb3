#include "abi/attribute_marshal.h"

#include <cstring>
#include <stdexcept>

#include "abi/args.h"
#include "object/template_rules.h"

namespace craton::abi {
namespace {

// Templates may nest (an unwrap template holding a derive template), but a
// caller array pointing back at itself must not recurse without end.
constexpr int kMaxTemplateDepth = 3;

Result<AttributeMap> convert_template(const CK_ATTRIBUTE* tmpl, CK_ULONG count, int depth);

Result<SecureBytes> attribute_value(const CK_ATTRIBUTE& attribute, int depth) {
  if (attribute.pValue == nullptr && attribute.ulValueLen > 0) {
    return Status(CKR_ATTRIBUTE_VALUE_INVALID, "attribute value pointer is NULL");
  }
  if (is_array_attribute(attribute.type)) {
    if (attribute.ulValueLen % sizeof(CK_ATTRIBUTE) != 0) {
      return Status(CKR_ATTRIBUTE_VALUE_INVALID, "array attribute length is not a whole CK_ATTRIBUTE array");
    }
    if (depth + 1 >= kMaxTemplateDepth) return Status(CKR_ATTRIBUTE_VALUE_INVALID, "templates nested too deeply");
    ASSIGN_OR_RETURN(AttributeMap nested,
                     convert_template(static_cast<const CK_ATTRIBUTE*>(attribute.pValue),
                                      attribute.ulValueLen / sizeof(CK_ATTRIBUTE), depth + 1));
    return nested.encode();
  }
  if (attribute.type == CKA_ALLOWED_MECHANISMS && attribute.ulValueLen % sizeof(CK_MECHANISM_TYPE) != 0) {
    return Status(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_ALLOWED_MECHANISMS is not a CK_MECHANISM_TYPE array");
  }
  return copy_bytes<SecureBytes>(input(attribute.pValue, attribute.ulValueLen));
}

Result<AttributeMap> convert_template(const CK_ATTRIBUTE* tmpl, CK_ULONG count, int depth) {
  if (tmpl == nullptr && count > 0) return Status(CKR_ARGUMENTS_BAD, "NULL template with a non-zero count");
  AttributeMap map;
  for (CK_ULONG i = 0; i < count; ++i) {
    ASSIGN_OR_RETURN(SecureBytes value, attribute_value(tmpl[i], depth));
    // An AttributeMap keeps one value per type; two different values for one
    // type cannot both be honoured.
    if (const SecureBytes* previous = map.find(tmpl[i].type); previous != nullptr && *previous != value) {
      return Status(CKR_TEMPLATE_INCONSISTENT, "attribute given twice with different values");
    }
    map.set(tmpl[i].type, std::move(value));
  }
  return map;
}

// --- C_GetAttributeValue ---

// What one attribute contributed to the call's overall result.
struct ReadOutcome {
  bool sensitive = false;
  bool invalid = false;
  bool too_small = false;

  CK_RV rv() const {
    if (sensitive) return CKR_ATTRIBUTE_SENSITIVE;
    if (invalid) return CKR_ATTRIBUTE_TYPE_INVALID;
    if (too_small) return CKR_BUFFER_TOO_SMALL;
    return CKR_OK;
  }
};

void copy_value(CK_ATTRIBUTE& attribute, ByteView value, ReadOutcome& outcome);

// An array attribute is returned as a CK_ATTRIBUTE array whose elements follow
// the same rules one level down. Per the specification the element types are
// ignored on input and set on output; the outer length is count * sizeof.
void copy_nested(CK_ATTRIBUTE& attribute, ByteView encoded, ReadOutcome& outcome) {
  Result<AttributeMap> nested = AttributeMap::decode(encoded);
  if (!nested.ok()) throw std::runtime_error("stored nested template does not decode");
  const CK_ULONG needed = static_cast<CK_ULONG>(nested->size() * sizeof(CK_ATTRIBUTE));
  if (attribute.pValue == nullptr) {
    attribute.ulValueLen = needed;
    return;
  }
  if (attribute.ulValueLen < needed) {
    attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
    outcome.too_small = true;
    return;
  }
  auto* elements = static_cast<CK_ATTRIBUTE*>(attribute.pValue);
  std::size_t i = 0;
  for (const auto& [type, value] : *nested) {
    elements[i].type = type;
    copy_value(elements[i], ByteView(value.data(), value.size()), outcome);
    ++i;
  }
  attribute.ulValueLen = needed;
}

void copy_value(CK_ATTRIBUTE& attribute, ByteView value, ReadOutcome& outcome) {
  if (is_array_attribute(attribute.type)) return copy_nested(attribute, value, outcome);
  if (attribute.pValue == nullptr) {
    attribute.ulValueLen = static_cast<CK_ULONG>(value.size());
  } else if (attribute.ulValueLen < value.size()) {
    attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
    outcome.too_small = true;
  } else {
    if (!value.empty()) std::memcpy(attribute.pValue, value.data(), value.size());
    attribute.ulValueLen = static_cast<CK_ULONG>(value.size());
  }
}

void read_one(const Object& object, CK_ATTRIBUTE& attribute, ReadOutcome& outcome) {
  switch (attribute_readability(object, attribute.type)) {
    case Readability::kSensitive:
      attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      outcome.sensitive = true;
      return;
    case Readability::kInvalid:
      attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      outcome.invalid = true;
      return;
    case Readability::kReadable:
      break;
  }
  const SecureBytes* value = object.attrs.find(attribute.type);
  if (value == nullptr) {
    attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
    outcome.invalid = true;
    return;
  }
  copy_value(attribute, ByteView(value->data(), value->size()), outcome);
}

}  // namespace

Result<AttributeMap> template_to_map(const CK_ATTRIBUTE* tmpl, CK_ULONG count) {
  return convert_template(tmpl, count, 0);
}

CK_RV read_attributes(const Object& object, CK_ATTRIBUTE* tmpl, CK_ULONG count) {
  ReadOutcome outcome;
  for (CK_ULONG i = 0; i < count; ++i) read_one(object, tmpl[i], outcome);
  return outcome.rv();
}

}  // namespace craton::abi

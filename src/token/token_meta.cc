#include "token/token_meta.h"

#include "object/attributes.h"

namespace craton {
namespace {

// Field numbers of the "token" record (an AttributeMap used as a TLV container).
constexpr CK_ULONG kFieldInitialized = 1, kFieldUserPin = 2, kFieldLabel = 3, kFieldSerial = 4;

}  // namespace

SecureBytes TokenMeta::encode() const {
  AttributeMap fields;
  fields.set_bool(kFieldInitialized, initialized);
  fields.set_bool(kFieldUserPin, user_pin_initialized);
  fields.set_string(kFieldLabel, label);
  fields.set_string(kFieldSerial, serial);
  return fields.encode();
}

Result<TokenMeta> TokenMeta::decode(ByteView bytes) {
  ASSIGN_OR_RETURN(AttributeMap fields, AttributeMap::decode(bytes));
  TokenMeta meta;
  meta.initialized = fields.bool_or(kFieldInitialized, false);
  meta.user_pin_initialized = fields.bool_or(kFieldUserPin, false);
  meta.label = fields.string_or_empty(kFieldLabel);
  meta.serial = fields.string_or_empty(kFieldSerial);
  return meta;
}

SecureBytes encode_failure_counter(CK_ULONG count) {
  AttributeMap m;
  m.set_ulong(1, count);
  return m.encode();
}

Result<CK_ULONG> decode_failure_counter(ByteView bytes) {
  ASSIGN_OR_RETURN(AttributeMap m, AttributeMap::decode(bytes));
  return m.ulong_or(1, 0);
}

}  // namespace craton

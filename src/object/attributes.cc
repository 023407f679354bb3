#include "object/attributes.h"

#include <cstring>

namespace craton {
namespace {

void put_le(SecureBytes& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t get_le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

const SecureBytes* AttributeMap::find(CK_ATTRIBUTE_TYPE type) const {
  auto it = values_.find(type);
  return it == values_.end() ? nullptr : &it->second;
}

void AttributeMap::set(CK_ATTRIBUTE_TYPE type, ByteView value) {
  values_[type] = SecureBytes(value.begin(), value.end());
}

void AttributeMap::set_bool(CK_ATTRIBUTE_TYPE type, bool value) {
  values_[type] = SecureBytes{static_cast<std::uint8_t>(value ? CK_TRUE : CK_FALSE)};
}

void AttributeMap::set_ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
  SecureBytes b(sizeof(CK_ULONG));
  std::memcpy(b.data(), &value, sizeof value);
  values_[type] = std::move(b);
}

std::optional<bool> AttributeMap::get_bool(CK_ATTRIBUTE_TYPE type) const {
  const SecureBytes* v = find(type);
  if (v == nullptr || v->size() != sizeof(CK_BBOOL)) return std::nullopt;
  return (*v)[0] != CK_FALSE;
}

std::optional<CK_ULONG> AttributeMap::get_ulong(CK_ATTRIBUTE_TYPE type) const {
  const SecureBytes* v = find(type);
  if (v == nullptr || v->size() != sizeof(CK_ULONG)) return std::nullopt;
  CK_ULONG out;
  std::memcpy(&out, v->data(), sizeof out);
  return out;
}

ByteView AttributeMap::bytes_or_empty(CK_ATTRIBUTE_TYPE type) const {
  const SecureBytes* v = find(type);
  return v == nullptr ? ByteView{} : ByteView{v->data(), v->size()};
}

std::string AttributeMap::string_or_empty(CK_ATTRIBUTE_TYPE type) const {
  ByteView v = bytes_or_empty(type);
  return std::string(v.begin(), v.end());
}

Result<std::optional<bool>> AttributeMap::checked_bool(CK_ATTRIBUTE_TYPE type) const {
  const SecureBytes* v = find(type);
  if (v == nullptr) return std::optional<bool>{};
  if (v->size() != sizeof(CK_BBOOL)) {
    return Status(CKR_ATTRIBUTE_VALUE_INVALID, "boolean attribute with wrong length");
  }
  return std::optional<bool>{(*v)[0] != CK_FALSE};
}

Result<std::optional<CK_ULONG>> AttributeMap::checked_ulong(CK_ATTRIBUTE_TYPE type) const {
  const SecureBytes* v = find(type);
  if (v == nullptr) return std::optional<CK_ULONG>{};
  if (v->size() != sizeof(CK_ULONG)) {
    return Status(CKR_ATTRIBUTE_VALUE_INVALID, "CK_ULONG attribute with wrong length");
  }
  CK_ULONG out;
  std::memcpy(&out, v->data(), sizeof out);
  return std::optional<CK_ULONG>{out};
}

void AttributeMap::merge_from(const AttributeMap& other) {
  for (const auto& [type, value] : other.values_) values_[type] = value;
}

bool AttributeMap::matches(const AttributeMap& tmpl) const {
  for (const auto& [type, value] : tmpl.values_) {
    auto it = values_.find(type);
    if (it == values_.end() || it->second != value) return false;
  }
  return true;
}

SecureBytes AttributeMap::encode() const {
  SecureBytes out;
  std::size_t total = 0;
  for (const auto& kv : values_) total += 12 + kv.second.size();
  out.reserve(total);
  for (const auto& [type, value] : values_) {
    put_le(out, type, 8);
    put_le(out, value.size(), 4);
    out.insert(out.end(), value.begin(), value.end());
  }
  return out;
}

Result<AttributeMap> AttributeMap::decode(ByteView encoded) {
  AttributeMap map;
  std::size_t pos = 0;
  while (pos < encoded.size()) {
    if (encoded.size() - pos < 12) return Status(CKR_DATA_INVALID, "truncated attribute header");
    const auto type = static_cast<CK_ATTRIBUTE_TYPE>(get_le(encoded.data() + pos, 8));
    const std::size_t len = get_le(encoded.data() + pos + 8, 4);
    pos += 12;
    if (encoded.size() - pos < len) return Status(CKR_DATA_INVALID, "truncated attribute value");
    map.set(type, encoded.subspan(pos, len));
    pos += len;
  }
  return map;
}

}  // namespace craton

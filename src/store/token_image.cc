#include "store/token_image.h"

#include <limits>
#include <set>
#include <string_view>

#include "store/le_codec.h"

namespace craton {
namespace {

// The smallest encodings, used to bound counts before reserving memory.
constexpr std::size_t kMinMetaEntry = 2 + 1 + 4;
constexpr std::size_t kMinObject = 8 + 8 + 1 + 4;

Status invalid(const std::string& what) { return Status(CKR_DATA_INVALID, "token image: " + what); }

Status decode_meta(LeReader& in, MetaEntries& meta) {
  const std::uint32_t count = in.u32();
  if (!in.ok()) return invalid("truncated before the meta count");
  if (count > in.left() / kMinMetaEntry) return invalid("meta count " + std::to_string(count) + " exceeds the data");
  std::set<std::string, std::less<>> seen;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint16_t name_len = in.u16();
    ByteView name = in.bytes(name_len);
    const std::uint32_t value_len = in.u32();
    ByteView value = in.bytes(value_len);
    if (!in.ok()) return invalid("truncated in meta entry " + std::to_string(i));
    std::string text(name.begin(), name.end());
    if (text.empty()) return invalid("meta entry " + std::to_string(i) + " has an empty name");
    if (!seen.insert(text).second) return invalid("meta entry \"" + text + "\" appears twice");
    meta.emplace_back(std::move(text), copy_bytes<SecureBytes>(value));
  }
  return Status::Ok();
}

Status decode_objects(LeReader& in, std::vector<ObjectRecord>& objects) {
  const std::uint32_t count = in.u32();
  if (!in.ok()) return invalid("truncated before the object count");
  if (count > in.left() / kMinObject) return invalid("object count " + std::to_string(count) + " exceeds the data");
  objects.reserve(count);
  std::uint64_t previous = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    ObjectRecord record;
    record.id = in.u64();
    record.version = in.u64();
    const std::uint8_t is_private = in.u8();
    const std::uint32_t blob_len = in.u32();
    ByteView blob = in.bytes(blob_len);
    if (!in.ok()) return invalid("truncated in object " + std::to_string(i));
    if (is_private > 1) return invalid("object " + std::to_string(record.id) + " has a bad private flag");
    if (record.id == 0 || record.id <= previous || record.id > std::numeric_limits<std::int64_t>::max()) {
      return invalid("object ids out of order or out of range at " + std::to_string(record.id));
    }
    previous = record.id;
    record.is_private = is_private == 1;
    record.blob = copy_bytes(blob);
    objects.push_back(std::move(record));
  }
  return Status::Ok();
}

}  // namespace

Result<Bytes> encode_token_image(const StoreContent& content) {
  Bytes out;
  LeWriter w(out);
  if (content.meta.size() > std::numeric_limits<std::uint32_t>::max() ||
      content.objects.size() > std::numeric_limits<std::uint32_t>::max()) {
    return Status(CKR_DATA_LEN_RANGE, "token image: too many entries");
  }
  w.u32(static_cast<std::uint32_t>(content.meta.size()));
  for (const auto& [name, value] : content.meta) {
    if (name.size() > std::numeric_limits<std::uint16_t>::max() ||
        value.size() > std::numeric_limits<std::uint32_t>::max()) {
      return Status(CKR_DATA_LEN_RANGE, "token image: meta entry \"" + name + "\" is too large");
    }
    w.u16(static_cast<std::uint16_t>(name.size()));
    w.bytes(as_bytes(name));
    w.u32(static_cast<std::uint32_t>(value.size()));
    w.bytes(value);
  }
  w.u32(static_cast<std::uint32_t>(content.objects.size()));
  for (const ObjectRecord& record : content.objects) {
    if (record.blob.size() > std::numeric_limits<std::uint32_t>::max()) {
      return Status(CKR_DATA_LEN_RANGE, "token image: object " + std::to_string(record.id) + " is too large");
    }
    w.u64(record.id);
    w.u64(record.version);
    w.u8(record.is_private ? 1 : 0);
    w.u32(static_cast<std::uint32_t>(record.blob.size()));
    w.bytes(record.blob);
  }
  return out;
}

Result<StoreContent> decode_token_image(ByteView body) {
  LeReader in(body);
  StoreContent content;
  RETURN_IF_ERROR(decode_meta(in, content.meta));
  RETURN_IF_ERROR(decode_objects(in, content.objects));
  if (in.left() != 0) return invalid(std::to_string(in.left()) + " unexpected bytes after the last object");
  return content;
}

}  // namespace craton

#include "token/pin_record.h"

#include "crypto/pbkdf2.h"
#include "crypto/provider.h"
#include "object/attributes.h"
#include "store/record_cipher.h"

namespace craton {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKekBytes = 32;
// Field numbers inside the encoded record (an AttributeMap used as a TLV container).
constexpr CK_ULONG kFieldSalt = 1, kFieldIterations = 2, kFieldWrapped = 3;

Result<SecureBytes> derive_kek(const crypto::Provider& provider, ByteView pin, ByteView salt,
                               std::uint32_t iterations) {
  return crypto::pbkdf2_hmac_sha256(provider, pin, salt, iterations, kKekBytes);
}

}  // namespace

Result<PinRecord> PinRecord::create(const crypto::Provider& provider, std::uint64_t slot_id, PinRole role,
                                    ByteView pin, std::uint32_t iterations, ByteView master_key) {
  PinRecord record;
  record.iterations = iterations;
  record.salt.resize(kSaltBytes);
  RETURN_IF_ERROR(provider.random(record.salt));
  ASSIGN_OR_RETURN(SecureBytes kek, derive_kek(provider, pin, record.salt, iterations));
  ASSIGN_OR_RETURN(record.wrapped_master_key,
                   wrap_master_key(provider, kek, slot_id, static_cast<std::uint8_t>(role), master_key));
  return record;
}

Result<SecureBytes> PinRecord::unlock(const crypto::Provider& provider, std::uint64_t slot_id, PinRole role,
                                      ByteView pin) const {
  ASSIGN_OR_RETURN(SecureBytes kek, derive_kek(provider, pin, salt, iterations));
  return unwrap_master_key(provider, kek, slot_id, static_cast<std::uint8_t>(role), wrapped_master_key);
}

SecureBytes PinRecord::encode() const {
  AttributeMap fields;
  fields.set(kFieldSalt, ByteView(salt));
  fields.set_ulong(kFieldIterations, iterations);
  fields.set(kFieldWrapped, ByteView(wrapped_master_key));
  return fields.encode();
}

Result<PinRecord> PinRecord::decode(ByteView bytes) {
  ASSIGN_OR_RETURN(AttributeMap fields, AttributeMap::decode(bytes));
  auto iterations = fields.get_ulong(kFieldIterations);
  if (!fields.has(kFieldSalt) || !fields.has(kFieldWrapped) || !iterations) {
    return Status(CKR_DEVICE_ERROR, "PIN record is incomplete");
  }
  PinRecord record;
  record.salt = copy_bytes<SecureBytes>(fields.bytes_or_empty(kFieldSalt));
  record.iterations = static_cast<std::uint32_t>(*iterations);
  record.wrapped_master_key = copy_bytes(fields.bytes_or_empty(kFieldWrapped));
  return record;
}

}  // namespace craton

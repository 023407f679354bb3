// TokenImage: one slot's token as a backup carries it (docs/backup.md).
//
// The image is the slot's store content as stored: every meta entry (token
// info, the PIN records that wrap the master key) and every object record,
// private ones still sealed under the token master key. Nothing is decrypted
// to make it, so a backup is useful only with the SO PIN of the token.
//
// Serialised body (inside the backup file's encryption; little-endian):
//   u32 meta count, then per entry: u16 name length, name, u32 value length, value
//   u32 object count, then per object: u64 id, u64 version, u8 private (0|1),
//                                      u32 blob length, blob
// and nothing after. Names are unique and non-empty; object ids are > 0 and
// strictly increasing. The parser checks every length against what is left
// before reading, so no input can make it read out of bounds or allocate
// more than the input's size.
#pragma once

#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/status.h"
#include "store/slot_store.h"

namespace craton {

struct TokenImage {
  // What the backup file's header repeats (authenticated there).
  std::uint64_t source_slot = 0;
  std::string serial;  // without padding
  std::string label;   // without padding
  StoreContent content;
};

// What restoring an image did (token/slot_backup.cc).
struct RestoreOutcome {
  std::size_t objects = 0;      // token objects now in the slot
  bool moved = false;           // restored into another slot than it was taken from
  bool user_pin_kept = false;   // false: the SO must set a user PIN (`pin reset`)
};

// The serialised body: meta entries and objects (the other TokenImage fields
// travel in the backup file's header). CKR_DATA_LEN_RANGE if a name, value or
// blob exceeds its length field.
Result<Bytes> encode_token_image(const StoreContent& content);
// CKR_DATA_INVALID with what is wrong ("truncated in object 3", ...).
Result<StoreContent> decode_token_image(ByteView body);

}  // namespace craton

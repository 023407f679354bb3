// The backup file: one token image under a passphrase (docs/backup.md).
//
// Layout (little-endian), 140-byte header then the encrypted body:
//    0  8  magic "CRATONBK"
//    8  2  format version (1)
//   10  1  KDF id (1: PBKDF2-HMAC-SHA256, then HKDF-SHA256)
//   11  1  reserved, 0
//   12  4  PBKDF2 iterations (600,000 .. 10,000,000)
//   16 16  salt
//   32 16  passphrase check value
//   48 12  AES-GCM nonce
//   60  8  source slot
//   68  8  creation time (unix seconds, signed)
//   76  8  object count
//   84  8  body length (ciphertext bytes, at most 1 GiB)
//   92 16  token serial (space padded)
//  108 32  token label (space padded)
//  140  .  AES-256-GCM ciphertext of the token image body (token_image.h)
//   end 16 GCM tag
// The whole header is the GCM additional data, so no field of it can be
// changed without the tag failing.
//
// Keys: P = PBKDF2-HMAC-SHA256(passphrase, salt, iterations, 32 bytes);
//   encryption key = HKDF-SHA256(P, info "craton-backup-v1 encryption key", 32)
//   check value    = HKDF-SHA256(P, info "craton-backup-v1 passphrase check", 16)
// The check value tells a wrong passphrase from a modified file. It gives an
// attacker nothing the tag would not: both need the full PBKDF2 per guess.
//
// Errors (Status codes the CLI maps to exit codes):
//   CKR_DATA_INVALID            not a backup, foreign format version, truncated,
//                               trailing bytes, unknown KDF, iterations out of range
//   CKR_PIN_INCORRECT           wrong passphrase (the check value differs)
//   CKR_ENCRYPTED_DATA_INVALID  the passphrase is right but the tag fails:
//                               the file was modified or damaged
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/status.h"
#include "store/token_image.h"

namespace craton {

namespace crypto { class Provider; }

inline constexpr std::uint16_t kBackupFormatVersion = 1;
inline constexpr std::uint8_t kBackupKdfPbkdf2Sha256 = 1;
inline constexpr std::uint32_t kBackupMinIterations = 600'000;
// Reading a file costs its iteration count: a cap keeps a hostile file from
// making `inspect --verify` or `restore` run for hours.
inline constexpr std::uint32_t kBackupMaxIterations = 10'000'000;
inline constexpr std::size_t kBackupHeaderSize = 140;
inline constexpr std::size_t kBackupTagSize = 16;
inline constexpr std::uint64_t kBackupMaxBody = std::uint64_t{1} << 30;

struct BackupHeader {
  std::uint16_t format_version = kBackupFormatVersion;
  std::uint8_t kdf = kBackupKdfPbkdf2Sha256;
  std::uint32_t iterations = kBackupMinIterations;
  std::array<std::uint8_t, 16> salt{};
  std::array<std::uint8_t, 16> check{};
  std::array<std::uint8_t, 12> nonce{};
  std::uint64_t source_slot = 0;
  std::int64_t created = 0;
  std::uint64_t object_count = 0;
  std::uint64_t body_length = 0;
  std::string serial;  // without padding
  std::string label;   // without padding
};

// The whole file for `image`, created at `created` (unix seconds). Salt and
// nonce come from the module DRBG. CKR_ARGUMENTS_BAD for iterations outside
// [kBackupMinIterations, kBackupMaxIterations] or an empty passphrase.
Result<Bytes> write_backup(const crypto::Provider& provider, const TokenImage& image, ByteView passphrase,
                           std::uint32_t iterations, std::int64_t created);

// The header after the structural checks (magic, version, KDF, sizes) — NOT
// authenticated: anyone can edit it; only open_backup() proves it.
Result<BackupHeader> read_backup_header(ByteView file);

// Checks everything and returns the authenticated image (source slot,
// serial and label from the header).
Result<TokenImage> open_backup(const crypto::Provider& provider, ByteView file, ByteView passphrase);

}  // namespace craton

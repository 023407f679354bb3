// Encryption of private records at rest (DESIGN.md §4).
//
// Record format (all private object blobs):
//   0x01 || nonce (12) || ciphertext || tag (16)
// with AES-256-GCM under the token master key and
//   AAD = "craton-record-v1" || slot id (LE64) || object id (LE64) || version (LE64)
// Binding slot, object id and version into the AAD means a sealed record
// cannot be moved to another slot or object, nor rolled back to an older
// version the token layer has already superseded (the token layer knows the
// current version and passes it in).
//
// Wrapped master key format: 0x01 || nonce (12) || ciphertext (32) || tag (16),
// AES-256-GCM under a PIN-derived KEK with
//   AAD = "craton-master-key-v1" || slot id (LE64) || role byte.
//
// Nonces are 96-bit random values from the module DRBG. Under one key the
// random-nonce GCM bound is 2^32 seals (NIST SP 800-38D §8.3); a token
// rewriting records at that volume is far beyond what an HSM store sees.
#pragma once

#include <cstdint>
#include <memory>

#include "core/bytes.h"
#include "core/status.h"
#include "crypto/provider.h"

typedef struct evp_cipher_st EVP_CIPHER;

namespace craton {

inline constexpr std::uint8_t kRecordFormatVersion = 1;
inline constexpr std::size_t kRecordNonceSize = 12;
inline constexpr std::size_t kRecordTagSize = 16;
// Bytes a sealed record adds to its plaintext.
inline constexpr std::size_t kRecordOverhead = 1 + kRecordNonceSize + kRecordTagSize;
inline constexpr std::size_t kMasterKeySize = 32;
inline constexpr std::size_t kWrappedMasterKeySize = kRecordOverhead + kMasterKeySize;

class RecordCipher {
 public:
  // Fetches AES-256-GCM once from provider.libctx() and keeps it for the life of
  // the object (a RecordCipher lives as long as the token's unlocked state).
  // A master key that is not 32 bytes makes every call fail with CKR_KEY_SIZE_RANGE.
  RecordCipher(const crypto::Provider& provider, ByteView master_key /*32 bytes*/, std::uint64_t slot_id);
  ~RecordCipher();
  RecordCipher(const RecordCipher&) = delete;
  RecordCipher& operator=(const RecordCipher&) = delete;

  // Safe to call concurrently (each call uses its own cipher context).
  Result<Bytes> seal(std::uint64_t object_id, std::uint64_t version, ByteView plaintext) const;
  // CKR_DEVICE_ERROR ("record N failed authentication") on tamper or on a wrong
  // slot / object id / version; CKR_DEVICE_ERROR for a malformed record.
  Result<SecureBytes> open(std::uint64_t object_id, std::uint64_t version, ByteView sealed) const;

 private:
  Status usable() const;

  const crypto::Provider& provider_;
  SecureBytes key_;
  std::uint64_t slot_id_;
  EVP_CIPHER* cipher_ = nullptr;  // owned; nullptr if the fetch failed
};

// Wraps/unwraps the 32-byte token master key under a 32-byte KEK (derived from a
// PIN by the token layer). These run once per login or PIN change, so the cipher
// is fetched per call rather than cached.
Result<Bytes> wrap_master_key(const crypto::Provider& provider, ByteView kek, std::uint64_t slot_id, std::uint8_t role,
                              ByteView master_key);
// CKR_PIN_INCORRECT when authentication fails (wrong KEK, i.e. wrong PIN — or a
// tampered blob, which cannot be told apart); CKR_DEVICE_ERROR when the blob is
// malformed (wrong length or format byte), which no PIN can explain.
Result<SecureBytes> unwrap_master_key(const crypto::Provider& provider, ByteView kek, std::uint64_t slot_id,
                                      std::uint8_t role, ByteView wrapped);

}  // namespace craton

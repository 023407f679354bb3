#include "store/record_cipher.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <string>
#include <string_view>

namespace craton {
namespace {

constexpr std::string_view kRecordAadLabel = "craton-record-v1";
constexpr std::string_view kMasterKeyAadLabel = "craton-master-key-v1";
constexpr std::size_t kKeySize = 32;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

struct CipherDeleter {
  void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); }
};
using CipherPtr = std::unique_ptr<EVP_CIPHER, CipherDeleter>;

// An unexpected OpenSSL failure: CKR_FUNCTION_FAILED with OpenSSL's reason,
// leaving the thread's error queue empty for the next caller.
Status openssl_failure(std::string_view what) {
  char reason[256] = "no OpenSSL error queued";
  if (unsigned long e = ERR_peek_last_error(); e != 0) ERR_error_string_n(e, reason, sizeof(reason));
  ERR_clear_error();
  return Status(CKR_FUNCTION_FAILED, std::string(what) + ": " + reason);
}

void append_le64(Bytes& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

Bytes record_aad(std::uint64_t slot_id, std::uint64_t object_id, std::uint64_t version) {
  Bytes aad(kRecordAadLabel.begin(), kRecordAadLabel.end());
  append_le64(aad, slot_id);
  append_le64(aad, object_id);
  append_le64(aad, version);
  return aad;
}

Bytes master_key_aad(std::uint64_t slot_id, std::uint8_t role) {
  Bytes aad(kMasterKeyAadLabel.begin(), kMasterKeyAadLabel.end());
  append_le64(aad, slot_id);
  aad.push_back(role);
  return aad;
}

Result<CipherPtr> fetch_gcm(const crypto::Provider& provider) {
  CipherPtr cipher(EVP_CIPHER_fetch(provider.libctx(), "AES-256-GCM", nullptr));
  if (!cipher) return openssl_failure("cannot fetch AES-256-GCM");
  return cipher;
}

// version byte || nonce || ciphertext || tag
Result<Bytes> gcm_seal(const crypto::Provider& provider, const EVP_CIPHER* cipher, ByteView key, ByteView aad,
                       ByteView plaintext) {
  if (plaintext.size() > static_cast<std::size_t>(INT_MAX) - kRecordOverhead) {
    return Status(CKR_DATA_LEN_RANGE, "record too large to seal");
  }
  Bytes out(kRecordOverhead + plaintext.size());
  out[0] = kRecordFormatVersion;
  std::uint8_t* nonce = out.data() + 1;
  std::uint8_t* body = nonce + kRecordNonceSize;
  RETURN_IF_ERROR(provider.random({nonce, kRecordNonceSize}));

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  // GCM's default IV length is 96 bits, so no IV-length parameter is needed.
  if (!ctx || EVP_EncryptInit_ex2(ctx.get(), cipher, key.data(), nonce, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return openssl_failure("AES-GCM seal init");
  }
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), body, &written, plaintext.data(), static_cast<int>(plaintext.size())) != 1) {
      return openssl_failure("AES-GCM seal");
    }
  }
  int tail = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), body + written, &tail) != 1) return openssl_failure("AES-GCM seal final");
  std::uint8_t* tag = body + plaintext.size();
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kRecordTagSize),
                         OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_get_params(ctx.get(), params) != 1) return openssl_failure("AES-GCM get tag");
  return out;
}

// Checks the envelope before any cryptography: a wrong length or format byte
// is corruption, not an authentication failure.
Status check_envelope(ByteView sealed, std::string_view what) {
  if (sealed.size() < kRecordOverhead) {
    return Status(CKR_DEVICE_ERROR, std::string(what) + " is truncated (" + std::to_string(sealed.size()) + " bytes)");
  }
  if (sealed[0] != kRecordFormatVersion) {
    return Status(CKR_DEVICE_ERROR, std::string(what) + " has unsupported format version " + std::to_string(sealed[0]));
  }
  return Status::Ok();
}

// Decrypts an envelope that passed check_envelope(). `auth_failure` is returned
// when the tag does not verify, so each caller names the failure in its terms.
Result<SecureBytes> gcm_open(const EVP_CIPHER* cipher, ByteView key, ByteView aad, ByteView sealed,
                             const Status& auth_failure) {
  const std::uint8_t* nonce = sealed.data() + 1;
  const std::size_t body_len = sealed.size() - kRecordOverhead;
  if (body_len > static_cast<std::size_t>(INT_MAX)) return Status(CKR_DEVICE_ERROR, "record too large");
  const std::uint8_t* body = nonce + kRecordNonceSize;
  // OpenSSL takes the expected tag through a non-const pointer; copy it.
  std::uint8_t tag[kRecordTagSize];
  std::copy(body + body_len, body + body_len + kRecordTagSize, tag);

  SecureBytes out(body_len);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex2(ctx.get(), cipher, key.data(), nonce, nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return openssl_failure("AES-GCM open init");
  }
  int written = 0;
  if (body_len != 0 && EVP_DecryptUpdate(ctx.get(), out.data(), &written, body, static_cast<int>(body_len)) != 1) {
    return openssl_failure("AES-GCM open");
  }
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kRecordTagSize),
                         OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_set_params(ctx.get(), params) != 1) return openssl_failure("AES-GCM set tag");
  int tail = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + written, &tail) != 1) {
    ERR_clear_error();
    return auth_failure;  // `out` (unauthenticated plaintext) is wiped on return
  }
  return out;
}

Status check_key(ByteView key, std::string_view what) {
  if (key.size() != kKeySize) {
    return Status(CKR_KEY_SIZE_RANGE, std::string(what) + " must be 32 bytes, got " + std::to_string(key.size()));
  }
  return Status::Ok();
}

}  // namespace

RecordCipher::RecordCipher(const crypto::Provider& provider, ByteView master_key, std::uint64_t slot_id)
    : provider_(provider), key_(master_key.begin(), master_key.end()), slot_id_(slot_id) {
  // Fetched once per RecordCipher (the per-owner cache the code rules ask for).
  if (auto fetched = fetch_gcm(provider); fetched.ok()) cipher_ = std::move(fetched).value().release();
}

RecordCipher::~RecordCipher() { EVP_CIPHER_free(cipher_); }

Status RecordCipher::usable() const {
  RETURN_IF_ERROR(check_key(key_, "token master key"));
  if (cipher_ == nullptr)
    return Status(CKR_FUNCTION_FAILED, "AES-256-GCM is unavailable in the module's library context");
  return Status::Ok();
}

Result<Bytes> RecordCipher::seal(std::uint64_t object_id, std::uint64_t version, ByteView plaintext) const {
  RETURN_IF_ERROR(usable());
  return gcm_seal(provider_, cipher_, key_, record_aad(slot_id_, object_id, version), plaintext);
}

Result<SecureBytes> RecordCipher::open(std::uint64_t object_id, std::uint64_t version, ByteView sealed) const {
  RETURN_IF_ERROR(usable());
  const std::string name = "record " + std::to_string(object_id);
  RETURN_IF_ERROR(check_envelope(sealed, name));
  return gcm_open(cipher_, key_, record_aad(slot_id_, object_id, version), sealed,
                  Status(CKR_DEVICE_ERROR, name + " failed authentication"));
}

Result<Bytes> wrap_master_key(const crypto::Provider& provider, ByteView kek, std::uint64_t slot_id, std::uint8_t role,
                              ByteView master_key) {
  RETURN_IF_ERROR(check_key(kek, "key-encryption key"));
  RETURN_IF_ERROR(check_key(master_key, "token master key"));
  ASSIGN_OR_RETURN(CipherPtr cipher, fetch_gcm(provider));
  return gcm_seal(provider, cipher.get(), kek, master_key_aad(slot_id, role), master_key);
}

Result<SecureBytes> unwrap_master_key(const crypto::Provider& provider, ByteView kek, std::uint64_t slot_id,
                                      std::uint8_t role, ByteView wrapped) {
  RETURN_IF_ERROR(check_key(kek, "key-encryption key"));
  RETURN_IF_ERROR(check_envelope(wrapped, "wrapped master key"));
  if (wrapped.size() != kWrappedMasterKeySize) {
    return Status(CKR_DEVICE_ERROR, "wrapped master key has length " + std::to_string(wrapped.size()) + ", expected " +
                                        std::to_string(kWrappedMasterKeySize));
  }
  ASSIGN_OR_RETURN(CipherPtr cipher, fetch_gcm(provider));
  return gcm_open(cipher.get(), kek, master_key_aad(slot_id, role), wrapped,
                  Status(CKR_PIN_INCORRECT, "master key did not unwrap (wrong PIN or damaged blob)"));
}

}  // namespace craton

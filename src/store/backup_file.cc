#include "store/backup_file.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>
#include <string_view>

#include "crypto/pbkdf2.h"
#include "crypto/provider.h"
#include "store/le_codec.h"

namespace craton {
namespace {

constexpr std::string_view kMagic = "CRATONBK";
constexpr std::size_t kSerialField = 16;
constexpr std::size_t kLabelField = 32;
constexpr std::string_view kKeyInfo = "craton-backup-v1 encryption key";
constexpr std::string_view kCheckInfo = "craton-backup-v1 passphrase check";

Status invalid(const std::string& what) { return Status(CKR_DATA_INVALID, what); }

std::string unpad(ByteView field) {
  std::string text(field.begin(), field.end());
  while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.pop_back();
  return text;
}

void put_padded(LeWriter& w, std::string_view text, std::size_t width) {
  std::string field(text.substr(0, width));
  field.resize(width, ' ');
  w.bytes(as_bytes(field));
}

template <std::size_t N>
void take(LeReader& in, std::array<std::uint8_t, N>& out) {
  ByteView v = in.bytes(N);
  std::copy(v.begin(), v.end(), out.begin());
}

Bytes encode_header(const BackupHeader& h) {
  Bytes out;
  LeWriter w(out);
  w.bytes(as_bytes(kMagic));
  w.u16(h.format_version);
  w.u8(h.kdf);
  w.u8(0);
  w.u32(h.iterations);
  w.bytes(h.salt);
  w.bytes(h.check);
  w.bytes(h.nonce);
  w.u64(h.source_slot);
  w.u64(static_cast<std::uint64_t>(h.created));
  w.u64(h.object_count);
  w.u64(h.body_length);
  put_padded(w, h.serial, kSerialField);
  put_padded(w, h.label, kLabelField);
  return out;
}

// Magic and version come first, so that a file of another kind or of a later
// format is named as such rather than as "truncated" or "damaged".
Status check_identity(ByteView file) {
  const std::size_t magic_part = std::min(file.size(), kMagic.size());
  if (!std::equal(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(magic_part), kMagic.begin())) {
    return invalid("not a Craton HSM backup (the file does not start with \"CRATONBK\")");
  }
  if (file.size() < kMagic.size() + 2) {
    return invalid("the backup file is truncated (" + std::to_string(file.size()) + " bytes)");
  }
  LeReader in(file.subspan(kMagic.size()));
  const std::uint16_t version = in.u16();
  if (version != kBackupFormatVersion) {
    return invalid("backup format version " + std::to_string(version) + "; this build reads " +
                   std::to_string(kBackupFormatVersion));
  }
  return Status::Ok();
}

Status check_header(const BackupHeader& h, std::uint8_t reserved, std::size_t file_size) {
  if (h.kdf != kBackupKdfPbkdf2Sha256 || reserved != 0) {
    return invalid("the backup names an unknown key derivation (" + std::to_string(h.kdf) + ")");
  }
  if (h.iterations < kBackupMinIterations || h.iterations > kBackupMaxIterations) {
    return invalid("the backup's PBKDF2 iteration count " + std::to_string(h.iterations) + " is outside " +
                   std::to_string(kBackupMinIterations) + ".." + std::to_string(kBackupMaxIterations));
  }
  if (h.body_length > kBackupMaxBody) return invalid("the backup's body length is out of range");
  const std::uint64_t expected = kBackupHeaderSize + h.body_length + kBackupTagSize;
  if (file_size < expected) {
    return invalid("the backup file is truncated (" + std::to_string(file_size) + " of " + std::to_string(expected) +
                   " bytes)");
  }
  if (file_size > expected) {
    return invalid("the backup file has " + std::to_string(file_size - expected) + " unexpected bytes at the end");
  }
  return Status::Ok();
}

struct BackupKeys {
  SecureBytes encryption;
  SecureBytes check;
};

Result<BackupKeys> derive_keys(const crypto::Provider& provider, ByteView passphrase, const BackupHeader& h) {
  ASSIGN_OR_RETURN(SecureBytes prk, crypto::pbkdf2_hmac_sha256(provider, passphrase, h.salt, h.iterations, 32));
  BackupKeys keys;
  ASSIGN_OR_RETURN(keys.encryption, crypto::hkdf_sha256(provider, prk, {}, as_bytes(kKeyInfo), 32));
  ASSIGN_OR_RETURN(keys.check, crypto::hkdf_sha256(provider, prk, {}, as_bytes(kCheckInfo), h.check.size()));
  return keys;
}

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
struct CipherDeleter {
  void operator()(EVP_CIPHER* c) const { EVP_CIPHER_free(c); }
};

Status openssl_failure(std::string_view what) {
  ERR_clear_error();
  return Status(CKR_FUNCTION_FAILED, "backup: " + std::string(what) + " failed in OpenSSL");
}

// AES-256-GCM over `in` with `aad`; encrypting appends the tag, decrypting
// expects it at the end of `in`. False (decrypt only) when the tag fails.
Result<bool> gcm(const crypto::Provider& provider, bool encrypt, ByteView key, ByteView nonce, ByteView aad,
                 ByteView in, Bytes& out) {
  std::unique_ptr<EVP_CIPHER, CipherDeleter> cipher(EVP_CIPHER_fetch(provider.libctx(), "AES-256-GCM", nullptr));
  std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx(EVP_CIPHER_CTX_new());
  if (!cipher || !ctx) return openssl_failure("AES-256-GCM setup");
  const std::size_t body = encrypt ? in.size() : in.size() - kBackupTagSize;
  std::uint8_t tag[kBackupTagSize] = {};
  if (!encrypt) std::copy(in.begin() + static_cast<std::ptrdiff_t>(body), in.end(), tag);
  out.assign(body + (encrypt ? kBackupTagSize : 0), 0);
  int len = 0;
  if (EVP_CipherInit_ex2(ctx.get(), cipher.get(), key.data(), nonce.data(), encrypt ? 1 : 0, nullptr) != 1 ||
      EVP_CipherUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      (body != 0 && EVP_CipherUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(body)) != 1)) {
    return openssl_failure("AES-256-GCM");
  }
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kBackupTagSize),
                         OSSL_PARAM_construct_end()};
  if (!encrypt && EVP_CIPHER_CTX_set_params(ctx.get(), params) != 1) return openssl_failure("AES-256-GCM tag");
  int tail = 0;
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + body, &tail) != 1) {
    if (encrypt) return openssl_failure("AES-256-GCM final");
    ERR_clear_error();
    std::fill(out.begin(), out.end(), 0);
    return false;
  }
  if (encrypt) {
    if (EVP_CIPHER_CTX_get_params(ctx.get(), params) != 1) return openssl_failure("AES-256-GCM tag");
    std::copy(tag, tag + kBackupTagSize, out.begin() + static_cast<std::ptrdiff_t>(body));
  }
  return true;
}

}  // namespace

Result<BackupHeader> read_backup_header(ByteView file) {
  RETURN_IF_ERROR(check_identity(file));
  if (file.size() < kBackupHeaderSize) {
    return invalid("the backup file is truncated (" + std::to_string(file.size()) + " bytes; the header alone is " +
                   std::to_string(kBackupHeaderSize) + ")");
  }
  LeReader in(file.first(kBackupHeaderSize));
  (void)in.bytes(kMagic.size());
  BackupHeader h;
  h.format_version = in.u16();
  h.kdf = in.u8();
  const std::uint8_t reserved = in.u8();
  h.iterations = in.u32();
  take(in, h.salt);
  take(in, h.check);
  take(in, h.nonce);
  h.source_slot = in.u64();
  h.created = static_cast<std::int64_t>(in.u64());
  h.object_count = in.u64();
  h.body_length = in.u64();
  h.serial = unpad(in.bytes(kSerialField));
  h.label = unpad(in.bytes(kLabelField));
  RETURN_IF_ERROR(check_header(h, reserved, file.size()));
  return h;
}

Result<Bytes> write_backup(const crypto::Provider& provider, const TokenImage& image, ByteView passphrase,
                           std::uint32_t iterations, std::int64_t created) {
  if (iterations < kBackupMinIterations || iterations > kBackupMaxIterations || passphrase.empty()) {
    return Status(CKR_ARGUMENTS_BAD, "backup: empty passphrase or iterations out of range");
  }
  ASSIGN_OR_RETURN(Bytes body, encode_token_image(image.content));
  if (body.size() > kBackupMaxBody) return Status(CKR_DATA_LEN_RANGE, "backup: the token is larger than 1 GiB");
  BackupHeader h;
  h.iterations = iterations;
  RETURN_IF_ERROR(provider.random(h.salt));
  RETURN_IF_ERROR(provider.random(h.nonce));
  h.source_slot = image.source_slot;
  h.created = created;
  h.object_count = image.content.objects.size();
  h.body_length = body.size();
  h.serial = image.serial;
  h.label = image.label;
  ASSIGN_OR_RETURN(BackupKeys keys, derive_keys(provider, passphrase, h));
  std::copy(keys.check.begin(), keys.check.end(), h.check.begin());
  Bytes file = encode_header(h);
  Bytes sealed;
  ASSIGN_OR_RETURN(bool done, gcm(provider, true, keys.encryption, h.nonce, file, body, sealed));
  (void)done;
  file.insert(file.end(), sealed.begin(), sealed.end());
  return file;
}

Result<TokenImage> open_backup(const crypto::Provider& provider, ByteView file, ByteView passphrase) {
  ASSIGN_OR_RETURN(BackupHeader h, read_backup_header(file));
  ASSIGN_OR_RETURN(BackupKeys keys, derive_keys(provider, passphrase, h));
  if (!constant_time_equal(keys.check, h.check)) {
    return Status(CKR_PIN_INCORRECT, "wrong backup passphrase");
  }
  Bytes body;
  ASSIGN_OR_RETURN(bool authentic, gcm(provider, false, keys.encryption, h.nonce, file.first(kBackupHeaderSize),
                                       file.subspan(kBackupHeaderSize), body));
  if (!authentic) {
    return Status(CKR_ENCRYPTED_DATA_INVALID,
                  "the backup failed authentication: the file was modified or damaged (the passphrase is right)");
  }
  ASSIGN_OR_RETURN(StoreContent content, decode_token_image(body));
  if (content.objects.size() != h.object_count) {
    return invalid("the backup's header counts " + std::to_string(h.object_count) + " objects, its body holds " +
                   std::to_string(content.objects.size()));
  }
  TokenImage image;
  image.source_slot = h.source_slot;
  image.serial = h.serial;
  image.label = h.label;
  image.content = std::move(content);
  return image;
}

}  // namespace craton

// Block-cipher plumbing shared by aes.cc and des3.cc (see cipher_util.h).
#include "crypto/cipher_util.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <concepts>
#include <new>
#include <utility>
#include <vector>

#include "crypto/gcm_iv.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

constexpr const char* kCipherNames[] = {
    "AES-128-ECB",      "AES-192-ECB",      "AES-256-ECB",      "AES-128-CBC",
    "AES-192-CBC",      "AES-256-CBC",      "AES-128-CTR",      "AES-192-CTR",
    "AES-256-CTR",      "AES-128-GCM",      "AES-192-GCM",      "AES-256-GCM",
    "AES-128-CCM",      "AES-192-CCM",      "AES-256-CCM",      "AES-128-WRAP",
    "AES-192-WRAP",     "AES-256-WRAP",     "AES-128-WRAP-PAD", "AES-192-WRAP-PAD",
    "AES-256-WRAP-PAD", "DES-EDE3-ECB",     "DES-EDE3-CBC",
};
constexpr std::size_t kCipherCount = static_cast<std::size_t>(CipherName::kCount);
static_assert(std::size(kCipherNames) == kCipherCount);

// Ciphers and CMAC come from the Provider's per-context caches (provider.h),
// fetched once: EVP_CIPHER_fetch would cost some 20% of an AES-GCM 4 KiB call.
const EVP_CIPHER* provider_cipher(const Provider& provider, CipherName name) {
  return provider.cipher(kCipherNames[static_cast<std::size_t>(name)]);
}

const EVP_MAC* provider_cmac(const Provider& provider) { return provider.mac("CMAC"); }

// Chunk size for EVP calls, whose lengths are int; a multiple of every
// block size so that chunking never changes what a mode buffers.
constexpr std::size_t kMaxChunk = std::size_t{1} << 30;

// ---- Streaming block modes ------------------------------------------------------

class BlockModeOperation final : public CipherOperation {
 public:
  BlockModeOperation(EvpCipherCtxPtr ctx, const BlockModeSpec& spec, std::size_t block)
      : ctx_(std::move(ctx)),
        block_(block),
        encrypt_(spec.encrypt),
        padding_(spec.padding),
        max_input_(spec.max_input) {}

  std::size_t update_length(std::size_t in_len) const override {
    return produced(total_ + in_len) - produced(total_);
  }
  std::size_t final_length() const override { return padding_ ? block_ : 0; }
  std::size_t run_length(std::size_t in_len) const override {
    return (padding_ && encrypt_) ? in_len - in_len % block_ + block_ : in_len;
  }

  Status update(ByteView in, Bytes& out) override {
    RETURN_IF_ERROR(check_limit(in.size()));
    return process(in, out);
  }

  Status final(Bytes& out) override {
    RETURN_IF_ERROR(check_total_length(total_));
    std::uint8_t tail[EVP_MAX_BLOCK_LENGTH];
    int written = 0;
    const bool ok = EVP_CipherFinal_ex(ctx_.get(), tail, &written) == 1;
    if (ok) out.insert(out.end(), tail, tail + written);
    secure_wipe(tail, sizeof(tail));
    if (!ok) {
      ERR_clear_error();
      // The only way a checked-length final fails is a bad PKCS#7 padding.
      return Status(CKR_ENCRYPTED_DATA_INVALID, "bad padding");
    }
    return Status::Ok();
  }

  Status run(ByteView in, Bytes& out) override {
    // Checked before any work, so that a wrong length consumes nothing.
    RETURN_IF_ERROR(check_limit(in.size()));
    RETURN_IF_ERROR(check_total_length(total_ + in.size()));
    RETURN_IF_ERROR(process(in, out));
    return final(out);
  }

  std::unique_ptr<CipherOperation> clone() const override {
    EVP_CIPHER_CTX* copy = EVP_CIPHER_CTX_new();
    if (copy == nullptr || EVP_CIPHER_CTX_copy(copy, ctx_.get()) != 1) {
      EVP_CIPHER_CTX_free(copy);
      ERR_clear_error();
      return nullptr;
    }
    auto op = std::make_unique<BlockModeOperation>(*this, EvpCipherCtxPtr(copy));
    return op;
  }

  // Copy of `other`'s state with its own context (used by clone()).
  BlockModeOperation(const BlockModeOperation& other, EvpCipherCtxPtr ctx)
      : ctx_(std::move(ctx)),
        block_(other.block_),
        encrypt_(other.encrypt_),
        padding_(other.padding_),
        max_input_(other.max_input_),
        total_(other.total_) {}

 private:
  // Bytes OpenSSL has released after `total` input bytes: whole blocks, less
  // the last one when decrypting with padding (it may hold the padding).
  std::size_t produced(std::uint64_t total) const {
    std::uint64_t whole = total - total % block_;
    if (padding_ && !encrypt_ && whole != 0 && whole == total) whole -= block_;
    return static_cast<std::size_t>(whole);
  }

  CK_RV length_error() const {
    return encrypt_ ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
  }

  Status check_limit(std::size_t in_len) const {
    if (in_len > max_input_ - std::min(total_, max_input_)) {
      return Status(length_error(), "input would wrap the counter");
    }
    return Status::Ok();
  }

  Status check_total_length(std::uint64_t total) const {
    const bool partial = total % block_ != 0;
    if (padding_ && !encrypt_ && (partial || total == 0)) {
      return Status(CKR_ENCRYPTED_DATA_LEN_RANGE, "padded ciphertext is not whole blocks");
    }
    if (!padding_ && partial) return Status(length_error(), "input is not a multiple of the block size");
    return Status::Ok();
  }

  Status process(ByteView in, Bytes& out) {
    const std::size_t old = out.size();
    // One spare block: OpenSSL sizes its writes by its own buffering, so the
    // buffer never depends on produced() mirroring it exactly.
    out.resize(old + update_length(in.size()) + block_);
    std::size_t written = 0;
    Status st = cipher_update(ctx_.get(), in, out.data() + old, written);
    out.resize(st.ok() ? old + written : old);
    if (st.ok()) total_ += in.size();
    return st;
  }

  EvpCipherCtxPtr ctx_;
  std::size_t block_;
  bool encrypt_;
  bool padding_;
  std::uint64_t max_input_;
  std::uint64_t total_ = 0;
};

// A non-null pointer for zero-length data: OpenSSL reads a NULL input as
// "finalise" in CCM.
const std::uint8_t* data_or_dummy(ByteView v) {
  static const std::uint8_t kDummy = 0;
  return v.data() != nullptr ? v.data() : &kDummy;
}

}  // namespace

const char* openssl_cipher_name(CipherName name) {
  return kCipherNames[static_cast<std::size_t>(name)];
}

Result<const EVP_CIPHER*> fetch_cipher(const Provider& provider, CipherName name) {
  const EVP_CIPHER* cipher = provider_cipher(provider, name);
  if (cipher == nullptr) return openssl_failure("cipher not available in the library context");
  return cipher;
}

Result<const EVP_MAC*> fetch_cmac(const Provider& provider) {
  const EVP_MAC* mac = provider_cmac(provider);
  if (mac == nullptr) return openssl_failure("CMAC not available in the library context");
  return mac;
}

void EvpCipherCtxDeleter::operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }

Result<EvpCipherCtxPtr> new_cipher_ctx() {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) return Status(CKR_HOST_MEMORY, "EVP_CIPHER_CTX_new failed");
  return EvpCipherCtxPtr(ctx);
}

Status cipher_update(EVP_CIPHER_CTX* ctx, ByteView in, std::uint8_t* out, std::size_t& written) {
  written = 0;
  // Nothing to do, and a zero-length call is not neutral in every mode (for
  // GCM/CCM a NULL output means "this is AAD").
  if (in.empty()) return Status::Ok();
  std::size_t pos = 0;
  do {
    const std::size_t len = std::min(kMaxChunk, in.size() - pos);
    int chunk_out = 0;
    if (EVP_CipherUpdate(ctx, out == nullptr ? nullptr : out + written, &chunk_out, in.data() + pos,
                         static_cast<int>(len)) != 1) {
      return openssl_failure("EVP_CipherUpdate failed");
    }
    written += static_cast<std::size_t>(chunk_out);
    pos += len;
  } while (pos < in.size());
  return Status::Ok();
}

Status openssl_failure(const char* what) {
  ERR_clear_error();
  return Status(CKR_FUNCTION_FAILED, what);
}

Result<ByteView> secret_key_bytes(const KeyPtr& key, CK_KEY_TYPE type,
                                  std::initializer_list<std::size_t> sizes) {
  if (!key || key->object_class != CKO_SECRET_KEY || key->key_type != type) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "wrong key type for the mechanism");
  }
  if (std::find(sizes.begin(), sizes.end(), key->secret.size()) == sizes.end()) {
    return Status(CKR_KEY_SIZE_RANGE, "key length not supported by the mechanism");
  }
  return ByteView(key->secret);
}

Status require_no_param(const CK_MECHANISM& mechanism) {
  if (mechanism.ulParameterLen != 0) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "mechanism takes no parameter");
  }
  return Status::Ok();
}

Result<ByteView> param_bytes(const CK_MECHANISM& mechanism, std::size_t size) {
  if (mechanism.pParameter == nullptr || mechanism.ulParameterLen != size) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "mechanism parameter has the wrong length");
  }
  return view_of(mechanism.pParameter, size);
}

Result<ByteView> inner_buffer(const void* p, CK_ULONG len, const char* what) {
  if (len == 0) return ByteView();
  if (p == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, std::string(what) + " is NULL");
  return view_of(p, len);
}

Result<std::unique_ptr<CipherOperation>> make_block_mode_operation(const BlockModeSpec& spec) {
  ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, new_cipher_ctx());
  const unsigned char* iv = spec.iv.empty() ? nullptr : spec.iv.data();
  if (EVP_CipherInit_ex2(ctx.get(), spec.cipher, spec.key.data(), iv, spec.encrypt ? 1 : 0, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), spec.padding ? 1 : 0) != 1) {
    return openssl_failure("cipher initialisation failed");
  }
  const int block = EVP_CIPHER_get_block_size(spec.cipher);
  if (block <= 0) return openssl_failure("bad cipher block size");
  std::unique_ptr<CipherOperation> op =
      std::make_unique<BlockModeOperation>(std::move(ctx), spec, static_cast<std::size_t>(block));
  return op;
}

// ---- WholeInputOperation ------------------------------------------------------

Status buffer_input(SecureBytes& buffer, ByteView in) {
  try {
    buffer.insert(buffer.end(), in.begin(), in.end());
  } catch (const std::bad_alloc&) {
    return Status(CKR_DEVICE_MEMORY, "input too large to buffer");
  }
  return Status::Ok();
}

Status WholeInputOperation::update(ByteView in, Bytes&) { return buffer_input(pending_, in); }

Status WholeInputOperation::final(Bytes& out) {
  Status st = run(pending_, out);
  SecureBytes().swap(pending_);  // the allocator wipes the released buffer
  return st;
}

// ---- AEAD building blocks -----------------------------------------------------

Status gcm_start(EVP_CIPHER_CTX* ctx, const EVP_CIPHER* cipher, ByteView key, ByteView iv,
                 ByteView aad, bool encrypt) {
  constexpr std::size_t kDefaultIvLen = 12;
  if (iv.empty() || iv.size() > kOpenSslGcmMaxIvBytes) {
    return Status(CKR_GENERAL_ERROR, "GCM IV not mapped to a length OpenSSL takes");
  }
  const int enc = encrypt ? 1 : 0;
  const unsigned char* key_ptr = cipher != nullptr ? key.data() : nullptr;
  if (iv.size() == kDefaultIvLen && cipher != nullptr) {
    // One call suffices: a fresh context already expects a 96-bit IV.
    if (EVP_CipherInit_ex2(ctx, cipher, key_ptr, iv.data(), enc, nullptr) != 1) {
      return openssl_failure("GCM initialisation failed");
    }
  } else {
    // The IV length must be set before the IV itself.
    std::size_t iv_len = iv.size();
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &iv_len),
                           OSSL_PARAM_construct_end()};
    if (EVP_CipherInit_ex2(ctx, cipher, key_ptr, nullptr, enc, params) != 1 ||
        EVP_CipherInit_ex2(ctx, nullptr, nullptr, iv.data(), enc, nullptr) != 1) {
      return openssl_failure("GCM initialisation failed");
    }
  }
  if (!aad.empty()) {
    std::size_t ignored = 0;
    RETURN_IF_ERROR(cipher_update(ctx, aad, nullptr, ignored));
  }
  return Status::Ok();
}

Status aead_get_tag(EVP_CIPHER_CTX* ctx, std::uint8_t* tag, std::size_t tag_len) {
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, tag_len),
                         OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_get_params(ctx, params) != 1) return openssl_failure("cannot read the tag");
  return Status::Ok();
}

Status gcm_set_tag(EVP_CIPHER_CTX* ctx, ByteView tag) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, const_cast<std::uint8_t*>(tag.data()),
                                        tag.size()),
      OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_set_params(ctx, params) != 1) return openssl_failure("cannot set the tag");
  return Status::Ok();
}

Status gcm_decrypt_all(EVP_CIPHER_CTX* ctx, ByteView in, ByteView tag, Bytes& out) {
  RETURN_IF_ERROR(gcm_set_tag(ctx, tag));
  const std::size_t old = out.size();
  out.resize(old + in.size());
  std::size_t written = 0;
  Status st = cipher_update(ctx, in, out.data() + old, written);
  std::uint8_t none[EVP_MAX_BLOCK_LENGTH];  // GCM's final only checks the tag
  int final_len = 0;
  if (st.ok() && (EVP_CipherFinal_ex(ctx, none, &final_len) != 1 || final_len != 0)) {
    ERR_clear_error();
    st = Status(CKR_ENCRYPTED_DATA_INVALID, "GCM tag mismatch");
  }
  if (!st.ok()) {
    // Unauthenticated plaintext never leaves the operation.
    secure_wipe(out.data() + old, in.size());
    out.resize(old);
    return st;
  }
  out.resize(old + written);
  return Status::Ok();
}

Status ccm_crypt(const CcmInput& input, ByteView in, std::uint8_t* mac, Bytes& out) {
  if (in.size() > static_cast<std::size_t>(INT_MAX)) return Status(CKR_DATA_LEN_RANGE, "CCM input too long");
  ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, new_cipher_ctx());
  const int enc = input.encrypt ? 1 : 0;
  std::size_t nonce_len = input.nonce.size();
  // M (tag length) and L (from the nonce length) shape the key setup, so they
  // go in before the key.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &nonce_len),
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, input.encrypt ? nullptr : mac,
                                        input.mac_len),
      OSSL_PARAM_construct_end()};
  int len = 0;
  if (EVP_CipherInit_ex2(ctx.get(), input.cipher, nullptr, nullptr, enc, params) != 1 ||
      EVP_CipherInit_ex2(ctx.get(), nullptr, input.key.data(), input.nonce.data(), enc, nullptr) != 1 ||
      EVP_CipherUpdate(ctx.get(), nullptr, &len, nullptr, static_cast<int>(in.size())) != 1) {
    return openssl_failure("CCM initialisation failed");
  }
  if (!input.aad.empty()) {
    std::size_t ignored = 0;
    RETURN_IF_ERROR(cipher_update(ctx.get(), input.aad, nullptr, ignored));
  }
  const std::size_t old = out.size();
  out.resize(old + in.size());
  // Both pointers must be non-null even for an empty payload: a NULL output
  // would make this call an AAD update.
  std::uint8_t empty_out = 0;
  std::uint8_t* out_ptr = in.empty() ? &empty_out : out.data() + old;
  if (EVP_CipherUpdate(ctx.get(), out_ptr, &len, data_or_dummy(in), static_cast<int>(in.size())) != 1) {
    secure_wipe(out.data() + old, in.size());
    out.resize(old);
    if (!input.encrypt) {
      ERR_clear_error();
      return Status(CKR_ENCRYPTED_DATA_INVALID, "CCM MAC mismatch");
    }
    return openssl_failure("CCM encryption failed");
  }
  if (input.encrypt) {
    int final_len = 0;
    if (EVP_CipherFinal_ex(ctx.get(), out.data() + old + in.size(), &final_len) != 1) {
      out.resize(old);
      return openssl_failure("CCM finalisation failed");
    }
    RETURN_IF_ERROR(aead_get_tag(ctx.get(), mac, input.mac_len));
  }
  return Status::Ok();
}

// ---- Parameter checks -------------------------------------------------------------

Status check_gcm_tag_bits(CK_ULONG bits) {
  // SP 800-38D §5.2.1.2: 128, 120, 112, 104, 96, and 64 or 32 for special uses.
  switch (bits) {
    case 32: case 64: case 96: case 104: case 112: case 120: case 128:
      return Status::Ok();
    default:
      return Status(CKR_MECHANISM_PARAM_INVALID, "GCM tag length not allowed");
  }
}

Result<ByteView> gcm_iv(const void* p, CK_ULONG len) {
  // Lengths beyond OpenSSL's own limit are mapped by openssl_gcm_iv().
  if (len < 1 || len > kGcmMaxIvBytes) return Status(CKR_MECHANISM_PARAM_INVALID, "GCM IV length out of range");
  return inner_buffer(p, len, "GCM IV");
}

Status check_ccm_lengths(std::size_t nonce_len, CK_ULONG mac_len, CK_ULONG data_len) {
  if (nonce_len < 7 || nonce_len > 13) return Status(CKR_MECHANISM_PARAM_INVALID, "CCM nonce must be 7..13 bytes");
  if (mac_len < 4 || mac_len > 16 || mac_len % 2 != 0) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "CCM MAC length must be 4..16 and even");
  }
  // The length field has L = 15 - nonce_len bytes (SP 800-38C §A.1).
  const std::size_t length_bits = 8 * (15 - nonce_len);
  if (length_bits < 64 && (std::uint64_t{data_len} >> length_bits) != 0) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "ulDataLen does not fit the CCM length field");
  }
  return Status::Ok();
}

}  // namespace craton::crypto

// Message-based AES-GCM and AES-CCM operations (C_MessageEncryptInit ...)
// and the IV generator of that API. The AEAD computations themselves are the
// building blocks of cipher_util, shared with the classic mechanisms.
#include "crypto/message_cipher.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>
#include <utility>

#include "crypto/cipher_util.h"
#include "crypto/gcm_iv.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

Status not_started() { return Status(CKR_OPERATION_NOT_INITIALIZED, "no message in progress"); }

class GcmMessageOperation final : public MessageCipherOperation {
 public:
  GcmMessageOperation(const Provider& provider, EvpCipherCtxPtr ctx, KeyPtr key, bool encrypt)
      : provider_(provider), ctx_(std::move(ctx)), key_(std::move(key)), encrypt_(encrypt) {}

  Status begin(void* params, CK_ULONG params_len, ByteView aad) override {
    end_message();
    ASSIGN_OR_RETURN(CK_GCM_MESSAGE_PARAMS p, read_param<CK_GCM_MESSAGE_PARAMS>(params, params_len));
    RETURN_IF_ERROR(check_gcm_tag_bits(p.ulTagBits));
    if (p.pTag == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "pTag is NULL");
    ASSIGN_OR_RETURN(ByteView iv, gcm_iv(p.pIv, p.ulIvLen));
    if (encrypt_ && p.ivGenerator != CKG_NO_GENERATE) {
      // Written into the caller's pIv, which `iv` views.
      RETURN_IF_ERROR(generator_.generate(provider_, p.ivGenerator, p.ulIvFixedBits, p.pIv, p.ulIvLen));
    }
    SecureBytes mapped;
    ASSIGN_OR_RETURN(ByteView openssl_iv, openssl_iv_for(iv, mapped));
    RETURN_IF_ERROR(gcm_start(ctx_.get(), nullptr, ByteView(), openssl_iv, aad, encrypt_));
    tag_ = p.pTag;
    tag_len_ = p.ulTagBits / 8;
    active_ = true;
    return Status::Ok();
  }

  std::size_t next_length(std::size_t in_len, bool last) const override {
    if (encrypt_) return in_len;
    return last ? pending_.size() + in_len : 0;  // decryption releases nothing unverified
  }

  Status next(ByteView in, Bytes& out, bool last) override {
    if (!active_) return not_started();
    Status st = encrypt_ ? encrypt_part(in, out, last) : decrypt_part(in, out, last);
    if (!st.ok() || last) end_message();
    return st;
  }

 private:
  // The IV to give OpenSSL (see gcm_iv.h). The per-key mapper is built on
  // the first IV that needs it and kept: its H^-2 costs an inversion.
  Result<ByteView> openssl_iv_for(ByteView iv, SecureBytes& storage) {
    if (iv.size() <= kOpenSslGcmMaxIvBytes) return iv;
    if (!mapper_) {
      ASSIGN_OR_RETURN(GcmIvMapper mapper, GcmIvMapper::for_key(provider_, ByteView(key_->secret)));
      mapper_.emplace(mapper);
    }
    storage.assign(kGcmBlockBytes, 0);
    RETURN_IF_ERROR(mapper_->map(iv, std::span<std::uint8_t, kGcmBlockBytes>(storage.data(), kGcmBlockBytes)));
    return ByteView(storage);
  }

  Status encrypt_part(ByteView in, Bytes& out, bool last) {
    const std::size_t old = out.size();
    out.resize(old + in.size());
    std::size_t written = 0;
    Status st = cipher_update(ctx_.get(), in, out.data() + old, written);
    out.resize(st.ok() ? old + written : old);
    if (!st.ok() || !last) return st;
    int ignored = 0;
    std::uint8_t none[1];
    if (EVP_CipherFinal_ex(ctx_.get(), none, &ignored) != 1) return openssl_failure("GCM final failed");
    return aead_get_tag(ctx_.get(), tag_, tag_len_);
  }

  // Same reasoning as classic GCM decryption: collect, verify, then release.
  Status decrypt_part(ByteView in, Bytes& out, bool last) {
    if (!last || !pending_.empty()) {
      RETURN_IF_ERROR(buffer_input(pending_, in));
      if (!last) return Status::Ok();
      in = pending_;
    }
    return gcm_decrypt_all(ctx_.get(), in, view_of(tag_, tag_len_), out);
  }

  void end_message() {
    active_ = false;
    SecureBytes().swap(pending_);
  }

  const Provider& provider_;
  EvpCipherCtxPtr ctx_;  // keyed once, re-IV'd per message
  KeyPtr key_;           // for the hash subkey of long IVs
  bool encrypt_;
  std::optional<GcmIvMapper> mapper_;
  IvGenerator generator_;
  bool active_ = false;
  std::uint8_t* tag_ = nullptr;  // the caller's pTag, valid until the message ends
  std::size_t tag_len_ = 0;
  SecureBytes pending_;
};

class CcmMessageOperation final : public MessageCipherOperation {
 public:
  CcmMessageOperation(const Provider& provider, const EVP_CIPHER* cipher, KeyPtr key, bool encrypt)
      : provider_(provider), cipher_(cipher), key_(std::move(key)), encrypt_(encrypt) {}

  Status begin(void* params, CK_ULONG params_len, ByteView aad) override {
    end_message();
    ASSIGN_OR_RETURN(CK_CCM_MESSAGE_PARAMS p, read_param<CK_CCM_MESSAGE_PARAMS>(params, params_len));
    RETURN_IF_ERROR(check_ccm_lengths(p.ulNonceLen, p.ulMACLen, p.ulDataLen));
    if (p.pMAC == nullptr || p.pNonce == nullptr) {
      return Status(CKR_MECHANISM_PARAM_INVALID, "pNonce or pMAC is NULL");
    }
    if (encrypt_ && p.nonceGenerator != CKG_NO_GENERATE) {
      RETURN_IF_ERROR(
          generator_.generate(provider_, p.nonceGenerator, p.ulNonceFixedBits, p.pNonce, p.ulNonceLen));
    }
    nonce_.assign(p.pNonce, p.pNonce + p.ulNonceLen);
    aad_.assign(aad.begin(), aad.end());  // CCM consumes the AAD only at the end
    mac_ = p.pMAC;
    mac_len_ = p.ulMACLen;
    data_len_ = p.ulDataLen;
    active_ = true;
    return Status::Ok();
  }

  std::size_t next_length(std::size_t in_len, bool last) const override {
    return last ? pending_.size() + in_len : 0;
  }

  Status next(ByteView in, Bytes& out, bool last) override {
    if (!active_) return not_started();
    Status st = process(in, out, last);
    if (!st.ok() || last) end_message();
    return st;
  }

 private:
  // CCM needs the whole payload at once: parts are collected until the last.
  Status process(ByteView in, Bytes& out, bool last) {
    if (in.size() > data_len_ - pending_.size()) return length_error();
    if (!last || !pending_.empty()) {
      RETURN_IF_ERROR(buffer_input(pending_, in));
      if (!last) return Status::Ok();
      in = pending_;
    }
    if (in.size() != data_len_) return length_error();
    CcmInput input{cipher_, ByteView(key_->secret), nonce_, aad_, mac_len_, encrypt_};
    if (encrypt_) return ccm_crypt(input, in, mac_, out);
    std::uint8_t expected[16];
    std::memcpy(expected, mac_, mac_len_);
    return ccm_crypt(input, in, expected, out);
  }

  Status length_error() const {
    return Status(encrypt_ ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE,
                  "CCM message length differs from ulDataLen");
  }

  void end_message() {
    active_ = false;
    SecureBytes().swap(pending_);
  }

  const Provider& provider_;
  const EVP_CIPHER* cipher_;
  KeyPtr key_;
  bool encrypt_;
  IvGenerator generator_;
  bool active_ = false;
  Bytes nonce_;
  Bytes aad_;
  std::uint8_t* mac_ = nullptr;  // the caller's pMAC, valid until the message ends
  std::size_t mac_len_ = 0;
  std::size_t data_len_ = 0;
  SecureBytes pending_;
};

}  // namespace

Result<std::unique_ptr<MessageCipherOperation>> make_gcm_message_operation(
    const Provider& provider, const EVP_CIPHER* cipher, KeyPtr key, bool encrypt) {
  ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, new_cipher_ctx());
  if (EVP_CipherInit_ex2(ctx.get(), cipher, key->secret.data(), nullptr, encrypt ? 1 : 0, nullptr) != 1) {
    return openssl_failure("GCM initialisation failed");
  }
  std::unique_ptr<MessageCipherOperation> op =
      std::make_unique<GcmMessageOperation>(provider, std::move(ctx), std::move(key), encrypt);
  return op;
}

Result<std::unique_ptr<MessageCipherOperation>> make_ccm_message_operation(
    const Provider& provider, const EVP_CIPHER* cipher, KeyPtr key, bool encrypt) {
  std::unique_ptr<MessageCipherOperation> op =
      std::make_unique<CcmMessageOperation>(provider, cipher, std::move(key), encrypt);
  return op;
}

// ---- IvGenerator --------------------------------------------------------------

Status IvGenerator::generate(const Provider& provider, CK_GENERATOR_FUNCTION generator,
                             CK_ULONG fixed_bits, std::uint8_t* iv, std::size_t iv_len) {
  const std::uint64_t iv_bits = std::uint64_t{iv_len} * 8;
  if (fixed_bits >= iv_bits) return Status(CKR_MECHANISM_PARAM_INVALID, "no IV bits left to generate");
  const std::uint64_t free_bits = iv_bits - fixed_bits;
  const std::size_t first = static_cast<std::size_t>(fixed_bits / 8);  // first byte touched
  // Bits of byte `first` that belong to the caller's fixed part.
  const std::uint8_t keep_mask = static_cast<std::uint8_t>(0xFF00u >> (fixed_bits % 8));
  const std::uint8_t kept = iv[first] & keep_mask;

  if (generator == CKG_GENERATE_COUNTER) {
    const std::uint64_t limit_bits = std::min<std::uint64_t>(free_bits, 64);
    if (counter_exhausted_ || (limit_bits < 64 && counter_ >> limit_bits != 0)) {
      return Status(CKR_MECHANISM_PARAM_INVALID, "IV counter exhausted");
    }
    // Big-endian counter in the low bits; free bits above it are zero.
    std::uint64_t value = counter_;
    for (std::size_t i = iv_len; i-- > first;) {
      iv[i] = static_cast<std::uint8_t>(value);
      value >>= 8;
    }
    counter_exhausted_ = ++counter_ == 0;
  } else if (generator == CKG_GENERATE_RANDOM || generator == CKG_GENERATE) {
    // CKG_GENERATE is served randomly: a counter restarting at every
    // C_MessageEncryptInit would repeat IVs across operations under the same
    // key when the caller gives no distinct fixed field. A random part must
    // be wide enough that a collision among the IVs of one operation stays
    // below 2^-32 (birthday bound), which also caps the message count.
    if (free_bits < 64) return Status(CKR_MECHANISM_PARAM_INVALID, "random IV part shorter than 64 bits");
    const std::uint64_t max_messages = std::uint64_t{1} << std::min<std::uint64_t>(32, (free_bits - 31) / 2);
    if (random_count_ >= max_messages) {
      return Status(CKR_MECHANISM_PARAM_INVALID, "random IV budget of this operation exhausted");
    }
    RETURN_IF_ERROR(provider.random(std::span<std::uint8_t>(iv + first, iv_len - first)));
    ++random_count_;
  } else {
    return Status(CKR_MECHANISM_PARAM_INVALID, "unknown IV generator");
  }
  iv[first] = static_cast<std::uint8_t>(kept | (iv[first] & ~keep_mask));
  return Status::Ok();
}

}  // namespace craton::crypto

// AES family: key generation, ECB/CBC/CBC-PAD/CTR, GCM and CCM (classic and
// message-based), CMAC, and key wrap (RFC 3394 / RFC 5649). All of it runs
// on OpenSSL's EVP ciphers from the module's library context; the shared
// EVP plumbing lives in cipher_util, the message-based operations in
// message_cipher, and the mapping of GCM IVs longer than OpenSSL takes in
// gcm_iv.
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "crypto/cipher_util.h"
#include "crypto/families.h"
#include "crypto/gcm_iv.h"
#include "crypto/message_cipher.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

using CipherResult = Result<std::unique_ptr<CipherOperation>>;

constexpr std::size_t kAesBlock = 16;
// SP 800-38D §5.2.1.1: at most 2^39 - 256 bits of plaintext per invocation.
constexpr std::uint64_t kMaxGcmPlaintext = (std::uint64_t{1} << 36) - 32;

Result<ByteView> aes_key(const KeyPtr& key) { return secret_key_bytes(key, CKK_AES, {16, 24, 32}); }

// The 128-bit variant's slot plus one per 64 key bits: 16/24/32 -> +0/+1/+2.
CipherName aes_cipher(CipherName aes128, std::size_t key_len) {
  return static_cast<CipherName>(static_cast<std::size_t>(aes128) + (key_len - 16) / 8);
}

// ---- Key generation -----------------------------------------------------------

Result<AttributeMap> generate_aes_key(const MechanismCall& call, const AttributeMap& tmpl) {
  RETURN_IF_ERROR(require_no_param(call.mechanism));
  ASSIGN_OR_RETURN(std::optional<CK_ULONG> len, tmpl.checked_ulong(CKA_VALUE_LEN));
  if (!len) return Status(CKR_TEMPLATE_INCOMPLETE, "AES key generation needs CKA_VALUE_LEN");
  if (*len != 16 && *len != 24 && *len != 32) {
    return Status(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE_LEN must be 16, 24 or 32");
  }
  SecureBytes value(*len);
  RETURN_IF_ERROR(call.provider.random(value));
  AttributeMap out;
  out.set(CKA_VALUE, std::move(value));
  out.set_ulong(CKA_VALUE_LEN, *len);
  return out;
}

// ---- ECB, CBC, CBC-PAD, CTR ---------------------------------------------------

// Most bytes CTR may process before the low `ulCounterBits` of the counter
// block would wrap. Only those bits are the counter (CK_AES_CTR_PARAMS); a
// wrap would carry into the nonce part or, with a 128-bit counter, reuse key
// stream. UINT64_MAX when the counter space exceeds 2^60 blocks.
std::uint64_t ctr_max_input(const CK_AES_CTR_PARAMS& p) {
  constexpr std::uint64_t kUnlimited = ~std::uint64_t{0};
  std::uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) hi = hi << 8 | p.cb[i];
  for (int i = 8; i < 16; ++i) lo = lo << 8 | p.cb[i];
  const CK_ULONG bits = p.ulCounterBits;
  std::uint64_t blocks_left = 0;  // 0 stands for 2^64
  if (bits < 64) {
    const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
    blocks_left = (mask - (lo & mask)) + 1;
  } else {
    const CK_ULONG hi_bits = bits - 64;
    const std::uint64_t hi_mask = hi_bits == 64 ? kUnlimited : (std::uint64_t{1} << hi_bits) - 1;
    // Below the top of the high counter half, at least 2^64 blocks remain.
    if ((hi & hi_mask) != hi_mask) return kUnlimited;
    blocks_left = std::uint64_t{0} - lo;
  }
  if (blocks_left == 0 || blocks_left > kUnlimited / kAesBlock) return kUnlimited;
  return blocks_left * kAesBlock;
}

enum class BlockMode { kEcb, kCbc, kCbcPad, kCtr };

template <BlockMode kMode, bool kEncrypt>
CipherResult block_mode_factory(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(ByteView secret, aes_key(key));
  BlockModeSpec spec;
  spec.key = secret;
  spec.encrypt = kEncrypt;
  CipherName aes128 = CipherName::kAes128Ecb;
  CK_AES_CTR_PARAMS ctr{};  // spec.iv may point into it
  if constexpr (kMode == BlockMode::kEcb) {
    RETURN_IF_ERROR(require_no_param(call.mechanism));
  } else if constexpr (kMode == BlockMode::kCtr) {
    ASSIGN_OR_RETURN(ctr, read_param<CK_AES_CTR_PARAMS>(call.mechanism));
    if (ctr.ulCounterBits < 1 || ctr.ulCounterBits > 128) {
      return Status(CKR_MECHANISM_PARAM_INVALID, "ulCounterBits must be 1..128");
    }
    spec.iv = ByteView(ctr.cb, sizeof(ctr.cb));
    spec.max_input = ctr_max_input(ctr);
    aes128 = CipherName::kAes128Ctr;
  } else {
    ASSIGN_OR_RETURN(spec.iv, param_bytes(call.mechanism, kAesBlock));
    spec.padding = kMode == BlockMode::kCbcPad;
    aes128 = CipherName::kAes128Cbc;
  }
  ASSIGN_OR_RETURN(spec.cipher, fetch_cipher(call.provider, aes_cipher(aes128, secret.size())));
  return make_block_mode_operation(spec);
}

// ---- GCM ------------------------------------------------------------------------

struct GcmConfig {
  ByteView iv;   // caller memory (1..256 bytes): valid during the init call only
  ByteView aad;
  std::size_t tag_len = 0;
  const EVP_CIPHER* cipher = nullptr;
  ByteView key;
};

Result<GcmConfig> gcm_config(const MechanismCall& call, const KeyPtr& key) {
  GcmConfig config;
  ASSIGN_OR_RETURN(config.key, aes_key(key));
  ASSIGN_OR_RETURN(CK_GCM_PARAMS p, read_param<CK_GCM_PARAMS>(call.mechanism));
  ASSIGN_OR_RETURN(config.iv, gcm_iv(p.pIv, p.ulIvLen));
  ASSIGN_OR_RETURN(config.aad, inner_buffer(p.pAAD, p.ulAADLen, "GCM AAD"));
  RETURN_IF_ERROR(check_gcm_tag_bits(p.ulTagBits));
  config.tag_len = p.ulTagBits / 8;
  ASSIGN_OR_RETURN(config.cipher,
                   fetch_cipher(call.provider, aes_cipher(CipherName::kAes128Gcm, config.key.size())));
  return config;
}

// Streams: each update's ciphertext is final, and the tag follows at the end.
class GcmEncryptOperation final : public CipherOperation {
 public:
  GcmEncryptOperation(EvpCipherCtxPtr ctx, std::size_t tag_len) : ctx_(std::move(ctx)), tag_len_(tag_len) {}

  std::size_t update_length(std::size_t in_len) const override { return in_len; }
  std::size_t final_length() const override { return tag_len_; }
  std::size_t run_length(std::size_t in_len) const override { return in_len + tag_len_; }

  Status update(ByteView in, Bytes& out) override {
    if (in.size() > kMaxGcmPlaintext - total_) return Status(CKR_DATA_LEN_RANGE, "GCM plaintext too long");
    const std::size_t old = out.size();
    out.resize(old + in.size());
    std::size_t written = 0;
    Status st = cipher_update(ctx_.get(), in, out.data() + old, written);
    out.resize(st.ok() ? old + written : old);
    total_ += in.size();
    return st;
  }

  Status final(Bytes& out) override {
    const std::size_t old = out.size();
    out.resize(old + tag_len_);
    int ignored = 0;  // GCM releases everything in update()
    if (EVP_CipherFinal_ex(ctx_.get(), out.data() + old, &ignored) != 1) {
      out.resize(old);
      return openssl_failure("GCM finalisation failed");
    }
    Status st = aead_get_tag(ctx_.get(), out.data() + old, tag_len_);
    if (!st.ok()) out.resize(old);
    return st;
  }

  Status run(ByteView in, Bytes& out) override {
    out.reserve(out.size() + in.size() + tag_len_);  // one allocation for both parts
    RETURN_IF_ERROR(update(in, out));
    return final(out);
  }

  std::unique_ptr<CipherOperation> clone() const override {
    EVP_CIPHER_CTX* copy = EVP_CIPHER_CTX_new();
    if (copy == nullptr || EVP_CIPHER_CTX_copy(copy, ctx_.get()) != 1) {
      EVP_CIPHER_CTX_free(copy);
      return nullptr;
    }
    auto op = std::make_unique<GcmEncryptOperation>(EvpCipherCtxPtr(copy), tag_len_);
    op->total_ = total_;
    return op;
  }

 private:
  EvpCipherCtxPtr ctx_;
  std::size_t tag_len_;
  std::uint64_t total_ = 0;
};

// Decryption collects the whole ciphertext and releases plaintext only after
// the tag has verified. PKCS#11 would allow C_DecryptUpdate to return
// plaintext part by part, but that plaintext is unauthenticated: a caller
// acting on it (parsing, forwarding) before C_DecryptFinal reports the forgery
// is exactly what SP 800-38D §5.2.2 forbids. Hence update_length() == 0.
class GcmDecryptOperation final : public WholeInputOperation {
 public:
  // `openssl_iv` is config.iv, or its mapping when OpenSSL cannot take it.
  GcmDecryptOperation(const GcmConfig& config, ByteView openssl_iv, KeyPtr key)
      : cipher_(config.cipher),
        key_(std::move(key)),
        iv_(openssl_iv.begin(), openssl_iv.end()),
        aad_(config.aad.begin(), config.aad.end()),
        tag_len_(config.tag_len) {}

  std::size_t run_length(std::size_t in_len) const override {
    return in_len >= tag_len_ ? in_len - tag_len_ : 0;
  }

  Status run(ByteView in, Bytes& out) override {
    if (in.size() < tag_len_) return Status(CKR_ENCRYPTED_DATA_LEN_RANGE, "GCM input shorter than the tag");
    if (in.size() - tag_len_ > kMaxGcmPlaintext) return Status(CKR_ENCRYPTED_DATA_LEN_RANGE, "GCM input too long");
    ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, new_cipher_ctx());
    RETURN_IF_ERROR(gcm_start(ctx.get(), cipher_, ByteView(key_->secret), iv_, aad_, false));
    const std::size_t data_len = in.size() - tag_len_;
    return gcm_decrypt_all(ctx.get(), in.first(data_len), in.subspan(data_len), out);
  }

  std::unique_ptr<CipherOperation> clone() const override {
    return std::make_unique<GcmDecryptOperation>(*this);
  }

 private:
  const EVP_CIPHER* cipher_;
  KeyPtr key_;
  SecureBytes iv_;  // a mapped IV reveals the hash subkey (gcm_iv.h)
  Bytes aad_;
  std::size_t tag_len_;
};

CipherResult gcm_encrypt_factory(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(GcmConfig config, gcm_config(call, key));
  SecureBytes mapped;
  ASSIGN_OR_RETURN(ByteView iv, openssl_gcm_iv(call.provider, config.key, config.iv, mapped));
  ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, new_cipher_ctx());
  RETURN_IF_ERROR(gcm_start(ctx.get(), config.cipher, config.key, iv, config.aad, true));
  std::unique_ptr<CipherOperation> op = std::make_unique<GcmEncryptOperation>(std::move(ctx), config.tag_len);
  return op;
}

CipherResult gcm_decrypt_factory(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(GcmConfig config, gcm_config(call, key));
  SecureBytes mapped;
  ASSIGN_OR_RETURN(ByteView iv, openssl_gcm_iv(call.provider, config.key, config.iv, mapped));
  std::unique_ptr<CipherOperation> op = std::make_unique<GcmDecryptOperation>(config, iv, key);
  return op;
}

// ---- CCM ------------------------------------------------------------------------

// Both directions collect the whole input: CCM authenticates before it
// encrypts, so nothing can be produced before the last byte is known.
// ulDataLen is the payload (plaintext) length in both directions.
class CcmOperation final : public WholeInputOperation {
 public:
  CcmOperation(const CcmInput& input, KeyPtr key, std::size_t data_len)
      : input_(input),
        key_(std::move(key)),
        nonce_(input.nonce.begin(), input.nonce.end()),
        aad_(input.aad.begin(), input.aad.end()),
        data_len_(data_len) {}

  std::size_t run_length(std::size_t in_len) const override {
    if (input_.encrypt) return in_len + input_.mac_len;
    return in_len >= input_.mac_len ? in_len - input_.mac_len : 0;
  }

  Status update(ByteView in, Bytes& out) override {
    // Refuse early rather than buffer more than the declared length.
    if (pending_.size() + in.size() > expected_input()) return length_error();
    return WholeInputOperation::update(in, out);
  }

  Status run(ByteView in, Bytes& out) override {
    if (in.size() != expected_input()) return length_error();
    CcmInput input = input_;
    input.key = ByteView(key_->secret);
    input.nonce = nonce_;
    input.aad = aad_;
    std::array<std::uint8_t, 16> mac{};
    if (input.encrypt) {
      RETURN_IF_ERROR(ccm_crypt(input, in, mac.data(), out));
      out.insert(out.end(), mac.begin(), mac.begin() + static_cast<std::ptrdiff_t>(input.mac_len));
      return Status::Ok();
    }
    std::copy(in.begin() + static_cast<std::ptrdiff_t>(data_len_), in.end(), mac.begin());
    return ccm_crypt(input, in.first(data_len_), mac.data(), out);
  }

  std::unique_ptr<CipherOperation> clone() const override { return std::make_unique<CcmOperation>(*this); }

 private:
  std::size_t expected_input() const { return data_len_ + (input_.encrypt ? 0 : input_.mac_len); }
  Status length_error() const {
    return input_.encrypt ? Status(CKR_DATA_LEN_RANGE, "CCM data length differs from ulDataLen")
                          : Status(CKR_ENCRYPTED_DATA_LEN_RANGE, "CCM data length differs from ulDataLen");
  }

  CcmInput input_;  // its views are re-pointed at the members below in run()
  KeyPtr key_;
  Bytes nonce_;
  Bytes aad_;
  std::size_t data_len_;
};

template <bool kEncrypt>
CipherResult ccm_factory(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(ByteView secret, aes_key(key));
  ASSIGN_OR_RETURN(CK_CCM_PARAMS p, read_param<CK_CCM_PARAMS>(call.mechanism));
  RETURN_IF_ERROR(check_ccm_lengths(p.ulNonceLen, p.ulMACLen, p.ulDataLen));
  CcmInput input;
  ASSIGN_OR_RETURN(input.nonce, inner_buffer(p.pNonce, p.ulNonceLen, "CCM nonce"));
  ASSIGN_OR_RETURN(input.aad, inner_buffer(p.pAAD, p.ulAADLen, "CCM AAD"));
  ASSIGN_OR_RETURN(input.cipher, fetch_cipher(call.provider, aes_cipher(CipherName::kAes128Ccm, secret.size())));
  input.mac_len = p.ulMACLen;
  input.encrypt = kEncrypt;
  std::unique_ptr<CipherOperation> op = std::make_unique<CcmOperation>(input, key, p.ulDataLen);
  return op;
}

// ---- Key wrap (RFC 3394, RFC 5649) ------------------------------------------------

class KeyWrapOperation final : public WholeInputOperation {
 public:
  KeyWrapOperation(const EVP_CIPHER* cipher, KeyPtr key, ByteView iv, bool padded, bool encrypt)
      : cipher_(cipher), key_(std::move(key)), iv_(iv.begin(), iv.end()), padded_(padded), encrypt_(encrypt) {}

  std::size_t run_length(std::size_t in_len) const override {
    if (!encrypt_) return in_len >= 8 ? in_len - 8 : 0;
    return (padded_ ? (in_len + 7) / 8 * 8 : in_len) + 8;
  }

  Status run(ByteView in, Bytes& out) override {
    RETURN_IF_ERROR(check_length(in.size()));
    ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, new_cipher_ctx());
    EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    if (EVP_CipherInit_ex2(ctx.get(), cipher_, key_->secret.data(), iv_.empty() ? nullptr : iv_.data(),
                           encrypt_ ? 1 : 0, nullptr) != 1) {
      return openssl_failure("key wrap initialisation failed");
    }
    const std::size_t old = out.size();
    // More room than the result needs: EVP expects an update's output buffer
    // to hold the input plus a block, and a failed RFC 5649 unwrap cleanses
    // as many output bytes as there were input bytes, 8 more than it yields.
    out.resize(old + std::max(run_length(in.size()), in.size()) + kAesBlock);
    std::size_t written = 0;
    int final_len = 0;
    // One update call: the wrap ciphers process each call as a whole message.
    Status st = cipher_update(ctx.get(), in, out.data() + old, written);
    if (st.ok() && EVP_CipherFinal_ex(ctx.get(), out.data() + old + written, &final_len) != 1) {
      st = openssl_failure("key wrap finalisation failed");
    }
    if (!st.ok()) {
      secure_wipe(out.data() + old, out.size() - old);
      out.resize(old);
      // Unwrapping fails only on the integrity check once lengths are valid.
      return encrypt_ ? st : Status(CKR_ENCRYPTED_DATA_INVALID, "key unwrap integrity check failed");
    }
    out.resize(old + written + static_cast<std::size_t>(final_len));
    return Status::Ok();
  }

  std::unique_ptr<CipherOperation> clone() const override { return std::make_unique<KeyWrapOperation>(*this); }

 private:
  Status check_length(std::size_t n) const {
    constexpr std::size_t kMaxInput = std::size_t{1} << 30;  // a single EVP update
    if (encrypt_) {
      const bool ok = padded_ ? n >= 1 : n >= 16 && n % 8 == 0;
      if (!ok || n > kMaxInput) return Status(CKR_DATA_LEN_RANGE, "key wrap input length invalid");
    } else {
      const std::size_t min = padded_ ? 16 : 24;
      if (n < min || n % 8 != 0 || n > kMaxInput + 16) {
        return Status(CKR_ENCRYPTED_DATA_LEN_RANGE, "key unwrap input length invalid");
      }
    }
    return Status::Ok();
  }

  const EVP_CIPHER* cipher_;
  KeyPtr key_;
  Bytes iv_;  // empty: the RFC's default IV
  bool padded_;
  bool encrypt_;
};

template <bool kPadded, bool kEncrypt>
CipherResult key_wrap_factory(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(ByteView secret, aes_key(key));
  ByteView iv;
  if (call.mechanism.ulParameterLen != 0) {  // optional alternative IV
    ASSIGN_OR_RETURN(iv, param_bytes(call.mechanism, kPadded ? 4 : 8));
  }
  const CipherName aes128 = kPadded ? CipherName::kAes128WrapPad : CipherName::kAes128Wrap;
  ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, fetch_cipher(call.provider, aes_cipher(aes128, secret.size())));
  std::unique_ptr<CipherOperation> op = std::make_unique<KeyWrapOperation>(cipher, key, iv, kPadded, kEncrypt);
  return op;
}

// ---- CMAC (SP 800-38B) ------------------------------------------------------------

class CmacSignOperation final : public SignOperation {
 public:
  CmacSignOperation(EVP_MAC_CTX* ctx, std::size_t mac_len) : ctx_(ctx), mac_len_(mac_len) {}
  ~CmacSignOperation() override { EVP_MAC_CTX_free(ctx_); }
  CmacSignOperation(const CmacSignOperation&) = delete;
  CmacSignOperation& operator=(const CmacSignOperation&) = delete;

  std::size_t signature_length() const override { return mac_len_; }

  Status update(ByteView part) override {
    if (EVP_MAC_update(ctx_, part.data(), part.size()) != 1) return openssl_failure("CMAC update failed");
    return Status::Ok();
  }

  Status final(Bytes& signature) override {
    std::array<std::uint8_t, kAesBlock> mac{};
    std::size_t len = 0;
    if (EVP_MAC_final(ctx_, mac.data(), &len, mac.size()) != 1 || len != kAesBlock) {
      return openssl_failure("CMAC final failed");
    }
    // CKM_AES_CMAC_GENERAL keeps the leading bytes (SP 800-38B §6.2).
    signature.insert(signature.end(), mac.begin(), mac.begin() + static_cast<std::ptrdiff_t>(mac_len_));
    return Status::Ok();
  }

 private:
  EVP_MAC_CTX* ctx_;
  std::size_t mac_len_;
};

class CmacVerifyOperation final : public VerifyOperation {
 public:
  explicit CmacVerifyOperation(std::unique_ptr<CmacSignOperation> signer) : signer_(std::move(signer)) {}

  Status update(ByteView part) override { return signer_->update(part); }

  Status final(ByteView signature) override {
    if (signature.size() != signer_->signature_length()) {
      return Status(CKR_SIGNATURE_LEN_RANGE, "CMAC length differs from the mechanism's");
    }
    Bytes expected;
    RETURN_IF_ERROR(signer_->final(expected));
    if (!constant_time_equal(expected, signature)) return Status(CKR_SIGNATURE_INVALID, "CMAC mismatch");
    return Status::Ok();
  }

 private:
  std::unique_ptr<CmacSignOperation> signer_;
};

// CKM_AES_CMAC: no parameter, 16-byte MAC; CKM_AES_CMAC_GENERAL: a
// CK_MAC_GENERAL_PARAMS giving 1..16 bytes.
Result<std::unique_ptr<CmacSignOperation>> new_cmac(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(ByteView secret, aes_key(key));
  std::size_t mac_len = kAesBlock;
  if (call.mechanism.mechanism == CKM_AES_CMAC_GENERAL) {
    ASSIGN_OR_RETURN(CK_MAC_GENERAL_PARAMS len, read_param<CK_MAC_GENERAL_PARAMS>(call.mechanism));
    if (len < 1 || len > kAesBlock) return Status(CKR_MECHANISM_PARAM_INVALID, "CMAC length must be 1..16");
    mac_len = len;
  } else {
    RETURN_IF_ERROR(require_no_param(call.mechanism));
  }
  ASSIGN_OR_RETURN(const EVP_MAC* mac, fetch_cmac(call.provider));
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(const_cast<EVP_MAC*>(mac));
  if (ctx == nullptr) return Status(CKR_HOST_MEMORY, "EVP_MAC_CTX_new failed");
  auto op = std::make_unique<CmacSignOperation>(ctx, mac_len);
  // CMAC's block cipher is named, not passed: the MAC fetches it from the
  // same library context.
  const CipherName cbc = aes_cipher(CipherName::kAes128Cbc, secret.size());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, const_cast<char*>(openssl_cipher_name(cbc)), 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx, secret.data(), secret.size(), params) != 1) return openssl_failure("CMAC init failed");
  return op;
}

Result<std::unique_ptr<SignOperation>> cmac_sign_factory(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(std::unique_ptr<SignOperation> op, new_cmac(call, key));
  return op;
}

Result<std::unique_ptr<VerifyOperation>> cmac_verify_factory(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(std::unique_ptr<CmacSignOperation> signer, new_cmac(call, key));
  std::unique_ptr<VerifyOperation> op = std::make_unique<CmacVerifyOperation>(std::move(signer));
  return op;
}

// ---- Message-based GCM / CCM ------------------------------------------------------

template <bool kEncrypt>
Result<std::unique_ptr<MessageCipherOperation>> gcm_message_factory(const MechanismCall& call,
                                                                    const KeyPtr& key) {
  // Any parameter given to C_Message*Init is ignored: every message brings
  // its own CK_GCM_MESSAGE_PARAMS.
  ASSIGN_OR_RETURN(ByteView secret, aes_key(key));
  ASSIGN_OR_RETURN(const EVP_CIPHER* cipher,
                   fetch_cipher(call.provider, aes_cipher(CipherName::kAes128Gcm, secret.size())));
  return make_gcm_message_operation(call.provider, cipher, key, kEncrypt);
}

template <bool kEncrypt>
Result<std::unique_ptr<MessageCipherOperation>> ccm_message_factory(const MechanismCall& call,
                                                                    const KeyPtr& key) {
  ASSIGN_OR_RETURN(ByteView secret, aes_key(key));
  ASSIGN_OR_RETURN(const EVP_CIPHER* cipher,
                   fetch_cipher(call.provider, aes_cipher(CipherName::kAes128Ccm, secret.size())));
  return make_ccm_message_operation(call.provider, cipher, key, kEncrypt);
}

// ---- Registry rows ----------------------------------------------------------------

constexpr CK_FLAGS kCipherFlags = CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP;
constexpr CK_FLAGS kMessageFlags = CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT;

constexpr MechanismEntry kAesRows[] = {
    {.type = CKM_AES_KEY_GEN, .name = "CKM_AES_KEY_GEN", .key_types = {CKK_AES}, .min_key_size = 16,
     .max_key_size = 32, .flags = CKF_GENERATE, .generate_key = &generate_aes_key},
    {.type = CKM_AES_ECB, .name = "CKM_AES_ECB", .key_types = {CKK_AES}, .min_key_size = 16,
     .max_key_size = 32, .flags = kCipherFlags,
     .encrypt = &block_mode_factory<BlockMode::kEcb, true>,
     .decrypt = &block_mode_factory<BlockMode::kEcb, false>},
    {.type = CKM_AES_CBC, .name = "CKM_AES_CBC", .key_types = {CKK_AES}, .min_key_size = 16,
     .max_key_size = 32, .flags = kCipherFlags,
     .encrypt = &block_mode_factory<BlockMode::kCbc, true>,
     .decrypt = &block_mode_factory<BlockMode::kCbc, false>},
    {.type = CKM_AES_CBC_PAD, .name = "CKM_AES_CBC_PAD", .key_types = {CKK_AES}, .min_key_size = 16,
     .max_key_size = 32, .flags = kCipherFlags,
     .encrypt = &block_mode_factory<BlockMode::kCbcPad, true>,
     .decrypt = &block_mode_factory<BlockMode::kCbcPad, false>},
    {.type = CKM_AES_CTR, .name = "CKM_AES_CTR", .key_types = {CKK_AES}, .min_key_size = 16,
     .max_key_size = 32, .flags = CKF_ENCRYPT | CKF_DECRYPT,
     .encrypt = &block_mode_factory<BlockMode::kCtr, true>,
     .decrypt = &block_mode_factory<BlockMode::kCtr, false>},
    {.type = CKM_AES_GCM, .name = "CKM_AES_GCM", .key_types = {CKK_AES}, .min_key_size = 16,
     .max_key_size = 32, .flags = kCipherFlags | kMessageFlags, .encrypt = &gcm_encrypt_factory,
     .decrypt = &gcm_decrypt_factory, .message_encrypt = &gcm_message_factory<true>,
     .message_decrypt = &gcm_message_factory<false>},
    {.type = CKM_AES_CCM, .name = "CKM_AES_CCM", .key_types = {CKK_AES}, .min_key_size = 16,
     .max_key_size = 32, .flags = kCipherFlags | kMessageFlags, .encrypt = &ccm_factory<true>,
     .decrypt = &ccm_factory<false>, .message_encrypt = &ccm_message_factory<true>,
     .message_decrypt = &ccm_message_factory<false>},
    {.type = CKM_AES_CMAC, .name = "CKM_AES_CMAC", .key_types = {CKK_AES}, .min_key_size = 16,
     .max_key_size = 32, .flags = CKF_SIGN | CKF_VERIFY, .sign = &cmac_sign_factory,
     .verify = &cmac_verify_factory},
    {.type = CKM_AES_CMAC_GENERAL, .name = "CKM_AES_CMAC_GENERAL", .key_types = {CKK_AES},
     .min_key_size = 16, .max_key_size = 32, .flags = CKF_SIGN | CKF_VERIFY, .sign = &cmac_sign_factory,
     .verify = &cmac_verify_factory},
    {.type = CKM_AES_KEY_WRAP, .name = "CKM_AES_KEY_WRAP", .key_types = {CKK_AES}, .min_key_size = 16,
     .max_key_size = 32, .flags = kCipherFlags, .encrypt = &key_wrap_factory<false, true>,
     .decrypt = &key_wrap_factory<false, false>},
    {.type = CKM_AES_KEY_WRAP_KWP, .name = "CKM_AES_KEY_WRAP_KWP", .key_types = {CKK_AES},
     .min_key_size = 16, .max_key_size = 32, .flags = kCipherFlags, .encrypt = &key_wrap_factory<true, true>,
     .decrypt = &key_wrap_factory<true, false>},
};

}  // namespace

std::span<const MechanismEntry> aes_mechanisms() { return kAesRows; }

}  // namespace craton::crypto

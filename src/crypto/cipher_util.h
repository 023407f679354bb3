// Shared machinery of the block-cipher families (aes.cc, des3.cc): cached
// EVP_CIPHER/EVP_MAC objects, mechanism-parameter readers, a generic
// streaming CipherOperation over an EVP_CIPHER_CTX (ECB, CBC, CBC-PAD, CTR),
// a base for operations that must see their whole input before producing
// output (GCM decrypt, CCM, key wrap), and the AEAD building blocks used by
// both the classic and the message-based AES-GCM/CCM operations (the latter
// live in message_cipher.h). Private to src/crypto.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"
#include "crypto/key.h"
#include "crypto/mechanism.h"
#include "crypto/operation.h"

typedef struct evp_cipher_st EVP_CIPHER;
typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_mac_st EVP_MAC;

namespace craton::crypto {

class Provider;

// ---- Algorithm objects ------------------------------------------------------

// Every cipher the block-cipher families use; the value is the cache slot.
enum class CipherName : std::uint8_t {
  kAes128Ecb, kAes192Ecb, kAes256Ecb,
  kAes128Cbc, kAes192Cbc, kAes256Cbc,
  kAes128Ctr, kAes192Ctr, kAes256Ctr,
  kAes128Gcm, kAes192Gcm, kAes256Gcm,
  kAes128Ccm, kAes192Ccm, kAes256Ccm,
  kAes128Wrap, kAes192Wrap, kAes256Wrap,
  kAes128WrapPad, kAes192WrapPad, kAes256WrapPad,
  kDes3Ecb, kDes3Cbc,
  kCount
};
const char* openssl_cipher_name(CipherName name);

// The cipher fetched from the provider's library context, fetched once per
// context and then reused (see cipher_util.cc for the cache and its limits).
// Never null on success; the pointer must not be freed.
Result<const EVP_CIPHER*> fetch_cipher(const Provider& provider, CipherName name);
// The "CMAC" EVP_MAC of the provider's context, cached the same way.
Result<const EVP_MAC*> fetch_cmac(const Provider& provider);

struct EvpCipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept;
};
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxDeleter>;
Result<EvpCipherCtxPtr> new_cipher_ctx();

// Runs EVP_CipherUpdate over `in` (any size: split below INT_MAX), writing
// at `out`; `written` receives the number of bytes produced. `out` may be
// null only to feed AAD.
Status cipher_update(EVP_CIPHER_CTX* ctx, ByteView in, std::uint8_t* out, std::size_t& written);

// Error for an unexpected OpenSSL failure; clears OpenSSL's error queue so
// that stale entries never leak into a later, unrelated diagnosis.
Status openssl_failure(const char* what);

// The key's secret bytes if the key is a secret key of `type` whose length
// is one of `sizes` (CKR_KEY_TYPE_INCONSISTENT / CKR_KEY_SIZE_RANGE).
Result<ByteView> secret_key_bytes(const KeyPtr& key, CK_KEY_TYPE type,
                                  std::initializer_list<std::size_t> sizes);

// ---- Mechanism parameters ---------------------------------------------------
// The C ABI guarantees only that pParameter is readable for ulParameterLen
// bytes; lengths and inner pointers are checked here.

// Copy of the parameter struct T (copied: the caller's buffer may be
// unaligned when it was marshalled); CKR_MECHANISM_PARAM_INVALID unless
// ulParameterLen == sizeof(T).
template <class T>
Result<T> read_param(const CK_MECHANISM& mechanism) {
  if (mechanism.pParameter == nullptr || mechanism.ulParameterLen != sizeof(T)) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "mechanism parameter has the wrong size");
  }
  T value;
  std::memcpy(&value, mechanism.pParameter, sizeof(T));
  return value;
}
// Same for a parameter struct the caller passes at run time (message API).
template <class T>
Result<T> read_param(const void* params, CK_ULONG params_len) {
  return read_param<T>(CK_MECHANISM{0, const_cast<void*>(params), params_len});
}

// CKR_MECHANISM_PARAM_INVALID unless the mechanism carries no parameter.
Status require_no_param(const CK_MECHANISM& mechanism);
// The parameter as raw bytes of exactly `size` bytes (IVs).
Result<ByteView> param_bytes(const CK_MECHANISM& mechanism, std::size_t size);
// A (pointer, length) pair from inside a parameter struct: NULL is allowed
// only with length 0.
Result<ByteView> inner_buffer(const void* p, CK_ULONG len, const char* what);

// ---- Streaming block modes --------------------------------------------------

struct BlockModeSpec {
  const EVP_CIPHER* cipher = nullptr;
  ByteView key;
  ByteView iv;               // empty for ECB
  bool encrypt = true;
  bool padding = false;      // PKCS#7 padding (the *_CBC_PAD mechanisms)
  // Most input bytes the operation accepts in total (CTR counter space).
  std::uint64_t max_input = std::numeric_limits<std::uint64_t>::max();
};

// ECB, CBC, CBC-PAD or CTR over one EVP_CIPHER_CTX. Without padding, a total
// input that is not a multiple of the block size fails with
// CKR_DATA_LEN_RANGE (encrypt) or CKR_ENCRYPTED_DATA_LEN_RANGE (decrypt);
// bad padding is CKR_ENCRYPTED_DATA_INVALID.
Result<std::unique_ptr<CipherOperation>> make_block_mode_operation(const BlockModeSpec& spec);

// ---- Whole-input operations -------------------------------------------------

// Appends `in` to a collecting buffer: CKR_DEVICE_MEMORY instead of an
// exception when callers send more than fits in memory.
Status buffer_input(SecureBytes& buffer, ByteView in);

// Base of operations that need their complete input before producing any
// output: update() only collects, final() runs the single-part path over
// what was collected. Subclasses implement run()/run_length().
class WholeInputOperation : public CipherOperation {
 public:
  std::size_t update_length(std::size_t) const override { return 0; }
  std::size_t final_length() const override { return run_length(pending_.size()); }
  Status update(ByteView in, Bytes& out) override;
  Status final(Bytes& out) override;

 protected:
  // Input collected so far. SecureBytes: this may be key material being
  // wrapped, or plaintext not yet authenticated.
  SecureBytes pending_;
};

// ---- AEAD building blocks ---------------------------------------------------

// Starts an AES-GCM computation on `ctx`: sets the cipher and key when
// `cipher` is non-null (otherwise reuses the key schedule already in ctx),
// the IV and feeds the AAD. The IV must be one OpenSSL takes (1..128 bytes):
// longer ones go through openssl_gcm_iv() (gcm_iv.h) first.
Status gcm_start(EVP_CIPHER_CTX* ctx, const EVP_CIPHER* cipher, ByteView key, ByteView iv,
                 ByteView aad, bool encrypt);
// Reads the tag of a finished GCM/CCM encryption.
Status aead_get_tag(EVP_CIPHER_CTX* ctx, std::uint8_t* tag, std::size_t tag_len);
// Sets the expected tag before a GCM decryption finishes.
Status gcm_set_tag(EVP_CIPHER_CTX* ctx, ByteView tag);
// Decrypts `in` and checks `tag`, appending the plaintext to `out` only if the
// tag verifies (CKR_ENCRYPTED_DATA_INVALID otherwise, with nothing appended).
Status gcm_decrypt_all(EVP_CIPHER_CTX* ctx, ByteView in, ByteView tag, Bytes& out);

// Parameter checks shared by the classic and message-based mechanisms
// (CKR_MECHANISM_PARAM_INVALID). GCM IVs: 1..256 bytes, as PKCS#11 allows.
Status check_gcm_tag_bits(CK_ULONG bits);
Result<ByteView> gcm_iv(const void* p, CK_ULONG len);
Status check_ccm_lengths(std::size_t nonce_len, CK_ULONG mac_len, CK_ULONG data_len);

struct CcmInput {
  const EVP_CIPHER* cipher = nullptr;
  ByteView key;
  ByteView nonce;            // 7..13 bytes
  ByteView aad;
  std::size_t mac_len = 0;   // 4..16, even
  bool encrypt = true;
};
// One complete CCM computation (CCM needs every length up front). Encrypt:
// appends the ciphertext to `out` and writes the MAC to `mac`. Decrypt:
// checks `mac` and appends the plaintext only if it verifies.
Status ccm_crypt(const CcmInput& input, ByteView in, std::uint8_t* mac, Bytes& out);

}  // namespace craton::crypto

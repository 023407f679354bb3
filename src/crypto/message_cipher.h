// Message-based AEAD (C_MessageEncryptInit ..., PKCS#11 3.0 §5.13) for
// AES-GCM and AES-CCM, and the IV/nonce generator those operations use.
// Private to src/crypto; the AES family (aes.cc) builds these operations.
#pragma once

#include <cstdint>
#include <memory>

#include "core/status.h"
#include "craton/pkcs11.h"
#include "crypto/key.h"
#include "crypto/mechanism.h"

typedef struct evp_cipher_st EVP_CIPHER;

namespace craton::crypto {

class Provider;

// AES-GCM with CK_GCM_MESSAGE_PARAMS per message. The key schedule is set up
// once; each message brings its IV (1..256 bytes, or has it generated) and
// tag buffer. `cipher` is the AES-GCM cipher matching the key's length.
Result<std::unique_ptr<MessageCipherOperation>> make_gcm_message_operation(
    const Provider& provider, const EVP_CIPHER* cipher, KeyPtr key, bool encrypt);
// AES-CCM with CK_CCM_MESSAGE_PARAMS per message.
Result<std::unique_ptr<MessageCipherOperation>> make_ccm_message_operation(
    const Provider& provider, const EVP_CIPHER* cipher, KeyPtr key, bool encrypt);

// ---- IV generation for the message-based API --------------------------------

// Produces the IVs (GCM) or nonces (CCM) of one C_MessageEncryptInit
// operation: the caller's leading `fixed_bits` are kept, the rest is a
// per-operation counter (CKG_GENERATE_COUNTER) or random (CKG_GENERATE,
// CKG_GENERATE_RANDOM).
class IvGenerator {
 public:
  // Validates a message's generator request; CKR_MECHANISM_PARAM_INVALID if
  // the combination is unusable (fixed bits beyond the IV, a random part too
  // small to be unique, an exhausted counter...).
  Status generate(const Provider& provider, CK_GENERATOR_FUNCTION generator,
                  CK_ULONG fixed_bits, std::uint8_t* iv, std::size_t iv_len);

 private:
  std::uint64_t counter_ = 0;       // next counter value
  std::uint64_t random_count_ = 0;  // random IVs generated so far
  bool counter_exhausted_ = false;
};

}  // namespace craton::crypto

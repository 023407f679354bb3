// Mechanisms for the crypto helper commands (sign, verify, encrypt,
// decrypt, digest): chosen by name or by the key's type, with the
// parameters the CLI fills in itself.
//
// Parameters the CLI supplies: RSA-PSS (hash, MGF1 with the same hash, salt =
// hash length), RSA-OAEP (--hash, MGF1 with the same hash, no label),
// AES-GCM (random 96-bit IV, 128-bit tag), AES-CBC/CBC-PAD (random IV),
// AES-CTR (random 128-bit counter block). The IV travels in front of the
// ciphertext: `encrypt` writes IV || ciphertext, `decrypt` reads it back.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "craton/pkcs11.h"
#include "object/object.h"

namespace craton::admin {

class AdminSession;

// "CKM_SHA256_RSA_PKCS", "sha256-rsa-pkcs" or "SHA256_RSA_PKCS" -> the type,
// from the mechanism registry; Exit::kUsage otherwise.
CK_MECHANISM_TYPE mechanism_by_name(std::string_view name);
std::string mechanism_name(CK_MECHANISM_TYPE type);

// What `sign`/`verify` use when --mechanism is not given.
CK_MECHANISM_TYPE default_signature_mechanism(const Object& key);
// What `encrypt`/`decrypt` use when --mechanism is not given.
CK_MECHANISM_TYPE default_cipher_mechanism(const Object& key);

// A CK_MECHANISM with its parameters (which point into this object).
struct PreparedMechanism {
  CK_MECHANISM mechanism{};
  CK_RSA_PKCS_PSS_PARAMS pss{};
  CK_RSA_PKCS_OAEP_PARAMS oaep{};
  CK_GCM_PARAMS gcm{};
  CK_AES_CTR_PARAMS ctr{};
  Bytes iv;

  PreparedMechanism() = default;
  PreparedMechanism(const PreparedMechanism&) = delete;
  PreparedMechanism& operator=(const PreparedMechanism&) = delete;
};

// For signatures and digests (no IV). `oaep_hash`: "sha1", "sha256", ...
std::unique_ptr<PreparedMechanism> prepare_mechanism(CK_MECHANISM_TYPE type, const std::string& oaep_hash);
// For encryption: a fresh IV from the module when the mode needs one (see
// `iv`); for decryption the IV is taken off the front of `input`.
std::unique_ptr<PreparedMechanism> prepare_cipher(CK_MECHANISM_TYPE type, const std::string& oaep_hash,
                                                  AdminSession& session, bool encrypting, ByteView& input);

}  // namespace craton::admin

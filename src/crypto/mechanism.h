// The mechanism registry: one row per PKCS#11 mechanism (DESIGN.md §2).
//
// C_GetMechanismList, C_GetMechanismInfo, approved-mode policy, key-type and
// key-size checks and dispatch all read these rows. Each algorithm family
// (src/crypto/<family>.cc) exports its rows as a span; registry.cc joins them.
// Adding a mechanism = one row + its backend functions + tests.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <span>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"
#include "crypto/key.h"
#include "crypto/operation.h"
#include "object/attributes.h"

namespace craton::crypto {

class Provider;

// Everything a backend function needs besides its key. `mechanism` is the
// caller's CK_MECHANISM; the C ABI has already checked that pParameter is
// readable for ulParameterLen bytes, but its contents are unchecked: the
// backend validates them (CKR_MECHANISM_PARAM_INVALID).
struct MechanismCall {
  const Provider& provider;
  const CK_MECHANISM& mechanism;
};

// Resolves another object handle of the calling session (HKDF salt keys,
// ECDH peer keys given by handle, ...). Fails with CKR_KEY_HANDLE_INVALID.
using KeyResolver = std::function<Result<KeyPtr>(CK_OBJECT_HANDLE)>;

using SignFactory = Result<std::unique_ptr<SignOperation>> (*)(const MechanismCall&, const KeyPtr&);
using VerifyFactory = Result<std::unique_ptr<VerifyOperation>> (*)(const MechanismCall&, const KeyPtr&);
using CipherFactory = Result<std::unique_ptr<CipherOperation>> (*)(const MechanismCall&, const KeyPtr&);
using DigestFactory = Result<std::unique_ptr<DigestOperation>> (*)(const MechanismCall&);

// Secret-key generation: returns the material attributes (CKA_VALUE, and
// CKA_VALUE_LEN). `tmpl` is the caller's template (CKA_VALUE_LEN etc.).
using GenerateKeyFn = Result<AttributeMap> (*)(const MechanismCall&, const AttributeMap& tmpl);
// Key-pair generation: fills the component attributes of both halves
// (RSA: modulus, exponents, CRT values; EC: CKA_EC_PARAMS/CKA_EC_POINT/CKA_VALUE;
// both: CKA_PUBLIC_KEY_INFO, CKA_KEY_TYPE).
using GenerateKeyPairFn = Status (*)(const MechanismCall&, const AttributeMap& public_tmpl,
                                     const AttributeMap& private_tmpl, AttributeMap& public_out,
                                     AttributeMap& private_out);
// Derivation: returns the derived secret. `length` is the requested key
// length in bytes (0 = mechanism default, e.g. the ECDH shared-secret size).
using DeriveFn = Result<SecureBytes> (*)(const MechanismCall&, const KeyPtr& base, std::size_t length,
                                        const KeyResolver& resolve);

// Key encapsulation (C_EncapsulateKey / C_DecapsulateKey, PKCS#11 3.2).
// The C ABI's length query asks for the ciphertext length first; then
// encapsulation produces the ciphertext and the shared secret, and
// decapsulation recovers the secret from a ciphertext.
struct Encapsulated {
  Bytes ciphertext;
  SecureBytes secret;
};
using CiphertextLengthFn = Result<std::size_t> (*)(const MechanismCall&, const KeyPtr& public_key);
using EncapsulateFn = Result<Encapsulated> (*)(const MechanismCall&, const KeyPtr& public_key);
using DecapsulateFn = Result<SecureBytes> (*)(const MechanismCall&, const KeyPtr& private_key, ByteView ciphertext);

// Message-based encryption (C_MessageEncryptInit ... , PKCS#11 3.0 §5.13):
// one object per C_Message*Init; each message supplies its own parameter
// struct (CK_GCM_MESSAGE_PARAMS / CK_CCM_MESSAGE_PARAMS), which the operation
// may write to (generated IV, produced tag) until that message ends.
class MessageCipherOperation {
 public:
  virtual ~MessageCipherOperation() = default;
  // Starts a message. `params` is the caller's parameter struct, valid until
  // the message's last part.
  virtual Status begin(void* params, CK_ULONG params_len, ByteView aad) = 0;
  // Upper bound of the output of next(in_len, last).
  virtual std::size_t next_length(std::size_t in_len, bool last) const = 0;
  // Processes one part; with `last` the message ends (tag produced/verified).
  virtual Status next(ByteView in, Bytes& out, bool last) = 0;
};
using MessageCipherFactory =
    Result<std::unique_ptr<MessageCipherOperation>> (*)(const MechanismCall&, const KeyPtr&);

// The key types a row accepts. A value type (not std::initializer_list,
// whose backing array would dangle once a row is copied out of a temporary),
// written `.key_types = {CKK_EC, CKK_EC_MONTGOMERY}` in the tables.
class KeyTypeSet {
 public:
  static constexpr std::size_t kMax = 4;
  constexpr KeyTypeSet() = default;
  constexpr KeyTypeSet(std::initializer_list<CK_KEY_TYPE> types) {  // NOLINT: implicit by design
    for (CK_KEY_TYPE t : types) {
      if (count_ < kMax) values_[count_++] = t;
    }
  }
  constexpr const CK_KEY_TYPE* begin() const { return values_; }
  constexpr const CK_KEY_TYPE* end() const { return values_ + count_; }
  constexpr bool empty() const { return count_ == 0; }
  constexpr std::size_t size() const { return count_; }
  constexpr bool contains(CK_KEY_TYPE t) const {
    for (std::size_t i = 0; i < count_; ++i) {
      if (values_[i] == t) return true;
    }
    return false;
  }

 private:
  CK_KEY_TYPE values_[kMax] = {};
  std::size_t count_ = 0;
};

// Operation flags (CKF_SIGN, CKF_ENCRYPT, ...) say what the row offers; the
// matching function pointers must then be non-null. Wrap/unwrap use the
// encrypt/decrypt factories (CKF_WRAP/CKF_UNWRAP); sign/verify-recover use
// sign_recover/verify_recover.
struct MechanismEntry {
  CK_MECHANISM_TYPE type = 0;
  const char* name = "";
  KeyTypeSet key_types;       // empty for digests
  CK_ULONG min_key_size = 0;  // CK_MECHANISM_INFO units: bits for RSA/EC/Edwards, bytes for
  CK_ULONG max_key_size = 0;  // AES/DES3/generic secrets and PQC public keys (per the spec)
  CK_FLAGS flags = 0;
  bool approved = true;       // FIPS-approved (SP 800-140C/D); legacy rows are false
  bool legacy = false;        // DES3, MD5: hidden unless [algorithms] enable_legacy
  bool pqc = false;           // post-quantum: hidden when enable_pqc = false
  // Refinements of an approved row for approved-only mode (SP 800-131A r2),
  // applied by the core's MechanismPolicy (src/core/policy.h):
  CK_FLAGS unapproved_ops = 0;          // operations approved mode refuses (e.g. SHA-1 signing)
  CK_ULONG approved_min_key_size = 0;   // smallest approved key, CK_MECHANISM_INFO units
  KeyTypeSet unapproved_key_types;      // key types approved mode refuses (X25519 for ECDH)
  SignFactory sign = nullptr;
  VerifyFactory verify = nullptr;
  CipherFactory encrypt = nullptr;
  CipherFactory decrypt = nullptr;
  DigestFactory digest = nullptr;
  CipherFactory sign_recover = nullptr;
  CipherFactory verify_recover = nullptr;
  GenerateKeyFn generate_key = nullptr;
  GenerateKeyPairFn generate_key_pair = nullptr;
  DeriveFn derive = nullptr;
  MessageCipherFactory message_encrypt = nullptr;
  MessageCipherFactory message_decrypt = nullptr;
  CiphertextLengthFn ciphertext_length = nullptr;  // with encapsulate (CKF_ENCAPSULATE)
  EncapsulateFn encapsulate = nullptr;
  DecapsulateFn decapsulate = nullptr;              // CKF_DECAPSULATE
};

// Key size of `key` in the row's CK_MECHANISM_INFO units.
CK_ULONG key_size_in_info_units(const MechanismEntry& entry, const Key& key);

// All rows, sorted by mechanism type.
std::span<const MechanismEntry> all_mechanisms();
// The row for `type`, or nullptr.
const MechanismEntry* find_mechanism(CK_MECHANISM_TYPE type);

}  // namespace craton::crypto

// Session: one PKCS#11 session and its active operations.
//
// A session holds at most one operation of each kind (PKCS#11 §5.2): the
// slots below. `mu` serialises calls on the same session; different sessions
// never contend, so the crypto path has no global lock.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <mutex>
#include <vector>

#include "core/mutex.h"
#include "crypto/mechanism.h"
#include "crypto/operation.h"

namespace craton {

class Slot;

// State common to every operation slot.
struct OpState {
  bool multipart = false;              // an *Update call happened: single-part calls now refused
  bool needs_context_login = false;    // CKA_ALWAYS_AUTHENTICATE key, no CKU_CONTEXT_SPECIFIC login yet
  // What the audit entry of the operation names (set at init; core/core_audit.h).
  CK_MECHANISM_TYPE mechanism = CK_UNAVAILABLE_INFORMATION;
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  std::optional<std::string> key_label;
};

template <class Op>
struct OpSlot : OpState {
  std::unique_ptr<Op> op;
  bool active() const { return op != nullptr; }
  void reset() {
    op.reset();
    multipart = false;
    needs_context_login = false;
  }
};

struct FindState {
  bool active = false;
  std::vector<CK_OBJECT_HANDLE> results;
  std::size_t next = 0;
};

class Session {
 public:
  Session(CK_SESSION_HANDLE handle, Slot& slot, CK_FLAGS flags)
      : handle_(handle), slot_(slot), flags_(flags) {}

  CK_SESSION_HANDLE handle() const { return handle_; }
  Slot& slot() const { return slot_; }
  CK_FLAGS flags() const { return flags_; }
  bool read_write() const { return (flags_ & CKF_RW_SESSION) != 0; }

  Mutex mu;  // held for the duration of any call on this session
  OpSlot<crypto::CipherOperation> encrypt, decrypt, sign_recover, verify_recover;
  OpSlot<crypto::SignOperation> sign;
  OpSlot<crypto::VerifyOperation> verify;
  OpSlot<crypto::VerifyOperation> verify_signature;  // 3.2: signature given at init
  Bytes signature_to_verify;
  OpSlot<crypto::DigestOperation> digest;
  OpSlot<crypto::MessageCipherOperation> message_encrypt, message_decrypt;
  FindState find;

  // Ends every active cryptographic operation (logout: they may hold private
  // keys). A find in progress only holds handles and survives.
  void cancel_crypto_operations();

 private:
  const CK_SESSION_HANDLE handle_;
  Slot& slot_;
  const CK_FLAGS flags_;
};

using SessionPtr = std::shared_ptr<Session>;

}  // namespace craton

// Operation interfaces: one active cryptographic operation of a session.
//
// Output sizes: every operation reports an upper bound before running, so the
// C ABI can answer a length query (NULL output) without doing the work. When a
// caller's buffer is smaller than the bound, the ABI runs the step on a clone()
// and keeps the original untouched if the real output still does not fit, so
// CKR_BUFFER_TOO_SMALL never consumes input (PKCS#11 §5.2).
// Any other error ends the operation; the session drops the object.
#pragma once

#include <memory>

#include "core/bytes.h"
#include "core/status.h"

namespace craton::crypto {

class DigestOperation {
 public:
  virtual ~DigestOperation() = default;
  virtual std::size_t digest_length() const = 0;
  virtual Status update(ByteView part) = 0;
  virtual Status final(Bytes& out) = 0;  // appends digest_length() bytes
  virtual std::unique_ptr<DigestOperation> clone() const = 0;
};

// Sign (and MAC generation).
class SignOperation {
 public:
  virtual ~SignOperation() = default;
  virtual std::size_t signature_length() const = 0;  // exact for all mechanisms we offer
  virtual Status update(ByteView part) = 0;
  virtual Status final(Bytes& signature) = 0;  // appends
  // Single-part; the default is update + final.
  virtual Status sign(ByteView data, Bytes& signature) {
    RETURN_IF_ERROR(update(data));
    return final(signature);
  }
};

// Verify (and MAC verification). A wrong signature is CKR_SIGNATURE_INVALID, a
// signature of impossible length CKR_SIGNATURE_LEN_RANGE.
class VerifyOperation {
 public:
  virtual ~VerifyOperation() = default;
  virtual Status update(ByteView part) = 0;
  virtual Status final(ByteView signature) = 0;
  virtual Status verify(ByteView data, ByteView signature) {
    RETURN_IF_ERROR(update(data));
    return final(signature);
  }
};

// Encrypt or decrypt (also used for wrap/unwrap and sign/verify-recover).
class CipherOperation {
 public:
  virtual ~CipherOperation() = default;
  // Upper bounds of the output of the next update(in_len), final(), run(in_len).
  virtual std::size_t update_length(std::size_t in_len) const = 0;
  virtual std::size_t final_length() const = 0;
  virtual std::size_t run_length(std::size_t in_len) const = 0;
  virtual Status update(ByteView in, Bytes& out) = 0;  // appends
  virtual Status final(Bytes& out) = 0;                // appends
  virtual Status run(ByteView in, Bytes& out) = 0;     // single-part; appends
  // Copy of the current state (see above); nullptr if the mechanism cannot be
  // copied, in which case the ABI asks for the bound before running.
  virtual std::unique_ptr<CipherOperation> clone() const = 0;
};

}  // namespace craton::crypto

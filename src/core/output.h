// The PKCS#11 output-buffer convention, in one place (PKCS#11 §5.2).
//
//   data == NULL           -> *len = size needed (an upper bound), CKR_OK
//   *len < size produced   -> *len = exact size, CKR_BUFFER_TOO_SMALL
//   otherwise              -> bytes copied, *len = size written, CKR_OK
// The ABI has already checked that `len` is a valid pointer.
#pragma once

#include <cstring>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"

namespace craton {

struct Output {
  CK_BYTE_PTR data = nullptr;
  CK_ULONG_PTR len = nullptr;

  bool is_query() const { return data == nullptr; }
  CK_ULONG capacity() const { return *len; }

  // Length query: report `bound`.
  Status report(std::size_t bound) const {
    *len = static_cast<CK_ULONG>(bound);
    return Status::Ok();
  }
  // For outputs whose exact size is known before the work that makes them
  // (and that must not be done twice): CKR_BUFFER_TOO_SMALL with `size` when
  // the caller's buffer is shorter.
  Status require(std::size_t size) const {
    if (*len >= size) return Status::Ok();
    *len = static_cast<CK_ULONG>(size);
    return Status(CKR_BUFFER_TOO_SMALL);
  }
  // Copies `bytes` if they fit; otherwise CKR_BUFFER_TOO_SMALL with the exact size.
  Status deliver(ByteView bytes) const {
    if (data == nullptr) return report(bytes.size());
    if (*len < bytes.size()) {
      *len = static_cast<CK_ULONG>(bytes.size());
      return Status(CKR_BUFFER_TOO_SMALL);
    }
    if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
    *len = static_cast<CK_ULONG>(bytes.size());
    return Status::Ok();
  }
};

}  // namespace craton

// Argument checks and conversions shared by the C_* entry points.
//
// These are the rules the specification puts on the *shape* of arguments
// (pointers, lengths, flag bits); everything about meaning is the core's.
#pragma once

#include <algorithm>
#include <vector>

#include "core/bytes.h"
#include "core/hsm_core.h"
#include "craton/pkcs11.h"

namespace craton::abi {

// A caller buffer is usable when it has a pointer or is empty.
inline bool valid_buffer(const void* data, CK_ULONG len) { return data != nullptr || len == 0; }

// View of a caller buffer already checked with valid_buffer().
inline ByteView input(const void* data, CK_ULONG len) {
  if (data == nullptr) return {};
  return view_of(data, len);
}

// A CK_MECHANISM whose parameter pointer is NULL but announces bytes cannot be
// read; the parameter's contents are the backend's to check.
inline CK_RV check_mechanism(const CK_MECHANISM& mechanism) {
  if (mechanism.pParameter == nullptr && mechanism.ulParameterLen > 0) return CKR_MECHANISM_PARAM_INVALID;
  return CKR_OK;
}

// An argument error inside an active operation still ends it (PKCS#11 §5.2:
// only CKR_BUFFER_TOO_SMALL and a successful length query keep it alive).
inline CK_RV end_operation(HsmCore& core, CK_SESSION_HANDLE session, OpKind kind, CK_RV rv) {
  (void)core.cancel_operation(session, kind);
  return rv;
}

// The buffer convention for arrays of fixed-size items (slot lists,
// mechanism lists, interface lists): NULL -> count; too small ->
// CKR_BUFFER_TOO_SMALL with the count; otherwise copy.
template <class T>
CK_RV deliver_items(const std::vector<T>& items, T* out, CK_ULONG* count) {
  const auto needed = static_cast<CK_ULONG>(items.size());
  if (out != nullptr) {
    if (*count < needed) {
      *count = needed;
      return CKR_BUFFER_TOO_SMALL;
    }
    std::copy(items.begin(), items.end(), out);
  }
  *count = needed;
  return CKR_OK;
}

}  // namespace craton::abi

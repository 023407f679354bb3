// SessionTable: every open session of the module, by handle.
#pragma once

#include <atomic>
#include <unordered_map>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "session/session.h"

namespace craton {

struct SessionCounts {
  CK_ULONG total = 0;
  CK_ULONG read_write = 0;
  CK_ULONG read_only = 0;
};

class SessionTable {
 public:
  // CKR_SESSION_COUNT when `max_total` or (for R/W) `max_rw` sessions are open on the slot.
  Result<SessionPtr> open(Slot& slot, CK_SLOT_ID slot_id, CK_FLAGS flags, CK_ULONG max_total, CK_ULONG max_rw);
  Result<SessionPtr> get(CK_SESSION_HANDLE handle) const;  // CKR_SESSION_HANDLE_INVALID
  SessionPtr remove(CK_SESSION_HANDLE handle);
  std::vector<SessionPtr> remove_all(CK_SLOT_ID slot_id);
  SessionCounts counts(CK_SLOT_ID slot_id) const;
  std::vector<SessionPtr> sessions_of(CK_SLOT_ID slot_id) const;

 private:
  struct Entry {
    SessionPtr session;
    CK_SLOT_ID slot_id;
  };
  mutable SharedMutex mu_;
  std::unordered_map<CK_SESSION_HANDLE, Entry> sessions_;
  CK_SESSION_HANDLE next_handle_ = 1;
};

}  // namespace craton

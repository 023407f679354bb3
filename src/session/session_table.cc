#include "session/session_table.h"

#include <mutex>

namespace craton {

Result<SessionPtr> SessionTable::open(Slot& slot, CK_SLOT_ID slot_id, CK_FLAGS flags, CK_ULONG max_total,
                                      CK_ULONG max_rw) {
  std::unique_lock lock(mu_);
  CK_ULONG total = 0, rw = 0;
  for (const auto& [h, e] : sessions_) {
    if (e.slot_id != slot_id) continue;
    ++total;
    if (e.session->read_write()) ++rw;
  }
  if (total >= max_total) return Status(CKR_SESSION_COUNT, "max_sessions reached");
  if ((flags & CKF_RW_SESSION) && rw >= max_rw) return Status(CKR_SESSION_COUNT, "max_rw_sessions reached");
  const CK_SESSION_HANDLE handle = next_handle_++;
  auto session = std::make_shared<Session>(handle, slot, flags);
  sessions_.emplace(handle, Entry{session, slot_id});
  return session;
}

Result<SessionPtr> SessionTable::get(CK_SESSION_HANDLE handle) const {
  std::shared_lock lock(mu_);
  auto it = sessions_.find(handle);
  if (it == sessions_.end()) return Status(CKR_SESSION_HANDLE_INVALID);
  return it->second.session;
}

SessionPtr SessionTable::remove(CK_SESSION_HANDLE handle) {
  std::unique_lock lock(mu_);
  auto it = sessions_.find(handle);
  if (it == sessions_.end()) return nullptr;
  SessionPtr s = it->second.session;
  sessions_.erase(it);
  return s;
}

std::vector<SessionPtr> SessionTable::remove_all(CK_SLOT_ID slot_id) {
  std::unique_lock lock(mu_);
  std::vector<SessionPtr> removed;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.slot_id == slot_id) {
      removed.push_back(it->second.session);
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  return removed;
}

SessionCounts SessionTable::counts(CK_SLOT_ID slot_id) const {
  std::shared_lock lock(mu_);
  SessionCounts c;
  for (const auto& [h, e] : sessions_) {
    if (e.slot_id != slot_id) continue;
    ++c.total;
    if (e.session->read_write()) ++c.read_write; else ++c.read_only;
  }
  return c;
}

std::vector<SessionPtr> SessionTable::sessions_of(CK_SLOT_ID slot_id) const {
  std::shared_lock lock(mu_);
  std::vector<SessionPtr> out;
  for (const auto& [h, e] : sessions_) {
    if (e.slot_id == slot_id) out.push_back(e.session);
  }
  return out;
}

}  // namespace craton

// StoreLock: "one process owns a store" (DESIGN.md §4).
//
// The lock is an open-file-description (OFD) lock, fcntl(F_OFD_SETLK), on
// <dir>/.lock. We use OFD locks rather than classic POSIX record locks because
// POSIX locks belong to the *process*: a second acquire in the same process
// would silently succeed, and closing any descriptor of the file would drop the
// lock. OFD locks belong to the open file description, so:
//   - a second acquire() of the same directory, even in the same process or
//     thread, opens a new description and fails;
//   - the lock is released when the last descriptor sharing the description is
//     closed (normally: when the StoreLock is destroyed).
//
// fork(): a child would inherit the descriptor and so *share* the lock,
// keeping the store locked after the parent released it (C_Finalize) for as
// long as the child lives. A pthread_atfork child handler therefore closes
// every inherited lock descriptor in the child: the parent's lock is
// untouched (its own descriptor stays open), a fresh acquire() in the child
// fails naming the parent's PID while the parent holds the store, and
// succeeds once the parent has released it. Destroying an inherited
// StoreLock in the child is then a no-op.
//
// The lock file holds the owner's PID (decimal, newline-terminated) so that a
// loser can say who holds the store. The file is never unlinked: unlinking a
// lock file races with a concurrent acquire that has just opened the old inode.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <utility>

#include "core/status.h"

namespace craton {

class StoreLock {
 public:
  // Creates <dir> (mode 0700) if missing. Fails with CKR_FUNCTION_FAILED and a
  // message naming the directory and the holder's PID ("store /x/y is in use by
  // process 1234") when the lock is held elsewhere. Writes our PID into the file.
  static Result<std::unique_ptr<StoreLock>> acquire(const std::filesystem::path& dir);
  ~StoreLock();  // releases (closes our descriptor)

  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

  const std::filesystem::path& directory() const { return dir_; }

 private:
  StoreLock(std::filesystem::path dir, int fd, int slot)
      : dir_(std::move(dir)), fd_(fd), slot_(slot), owner_pid_(::getpid()) {}

  std::filesystem::path dir_;
  int fd_;
  int slot_;         // index in the fork registry (store_lock.cc), or -1
  pid_t owner_pid_;  // the process that acquired; only it clears the PID on release
};

// Creates `dir` and any missing parents with mode 0700 (existing directories
// are left as they are). CKR_DEVICE_ERROR naming the path on failure, including
// when `dir` exists but is not a directory. Shared by the lock and SlotStore.
Status make_private_directory(const std::filesystem::path& dir);

// A store directory must be a real directory (not a symbolic link) that
// neither group nor others can write; CKR_DEVICE_ERROR naming the path and
// the fix otherwise. Existing stores made with a lax umask are refused, not
// silently re-permissioned.
Status check_private_directory(const std::filesystem::path& dir);

// Every component of `relative` below `base` that exists must not be a
// symbolic link (a store is never reached through one).
Status check_no_symlink_below(const std::filesystem::path& base, const std::filesystem::path& relative);

// fsyncs a directory so that an entry just created in it survives power loss.
Status sync_directory(const std::filesystem::path& dir);

}  // namespace craton

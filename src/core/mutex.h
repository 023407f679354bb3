// Mutex and SharedMutex: the locks the module's own code takes, honouring the
// application's mutex callbacks (PKCS#11 3.0 §5.4 C_Initialize,
// CK_C_INITIALIZE_ARGS).
//
// C_Initialize decides the locking mode before it creates the core:
//   - callbacks supplied and CKF_OS_LOCKING_OK clear (the spec's case 3): the
//     application requires its own mutexes -> install_application_mutexes();
//   - anything else (the flag set, with or without callbacks, or neither):
//     OS primitives (std::mutex / std::shared_mutex) -> use_os_mutexes().
// A lock keeps the mode that was installed when it was constructed, for its
// whole life; C_Finalize clears the mode only after the core (and with it
// every lock it created) is gone.
//
// Scope: every lock in the module's own code is one of these, except
//   - process-wide locks that exist before C_Initialize has seen any
//     arguments: module.cc's init_mu, the ABI diagnostics sink, the
//     locked-memory pool (core/secure_memory.cc), this file's registry;
//   - the locks inside OpenSSL and SQLite. Those are internal to each library,
//     are never held when control returns to us, and cannot be configured
//     per module instance (both libraries are process-wide), so they stay OS
//     locks. docs/configuration.md says so.
//
// Both types meet the standard Lockable / SharedLockable requirements, so
// std::lock_guard, std::unique_lock, std::shared_lock and std::scoped_lock
// work unchanged. In OS mode the cost over the std type is one predictable
// branch (no virtual call, no allocation).
//
// Application mode specifics:
//   - constructing a lock calls CreateMutex: CKR_HOST_MEMORY throws
//     std::bad_alloc, any other failure throws MutexError;
//   - lock() calls LockMutex and throws MutexError when it fails (the ABI guard
//     turns it into CKR_GENERAL_ERROR); unlock() must not throw (it runs in
//     destructors), so a failing UnlockMutex is counted, not reported;
//   - the callbacks have no "try" operation: try_lock() blocks like lock().
//     std::scoped_lock over several mutexes therefore loses its deadlock
//     avoidance in this mode; the module always locks in a fixed order;
//   - SharedMutex degrades to one exclusive application mutex: shared owners
//     serialise. Correct, only less parallel (the spec offers nothing better).
#pragma once

#include <mutex>
#include <shared_mutex>
#include <stdexcept>

#include "craton/pkcs11.h"

namespace craton {

// A failed application mutex callback (LockMutex, or CreateMutex with a code
// other than CKR_HOST_MEMORY).
class MutexError : public std::runtime_error {
 public:
  MutexError(const char* what, CK_RV rv) : std::runtime_error(what), rv_(rv) {}
  CK_RV rv() const noexcept { return rv_; }

 private:
  CK_RV rv_;
};

// The application's four callbacks (all non-null).
struct ApplicationMutexCallbacks {
  CK_CREATEMUTEX create = nullptr;
  CK_DESTROYMUTEX destroy = nullptr;
  CK_LOCKMUTEX lock = nullptr;
  CK_UNLOCKMUTEX unlock = nullptr;
};

// --- Module-wide locking mode (set by C_Initialize / C_Finalize only, while
// no core exists) ---

// Locks constructed from now on use `args`' callbacks. The caller has checked
// that all four are non-null.
void install_application_mutexes(const CK_C_INITIALIZE_ARGS& args);
// Locks constructed from now on use OS primitives (the default).
void use_os_mutexes() noexcept;
bool application_mutexes_installed() noexcept;

// Whether the process can lock with OS primitives at all: the OpenSSL and
// SQLite the module links must have been built thread-safe. When not, a
// multi-threaded application must be refused with CKR_CANT_LOCK.
bool os_locking_available() noexcept;

// How many UnlockMutex calls failed since the process started (diagnostics).
long application_unlock_failures() noexcept;

namespace mutex_detail {

// One application mutex: the handle CreateMutex gave and the callbacks to use
// with it, fixed at construction.
class ApplicationMutex {
 public:
  ApplicationMutex() noexcept = default;
  // Creates an application mutex when a callback set is installed.
  void create_if_installed();
  ~ApplicationMutex();
  ApplicationMutex(const ApplicationMutex&) = delete;
  ApplicationMutex& operator=(const ApplicationMutex&) = delete;

  bool active() const noexcept { return callbacks_ != nullptr; }
  void lock();
  void unlock() noexcept;

 private:
  const ApplicationMutexCallbacks* callbacks_ = nullptr;
  void* handle_ = nullptr;
};

}  // namespace mutex_detail

class Mutex {
 public:
  Mutex() { app_.create_if_installed(); }
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() {
    if (!app_.active()) [[likely]] {
      os_.lock();
    } else {
      app_.lock();
    }
  }
  bool try_lock() {
    if (!app_.active()) [[likely]] return os_.try_lock();
    app_.lock();  // no "try" callback exists (see the file comment)
    return true;
  }
  void unlock() noexcept {
    if (!app_.active()) [[likely]] {
      os_.unlock();
    } else {
      app_.unlock();
    }
  }

 private:
  std::mutex os_;
  mutex_detail::ApplicationMutex app_;
};

class SharedMutex {
 public:
  SharedMutex() { app_.create_if_installed(); }
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void lock() {
    if (!app_.active()) [[likely]] {
      os_.lock();
    } else {
      app_.lock();
    }
  }
  bool try_lock() {
    if (!app_.active()) [[likely]] return os_.try_lock();
    app_.lock();
    return true;
  }
  void unlock() noexcept {
    if (!app_.active()) [[likely]] {
      os_.unlock();
    } else {
      app_.unlock();
    }
  }

  // Application mode: shared ownership is exclusive ownership.
  void lock_shared() {
    if (!app_.active()) [[likely]] {
      os_.lock_shared();
    } else {
      app_.lock();
    }
  }
  bool try_lock_shared() {
    if (!app_.active()) [[likely]] return os_.try_lock_shared();
    app_.lock();
    return true;
  }
  void unlock_shared() noexcept {
    if (!app_.active()) [[likely]] {
      os_.unlock_shared();
    } else {
      app_.unlock();
    }
  }

 private:
  std::shared_mutex os_;
  mutex_detail::ApplicationMutex app_;
};

}  // namespace craton

#include "core/mutex.h"

#include <openssl/opensslconf.h>
#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <new>

namespace craton {
namespace {

// Every callback set ever installed, never freed: a lock keeps a pointer to
// the set it was created with, and must be able to reach DestroyMutex even if
// it outlived the C_Initialize that installed it (a forked child abandons its
// parent's core). Identical sets share one node, so the list grows only with
// the number of *distinct* callback sets a process uses (in practice one).
// The list stays reachable from g_registry, so leak checkers stay quiet.
struct CallbackNode {
  ApplicationMutexCallbacks callbacks;
  const CallbackNode* next = nullptr;
};

// An OS mutex on purpose: it is the machinery that chooses the locking mode.
std::mutex g_registry_mu;
const CallbackNode* g_registry = nullptr;  // guarded by g_registry_mu

std::atomic<const ApplicationMutexCallbacks*> g_installed{nullptr};
std::atomic<long> g_unlock_failures{0};

bool same(const ApplicationMutexCallbacks& a, const ApplicationMutexCallbacks& b) {
  return a.create == b.create && a.destroy == b.destroy && a.lock == b.lock && a.unlock == b.unlock;
}

const ApplicationMutexCallbacks* registered(const ApplicationMutexCallbacks& wanted) {
  std::lock_guard lock(g_registry_mu);
  for (const CallbackNode* node = g_registry; node != nullptr; node = node->next) {
    if (same(node->callbacks, wanted)) return &node->callbacks;
  }
  auto* node = new CallbackNode{wanted, g_registry};
  g_registry = node;
  return &node->callbacks;
}

}  // namespace

void install_application_mutexes(const CK_C_INITIALIZE_ARGS& args) {
  const ApplicationMutexCallbacks wanted{args.CreateMutex, args.DestroyMutex, args.LockMutex, args.UnlockMutex};
  g_installed.store(registered(wanted), std::memory_order_release);
}

void use_os_mutexes() noexcept { g_installed.store(nullptr, std::memory_order_release); }

bool application_mutexes_installed() noexcept { return g_installed.load(std::memory_order_acquire) != nullptr; }

bool os_locking_available() noexcept {
#ifndef OPENSSL_THREADS
  return false;
#else
  return sqlite3_threadsafe() != 0;
#endif
}

long application_unlock_failures() noexcept { return g_unlock_failures.load(std::memory_order_relaxed); }

namespace mutex_detail {

void ApplicationMutex::create_if_installed() {
  const ApplicationMutexCallbacks* callbacks = g_installed.load(std::memory_order_acquire);
  if (callbacks == nullptr) return;
  void* handle = nullptr;
  const CK_RV rv = callbacks->create(&handle);
  if (rv == CKR_HOST_MEMORY) throw std::bad_alloc();
  if (rv != CKR_OK) throw MutexError("application CreateMutex failed", rv);
  handle_ = handle;
  callbacks_ = callbacks;
}

ApplicationMutex::~ApplicationMutex() {
  // A failing DestroyMutex leaves nothing for us to do: the handle is gone
  // either way.
  if (callbacks_ != nullptr) (void)callbacks_->destroy(handle_);
}

void ApplicationMutex::lock() {
  const CK_RV rv = callbacks_->lock(handle_);
  if (rv != CKR_OK) throw MutexError("application LockMutex failed", rv);
}

void ApplicationMutex::unlock() noexcept {
  // Runs in destructors (std::lock_guard), so it cannot throw; the mutex
  // state after a failed UnlockMutex is the application's to sort out.
  if (callbacks_->unlock(handle_) != CKR_OK) g_unlock_failures.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace mutex_detail

}  // namespace craton

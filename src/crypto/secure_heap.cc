// Sets up the OpenSSL secure heap once per process (see secure_heap.h).
#include "crypto/secure_heap.h"

#include <openssl/crypto.h>

#include <atomic>
#include <mutex>

#include "core/secure_memory.h"

namespace craton::crypto {
namespace {

std::atomic<SecureHeapState> g_state{SecureHeapState::kNotInitialized};

SecureHeapState set_up() {
  // Another part of the process may have set it up already (tests, or a
  // future host of craton_core): keep theirs, it is the same library copy.
  if (CRYPTO_secure_malloc_initialized() == 1) return SecureHeapState::kSetUpElsewhere;
  // 1: arena ready and protected; 2: ready, but a guard page, mlock or
  // madvise failed; 0: no arena (out of memory, or built without one).
  switch (CRYPTO_secure_malloc_init(kSecureHeapBytes, kSecureHeapMinBlock)) {
    case 1:
      return SecureHeapState::kLocked;
    case 2:
      report_secure_memory_problem(
          "the OpenSSL secure heap could not be fully protected (mlock or madvise failed; "
          "check RLIMIT_MEMLOCK); private keys are still cleansed on release, but may be written to swap");
      return SecureHeapState::kUnprotected;
    default:
      report_secure_memory_problem(
          "the OpenSSL secure heap is unavailable; private keys stay in OpenSSL's ordinary "
          "heap (cleansed on release), which is neither locked nor excluded from core dumps");
      return SecureHeapState::kUnavailable;
  }
}

}  // namespace

void init_openssl_secure_heap() {
  // CRYPTO_secure_malloc_init is not thread-safe itself: run it once.
  static std::once_flag once;
  std::call_once(once, [] { g_state.store(set_up(), std::memory_order_release); });
}

SecureHeapState openssl_secure_heap_state() { return g_state.load(std::memory_order_acquire); }

}  // namespace craton::crypto

// Secure memory: the storage behind SecureBytes (DESIGN.md §3 "Secrets").
//
// Secrets (key material, PINs, the token master key) live in pages that are
// locked in RAM (mlock: never written to swap), excluded from core dumps
// (MADV_DONTDUMP) and wiped when a block is released.
//
// Small blocks (up to kSecureMaxPooledBlock bytes) come from a pool of locked
// 64 KiB chunks with one free list per power-of-two size class, because
// small secrets are allocated on hot paths (key loading, unwrap) where a
// system call per allocation would cost more than the crypto. Larger blocks
// get a mapping of their own. Pages are never unlocked or unmapped while a
// block in them is in use.
//
// Blocks above kSecureMaxLockedBlock are bulk data, not keys (the largest key
// encoding is under 10 KiB): multi-part input being collected, which can be
// any size. They are kept out of core dumps and wiped but not locked, so
// that one large message cannot use up the RLIMIT_MEMLOCK budget that keys
// and PINs need, nor raise the warning.
//
// The module leaves its host's process-wide settings alone: no setrlimit, no
// prctl(PR_SET_DUMPABLE), no mlockall. When mlock fails (RLIMIT_MEMLOCK too
// low), memory is still excluded from core dumps and wiped, and ONE warning
// for the whole process goes to the warning sink — which by default writes
// nothing, since a library must not write to its host's stderr.
#pragma once

#include <cstddef>

namespace craton {

// Blocks up to this size come from the pool; larger ones are mapped alone.
// 16 KiB covers every private key encoding we keep (ML-DSA-87's 4896-byte
// key in PKCS#8 needs the 8 KiB class).
inline constexpr std::size_t kSecureMaxPooledBlock = 16 * 1024;
// Requests up to this size are locked in RAM; larger ones are not (above).
inline constexpr std::size_t kSecureMaxLockedBlock = 64 * 1024;

// Returns `n` bytes of zeroed secure memory, aligned for any type
// (alignof(std::max_align_t)). Throws std::bad_alloc when the system has no
// memory, like operator new. `n == 0` is allowed.
void* secure_allocate(std::size_t n);
// Wipes and releases a block from secure_allocate; `n` must be the size it
// was allocated with. nullptr is ignored.
void secure_deallocate(void* p, std::size_t n) noexcept;

// True while every secure-memory mapping made so far in this process that
// should be locked was locked; false once any mlock failed (memory is then still kept out of
// core dumps and wiped, but may be swapped).
bool secure_memory_locked() noexcept;

// Where the one warning goes. The default sink is null: nothing is written.
// A warning raised before a sink is set is held and delivered when one is.
// The message has no program-name prefix (the sink adds its own). The sink
// runs on whichever thread hit the problem, inside a secure allocation (but
// outside the pool's lock): it should be quick and must not wait for a lock
// that the allocating caller might hold.
using SecureMemoryWarningSink = void (*)(const char* message);
void set_secure_memory_warning_sink(SecureMemoryWarningSink sink) noexcept;

// Reports that some secret memory could not be fully protected. Only the
// first report of the process reaches the sink; later ones are dropped.
// Used by the pool and by crypto::init_openssl_secure_heap().
void report_secure_memory_problem(const char* message) noexcept;

// Test hooks: inspection of the pool's internals and a seam for mlock
// failures. Not for production use.
namespace secure_memory_testing {

// The size of the pool block that serves an `n`-byte request, or 0 when the
// request is served by a mapping of its own.
std::size_t block_size_for(std::size_t n) noexcept;
// True when the block at `p` (released with secure_deallocate(p, n)) is on
// its free list and all its bytes but the free-list link are zero. Reads
// the pool's own raw storage under the pool lock.
bool freed_block_is_wiped(const void* p, std::size_t n) noexcept;

struct PoolStats {
  std::size_t chunks = 0;          // pool chunks mapped
  std::size_t large_mappings = 0;  // live blocks mapped on their own
  std::size_t live_blocks = 0;     // blocks handed out and not yet released
};
PoolStats pool_stats() noexcept;

// Replaces mlock (nullptr restores it), to simulate a low RLIMIT_MEMLOCK.
using LockFunction = int (*)(const void* addr, std::size_t len);
void set_lock_function(LockFunction fn) noexcept;
// Forgets that a warning was raised and that locking failed, so a test in a
// forked child can watch the single warning happen.
void reset_problem_state() noexcept;

}  // namespace secure_memory_testing
}  // namespace craton

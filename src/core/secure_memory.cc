// Secure memory pool: locked, non-dumpable, wiped-on-free storage for secrets.
//
// Layout. The pool maps 64 KiB chunks; each is mlock'ed and MADV_DONTDUMP'd
// once, when mapped. Blocks are carved from the current chunk with a bump
// pointer in power-of-two sizes (16 B .. 16 KiB) and, once released, kept on
// one free list per size; they are never returned to the system while the
// pool is in use, so a page is never unlocked under a live block. When a
// chunk runs out, its tail is cut into power-of-two blocks for the free
// lists (nothing is wasted) and a new chunk is mapped. Requests above 16 KiB
// get a mapping of their own, unmapped when released; above 64 KiB it is not
// locked (bulk data: see secure_memory.h). At unload (dlclose) or exit the
// chunks are unmapped if no block is in use; otherwise they stay.
//
// Wiping. A released block is cleansed outside the lock before it goes back
// on a free list, with explicit_bzero (glibc's memset that the optimiser may
// not remove; OPENSSL_cleanse's 8-bytes-a-step loop made a 4 KiB
// allocate+release three times slower). The 8-byte free-list link written
// into a free block is cleared when the block is handed out again, so every
// block starts zeroed.
//
// Locking. One mutex guards the free lists: allocate+release of a small
// block costs about 20 ns uncontended, 45 ns with four threads on two cores
// (DISABLED_MeasureAllocationCost). It is held across fork() so that a
// child never inherits it locked. (A child's copies of the pages are not
// locked: mlock is not inherited.)
//
// AddressSanitizer. A pool would hide overflows and use-after-free from
// ASan, so in ASan builds each block gets a 16-byte redzone, free blocks and
// unused tails are poisoned, and a double release is reported.
#include "core/secure_memory.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define CRATON_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CRATON_ASAN 1
#endif
#endif
#ifdef CRATON_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace craton {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr std::size_t kMinBlock = 16;  // smallest size class; also the alignment
constexpr std::size_t kClassCount = 11;
constexpr std::size_t kChunkHeader = kMinBlock;  // the chunk list link, kept aligned
static_assert(kMinBlock >= alignof(std::max_align_t));
static_assert((kMinBlock << (kClassCount - 1)) == kSecureMaxPooledBlock);
static_assert(kSecureMaxPooledBlock <= kChunkBytes - kChunkHeader);

#ifdef CRATON_ASAN
constexpr std::size_t kRedzone = 16;  // poisoned bytes after every block
void poison(const void* p, std::size_t n) { ASAN_POISON_MEMORY_REGION(p, n); }
void unpoison(const void* p, std::size_t n) { ASAN_UNPOISON_MEMORY_REGION(p, n); }
#else
constexpr std::size_t kRedzone = 0;
void poison(const void*, std::size_t) {}
void unpoison(const void*, std::size_t) {}
#endif

// ---- The single warning --------------------------------------------------------

// none -> writing (one reporter fills the message) -> pending -> delivered.
// Lock-free so that a report is safe from any thread, inside a fork child,
// and from a sink that itself allocates secure memory.
enum WarningState : int { kNone, kWriting, kPending, kDelivered };
std::atomic<int> g_warning_state{kNone};
std::atomic<SecureMemoryWarningSink> g_sink{nullptr};
char g_warning[384];

void try_deliver_warning() noexcept {
  SecureMemoryWarningSink sink = g_sink.load(std::memory_order_acquire);
  if (sink == nullptr) return;
  int expected = kPending;
  if (g_warning_state.compare_exchange_strong(expected, kDelivered, std::memory_order_acq_rel)) sink(g_warning);
}

// "ENOMEM" reads better in a log than strerror's sentence, and is thread-safe.
void describe_errno(int err, char* out, std::size_t size) {
  const char* name = err == EPERM ? "EPERM" : err == ENOMEM ? "ENOMEM" : err == EAGAIN ? "EAGAIN" : nullptr;
  if (name != nullptr) {
    std::snprintf(out, size, "%s", name);
  } else {
    std::snprintf(out, size, "errno %d", err);
  }
}

// mlock failed: say why in terms an operator can act on.
void report_lock_failure(int err) noexcept {
  if (g_warning_state.load(std::memory_order_relaxed) != kNone) return;  // cheap early out
  char limit[48] = "unknown";
  rlimit rl{};
  if (::getrlimit(RLIMIT_MEMLOCK, &rl) == 0) {
    if (rl.rlim_cur == RLIM_INFINITY) {
      std::snprintf(limit, sizeof limit, "unlimited");
    } else {
      std::snprintf(limit, sizeof limit, "%llu bytes", static_cast<unsigned long long>(rl.rlim_cur));
    }
  }
  char error[24];
  describe_errno(err, error, sizeof error);
  char message[sizeof g_warning];
  std::snprintf(message, sizeof message,
                "cannot lock secret memory in RAM (mlock: %s, RLIMIT_MEMLOCK %s); secrets are "
                "still kept out of core dumps and wiped on release, but may be written to swap",
                error, limit);
  report_secure_memory_problem(message);
}

// ---- Mapping and protecting pages ----------------------------------------------

std::atomic<secure_memory_testing::LockFunction> g_lock_fn{nullptr};
std::atomic<bool> g_lock_failed{false};

// The sanitizers' runtimes replace mlock() with a no-op that reports
// success; the system call itself locks in every build.
int lock_pages(const void* p, std::size_t len) noexcept { return static_cast<int>(::syscall(SYS_mlock, p, len)); }

// Hides [p, p+len) from core dumps and, if `lock`, locks it; returns the
// mlock errno, or 0.
int protect(void* p, std::size_t len, bool lock) noexcept {
  int lock_error = 0;
  const secure_memory_testing::LockFunction fn = g_lock_fn.load(std::memory_order_acquire);
  if (lock && (fn != nullptr ? fn(p, len) : lock_pages(p, len)) != 0) {
    lock_error = errno != 0 ? errno : ENOMEM;
    g_lock_failed.store(true, std::memory_order_relaxed);
  }
  // Kernels older than 3.4 lack MADV_DONTDUMP; nothing else can fail here.
  (void)::madvise(p, len, MADV_DONTDUMP);
  return lock_error;
}

void* map_pages(std::size_t len) {
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

void unmap_pages(void* p, std::size_t len) noexcept {
  unpoison(p, len);  // a later mapping at this address must not inherit poison
  (void)::munmap(p, len);  // also unlocks
}

std::size_t page_size() noexcept {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// ---- Size classes --------------------------------------------------------------

// Bytes a request occupies: at least one (so a block always has an
// address of its own) plus the ASan redzone.
std::size_t footprint(std::size_t n) {
  if (n > std::numeric_limits<std::size_t>::max() / 2) throw std::bad_alloc();
  return (n == 0 ? 1 : n) + kRedzone;
}

std::size_t class_of(std::size_t footprint) noexcept {
  if (footprint <= kMinBlock) return 0;
  return static_cast<std::size_t>(std::bit_width(footprint - 1) - std::bit_width(kMinBlock - 1));
}
constexpr std::size_t class_bytes(std::size_t cls) noexcept { return kMinBlock << cls; }

std::size_t large_mapping_bytes(std::size_t footprint) noexcept {
  const std::size_t page = page_size();
  return (footprint + page - 1) / page * page;
}

// ---- The pool ------------------------------------------------------------------

struct FreeBlock {
  FreeBlock* next;
};

class Pool {
 public:
  constexpr Pool() = default;

  // A zeroed block of class `cls`; sets `lock_error` when a new chunk could
  // not be locked.
  std::byte* take(std::size_t cls, int& lock_error) {
    // Before the lock is first taken: a fork() while another thread holds it
    // must already find the handlers that release it in the child.
    register_fork_handlers();
    std::lock_guard<std::mutex> lock(mu_);
    std::byte* block = pop(cls);
    if (block == nullptr) block = carve(cls, lock_error);
    ++live_;
    return block;
  }

  // Returns a block that the caller has already wiped.
  void give(std::byte* block, std::size_t cls) noexcept {
    std::lock_guard<std::mutex> lock(mu_);
    unpoison(block, class_bytes(cls));
    push(block, cls);
    --live_;
  }

  bool is_wiped_free_block(const std::byte* block, std::size_t cls) noexcept {
    std::lock_guard<std::mutex> lock(mu_);
    bool listed = false;
    for (FreeBlock* b = free_[cls]; b != nullptr && !listed; b = next_of(b)) {
      listed = reinterpret_cast<const std::byte*>(b) == block;
    }
    if (!listed) return false;
    unpoison(block, class_bytes(cls));
    bool zero = true;
    for (std::size_t i = sizeof(FreeBlock); i < class_bytes(cls); ++i) zero = zero && block[i] == std::byte{0};
    poison(block, class_bytes(cls));
    return zero;
  }

  void stats(secure_memory_testing::PoolStats& out) noexcept {
    std::lock_guard<std::mutex> lock(mu_);
    out.chunks = chunk_count_;
    out.live_blocks += live_;
  }

  // At unload (dlclose) or exit: give the chunks back, but only when no
  // block is in use — a live block's page must stay mapped and locked.
  void release_if_unused() noexcept {
    std::lock_guard<std::mutex> lock(mu_);
    if (live_ != 0) return;
    while (chunks_ != nullptr) {
      std::byte* next = *reinterpret_cast<std::byte**>(chunks_);
      unmap_pages(chunks_, kChunkBytes);
      chunks_ = next;
    }
    for (FreeBlock*& head : free_) head = nullptr;
    bump_ = bump_end_ = nullptr;
    chunk_count_ = 0;
  }

  // fork(): the child must not inherit the mutex held by another thread.
  void lock_for_fork() noexcept { mu_.lock(); }
  void unlock_after_fork() noexcept { mu_.unlock(); }

 private:
  static FreeBlock* next_of(FreeBlock* b) noexcept {
    unpoison(b, sizeof(FreeBlock));
    FreeBlock* next = b->next;
    poison(b, sizeof(FreeBlock));
    return next;
  }

  std::byte* pop(std::size_t cls) noexcept {
    FreeBlock* b = free_[cls];
    if (b == nullptr) return nullptr;
    unpoison(b, sizeof(FreeBlock));
    free_[cls] = b->next;
    b->next = nullptr;  // the block is handed out all zero
    return reinterpret_cast<std::byte*>(b);
  }

  // Links a block (its link word addressable) and poisons it.
  void push(std::byte* block, std::size_t cls) noexcept {
    unpoison(block, sizeof(FreeBlock));
    FreeBlock* b = reinterpret_cast<FreeBlock*>(block);
    b->next = free_[cls];
    free_[cls] = b;
    poison(block, class_bytes(cls));
  }

  std::byte* carve(std::size_t cls, int& lock_error) {
    const std::size_t size = class_bytes(cls);
    if (static_cast<std::size_t>(bump_end_ - bump_) < size) new_chunk(lock_error);
    std::byte* block = bump_;
    bump_ += size;
    return block;
  }

  void new_chunk(int& lock_error) {
    std::byte* chunk = static_cast<std::byte*>(map_pages(kChunkBytes));
    lock_error = protect(chunk, kChunkBytes, true);
    retire_tail();
    *reinterpret_cast<std::byte**>(chunk) = chunks_;
    chunks_ = chunk;
    ++chunk_count_;
    bump_ = chunk + kChunkHeader;
    bump_end_ = chunk + kChunkBytes;
    poison(bump_, kChunkBytes - kChunkHeader);
  }

  // The unused end of the current chunk goes to the free lists as the
  // largest power-of-two blocks that fit (every length is a multiple of 16).
  void retire_tail() noexcept {
    for (std::size_t cls = kClassCount; cls-- > 0;) {
      while (static_cast<std::size_t>(bump_end_ - bump_) >= class_bytes(cls)) {
        push(bump_, cls);
        bump_ += class_bytes(cls);
      }
    }
  }

  static void register_fork_handlers();

  std::mutex mu_;
  FreeBlock* free_[kClassCount] = {};
  std::byte* bump_ = nullptr;
  std::byte* bump_end_ = nullptr;
  std::byte* chunks_ = nullptr;  // list linked through each chunk's first word
  std::size_t chunk_count_ = 0;
  std::size_t live_ = 0;
};

// Never destroyed: blocks may be released by other static destructors
// after ours has run. PoolReaper returns the chunks instead when it can.
union PoolStorage {
  Pool pool;
  constexpr PoolStorage() : pool() {}
  ~PoolStorage() {}
};
constinit PoolStorage g_storage;
Pool& pool() noexcept { return g_storage.pool; }

struct PoolReaper {
  ~PoolReaper() { pool().release_if_unused(); }
};
PoolReaper g_reaper;

std::atomic<std::size_t> g_large_live{0};

void Pool::register_fork_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)::pthread_atfork([] { pool().lock_for_fork(); }, [] { pool().unlock_after_fork(); },
                           [] { pool().unlock_after_fork(); });
  });
}

// ---- Large blocks --------------------------------------------------------------

std::byte* map_large(std::size_t n, std::size_t footprint, int& lock_error) {
  const std::size_t len = large_mapping_bytes(footprint);
  std::byte* p = static_cast<std::byte*>(map_pages(len));
  lock_error = protect(p, len, n <= kSecureMaxLockedBlock);
  g_large_live.fetch_add(1, std::memory_order_relaxed);
  return p;
}

void unmap_large(std::byte* p, std::size_t footprint) noexcept {
  unmap_pages(p, large_mapping_bytes(footprint));
  g_large_live.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace

void* secure_allocate(std::size_t n) {
  const std::size_t fp = footprint(n);
  int lock_error = 0;
  std::byte* p;
  std::size_t reserved;
  if (fp > kSecureMaxPooledBlock) {
    p = map_large(n, fp, lock_error);
    reserved = large_mapping_bytes(fp);
  } else {
    p = pool().take(class_of(fp), lock_error);
    reserved = class_bytes(class_of(fp));
  }
  if (lock_error != 0) report_lock_failure(lock_error);  // outside the pool lock: the sink may allocate
  poison(p, reserved);
  unpoison(p, n);
  return p;
}

void secure_deallocate(void* ptr, std::size_t n) noexcept {
  if (ptr == nullptr) return;
  std::byte* p = static_cast<std::byte*>(ptr);
#ifdef CRATON_ASAN
  // A released block is poisoned: touching it here makes ASan report a
  // double release (or a wrong size) with both stacks.
  if (n != 0) (void)*static_cast<volatile const std::byte*>(p);
#endif
  ::explicit_bzero(p, n);
  const std::size_t fp = footprint(n);
  if (fp > kSecureMaxPooledBlock) {
    unmap_large(p, fp);
  } else {
    pool().give(p, class_of(fp));
  }
}

bool secure_memory_locked() noexcept { return !g_lock_failed.load(std::memory_order_relaxed); }

void set_secure_memory_warning_sink(SecureMemoryWarningSink sink) noexcept {
  g_sink.store(sink, std::memory_order_release);
  try_deliver_warning();
}

void report_secure_memory_problem(const char* message) noexcept {
  int expected = kNone;
  if (!g_warning_state.compare_exchange_strong(expected, kWriting, std::memory_order_acq_rel)) return;
  std::snprintf(g_warning, sizeof g_warning, "%s", message != nullptr ? message : "secure memory degraded");
  g_warning_state.store(kPending, std::memory_order_release);
  try_deliver_warning();
}

namespace secure_memory_testing {

std::size_t block_size_for(std::size_t n) noexcept {
  if (n > std::numeric_limits<std::size_t>::max() / 2) return 0;
  const std::size_t fp = footprint(n);
  return fp > kSecureMaxPooledBlock ? 0 : class_bytes(class_of(fp));
}

bool freed_block_is_wiped(const void* p, std::size_t n) noexcept {
  if (p == nullptr || block_size_for(n) == 0) return false;
  return pool().is_wiped_free_block(static_cast<const std::byte*>(p), class_of(footprint(n)));
}

PoolStats pool_stats() noexcept {
  PoolStats out;
  out.large_mappings = g_large_live.load(std::memory_order_relaxed);
  out.live_blocks = out.large_mappings;
  pool().stats(out);
  return out;
}

void set_lock_function(LockFunction fn) noexcept { g_lock_fn.store(fn, std::memory_order_release); }

void reset_problem_state() noexcept {
  g_lock_failed.store(false, std::memory_order_relaxed);
  g_warning_state.store(kNone, std::memory_order_release);
}

}  // namespace secure_memory_testing
}  // namespace craton

#include "core/secure_memory.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/bytes.h"

namespace craton {
namespace {

using secure_memory_testing::block_size_for;
using secure_memory_testing::freed_block_is_wiped;
using secure_memory_testing::pool_stats;

bool all_zero(const void* p, std::size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    if (b[i] != 0) return false;
  }
  return true;
}

// ---- /proc/self/smaps --------------------------------------------------------

struct Mapping {
  std::size_t locked_kb = 0;
  std::string vm_flags;
  bool has_flag(const std::string& flag) const {
    std::istringstream in(vm_flags);
    for (std::string f; in >> f;) {
      if (f == flag) return true;
    }
    return false;
  }
};

// The smaps entry of the mapping that contains `p`.
std::optional<Mapping> mapping_of(const void* p) {
  const auto addr = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::optional<Mapping> found;
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    std::istringstream in(line);
    std::string first;
    in >> first;
    if (!first.empty() && first.back() != ':') {  // "start-end perms offset dev inode path"
      if (found) break;
      const std::size_t dash = first.find('-');
      const auto start = std::stoull(first.substr(0, dash), nullptr, 16);
      const auto end = std::stoull(first.substr(dash + 1), nullptr, 16);
      inside = addr >= start && addr < end;
      if (inside) found.emplace();
    } else if (inside && first == "Locked:") {
      in >> found->locked_kb;
    } else if (inside && first == "VmFlags:") {
      std::getline(in, found->vm_flags);
    }
  }
  return found;
}

// ---- Whether this process may lock memory --------------------------------------

bool has_cap_ipc_lock() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("CapEff:", 0) == 0) {
      const auto caps = std::stoull(line.substr(7), nullptr, 16);
      return (caps >> CAP_IPC_LOCK) & 1;
    }
  }
  return false;
}

std::size_t locked_bytes_now() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmLck:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Empty when locking `bytes` more should succeed, else why not.
std::string why_cannot_lock(std::size_t bytes) {
  if (has_cap_ipc_lock()) return "";
  rlimit rl{};
  if (::getrlimit(RLIMIT_MEMLOCK, &rl) != 0) return "getrlimit failed";
  if (rl.rlim_cur == RLIM_INFINITY || locked_bytes_now() + bytes <= rl.rlim_cur) return "";
  return "RLIMIT_MEMLOCK (" + std::to_string(rl.rlim_cur) + " bytes) leaves no room to lock " +
         std::to_string(bytes) + " more bytes";
}

// ---- Forked children -------------------------------------------------------------

constexpr int kChildSkipped = 77;

// Runs `body` in a child process and returns its exit code (the body's
// return value). The child never returns into GoogleTest.
template <class Body>
int in_child(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::atomic<int> g_warnings{0};
char g_last_warning[512];
void counting_sink(const char* message) {
  g_warnings.fetch_add(1);
  std::snprintf(g_last_warning, sizeof g_last_warning, "%s", message);
}

int failing_mlock(const void*, std::size_t) {
  errno = ENOMEM;
  return -1;
}

// Allocations that each need new locked pages: large blocks (a mapping
// each) and enough 4 KiB blocks to exhaust the current chunk.
bool allocate_new_pages() {
  bool ok = true;
  for (int i = 0; i < 3; ++i) {
    SecureBytes big(kSecureMaxLockedBlock / 2, 0x5A);
    ok = ok && big.back() == 0x5A;
  }
  std::vector<SecureBytes> blocks;
  for (int i = 0; i < 40; ++i) blocks.emplace_back(4000, static_cast<std::uint8_t>(i));
  for (int i = 0; i < 40; ++i) ok = ok && blocks[i][3999] == static_cast<std::uint8_t>(i);
  return ok;
}

// ---- Tests ---------------------------------------------------------------------

TEST(SecureMemoryTest, SizeClassesArePowersOfTwo) {
  for (std::size_t n : {0, 1, 15, 16, 17, 32, 33, 100, 4096, 5000}) {
    const std::size_t block = block_size_for(n);
    EXPECT_GE(block, n) << n;
    EXPECT_GE(block, 16u) << n;
    EXPECT_EQ(block & (block - 1), 0u) << n;
  }
  EXPECT_LE(block_size_for(32), 64u);  // a 256-bit key wastes at most the ASan redzone
  EXPECT_EQ(block_size_for(kSecureMaxPooledBlock + 1), 0u);  // mapped on its own
  EXPECT_EQ(block_size_for(SIZE_MAX), 0u);
}

TEST(SecureMemoryTest, BlocksAreZeroedAlignedAndDistinct) {
  std::vector<std::pair<void*, std::size_t>> blocks;
  for (std::size_t n : {0, 1, 7, 16, 31, 32, 48, 64, 255, 1024, 4096, 16000, 20000, 100000}) {
    void* p = secure_allocate(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t), 0u) << n;
    EXPECT_TRUE(all_zero(p, n)) << n;
    std::memset(p, 0xC3, n);
    for (const auto& [q, m] : blocks) EXPECT_NE(p, q);
    blocks.emplace_back(p, n);
  }
  for (const auto& [p, n] : blocks) secure_deallocate(p, n);
  secure_deallocate(nullptr, 10);  // ignored
  // A reused block comes back zeroed, link word included.
  for (std::size_t n : {8, 32, 4096}) {
    void* p = secure_allocate(n);
    EXPECT_TRUE(all_zero(p, n)) << n;
    secure_deallocate(p, n);
  }
}

TEST(SecureMemoryTest, ReleasedBlocksAreWiped) {
  constexpr std::size_t kSizes[] = {1, 16, 32, 100, 4096, kSecureMaxPooledBlock - 64};
  for (std::size_t n : kSizes) {
    void* p = secure_allocate(n);
    std::memset(p, 0xAA, n);
    secure_deallocate(p, n);
    EXPECT_TRUE(freed_block_is_wiped(p, n)) << n;
  }
  // Through SecureBytes: release, and reallocation when it grows.
  const void* first;
  {
    SecureBytes key(32, 0x11);
    first = key.data();
    key.resize(200, 0x22);  // moves to a bigger block; the old one is wiped
    EXPECT_TRUE(freed_block_is_wiped(first, 32));
    first = key.data();
  }
  EXPECT_TRUE(freed_block_is_wiped(first, 200));
  // A block in use is not reported as freed.
  SecureBytes live(32, 0x33);
  EXPECT_FALSE(freed_block_is_wiped(live.data(), 32));
}

TEST(SecureMemoryTest, PagesAreLockedAndExcludedFromCoreDumps) {
  SecureBytes small(32, 1);                       // pool chunk
  SecureBytes large(kSecureMaxLockedBlock, 2);    // mapping of its own, locked
  SecureBytes bulk(kSecureMaxLockedBlock + 1, 3);  // mapping of its own, not locked
  const void* blocks[] = {small.data(), large.data(), bulk.data()};
  for (const void* p : blocks) {
    const auto mapping = mapping_of(p);
    ASSERT_TRUE(mapping.has_value());
    EXPECT_TRUE(mapping->has_flag("dd")) << "VmFlags:" << mapping->vm_flags;  // MADV_DONTDUMP
  }
  const std::string reason = why_cannot_lock(0);
  if (!reason.empty() || !secure_memory_locked()) {
    GTEST_SKIP() << "memory locking not possible here: " << (reason.empty() ? "mlock failed" : reason);
  }
  for (const void* p : {blocks[0], blocks[1]}) {
    const auto mapping = mapping_of(p);
    ASSERT_TRUE(mapping.has_value());
    EXPECT_TRUE(mapping->has_flag("lo")) << "VmFlags:" << mapping->vm_flags;  // VM_LOCKED
    EXPECT_GT(mapping->locked_kb, 0u);
  }
  EXPECT_GE(mapping_of(large.data())->locked_kb, kSecureMaxLockedBlock / 1024);
  EXPECT_FALSE(mapping_of(bulk.data())->has_flag("lo"));
  EXPECT_TRUE(secure_memory_locked());  // bulk data does not count as a failure
}

TEST(SecureMemoryTest, LargeBlocksGetMappingsOfTheirOwn) {
  const auto before = pool_stats();
  {
    SecureBytes big(1024 * 1024);
    for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<std::uint8_t>(i);
    EXPECT_EQ(pool_stats().large_mappings, before.large_mappings + 1);
    EXPECT_EQ(big[4096], static_cast<std::uint8_t>(4096));
    // Growing past the block copies into a new mapping and drops the old.
    big.resize(big.size() * 2);
    EXPECT_EQ(pool_stats().large_mappings, before.large_mappings + 1);
  }
  EXPECT_EQ(pool_stats().large_mappings, before.large_mappings);
  EXPECT_EQ(pool_stats().live_blocks, before.live_blocks);
}

TEST(SecureMemoryTest, PoolGrowsByChunks) {
  const auto before = pool_stats();
  std::vector<SecureBytes> keys;
  for (int i = 0; i < 5000; ++i) keys.emplace_back(32, static_cast<std::uint8_t>(i));  // > one 64 KiB chunk
  EXPECT_GT(pool_stats().chunks, before.chunks);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(keys[i][31], static_cast<std::uint8_t>(i));
  keys.clear();
  EXPECT_EQ(pool_stats().live_blocks, before.live_blocks);
}

TEST(SecureMemoryTest, ConcurrentAllocationAndRelease) {
  const auto before = pool_stats();
  constexpr int kThreads = 8;
  std::atomic<int> corrupted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &corrupted] {
      std::vector<SecureBytes> held;
      std::uint32_t rng = 12345u + static_cast<std::uint32_t>(t);
      for (int i = 0; i < 5000; ++i) {
        rng = rng * 1664525u + 1013904223u;
        const std::size_t size = (rng >> 8) % (i % 499 == 0 ? 40000 : 600);
        held.emplace_back(size, static_cast<std::uint8_t>(t));
        if (held.size() > 16) {
          const SecureBytes& victim = held[(rng >> 4) % held.size()];
          for (std::uint8_t b : victim) {
            if (b != static_cast<std::uint8_t>(t)) corrupted.fetch_add(1);
          }
          held.erase(held.begin() + static_cast<std::ptrdiff_t>((rng >> 4) % held.size()));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(corrupted.load(), 0);
  EXPECT_EQ(pool_stats().live_blocks, before.live_blocks);
}

// mlock failures (through the seam) keep allocation working and raise one
// warning, held until a sink is set. In a child: the warning is once per process.
TEST(SecureMemoryTest, LockFailureDegradesWithOneWarning) {
  const int code = in_child([] {
    secure_memory_testing::reset_problem_state();
    secure_memory_testing::set_lock_function(failing_mlock);
    set_secure_memory_warning_sink(nullptr);
    if (!allocate_new_pages()) return 1;
    if (secure_memory_locked()) return 2;
    set_secure_memory_warning_sink(counting_sink);  // the held warning arrives now
    if (g_warnings.load() != 1) return 3;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) threads.emplace_back([] { (void)allocate_new_pages(); });
    for (auto& thread : threads) thread.join();
    if (!allocate_new_pages()) return 4;
    if (g_warnings.load() != 1) return 5;
    if (std::strstr(g_last_warning, "mlock: ENOMEM") == nullptr) return 6;
    if (std::strstr(g_last_warning, "RLIMIT_MEMLOCK") == nullptr) return 7;
    return 0;
  });
  EXPECT_EQ(code, 0);
}

// A real low RLIMIT_MEMLOCK, set in a child (never in the test process). Root
// ignores the limit, so the child also drops CAP_IPC_LOCK. Nothing may reach
// stderr with the default sink.
TEST(SecureMemoryTest, LowMemlockLimitDegradesSilentlyByDefault) {
  char path[] = "/tmp/craton-secure-memory-XXXXXX";
  const int log_fd = ::mkstemp(path);
  ASSERT_GE(log_fd, 0);
  ::unlink(path);
  const int code = in_child([log_fd] {
    secure_memory_testing::reset_problem_state();
    set_secure_memory_warning_sink(nullptr);
    const rlimit none{0, 0};
    if (::setrlimit(RLIMIT_MEMLOCK, &none) != 0) return kChildSkipped;
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct caps[2] = {};
    if (::syscall(SYS_capget, &header, caps) != 0) return kChildSkipped;
    caps[0].effective &= ~(1u << CAP_IPC_LOCK);
    if (::syscall(SYS_capset, &header, caps) != 0) return kChildSkipped;
    ::dup2(log_fd, STDERR_FILENO);
    if (!allocate_new_pages()) return 1;
    if (secure_memory_locked()) return 2;
    set_secure_memory_warning_sink(counting_sink);
    if (g_warnings.load() != 1 || !allocate_new_pages() || g_warnings.load() != 1) return 3;
    if (std::strstr(g_last_warning, "RLIMIT_MEMLOCK 0 bytes") == nullptr) return 4;
    return 0;
  });
  struct stat st{};
  ASSERT_EQ(::fstat(log_fd, &st), 0);
  ::close(log_fd);
  if (code == kChildSkipped) GTEST_SKIP() << "cannot lower RLIMIT_MEMLOCK or drop CAP_IPC_LOCK here";
  EXPECT_EQ(code, 0);
  EXPECT_EQ(st.st_size, 0) << "the module wrote to stderr";
}

// The pool lock is held across fork(): a child forked while other threads
// allocate can still allocate.
TEST(SecureMemoryTest, ChildOfBusyProcessCanAllocate) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&stop] {
      while (!stop.load()) SecureBytes scratch(48, 1);
    });
  }
  for (int i = 0; i < 5; ++i) {
    const int code = in_child([] {
      std::vector<SecureBytes> keys(100, SecureBytes(32, 7));
      return keys[99][31] == 7 ? 0 : 1;
    });
    EXPECT_EQ(code, 0);
  }
  stop = true;
  for (auto& thread : threads) thread.join();
}

#if defined(__SANITIZE_ADDRESS__)
TEST(SecureMemoryDeathTest, AsanSeesOverflowAndDoubleRelease) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto* p = static_cast<volatile std::uint8_t*>(secure_allocate(32));
        p[32] = 1;
      },
      "AddressSanitizer");
  EXPECT_DEATH(
      {
        void* p = secure_allocate(32);
        secure_deallocate(p, 32);
        secure_deallocate(p, 32);
      },
      "AddressSanitizer");
}
#endif

// Cost of a 32-byte and a 4 KiB allocation + release against std::vector.
// Run with --gtest_also_run_disabled_tests; prints, never fails on speed.
// Only an optimised build gives meaningful numbers: at -O0 a vector with a
// custom allocator constructs and destroys its bytes one call at a time.
template <class Vector>
double ns_per_cycle(std::size_t size, int rounds) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) {
    Vector v(size);
    v[0] = static_cast<std::uint8_t>(i);
    asm volatile("" : : "r"(v.data()) : "memory");
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  return std::chrono::duration<double, std::nano>(elapsed).count() / rounds;
}

template <class Vector>
double ns_per_cycle_in_threads(std::size_t size, int rounds, int thread_count) {
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([=] { (void)ns_per_cycle<Vector>(size, rounds / thread_count); });
  }
  for (auto& thread : threads) thread.join();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  return std::chrono::duration<double, std::nano>(elapsed).count() / rounds;
}

TEST(SecureMemoryTest, DISABLED_MeasureAllocationCost) {
  for (std::size_t size : {std::size_t{32}, std::size_t{4096}}) {
    const int rounds = size <= 64 ? 400'000 : 40'000;
    (void)ns_per_cycle<SecureBytes>(size, 1000);  // warm up
    std::printf("size %4zu: SecureBytes %7.1f ns, std::vector %7.1f ns per allocate+release; "
                "4 threads: %7.1f ns vs %7.1f ns (wall time / total count)\n",
                size, ns_per_cycle<SecureBytes>(size, rounds), ns_per_cycle<Bytes>(size, rounds),
                ns_per_cycle_in_threads<SecureBytes>(size, rounds, 4), ns_per_cycle_in_threads<Bytes>(size, rounds, 4));
  }
}

}  // namespace
}  // namespace craton

#include "crypto/secure_heap.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/bytes.h"
#include "core/secure_memory.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::unique_ptr<Provider> make_provider() {
  auto provider = Provider::create();
  EXPECT_TRUE(provider.ok()) << provider.status().message();
  return std::move(provider).value();
}

// The VmFlags of the mapping that contains `p` (/proc/self/smaps).
std::string vm_flags_of(const void* p) {
  const auto addr = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    std::istringstream in(line);
    std::string first;
    in >> first;
    if (!first.empty() && first.back() != ':') {
      const std::size_t dash = first.find('-');
      inside = addr >= std::stoull(first.substr(0, dash), nullptr, 16) &&
               addr < std::stoull(first.substr(dash + 1), nullptr, 16);
    } else if (inside && first == "VmFlags:") {
      std::string flags;
      std::getline(in, flags);
      return flags + " ";
    }
  }
  return "";
}

TEST(SecureHeapTest, InitIsIdempotentAndThreadSafe) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(init_openssl_secure_heap);
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(CRYPTO_secure_malloc_initialized(), 1);
  const SecureHeapState state = openssl_secure_heap_state();
  EXPECT_NE(state, SecureHeapState::kNotInitialized);
  EXPECT_NE(state, SecureHeapState::kUnavailable);
  init_openssl_secure_heap();
  EXPECT_EQ(openssl_secure_heap_state(), state);
}

TEST(SecureHeapTest, ArenaIsExcludedFromCoreDumpsAndLocked) {
  init_openssl_secure_heap();
  void* p = OPENSSL_secure_malloc(64);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(CRYPTO_secure_allocated(p), 1);
  const std::string flags = vm_flags_of(p);
  EXPECT_NE(flags.find(" dd "), std::string::npos) << flags;
  if (openssl_secure_heap_state() == SecureHeapState::kLocked) {
    EXPECT_NE(flags.find(" lo "), std::string::npos) << flags;
  }
  OPENSSL_secure_clear_free(p, 64);
}

// The secure heap holds the private part of a key for as long as the key lives.
void expect_private_key_in_secure_heap(const char* what, PkeyPtr (*make)(OSSL_LIB_CTX*)) {
  init_openssl_secure_heap();
  auto provider = make_provider();
  const std::size_t before = CRYPTO_secure_used();
  PkeyPtr key = make(provider->libctx());
  ASSERT_TRUE(key) << what;
  const std::size_t with_key = CRYPTO_secure_used();
  EXPECT_GT(with_key, before) << what;
  key.reset();
  EXPECT_LT(CRYPTO_secure_used(), with_key) << what;
}

TEST(SecureHeapTest, GeneratedEcKeyUsesTheSecureHeap) {
  expect_private_key_in_secure_heap("EC P-256", [](OSSL_LIB_CTX* ctx) {
    return PkeyPtr(EVP_PKEY_Q_keygen(ctx, nullptr, "EC", "P-256"));
  });
}

TEST(SecureHeapTest, GeneratedRsaKeyUsesTheSecureHeap) {
  expect_private_key_in_secure_heap("RSA-2048", [](OSSL_LIB_CTX* ctx) {
    return PkeyPtr(EVP_PKEY_Q_keygen(ctx, nullptr, "RSA", static_cast<std::size_t>(2048)));
  });
}

TEST(SecureHeapTest, GeneratedX25519KeyUsesTheSecureHeap) {
  expect_private_key_in_secure_heap("X25519", [](OSSL_LIB_CTX* ctx) {
    return PkeyPtr(EVP_PKEY_Q_keygen(ctx, nullptr, "X25519"));
  });
}

// Keys are loaded from attributes with EVP_PKEY_fromdata: an EC scalar
// imported that way also lands in the secure heap.
TEST(SecureHeapTest, ImportedEcKeyUsesTheSecureHeap) {
  expect_private_key_in_secure_heap("imported EC P-256", [](OSSL_LIB_CTX* ctx) {
    std::uint8_t scalar[32] = {};
    scalar[31] = 7;  // any value in [1, n-1]
    char group[] = "P-256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, scalar, sizeof scalar),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(ctx, "EC", nullptr);
    EVP_PKEY* raw = nullptr;
    if (pctx == nullptr || EVP_PKEY_fromdata_init(pctx) != 1 ||
        EVP_PKEY_fromdata(pctx, &raw, EVP_PKEY_KEYPAIR, params) != 1) {
      raw = nullptr;
    }
    EVP_PKEY_CTX_free(pctx);
    return PkeyPtr(raw);
  });
}

int g_warnings = 0;
void count_warning(const char*) { ++g_warnings; }

// With RLIMIT_MEMLOCK at 0 (and, as root, without CAP_IPC_LOCK) the arena
// cannot be locked: OpenSSL still gets its secure heap, and the process one
// warning. Runs in a child so the test process keeps its limits; needs a
// process whose secure heap is not set up yet (ctest runs each test alone).
TEST(SecureHeapTest, LockFailureWarnsOnceAndKeepsWorking) {
  if (CRYPTO_secure_malloc_initialized() == 1) GTEST_SKIP() << "secure heap already set up in this process";
  constexpr int kSkipped = 77;
  const pid_t pid = ::fork();
  if (pid == 0) {
    const rlimit none{0, 0};
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct caps[2] = {};
    if (::setrlimit(RLIMIT_MEMLOCK, &none) != 0 || ::syscall(SYS_capget, &header, caps) != 0) ::_exit(kSkipped);
    caps[0].effective &= ~(1u << CAP_IPC_LOCK);
    if (::syscall(SYS_capset, &header, caps) != 0) ::_exit(kSkipped);
    secure_memory_testing::reset_problem_state();
    set_secure_memory_warning_sink(count_warning);
    init_openssl_secure_heap();
    if (openssl_secure_heap_state() != SecureHeapState::kUnprotected) ::_exit(1);
    if (g_warnings != 1) ::_exit(2);
    SecureBytes key(kSecureMaxLockedBlock, 1);  // the pool cannot lock either: still one warning
    if (g_warnings != 1 || secure_memory_locked()) ::_exit(3);
    void* p = OPENSSL_secure_malloc(64);
    if (p == nullptr || CRYPTO_secure_allocated(p) != 1) ::_exit(4);
    OPENSSL_secure_clear_free(p, 64);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == kSkipped) GTEST_SKIP() << "cannot lower RLIMIT_MEMLOCK or drop CAP_IPC_LOCK";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace craton::crypto

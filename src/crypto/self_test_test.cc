#include "crypto/self_test.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <time.h>

#include <chrono>
#include <iostream>
#include <set>
#include <string>

#include "core/test_faults.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

std::unique_ptr<Provider> make_provider() {
  auto provider = Provider::create();
  EXPECT_TRUE(provider.ok()) << provider.status().message();
  return provider.ok() ? std::move(provider).value() : nullptr;
}

// Sets CRATON_HSM_TEST_FAULT for the lifetime of the object.
class ScopedFault {
 public:
  explicit ScopedFault(const std::string& value) { ::setenv("CRATON_HSM_TEST_FAULT", value.c_str(), 1); }
  ~ScopedFault() { ::unsetenv("CRATON_HSM_TEST_FAULT"); }
  ScopedFault(const ScopedFault&) = delete;
  ScopedFault& operator=(const ScopedFault&) = delete;
};

TEST(SelfTest, EveryKnownAnswerTestPasses) {
  auto provider = make_provider();
  ASSERT_NE(provider, nullptr);
  const Status st = run_known_answer_tests(*provider);
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(SelfTest, ListNamesEveryFamilyOnce) {
  const auto names = known_answer_test_names();
  const std::set<std::string_view> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size()) << "duplicate KAT name";
  for (std::string_view expected :
       {"SHA-1", "SHA-256", "SHA-512", "SHA3-256", "HMAC-SHA256", "AES-GCM-encrypt", "AES-GCM-decrypt", "AES-CBC",
        "AES-CTR", "AES-KW", "AES-CMAC", "HKDF-SHA256", "PBKDF2-SHA256", "RSA-PKCS1-sign", "RSA-PKCS1-verify",
        "RSA-OAEP-decrypt", "ECDSA-P256-sign", "ECDSA-P256-verify", "Ed25519-sign", "Ed25519-verify", "ECDH-P256",
        "DRBG", "ML-KEM-768-decapsulate", "ML-DSA-44-sign-verify", "SLH-DSA-SHA2-128s-verify"}) {
    EXPECT_EQ(1u, unique.count(expected)) << expected;
  }
}

// Time of the calling thread on the CPU, in microseconds: unlike wall time
// it does not grow when the machine is busy with other work.
long long thread_cpu_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

TEST(SelfTest, EachKnownAnswerTestRunsAloneAndIsFast) {
  // The first pass on a fresh Provider is what C_Initialize pays (OpenSSL's
  // lazy fetches included); the second pass is the KAT work alone. Printed
  // for the documentation.
  auto provider = make_provider();
  ASSERT_NE(provider, nullptr);
  using Clock = std::chrono::steady_clock;
  long long cold_wall = 0, cold_cpu = 0, warm_wall = 0, warm_cpu = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (std::string_view name : known_answer_test_names()) {
      const auto wall_start = Clock::now();
      const long long cpu_start = thread_cpu_us();
      const Status st = run_known_answer_test(*provider, name);
      const long long cpu = thread_cpu_us() - cpu_start;
      const long long wall =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - wall_start).count();
      EXPECT_TRUE(st.ok()) << st.message();
      (pass == 0 ? cold_wall : warm_wall) += wall;
      (pass == 0 ? cold_cpu : warm_cpu) += cpu;
      std::cout << "[ KAT      ] " << (pass == 0 ? "first  " : "second ") << name << ": " << cpu << " us cpu, "
                << wall << " us wall\n";
    }
  }
  std::cout << "[ KAT      ] total, first pass: " << cold_cpu << " us cpu, " << cold_wall << " us wall\n"
            << "[ KAT      ] total, second pass: " << warm_cpu << " us cpu, " << warm_wall << " us wall\n";
  // The design target is < 25 ms of CPU; the bound is generous for
  // sanitizer builds.
  EXPECT_LT(cold_cpu, 1'000'000);
}

TEST(SelfTest, UnknownNameIsAnArgumentError) {
  auto provider = make_provider();
  ASSERT_NE(provider, nullptr);
  EXPECT_EQ(CKR_ARGUMENTS_BAD, run_known_answer_test(*provider, "ROT13").rv());
}

TEST(SelfTest, InjectedFaultFailsExactlyTheNamedTest) {
  if (!kTestFaultsCompiledIn) GTEST_SKIP() << "fault injection exists only in Debug builds";
  auto provider = make_provider();
  ASSERT_NE(provider, nullptr);
  for (std::string_view name : known_answer_test_names()) {
    ScopedFault fault("kat:" + std::string(name));
    const Status all = run_known_answer_tests(*provider);
    EXPECT_EQ(CKR_GENERAL_ERROR, all.rv()) << name;
    EXPECT_EQ("self-test " + std::string(name) + " failed", all.message());
    const Status alone = run_known_answer_test(*provider, name);
    EXPECT_EQ(CKR_GENERAL_ERROR, alone.rv()) << name;
    // Every other KAT is unaffected by this fault.
    for (std::string_view other : known_answer_test_names()) {
      if (other != name) {
        EXPECT_TRUE(run_known_answer_test(*provider, other).ok()) << other << " with " << name;
      }
    }
  }
  // Without the fault, everything passes again: nothing was latched here.
  EXPECT_TRUE(run_known_answer_tests(*provider).ok());
}

TEST(SelfTest, FirstFailingTestInListOrderIsReported) {
  if (!kTestFaultsCompiledIn) GTEST_SKIP() << "fault injection exists only in Debug builds";
  auto provider = make_provider();
  ASSERT_NE(provider, nullptr);
  ScopedFault fault("kat:ECDH-P256,kat:AES-CTR");
  const Status st = run_known_answer_tests(*provider);
  EXPECT_EQ(CKR_GENERAL_ERROR, st.rv());
  EXPECT_EQ("self-test AES-CTR failed", st.message());
}

TEST(SelfTest, UnrelatedFaultNamesDoNotFailKats) {
  if (!kTestFaultsCompiledIn) GTEST_SKIP() << "fault injection exists only in Debug builds";
  auto provider = make_provider();
  ASSERT_NE(provider, nullptr);
  ScopedFault fault("pairwise,kat:SHA-2,kat:sha-256");  // names match exactly
  EXPECT_TRUE(run_known_answer_tests(*provider).ok());
}

}  // namespace
}  // namespace craton::crypto

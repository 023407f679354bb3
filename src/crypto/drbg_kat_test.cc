// The HMAC-DRBG known-answer test (drbg_kat.cc).
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/provider.h>

#include <cstdlib>

#include "core/test_faults.h"
#include "crypto/drbg.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

TEST(DrbgKatTest, PassesInAContextWithTheDefaultProvider) {
  OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
  ASSERT_NE(libctx, nullptr);
  OSSL_PROVIDER* provider = OSSL_PROVIDER_load(libctx, "default");
  ASSERT_NE(provider, nullptr);
  const Status status = drbg_known_answer_test(libctx);
  EXPECT_TRUE(status.ok()) << status.message();
  OSSL_PROVIDER_unload(provider);
  OSSL_LIB_CTX_free(libctx);
}

TEST(DrbgKatTest, PassesInTheModulesContextAndLeavesItsDrbgAlone) {
  auto provider = Provider::create();
  ASSERT_TRUE(provider.ok()) << provider.status().message();
  const Status status = drbg_known_answer_test(provider.value()->libctx());
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_TRUE(provider.value()->healthy());
  std::uint8_t out[32];
  EXPECT_TRUE(provider.value()->random(out).ok());
}

TEST(DrbgKatTest, FailsWhenTheDrbgIsMissing) {
  // Only the base provider: no HMAC-DRBG, no TEST-RAND (and no fallback to
  // the default provider, since a provider is loaded).
  OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
  ASSERT_NE(libctx, nullptr);
  OSSL_PROVIDER* base = OSSL_PROVIDER_load(libctx, "base");
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(drbg_known_answer_test(libctx).rv(), CKR_GENERAL_ERROR);
  OSSL_PROVIDER_unload(base);
  OSSL_LIB_CTX_free(libctx);
}

TEST(DrbgKatTest, InjectedFaultFails) {
  if (!kTestFaultsCompiledIn) GTEST_SKIP() << "fault injection exists in Debug builds only";
  auto provider = Provider::create();
  ASSERT_TRUE(provider.ok());
  ::setenv("CRATON_HSM_TEST_FAULT", "kat:DRBG", 1);
  const Status status = drbg_known_answer_test(provider.value()->libctx());
  ::unsetenv("CRATON_HSM_TEST_FAULT");
  EXPECT_EQ(status.rv(), CKR_GENERAL_ERROR);
  EXPECT_TRUE(drbg_known_answer_test(provider.value()->libctx()).ok());
}

}  // namespace
}  // namespace craton::crypto

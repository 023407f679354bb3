#include "crypto/provider.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <set>
#include <thread>
#include <vector>

#include "core/test_faults.h"
#include "crypto/drbg.h"

namespace craton::crypto {
namespace {

std::unique_ptr<Provider> make_provider() {
  auto provider = Provider::create();
  EXPECT_TRUE(provider.ok()) << provider.status().message();
  return std::move(provider).value();
}

TEST(ProviderTest, CreatesOwnLibraryContext) {
  auto a = make_provider();
  auto b = make_provider();
  ASSERT_NE(a->libctx(), nullptr);
  EXPECT_NE(a->libctx(), b->libctx());
  // The default provider is loaded into our context: SHA-256 is fetchable.
  EVP_MD* md = EVP_MD_fetch(a->libctx(), "SHA2-256", nullptr);
  EXPECT_NE(md, nullptr);
  EVP_MD_free(md);
}

TEST(ProviderTest, RandomFillsBuffers) {
  auto provider = make_provider();
  std::vector<std::uint8_t> a(64), b(64);
  ASSERT_TRUE(provider->random(a).ok());
  ASSERT_TRUE(provider->random(b).ok());
  EXPECT_NE(a, b);
  EXPECT_NE(a, std::vector<std::uint8_t>(64, 0));
  EXPECT_TRUE(provider->random(std::span<std::uint8_t>{}).ok());
  std::vector<std::uint8_t> big(1 << 20);  // more than one DRBG request
  EXPECT_TRUE(provider->random(big).ok());
}

TEST(ProviderTest, AddSeedAcceptsAnyLength) {
  auto provider = make_provider();
  std::vector<std::uint8_t> seed(10000, 0x5A);  // spans several reseed slices
  EXPECT_TRUE(provider->add_seed(seed).ok());
  EXPECT_TRUE(provider->add_seed(ByteView{}).ok());
  EXPECT_TRUE(provider->add_seed(ByteView(seed).first(1)).ok());
  // The DRBG keeps working after a reseed.
  std::vector<std::uint8_t> out(32);
  EXPECT_TRUE(provider->random(out).ok());
}

unsigned reseed_counter(EVP_RAND_CTX* ctx) {
  unsigned value = 0;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_uint(OSSL_DRBG_PARAM_RESEED_COUNTER, &value), OSSL_PARAM_construct_end()};
  EXPECT_EQ(EVP_RAND_CTX_get_params(ctx, params), 1);
  return value;
}

TEST(ProviderTest, RandomComesFromTheHealthTestedDrbg) {
  auto provider = make_provider();
  EXPECT_TRUE(provider->healthy());
  EVP_RAND_CTX* priv = RAND_get0_private(provider->libctx());
  ASSERT_NE(priv, nullptr);
  EXPECT_STREQ(EVP_RAND_get0_name(EVP_RAND_CTX_get0_rand(priv)), kDrbgAlgorithmName);
  EXPECT_STREQ(EVP_RAND_get0_name(EVP_RAND_CTX_get0_rand(RAND_get0_primary(provider->libctx()))),
               kDrbgAlgorithmName);
  // Prediction resistance: every call reseeds (once, whatever its length).
  std::vector<std::uint8_t> out(100);
  for (std::size_t len : {32, 12, 100}) {
    const unsigned before = reseed_counter(priv);
    ASSERT_TRUE(provider->random(std::span(out).first(len)).ok());
    EXPECT_EQ(reseed_counter(priv), before + 1) << len;
  }
}

TEST(ProviderTest, AddSeedReseedsThePrimaryOncePerSlice) {
  auto provider = make_provider();
  EVP_RAND_CTX* primary = RAND_get0_primary(provider->libctx());
  const unsigned before = reseed_counter(primary);
  std::vector<std::uint8_t> seed(10000, 0x33);  // 3 slices of at most 4096 bytes
  ASSERT_TRUE(provider->add_seed(seed).ok());
  EXPECT_EQ(reseed_counter(primary), before + 3);
  EXPECT_TRUE(provider->healthy());
}

TEST(ProviderTest, RandomFromManyThreads) {
  auto provider = make_provider();
  constexpr int kThreads = 8;
  constexpr int kCalls = 200;
  std::vector<std::vector<std::vector<std::uint8_t>>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kCalls; ++n) {
        std::vector<std::uint8_t> out(32);
        if (!provider->random(out).ok()) return;
        if (n % 50 == 0 && !provider->add_seed(ByteView(out).first(4)).ok()) return;
        seen[t].push_back(std::move(out));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::vector<std::uint8_t>> distinct;
  for (const auto& per_thread : seen) {
    EXPECT_EQ(per_thread.size(), static_cast<std::size_t>(kCalls));
    distinct.insert(per_thread.begin(), per_thread.end());
  }
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kThreads * kCalls));
  EXPECT_TRUE(provider->healthy());
}

TEST(ProviderTest, RepeatedBlockLatchesTheErrorState) {
  if (!kTestFaultsCompiledIn) GTEST_SKIP() << "fault injection exists in Debug builds only";
  auto provider = make_provider();
  auto other = make_provider();
  std::vector<std::uint8_t> out(32);
  ::setenv("CRATON_HSM_TEST_FAULT", "drbg-repeat", 1);
  const Status failed = provider->random(out);
  ::unsetenv("CRATON_HSM_TEST_FAULT");
  EXPECT_EQ(failed.rv(), CKR_GENERAL_ERROR);
  EXPECT_EQ(out, std::vector<std::uint8_t>(32, 0));  // nothing handed out
  EXPECT_FALSE(provider->healthy());
  // Latched for good: random, add_seed and OpenSSL's own key generation.
  EXPECT_EQ(provider->random(out).rv(), CKR_GENERAL_ERROR);
  EXPECT_EQ(provider->random(std::span<std::uint8_t>{}).rv(), CKR_GENERAL_ERROR);
  EXPECT_EQ(provider->add_seed(ByteView(out)).rv(), CKR_GENERAL_ERROR);
  EVP_PKEY* key = EVP_PKEY_Q_keygen(provider->libctx(), nullptr, "EC", "P-256");
  EXPECT_EQ(key, nullptr);
  EVP_PKEY_free(key);
  // Another module context is unaffected.
  EXPECT_TRUE(other->healthy());
  EXPECT_TRUE(other->random(out).ok());
}

TEST(ProviderTest, DigestCacheReturnsTheSameObject) {
  auto provider = make_provider();
  const EVP_MD* first = provider->md("SHA2-256");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first, provider->md("SHA2-256"));
  EXPECT_EQ(EVP_MD_get_size(first), 32);
  EXPECT_TRUE(EVP_MD_is_a(provider->md("SHA3-512"), "SHA3-512"));
  // A name outside the prefetched table is fetched once, then cached.
  const EVP_MD* alias = provider->md("SHA256");
  ASSERT_NE(alias, nullptr);
  EXPECT_EQ(alias, provider->md("SHA256"));
  EXPECT_TRUE(EVP_MD_is_a(alias, "SHA2-256"));
  // Unknown names and null are reported as nullptr.
  EXPECT_EQ(provider->md("NO-SUCH-DIGEST"), nullptr);
  EXPECT_EQ(provider->md("NO-SUCH-DIGEST"), nullptr);
  EXPECT_EQ(provider->md(nullptr), nullptr);
}

TEST(ProviderTest, DigestCacheIsThreadSafe) {
  auto provider = make_provider();
  std::vector<std::thread> threads;
  std::vector<const EVP_MD*> seen(8);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 200; ++n) seen[i] = provider->md("SHA512-256");
    });
  }
  for (auto& t : threads) t.join();
  for (const EVP_MD* md : seen) EXPECT_EQ(md, seen[0]);
  EXPECT_NE(seen[0], nullptr);
}

TEST(ProviderTest, DigestsBelongToTheProvidersContext) {
  auto provider = make_provider();
  const EVP_MD* md = provider->md("SHA2-384");
  ASSERT_NE(md, nullptr);
  // Fetched in our context: the same object a fetch there returns, not the
  // one the process-wide default context would hand out.
  EVP_MD* ours = EVP_MD_fetch(provider->libctx(), "SHA2-384", nullptr);
  EVP_MD* global = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  EXPECT_EQ(md, ours);
  EXPECT_NE(md, global);
  EVP_MD_free(ours);
  EVP_MD_free(global);
}

}  // namespace
}  // namespace craton::crypto

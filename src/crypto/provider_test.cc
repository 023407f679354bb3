#include "crypto/provider.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <thread>
#include <vector>

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

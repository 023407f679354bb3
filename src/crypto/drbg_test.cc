// The craton-drbg provider installed in a library context: OpenSSL's own
// DRBGs (primary, public, private) are CRATON-DRBG instances, so every
// random byte of the context, key generation included, is health-tested.
#include "crypto/drbg.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "core/test_faults.h"
#include "crypto/drbg_instance.h"

namespace craton::crypto {
namespace {

class DrbgProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    libctx_ = OSSL_LIB_CTX_new();
    ASSERT_NE(libctx_, nullptr);
    default_ = OSSL_PROVIDER_load(libctx_, "default");
    ASSERT_NE(default_, nullptr);
    auto installed = install_drbg(libctx_);
    ASSERT_TRUE(installed.ok()) << installed.status().message();
    drbg_ = installed.value();
  }
  void TearDown() override {
    OSSL_PROVIDER_unload(drbg_.provider);
    OSSL_PROVIDER_unload(default_);
    OSSL_LIB_CTX_free(libctx_);
  }

  OSSL_LIB_CTX* libctx_ = nullptr;
  OSSL_PROVIDER* default_ = nullptr;
  DrbgInstallation drbg_;
};

std::string name_of(EVP_RAND_CTX* ctx) {
  if (ctx == nullptr) return "(none)";
  return EVP_RAND_get0_name(EVP_RAND_CTX_get0_rand(ctx));
}

template <class T>
T ctx_param(EVP_RAND_CTX* ctx, const char* key) {
  T value{};
  OSSL_PARAM params[2] = {OSSL_PARAM_END, OSSL_PARAM_END};
  if constexpr (std::is_same_v<T, unsigned>) {
    params[0] = OSSL_PARAM_construct_uint(key, &value);
  } else if constexpr (std::is_same_v<T, int>) {
    params[0] = OSSL_PARAM_construct_int(key, &value);
  } else {
    params[0] = OSSL_PARAM_construct_time_t(key, &value);
  }
  EXPECT_EQ(EVP_RAND_CTX_get_params(ctx, params), 1) << key;
  return value;
}

unsigned reseed_counter(EVP_RAND_CTX* ctx) { return ctx_param<unsigned>(ctx, OSSL_DRBG_PARAM_RESEED_COUNTER); }

// Debug builds only: sets CRATON_HSM_TEST_FAULT for the scope.
struct ScopedFault {
  explicit ScopedFault(const char* name) { ::setenv("CRATON_HSM_TEST_FAULT", name, 1); }
  ~ScopedFault() { ::unsetenv("CRATON_HSM_TEST_FAULT"); }
};

TEST_F(DrbgProviderTest, EveryDrbgOfTheContextIsCratonDrbg) {
  EXPECT_EQ(name_of(RAND_get0_primary(libctx_)), kDrbgAlgorithmName);
  EXPECT_EQ(name_of(RAND_get0_public(libctx_)), kDrbgAlgorithmName);
  EXPECT_EQ(name_of(RAND_get0_private(libctx_)), kDrbgAlgorithmName);
  EXPECT_EQ(EVP_RAND_get_state(RAND_get0_primary(libctx_)), EVP_RAND_STATE_READY);
  EXPECT_EQ(EVP_RAND_get_strength(RAND_get0_private(libctx_)), kDrbgStrength);
  ASSERT_NE(drbg_.shared, nullptr);
  EXPECT_TRUE(drbg_.shared->healthy());
}

TEST_F(DrbgProviderTest, EveryRequestReseedsFromTheOs) {
  EVP_RAND_CTX* priv = RAND_get0_private(libctx_);
  EVP_RAND_CTX* pub = RAND_get0_public(libctx_);
  EVP_RAND_CTX* primary = RAND_get0_primary(libctx_);
  const unsigned primary_before = reseed_counter(primary);
  std::uint8_t out[100];
  // Prediction resistance: each request reseeds the thread's DRBG from its
  // own OS seed source, once, whatever the length.
  for (std::size_t len : {32, 12, 100, 1}) {
    const unsigned before = reseed_counter(priv);
    ASSERT_EQ(RAND_priv_bytes_ex(libctx_, out, len, 0), 1);
    EXPECT_EQ(reseed_counter(priv), before + 1) << len;
  }
  const unsigned pub_before = reseed_counter(pub);
  ASSERT_EQ(RAND_bytes_ex(libctx_, out, sizeof(out), 0), 1);
  EXPECT_EQ(reseed_counter(pub), pub_before + 1);
  // The instances do not draw on the primary (no shared lock).
  EXPECT_EQ(reseed_counter(primary), primary_before);
}

TEST_F(DrbgProviderTest, ReseedBoundsAreCapped) {
  for (EVP_RAND_CTX* ctx : {RAND_get0_primary(libctx_), RAND_get0_private(libctx_)}) {
    const unsigned requests = ctx_param<unsigned>(ctx, OSSL_DRBG_PARAM_RESEED_REQUESTS);
    EXPECT_GT(requests, 0u);
    EXPECT_LE(requests, kDrbgMaxReseedRequests);
    const time_t seconds = ctx_param<time_t>(ctx, OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL);
    EXPECT_GT(seconds, 0);
    EXPECT_LE(seconds, kDrbgMaxReseedSeconds);
  }
  // "Never reseed" is not accepted: the cap stays.
  unsigned unbounded = 0;
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, &unbounded),
      OSSL_PARAM_construct_end(),
  };
  EVP_RAND_CTX* primary = RAND_get0_primary(libctx_);
  ASSERT_EQ(EVP_RAND_CTX_set_params(primary, params), 1);
  EXPECT_EQ(ctx_param<unsigned>(primary, OSSL_DRBG_PARAM_RESEED_REQUESTS), kDrbgMaxReseedRequests);
}

TEST_F(DrbgProviderTest, OpenSslKeyGenerationDrawsFromCratonDrbg) {
  EVP_RAND_CTX* priv = RAND_get0_private(libctx_);
  const unsigned before = reseed_counter(priv);
  EVP_PKEY* key = EVP_PKEY_Q_keygen(libctx_, nullptr, "EC", "P-256");
  ASSERT_NE(key, nullptr);
  EVP_PKEY_free(key);
  EXPECT_GT(reseed_counter(priv), before);
}

TEST_F(DrbgProviderTest, AdditionalInputReachesEveryInstance) {
  EVP_RAND_CTX* primary = RAND_get0_primary(libctx_);
  EVP_RAND_CTX* priv = RAND_get0_private(libctx_);
  EVP_RAND_CTX* pub = RAND_get0_public(libctx_);
  const std::uint64_t generation = drbg_.shared->seed_generation();
  const unsigned before = reseed_counter(primary);
  const std::uint8_t seed[] = "caller-supplied seed material";
  ASSERT_EQ(EVP_RAND_reseed(primary, 0, nullptr, 0, seed, sizeof(seed)), 1);
  EXPECT_EQ(reseed_counter(primary), before + 1);
  EXPECT_EQ(drbg_.shared->seed_generation(), generation + 1);
  // Each other instance mixes the published input in (one extra reseed)
  // before its next output, once.
  std::uint8_t out[32];
  for (EVP_RAND_CTX* ctx : {priv, pub}) {
    const unsigned counter = reseed_counter(ctx);
    ASSERT_EQ(EVP_RAND_generate(ctx, out, sizeof(out), 0, 0, nullptr, 0), 1);
    EXPECT_EQ(reseed_counter(ctx), counter + 2);
    ASSERT_EQ(EVP_RAND_generate(ctx, out, sizeof(out), 0, 0, nullptr, 0), 1);
    EXPECT_EQ(reseed_counter(ctx), counter + 3);
  }
  // A reseed without additional input publishes nothing.
  ASSERT_EQ(EVP_RAND_reseed(primary, 0, nullptr, 0, nullptr, 0), 1);
  EXPECT_EQ(drbg_.shared->seed_generation(), generation + 1);
}

TEST_F(DrbgProviderTest, ChainsBuiltByHandWork) {
  EVP_RAND* craton = EVP_RAND_fetch(libctx_, kDrbgAlgorithmName, kDrbgProperties);
  EVP_RAND* hmac = EVP_RAND_fetch(libctx_, "HMAC-DRBG", "provider=default");
  EVP_RAND* test = EVP_RAND_fetch(libctx_, "TEST-RAND", "provider=default");
  ASSERT_TRUE(craton != nullptr && hmac != nullptr && test != nullptr);
  EVP_RAND_CTX* parent = EVP_RAND_CTX_new(craton, nullptr);
  ASSERT_NE(parent, nullptr);
  ASSERT_EQ(EVP_RAND_enable_locking(parent), 1);
  ASSERT_EQ(EVP_RAND_instantiate(parent, 256, 0, nullptr, 0, nullptr), 1);
  // A CRATON-DRBG under a CRATON-DRBG and one under a fixed-output parent
  // (parents are ignored: both seed from the OS, so fixed test entropy
  // cannot reach them); a stock HMAC-DRBG child (seeded through get_seed,
  // so from health-tested output).
  EVP_RAND_CTX* child = EVP_RAND_CTX_new(craton, parent);
  EVP_RAND_CTX* stock = EVP_RAND_CTX_new(hmac, parent);
  EVP_RAND_CTX* fixed = EVP_RAND_CTX_new(test, nullptr);
  EVP_RAND_CTX* over_fixed = EVP_RAND_CTX_new(craton, fixed);
  ASSERT_TRUE(child != nullptr && stock != nullptr && fixed != nullptr && over_fixed != nullptr);
  char mac[] = "HMAC";
  char digest[] = "SHA2-256";
  const OSSL_PARAM stock_params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_MAC, mac, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  EXPECT_EQ(EVP_RAND_instantiate(child, 256, 0, nullptr, 0, nullptr), 1);
  EXPECT_EQ(EVP_RAND_instantiate(stock, 256, 1, nullptr, 0, stock_params), 1);
  EXPECT_EQ(EVP_RAND_instantiate(over_fixed, 256, 0, nullptr, 0, nullptr), 1);
  std::uint8_t a[48], b[48], c[48];
  EXPECT_EQ(EVP_RAND_generate(child, a, sizeof(a), 256, 0, nullptr, 0), 1);
  EXPECT_EQ(EVP_RAND_generate(stock, b, sizeof(b), 256, 1, nullptr, 0), 1);
  EXPECT_EQ(EVP_RAND_generate(over_fixed, c, sizeof(c), 256, 0, nullptr, 0), 1);
  EXPECT_NE(std::vector<std::uint8_t>(a, a + 48), std::vector<std::uint8_t>(b, b + 48));
  EXPECT_EQ(EVP_RAND_uninstantiate(child), 1);
  EXPECT_EQ(EVP_RAND_verify_zeroization(child), 1);
  for (EVP_RAND_CTX* ctx : {over_fixed, fixed, stock, child, parent}) EVP_RAND_CTX_free(ctx);
  for (EVP_RAND* rand : {craton, hmac, test}) EVP_RAND_free(rand);
  EXPECT_TRUE(drbg_.shared->healthy());
}

TEST_F(DrbgProviderTest, ProviderStatusReportsHealth) {
  int status = -1;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_int(OSSL_PROV_PARAM_STATUS, &status), OSSL_PARAM_construct_end()};
  ASSERT_EQ(OSSL_PROVIDER_get_params(drbg_.provider, params), 1);
  EXPECT_EQ(status, 1);
}

TEST_F(DrbgProviderTest, SecondInstallIsRefused) {
  EXPECT_FALSE(install_drbg(libctx_).ok());
  std::uint8_t out[16];
  EXPECT_EQ(RAND_bytes_ex(libctx_, out, sizeof(out), 0), 1);
  EXPECT_TRUE(drbg_.shared->healthy());
}

TEST_F(DrbgProviderTest, RepeatedBlockStopsKeyGenerationAndLatches) {
  if (!kTestFaultsCompiledIn) GTEST_SKIP() << "fault injection exists in Debug builds only";
  {
    ScopedFault fault("drbg-repeat");
    EVP_PKEY* key = EVP_PKEY_Q_keygen(libctx_, nullptr, "EC", "P-256");
    EXPECT_EQ(key, nullptr);
    EVP_PKEY_free(key);
  }
  EXPECT_FALSE(drbg_.shared->healthy());
  // The fault is gone, the latch is not: nothing in the context gets random bytes.
  std::uint8_t out[32];
  EXPECT_NE(RAND_bytes_ex(libctx_, out, sizeof(out), 0), 1);
  EXPECT_NE(RAND_priv_bytes_ex(libctx_, out, sizeof(out), 0), 1);
  EXPECT_EQ(EVP_RAND_get_state(RAND_get0_primary(libctx_)), EVP_RAND_STATE_ERROR);
  EVP_PKEY* key = EVP_PKEY_Q_keygen(libctx_, nullptr, "EC", "P-256");
  EXPECT_EQ(key, nullptr);
  EVP_PKEY_free(key);
  int status = -1;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_int(OSSL_PROV_PARAM_STATUS, &status), OSSL_PARAM_construct_end()};
  ASSERT_EQ(OSSL_PROVIDER_get_params(drbg_.provider, params), 1);
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace craton::crypto

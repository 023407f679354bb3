// DrbgInstance over OpenSSL's TEST-RAND as inner DRBG: its output is the
// entropy we give it, byte for byte, so repeated blocks can be staged.
#include "crypto/drbg_instance.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include <cstdlib>
#include <numeric>
#include <vector>

#include "core/test_faults.h"

namespace craton::crypto {
namespace {

using Block = std::vector<std::uint8_t>;

Block block_of(std::uint8_t value, std::size_t n = kDrbgBlockSize) { return Block(n, value); }

Block concat(std::initializer_list<Block> parts) {
  Block out;
  for (const Block& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

class DrbgInstanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    libctx_ = OSSL_LIB_CTX_new();
    ASSERT_NE(libctx_, nullptr);
    default_ = OSSL_PROVIDER_load(libctx_, "default");
    ASSERT_NE(default_, nullptr);
  }
  void TearDown() override {
    OSSL_PROVIDER_unload(default_);
    OSSL_LIB_CTX_free(libctx_);
  }

  // An instance whose inner DRBG outputs `stream` and then fails.
  std::unique_ptr<DrbgInstance> make_instance(Block stream, DrbgShared& health) {
    EVP_RAND* rand = EVP_RAND_fetch(libctx_, "TEST-RAND", "provider=default");
    EXPECT_NE(rand, nullptr);
    EVP_RAND_CTX* inner = EVP_RAND_CTX_new(rand, nullptr);
    EVP_RAND_free(rand);
    EXPECT_NE(inner, nullptr);
    auto instance = std::make_unique<DrbgInstance>(inner, health);
    stream_ = std::move(stream);
    unsigned strength = kDrbgStrength;
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_uint(OSSL_RAND_PARAM_STRENGTH, &strength),
        OSSL_PARAM_construct_octet_string(OSSL_RAND_PARAM_TEST_ENTROPY, stream_.data(), stream_.size()),
        OSSL_PARAM_construct_end(),
    };
    EXPECT_TRUE(instance->instantiate(kDrbgStrength, nullptr, 0, params));
    return instance;
  }

  OSSL_LIB_CTX* libctx_ = nullptr;
  OSSL_PROVIDER* default_ = nullptr;
  Block stream_;
};

TEST_F(DrbgInstanceTest, OutputsTestedBlocksAndNeverReusesBytes) {
  DrbgShared health;
  Block stream(8 * kDrbgBlockSize);
  std::iota(stream.begin(), stream.end(), 0);
  auto drbg = make_instance(stream, health);
  // The first block is the continuous test's reference, never output.
  Block out(kDrbgBlockSize);
  ASSERT_TRUE(drbg->generate(out.data(), out.size(), 0, nullptr, 0));
  EXPECT_EQ(out, Block(stream.begin() + 32, stream.begin() + 64));
  // A partial block takes the start of a fresh block; the rest is dropped.
  Block partial(12);
  ASSERT_TRUE(drbg->generate(partial.data(), partial.size(), 0, nullptr, 0));
  EXPECT_EQ(partial, Block(stream.begin() + 64, stream.begin() + 76));
  Block two(2 * kDrbgBlockSize + 5);
  ASSERT_TRUE(drbg->generate(two.data(), two.size(), 0, nullptr, 0));
  EXPECT_EQ(two, Block(stream.begin() + 96, stream.begin() + 96 + 69));
  EXPECT_TRUE(health.healthy());
  EXPECT_EQ(drbg->state(), EVP_RAND_STATE_READY);
}

TEST_F(DrbgInstanceTest, RepeatOfTheReferenceBlockLatches) {
  DrbgShared health;
  auto drbg = make_instance(block_of(0x5A, 3 * kDrbgBlockSize), health);
  Block out(kDrbgBlockSize, 0xEE);
  EXPECT_FALSE(drbg->generate(out.data(), out.size(), 0, nullptr, 0));
  EXPECT_EQ(out, Block(kDrbgBlockSize, 0));  // nothing suspicious is handed out
  EXPECT_FALSE(health.healthy());
  EXPECT_EQ(drbg->state(), EVP_RAND_STATE_ERROR);
  // Latched: even though the next block would differ, nothing comes out.
  EXPECT_FALSE(drbg->generate(out.data(), out.size(), 0, nullptr, 0));
  EXPECT_FALSE(drbg->reseed(false, nullptr, 0, nullptr, 0));
}

TEST_F(DrbgInstanceTest, RepeatAcrossRequestsLatches) {
  DrbgShared health;
  auto drbg = make_instance(concat({block_of(1), block_of(2), block_of(2), block_of(3)}), health);
  Block out(kDrbgBlockSize);
  ASSERT_TRUE(drbg->generate(out.data(), out.size(), 0, nullptr, 0));
  EXPECT_EQ(out, block_of(2));
  // A 1-byte request still draws and tests a whole block: block 2 again.
  std::uint8_t one = 0;
  EXPECT_FALSE(drbg->generate(&one, 1, 0, nullptr, 0));
  EXPECT_FALSE(health.healthy());
}

TEST_F(DrbgInstanceTest, RepeatInsideOneRequestLatches) {
  DrbgShared health;
  auto drbg = make_instance(concat({block_of(1), block_of(2), block_of(3), block_of(3), block_of(4)}), health);
  Block out(3 * kDrbgBlockSize, 0xEE);
  EXPECT_FALSE(drbg->generate(out.data(), out.size(), 0, nullptr, 0));
  EXPECT_EQ(out, Block(out.size(), 0));
  EXPECT_FALSE(health.healthy());
}

TEST_F(DrbgInstanceTest, InnerFailureLatches) {
  DrbgShared health;
  auto drbg = make_instance(concat({block_of(1), block_of(2)}), health);
  Block out(kDrbgBlockSize);
  ASSERT_TRUE(drbg->generate(out.data(), out.size(), 0, nullptr, 0));
  EXPECT_TRUE(health.healthy());
  // The test source is exhausted: the inner generate fails.
  EXPECT_FALSE(drbg->generate(out.data(), out.size(), 0, nullptr, 0));
  EXPECT_FALSE(health.healthy());
  EXPECT_EQ(drbg->state(), EVP_RAND_STATE_ERROR);
}

TEST_F(DrbgInstanceTest, OneFailureStopsEveryInstanceOfTheContext) {
  DrbgShared health;
  Block distinct(8 * kDrbgBlockSize);
  std::iota(distinct.begin(), distinct.end(), 0);
  auto good = make_instance(distinct, health);
  auto bad = make_instance(block_of(7, 4 * kDrbgBlockSize), health);
  Block out(kDrbgBlockSize);
  EXPECT_FALSE(bad->generate(out.data(), out.size(), 0, nullptr, 0));
  EXPECT_EQ(good->state(), EVP_RAND_STATE_ERROR);
  EXPECT_FALSE(good->generate(out.data(), out.size(), 0, nullptr, 0));
}

TEST_F(DrbgInstanceTest, AdditionalInputIsPublishedToTheOtherInstances) {
  DrbgShared shared;
  Block distinct(8 * kDrbgBlockSize);
  std::iota(distinct.begin(), distinct.end(), 0);
  auto receiver = make_instance(distinct, shared);
  auto primary = make_instance(distinct, shared);
  EXPECT_EQ(shared.seed_generation(), 0u);
  EXPECT_TRUE(primary->reseed(false, nullptr, 0, nullptr, 0));
  EXPECT_EQ(shared.seed_generation(), 0u);  // no input, nothing to publish
  const std::uint8_t input[] = {1, 2, 3};
  ASSERT_TRUE(primary->reseed(false, nullptr, 0, input, sizeof(input)));
  EXPECT_EQ(shared.seed_generation(), 1u);
  // The published value is the block drawn after the reseed (the test
  // source's second block: the first is the reference), folded into zero.
  std::uint8_t published[DrbgShared::kSeedSize];
  EXPECT_EQ(shared.copy_seed(published), 1u);
  EXPECT_EQ(Block(published, published + sizeof(published)), Block(distinct.begin() + 32, distinct.begin() + 64));
  // A second publication folds in (XOR), so earlier input still counts.
  ASSERT_TRUE(primary->reseed(false, nullptr, 0, input, sizeof(input)));
  EXPECT_EQ(shared.copy_seed(published), 2u);
  Block folded(DrbgShared::kSeedSize);
  for (std::size_t i = 0; i < folded.size(); ++i) folded[i] = distinct[32 + i] ^ distinct[64 + i];
  EXPECT_EQ(Block(published, published + sizeof(published)), folded);
  // The receiver absorbs it before its next output and keeps working.
  Block out(kDrbgBlockSize);
  EXPECT_TRUE(receiver->generate(out.data(), out.size(), 0, nullptr, 0));
  EXPECT_TRUE(shared.healthy());
}

TEST_F(DrbgInstanceTest, CallerErrorsDoNotLatch) {
  DrbgShared health;
  Block distinct(8 * kDrbgBlockSize);
  std::iota(distinct.begin(), distinct.end(), 0);
  auto drbg = make_instance(distinct, health);
  Block big(kDrbgMaxRequest + 1);
  EXPECT_FALSE(drbg->generate(big.data(), big.size(), 0, nullptr, 0));
  Block out(kDrbgBlockSize);
  EXPECT_FALSE(drbg->generate(out.data(), out.size(), kDrbgStrength + 1, nullptr, 0));
  EXPECT_TRUE(drbg->generate(out.data(), 0, 0, nullptr, 0));
  EXPECT_TRUE(health.healthy());
  EXPECT_TRUE(drbg->generate(out.data(), out.size(), 0, nullptr, 0));
  // A second instantiation is refused, without harm.
  EXPECT_FALSE(drbg->instantiate(kDrbgStrength, nullptr, 0, nullptr));
  EXPECT_TRUE(health.healthy());
}

TEST_F(DrbgInstanceTest, UninstantiatedInstanceRefusesAndZeroizes) {
  DrbgShared health;
  Block distinct(4 * kDrbgBlockSize);
  std::iota(distinct.begin(), distinct.end(), 0);
  auto drbg = make_instance(distinct, health);
  EXPECT_FALSE(drbg->verify_zeroization());  // holds the reference block
  EXPECT_TRUE(drbg->uninstantiate());
  EXPECT_EQ(drbg->state(), EVP_RAND_STATE_UNINITIALISED);
  EXPECT_TRUE(drbg->verify_zeroization());
  Block out(kDrbgBlockSize);
  EXPECT_FALSE(drbg->generate(out.data(), out.size(), 0, nullptr, 0));
  EXPECT_TRUE(health.healthy());
}

TEST_F(DrbgInstanceTest, ReportsItsOwnStateStrengthAndRequestSize) {
  DrbgShared health;
  Block distinct(4 * kDrbgBlockSize);
  std::iota(distinct.begin(), distinct.end(), 0);
  auto drbg = make_instance(distinct, health);
  int state = -1;
  unsigned strength = 0;
  size_t max_request = 0;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_RAND_PARAM_STATE, &state),
      OSSL_PARAM_construct_uint(OSSL_RAND_PARAM_STRENGTH, &strength),
      OSSL_PARAM_construct_size_t(OSSL_RAND_PARAM_MAX_REQUEST, &max_request),
      OSSL_PARAM_construct_end(),
  };
  ASSERT_TRUE(drbg->get_params(params));
  EXPECT_EQ(state, EVP_RAND_STATE_READY);
  EXPECT_EQ(strength, kDrbgStrength);
  EXPECT_EQ(max_request, kDrbgMaxRequest);  // not TEST-RAND's INT_MAX
}

TEST_F(DrbgInstanceTest, InjectedRepeatLatches) {
  if (!kTestFaultsCompiledIn) GTEST_SKIP() << "fault injection exists in Debug builds only";
  DrbgShared health;
  Block distinct(8 * kDrbgBlockSize);
  std::iota(distinct.begin(), distinct.end(), 0);
  auto drbg = make_instance(distinct, health);
  ::setenv("CRATON_HSM_TEST_FAULT", "drbg-repeat", 1);
  Block out(5);
  const bool generated = drbg->generate(out.data(), out.size(), 0, nullptr, 0);
  ::unsetenv("CRATON_HSM_TEST_FAULT");
  EXPECT_FALSE(generated);
  EXPECT_FALSE(health.healthy());
  EXPECT_FALSE(drbg->generate(out.data(), out.size(), 0, nullptr, 0));
}

}  // namespace
}  // namespace craton::crypto

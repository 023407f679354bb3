// cipher_util: the algorithm cache and the parameter readers. (The block
// modes and AEAD building blocks are exercised through the AES and DES3 rows
// in aes_test.cc / des3_test.cc; the message-based operations in
// message_cipher_test.cc.)
#include "crypto/cipher_util.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <thread>
#include <vector>

#include "crypto/provider.h"

namespace craton::crypto {
namespace {

class CipherUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Provider::create();
    ASSERT_TRUE(created.ok()) << created.status().message();
    provider_ = std::move(created).value();
  }

  std::unique_ptr<Provider> provider_;
};

// ---- Algorithm cache -------------------------------------------------------------------

TEST_F(CipherUtilTest, FetchesEveryCipherOnceAndCachesIt) {
  for (std::size_t i = 0; i < static_cast<std::size_t>(CipherName::kCount); ++i) {
    const auto name = static_cast<CipherName>(i);
    auto first = fetch_cipher(*provider_, name);
    ASSERT_TRUE(first.ok()) << openssl_cipher_name(name);
    auto second = fetch_cipher(*provider_, name);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(*first, *second) << openssl_cipher_name(name);
  }
  auto cmac = fetch_cmac(*provider_);
  ASSERT_TRUE(cmac.ok());
  EXPECT_EQ(*cmac, *fetch_cmac(*provider_));
}

TEST_F(CipherUtilTest, CacheKeepsProvidersApart) {
  auto other = Provider::create();
  ASSERT_TRUE(other.ok());
  auto mine = fetch_cipher(*provider_, CipherName::kAes256Gcm);
  auto theirs = fetch_cipher(**other, CipherName::kAes256Gcm);
  ASSERT_TRUE(mine.ok() && theirs.ok());
  EXPECT_NE(*mine, *theirs);
  // Alternating contexts on one thread must not confuse the per-thread memo.
  EXPECT_EQ(*fetch_cipher(*provider_, CipherName::kAes256Gcm), *mine);
  EXPECT_EQ(*fetch_cipher(**other, CipherName::kAes256Gcm), *theirs);
}

TEST_F(CipherUtilTest, CacheIsThreadSafe) {
  std::vector<const EVP_CIPHER*> seen(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&, t] {
      auto cipher = fetch_cipher(*provider_, CipherName::kAes128Ctr);
      seen[t] = cipher.ok() ? *cipher : nullptr;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const EVP_CIPHER* cipher : seen) EXPECT_EQ(cipher, seen[0]);
  EXPECT_NE(seen[0], nullptr);
}

// ---- Parameter readers ---------------------------------------------------------------

TEST_F(CipherUtilTest, ParameterReadersCheckLengthsAndPointers) {
  CK_ULONG value = 7;
  CK_MECHANISM good{CKM_AES_CMAC_GENERAL, &value, sizeof(value)};
  ASSERT_TRUE(read_param<CK_ULONG>(good).ok());
  EXPECT_EQ(*read_param<CK_ULONG>(good), 7u);
  CK_MECHANISM short_len{CKM_AES_CMAC_GENERAL, &value, 4};
  EXPECT_EQ(read_param<CK_ULONG>(short_len).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_MECHANISM null_param{CKM_AES_CMAC_GENERAL, nullptr, sizeof(value)};
  EXPECT_EQ(read_param<CK_ULONG>(null_param).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(require_no_param(good).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_TRUE(require_no_param(CK_MECHANISM{CKM_AES_ECB, &value, 0}).ok());
  EXPECT_EQ(param_bytes(good, 16).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_TRUE(inner_buffer(nullptr, 0, "x").ok());
  EXPECT_EQ(inner_buffer(nullptr, 1, "x").rv(), CKR_MECHANISM_PARAM_INVALID);
}

// ---- AEAD building blocks ------------------------------------------------------------

TEST_F(CipherUtilTest, GcmIvAcceptsOneTo256Bytes) {
  const Bytes iv(257, 0x42);
  for (CK_ULONG len : {1UL, 12UL, 128UL, 129UL, 256UL}) {
    auto view = gcm_iv(iv.data(), len);
    ASSERT_TRUE(view.ok()) << len;
    EXPECT_EQ(view->size(), len);
    EXPECT_EQ(view->data(), iv.data());
  }
  EXPECT_EQ(gcm_iv(iv.data(), 0).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(gcm_iv(iv.data(), 257).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(gcm_iv(nullptr, 12).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(CipherUtilTest, GcmStartRefusesAnUnmappedLongIv) {
  auto cipher = fetch_cipher(*provider_, CipherName::kAes128Gcm);
  ASSERT_TRUE(cipher.ok());
  const Bytes key(16, 1), iv(129, 2);
  auto ctx = new_cipher_ctx();
  ASSERT_TRUE(ctx.ok());
  // A long IV must have been mapped (gcm_iv.h) before it reaches OpenSSL.
  EXPECT_EQ(gcm_start(ctx->get(), *cipher, key, iv, {}, true).rv(), CKR_GENERAL_ERROR);
  EXPECT_TRUE(gcm_start(ctx->get(), *cipher, key, ByteView(iv).first(128), {}, true).ok());
}

TEST_F(CipherUtilTest, BufferInputAppends) {
  SecureBytes buffer = {1};
  const Bytes more = {2, 3};
  ASSERT_TRUE(buffer_input(buffer, more).ok());
  ASSERT_TRUE(buffer_input(buffer, {}).ok());
  EXPECT_EQ(buffer, (SecureBytes{1, 2, 3}));
}

}  // namespace
}  // namespace craton::crypto

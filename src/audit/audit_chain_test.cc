#include "audit/audit_chain.h"

#include <gtest/gtest.h>

#include "crypto/provider.h"

namespace craton {
namespace {

class AuditChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = crypto::Provider::create();
    ASSERT_TRUE(created.ok());
    provider_ = std::move(created).value();
    for (std::size_t i = 0; i < key_.size(); ++i) key_[i] = static_cast<std::uint8_t>(i);
  }
  std::unique_ptr<crypto::Provider> provider_;
  Bytes key_ = Bytes(32);
};

// Expected values computed independently (Python hmac/hashlib) for the key
// 00 01 02 ... 1f.
TEST_F(AuditChainTest, KnownAnswers) {
  auto chain = AuditChain::create(*provider_, key_);
  ASSERT_TRUE(chain.ok()) << chain.status().message();
  EXPECT_EQ(hash_view((*chain)->genesis()), "02c59793340c79b908724275fec2a145e43e6a3a3688e77c34a30fc94ece8916");
  const std::string zeros(64, '0');
  auto h = (*chain)->hash(zeros, "{\"a\":1", "}");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(hash_view(*h), "5ae0a7eb9c4a28c9a09277c295cfadcaae4d0c87a28982270f80c0ba20bb5511");
  // Same bytes split differently give the same MAC, and the context is reusable.
  auto again = (*chain)->hash(zeros, "{\"a\":1}");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *h);
}

TEST_F(AuditChainTest, KeyMatters) {
  auto a = AuditChain::create(*provider_, key_);
  key_[0] ^= 1;
  auto b = AuditChain::create(*provider_, key_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE((*a)->genesis(), (*b)->genesis());
}

TEST_F(AuditChainTest, RejectsWrongKeySize) {
  Bytes short_key(16);
  EXPECT_EQ(AuditChain::create(*provider_, short_key).rv(), CKR_ARGUMENTS_BAD);
}

TEST(AuditHashHexTest, Validation) {
  EXPECT_TRUE(is_audit_hash_hex(std::string(64, 'a')));
  EXPECT_FALSE(is_audit_hash_hex(std::string(64, 'A')));  // lowercase only: one spelling per hash
  EXPECT_FALSE(is_audit_hash_hex(std::string(63, '0')));
  EXPECT_FALSE(is_audit_hash_hex(std::string(63, '0') + "g"));
}

}  // namespace
}  // namespace craton

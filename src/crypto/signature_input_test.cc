#include <gtest/gtest.h>

#include <string>

#include "crypto/key_attributes.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

Bytes bytes(std::initializer_list<std::uint8_t> b) { return Bytes(b); }

TEST(SignatureInputTest, CollectsTruncatesOrHashes) {
  auto collect = SignatureInput::collecting(4, SignatureInput::Overflow::kError);
  ASSERT_TRUE(collect.update(bytes({1, 2})).ok());
  ASSERT_TRUE(collect.update(bytes({3, 4, 5})).ok());
  EXPECT_EQ(collect.finish().rv(), CKR_DATA_LEN_RANGE);

  auto truncate = SignatureInput::collecting(4, SignatureInput::Overflow::kTruncate);
  ASSERT_TRUE(truncate.update(bytes({1, 2})).ok());
  ASSERT_TRUE(truncate.update(bytes({3, 4, 5})).ok());
  EXPECT_EQ(copy_bytes(view_of(*truncate.finish())), bytes({1, 2, 3, 4}));

  auto provider = std::move(Provider::create()).value();
  auto hashing = SignatureInput::hashing(provider->md("SHA2-256"));
  ASSERT_TRUE(hashing.ok());
  const std::string ab = "ab", c = "c";
  ASSERT_TRUE(hashing->update(view_of(ab.data(), ab.size())).ok());
  ASSERT_TRUE(hashing->update(view_of(c.data(), c.size())).ok());
  const SecureBytes digest = *hashing->finish();
  const Bytes sha256_abc = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                            0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};  // SHA-256("abc")
  EXPECT_EQ(copy_bytes(view_of(digest)), sha256_abc);
  EXPECT_EQ(SignatureInput::hashing(nullptr).rv(), CKR_FUNCTION_FAILED);
}

}  // namespace
}  // namespace craton::crypto

#include "core/bytes.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

namespace craton {
namespace {

TEST(BytesTest, SecureBytesBehavesLikeAVector) {
  SecureBytes a{1, 2, 3};
  SecureBytes b = a;  // copy
  EXPECT_EQ(a, b);
  b.push_back(4);
  EXPECT_EQ(b.size(), 4u);
  SecureBytes c = std::move(b);  // move keeps the block
  EXPECT_EQ(c.back(), 4);
  c.insert(c.end(), a.begin(), a.end());
  EXPECT_EQ(c, (SecureBytes{1, 2, 3, 4, 1, 2, 3}));
  c.clear();
  c.shrink_to_fit();
  EXPECT_TRUE(c.empty());
  // Containers of SecureBytes (AttributeMap is one).
  std::map<int, SecureBytes> m;
  m[1] = SecureBytes(32, 0x42);
  m[2] = copy_bytes<SecureBytes>(as_bytes("pin"));
  EXPECT_EQ(m[2].size(), 3u);
  EXPECT_EQ(m[1][31], 0x42);
}

TEST(BytesTest, SecureBytesReleaseIsWiped) {
  const void* old_block;
  {
    SecureBytes pin = copy_bytes<SecureBytes>(as_bytes("123456"));
    old_block = pin.data();
  }
  EXPECT_TRUE(secure_memory_testing::freed_block_is_wiped(old_block, 6));
}

TEST(BytesTest, SecureBytesAllocatorRejectsOverflowingCounts) {
  SecureAllocator<std::uint64_t> alloc;
  EXPECT_THROW((void)alloc.allocate(SIZE_MAX / 4), std::bad_array_new_length);
  std::uint64_t* p = alloc.allocate(4);
  p[3] = 7;
  alloc.deallocate(p, 4);
}

TEST(BytesTest, SecureWipeZeroes) {
  std::string s = "secret";
  secure_wipe(s.data(), s.size());
  EXPECT_EQ(s, std::string(6, '\0'));
  secure_wipe(nullptr, 5);  // ignored
}

TEST(BytesTest, ConstantTimeEqual) {
  const Bytes a{1, 2, 3}, b{1, 2, 3}, c{1, 2, 4}, d{1, 2};
  EXPECT_TRUE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(a, c));
  EXPECT_FALSE(constant_time_equal(a, d));
  EXPECT_TRUE(constant_time_equal(ByteView{}, ByteView{}));
}

TEST(BytesTest, Views) {
  const std::string text = "abc";
  EXPECT_EQ(as_bytes(text).size(), 3u);
  EXPECT_EQ(view_of(text)[1], 'b');
  EXPECT_EQ(view_of(text.data(), 2).size(), 2u);
  EXPECT_EQ(copy_bytes(as_bytes(text)), (Bytes{'a', 'b', 'c'}));
}

}  // namespace
}  // namespace craton

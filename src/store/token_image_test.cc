#include "store/token_image.h"

#include <gtest/gtest.h>

#include <random>

#include "store/le_codec.h"

namespace craton {
namespace {

StoreContent sample() {
  StoreContent c;
  c.meta = {{"pin.so", SecureBytes(61, 0x11)}, {"pin.user", SecureBytes(61, 0x22)}, {"token", SecureBytes(80, 0x33)}};
  c.objects = {{1, 1, false, Bytes(40, 0xa1)}, {2, 5, true, Bytes(300, 0xb2)}, {9, 2, true, Bytes{}}};
  return c;
}

Bytes encoded(const StoreContent& c) {
  auto bytes = encode_token_image(c);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : Bytes{};
}

TEST(TokenImageTest, RoundTrips) {
  const StoreContent c = sample();
  auto back = decode_token_image(encoded(c));
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->meta.size(), c.meta.size());
  for (std::size_t i = 0; i < c.meta.size(); ++i) {
    EXPECT_EQ(back->meta[i].first, c.meta[i].first);
    EXPECT_EQ(back->meta[i].second, c.meta[i].second);
  }
  ASSERT_EQ(back->objects.size(), c.objects.size());
  for (std::size_t i = 0; i < c.objects.size(); ++i) {
    EXPECT_EQ(back->objects[i].id, c.objects[i].id);
    EXPECT_EQ(back->objects[i].version, c.objects[i].version);
    EXPECT_EQ(back->objects[i].is_private, c.objects[i].is_private);
    EXPECT_EQ(back->objects[i].blob, c.objects[i].blob);
  }
}

TEST(TokenImageTest, EmptyContentRoundTrips) {
  auto back = decode_token_image(encoded(StoreContent{}));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->meta.empty());
  EXPECT_TRUE(back->objects.empty());
}

TEST(TokenImageTest, EveryTruncationIsRefused) {
  const Bytes full = encoded(sample());
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = decode_token_image(ByteView(full).first(n));
    ASSERT_FALSE(r.ok()) << "accepted a body cut at " << n;
    EXPECT_EQ(r.rv(), CKR_DATA_INVALID);
  }
  Bytes longer = full;
  longer.push_back(0);
  auto r = decode_token_image(longer);
  EXPECT_EQ(r.rv(), CKR_DATA_INVALID);
  EXPECT_NE(r.status().message().find("unexpected bytes"), std::string::npos);
}

// Random damage must be refused or decode to something well-formed; never
// crash, read out of bounds (ASan build) or allocate what the input cannot hold.
TEST(TokenImageTest, RandomCorruptionNeverCrashes) {
  const Bytes full = encoded(sample());
  std::mt19937 rng(20240607);
  for (int round = 0; round < 20000; ++round) {
    Bytes damaged = full;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) damaged[rng() % damaged.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    auto r = decode_token_image(damaged);
    if (r.ok()) {
      std::uint64_t previous = 0;
      for (const ObjectRecord& o : r->objects) {
        EXPECT_GT(o.id, previous);
        previous = o.id;
      }
    } else {
      EXPECT_EQ(r.rv(), CKR_DATA_INVALID);
    }
  }
}

Bytes body_with_objects(std::initializer_list<std::pair<std::uint64_t, std::uint8_t>> objects) {
  Bytes out;
  LeWriter w(out);
  w.u32(0);
  w.u32(static_cast<std::uint32_t>(objects.size()));
  for (const auto& [id, flag] : objects) {
    w.u64(id);
    w.u64(1);
    w.u8(flag);
    w.u32(0);
  }
  return out;
}

TEST(TokenImageTest, RefusesIdsOutOfOrderZeroOrDuplicateAndBadFlags) {
  EXPECT_TRUE(decode_token_image(body_with_objects({{1, 0}, {2, 1}})).ok());
  EXPECT_EQ(decode_token_image(body_with_objects({{0, 0}})).rv(), CKR_DATA_INVALID);
  EXPECT_EQ(decode_token_image(body_with_objects({{3, 0}, {3, 0}})).rv(), CKR_DATA_INVALID);
  EXPECT_EQ(decode_token_image(body_with_objects({{4, 0}, {2, 0}})).rv(), CKR_DATA_INVALID);
  EXPECT_EQ(decode_token_image(body_with_objects({{1, 2}})).rv(), CKR_DATA_INVALID);
  EXPECT_EQ(decode_token_image(body_with_objects({{std::uint64_t{1} << 63, 0}})).rv(), CKR_DATA_INVALID);
}

TEST(TokenImageTest, RefusesDuplicateOrEmptyMetaNamesAndHugeCounts) {
  StoreContent dup;
  dup.meta = {{"a", SecureBytes{}}, {"a", SecureBytes{}}};
  EXPECT_EQ(decode_token_image(encoded(dup)).rv(), CKR_DATA_INVALID);
  StoreContent empty_name;
  empty_name.meta = {{"", SecureBytes{1}}};
  EXPECT_EQ(decode_token_image(encoded(empty_name)).rv(), CKR_DATA_INVALID);
  Bytes huge;
  LeWriter w(huge);
  w.u32(0xffffffffu);
  EXPECT_EQ(decode_token_image(huge).rv(), CKR_DATA_INVALID);
  Bytes huge_objects;
  LeWriter w2(huge_objects);
  w2.u32(0);
  w2.u32(0xffffffffu);
  EXPECT_EQ(decode_token_image(huge_objects).rv(), CKR_DATA_INVALID);
}

}  // namespace
}  // namespace craton

#include "object/key_lifecycle.h"

#include <gtest/gtest.h>

#include <cstring>

namespace craton {
namespace {

AttributeMap key_with(const char* start, const char* end) {
  AttributeMap attrs;
  if (start != nullptr) attrs.set(CKA_START_DATE, ByteView(reinterpret_cast<const std::uint8_t*>(start), std::strlen(start)));
  if (end != nullptr) attrs.set(CKA_END_DATE, ByteView(reinterpret_cast<const std::uint8_t*>(end), std::strlen(end)));
  return attrs;
}

TEST(KeyLifecycle, UtcDateFormatsYearMonthDay) {
  // 2024-02-29T23:59:59Z
  const auto t = std::chrono::system_clock::from_time_t(1709251199);
  EXPECT_EQ(utc_date(t), "20240229");
}

TEST(KeyLifecycle, NoDatesMeansNoLimit) {
  for (CK_FLAGS op : {CKF_SIGN, CKF_ENCRYPT, CKF_WRAP, CKF_DERIVE, CKF_VERIFY, CKF_DECRYPT, CKF_UNWRAP}) {
    EXPECT_TRUE(check_key_lifecycle(key_with(nullptr, nullptr), op, "20261124").ok());
    EXPECT_TRUE(check_key_lifecycle(key_with("", ""), op, "20261124").ok());
  }
}

TEST(KeyLifecycle, BeforeStartDateNothingIsPermitted) {
  const AttributeMap key = key_with("20261125", nullptr);
  for (CK_FLAGS op : {CKF_SIGN, CKF_ENCRYPT, CKF_WRAP, CKF_DERIVE, CKF_VERIFY, CKF_DECRYPT, CKF_UNWRAP}) {
    EXPECT_EQ(check_key_lifecycle(key, op, "20261124").rv(), CKR_KEY_FUNCTION_NOT_PERMITTED) << op;
  }
}

TEST(KeyLifecycle, StartAndEndDatesAreInsideTheActivePeriod) {
  const AttributeMap key = key_with("20261124", "20261124");
  for (CK_FLAGS op : {CKF_SIGN, CKF_ENCRYPT, CKF_WRAP, CKF_DERIVE, CKF_VERIFY, CKF_DECRYPT}) {
    EXPECT_TRUE(check_key_lifecycle(key, op, "20261124").ok()) << op;
  }
}

TEST(KeyLifecycle, AfterEndDateOnlyProcessing) {
  const AttributeMap key = key_with("20200101", "20261123");
  for (CK_FLAGS op : {CKF_SIGN, CKF_SIGN_RECOVER, CKF_ENCRYPT, CKF_WRAP, CKF_DERIVE, CKF_MESSAGE_ENCRYPT}) {
    EXPECT_EQ(check_key_lifecycle(key, op, "20261124").rv(), CKR_KEY_FUNCTION_NOT_PERMITTED) << op;
  }
  for (CK_FLAGS op : {CKF_VERIFY, CKF_VERIFY_RECOVER, CKF_DECRYPT, CKF_UNWRAP, CKF_MESSAGE_DECRYPT}) {
    EXPECT_TRUE(check_key_lifecycle(key, op, "20261124").ok()) << op;
  }
}

TEST(KeyLifecycle, YearBoundariesCompareCorrectly) {
  EXPECT_TRUE(check_key_lifecycle(key_with("20251231", "20270101"), CKF_SIGN, "20261124").ok());
  EXPECT_FALSE(check_key_lifecycle(key_with(nullptr, "20251231"), CKF_SIGN, "20260101").ok());
  EXPECT_FALSE(check_key_lifecycle(key_with("20270101", nullptr), CKF_VERIFY, "20261231").ok());
}

}  // namespace
}  // namespace craton

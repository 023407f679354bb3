#include "object/key_lifecycle.h"

#include <ctime>
#include <string_view>

namespace craton {
namespace {

// Operations that only process data protected earlier.
constexpr CK_FLAGS kProcessOps = CKF_VERIFY | CKF_VERIFY_RECOVER | CKF_DECRYPT | CKF_UNWRAP |
                                 CKF_MESSAGE_DECRYPT | CKF_MESSAGE_VERIFY | CKF_DECAPSULATE;

// The date as "YYYYMMDD", or empty when absent or empty (no limit).
std::string_view date_of(const AttributeMap& attrs, CK_ATTRIBUTE_TYPE type) {
  const SecureBytes* value = attrs.find(type);
  if (value == nullptr || value->size() != 8) return {};
  return std::string_view(reinterpret_cast<const char*>(value->data()), value->size());
}

}  // namespace

std::string utc_date(std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

Status check_key_lifecycle(const AttributeMap& key_attrs, CK_FLAGS op, const std::string& today) {
  // CK_DATE digits compare correctly as strings (validated at creation).
  const std::string_view start = date_of(key_attrs, CKA_START_DATE);
  if (!start.empty() && today < start) {
    return Status(CKR_KEY_FUNCTION_NOT_PERMITTED, "the key's CKA_START_DATE has not been reached");
  }
  const std::string_view end = date_of(key_attrs, CKA_END_DATE);
  if (!end.empty() && today > end && (op & kProcessOps) == 0) {
    return Status(CKR_KEY_FUNCTION_NOT_PERMITTED,
                  "the key's CKA_END_DATE has passed: it may only verify, decrypt or unwrap");
  }
  return Status::Ok();
}

}  // namespace craton

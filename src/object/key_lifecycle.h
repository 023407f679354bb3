// Key lifecycle from CKA_START_DATE / CKA_END_DATE (SP 800-57 Part 1 §5.3):
// before its start date a key is pre-operational and does nothing; after its
// end date it may still process (verify, decrypt, unwrap) what it protected
// while active, but protects nothing new (sign, encrypt, wrap, derive).
// Dates are CK_DATE "YYYYMMDD" in UTC; an absent or empty date is no limit;
// both dates themselves are inside the active period.
#pragma once

#include <chrono>

#include "core/status.h"
#include "object/attributes.h"

namespace craton {

// "YYYYMMDD" of `now` in UTC.
std::string utc_date(std::chrono::system_clock::time_point now);

// CKR_KEY_FUNCTION_NOT_PERMITTED when the dates in `key_attrs` forbid `op`
// (one CKF_* operation flag: CKF_SIGN, CKF_DECRYPT, ...) on `today`
// ("YYYYMMDD", from utc_date()).
Status check_key_lifecycle(const AttributeMap& key_attrs, CK_FLAGS op, const std::string& today);

}  // namespace craton

#include "core/key_checks.h"

#include "object/key_lifecycle.h"
#include "object/template_rules.h"

namespace craton {

Result<crypto::KeyPtr> checked_key(const crypto::Provider& provider, const MechanismPolicy& policy,
                                   const crypto::MechanismEntry& entry, const Object& object, const KeyUse& use) {
  if ((entry.flags & use.mechanism_flag) == 0) {
    return Status(CKR_MECHANISM_INVALID, std::string(entry.name) + " does not offer this operation");
  }
  RETURN_IF_ERROR(policy.permits_operation(entry, use.mechanism_flag));
  if (!object.is_key()) return Status(CKR_KEY_HANDLE_INVALID, "object is not a key");
  const CK_OBJECT_CLASS cls = object.object_class();
  if (cls > CKO_SECRET_KEY || (use.classes & class_bit(cls)) == 0) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "wrong key class for this operation");
  }
  const CK_KEY_TYPE type = object.key_type();
  if (!entry.key_types.contains(type)) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, std::string("key type does not fit ") + entry.name);
  }
  RETURN_IF_ERROR(check_key_usage(object.attrs, use.usage, entry.type));
  RETURN_IF_ERROR(check_key_lifecycle(object.attrs, use.mechanism_flag, utc_date(std::chrono::system_clock::now())));
  ASSIGN_OR_RETURN(crypto::KeyPtr key, object.key(provider));
  const CK_ULONG size = crypto::key_size_in_info_units(entry, *key);
  if ((entry.min_key_size != 0 && size < entry.min_key_size) ||
      (entry.max_key_size != 0 && size > entry.max_key_size)) {
    return Status(CKR_KEY_SIZE_RANGE, std::string("key size outside the range of ") + entry.name);
  }
  RETURN_IF_ERROR(policy.permits_key(entry, type, size));
  return key;
}

// Errors about the wrapping/unwrapping key get their own codes (§5.16).
Status as_wrapping_key_error(const Status& st, bool unwrap) {
  switch (st.rv()) {
    case CKR_KEY_HANDLE_INVALID:
      return Status(unwrap ? CKR_UNWRAPPING_KEY_HANDLE_INVALID : CKR_WRAPPING_KEY_HANDLE_INVALID, st.message());
    case CKR_KEY_TYPE_INCONSISTENT:
      return Status(unwrap ? CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT : CKR_WRAPPING_KEY_TYPE_INCONSISTENT, st.message());
    case CKR_KEY_SIZE_RANGE:
      return Status(unwrap ? CKR_UNWRAPPING_KEY_SIZE_RANGE : CKR_WRAPPING_KEY_SIZE_RANGE, st.message());
    default: return st;
  }
}

Status as_wrapped_key_error(const Status& st) {
  switch (st.rv()) {
    case CKR_ENCRYPTED_DATA_INVALID: return Status(CKR_WRAPPED_KEY_INVALID, st.message());
    case CKR_ENCRYPTED_DATA_LEN_RANGE: return Status(CKR_WRAPPED_KEY_LEN_RANGE, st.message());
    default: return st;
  }
}

}  // namespace craton

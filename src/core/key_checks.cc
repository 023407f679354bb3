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

}  // namespace craton

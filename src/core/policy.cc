#include "core/policy.h"

#include <algorithm>
#include <string>

namespace craton {

bool is_sha1_signature(CK_MECHANISM_TYPE type) {
  return type == CKM_SHA1_RSA_PKCS || type == CKM_SHA1_RSA_PKCS_PSS || type == CKM_ECDSA_SHA1;
}

MechanismPolicy::MechanismPolicy(const Config& config)
    : approved_only_(config.fips_approved_only),
      allow_sha1_signing_(config.allow_sha1_signing && !config.fips_approved_only),
      enable_pqc_(config.enable_pqc),
      enable_legacy_(config.enable_legacy && !config.fips_approved_only) {}

bool MechanismPolicy::offers(const crypto::MechanismEntry& entry) const {
  if (entry.legacy && !enable_legacy_) return false;
  if (entry.pqc && !enable_pqc_) return false;
  if (approved_only_ && !entry.approved) return false;
  return true;
}

CK_MECHANISM_INFO MechanismPolicy::info(const crypto::MechanismEntry& entry) const {
  CK_MECHANISM_INFO out{entry.min_key_size, entry.max_key_size, entry.flags};
  if (approved_only_) {
    out.flags &= ~entry.unapproved_ops;
    out.ulMinKeySize = std::max(out.ulMinKeySize, entry.approved_min_key_size);
  }
  if (!allow_sha1_signing_ && is_sha1_signature(entry.type)) out.flags &= ~CKF_SIGN;
  return out;
}

Status MechanismPolicy::permits_operation(const crypto::MechanismEntry& entry, CK_FLAGS op) const {
  if (!offers(entry)) return Status(CKR_MECHANISM_INVALID, std::string(entry.name) + " is disabled by policy");
  if (op == CKF_SIGN && is_sha1_signature(entry.type) && !allow_sha1_signing_) {
    return Status(CKR_MECHANISM_INVALID, "SHA-1 signature generation is disabled");
  }
  if (approved_only_ && (entry.unapproved_ops & op) != 0) {
    return Status(CKR_MECHANISM_INVALID,
                  std::string("this use of ") + entry.name + " is not approved (fips_approved_only)");
  }
  return Status::Ok();
}

Status MechanismPolicy::permits_key(const crypto::MechanismEntry& entry, CK_KEY_TYPE type, CK_ULONG size) const {
  if (!approved_only_) return Status::Ok();
  if (entry.unapproved_key_types.contains(type)) {
    return Status(CKR_KEY_TYPE_INCONSISTENT,
                  std::string("this key type is not approved with ") + entry.name + " (fips_approved_only)");
  }
  if (size < entry.approved_min_key_size) {
    return Status(CKR_KEY_SIZE_RANGE, std::string("key smaller than the approved minimum of ") + entry.name +
                                          " (fips_approved_only)");
  }
  return Status::Ok();
}

}  // namespace craton

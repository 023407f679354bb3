// MechanismPolicy: the one place that decides which mechanisms, operations,
// key types and key sizes the configuration allows ([algorithms] in
// craton_hsm.toml). It reads the registry rows' approval data
// (crypto/mechanism.h) and nothing else, so that C_GetMechanismList,
// C_GetMechanismInfo and every key-using call agree.
//
// Rules (docs/security-model.md):
// - enable_legacy = false, or fips_approved_only: legacy rows (DES3, MD5)
//   are hidden and refused.
// - enable_pqc = false: post-quantum rows are hidden and refused.
// - fips_approved_only: rows not approved are hidden and refused
//   (CKR_MECHANISM_INVALID); an approved row's unapproved operations (SHA-1
//   signature generation, RSA PKCS#1 v1.5 encryption) are masked out of its
//   flags and refused (CKR_MECHANISM_INVALID); keys below the approved size
//   (RSA < 2048 bits, HMAC < 112 bits) are refused (CKR_KEY_SIZE_RANGE) and
//   the reported minimum is raised; unapproved key types (X25519/X448 for
//   ECDH) are refused (CKR_KEY_TYPE_INCONSISTENT).
// - allow_sha1_signing = false: SHA-1 signature generation is refused;
//   verification of existing SHA-1 signatures always stays possible.
#pragma once

#include "core/config.h"
#include "core/status.h"
#include "crypto/mechanism.h"

namespace craton {

class MechanismPolicy {
 public:
  explicit MechanismPolicy(const Config& config);

  // The row is listed by C_GetMechanismList and may be used at all.
  bool offers(const crypto::MechanismEntry& entry) const;
  // C_GetMechanismInfo as this policy presents the row.
  CK_MECHANISM_INFO info(const crypto::MechanismEntry& entry) const;
  // `op` is one CKF_* operation flag (CKF_SIGN, CKF_WRAP, ...).
  Status permits_operation(const crypto::MechanismEntry& entry, CK_FLAGS op) const;
  // A key of `type` and `size` (CK_MECHANISM_INFO units) used with the row.
  Status permits_key(const crypto::MechanismEntry& entry, CK_KEY_TYPE type, CK_ULONG size) const;

 private:
  bool approved_only_;
  bool allow_sha1_signing_;
  bool enable_pqc_;
  bool enable_legacy_;
};

// True for the mechanisms whose signatures hash with SHA-1.
bool is_sha1_signature(CK_MECHANISM_TYPE type);

}  // namespace craton

#include <algorithm>
#include <vector>

#include "crypto/families.h"
#include "crypto/mechanism.h"

namespace craton::crypto {
namespace {

std::vector<MechanismEntry> build_registry() {
  std::vector<MechanismEntry> rows;
  for (auto family : {digest_mechanisms(), hmac_mechanisms(), kdf_mechanisms(), aes_mechanisms(),
                      des3_mechanisms(), rsa_mechanisms(), ec_mechanisms(), edwards_mechanisms(),
                      ml_dsa_mechanisms(), slh_dsa_mechanisms(), ml_kem_mechanisms(), hybrid_kem_mechanisms()}) {
    rows.insert(rows.end(), family.begin(), family.end());
  }
  std::sort(rows.begin(), rows.end(),
            [](const MechanismEntry& a, const MechanismEntry& b) { return a.type < b.type; });
  return rows;
}

// Built once, immutable afterwards: safe to read from any thread.
const std::vector<MechanismEntry>& registry() {
  static const std::vector<MechanismEntry> rows = build_registry();
  return rows;
}

}  // namespace

std::span<const MechanismEntry> all_mechanisms() { return registry(); }

const MechanismEntry* find_mechanism(CK_MECHANISM_TYPE type) {
  const auto& rows = registry();
  auto it = std::lower_bound(rows.begin(), rows.end(), type,
                             [](const MechanismEntry& e, CK_MECHANISM_TYPE t) { return e.type < t; });
  return (it != rows.end() && it->type == type) ? &*it : nullptr;
}

CK_ULONG key_size_in_info_units(const MechanismEntry& entry, const Key& key) {
  // The specification gives sizes in bytes for symmetric keys and for the
  // post-quantum families (their public key length, PKCS#11 3.2), bits otherwise.
  const bool bytes = key.object_class == CKO_SECRET_KEY || entry.pqc;
  return bytes ? key.bits / 8 : key.bits;
}

}  // namespace craton::crypto

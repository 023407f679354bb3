// Triple-DES (legacy): key generation, ECB, CBC and CBC-PAD. Offered only
// for existing data and interoperability: the rows are not approved (SP
// 800-131A Rev. 2 disallows TDEA encryption after 2023) and are hidden unless
// [algorithms] enable_legacy is set. OpenSSL 3.5's default provider carries
// DES-EDE3, so the legacy provider is not needed.
#include <algorithm>
#include <bit>
#include <optional>

#include "crypto/cipher_util.h"
#include "crypto/families.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

using CipherResult = Result<std::unique_ptr<CipherOperation>>;

constexpr std::size_t kDes3KeyLen = 24;
constexpr std::size_t kDesBlock = 8;

// DES keys carry odd parity in the low bit of each byte (FIPS 46-3 §3).
void set_odd_parity(SecureBytes& key) {
  for (auto& byte : key) {
    const std::uint8_t high = byte & 0xFE;
    byte = static_cast<std::uint8_t>(high | ((std::popcount(high) % 2 == 0) ? 1 : 0));
  }
}

// K1 == K2 or K2 == K3 collapses the cipher to single DES.
bool collapses_to_single_des(const SecureBytes& key) {
  return std::equal(key.begin(), key.begin() + 8, key.begin() + 8) ||
         std::equal(key.begin() + 8, key.begin() + 16, key.begin() + 16);
}

Result<AttributeMap> generate_des3_key(const MechanismCall& call, const AttributeMap& tmpl) {
  RETURN_IF_ERROR(require_no_param(call.mechanism));
  ASSIGN_OR_RETURN(std::optional<CK_ULONG> len, tmpl.checked_ulong(CKA_VALUE_LEN));
  if (len && *len != kDes3KeyLen) return Status(CKR_ATTRIBUTE_VALUE_INVALID, "DES3 keys are 24 bytes");
  SecureBytes value(kDes3KeyLen);
  // A collapsing draw has probability about 2^-55; bound the retries anyway.
  for (int attempt = 0;; ++attempt) {
    RETURN_IF_ERROR(call.provider.random(value));
    set_odd_parity(value);
    if (!collapses_to_single_des(value)) break;
    if (attempt == 8) return Status(CKR_FUNCTION_FAILED, "random generator keeps repeating key parts");
  }
  AttributeMap out;
  out.set(CKA_VALUE, std::move(value));
  out.set_ulong(CKA_VALUE_LEN, kDes3KeyLen);
  return out;
}

enum class Des3Mode { kEcb, kCbc, kCbcPad };

template <Des3Mode kMode, bool kEncrypt>
CipherResult des3_factory(const MechanismCall& call, const KeyPtr& key) {
  ASSIGN_OR_RETURN(ByteView secret, secret_key_bytes(key, CKK_DES3, {kDes3KeyLen}));
  BlockModeSpec spec;
  spec.key = secret;
  spec.encrypt = kEncrypt;
  CipherName name = CipherName::kDes3Ecb;
  if constexpr (kMode == Des3Mode::kEcb) {
    RETURN_IF_ERROR(require_no_param(call.mechanism));
  } else {
    ASSIGN_OR_RETURN(spec.iv, param_bytes(call.mechanism, kDesBlock));
    spec.padding = kMode == Des3Mode::kCbcPad;
    name = CipherName::kDes3Cbc;
  }
  ASSIGN_OR_RETURN(spec.cipher, fetch_cipher(call.provider, name));
  return make_block_mode_operation(spec);
}

constexpr CK_FLAGS kCipherFlags = CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP;

constexpr MechanismEntry kDes3Rows[] = {
    {.type = CKM_DES3_KEY_GEN, .name = "CKM_DES3_KEY_GEN", .key_types = {CKK_DES3},
     .min_key_size = kDes3KeyLen, .max_key_size = kDes3KeyLen, .flags = CKF_GENERATE, .approved = false,
     .legacy = true, .generate_key = &generate_des3_key},
    {.type = CKM_DES3_ECB, .name = "CKM_DES3_ECB", .key_types = {CKK_DES3}, .min_key_size = kDes3KeyLen,
     .max_key_size = kDes3KeyLen, .flags = kCipherFlags, .approved = false, .legacy = true,
     .encrypt = &des3_factory<Des3Mode::kEcb, true>, .decrypt = &des3_factory<Des3Mode::kEcb, false>},
    {.type = CKM_DES3_CBC, .name = "CKM_DES3_CBC", .key_types = {CKK_DES3}, .min_key_size = kDes3KeyLen,
     .max_key_size = kDes3KeyLen, .flags = kCipherFlags, .approved = false, .legacy = true,
     .encrypt = &des3_factory<Des3Mode::kCbc, true>, .decrypt = &des3_factory<Des3Mode::kCbc, false>},
    {.type = CKM_DES3_CBC_PAD, .name = "CKM_DES3_CBC_PAD", .key_types = {CKK_DES3},
     .min_key_size = kDes3KeyLen, .max_key_size = kDes3KeyLen, .flags = kCipherFlags, .approved = false,
     .legacy = true, .encrypt = &des3_factory<Des3Mode::kCbcPad, true>,
     .decrypt = &des3_factory<Des3Mode::kCbcPad, false>},
};

}  // namespace

std::span<const MechanismEntry> des3_mechanisms() { return kDes3Rows; }

}  // namespace craton::crypto

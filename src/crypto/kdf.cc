// Hash-based key derivation: HKDF (CKM_HKDF_DERIVE, CKM_HKDF_DATA,
// CKM_HKDF_KEY_GEN) and PBKDF2 (CKM_PKCS5_PBKD2), plus the module-internal
// PBKDF2/HKDF-SHA-256 of pbkdf2.h. All through EVP_KDF in the module libctx.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "crypto/families.h"
#include "crypto/hash_names.h"
#include "crypto/pbkdf2.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

struct EvpKdfDeleter {
  void operator()(EVP_KDF* kdf) const noexcept { EVP_KDF_free(kdf); }
};
struct EvpKdfCtxDeleter {
  void operator()(EVP_KDF_CTX* ctx) const noexcept { EVP_KDF_CTX_free(ctx); }
};

// OpenSSL's HKDF refuses longer info strings (HKDF_MAXINFO in 3.5).
constexpr std::size_t kMaxHkdfInfo = 32 * 1024;
// RFC 5869 §2.3: at most 255 blocks of output.
constexpr std::size_t kMaxHkdfBlocks = 255;
// Larger password lengths are refused; see read_pbkdf2_params for why.
constexpr CK_ULONG kMaxPasswordLen = 0xFFFF;

// An OSSL_PARAM octet string over caller bytes. OpenSSL only reads them, but
// its constructor takes void*; an empty view still gets a valid pointer.
OSSL_PARAM octet_param(const char* key, ByteView bytes) {
  static const unsigned char kEmpty = 0;
  const unsigned char* data = bytes.empty() ? &kEmpty : bytes.data();
  return OSSL_PARAM_construct_octet_string(key, const_cast<unsigned char*>(data), bytes.size());
}

// Runs the EVP_KDF `name` with `params` (OSSL_PARAM_END-terminated) into out_len bytes.
Result<SecureBytes> run_kdf(const Provider& provider, const char* name, const OSSL_PARAM* params,
                            std::size_t out_len) {
  // Fetched per derivation: derivations are rare next to their own cost.
  std::unique_ptr<EVP_KDF, EvpKdfDeleter> kdf(EVP_KDF_fetch(provider.libctx(), name, nullptr));
  if (!kdf) return openssl_failure(std::string("EVP_KDF_fetch ") + name);
  std::unique_ptr<EVP_KDF_CTX, EvpKdfCtxDeleter> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return Status(CKR_HOST_MEMORY, "EVP_KDF_CTX_new");
  SecureBytes out(out_len);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return openssl_failure(std::string("EVP_KDF_derive ") + name);
  }
  return out;
}

// ---------------------------------------------------------------- HKDF core

enum class HkdfMode { kExtractOnly, kExpandOnly, kExtractAndExpand };

struct HkdfInputs {
  const HashInfo* hash = nullptr;
  HkdfMode mode = HkdfMode::kExtractAndExpand;
  ByteView key;             // IKM, or the PRK for expand-only
  bool has_salt = false;    // false: RFC 5869's default salt (HashLen zeros)
  ByteView salt;
  ByteView info;
};

int openssl_hkdf_mode(HkdfMode mode) {
  switch (mode) {
    case HkdfMode::kExtractOnly: return EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
    case HkdfMode::kExpandOnly: return EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    case HkdfMode::kExtractAndExpand: break;
  }
  return EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND;
}

// The caller has checked out_len against the mode (hash size for extract-only,
// 1..255*HashLen otherwise).
Result<SecureBytes> run_hkdf(const Provider& provider, const HkdfInputs& in, std::size_t out_len) {
  int mode = openssl_hkdf_mode(in.mode);
  std::vector<OSSL_PARAM> params;
  params.push_back(OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                    const_cast<char*>(in.hash->openssl_name), 0));
  params.push_back(OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode));
  params.push_back(octet_param(OSSL_KDF_PARAM_KEY, in.key));
  // No salt parameter = zero-length salt, which HMAC pads to HashLen zeros:
  // exactly RFC 5869's "not provided" default.
  if (in.has_salt) params.push_back(octet_param(OSSL_KDF_PARAM_SALT, in.salt));
  if (!in.info.empty()) params.push_back(octet_param(OSSL_KDF_PARAM_INFO, in.info));
  params.push_back(OSSL_PARAM_construct_end());
  return run_kdf(provider, "HKDF", params.data(), out_len);
}

// ------------------------------------------------------ CK_HKDF_PARAMS parsing

// A pointer/length pair from caller memory as a view; a non-empty length needs a pointer.
Result<ByteView> caller_bytes(const void* ptr, CK_ULONG len, const char* what) {
  if (len == 0) return ByteView{};
  if (ptr == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, std::string(what) + ": NULL with a length");
  return view_of(ptr, len);
}

Result<CK_HKDF_PARAMS> read_hkdf_params(const CK_MECHANISM& mech) {
  if (mech.pParameter == nullptr || mech.ulParameterLen != sizeof(CK_HKDF_PARAMS)) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "HKDF needs CK_HKDF_PARAMS");
  }
  CK_HKDF_PARAMS params;
  std::memcpy(&params, mech.pParameter, sizeof(params));  // caller memory may be unaligned
  return params;
}

// The salt of an extracting HKDF (ulSaltType: exactly one CKF_HKDF_SALT_* value).
Status resolve_salt(const CK_HKDF_PARAMS& params, const KeyResolver& resolve, HkdfInputs& in,
                    KeyPtr& salt_key) {
  switch (params.ulSaltType) {
    case CKF_HKDF_SALT_NULL:
      in.has_salt = false;
      return Status::Ok();
    case CKF_HKDF_SALT_DATA: {
      if (params.pSalt == nullptr || params.ulSaltLen == 0) {
        return Status(CKR_MECHANISM_PARAM_INVALID, "CKF_HKDF_SALT_DATA without salt bytes");
      }
      in.has_salt = true;
      in.salt = view_of(params.pSalt, params.ulSaltLen);
      return Status::Ok();
    }
    case CKF_HKDF_SALT_KEY: {
      if (!resolve) return Status(CKR_MECHANISM_PARAM_INVALID, "no way to resolve the salt key");
      ASSIGN_OR_RETURN(salt_key, resolve(params.hSaltKey));
      if (!salt_key || salt_key->object_class != CKO_SECRET_KEY || salt_key->secret.empty()) {
        return Status(CKR_KEY_TYPE_INCONSISTENT, "HKDF salt key must be a non-empty secret key");
      }
      in.has_salt = true;
      in.salt = salt_key->secret;
      return Status::Ok();
    }
    default:
      return Status(CKR_MECHANISM_PARAM_INVALID, "unknown HKDF salt type");
  }
}

// The base key's material. CKM_HKDF_DERIVE: a secret key. CKM_HKDF_DATA: the
// core delivers a CKO_DATA object's CKA_VALUE as a Key of class CKO_DATA; a
// secret key is accepted too (NSS derives data from HKDF keys that way).
Result<ByteView> base_material(CK_MECHANISM_TYPE mechanism, const KeyPtr& base) {
  if (!base) return Status(CKR_KEY_HANDLE_INVALID, "no base key");
  const bool data_ok = mechanism == CKM_HKDF_DATA && base->object_class == CKO_DATA;
  if (base->object_class != CKO_SECRET_KEY && !data_ok) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "HKDF base must be a secret key (or data for HKDF_DATA)");
  }
  return ByteView(base->secret);
}

// The output length for the chosen mode (see CK_HKDF_PARAMS in PKCS#11 3.0).
Result<std::size_t> hkdf_output_length(const HkdfInputs& in, std::size_t requested) {
  const std::size_t hash_len = in.hash->digest_size;
  if (in.mode == HkdfMode::kExtractOnly) {
    // The output is the PRK; a template may restate its size but not change it.
    if (requested != 0 && requested != hash_len) {
      return Status(CKR_KEY_SIZE_RANGE, "extract-only HKDF yields exactly the hash length");
    }
    return hash_len;
  }
  if (requested == 0) return Status(CKR_TEMPLATE_INCOMPLETE, "HKDF expand needs an output length");
  if (requested > kMaxHkdfBlocks * hash_len) return Status(CKR_KEY_SIZE_RANGE, "HKDF output too long");
  return requested;
}

Result<SecureBytes> derive_hkdf(const MechanismCall& call, const KeyPtr& base, std::size_t length,
                                const KeyResolver& resolve) {
  ASSIGN_OR_RETURN(CK_HKDF_PARAMS params, read_hkdf_params(call.mechanism));
  const bool extract = params.bExtract != CK_FALSE;
  const bool expand = params.bExpand != CK_FALSE;
  if (!extract && !expand) return Status(CKR_MECHANISM_PARAM_INVALID, "HKDF with neither extract nor expand");
  HkdfInputs in;
  in.hash = hash_by_mechanism(params.prfHashMechanism);
  if (in.hash == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "unsupported HKDF hash");
  in.mode = !expand ? HkdfMode::kExtractOnly : (extract ? HkdfMode::kExtractAndExpand : HkdfMode::kExpandOnly);
  ASSIGN_OR_RETURN(in.key, base_material(call.mechanism.mechanism, base));
  KeyPtr salt_key;  // keeps a resolved salt key's bytes alive until the end
  if (extract) RETURN_IF_ERROR(resolve_salt(params, resolve, in, salt_key));
  ASSIGN_OR_RETURN(ByteView info, caller_bytes(params.pInfo, params.ulInfoLen, "HKDF pInfo"));
  if (info.size() > kMaxHkdfInfo) return Status(CKR_MECHANISM_PARAM_INVALID, "HKDF info too long");
  if (expand) in.info = info;  // extract-only ignores info
  ASSIGN_OR_RETURN(std::size_t out_len, hkdf_output_length(in, length));
  return run_hkdf(call.provider, in, out_len);
}

// -------------------------------------------------------------- PBKDF2 core

Result<SecureBytes> run_pbkdf2(const Provider& provider, const HashInfo& hash, ByteView password,
                               ByteView salt, std::uint64_t iterations, std::size_t out_len) {
  // pkcs5 = 1 turns off SP 800-132's lower bounds (112-bit output, 128-bit
  // salt, 1000 iterations) so that PKCS#5 inputs such as RFC 6070's and
  // legacy applications' keep working; approved-mode policy is enforced above
  // this layer. (The default provider has them off already; the explicit flag
  // keeps behaviour stable whichever provider serves PBKDF2.)
  int pkcs5 = 1;
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(hash.openssl_name), 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5),
      octet_param(OSSL_KDF_PARAM_PASSWORD, password),
      octet_param(OSSL_KDF_PARAM_SALT, salt),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iterations),
      OSSL_PARAM_construct_end()};
  return run_kdf(provider, "PBKDF2", params, out_len);
}

// CK_PKCS5_PBKD2_PARAMS2 carries the password length by value; the older
// CK_PKCS5_PBKD2_PARAMS by pointer. Where the two structs differ in size
// (LLP64), ulParameterLen tells them apart. On LP64 and ILP32 they have the
// same size, so the field itself decides: a value up to kMaxPasswordLen is a
// length, anything larger is taken as a pointer (no valid pointer lies in the
// first 64 KiB: Linux's default vm.mmap_min_addr is 65536). Passwords of
// 64 KiB and more are therefore refused in both forms.
Result<CK_ULONG> password_length(const CK_MECHANISM& mech, CK_ULONG value_field) {
  const bool same_size = sizeof(CK_PKCS5_PBKD2_PARAMS) == sizeof(CK_PKCS5_PBKD2_PARAMS2);
  const bool by_value = same_size ? value_field <= kMaxPasswordLen
                                  : mech.ulParameterLen == sizeof(CK_PKCS5_PBKD2_PARAMS2);
  CK_ULONG length = value_field;
  if (!by_value) {
    // ulParameterLen == sizeof(CK_PKCS5_PBKD2_PARAMS) here in both cases.
    CK_PKCS5_PBKD2_PARAMS legacy;
    std::memcpy(&legacy, mech.pParameter, sizeof(legacy));
    if (legacy.ulPasswordLen == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "NULL ulPasswordLen");
    std::memcpy(&length, legacy.ulPasswordLen, sizeof(length));
  }
  if (length > kMaxPasswordLen) return Status(CKR_MECHANISM_PARAM_INVALID, "PBKDF2 password too long");
  return length;
}

struct Pbkdf2Request {
  const HashInfo* hash = nullptr;
  ByteView password;
  ByteView salt;
  std::uint64_t iterations = 0;
};

Result<Pbkdf2Request> read_pbkdf2_params(const CK_MECHANISM& mech) {
  if (mech.pParameter == nullptr || (mech.ulParameterLen != sizeof(CK_PKCS5_PBKD2_PARAMS2) &&
                                     mech.ulParameterLen != sizeof(CK_PKCS5_PBKD2_PARAMS))) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "PBKDF2 needs CK_PKCS5_PBKD2_PARAMS2");
  }
  // Both layouts agree up to the last field; read as PARAMS2 (zero-filled if
  // the caller's struct is the shorter one) and let password_length()
  // interpret ulPasswordLen.
  CK_PKCS5_PBKD2_PARAMS2 params{};
  std::memcpy(&params, mech.pParameter, std::min<std::size_t>(mech.ulParameterLen, sizeof(params)));
  if (params.saltSource != CKZ_SALT_SPECIFIED) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "PBKDF2 salt source must be CKZ_SALT_SPECIFIED");
  }
  if (params.iterations == 0) return Status(CKR_MECHANISM_PARAM_INVALID, "PBKDF2 iterations must be >= 1");
  Pbkdf2Request request;
  request.hash = hash_by_pbkdf2_prf(params.prf);
  if (request.hash == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "unsupported PBKDF2 PRF");
  request.iterations = params.iterations;
  ASSIGN_OR_RETURN(request.salt, caller_bytes(params.pSaltSourceData, params.ulSaltSourceDataLen, "PBKDF2 salt"));
  ASSIGN_OR_RETURN(CK_ULONG password_len, password_length(mech, params.ulPasswordLen));
  ASSIGN_OR_RETURN(request.password, caller_bytes(params.pPassword, password_len, "PBKDF2 password"));
  return request;
}

Result<AttributeMap> generate_pbkdf2(const MechanismCall& call, const AttributeMap& tmpl) {
  ASSIGN_OR_RETURN(Pbkdf2Request request, read_pbkdf2_params(call.mechanism));
  ASSIGN_OR_RETURN(std::size_t len, required_value_len(tmpl, kMaxSecretKeyBytes));
  ASSIGN_OR_RETURN(SecureBytes value, run_pbkdf2(call.provider, *request.hash, request.password, request.salt,
                                                 request.iterations, len));
  AttributeMap out;
  out.set(CKA_VALUE, std::move(value));
  out.set_ulong(CKA_VALUE_LEN, len);
  return out;
}

// ------------------------------------------------------------------- rows

// HKDF base keys: no upper bound beyond what a CK_ULONG attribute can hold
// (an ECDH secret, a data object...). CKM_PKCS5_PBKD2 takes no base key and
// may produce any secret key type, so its key_types list is empty.
constexpr CK_ULONG kMaxHkdfBaseBytes = std::numeric_limits<std::uint32_t>::max();

const MechanismEntry kKdfRows[] = {
    MechanismEntry{.type = CKM_PKCS5_PBKD2, .name = "CKM_PKCS5_PBKD2", .min_key_size = 1,
                   .max_key_size = kMaxSecretKeyBytes, .flags = CKF_GENERATE, .generate_key = &generate_pbkdf2},
    MechanismEntry{.type = CKM_HKDF_DERIVE, .name = "CKM_HKDF_DERIVE", .key_types = {CKK_GENERIC_SECRET, CKK_HKDF},
                   .min_key_size = 1, .max_key_size = kMaxHkdfBaseBytes, .flags = CKF_DERIVE,
                   .derive = &derive_hkdf},
    MechanismEntry{.type = CKM_HKDF_DATA, .name = "CKM_HKDF_DATA", .key_types = {CKK_GENERIC_SECRET, CKK_HKDF},
                   .min_key_size = 1, .max_key_size = kMaxHkdfBaseBytes, .flags = CKF_DERIVE,
                   .derive = &derive_hkdf},
    MechanismEntry{.type = CKM_HKDF_KEY_GEN, .name = "CKM_HKDF_KEY_GEN", .key_types = {CKK_HKDF},
                   .min_key_size = 1, .max_key_size = kMaxSecretKeyBytes, .flags = CKF_GENERATE,
                   .generate_key = &generate_random_secret},
};

}  // namespace

std::span<const MechanismEntry> kdf_mechanisms() { return kKdfRows; }

// ------------------------------------------------------- internal (pbkdf2.h)

Result<SecureBytes> pbkdf2_hmac_sha256(const Provider& provider, ByteView password, ByteView salt,
                                       std::uint32_t iterations, std::size_t out_len) {
  if (iterations == 0 || out_len == 0 || out_len > kMaxSecretKeyBytes) {
    return Status(CKR_ARGUMENTS_BAD, "pbkdf2_hmac_sha256: bad iterations or length");
  }
  return run_pbkdf2(provider, *hash_by_mechanism(CKM_SHA256), password, salt, iterations, out_len);
}

Result<SecureBytes> hkdf_sha256(const Provider& provider, ByteView ikm, ByteView salt, ByteView info,
                                std::size_t out_len) {
  HkdfInputs in;
  in.hash = hash_by_mechanism(CKM_SHA256);
  in.key = ikm;
  in.has_salt = !salt.empty();
  in.salt = salt;
  in.info = info;
  if (out_len == 0 || out_len > kMaxHkdfBlocks * in.hash->digest_size || info.size() > kMaxHkdfInfo) {
    return Status(CKR_ARGUMENTS_BAD, "hkdf_sha256: bad length or info");
  }
  return run_hkdf(provider, in, out_len);
}

}  // namespace craton::crypto

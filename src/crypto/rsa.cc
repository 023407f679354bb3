// RSA: key-pair generation, PKCS#1 v1.5, raw (X.509), PSS and OAEP, and the
// hash-and-sign mechanisms. Every operation takes a fresh EVP_PKEY_CTX from
// the key's cached EVP_PKEY; digests come from the Provider's cache.
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>

#include "crypto/families.h"
#include "crypto/hash_names.h"
#include "crypto/key_attributes.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

// Moduli usable with the rows, and the sizes we generate (DESIGN.md §3:
// nothing below 2048 bits is created; 1024-bit keys may still be imported
// and used, which approved mode refuses).
constexpr CK_ULONG kMinUseBits = 1024;
constexpr CK_ULONG kMaxBits = 8192;
constexpr CK_ULONG kMinGenerateBits = 2048;
// PKCS#1 v1.5 padding takes at least 11 bytes (RFC 8017 §7.2.1, §8.2.1).
constexpr std::size_t kPkcs1Overhead = 11;

enum class Scheme { kPkcs1, kX509, kPss, kOaep };

struct RsaMechanism {
  CK_MECHANISM_TYPE type;
  Scheme scheme;
  CK_MECHANISM_TYPE hash;  // hash-and-sign mechanisms; 0 for the raw ones
};

constexpr RsaMechanism kMechanisms[] = {
    {CKM_RSA_PKCS, Scheme::kPkcs1, 0},
    {CKM_RSA_X_509, Scheme::kX509, 0},
    {CKM_RSA_PKCS_PSS, Scheme::kPss, 0},
    {CKM_RSA_PKCS_OAEP, Scheme::kOaep, 0},
    {CKM_SHA1_RSA_PKCS, Scheme::kPkcs1, CKM_SHA_1},
    {CKM_SHA224_RSA_PKCS, Scheme::kPkcs1, CKM_SHA224},
    {CKM_SHA256_RSA_PKCS, Scheme::kPkcs1, CKM_SHA256},
    {CKM_SHA384_RSA_PKCS, Scheme::kPkcs1, CKM_SHA384},
    {CKM_SHA512_RSA_PKCS, Scheme::kPkcs1, CKM_SHA512},
    {CKM_SHA3_224_RSA_PKCS, Scheme::kPkcs1, CKM_SHA3_224},
    {CKM_SHA3_256_RSA_PKCS, Scheme::kPkcs1, CKM_SHA3_256},
    {CKM_SHA3_384_RSA_PKCS, Scheme::kPkcs1, CKM_SHA3_384},
    {CKM_SHA3_512_RSA_PKCS, Scheme::kPkcs1, CKM_SHA3_512},
    {CKM_SHA1_RSA_PKCS_PSS, Scheme::kPss, CKM_SHA_1},
    {CKM_SHA224_RSA_PKCS_PSS, Scheme::kPss, CKM_SHA224},
    {CKM_SHA256_RSA_PKCS_PSS, Scheme::kPss, CKM_SHA256},
    {CKM_SHA384_RSA_PKCS_PSS, Scheme::kPss, CKM_SHA384},
    {CKM_SHA512_RSA_PKCS_PSS, Scheme::kPss, CKM_SHA512},
    {CKM_SHA3_224_RSA_PKCS_PSS, Scheme::kPss, CKM_SHA3_224},
    {CKM_SHA3_256_RSA_PKCS_PSS, Scheme::kPss, CKM_SHA3_256},
    {CKM_SHA3_384_RSA_PKCS_PSS, Scheme::kPss, CKM_SHA3_384},
    {CKM_SHA3_512_RSA_PKCS_PSS, Scheme::kPss, CKM_SHA3_512},
};

// A mechanism with its parameters checked and resolved.
struct RsaConfig {
  Scheme scheme = Scheme::kPkcs1;
  const HashInfo* hash = nullptr;      // message hash (hash-and-sign), PSS/OAEP hashAlg
  const HashInfo* mgf_hash = nullptr;  // PSS/OAEP MGF1 hash
  bool hash_in_module = false;         // hash-and-sign: we hash the data
  int salt_len = 0;                    // PSS
  Bytes label;                         // OAEP
};

Result<const HashInfo*> mgf_hash(CK_RSA_PKCS_MGF_TYPE mgf) {
  const HashInfo* hash = hash_by_mgf(mgf);
  if (hash == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "unsupported MGF");
  return hash;
}

Status parse_pss(const CK_MECHANISM& mech, const HashInfo* fixed_hash, RsaConfig& cfg) {
  ASSIGN_OR_RETURN(const CK_RSA_PKCS_PSS_PARAMS* params, mechanism_param<CK_RSA_PKCS_PSS_PARAMS>(mech));
  if (params == nullptr) {
    // The hash-and-sign forms default to the mechanism's hash, MGF1 with it
    // and a salt as long as the hash (RFC 8017 recommendation); raw PSS
    // cannot know the hash, so it needs the parameters.
    if (fixed_hash == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "CKM_RSA_PKCS_PSS needs parameters");
    cfg.hash = cfg.mgf_hash = fixed_hash;
    cfg.salt_len = static_cast<int>(fixed_hash->digest_size);
    return Status::Ok();
  }
  cfg.hash = hash_by_mechanism(params->hashAlg);
  if (cfg.hash == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "unsupported PSS hashAlg");
  if (fixed_hash != nullptr && cfg.hash != fixed_hash) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "PSS hashAlg differs from the mechanism's hash");
  }
  ASSIGN_OR_RETURN(cfg.mgf_hash, mgf_hash(params->mgf));
  if (params->sLen > static_cast<CK_ULONG>(kMaxBits / 8)) return Status(CKR_MECHANISM_PARAM_INVALID, "PSS sLen too large");
  cfg.salt_len = static_cast<int>(params->sLen);
  return Status::Ok();
}

Status parse_oaep(const CK_MECHANISM& mech, RsaConfig& cfg) {
  ASSIGN_OR_RETURN(const CK_RSA_PKCS_OAEP_PARAMS* params, mechanism_param<CK_RSA_PKCS_OAEP_PARAMS>(mech));
  if (params == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "CKM_RSA_PKCS_OAEP needs parameters");
  cfg.hash = hash_by_mechanism(params->hashAlg);
  if (cfg.hash == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "unsupported OAEP hashAlg");
  ASSIGN_OR_RETURN(cfg.mgf_hash, mgf_hash(params->mgf));
  ASSIGN_OR_RETURN(ByteView label, param_buffer(params->pSourceData, params->ulSourceDataLen));
  // CKZ_DATA_SPECIFIED is the only source the specification defines; some
  // callers leave it 0 when they have no label, which means the same.
  if (params->source != CKZ_DATA_SPECIFIED && !(params->source == 0 && label.empty())) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "OAEP source must be CKZ_DATA_SPECIFIED");
  }
  cfg.label = copy_bytes(label);
  return Status::Ok();
}

Result<RsaConfig> parse_config(const CK_MECHANISM& mech) {
  const auto* entry = std::find_if(std::begin(kMechanisms), std::end(kMechanisms),
                                   [&](const RsaMechanism& m) { return m.type == mech.mechanism; });
  if (entry == std::end(kMechanisms)) return Status(CKR_MECHANISM_INVALID, "not an RSA mechanism");
  RsaConfig cfg;
  cfg.scheme = entry->scheme;
  const HashInfo* fixed_hash = entry->hash != 0 ? hash_by_mechanism(entry->hash) : nullptr;
  cfg.hash_in_module = fixed_hash != nullptr;
  switch (cfg.scheme) {
    case Scheme::kPss:
      RETURN_IF_ERROR(parse_pss(mech, fixed_hash, cfg));
      break;
    case Scheme::kOaep:
      RETURN_IF_ERROR(parse_oaep(mech, cfg));
      break;
    default:
      if (mech.ulParameterLen != 0) return Status(CKR_MECHANISM_PARAM_INVALID, "mechanism takes no parameter");
      cfg.hash = fixed_hash;
  }
  return cfg;
}

int padding_of(Scheme scheme) {
  switch (scheme) {
    case Scheme::kPkcs1: return RSA_PKCS1_PADDING;
    case Scheme::kX509: return RSA_NO_PADDING;
    case Scheme::kPss: return RSA_PKCS1_PSS_PADDING;
    case Scheme::kOaep: return RSA_PKCS1_OAEP_PADDING;
  }
  return RSA_NO_PADDING;
}

// Sets padding, digests, salt and label on a freshly initialised context.
// PKCS#1 v1.5 decryption keeps OpenSSL's implicit rejection (RFC 8017 §7.2.2
// note, "Marvin"): a bad padding yields a pseudo-random message instead of
// an error, so C_Decrypt/C_UnwrapKey cannot be used as a padding oracle.
Status configure(const Provider& provider, EVP_PKEY_CTX* ctx, const RsaConfig& cfg) {
  bool ok = EVP_PKEY_CTX_set_rsa_padding(ctx, padding_of(cfg.scheme)) == 1;
  const EVP_MD* md = cfg.hash != nullptr ? provider.md(cfg.hash->openssl_name) : nullptr;
  const EVP_MD* mgf = cfg.mgf_hash != nullptr ? provider.md(cfg.mgf_hash->openssl_name) : nullptr;
  if ((cfg.hash != nullptr && md == nullptr) || (cfg.mgf_hash != nullptr && mgf == nullptr)) {
    return Status(CKR_FUNCTION_FAILED, "digest unavailable");
  }
  if (cfg.scheme == Scheme::kOaep) {
    ok = ok && EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, mgf) == 1;
    if (ok && !cfg.label.empty()) {
      void* label = OPENSSL_memdup(cfg.label.data(), cfg.label.size());  // the context takes ownership
      ok = label != nullptr && EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, static_cast<int>(cfg.label.size())) == 1;
      if (!ok) OPENSSL_free(label);
    }
  } else if (md != nullptr) {
    ok = ok && EVP_PKEY_CTX_set_signature_md(ctx, md) == 1;
    if (cfg.scheme == Scheme::kPss) {
      ok = ok && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, mgf) == 1 && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, cfg.salt_len) == 1;
    }
  }
  if (!ok) return openssl_error(CKR_FUNCTION_FAILED, "RSA context setup");
  return Status::Ok();
}

using InitFn = int (*)(EVP_PKEY_CTX*, const OSSL_PARAM*);

// A context for one operation on `key`, initialised and configured.
Result<PkeyCtxPtr> operation_ctx(const Provider& provider, const Key& key, const RsaConfig& cfg, InitFn init) {
  ASSIGN_OR_RETURN(PkeyCtxPtr ctx, new_pkey_ctx(provider, key.pkey.get()));
  if (init(ctx.get(), nullptr) != 1) return openssl_error(CKR_FUNCTION_FAILED, "RSA operation init");
  RETURN_IF_ERROR(configure(provider, ctx.get(), cfg));
  return ctx;
}

std::size_t modulus_bytes(const Key& key) { return static_cast<std::size_t>(EVP_PKEY_get_size(key.pkey.get())); }

// Longest input the operation accepts (single-shot schemes).
std::size_t max_input(const RsaConfig& cfg, std::size_t k) {
  switch (cfg.scheme) {
    case Scheme::kPkcs1: return k > kPkcs1Overhead ? k - kPkcs1Overhead : 0;
    case Scheme::kX509: return k;
    case Scheme::kPss: return cfg.hash->digest_size;
    case Scheme::kOaep: {
      const std::size_t overhead = 2 * cfg.hash->digest_size + 2;
      return k > overhead ? k - overhead : 0;
    }
  }
  return 0;
}

// Raw RSA works on k-byte blocks: shorter input is a smaller integer.
SecureBytes left_pad(ByteView in, std::size_t k) {
  SecureBytes out(k - in.size(), 0);
  out.insert(out.end(), in.begin(), in.end());
  return out;
}

Status check_key(const KeyPtr& key, bool need_private) {
  if (!key || !key->pkey || key->key_type != CKK_RSA) return Status(CKR_KEY_TYPE_INCONSISTENT, "not an RSA key");
  if (need_private && key->object_class != CKO_PRIVATE_KEY) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "operation needs the private key");
  }
  return Status::Ok();
}

// PSS needs emLen >= hLen + sLen + 2 (RFC 8017 §9.1.1), emLen = ceil((bits - 1) / 8).
Status check_pss_fits(const Key& key, const RsaConfig& cfg) {
  if (cfg.scheme != Scheme::kPss) return Status::Ok();
  const std::size_t em_len = (static_cast<std::size_t>(EVP_PKEY_get_bits(key.pkey.get())) - 1 + 7) / 8;
  if (em_len < cfg.hash->digest_size + static_cast<std::size_t>(cfg.salt_len) + 2) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "PSS salt too long for this key");
  }
  return Status::Ok();
}

Result<SignatureInput> make_input(const Provider& provider, const RsaConfig& cfg, std::size_t k) {
  if (cfg.hash_in_module) return SignatureInput::hashing(provider.md(cfg.hash->openssl_name));
  return SignatureInput::collecting(max_input(cfg, k), SignatureInput::Overflow::kError);
}

// ---- Sign / verify -------------------------------------------------------------

class RsaSign final : public SignOperation {
 public:
  RsaSign(const Provider& provider, KeyPtr key, RsaConfig cfg, SignatureInput input)
      : provider_(provider), key_(std::move(key)), cfg_(std::move(cfg)), input_(std::move(input)) {}

  std::size_t signature_length() const override { return modulus_bytes(*key_); }
  Status update(ByteView part) override { return input_.update(part); }

  Status final(Bytes& signature) override {
    ASSIGN_OR_RETURN(SecureBytes tbs, input_.finish());
    const std::size_t k = modulus_bytes(*key_);
    if (cfg_.scheme == Scheme::kPss && tbs.size() != cfg_.hash->digest_size) {
      return Status(CKR_DATA_LEN_RANGE, "PSS input must be a hash of the parameters' hashAlg");
    }
    if (cfg_.scheme == Scheme::kX509) tbs = left_pad(tbs, k);
    ASSIGN_OR_RETURN(PkeyCtxPtr ctx, operation_ctx(provider_, *key_, cfg_, EVP_PKEY_sign_init_ex));
    const std::size_t start = signature.size();
    signature.resize(start + k);
    std::size_t len = k;
    if (EVP_PKEY_sign(ctx.get(), signature.data() + start, &len, tbs.data(), tbs.size()) != 1) {
      signature.resize(start);
      // Raw RSA fails only for an input not below the modulus.
      return openssl_error(cfg_.scheme == Scheme::kX509 ? CKR_DATA_INVALID : CKR_FUNCTION_FAILED, "RSA sign");
    }
    signature.resize(start + len);
    return Status::Ok();
  }

 private:
  const Provider& provider_;
  KeyPtr key_;
  RsaConfig cfg_;
  SignatureInput input_;
};

class RsaVerify final : public VerifyOperation {
 public:
  RsaVerify(const Provider& provider, KeyPtr key, RsaConfig cfg, SignatureInput input)
      : provider_(provider), key_(std::move(key)), cfg_(std::move(cfg)), input_(std::move(input)) {}

  Status update(ByteView part) override { return input_.update(part); }

  Status final(ByteView signature) override {
    ASSIGN_OR_RETURN(SecureBytes tbs, input_.finish());
    const std::size_t k = modulus_bytes(*key_);
    if (signature.size() != k) return Status(CKR_SIGNATURE_LEN_RANGE, "RSA signature must be k bytes");
    if (cfg_.scheme == Scheme::kPss && tbs.size() != cfg_.hash->digest_size) {
      return Status(CKR_DATA_LEN_RANGE, "PSS input must be a hash of the parameters' hashAlg");
    }
    if (cfg_.scheme == Scheme::kX509) tbs = left_pad(tbs, k);
    ASSIGN_OR_RETURN(PkeyCtxPtr ctx, operation_ctx(provider_, *key_, cfg_, EVP_PKEY_verify_init_ex));
    if (EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), tbs.data(), tbs.size()) != 1) {
      return openssl_error(CKR_SIGNATURE_INVALID, "RSA verify");
    }
    return Status::Ok();
  }

 private:
  const Provider& provider_;
  KeyPtr key_;
  RsaConfig cfg_;
  SignatureInput input_;
};

// ---- Encrypt / decrypt / sign-recover / verify-recover ------------------------------

enum class Direction { kEncrypt, kDecrypt, kSignRecover, kVerifyRecover };

// All four are single-shot primitives: update() collects, final() runs.
class RsaCipher final : public CipherOperation {
 public:
  RsaCipher(const Provider& provider, KeyPtr key, RsaConfig cfg, Direction direction)
      : provider_(provider), key_(std::move(key)), cfg_(std::move(cfg)), direction_(direction),
        k_(modulus_bytes(*key_)) {}

  std::size_t update_length(std::size_t) const override { return 0; }
  std::size_t final_length() const override { return k_; }
  std::size_t run_length(std::size_t) const override { return k_; }

  Status update(ByteView in, Bytes&) override {
    // Inputs are at most k bytes; remember an overflow instead of growing.
    if (in.size() > k_ - std::min(k_, data_.size())) too_long_ = true;
    if (!too_long_) data_.insert(data_.end(), in.begin(), in.end());
    return Status::Ok();
  }

  Status run(ByteView in, Bytes& out) override {
    RETURN_IF_ERROR(update(in, out));
    return final(out);
  }

  Status final(Bytes& out) override {
    switch (direction_) {
      case Direction::kEncrypt: return transform(out, EVP_PKEY_encrypt_init_ex, EVP_PKEY_encrypt);
      case Direction::kSignRecover: return transform(out, EVP_PKEY_sign_init_ex, EVP_PKEY_sign);
      case Direction::kDecrypt: return recover(out, EVP_PKEY_decrypt_init_ex, EVP_PKEY_decrypt);
      case Direction::kVerifyRecover: return recover(out, EVP_PKEY_verify_recover_init_ex, EVP_PKEY_verify_recover);
    }
    return Status(CKR_GENERAL_ERROR, "bad direction");
  }

  std::unique_ptr<CipherOperation> clone() const override { return std::make_unique<RsaCipher>(*this); }

 private:
  using Op = int (*)(EVP_PKEY_CTX*, unsigned char*, std::size_t*, const unsigned char*, std::size_t);

  // Encrypt and sign-recover: message -> k-byte block.
  Status transform(Bytes& out, InitFn init, Op op) {
    if (too_long_ || data_.size() > max_input(cfg_, k_)) return Status(CKR_DATA_LEN_RANGE, "input too long for the key");
    SecureBytes in = cfg_.scheme == Scheme::kX509 ? left_pad(data_, k_) : data_;
    return apply(out, init, op, in, cfg_.scheme == Scheme::kX509 ? CKR_DATA_INVALID : CKR_FUNCTION_FAILED);
  }

  // Decrypt and verify-recover: k-byte block -> message.
  Status recover(Bytes& out, InitFn init, Op op) {
    const bool decrypt = direction_ == Direction::kDecrypt;
    if (too_long_ || data_.size() != k_) {
      return Status(decrypt ? CKR_ENCRYPTED_DATA_LEN_RANGE : CKR_SIGNATURE_LEN_RANGE, "input must be k bytes");
    }
    return apply(out, init, op, data_, decrypt ? CKR_ENCRYPTED_DATA_INVALID : CKR_SIGNATURE_INVALID);
  }

  Status apply(Bytes& out, InitFn init, Op op, const SecureBytes& in, CK_RV failure) {
    ASSIGN_OR_RETURN(PkeyCtxPtr ctx, operation_ctx(provider_, *key_, cfg_, init));
    // Decrypted plaintext may be key material (C_UnwrapKey): stage it in
    // wiped memory.
    SecureBytes result(k_);
    std::size_t len = result.size();
    if (op(ctx.get(), result.data(), &len, in.data(), in.size()) != 1) return openssl_error(failure, "RSA operation");
    out.insert(out.end(), result.begin(), result.begin() + static_cast<std::ptrdiff_t>(len));
    return Status::Ok();
  }

  const Provider& provider_;
  KeyPtr key_;
  RsaConfig cfg_;
  Direction direction_;
  std::size_t k_;
  SecureBytes data_;
  bool too_long_ = false;
};

// ---- Factories -------------------------------------------------------------------------

Result<std::unique_ptr<SignOperation>> make_sign(const MechanismCall& call, const KeyPtr& key) {
  RETURN_IF_ERROR(check_key(key, true));
  ASSIGN_OR_RETURN(RsaConfig cfg, parse_config(call.mechanism));
  RETURN_IF_ERROR(check_pss_fits(*key, cfg));
  ASSIGN_OR_RETURN(SignatureInput input, make_input(call.provider, cfg, modulus_bytes(*key)));
  return std::unique_ptr<SignOperation>(new RsaSign(call.provider, key, std::move(cfg), std::move(input)));
}

Result<std::unique_ptr<VerifyOperation>> make_verify(const MechanismCall& call, const KeyPtr& key) {
  RETURN_IF_ERROR(check_key(key, false));
  ASSIGN_OR_RETURN(RsaConfig cfg, parse_config(call.mechanism));
  RETURN_IF_ERROR(check_pss_fits(*key, cfg));
  ASSIGN_OR_RETURN(SignatureInput input, make_input(call.provider, cfg, modulus_bytes(*key)));
  return std::unique_ptr<VerifyOperation>(new RsaVerify(call.provider, key, std::move(cfg), std::move(input)));
}

template <Direction D>
Result<std::unique_ptr<CipherOperation>> make_cipher(const MechanismCall& call, const KeyPtr& key) {
  RETURN_IF_ERROR(check_key(key, D == Direction::kDecrypt || D == Direction::kSignRecover));
  ASSIGN_OR_RETURN(RsaConfig cfg, parse_config(call.mechanism));
  if (cfg.scheme == Scheme::kOaep && max_input(cfg, modulus_bytes(*key)) == 0 && D == Direction::kEncrypt) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "OAEP hash too large for this key");
  }
  return std::unique_ptr<CipherOperation>(new RsaCipher(call.provider, key, std::move(cfg), D));
}

// ---- Key-pair generation ------------------------------------------------------------------

Result<BIGNUM*> public_exponent(const AttributeMap& tmpl) {
  ByteView e = tmpl.bytes_or_empty(CKA_PUBLIC_EXPONENT);
  while (!e.empty() && e.front() == 0) e = e.subspan(1);
  BIGNUM* bn = BN_new();
  if (bn == nullptr) return Status(CKR_HOST_MEMORY, "BN_new");
  if (e.empty()) {
    BN_set_word(bn, RSA_F4);  // 65537
    return bn;
  }
  // Odd, at least 3, at most 256 bits (FIPS 186-5 §A.1.1 upper bound).
  if (e.size() > 32 || (e.back() & 1) == 0 || (e.size() == 1 && e[0] < 3)) {
    BN_free(bn);
    return Status(CKR_ATTRIBUTE_VALUE_INVALID, "unusable CKA_PUBLIC_EXPONENT");
  }
  BN_bin2bn(e.data(), static_cast<int>(e.size()), bn);
  return bn;
}

Status generate_key_pair(const MechanismCall& call, const AttributeMap& public_tmpl, const AttributeMap&,
                         AttributeMap& public_out, AttributeMap& private_out) {
  if (call.mechanism.ulParameterLen != 0) return Status(CKR_MECHANISM_PARAM_INVALID, "takes no parameter");
  ASSIGN_OR_RETURN(std::optional<CK_ULONG> bits, public_tmpl.checked_ulong(CKA_MODULUS_BITS));
  if (!bits) return Status(CKR_TEMPLATE_INCOMPLETE, "CKA_MODULUS_BITS is required");
  if (*bits < kMinGenerateBits || *bits > kMaxBits) {
    return Status(CKR_KEY_SIZE_RANGE, "RSA keys are generated with 2048..8192 bits");
  }
  ASSIGN_OR_RETURN(BIGNUM* e_raw, public_exponent(public_tmpl));
  std::unique_ptr<BIGNUM, decltype(&BN_free)> e(e_raw, &BN_free);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(call.provider.libctx(), "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(*bits)) != 1 ||
      EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, "RSA key generation");
  }
  EvpPkeyPtr pkey(raw);
  RETURN_IF_ERROR(export_public_attributes(call.provider, pkey.get(), public_out));
  return export_private_attributes(call.provider, pkey.get(), private_out);
}

// ---- Rows -----------------------------------------------------------------------------------

constexpr CK_FLAGS kSignFlags = CKF_SIGN | CKF_VERIFY;

// RSA below 2048 bits is not approved for any use (SP 800-131A r2).
constexpr CK_ULONG kApprovedMinBits = 2048;

// `unapproved`: the operations approved mode refuses (SHA-1 signing).
#define CRATON_RSA_SIGN_ROW(mech, unapproved)                                                              \
  MechanismEntry {                                                                                         \
    .type = mech, .name = #mech, .key_types = {CKK_RSA}, .min_key_size = kMinUseBits,                      \
    .max_key_size = kMaxBits, .flags = kSignFlags, .unapproved_ops = unapproved,                           \
    .approved_min_key_size = kApprovedMinBits, .sign = make_sign, .verify = make_verify                    \
  }

const MechanismEntry kRows[] = {
    {.type = CKM_RSA_PKCS_KEY_PAIR_GEN, .name = "CKM_RSA_PKCS_KEY_PAIR_GEN", .key_types = {CKK_RSA},
     .min_key_size = kMinGenerateBits, .max_key_size = kMaxBits, .flags = CKF_GENERATE_KEY_PAIR,
     .approved_min_key_size = kApprovedMinBits, .generate_key_pair = generate_key_pair},
    // PKCS#1 v1.5 signatures are approved; its encryption (key transport) and
    // the raw recover forms are not (SP 800-131A r2).
    {.type = CKM_RSA_PKCS, .name = "CKM_RSA_PKCS", .key_types = {CKK_RSA}, .min_key_size = kMinUseBits,
     .max_key_size = kMaxBits,
     .flags = CKF_ENCRYPT | CKF_DECRYPT | CKF_SIGN | CKF_VERIFY | CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER | CKF_WRAP |
              CKF_UNWRAP,
     .unapproved_ops = CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP | CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER,
     .approved_min_key_size = kApprovedMinBits,
     .sign = make_sign, .verify = make_verify, .encrypt = make_cipher<Direction::kEncrypt>,
     .decrypt = make_cipher<Direction::kDecrypt>, .sign_recover = make_cipher<Direction::kSignRecover>,
     .verify_recover = make_cipher<Direction::kVerifyRecover>},
    {.type = CKM_RSA_X_509, .name = "CKM_RSA_X_509", .key_types = {CKK_RSA}, .min_key_size = kMinUseBits,
     .max_key_size = kMaxBits,
     .flags = CKF_ENCRYPT | CKF_DECRYPT | CKF_SIGN | CKF_VERIFY | CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER,
     .approved = false, .sign = make_sign, .verify = make_verify, .encrypt = make_cipher<Direction::kEncrypt>,
     .decrypt = make_cipher<Direction::kDecrypt>, .sign_recover = make_cipher<Direction::kSignRecover>,
     .verify_recover = make_cipher<Direction::kVerifyRecover>},
    {.type = CKM_RSA_PKCS_OAEP, .name = "CKM_RSA_PKCS_OAEP", .key_types = {CKK_RSA}, .min_key_size = kMinUseBits,
     .max_key_size = kMaxBits, .flags = CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP,
     .approved_min_key_size = kApprovedMinBits, .encrypt = make_cipher<Direction::kEncrypt>, .decrypt = make_cipher<Direction::kDecrypt>},
    CRATON_RSA_SIGN_ROW(CKM_RSA_PKCS_PSS, 0),
    // SHA-1 signature generation is not approved; verification of existing
    // signatures is (SP 800-131A r2 "legacy use").
    CRATON_RSA_SIGN_ROW(CKM_SHA1_RSA_PKCS, CKF_SIGN),
    CRATON_RSA_SIGN_ROW(CKM_SHA224_RSA_PKCS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA256_RSA_PKCS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA384_RSA_PKCS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA512_RSA_PKCS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA3_224_RSA_PKCS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA3_256_RSA_PKCS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA3_384_RSA_PKCS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA3_512_RSA_PKCS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA1_RSA_PKCS_PSS, CKF_SIGN),
    CRATON_RSA_SIGN_ROW(CKM_SHA224_RSA_PKCS_PSS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA256_RSA_PKCS_PSS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA384_RSA_PKCS_PSS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA512_RSA_PKCS_PSS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA3_224_RSA_PKCS_PSS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA3_256_RSA_PKCS_PSS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA3_384_RSA_PKCS_PSS, 0),
    CRATON_RSA_SIGN_ROW(CKM_SHA3_512_RSA_PKCS_PSS, 0),
};

#undef CRATON_RSA_SIGN_ROW

}  // namespace

std::span<const MechanismEntry> rsa_mechanisms() { return kRows; }

}  // namespace craton::crypto

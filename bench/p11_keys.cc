#include "p11_keys.h"

#include <utility>

namespace bench::p11 {
namespace {

// DER-encoded OBJECT IDENTIFIERs for CKA_EC_PARAMS.
const Bytes kP256 = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
const Bytes kP384 = {0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22};
const Bytes kEd25519 = {0x06, 0x03, 0x2B, 0x65, 0x70};

const char* kind_name(KeyKind kind) {
  switch (kind) {
    case KeyKind::rsa2048: return "rsa2048";
    case KeyKind::rsa3072: return "rsa3072";
    case KeyKind::p256: return "p256";
    case KeyKind::p384: return "p384";
    case KeyKind::ed25519: return "ed25519";
    case KeyKind::aes256: return "aes256";
    case KeyKind::hmac256: return "hmac256";
    case KeyKind::ml_dsa_44: return "ml-dsa-44";
    case KeyKind::ml_dsa_65: return "ml-dsa-65";
    case KeyKind::ml_dsa_87: return "ml-dsa-87";
    case KeyKind::ml_kem_512: return "ml-kem-512";
    case KeyKind::ml_kem_768: return "ml-kem-768";
    case KeyKind::ml_kem_1024: return "ml-kem-1024";
    case KeyKind::slh_dsa_sha2_128s: return "slh-dsa-sha2-128s";
    case KeyKind::slh_dsa_sha2_128f: return "slh-dsa-sha2-128f";
  }
  return "?";
}

bool is_rsa(KeyKind kind) { return kind == KeyKind::rsa2048 || kind == KeyKind::rsa3072; }

bool is_kem(KeyKind kind) {
  return kind == KeyKind::ml_kem_512 || kind == KeyKind::ml_kem_768 ||
         kind == KeyKind::ml_kem_1024;
}

// CKA_PARAMETER_SET of a post-quantum kind; 0 for the classical ones, whose
// parameters are a modulus size or a curve.
CK_ULONG parameter_set(KeyKind kind) {
  switch (kind) {
    case KeyKind::ml_dsa_44: return CKP_ML_DSA_44;
    case KeyKind::ml_dsa_65: return CKP_ML_DSA_65;
    case KeyKind::ml_dsa_87: return CKP_ML_DSA_87;
    case KeyKind::ml_kem_512: return CKP_ML_KEM_512;
    case KeyKind::ml_kem_768: return CKP_ML_KEM_768;
    case KeyKind::ml_kem_1024: return CKP_ML_KEM_1024;
    case KeyKind::slh_dsa_sha2_128s: return CKP_SLH_DSA_SHA2_128S;
    case KeyKind::slh_dsa_sha2_128f: return CKP_SLH_DSA_SHA2_128F;
    default: return 0;
  }
}

// Public half: what verify/encrypt/encapsulate need, plus the algorithm
// parameters. An ML-KEM key only encapsulates: asking it to verify would be
// an inconsistent template.
void public_attrs(Template& t, KeyKind kind) {
  if (CK_ULONG set = parameter_set(kind); set != 0) {
    t.ulong(CKA_PARAMETER_SET, set).flag(is_kem(kind) ? CKA_ENCAPSULATE : CKA_VERIFY, true);
    return;
  }
  t.flag(CKA_VERIFY, true);
  if (is_rsa(kind)) {
    t.flag(CKA_ENCRYPT, true)
        .ulong(CKA_MODULUS_BITS, kind == KeyKind::rsa2048 ? 2048 : 3072)
        .bytes(CKA_PUBLIC_EXPONENT, {0x01, 0x00, 0x01});
  } else {
    t.bytes(CKA_EC_PARAMS, kind == KeyKind::p256   ? kP256
                           : kind == KeyKind::p384 ? kP384
                                                   : kEd25519);
  }
}

// Private half: sensitive and non-extractable, as an HSM key would be.
void private_attrs(Template& t, KeyKind kind) {
  t.flag(CKA_PRIVATE, true).flag(CKA_SENSITIVE, true).flag(CKA_EXTRACTABLE, false);
  t.flag(is_kem(kind) ? CKA_DECAPSULATE : CKA_SIGN, true);
  if (is_rsa(kind)) t.flag(CKA_DECRYPT, true);
}

}  // namespace

Template& Template::flag(CK_ATTRIBUTE_TYPE type, bool value) {
  return bytes(type, {static_cast<unsigned char>(value ? CK_TRUE : CK_FALSE)});
}

Template& Template::ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
  const auto* p = reinterpret_cast<const unsigned char*>(&value);
  return bytes(type, Bytes(p, p + sizeof value));
}

Template& Template::bytes(CK_ATTRIBUTE_TYPE type, const Bytes& value) {
  Bytes& stored = values_.emplace_back(value);
  attrs_.push_back({type, stored.data(), static_cast<CK_ULONG>(stored.size())});
  return *this;
}

Template& Template::text(CK_ATTRIBUTE_TYPE type, const std::string& value) {
  return bytes(type, Bytes(value.begin(), value.end()));
}

MechName keygen_mechanism(KeyKind kind) {
  switch (kind) {
    case KeyKind::rsa2048:
    case KeyKind::rsa3072: return BENCH_MECH(CKM_RSA_PKCS_KEY_PAIR_GEN);
    case KeyKind::p256:
    case KeyKind::p384: return BENCH_MECH(CKM_EC_KEY_PAIR_GEN);
    case KeyKind::ed25519: return BENCH_MECH(CKM_EC_EDWARDS_KEY_PAIR_GEN);
    case KeyKind::aes256: return BENCH_MECH(CKM_AES_KEY_GEN);
    case KeyKind::hmac256: return BENCH_MECH(CKM_GENERIC_SECRET_KEY_GEN);
    case KeyKind::ml_dsa_44:
    case KeyKind::ml_dsa_65:
    case KeyKind::ml_dsa_87: return BENCH_MECH(CKM_ML_DSA_KEY_PAIR_GEN);
    case KeyKind::ml_kem_512:
    case KeyKind::ml_kem_768:
    case KeyKind::ml_kem_1024: return BENCH_MECH(CKM_ML_KEM_KEY_PAIR_GEN);
    case KeyKind::slh_dsa_sha2_128s:
    case KeyKind::slh_dsa_sha2_128f: return BENCH_MECH(CKM_SLH_DSA_KEY_PAIR_GEN);
  }
  return BENCH_MECH(CKM_VENDOR_DEFINED);
}

CK_RV generate_pair(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, KeyKind kind, bool token,
                    const std::string& label, KeyPair* out) {
  Template pub, priv;
  pub.flag(CKA_TOKEN, token).text(CKA_LABEL, label);
  priv.flag(CKA_TOKEN, token).text(CKA_LABEL, label);
  public_attrs(pub, kind);
  private_attrs(priv, kind);
  CK_MECHANISM mech = {keygen_mechanism(kind).type, nullptr, 0};
  return fn->C_GenerateKeyPair(s, &mech, pub.data(), pub.size(), priv.data(), priv.size(),
                               &out->pub, &out->priv);
}

CK_RV generate_secret(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, KeyKind kind, bool token,
                      const std::string& label, CK_OBJECT_HANDLE* out) {
  const bool aes = kind == KeyKind::aes256;
  Template t;
  t.ulong(CKA_CLASS, CKO_SECRET_KEY)
      .ulong(CKA_KEY_TYPE, aes ? CKK_AES : CKK_GENERIC_SECRET)
      .ulong(CKA_VALUE_LEN, 32)
      .flag(CKA_TOKEN, token)
      .flag(CKA_PRIVATE, true)
      .flag(CKA_SENSITIVE, true)
      .text(CKA_LABEL, label);
  if (aes)
    t.flag(CKA_ENCRYPT, true).flag(CKA_DECRYPT, true);
  else
    t.flag(CKA_SIGN, true).flag(CKA_VERIFY, true);
  CK_MECHANISM mech = {keygen_mechanism(kind).type, nullptr, 0};
  return fn->C_GenerateKey(s, &mech, t.data(), t.size(), out);
}

KeyStore::KeyStore(const Module& module, CK_SESSION_HANDLE session, std::string prefix)
    : fn_(module.fn()), session_(session), prefix_(std::move(prefix)) {}

KeyStore::~KeyStore() {
  // Token keys outlive the process unless removed: leave the token as found.
  for (const auto& [kind, kp] : pairs_) {
    fn_->C_DestroyObject(session_, kp.priv);
    fn_->C_DestroyObject(session_, kp.pub);
  }
  for (const auto& [kind, h] : secrets_) fn_->C_DestroyObject(session_, h);
}

KeyPair KeyStore::pair(KeyKind kind) {
  if (auto it = pairs_.find(kind); it != pairs_.end()) return it->second;
  KeyPair kp;
  const std::string label = prefix_ + "-key-" + kind_name(kind);
  check(generate_pair(fn_, session_, kind, true, label, &kp), "C_GenerateKeyPair");
  return pairs_[kind] = kp;
}

CK_OBJECT_HANDLE KeyStore::secret(KeyKind kind) {
  if (auto it = secrets_.find(kind); it != secrets_.end()) return it->second;
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  const std::string label = prefix_ + "-key-" + kind_name(kind);
  check(generate_secret(fn_, session_, kind, true, label, &h), "C_GenerateKey");
  return secrets_[kind] = h;
}

}  // namespace bench::p11

// Weierstrass-curve EC (P-256, P-384, P-521): key-pair generation, ECDSA
// (raw and hash-and-sign) and ECDH1 derivation with every CKD_* KDF. ECDH1
// also accepts X25519/X448 base keys and hands them to edwards.cc.
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <string>

#include "crypto/families.h"
#include "crypto/hash_names.h"
#include "crypto/key_attributes.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

// ---- Curves (see key_attributes.h) ----------------------------------------------

constexpr std::uint8_t kOidP256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
constexpr std::uint8_t kOidP384[] = {0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22};
constexpr std::uint8_t kOidP521[] = {0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23};
constexpr std::uint8_t kOidX25519[] = {0x06, 0x03, 0x2B, 0x65, 0x6E};
constexpr std::uint8_t kOidX448[] = {0x06, 0x03, 0x2B, 0x65, 0x6F};
constexpr std::uint8_t kOidEd25519[] = {0x06, 0x03, 0x2B, 0x65, 0x70};
constexpr std::uint8_t kOidEd448[] = {0x06, 0x03, 0x2B, 0x65, 0x71};
// OIDs GnuPG registered before RFC 8410, still sent by some PKCS#11 tools.
constexpr std::uint8_t kOidGnuEd25519[] = {0x06, 0x09, 0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01};
constexpr std::uint8_t kOidGnuX25519[] = {0x06, 0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01};

const CurveInfo kCurves[] = {
    {"P-256", CKK_EC, "P-256", "prime256v1", NID_X9_62_prime256v1, 256, 32, 65, kOidP256},
    {"P-384", CKK_EC, "P-384", "secp384r1", NID_secp384r1, 384, 48, 97, kOidP384},
    {"P-521", CKK_EC, "P-521", "secp521r1", NID_secp521r1, 521, 66, 133, kOidP521},
    {"Ed25519", CKK_EC_EDWARDS, "ED25519", nullptr, 0, 255, 32, 32, kOidEd25519},
    {"Ed448", CKK_EC_EDWARDS, "ED448", nullptr, 0, 448, 57, 57, kOidEd448},
    {"X25519", CKK_EC_MONTGOMERY, "X25519", nullptr, 0, 255, 32, 32, kOidX25519},
    {"X448", CKK_EC_MONTGOMERY, "X448", nullptr, 0, 448, 56, 56, kOidX448},
};
const CurveInfo& kEd25519 = kCurves[3];
const CurveInfo& kEd448 = kCurves[4];
const CurveInfo& kX25519 = kCurves[5];
const CurveInfo& kX448 = kCurves[6];

bool equal_bytes(ByteView a, ByteView b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

// A DER PrintableString holding `name` (PKCS#11 3.0 curve names).
bool is_printable_string(ByteView der, std::string_view name) {
  return der.size() == name.size() + 2 && der[0] == 0x13 && der[1] == name.size() &&
         std::memcmp(der.data() + 2, name.data(), name.size()) == 0;
}

bool names_equal(const char* a, const char* b) {
  if (a == nullptr || b == nullptr) return false;
  for (; *a != '\0' && *b != '\0'; ++a, ++b) {
    if (std::tolower(static_cast<unsigned char>(*a)) != std::tolower(static_cast<unsigned char>(*b))) return false;
  }
  return *a == *b;
}

// The content of a DER OCTET STRING spanning all of `der`, or nullopt.
std::optional<ByteView> parse_octet_string(ByteView der) {
  if (der.size() < 2 || der[0] != 0x04) return std::nullopt;
  std::size_t len = der[1];
  std::size_t header = 2;
  if (len >= 0x80) {
    const std::size_t n = len & 0x7F;
    if (n == 0 || n > 2 || der.size() < 2 + n) return std::nullopt;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | der[2 + i];
    if (len < 0x80 || (n == 2 && len < 0x100)) return std::nullopt;  // not minimal
    header = 2 + n;
  }
  if (der.size() - header != len) return std::nullopt;
  return der.subspan(header);
}


constexpr CK_ULONG kMinBits = 256;  // P-256
constexpr CK_ULONG kMaxBits = 521;  // P-521
constexpr CK_ULONG kMinEcdhBits = 255;  // X25519 base keys share the ECDH1 rows
// Capabilities every EC row reports (CK_MECHANISM_INFO): prime fields,
// named curves by OID, uncompressed points.
constexpr CK_FLAGS kEcCaps = CKF_EC_F_P | CKF_EC_OID | CKF_EC_UNCOMPRESS;

struct EcdsaMechanism {
  CK_MECHANISM_TYPE type;
  CK_MECHANISM_TYPE hash;  // 0: CKM_ECDSA, the caller hashes
};

constexpr EcdsaMechanism kEcdsaMechanisms[] = {
    {CKM_ECDSA, 0},
    {CKM_ECDSA_SHA1, CKM_SHA_1},
    {CKM_ECDSA_SHA224, CKM_SHA224},
    {CKM_ECDSA_SHA256, CKM_SHA256},
    {CKM_ECDSA_SHA384, CKM_SHA384},
    {CKM_ECDSA_SHA512, CKM_SHA512},
    {CKM_ECDSA_SHA3_224, CKM_SHA3_224},
    {CKM_ECDSA_SHA3_256, CKM_SHA3_256},
    {CKM_ECDSA_SHA3_384, CKM_SHA3_384},
    {CKM_ECDSA_SHA3_512, CKM_SHA3_512},
};

struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const noexcept { ECDSA_SIG_free(sig); }
};
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

}  // namespace

// ---- Curves and point encodings (key_attributes.h) -------------------------------

const CurveInfo* curve_from_ec_params(ByteView der) {
  for (const CurveInfo& curve : kCurves) {
    if (equal_bytes(der, curve.oid)) return &curve;
  }
  if (is_printable_string(der, "edwards25519") || equal_bytes(der, kOidGnuEd25519)) return &kEd25519;
  if (is_printable_string(der, "edwards448")) return &kEd448;
  if (is_printable_string(der, "curve25519") || equal_bytes(der, kOidGnuX25519)) return &kX25519;
  if (is_printable_string(der, "curve448")) return &kX448;
  return nullptr;
}

Result<const CurveInfo*> curve_for_key_type(ByteView ec_params, CK_KEY_TYPE key_type) {
  if (ec_params.empty()) return Status(CKR_ATTRIBUTE_VALUE_INVALID, "empty CKA_EC_PARAMS");
  const CurveInfo* curve = curve_from_ec_params(ec_params);
  if (curve == nullptr || curve->key_type != key_type) {
    return Status(CKR_CURVE_NOT_SUPPORTED, "curve not supported for this key type");
  }
  return curve;
}

const CurveInfo* curve_of_pkey(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char name[64];
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(pkey, name, sizeof name, &len) != 1) {
      ERR_clear_error();
      return nullptr;
    }
    for (const CurveInfo& curve : kCurves) {
      if (curve.key_type == CKK_EC && (names_equal(name, curve.openssl_name) || names_equal(name, curve.openssl_alias))) {
        return &curve;
      }
    }
    return nullptr;
  }
  for (const CurveInfo& curve : kCurves) {
    if (curve.key_type != CKK_EC && EVP_PKEY_is_a(pkey, curve.openssl_name)) return &curve;
  }
  return nullptr;
}

Bytes der_octet_string(ByteView content) {
  Bytes out{0x04};
  const std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n < 0x100) {
    out.insert(out.end(), {0x81, static_cast<std::uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x82, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Result<Bytes> ec_point_from_attribute(ByteView encoded) {
  if (encoded.empty()) return Status(CKR_ATTRIBUTE_VALUE_INVALID, "empty EC point");
  if (auto inner = parse_octet_string(encoded); inner && !inner->empty()) return copy_bytes(*inner);
  return copy_bytes(encoded);
}

Result<Bytes> ec_point_from_attribute(ByteView encoded, const CurveInfo& curve) {
  auto valid_raw = [&curve](ByteView raw) {
    if (curve.key_type != CKK_EC) return raw.size() == curve.public_bytes;
    if (raw.size() == curve.public_bytes) return raw[0] == 0x04;
    return raw.size() == curve.scalar_bytes + 1 && (raw[0] == 0x02 || raw[0] == 0x03);
  };
  if (auto inner = parse_octet_string(encoded); inner && valid_raw(*inner)) return copy_bytes(*inner);
  if (valid_raw(encoded)) return copy_bytes(encoded);
  return Status(CKR_ATTRIBUTE_VALUE_INVALID, std::string("not a ") + curve.name + " point");
}

// OpenSSL's EC import does not derive the public point of a private key,
// so we do (EC_POINT_mul on the generator uses a constant-time ladder).
Result<Bytes> ec_public_from_private(const Provider& provider, const CurveInfo& curve, ByteView scalar) {
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(
      EC_GROUP_new_by_curve_name_ex(provider.libctx(), nullptr, curve.nid), &EC_GROUP_free);
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> bn_ctx(BN_CTX_secure_new_ex(provider.libctx()), &BN_CTX_free);
  std::unique_ptr<BIGNUM, decltype(&BN_clear_free)> d(BN_secure_new(), &BN_clear_free);
  if (d && BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), d.get()) == nullptr) d.reset();
  if (!group || !bn_ctx || !d) return openssl_error(CKR_HOST_MEMORY, "EC group setup");
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return Status(CKR_ATTRIBUTE_VALUE_INVALID, "EC private value out of range");
  }
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_clear_free)> point(EC_POINT_new(group.get()), &EC_POINT_clear_free);
  Bytes out(curve.public_bytes);
  if (!point || EC_POINT_mul(group.get(), point.get(), d.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
      EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                         bn_ctx.get()) != out.size()) {
    return openssl_error(CKR_FUNCTION_FAILED, "EC public point");
  }
  return out;
}


namespace {

// ---- Signature encodings: PKCS#11 uses r || s, OpenSSL DER ----------------------

Status der_to_raw(ByteView der, std::size_t n_bytes, Bytes& out) {
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return openssl_error(CKR_FUNCTION_FAILED, "ECDSA signature decoding");
  const std::size_t start = out.size();
  out.resize(start + 2 * n_bytes);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data() + start, static_cast<int>(n_bytes)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + start + n_bytes, static_cast<int>(n_bytes)) < 0) {
    out.resize(start);
    return Status(CKR_FUNCTION_FAILED, "ECDSA signature encoding");
  }
  return Status::Ok();
}

Result<Bytes> raw_to_der(ByteView raw) {
  const std::size_t half = raw.size() / 2;
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return Status(CKR_HOST_MEMORY, "ECDSA_SIG");
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return openssl_error(CKR_FUNCTION_FAILED, "ECDSA signature encoding");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// ---- ECDSA -----------------------------------------------------------------------

Status check_ec_key(const KeyPtr& key, bool need_private) {
  if (!key || !key->pkey || key->key_type != CKK_EC) return Status(CKR_KEY_TYPE_INCONSISTENT, "not an EC key");
  if (need_private && key->object_class != CKO_PRIVATE_KEY) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "operation needs the private key");
  }
  if (curve_of_pkey(key->pkey.get()) == nullptr) return Status(CKR_CURVE_NOT_SUPPORTED, "unsupported curve");
  return Status::Ok();
}

// The input of an ECDSA operation: our hash, or the caller's hash of any
// length, of which ECDSA uses only the leftmost bits of the order's length
// (FIPS 186-5 §6.4.1): the leftmost order-length bytes are all we keep.
Result<SignatureInput> ecdsa_input(const MechanismCall& call, const CurveInfo& curve) {
  if (call.mechanism.ulParameterLen != 0) return Status(CKR_MECHANISM_PARAM_INVALID, "ECDSA takes no parameter");
  const auto* entry = std::find_if(std::begin(kEcdsaMechanisms), std::end(kEcdsaMechanisms),
                                   [&](const EcdsaMechanism& m) { return m.type == call.mechanism.mechanism; });
  if (entry == std::end(kEcdsaMechanisms)) return Status(CKR_MECHANISM_INVALID, "not an ECDSA mechanism");
  if (entry->hash == 0) return SignatureInput::collecting(curve.scalar_bytes, SignatureInput::Overflow::kTruncate);
  ASSIGN_OR_RETURN(const EVP_MD* md, digest_md(call.provider, *hash_by_mechanism(entry->hash)));
  return SignatureInput::hashing(md);
}

class EcdsaSign final : public SignOperation {
 public:
  EcdsaSign(const Provider& provider, KeyPtr key, const CurveInfo& curve, SignatureInput input)
      : provider_(provider), key_(std::move(key)), curve_(curve), input_(std::move(input)) {}

  std::size_t signature_length() const override { return 2 * curve_.scalar_bytes; }
  Status update(ByteView part) override { return input_.update(part); }

  Status final(Bytes& signature) override {
    ASSIGN_OR_RETURN(SecureBytes hash, input_.finish());
    ASSIGN_OR_RETURN(PkeyCtxPtr ctx, new_pkey_ctx(provider_, key_->pkey.get()));
    std::size_t len = 0;
    if (EVP_PKEY_sign_init(ctx.get()) != 1 || EVP_PKEY_sign(ctx.get(), nullptr, &len, hash.data(), hash.size()) != 1) {
      return openssl_error(CKR_FUNCTION_FAILED, "ECDSA sign init");
    }
    Bytes der(len);
    if (EVP_PKEY_sign(ctx.get(), der.data(), &len, hash.data(), hash.size()) != 1) {
      return openssl_error(CKR_FUNCTION_FAILED, "ECDSA sign");
    }
    der.resize(len);
    return der_to_raw(der, curve_.scalar_bytes, signature);
  }

 private:
  const Provider& provider_;
  KeyPtr key_;
  const CurveInfo& curve_;
  SignatureInput input_;
};

class EcdsaVerify final : public VerifyOperation {
 public:
  EcdsaVerify(const Provider& provider, KeyPtr key, const CurveInfo& curve, SignatureInput input)
      : provider_(provider), key_(std::move(key)), curve_(curve), input_(std::move(input)) {}

  Status update(ByteView part) override { return input_.update(part); }

  Status final(ByteView signature) override {
    ASSIGN_OR_RETURN(SecureBytes hash, input_.finish());
    if (signature.size() != 2 * curve_.scalar_bytes) {
      return Status(CKR_SIGNATURE_LEN_RANGE, "ECDSA signature must be r || s of the order's length");
    }
    ASSIGN_OR_RETURN(Bytes der, raw_to_der(signature));
    ASSIGN_OR_RETURN(PkeyCtxPtr ctx, new_pkey_ctx(provider_, key_->pkey.get()));
    if (EVP_PKEY_verify_init(ctx.get()) != 1) return openssl_error(CKR_FUNCTION_FAILED, "ECDSA verify init");
    if (EVP_PKEY_verify(ctx.get(), der.data(), der.size(), hash.data(), hash.size()) != 1) {
      return openssl_error(CKR_SIGNATURE_INVALID, "ECDSA verify");
    }
    return Status::Ok();
  }

 private:
  const Provider& provider_;
  KeyPtr key_;
  const CurveInfo& curve_;
  SignatureInput input_;
};

Result<std::unique_ptr<SignOperation>> make_sign(const MechanismCall& call, const KeyPtr& key) {
  RETURN_IF_ERROR(check_ec_key(key, true));
  const CurveInfo& curve = *curve_of_pkey(key->pkey.get());
  ASSIGN_OR_RETURN(SignatureInput input, ecdsa_input(call, curve));
  return std::unique_ptr<SignOperation>(new EcdsaSign(call.provider, key, curve, std::move(input)));
}

Result<std::unique_ptr<VerifyOperation>> make_verify(const MechanismCall& call, const KeyPtr& key) {
  RETURN_IF_ERROR(check_ec_key(key, false));
  const CurveInfo& curve = *curve_of_pkey(key->pkey.get());
  ASSIGN_OR_RETURN(SignatureInput input, ecdsa_input(call, curve));
  return std::unique_ptr<VerifyOperation>(new EcdsaVerify(call.provider, key, curve, std::move(input)));
}

// ---- ECDH --------------------------------------------------------------------------

// The raw shared secret Z (x-coordinate, field length) with a Weierstrass key.
Result<SecureBytes> ecdh_shared_secret(const MechanismCall& call, const Key& key, const CurveInfo& curve,
                                       ByteView peer_public) {
  auto peer_point = ec_point_from_attribute(peer_public, curve);
  if (!peer_point.ok()) return Status(CKR_MECHANISM_PARAM_INVALID, "ECDH public data is not a point of the curve");
  auto peer = ec_public_key(call.provider, curve, *peer_point);
  if (!peer.ok()) return Status(CKR_MECHANISM_PARAM_INVALID, "ECDH public data is not on the curve");
  ASSIGN_OR_RETURN(PkeyCtxPtr ctx, new_pkey_ctx(call.provider, key.pkey.get()));
  if (EVP_PKEY_derive_init(ctx.get()) != 1) return openssl_error(CKR_FUNCTION_FAILED, "ECDH init");
  // The NIST curves have cofactor 1, so both derivations agree; asking for
  // cofactor mode keeps CKM_ECDH1_COFACTOR_DERIVE honest for any curve.
  if (call.mechanism.mechanism == CKM_ECDH1_COFACTOR_DERIVE && EVP_PKEY_CTX_set_ecdh_cofactor_mode(ctx.get(), 1) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, "ECDH cofactor mode");
  }
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer->get(), 1) != 1) {
    return openssl_error(CKR_MECHANISM_PARAM_INVALID, "ECDH peer key rejected");
  }
  SecureBytes z(curve.scalar_bytes);
  std::size_t len = z.size();
  if (EVP_PKEY_derive(ctx.get(), z.data(), &len) != 1) return openssl_error(CKR_FUNCTION_FAILED, "ECDH derive");
  z.resize(len);
  return z;
}

// ANSI X9.63 (CKD_SHA*_KDF) or SP 800-56C one-step (CKD_SHA*_KDF_SP800).
Result<SecureBytes> run_kdf(const Provider& provider, CK_EC_KDF_TYPE kdf, const SecureBytes& z, ByteView shared_data,
                            std::size_t length) {
  const HashInfo* hash = hash_by_kdf(kdf);
  const char* algorithm = kdf_is_sp800_56c(kdf) ? "SSKDF" : "X963KDF";
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> fetched(EVP_KDF_fetch(provider.libctx(), algorithm, nullptr),
                                                             &EVP_KDF_free);
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(fetched ? EVP_KDF_CTX_new(fetched.get()) : nullptr,
                                                                 &EVP_KDF_CTX_free);
  if (!ctx) return openssl_error(CKR_FUNCTION_FAILED, "KDF fetch");
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(hash->openssl_name), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(z.data()), z.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<std::uint8_t*>(shared_data.data()),
                                        shared_data.size()),
      OSSL_PARAM_construct_end(),
  };
  SecureBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, "ECDH KDF");
  }
  return out;
}

Result<SecureBytes> ecdh_derive(const MechanismCall& call, const KeyPtr& base, std::size_t length,
                                const KeyResolver&) {
  ASSIGN_OR_RETURN(const CK_ECDH1_DERIVE_PARAMS* params, mechanism_param<CK_ECDH1_DERIVE_PARAMS>(call.mechanism));
  if (params == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "CK_ECDH1_DERIVE_PARAMS required");
  ASSIGN_OR_RETURN(ByteView shared_data, param_buffer(params->pSharedData, params->ulSharedDataLen));
  ASSIGN_OR_RETURN(ByteView public_data, param_buffer(params->pPublicData, params->ulPublicDataLen));
  if (public_data.empty()) return Status(CKR_MECHANISM_PARAM_INVALID, "ECDH needs the peer's public value");
  if (params->kdf == CKD_NULL ? !shared_data.empty() : hash_by_kdf(params->kdf) == nullptr) {
    return Status(CKR_MECHANISM_PARAM_INVALID, "unsupported KDF, or shared data with CKD_NULL");
  }
  if (!base || !base->pkey || base->object_class != CKO_PRIVATE_KEY) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "ECDH needs a private key");
  }
  const CurveInfo* curve = curve_of_pkey(base->pkey.get());
  if (curve == nullptr || curve->key_type != base->key_type ||
      (curve->key_type != CKK_EC && curve->key_type != CKK_EC_MONTGOMERY)) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "ECDH needs an EC or Montgomery key");
  }
  SecureBytes z;
  if (curve->key_type == CKK_EC) {
    ASSIGN_OR_RETURN(z, ecdh_shared_secret(call, *base, *curve, public_data));
  } else {
    auto peer = ec_point_from_attribute(public_data, *curve);
    if (!peer.ok()) return Status(CKR_MECHANISM_PARAM_INVALID, "public data is not a point of the curve");
    ASSIGN_OR_RETURN(z, montgomery_shared_secret(call.provider, *base, *peer));
  }
  if (length == 0) length = z.size();  // the mechanism's natural size: the shared secret's
  if (params->kdf != CKD_NULL) return run_kdf(call.provider, params->kdf, z, shared_data, length);
  if (length > z.size()) return Status(CKR_KEY_SIZE_RANGE, "CKD_NULL cannot produce more than the shared secret");
  z.resize(length);  // the leftmost bytes
  return z;
}

// ---- Key-pair generation ----------------------------------------------------------------

Status generate_key_pair(const MechanismCall& call, const AttributeMap& public_tmpl, const AttributeMap&,
                         AttributeMap& public_out, AttributeMap& private_out) {
  if (call.mechanism.ulParameterLen != 0) return Status(CKR_MECHANISM_PARAM_INVALID, "takes no parameter");
  const SecureBytes* params = public_tmpl.find(CKA_EC_PARAMS);
  if (params == nullptr) return Status(CKR_TEMPLATE_INCOMPLETE, "CKA_EC_PARAMS is required");
  ASSIGN_OR_RETURN(const CurveInfo* curve, curve_for_key_type(view_of(*params), CKK_EC));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(call.provider.libctx(), "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), curve->openssl_name) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, "EC key generation");
  }
  EvpPkeyPtr pkey(raw);
  RETURN_IF_ERROR(export_public_attributes(call.provider, pkey.get(), public_out));
  return export_private_attributes(call.provider, pkey.get(), private_out);
}

// ---- Rows -----------------------------------------------------------------------------------

// `unapproved`: the operations approved mode refuses (SHA-1 signing).
#define CRATON_ECDSA_ROW(mech, unapproved)                                                                 \
  MechanismEntry {                                                                                         \
    .type = mech, .name = #mech, .key_types = {CKK_EC}, .min_key_size = kMinBits, .max_key_size = kMaxBits, \
    .flags = CKF_SIGN | CKF_VERIFY | kEcCaps, .unapproved_ops = unapproved, .sign = make_sign,            \
    .verify = make_verify                                                                                  \
  }

const MechanismEntry kRows[] = {
    {.type = CKM_EC_KEY_PAIR_GEN, .name = "CKM_EC_KEY_PAIR_GEN", .key_types = {CKK_EC}, .min_key_size = kMinBits,
     .max_key_size = kMaxBits, .flags = CKF_GENERATE_KEY_PAIR | kEcCaps, .generate_key_pair = generate_key_pair},
    CRATON_ECDSA_ROW(CKM_ECDSA, 0),
    // SHA-1 signature generation is not approved; verification is.
    CRATON_ECDSA_ROW(CKM_ECDSA_SHA1, CKF_SIGN),
    CRATON_ECDSA_ROW(CKM_ECDSA_SHA224, 0),
    CRATON_ECDSA_ROW(CKM_ECDSA_SHA256, 0),
    CRATON_ECDSA_ROW(CKM_ECDSA_SHA384, 0),
    CRATON_ECDSA_ROW(CKM_ECDSA_SHA512, 0),
    CRATON_ECDSA_ROW(CKM_ECDSA_SHA3_224, 0),
    CRATON_ECDSA_ROW(CKM_ECDSA_SHA3_256, 0),
    CRATON_ECDSA_ROW(CKM_ECDSA_SHA3_384, 0),
    CRATON_ECDSA_ROW(CKM_ECDSA_SHA3_512, 0),
    // Montgomery base keys (X25519/X448) are dispatched by key type; SP
    // 800-56A does not cover them, so approved mode refuses that key type.
    {.type = CKM_ECDH1_DERIVE, .name = "CKM_ECDH1_DERIVE", .key_types = {CKK_EC, CKK_EC_MONTGOMERY},
     .min_key_size = kMinEcdhBits, .max_key_size = kMaxBits, .flags = CKF_DERIVE | kEcCaps,
     .unapproved_key_types = {CKK_EC_MONTGOMERY}, .derive = ecdh_derive},
    {.type = CKM_ECDH1_COFACTOR_DERIVE, .name = "CKM_ECDH1_COFACTOR_DERIVE", .key_types = {CKK_EC},
     .min_key_size = kMinBits, .max_key_size = kMaxBits, .flags = CKF_DERIVE | kEcCaps, .derive = ecdh_derive},
};

#undef CRATON_ECDSA_ROW

}  // namespace

std::span<const MechanismEntry> ec_mechanisms() { return kRows; }

}  // namespace craton::crypto

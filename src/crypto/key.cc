// Key material: attribute maps <-> EVP_PKEY, validation of imported keys,
// the attributes of generated keys, and the PKCS#8 codec.
#include "crypto/key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "crypto/key_attributes.h"
#include "crypto/hybrid_kem.h"
#include "crypto/pq_key.h"
#include "crypto/provider.h"
#include "crypto/slh_dsa_key.h"

namespace craton::crypto {
namespace {

// ---- OpenSSL handles -----------------------------------------------------------

struct BnFree {
  void operator()(BIGNUM* b) const noexcept { BN_clear_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct ParamsFree {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct EncoderFree {
  void operator()(OSSL_ENCODER_CTX* c) const noexcept { OSSL_ENCODER_CTX_free(c); }
};
struct DecoderFree {
  void operator()(OSSL_DECODER_CTX* c) const noexcept { OSSL_DECODER_CTX_free(c); }
};

// RSA moduli accepted on import (and by the registry rows for use).
constexpr std::size_t kMinRsaBits = 1024;
constexpr std::size_t kMaxRsaBits = 8192;

// ---- Big integers ----------------------------------------------------------------

bool equal_bytes(ByteView a, ByteView b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

ByteView strip_leading_zeros(ByteView v) {
  std::size_t i = 0;
  while (i < v.size() && v[i] == 0) ++i;
  return v.subspan(i);
}

std::size_t bit_length(ByteView big_endian) {
  ByteView v = strip_leading_zeros(big_endian);
  if (v.empty()) return 0;
  return (v.size() - 1) * 8 + static_cast<std::size_t>(std::bit_width(static_cast<unsigned>(v[0])));
}

BnPtr bn_from(ByteView v, bool secret) {
  BnPtr bn(secret ? BN_secure_new() : BN_new());
  if (bn && BN_bin2bn(v.data(), static_cast<int>(v.size()), bn.get()) == nullptr) bn.reset();
  return bn;
}

// A BIGNUM parameter of `pkey` as big-endian bytes (minimal, or left-padded
// to `pad_to`); nullopt when the key does not have it.
std::optional<SecureBytes> get_bn(const EVP_PKEY* pkey, const char* name, std::size_t pad_to = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  BnPtr bn(raw);
  const std::size_t len = pad_to != 0 ? pad_to : static_cast<std::size_t>(BN_num_bytes(bn.get()));
  SecureBytes out(len);
  if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(len)) < 0) return std::nullopt;
  return out;
}

// ---- Building EVP_PKEYs --------------------------------------------------------

Result<EvpPkeyPtr> pkey_from_params(const Provider& provider, const char* algorithm, int selection,
                                    OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamsFree> params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(provider.libctx(), algorithm, nullptr));
  if (!params || !ctx) return openssl_error(CKR_HOST_MEMORY, "EVP_PKEY_fromdata setup");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 || EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return openssl_error(CKR_ATTRIBUTE_VALUE_INVALID, "key material rejected");
  }
  return EvpPkeyPtr(raw);
}

bool push_bn(OSSL_PARAM_BLD* bld, const char* name, ByteView value, bool secret, std::vector<BnPtr>& keep) {
  BnPtr bn = bn_from(value, secret);
  if (!bn || OSSL_PARAM_BLD_push_BN(bld, name, bn.get()) != 1) return false;
  keep.push_back(std::move(bn));  // the builder references it until to_param
  return true;
}

Result<EvpPkeyPtr> build_rsa(const Provider& provider, const AttributeMap& attrs, bool is_private) {
  const ByteView n = strip_leading_zeros(attrs.bytes_or_empty(CKA_MODULUS));
  const ByteView e = strip_leading_zeros(attrs.bytes_or_empty(CKA_PUBLIC_EXPONENT));
  // OpenSSL's private operations use blinding, which needs e: require it.
  if (n.empty() || e.empty()) return Status(CKR_TEMPLATE_INCOMPLETE, "RSA key needs CKA_MODULUS and CKA_PUBLIC_EXPONENT");
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  std::vector<BnPtr> keep;
  if (!bld || !push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_N, n, false, keep) ||
      !push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_E, e, false, keep)) {
    return Status(CKR_HOST_MEMORY, "RSA parameters");
  }
  if (!is_private) return pkey_from_params(provider, "RSA", EVP_PKEY_PUBLIC_KEY, bld.get());

  const ByteView d = strip_leading_zeros(attrs.bytes_or_empty(CKA_PRIVATE_EXPONENT));
  if (d.empty()) return Status(CKR_TEMPLATE_INCOMPLETE, "RSA private key needs CKA_PRIVATE_EXPONENT");
  struct Part {
    CK_ATTRIBUTE_TYPE type;
    const char* name;
  };
  static constexpr Part kCrt[] = {
      {CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1},       {CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2},
      {CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1},  {CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2},
      {CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
  };
  std::size_t present = 0;
  for (const Part& part : kCrt) present += attrs.bytes_or_empty(part.type).empty() ? 0 : 1;
  const bool have_pq = !attrs.bytes_or_empty(CKA_PRIME_1).empty() && !attrs.bytes_or_empty(CKA_PRIME_2).empty();
  // Either no CRT values (n, e, d only), the two primes (OpenSSL derives the
  // rest), or all five.
  if (present != 0 && present != 5 && !(present == 2 && have_pq)) {
    return Status(CKR_TEMPLATE_INCOMPLETE, "incomplete set of RSA CRT values");
  }
  if (!push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_D, d, true, keep)) return Status(CKR_HOST_MEMORY, "RSA d");
  // kCrt starts with the two primes, so the first `present` rows are the given ones.
  for (std::size_t i = 0; i < present; ++i) {
    if (!push_bn(bld.get(), kCrt[i].name, strip_leading_zeros(attrs.bytes_or_empty(kCrt[i].type)), true, keep)) {
      return Status(CKR_HOST_MEMORY, "RSA CRT parameters");
    }
  }
  if (present == 2 && OSSL_PARAM_BLD_push_int(bld.get(), OSSL_PKEY_PARAM_RSA_DERIVE_FROM_PQ, 1) != 1) {
    return Status(CKR_HOST_MEMORY, "RSA derive flag");
  }
  return pkey_from_params(provider, "RSA", EVP_PKEY_KEYPAIR, bld.get());
}

// True when `given` (uncompressed or compressed) is the point `uncompressed`.
bool same_ec_point(const Bytes& given, const Bytes& uncompressed, std::size_t field_bytes) {
  if (given.size() == uncompressed.size()) return given == uncompressed;
  if (given.size() != field_bytes + 1) return false;
  const std::uint8_t prefix = static_cast<std::uint8_t>(0x02 | (uncompressed.back() & 1));
  return given[0] == prefix && equal_bytes(ByteView(given).subspan(1), ByteView(uncompressed).subspan(1, field_bytes));
}

// What building an EC-family key produced besides the EVP_PKEY.
struct EcBuild {
  EvpPkeyPtr pkey;
  const CurveInfo* curve = nullptr;
  Bytes point;          // raw public key
  SecureBytes scalar;   // private keys: fixed-length private value
};

// EC, Edwards and Montgomery keys. With `check_point`, a private key's
// CKA_EC_POINT (if any) must match the public key derived from its value;
// otherwise a stored point is trusted (it was checked at import).
Result<EcBuild> build_ec_family(const Provider& provider, const AttributeMap& attrs, bool is_private,
                                CK_KEY_TYPE key_type, bool check_point) {
  const SecureBytes* params = attrs.find(CKA_EC_PARAMS);
  if (params == nullptr) return Status(CKR_TEMPLATE_INCOMPLETE, "CKA_EC_PARAMS is required");
  EcBuild out;
  ASSIGN_OR_RETURN(out.curve, curve_for_key_type(view_of(*params), key_type));
  const CurveInfo& curve = *out.curve;
  const SecureBytes* point_attr = attrs.find(CKA_EC_POINT);
  if (point_attr != nullptr) {
    ASSIGN_OR_RETURN(out.point, ec_point_from_attribute(view_of(*point_attr), curve));
  } else if (!is_private) {
    return Status(CKR_TEMPLATE_INCOMPLETE, "CKA_EC_POINT is required");
  }
  if (is_private) {
    ByteView value = attrs.bytes_or_empty(CKA_VALUE);
    if (value.empty()) return Status(CKR_TEMPLATE_INCOMPLETE, "private key needs CKA_VALUE");
    // EC values are integers (a zero value strips to nothing and is refused
    // here); Edwards and Montgomery values are fixed-length strings.
    if (key_type == CKK_EC) value = strip_leading_zeros(value);
    const bool bad_len = key_type == CKK_EC ? value.empty() || value.size() > curve.scalar_bytes
                                            : value.size() != curve.scalar_bytes;
    if (bad_len) return Status(CKR_ATTRIBUTE_VALUE_INVALID, "private key CKA_VALUE out of range");
    out.scalar.assign(curve.scalar_bytes - value.size(), 0);
    out.scalar.insert(out.scalar.end(), value.begin(), value.end());
  }

  if (key_type != CKK_EC) {
    EVP_PKEY* raw = is_private ? EVP_PKEY_new_raw_private_key_ex(provider.libctx(), curve.openssl_name, nullptr,
                                                                  out.scalar.data(), out.scalar.size())
                               : EVP_PKEY_new_raw_public_key_ex(provider.libctx(), curve.openssl_name, nullptr,
                                                                 out.point.data(), out.point.size());
    if (raw == nullptr) return openssl_error(CKR_ATTRIBUTE_VALUE_INVALID, "key material rejected");
    out.pkey.reset(raw);
    if (is_private) {
      Bytes derived(curve.public_bytes);
      std::size_t len = derived.size();
      if (EVP_PKEY_get_raw_public_key(raw, derived.data(), &len) != 1 || len != derived.size()) {
        return openssl_error(CKR_FUNCTION_FAILED, "public key of private key");
      }
      if (check_point && point_attr != nullptr && out.point != derived) {
        return Status(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_POINT does not match the private key");
      }
      out.point = std::move(derived);
    }
    return out;
  }

  if (is_private && (point_attr == nullptr || check_point)) {
    ASSIGN_OR_RETURN(Bytes derived, ec_public_from_private(provider, curve, out.scalar));
    if (point_attr != nullptr && !same_ec_point(out.point, derived, curve.scalar_bytes)) {
      return Status(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_POINT does not match the private key");
    }
    out.point = std::move(derived);
  }
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  std::vector<BnPtr> keep;
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.openssl_name, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, out.point.data(), out.point.size()) != 1 ||
      (is_private && !push_bn(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, out.scalar, true, keep))) {
    return Status(CKR_HOST_MEMORY, "EC parameters");
  }
  // Import checks that the point is on the curve.
  ASSIGN_OR_RETURN(out.pkey, pkey_from_params(provider, "EC", is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                                              bld.get()));
  if (out.point.size() != curve.public_bytes) {
    // A compressed point was given: keep the uncompressed form, which is
    // what we store and what consumers expect.
    std::size_t len = 0;
    out.point.assign(curve.public_bytes, 0);
    if (EVP_PKEY_get_octet_string_param(out.pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, out.point.data(), out.point.size(),
                                        &len) != 1 ||
        len != curve.public_bytes) {
      return openssl_error(CKR_FUNCTION_FAILED, "EC public point");
    }
  }
  return out;
}

bool is_rsa(const EVP_PKEY* pkey) { return EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS"); }

Result<CK_OBJECT_CLASS> required_ulong(const AttributeMap& attrs, CK_ATTRIBUTE_TYPE type, const char* what) {
  ASSIGN_OR_RETURN(std::optional<CK_ULONG> v, attrs.checked_ulong(type));
  if (!v) return Status(CKR_TEMPLATE_INCOMPLETE, std::string(what) + " is required");
  return *v;
}

}  // namespace

// ---- Public helpers (key_attributes.h) ---------------------------------------

void EvpPkeyDeleter::operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
void PkeyCtxFree::operator()(EVP_PKEY_CTX* ctx) const noexcept { EVP_PKEY_CTX_free(ctx); }
void MdCtxFree::operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }

Status openssl_error(CK_RV rv, const char* what) {
  std::string message(what);
  const unsigned long code = ERR_peek_last_error();
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    message += ": ";
    message += text;
  }
  ERR_clear_error();
  return Status(rv, std::move(message));
}

Status require_no_parameter(const CK_MECHANISM& mechanism, const char* name) {
  if (mechanism.pParameter == nullptr && mechanism.ulParameterLen == 0) return Status::Ok();
  return Status(CKR_MECHANISM_PARAM_INVALID, std::string(name) + " takes no parameter");
}

Result<PkeyCtxPtr> new_pkey_ctx(const Provider& provider, EVP_PKEY* pkey) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(provider.libctx(), pkey, nullptr));
  if (!ctx) return openssl_error(CKR_HOST_MEMORY, "EVP_PKEY_CTX_new_from_pkey");
  return ctx;
}

Result<ByteView> param_buffer(const void* data, CK_ULONG length) {
  if (length == 0) return ByteView{};
  if (data == nullptr) return Status(CKR_MECHANISM_PARAM_INVALID, "parameter buffer is NULL");
  return view_of(data, length);
}

Result<EvpPkeyPtr> ec_public_key(const Provider& provider, const CurveInfo& curve, ByteView raw_point) {
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.openssl_name, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, raw_point.data(), raw_point.size()) != 1) {
    return Status(CKR_HOST_MEMORY, "EC parameters");
  }
  return pkey_from_params(provider, "EC", EVP_PKEY_PUBLIC_KEY, bld.get());
}

Result<Bytes> subject_public_key_info(const EVP_PKEY* pkey) {
  std::unique_ptr<OSSL_ENCODER_CTX, EncoderFree> ctx(
      OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_PUBLIC_KEY, "DER", "SubjectPublicKeyInfo", nullptr));
  unsigned char* data = nullptr;
  std::size_t len = 0;
  if (!ctx || OSSL_ENCODER_to_data(ctx.get(), &data, &len) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, "SubjectPublicKeyInfo encoding");
  }
  Bytes out(data, data + len);
  OPENSSL_free(data);
  return out;
}

Status export_public_attributes(const Provider& provider, EVP_PKEY* pkey, AttributeMap& out) {
  (void)provider;
  if (pq_format_of(pkey) != nullptr) return export_pq_public(pkey, out);
  if (slh_dsa_params_of(pkey) != nullptr) return export_slh_dsa_public(pkey, out);
  if (is_rsa(pkey)) {
    auto n = get_bn(pkey, OSSL_PKEY_PARAM_RSA_N);
    auto e = get_bn(pkey, OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e) return Status(CKR_FUNCTION_FAILED, "RSA public components unavailable");
    out.set_ulong(CKA_KEY_TYPE, CKK_RSA);
    out.set_ulong(CKA_MODULUS_BITS, static_cast<CK_ULONG>(EVP_PKEY_get_bits(pkey)));
    out.set(CKA_MODULUS, std::move(*n));
    out.set(CKA_PUBLIC_EXPONENT, std::move(*e));
  } else {
    const CurveInfo* curve = curve_of_pkey(pkey);
    if (curve == nullptr) return Status(CKR_CURVE_NOT_SUPPORTED, "unsupported key algorithm or curve");
    Bytes point(curve->public_bytes);
    std::size_t len = point.size();
    if (curve->key_type == CKK_EC) {
      // Keys decoded from compressed encodings keep that form; we store and
      // publish the uncompressed point (what consumers expect).
      if (EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed") != 1 ||
          EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &len) != 1) {
        return openssl_error(CKR_FUNCTION_FAILED, "EC public point");
      }
    } else if (EVP_PKEY_get_raw_public_key(pkey, point.data(), &len) != 1) {
      return openssl_error(CKR_FUNCTION_FAILED, "raw public key");
    }
    if (len != point.size()) return Status(CKR_FUNCTION_FAILED, "unexpected public key length");
    out.set_ulong(CKA_KEY_TYPE, curve->key_type);
    out.set(CKA_EC_PARAMS, curve->oid);
    out.set(CKA_EC_POINT, der_octet_string(point));
  }
  ASSIGN_OR_RETURN(Bytes spki, subject_public_key_info(pkey));
  out.set(CKA_PUBLIC_KEY_INFO, view_of(spki));
  return Status::Ok();
}

Status export_private_attributes(const Provider& provider, EVP_PKEY* pkey, AttributeMap& out) {
  if (pq_format_of(pkey) != nullptr) return export_pq_private(pkey, out);
  if (slh_dsa_params_of(pkey) != nullptr) return export_slh_dsa_private(pkey, out);
  RETURN_IF_ERROR(export_public_attributes(provider, pkey, out));
  if (is_rsa(pkey)) {
    out.erase(CKA_MODULUS_BITS);  // a public-key attribute only
    auto d = get_bn(pkey, OSSL_PKEY_PARAM_RSA_D);
    if (!d) return Status(CKR_FUNCTION_FAILED, "RSA private exponent unavailable");
    out.set(CKA_PRIVATE_EXPONENT, std::move(*d));
    const std::pair<CK_ATTRIBUTE_TYPE, const char*> crt[] = {
        {CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1},       {CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2},
        {CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1},  {CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2},
        {CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
    };
    for (const auto& [type, name] : crt) {
      if (auto v = get_bn(pkey, name)) out.set(type, std::move(*v));
    }
    return Status::Ok();
  }
  const CurveInfo* curve = curve_of_pkey(pkey);  // non-null: export_public succeeded
  SecureBytes value(curve->scalar_bytes);
  if (curve->key_type == CKK_EC) {
    auto scalar = get_bn(pkey, OSSL_PKEY_PARAM_PRIV_KEY, curve->scalar_bytes);
    if (!scalar) return Status(CKR_FUNCTION_FAILED, "EC private value unavailable");
    value = std::move(*scalar);
  } else {
    std::size_t len = value.size();
    if (EVP_PKEY_get_raw_private_key(pkey, value.data(), &len) != 1 || len != value.size()) {
      return openssl_error(CKR_FUNCTION_FAILED, "raw private key");
    }
  }
  out.set(CKA_VALUE, std::move(value));
  return Status::Ok();
}

// ---- key.h -------------------------------------------------------------------------

Result<KeyPtr> load_key(const Provider& provider, const AttributeMap& attrs) {
  ASSIGN_OR_RETURN(CK_OBJECT_CLASS cls, required_ulong(attrs, CKA_CLASS, "CKA_CLASS"));
  ASSIGN_OR_RETURN(CK_KEY_TYPE type, required_ulong(attrs, CKA_KEY_TYPE, "CKA_KEY_TYPE"));
  auto key = std::make_shared<Key>();
  key->object_class = cls;
  key->key_type = type;
  if (cls == CKO_SECRET_KEY) {
    const SecureBytes* value = attrs.find(CKA_VALUE);
    if (value == nullptr) return Status(CKR_TEMPLATE_INCOMPLETE, "secret key without CKA_VALUE");
    key->secret = *value;
    key->bits = static_cast<CK_ULONG>(value->size() * 8);
    return KeyPtr(std::move(key));
  }
  if (cls != CKO_PUBLIC_KEY && cls != CKO_PRIVATE_KEY) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "object is not a key");
  }
  const bool is_private = cls == CKO_PRIVATE_KEY;
  if (type == CKK_RSA) {
    ASSIGN_OR_RETURN(key->pkey, build_rsa(provider, attrs, is_private));
    key->bits = static_cast<CK_ULONG>(EVP_PKEY_get_bits(key->pkey.get()));
  } else if (type == CKK_EC || type == CKK_EC_EDWARDS || type == CKK_EC_MONTGOMERY) {
    ASSIGN_OR_RETURN(EcBuild built, build_ec_family(provider, attrs, is_private, type, false));
    key->pkey = std::move(built.pkey);
    key->bits = built.curve->bits;
  } else if (is_pq_key_type(type)) {
    ASSIGN_OR_RETURN(key->pkey, load_pq_key(provider, attrs, is_private));
    const PqKeyFormat* format = pq_format_of(key->pkey.get());
    key->bits = static_cast<CK_ULONG>(format->public_bytes * 8);
    key->parameter_set = format->parameter_set;
  } else if (type == CKK_CRATON_X25519_ML_KEM_768) {
    ASSIGN_OR_RETURN(key->pkey, load_hybrid_kem(provider, attrs, is_private));
    key->bits = static_cast<CK_ULONG>(kHybridKemPublicBytes * 8);
  } else if (type == CKK_SLH_DSA) {
    ASSIGN_OR_RETURN(key->pkey, load_slh_dsa(provider, attrs, is_private));
    const SlhDsaParams* set = slh_dsa_params_of(key->pkey.get());
    key->bits = static_cast<CK_ULONG>(set->public_bytes() * 8);
    key->parameter_set = set->parameter_set;
  } else {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "unsupported asymmetric key type");
  }
  return KeyPtr(std::move(key));
}

namespace {

Status complete_secret(AttributeMap& attrs, CK_KEY_TYPE type) {
  const SecureBytes* value = attrs.find(CKA_VALUE);
  if (value == nullptr || value->empty()) return Status(CKR_TEMPLATE_INCOMPLETE, "secret key needs CKA_VALUE");
  const std::size_t len = value->size();
  if (type == CKK_AES && len != 16 && len != 24 && len != 32) {
    return Status(CKR_ATTRIBUTE_VALUE_INVALID, "AES keys are 16, 24 or 32 bytes");
  }
  if (type == CKK_DES3 && len != 24) return Status(CKR_ATTRIBUTE_VALUE_INVALID, "DES3 keys are 24 bytes");
  ASSIGN_OR_RETURN(std::optional<CK_ULONG> given, attrs.checked_ulong(CKA_VALUE_LEN));
  if (given && *given != len) return Status(CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN does not match CKA_VALUE");
  attrs.set_ulong(CKA_VALUE_LEN, len);
  return Status::Ok();
}

Status complete_rsa(const Provider& provider, AttributeMap& attrs, bool is_private) {
  // Canonical big-integer form: no leading zero bytes.
  for (CK_ATTRIBUTE_TYPE t : {CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
                              CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT}) {
    if (const SecureBytes* v = attrs.find(t)) attrs.set(t, strip_leading_zeros(view_of(*v)));
  }
  const ByteView n = attrs.bytes_or_empty(CKA_MODULUS);
  const ByteView e = attrs.bytes_or_empty(CKA_PUBLIC_EXPONENT);
  const std::size_t bits = bit_length(n);
  if (!n.empty() && (bits < kMinRsaBits || bits > kMaxRsaBits || (n.back() & 1) == 0)) {
    return Status(CKR_ATTRIBUTE_VALUE_INVALID, "RSA modulus must be odd and 1024..8192 bits");
  }
  if (!e.empty() && ((e.back() & 1) == 0 || bit_length(e) < 2 || bit_length(e) >= bits)) {
    return Status(CKR_ATTRIBUTE_VALUE_INVALID, "RSA public exponent must be odd, >= 3 and < n");
  }
  ASSIGN_OR_RETURN(EvpPkeyPtr pkey, build_rsa(provider, attrs, is_private));
  if (!is_private) {
    ASSIGN_OR_RETURN(std::optional<CK_ULONG> given, attrs.checked_ulong(CKA_MODULUS_BITS));
    if (given && *given != bits) return Status(CKR_TEMPLATE_INCONSISTENT, "CKA_MODULUS_BITS does not match");
    attrs.set_ulong(CKA_MODULUS_BITS, bits);
  } else if (attrs.has(CKA_PRIME_1)) {
    // With the primes we can check the whole key (p, q prime, n = pq,
    // e*d = 1 mod lcm(p-1, q-1), CRT values) and fill in derived CRT values.
    ASSIGN_OR_RETURN(PkeyCtxPtr ctx, new_pkey_ctx(provider, pkey.get()));
    if (EVP_PKEY_pairwise_check(ctx.get()) != 1) {
      return openssl_error(CKR_ATTRIBUTE_VALUE_INVALID, "inconsistent RSA private key");
    }
    AttributeMap derived;
    RETURN_IF_ERROR(export_private_attributes(provider, pkey.get(), derived));
    for (CK_ATTRIBUTE_TYPE t : {CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT}) {
      if (!attrs.has(t) && derived.has(t)) attrs.set(t, view_of(*derived.find(t)));
    }
  }
  ASSIGN_OR_RETURN(Bytes spki, subject_public_key_info(pkey.get()));
  attrs.set(CKA_PUBLIC_KEY_INFO, view_of(spki));
  return Status::Ok();
}

Status complete_ec_family(const Provider& provider, AttributeMap& attrs, bool is_private, CK_KEY_TYPE type) {
  ASSIGN_OR_RETURN(EcBuild built, build_ec_family(provider, attrs, is_private, type, true));
  if (type == CKK_EC && !is_private) {
    // Import already rejected points off the curve; this adds the order
    // check (cofactor-1 curves pass it whenever the point is on the curve).
    ASSIGN_OR_RETURN(PkeyCtxPtr ctx, new_pkey_ctx(provider, built.pkey.get()));
    if (EVP_PKEY_public_check(ctx.get()) != 1) return openssl_error(CKR_ATTRIBUTE_VALUE_INVALID, "invalid EC point");
  }
  attrs.set(CKA_EC_POINT, der_octet_string(built.point));
  if (is_private) attrs.set(CKA_VALUE, std::move(built.scalar));
  ASSIGN_OR_RETURN(Bytes spki, subject_public_key_info(built.pkey.get()));
  attrs.set(CKA_PUBLIC_KEY_INFO, view_of(spki));
  return Status::Ok();
}

}  // namespace

Status complete_key_material(const Provider& provider, AttributeMap& attrs) {
  ASSIGN_OR_RETURN(CK_OBJECT_CLASS cls, required_ulong(attrs, CKA_CLASS, "CKA_CLASS"));
  ASSIGN_OR_RETURN(CK_KEY_TYPE type, required_ulong(attrs, CKA_KEY_TYPE, "CKA_KEY_TYPE"));
  if (cls == CKO_SECRET_KEY) return complete_secret(attrs, type);
  if (cls != CKO_PUBLIC_KEY && cls != CKO_PRIVATE_KEY) return Status::Ok();  // not key material
  const bool is_private = cls == CKO_PRIVATE_KEY;
  if (type == CKK_RSA) return complete_rsa(provider, attrs, is_private);
  if (type == CKK_EC || type == CKK_EC_EDWARDS || type == CKK_EC_MONTGOMERY) {
    return complete_ec_family(provider, attrs, is_private, type);
  }
  if (is_pq_key_type(type)) return complete_pq_key(provider, attrs, is_private);
  if (type == CKK_CRATON_X25519_ML_KEM_768) return complete_hybrid_kem(provider, attrs, is_private);
  if (type == CKK_SLH_DSA) return complete_slh_dsa(provider, attrs, is_private);
  return Status(CKR_KEY_TYPE_INCONSISTENT, "unsupported asymmetric key type");
}

Result<SecureBytes> encode_private_key_pkcs8(const Provider& provider, const AttributeMap& attrs) {
  ASSIGN_OR_RETURN(KeyPtr key, load_key(provider, attrs));
  if (key->object_class != CKO_PRIVATE_KEY || !key->pkey) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, "PKCS#8 needs an asymmetric private key");
  }
  std::unique_ptr<OSSL_ENCODER_CTX, EncoderFree> ctx(
      OSSL_ENCODER_CTX_new_for_pkey(key->pkey.get(), EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr));
  unsigned char* data = nullptr;
  std::size_t len = 0;
  // Fails for an RSA key without its primes (RSAPrivateKey requires them).
  if (!ctx || OSSL_ENCODER_to_data(ctx.get(), &data, &len) != 1) {
    return openssl_error(CKR_KEY_NOT_WRAPPABLE, "PKCS#8 encoding");
  }
  SecureBytes out(data, data + len);
  OPENSSL_clear_free(data, len);
  return out;
}

namespace {

// One DER structure ("PrivateKeyInfo", "SubjectPublicKeyInfo") of a key
// algorithm PKCS#11 can hold; `invalid` is the code for anything else.
Result<EvpPkeyPtr> decode_supported_key(const Provider& provider, ByteView der, const char* structure,
                                        int selection, CK_RV invalid) {
  EVP_PKEY* raw = nullptr;
  std::unique_ptr<OSSL_DECODER_CTX, DecoderFree> ctx(OSSL_DECODER_CTX_new_for_pkey(
      &raw, "DER", structure, nullptr, selection, provider.libctx(), nullptr));
  if (!ctx) return openssl_error(CKR_HOST_MEMORY, "OSSL_DECODER_CTX_new_for_pkey");
  const unsigned char* p = der.data();
  std::size_t left = der.size();
  const int ok = OSSL_DECODER_from_data(ctx.get(), &p, &left);
  EvpPkeyPtr pkey(raw);
  if (ok != 1 || !pkey || left != 0) return openssl_error(invalid, structure);
  if (is_rsa(pkey.get())) {
    // PKCS#11 cannot represent multi-prime RSA keys.
    if (get_bn(pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR3)) return Status(invalid, "multi-prime RSA keys are not supported");
  } else if (curve_of_pkey(pkey.get()) == nullptr && pq_format_of(pkey.get()) == nullptr &&
             slh_dsa_params_of(pkey.get()) == nullptr) {
    return Status(EVP_PKEY_is_a(pkey.get(), "EC") ? CKR_CURVE_NOT_SUPPORTED : invalid,
                  "unsupported key algorithm or curve");
  }
  return pkey;
}

}  // namespace

Result<AttributeMap> decode_private_key_pkcs8(const Provider& provider, ByteView der) {
  ASSIGN_OR_RETURN(EvpPkeyPtr pkey,
                   decode_supported_key(provider, der, "PrivateKeyInfo", EVP_PKEY_KEYPAIR, CKR_WRAPPED_KEY_INVALID));
  AttributeMap out;
  out.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  RETURN_IF_ERROR(export_private_attributes(provider, pkey.get(), out));
  return out;
}

Result<AttributeMap> decode_public_key_spki(const Provider& provider, ByteView der) {
  ASSIGN_OR_RETURN(EvpPkeyPtr pkey, decode_supported_key(provider, der, "SubjectPublicKeyInfo", EVP_PKEY_PUBLIC_KEY,
                                                         CKR_ATTRIBUTE_VALUE_INVALID));
  AttributeMap out;
  out.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
  RETURN_IF_ERROR(export_public_attributes(provider, pkey.get(), out));
  // What C_CreateObject takes: these two are derived there, not given.
  out.erase(CKA_MODULUS_BITS);
  out.erase(CKA_PUBLIC_KEY_INFO);
  return out;
}

}  // namespace craton::crypto

// ML-KEM (FIPS 203, PKCS#11 3.2): key-pair generation (CKM_ML_KEM_KEY_PAIR_GEN)
// and key encapsulation (CKM_ML_KEM through C_EncapsulateKey and
// C_DecapsulateKey). The 32-byte shared secret becomes the value of the
// secret key the core makes from the caller's template.
#include "crypto/ml_kem.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string>

#include "crypto/families.h"
#include "crypto/key_attributes.h"
#include "crypto/pq_key.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

Result<const MlKemSizes*> check_ml_kem_key(const KeyPtr& key, CK_OBJECT_CLASS cls) {
  if (!key || key->key_type != CKK_ML_KEM || !key->pkey || key->object_class != cls) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, cls == CKO_PUBLIC_KEY ? "not an ML-KEM public key"
                                                                    : "not an ML-KEM private key");
  }
  return ml_kem_sizes(key->parameter_set);
}

Result<std::size_t> ciphertext_length(const MechanismCall& call, const KeyPtr& public_key) {
  RETURN_IF_ERROR(require_no_parameter(call.mechanism, "CKM_ML_KEM"));
  ASSIGN_OR_RETURN(const MlKemSizes* sizes, check_ml_kem_key(public_key, CKO_PUBLIC_KEY));
  return sizes->ciphertext_bytes;
}

Result<Encapsulated> encapsulate(const MechanismCall& call, const KeyPtr& public_key) {
  RETURN_IF_ERROR(require_no_parameter(call.mechanism, "CKM_ML_KEM"));
  RETURN_IF_ERROR(check_ml_kem_key(public_key, CKO_PUBLIC_KEY).status());
  return kem_encapsulate(call.provider, public_key->pkey.get(), {});
}

Result<SecureBytes> decapsulate(const MechanismCall& call, const KeyPtr& private_key, ByteView ciphertext) {
  RETURN_IF_ERROR(require_no_parameter(call.mechanism, "CKM_ML_KEM"));
  ASSIGN_OR_RETURN(const MlKemSizes* sizes, check_ml_kem_key(private_key, CKO_PRIVATE_KEY));
  if (ciphertext.size() != sizes->ciphertext_bytes) {
    return Status(CKR_ENCRYPTED_DATA_LEN_RANGE, "wrong ML-KEM ciphertext length for the parameter set");
  }
  return kem_decapsulate(call.provider, private_key->pkey.get(), ciphertext);
}

// The parameter set comes from the public template (PKCS#11 3.2: the private
// template does not carry it; the private half gets the real one).
Status generate_key_pair(const MechanismCall& call, const AttributeMap& public_tmpl, const AttributeMap&,
                         AttributeMap& public_out, AttributeMap& private_out) {
  RETURN_IF_ERROR(require_no_parameter(call.mechanism, "CKM_ML_KEM_KEY_PAIR_GEN"));
  ASSIGN_OR_RETURN(const PqKeyFormat* format, pq_format(public_tmpl, CKK_ML_KEM));
  return generate_pq_key_pair(call.provider, *format, public_out, private_out);
}

// Sizes in CK_MECHANISM_INFO are encapsulation-key lengths in bytes, as for
// the other PQC families. ML-KEM is approved (FIPS 203).
const MechanismEntry kRows[] = {
    {.type = CKM_ML_KEM_KEY_PAIR_GEN, .name = "CKM_ML_KEM_KEY_PAIR_GEN", .key_types = {CKK_ML_KEM},
     .min_key_size = kMlKemMinPublicBytes, .max_key_size = kMlKemMaxPublicBytes, .flags = CKF_GENERATE_KEY_PAIR,
     .pqc = true, .generate_key_pair = generate_key_pair},
    {.type = CKM_ML_KEM, .name = "CKM_ML_KEM", .key_types = {CKK_ML_KEM}, .min_key_size = kMlKemMinPublicBytes,
     .max_key_size = kMlKemMaxPublicBytes, .flags = CKF_ENCAPSULATE | CKF_DECAPSULATE, .pqc = true,
     .ciphertext_length = ciphertext_length, .encapsulate = encapsulate, .decapsulate = decapsulate},
};

constexpr MlKemSizes kSizes[] = {
    {CKP_ML_KEM_512, 768},
    {CKP_ML_KEM_768, 1088},
    {CKP_ML_KEM_1024, 1568},
};

}  // namespace

Result<const MlKemSizes*> ml_kem_sizes(CK_ULONG parameter_set) {
  for (const MlKemSizes& s : kSizes) {
    if (s.parameter_set == parameter_set) return &s;
  }
  return Status(CKR_KEY_TYPE_INCONSISTENT, "not an ML-KEM parameter set");
}

Result<Encapsulated> kem_encapsulate(const Provider& provider, EVP_PKEY* public_key, ByteView fixed_randomness) {
  ASSIGN_OR_RETURN(PkeyCtxPtr ctx, new_pkey_ctx(provider, public_key));
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_end(), OSSL_PARAM_construct_end()};
  if (!fixed_randomness.empty()) {
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_KEM_PARAM_IKME,
                                                  const_cast<std::uint8_t*>(fixed_randomness.data()),
                                                  fixed_randomness.size());
  }
  std::size_t ciphertext_len = 0;
  std::size_t secret_len = 0;
  if (EVP_PKEY_encapsulate_init(ctx.get(), params) != 1 ||
      EVP_PKEY_encapsulate(ctx.get(), nullptr, &ciphertext_len, nullptr, &secret_len) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, "encapsulation init");
  }
  Encapsulated out{Bytes(ciphertext_len), SecureBytes(secret_len)};
  if (EVP_PKEY_encapsulate(ctx.get(), out.ciphertext.data(), &ciphertext_len, out.secret.data(), &secret_len) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, "encapsulation");
  }
  out.ciphertext.resize(ciphertext_len);
  out.secret.resize(secret_len);
  return out;
}

Result<SecureBytes> kem_decapsulate(const Provider& provider, EVP_PKEY* private_key, ByteView ciphertext) {
  ASSIGN_OR_RETURN(PkeyCtxPtr ctx, new_pkey_ctx(provider, private_key));
  std::size_t secret_len = 0;
  if (EVP_PKEY_decapsulate_init(ctx.get(), nullptr) != 1 ||
      EVP_PKEY_decapsulate(ctx.get(), nullptr, &secret_len, ciphertext.data(), ciphertext.size()) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, "decapsulation init");
  }
  SecureBytes secret(secret_len);
  // ML-KEM never reports a bad ciphertext (implicit rejection: a wrong one
  // yields an unrelated secret); a failure here is a malformed input to a
  // hybrid's classical half, or an internal error.
  if (EVP_PKEY_decapsulate(ctx.get(), secret.data(), &secret_len, ciphertext.data(), ciphertext.size()) != 1) {
    return openssl_error(CKR_ENCRYPTED_DATA_INVALID, "decapsulation");
  }
  secret.resize(secret_len);
  return secret;
}

std::span<const MechanismEntry> ml_kem_mechanisms() { return kRows; }

}  // namespace craton::crypto

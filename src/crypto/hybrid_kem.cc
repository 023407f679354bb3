// X25519+ML-KEM-768 hybrid key establishment (vendor-defined; see
// include/craton/pkcs11_vendor.h and docs/mechanisms.md). OpenSSL 3.5
// implements the combination as the "X25519MLKEM768" KEM: encapsulation
// runs ML-KEM-768 and an ephemeral X25519 exchange and concatenates both
// ciphertexts and both secrets, as TLS 1.3 does. The 64-byte secret is meant
// for a KDF (e.g. CKM_HKDF_DERIVE from the generic secret key it becomes).
#include "crypto/hybrid_kem.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <string>

#include "crypto/families.h"
#include "crypto/key_attributes.h"
#include "crypto/ml_kem.h"
#include "crypto/pkey_octets.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

constexpr char kAlgorithm[] = "X25519MLKEM768";

Status no_parameter(const MechanismCall& call) {
  return require_no_parameter(call.mechanism, "the X25519+ML-KEM-768 mechanism");
}

Status check_key(const KeyPtr& key, CK_OBJECT_CLASS cls) {
  if (!key || key->key_type != CKK_CRATON_X25519_ML_KEM_768 || key->object_class != cls || !key->pkey) {
    return Status(CKR_KEY_TYPE_INCONSISTENT, cls == CKO_PUBLIC_KEY ? "not an X25519+ML-KEM-768 public key"
                                                                    : "not an X25519+ML-KEM-768 private key");
  }
  return Status::Ok();
}

Result<std::size_t> ciphertext_length(const MechanismCall& call, const KeyPtr& public_key) {
  RETURN_IF_ERROR(no_parameter(call));
  RETURN_IF_ERROR(check_key(public_key, CKO_PUBLIC_KEY));
  return kHybridKemCiphertextBytes;
}

Result<Encapsulated> encapsulate(const MechanismCall& call, const KeyPtr& public_key) {
  RETURN_IF_ERROR(no_parameter(call));
  RETURN_IF_ERROR(check_key(public_key, CKO_PUBLIC_KEY));
  return kem_encapsulate(call.provider, public_key->pkey.get(), {});
}

Result<SecureBytes> decapsulate(const MechanismCall& call, const KeyPtr& private_key, ByteView ciphertext) {
  RETURN_IF_ERROR(no_parameter(call));
  RETURN_IF_ERROR(check_key(private_key, CKO_PRIVATE_KEY));
  if (ciphertext.size() != kHybridKemCiphertextBytes) {
    return Status(CKR_ENCRYPTED_DATA_LEN_RANGE, "X25519+ML-KEM-768 ciphertexts are 1120 bytes");
  }
  return kem_decapsulate(call.provider, private_key->pkey.get(), ciphertext);
}

Status generate_key_pair(const MechanismCall& call, const AttributeMap&, const AttributeMap&, AttributeMap& public_out,
                         AttributeMap& private_out) {
  RETURN_IF_ERROR(no_parameter(call));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(call.provider.libctx(), kAlgorithm, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return openssl_error(CKR_FUNCTION_FAILED, "X25519+ML-KEM-768 key generation");
  }
  EvpPkeyPtr pkey(raw);
  std::optional<SecureBytes> pub = pkey_octets(pkey.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, kHybridKemPublicBytes);
  std::optional<SecureBytes> priv = pkey_octets(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, kHybridKemPrivateBytes);
  if (!pub || !priv) return Status(CKR_FUNCTION_FAILED, "X25519+ML-KEM-768 key export");
  public_out.set_ulong(CKA_KEY_TYPE, CKK_CRATON_X25519_ML_KEM_768);
  public_out.set(CKA_VALUE, std::move(*pub));
  private_out.set_ulong(CKA_KEY_TYPE, CKK_CRATON_X25519_ML_KEM_768);
  private_out.set(CKA_VALUE, std::move(*priv));
  return Status::Ok();
}

// Not approved: X25519 is not a FIPS 140-3 approved key agreement, so
// approved-only mode hides the combination. Sizes: the public key in bytes.
const MechanismEntry kRows[] = {
    {.type = CKM_CRATON_X25519_ML_KEM_768_KEY_PAIR_GEN, .name = "CKM_CRATON_X25519_ML_KEM_768_KEY_PAIR_GEN",
     .key_types = {CKK_CRATON_X25519_ML_KEM_768}, .min_key_size = kHybridKemPublicBytes,
     .max_key_size = kHybridKemPublicBytes, .flags = CKF_GENERATE_KEY_PAIR, .approved = false, .pqc = true,
     .generate_key_pair = generate_key_pair},
    {.type = CKM_CRATON_X25519_ML_KEM_768, .name = "CKM_CRATON_X25519_ML_KEM_768",
     .key_types = {CKK_CRATON_X25519_ML_KEM_768}, .min_key_size = kHybridKemPublicBytes,
     .max_key_size = kHybridKemPublicBytes, .flags = CKF_ENCAPSULATE | CKF_DECAPSULATE, .approved = false,
     .pqc = true, .ciphertext_length = ciphertext_length, .encapsulate = encapsulate, .decapsulate = decapsulate},
};

}  // namespace

Result<EvpPkeyPtr> load_hybrid_kem(const Provider& provider, const AttributeMap& attrs, bool is_private) {
  const SecureBytes* value = attrs.find(CKA_VALUE);
  if (value == nullptr) return Status(CKR_TEMPLATE_INCOMPLETE, "X25519+ML-KEM-768 keys need CKA_VALUE");
  RETURN_IF_ERROR(check_octet_length(*value, is_private ? kHybridKemPrivateBytes : kHybridKemPublicBytes,
                                     "X25519+ML-KEM-768 CKA_VALUE"));
  return pkey_from_octets(provider, kAlgorithm, is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                          is_private ? OSSL_PKEY_PARAM_PRIV_KEY : OSSL_PKEY_PARAM_PUB_KEY, *value,
                          "X25519+ML-KEM-768 key material");
}

Status complete_hybrid_kem(const Provider& provider, AttributeMap& attrs, bool is_private) {
  return load_hybrid_kem(provider, attrs, is_private).status();
}

std::span<const MechanismEntry> hybrid_kem_mechanisms() { return kRows; }

}  // namespace craton::crypto

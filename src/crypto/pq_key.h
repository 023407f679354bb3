// Post-quantum key material that OpenSSL holds as octet strings: the ML-KEM
// (FIPS 203) and ML-DSA (FIPS 204) parameter sets, and the PKCS#11 3.2
// attributes (CKA_PARAMETER_SET, CKA_VALUE, CKA_SEED) <-> EVP_PKEY.
//
// Both families have the same shape: a public key, an expanded private key
// and a seed that determines both. key.cc dispatches their key types here;
// the mechanism files (ml_kem.cc, ml_dsa.cc) use the sizes.
#pragma once

#include <cstddef>

#include "core/bytes.h"
#include "core/status.h"
#include "craton/pkcs11.h"
#include "crypto/key.h"
#include "object/attributes.h"

namespace craton::crypto {

class Provider;

// One parameter set.
struct PqKeyFormat {
  CK_KEY_TYPE key_type;       // CKK_ML_KEM, CKK_ML_DSA
  CK_ULONG parameter_set;     // CKP_ML_KEM_768, CKP_ML_DSA_44, ...
  const char* openssl_name;   // "ML-KEM-768", "ML-DSA-44", ... (key algorithm)
  std::size_t public_bytes;   // encoded public key (ek / pk)
  std::size_t private_bytes;  // encoded expanded private key (dk / sk)
  std::size_t seed_bytes;     // CKA_SEED: d||z (64) for ML-KEM, xi (32) for ML-DSA
};

// True for the key types this layer handles.
bool is_pq_key_type(CK_KEY_TYPE type);
// "ML-KEM" / "ML-DSA", for messages.
const char* pq_family_name(CK_KEY_TYPE type);

// The parameter set named by CKA_PARAMETER_SET for `type`:
// CKR_TEMPLATE_INCOMPLETE when absent, CKR_ATTRIBUTE_VALUE_INVALID when it is
// not a parameter set of that family.
Result<const PqKeyFormat*> pq_format(const AttributeMap& attrs, CK_KEY_TYPE type);
// The parameter set of an EVP_PKEY, or nullptr for other algorithms.
const PqKeyFormat* pq_format_of(const EVP_PKEY* pkey);

// The EVP_PKEY of a key object of a PQ key type (CKA_KEY_TYPE): public keys
// from CKA_VALUE, private keys from CKA_SEED when present (else CKA_VALUE).
// Lengths must fit the parameter set (CKR_ATTRIBUTE_VALUE_INVALID).
Result<EvpPkeyPtr> load_pq_key(const Provider& provider, const AttributeMap& attrs, bool is_private);

// Validates imported material and adds what follows from it: a private key
// given both CKA_SEED and CKA_VALUE must have them agree
// (CKR_ATTRIBUTE_VALUE_INVALID); one given only the seed gets CKA_VALUE;
// both classes get CKA_PUBLIC_KEY_INFO.
Status complete_pq_key(const Provider& provider, AttributeMap& attrs, bool is_private);

// The attributes of a generated or decoded key: CKA_KEY_TYPE,
// CKA_PARAMETER_SET, CKA_VALUE (the public key, or the expanded private key
// for the private half), for the private half CKA_SEED when OpenSSL kept it,
// and CKA_PUBLIC_KEY_INFO.
Status export_pq_public(EVP_PKEY* pkey, AttributeMap& out);
Status export_pq_private(EVP_PKEY* pkey, AttributeMap& out);

// A new key pair of `format`, both halves exported. The seed is required:
// PKCS#11 3.2 has the generation mechanisms contribute CKA_SEED.
Status generate_pq_key_pair(const Provider& provider, const PqKeyFormat& format, AttributeMap& public_out,
                            AttributeMap& private_out);

}  // namespace craton::crypto

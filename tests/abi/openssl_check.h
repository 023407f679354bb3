// Independent checks with OpenSSL 3.5 (default library context, in the test
// process): signatures the module made are verified from the public key's
// PKCS#11 attributes, never through the module.
#pragma once

#include <string>

#include "module_fixture.h"

namespace abi_test::ossl {

// RSA PKCS#1 v1.5 / PSS with `digest` ("SHA256", ...) over `data`.
bool verify_rsa_pkcs1(const Bytes& modulus, const Bytes& exponent, const std::string& digest, const Bytes& data,
                      const Bytes& signature);
bool verify_rsa_pss(const Bytes& modulus, const Bytes& exponent, const std::string& digest, int salt_len,
                    const Bytes& data, const Bytes& signature);
// RSA-OAEP encryption (hash = MGF1 hash = `digest`, empty label).
Bytes rsa_oaep_encrypt(const Bytes& modulus, const Bytes& exponent, const std::string& digest, const Bytes& plain);

// ECDSA over `data` hashed with `digest` ("" = `data` is already the hash);
// `point` is the uncompressed point, `signature` the PKCS#11 r || s form.
bool verify_ecdsa(const std::string& group, const Bytes& point, const std::string& digest, const Bytes& data,
                  const Bytes& signature);
bool verify_ed25519(const Bytes& public_key, const Bytes& data, const Bytes& signature);
// Pure ML-DSA (FIPS 204) with `algorithm` "ML-DSA-44"/"-65"/"-87", the raw
// public key (CKA_VALUE) and a context string (may be empty).
bool verify_ml_dsa(const std::string& algorithm, const Bytes& public_key, const Bytes& context, const Bytes& data,
                   const Bytes& signature);
// Pure SLH-DSA (FIPS 205), `algorithm` "SLH-DSA-SHA2-128s", ..., the raw
// public key PK.seed || PK.root and a context string (may be empty).
bool verify_slh_dsa(const std::string& algorithm, const Bytes& public_key, const Bytes& context, const Bytes& data,
                    const Bytes& signature);
// ML-DSA or SLH-DSA verification of `message` exactly as given (OpenSSL's
// message encoding 0): the M' of HashML-DSA / HashSLH-DSA, built by the test.
bool verify_pq_raw(const std::string& algorithm, const Bytes& public_key, const Bytes& message,
                   const Bytes& signature);
// The raw public key inside a DER SubjectPublicKeyInfo (CKA_PUBLIC_KEY_INFO)
// and OpenSSL's name of its algorithm ("ML-DSA-65", "ED25519", ...).
Bytes raw_public_key_of_spki(const Bytes& spki, std::string& algorithm);

Bytes digest(const std::string& name, const Bytes& data);
// The first `length` bytes of an XOF ("SHAKE128", "SHAKE256") over `data`.
Bytes xof(const std::string& name, const Bytes& data, std::size_t length);
// AES-GCM encryption with a 16-byte tag appended (the PKCS#11 output form).
Bytes aes_gcm_encrypt(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& plain);
Bytes aes_cbc_pad_encrypt(const Bytes& key, const Bytes& iv, const Bytes& plain);

// The contents of a DER OCTET STRING (CKA_EC_POINT); empty if malformed.
Bytes der_octet_string_contents(const Bytes& der);
Bytes from_hex(const std::string& hex);

}  // namespace abi_test::ossl

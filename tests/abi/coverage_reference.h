// Reference computations for the mechanism-coverage ABI tests, done with
// OpenSSL in the test process (default library context, never through the
// module): what the module outputs is compared with these, or with published
// known-answer vectors.
#pragma once

#include <string>

#include "module_fixture.h"

namespace abi_test::ref {

inline CK_BYTE_PTR ptr(const Bytes& b) { return const_cast<CK_BYTE_PTR>(b.data()); }

// `cipher` is an OpenSSL cipher name ("DES-EDE3-CBC", "AES-128-WRAP-PAD", ...);
// `iv` may be empty. Padding follows OpenSSL's default (PKCS#7) unless `pad`
// is false. Wrap ciphers are allowed.
Bytes cipher(const std::string& name, const Bytes& key, const Bytes& iv, const Bytes& in, bool encrypt,
             bool pad = true);
// AES-CCM with an `tag_len`-byte MAC: ciphertext || MAC.
Bytes aes_ccm_encrypt(const Bytes& key, const Bytes& nonce, const Bytes& aad, const Bytes& plain,
                      std::size_t tag_len);

// HMAC with OpenSSL digest `digest` ("SHA3-256", "SHA2-512/224", "MD5", ...).
Bytes hmac(const std::string& digest, const Bytes& key, const Bytes& data);
// AES-CMAC (full 16 bytes).
Bytes aes_cmac(const Bytes& key, const Bytes& data);

// Raw (unpadded) RSA public operation: data^e mod n, k bytes.
Bytes rsa_public_raw(const Bytes& modulus, const Bytes& exponent, const Bytes& data);

// Ed448 / Ed25519 signature check from a raw public key ("ED448", "ED25519").
// `instance` selects an RFC 8032 variant ("Ed25519ctx", "Ed448ph", ...; empty:
// the pure one) and `context` its context string.
bool verify_eddsa(const std::string& type, const Bytes& public_key, const Bytes& data, const Bytes& signature,
                  const std::string& instance = "", const Bytes& context = {});

// RSA-OAEP encryption with `digest` for hash and MGF1 and an optional label.
Bytes rsa_oaep_encrypt(const Bytes& modulus, const Bytes& exponent, const std::string& digest, const Bytes& label,
                       const Bytes& plain);

// A key pair made by OpenSSL, for ECDH and X25519/X448 cross-checks.
// `public_key`: the uncompressed point (EC) or the raw u-coordinate (X*).
struct PeerKey {
  Bytes public_key;
  std::string type;   // "EC", "X25519", "X448"
  void* pkey = nullptr;  // EVP_PKEY*, owned
  PeerKey() = default;
  PeerKey(const PeerKey&) = delete;
  PeerKey& operator=(const PeerKey&) = delete;
  ~PeerKey();
};
// `type` "X25519"/"X448", or an EC group name ("prime256v1", "secp384r1").
void make_peer(const std::string& type, PeerKey& out);
// The raw shared secret of `peer` with the other side's public value.
Bytes peer_derive(const PeerKey& peer, const Bytes& other_public);

// KDFs applied to a shared secret Z, written out from their definitions:
// ANSI X9.63: Hash(Z || counter || info); SP 800-56C one-step: Hash(counter || Z || info).
Bytes x963_kdf(const std::string& digest, const Bytes& z, const Bytes& info, std::size_t length);
Bytes sp800_56c_kdf(const std::string& digest, const Bytes& z, const Bytes& info, std::size_t length);

}  // namespace abi_test::ref

#include "openssl_check.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

namespace abi_test::ossl {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
  void operator()(EVP_CIPHER* p) const { EVP_CIPHER_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
  void operator()(EVP_SIGNATURE* p) const { EVP_SIGNATURE_free(p); }
  void operator()(EVP_MD* p) const { EVP_MD_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what);
}

Ptr<EVP_PKEY> key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  Ptr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  check(params && ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1, "fromdata init");
  EVP_PKEY* pkey = nullptr;
  check(EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) == 1, "fromdata");
  return Ptr<EVP_PKEY>(pkey);
}

Ptr<EVP_PKEY> rsa_public(const Bytes& modulus, const Bytes& exponent) {
  Ptr<BIGNUM> n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
  Ptr<BIGNUM> e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
  Ptr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  check(n && e && bld, "RSA parameters");
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
            OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) == 1,
        "RSA push");
  return key_from_params("RSA", bld.get());
}

// Digest-and-verify with an optional hook to configure the key context.
template <class Configure>
bool digest_verify(EVP_PKEY* key, const std::string& digest_name, const Bytes& data, const Bytes& signature,
                   Configure configure) {
  Ptr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  check(md && EVP_DigestVerifyInit_ex(md.get(), &pctx, digest_name.empty() ? nullptr : digest_name.c_str(), nullptr,
                                      nullptr, key, nullptr) == 1,
        "DigestVerifyInit");
  configure(pctx);
  return EVP_DigestVerify(md.get(), signature.data(), signature.size(), data.data(), data.size()) == 1;
}

Bytes ecdsa_der(const Bytes& raw) {
  const std::size_t half = raw.size() / 2;
  Ptr<ECDSA_SIG> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr);
  check(sig && r && s && ECDSA_SIG_set0(sig.get(), r, s) == 1, "ECDSA_SIG");
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  i2d_ECDSA_SIG(sig.get(), &p);
  return der;
}

Ptr<EVP_CIPHER> aes_cipher(const char* mode, std::size_t key_len) {
  const std::string name = "AES-" + std::to_string(key_len * 8) + "-" + mode;
  Ptr<EVP_CIPHER> cipher(EVP_CIPHER_fetch(nullptr, name.c_str(), nullptr));
  check(cipher != nullptr, "cipher fetch");
  return cipher;
}

}  // namespace

bool verify_rsa_pkcs1(const Bytes& modulus, const Bytes& exponent, const std::string& digest_name, const Bytes& data,
                      const Bytes& signature) {
  Ptr<EVP_PKEY> key = rsa_public(modulus, exponent);
  return digest_verify(key.get(), digest_name, data, signature, [](EVP_PKEY_CTX* ctx) {
    check(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1, "padding");
  });
}

bool verify_rsa_pss(const Bytes& modulus, const Bytes& exponent, const std::string& digest_name, int salt_len,
                    const Bytes& data, const Bytes& signature) {
  Ptr<EVP_PKEY> key = rsa_public(modulus, exponent);
  return digest_verify(key.get(), digest_name, data, signature, [&](EVP_PKEY_CTX* ctx) {
    check(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
              EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt_len) == 1 &&
              EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, digest_name.c_str(), nullptr) == 1,
          "PSS parameters");
  });
}

Bytes rsa_oaep_encrypt(const Bytes& modulus, const Bytes& exponent, const std::string& digest_name,
                       const Bytes& plain) {
  Ptr<EVP_PKEY> key = rsa_public(modulus, exponent);
  Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  check(ctx && EVP_PKEY_encrypt_init(ctx.get()) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) == 1 &&
            EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx.get(), digest_name.c_str(), nullptr) == 1 &&
            EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx.get(), digest_name.c_str(), nullptr) == 1,
        "OAEP init");
  std::size_t len = 0;
  check(EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plain.data(), plain.size()) == 1, "OAEP size");
  Bytes out(len);
  check(EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plain.data(), plain.size()) == 1, "OAEP encrypt");
  out.resize(len);
  return out;
}

bool verify_ecdsa(const std::string& group, const Bytes& point, const std::string& digest_name, const Bytes& data,
                  const Bytes& signature) {
  Ptr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  check(bld && OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0) == 1 &&
            OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1,
        "EC push");
  Ptr<EVP_PKEY> key = key_from_params("EC", bld.get());
  const Bytes der = ecdsa_der(signature);
  if (!digest_name.empty()) return digest_verify(key.get(), digest_name, data, der, [](EVP_PKEY_CTX*) {});
  Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  check(ctx && EVP_PKEY_verify_init(ctx.get()) == 1, "verify init");
  return EVP_PKEY_verify(ctx.get(), der.data(), der.size(), data.data(), data.size()) == 1;
}

bool verify_ed25519(const Bytes& public_key, const Bytes& data, const Bytes& signature) {
  Ptr<EVP_PKEY> key(
      EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, public_key.data(), public_key.size()));
  check(key != nullptr, "Ed25519 key");
  return digest_verify(key.get(), "", data, signature, [](EVP_PKEY_CTX*) {});
}

namespace {

// A post-quantum signature check with the message encoding (1: pure, 0:
// raw) and context OpenSSL applies.
bool verify_pq(const std::string& algorithm, const Bytes& public_key, int encoding, const Bytes& context,
               const Bytes& data, const Bytes& signature) {
  Ptr<EVP_PKEY> key(EVP_PKEY_new_raw_public_key_ex(nullptr, algorithm.c_str(), nullptr, public_key.data(),
                                                   public_key.size()));
  Ptr<EVP_SIGNATURE> alg(EVP_SIGNATURE_fetch(nullptr, algorithm.c_str(), nullptr));
  check(key && alg, "post-quantum public key");
  Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  OSSL_PARAM params[3] = {OSSL_PARAM_construct_int(OSSL_SIGNATURE_PARAM_MESSAGE_ENCODING, &encoding),
                          OSSL_PARAM_construct_end(), OSSL_PARAM_construct_end()};
  if (!context.empty()) {
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_CONTEXT_STRING,
                                                  const_cast<std::uint8_t*>(context.data()), context.size());
  }
  check(ctx && EVP_PKEY_verify_message_init(ctx.get(), alg.get(), params) == 1, "post-quantum verify init");
  return EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), data.data(), data.size()) == 1;
}

}  // namespace

bool verify_ml_dsa(const std::string& algorithm, const Bytes& public_key, const Bytes& context, const Bytes& data,
                   const Bytes& signature) {
  return verify_pq(algorithm, public_key, 1, context, data, signature);
}

bool verify_slh_dsa(const std::string& algorithm, const Bytes& public_key, const Bytes& context, const Bytes& data,
                    const Bytes& signature) {
  return verify_pq(algorithm, public_key, 1, context, data, signature);
}

bool verify_pq_raw(const std::string& algorithm, const Bytes& public_key, const Bytes& message,
                   const Bytes& signature) {
  return verify_pq(algorithm, public_key, 0, {}, message, signature);
}

Bytes raw_public_key_of_spki(const Bytes& spki, std::string& algorithm) {
  const unsigned char* p = spki.data();
  Ptr<EVP_PKEY> key(d2i_PUBKEY_ex(nullptr, &p, static_cast<long>(spki.size()), nullptr, nullptr));
  check(key && p == spki.data() + spki.size(), "SubjectPublicKeyInfo");
  algorithm = EVP_PKEY_get0_type_name(key.get());
  std::size_t len = 0;
  check(EVP_PKEY_get_raw_public_key(key.get(), nullptr, &len) == 1, "raw public key size");
  Bytes out(len);
  check(EVP_PKEY_get_raw_public_key(key.get(), out.data(), &len) == 1, "raw public key");
  out.resize(len);
  return out;
}

Bytes digest(const std::string& name, const Bytes& data) {
  Bytes out(EVP_MAX_MD_SIZE);
  std::size_t len = 0;
  check(EVP_Q_digest(nullptr, name.c_str(), nullptr, data.data(), data.size(), out.data(), &len) == 1, "digest");
  out.resize(len);
  return out;
}

Bytes xof(const std::string& name, const Bytes& data, std::size_t length) {
  Ptr<EVP_MD> md(EVP_MD_fetch(nullptr, name.c_str(), nullptr));
  Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  Bytes out(length);
  check(md && ctx && EVP_DigestInit_ex2(ctx.get(), md.get(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1 &&
            EVP_DigestFinalXOF(ctx.get(), out.data(), out.size()) == 1,
        "XOF");
  return out;
}

Bytes aes_gcm_encrypt(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& plain) {
  Ptr<EVP_CIPHER> cipher = aes_cipher("GCM", key.size());
  Ptr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  Bytes out(plain.size() + 16);
  check(ctx && EVP_EncryptInit_ex2(ctx.get(), cipher.get(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) == 1 &&
            EVP_EncryptInit_ex2(ctx.get(), nullptr, key.data(), iv.data(), nullptr) == 1,
        "GCM init");
  if (!aad.empty()) check(EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1, "AAD");
  check(EVP_EncryptUpdate(ctx.get(), out.data(), &len, plain.data(), static_cast<int>(plain.size())) == 1, "GCM");
  int tail = 0;
  check(EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &tail) == 1, "GCM final");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, out.data() + plain.size()) == 1, "GCM tag");
  return out;
}

Bytes aes_cbc_pad_encrypt(const Bytes& key, const Bytes& iv, const Bytes& plain) {
  Ptr<EVP_CIPHER> cipher = aes_cipher("CBC", key.size());
  Ptr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  Bytes out(plain.size() + 16);
  int len = 0;
  int tail = 0;
  check(ctx && EVP_EncryptInit_ex2(ctx.get(), cipher.get(), key.data(), iv.data(), nullptr) == 1 &&
            EVP_EncryptUpdate(ctx.get(), out.data(), &len, plain.data(), static_cast<int>(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &tail) == 1,
        "CBC");
  out.resize(static_cast<std::size_t>(len + tail));
  return out;
}

Bytes der_octet_string_contents(const Bytes& der) {
  if (der.size() < 2 || der[0] != 0x04) return {};
  std::size_t len = der[1];
  std::size_t header = 2;
  if (len & 0x80) {
    const std::size_t bytes = len & 0x7f;
    if (bytes == 0 || bytes > 2 || der.size() < 2 + bytes) return {};
    len = 0;
    for (std::size_t i = 0; i < bytes; ++i) len = (len << 8) | der[2 + i];
    header += bytes;
  }
  if (der.size() != header + len) return {};
  return Bytes(der.begin() + static_cast<long>(header), der.end());
}

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

}  // namespace abi_test::ossl

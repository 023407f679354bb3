#include "coverage_reference.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>

#include "openssl_check.h"

namespace abi_test::ref {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
  void operator()(EVP_CIPHER* p) const { EVP_CIPHER_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("OpenSSL reference: " + what);
}

Ptr<EVP_CIPHER> fetch(const std::string& name) {
  Ptr<EVP_CIPHER> c(EVP_CIPHER_fetch(nullptr, name.c_str(), nullptr));
  check(c != nullptr, "fetch " + name);
  return c;
}

Bytes counter_be(std::uint32_t counter) {
  return Bytes{static_cast<std::uint8_t>(counter >> 24), static_cast<std::uint8_t>(counter >> 16),
               static_cast<std::uint8_t>(counter >> 8), static_cast<std::uint8_t>(counter)};
}

Bytes concat(std::initializer_list<const Bytes*> parts) {
  Bytes out;
  for (const Bytes* p : parts) out.insert(out.end(), p->begin(), p->end());
  return out;
}

}  // namespace

Bytes cipher(const std::string& name, const Bytes& key, const Bytes& iv, const Bytes& in, bool encrypt, bool pad) {
  Ptr<EVP_CIPHER> c = fetch(name);
  Ptr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  check(ctx != nullptr, "ctx");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  check(EVP_CipherInit_ex2(ctx.get(), c.get(), key.data(), iv.empty() ? nullptr : iv.data(), encrypt ? 1 : 0,
                           nullptr) == 1,
        "init " + name);
  EVP_CIPHER_CTX_set_padding(ctx.get(), pad ? 1 : 0);
  Bytes out(in.size() + 64);
  int len = 0;
  int tail = 0;
  check(EVP_CipherUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) == 1, "update " + name);
  check(EVP_CipherFinal_ex(ctx.get(), out.data() + len, &tail) == 1, "final " + name);
  out.resize(static_cast<std::size_t>(len + tail));
  return out;
}

Bytes aes_ccm_encrypt(const Bytes& key, const Bytes& nonce, const Bytes& aad, const Bytes& plain,
                      std::size_t tag_len) {
  Ptr<EVP_CIPHER> c = fetch("AES-" + std::to_string(key.size() * 8) + "-CCM");
  Ptr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  check(ctx && EVP_EncryptInit_ex2(ctx.get(), c.get(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_len), nullptr) == 1 &&
            EVP_EncryptInit_ex2(ctx.get(), nullptr, key.data(), nonce.data(), nullptr) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, nullptr, static_cast<int>(plain.size())) == 1,
        "CCM init");
  if (!aad.empty()) {
    check(EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1, "CCM AAD");
  }
  Bytes out(plain.size() + tag_len);
  check(EVP_EncryptUpdate(ctx.get(), out.data(), &len, plain.data(), static_cast<int>(plain.size())) == 1, "CCM");
  int tail = 0;
  check(EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &tail) == 1, "CCM final");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag_len), out.data() + plain.size()) ==
            1,
        "CCM tag");
  return out;
}

Bytes hmac(const std::string& digest, const Bytes& key, const Bytes& data) {
  Bytes out(EVP_MAX_MD_SIZE);
  std::size_t len = 0;
  check(EVP_Q_mac(nullptr, "HMAC", nullptr, digest.c_str(), nullptr, key.data(), key.size(), data.data(),
                  data.size(), out.data(), out.size(), &len) != nullptr,
        "HMAC " + digest);
  out.resize(len);
  return out;
}

Bytes aes_cmac(const Bytes& key, const Bytes& data) {
  const std::string name = "AES-" + std::to_string(key.size() * 8) + "-CBC";
  Bytes out(16);
  std::size_t len = 0;
  check(EVP_Q_mac(nullptr, "CMAC", nullptr, name.c_str(), nullptr, key.data(), key.size(), data.data(), data.size(),
                  out.data(), out.size(), &len) != nullptr,
        "CMAC");
  out.resize(len);
  return out;
}

Bytes rsa_public_raw(const Bytes& modulus, const Bytes& exponent, const Bytes& data) {
  // Plain modular exponentiation: independent of any RSA padding code.
  Ptr<BIGNUM> n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
  Ptr<BIGNUM> e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
  Ptr<BIGNUM> m(BN_bin2bn(data.data(), static_cast<int>(data.size()), nullptr));
  Ptr<BIGNUM> r(BN_new());
  BN_CTX* bn_ctx = BN_CTX_new();
  check(n && e && m && r && bn_ctx && BN_mod_exp(r.get(), m.get(), e.get(), n.get(), bn_ctx) == 1, "mod_exp");
  BN_CTX_free(bn_ctx);
  Bytes out(modulus.size());
  check(BN_bn2binpad(r.get(), out.data(), static_cast<int>(out.size())) >= 0, "bn2bin");
  return out;
}

bool verify_eddsa(const std::string& type, const Bytes& public_key, const Bytes& data, const Bytes& signature,
                  const std::string& instance, const Bytes& context) {
  Ptr<EVP_PKEY> key(EVP_PKEY_new_raw_public_key_ex(nullptr, type.c_str(), nullptr, public_key.data(),
                                                   public_key.size()));
  check(key != nullptr, type + " key");
  OSSL_PARAM params[3];
  std::size_t n = 0;
  if (!instance.empty()) {
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_INSTANCE, const_cast<char*>(instance.c_str()), 0);
  }
  if (!context.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_CONTEXT_STRING,
                                                    const_cast<std::uint8_t*>(context.data()), context.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  Ptr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  check(md && EVP_DigestVerifyInit_ex(md.get(), nullptr, nullptr, nullptr, nullptr, key.get(), params) == 1,
        "EdDSA verify init");
  return EVP_DigestVerify(md.get(), signature.data(), signature.size(), data.data(), data.size()) == 1;
}

Bytes rsa_oaep_encrypt(const Bytes& modulus, const Bytes& exponent, const std::string& digest, const Bytes& label,
                       const Bytes& plain) {
  Ptr<BIGNUM> n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
  Ptr<BIGNUM> e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
  check(n && e, "RSA numbers");
  std::size_t n_len = static_cast<std::size_t>(BN_num_bytes(n.get()));
  Bytes n_le(n_len), e_le(static_cast<std::size_t>(BN_num_bytes(e.get())));
  // OSSL_PARAM integers are native-endian (little-endian here).
  BN_bn2lebinpad(n.get(), n_le.data(), static_cast<int>(n_le.size()));
  BN_bn2lebinpad(e.get(), e_le.data(), static_cast<int>(e_le.size()));
  OSSL_PARAM key_params[] = {OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, n_le.data(), n_le.size()),
                             OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, e_le.data(), e_le.size()),
                             OSSL_PARAM_construct_end()};
  Ptr<EVP_PKEY_CTX> from(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  check(from && EVP_PKEY_fromdata_init(from.get()) == 1 &&
            EVP_PKEY_fromdata(from.get(), &raw, EVP_PKEY_PUBLIC_KEY, key_params) == 1,
        "RSA public key");
  Ptr<EVP_PKEY> key(raw);
  Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  check(ctx && EVP_PKEY_encrypt_init(ctx.get()) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) == 1 &&
            EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx.get(), digest.c_str(), nullptr) == 1 &&
            EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx.get(), digest.c_str(), nullptr) == 1,
        "OAEP init");
  if (!label.empty()) {
    void* copy = OPENSSL_memdup(label.data(), label.size());  // the context takes ownership
    check(copy != nullptr && EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), copy, static_cast<int>(label.size())) == 1,
          "OAEP label");
  }
  std::size_t len = 0;
  check(EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plain.data(), plain.size()) == 1, "OAEP size");
  Bytes out(len);
  check(EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plain.data(), plain.size()) == 1, "OAEP encrypt");
  out.resize(len);
  return out;
}

PeerKey::~PeerKey() { EVP_PKEY_free(static_cast<EVP_PKEY*>(pkey)); }

void make_peer(const std::string& type, PeerKey& out) {
  const bool montgomery = type == "X25519" || type == "X448";
  EVP_PKEY* key = montgomery ? EVP_PKEY_Q_keygen(nullptr, nullptr, type.c_str())
                             : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", type.c_str());
  check(key != nullptr, "keygen " + type);
  out.pkey = key;
  out.type = montgomery ? type : "EC";
  std::size_t len = 0;
  const char* param = OSSL_PKEY_PARAM_PUB_KEY;
  check(EVP_PKEY_get_octet_string_param(key, param, nullptr, 0, &len) == 1, "public size");
  out.public_key.resize(len);
  check(EVP_PKEY_get_octet_string_param(key, param, out.public_key.data(), len, &len) == 1, "public key");
  out.public_key.resize(len);
}

Bytes peer_derive(const PeerKey& peer, const Bytes& other_public) {
  auto* own = static_cast<EVP_PKEY*>(peer.pkey);
  Ptr<EVP_PKEY> other;
  if (peer.type == "EC") {
    char group[64] = {};
    std::size_t glen = 0;
    check(EVP_PKEY_get_utf8_string_param(own, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) == 1, "group");
    other.reset(EVP_PKEY_new());
    Ptr<EVP_PKEY_CTX> pctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<std::uint8_t*>(other_public.data()),
                                          other_public.size()),
        OSSL_PARAM_construct_end()};
    EVP_PKEY* raw = nullptr;
    check(pctx && EVP_PKEY_fromdata_init(pctx.get()) == 1 &&
              EVP_PKEY_fromdata(pctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) == 1,
          "EC peer public");
    other.reset(raw);
  } else {
    other.reset(EVP_PKEY_new_raw_public_key_ex(nullptr, peer.type.c_str(), nullptr, other_public.data(),
                                               other_public.size()));
    check(other != nullptr, "raw public");
  }
  Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  std::size_t len = 0;
  check(ctx && EVP_PKEY_derive_init(ctx.get()) == 1 && EVP_PKEY_derive_set_peer(ctx.get(), other.get()) == 1 &&
            EVP_PKEY_derive(ctx.get(), nullptr, &len) == 1,
        "derive init");
  Bytes z(len);
  check(EVP_PKEY_derive(ctx.get(), z.data(), &len) == 1, "derive");
  z.resize(len);
  return z;
}

Bytes x963_kdf(const std::string& digest, const Bytes& z, const Bytes& info, std::size_t length) {
  Bytes out;
  for (std::uint32_t counter = 1; out.size() < length; ++counter) {
    const Bytes c = counter_be(counter);
    const Bytes block = ossl::digest(digest, concat({&z, &c, &info}));
    out.insert(out.end(), block.begin(), block.end());
  }
  out.resize(length);
  return out;
}

Bytes sp800_56c_kdf(const std::string& digest, const Bytes& z, const Bytes& info, std::size_t length) {
  Bytes out;
  for (std::uint32_t counter = 1; out.size() < length; ++counter) {
    const Bytes c = counter_be(counter);
    const Bytes block = ossl::digest(digest, concat({&c, &z, &info}));
    out.insert(out.end(), block.begin(), block.end());
  }
  out.resize(length);
  return out;
}

}  // namespace abi_test::ref

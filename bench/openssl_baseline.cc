#include "openssl_baseline.h"

#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <cstring>
#include <memory>
#include <string>

#include "openssl_util.h"

namespace bench::ossl {
namespace {

using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;

constexpr std::size_t k4K = 4096;
constexpr std::size_t k1M = 1024 * 1024;

// Algorithms are fetched once, as a module would at load time; implicit
// fetching on every call would charge the baseline a lookup a module avoids.
const EVP_MD* sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  return md;
}
const EVP_CIPHER* cipher(bool gcm) {
  static EVP_CIPHER* g = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  static EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
  return gcm ? g : c;
}
EVP_MAC* hmac() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

PKey rsa_key(unsigned bits) {
  return adopt(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)), "RSA keygen");
}
PKey ec_key(const char* curve) {
  return adopt(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve), "EC keygen");
}
PKey ed25519_key() { return adopt(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), "Ed25519 keygen"); }

// How a signature is made: through a digest (RSA, Ed25519) or over a hash.
enum class SigKind { digest, digest_pss, raw_hash };

bool set_pss(EVP_PKEY_CTX* p) {
  return EVP_PKEY_CTX_set_rsa_padding(p, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(p, 32) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(p, sha256()) == 1;
}

// Ed25519 takes no separate digest.
const EVP_MD* md_for(const PKey& key) {
  return EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519 ? nullptr : sha256();
}

bool sign(const PKey& key, SigKind kind, const Bytes& msg, Bytes& sig, size_t* len) {
  *len = sig.size();
  if (kind == SigKind::raw_hash) {
    PkeyCtx p(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), EVP_PKEY_CTX_free);
    return p && EVP_PKEY_sign_init(p.get()) == 1 &&
           EVP_PKEY_sign(p.get(), sig.data(), len, msg.data(), msg.size()) == 1;
  }
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* p = nullptr;  // owned by ctx
  return ctx && EVP_DigestSignInit(ctx.get(), &p, md_for(key), nullptr, key.get()) == 1 &&
         (kind != SigKind::digest_pss || set_pss(p)) &&
         EVP_DigestSign(ctx.get(), sig.data(), len, msg.data(), msg.size()) == 1;
}

bool verify(const PKey& key, SigKind kind, const Bytes& msg, const Bytes& sig) {
  if (kind == SigKind::raw_hash) {
    PkeyCtx p(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), EVP_PKEY_CTX_free);
    return p && EVP_PKEY_verify_init(p.get()) == 1 &&
           EVP_PKEY_verify(p.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
  }
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* p = nullptr;
  return ctx && EVP_DigestVerifyInit(ctx.get(), &p, md_for(key), nullptr, key.get()) == 1 &&
         (kind != SigKind::digest_pss || set_pss(p)) &&
         EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
}

struct SignState {
  SignState(unsigned, PKey k, SigKind how)
      : key(std::move(k)), kind(how), msg(pattern(32)), sig(512) {}
  Status run() {
    size_t len = 0;
    return status(sign(key, kind, msg, sig, &len));
  }
  PKey key;
  SigKind kind;
  Bytes msg, sig;
};

struct VerifyState {
  VerifyState(unsigned, PKey k, SigKind how, Bytes signature)
      : key(std::move(k)), kind(how), msg(pattern(32)), sig(std::move(signature)) {}
  Status run() { return status(verify(key, kind, msg, sig)); }
  PKey key;
  SigKind kind;
  Bytes msg, sig;
};

bool oaep_ctx(EVP_PKEY_CTX* p) {
  return EVP_PKEY_CTX_set_rsa_padding(p, RSA_PKCS1_OAEP_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_oaep_md(p, sha256()) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(p, sha256()) == 1;
}

Bytes oaep_encrypt(const PKey& key, const Bytes& msg) {
  PkeyCtx p(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), EVP_PKEY_CTX_free);
  Bytes ct(512);
  size_t len = ct.size();
  if (!p || EVP_PKEY_encrypt_init(p.get()) != 1 || !oaep_ctx(p.get()) ||
      EVP_PKEY_encrypt(p.get(), ct.data(), &len, msg.data(), msg.size()) != 1)
    setup_failed("OAEP encrypt");
  ct.resize(len);
  return ct;
}

struct OaepDecryptState {
  OaepDecryptState(unsigned, PKey k, Bytes ciphertext)
      : key(std::move(k)), ct(std::move(ciphertext)), out(512) {}
  Status run() {
    PkeyCtx p(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), EVP_PKEY_CTX_free);
    size_t len = out.size();
    return status(p && EVP_PKEY_decrypt_init(p.get()) == 1 && oaep_ctx(p.get()) &&
                  EVP_PKEY_decrypt(p.get(), out.data(), &len, ct.data(), ct.size()) == 1);
  }
  PKey key;
  Bytes ct, out;
};

// AES-256 GCM (with a fresh IV per call, as in the PKCS#11 case) or CBC.
struct CipherState {
  CipherState(unsigned thread, bool use_gcm, std::size_t size)
      : gcm(use_gcm), key(32, 0x11), iv(16, static_cast<unsigned char>(thread)), in(pattern(size)),
        out(size + 16), tag(16) {}
  Status run() {
    ++counter;
    std::memcpy(iv.data() + (gcm ? 4 : 8), &counter, sizeof counter);
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int n = 0, fin = 0;
    bool ok = ctx && EVP_EncryptInit_ex2(ctx.get(), cipher(gcm), key.data(), iv.data(), nullptr) == 1 &&
              (gcm || EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1) &&
              EVP_EncryptUpdate(ctx.get(), out.data(), &n, in.data(), static_cast<int>(in.size())) == 1 &&
              EVP_EncryptFinal_ex(ctx.get(), out.data() + n, &fin) == 1;
    if (ok && gcm) ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, 16, tag.data()) == 1;
    return status(ok);
  }
  bool gcm;
  Bytes key, iv, in, out, tag;
  unsigned long long counter = 0;
};

struct DigestState {
  DigestState(unsigned, std::size_t size) : in(pattern(size)), out(EVP_MAX_MD_SIZE) {}
  Status run() {
    MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    unsigned len = 0;
    return status(ctx && EVP_DigestInit_ex(ctx.get(), sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx.get(), in.data(), in.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1);
  }
  Bytes in, out;
};

struct HmacState {
  HmacState(unsigned, std::size_t size) : key(32, 0x22), in(pattern(size)), out(EVP_MAX_MD_SIZE) {}
  Status run() {
    MacCtx ctx(EVP_MAC_CTX_new(hmac()), EVP_MAC_CTX_free);
    char digest[] = "SHA2-256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    size_t len = 0;
    return status(ctx && EVP_MAC_init(ctx.get(), key.data(), key.size(), params) == 1 &&
                  EVP_MAC_update(ctx.get(), in.data(), in.size()) == 1 &&
                  EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) == 1);
  }
  Bytes key, in, out;
};

struct RandomState {
  RandomState(unsigned) : buf(32) {}
  Status run() { return status(RAND_bytes(buf.data(), static_cast<int>(buf.size())) == 1); }
  Bytes buf;
};

// Key generation through a fresh EVP_PKEY_CTX; AES keys are 32 random bytes
// (RAND_priv_bytes, the generator OpenSSL reserves for secrets).
struct KeygenState {
  KeygenState(unsigned, std::string algorithm) : alg(std::move(algorithm)), aes(32) {}
  Status run() {
    if (alg == "AES") return status(RAND_priv_bytes(aes.data(), 32) == 1);
    const bool rsa = alg == "RSA";
    PkeyCtx p(EVP_PKEY_CTX_new_from_name(nullptr, rsa ? "RSA" : "EC", nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY* key = nullptr;
    bool ok = p && EVP_PKEY_keygen_init(p.get()) == 1 &&
              (rsa ? EVP_PKEY_CTX_set_rsa_keygen_bits(p.get(), 2048) == 1
                   : EVP_PKEY_CTX_set_group_name(p.get(), "P-256") == 1) &&
              EVP_PKEY_generate(p.get(), &key) == 1;
    EVP_PKEY_free(key);
    return status(ok);
  }
  std::string alg;
  Bytes aes;
};

using KeyMaker = PKey (*)();
PKey rsa2048() { return rsa_key(2048); }
PKey rsa3072() { return rsa_key(3072); }
PKey p256() { return ec_key("P-256"); }
PKey p384() { return ec_key("P-384"); }

Case sign_case(std::string name, KeyMaker make, SigKind kind) {
  return {std::move(name), 0, [make, kind] { return per_thread<SignState>(make(), kind); }};
}

Case verify_case(std::string name, KeyMaker make, SigKind kind) {
  return {std::move(name), 0, [make, kind] {
            PKey key = make();
            Bytes sig(512);
            size_t len = 0;
            if (!sign(key, kind, pattern(32), sig, &len)) setup_failed("sign");
            sig.resize(len);
            return per_thread<VerifyState>(key, kind, sig);
          }};
}

Case cipher_case(std::string name, bool gcm, std::size_t size) {
  return {std::move(name), size, [gcm, size] { return per_thread<CipherState>(gcm, size); }};
}

Case keygen_case(std::string name, std::string alg) {
  return {std::move(name), 0, [alg] { return per_thread<KeygenState>(alg); }};
}

}  // namespace

std::vector<Case> openssl_cases() {
  std::vector<Case> v;
  v.push_back(sign_case("rsa2048_sign", rsa2048, SigKind::digest));
  v.push_back(verify_case("rsa2048_verify", rsa2048, SigKind::digest));
  v.push_back(sign_case("rsa3072_sign", rsa3072, SigKind::digest));
  v.push_back(verify_case("rsa3072_verify", rsa3072, SigKind::digest));
  v.push_back(sign_case("rsa2048_pss_sign", rsa2048, SigKind::digest_pss));
  v.push_back({"rsa2048_oaep_decrypt", 0, [] {
                 PKey key = rsa2048();
                 return per_thread<OaepDecryptState>(key, oaep_encrypt(key, pattern(32)));
               }});
  v.push_back(sign_case("ecdsa_p256_sign", p256, SigKind::raw_hash));
  v.push_back(verify_case("ecdsa_p256_verify", p256, SigKind::raw_hash));
  v.push_back(sign_case("ecdsa_p384_sign", p384, SigKind::raw_hash));
  v.push_back(verify_case("ecdsa_p384_verify", p384, SigKind::raw_hash));
  v.push_back(sign_case("ed25519_sign", ed25519_key, SigKind::digest));
  v.push_back(cipher_case("aes256_gcm_4k", true, k4K));
  v.push_back(cipher_case("aes256_gcm_1m", true, k1M));
  v.push_back(cipher_case("aes256_cbc_4k", false, k4K));
  v.push_back(cipher_case("aes256_cbc_1m", false, k1M));
  v.push_back({"sha256_1m", k1M, [] { return per_thread<DigestState>(k1M); }});
  v.push_back({"hmac_sha256_4k", k4K, [] { return per_thread<HmacState>(k4K); }});
  v.push_back({"random_32", 0, [] { return per_thread<RandomState>(); }});
  for (Case& c : pqc_cases()) v.push_back(std::move(c));
  v.push_back(keygen_case("keygen_rsa2048", "RSA"));
  v.push_back(keygen_case("keygen_p256", "EC"));
  v.push_back(keygen_case("keygen_aes256", "AES"));
  return v;
}

}  // namespace bench::ossl

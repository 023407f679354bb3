// The OpenSSL side of the post-quantum cases (p11_cases_pqc.cc): ML-DSA and
// SLH-DSA through EVP_PKEY_sign_message_init + EVP_PKEY_sign (and the verify
// pair), ML-KEM through EVP_PKEY_encapsulate / EVP_PKEY_decapsulate.
#include <openssl/evp.h>

#include <string>
#include <utility>
#include <vector>

#include "openssl_baseline.h"
#include "openssl_util.h"

namespace bench::ossl {
namespace {

constexpr std::size_t kMessage = 32;
constexpr std::size_t kPqSignature = 17088;   // SLH-DSA-SHA2-128f, the largest here
constexpr std::size_t kKemCiphertext = 1568;  // ML-KEM-1024, the largest
constexpr std::size_t kKemSecret = 32;
constexpr std::size_t kVerifySignatures = 8;  // as p11_cases_pqc.cc

using Signature = std::shared_ptr<EVP_SIGNATURE>;

// Fetched once per case, before timing, as a module would at load time.
Signature fetch_signature(const std::string& alg) {
  EVP_SIGNATURE* s = EVP_SIGNATURE_fetch(nullptr, alg.c_str(), nullptr);
  if (!s) setup_failed("EVP_SIGNATURE_fetch(" + alg + ")");
  return Signature(s, EVP_SIGNATURE_free);
}

PKey generate(const std::string& alg) {
  return adopt(EVP_PKEY_Q_keygen(nullptr, nullptr, alg.c_str()), alg + " keygen");
}

// Pure signing of the message. Without parameters OpenSSL hedges (fresh
// randomness in every signature) and uses an empty context: what CKM_ML_DSA
// and CKM_SLH_DSA do without a mechanism parameter.
bool sign_message(const PKey& key, EVP_SIGNATURE* alg, const Bytes& msg, Bytes& sig,
                  size_t* len) {
  PkeyCtx p = pkey_ctx(key);
  *len = sig.size();
  return p && EVP_PKEY_sign_message_init(p.get(), alg, nullptr) == 1 &&
         EVP_PKEY_sign(p.get(), sig.data(), len, msg.data(), msg.size()) == 1;
}

bool verify_message(const PKey& key, EVP_SIGNATURE* alg, const Bytes& msg, const Bytes& sig) {
  PkeyCtx p = pkey_ctx(key);
  return p && EVP_PKEY_verify_message_init(p.get(), alg, nullptr) == 1 &&
         EVP_PKEY_verify(p.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
}

struct SignState {
  SignState(unsigned, PKey k, Signature a)
      : key(std::move(k)), alg(std::move(a)), msg(pattern(kMessage)), sig(kPqSignature) {}
  Status run() {
    size_t len = 0;
    return status(sign_message(key, alg.get(), msg, sig, &len));
  }
  PKey key;
  Signature alg;
  Bytes msg, sig;
};

// Takes the setup's signatures in turn, as the PKCS#11 side does.
struct VerifyState {
  VerifyState(unsigned, PKey k, Signature a, std::vector<Bytes> signatures)
      : key(std::move(k)), alg(std::move(a)), msg(pattern(kMessage)), sigs(std::move(signatures)) {}
  Status run() { return status(verify_message(key, alg.get(), msg, sigs[next++ % sigs.size()])); }
  PKey key;
  Signature alg;
  Bytes msg;
  std::vector<Bytes> sigs;
  std::size_t next = 0;
};

bool encapsulate(const PKey& key, Bytes& ct, size_t* ct_len, Bytes& secret) {
  PkeyCtx p = pkey_ctx(key);
  *ct_len = ct.size();
  size_t secret_len = secret.size();
  return p && EVP_PKEY_encapsulate_init(p.get(), nullptr) == 1 &&
         EVP_PKEY_encapsulate(p.get(), ct.data(), ct_len, secret.data(), &secret_len) == 1;
}

struct EncapsulateState {
  EncapsulateState(unsigned, PKey k) : key(std::move(k)), ct(kKemCiphertext), secret(kKemSecret) {}
  Status run() {
    size_t len = 0;
    return status(encapsulate(key, ct, &len, secret));
  }
  PKey key;
  Bytes ct, secret;
};

struct DecapsulateState {
  DecapsulateState(unsigned, PKey k, Bytes ciphertext)
      : key(std::move(k)), ct(std::move(ciphertext)), secret(kKemSecret) {}
  Status run() {
    PkeyCtx p = pkey_ctx(key);
    size_t len = secret.size();
    return status(p && EVP_PKEY_decapsulate_init(p.get(), nullptr) == 1 &&
                  EVP_PKEY_decapsulate(p.get(), secret.data(), &len, ct.data(), ct.size()) == 1);
  }
  PKey key;
  Bytes ct, secret;
};

// ---- case builders; `alg` names both the key type and the algorithm ----

Case sign_case(std::string name, std::string alg) {
  return {std::move(name), 0, [alg] {
            return per_thread<SignState>(generate(alg), fetch_signature(alg));
          }};
}

Case verify_case(std::string name, std::string alg) {
  return {std::move(name), 0, [alg] {
            PKey key = generate(alg);
            Signature sig_alg = fetch_signature(alg);
            std::vector<Bytes> sigs;
            for (std::size_t i = 0; i < kVerifySignatures; ++i) {
              Bytes sig(kPqSignature);
              size_t len = 0;
              if (!sign_message(key, sig_alg.get(), pattern(kMessage), sig, &len))
                setup_failed(alg + " sign");
              sig.resize(len);
              sigs.push_back(std::move(sig));
            }
            return per_thread<VerifyState>(key, sig_alg, std::move(sigs));
          }};
}

Case encaps_case(std::string name, std::string alg) {
  return {std::move(name), 0, [alg] { return per_thread<EncapsulateState>(generate(alg)); }};
}

Case decaps_case(std::string name, std::string alg) {
  return {std::move(name), 0, [alg] {
            PKey key = generate(alg);
            Bytes ct(kKemCiphertext), secret(kKemSecret);
            size_t len = 0;
            if (!encapsulate(key, ct, &len, secret)) setup_failed(alg + " encapsulate");
            ct.resize(len);
            return per_thread<DecapsulateState>(key, ct);
          }};
}

}  // namespace

std::vector<Case> pqc_cases() {
  std::vector<Case> v;
  for (const char* set : {"44", "65", "87"}) {
    const std::string stem = std::string("ml_dsa_") + set, alg = std::string("ML-DSA-") + set;
    v.push_back(sign_case(stem + "_sign", alg));
    v.push_back(verify_case(stem + "_verify", alg));
  }
  for (const char* set : {"512", "768", "1024"}) {
    const std::string stem = std::string("ml_kem_") + set, alg = std::string("ML-KEM-") + set;
    v.push_back(encaps_case(stem + "_encaps", alg));
    v.push_back(decaps_case(stem + "_decaps", alg));
  }
  for (const char* set : {"128s", "128f"}) {
    const std::string stem = std::string("slh_dsa_sha2_") + set;
    const std::string alg = std::string("SLH-DSA-SHA2-") + set;
    v.push_back(sign_case(stem + "_sign", alg));
    v.push_back(verify_case(stem + "_verify", alg));
  }
  return v;
}

}  // namespace bench::ossl

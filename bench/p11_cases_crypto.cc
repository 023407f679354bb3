// Sign/verify/decrypt, bulk cipher, digest, HMAC and random cases.
#include <cstring>

#include "p11_cases.h"

namespace bench::p11 {
namespace {

constexpr std::size_t k4K = 4096;
constexpr std::size_t k1M = 1024 * 1024;
constexpr std::size_t kClassicSignature = 512;  // RSA-4096 and below, ECDSA, EdDSA, HMAC

bool is_secret(KeyKind k) { return k == KeyKind::aes256 || k == KeyKind::hmac256; }

CK_OBJECT_HANDLE private_key(const Context& ctx, KeyKind kind) {
  return is_secret(kind) ? ctx.keys->secret(kind) : ctx.keys->pair(kind).priv;
}

// ---- per-thread states: each `run()` is one timed C_*Init + C_* ----

struct DecryptState : ThreadState {
  DecryptState(unsigned, const Context* c, Mech m, CK_OBJECT_HANDLE k, Bytes ciphertext)
      : ThreadState(*c), mech(std::move(m)), key(k), ct(std::move(ciphertext)), out(512) {}
  Status run() {
    CK_MECHANISM m = mech.get();
    if (CK_RV rv = fn->C_DecryptInit(s(), &m, key); rv != CKR_OK) return rv;
    CK_ULONG len = out.size();
    return fn->C_Decrypt(s(), ct.data(), ct.size(), out.data(), &len);
  }
  Mech mech;
  CK_OBJECT_HANDLE key;
  Bytes ct, out;
};

// AES-GCM or AES-CBC encryption of `size` bytes. The IV changes every call:
// reusing a GCM IV is unsafe, and a module may rightly refuse it.
struct CipherState : ThreadState {
  CipherState(unsigned thread, const Context* c, bool use_gcm, CK_OBJECT_HANDLE k,
              std::size_t size)
      : ThreadState(*c), gcm(use_gcm), key(k), in(pattern(size)), out(size + 16),
        iv(use_gcm ? 12 : 16, static_cast<unsigned char>(thread)) {
    std::memset(&params, 0, sizeof params);
    params.pIv = iv.data();
    params.ulIvLen = iv.size();
    params.ulIvBits = iv.size() * 8;
    params.ulTagBits = 128;
  }
  Status run() {
    ++counter;
    std::memcpy(iv.data() + iv.size() - sizeof counter, &counter, sizeof counter);
    CK_MECHANISM m = gcm ? CK_MECHANISM{CKM_AES_GCM, &params, sizeof params}
                         : CK_MECHANISM{CKM_AES_CBC, iv.data(), static_cast<CK_ULONG>(iv.size())};
    if (CK_RV rv = fn->C_EncryptInit(s(), &m, key); rv != CKR_OK) return rv;
    CK_ULONG len = out.size();
    return fn->C_Encrypt(s(), in.data(), in.size(), out.data(), &len);
  }
  bool gcm;
  CK_OBJECT_HANDLE key;
  Bytes in, out, iv;
  CK_GCM_PARAMS params;
  unsigned long long counter = 0;
};

struct DigestState : ThreadState {
  DigestState(unsigned, const Context* c, std::size_t size)
      : ThreadState(*c), in(pattern(size)), out(64) {}
  Status run() {
    CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
    if (CK_RV rv = fn->C_DigestInit(s(), &m); rv != CKR_OK) return rv;
    CK_ULONG len = out.size();
    return fn->C_Digest(s(), in.data(), in.size(), out.data(), &len);
  }
  Bytes in, out;
};

struct RandomState : ThreadState {
  RandomState(unsigned, const Context* c) : ThreadState(*c), buf(32) {}
  Status run() { return fn->C_GenerateRandom(s(), buf.data(), buf.size()); }
  Bytes buf;
};

// ---- untimed setup on the login session ----

Bytes encrypt_once(const Context& ctx, Mech mech, CK_OBJECT_HANDLE key, const Bytes& msg) {
  CK_MECHANISM m = mech.get();
  check(ctx.fn()->C_EncryptInit(ctx.session, &m, key), "C_EncryptInit");
  Bytes ct(512);
  CK_ULONG len = ct.size();
  check(ctx.fn()->C_Encrypt(ctx.session, const_cast<unsigned char*>(msg.data()), msg.size(),
                            ct.data(), &len),
        "C_Encrypt");
  ct.resize(len);
  return ct;
}

// ---- case builders ----

Case sign_case(const Context& ctx, std::string name, KeyKind kind, MechName mn, Mech mech,
               std::size_t msg_size = 32) {
  // Only HMAC signs a bulk payload; a 32-byte message is no throughput case.
  const std::size_t bulk = msg_size > 32 ? msg_size : 0;
  return make_case(std::move(name), bulk, [&ctx, kind, mn, mech, msg_size] {
    require(ctx, {mn, keygen_mechanism(kind)});
    return per_thread<SignState>(&ctx, mech, private_key(ctx, kind), pattern(msg_size),
                                 kClassicSignature);
  });
}

Case verify_case(const Context& ctx, std::string name, KeyKind kind, MechName mn, Mech mech) {
  return make_case(std::move(name), 0, [&ctx, kind, mn, mech] {
    require(ctx, {mn, keygen_mechanism(kind)});
    const KeyPair kp = ctx.keys->pair(kind);
    const Bytes msg = pattern(32);
    std::vector<Bytes> sig{sign_once(ctx, mech, kp.priv, msg, kClassicSignature)};
    return per_thread<VerifyState>(&ctx, mech, kp.pub, msg, std::move(sig));
  });
}

Mech oaep(CK_MECHANISM_TYPE hash, CK_RSA_PKCS_MGF_TYPE mgf) {
  CK_RSA_PKCS_OAEP_PARAMS p;
  std::memset(&p, 0, sizeof p);
  p.hashAlg = hash;
  p.mgf = mgf;
  p.source = CKZ_DATA_SPECIFIED;  // empty label
  return mech_with(CKM_RSA_PKCS_OAEP, p);
}

// Some modules (SoftHSMv2 2.6) implement OAEP with SHA-1 only and reject other
// hashes with CKR_ARGUMENTS_BAD. If SHA-1 OAEP works on the same key, the
// SHA-256 case is unsupported rather than broken.
[[noreturn]] void explain_oaep_failure(const Context& ctx, const Error& e, CK_OBJECT_HANDLE pub) {
  if (e.rv() != CKR_ARGUMENTS_BAD && e.rv() != CKR_MECHANISM_PARAM_INVALID) throw e;
  try {
    encrypt_once(ctx, oaep(CKM_SHA_1, CKG_MGF1_SHA1), pub, pattern(32));
  } catch (const Error&) {
    throw e;
  }
  throw unsupported("OAEP with SHA-256 rejected (" + rv_text(e.rv()) +
                    "); OAEP with SHA-1 works");
}

Case oaep_case(const Context& ctx) {
  const Mech mech = oaep(CKM_SHA256, CKG_MGF1_SHA256);
  return make_case("rsa2048_oaep_decrypt", 0, [&ctx, mech] {
    require(ctx, {BENCH_MECH(CKM_RSA_PKCS_OAEP), keygen_mechanism(KeyKind::rsa2048)});
    const KeyPair kp = ctx.keys->pair(KeyKind::rsa2048);
    Bytes ct;
    try {
      ct = encrypt_once(ctx, mech, kp.pub, pattern(32));
    } catch (const Error& e) {
      explain_oaep_failure(ctx, e, kp.pub);
    }
    return per_thread<DecryptState>(&ctx, mech, kp.priv, ct);
  });
}

Case cipher_case(const Context& ctx, std::string name, bool gcm, std::size_t size) {
  return make_case(std::move(name), size, [&ctx, gcm, size] {
    require(ctx, {gcm ? BENCH_MECH(CKM_AES_GCM) : BENCH_MECH(CKM_AES_CBC),
                  keygen_mechanism(KeyKind::aes256)});
    return per_thread<CipherState>(&ctx, gcm, ctx.keys->secret(KeyKind::aes256), size);
  });
}

Mech pss_sha256() {
  CK_RSA_PKCS_PSS_PARAMS p;
  p.hashAlg = CKM_SHA256;
  p.mgf = CKG_MGF1_SHA256;
  p.sLen = 32;
  return mech_with(CKM_SHA256_RSA_PKCS_PSS, p);
}

}  // namespace

std::vector<Case> crypto_cases(const Context& ctx) {
  const auto rsa = BENCH_MECH(CKM_SHA256_RSA_PKCS);
  const auto ecdsa = BENCH_MECH(CKM_ECDSA);
  const Mech rsa_m{CKM_SHA256_RSA_PKCS, {}}, ecdsa_m{CKM_ECDSA, {}};
  std::vector<Case> v;
  v.push_back(sign_case(ctx, "rsa2048_sign", KeyKind::rsa2048, rsa, rsa_m));
  v.push_back(verify_case(ctx, "rsa2048_verify", KeyKind::rsa2048, rsa, rsa_m));
  v.push_back(sign_case(ctx, "rsa3072_sign", KeyKind::rsa3072, rsa, rsa_m));
  v.push_back(verify_case(ctx, "rsa3072_verify", KeyKind::rsa3072, rsa, rsa_m));
  v.push_back(sign_case(ctx, "rsa2048_pss_sign", KeyKind::rsa2048,
                        BENCH_MECH(CKM_SHA256_RSA_PKCS_PSS), pss_sha256()));
  v.push_back(oaep_case(ctx));
  // CKM_ECDSA signs a precomputed hash: the message is a 32-byte digest.
  v.push_back(sign_case(ctx, "ecdsa_p256_sign", KeyKind::p256, ecdsa, ecdsa_m));
  v.push_back(verify_case(ctx, "ecdsa_p256_verify", KeyKind::p256, ecdsa, ecdsa_m));
  v.push_back(sign_case(ctx, "ecdsa_p384_sign", KeyKind::p384, ecdsa, ecdsa_m));
  v.push_back(verify_case(ctx, "ecdsa_p384_verify", KeyKind::p384, ecdsa, ecdsa_m));
  v.push_back(sign_case(ctx, "ed25519_sign", KeyKind::ed25519, BENCH_MECH(CKM_EDDSA),
                        Mech{CKM_EDDSA, {}}));
  v.push_back(cipher_case(ctx, "aes256_gcm_4k", true, k4K));
  v.push_back(cipher_case(ctx, "aes256_gcm_1m", true, k1M));
  v.push_back(cipher_case(ctx, "aes256_cbc_4k", false, k4K));
  v.push_back(cipher_case(ctx, "aes256_cbc_1m", false, k1M));
  v.push_back(make_case("sha256_1m", k1M, [&ctx] {
    require(ctx, {BENCH_MECH(CKM_SHA256)});
    return per_thread<DigestState>(&ctx, k1M);
  }));
  v.push_back(sign_case(ctx, "hmac_sha256_4k", KeyKind::hmac256, BENCH_MECH(CKM_SHA256_HMAC),
                        Mech{CKM_SHA256_HMAC, {}}, k4K));
  v.push_back(make_case("random_32", 0, [&ctx] { return per_thread<RandomState>(&ctx); }));
  return v;
}

}  // namespace bench::p11

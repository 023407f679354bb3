// Post-quantum cases (PKCS#11 3.2): ML-DSA and SLH-DSA through C_SignInit /
// C_Sign and C_VerifyInit / C_Verify, ML-KEM through C_EncapsulateKey /
// C_DecapsulateKey of the 3.2 function list.
#include "p11_cases.h"
#include "runner.h"

namespace bench::p11 {
namespace {

constexpr std::size_t kMessage = 32;
// The largest signature of the parameter sets benchmarked (SLH-DSA-SHA2-128f,
// 17,088 bytes): one buffer fits every case, so no length query is timed.
constexpr std::size_t kPqSignature = 17088;
// Hedged signatures of one message, verified in turn (see VerifyState): the
// OpenSSL side uses as many. Eight take SLH-DSA-SHA2-128s about 2 s to make.
constexpr std::size_t kVerifySignatures = 8;
// Likewise the largest ML-KEM ciphertext (ML-KEM-1024).
constexpr std::size_t kKemCiphertext = 1568;

// The key C_EncapsulateKey / C_DecapsulateKey make: a session generic secret
// holding the shared secret.
void shared_secret_attrs(Template& t) {
  t.ulong(CKA_CLASS, CKO_SECRET_KEY).ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET).flag(CKA_TOKEN, false);
}

// Each KEM call makes a key object. It is destroyed right after the call but
// outside the measured time: the OpenSSL side has no object to get rid of,
// and leaving the objects to pile up would change what later calls cost.
struct KemState : ThreadState {
  explicit KemState(const Context& c) : ThreadState(c), fn32(c.fn32()) {
    shared_secret_attrs(tmpl);
  }
  Status destroy_untimed(CK_RV rv, CK_OBJECT_HANDLE made) {
    if (rv != CKR_OK) return rv;
    CK_RV destroyed = CKR_OK;
    untimed([&] { destroyed = fn->C_DestroyObject(s(), made); });
    return destroyed;
  }
  CK_FUNCTION_LIST_3_2_PTR fn32;
  Template tmpl;  // built in place: a Template points into itself
};

struct EncapsulateState : KemState {
  EncapsulateState(unsigned, const Context* c, CK_OBJECT_HANDLE k)
      : KemState(*c), key(k), ct(kKemCiphertext) {}
  Status run() {
    CK_MECHANISM m = {CKM_ML_KEM, nullptr, 0};
    CK_ULONG len = ct.size();
    CK_OBJECT_HANDLE made = CK_INVALID_HANDLE;
    CK_RV rv = fn32->C_EncapsulateKey(s(), &m, key, tmpl.data(), tmpl.size(), ct.data(), &len,
                                      &made);
    return destroy_untimed(rv, made);
  }
  CK_OBJECT_HANDLE key;
  Bytes ct;
};

struct DecapsulateState : KemState {
  DecapsulateState(unsigned, const Context* c, CK_OBJECT_HANDLE k, Bytes ciphertext)
      : KemState(*c), key(k), ct(std::move(ciphertext)) {}
  Status run() {
    CK_MECHANISM m = {CKM_ML_KEM, nullptr, 0};
    CK_OBJECT_HANDLE made = CK_INVALID_HANDLE;
    CK_RV rv = fn32->C_DecapsulateKey(s(), &m, key, tmpl.data(), tmpl.size(), ct.data(),
                                      ct.size(), &made);
    return destroy_untimed(rv, made);
  }
  CK_OBJECT_HANDLE key;
  Bytes ct;
};

// Untimed setup for decapsulation: one ciphertext, made on the login session.
Bytes encapsulate_once(const Context& ctx, CK_OBJECT_HANDLE pub) {
  Template t;
  shared_secret_attrs(t);
  CK_MECHANISM m = {CKM_ML_KEM, nullptr, 0};
  Bytes ct(kKemCiphertext);
  CK_ULONG len = ct.size();
  CK_OBJECT_HANDLE made = CK_INVALID_HANDLE;
  check(ctx.fn32()->C_EncapsulateKey(ctx.session, &m, pub, t.data(), t.size(), ct.data(), &len,
                                     &made),
        "C_EncapsulateKey");
  check(ctx.fn()->C_DestroyObject(ctx.session, made), "C_DestroyObject");
  ct.resize(len);
  return ct;
}

// A 2.40 module may list no KEM mechanism and has no C_EncapsulateKey to call
// either way: both make the case n/a, not a failure.
void require_kem(const Context& ctx, KeyKind kind) {
  require(ctx, {BENCH_MECH(CKM_ML_KEM), keygen_mechanism(kind)});
  if (!ctx.fn32())
    throw unsupported("no PKCS#11 3.2 interface (C_GetInterface \"PKCS 11\" 3.2)");
}

// ---- case builders ----

// CKM_ML_DSA / CKM_SLH_DSA without a parameter: pure, hedged, empty context.
Case sign_case(const Context& ctx, std::string name, KeyKind kind, MechName mn) {
  return make_case(std::move(name), 0, [&ctx, kind, mn] {
    require(ctx, {mn, keygen_mechanism(kind)});
    return per_thread<SignState>(&ctx, Mech{mn.type, {}}, ctx.keys->pair(kind).priv,
                                 pattern(kMessage), kPqSignature);
  });
}

Case verify_case(const Context& ctx, std::string name, KeyKind kind, MechName mn) {
  return make_case(std::move(name), 0, [&ctx, kind, mn] {
    require(ctx, {mn, keygen_mechanism(kind)});
    const Mech mech{mn.type, {}};
    const KeyPair kp = ctx.keys->pair(kind);
    const Bytes msg = pattern(kMessage);
    std::vector<Bytes> sigs;
    for (std::size_t i = 0; i < kVerifySignatures; ++i)
      sigs.push_back(sign_once(ctx, mech, kp.priv, msg, kPqSignature));
    return per_thread<VerifyState>(&ctx, mech, kp.pub, msg, std::move(sigs));
  });
}

Case encaps_case(const Context& ctx, std::string name, KeyKind kind) {
  return make_case(std::move(name), 0, [&ctx, kind] {
    require_kem(ctx, kind);
    return per_thread<EncapsulateState>(&ctx, ctx.keys->pair(kind).pub);
  });
}

Case decaps_case(const Context& ctx, std::string name, KeyKind kind) {
  return make_case(std::move(name), 0, [&ctx, kind] {
    require_kem(ctx, kind);
    const KeyPair kp = ctx.keys->pair(kind);
    return per_thread<DecapsulateState>(&ctx, kp.priv, encapsulate_once(ctx, kp.pub));
  });
}

// "ml_dsa_44" + "_sign" and "_verify".
void sign_and_verify(std::vector<Case>& v, const Context& ctx, const std::string& stem,
                     KeyKind kind, MechName mn) {
  v.push_back(sign_case(ctx, stem + "_sign", kind, mn));
  v.push_back(verify_case(ctx, stem + "_verify", kind, mn));
}

void encaps_and_decaps(std::vector<Case>& v, const Context& ctx, const std::string& stem,
                       KeyKind kind) {
  v.push_back(encaps_case(ctx, stem + "_encaps", kind));
  v.push_back(decaps_case(ctx, stem + "_decaps", kind));
}

}  // namespace

std::vector<Case> pqc_cases(const Context& ctx) {
  const auto ml_dsa = BENCH_MECH(CKM_ML_DSA);
  const auto slh_dsa = BENCH_MECH(CKM_SLH_DSA);
  std::vector<Case> v;
  sign_and_verify(v, ctx, "ml_dsa_44", KeyKind::ml_dsa_44, ml_dsa);
  sign_and_verify(v, ctx, "ml_dsa_65", KeyKind::ml_dsa_65, ml_dsa);
  sign_and_verify(v, ctx, "ml_dsa_87", KeyKind::ml_dsa_87, ml_dsa);
  encaps_and_decaps(v, ctx, "ml_kem_512", KeyKind::ml_kem_512);
  encaps_and_decaps(v, ctx, "ml_kem_768", KeyKind::ml_kem_768);
  encaps_and_decaps(v, ctx, "ml_kem_1024", KeyKind::ml_kem_1024);
  // SHA2-128s signs in tenths of a second: a short run still times at least
  // one operation per thread (the runner finishes the one it started).
  sign_and_verify(v, ctx, "slh_dsa_sha2_128s", KeyKind::slh_dsa_sha2_128s, slh_dsa);
  sign_and_verify(v, ctx, "slh_dsa_sha2_128f", KeyKind::slh_dsa_sha2_128f, slh_dsa);
  return v;
}

}  // namespace bench::p11

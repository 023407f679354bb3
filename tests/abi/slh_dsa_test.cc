// SLH-DSA (FIPS 205) through the PKCS#11 3.2 interface: key-pair generation,
// pure signatures and verification for all twelve parameter sets (checked by
// OpenSSL in the test process), ACVP known answers through imported keys,
// every HashSLH-DSA variant, the error paths, import checks, persistence,
// C_CopyObject, AES-KWP wrapping and the [algorithms] switches.
//
// The "s" parameter sets sign slowly (up to about a second each, twice per
// pair with the pairwise test), so they run through one key pair each; the
// detailed tests use the "f" sets.
#include <cstdlib>
#include <string>
#include <vector>

#include "pq_signature_fixture.h"
#include "pqc_vectors.h"

namespace abi_test {
namespace {

struct ParameterSet {
  CK_ULONG value;
  const char* name;
  std::size_t public_bytes;
  std::size_t signature_bytes;
};
constexpr ParameterSet kSets[] = {
    {CKP_SLH_DSA_SHA2_128S, "SLH-DSA-SHA2-128s", 32, 7856},   {CKP_SLH_DSA_SHAKE_128S, "SLH-DSA-SHAKE-128s", 32, 7856},
    {CKP_SLH_DSA_SHA2_128F, "SLH-DSA-SHA2-128f", 32, 17088},  {CKP_SLH_DSA_SHAKE_128F, "SLH-DSA-SHAKE-128f", 32, 17088},
    {CKP_SLH_DSA_SHA2_192S, "SLH-DSA-SHA2-192s", 48, 16224},  {CKP_SLH_DSA_SHAKE_192S, "SLH-DSA-SHAKE-192s", 48, 16224},
    {CKP_SLH_DSA_SHA2_192F, "SLH-DSA-SHA2-192f", 48, 35664},  {CKP_SLH_DSA_SHAKE_192F, "SLH-DSA-SHAKE-192f", 48, 35664},
    {CKP_SLH_DSA_SHA2_256S, "SLH-DSA-SHA2-256s", 64, 29792},  {CKP_SLH_DSA_SHAKE_256S, "SLH-DSA-SHAKE-256s", 64, 29792},
    {CKP_SLH_DSA_SHA2_256F, "SLH-DSA-SHA2-256f", 64, 49856},  {CKP_SLH_DSA_SHAKE_256F, "SLH-DSA-SHAKE-256f", 64, 49856},
};

const CK_MECHANISM kPure{CKM_SLH_DSA, nullptr, 0};

class SlhDsaTest : public PqSignatureTest {
 protected:
  // `readable`: the private key may be read back and wrapped.
  KeyPair generate_slh(CK_ULONG set, bool readable = false) {
    Template priv;
    if (readable) priv.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
    return generate(CKM_SLH_DSA_KEY_PAIR_GEN, set, &priv);
  }

  // C_CreateObject of an SLH-DSA key with CKA_VALUE `value` (omitted when empty).
  CK_RV create(CK_OBJECT_CLASS cls, CK_ULONG set, const Bytes& value, CK_OBJECT_HANDLE& key, Template* extra = nullptr) {
    Template local;
    Template& t = extra != nullptr ? *extra : local;
    t.add_ulong(CKA_CLASS, cls).add_ulong(CKA_KEY_TYPE, CKK_SLH_DSA).add_ulong(CKA_PARAMETER_SET, set);
    t.add_bool(cls == CKO_PRIVATE_KEY ? CKA_SIGN : CKA_VERIFY, true);
    if (!value.empty()) t.add_bytes(CKA_VALUE, value);
    return p11->C_CreateObject(session, t.data(), t.count(), &key);
  }

  CK_RV create_private(CK_ULONG set, const Bytes& value, CK_OBJECT_HANDLE& key) {
    Template t;
    t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
    return create(CKO_PRIVATE_KEY, set, value, key, &t);
  }

  std::vector<CK_OBJECT_HANDLE> find_by_label(const std::string& label) {
    Template t;
    t.add_string(CKA_LABEL, label);
    EXPECT_CKR(CKR_OK, p11->C_FindObjectsInit(session, t.data(), t.count()));
    std::vector<CK_OBJECT_HANDLE> found(4);
    CK_ULONG n = 0;
    EXPECT_CKR(CKR_OK, p11->C_FindObjects(session, found.data(), found.size(), &n));
    EXPECT_CKR(CKR_OK, p11->C_FindObjectsFinal(session));
    found.resize(n);
    return found;
  }
};

TEST_F(SlhDsaTest, EveryParameterSetGeneratesSignsAndVerifies) {
  Bytes context = to_bytes("slh-dsa");
  for (const ParameterSet& set : kSets) {
    SCOPED_TRACE(set.name);
    const KeyPair kp = generate_slh(set.value);
    EXPECT_EQ(CKK_SLH_DSA, attribute_ulong(session, kp.private_key, CKA_KEY_TYPE));
    EXPECT_EQ(set.value, attribute_ulong(session, kp.public_key, CKA_PARAMETER_SET));
    EXPECT_EQ(set.value, attribute_ulong(session, kp.private_key, CKA_PARAMETER_SET));
    EXPECT_EQ(CKM_SLH_DSA_KEY_PAIR_GEN, attribute_ulong(session, kp.private_key, CKA_KEY_GEN_MECHANISM));
    const Bytes pub = attribute(session, kp.public_key, CKA_VALUE);
    ASSERT_EQ(set.public_bytes, pub.size());
    std::string algorithm;
    EXPECT_EQ(pub, ossl::raw_public_key_of_spki(attribute(session, kp.private_key, CKA_PUBLIC_KEY_INFO), algorithm));
    EXPECT_EQ(set.name, algorithm);
    CK_ATTRIBUTE secret{CKA_VALUE, nullptr, 0};
    EXPECT_CKR(CKR_ATTRIBUTE_SENSITIVE, p11->C_GetAttributeValue(session, kp.private_key, &secret, 1));
    CK_ATTRIBUTE seed{CKA_SEED, nullptr, 0};
    EXPECT_CKR(CKR_ATTRIBUTE_TYPE_INVALID, p11->C_GetAttributeValue(session, kp.private_key, &seed, 1));

    CK_SIGN_ADDITIONAL_CONTEXT params{};
    const CK_MECHANISM mech = with_context(CKM_SLH_DSA, params, CKH_HEDGE_PREFERRED, context);
    const Bytes sig = sign(mech, kp.private_key, message);
    ASSERT_EQ(set.signature_bytes, sig.size());
    EXPECT_TRUE(ossl::verify_slh_dsa(set.name, pub, context, message, sig));
    EXPECT_FALSE(ossl::verify_slh_dsa(set.name, pub, {}, message, sig)) << "the context is bound";
    EXPECT_CKR(CKR_OK, verify(mech, kp.public_key, message, sig));
    Bytes bad = sig;
    bad[sig.size() - 1] ^= 0x01;
    EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(mech, kp.public_key, message, bad));
  }
}

TEST_F(SlhDsaTest, PureSignaturesSingleAndMultiPartDeterministicAndHedged) {
  const KeyPair kp = generate_slh(CKP_SLH_DSA_SHA2_128F);
  const Bytes pub = attribute(session, kp.public_key, CKA_VALUE);
  Bytes context = to_bytes("context");
  CK_SIGN_ADDITIONAL_CONTEXT det_params{}, hedged_params{};
  const CK_MECHANISM deterministic = with_context(CKM_SLH_DSA, det_params, CKH_DETERMINISTIC_REQUIRED, context);
  const CK_MECHANISM hedged = with_context(CKM_SLH_DSA, hedged_params, CKH_HEDGE_REQUIRED, context);
  const Bytes det = sign(deterministic, kp.private_key, message);
  EXPECT_EQ(det, sign_parts(deterministic, kp.private_key, message));
  const Bytes h1 = sign(hedged, kp.private_key, message);
  const Bytes h2 = sign_parts(hedged, kp.private_key, message);
  EXPECT_NE(h1, h2);
  EXPECT_NE(det, h1);
  for (const Bytes* sig : {&det, &h1, &h2}) {
    EXPECT_TRUE(ossl::verify_slh_dsa("SLH-DSA-SHA2-128f", pub, context, message, *sig));
    EXPECT_CKR(CKR_OK, verify(deterministic, kp.public_key, message, *sig));
    EXPECT_CKR(CKR_OK, verify_parts(hedged, kp.public_key, message, *sig));
    EXPECT_CKR(CKR_OK, verify_signature_parts(hedged, kp.public_key, message, *sig));
    EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(kPure, kp.public_key, message, *sig));
  }
  // Without a parameter: hedged, empty context.
  const Bytes bare = sign(kPure, kp.private_key, message);
  EXPECT_TRUE(ossl::verify_slh_dsa("SLH-DSA-SHA2-128f", pub, {}, message, bare));
}

// FIPS 205 ACVP vectors (OpenSSL's evppkey_slh_dsa_*.txt, generated into
// pqc_vectors.h): key generation cannot be driven from a seed through
// PKCS#11, so its vectors check the import of a private key; signing and
// verification run through imported keys.
TEST_F(SlhDsaTest, KnownAnswersThroughImportedKeys) {
  struct KeyGen {
    CK_ULONG set;
    const char* priv;
    const char* pub;
  };
  for (const KeyGen& v : {KeyGen{CKP_SLH_DSA_SHA2_128S, vectors::kSlhDsaSha2128sKeyGenPrivateKey,
                                 vectors::kSlhDsaSha2128sKeyGenPublicKey},
                          KeyGen{CKP_SLH_DSA_SHAKE_256F, vectors::kSlhDsaShake256fKeyGenPrivateKey,
                                 vectors::kSlhDsaShake256fKeyGenPublicKey}}) {
    const Bytes priv = ossl::from_hex(v.priv);
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, create_private(v.set, priv, key));
    std::string algorithm;
    EXPECT_EQ(ossl::from_hex(v.pub), ossl::raw_public_key_of_spki(attribute(session, key, CKA_PUBLIC_KEY_INFO), algorithm));
    EXPECT_EQ(priv, attribute(session, key, CKA_VALUE));
    Bytes wrong_root = priv;
    wrong_root.back() ^= 0x80;
    EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create_private(v.set, wrong_root, key));
  }

  struct SigGen {
    CK_ULONG set;
    const char* priv;
    const char* message;
    const char* context;
    const char* signature;
  };
  for (const SigGen& v : {SigGen{CKP_SLH_DSA_SHA2_128S, vectors::kSlhDsaSha2128sSignPrivateKey,
                                 vectors::kSlhDsaSha2128sSignMessage, vectors::kSlhDsaSha2128sSignContext,
                                 vectors::kSlhDsaSha2128sSignature},
                          SigGen{CKP_SLH_DSA_SHAKE_128F, vectors::kSlhDsaShake128fSignPrivateKey,
                                 vectors::kSlhDsaShake128fSignMessage, vectors::kSlhDsaShake128fSignContext,
                                 vectors::kSlhDsaShake128fSignature}}) {
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, create_private(v.set, ossl::from_hex(v.priv), key));
    Bytes context = ossl::from_hex(v.context);
    CK_SIGN_ADDITIONAL_CONTEXT params{};
    const CK_MECHANISM mech = with_context(CKM_SLH_DSA, params, CKH_DETERMINISTIC_REQUIRED, context);
    const Bytes msg = ossl::from_hex(v.message);
    EXPECT_EQ(ossl::from_hex(v.signature), sign(mech, key, msg)) << v.set;
  }

  struct SigVer {
    CK_ULONG set;
    const char* pub;
    const char* message;
    const char* context;
    const char* signature;
    CK_RV expected;
  };
  for (const SigVer& v : {SigVer{CKP_SLH_DSA_SHAKE_128S, vectors::kSlhDsaShake128sVerifyPublicKey,
                                 vectors::kSlhDsaShake128sVerifyMessage, vectors::kSlhDsaShake128sVerifyContext,
                                 vectors::kSlhDsaShake128sVerifySignature, CKR_OK},
                          SigVer{CKP_SLH_DSA_SHA2_128F, vectors::kSlhDsaSha2128fVerifyPublicKey,
                                 vectors::kSlhDsaSha2128fVerifyMessage, vectors::kSlhDsaSha2128fVerifyContext,
                                 vectors::kSlhDsaSha2128fVerifySignature, CKR_SIGNATURE_INVALID}}) {
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, create(CKO_PUBLIC_KEY, v.set, ossl::from_hex(v.pub), key));
    Bytes context = ossl::from_hex(v.context);
    CK_SIGN_ADDITIONAL_CONTEXT params{};
    const CK_MECHANISM mech = with_context(CKM_SLH_DSA, params, CKH_HEDGE_PREFERRED, context);
    EXPECT_CKR(v.expected, verify(mech, key, ossl::from_hex(v.message), ossl::from_hex(v.signature))) << v.set;
  }
}

TEST_F(SlhDsaTest, EveryHashSlhDsaVariantVerifiedByOpenSsl) {
  const KeyPair kp = generate_slh(CKP_SLH_DSA_SHAKE_128F);
  const Bytes pub = attribute(session, kp.public_key, CKA_VALUE);
  Bytes context = to_bytes("hash-slh-dsa");
  for (const Prehash& p : kPrehashes) {
    SCOPED_TRACE(p.openssl_name);
    const Bytes digest = prehash_of(p, message);
    const Bytes prime = message_prime(p, context, digest);
    CK_SIGN_ADDITIONAL_CONTEXT params{};
    const CK_MECHANISM mech = with_context(p.slh_dsa, params, CKH_DETERMINISTIC_REQUIRED, context);
    const Bytes one = sign(mech, kp.private_key, message);
    EXPECT_EQ(one, sign_parts(mech, kp.private_key, message));
    EXPECT_TRUE(ossl::verify_pq_raw("SLH-DSA-SHAKE-128f", pub, prime, one));
    EXPECT_FALSE(ossl::verify_slh_dsa("SLH-DSA-SHAKE-128f", pub, context, message, one));
    EXPECT_CKR(CKR_OK, verify(mech, kp.public_key, message, one));
    EXPECT_CKR(CKR_OK, verify_parts(mech, kp.public_key, message, one));
    EXPECT_CKR(CKR_OK, verify_signature_parts(mech, kp.public_key, message, one));
    // The caller's PH(M) through CKM_HASH_SLH_DSA gives the same signature.
    CK_HASH_SIGN_ADDITIONAL_CONTEXT given{};
    const CK_MECHANISM generic = with_hash(CKM_HASH_SLH_DSA, given, CKH_DETERMINISTIC_REQUIRED, context, p.hash);
    EXPECT_EQ(one, sign(generic, kp.private_key, digest));
    EXPECT_CKR(CKR_OK, verify(generic, kp.public_key, digest, one));
  }
}

TEST_F(SlhDsaTest, ErrorPaths) {
  const KeyPair kp = generate_slh(CKP_SLH_DSA_SHA2_128F);
  CK_MECHANISM gen{CKM_SLH_DSA_KEY_PAIR_GEN, nullptr, 0};
  Template priv;
  priv.add_bool(CKA_SIGN, true);
  KeyPair unused;
  for (CK_ULONG bad_set : {CK_ULONG{0}, CK_ULONG{13}}) {
    Template pub;
    pub.add_ulong(CKA_PARAMETER_SET, bad_set);
    EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, p11->C_GenerateKeyPair(session, &gen, pub.data(), pub.count(), priv.data(),
                                                                   priv.count(), &unused.public_key,
                                                                   &unused.private_key));
  }
  Template no_set;
  no_set.add_bool(CKA_VERIFY, true);
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, p11->C_GenerateKeyPair(session, &gen, no_set.data(), no_set.count(), priv.data(),
                                                             priv.count(), &unused.public_key, &unused.private_key));
  // Context over 255 bytes; an unknown hedge variant.
  Bytes context(256, 'c');
  CK_SIGN_ADDITIONAL_CONTEXT params{};
  CK_MECHANISM mech = with_context(CKM_SLH_DSA, params, CKH_HEDGE_PREFERRED, context);
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &mech, kp.private_key));
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_VerifyInit(session, &mech, kp.public_key));
  context.resize(0);
  mech = with_context(CKM_SLH_DSA, params, 9, context);
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &mech, kp.private_key));
  // An unsupported pre-hash, a missing parameter, a wrong-length hash.
  CK_HASH_SIGN_ADDITIONAL_CONTEXT given{};
  CK_MECHANISM sha1 = with_hash(CKM_HASH_SLH_DSA, given, CKH_HEDGE_PREFERRED, context, CKM_SHA_1);
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &sha1, kp.private_key));
  CK_MECHANISM bare_generic{CKM_HASH_SLH_DSA, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_VerifyInit(session, &bare_generic, kp.public_key));
  CK_MECHANISM sha256 = with_hash(CKM_HASH_SLH_DSA, given, CKH_HEDGE_PREFERRED, context, CKM_SHA256);
  const Bytes sig = sign(sha256, kp.private_key, Bytes(32, 1));
  EXPECT_CKR(CKR_DATA_LEN_RANGE, verify(sha256, kp.public_key, Bytes(31, 1), sig));
  // Buffer too small: the needed length comes back and the operation stays.
  CK_MECHANISM pure = kPure;
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &pure, kp.private_key));
  Bytes out(7856);
  CK_ULONG len = out.size();
  EXPECT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_Sign(session, ref::ptr(message), message.size(), out.data(), &len));
  EXPECT_EQ(17088u, len);
  out.resize(len);
  ASSERT_CKR(CKR_OK, p11->C_Sign(session, ref::ptr(message), message.size(), out.data(), &len));
  EXPECT_CKR(CKR_OK, verify(kPure, kp.public_key, message, out));
  // Signatures of the wrong length.
  EXPECT_CKR(CKR_SIGNATURE_LEN_RANGE, verify(kPure, kp.public_key, message, Bytes(out.begin(), out.end() - 1)));
  EXPECT_CKR(CKR_SIGNATURE_LEN_RANGE, verify(kPure, kp.public_key, message, Bytes(7856, 0)));
  // Keys of another type.
  const KeyPair ml = generate(CKM_ML_DSA_KEY_PAIR_GEN, CKP_ML_DSA_44);
  const KeyPair ec = generate_ec(session, p256_params());
  for (CK_OBJECT_HANDLE wrong : {ml.private_key, ec.private_key}) {
    EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignInit(session, &pure, wrong));
  }
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_VerifyInit(session, &pure, ml.public_key));
  CK_MECHANISM ml_dsa{CKM_ML_DSA, nullptr, 0};
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignInit(session, &ml_dsa, kp.private_key));
}

TEST_F(SlhDsaTest, CreateObjectRejectsInconsistentKeys) {
  const KeyPair a = generate_slh(CKP_SLH_DSA_SHA2_192F, true);
  const KeyPair b = generate_slh(CKP_SLH_DSA_SHA2_192F, true);
  const Bytes sk_a = attribute(session, a.private_key, CKA_VALUE);
  const Bytes pk_a = attribute(session, a.public_key, CKA_VALUE);
  const Bytes pk_b = attribute(session, b.public_key, CKA_VALUE);
  ASSERT_EQ(96u, sk_a.size());
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  // A's secret seeds with B's public half.
  Bytes mixed(sk_a.begin(), sk_a.begin() + 48);
  mixed.insert(mixed.end(), pk_b.begin(), pk_b.end());
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create_private(CKP_SLH_DSA_SHA2_192F, mixed, key));
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create_private(CKP_SLH_DSA_SHA2_192F, Bytes(sk_a.begin(), sk_a.end() - 1), key));
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create_private(CKP_SLH_DSA_SHA2_128F, sk_a, key)) << "another set's length";
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create(CKO_PUBLIC_KEY, CKP_SLH_DSA_SHA2_256F, pk_a, key));
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create(CKO_PUBLIC_KEY, 13, pk_a, key));
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, create(CKO_PRIVATE_KEY, CKP_SLH_DSA_SHA2_192F, {}, key));
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, create(CKO_PUBLIC_KEY, CKP_SLH_DSA_SHA2_192F, {}, key));
  Template with_seed;
  with_seed.add_bytes(CKA_SEED, Bytes(48, 1));
  // As for any attribute foreign to the key type (template_rules.cc).
  EXPECT_CKR(CKR_TEMPLATE_INCONSISTENT, create(CKO_PRIVATE_KEY, CKP_SLH_DSA_SHA2_192F, sk_a, key, &with_seed))
      << "SLH-DSA keys have no CKA_SEED";
  // The consistent key imports and signs as the original.
  CK_OBJECT_HANDLE imported = CK_INVALID_HANDLE, imported_pub = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, create_private(CKP_SLH_DSA_SHA2_192F, sk_a, imported));
  ASSERT_CKR(CKR_OK, create(CKO_PUBLIC_KEY, CKP_SLH_DSA_SHA2_192F, pk_a, imported_pub));
  EXPECT_EQ(attribute(session, a.public_key, CKA_PUBLIC_KEY_INFO), attribute(session, imported_pub, CKA_PUBLIC_KEY_INFO));
  EXPECT_EQ(attribute(session, a.public_key, CKA_PUBLIC_KEY_INFO), attribute(session, imported, CKA_PUBLIC_KEY_INFO));
  Bytes context;
  CK_SIGN_ADDITIONAL_CONTEXT params{};
  const CK_MECHANISM det = with_context(CKM_SLH_DSA, params, CKH_DETERMINISTIC_REQUIRED, context);
  const Bytes sig = sign(det, imported, message);
  EXPECT_EQ(sig, sign(det, a.private_key, message));
  EXPECT_CKR(CKR_OK, verify(det, imported_pub, message, sig));
}

TEST_F(SlhDsaTest, TokenKeysPersistAcrossRestart) {
  Template pub;
  pub.add_ulong(CKA_PARAMETER_SET, CKP_SLH_DSA_SHAKE_192F).add_bool(CKA_TOKEN, true).add_string(CKA_LABEL, "slh");
  Template priv;
  priv.add_bool(CKA_TOKEN, true).add_string(CKA_LABEL, "slh").add_bool(CKA_SIGN, true);
  CK_MECHANISM gen{CKM_SLH_DSA_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  ASSERT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &gen, pub.data(), pub.count(), priv.data(), priv.count(),
                                            &kp.public_key, &kp.private_key));
  const Bytes pk = attribute(session, kp.public_key, CKA_VALUE);
  Bytes context;
  CK_SIGN_ADDITIONAL_CONTEXT params{};
  const CK_MECHANISM det = with_context(CKM_SLH_DSA, params, CKH_DETERMINISTIC_REQUIRED, context);
  const Bytes before = sign(det, kp.private_key, message);

  restart();
  session = open_session();
  login(session);
  const std::vector<CK_OBJECT_HANDLE> found = find_by_label("slh");
  ASSERT_EQ(2u, found.size());
  CK_OBJECT_HANDLE pub_key = CK_INVALID_HANDLE, priv_key = CK_INVALID_HANDLE;
  for (CK_OBJECT_HANDLE h : found) {
    (attribute_ulong(session, h, CKA_CLASS) == CKO_PUBLIC_KEY ? pub_key : priv_key) = h;
  }
  ASSERT_NE(CK_INVALID_HANDLE, pub_key);
  ASSERT_NE(CK_INVALID_HANDLE, priv_key);
  EXPECT_EQ(pk, attribute(session, pub_key, CKA_VALUE));
  EXPECT_EQ(CKP_SLH_DSA_SHAKE_192F, attribute_ulong(session, priv_key, CKA_PARAMETER_SET));
  EXPECT_EQ(before, sign(det, priv_key, message));
  EXPECT_CKR(CKR_OK, verify(kPure, pub_key, message, sign(kPure, priv_key, message)));
}

TEST_F(SlhDsaTest, CopyObjectKeepsTheKey) {
  const KeyPair kp = generate_slh(CKP_SLH_DSA_SHA2_128F);
  Template change;
  change.add_string(CKA_LABEL, "copy");
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_CopyObject(session, kp.private_key, change.data(), change.count(), &copy));
  EXPECT_EQ(CKP_SLH_DSA_SHA2_128F, attribute_ulong(session, copy, CKA_PARAMETER_SET));
  Bytes context = to_bytes("copy");
  CK_SIGN_ADDITIONAL_CONTEXT params{};
  const CK_MECHANISM det = with_context(CKM_SLH_DSA, params, CKH_DETERMINISTIC_REQUIRED, context);
  EXPECT_EQ(sign(det, kp.private_key, message), sign(det, copy, message));
}

// Private keys travel as PKCS#8 (OpenSSL's SLH-DSA encoding of the 4n-byte key).
TEST_F(SlhDsaTest, WrapAndUnwrapWithAesKwp) {
  const KeyPair kp = generate_slh(CKP_SLH_DSA_SHAKE_256F, true);
  const CK_OBJECT_HANDLE kek = generate_aes(session, 32);
  CK_MECHANISM kwp{CKM_AES_KEY_WRAP_KWP, nullptr, 0};
  CK_ULONG len = 0;
  ASSERT_CKR(CKR_OK, p11->C_WrapKey(session, &kwp, kek, kp.private_key, nullptr, &len));
  Bytes wrapped(len);
  ASSERT_CKR(CKR_OK, p11->C_WrapKey(session, &kwp, kek, kp.private_key, wrapped.data(), &len));
  wrapped.resize(len);
  Template t;
  t.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_ulong(CKA_KEY_TYPE, CKK_SLH_DSA).add_bool(CKA_SIGN, true);
  t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE unwrapped = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_UnwrapKey(session, &kwp, kek, wrapped.data(), wrapped.size(), t.data(), t.count(),
                                      &unwrapped));
  EXPECT_EQ(CKP_SLH_DSA_SHAKE_256F, attribute_ulong(session, unwrapped, CKA_PARAMETER_SET));
  EXPECT_EQ(attribute(session, kp.private_key, CKA_VALUE), attribute(session, unwrapped, CKA_VALUE));
  Bytes context;
  CK_SIGN_ADDITIONAL_CONTEXT params{};
  const CK_MECHANISM det = with_context(CKM_SLH_DSA, params, CKH_DETERMINISTIC_REQUIRED, context);
  EXPECT_EQ(sign(det, kp.private_key, message), sign(det, unwrapped, message));
}

std::vector<CK_MECHANISM_TYPE> slh_dsa_mechanisms() {
  std::vector<CK_MECHANISM_TYPE> all{CKM_SLH_DSA_KEY_PAIR_GEN, CKM_SLH_DSA, CKM_HASH_SLH_DSA};
  for (const Prehash& p : kPrehashes) all.push_back(p.slh_dsa);
  return all;
}

TEST_F(SlhDsaTest, MechanismInfo) {
  const auto list = mechanism_list(p11, slot);
  for (CK_MECHANISM_TYPE m : slh_dsa_mechanisms()) {
    EXPECT_TRUE(listed(list, m)) << std::hex << m;
    CK_MECHANISM_INFO info{};
    ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, m, &info));
    const CK_FLAGS want = m == CKM_SLH_DSA_KEY_PAIR_GEN ? CKF_GENERATE_KEY_PAIR : CKF_SIGN | CKF_VERIFY;
    EXPECT_EQ(want, info.flags & (CKF_SIGN | CKF_VERIFY | CKF_GENERATE_KEY_PAIR)) << std::hex << m;
    EXPECT_EQ(32u, info.ulMinKeySize);
    EXPECT_EQ(64u, info.ulMaxKeySize);
  }
}

class SlhDsaDisabledTest : public AbiTest {
 protected:
  std::string extra_security_config() const override { return "[algorithms]\nenable_pqc = false\n"; }
};

TEST_F(SlhDsaDisabledTest, HiddenAndRefused) {
  const auto list = mechanism_list(p11, slot);
  for (CK_MECHANISM_TYPE m : slh_dsa_mechanisms()) {
    EXPECT_FALSE(listed(list, m)) << std::hex << m;
    CK_MECHANISM_INFO info{};
    EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GetMechanismInfo(slot, m, &info));
  }
  const CK_SESSION_HANDLE s = user_session();
  Template pub;
  pub.add_ulong(CKA_PARAMETER_SET, CKP_SLH_DSA_SHA2_128F);
  CK_MECHANISM mech{CKM_SLH_DSA_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GenerateKeyPair(s, &mech, pub.data(), pub.count(), nullptr, 0,
                                                           &kp.public_key, &kp.private_key));
}

// SLH-DSA is approved (FIPS 205): approved-only mode keeps it.
class SlhDsaApprovedOnlyTest : public SlhDsaTest {
 protected:
  std::string extra_security_config() const override { return "[algorithms]\nfips_approved_only = true\n"; }
};

TEST_F(SlhDsaApprovedOnlyTest, OfferedAndUsable) {
  const auto list = mechanism_list(p11, slot);
  for (CK_MECHANISM_TYPE m : slh_dsa_mechanisms()) EXPECT_TRUE(listed(list, m)) << std::hex << m;
  const KeyPair kp = generate_slh(CKP_SLH_DSA_SHAKE_128F);
  CK_MECHANISM mech{CKM_HASH_SLH_DSA_SHA3_256, nullptr, 0};
  EXPECT_CKR(CKR_OK, verify(mech, kp.public_key, message, sign(mech, kp.private_key, message)));
  EXPECT_CKR(CKR_OK, verify(kPure, kp.public_key, message, sign(kPure, kp.private_key, message)));
}

// A failing pairwise-consistency test of an SLH-DSA pair latches the error
// state like that of any other key pair. Faults are injected through
// CRATON_HSM_TEST_FAULT, which exists only in Debug builds.
#ifdef CRATON_TEST_FAULTS
constexpr bool kFaultsCompiledIn = true;
#else
constexpr bool kFaultsCompiledIn = false;
#endif

class SlhDsaPairwiseFaultTest : public SlhDsaTest {
 protected:
  void SetUp() override {
    if (!kFaultsCompiledIn) GTEST_SKIP() << "fault injection exists only in Debug builds";
    SlhDsaTest::SetUp();
  }
  void TearDown() override {
    ::unsetenv("CRATON_HSM_TEST_FAULT");
    SlhDsaTest::TearDown();
  }
};

TEST_F(SlhDsaPairwiseFaultTest, FailedPairwiseTestLatches) {
  ::setenv("CRATON_HSM_TEST_FAULT", "pairwise", 1);
  Template pub;
  pub.add_ulong(CKA_PARAMETER_SET, CKP_SLH_DSA_SHA2_128F);
  CK_MECHANISM mech{CKM_SLH_DSA_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), nullptr, 0,
                                                       &kp.public_key, &kp.private_key));
  EXPECT_NE(Module::get().last_error().find("pairwise"), std::string::npos) << Module::get().last_error();
  CK_BYTE buf[4];
  EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_GenerateRandom(session, buf, sizeof buf));
}

}  // namespace
}  // namespace abi_test

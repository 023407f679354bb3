// Elliptic curves through the C ABI beyond the basics: ECDSA with SHA-2/SHA-3
// variants on P-256/P-384/P-521, Ed448 (and Ed25519 with context/pre-hash),
// X25519/X448 and ECDH1(_COFACTOR)_DERIVE against an OpenSSL peer, every
// CKD_* key derivation function, and the C_DeriveKey error paths.
#include <cstring>
#include <string>

#include "coverage_reference.h"
#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

using ossl::from_hex;
using ref::ptr;

Bytes oid(std::initializer_list<std::uint8_t> body) {
  Bytes out{0x06, static_cast<std::uint8_t>(body.size())};
  for (std::uint8_t b : body) out.push_back(b);
  return out;
}
Bytes p521_params() { return oid({0x2b, 0x81, 0x04, 0x00, 0x23}); }
Bytes ed448_params() { return oid({0x2b, 0x65, 0x71}); }
Bytes x448_params() { return oid({0x2b, 0x65, 0x6f}); }
Bytes printable(const std::string& name) {
  Bytes out{0x13, static_cast<std::uint8_t>(name.size())};
  out.insert(out.end(), name.begin(), name.end());
  return out;
}

class EcMoreTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }

  KeyPair generate(CK_MECHANISM_TYPE mechanism, const Bytes& params, bool derive) {
    Template pub;
    pub.add_bytes(CKA_EC_PARAMS, params);
    if (!derive) pub.add_bool(CKA_VERIFY, true);
    Template priv;
    priv.add_bool(derive ? CKA_DERIVE : CKA_SIGN, true);
    CK_MECHANISM mech{mechanism, nullptr, 0};
    KeyPair kp;
    EXPECT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(), priv.count(),
                                              &kp.public_key, &kp.private_key));
    return kp;
  }

  Bytes point(CK_OBJECT_HANDLE public_key) {
    return ossl::der_octet_string_contents(attribute(session, public_key, CKA_EC_POINT));
  }

  Bytes sign(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data) {
    EXPECT_CKR(CKR_OK, p11->C_SignInit(session, &mech, key));
    CK_ULONG len = 0;
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, ptr(data), data.size(), nullptr, &len));
    Bytes sig(len);
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, ptr(data), data.size(), sig.data(), &len));
    sig.resize(len);
    return sig;
  }

  CK_RV verify(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data, const Bytes& sig) {
    EXPECT_CKR(CKR_OK, p11->C_VerifyInit(session, &mech, key));
    return p11->C_Verify(session, ptr(data), data.size(), ptr(sig), sig.size());
  }

  // C_DeriveKey with CK_ECDH1_DERIVE_PARAMS into a readable generic secret.
  CK_RV derive(CK_MECHANISM_TYPE mechanism, CK_OBJECT_HANDLE base, CK_EC_KDF_TYPE kdf, const Bytes& shared,
               const Bytes& peer, CK_ULONG length, Bytes& value) {
    CK_ECDH1_DERIVE_PARAMS p{kdf, shared.size(), shared.empty() ? nullptr : ptr(shared), peer.size(),
                             peer.empty() ? nullptr : ptr(peer)};
    CK_MECHANISM mech{mechanism, &p, sizeof p};
    Template t;
    t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
    t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
    if (length != 0) t.add_ulong(CKA_VALUE_LEN, length);
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    const CK_RV rv = p11->C_DeriveKey(session, &mech, base, t.data(), t.count(), &key);
    value = rv == CKR_OK ? attribute(session, key, CKA_VALUE) : Bytes();
    return rv;
  }

  const Bytes message = to_bytes("elliptic message");
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
};

TEST_F(EcMoreTest, EcdsaHashVariantsVerifiedByOpenSsl) {
  struct Curve {
    Bytes params;
    const char* group;
    std::size_t sig_len;
  };
  const Curve curves[] = {{p256_params(), "prime256v1", 64}, {p384_params(), "secp384r1", 96},
                          {p521_params(), "secp521r1", 132}};
  struct Hash {
    CK_MECHANISM_TYPE mech;
    const char* name;
  };
  const Hash hashes[] = {{CKM_ECDSA_SHA224, "SHA224"},     {CKM_ECDSA_SHA384, "SHA384"},
                         {CKM_ECDSA_SHA512, "SHA512"},     {CKM_ECDSA_SHA3_224, "SHA3-224"},
                         {CKM_ECDSA_SHA3_256, "SHA3-256"}, {CKM_ECDSA_SHA3_384, "SHA3-384"},
                         {CKM_ECDSA_SHA3_512, "SHA3-512"}};
  for (const Curve& c : curves) {
    const KeyPair kp = generate(CKM_EC_KEY_PAIR_GEN, c.params, false);
    const Bytes pub = point(kp.public_key);
    for (const Hash& h : hashes) {
      const Bytes sig = sign({h.mech, nullptr, 0}, kp.private_key, message);
      ASSERT_EQ(c.sig_len, sig.size()) << c.group << " " << h.name;
      EXPECT_TRUE(ossl::verify_ecdsa(c.group, pub, h.name, message, sig)) << c.group << " " << h.name;
      EXPECT_CKR(CKR_OK, verify({h.mech, nullptr, 0}, kp.public_key, message, sig)) << c.group << " " << h.name;
    }
  }
}

TEST_F(EcMoreTest, Ed448SignaturesVerifiedByOpenSsl) {
  for (const Bytes& params : {ed448_params(), printable("edwards448")}) {
    const KeyPair kp = generate(CKM_EC_EDWARDS_KEY_PAIR_GEN, params, false);
    EXPECT_EQ(CKK_EC_EDWARDS, attribute_ulong(session, kp.private_key, CKA_KEY_TYPE));
    EXPECT_EQ(params, attribute(session, kp.public_key, CKA_EC_PARAMS));
    const Bytes pub = point(kp.public_key);
    ASSERT_EQ(57u, pub.size());
    CK_MECHANISM eddsa{CKM_EDDSA, nullptr, 0};
    const Bytes sig = sign(eddsa, kp.private_key, message);
    ASSERT_EQ(114u, sig.size());
    EXPECT_TRUE(ref::verify_eddsa("ED448", pub, message, sig));
    EXPECT_CKR(CKR_OK, verify(eddsa, kp.public_key, message, sig));
    EXPECT_CKR(CKR_SIGNATURE_LEN_RANGE, verify(eddsa, kp.public_key, message, Bytes(sig.begin(), sig.end() - 1)));
    Bytes bad = sig;
    bad[0] ^= 1;
    EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(eddsa, kp.public_key, message, bad));
  }
}

TEST_F(EcMoreTest, EddsaContextAndPrehashVariants) {
  for (const Bytes& params : {ed25519_params(), ed448_params()}) {
    const KeyPair kp = generate(CKM_EC_EDWARDS_KEY_PAIR_GEN, params, false);
    const bool ed448 = params == ed448_params();
    const Bytes pub = point(kp.public_key);
    Bytes context = to_bytes("context");
    for (CK_BBOOL ph : {CK_FALSE, CK_TRUE}) {
      CK_EDDSA_PARAMS p{ph, context.size(), context.data()};
      CK_MECHANISM mech{CKM_EDDSA, &p, sizeof p};
      const Bytes sig = sign(mech, kp.private_key, message);
      EXPECT_CKR(CKR_OK, verify(mech, kp.public_key, message, sig)) << "ph " << int(ph);
      // RFC 8032 variants: Ed25519ctx/Ed25519ph, Ed448 (always with a context)/Ed448ph.
      const std::string instance = ed448 ? (ph ? "Ed448ph" : "Ed448") : (ph ? "Ed25519ph" : "Ed25519ctx");
      EXPECT_TRUE(ref::verify_eddsa(ed448 ? "ED448" : "ED25519", pub, message, sig, instance, context)) << instance;
      // The context is part of what is signed.
      Bytes other = to_bytes("another");
      CK_EDDSA_PARAMS q{ph, other.size(), other.data()};
      CK_MECHANISM mech2{CKM_EDDSA, &q, sizeof q};
      EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(mech2, kp.public_key, message, sig)) << "ph " << int(ph);
    }
    Bytes huge(256, 1);
    CK_EDDSA_PARAMS too_long{CK_FALSE, huge.size(), huge.data()};
    CK_MECHANISM bad{CKM_EDDSA, &too_long, sizeof too_long};
    EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &bad, kp.private_key));
    CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
    EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignInit(session, &ecdsa, kp.private_key));
  }
  const KeyPair ec = generate(CKM_EC_KEY_PAIR_GEN, p256_params(), false);
  CK_MECHANISM eddsa{CKM_EDDSA, nullptr, 0};
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignInit(session, &eddsa, ec.private_key));
}

TEST_F(EcMoreTest, MontgomeryDeriveMatchesOpenSslPeer) {
  struct Case {
    Bytes params;
    const char* type;
    std::size_t len;
  };
  for (const Case& c : {Case{x25519_params(), "X25519", 32}, Case{x448_params(), "X448", 56},
                        Case{printable("curve25519"), "X25519", 32}}) {
    const KeyPair kp = generate(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, c.params, true);
    EXPECT_EQ(CKK_EC_MONTGOMERY, attribute_ulong(session, kp.private_key, CKA_KEY_TYPE));
    const Bytes pub = point(kp.public_key);
    ASSERT_EQ(c.len, pub.size()) << c.type;
    ref::PeerKey peer;
    ref::make_peer(c.type, peer);
    Bytes z;
    ASSERT_CKR(CKR_OK, derive(CKM_ECDH1_DERIVE, kp.private_key, CKD_NULL, {}, peer.public_key, 0, z)) << c.type;
    EXPECT_EQ(ref::peer_derive(peer, pub), z) << c.type;
    // A peer value of the wrong length is not a point of the curve.
    Bytes short_peer(peer.public_key.begin(), peer.public_key.end() - 1);
    EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, derive(CKM_ECDH1_DERIVE, kp.private_key, CKD_NULL, {}, short_peer, 0, z))
        << c.type;
    // The cofactor variant is for Weierstrass curves only.
    EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT,
               derive(CKM_ECDH1_COFACTOR_DERIVE, kp.private_key, CKD_NULL, {}, peer.public_key, 0, z))
        << c.type;
  }
}

TEST_F(EcMoreTest, EcdhAndCofactorDeriveMatchOpenSslPeer) {
  struct Curve {
    Bytes params;
    const char* group;
  };
  for (const Curve& c : {Curve{p256_params(), "prime256v1"}, Curve{p384_params(), "secp384r1"}}) {
    const KeyPair kp = generate(CKM_EC_KEY_PAIR_GEN, c.params, true);
    ref::PeerKey peer;
    ref::make_peer(c.group, peer);
    const Bytes expected = ref::peer_derive(peer, point(kp.public_key));
    Bytes z, zc, wrapped_z;
    ASSERT_CKR(CKR_OK, derive(CKM_ECDH1_DERIVE, kp.private_key, CKD_NULL, {}, peer.public_key, 0, z)) << c.group;
    EXPECT_EQ(expected, z) << c.group;
    ASSERT_CKR(CKR_OK, derive(CKM_ECDH1_COFACTOR_DERIVE, kp.private_key, CKD_NULL, {}, peer.public_key, 0, zc))
        << c.group;
    EXPECT_EQ(expected, zc) << c.group;  // cofactor 1: the same secret
    // The peer point may also come DER-wrapped, as CKA_EC_POINT holds it.
    Bytes der{0x04, static_cast<std::uint8_t>(peer.public_key.size())};
    der.insert(der.end(), peer.public_key.begin(), peer.public_key.end());
    ASSERT_CKR(CKR_OK, derive(CKM_ECDH1_DERIVE, kp.private_key, CKD_NULL, {}, der, 0, wrapped_z)) << c.group;
    EXPECT_EQ(expected, wrapped_z) << c.group;
    // CKD_NULL truncates to the requested length (leftmost bytes).
    Bytes part;
    ASSERT_CKR(CKR_OK, derive(CKM_ECDH1_DERIVE, kp.private_key, CKD_NULL, {}, peer.public_key, 16, part));
    EXPECT_EQ(Bytes(expected.begin(), expected.begin() + 16), part);
  }
}

TEST_F(EcMoreTest, EveryKdfMatchesItsDefinition) {
  const KeyPair kp = generate(CKM_EC_KEY_PAIR_GEN, p256_params(), true);
  ref::PeerKey peer;
  ref::make_peer("prime256v1", peer);
  const Bytes z = ref::peer_derive(peer, point(kp.public_key));
  const Bytes info = to_bytes("shared info");
  struct Kdf {
    CK_EC_KDF_TYPE kdf;
    const char* digest;
    bool sp800;
  };
  const Kdf kdfs[] = {
      {CKD_SHA1_KDF, "SHA1", false},           {CKD_SHA224_KDF, "SHA224", false},
      {CKD_SHA256_KDF, "SHA256", false},       {CKD_SHA384_KDF, "SHA384", false},
      {CKD_SHA512_KDF, "SHA512", false},       {CKD_SHA3_224_KDF, "SHA3-224", false},
      {CKD_SHA3_256_KDF, "SHA3-256", false},   {CKD_SHA3_384_KDF, "SHA3-384", false},
      {CKD_SHA3_512_KDF, "SHA3-512", false},   {CKD_SHA1_KDF_SP800, "SHA1", true},
      {CKD_SHA224_KDF_SP800, "SHA224", true},  {CKD_SHA256_KDF_SP800, "SHA256", true},
      {CKD_SHA384_KDF_SP800, "SHA384", true},  {CKD_SHA512_KDF_SP800, "SHA512", true},
      {CKD_SHA3_224_KDF_SP800, "SHA3-224", true}, {CKD_SHA3_256_KDF_SP800, "SHA3-256", true},
      {CKD_SHA3_384_KDF_SP800, "SHA3-384", true}, {CKD_SHA3_512_KDF_SP800, "SHA3-512", true},
  };
  for (const Kdf& k : kdfs) {
    // 80 bytes: more than one hash block for every hash.
    const Bytes expected =
        k.sp800 ? ref::sp800_56c_kdf(k.digest, z, info, 80) : ref::x963_kdf(k.digest, z, info, 80);
    Bytes value;
    ASSERT_CKR(CKR_OK, derive(CKM_ECDH1_DERIVE, kp.private_key, k.kdf, info, peer.public_key, 80, value))
        << "kdf 0x" << std::hex << k.kdf;
    EXPECT_EQ(expected, value) << "kdf 0x" << std::hex << k.kdf;
    // Without shared data too.
    const Bytes bare = k.sp800 ? ref::sp800_56c_kdf(k.digest, z, {}, 24) : ref::x963_kdf(k.digest, z, {}, 24);
    ASSERT_CKR(CKR_OK, derive(CKM_ECDH1_DERIVE, kp.private_key, k.kdf, {}, peer.public_key, 24, value));
    EXPECT_EQ(bare, value) << "kdf 0x" << std::hex << k.kdf;
  }
}

TEST_F(EcMoreTest, DeriveErrors) {
  const KeyPair kp = generate(CKM_EC_KEY_PAIR_GEN, p256_params(), true);
  ref::PeerKey peer;
  ref::make_peer("prime256v1", peer);
  Bytes value;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID,
             derive(CKM_ECDH1_DERIVE, kp.private_key, CKD_NULL, to_bytes("x"), peer.public_key, 0, value));
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID,
             derive(CKM_ECDH1_DERIVE, kp.private_key, 0x99, {}, peer.public_key, 0, value));
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, derive(CKM_ECDH1_DERIVE, kp.private_key, CKD_NULL, {}, {}, 0, value));
  Bytes off_curve = peer.public_key;
  off_curve.back() ^= 0x01;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, derive(CKM_ECDH1_DERIVE, kp.private_key, CKD_NULL, {}, off_curve, 0, value));
  ref::PeerKey other_curve;
  ref::make_peer("secp384r1", other_curve);
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID,
             derive(CKM_ECDH1_DERIVE, kp.private_key, CKD_NULL, {}, other_curve.public_key, 0, value));
  const CK_RV too_long = derive(CKM_ECDH1_DERIVE, kp.private_key, CKD_NULL, {}, peer.public_key, 33, value);
  EXPECT_NE(rv_name(CKR_OK), rv_name(too_long)) << "CKD_NULL cannot make more than the 32-byte secret";

  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, derive(CKM_ECDH1_DERIVE, kp.private_key + 5000, CKD_NULL, {}, peer.public_key,
                                            0, value));
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT,
             derive(CKM_ECDH1_DERIVE, kp.public_key, CKD_NULL, {}, peer.public_key, 0, value));
  const KeyPair signer = generate(CKM_EC_KEY_PAIR_GEN, p256_params(), false);  // CKA_DERIVE not set
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED,
             derive(CKM_ECDH1_DERIVE, signer.private_key, CKD_NULL, {}, peer.public_key, 0, value));
  const KeyPair ed = generate_ed25519(session);
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT,
             derive(CKM_ECDH1_DERIVE, ed.private_key, CKD_NULL, {}, peer.public_key, 0, value));

  CK_ECDH1_DERIVE_PARAMS p{CKD_NULL, 0, nullptr, peer.public_key.size(), ptr(peer.public_key)};
  CK_MECHANISM mech{CKM_ECDH1_DERIVE, &p, sizeof p};
  CK_MECHANISM truncated{CKM_ECDH1_DERIVE, &p, sizeof p - 1};
  Template t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_DeriveKey(session, &truncated, kp.private_key, t.data(), t.count(), &key));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_DeriveKey(session, &mech, kp.private_key, t.data(), t.count(), nullptr));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_DeriveKey(session, &mech, kp.private_key, nullptr, 3, &key));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID,
             p11->C_DeriveKey(session + 5000, &mech, kp.private_key, t.data(), t.count(), &key));
  CK_MECHANISM not_derive{CKM_ECDSA, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_DeriveKey(session, &not_derive, kp.private_key, t.data(), t.count(), &key));

  // A derived key is sensitive by default; a token key needs a R/W session.
  ASSERT_CKR(CKR_OK, p11->C_DeriveKey(session, &mech, kp.private_key, t.data(), t.count(), &key));
  CK_ATTRIBUTE secret{CKA_VALUE, nullptr, 0};
  EXPECT_CKR(CKR_ATTRIBUTE_SENSITIVE, p11->C_GetAttributeValue(session, key, &secret, 1));
  EXPECT_FALSE(attribute_bool(session, key, CKA_LOCAL));
  CK_SESSION_HANDLE ro = open_session(false);
  Template token;
  token.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET).add_bool(CKA_TOKEN, true);
  EXPECT_CKR(CKR_SESSION_READ_ONLY, p11->C_DeriveKey(ro, &mech, kp.private_key, token.data(), token.count(), &key));
}

}  // namespace
}  // namespace abi_test

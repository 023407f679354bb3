#include <gtest/gtest.h>

#include <string>

#include "crypto/families.h"
#include "crypto/key.h"
#include "crypto/key_attributes.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

Bytes hex(std::string_view h) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

const Bytes kOidEd25519 = hex("06032b6570");
const Bytes kOidEd448 = hex("06032b6571");
const Bytes kOidX25519 = hex("06032b656e");
const Bytes kOidX448 = hex("06032b656f");

// RFC 8032 §7 test vectors: key, message, optional context, variant, signature.
struct EddsaVector {
  const Bytes& curve;
  std::string_view secret, pub, message, context;
  bool prehash;
  std::string_view signature;
};
const EddsaVector kVectors[] = {
    // §7.1 Ed25519 TEST 1 (empty message), TEST 2, TEST 3.
    {kOidEd25519, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "", "", false,
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe2465"
     "5141438e7a100b"},
    {kOidEd25519, "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72", "", false,
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb0"
     "0d291612bb0c00"},
    {kOidEd25519, "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82", "", false,
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc0"
     "27beceea1ec40a"},
    // §7.2 Ed25519ctx, context "foo".
    {kOidEd25519, "0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f6",
     "dfc9425e4f968f7f0c29f0259cf5f9aed6851c2bb4ad8bfb860cfee0ab248292", "f726936d19c800494e3fdaff20b276a8", "666f6f",
     false,
     "55a4cc2f70a54e04288c5f4cd1e45a7bb520b36292911876cada7323198dd87a8b36950b95130022907a7fb7c4e9b2d5f6cca685a587b4b21f"
     "4b888e4e7edb0d"},
    // §7.3 Ed25519ph, message "abc".
    {kOidEd25519, "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf", "616263", "", true,
     "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaa"
     "d11c2a26083406"},
    // §7.4 Ed448: blank, 1 octet, 1 octet with context "foo".
    {kOidEd448,
     "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
     "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180",
     "", "", false,
     "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980"
     "ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600"},
    {kOidEd448,
     "c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e",
     "43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480",
     "03", "", false,
     "26b8f91727bd62897af15e41eb43c377efb9c610d48f2335cb0bd0087810f4352541b143c4b981b7e18f62de8ccdf633fc1bf037ab7cd77980"
     "5e0dbcc0aae1cbcee1afb2e027df36bc04dcecbf154336c19f0af7e0a6472905e799f1953d2a0ff3348ab21aa4adafd1d234441cf807c03a00"},
    {kOidEd448,
     "c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e",
     "43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480",
     "03", "666f6f", false,
     "d4f8f6131770dd46f40867d6fd5d5055de43541f8c5e35abbcd001b32a89f7d2151f7647f11d8ca2ae279fb842d607217fce6e042f6815ea00"
     "0c85741de5c8da1144a6a1aba7f96de42505d7a7298524fda538fccbbb754f578c1cad10d54d0d5428407e85dcbc98a49155c13764e66c3c00"},
    // §7.5 Ed448ph, message "abc", without and with context "foo".
    {kOidEd448,
     "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42ef7822e0d5104127dc05d6dbefde69e3ab2cec7c867c6e2c49",
     "259b71c19f83ef77a7abd26524cbdb3161b590a48f7d17de3ee0ba9c52beb743c09428a131d6b1b57303d90d8132c276d5ed3d5d01c0f53880",
     "616263", "", true,
     "822f6901f7480f3d5f562c592994d9693602875614483256505600bbc281ae381f54d6bce2ea911574932f52a4e6cadd78769375ec3ffd1b80"
     "1a0d9b3f4030cd433964b6457ea39476511214f97469b57dd32dbc560a9a94d00bff07620464a3ad203df7dc7ce360c3cd3696d9d9fab90f00"},
    {kOidEd448,
     "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42ef7822e0d5104127dc05d6dbefde69e3ab2cec7c867c6e2c49",
     "259b71c19f83ef77a7abd26524cbdb3161b590a48f7d17de3ee0ba9c52beb743c09428a131d6b1b57303d90d8132c276d5ed3d5d01c0f53880",
     "616263", "666f6f", true,
     "c32299d46ec8ff02b54540982814dce9a05812f81962b649d528095916a2aa481065b1580423ef927ecf0af5888f90da0f6a9a85ad5dc3f280"
     "d91224ba9911a3653d00e484e2ce232521481c8658df304bb7745a73514cdb9bf3e15784ab71284f8d0704a608c54a6b62d97beb511d132100"},
};

// RFC 7748 §6.1 and §6.2 (Alice's private key, Bob's public key, shared secret).
struct X25519Vector {
  const Bytes& curve;
  std::string_view alice_priv, alice_pub, bob_pub, shared;
};
const X25519Vector kXVectors[] = {
    {kOidX25519, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
     "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
     "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
     "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
    {kOidX448,
     "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
     "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
     "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
     "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d"},
};

class EdwardsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { provider_ = std::move(Provider::create()).value().release(); }
  static void TearDownTestSuite() { delete provider_; }
  static const Provider& provider() { return *provider_; }

  static const MechanismEntry& row(CK_MECHANISM_TYPE type) {
    for (const MechanismEntry& e : edwards_mechanisms()) {
      if (e.type == type) return e;
    }
    ADD_FAILURE() << "no row " << type;
    return edwards_mechanisms()[0];
  }
  static const MechanismEntry& ecdh_row() {
    for (const MechanismEntry& e : ec_mechanisms()) {
      if (e.type == CKM_ECDH1_DERIVE) return e;
    }
    return ec_mechanisms()[0];
  }

  static KeyPtr key(CK_OBJECT_CLASS cls, CK_KEY_TYPE type, ByteView params, ByteView material) {
    AttributeMap a;
    a.set_ulong(CKA_CLASS, cls);
    a.set_ulong(CKA_KEY_TYPE, type);
    a.set(CKA_EC_PARAMS, params);
    a.set(cls == CKO_PRIVATE_KEY ? CKA_VALUE : CKA_EC_POINT, material);
    Status st = complete_key_material(provider(), a);
    EXPECT_TRUE(st.ok()) << st.message();
    return load_key(provider(), a).value();
  }

  struct Pair {
    KeyPtr pub, priv;
    AttributeMap pub_attrs, priv_attrs;
  };
  static Result<Pair> generate(CK_MECHANISM_TYPE type, ByteView params) {
    CK_MECHANISM mech{type, nullptr, 0};
    Pair p;
    AttributeMap tmpl;
    tmpl.set(CKA_EC_PARAMS, params);
    RETURN_IF_ERROR(row(type).generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, p.pub_attrs, p.priv_attrs));
    p.pub_attrs.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
    p.priv_attrs.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
    ASSIGN_OR_RETURN(p.pub, load_key(provider(), p.pub_attrs));
    ASSIGN_OR_RETURN(p.priv, load_key(provider(), p.priv_attrs));
    return p;
  }

  static Result<Bytes> sign(const CK_MECHANISM& mech, const KeyPtr& k, ByteView data) {
    ASSIGN_OR_RETURN(auto op, row(CKM_EDDSA).sign(MechanismCall{provider(), mech}, k));
    Bytes sig;
    RETURN_IF_ERROR(op->sign(data, sig));
    if (sig.size() != op->signature_length()) return Status(CKR_GENERAL_ERROR, "length mismatch");
    return sig;
  }
  static Status verify(const CK_MECHANISM& mech, const KeyPtr& k, ByteView data, ByteView sig) {
    ASSIGN_OR_RETURN(auto op, row(CKM_EDDSA).verify(MechanismCall{provider(), mech}, k));
    return op->verify(data, sig);
  }

 private:
  static Provider* provider_;
};
Provider* EdwardsTest::provider_ = nullptr;

// ---- Known answers ---------------------------------------------------------------------

TEST_F(EdwardsTest, Rfc8032Vectors) {
  for (const EddsaVector& v : kVectors) {
    const KeyPtr priv = key(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, v.curve, hex(v.secret));
    const KeyPtr pub = key(CKO_PUBLIC_KEY, CKK_EC_EDWARDS, v.curve, hex(v.pub));
    Bytes context = hex(v.context);
    CK_EDDSA_PARAMS params{static_cast<CK_BBOOL>(v.prehash ? CK_TRUE : CK_FALSE),
                           static_cast<CK_ULONG>(context.size()), context.empty() ? nullptr : context.data()};
    const bool pure = !v.prehash && context.empty();
    const CK_MECHANISM mech = pure ? CK_MECHANISM{CKM_EDDSA, nullptr, 0}
                                   : CK_MECHANISM{CKM_EDDSA, &params, sizeof params};
    auto sig = sign(mech, priv, hex(v.message));  // EdDSA is deterministic
    ASSERT_TRUE(sig.ok()) << sig.status().message();
    EXPECT_EQ(*sig, hex(v.signature)) << v.signature;
    EXPECT_TRUE(verify(mech, pub, hex(v.message), hex(v.signature)).ok());
    Bytes bad = hex(v.signature);
    bad[1] ^= 1;
    EXPECT_EQ(verify(mech, pub, hex(v.message), bad).rv(), CKR_SIGNATURE_INVALID);
  }
}

TEST_F(EdwardsTest, PureVariantAcceptsEmptyParameters) {
  // phFlag FALSE and no context is plain Ed25519 (RFC 8032 §5.1).
  const EddsaVector& v = kVectors[1];
  const KeyPtr priv = key(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, v.curve, hex(v.secret));
  CK_EDDSA_PARAMS params{CK_FALSE, 0, nullptr};
  auto sig = sign(CK_MECHANISM{CKM_EDDSA, &params, sizeof params}, priv, hex(v.message));
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(*sig, hex(v.signature));
}

TEST_F(EdwardsTest, Rfc7748KeyAgreement) {
  for (const X25519Vector& v : kXVectors) {
    const KeyPtr alice = key(CKO_PRIVATE_KEY, CKK_EC_MONTGOMERY, v.curve, hex(v.alice_priv));
    auto secret = montgomery_shared_secret(provider(), *alice, hex(v.bob_pub));
    ASSERT_TRUE(secret.ok()) << secret.status().message();
    EXPECT_EQ(copy_bytes(view_of(*secret)), hex(v.shared));
    // Through CKM_ECDH1_DERIVE, with the peer value as a DER OCTET STRING.
    Bytes peer = der_octet_string(hex(v.bob_pub));
    CK_ECDH1_DERIVE_PARAMS params{CKD_NULL, 0, nullptr, static_cast<CK_ULONG>(peer.size()), peer.data()};
    CK_MECHANISM mech{CKM_ECDH1_DERIVE, &params, sizeof params};
    auto derived = ecdh_row().derive(MechanismCall{provider(), mech}, alice, 0, {});
    ASSERT_TRUE(derived.ok()) << derived.status().message();
    EXPECT_EQ(copy_bytes(view_of(*derived)), hex(v.shared));
  }
}

// ---- Round trips ---------------------------------------------------------------------------

TEST_F(EdwardsTest, GeneratedEdwardsKeysSignAndVerify) {
  const std::pair<Bytes, std::size_t> curves[] = {{kOidEd25519, 64},
                                                  {kOidEd448, 114},
                                                  {copy_bytes(as_bytes("\x13\x0c" "edwards25519")), 64},
                                                  {copy_bytes(as_bytes("\x13\x0a" "edwards448")), 114}};
  for (const auto& [params, sig_len] : curves) {
    auto pair = generate(CKM_EC_EDWARDS_KEY_PAIR_GEN, params);
    ASSERT_TRUE(pair.ok()) << pair.status().message();
    EXPECT_EQ(copy_bytes(pair->pub_attrs.bytes_or_empty(CKA_EC_PARAMS)), params);  // caller's spelling kept
    EXPECT_EQ(copy_bytes(pair->priv_attrs.bytes_or_empty(CKA_EC_PARAMS)), params);
    EXPECT_EQ(pair->pub_attrs.get_ulong(CKA_KEY_TYPE), static_cast<CK_ULONG>(CKK_EC_EDWARDS));
    EXPECT_EQ(copy_bytes(pair->pub_attrs.bytes_or_empty(CKA_EC_POINT)),
              copy_bytes(pair->priv_attrs.bytes_or_empty(CKA_EC_POINT)));
    EXPECT_TRUE(pair->priv_attrs.has(CKA_PUBLIC_KEY_INFO));
    Bytes context = hex("0102");
    CK_EDDSA_PARAMS ctx{CK_FALSE, 2, context.data()};
    CK_EDDSA_PARAMS ph{CK_TRUE, 0, nullptr};
    for (const CK_MECHANISM& mech : {CK_MECHANISM{CKM_EDDSA, nullptr, 0}, CK_MECHANISM{CKM_EDDSA, &ctx, sizeof ctx},
                                     CK_MECHANISM{CKM_EDDSA, &ph, sizeof ph}}) {
      // Multi-part input is collected for the one-shot signature.
      auto op = row(CKM_EDDSA).sign(MechanismCall{provider(), mech}, pair->priv);
      ASSERT_TRUE(op.ok());
      Bytes sig;
      ASSERT_TRUE((*op)->update(as_bytes("multi ")).ok());
      ASSERT_TRUE((*op)->update(as_bytes("part")).ok());
      ASSERT_TRUE((*op)->final(sig).ok());
      EXPECT_EQ(sig.size(), sig_len);
      EXPECT_TRUE(verify(mech, pair->pub, as_bytes("multi part"), sig).ok());
      EXPECT_EQ(verify(mech, pair->pub, as_bytes("multi part!"), sig).rv(), CKR_SIGNATURE_INVALID);
      EXPECT_EQ(verify(mech, pair->pub, as_bytes("multi part"), ByteView(sig).first(sig_len - 1)).rv(),
                CKR_SIGNATURE_LEN_RANGE);
    }
    // A signature made with one variant does not verify under another.
    auto pure = sign(CK_MECHANISM{CKM_EDDSA, nullptr, 0}, pair->priv, as_bytes("m"));
    EXPECT_EQ(verify(CK_MECHANISM{CKM_EDDSA, &ph, sizeof ph}, pair->pub, as_bytes("m"), *pure).rv(),
              CKR_SIGNATURE_INVALID);
  }
}

TEST_F(EdwardsTest, GeneratedMontgomeryKeysAgree) {
  for (const Bytes& params : {kOidX25519, kOidX448, copy_bytes(as_bytes("\x13\x0a" "curve25519"))}) {
    auto a = generate(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, params);
    auto b = generate(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, params);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->pub_attrs.get_ulong(CKA_KEY_TYPE), static_cast<CK_ULONG>(CKK_EC_MONTGOMERY));
    Bytes a_point = copy_bytes(a->pub_attrs.bytes_or_empty(CKA_EC_POINT));
    Bytes b_point = copy_bytes(b->pub_attrs.bytes_or_empty(CKA_EC_POINT));
    auto ka = montgomery_shared_secret(provider(), *a->priv, *ec_point_from_attribute(b_point));
    auto kb = montgomery_shared_secret(provider(), *b->priv, *ec_point_from_attribute(a_point));
    ASSERT_TRUE(ka.ok() && kb.ok());
    EXPECT_EQ(*ka, *kb);
  }
}

// ---- Errors ----------------------------------------------------------------------------------

TEST_F(EdwardsTest, KeyGenerationErrors) {
  EXPECT_EQ(generate(CKM_EC_EDWARDS_KEY_PAIR_GEN, kOidX25519).rv(), CKR_CURVE_NOT_SUPPORTED);
  EXPECT_EQ(generate(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, kOidEd25519).rv(), CKR_CURVE_NOT_SUPPORTED);
  EXPECT_EQ(generate(CKM_EC_EDWARDS_KEY_PAIR_GEN, hex("06082a8648ce3d030107")).rv(), CKR_CURVE_NOT_SUPPORTED);
  CK_MECHANISM mech{CKM_EC_EDWARDS_KEY_PAIR_GEN, nullptr, 0};
  AttributeMap empty, pub, priv;
  EXPECT_EQ(row(CKM_EC_EDWARDS_KEY_PAIR_GEN).generate_key_pair(MechanismCall{provider(), mech}, empty, {}, pub, priv).rv(),
            CKR_TEMPLATE_INCOMPLETE);
}

TEST_F(EdwardsTest, EddsaParameterErrors) {
  const EddsaVector& v = kVectors[0];
  const KeyPtr priv = key(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, v.curve, hex(v.secret));
  const KeyPtr pub = key(CKO_PUBLIC_KEY, CKK_EC_EDWARDS, v.curve, hex(v.pub));
  Bytes long_context(256, 1);
  CK_EDDSA_PARAMS too_long{CK_FALSE, 256, long_context.data()};
  EXPECT_EQ(sign(CK_MECHANISM{CKM_EDDSA, &too_long, sizeof too_long}, priv, hex("00")).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_EDDSA_PARAMS null_context{CK_FALSE, 3, nullptr};
  EXPECT_EQ(sign(CK_MECHANISM{CKM_EDDSA, &null_context, sizeof null_context}, priv, hex("00")).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(sign(CK_MECHANISM{CKM_EDDSA, &null_context, 4}, priv, hex("00")).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(sign(CK_MECHANISM{CKM_EDDSA, nullptr, 0}, pub, hex("00")).rv(), CKR_KEY_TYPE_INCONSISTENT);
  const KeyPtr x = key(CKO_PRIVATE_KEY, CKK_EC_MONTGOMERY, kOidX25519, hex(kXVectors[0].alice_priv));
  EXPECT_EQ(sign(CK_MECHANISM{CKM_EDDSA, nullptr, 0}, x, hex("00")).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(verify(CK_MECHANISM{CKM_EDDSA, nullptr, 0}, pub, hex(""), Bytes(65, 0)).rv(), CKR_SIGNATURE_LEN_RANGE);
}

TEST_F(EdwardsTest, MontgomeryErrors) {
  const KeyPtr alice = key(CKO_PRIVATE_KEY, CKK_EC_MONTGOMERY, kOidX25519, hex(kXVectors[0].alice_priv));
  EXPECT_EQ(montgomery_shared_secret(provider(), *alice, Bytes(31, 9)).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(montgomery_shared_secret(provider(), *alice, Bytes(32, 0)).rv(), CKR_MECHANISM_PARAM_INVALID);
  const KeyPtr bob_pub = key(CKO_PUBLIC_KEY, CKK_EC_MONTGOMERY, kOidX25519, hex(kXVectors[0].bob_pub));
  EXPECT_EQ(montgomery_shared_secret(provider(), *bob_pub, hex(kXVectors[0].alice_pub)).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(EdwardsTest, RowsAreConsistent) {
  for (const MechanismEntry& e : edwards_mechanisms()) {
    EXPECT_EQ(((e.flags & CKF_SIGN) != 0), e.sign != nullptr) << e.name;
    EXPECT_EQ(((e.flags & CKF_VERIFY) != 0), e.verify != nullptr) << e.name;
    EXPECT_EQ(((e.flags & CKF_GENERATE_KEY_PAIR) != 0), e.generate_key_pair != nullptr) << e.name;
    EXPECT_EQ(e.min_key_size, 255u);
    EXPECT_EQ(e.max_key_size, 448u);
  }
  EXPECT_FALSE(row(CKM_EC_MONTGOMERY_KEY_PAIR_GEN).approved);
  EXPECT_TRUE(row(CKM_EDDSA).approved);
  EXPECT_EQ(edwards_mechanisms().size(), 3u);
}

}  // namespace
}  // namespace craton::crypto

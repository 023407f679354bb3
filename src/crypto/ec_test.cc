#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

#include "crypto/families.h"
#include "crypto/key.h"
#include "crypto/key_attributes.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

Bytes hex(std::string_view h) {
  std::string s(h);
  if (s.size() % 2 != 0) s.insert(s.begin(), '0');
  Bytes out;
  for (std::size_t i = 0; i < s.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return out;
}

Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const Bytes kOidP256 = hex("06082a8648ce3d030107");
const Bytes kOidP384 = hex("06052b81040022");
const Bytes kOidP521 = hex("06052b81040023");

// NIST CAVP 186-3 ECDSA SigVer vectors (SigVer.rsp): message, Qx, Qy, R, S, result.
struct SigVerVector {
  const Bytes& curve;
  CK_MECHANISM_TYPE mechanism;
  CK_MECHANISM_TYPE hash;
  std::string_view msg, qx, qy, r, s;
  bool valid;
};
const SigVerVector kSigVer[] = {
    {kOidP256, CKM_ECDSA_SHA256, CKM_SHA256,
     "60cd64b2cd2be6c33859b94875120361a24085f3765cb8b2bf11e026fa9d8855dbe435acf7882e84f3c7857f96e2baab4d9afe4588e4a82e17"
     "a78827bfdb5ddbd1c211fbc2e6d884cddd7cb9d90d5bf4a7311b83f352508033812c776a0e00c003c7e0d628e50736c7512df0acfa9f2320bd"
     "102229f46495ae6d0857cc452a84",
     "2d98ea01f754d34bbc3003df5050200abf445ec728556d7ed7d5c54c55552b6d",
     "9b52672742d637a32add056dfd6d8792f2a33c2e69dafabea09b960bc61e230a",
     "06108e525f845d0155bf60193222b3219c98e3d49424c2fb2a0987f825c17959",
     "62b5cdd591e5b507e560167ba8f6f7cda74673eb315680cb89ccbc4eec477dce", true},
    {kOidP256, CKM_ECDSA_SHA256, CKM_SHA256,
     "76f987ec5448dd72219bd30bf6b66b0775c80b394851a43ff1f537f140a6e7229ef8cd72ad58b1d2d20298539d6347dd5598812bc65323acea"
     "f05228f738b5ad3e8d9fe4100fd767c2f098c77cb99c2992843ba3eed91d32444f3b6db6cd212dd4e5609548f4bb62812a920f6e2bf1581be1"
     "ebeebdd06ec4e971862cc42055ca",
     "09308ea5bfad6e5adf408634b3d5ce9240d35442f7fe116452aaec0d25be8c24",
     "f40c93e023ef494b1c3079b2d10ef67f3170740495ce2cc57f8ee4b0618b8ee5",
     "5cc8aa7c35743ec0c23dde88dabd5e4fcd0192d2116f6926fef788cddb754e73",
     "9c9c045ebaa1b828c32f82ace0d18daebf5e156eb7cbfdc1eff4399a8a900ae7", false},
    // P-256 with SHA-384: the hash is longer than the order and is truncated.
    {kOidP256, CKM_ECDSA_SHA384, CKM_SHA384,
     "1a6e49a377a08e992353d6acc557b687b1b69a41d83d43a75fadb97b8c928cfebadebaaf99ea7fb13148807f56ea17384a7912e578e62b1b00"
     "9fefb2aafca5ac85539433619b286f10643a56f8dfa47ba4d01c02510deaec18029ea6b9682022b139dcb70814164c4c90ec717ad9d9254853"
     "98531cdd5992a2524498b337f97d",
     "96050c5fa2ddd1b2e5451d89ee74a0b7b54347364ddc0231715a6ef1146fe8dc",
     "e0888a9e78aeea87f6e1e9002b2651169f36c4ee53013cfc8c9912b7fd504858",
     "2353d6cd3c21b8ea7dbc1cd940519812dbe365a3b15cd6aebba9d11cf269867a",
     "85f560273cd9e82e6801e4cb1c8cd29cdac34a020da211d77453756b604b8fa7", true},
    {kOidP384, CKM_ECDSA_SHA384, CKM_SHA384,
     "9dd789ea25c04745d57a381f22de01fb0abd3c72dbdefd44e43213c189583eef85ba662044da3de2dd8670e6325154480155bbeebb702c7578"
     "1ac32e13941860cb576fe37a05b757da5b5b418f6dd7c30b042e40f4395a342ae4dce05634c33625e2bc524345481f7e253d9551266823771b"
     "251705b4a85166022a37ac28f1bd",
     "cb908b1fd516a57b8ee1e14383579b33cb154fece20c5035e2b3765195d1951d75bd78fb23e00fef37d7d064fd9af144",
     "cd99c46b5857401ddcff2cf7cf822121faf1cbad9a011bed8c551f6f59b2c360f79bfbe32adbcaa09583bdfdf7c374bb",
     "33f64fb65cd6a8918523f23aea0bbcf56bba1daca7aff817c8791dc92428d605ac629de2e847d43cee55ba9e4a0e83ba",
     "4428bb478a43ac73ecd6de51ddf7c28ff3c2441625a081714337dd44fea8011bae71959a10947b6ea33f77e128d3c6ae", true},
    {kOidP384, CKM_ECDSA_SHA384, CKM_SHA384,
     "4132833a525aecc8a1a6dea9f4075f44feefce810c4668423b38580417f7bdca5b21061a45eaa3cbe2a7035ed189523af8002d65c2899e6573"
     "5e4d93a16503c145059f365c32b3acc6270e29a09131299181c98b3c76769a18faf21f6b4a8f271e6bf908e238afe8002e27c63417bda758f8"
     "46e1e3b8e62d7f05ebd98f1f9154",
     "1f94eb6f439a3806f8054dd79124847d138d14d4f52bac93b042f2ee3cdb7dc9e09925c2a5fee70d4ce08c61e3b19160",
     "1c4fd111f6e33303069421deb31e873126be35eeb436fe2034856a3ed1e897f26c846ee3233cd16240989a7990c19d8c",
     "3c15c3cedf2a6fbff2f906e661f5932f2542f0ce68e2a8182e5ed3858f33bd3c5666f17ac39e52cb004b80a0d4ba73cd",
     "9de879083cbb0a97973c94f1963d84f581e4c6541b7d000f9850deb25154b23a37dd72267bdd72665cc7027f88164fab", false},
};

// NIST CAVS KAS ECC CDH primitive test (KAS_ECC_CDH_PrimitiveTest.txt), P-256 COUNT = 0.
constexpr std::string_view kKasD = "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534";
constexpr std::string_view kKasPeer =
    "04700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0"
    "441782cab85fa4ac";
constexpr std::string_view kKasZ = "46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b";
// RFC 7748 §6.1.
constexpr std::string_view kX25519AlicePriv = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr std::string_view kX25519BobPub = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
constexpr std::string_view kX25519Shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

class EcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { provider_ = std::move(Provider::create()).value().release(); }
  static void TearDownTestSuite() { delete provider_; }
  static const Provider& provider() { return *provider_; }

  static const MechanismEntry& row(CK_MECHANISM_TYPE type) {
    for (const MechanismEntry& e : ec_mechanisms()) {
      if (e.type == type) return e;
    }
    ADD_FAILURE() << "no row " << type;
    return ec_mechanisms()[0];
  }

  struct Pair {
    KeyPtr pub, priv;
    AttributeMap pub_attrs, priv_attrs;
  };
  static Pair generate(ByteView params) {
    CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    Pair p;
    AttributeMap tmpl;
    tmpl.set(CKA_EC_PARAMS, params);
    Status st = row(CKM_EC_KEY_PAIR_GEN).generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, p.pub_attrs,
                                                           p.priv_attrs);
    EXPECT_TRUE(st.ok()) << st.message();
    p.pub_attrs.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
    p.priv_attrs.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
    p.pub = load_key(provider(), p.pub_attrs).value();
    p.priv = load_key(provider(), p.priv_attrs).value();
    return p;
  }
  static KeyPtr public_key(ByteView params, ByteView point) {
    AttributeMap a;
    a.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
    a.set_ulong(CKA_KEY_TYPE, CKK_EC);
    a.set(CKA_EC_PARAMS, params);
    a.set(CKA_EC_POINT, point);
    EXPECT_TRUE(complete_key_material(provider(), a).ok());
    return load_key(provider(), a).value();
  }
  static KeyPtr private_key(CK_KEY_TYPE type, ByteView params, ByteView value) {
    AttributeMap a;
    a.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
    a.set_ulong(CKA_KEY_TYPE, type);
    a.set(CKA_EC_PARAMS, params);
    a.set(CKA_VALUE, value);
    EXPECT_TRUE(complete_key_material(provider(), a).ok());
    return load_key(provider(), a).value();
  }

  static Result<Bytes> sign(CK_MECHANISM_TYPE type, const KeyPtr& key, ByteView data) {
    CK_MECHANISM mech{type, nullptr, 0};
    ASSIGN_OR_RETURN(auto op, row(type).sign(MechanismCall{provider(), mech}, key));
    Bytes sig;
    RETURN_IF_ERROR(op->sign(data, sig));
    if (sig.size() != op->signature_length()) return Status(CKR_GENERAL_ERROR, "length mismatch");
    return sig;
  }
  static Status verify(CK_MECHANISM_TYPE type, const KeyPtr& key, ByteView data, ByteView sig) {
    CK_MECHANISM mech{type, nullptr, 0};
    ASSIGN_OR_RETURN(auto op, row(type).verify(MechanismCall{provider(), mech}, key));
    return op->verify(data, sig);
  }
  static Result<SecureBytes> derive(CK_MECHANISM_TYPE type, const KeyPtr& base, CK_ECDH1_DERIVE_PARAMS& params,
                                    std::size_t length = 0) {
    CK_MECHANISM mech{type, &params, sizeof params};
    return row(type).derive(MechanismCall{provider(), mech}, base, length, KeyResolver{});
  }
  static Bytes digest(const char* name, ByteView data) {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int len = 0;
    EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &len, provider().md(name), nullptr), 1);
    out.resize(len);
    return out;
  }

 private:
  static Provider* provider_;
};
Provider* EcTest::provider_ = nullptr;

CK_ECDH1_DERIVE_PARAMS ecdh_params(CK_EC_KDF_TYPE kdf, Bytes& public_data, Bytes* shared = nullptr) {
  return CK_ECDH1_DERIVE_PARAMS{kdf, shared ? static_cast<CK_ULONG>(shared->size()) : 0,
                                shared ? shared->data() : nullptr, static_cast<CK_ULONG>(public_data.size()),
                                public_data.data()};
}

// ---- Known answers --------------------------------------------------------------------------

TEST_F(EcTest, CavpSigVerVectors) {
  for (const SigVerVector& v : kSigVer) {
    const KeyPtr key = public_key(v.curve, concat({hex("04"), hex(v.qx), hex(v.qy)}));
    const Bytes sig = concat({hex(v.r), hex(v.s)});
    const Bytes msg = hex(v.msg);
    // Hash-and-verify in the module...
    EXPECT_EQ(verify(v.mechanism, key, msg, sig).ok(), v.valid) << v.qx;
    // ...and CKM_ECDSA on the caller's hash give the same verdict.
    const char* md = v.hash == CKM_SHA256 ? "SHA2-256" : "SHA2-384";
    EXPECT_EQ(verify(CKM_ECDSA, key, digest(md, msg), sig).ok(), v.valid) << v.qx;
    if (v.valid) {
      Bytes bad = sig;
      bad.back() ^= 1;
      EXPECT_EQ(verify(v.mechanism, key, msg, bad).rv(), CKR_SIGNATURE_INVALID);
    } else {
      EXPECT_EQ(verify(v.mechanism, key, msg, sig).rv(), CKR_SIGNATURE_INVALID);
    }
  }
}

TEST_F(EcTest, CavpEcdhKnownAnswer) {
  const KeyPtr key = private_key(CKK_EC, kOidP256, hex(kKasD));
  for (CK_MECHANISM_TYPE type : {CKM_ECDH1_DERIVE, CKM_ECDH1_COFACTOR_DERIVE}) {
    for (Bytes peer : {hex(kKasPeer), der_octet_string(hex(kKasPeer))}) {  // raw or DER public data
      CK_ECDH1_DERIVE_PARAMS params = ecdh_params(CKD_NULL, peer);
      auto z = derive(type, key, params);
      ASSERT_TRUE(z.ok()) << z.status().message();
      EXPECT_EQ(copy_bytes(view_of(*z)), hex(kKasZ));
    }
  }
  // CKD_NULL with a length keeps the leftmost bytes; more than Z is impossible.
  Bytes peer = hex(kKasPeer);
  CK_ECDH1_DERIVE_PARAMS params = ecdh_params(CKD_NULL, peer);
  const Bytes z = hex(kKasZ);
  EXPECT_EQ(copy_bytes(view_of(*derive(CKM_ECDH1_DERIVE, key, params, 16))), Bytes(z.begin(), z.begin() + 16));
  EXPECT_EQ(derive(CKM_ECDH1_DERIVE, key, params, 33).rv(), CKR_KEY_SIZE_RANGE);
}

TEST_F(EcTest, EcdhKdfsMatchTheirDefinitions) {
  const KeyPtr key = private_key(CKK_EC, kOidP256, hex(kKasD));
  Bytes peer = hex(kKasPeer);
  Bytes shared = hex("a1b2c3d4e5");
  const Bytes z = hex(kKasZ);
  const Bytes counter = hex("00000001");
  // ANSI X9.63: H(Z || counter || SharedInfo); SP 800-56C one-step: H(counter || Z || FixedInfo).
  CK_ECDH1_DERIVE_PARAMS x963 = ecdh_params(CKD_SHA256_KDF, peer, &shared);
  EXPECT_EQ(copy_bytes(view_of(*derive(CKM_ECDH1_DERIVE, key, x963, 32))),
            digest("SHA2-256", concat({z, counter, shared})));
  CK_ECDH1_DERIVE_PARAMS sp800 = ecdh_params(CKD_SHA256_KDF_SP800, peer, &shared);
  EXPECT_EQ(copy_bytes(view_of(*derive(CKM_ECDH1_DERIVE, key, sp800, 32))),
            digest("SHA2-256", concat({counter, z, shared})));
  CK_ECDH1_DERIVE_PARAMS sha3 = ecdh_params(CKD_SHA3_512_KDF, peer, &shared);
  EXPECT_EQ(copy_bytes(view_of(*derive(CKM_ECDH1_DERIVE, key, sha3, 64))),
            digest("SHA3-512", concat({z, counter, shared})));
  // Longer outputs chain the counter; length 0 means the field size.
  auto long_out = derive(CKM_ECDH1_DERIVE, key, x963, 48);
  ASSERT_TRUE(long_out.ok());
  const Bytes second_block = digest("SHA2-256", concat({z, hex("00000002"), shared}));
  EXPECT_EQ(copy_bytes(ByteView(*long_out).subspan(32)), Bytes(second_block.begin(), second_block.begin() + 16));
  EXPECT_EQ(derive(CKM_ECDH1_DERIVE, key, x963, 0)->size(), 32u);
}

TEST_F(EcTest, EcdhWithMontgomeryBaseKey) {
  const KeyPtr alice = private_key(CKK_EC_MONTGOMERY, hex("06032b656e"), hex(kX25519AlicePriv));
  for (Bytes peer : {hex(kX25519BobPub), der_octet_string(hex(kX25519BobPub))}) {
    CK_ECDH1_DERIVE_PARAMS params = ecdh_params(CKD_NULL, peer);
    auto k = derive(CKM_ECDH1_DERIVE, alice, params);
    ASSERT_TRUE(k.ok()) << k.status().message();
    EXPECT_EQ(copy_bytes(view_of(*k)), hex(kX25519Shared));
  }
  Bytes peer = hex(kX25519BobPub);
  CK_ECDH1_DERIVE_PARAMS kdf = ecdh_params(CKD_SHA256_KDF, peer);
  EXPECT_EQ(copy_bytes(view_of(*derive(CKM_ECDH1_DERIVE, alice, kdf, 32))),
            digest("SHA2-256", concat({hex(kX25519Shared), hex("00000001")})));
  Bytes small_order(32, 0);  // all-zero shared secret (RFC 7748 §6.1)
  CK_ECDH1_DERIVE_PARAMS bad = ecdh_params(CKD_NULL, small_order);
  EXPECT_EQ(derive(CKM_ECDH1_DERIVE, alice, bad).rv(), CKR_MECHANISM_PARAM_INVALID);
}

// ---- Round trips ---------------------------------------------------------------------------

TEST_F(EcTest, EveryEcdsaMechanismOnEveryCurve) {
  for (const Bytes* curve : {&kOidP256, &kOidP384, &kOidP521}) {
    const Pair pair = generate(*curve);
    const std::size_t n_bytes = curve == &kOidP256 ? 32 : curve == &kOidP384 ? 48 : 66;
    EXPECT_EQ(pair.priv->bits, n_bytes == 66 ? 521u : n_bytes * 8);
    EXPECT_EQ(pair.priv_attrs.bytes_or_empty(CKA_VALUE).size(), n_bytes);
    EXPECT_EQ(copy_bytes(pair.pub_attrs.bytes_or_empty(CKA_EC_PARAMS)), *curve);
    EXPECT_EQ(pair.pub_attrs.bytes_or_empty(CKA_EC_POINT).size(), 2 * n_bytes + 1 + 2 + (n_bytes == 66 ? 1 : 0));
    for (const MechanismEntry& e : ec_mechanisms()) {
      if ((e.flags & CKF_SIGN) == 0) continue;
      const Bytes data(e.type == CKM_ECDSA ? 48 : 1000, 0x5C);
      auto sig = sign(e.type, pair.priv, data);
      ASSERT_TRUE(sig.ok()) << e.name << ": " << sig.status().message();
      EXPECT_EQ(sig->size(), 2 * n_bytes) << e.name;
      EXPECT_TRUE(verify(e.type, pair.pub, data, *sig).ok()) << e.name;
      EXPECT_TRUE(verify(e.type, pair.priv, data, *sig).ok()) << e.name;  // private objects hold the point
      EXPECT_EQ(verify(e.type, pair.pub, data, ByteView(*sig).first(sig->size() - 1)).rv(), CKR_SIGNATURE_LEN_RANGE);
      Bytes other = data;
      other[0] ^= 1;
      EXPECT_EQ(verify(e.type, pair.pub, other, *sig).rv(), CKR_SIGNATURE_INVALID) << e.name;
    }
  }
}

TEST_F(EcTest, RawEcdsaUsesTheLeftmostBitsOfLongInput) {
  const Pair pair = generate(kOidP256);
  const Bytes long_hash(64, 0xA5);
  auto sig = sign(CKM_ECDSA, pair.priv, long_hash);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(verify(CKM_ECDSA, pair.pub, ByteView(long_hash).first(32), *sig).ok());
  // Multi-part input is collected the same way.
  CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
  auto op = row(CKM_ECDSA_SHA256).sign(MechanismCall{provider(), mech}, pair.priv);
  ASSERT_TRUE(op.ok());
  Bytes parts;
  ASSERT_TRUE((*op)->update(as_bytes("hello ")).ok());
  ASSERT_TRUE((*op)->update(as_bytes("world")).ok());
  ASSERT_TRUE((*op)->final(parts).ok());
  EXPECT_TRUE(verify(CKM_ECDSA_SHA256, pair.pub, as_bytes("hello world"), parts).ok());
}

TEST_F(EcTest, EcdhBetweenGeneratedKeysWithEveryKdf) {
  const Pair a = generate(kOidP384);
  const Pair b = generate(kOidP384);
  Bytes a_point = copy_bytes(a.pub_attrs.bytes_or_empty(CKA_EC_POINT));
  Bytes b_point = copy_bytes(b.pub_attrs.bytes_or_empty(CKA_EC_POINT));
  Bytes shared = hex("0102");
  for (CK_EC_KDF_TYPE kdf :
       {CKD_NULL, CKD_SHA1_KDF, CKD_SHA224_KDF, CKD_SHA256_KDF, CKD_SHA384_KDF, CKD_SHA512_KDF, CKD_SHA3_224_KDF,
        CKD_SHA3_256_KDF, CKD_SHA3_384_KDF, CKD_SHA3_512_KDF, CKD_SHA1_KDF_SP800, CKD_SHA256_KDF_SP800,
        CKD_SHA3_512_KDF_SP800}) {
    CK_ECDH1_DERIVE_PARAMS pa = ecdh_params(kdf, b_point, kdf == CKD_NULL ? nullptr : &shared);
    CK_ECDH1_DERIVE_PARAMS pb = ecdh_params(kdf, a_point, kdf == CKD_NULL ? nullptr : &shared);
    auto ka = derive(CKM_ECDH1_DERIVE, a.priv, pa, 24);
    auto kb = derive(CKM_ECDH1_DERIVE, b.priv, pb, 24);
    ASSERT_TRUE(ka.ok() && kb.ok()) << "kdf " << kdf << ": " << ka.status().message();
    EXPECT_EQ(ka->size(), 24u);
    EXPECT_EQ(*ka, *kb) << "kdf " << kdf;
  }
}

// ---- Errors ----------------------------------------------------------------------------------

TEST_F(EcTest, KeyGenerationErrors) {
  const MechanismEntry& e = row(CKM_EC_KEY_PAIR_GEN);
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  AttributeMap tmpl, pub, priv;
  EXPECT_EQ(e.generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, pub, priv).rv(), CKR_TEMPLATE_INCOMPLETE);
  tmpl.set(CKA_EC_PARAMS, hex("06052b8104000a"));  // secp256k1
  EXPECT_EQ(e.generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, pub, priv).rv(), CKR_CURVE_NOT_SUPPORTED);
  tmpl.set(CKA_EC_PARAMS, hex("06032b6570"));  // Ed25519 is not a CKK_EC curve
  EXPECT_EQ(e.generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, pub, priv).rv(), CKR_CURVE_NOT_SUPPORTED);
}

TEST_F(EcTest, EcdsaErrors) {
  const Pair pair = generate(kOidP256);
  EXPECT_EQ(sign(CKM_ECDSA, pair.pub, Bytes(32, 1)).rv(), CKR_KEY_TYPE_INCONSISTENT);
  Bytes param(8, 0);
  CK_MECHANISM with_param{CKM_ECDSA, param.data(), static_cast<CK_ULONG>(param.size())};
  EXPECT_EQ(row(CKM_ECDSA).sign(MechanismCall{provider(), with_param}, pair.priv).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(verify(CKM_ECDSA, pair.pub, Bytes(32, 1), Bytes(65, 1)).rv(), CKR_SIGNATURE_LEN_RANGE);
  EXPECT_EQ(verify(CKM_ECDSA, pair.pub, Bytes(32, 1), Bytes(64, 0)).rv(), CKR_SIGNATURE_INVALID);  // r = s = 0
  EXPECT_EQ(verify(CKM_ECDSA, pair.pub, Bytes(32, 1), Bytes(64, 0xFF)).rv(), CKR_SIGNATURE_INVALID);  // r, s >= n
}

TEST_F(EcTest, EcdhParameterErrors) {
  const KeyPtr key = private_key(CKK_EC, kOidP256, hex(kKasD));
  const MechanismEntry& e = row(CKM_ECDH1_DERIVE);
  CK_MECHANISM none{CKM_ECDH1_DERIVE, nullptr, 0};
  EXPECT_EQ(e.derive(MechanismCall{provider(), none}, key, 0, {}).rv(), CKR_MECHANISM_PARAM_INVALID);
  Bytes peer = hex(kKasPeer);
  Bytes shared = hex("01");
  CK_ECDH1_DERIVE_PARAMS null_with_data = ecdh_params(CKD_NULL, peer, &shared);
  EXPECT_EQ(derive(CKM_ECDH1_DERIVE, key, null_with_data).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_ECDH1_DERIVE_PARAMS bad_kdf = ecdh_params(0x99, peer);
  EXPECT_EQ(derive(CKM_ECDH1_DERIVE, key, bad_kdf).rv(), CKR_MECHANISM_PARAM_INVALID);
  Bytes off_curve = peer;
  off_curve.back() ^= 1;
  CK_ECDH1_DERIVE_PARAMS off = ecdh_params(CKD_NULL, off_curve);
  EXPECT_EQ(derive(CKM_ECDH1_DERIVE, key, off).rv(), CKR_MECHANISM_PARAM_INVALID);
  Bytes short_point(peer.begin(), peer.end() - 1);
  CK_ECDH1_DERIVE_PARAMS bad_len = ecdh_params(CKD_NULL, short_point);
  EXPECT_EQ(derive(CKM_ECDH1_DERIVE, key, bad_len).rv(), CKR_MECHANISM_PARAM_INVALID);
  Bytes empty;
  CK_ECDH1_DERIVE_PARAMS no_public = ecdh_params(CKD_NULL, empty);
  EXPECT_EQ(derive(CKM_ECDH1_DERIVE, key, no_public).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_ECDH1_DERIVE_PARAMS null_pointer{CKD_NULL, 0, nullptr, 65, nullptr};
  EXPECT_EQ(derive(CKM_ECDH1_DERIVE, key, null_pointer).rv(), CKR_MECHANISM_PARAM_INVALID);
  const Pair other = generate(kOidP256);
  CK_ECDH1_DERIVE_PARAMS ok = ecdh_params(CKD_NULL, peer);
  EXPECT_EQ(derive(CKM_ECDH1_DERIVE, other.pub, ok).rv(), CKR_KEY_TYPE_INCONSISTENT);  // public base key
  // A P-384 point for a P-256 key.
  const Pair p384 = generate(kOidP384);
  Bytes p384_point = copy_bytes(p384.pub_attrs.bytes_or_empty(CKA_EC_POINT));
  CK_ECDH1_DERIVE_PARAMS wrong_curve = ecdh_params(CKD_NULL, p384_point);
  EXPECT_EQ(derive(CKM_ECDH1_DERIVE, key, wrong_curve).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(EcTest, RowsAreConsistent) {
  for (const MechanismEntry& e : ec_mechanisms()) {
    EXPECT_EQ(((e.flags & CKF_SIGN) != 0), e.sign != nullptr) << e.name;
    EXPECT_EQ(((e.flags & CKF_VERIFY) != 0), e.verify != nullptr) << e.name;
    EXPECT_EQ(((e.flags & CKF_DERIVE) != 0), e.derive != nullptr) << e.name;
    EXPECT_EQ(((e.flags & CKF_GENERATE_KEY_PAIR) != 0), e.generate_key_pair != nullptr) << e.name;
    EXPECT_NE(e.flags & CKF_EC_F_P, 0u) << e.name;
  }
  EXPECT_EQ(row(CKM_ECDSA_SHA1).unapproved_ops, static_cast<CK_FLAGS>(CKF_SIGN));
  EXPECT_TRUE(row(CKM_ECDH1_DERIVE).unapproved_key_types.contains(CKK_EC_MONTGOMERY));
  EXPECT_TRUE(row(CKM_ECDSA_SHA256).approved);
  EXPECT_EQ(row(CKM_EC_KEY_PAIR_GEN).min_key_size, 256u);
  EXPECT_EQ(row(CKM_EC_KEY_PAIR_GEN).max_key_size, 521u);
  EXPECT_EQ(row(CKM_ECDH1_DERIVE).key_types.size(), 2u);
  EXPECT_EQ(ec_mechanisms().size(), 13u);
}

}  // namespace
}  // namespace craton::crypto

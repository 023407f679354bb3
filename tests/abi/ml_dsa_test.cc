// ML-DSA (FIPS 204) through the PKCS#11 3.2 interface: CKM_ML_DSA_KEY_PAIR_GEN
// for the three parameter sets, CKM_ML_DSA signatures (single- and
// multi-part, hedged and deterministic, with a context) checked by OpenSSL in
// the test process, the ACVP known answer, key import by CKA_SEED and by
// CKA_VALUE, the error paths, and the [algorithms] switches.
#include <algorithm>
#include <string>
#include <vector>

#include "coverage_reference.h"
#include "module_fixture.h"
#include "openssl_check.h"
#include "pqc_vectors.h"

namespace abi_test {
namespace {

using ref::ptr;

struct ParameterSet {
  CK_ULONG value;
  const char* name;
  std::size_t public_bytes;
  std::size_t signature_bytes;
};
constexpr ParameterSet kSets[] = {
    {CKP_ML_DSA_44, "ML-DSA-44", 1312, 2420},
    {CKP_ML_DSA_65, "ML-DSA-65", 1952, 3309},
    {CKP_ML_DSA_87, "ML-DSA-87", 2592, 4627},
};

class MlDsaTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }

  // `readable`: the private key may be read back (CKA_SENSITIVE false,
  // CKA_EXTRACTABLE true), for the import tests.
  KeyPair generate(CK_ULONG set, bool readable = false) {
    Template pub;
    pub.add_ulong(CKA_PARAMETER_SET, set).add_bool(CKA_VERIFY, true);
    Template priv;
    priv.add_bool(CKA_SIGN, true);
    if (readable) priv.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
    CK_MECHANISM mech{CKM_ML_DSA_KEY_PAIR_GEN, nullptr, 0};
    KeyPair kp;
    EXPECT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(), priv.count(),
                                              &kp.public_key, &kp.private_key));
    return kp;
  }

  // C_CreateObject of an ML-DSA key; `seed`/`value` are added when non-empty.
  CK_RV create(CK_OBJECT_CLASS cls, CK_ULONG set, const Bytes& seed, const Bytes& value, CK_OBJECT_HANDLE& key) {
    Template t;
    t.add_ulong(CKA_CLASS, cls).add_ulong(CKA_KEY_TYPE, CKK_ML_DSA).add_ulong(CKA_PARAMETER_SET, set);
    t.add_bool(cls == CKO_PRIVATE_KEY ? CKA_SIGN : CKA_VERIFY, true);
    if (cls == CKO_PRIVATE_KEY) t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
    if (!seed.empty()) t.add_bytes(CKA_SEED, seed);
    if (!value.empty()) t.add_bytes(CKA_VALUE, value);
    return p11->C_CreateObject(session, t.data(), t.count(), &key);
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

  // C_SignUpdate in three parts, then C_SignFinal.
  Bytes sign_parts(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data) {
    EXPECT_CKR(CKR_OK, p11->C_SignInit(session, &mech, key));
    for (const Bytes& part : split(data)) {
      EXPECT_CKR(CKR_OK, p11->C_SignUpdate(session, ptr(part), part.size()));
    }
    CK_ULONG len = 0;
    EXPECT_CKR(CKR_OK, p11->C_SignFinal(session, nullptr, &len));
    Bytes sig(len);
    EXPECT_CKR(CKR_OK, p11->C_SignFinal(session, sig.data(), &len));
    sig.resize(len);
    return sig;
  }

  CK_RV verify(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data, const Bytes& sig) {
    EXPECT_CKR(CKR_OK, p11->C_VerifyInit(session, &mech, key));
    return p11->C_Verify(session, ptr(data), data.size(), ptr(sig), sig.size());
  }

  CK_RV verify_parts(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data, const Bytes& sig) {
    EXPECT_CKR(CKR_OK, p11->C_VerifyInit(session, &mech, key));
    for (const Bytes& part : split(data)) {
      EXPECT_CKR(CKR_OK, p11->C_VerifyUpdate(session, ptr(part), part.size()));
    }
    return p11->C_VerifyFinal(session, ptr(sig), sig.size());
  }

  // PKCS#11 3.2 C_VerifySignature*: the one multi-part verification the
  // specification names for CKM_ML_DSA.
  CK_RV verify_signature_parts(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data, const Bytes& sig) {
    EXPECT_CKR(CKR_OK, p11->C_VerifySignatureInit(session, &mech, key, ptr(sig), sig.size()));
    for (const Bytes& part : split(data)) {
      EXPECT_CKR(CKR_OK, p11->C_VerifySignatureUpdate(session, ptr(part), part.size()));
    }
    return p11->C_VerifySignatureFinal(session);
  }

  static std::vector<Bytes> split(const Bytes& data) {
    const std::size_t third = data.size() / 3;
    return {Bytes(data.begin(), data.begin() + static_cast<long>(third)),
            Bytes(data.begin() + static_cast<long>(third), data.begin() + static_cast<long>(2 * third)),
            Bytes(data.begin() + static_cast<long>(2 * third), data.end())};
  }

  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  const Bytes message = to_bytes("a message signed with a post-quantum signature scheme");
};

CK_MECHANISM with_context(CK_SIGN_ADDITIONAL_CONTEXT& params, CK_HEDGE_TYPE hedge, Bytes& context) {
  params = {hedge, context.empty() ? nullptr : context.data(), static_cast<CK_ULONG>(context.size())};
  return CK_MECHANISM{CKM_ML_DSA, &params, sizeof params};
}

const CK_MECHANISM kPure{CKM_ML_DSA, nullptr, 0};

TEST_F(MlDsaTest, KeyPairsForEveryParameterSet) {
  for (const ParameterSet& set : kSets) {
    const KeyPair kp = generate(set.value);
    EXPECT_EQ(CKK_ML_DSA, attribute_ulong(session, kp.public_key, CKA_KEY_TYPE)) << set.name;
    EXPECT_EQ(set.value, attribute_ulong(session, kp.public_key, CKA_PARAMETER_SET));
    EXPECT_EQ(set.value, attribute_ulong(session, kp.private_key, CKA_PARAMETER_SET));
    EXPECT_EQ(CKM_ML_DSA_KEY_PAIR_GEN, attribute_ulong(session, kp.private_key, CKA_KEY_GEN_MECHANISM));
    EXPECT_TRUE(attribute_bool(session, kp.private_key, CKA_LOCAL));
    const Bytes pub = attribute(session, kp.public_key, CKA_VALUE);
    EXPECT_EQ(set.public_bytes, pub.size());
    std::string algorithm;
    EXPECT_EQ(pub, ossl::raw_public_key_of_spki(attribute(session, kp.public_key, CKA_PUBLIC_KEY_INFO), algorithm));
    EXPECT_EQ(set.name, algorithm);
    EXPECT_EQ(attribute(session, kp.public_key, CKA_PUBLIC_KEY_INFO),
              attribute(session, kp.private_key, CKA_PUBLIC_KEY_INFO));
    // The private components are sensitive by default.
    for (CK_ATTRIBUTE_TYPE secret : {CKA_SEED, CKA_VALUE}) {
      CK_ATTRIBUTE a{secret, nullptr, 0};
      EXPECT_CKR(CKR_ATTRIBUTE_SENSITIVE, p11->C_GetAttributeValue(session, kp.private_key, &a, 1));
    }
  }
}

TEST_F(MlDsaTest, SignaturesVerifiedByOpenSslSingleAndMultiPart) {
  for (const ParameterSet& set : kSets) {
    const KeyPair kp = generate(set.value);
    const Bytes pub = attribute(session, kp.public_key, CKA_VALUE);
    for (const Bytes& sig : {sign(kPure, kp.private_key, message), sign_parts(kPure, kp.private_key, message)}) {
      ASSERT_EQ(set.signature_bytes, sig.size()) << set.name;
      EXPECT_TRUE(ossl::verify_ml_dsa(set.name, pub, {}, message, sig)) << set.name;
      EXPECT_CKR(CKR_OK, verify(kPure, kp.public_key, message, sig)) << set.name;
      EXPECT_CKR(CKR_OK, verify_parts(kPure, kp.public_key, message, sig)) << set.name;
      EXPECT_CKR(CKR_OK, verify_signature_parts(kPure, kp.public_key, message, sig)) << set.name;
      Bytes bad = sig;
      bad[sig.size() / 2] ^= 0x01;
      EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(kPure, kp.public_key, message, bad));
      EXPECT_CKR(CKR_SIGNATURE_LEN_RANGE,
                 verify(kPure, kp.public_key, message, Bytes(sig.begin(), sig.end() - 1)));
    }
  }
}

TEST_F(MlDsaTest, DeterministicSignaturesRepeatHedgedOnesDiffer) {
  const KeyPair kp = generate(CKP_ML_DSA_65);
  const Bytes pub = attribute(session, kp.public_key, CKA_VALUE);
  Bytes context = to_bytes("application context");
  CK_SIGN_ADDITIONAL_CONTEXT params{};
  const CK_MECHANISM deterministic = with_context(params, CKH_DETERMINISTIC_REQUIRED, context);
  const Bytes det1 = sign(deterministic, kp.private_key, message);
  const Bytes det2 = sign_parts(deterministic, kp.private_key, message);
  EXPECT_EQ(det1, det2);
  CK_SIGN_ADDITIONAL_CONTEXT hedged_params{};
  const CK_MECHANISM hedged = with_context(hedged_params, CKH_HEDGE_REQUIRED, context);
  const Bytes hedged1 = sign(hedged, kp.private_key, message);
  const Bytes hedged2 = sign(hedged, kp.private_key, message);
  EXPECT_NE(hedged1, hedged2);
  EXPECT_NE(det1, hedged1);
  for (const Bytes* sig : {&det1, &hedged1, &hedged2}) {
    EXPECT_TRUE(ossl::verify_ml_dsa("ML-DSA-65", pub, context, message, *sig));
    EXPECT_FALSE(ossl::verify_ml_dsa("ML-DSA-65", pub, {}, message, *sig)) << "the context is bound";
    EXPECT_CKR(CKR_OK, verify(hedged, kp.public_key, message, *sig));
    EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(kPure, kp.public_key, message, *sig));
  }
}

// FIPS 204 ACVP vector (the module's own power-on vector), through
// C_CreateObject with CKA_VALUE = sk and a deterministic C_Sign.
TEST_F(MlDsaTest, KnownAnswerThroughTheAbi) {
  const Bytes sk = ossl::from_hex(vectors::kMlDsa44PrivateKey);
  const Bytes msg = ossl::from_hex(vectors::kMlDsa44Message);
  Bytes context = ossl::from_hex(vectors::kMlDsa44Context);
  const Bytes expected = ossl::from_hex(vectors::kMlDsa44Signature);
  CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, create(CKO_PRIVATE_KEY, CKP_ML_DSA_44, {}, sk, priv));
  CK_SIGN_ADDITIONAL_CONTEXT params{};
  const CK_MECHANISM mech = with_context(params, CKH_DETERMINISTIC_REQUIRED, context);
  EXPECT_EQ(expected, sign(mech, priv, msg));
  EXPECT_EQ(expected, sign_parts(mech, priv, msg));
  // The public key the token derived, as a public key object, verifies it.
  std::string algorithm;
  const Bytes pub = ossl::raw_public_key_of_spki(attribute(session, priv, CKA_PUBLIC_KEY_INFO), algorithm);
  EXPECT_EQ("ML-DSA-44", algorithm);
  CK_OBJECT_HANDLE pub_key = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, create(CKO_PUBLIC_KEY, CKP_ML_DSA_44, {}, pub, pub_key));
  EXPECT_CKR(CKR_OK, verify(mech, pub_key, msg, expected));
  EXPECT_TRUE(ossl::verify_ml_dsa("ML-DSA-44", pub, context, msg, expected));
}

// FIPS 204 ACVP key generation: C_CreateObject with CKA_SEED = xi expands
// to the vector's sk, and the public key inside CKA_PUBLIC_KEY_INFO is pk.
TEST_F(MlDsaTest, KeyGenerationFromSeedKnownAnswers) {
  struct Kat {
    CK_ULONG set;
    const char* seed;
    const char* pk;
    const char* sk;
  };
  const Kat kats[] = {
      {CKP_ML_DSA_44, vectors::kMlDsa44KeyGenSeed, vectors::kMlDsa44KeyGenPublicKey, vectors::kMlDsa44KeyGenPrivateKey},
      {CKP_ML_DSA_65, vectors::kMlDsa65KeyGenSeed, vectors::kMlDsa65KeyGenPublicKey, vectors::kMlDsa65KeyGenPrivateKey},
      {CKP_ML_DSA_87, vectors::kMlDsa87KeyGenSeed, vectors::kMlDsa87KeyGenPublicKey, vectors::kMlDsa87KeyGenPrivateKey},
  };
  for (const Kat& kat : kats) {
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    ASSERT_CKR(CKR_OK, create(CKO_PRIVATE_KEY, kat.set, ossl::from_hex(kat.seed), {}, key));
    EXPECT_EQ(ossl::from_hex(kat.sk), attribute(session, key, CKA_VALUE)) << kat.set;
    std::string algorithm;
    EXPECT_EQ(ossl::from_hex(kat.pk),
              ossl::raw_public_key_of_spki(attribute(session, key, CKA_PUBLIC_KEY_INFO), algorithm));
  }
}

TEST_F(MlDsaTest, ImportBySeedOrValueGivesTheSameKey) {
  const KeyPair kp = generate(CKP_ML_DSA_87, true);
  const Bytes seed = attribute(session, kp.private_key, CKA_SEED);
  const Bytes sk = attribute(session, kp.private_key, CKA_VALUE);
  ASSERT_EQ(32u, seed.size());
  ASSERT_EQ(4896u, sk.size());
  CK_OBJECT_HANDLE by_seed = CK_INVALID_HANDLE, by_value = CK_INVALID_HANDLE, both = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, create(CKO_PRIVATE_KEY, CKP_ML_DSA_87, seed, {}, by_seed));
  ASSERT_CKR(CKR_OK, create(CKO_PRIVATE_KEY, CKP_ML_DSA_87, {}, sk, by_value));
  ASSERT_CKR(CKR_OK, create(CKO_PRIVATE_KEY, CKP_ML_DSA_87, seed, sk, both));
  EXPECT_EQ(sk, attribute(session, by_seed, CKA_VALUE)) << "sk is derived from the seed";
  CK_ATTRIBUTE no_seed{CKA_SEED, nullptr, 0};
  EXPECT_CKR(CKR_ATTRIBUTE_TYPE_INVALID, p11->C_GetAttributeValue(session, by_value, &no_seed, 1));

  Bytes context;
  CK_SIGN_ADDITIONAL_CONTEXT params{};
  const CK_MECHANISM deterministic = with_context(params, CKH_DETERMINISTIC_REQUIRED, context);
  const Bytes reference = sign(deterministic, kp.private_key, message);
  for (CK_OBJECT_HANDLE key : {by_seed, by_value, both}) EXPECT_EQ(reference, sign(deterministic, key, message));

  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, create(CKO_PUBLIC_KEY, CKP_ML_DSA_87, {}, attribute(session, kp.public_key, CKA_VALUE), pub));
  EXPECT_EQ(attribute(session, kp.public_key, CKA_PUBLIC_KEY_INFO), attribute(session, pub, CKA_PUBLIC_KEY_INFO));
  EXPECT_CKR(CKR_OK, verify(kPure, pub, message, reference));
}

// Private keys travel as PKCS#8 (OpenSSL's ML-DSA encoding, seed and sk).
TEST_F(MlDsaTest, WrapAndUnwrapKeepTheKey) {
  const KeyPair kp = generate(CKP_ML_DSA_65, true);
  const CK_OBJECT_HANDLE kek = generate_aes(session, 32);
  CK_MECHANISM kwp{CKM_AES_KEY_WRAP_KWP, nullptr, 0};
  CK_ULONG len = 0;
  ASSERT_CKR(CKR_OK, p11->C_WrapKey(session, &kwp, kek, kp.private_key, nullptr, &len));
  Bytes wrapped(len);
  ASSERT_CKR(CKR_OK, p11->C_WrapKey(session, &kwp, kek, kp.private_key, wrapped.data(), &len));
  wrapped.resize(len);
  Template t;
  t.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_ulong(CKA_KEY_TYPE, CKK_ML_DSA).add_bool(CKA_SIGN, true);
  CK_OBJECT_HANDLE unwrapped = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_UnwrapKey(session, &kwp, kek, wrapped.data(), wrapped.size(), t.data(), t.count(),
                                      &unwrapped));
  EXPECT_EQ(CKP_ML_DSA_65, attribute_ulong(session, unwrapped, CKA_PARAMETER_SET));
  Bytes context;
  CK_SIGN_ADDITIONAL_CONTEXT params{};
  const CK_MECHANISM deterministic = with_context(params, CKH_DETERMINISTIC_REQUIRED, context);
  EXPECT_EQ(sign(deterministic, kp.private_key, message), sign(deterministic, unwrapped, message));
}

TEST_F(MlDsaTest, ImportRejectsInconsistentOrMisSizedMaterial) {
  const KeyPair a = generate(CKP_ML_DSA_44, true);
  const KeyPair b = generate(CKP_ML_DSA_44, true);
  const Bytes seed_a = attribute(session, a.private_key, CKA_SEED);
  const Bytes sk_b = attribute(session, b.private_key, CKA_VALUE);
  const Bytes pub_a = attribute(session, a.public_key, CKA_VALUE);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create(CKO_PRIVATE_KEY, CKP_ML_DSA_44, seed_a, sk_b, key));
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create(CKO_PRIVATE_KEY, CKP_ML_DSA_44, Bytes(31, 7), {}, key));
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create(CKO_PRIVATE_KEY, CKP_ML_DSA_65, {}, sk_b, key));
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create(CKO_PUBLIC_KEY, CKP_ML_DSA_87, {}, pub_a, key));
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, create(CKO_PUBLIC_KEY, 4, {}, pub_a, key));
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, create(CKO_PRIVATE_KEY, CKP_ML_DSA_44, {}, {}, key));
}

TEST_F(MlDsaTest, KeyGenerationNeedsAKnownParameterSet) {
  CK_MECHANISM mech{CKM_ML_DSA_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  Template pub;
  pub.add_bool(CKA_VERIFY, true);
  Template priv;
  priv.add_bool(CKA_SIGN, true);
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(),
                                                             priv.count(), &kp.public_key, &kp.private_key));
  Template unknown;
  unknown.add_ulong(CKA_PARAMETER_SET, 4);
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID,
             p11->C_GenerateKeyPair(session, &mech, unknown.data(), unknown.count(), priv.data(), priv.count(),
                                    &kp.public_key, &kp.private_key));
  CK_ULONG junk = 0;
  CK_MECHANISM with_param{CKM_ML_DSA_KEY_PAIR_GEN, &junk, sizeof junk};
  Template good;
  good.add_ulong(CKA_PARAMETER_SET, CKP_ML_DSA_44);
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_GenerateKeyPair(session, &with_param, good.data(), good.count(),
                                                                 priv.data(), priv.count(), &kp.public_key,
                                                                 &kp.private_key));
}

TEST_F(MlDsaTest, MechanismParameterErrors) {
  const KeyPair kp = generate(CKP_ML_DSA_44);
  Bytes context(256, 'c');
  CK_SIGN_ADDITIONAL_CONTEXT params{};
  CK_MECHANISM mech = with_context(params, CKH_HEDGE_PREFERRED, context);
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &mech, kp.private_key));
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_VerifyInit(session, &mech, kp.public_key));
  context.resize(255);
  mech = with_context(params, CKH_HEDGE_PREFERRED, context);
  EXPECT_FALSE(sign(mech, kp.private_key, message).empty()) << "255 bytes is the largest context";
  params.hedgeVariant = 3;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &mech, kp.private_key));
  params.hedgeVariant = CKH_HEDGE_PREFERRED;
  mech.ulParameterLen = sizeof params - 1;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &mech, kp.private_key));
}

TEST_F(MlDsaTest, BufferTooSmallKeepsTheOperation) {
  const KeyPair kp = generate(CKP_ML_DSA_44);
  CK_MECHANISM mech = kPure;
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &mech, kp.private_key));
  Bytes sig(100);
  CK_ULONG len = sig.size();
  EXPECT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_Sign(session, ptr(message), message.size(), sig.data(), &len));
  EXPECT_EQ(2420u, len);
  sig.resize(len);
  EXPECT_CKR(CKR_OK, p11->C_Sign(session, ptr(message), message.size(), sig.data(), &len));
  EXPECT_CKR(CKR_OK, verify(kPure, kp.public_key, message, sig));
}

TEST_F(MlDsaTest, KeyTypesAndMechanismsMustMatch) {
  const KeyPair ec = generate_ec(session, p256_params());
  const KeyPair ml = generate(CKP_ML_DSA_44);
  CK_MECHANISM mech = kPure;
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignInit(session, &mech, ec.private_key));
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_VerifyInit(session, &mech, ec.public_key));
  CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignInit(session, &ecdsa, ml.private_key));
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_VerifyInit(session, &ecdsa, ml.public_key));
}

TEST_F(MlDsaTest, MechanismInfo) {
  CK_MECHANISM_INFO info{};
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, CKM_ML_DSA_KEY_PAIR_GEN, &info));
  EXPECT_EQ(CKF_GENERATE_KEY_PAIR, info.flags & (CKF_GENERATE_KEY_PAIR | CKF_SIGN | CKF_VERIFY));
  EXPECT_EQ(1312u, info.ulMinKeySize);
  EXPECT_EQ(2592u, info.ulMaxKeySize);
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, CKM_ML_DSA, &info));
  EXPECT_EQ(CKF_SIGN | CKF_VERIFY, info.flags & (CKF_GENERATE_KEY_PAIR | CKF_SIGN | CKF_VERIFY));
  EXPECT_EQ(1312u, info.ulMinKeySize);
  EXPECT_EQ(2592u, info.ulMaxKeySize);
}

std::vector<CK_MECHANISM_TYPE> mechanism_list(CK_FUNCTION_LIST_3_2* p11, CK_SLOT_ID slot) {
  CK_ULONG count = 0;
  EXPECT_CKR(CKR_OK, p11->C_GetMechanismList(slot, nullptr, &count));
  std::vector<CK_MECHANISM_TYPE> list(count);
  EXPECT_CKR(CKR_OK, p11->C_GetMechanismList(slot, list.data(), &count));
  list.resize(count);
  return list;
}

bool listed(const std::vector<CK_MECHANISM_TYPE>& list, CK_MECHANISM_TYPE m) {
  return std::find(list.begin(), list.end(), m) != list.end();
}

// enable_pqc = false hides the rows and refuses them.
class MlDsaDisabledTest : public AbiTest {
 protected:
  std::string extra_security_config() const override { return "[algorithms]\nenable_pqc = false\n"; }
};

TEST_F(MlDsaDisabledTest, HiddenAndRefused) {
  const auto list = mechanism_list(p11, slot);
  CK_MECHANISM_INFO info{};
  for (CK_MECHANISM_TYPE m : {CKM_ML_DSA_KEY_PAIR_GEN, CKM_ML_DSA}) {
    EXPECT_FALSE(listed(list, m));
    EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GetMechanismInfo(slot, m, &info));
  }
  const CK_SESSION_HANDLE session = user_session();
  Template pub;
  pub.add_ulong(CKA_PARAMETER_SET, CKP_ML_DSA_44);
  CK_MECHANISM mech{CKM_ML_DSA_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  EXPECT_CKR(CKR_MECHANISM_INVALID,
             p11->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), nullptr, 0, &kp.public_key,
                                    &kp.private_key));
}

// ML-DSA is FIPS-approved: approved-only mode keeps it.
class MlDsaApprovedOnlyTest : public MlDsaTest {
 protected:
  std::string extra_security_config() const override { return "[algorithms]\nfips_approved_only = true\n"; }
};

TEST_F(MlDsaApprovedOnlyTest, OfferedAndUsable) {
  const auto list = mechanism_list(p11, slot);
  EXPECT_TRUE(listed(list, CKM_ML_DSA_KEY_PAIR_GEN));
  EXPECT_TRUE(listed(list, CKM_ML_DSA));
  const KeyPair kp = generate(CKP_ML_DSA_65);
  const Bytes sig = sign(kPure, kp.private_key, message);
  EXPECT_CKR(CKR_OK, verify(kPure, kp.public_key, message, sig));
}

}  // namespace
}  // namespace abi_test

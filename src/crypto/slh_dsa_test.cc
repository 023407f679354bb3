#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <vector>

#include "crypto/families.h"
#include "crypto/key.h"
#include "crypto/key_attributes.h"
#include "crypto/pairwise.h"
#include "crypto/provider.h"
#include "crypto/self_test_pqc_vectors.h"
#include "crypto/slh_dsa_key.h"

namespace craton::crypto {
namespace {

namespace vec = kat::pqc;

class SlhDsaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { provider_ = std::move(Provider::create()).value().release(); }
  static void TearDownTestSuite() { delete provider_; }
  static const Provider& provider() { return *provider_; }

  static const MechanismEntry& row(CK_MECHANISM_TYPE type) {
    for (const MechanismEntry& e : slh_dsa_mechanisms()) {
      if (e.type == type) return e;
    }
    ADD_FAILURE() << "no row " << type;
    return slh_dsa_mechanisms()[0];
  }

  struct Pair {
    KeyPtr pub, priv;
    AttributeMap pub_attrs, priv_attrs;
  };
  static Result<Pair> generate(CK_ULONG set, const CK_MECHANISM& mech = {CKM_SLH_DSA_KEY_PAIR_GEN, nullptr, 0}) {
    Pair p;
    AttributeMap tmpl;
    tmpl.set_ulong(CKA_PARAMETER_SET, set);
    RETURN_IF_ERROR(row(CKM_SLH_DSA_KEY_PAIR_GEN)
                        .generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, p.pub_attrs, p.priv_attrs));
    p.pub_attrs.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
    p.priv_attrs.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
    ASSIGN_OR_RETURN(p.pub, load_key(provider(), p.pub_attrs));
    ASSIGN_OR_RETURN(p.priv, load_key(provider(), p.priv_attrs));
    return p;
  }

  static Result<Bytes> sign(const CK_MECHANISM& mech, const KeyPtr& k, ByteView data) {
    ASSIGN_OR_RETURN(auto op, row(mech.mechanism).sign(MechanismCall{provider(), mech}, k));
    Bytes sig;
    RETURN_IF_ERROR(op->sign(data, sig));
    return sig;
  }
  static Status verify(const CK_MECHANISM& mech, const KeyPtr& k, ByteView data, ByteView sig) {
    ASSIGN_OR_RETURN(auto op, row(mech.mechanism).verify(MechanismCall{provider(), mech}, k));
    return op->verify(data, sig);
  }

 private:
  static Provider* provider_;
};
Provider* SlhDsaTest::provider_ = nullptr;

const CK_MECHANISM kPure{CKM_SLH_DSA, nullptr, 0};
const Bytes kMessage(500, 0x42);

// The module's power-on SLH-DSA vector (FIPS 205 ACVP verification), through
// an imported public key.
TEST_F(SlhDsaTest, KnownAnswerVerification) {
  AttributeMap a;
  a.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
  a.set_ulong(CKA_KEY_TYPE, CKK_SLH_DSA);
  a.set_ulong(CKA_PARAMETER_SET, CKP_SLH_DSA_SHA2_128S);
  a.set(CKA_VALUE, ByteView(vec::kSlhDsaSha2128sPublicKey));
  ASSERT_TRUE(complete_key_material(provider(), a).ok());
  const KeyPtr pub = load_key(provider(), a).value();
  EXPECT_EQ(pub->bits, 32u * 8);
  Bytes context(vec::kSlhDsaSha2128sContext.begin(), vec::kSlhDsaSha2128sContext.end());
  CK_SIGN_ADDITIONAL_CONTEXT params{CKH_HEDGE_PREFERRED, context.data(), context.size()};
  const CK_MECHANISM mech{CKM_SLH_DSA, &params, sizeof params};
  EXPECT_TRUE(verify(mech, pub, vec::kSlhDsaSha2128sMessage, vec::kSlhDsaSha2128sSignature).ok());
  Bytes tampered(vec::kSlhDsaSha2128sSignature.begin(), vec::kSlhDsaSha2128sSignature.end());
  tampered[100] ^= 0x04;
  EXPECT_EQ(verify(mech, pub, vec::kSlhDsaSha2128sMessage, tampered).rv(), CKR_SIGNATURE_INVALID);
  EXPECT_EQ(verify(kPure, pub, vec::kSlhDsaSha2128sMessage, vec::kSlhDsaSha2128sSignature).rv(),
            CKR_SIGNATURE_INVALID)
      << "the context is bound";
}

TEST_F(SlhDsaTest, GeneratedPairPassesThePairwiseTestAndSigns) {
  auto pair = generate(CKP_SLH_DSA_SHAKE_128F);
  ASSERT_TRUE(pair.ok()) << pair.status().message();
  EXPECT_TRUE(pairwise_consistency_test(provider(), *pair->pub, *pair->priv).ok());
  EXPECT_EQ(pair->priv_attrs.get_ulong(CKA_PARAMETER_SET), CKP_SLH_DSA_SHAKE_128F);
  EXPECT_EQ(pair->priv_attrs.bytes_or_empty(CKA_VALUE).size(), 64u);
  EXPECT_EQ(pair->pub_attrs.bytes_or_empty(CKA_VALUE).size(), 32u);
  EXPECT_FALSE(pair->priv_attrs.has(CKA_SEED));
  auto sig = sign(kPure, pair->priv, kMessage);
  ASSERT_TRUE(sig.ok()) << sig.status().message();
  EXPECT_EQ(sig->size(), 17088u);
  EXPECT_TRUE(verify(kPure, pair->pub, kMessage, *sig).ok());
  EXPECT_EQ(verify(kPure, pair->pub, kMessage, ByteView(*sig).first(7856)).rv(), CKR_SIGNATURE_LEN_RANGE);
  // A pair of another key does not verify it.
  auto other = generate(CKP_SLH_DSA_SHAKE_128F);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(verify(kPure, other->pub, kMessage, *sig).rv(), CKR_SIGNATURE_INVALID);
  EXPECT_FALSE(pairwise_consistency_test(provider(), *other->pub, *pair->priv).ok());
}

TEST_F(SlhDsaTest, HashVariantsThroughTheRows) {
  auto pair = generate(CKP_SLH_DSA_SHA2_128F);
  ASSERT_TRUE(pair.ok());
  for (CK_MECHANISM_TYPE m = CKM_HASH_SLH_DSA_SHA224; m <= CKM_HASH_SLH_DSA_SHAKE256; ++m) {
    const CK_MECHANISM mech{m, nullptr, 0};
    auto sig = sign(mech, pair->priv, kMessage);
    ASSERT_TRUE(sig.ok()) << m;
    EXPECT_TRUE(verify(mech, pair->pub, kMessage, *sig).ok()) << m;
    EXPECT_EQ(verify(kPure, pair->pub, kMessage, *sig).rv(), CKR_SIGNATURE_INVALID) << m;
  }
  Bytes digest(32, 0x77);
  CK_HASH_SIGN_ADDITIONAL_CONTEXT given{CKH_DETERMINISTIC_REQUIRED, nullptr, 0, CKM_SHA3_256};
  const CK_MECHANISM generic{CKM_HASH_SLH_DSA, &given, sizeof given};
  auto sig = sign(generic, pair->priv, digest);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(verify(generic, pair->pub, digest, *sig).ok());
  given.hash = CKM_SHA256;  // same length, different OID in M'
  EXPECT_EQ(verify(generic, pair->pub, digest, *sig).rv(), CKR_SIGNATURE_INVALID);
  given.hash = CKM_SHA_1;
  EXPECT_EQ(sign(generic, pair->priv, digest).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(SlhDsaTest, RejectsWrongKeysAndParameters) {
  auto pair = generate(CKP_SLH_DSA_SHA2_128F);
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(row(CKM_SLH_DSA).sign(MechanismCall{provider(), kPure}, pair->pub).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EvpPkeyPtr ml(EVP_PKEY_Q_keygen(provider().libctx(), nullptr, "ML-DSA-44"));
  auto ml_key = std::make_shared<Key>();
  ml_key->object_class = CKO_PRIVATE_KEY;
  ml_key->key_type = CKK_ML_DSA;
  ml_key->pkey = std::move(ml);
  EXPECT_EQ(row(CKM_SLH_DSA).sign(MechanismCall{provider(), kPure}, ml_key).rv(), CKR_KEY_TYPE_INCONSISTENT);
  Bytes context(256, 'x');
  CK_SIGN_ADDITIONAL_CONTEXT p{CKH_HEDGE_PREFERRED, context.data(), 256};
  const CK_MECHANISM long_context{CKM_SLH_DSA, &p, sizeof p};
  EXPECT_EQ(sign(long_context, pair->priv, kMessage).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(SlhDsaTest, KeyGenerationErrors) {
  AttributeMap pub, priv;
  const CK_MECHANISM gen{CKM_SLH_DSA_KEY_PAIR_GEN, nullptr, 0};
  const auto& fn = row(CKM_SLH_DSA_KEY_PAIR_GEN).generate_key_pair;
  EXPECT_EQ(fn(MechanismCall{provider(), gen}, {}, {}, pub, priv).rv(), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(generate(13).status().rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  CK_ULONG junk = 0;
  EXPECT_EQ(generate(CKP_SLH_DSA_SHA2_128F, {CKM_SLH_DSA_KEY_PAIR_GEN, &junk, sizeof junk}).status().rv(),
            CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(SlhDsaTest, RegistryRows) {
  std::vector<CK_MECHANISM_TYPE> rows{CKM_SLH_DSA_KEY_PAIR_GEN, CKM_SLH_DSA, CKM_HASH_SLH_DSA};
  for (CK_MECHANISM_TYPE m = CKM_HASH_SLH_DSA_SHA224; m <= CKM_HASH_SLH_DSA_SHAKE256; ++m) rows.push_back(m);
  for (CK_MECHANISM_TYPE m : rows) {
    const MechanismEntry* e = find_mechanism(m);
    ASSERT_NE(e, nullptr) << m;
    EXPECT_TRUE(e->pqc && e->approved && !e->legacy) << e->name;
    EXPECT_EQ(e->min_key_size, 32u);
    EXPECT_EQ(e->max_key_size, 64u);
    EXPECT_TRUE(e->key_types.contains(CKK_SLH_DSA) && e->key_types.size() == 1) << e->name;
    EXPECT_EQ(e->flags, m == CKM_SLH_DSA_KEY_PAIR_GEN ? CKF_GENERATE_KEY_PAIR : CKF_SIGN | CKF_VERIFY) << e->name;
  }
  auto pair = generate(CKP_SLH_DSA_SHAKE_256F);
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(key_size_in_info_units(*find_mechanism(CKM_SLH_DSA), *pair->priv), 64u);
}

}  // namespace
}  // namespace craton::crypto

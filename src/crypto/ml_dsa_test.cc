#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "crypto/families.h"
#include "crypto/key.h"
#include "crypto/key_attributes.h"
#include "crypto/ml_dsa_key.h"
#include "crypto/pairwise.h"
#include "crypto/provider.h"
#include "crypto/self_test_pqc_vectors.h"

namespace craton::crypto {
namespace {

namespace vec = kat::pqc;

constexpr CK_ULONG kSets[] = {CKP_ML_DSA_44, CKP_ML_DSA_65, CKP_ML_DSA_87};

class MlDsaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { provider_ = std::move(Provider::create()).value().release(); }
  static void TearDownTestSuite() { delete provider_; }
  static const Provider& provider() { return *provider_; }

  static const MechanismEntry& row(CK_MECHANISM_TYPE type) {
    for (const MechanismEntry& e : ml_dsa_mechanisms()) {
      if (e.type == type) return e;
    }
    ADD_FAILURE() << "no row " << type;
    return ml_dsa_mechanisms()[0];
  }

  struct Pair {
    KeyPtr pub, priv;
    AttributeMap pub_attrs, priv_attrs;
  };
  static Result<Pair> generate(CK_ULONG set, const CK_MECHANISM& mech = {CKM_ML_DSA_KEY_PAIR_GEN, nullptr, 0}) {
    Pair p;
    AttributeMap tmpl;
    tmpl.set_ulong(CKA_PARAMETER_SET, set);
    RETURN_IF_ERROR(row(CKM_ML_DSA_KEY_PAIR_GEN)
                        .generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, p.pub_attrs, p.priv_attrs));
    p.pub_attrs.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
    p.priv_attrs.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
    ASSIGN_OR_RETURN(p.pub, load_key(provider(), p.pub_attrs));
    ASSIGN_OR_RETURN(p.priv, load_key(provider(), p.priv_attrs));
    return p;
  }

  static Result<Bytes> sign(const CK_MECHANISM& mech, const KeyPtr& k, ByteView data, std::size_t parts = 1) {
    ASSIGN_OR_RETURN(auto op, row(CKM_ML_DSA).sign(MechanismCall{provider(), mech}, k));
    Bytes sig;
    if (parts == 1) {
      RETURN_IF_ERROR(op->sign(data, sig));
    } else {
      const std::size_t step = data.size() / parts + 1;
      for (std::size_t i = 0; i < data.size(); i += step) {
        RETURN_IF_ERROR(op->update(data.subspan(i, std::min(step, data.size() - i))));
      }
      RETURN_IF_ERROR(op->final(sig));
    }
    if (sig.size() != op->signature_length()) return Status(CKR_GENERAL_ERROR, "length mismatch");
    return sig;
  }
  static Status verify(const CK_MECHANISM& mech, const KeyPtr& k, ByteView data, ByteView sig) {
    ASSIGN_OR_RETURN(auto op, row(CKM_ML_DSA).verify(MechanismCall{provider(), mech}, k));
    return op->verify(data, sig);
  }

 private:
  static Provider* provider_;
};
Provider* MlDsaTest::provider_ = nullptr;

const CK_MECHANISM kPure{CKM_ML_DSA, nullptr, 0};
const Bytes kMessage(1000, 0x5a);

// ACVP vector (FIPS 204 deterministic signing with a context), through an
// imported CKA_VALUE as C_CreateObject would store it.
TEST_F(MlDsaTest, KnownAnswerThroughImportedKey) {
  AttributeMap a;
  a.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  a.set_ulong(CKA_KEY_TYPE, CKK_ML_DSA);
  a.set_ulong(CKA_PARAMETER_SET, CKP_ML_DSA_44);
  a.set(CKA_VALUE, ByteView(vec::kMlDsa44PrivateKey));
  ASSERT_TRUE(complete_key_material(provider(), a).ok());
  const KeyPtr priv = load_key(provider(), a).value();
  Bytes context(vec::kMlDsa44Context.begin(), vec::kMlDsa44Context.end());
  CK_SIGN_ADDITIONAL_CONTEXT params{CKH_DETERMINISTIC_REQUIRED, context.data(), context.size()};
  const CK_MECHANISM mech{CKM_ML_DSA, &params, sizeof params};
  auto sig = sign(mech, priv, vec::kMlDsa44Message);
  ASSERT_TRUE(sig.ok()) << sig.status().message();
  EXPECT_EQ(*sig, Bytes(vec::kMlDsa44Signature.begin(), vec::kMlDsa44Signature.end()));
  // The private key object verifies too (its EVP_PKEY holds the public key).
  EXPECT_TRUE(verify(mech, priv, vec::kMlDsa44Message, *sig).ok());
  auto multi = sign(mech, priv, vec::kMlDsa44Message, 3);
  ASSERT_TRUE(multi.ok());
  EXPECT_EQ(*multi, *sig);
}

TEST_F(MlDsaTest, GeneratedPairsSignAndVerify) {
  for (CK_ULONG set : kSets) {
    auto pair = generate(set);
    ASSERT_TRUE(pair.ok()) << pair.status().message();
    EXPECT_TRUE(pairwise_consistency_test(provider(), *pair->pub, *pair->priv).ok());
    EXPECT_EQ(pair->priv_attrs.bytes_or_empty(CKA_SEED).size(), kMlDsaSeedBytes);
    EXPECT_EQ(pair->priv_attrs.get_ulong(CKA_PARAMETER_SET), set);
    for (std::size_t parts : {std::size_t{1}, std::size_t{4}}) {
      auto sig = sign(kPure, pair->priv, kMessage, parts);
      ASSERT_TRUE(sig.ok()) << sig.status().message();
      EXPECT_TRUE(verify(kPure, pair->pub, kMessage, *sig).ok()) << set;
      Bytes bad = *sig;
      bad[10] ^= 1;
      EXPECT_EQ(verify(kPure, pair->pub, kMessage, bad).rv(), CKR_SIGNATURE_INVALID);
      EXPECT_EQ(verify(kPure, pair->pub, kMessage, ByteView(*sig).first(sig->size() - 1)).rv(),
                CKR_SIGNATURE_LEN_RANGE);
    }
  }
}

TEST_F(MlDsaTest, HedgeVariantsAndContext) {
  auto pair = generate(CKP_ML_DSA_65);
  ASSERT_TRUE(pair.ok());
  Bytes context = {'c', 't', 'x'};
  auto with = [&](CK_HEDGE_TYPE hedge, CK_SIGN_ADDITIONAL_CONTEXT& p) {
    p = {hedge, context.data(), context.size()};
    return CK_MECHANISM{CKM_ML_DSA, &p, sizeof p};
  };
  CK_SIGN_ADDITIONAL_CONTEXT p1, p2;
  const Bytes det1 = sign(with(CKH_DETERMINISTIC_REQUIRED, p1), pair->priv, kMessage).value();
  const Bytes det2 = sign(with(CKH_DETERMINISTIC_REQUIRED, p2), pair->priv, kMessage).value();
  EXPECT_EQ(det1, det2);
  const Bytes hedged1 = sign(with(CKH_HEDGE_REQUIRED, p1), pair->priv, kMessage).value();
  const Bytes hedged2 = sign(with(CKH_HEDGE_PREFERRED, p2), pair->priv, kMessage).value();
  EXPECT_NE(hedged1, hedged2);
  EXPECT_NE(hedged1, det1);
  // Verification ignores the hedge variant but not the context.
  for (const Bytes* sig : {&det1, &hedged1, &hedged2}) {
    EXPECT_TRUE(verify(with(CKH_HEDGE_PREFERRED, p1), pair->pub, kMessage, *sig).ok());
    EXPECT_EQ(verify(kPure, pair->pub, kMessage, *sig).rv(), CKR_SIGNATURE_INVALID);
  }
}

TEST_F(MlDsaTest, RejectsBadParameters) {
  auto pair = generate(CKP_ML_DSA_44);
  ASSERT_TRUE(pair.ok());
  Bytes context(256, 'x');
  CK_SIGN_ADDITIONAL_CONTEXT p{CKH_HEDGE_PREFERRED, context.data(), 256};
  const CK_MECHANISM mech{CKM_ML_DSA, &p, sizeof p};
  EXPECT_EQ(sign(mech, pair->priv, kMessage).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(verify(mech, pair->pub, kMessage, Bytes(2420)).rv(), CKR_MECHANISM_PARAM_INVALID);
  p.ulContextLen = 255;
  EXPECT_TRUE(sign(mech, pair->priv, kMessage).ok());
  p.hedgeVariant = 3;
  EXPECT_EQ(sign(mech, pair->priv, kMessage).rv(), CKR_MECHANISM_PARAM_INVALID);
  p = {CKH_HEDGE_PREFERRED, nullptr, 4};
  EXPECT_EQ(sign(mech, pair->priv, kMessage).rv(), CKR_MECHANISM_PARAM_INVALID);
  const CK_MECHANISM short_param{CKM_ML_DSA, &p, sizeof p - 1};
  EXPECT_EQ(sign(short_param, pair->priv, kMessage).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(MlDsaTest, RejectsWrongKeys) {
  auto pair = generate(CKP_ML_DSA_44);
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(row(CKM_ML_DSA).sign(MechanismCall{provider(), kPure}, pair->pub).rv(), CKR_KEY_TYPE_INCONSISTENT);
  auto secret = std::make_shared<Key>();
  secret->secret = SecureBytes(32, 1);
  EXPECT_EQ(row(CKM_ML_DSA).verify(MechanismCall{provider(), kPure}, secret).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(MlDsaTest, KeyGenerationErrors) {
  AttributeMap pub, priv;
  const CK_MECHANISM gen{CKM_ML_DSA_KEY_PAIR_GEN, nullptr, 0};
  const auto& fn = row(CKM_ML_DSA_KEY_PAIR_GEN).generate_key_pair;
  EXPECT_EQ(fn(MechanismCall{provider(), gen}, {}, {}, pub, priv).rv(), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(generate(4).status().rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  CK_ULONG junk = 0;
  EXPECT_EQ(generate(CKP_ML_DSA_44, {CKM_ML_DSA_KEY_PAIR_GEN, &junk, sizeof junk}).status().rv(),
            CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(MlDsaTest, RegistryRows) {
  const MechanismEntry* gen = find_mechanism(CKM_ML_DSA_KEY_PAIR_GEN);
  const MechanismEntry* pure = find_mechanism(CKM_ML_DSA);
  ASSERT_TRUE(gen && pure);
  for (const MechanismEntry* e : {gen, pure}) {
    EXPECT_TRUE(e->pqc && e->approved && !e->legacy);
    EXPECT_EQ(e->min_key_size, 1312u);
    EXPECT_EQ(e->max_key_size, 2592u);
    EXPECT_TRUE(e->key_types.contains(CKK_ML_DSA));
  }
  EXPECT_EQ(gen->flags, CKF_GENERATE_KEY_PAIR);
  EXPECT_EQ(pure->flags, CKF_SIGN | CKF_VERIFY);
  auto pair = generate(CKP_ML_DSA_65);
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(key_size_in_info_units(*pure, *pair->priv), 1952u);
  // HashML-DSA: the generic row and one per pre-hash, like CKM_ML_DSA.
  std::vector<CK_MECHANISM_TYPE> hash_rows{CKM_HASH_ML_DSA};
  for (CK_MECHANISM_TYPE m = CKM_HASH_ML_DSA_SHA224; m <= CKM_HASH_ML_DSA_SHAKE256; ++m) hash_rows.push_back(m);
  for (CK_MECHANISM_TYPE m : hash_rows) {
    const MechanismEntry* e = find_mechanism(m);
    ASSERT_NE(e, nullptr) << m;
    EXPECT_TRUE(e->pqc && e->approved && !e->legacy) << e->name;
    EXPECT_EQ(e->flags, CKF_SIGN | CKF_VERIFY) << e->name;
    EXPECT_EQ(e->min_key_size, 1312u);
    EXPECT_EQ(e->max_key_size, 2592u);
    EXPECT_TRUE(e->key_types.contains(CKK_ML_DSA) && e->key_types.size() == 1) << e->name;
  }
}

// The HashML-DSA rows reach the shared operations with ML-DSA keys only
// (pq_sign_test.cc covers the signatures themselves).
TEST_F(MlDsaTest, HashRowsSignAndVerify) {
  auto pair = generate(CKP_ML_DSA_44);
  ASSERT_TRUE(pair.ok());
  const CK_MECHANISM mech{CKM_HASH_ML_DSA_SHA3_512, nullptr, 0};
  const MechanismEntry& e = *find_mechanism(CKM_HASH_ML_DSA_SHA3_512);
  auto op = e.sign(MechanismCall{provider(), mech}, pair->priv);
  ASSERT_TRUE(op.ok());
  Bytes sig;
  ASSERT_TRUE((*op)->sign(kMessage, sig).ok());
  auto check = e.verify(MechanismCall{provider(), mech}, pair->pub);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE((*check)->verify(kMessage, sig).ok());
  EXPECT_EQ(verify(kPure, pair->pub, kMessage, sig).rv(), CKR_SIGNATURE_INVALID);
  EXPECT_EQ(e.sign(MechanismCall{provider(), mech}, pair->pub).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

}  // namespace
}  // namespace craton::crypto

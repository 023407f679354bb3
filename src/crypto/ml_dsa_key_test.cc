#include "crypto/ml_dsa_key.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "crypto/key_attributes.h"
#include "crypto/pq_key.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

constexpr CK_ULONG kSets[] = {CKP_ML_DSA_44, CKP_ML_DSA_65, CKP_ML_DSA_87};

// An attribute's value as a comparable vector (empty when absent).
Bytes value_of(const AttributeMap& m, CK_ATTRIBUTE_TYPE type) { return copy_bytes(m.bytes_or_empty(type)); }

class MlDsaKeyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { provider_ = std::move(Provider::create()).value().release(); }
  static void TearDownTestSuite() { delete provider_; }
  static const Provider& provider() { return *provider_; }

  static const MlDsaParams& params(CK_ULONG set) {
    AttributeMap a;
    a.set_ulong(CKA_PARAMETER_SET, set);
    return *ml_dsa_params(a).value();
  }

  // The exported attributes of a fresh OpenSSL key pair (public and private halves).
  static void fresh_pair(CK_ULONG set, AttributeMap& pub, AttributeMap& priv) {
    EvpPkeyPtr pkey(EVP_PKEY_Q_keygen(provider().libctx(), nullptr, params(set).openssl_name));
    ASSERT_TRUE(pkey);
    ASSERT_TRUE(export_pq_public(pkey.get(), pub).ok());
    ASSERT_TRUE(export_pq_private(pkey.get(), priv).ok());
    pub.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
    priv.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  }

  // A private-key import template with the given components.
  static AttributeMap private_template(CK_ULONG set, const SecureBytes* seed, const SecureBytes* value) {
    AttributeMap a;
    a.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
    a.set_ulong(CKA_KEY_TYPE, CKK_ML_DSA);
    a.set_ulong(CKA_PARAMETER_SET, set);
    if (seed != nullptr) a.set(CKA_SEED, view_of(*seed));
    if (value != nullptr) a.set(CKA_VALUE, view_of(*value));
    return a;
  }

 private:
  static Provider* provider_;
};
Provider* MlDsaKeyTest::provider_ = nullptr;

TEST_F(MlDsaKeyTest, ParameterSets) {
  AttributeMap a;
  EXPECT_EQ(ml_dsa_params(a).rv(), CKR_TEMPLATE_INCOMPLETE);
  for (CK_ULONG bad : {CK_ULONG{0}, CK_ULONG{4}}) {
    a.set_ulong(CKA_PARAMETER_SET, bad);
    EXPECT_EQ(ml_dsa_params(a).rv(), CKR_ATTRIBUTE_VALUE_INVALID) << bad;
  }
  EXPECT_EQ(params(CKP_ML_DSA_44).public_bytes, 1312u);
  EXPECT_EQ(params(CKP_ML_DSA_65).private_bytes, 4032u);
  EXPECT_EQ(params(CKP_ML_DSA_87).signature_bytes, 4627u);
  EXPECT_EQ(kMlDsaMinPublicBytes, params(CKP_ML_DSA_44).public_bytes);
  EXPECT_EQ(kMlDsaMaxPublicBytes, params(CKP_ML_DSA_87).public_bytes);
}

TEST_F(MlDsaKeyTest, ExportsEveryComponent) {
  for (CK_ULONG set : kSets) {
    AttributeMap pub, priv;
    fresh_pair(set, pub, priv);
    const MlDsaParams& p = params(set);
    EXPECT_EQ(pub.get_ulong(CKA_KEY_TYPE), CKK_ML_DSA);
    EXPECT_EQ(pub.get_ulong(CKA_PARAMETER_SET), set);
    EXPECT_EQ(pub.bytes_or_empty(CKA_VALUE).size(), p.public_bytes);
    EXPECT_FALSE(pub.bytes_or_empty(CKA_PUBLIC_KEY_INFO).empty());
    EXPECT_EQ(priv.get_ulong(CKA_PARAMETER_SET), set);
    EXPECT_EQ(priv.bytes_or_empty(CKA_VALUE).size(), p.private_bytes);
    EXPECT_EQ(priv.bytes_or_empty(CKA_SEED).size(), kMlDsaSeedBytes);
    EXPECT_EQ(value_of(priv, CKA_PUBLIC_KEY_INFO), value_of(pub, CKA_PUBLIC_KEY_INFO));
  }
}

TEST_F(MlDsaKeyTest, ImportsBySeedByValueOrBoth) {
  for (CK_ULONG set : kSets) {
    AttributeMap pub, priv;
    fresh_pair(set, pub, priv);
    const SecureBytes seed = *priv.find(CKA_SEED);
    const SecureBytes value = *priv.find(CKA_VALUE);

    AttributeMap by_seed = private_template(set, &seed, nullptr);
    ASSERT_TRUE(complete_key_material(provider(), by_seed).ok());
    EXPECT_EQ(value_of(by_seed, CKA_VALUE), copy_bytes(view_of(value))) << "sk derived from the seed";
    EXPECT_EQ(value_of(by_seed, CKA_PUBLIC_KEY_INFO), value_of(pub, CKA_PUBLIC_KEY_INFO));

    AttributeMap by_value = private_template(set, nullptr, &value);
    ASSERT_TRUE(complete_key_material(provider(), by_value).ok());
    EXPECT_FALSE(by_value.has(CKA_SEED));
    EXPECT_EQ(value_of(by_value, CKA_PUBLIC_KEY_INFO), value_of(pub, CKA_PUBLIC_KEY_INFO));

    AttributeMap both = private_template(set, &seed, &value);
    EXPECT_TRUE(complete_key_material(provider(), both).ok());

    pub.erase(CKA_PUBLIC_KEY_INFO);
    ASSERT_TRUE(complete_key_material(provider(), pub).ok());
    EXPECT_FALSE(pub.bytes_or_empty(CKA_PUBLIC_KEY_INFO).empty());
  }
}

TEST_F(MlDsaKeyTest, SeedAndValueMustAgree) {
  AttributeMap pub1, priv1, pub2, priv2;
  fresh_pair(CKP_ML_DSA_44, pub1, priv1);
  fresh_pair(CKP_ML_DSA_44, pub2, priv2);
  AttributeMap mixed = private_template(CKP_ML_DSA_44, priv1.find(CKA_SEED), priv2.find(CKA_VALUE));
  EXPECT_EQ(complete_key_material(provider(), mixed).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST_F(MlDsaKeyTest, RejectsWrongLengthsAndMissingMaterial) {
  AttributeMap pub, priv;
  fresh_pair(CKP_ML_DSA_65, pub, priv);
  // A valid ML-DSA-65 component declared as another parameter set.
  AttributeMap as_44 = private_template(CKP_ML_DSA_44, nullptr, priv.find(CKA_VALUE));
  EXPECT_EQ(complete_key_material(provider(), as_44).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  AttributeMap pub_as_87 = pub;
  pub_as_87.set_ulong(CKA_PARAMETER_SET, CKP_ML_DSA_87);
  EXPECT_EQ(complete_key_material(provider(), pub_as_87).rv(), CKR_ATTRIBUTE_VALUE_INVALID);

  const SecureBytes short_seed(31, 0x11);
  AttributeMap seed31 = private_template(CKP_ML_DSA_65, &short_seed, nullptr);
  EXPECT_EQ(complete_key_material(provider(), seed31).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  SecureBytes long_value = *priv.find(CKA_VALUE);
  long_value.push_back(0);
  AttributeMap both_bad = private_template(CKP_ML_DSA_65, priv.find(CKA_SEED), &long_value);
  EXPECT_EQ(complete_key_material(provider(), both_bad).rv(), CKR_ATTRIBUTE_VALUE_INVALID);

  AttributeMap nothing = private_template(CKP_ML_DSA_65, nullptr, nullptr);
  EXPECT_EQ(complete_key_material(provider(), nothing).rv(), CKR_TEMPLATE_INCOMPLETE);
  AttributeMap no_set = priv;
  no_set.erase(CKA_PARAMETER_SET);
  EXPECT_EQ(complete_key_material(provider(), no_set).rv(), CKR_TEMPLATE_INCOMPLETE);
}

TEST_F(MlDsaKeyTest, LoadsKeysWithTheirSize) {
  for (CK_ULONG set : kSets) {
    AttributeMap pub, priv;
    fresh_pair(set, pub, priv);
    auto pub_key = load_key(provider(), pub);
    auto priv_key = load_key(provider(), priv);
    ASSERT_TRUE(pub_key.ok() && priv_key.ok());
    EXPECT_EQ((*pub_key)->key_type, CKK_ML_DSA);
    EXPECT_EQ((*pub_key)->bits, params(set).public_bytes * 8);
    EXPECT_EQ((*priv_key)->bits, params(set).public_bytes * 8);
    EXPECT_EQ(ml_dsa_params_of((*priv_key)->pkey.get()), &params(set));
  }
}

TEST_F(MlDsaKeyTest, Pkcs8RoundTripKeepsTheKey) {
  AttributeMap pub, priv;
  fresh_pair(CKP_ML_DSA_87, pub, priv);
  auto der = encode_private_key_pkcs8(provider(), priv);
  ASSERT_TRUE(der.ok()) << der.status().message();
  auto decoded = decode_private_key_pkcs8(provider(), *der);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->get_ulong(CKA_KEY_TYPE), CKK_ML_DSA);
  EXPECT_EQ(decoded->get_ulong(CKA_PARAMETER_SET), CKP_ML_DSA_87);
  EXPECT_EQ(value_of(*decoded, CKA_VALUE), value_of(priv, CKA_VALUE));
  EXPECT_EQ(value_of(*decoded, CKA_SEED), value_of(priv, CKA_SEED));
}

TEST_F(MlDsaKeyTest, OtherAlgorithmsAreNotMlDsa) {
  EvpPkeyPtr ed(EVP_PKEY_Q_keygen(provider().libctx(), nullptr, "ED25519"));
  ASSERT_TRUE(ed);
  EXPECT_EQ(ml_dsa_params_of(ed.get()), nullptr);
  EXPECT_EQ(ml_dsa_params_of(nullptr), nullptr);
  AttributeMap out;
  EXPECT_EQ(export_pq_public(ed.get(), out).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

}  // namespace
}  // namespace craton::crypto

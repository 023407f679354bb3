#include "crypto/ml_kem.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/families.h"
#include "crypto/key.h"
#include "crypto/pairwise.h"
#include "crypto/pq_key.h"
#include "crypto/provider.h"
#include "ml_kem_vectors.h"

namespace craton::crypto {
namespace {

Bytes unhex(const char* hex) {
  Bytes out;
  for (std::size_t i = 0; hex[i] != '\0' && hex[i + 1] != '\0'; i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex + i, 2), nullptr, 16)));
  }
  return out;
}

class MlKemTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { provider_ = std::move(Provider::create()).value().release(); }
  static void TearDownTestSuite() { delete provider_; }
  static const Provider& provider() { return *provider_; }

  static const MechanismEntry& row(CK_MECHANISM_TYPE type) {
    for (const MechanismEntry& e : ml_kem_mechanisms()) {
      if (e.type == type) return e;
    }
    ADD_FAILURE() << "no row " << type;
    return ml_kem_mechanisms()[0];
  }

  static AttributeMap key_attrs(CK_OBJECT_CLASS cls, CK_ULONG set) {
    AttributeMap a;
    a.set_ulong(CKA_CLASS, cls);
    a.set_ulong(CKA_KEY_TYPE, CKK_ML_KEM);
    a.set_ulong(CKA_PARAMETER_SET, set);
    return a;
  }

  struct Pair {
    KeyPtr pub, priv;
    AttributeMap pub_attrs, priv_attrs;
  };
  static Pair generate(CK_ULONG set) {
    Pair p;
    AttributeMap tmpl;
    tmpl.set_ulong(CKA_PARAMETER_SET, set);
    const CK_MECHANISM mech{CKM_ML_KEM_KEY_PAIR_GEN, nullptr, 0};
    EXPECT_TRUE(row(CKM_ML_KEM_KEY_PAIR_GEN)
                    .generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, p.pub_attrs, p.priv_attrs)
                    .ok());
    p.pub_attrs.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
    p.priv_attrs.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
    p.pub = load_key(provider(), p.pub_attrs).value();
    p.priv = load_key(provider(), p.priv_attrs).value();
    return p;
  }

 private:
  static Provider* provider_;
};
Provider* MlKemTest::provider_ = nullptr;

const CK_MECHANISM kKem{CKM_ML_KEM, nullptr, 0};

// FIPS 203 ACVP encapsulation with the random message m fixed (the C ABI
// cannot fix it), and key generation from the seed d||z.
TEST_F(MlKemTest, KnownAnswers) {
  for (const test_vectors::MlKemKat& kat : test_vectors::kMlKemKats) {
    AttributeMap pub = key_attrs(CKO_PUBLIC_KEY, kat.parameter_set);
    pub.set(CKA_VALUE, unhex(kat.ek));
    ASSERT_TRUE(complete_key_material(provider(), pub).ok());
    const KeyPtr key = load_key(provider(), pub).value();
    Result<Encapsulated> made = kem_encapsulate(provider(), key->pkey.get(), unhex(kat.entropy));
    ASSERT_TRUE(made.ok()) << made.status().message();
    EXPECT_EQ(unhex(kat.ciphertext), made->ciphertext) << kat.parameter_set;
    EXPECT_EQ(unhex(kat.secret), Bytes(made->secret.begin(), made->secret.end()));

    AttributeMap priv = key_attrs(CKO_PRIVATE_KEY, kat.parameter_set);
    priv.set(CKA_SEED, unhex(kat.seed));
    ASSERT_TRUE(complete_key_material(provider(), priv).ok());
    EXPECT_EQ(unhex(kat.dk), Bytes(priv.bytes_or_empty(CKA_VALUE).begin(), priv.bytes_or_empty(CKA_VALUE).end()));
    const KeyPtr private_key = load_key(provider(), priv).value();
    Result<SecureBytes> secret = row(CKM_ML_KEM).decapsulate({provider(), kKem}, private_key, unhex(kat.ciphertext));
    ASSERT_TRUE(secret.ok());
    EXPECT_EQ(unhex(kat.secret), Bytes(secret->begin(), secret->end()));
  }
}

TEST_F(MlKemTest, GeneratedPairsEncapsulateDecapsulateAndPassThePairwiseTest) {
  const std::size_t ciphertexts[] = {768, 1088, 1568};
  const CK_ULONG sets[] = {CKP_ML_KEM_512, CKP_ML_KEM_768, CKP_ML_KEM_1024};
  for (std::size_t i = 0; i < 3; ++i) {
    const Pair p = generate(sets[i]);
    EXPECT_EQ(64u, p.priv_attrs.bytes_or_empty(CKA_SEED).size());
    EXPECT_EQ(ciphertexts[i], row(CKM_ML_KEM).ciphertext_length({provider(), kKem}, p.pub).value());
    Result<Encapsulated> made = row(CKM_ML_KEM).encapsulate({provider(), kKem}, p.pub);
    ASSERT_TRUE(made.ok());
    EXPECT_EQ(ciphertexts[i], made->ciphertext.size());
    EXPECT_EQ(kMlKemSecretBytes, made->secret.size());
    EXPECT_EQ(made->secret, row(CKM_ML_KEM).decapsulate({provider(), kKem}, p.priv, made->ciphertext).value());
    EXPECT_TRUE(pairwise_consistency_test(provider(), *p.pub, *p.priv).ok());
  }
}

TEST_F(MlKemTest, RefusesWrongKeysLengthsAndParameters) {
  const Pair p = generate(CKP_ML_KEM_512);
  EXPECT_EQ(row(CKM_ML_KEM).encapsulate({provider(), kKem}, p.priv).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(row(CKM_ML_KEM).decapsulate({provider(), kKem}, p.pub, Bytes(768)).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(row(CKM_ML_KEM).decapsulate({provider(), kKem}, p.priv, Bytes(767)).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  CK_BYTE junk = 0;
  const CK_MECHANISM with_param{CKM_ML_KEM, &junk, 1};
  EXPECT_EQ(row(CKM_ML_KEM).encapsulate({provider(), with_param}, p.pub).rv(), CKR_MECHANISM_PARAM_INVALID);
  AttributeMap tmpl;
  tmpl.set_ulong(CKA_PARAMETER_SET, 7);
  AttributeMap pub, priv;
  const CK_MECHANISM keygen{CKM_ML_KEM_KEY_PAIR_GEN, nullptr, 0};
  EXPECT_EQ(row(CKM_ML_KEM_KEY_PAIR_GEN).generate_key_pair({provider(), keygen}, tmpl, {}, pub, priv).rv(),
            CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST_F(MlKemTest, FormatsBelongToTheirFamily) {
  AttributeMap a;
  a.set_ulong(CKA_PARAMETER_SET, CKP_ML_KEM_1024);
  EXPECT_EQ(pq_format(a, CKK_ML_KEM).value()->openssl_name, std::string("ML-KEM-1024"));
  a.set_ulong(CKA_PARAMETER_SET, 4);
  EXPECT_EQ(pq_format(a, CKK_ML_KEM).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(pq_format(AttributeMap(), CKK_ML_KEM).rv(), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_TRUE(is_pq_key_type(CKK_ML_KEM));
  EXPECT_FALSE(is_pq_key_type(CKK_EC));
  const Pair p = generate(CKP_ML_KEM_768);
  EXPECT_EQ(pq_format_of(p.pub->pkey.get())->key_type, static_cast<CK_KEY_TYPE>(CKK_ML_KEM));
}

}  // namespace
}  // namespace craton::crypto

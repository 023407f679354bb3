#include "crypto/hybrid_kem.h"

#include <gtest/gtest.h>

#include "crypto/families.h"
#include "crypto/key.h"
#include "crypto/pairwise.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

class HybridKemTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { provider_ = std::move(Provider::create()).value().release(); }
  static void TearDownTestSuite() { delete provider_; }
  static const Provider& provider() { return *provider_; }

  static const MechanismEntry& row(CK_MECHANISM_TYPE type) {
    for (const MechanismEntry& e : hybrid_kem_mechanisms()) {
      if (e.type == type) return e;
    }
    ADD_FAILURE() << "no row " << type;
    return hybrid_kem_mechanisms()[0];
  }

 private:
  static Provider* provider_;
};
Provider* HybridKemTest::provider_ = nullptr;

const CK_MECHANISM kKeyGen{CKM_CRATON_X25519_ML_KEM_768_KEY_PAIR_GEN, nullptr, 0};
const CK_MECHANISM kKem{CKM_CRATON_X25519_ML_KEM_768, nullptr, 0};

TEST_F(HybridKemTest, GeneratesLoadsAndAgrees) {
  AttributeMap pub, priv;
  ASSERT_TRUE(row(kKeyGen.mechanism).generate_key_pair({provider(), kKeyGen}, {}, {}, pub, priv).ok());
  EXPECT_EQ(kHybridKemPublicBytes, pub.bytes_or_empty(CKA_VALUE).size());
  EXPECT_EQ(kHybridKemPrivateBytes, priv.bytes_or_empty(CKA_VALUE).size());
  pub.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
  priv.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  ASSERT_TRUE(complete_key_material(provider(), pub).ok());
  ASSERT_TRUE(complete_key_material(provider(), priv).ok());
  const KeyPtr pub_key = load_key(provider(), pub).value();
  const KeyPtr priv_key = load_key(provider(), priv).value();
  EXPECT_TRUE(pairwise_consistency_test(provider(), *pub_key, *priv_key).ok());
  EXPECT_EQ(kHybridKemCiphertextBytes, row(kKem.mechanism).ciphertext_length({provider(), kKem}, pub_key).value());
  Result<Encapsulated> made = row(kKem.mechanism).encapsulate({provider(), kKem}, pub_key);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(64u, made->secret.size());
  EXPECT_EQ(made->secret, row(kKem.mechanism).decapsulate({provider(), kKem}, priv_key, made->ciphertext).value());
  EXPECT_EQ(row(kKem.mechanism).encapsulate({provider(), kKem}, priv_key).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(HybridKemTest, RefusesMisSizedOrMissingValues) {
  AttributeMap a;
  a.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
  a.set_ulong(CKA_KEY_TYPE, CKK_CRATON_X25519_ML_KEM_768);
  EXPECT_EQ(load_hybrid_kem(provider(), a, false).rv(), CKR_TEMPLATE_INCOMPLETE);
  a.set(CKA_VALUE, Bytes(kHybridKemPublicBytes + 1, 7));
  EXPECT_EQ(load_hybrid_kem(provider(), a, false).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  a.set(CKA_VALUE, Bytes(kHybridKemPrivateBytes, 7));
  // A private value of random bytes fails ML-KEM's embedded hash check.
  EXPECT_EQ(load_hybrid_kem(provider(), a, true).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

}  // namespace
}  // namespace craton::crypto

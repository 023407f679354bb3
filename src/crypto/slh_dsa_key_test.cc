#include "crypto/slh_dsa_key.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <set>
#include <string>

#include "crypto/key_attributes.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

Bytes value_of(const AttributeMap& m, CK_ATTRIBUTE_TYPE type) { return copy_bytes(m.bytes_or_empty(type)); }

class SlhDsaKeyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { provider_ = std::move(Provider::create()).value().release(); }
  static void TearDownTestSuite() { delete provider_; }
  static const Provider& provider() { return *provider_; }

  static const SlhDsaParams& params(CK_ULONG set) {
    AttributeMap a;
    a.set_ulong(CKA_PARAMETER_SET, set);
    return *slh_dsa_params(a).value();
  }

  static void fresh_pair(CK_ULONG set, AttributeMap& pub, AttributeMap& priv) {
    EvpPkeyPtr pkey(EVP_PKEY_Q_keygen(provider().libctx(), nullptr, params(set).openssl_name));
    ASSERT_TRUE(pkey);
    ASSERT_TRUE(export_slh_dsa_public(pkey.get(), pub).ok());
    ASSERT_TRUE(export_slh_dsa_private(pkey.get(), priv).ok());
    pub.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
    priv.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  }

 private:
  static Provider* provider_;
};
Provider* SlhDsaKeyTest::provider_ = nullptr;

TEST_F(SlhDsaKeyTest, TwelveParameterSetsMatchOpenSsl) {
  AttributeMap a;
  EXPECT_EQ(slh_dsa_params(a).rv(), CKR_TEMPLATE_INCOMPLETE);
  for (CK_ULONG bad : {CK_ULONG{0}, CK_ULONG{13}}) {
    a.set_ulong(CKA_PARAMETER_SET, bad);
    EXPECT_EQ(slh_dsa_params(a).rv(), CKR_ATTRIBUTE_VALUE_INVALID) << bad;
  }
  std::set<std::string> names;
  for (CK_ULONG set = CKP_SLH_DSA_SHA2_128S; set <= CKP_SLH_DSA_SHAKE_256F; ++set) {
    const SlhDsaParams& p = params(set);
    EXPECT_EQ(p.parameter_set, set);
    names.insert(p.openssl_name);
    // The CKP_ numbering alternates SHA2 and SHAKE.
    EXPECT_EQ(std::string(p.openssl_name).find("SHAKE") != std::string::npos, set % 2 == 0) << p.openssl_name;
    EvpPkeyPtr pkey(EVP_PKEY_Q_keygen(provider().libctx(), nullptr, p.openssl_name));
    ASSERT_TRUE(pkey) << p.openssl_name;
    EXPECT_EQ(slh_dsa_params_of(pkey.get()), &p);
    EXPECT_EQ(static_cast<std::size_t>(EVP_PKEY_get_size(pkey.get())), p.signature_bytes) << p.openssl_name;
    EXPECT_EQ(static_cast<std::size_t>(EVP_PKEY_get_security_bits(pkey.get())), p.n * 8) << p.openssl_name;
    EXPECT_GE(p.public_bytes(), kSlhDsaMinPublicBytes);
    EXPECT_LE(p.public_bytes(), kSlhDsaMaxPublicBytes);
  }
  EXPECT_EQ(names.size(), 12u);
  EvpPkeyPtr other(EVP_PKEY_Q_keygen(provider().libctx(), nullptr, "ML-DSA-44"));
  EXPECT_EQ(slh_dsa_params_of(other.get()), nullptr);
  EXPECT_EQ(slh_dsa_params_of(nullptr), nullptr);
}

TEST_F(SlhDsaKeyTest, ExportLoadRoundTrip) {
  AttributeMap pub, priv;
  fresh_pair(CKP_SLH_DSA_SHAKE_192F, pub, priv);
  const Bytes pk = value_of(pub, CKA_VALUE);
  const Bytes sk = value_of(priv, CKA_VALUE);
  ASSERT_EQ(pk.size(), 48u);
  ASSERT_EQ(sk.size(), 96u);
  EXPECT_EQ(Bytes(sk.begin() + 48, sk.end()), pk) << "sk ends with PK.seed || PK.root";
  EXPECT_EQ(value_of(pub, CKA_PUBLIC_KEY_INFO), value_of(priv, CKA_PUBLIC_KEY_INFO));
  EXPECT_EQ(pub.ulong_or(CKA_KEY_TYPE, 0), CKK_SLH_DSA);
  EXPECT_EQ(priv.ulong_or(CKA_PARAMETER_SET, 0), CKP_SLH_DSA_SHAKE_192F);
  EXPECT_FALSE(priv.has(CKA_SEED));
  for (bool is_private : {false, true}) {
    auto loaded = load_slh_dsa(provider(), is_private ? priv : pub, is_private);
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    AttributeMap again;
    ASSERT_TRUE((is_private ? export_slh_dsa_private : export_slh_dsa_public)(loaded->get(), again).ok());
    EXPECT_EQ(value_of(again, CKA_VALUE), is_private ? sk : pk);
  }
}

TEST_F(SlhDsaKeyTest, CompleteChecksLengthsAndTheRoot) {
  AttributeMap pub, priv;
  fresh_pair(CKP_SLH_DSA_SHA2_128F, pub, priv);
  const Bytes spki = value_of(pub, CKA_PUBLIC_KEY_INFO);
  for (AttributeMap* m : {&pub, &priv}) {
    AttributeMap copy = *m;
    copy.erase(CKA_PUBLIC_KEY_INFO);
    ASSERT_TRUE(complete_slh_dsa(provider(), copy, m == &priv).ok());
    EXPECT_EQ(value_of(copy, CKA_PUBLIC_KEY_INFO), spki);
  }
  // A private key whose PK.root is not the one SK.seed and PK.seed compute.
  Bytes sk = value_of(priv, CKA_VALUE);
  sk.back() ^= 0x01;
  AttributeMap wrong_root = priv;
  wrong_root.set(CKA_VALUE, view_of(sk));
  EXPECT_EQ(complete_slh_dsa(provider(), wrong_root, true).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  // Wrong lengths for the set, a missing value, a key of another set's size.
  AttributeMap short_pub = pub;
  short_pub.set(CKA_VALUE, view_of(Bytes(31, 1)));
  EXPECT_EQ(complete_slh_dsa(provider(), short_pub, false).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  AttributeMap pub_as_priv = priv;
  pub_as_priv.set(CKA_VALUE, view_of(value_of(pub, CKA_VALUE)));
  EXPECT_EQ(complete_slh_dsa(provider(), pub_as_priv, true).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  AttributeMap other_set = priv;
  other_set.set_ulong(CKA_PARAMETER_SET, CKP_SLH_DSA_SHA2_192F);
  EXPECT_EQ(complete_slh_dsa(provider(), other_set, true).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  AttributeMap missing = pub;
  missing.erase(CKA_VALUE);
  EXPECT_EQ(load_slh_dsa(provider(), missing, false).status().rv(), CKR_TEMPLATE_INCOMPLETE);
}

}  // namespace
}  // namespace craton::crypto

#include "crypto/pairwise.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include <string>

#include "core/test_faults.h"
#include "crypto/key_attributes.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

struct KeyPair {
  KeyPtr public_key;
  KeyPtr private_key;
};

class PairwiseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Provider::create();
    ASSERT_TRUE(created.ok()) << created.status().message();
    provider_ = std::move(created).value();
  }

  EvpPkeyPtr generate(const char* algorithm, const char* curve = nullptr) {
    EVP_PKEY* pkey = nullptr;
    if (std::string(algorithm) == "RSA") {
      pkey = EVP_PKEY_Q_keygen(provider_->libctx(), nullptr, "RSA", static_cast<std::size_t>(2048));
    } else if (curve != nullptr) {
      pkey = EVP_PKEY_Q_keygen(provider_->libctx(), nullptr, "EC", curve);
    } else {
      pkey = EVP_PKEY_Q_keygen(provider_->libctx(), nullptr, algorithm);
    }
    EXPECT_NE(pkey, nullptr) << algorithm;
    return EvpPkeyPtr(pkey);
  }

  // The two Key objects HsmCore would load for the public and private
  // objects of a generated pair (through their PKCS#11 attributes).
  KeyPair module_pair(EVP_PKEY* pkey) {
    AttributeMap pub_attrs;
    AttributeMap priv_attrs;
    EXPECT_TRUE(export_public_attributes(*provider_, pkey, pub_attrs).ok());
    EXPECT_TRUE(export_private_attributes(*provider_, pkey, priv_attrs).ok());
    pub_attrs.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
    priv_attrs.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
    auto pub = load_key(*provider_, pub_attrs);
    auto priv = load_key(*provider_, priv_attrs);
    EXPECT_TRUE(pub.ok()) << pub.status().message();
    EXPECT_TRUE(priv.ok()) << priv.status().message();
    return {pub.ok() ? pub.value() : nullptr, priv.ok() ? priv.value() : nullptr};
  }

  // For algorithms key.cc does not load yet (ML-KEM, SLH-DSA), and for
  // ML-DSA independently of key.cc: the public half copied out through
  // OSSL_PARAMs, the private half as is.
  KeyPair raw_pair(EvpPkeyPtr pkey) {
    OSSL_PARAM* params = nullptr;
    EXPECT_EQ(1, EVP_PKEY_todata(pkey.get(), EVP_PKEY_PUBLIC_KEY, &params));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(provider_->libctx(), EVP_PKEY_get0_type_name(pkey.get()), nullptr));
    EVP_PKEY* pub = nullptr;
    EXPECT_TRUE(ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
                EVP_PKEY_fromdata(ctx.get(), &pub, EVP_PKEY_PUBLIC_KEY, params) == 1);
    OSSL_PARAM_free(params);
    auto public_key = std::make_shared<Key>();
    public_key->object_class = CKO_PUBLIC_KEY;
    public_key->key_type = CKK_VENDOR_DEFINED;
    public_key->pkey.reset(pub);
    auto private_key = std::make_shared<Key>();
    private_key->object_class = CKO_PRIVATE_KEY;
    private_key->key_type = CKK_VENDOR_DEFINED;
    private_key->pkey = std::move(pkey);
    return {public_key, private_key};
  }

  Status test(const KeyPair& pair) {
    return pairwise_consistency_test(*provider_, *pair.public_key, *pair.private_key);
  }
  Status test_mixed(const KeyPair& a, const KeyPair& b) {
    return pairwise_consistency_test(*provider_, *a.public_key, *b.private_key);
  }

  std::unique_ptr<Provider> provider_;
};

// Sets CRATON_HSM_TEST_FAULT for the lifetime of the object.
class ScopedFault {
 public:
  explicit ScopedFault(const char* value) { ::setenv("CRATON_HSM_TEST_FAULT", value, 1); }
  ~ScopedFault() { ::unsetenv("CRATON_HSM_TEST_FAULT"); }
  ScopedFault(const ScopedFault&) = delete;
  ScopedFault& operator=(const ScopedFault&) = delete;
};

struct Family {
  const char* algorithm;
  const char* curve;
};
constexpr Family kModuleFamilies[] = {
    {"RSA", nullptr},     {"EC", "P-256"},    {"EC", "P-384"},       {"EC", "P-521"},
    {"ED25519", nullptr}, {"ED448", nullptr}, {"X25519", nullptr},   {"X448", nullptr},
    {"ML-DSA-65", nullptr},
};
constexpr const char* kPqcFamilies[] = {"ML-DSA-44", "ML-KEM-768", "SLH-DSA-SHA2-128f"};

std::string label(const Family& f) { return std::string(f.algorithm) + (f.curve ? std::string(" ") + f.curve : ""); }

TEST_F(PairwiseTest, GeneratedPairsPass) {
  for (const Family& f : kModuleFamilies) {
    EvpPkeyPtr pkey = generate(f.algorithm, f.curve);
    ASSERT_TRUE(pkey);
    const KeyPair pair = module_pair(pkey.get());
    ASSERT_TRUE(pair.public_key && pair.private_key) << label(f);
    const Status st = test(pair);
    EXPECT_TRUE(st.ok()) << label(f) << ": " << st.message();
  }
}

TEST_F(PairwiseTest, PostQuantumPairsPass) {
  for (const char* algorithm : kPqcFamilies) {
    EvpPkeyPtr pkey = generate(algorithm);
    ASSERT_TRUE(pkey);
    const Status st = test(raw_pair(std::move(pkey)));
    EXPECT_TRUE(st.ok()) << algorithm << ": " << st.message();
  }
}

TEST_F(PairwiseTest, MismatchedPairsFail) {
  for (const Family& f : kModuleFamilies) {
    EvpPkeyPtr a = generate(f.algorithm, f.curve);
    EvpPkeyPtr b = generate(f.algorithm, f.curve);
    ASSERT_TRUE(a && b);
    const Status st = test_mixed(module_pair(a.get()), module_pair(b.get()));
    EXPECT_EQ(CKR_GENERAL_ERROR, st.rv()) << label(f) << ": " << st.message();
  }
  for (const char* algorithm : {"ML-DSA-44", "ML-KEM-768"}) {
    const KeyPair a = raw_pair(generate(algorithm));
    const KeyPair b = raw_pair(generate(algorithm));
    EXPECT_EQ(CKR_GENERAL_ERROR, test_mixed(a, b).rv()) << algorithm;
  }
}

TEST_F(PairwiseTest, SameTypeDifferentCurveFails) {
  EvpPkeyPtr p256 = generate("EC", "P-256");
  EvpPkeyPtr p384 = generate("EC", "P-384");
  EXPECT_EQ(CKR_GENERAL_ERROR, test_mixed(module_pair(p256.get()), module_pair(p384.get())).rv());
}

TEST_F(PairwiseTest, ArgumentsThatAreNotAPairAreRejected) {
  EvpPkeyPtr rsa = generate("RSA");
  EvpPkeyPtr ec = generate("EC", "P-256");
  EvpPkeyPtr ed = generate("ED25519");
  const KeyPair rsa_pair = module_pair(rsa.get());
  const KeyPair ec_pair = module_pair(ec.get());
  const KeyPair ed_pair = module_pair(ed.get());
  // Different key types.
  EXPECT_EQ(CKR_KEY_TYPE_INCONSISTENT, test_mixed(rsa_pair, ec_pair).rv());
  // Same PKCS#11 key type, different algorithm: impossible from the
  // module's own keygen, but must not be mistaken for a pass.
  auto fake = std::make_shared<Key>();
  fake->object_class = CKO_PUBLIC_KEY;
  fake->key_type = CKK_EC_EDWARDS;
  fake->pkey.reset(EVP_PKEY_Q_keygen(provider_->libctx(), nullptr, "ED448"));
  EXPECT_EQ(CKR_KEY_TYPE_INCONSISTENT, pairwise_consistency_test(*provider_, *fake, *ed_pair.private_key).rv());
  // Halves swapped, or both the same half.
  EXPECT_EQ(CKR_KEY_TYPE_INCONSISTENT,
            pairwise_consistency_test(*provider_, *rsa_pair.private_key, *rsa_pair.public_key).rv());
  EXPECT_EQ(CKR_KEY_TYPE_INCONSISTENT,
            pairwise_consistency_test(*provider_, *rsa_pair.public_key, *rsa_pair.public_key).rv());
  // Secret keys have no EVP_PKEY.
  Key secret;
  secret.object_class = CKO_PRIVATE_KEY;
  secret.key_type = CKK_RSA;
  EXPECT_EQ(CKR_KEY_TYPE_INCONSISTENT, pairwise_consistency_test(*provider_, *rsa_pair.public_key, secret).rv());
}

TEST_F(PairwiseTest, InjectedFaultFailsEveryMethod) {
  if (!kTestFaultsCompiledIn) GTEST_SKIP() << "fault injection exists only in Debug builds";
  std::vector<std::pair<std::string, KeyPair>> pairs;
  std::vector<EvpPkeyPtr> keep;
  for (const Family& f : {Family{"RSA", nullptr}, Family{"EC", "P-256"}, Family{"ED25519", nullptr},
                          Family{"X25519", nullptr}}) {
    keep.push_back(generate(f.algorithm, f.curve));
    pairs.emplace_back(label(f), module_pair(keep.back().get()));
  }
  pairs.emplace_back("ML-KEM-768", raw_pair(generate("ML-KEM-768")));
  for (const auto& [name, pair] : pairs) {
    ASSERT_TRUE(test(pair).ok()) << name;
    {
      ScopedFault fault("pairwise");
      const Status st = test(pair);
      EXPECT_EQ(CKR_GENERAL_ERROR, st.rv()) << name;
      EXPECT_NE(std::string::npos, st.message().find("pairwise consistency test failed")) << st.message();
    }
    EXPECT_TRUE(test(pair).ok()) << name;  // the fault is not latched here
  }
}

}  // namespace
}  // namespace craton::crypto

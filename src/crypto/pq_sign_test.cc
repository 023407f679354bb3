#include "crypto/pq_sign.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <ostream>
#include <string>

#include "crypto/key_attributes.h"
#include "crypto/pq_prehash.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

struct Algorithm {
  const char* name;
  CK_KEY_TYPE key_type;
  std::size_t signature_bytes;
  CK_MECHANISM_TYPE pure, generic;
  bool hash_mechanism_is_ml_dsa;
};
// gtest prints parameters in test names and failures.
void PrintTo(const Algorithm& a, std::ostream* os) { *os << a.name; }

constexpr Algorithm kMlDsa{"ML-DSA-44", CKK_ML_DSA, 2420, CKM_ML_DSA, CKM_HASH_ML_DSA, true};
constexpr Algorithm kSlhDsa{"SLH-DSA-SHA2-128f", CKK_SLH_DSA, 17088, CKM_SLH_DSA, CKM_HASH_SLH_DSA, false};

class PqSignTest : public ::testing::TestWithParam<Algorithm> {
 protected:
  static void SetUpTestSuite() { provider_ = std::move(Provider::create()).value().release(); }
  static void TearDownTestSuite() { delete provider_; }
  static const Provider& provider() { return *provider_; }

  void SetUp() override {
    EVP_PKEY* raw = EVP_PKEY_Q_keygen(provider().libctx(), nullptr, GetParam().name);
    ASSERT_NE(raw, nullptr);
    auto priv = std::make_shared<Key>();
    priv->object_class = CKO_PRIVATE_KEY;
    priv->key_type = GetParam().key_type;
    priv->pkey.reset(raw);
    // The same EVP_PKEY serves as the public key (it has the public part).
    EVP_PKEY_up_ref(raw);
    auto pub = std::make_shared<Key>();
    pub->object_class = CKO_PUBLIC_KEY;
    pub->key_type = GetParam().key_type;
    pub->pkey.reset(raw);
    private_key = priv;
    public_key = pub;
  }

  PqSignatureAlgorithm algorithm() const { return {GetParam().name, GetParam().signature_bytes}; }

  Result<Bytes> sign(const CK_MECHANISM& mech, ByteView data, std::size_t parts = 1) {
    ASSIGN_OR_RETURN(auto op, make_pq_sign(MechanismCall{provider(), mech}, private_key, algorithm()));
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
  Status verify(const CK_MECHANISM& mech, ByteView data, ByteView sig) {
    ASSIGN_OR_RETURN(auto op, make_pq_verify(MechanismCall{provider(), mech}, public_key, algorithm()));
    return op->verify(data, sig);
  }

  // OpenSSL's verification of `sig` over `prime` as given (message
  // encoding 0): what FIPS 204/205 hand to the internal verification.
  bool raw_verify(ByteView prime, ByteView sig) {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(provider().libctx(), public_key->pkey.get(), nullptr));
    EVP_SIGNATURE* alg = EVP_SIGNATURE_fetch(provider().libctx(), GetParam().name, nullptr);
    int raw = 0;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_int(OSSL_SIGNATURE_PARAM_MESSAGE_ENCODING, &raw),
                           OSSL_PARAM_construct_end()};
    const bool ok = ctx && alg && EVP_PKEY_verify_message_init(ctx.get(), alg, params) == 1 &&
                    EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), prime.data(), prime.size()) == 1;
    EVP_SIGNATURE_free(alg);
    return ok;
  }

  CK_MECHANISM_TYPE variant(const PrehashInfo& p) const {
    return GetParam().hash_mechanism_is_ml_dsa ? p.ml_dsa_mechanism : p.slh_dsa_mechanism;
  }

  KeyPtr private_key, public_key;
  const Bytes message = Bytes(3000, 0x61);

 private:
  static Provider* provider_;
};
Provider* PqSignTest::provider_ = nullptr;

Bytes digest_of(const PrehashInfo& p, ByteView data) {
  EVP_MD* md = EVP_MD_fetch(nullptr, p.openssl_name, nullptr);
  Bytes out(p.output_bytes);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex2(ctx, md, nullptr);
  EVP_DigestUpdate(ctx, data.data(), data.size());
  if (p.xof) {
    EVP_DigestFinalXOF(ctx, out.data(), out.size());
  } else {
    EVP_DigestFinal_ex(ctx, out.data(), nullptr);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  return out;
}

TEST_P(PqSignTest, EveryPrehashSignsMPrimeSingleAndMultiPart) {
  Bytes context{'p', 'h'};
  CK_SIGN_ADDITIONAL_CONTEXT params{CKH_HEDGE_PREFERRED, context.data(), 2};
  for (const PrehashInfo& p : all_prehashes()) {
    const CK_MECHANISM mech{variant(p), &params, sizeof params};
    const Bytes expected_prime = prehash_message(p, context, digest_of(p, message));
    for (std::size_t parts : {std::size_t{1}, std::size_t{4}}) {
      auto sig = sign(mech, message, parts);
      ASSERT_TRUE(sig.ok()) << p.openssl_name << ": " << sig.status().message();
      EXPECT_TRUE(raw_verify(expected_prime, *sig)) << p.openssl_name;
      EXPECT_TRUE(verify(mech, message, *sig).ok()) << p.openssl_name;
      const CK_MECHANISM pure{GetParam().pure, &params, sizeof params};
      EXPECT_EQ(verify(pure, message, *sig).rv(), CKR_SIGNATURE_INVALID) << "a pre-hash signature is not a pure one";
    }
  }
}

TEST_P(PqSignTest, CallerHashEqualsTokenHash) {
  Bytes context{'c'};
  CK_SIGN_ADDITIONAL_CONTEXT hashing{CKH_DETERMINISTIC_REQUIRED, context.data(), 1};
  for (const PrehashInfo& p : {*prehash_by_hash(CKM_SHA384), *prehash_by_hash(CKM_SHAKE_128_KEY_DERIVATION)}) {
    CK_HASH_SIGN_ADDITIONAL_CONTEXT given{CKH_DETERMINISTIC_REQUIRED, context.data(), 1, p.hash};
    const CK_MECHANISM generic{GetParam().generic, &given, sizeof given};
    const CK_MECHANISM token{variant(p), &hashing, sizeof hashing};
    const Bytes digest = digest_of(p, message);
    auto a = sign(generic, digest);
    auto b = sign(token, message, 3);
    ASSERT_TRUE(a.ok() && b.ok()) << p.openssl_name;
    EXPECT_EQ(*a, *b) << "deterministic signatures of the same M'";
    EXPECT_TRUE(verify(generic, digest, *b).ok());
    // PH(M) of the wrong length: shorter, longer (also across parts).
    EXPECT_EQ(sign(generic, ByteView(digest).first(digest.size() - 1)).rv(), CKR_DATA_LEN_RANGE);
    Bytes longer = digest;
    longer.push_back(0);
    EXPECT_EQ(sign(generic, longer).rv(), CKR_DATA_LEN_RANGE);
    EXPECT_EQ(sign(generic, longer, 2).rv(), CKR_DATA_LEN_RANGE);
    EXPECT_EQ(verify(generic, longer, *a).rv(), CKR_DATA_LEN_RANGE);
  }
}

TEST_P(PqSignTest, PureSignaturesAndLengths) {
  Bytes context(255, 0x11);
  CK_SIGN_ADDITIONAL_CONTEXT params{CKH_DETERMINISTIC_REQUIRED, context.data(), 255};
  const CK_MECHANISM mech{GetParam().pure, &params, sizeof params};
  auto one = sign(mech, message);
  auto parts = sign(mech, message, 5);
  ASSERT_TRUE(one.ok() && parts.ok());
  EXPECT_EQ(*one, *parts);
  EXPECT_TRUE(verify(mech, message, *one).ok());
  // Pure signing is M' = 0x00 || len(ctx) || ctx || M.
  Bytes prime{0x00, 0xff};
  prime.insert(prime.end(), context.begin(), context.end());
  prime.insert(prime.end(), message.begin(), message.end());
  EXPECT_TRUE(raw_verify(prime, *one));
  EXPECT_EQ(verify(mech, message, ByteView(*one).first(one->size() - 1)).rv(), CKR_SIGNATURE_LEN_RANGE);
  Bytes bad = *one;
  bad[bad.size() / 2] ^= 0x80;
  EXPECT_EQ(verify(mech, message, bad).rv(), CKR_SIGNATURE_INVALID);
  params.hedgeVariant = CKH_HEDGE_REQUIRED;
  auto h1 = sign(mech, message);
  auto h2 = sign(mech, message);
  ASSERT_TRUE(h1.ok() && h2.ok());
  EXPECT_NE(*h1, *h2) << "hedged signatures use fresh randomness";
}

std::string family_name(const ::testing::TestParamInfo<Algorithm>& param) {
  return param.param.key_type == CKK_ML_DSA ? "MlDsa" : "SlhDsa";
}
INSTANTIATE_TEST_SUITE_P(Families, PqSignTest, ::testing::Values(kMlDsa, kSlhDsa), family_name);

}  // namespace
}  // namespace craton::crypto

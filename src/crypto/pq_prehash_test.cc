#include "crypto/pq_prehash.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include <set>
#include <string>

#include "crypto/provider.h"

namespace craton::crypto {
namespace {

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

class PrehashTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { provider_ = std::move(Provider::create()).value().release(); }
  static void TearDownTestSuite() { delete provider_; }
  static const Provider& provider() { return *provider_; }

  static Result<Bytes> hash(const PrehashInfo& p, ByteView data, std::size_t parts) {
    ASSIGN_OR_RETURN(SignatureInput input, start_prehash(provider(), p));
    const std::size_t step = data.size() / parts + 1;
    for (std::size_t i = 0; i < data.size(); i += step) {
      RETURN_IF_ERROR(input.update(data.subspan(i, std::min(step, data.size() - i))));
    }
    ASSIGN_OR_RETURN(SecureBytes digest, input.finish());
    return Bytes(digest.begin(), digest.end());
  }

 private:
  static Provider* provider_;
};
Provider* PrehashTest::provider_ = nullptr;

TEST_F(PrehashTest, TableMatchesOpenSslAndTheMechanisms) {
  ASSERT_EQ(all_prehashes().size(), 10u);
  std::set<CK_MECHANISM_TYPE> ml, slh;
  for (const PrehashInfo& p : all_prehashes()) {
    const EVP_MD* md = provider().md(p.openssl_name);
    ASSERT_NE(md, nullptr) << p.openssl_name;
    EXPECT_EQ(p.xof, (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) != 0) << p.openssl_name;
    if (!p.xof) {
      EXPECT_EQ(p.output_bytes, static_cast<std::size_t>(EVP_MD_get_size(md))) << p.openssl_name;
    }
    // The DER OID decodes to the object OpenSSL knows the digest by.
    const unsigned char* der = p.oid.data();
    ASN1_OBJECT* obj = d2i_ASN1_OBJECT(nullptr, &der, static_cast<long>(p.oid.size()));
    ASSERT_NE(obj, nullptr) << p.openssl_name;
    EXPECT_EQ(der, p.oid.data() + p.oid.size()) << "the whole encoding is one OID";
    EXPECT_EQ(OBJ_obj2nid(obj), EVP_MD_get_type(md)) << p.openssl_name;
    ASN1_OBJECT_free(obj);
    EXPECT_EQ(prehash_by_hash(p.hash), &p);
    EXPECT_EQ(prehash_of_mechanism(p.ml_dsa_mechanism), &p);
    EXPECT_EQ(prehash_of_mechanism(p.slh_dsa_mechanism), &p);
    ml.insert(p.ml_dsa_mechanism);
    slh.insert(p.slh_dsa_mechanism);
  }
  // Every CKM_HASH_ML_DSA_<hash> (0x23..0x2C) and CKM_HASH_SLH_DSA_<hash> (0x36..0x3F).
  for (CK_MECHANISM_TYPE m = CKM_HASH_ML_DSA_SHA224; m <= CKM_HASH_ML_DSA_SHAKE256; ++m) EXPECT_TRUE(ml.count(m)) << m;
  for (CK_MECHANISM_TYPE m = CKM_HASH_SLH_DSA_SHA224; m <= CKM_HASH_SLH_DSA_SHAKE256; ++m) EXPECT_TRUE(slh.count(m)) << m;
  // SHAKE: 256 and 512 output bits (FIPS 204 Algorithm 4, FIPS 205 Algorithm 23).
  EXPECT_EQ(prehash_by_hash(CKM_SHAKE_128_KEY_DERIVATION)->output_bytes, 32u);
  EXPECT_EQ(prehash_by_hash(CKM_SHAKE_256_KEY_DERIVATION)->output_bytes, 64u);
  for (CK_MECHANISM_TYPE other : {CKM_SHA_1, CKM_MD5, CKM_SHA512_256, CKM_ML_DSA, CKM_HASH_ML_DSA}) {
    EXPECT_EQ(prehash_by_hash(other), nullptr) << other;
    EXPECT_EQ(prehash_of_mechanism(other), nullptr) << other;
  }
}

TEST_F(PrehashTest, StreamingHashMatchesPublishedValues) {
  const Bytes abc{'a', 'b', 'c'};
  EXPECT_EQ(*hash(*prehash_by_hash(CKM_SHA256), abc, 3),
            from_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_EQ(*hash(*prehash_by_hash(CKM_SHA3_256), abc, 2),
            from_hex("3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"));
  EXPECT_EQ(*hash(*prehash_by_hash(CKM_SHAKE_128_KEY_DERIVATION), {}, 1),
            from_hex("7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26"));
  EXPECT_EQ(*hash(*prehash_by_hash(CKM_SHAKE_256_KEY_DERIVATION), {}, 1),
            from_hex("46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f"
                     "d75dc4ddd8c0f200cb05019d67b592f6fc821c49479ab48640292eacb3b7c4be"));
  // Multi-part equals one part for every function, at its full length.
  const Bytes data(1000, 0x3c);
  for (const PrehashInfo& p : all_prehashes()) {
    auto one = hash(p, data, 1);
    auto many = hash(p, data, 7);
    ASSERT_TRUE(one.ok() && many.ok()) << p.openssl_name;
    EXPECT_EQ(*one, *many) << p.openssl_name;
    EXPECT_EQ(one->size(), p.output_bytes) << p.openssl_name;
  }
}

TEST_F(PrehashTest, MessagePrimeLayout) {
  const PrehashInfo& sha512 = *prehash_by_hash(CKM_SHA512);
  const Bytes context{'c', 't', 'x'};
  const Bytes digest(64, 0xd1);
  const Bytes m = prehash_message(sha512, context, digest);
  Bytes expected{0x01, 0x03, 'c', 't', 'x'};
  const Bytes oid = from_hex("0609608648016503040203");  // FIPS 204 §5.4.1 writes SHA-512's OID so
  expected.insert(expected.end(), oid.begin(), oid.end());
  expected.insert(expected.end(), digest.begin(), digest.end());
  EXPECT_EQ(m, expected);
  const Bytes empty = prehash_message(sha512, {}, digest);
  EXPECT_EQ(empty[0], 0x01);
  EXPECT_EQ(empty[1], 0x00);
  EXPECT_EQ(empty.size(), 2 + oid.size() + digest.size());
}

CK_MECHANISM mech(CK_MECHANISM_TYPE type, void* param = nullptr, CK_ULONG len = 0) { return {type, param, len}; }

TEST_F(PrehashTest, ParsesEveryMechanismShape) {
  // Pure: optional parameter, no pre-hash.
  for (CK_MECHANISM_TYPE pure : {CKM_ML_DSA, CKM_SLH_DSA}) {
    auto r = parse_pq_signature_mechanism(mech(pure), true);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->prehash, nullptr);
    EXPECT_FALSE(r->caller_hashes);
    EXPECT_FALSE(r->deterministic);
    EXPECT_TRUE(r->context.empty());
  }
  // The module hashes: CK_SIGN_ADDITIONAL_CONTEXT or nothing.
  CK_BYTE ctx[] = {'a', 'b'};
  CK_SIGN_ADDITIONAL_CONTEXT sign{CKH_DETERMINISTIC_REQUIRED, ctx, sizeof ctx};
  auto hashing = parse_pq_signature_mechanism(mech(CKM_HASH_SLH_DSA_SHA3_384, &sign, sizeof sign), true);
  ASSERT_TRUE(hashing.ok());
  EXPECT_EQ(hashing->prehash, prehash_by_hash(CKM_SHA3_384));
  EXPECT_FALSE(hashing->caller_hashes);
  EXPECT_TRUE(hashing->deterministic);
  EXPECT_EQ(hashing->context, Bytes(ctx, ctx + 2));
  EXPECT_TRUE(parse_pq_signature_mechanism(mech(CKM_HASH_ML_DSA_SHAKE128), true).ok());
  // The caller hashes: CK_HASH_SIGN_ADDITIONAL_CONTEXT is required.
  CK_HASH_SIGN_ADDITIONAL_CONTEXT hashed{CKH_HEDGE_REQUIRED, nullptr, 0, CKM_SHAKE_256_KEY_DERIVATION};
  auto given = parse_pq_signature_mechanism(mech(CKM_HASH_ML_DSA, &hashed, sizeof hashed), true);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->prehash, prehash_by_hash(CKM_SHAKE_256_KEY_DERIVATION));
  EXPECT_TRUE(given->caller_hashes);
  EXPECT_FALSE(given->deterministic);
  EXPECT_EQ(parse_pq_signature_mechanism(mech(CKM_HASH_SLH_DSA), true).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(parse_pq_signature_mechanism(mech(CKM_HASH_SLH_DSA, &sign, sizeof sign), true).rv(),
            CKR_MECHANISM_PARAM_INVALID)
      << "the generic form takes the larger structure";
  EXPECT_EQ(parse_pq_signature_mechanism(mech(CKM_ECDSA), true).rv(), CKR_MECHANISM_INVALID);
}

TEST_F(PrehashTest, RejectsBadParameters) {
  Bytes context(256, 'x');
  CK_SIGN_ADDITIONAL_CONTEXT sign{CKH_HEDGE_PREFERRED, context.data(), 256};
  for (bool signing : {true, false}) {
    EXPECT_EQ(parse_pq_signature_mechanism(mech(CKM_ML_DSA, &sign, sizeof sign), signing).rv(),
              CKR_MECHANISM_PARAM_INVALID);
  }
  sign.ulContextLen = 255;
  EXPECT_TRUE(parse_pq_signature_mechanism(mech(CKM_ML_DSA, &sign, sizeof sign), true).ok());
  sign.pContext = nullptr;
  EXPECT_EQ(parse_pq_signature_mechanism(mech(CKM_ML_DSA, &sign, sizeof sign), true).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  sign = {3, nullptr, 0};
  EXPECT_EQ(parse_pq_signature_mechanism(mech(CKM_HASH_ML_DSA_SHA256, &sign, sizeof sign), true).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_TRUE(parse_pq_signature_mechanism(mech(CKM_HASH_ML_DSA_SHA256, &sign, sizeof sign), false).ok())
      << "verification ignores the hedge variant";
  EXPECT_EQ(parse_pq_signature_mechanism(mech(CKM_SLH_DSA, &sign, sizeof sign - 1), false).rv(),
            CKR_MECHANISM_PARAM_INVALID);

  CK_HASH_SIGN_ADDITIONAL_CONTEXT hashed{CKH_HEDGE_PREFERRED, nullptr, 0, CKM_SHA_1};
  EXPECT_EQ(parse_pq_signature_mechanism(mech(CKM_HASH_ML_DSA, &hashed, sizeof hashed), true).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  hashed.hash = CKM_SHA256;
  hashed.ulContextLen = 256;
  hashed.pContext = context.data();
  EXPECT_EQ(parse_pq_signature_mechanism(mech(CKM_HASH_SLH_DSA, &hashed, sizeof hashed), false).rv(),
            CKR_MECHANISM_PARAM_INVALID);
}

}  // namespace
}  // namespace craton::crypto

#include "crypto/hash_names.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <string>

#include "crypto/mechanism.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

TEST(HashNamesTest, MechanismLookup) {
  const HashInfo* sha256 = hash_by_mechanism(CKM_SHA256);
  ASSERT_NE(sha256, nullptr);
  EXPECT_STREQ(sha256->openssl_name, "SHA2-256");
  EXPECT_EQ(sha256->digest_size, 32u);
  EXPECT_EQ(sha256->block_size, 64u);
  EXPECT_EQ(hash_by_mechanism(CKM_SHA512_224)->digest_size, 28u);
  EXPECT_EQ(hash_by_mechanism(CKM_SHA3_384)->block_size, 104u);
  EXPECT_EQ(hash_by_mechanism(CKM_SHA256_HMAC), nullptr);
  EXPECT_EQ(hash_by_mechanism(CKM_AES_ECB), nullptr);
}

TEST(HashNamesTest, Md5OnlyThroughTheLegacyLookup) {
  EXPECT_EQ(hash_by_mechanism(CKM_MD5), nullptr);
  const HashInfo* md5 = hash_by_mechanism_including_legacy(CKM_MD5);
  ASSERT_NE(md5, nullptr);
  EXPECT_TRUE(md5->legacy);
  EXPECT_EQ(md5->digest_size, 16u);
  EXPECT_EQ(hash_by_mechanism_including_legacy(CKM_SHA_1), hash_by_mechanism(CKM_SHA_1));
}

TEST(HashNamesTest, MgfLookup) {
  EXPECT_EQ(hash_by_mgf(CKG_MGF1_SHA1), hash_by_mechanism(CKM_SHA_1));
  EXPECT_EQ(hash_by_mgf(CKG_MGF1_SHA224), hash_by_mechanism(CKM_SHA224));
  EXPECT_EQ(hash_by_mgf(CKG_MGF1_SHA256), hash_by_mechanism(CKM_SHA256));
  EXPECT_EQ(hash_by_mgf(CKG_MGF1_SHA384), hash_by_mechanism(CKM_SHA384));
  EXPECT_EQ(hash_by_mgf(CKG_MGF1_SHA512), hash_by_mechanism(CKM_SHA512));
  EXPECT_EQ(hash_by_mgf(CKG_MGF1_SHA3_256), hash_by_mechanism(CKM_SHA3_256));
  EXPECT_EQ(hash_by_mgf(CKG_MGF1_SHA3_512), hash_by_mechanism(CKM_SHA3_512));
  EXPECT_EQ(hash_by_mgf(0), nullptr);
  EXPECT_EQ(hash_by_mgf(0x1000), nullptr);
}

TEST(HashNamesTest, KdfLookup) {
  EXPECT_EQ(hash_by_kdf(CKD_NULL), nullptr);
  EXPECT_EQ(hash_by_kdf(CKD_SHA1_KDF), hash_by_mechanism(CKM_SHA_1));
  EXPECT_EQ(hash_by_kdf(CKD_SHA256_KDF), hash_by_mechanism(CKM_SHA256));
  EXPECT_EQ(hash_by_kdf(CKD_SHA3_384_KDF), hash_by_mechanism(CKM_SHA3_384));
  EXPECT_EQ(hash_by_kdf(CKD_SHA512_KDF_SP800), hash_by_mechanism(CKM_SHA512));
  EXPECT_FALSE(kdf_is_sp800_56c(CKD_SHA256_KDF));
  EXPECT_TRUE(kdf_is_sp800_56c(CKD_SHA256_KDF_SP800));
  EXPECT_FALSE(kdf_is_sp800_56c(CKD_NULL));
}

TEST(HashNamesTest, Pbkdf2PrfLookup) {
  EXPECT_EQ(hash_by_pbkdf2_prf(CKP_PKCS5_PBKD2_HMAC_SHA1), hash_by_mechanism(CKM_SHA_1));
  EXPECT_EQ(hash_by_pbkdf2_prf(CKP_PKCS5_PBKD2_HMAC_SHA224), hash_by_mechanism(CKM_SHA224));
  EXPECT_EQ(hash_by_pbkdf2_prf(CKP_PKCS5_PBKD2_HMAC_SHA256), hash_by_mechanism(CKM_SHA256));
  EXPECT_EQ(hash_by_pbkdf2_prf(CKP_PKCS5_PBKD2_HMAC_SHA384), hash_by_mechanism(CKM_SHA384));
  EXPECT_EQ(hash_by_pbkdf2_prf(CKP_PKCS5_PBKD2_HMAC_SHA512), hash_by_mechanism(CKM_SHA512));
  EXPECT_EQ(hash_by_pbkdf2_prf(CKP_PKCS5_PBKD2_HMAC_SHA512_224), hash_by_mechanism(CKM_SHA512_224));
  EXPECT_EQ(hash_by_pbkdf2_prf(CKP_PKCS5_PBKD2_HMAC_SHA512_256), hash_by_mechanism(CKM_SHA512_256));
  EXPECT_EQ(hash_by_pbkdf2_prf(CKP_PKCS5_PBKD2_HMAC_GOSTR3411), nullptr);
}

// The table's sizes must be what OpenSSL reports for the named algorithm.
TEST(HashNamesTest, TableMatchesOpenSsl) {
  auto provider = Provider::create();
  ASSERT_TRUE(provider.ok()) << provider.status().message();
  for (const HashInfo& hash : all_hashes()) {
    SCOPED_TRACE(hash.name);
    auto md = digest_md(**provider, hash);
    ASSERT_TRUE(md.ok()) << md.status().message();
    EXPECT_EQ(static_cast<std::size_t>(EVP_MD_get_size(*md)), hash.digest_size);
    EXPECT_EQ(static_cast<std::size_t>(EVP_MD_get_block_size(*md)), hash.block_size);
    EXPECT_EQ(*digest_md(**provider, hash), *md);  // cached: the same object
    EXPECT_EQ(hash_by_mechanism_including_legacy(hash.mechanism), &hash);
  }
}

TEST(HashNamesTest, OpenSslFailureClearsTheErrorQueue) {
  auto provider = Provider::create();
  ASSERT_TRUE(provider.ok());
  EXPECT_EQ(EVP_MD_fetch((*provider)->libctx(), "NO-SUCH-DIGEST", nullptr), nullptr);
  Status status = openssl_failure("fetch");
  EXPECT_EQ(status.rv(), CKR_FUNCTION_FAILED);
  EXPECT_NE(status.message().find("fetch"), std::string::npos);
  EXPECT_EQ(ERR_peek_error(), 0u);
}

class HashNamesKeyGenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Provider::create();
    ASSERT_TRUE(created.ok());
    provider_ = std::move(created).value();
  }
  Result<AttributeMap> generate(const AttributeMap& tmpl, void* param = nullptr, CK_ULONG param_len = 0) {
    CK_MECHANISM mech{CKM_GENERIC_SECRET_KEY_GEN, param, param_len};
    return generate_random_secret(MechanismCall{*provider_, mech}, tmpl);
  }
  std::unique_ptr<Provider> provider_;
};

TEST_F(HashNamesKeyGenTest, GeneratesRequestedLength) {
  AttributeMap tmpl;
  tmpl.set_ulong(CKA_VALUE_LEN, 32);
  auto a = generate(tmpl);
  auto b = generate(tmpl);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_NE(a->find(CKA_VALUE), nullptr);
  EXPECT_EQ(a->find(CKA_VALUE)->size(), 32u);
  EXPECT_EQ(a->get_ulong(CKA_VALUE_LEN), 32u);
  EXPECT_NE(*a->find(CKA_VALUE), *b->find(CKA_VALUE));
}

TEST_F(HashNamesKeyGenTest, LengthLimits) {
  AttributeMap tmpl;
  EXPECT_EQ(generate(tmpl).rv(), CKR_TEMPLATE_INCOMPLETE);
  tmpl.set_ulong(CKA_VALUE_LEN, 0);
  EXPECT_EQ(generate(tmpl).rv(), CKR_KEY_SIZE_RANGE);
  tmpl.set_ulong(CKA_VALUE_LEN, kMaxSecretKeyBytes + 1);
  EXPECT_EQ(generate(tmpl).rv(), CKR_KEY_SIZE_RANGE);
  tmpl.set_ulong(CKA_VALUE_LEN, 1);
  EXPECT_TRUE(generate(tmpl).ok());
  tmpl.set_ulong(CKA_VALUE_LEN, kMaxSecretKeyBytes);
  EXPECT_TRUE(generate(tmpl).ok());
  const std::uint8_t short_value[2] = {1, 0};
  tmpl.set(CKA_VALUE_LEN, ByteView(short_value));
  EXPECT_EQ(generate(tmpl).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST_F(HashNamesKeyGenTest, ParameterIsRefused) {
  AttributeMap tmpl;
  tmpl.set_ulong(CKA_VALUE_LEN, 16);
  CK_ULONG junk = 0;
  EXPECT_EQ(generate(tmpl, &junk, sizeof(junk)).rv(), CKR_MECHANISM_PARAM_INVALID);
}

}  // namespace
}  // namespace craton::crypto

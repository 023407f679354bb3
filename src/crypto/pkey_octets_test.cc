#include "crypto/pkey_octets.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "crypto/provider.h"

namespace craton::crypto {
namespace {

TEST(PkeyOctetsTest, ImportsExportsAndRefuses) {
  auto provider = std::move(Provider::create()).value();
  const Bytes pk(32, 0x42);  // any 32 bytes are an X25519 public key
  Result<EvpPkeyPtr> key =
      pkey_from_octets(*provider, "X25519", EVP_PKEY_PUBLIC_KEY, OSSL_PKEY_PARAM_PUB_KEY, pk, "X25519 key");
  ASSERT_TRUE(key.ok());
  std::optional<SecureBytes> out = pkey_octets(key->get(), OSSL_PKEY_PARAM_PUB_KEY, 32);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(Bytes(out->begin(), out->end()), pk);
  EXPECT_FALSE(pkey_octets(key->get(), OSSL_PKEY_PARAM_PUB_KEY, 31).has_value()) << "the size must match";
  EXPECT_FALSE(pkey_octets(key->get(), OSSL_PKEY_PARAM_PRIV_KEY, 32).has_value()) << "a public key has no private part";
  Result<EvpPkeyPtr> refused =
      pkey_from_octets(*provider, "ML-KEM-512", EVP_PKEY_PUBLIC_KEY, OSSL_PKEY_PARAM_PUB_KEY, pk, "ML-KEM-512 key");
  EXPECT_EQ(refused.rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_NE(refused.status().message().find("ML-KEM-512 key rejected"), std::string::npos);
  EXPECT_TRUE(check_octet_length(pk, 32, "x").ok());
  const Status wrong = check_octet_length(pk, 33, "CKA_VALUE");
  EXPECT_EQ(wrong.rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_NE(wrong.message().find("32 bytes, expected 33"), std::string::npos);
}

}  // namespace
}  // namespace craton::crypto

// Key management: C_GenerateKey, C_GenerateKeyPair, C_WrapKey, C_UnwrapKey,
// C_DeriveKey.
#include <cstring>
#include <string>

#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

using ossl::from_hex;

class KeysTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }

  // A readable secret key template for unwrap/derive results.
  static void readable_secret(Template& t, CK_KEY_TYPE type) {
    t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, type);
    t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
  }

  Bytes derive_ecdh(CK_OBJECT_HANDLE private_key, Bytes peer_point) {
    CK_ECDH1_DERIVE_PARAMS params{CKD_NULL, 0, nullptr, peer_point.size(), peer_point.data()};
    CK_MECHANISM mech{CKM_ECDH1_DERIVE, &params, sizeof params};
    Template t;
    readable_secret(t, CKK_GENERIC_SECRET);
    t.add_ulong(CKA_VALUE_LEN, 32);
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    EXPECT_CKR(CKR_OK, p11->C_DeriveKey(session, &mech, private_key, t.data(), t.count(), &key));
    return attribute(session, key, CKA_VALUE);
  }

  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
};

TEST_F(KeysTest, RsaKeyPairAttributes) {
  const KeyPair kp = generate_rsa(session);
  EXPECT_EQ(256u, attribute(session, kp.public_key, CKA_MODULUS).size());
  EXPECT_EQ((Bytes{0x01, 0x00, 0x01}), attribute(session, kp.public_key, CKA_PUBLIC_EXPONENT));
  EXPECT_EQ(CKO_PUBLIC_KEY, attribute_ulong(session, kp.public_key, CKA_CLASS));
  EXPECT_EQ(CKO_PRIVATE_KEY, attribute_ulong(session, kp.private_key, CKA_CLASS));
  EXPECT_EQ(CKK_RSA, attribute_ulong(session, kp.private_key, CKA_KEY_TYPE));
  EXPECT_TRUE(attribute_bool(session, kp.private_key, CKA_LOCAL));
  EXPECT_EQ(CKM_RSA_PKCS_KEY_PAIR_GEN, attribute_ulong(session, kp.private_key, CKA_KEY_GEN_MECHANISM));
  EXPECT_EQ(attribute(session, kp.public_key, CKA_MODULUS), attribute(session, kp.private_key, CKA_MODULUS));
  CK_ATTRIBUTE secret{CKA_PRIVATE_EXPONENT, nullptr, 0};
  EXPECT_CKR(CKR_ATTRIBUTE_SENSITIVE, p11->C_GetAttributeValue(session, kp.private_key, &secret, 1));
  EXPECT_EQ(CK_UNAVAILABLE_INFORMATION, secret.ulValueLen);
}

TEST_F(KeysTest, EcAndEdwardsKeyPairs) {
  const KeyPair p256 = generate_ec(session, p256_params());
  const Bytes point = attribute(session, p256.public_key, CKA_EC_POINT);
  ASSERT_EQ(67u, point.size());
  EXPECT_EQ((Bytes{0x04, 0x41, 0x04}), Bytes(point.begin(), point.begin() + 3));
  EXPECT_EQ(p256_params(), attribute(session, p256.private_key, CKA_EC_PARAMS));
  EXPECT_EQ(CKK_EC, attribute_ulong(session, p256.private_key, CKA_KEY_TYPE));

  const KeyPair p384 = generate_ec(session, p384_params());
  const Bytes point384 = attribute(session, p384.public_key, CKA_EC_POINT);
  ASSERT_EQ(99u, point384.size());
  EXPECT_EQ((Bytes{0x04, 0x61, 0x04}), Bytes(point384.begin(), point384.begin() + 3));

  const KeyPair ed = generate_ed25519(session);
  EXPECT_EQ(CKK_EC_EDWARDS, attribute_ulong(session, ed.public_key, CKA_KEY_TYPE));
  const Bytes ed_point = attribute(session, ed.public_key, CKA_EC_POINT);
  ASSERT_EQ(34u, ed_point.size());
  EXPECT_EQ((Bytes{0x04, 0x20}), Bytes(ed_point.begin(), ed_point.begin() + 2));
}

TEST_F(KeysTest, AesKeyGeneration) {
  for (CK_ULONG bytes : {16ul, 24ul, 32ul}) {
    const CK_OBJECT_HANDLE key = generate_aes(session, bytes);
    EXPECT_EQ(bytes, attribute_ulong(session, key, CKA_VALUE_LEN));
    EXPECT_EQ(CKK_AES, attribute_ulong(session, key, CKA_KEY_TYPE));
  }
  CK_MECHANISM mech{CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  Template bad_size;  // 15 bytes is no AES key length at all
  bad_size.add_ulong(CKA_VALUE_LEN, 15);
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, p11->C_GenerateKey(session, &mech, bad_size.data(), bad_size.count(), &key));
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, p11->C_GenerateKey(session, &mech, nullptr, 0, &key));

  Template ok;
  ok.add_ulong(CKA_VALUE_LEN, 16);
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GenerateKey(session, nullptr, ok.data(), ok.count(), &key));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GenerateKey(session, &mech, ok.data(), ok.count(), nullptr));
  CK_MECHANISM broken{CKM_AES_KEY_GEN, nullptr, 8};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_GenerateKey(session, &broken, ok.data(), ok.count(), &key));

  CK_MECHANISM pair{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GenerateKeyPair(session, &pair, nullptr, 0, nullptr, 0, &pub, nullptr));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GenerateKeyPair(session, &pair, nullptr, 3, nullptr, 0, &pub, &key));
}

TEST_F(KeysTest, AesKeyWrapKnownAnswerAndUnwrap) {
  // RFC 3394 §4.1: 128-bit key data with a 128-bit KEK.
  const CK_OBJECT_HANDLE kek = import_secret(session, CKK_AES, from_hex("000102030405060708090A0B0C0D0E0F"));
  const Bytes key_data = from_hex("00112233445566778899AABBCCDDEEFF");
  Template extractable;
  extractable.add_bool(CKA_EXTRACTABLE, true);
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_AES, key_data, &extractable);
  CK_MECHANISM kw{CKM_AES_KEY_WRAP, nullptr, 0};

  CK_ULONG len = 0;
  ASSERT_CKR(CKR_OK, p11->C_WrapKey(session, &kw, kek, key, nullptr, &len));
  EXPECT_GE(len, 24u);
  Bytes wrapped(8);
  len = wrapped.size();
  ASSERT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_WrapKey(session, &kw, kek, key, wrapped.data(), &len));
  EXPECT_EQ(24u, len);
  wrapped.resize(len);
  ASSERT_CKR(CKR_OK, p11->C_WrapKey(session, &kw, kek, key, wrapped.data(), &len));
  EXPECT_EQ(from_hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"), wrapped);
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_WrapKey(session, &kw, kek, key, wrapped.data(), nullptr));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_WrapKey(session, nullptr, kek, key, wrapped.data(), &len));

  Template t;
  readable_secret(t, CKK_AES);
  CK_OBJECT_HANDLE unwrapped = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_UnwrapKey(session, &kw, kek, wrapped.data(), wrapped.size(), t.data(), t.count(),
                                      &unwrapped));
  EXPECT_EQ(key_data, attribute(session, unwrapped, CKA_VALUE));
  EXPECT_CKR(CKR_ARGUMENTS_BAD,
             p11->C_UnwrapKey(session, &kw, kek, nullptr, 24, t.data(), t.count(), &unwrapped));
  EXPECT_CKR(CKR_ARGUMENTS_BAD,
             p11->C_UnwrapKey(session, &kw, kek, wrapped.data(), wrapped.size(), t.data(), t.count(), nullptr));

  const CK_OBJECT_HANDLE locked = import_secret(session, CKK_AES, key_data);  // not extractable
  len = 64;
  Bytes out(64);
  EXPECT_CKR(CKR_KEY_UNEXTRACTABLE, p11->C_WrapKey(session, &kw, kek, locked, out.data(), &len));
}

TEST_F(KeysTest, RsaOaepUnwrapsWhatOpenSslWrapped) {
  const KeyPair rsa = generate_rsa(session);
  const Bytes aes_value = from_hex("8899aabbccddeeff00112233445566778899aabbccddeeff0011223344556677");
  const Bytes wrapped = ossl::rsa_oaep_encrypt(attribute(session, rsa.public_key, CKA_MODULUS),
                                               attribute(session, rsa.public_key, CKA_PUBLIC_EXPONENT), "SHA256",
                                               aes_value);
  CK_RSA_PKCS_OAEP_PARAMS oaep{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
  CK_MECHANISM mech{CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep};
  Template t;
  readable_secret(t, CKK_AES);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_UnwrapKey(session, &mech, rsa.private_key, const_cast<CK_BYTE_PTR>(wrapped.data()),
                                      wrapped.size(), t.data(), t.count(), &key));
  EXPECT_EQ(aes_value, attribute(session, key, CKA_VALUE));

  // And the module's own wrap of that key unwraps to the same value.
  CK_ULONG len = 0;
  ASSERT_CKR(CKR_OK, p11->C_WrapKey(session, &mech, rsa.public_key, key, nullptr, &len));
  Bytes again(len);
  ASSERT_CKR(CKR_OK, p11->C_WrapKey(session, &mech, rsa.public_key, key, again.data(), &len));
  again.resize(len);
  EXPECT_EQ(256u, again.size());
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  Template t2;
  readable_secret(t2, CKK_AES);
  ASSERT_CKR(CKR_OK,
             p11->C_UnwrapKey(session, &mech, rsa.private_key, again.data(), again.size(), t2.data(), t2.count(), &copy));
  EXPECT_EQ(aes_value, attribute(session, copy, CKA_VALUE));
}

TEST_F(KeysTest, EcdhBothSidesAgree) {
  const KeyPair alice = generate_ec(session, p256_params());
  const KeyPair bob = generate_ec(session, p256_params());
  const Bytes alice_point = ossl::der_octet_string_contents(attribute(session, alice.public_key, CKA_EC_POINT));
  const Bytes bob_point = ossl::der_octet_string_contents(attribute(session, bob.public_key, CKA_EC_POINT));
  const Bytes a = derive_ecdh(alice.private_key, bob_point);
  const Bytes b = derive_ecdh(bob.private_key, alice_point);
  EXPECT_EQ(32u, a.size());
  EXPECT_EQ(a, b);

  CK_MECHANISM broken{CKM_ECDH1_DERIVE, nullptr, sizeof(CK_ECDH1_DERIVE_PARAMS)};
  Template t;
  readable_secret(t, CKK_GENERIC_SECRET);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID,
             p11->C_DeriveKey(session, &broken, alice.private_key, t.data(), t.count(), &key));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_DeriveKey(session, nullptr, alice.private_key, t.data(), t.count(), &key));
}

TEST_F(KeysTest, HkdfKnownAnswer) {
  // RFC 5869 test case 1.
  Template derive;
  derive.add_bool(CKA_DERIVE, true);
  const CK_OBJECT_HANDLE ikm = import_secret(session, CKK_GENERIC_SECRET, Bytes(22, 0x0b), &derive);
  Bytes salt = from_hex("000102030405060708090a0b0c");
  Bytes info = from_hex("f0f1f2f3f4f5f6f7f8f9");
  CK_HKDF_PARAMS params{CK_TRUE, CK_TRUE, CKM_SHA256, CKF_HKDF_SALT_DATA, salt.data(), salt.size(),
                        CK_INVALID_HANDLE, info.data(), info.size()};
  CK_MECHANISM mech{CKM_HKDF_DERIVE, &params, sizeof params};
  Template t;
  readable_secret(t, CKK_GENERIC_SECRET);
  t.add_ulong(CKA_VALUE_LEN, 42);
  CK_OBJECT_HANDLE okm = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_DeriveKey(session, &mech, ikm, t.data(), t.count(), &okm));
  EXPECT_EQ(from_hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
            attribute(session, okm, CKA_VALUE));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_DeriveKey(session, &mech, ikm, t.data(), t.count(), nullptr));
}

}  // namespace
}  // namespace abi_test

// AES-ECB, AES-CBC and AES-CTR with NIST SP 800-38A vectors through the C ABI,
// the remaining SHA-1 signature mechanisms, CKM_GENERIC_SECRET_KEY_GEN, and
// the template/parameter errors of key and key-pair generation.
#include <cstring>
#include <string>

#include "coverage_reference.h"
#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

using ossl::from_hex;
using ref::ptr;

class AesModesTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }

  CK_RV crypt(bool encrypt, CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& in, Bytes& out) {
    CK_RV rv = encrypt ? p11->C_EncryptInit(session, &mech, key) : p11->C_DecryptInit(session, &mech, key);
    if (rv != CKR_OK) return rv;
    out.assign(in.size() + 32, 0);
    CK_ULONG len = out.size();
    rv = encrypt ? p11->C_Encrypt(session, ptr(in), in.size(), out.data(), &len)
                 : p11->C_Decrypt(session, ptr(in), in.size(), out.data(), &len);
    out.resize(rv == CKR_OK ? len : 0);
    return rv;
  }

  // SP 800-38A appendix F: the four-block example plaintext and keys.
  const Bytes plain = from_hex(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52ef"
      "f69f2445df4f9b17ad2b417be66c3710");
  const Bytes k128 = from_hex("2b7e151628aed2a6abf7158809cf4f3c");
  const Bytes k256 = from_hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
};

TEST_F(AesModesTest, EcbAndCbcMatchSp80038a) {
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_AES, k128);
  Bytes out, back;
  ASSERT_CKR(CKR_OK, crypt(true, {CKM_AES_ECB, nullptr, 0}, key, plain, out));
  EXPECT_EQ(from_hex("3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf43b1cd7f598ece23881b00e3ed030688"
                     "7b0c785e27e8ad3f8223207104725dd4"),
            out);
  ASSERT_CKR(CKR_OK, crypt(false, {CKM_AES_ECB, nullptr, 0}, key, out, back));
  EXPECT_EQ(plain, back);

  Bytes iv = from_hex("000102030405060708090a0b0c0d0e0f");
  const CK_MECHANISM cbc{CKM_AES_CBC, iv.data(), 16};
  ASSERT_CKR(CKR_OK, crypt(true, cbc, key, plain, out));
  EXPECT_EQ(from_hex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e22229516"
                     "3ff1caa1681fac09120eca307586e1a7"),
            out);
  ASSERT_CKR(CKR_OK, crypt(false, cbc, key, out, back));
  EXPECT_EQ(plain, back);

  // Whole blocks only, without padding.
  EXPECT_CKR(CKR_DATA_LEN_RANGE, crypt(true, {CKM_AES_ECB, nullptr, 0}, key, Bytes(17, 1), out));
  EXPECT_CKR(CKR_ENCRYPTED_DATA_LEN_RANGE, crypt(false, cbc, key, Bytes(31, 1), out));
  Bytes short_iv(8, 0);
  CK_MECHANISM bad{CKM_AES_CBC, short_iv.data(), 8};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &bad, key));
  CK_MECHANISM ecb_with_iv{CKM_AES_ECB, iv.data(), 16};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &ecb_with_iv, key));
}

TEST_F(AesModesTest, CbcPadRejectsBadPadding) {
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_AES, k128);
  Bytes iv(16, 0x24);
  const CK_MECHANISM cbc_pad{CKM_AES_CBC_PAD, iv.data(), 16};
  // A block that decrypts to 0x00 as its last byte is no PKCS#7 padding.
  const Bytes forged = ref::cipher("AES-128-CBC", k128, iv, Bytes(16, 0x00), true, false);
  Bytes out;
  EXPECT_CKR(CKR_ENCRYPTED_DATA_INVALID, crypt(false, cbc_pad, key, forged, out));
  // Multi-part: the error comes from C_DecryptFinal and ends the operation.
  CK_MECHANISM mech = cbc_pad;
  ASSERT_CKR(CKR_OK, p11->C_DecryptInit(session, &mech, key));
  Bytes part(32);
  CK_ULONG len = part.size();
  ASSERT_CKR(CKR_OK, p11->C_DecryptUpdate(session, const_cast<CK_BYTE_PTR>(forged.data()), forged.size(), part.data(),
                                          &len));
  len = part.size();
  EXPECT_CKR(CKR_ENCRYPTED_DATA_INVALID, p11->C_DecryptFinal(session, part.data(), &len));
  len = part.size();
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_DecryptFinal(session, part.data(), &len));
}

TEST_F(AesModesTest, CtrMatchesSp80038aAndGuardsItsCounter) {
  CK_AES_CTR_PARAMS ctr{128, {}};
  const Bytes counter = from_hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  std::memcpy(ctr.cb, counter.data(), 16);
  const CK_MECHANISM mech{CKM_AES_CTR, &ctr, sizeof ctr};
  Bytes out, back;
  const CK_OBJECT_HANDLE key128 = import_secret(session, CKK_AES, k128);
  ASSERT_CKR(CKR_OK, crypt(true, mech, key128, plain, out));
  EXPECT_EQ(from_hex("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab"
                     "1e031dda2fbe03d1792170a0f3009cee"),
            out);
  const CK_OBJECT_HANDLE key256 = import_secret(session, CKK_AES, k256);
  ASSERT_CKR(CKR_OK, crypt(true, mech, key256, plain, out));
  EXPECT_EQ(from_hex("601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988d"
                     "dfc9c58db67aada613c2dd08457941a6"),
            out);
  ASSERT_CKR(CKR_OK, crypt(false, mech, key256, out, back));
  EXPECT_EQ(plain, back);
  // CTR is a stream: any length, and multi-part output equals single-part.
  const Bytes odd(37, 0x61);
  ASSERT_CKR(CKR_OK, crypt(true, mech, key128, odd, out));
  EXPECT_EQ(ref::cipher("AES-128-CTR", k128, counter, odd, true), out);
  CK_MECHANISM m = mech;
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &m, key128));
  Bytes multi, part(64);
  for (std::size_t pos = 0; pos < odd.size(); pos += 5) {
    CK_ULONG len = part.size();
    const std::size_t n = std::min<std::size_t>(5, odd.size() - pos);
    ASSERT_CKR(CKR_OK, p11->C_EncryptUpdate(session, ptr(odd) + pos, n, part.data(), &len));
    multi.insert(multi.end(), part.begin(), part.begin() + static_cast<long>(len));
  }
  CK_ULONG len = part.size();
  ASSERT_CKR(CKR_OK, p11->C_EncryptFinal(session, part.data(), &len));
  multi.insert(multi.end(), part.begin(), part.begin() + static_cast<long>(len));
  EXPECT_EQ(out, multi);

  // An 8-bit counter at 0xfe has two blocks left: a third would reuse key stream.
  CK_AES_CTR_PARAMS small{8, {}};
  small.cb[15] = 0xfe;
  CK_MECHANISM narrow{CKM_AES_CTR, &small, sizeof small};
  EXPECT_CKR(CKR_OK, crypt(true, narrow, key128, Bytes(32, 0), out));
  EXPECT_CKR(CKR_DATA_LEN_RANGE, crypt(true, narrow, key128, Bytes(33, 0), out));
  for (CK_ULONG bits : {0ul, 129ul}) {
    CK_AES_CTR_PARAMS bad{bits, {}};
    CK_MECHANISM b{CKM_AES_CTR, &bad, sizeof bad};
    EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &b, key128)) << bits;
  }
}

TEST_F(AesModesTest, Sha1SignatureMechanisms) {
  const Bytes message = to_bytes("legacy SHA-1 signature");
  const KeyPair rsa = generate_rsa(session);
  const Bytes n = attribute(session, rsa.public_key, CKA_MODULUS);
  const Bytes e = attribute(session, rsa.public_key, CKA_PUBLIC_EXPONENT);
  CK_MECHANISM pkcs{CKM_SHA1_RSA_PKCS, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &pkcs, rsa.private_key));
  Bytes sig(256);
  CK_ULONG len = sig.size();
  ASSERT_CKR(CKR_OK, p11->C_Sign(session, ptr(message), message.size(), sig.data(), &len));
  EXPECT_TRUE(ossl::verify_rsa_pkcs1(n, e, "SHA1", message, sig));

  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA_1, CKG_MGF1_SHA1, 20};
  CK_MECHANISM pss_mech{CKM_SHA1_RSA_PKCS_PSS, &pss, sizeof pss};
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &pss_mech, rsa.private_key));
  len = sig.size();
  ASSERT_CKR(CKR_OK, p11->C_Sign(session, ptr(message), message.size(), sig.data(), &len));
  EXPECT_TRUE(ossl::verify_rsa_pss(n, e, "SHA1", 20, message, sig));

  const KeyPair ec = generate_ec(session, p256_params());
  CK_MECHANISM ecdsa{CKM_ECDSA_SHA1, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &ecdsa, ec.private_key));
  Bytes ec_sig(64);
  len = ec_sig.size();
  ASSERT_CKR(CKR_OK, p11->C_Sign(session, ptr(message), message.size(), ec_sig.data(), &len));
  const Bytes point = ossl::der_octet_string_contents(attribute(session, ec.public_key, CKA_EC_POINT));
  EXPECT_TRUE(ossl::verify_ecdsa("prime256v1", point, "SHA1", message, ec_sig));
}

TEST_F(AesModesTest, GenericSecretKeyGeneration) {
  CK_MECHANISM gen{CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
  Template t;
  t.add_ulong(CKA_VALUE_LEN, 48).add_bool(CKA_SIGN, true).add_bool(CKA_SENSITIVE, false);
  t.add_bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_GenerateKey(session, &gen, t.data(), t.count(), &key));
  EXPECT_EQ(CKK_GENERIC_SECRET, attribute_ulong(session, key, CKA_KEY_TYPE));
  const Bytes value = attribute(session, key, CKA_VALUE);
  ASSERT_EQ(48u, value.size());
  // Usable as an HMAC key, with the value it reports.
  CK_MECHANISM hmac{CKM_SHA384_HMAC, nullptr, 0};
  const Bytes data = to_bytes("generic");
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &hmac, key));
  Bytes mac(48);
  CK_ULONG len = mac.size();
  ASSERT_CKR(CKR_OK, p11->C_Sign(session, ptr(data), data.size(), mac.data(), &len));
  EXPECT_EQ(ref::hmac("SHA384", value, data), mac);
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE, p11->C_GenerateKey(session, &gen, nullptr, 0, &key));
}

// CKM_GENERIC_SECRET_KEY_GEN may label its output with another secret key
// type, but never make an AES key of a length AES does not have (the module
// refuses such keys with CKR_ATTRIBUTE_VALUE_INVALID everywhere else).
TEST_F(AesModesTest, GenericSecretGenerationCannotMakeMalformedAesKeys) {
  CK_MECHANISM gen{CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
  Template t;
  t.add_ulong(CKA_VALUE_LEN, 20).add_ulong(CKA_KEY_TYPE, CKK_AES).add_bool(CKA_ENCRYPT, true);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  const CK_RV rv = p11->C_GenerateKey(session, &gen, t.data(), t.count(), &key);
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_TEMPLATE_INCONSISTENT || rv == CKR_KEY_SIZE_RANGE)
      << rv_name(rv);
  if (rv == CKR_OK) {
    // What was made is not even usable as an AES key.
    Bytes iv(16, 0);
    CK_MECHANISM cbc{CKM_AES_CBC_PAD, iv.data(), 16};
    ADD_FAILURE() << "C_EncryptInit with the 20-byte AES key: " << rv_name(p11->C_EncryptInit(session, &cbc, key));
  }
}

TEST_F(AesModesTest, KeyGenerationTemplateErrors) {
  CK_MECHANISM aes{CKM_AES_KEY_GEN, nullptr, 0};
  Template wrong_type;
  wrong_type.add_ulong(CKA_VALUE_LEN, 16).add_ulong(CKA_KEY_TYPE, CKK_DES3);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_TEMPLATE_INCONSISTENT, p11->C_GenerateKey(session, &aes, wrong_type.data(), wrong_type.count(), &key));
  Template wrong_class;
  wrong_class.add_ulong(CKA_VALUE_LEN, 16).add_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  EXPECT_CKR(CKR_TEMPLATE_INCONSISTENT,
             p11->C_GenerateKey(session, &aes, wrong_class.data(), wrong_class.count(), &key));
  CK_MECHANISM pair_mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GenerateKey(session, &pair_mech, nullptr, 0, &key));

  // Key pairs: unknown curve, missing parameters, unusable RSA exponent.
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  Template odd_curve;
  odd_curve.add_bytes(CKA_EC_PARAMS, {0x06, 0x03, 0x2b, 0x81, 0x04});  // no curve we know
  Template priv_t;
  priv_t.add_bool(CKA_SIGN, true);
  const CK_RV curve = p11->C_GenerateKeyPair(session, &pair_mech, odd_curve.data(), odd_curve.count(), priv_t.data(),
                                             priv_t.count(), &pub, &priv);
  EXPECT_TRUE(curve == CKR_CURVE_NOT_SUPPORTED || curve == CKR_ATTRIBUTE_VALUE_INVALID) << rv_name(curve);
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE,
             p11->C_GenerateKeyPair(session, &pair_mech, nullptr, 0, priv_t.data(), priv_t.count(), &pub, &priv));
  CK_MECHANISM rsa_mech{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  Template even_e;
  even_e.add_ulong(CKA_MODULUS_BITS, 2048).add_bytes(CKA_PUBLIC_EXPONENT, {0x01, 0x00, 0x00});
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, p11->C_GenerateKeyPair(session, &rsa_mech, even_e.data(), even_e.count(),
                                                                 priv_t.data(), priv_t.count(), &pub, &priv));
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE,
             p11->C_GenerateKeyPair(session, &rsa_mech, nullptr, 0, priv_t.data(), priv_t.count(), &pub, &priv));
  Template tiny;
  tiny.add_ulong(CKA_MODULUS_BITS, 512);
  EXPECT_CKR(CKR_KEY_SIZE_RANGE, p11->C_GenerateKeyPair(session, &rsa_mech, tiny.data(), tiny.count(), priv_t.data(),
                                                        priv_t.count(), &pub, &priv));
}

}  // namespace
}  // namespace abi_test

// Legacy algorithms through the C ABI: Triple-DES (CKM_DES3_KEY_GEN, ECB,
// CBC, CBC_PAD), CKM_MD5 and CKM_MD5_HMAC(_GENERAL). They are offered only
// with [algorithms] enable_legacy = true and are absent otherwise.
#include <algorithm>
#include <bit>
#include <string>
#include <vector>

#include "coverage_reference.h"
#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

using ossl::from_hex;
using ref::ptr;

class LegacyTest : public AbiTest {
 protected:
  std::string extra_security_config() const override { return "[algorithms]\nenable_legacy = true\n"; }

  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }

  CK_RV crypt(bool encrypt, CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& in, Bytes& out) {
    CK_RV rv = encrypt ? p11->C_EncryptInit(session, &mech, key) : p11->C_DecryptInit(session, &mech, key);
    if (rv != CKR_OK) return rv;
    out.assign(in.size() + 16, 0);
    CK_ULONG len = out.size();
    rv = encrypt ? p11->C_Encrypt(session, ptr(in), in.size(), out.data(), &len)
                 : p11->C_Decrypt(session, ptr(in), in.size(), out.data(), &len);
    out.resize(rv == CKR_OK ? len : 0);
    return rv;
  }

  Bytes mac(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data) {
    EXPECT_CKR(CKR_OK, p11->C_SignInit(session, &mech, key));
    CK_ULONG len = 0;
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, ptr(data), data.size(), nullptr, &len));
    Bytes out(len);
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, ptr(data), data.size(), out.data(), &len));
    out.resize(len);
    return out;
  }

  Bytes digest(CK_MECHANISM_TYPE type, const Bytes& data) {
    CK_MECHANISM mech{type, nullptr, 0};
    EXPECT_CKR(CKR_OK, p11->C_DigestInit(session, &mech));
    Bytes out(64);
    CK_ULONG len = out.size();
    EXPECT_CKR(CKR_OK, p11->C_Digest(session, ptr(data), data.size(), out.data(), &len));
    out.resize(len);
    return out;
  }

  // SP 800-67 Rev. 1 example keys (K1, K2, K3 distinct).
  const Bytes des3_key = from_hex("0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123");
  Bytes iv = from_hex("F69F2445DF4F9B17");
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
};

TEST_F(LegacyTest, Des3KeyGenerationMakesParityKeys) {
  Template t;
  t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true).add_bool(CKA_ENCRYPT, true);
  CK_MECHANISM gen{CKM_DES3_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_GenerateKey(session, &gen, t.data(), t.count(), &key));
  EXPECT_EQ(CKK_DES3, attribute_ulong(session, key, CKA_KEY_TYPE));
  EXPECT_EQ(CKM_DES3_KEY_GEN, attribute_ulong(session, key, CKA_KEY_GEN_MECHANISM));
  const Bytes value = attribute(session, key, CKA_VALUE);
  ASSERT_EQ(24u, value.size());
  for (std::uint8_t b : value) EXPECT_EQ(1, std::popcount(static_cast<unsigned>(b)) % 2) << "byte without odd parity";
  // The three DES keys differ (keying option 1).
  EXPECT_NE(Bytes(value.begin(), value.begin() + 8), Bytes(value.begin() + 8, value.begin() + 16));
  EXPECT_NE(Bytes(value.begin() + 8, value.begin() + 16), Bytes(value.begin() + 16, value.end()));

  Template wrong;
  wrong.add_ulong(CKA_VALUE_LEN, 16);
  EXPECT_CKR(CKR_ATTRIBUTE_VALUE_INVALID, p11->C_GenerateKey(session, &gen, wrong.data(), wrong.count(), &key));
  CK_MECHANISM with_param{CKM_DES3_KEY_GEN, iv.data(), static_cast<CK_ULONG>(iv.size())};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_GenerateKey(session, &with_param, nullptr, 0, &key));
}

TEST_F(LegacyTest, Des3EcbKnownAnswerAndCbcModesMatchOpenSsl) {
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_DES3, des3_key);
  // SP 800-67 Rev. 1, appendix B: "The qufck brown fox jump".
  const Bytes plain = from_hex("54686520717566636B2062726F776E20666F78206A756D70");
  Bytes out, back;
  ASSERT_CKR(CKR_OK, crypt(true, {CKM_DES3_ECB, nullptr, 0}, key, plain, out));
  EXPECT_EQ(from_hex("A826FD8CE53B855FCCE21C8112256FE668D5C05DD9B6B900"), out);
  ASSERT_CKR(CKR_OK, crypt(false, {CKM_DES3_ECB, nullptr, 0}, key, out, back));
  EXPECT_EQ(plain, back);

  const CK_MECHANISM cbc{CKM_DES3_CBC, iv.data(), static_cast<CK_ULONG>(iv.size())};
  ASSERT_CKR(CKR_OK, crypt(true, cbc, key, plain, out));
  EXPECT_EQ(ref::cipher("DES-EDE3-CBC", des3_key, iv, plain, true, false), out);
  ASSERT_CKR(CKR_OK, crypt(false, cbc, key, out, back));
  EXPECT_EQ(plain, back);

  const CK_MECHANISM cbc_pad{CKM_DES3_CBC_PAD, iv.data(), static_cast<CK_ULONG>(iv.size())};
  const Bytes odd = to_bytes("thirteen byte");
  ASSERT_CKR(CKR_OK, crypt(true, cbc_pad, key, odd, out));
  EXPECT_EQ(16u, out.size());
  EXPECT_EQ(ref::cipher("DES-EDE3-CBC", des3_key, iv, odd, true), out);
  ASSERT_CKR(CKR_OK, crypt(false, cbc_pad, key, out, back));
  EXPECT_EQ(odd, back);
}

TEST_F(LegacyTest, Des3Errors) {
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_DES3, des3_key);
  Bytes out;
  EXPECT_CKR(CKR_DATA_LEN_RANGE, crypt(true, {CKM_DES3_ECB, nullptr, 0}, key, Bytes(7, 1), out));
  EXPECT_CKR(CKR_DATA_LEN_RANGE, crypt(true, {CKM_DES3_CBC, iv.data(), 8}, key, Bytes(12, 1), out));
  EXPECT_CKR(CKR_ENCRYPTED_DATA_LEN_RANGE, crypt(false, {CKM_DES3_CBC_PAD, iv.data(), 8}, key, Bytes(12, 1), out));
  // A last block that decrypts to no valid padding.
  const Bytes bad_pad = ref::cipher("DES-EDE3-CBC", des3_key, iv, Bytes(8, 0x00), true, false);
  EXPECT_CKR(CKR_ENCRYPTED_DATA_INVALID, crypt(false, {CKM_DES3_CBC_PAD, iv.data(), 8}, key, bad_pad, out));

  Bytes long_iv(16, 0);
  CK_MECHANISM bad_iv{CKM_DES3_CBC, long_iv.data(), 16};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &bad_iv, key));
  CK_MECHANISM ecb_param{CKM_DES3_ECB, iv.data(), 8};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &ecb_param, key));

  // Key types do not cross over.
  const CK_OBJECT_HANDLE aes = import_secret(session, CKK_AES, Bytes(24, 9));
  CK_MECHANISM des_cbc{CKM_DES3_CBC, iv.data(), 8};
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_EncryptInit(session, &des_cbc, aes));
  Bytes aes_iv(16, 0);
  CK_MECHANISM aes_cbc{CKM_AES_CBC, aes_iv.data(), 16};
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_EncryptInit(session, &aes_cbc, key));
  Template no_decrypt;
  no_decrypt.add_bool(CKA_DECRYPT, false);
  const CK_OBJECT_HANDLE limited = import_secret(session, CKK_DES3, des3_key, &no_decrypt);
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, p11->C_DecryptInit(session, &des_cbc, limited));
}

TEST_F(LegacyTest, Des3WrapsAndUnwrapsAnAesKey) {
  const CK_OBJECT_HANDLE kek = import_secret(session, CKK_DES3, des3_key);
  Template extractable;
  extractable.add_bool(CKA_EXTRACTABLE, true);
  const Bytes aes_value(16, 0x6b);
  const CK_OBJECT_HANDLE target = import_secret(session, CKK_AES, aes_value, &extractable);
  CK_MECHANISM cbc_pad{CKM_DES3_CBC_PAD, iv.data(), 8};
  CK_ULONG len = 0;
  ASSERT_CKR(CKR_OK, p11->C_WrapKey(session, &cbc_pad, kek, target, nullptr, &len));
  Bytes wrapped(len);
  ASSERT_CKR(CKR_OK, p11->C_WrapKey(session, &cbc_pad, kek, target, wrapped.data(), &len));
  wrapped.resize(len);
  EXPECT_EQ(ref::cipher("DES-EDE3-CBC", des3_key, iv, aes_value, true), wrapped);
  Template t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES);
  t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_UnwrapKey(session, &cbc_pad, kek, wrapped.data(), wrapped.size(), t.data(), t.count(), &copy));
  EXPECT_EQ(aes_value, attribute(session, copy, CKA_VALUE));
}

TEST_F(LegacyTest, Md5AndHmacMd5KnownAnswers) {
  // RFC 1321 appendix A.5.
  EXPECT_EQ(from_hex("d41d8cd98f00b204e9800998ecf8427e"), digest(CKM_MD5, {}));
  EXPECT_EQ(from_hex("900150983cd24fb0d6963f7d28e17f72"), digest(CKM_MD5, to_bytes("abc")));
  EXPECT_EQ(from_hex("c3fcd3d76192e4007dfb496cca67e13b"), digest(CKM_MD5, to_bytes("abcdefghijklmnopqrstuvwxyz")));

  // RFC 2104 / RFC 2202 test case 1.
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_GENERIC_SECRET, Bytes(16, 0x0b));
  const Bytes data = to_bytes("Hi There");
  const Bytes expected = from_hex("9294727a3638bb1c13f48ef8158bfc9d");
  EXPECT_EQ(expected, mac({CKM_MD5_HMAC, nullptr, 0}, key, data));
  CK_MAC_GENERAL_PARAMS twelve = 12;
  EXPECT_EQ(Bytes(expected.begin(), expected.begin() + 12), mac({CKM_MD5_HMAC_GENERAL, &twelve, sizeof twelve}, key, data));
  CK_MAC_GENERAL_PARAMS too_long = 17;
  CK_MECHANISM bad{CKM_MD5_HMAC_GENERAL, &too_long, sizeof too_long};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &bad, key));

  CK_MECHANISM hmac{CKM_MD5_HMAC, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_VerifyInit(session, &hmac, key));
  EXPECT_CKR(CKR_OK, p11->C_Verify(session, ptr(data), data.size(), const_cast<CK_BYTE_PTR>(expected.data()), 16));
  Bytes wrong = expected;
  wrong[0] ^= 1;
  ASSERT_CKR(CKR_OK, p11->C_VerifyInit(session, &hmac, key));
  EXPECT_CKR(CKR_SIGNATURE_INVALID, p11->C_Verify(session, ptr(data), data.size(), wrong.data(), 16));
}

TEST_F(LegacyTest, MechanismInfoOfLegacyRows) {
  CK_MECHANISM_INFO info{};
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, CKM_DES3_CBC_PAD, &info));
  EXPECT_EQ(24u, info.ulMinKeySize);
  EXPECT_EQ(24u, info.ulMaxKeySize);
  const CK_FLAGS cipher = CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP;
  EXPECT_EQ(cipher, info.flags & cipher);
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, CKM_DES3_KEY_GEN, &info));
  EXPECT_NE(0u, info.flags & CKF_GENERATE);
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, CKM_MD5, &info));
  EXPECT_NE(0u, info.flags & CKF_DIGEST);
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, CKM_MD5_HMAC, &info));
  EXPECT_EQ(CKF_SIGN | CKF_VERIFY, info.flags & (CKF_SIGN | CKF_VERIFY));
}

// With enable_legacy = false (docs/configuration.md; the default is true)
// none of them is offered.
class LegacyOffTest : public AbiTest {
 protected:
  std::string extra_security_config() const override { return "[algorithms]\nenable_legacy = false\n"; }
};

TEST_F(LegacyOffTest, LegacyMechanismsAreAbsentWhenDisabled) {
  CK_ULONG count = 0;
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismList(slot, nullptr, &count));
  std::vector<CK_MECHANISM_TYPE> list(count);
  ASSERT_CKR(CKR_OK, p11->C_GetMechanismList(slot, list.data(), &count));
  CK_MECHANISM_INFO info{};
  for (CK_MECHANISM_TYPE m : {CKM_DES3_KEY_GEN, CKM_DES3_ECB, CKM_DES3_CBC, CKM_DES3_CBC_PAD, CKM_MD5, CKM_MD5_HMAC,
                              CKM_MD5_HMAC_GENERAL}) {
    EXPECT_EQ(list.end(), std::find(list.begin(), list.end(), m)) << "mechanism 0x" << std::hex << m;
    EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GetMechanismInfo(slot, m, &info)) << "mechanism 0x" << std::hex << m;
  }
  init_token();
  CK_SESSION_HANDLE session = open_session();
  CK_MECHANISM md5{CKM_MD5, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_DigestInit(session, &md5));
  login(session);
  CK_MECHANISM gen{CKM_DES3_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_GenerateKey(session, &gen, nullptr, 0, &key));
}

}  // namespace
}  // namespace abi_test

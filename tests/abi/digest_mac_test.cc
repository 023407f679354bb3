// Digests (SHA-1, SHA-2 including SHA-512/224 and SHA-512/256, SHA-3),
// HMAC and HMAC_GENERAL for every hash, AES-CMAC and CMAC_GENERAL, and
// C_DigestKey, through the C ABI: FIPS 180-4 / FIPS 202 / RFC 4493 known
// answers, OpenSSL cross-checks and the error paths of PKCS#11 3.0 §5.10-5.12.
#include <cstring>
#include <string>

#include "coverage_reference.h"
#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

using ossl::from_hex;
using ref::ptr;

struct HashCase {
  CK_MECHANISM_TYPE digest;
  CK_MECHANISM_TYPE hmac;
  CK_MECHANISM_TYPE hmac_general;
  const char* openssl_name;
  const char* abc;  // digest of "abc" (FIPS 180-4 / FIPS 202 examples)
};

const HashCase kHashes[] = {
    {CKM_SHA_1, CKM_SHA_1_HMAC, CKM_SHA_1_HMAC_GENERAL, "SHA1", "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {CKM_SHA224, CKM_SHA224_HMAC, CKM_SHA224_HMAC_GENERAL, "SHA224",
     "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
    {CKM_SHA256, CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL, "SHA256",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {CKM_SHA384, CKM_SHA384_HMAC, CKM_SHA384_HMAC_GENERAL, "SHA384",
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
    {CKM_SHA512, CKM_SHA512_HMAC, CKM_SHA512_HMAC_GENERAL, "SHA512",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e"
     "2a9ac94fa54ca49f"},
    {CKM_SHA512_224, CKM_SHA512_224_HMAC, CKM_SHA512_224_HMAC_GENERAL, "SHA512-224",
     "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa"},
    {CKM_SHA512_256, CKM_SHA512_256_HMAC, CKM_SHA512_256_HMAC_GENERAL, "SHA512-256",
     "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"},
    {CKM_SHA3_224, CKM_SHA3_224_HMAC, CKM_SHA3_224_HMAC_GENERAL, "SHA3-224",
     "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf"},
    {CKM_SHA3_256, CKM_SHA3_256_HMAC, CKM_SHA3_256_HMAC_GENERAL, "SHA3-256",
     "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
    {CKM_SHA3_384, CKM_SHA3_384_HMAC, CKM_SHA3_384_HMAC_GENERAL, "SHA3-384",
     "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25"},
    {CKM_SHA3_512, CKM_SHA3_512_HMAC, CKM_SHA3_512_HMAC_GENERAL, "SHA3-512",
     "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a5"
     "6592f8274eec53f0"},
};

class DigestMacTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }

  Bytes digest(CK_MECHANISM_TYPE type, const Bytes& data) {
    CK_MECHANISM mech{type, nullptr, 0};
    EXPECT_CKR(CKR_OK, p11->C_DigestInit(session, &mech));
    CK_ULONG len = 0;
    EXPECT_CKR(CKR_OK, p11->C_Digest(session, ptr(data), data.size(), nullptr, &len));
    Bytes out(len);
    EXPECT_CKR(CKR_OK, p11->C_Digest(session, ptr(data), data.size(), out.data(), &len));
    out.resize(len);
    return out;
  }

  Bytes sign(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data) {
    EXPECT_CKR(CKR_OK, p11->C_SignInit(session, &mech, key));
    CK_ULONG len = 0;
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, ptr(data), data.size(), nullptr, &len));
    Bytes out(len);
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, ptr(data), data.size(), out.data(), &len));
    out.resize(len);
    return out;
  }

  CK_RV verify(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data, const Bytes& mac) {
    EXPECT_CKR(CKR_OK, p11->C_VerifyInit(session, &mech, key));
    return p11->C_Verify(session, ptr(data), data.size(), ptr(mac), mac.size());
  }

  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
};

TEST_F(DigestMacTest, EveryDigestKnownAnswerAndMultiPart) {
  Bytes long_message(1000);
  for (std::size_t i = 0; i < long_message.size(); ++i) long_message[i] = static_cast<std::uint8_t>(i * 7);
  for (const HashCase& h : kHashes) {
    EXPECT_EQ(from_hex(h.abc), digest(h.digest, to_bytes("abc"))) << h.openssl_name;
    const Bytes expected = ossl::digest(h.openssl_name, long_message);
    EXPECT_EQ(expected, digest(h.digest, long_message)) << h.openssl_name;
    CK_MECHANISM mech{h.digest, nullptr, 0};
    ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &mech));
    for (std::size_t pos = 0; pos < long_message.size(); pos += 333) {
      const std::size_t n = std::min<std::size_t>(333, long_message.size() - pos);
      ASSERT_CKR(CKR_OK, p11->C_DigestUpdate(session, ptr(long_message) + pos, n));
    }
    Bytes out(expected.size() - 1);
    CK_ULONG len = out.size();
    ASSERT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_DigestFinal(session, out.data(), &len)) << h.openssl_name;
    EXPECT_EQ(expected.size(), len);
    out.resize(len);
    ASSERT_CKR(CKR_OK, p11->C_DigestFinal(session, out.data(), &len));
    EXPECT_EQ(expected, out) << h.openssl_name;
  }
}

TEST_F(DigestMacTest, DigestErrors) {
  const Bytes data = to_bytes("abc");
  Bytes out(64);
  CK_ULONG len = out.size();
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_Digest(session, ptr(data), data.size(), out.data(), &len));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_DigestUpdate(session, ptr(data), data.size()));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_DigestFinal(session, out.data(), &len));
  CK_BYTE param = 0;
  CK_MECHANISM with_param{CKM_SHA3_256, &param, 1};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_DigestInit(session, &with_param));
  CK_MECHANISM not_digest{CKM_SHA256_HMAC, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_DigestInit(session, &not_digest));
  CK_MECHANISM sha3{CKM_SHA3_256, nullptr, 0};
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_DigestInit(session + 5000, &sha3));

  // A NULL length pointer ends the operation.
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &sha3));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_Digest(session, ptr(data), data.size(), out.data(), nullptr));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_Digest(session, ptr(data), data.size(), out.data(), &len));
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &sha3));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_DigestUpdate(session, nullptr, 3));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_DigestFinal(session, out.data(), &len));
}

TEST_F(DigestMacTest, DigestKeyRules) {
  const Bytes value = from_hex("000102030405060708090a0b0c0d0e0f");
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_AES, value);
  CK_MECHANISM sha3{CKM_SHA3_256, nullptr, 0};
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_DigestKey(session, key));
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &sha3));
  ASSERT_CKR(CKR_OK, p11->C_DigestKey(session, key));
  ASSERT_CKR(CKR_OK, p11->C_DigestKey(session, key));
  Bytes out(32);
  CK_ULONG len = out.size();
  ASSERT_CKR(CKR_OK, p11->C_DigestFinal(session, out.data(), &len));
  Bytes twice = value;
  twice.insert(twice.end(), value.begin(), value.end());
  EXPECT_EQ(ossl::digest("SHA3-256", twice), out);

  // Only secret keys can be digested, and only existing ones.
  const KeyPair ec = generate_ec(session, p256_params());
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &sha3));
  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_DigestKey(session, key + 5000));
  ASSERT_CKR(CKR_OK, p11->C_SessionCancel(session, CKF_DIGEST));
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &sha3));
  EXPECT_CKR(CKR_KEY_INDIGESTIBLE, p11->C_DigestKey(session, ec.private_key));
}

TEST_F(DigestMacTest, EveryHmacMatchesOpenSsl) {
  const Bytes key_value(20, 0x0b);
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_GENERIC_SECRET, key_value);
  const Bytes data = to_bytes("Hi There");
  for (const HashCase& h : kHashes) {
    const Bytes expected = ref::hmac(h.openssl_name, key_value, data);
    EXPECT_EQ(expected, sign({h.hmac, nullptr, 0}, key, data)) << h.openssl_name;
    EXPECT_CKR(CKR_OK, verify({h.hmac, nullptr, 0}, key, data, expected)) << h.openssl_name;
    Bytes wrong = expected;
    wrong.back() ^= 1;
    EXPECT_CKR(CKR_SIGNATURE_INVALID, verify({h.hmac, nullptr, 0}, key, data, wrong)) << h.openssl_name;
    EXPECT_CKR(CKR_SIGNATURE_LEN_RANGE, verify({h.hmac, nullptr, 0}, key, data, Bytes(expected.begin(), expected.end() - 1)))
        << h.openssl_name;
  }
  // RFC 4231 test case 1 pins one of them independently of OpenSSL.
  EXPECT_EQ(from_hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            sign({CKM_SHA256_HMAC, nullptr, 0}, key, data));
}

TEST_F(DigestMacTest, HmacGeneralTruncates) {
  const Bytes key_value(32, 0x2a);
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_GENERIC_SECRET, key_value);
  const Bytes data = to_bytes("truncated MACs");
  for (const HashCase& h : kHashes) {
    const Bytes full = ref::hmac(h.openssl_name, key_value, data);
    for (CK_MAC_GENERAL_PARAMS n : {1ul, 4ul, 10ul, 16ul}) {
      CK_MAC_GENERAL_PARAMS length = n;
      CK_MECHANISM mech{h.hmac_general, &length, sizeof length};
      const Bytes mac = sign(mech, key, data);
      EXPECT_EQ(Bytes(full.begin(), full.begin() + static_cast<long>(n)), mac) << h.openssl_name << " " << n;
      EXPECT_CKR(CKR_OK, verify(mech, key, data, mac)) << h.openssl_name << " " << n;
      EXPECT_CKR(CKR_SIGNATURE_LEN_RANGE, verify(mech, key, data, full)) << h.openssl_name << " " << n;
    }
    CK_MAC_GENERAL_PARAMS whole = full.size();
    CK_MECHANISM at_max{h.hmac_general, &whole, sizeof whole};
    EXPECT_EQ(full, sign(at_max, key, data)) << h.openssl_name;
    for (CK_MAC_GENERAL_PARAMS bad : {CK_MAC_GENERAL_PARAMS{0}, CK_MAC_GENERAL_PARAMS{full.size() + 1}}) {
      CK_MECHANISM mech{h.hmac_general, &bad, sizeof bad};
      EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &mech, key)) << h.openssl_name << " " << bad;
    }
  }
  CK_MECHANISM no_param{CKM_SHA256_HMAC_GENERAL, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &no_param, key));
  CK_MAC_GENERAL_PARAMS eight = 8;
  CK_MECHANISM plain_with_param{CKM_SHA256_HMAC, &eight, sizeof eight};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &plain_with_param, key));
}

TEST_F(DigestMacTest, HmacKeyTypesAndUsage) {
  // A key typed for SHA-256 HMAC serves that mechanism only.
  const CK_OBJECT_HANDLE typed = import_secret(session, CKK_SHA256_HMAC, Bytes(32, 5));
  const Bytes data = to_bytes("typed key");
  EXPECT_EQ(ref::hmac("SHA256", Bytes(32, 5), data), sign({CKM_SHA256_HMAC, nullptr, 0}, typed, data));
  CK_MECHANISM sha384{CKM_SHA384_HMAC, nullptr, 0};
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignInit(session, &sha384, typed));
  const CK_OBJECT_HANDLE aes = import_secret(session, CKK_AES, Bytes(16, 5));
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignInit(session, &sha384, aes));
  Template no_verify;
  no_verify.add_bool(CKA_VERIFY, false);
  const CK_OBJECT_HANDLE limited = import_secret(session, CKK_GENERIC_SECRET, Bytes(32, 5), &no_verify);
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, p11->C_VerifyInit(session, &sha384, limited));

  // Multi-part HMAC equals single-part; a short final buffer keeps the operation.
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_GENERIC_SECRET, Bytes(32, 5));
  const Bytes expected = ref::hmac("SHA384", Bytes(32, 5), data);
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &sha384, key));
  ASSERT_CKR(CKR_OK, p11->C_SignUpdate(session, ptr(data), 4));
  ASSERT_CKR(CKR_OK, p11->C_SignUpdate(session, ptr(data) + 4, data.size() - 4));
  Bytes mac(48);
  CK_ULONG len = 20;
  ASSERT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_SignFinal(session, mac.data(), &len));
  EXPECT_EQ(48u, len);
  ASSERT_CKR(CKR_OK, p11->C_SignFinal(session, mac.data(), &len));
  EXPECT_EQ(expected, mac);
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_SignUpdate(session, ptr(data), data.size()));
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &sha384, key));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_SignFinal(session, mac.data(), nullptr));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_SignFinal(session, mac.data(), &len));
}

TEST_F(DigestMacTest, AesCmacKnownAnswers) {
  // NIST SP 800-38B appendix D.1 (AES-128) and D.3 (AES-256).
  const Bytes k128 = from_hex("2b7e151628aed2a6abf7158809cf4f3c");
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_AES, k128);
  const Bytes m16 = from_hex("6bc1bee22e409f96e93d7e117393172a");
  const Bytes m40 = from_hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411");
  CK_MECHANISM cmac{CKM_AES_CMAC, nullptr, 0};
  EXPECT_EQ(from_hex("bb1d6929e95937287fa37d129b756746"), sign(cmac, key, {}));
  EXPECT_EQ(from_hex("070a16b46b4d4144f79bdd9dd04a287c"), sign(cmac, key, m16));
  EXPECT_EQ(from_hex("dfa66747de9ae63030ca32611497c827"), sign(cmac, key, m40));
  const Bytes k256 = from_hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  const CK_OBJECT_HANDLE key256 = import_secret(session, CKK_AES, k256);
  EXPECT_EQ(from_hex("28a7023f452e8f82bd4bf28d8c37c35c"), sign(cmac, key256, m16));
  EXPECT_EQ(ref::aes_cmac(k256, m40), sign(cmac, key256, m40));
  EXPECT_CKR(CKR_OK, verify(cmac, key, m16, from_hex("070a16b46b4d4144f79bdd9dd04a287c")));
  EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(cmac, key, m40, from_hex("070a16b46b4d4144f79bdd9dd04a287c")));
  EXPECT_CKR(CKR_SIGNATURE_LEN_RANGE, verify(cmac, key, m16, from_hex("070a16b46b4d4144")));
  CK_BYTE stray = 1;
  CK_MECHANISM with_param{CKM_AES_CMAC, &stray, 1};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &with_param, key));
  const CK_OBJECT_HANDLE generic = import_secret(session, CKK_GENERIC_SECRET, k128);
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignInit(session, &cmac, generic));
}

TEST_F(DigestMacTest, AesCmacGeneralTruncates) {
  const Bytes k128 = from_hex("2b7e151628aed2a6abf7158809cf4f3c");
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_AES, k128);
  const Bytes m16 = from_hex("6bc1bee22e409f96e93d7e117393172a");
  const Bytes full = from_hex("070a16b46b4d4144f79bdd9dd04a287c");
  for (CK_MAC_GENERAL_PARAMS n : {1ul, 4ul, 8ul, 16ul}) {
    CK_MAC_GENERAL_PARAMS length = n;
    CK_MECHANISM mech{CKM_AES_CMAC_GENERAL, &length, sizeof length};
    const Bytes mac = sign(mech, key, m16);
    EXPECT_EQ(Bytes(full.begin(), full.begin() + static_cast<long>(n)), mac) << n;
    EXPECT_CKR(CKR_OK, verify(mech, key, m16, mac)) << n;
  }
  for (CK_MAC_GENERAL_PARAMS bad : {0ul, 17ul}) {
    CK_MECHANISM mech{CKM_AES_CMAC_GENERAL, &bad, sizeof bad};
    EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &mech, key)) << bad;
  }
  CK_MAC_GENERAL_PARAMS four = 4;
  CK_MECHANISM short_param{CKM_AES_CMAC_GENERAL, &four, 4};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_VerifyInit(session, &short_param, key));
}

}  // namespace
}  // namespace abi_test

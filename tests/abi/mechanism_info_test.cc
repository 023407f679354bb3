// C_GetMechanismInfo for every mechanism family: the operation flags and the
// key-size range (bits for RSA/EC/Edwards/Montgomery, bytes for AES/DES3,
// nothing for digests), and consistency between C_GetMechanismList and
// C_GetMechanismInfo (PKCS#11 3.0 §5.5, Current Mechanisms per-mechanism
// tables).
#include <algorithm>
#include <string>
#include <vector>

#include "module_fixture.h"

namespace abi_test {
namespace {

constexpr CK_FLAGS kCipher = CKF_ENCRYPT | CKF_DECRYPT;
constexpr CK_FLAGS kWrap = CKF_WRAP | CKF_UNWRAP;
constexpr CK_FLAGS kSign = CKF_SIGN | CKF_VERIFY;
constexpr CK_FLAGS kMessage = CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT;

// Every operation flag a mechanism may report.
constexpr CK_FLAGS kKnownFlags = CKF_HW | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_MESSAGE_SIGN |
                                 CKF_MESSAGE_VERIFY | CKF_MULTI_MESSAGE | CKF_FIND_OBJECTS | CKF_ENCRYPT |
                                 CKF_DECRYPT | CKF_DIGEST | CKF_SIGN | CKF_SIGN_RECOVER | CKF_VERIFY |
                                 CKF_VERIFY_RECOVER | CKF_GENERATE | CKF_GENERATE_KEY_PAIR | CKF_WRAP | CKF_UNWRAP |
                                 CKF_DERIVE | CKF_EC_F_P | CKF_EC_F_2M | CKF_EC_ECPARAMETERS | CKF_EC_OID |
                                 CKF_EC_UNCOMPRESS | CKF_EC_COMPRESS | CKF_EC_CURVENAME | CKF_ENCAPSULATE |
                                 CKF_DECAPSULATE | CKF_EXTENSION;

struct Expect {
  CK_MECHANISM_TYPE mechanism;
  CK_FLAGS required;   // these flags must all be set
  CK_ULONG min_size;   // 0: not checked
  CK_ULONG max_size;   // 0: not checked
};

class MechanismInfoTest : public AbiTest {
 protected:
  CK_MECHANISM_INFO info(CK_MECHANISM_TYPE m) {
    CK_MECHANISM_INFO out{};
    EXPECT_CKR(CKR_OK, p11->C_GetMechanismInfo(slot, m, &out)) << "mechanism 0x" << std::hex << m;
    return out;
  }

  void check(const Expect& e) {
    const CK_MECHANISM_INFO i = info(e.mechanism);
    EXPECT_EQ(e.required, i.flags & e.required) << "mechanism 0x" << std::hex << e.mechanism << " flags 0x" << i.flags;
    if (e.min_size != 0) {
      EXPECT_EQ(e.min_size, i.ulMinKeySize) << "mechanism 0x" << std::hex << e.mechanism;
    }
    if (e.max_size != 0) {
      EXPECT_EQ(e.max_size, i.ulMaxKeySize) << "mechanism 0x" << std::hex << e.mechanism;
    }
  }

  std::vector<CK_MECHANISM_TYPE> list() {
    CK_ULONG count = 0;
    EXPECT_CKR(CKR_OK, p11->C_GetMechanismList(slot, nullptr, &count));
    std::vector<CK_MECHANISM_TYPE> out(count);
    EXPECT_CKR(CKR_OK, p11->C_GetMechanismList(slot, out.data(), &count));
    out.resize(count);
    return out;
  }
};

TEST_F(MechanismInfoTest, AesFamily) {
  for (const Expect& e : {
           Expect{CKM_AES_KEY_GEN, CKF_GENERATE, 16, 32},
           Expect{CKM_AES_ECB, kCipher | kWrap, 16, 32},
           Expect{CKM_AES_CBC, kCipher | kWrap, 16, 32},
           Expect{CKM_AES_CBC_PAD, kCipher | kWrap, 16, 32},
           Expect{CKM_AES_CTR, kCipher, 16, 32},
           Expect{CKM_AES_GCM, kCipher | kMessage, 16, 32},
           Expect{CKM_AES_CCM, kCipher | kMessage, 16, 32},
           Expect{CKM_AES_KEY_WRAP, kWrap, 16, 32},
           Expect{CKM_AES_KEY_WRAP_KWP, kWrap, 16, 32},
           Expect{CKM_AES_CMAC, kSign, 16, 32},
           Expect{CKM_AES_CMAC_GENERAL, kSign, 16, 32},
       }) {
    check(e);
  }
  // MACs neither encrypt nor digest.
  EXPECT_EQ(0u, info(CKM_AES_CMAC).flags & (kCipher | CKF_DIGEST));
}

TEST_F(MechanismInfoTest, DigestsAndHmacs) {
  for (CK_MECHANISM_TYPE m : {CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384, CKM_SHA512, CKM_SHA512_224,
                              CKM_SHA512_256, CKM_SHA3_224, CKM_SHA3_256, CKM_SHA3_384, CKM_SHA3_512}) {
    const CK_MECHANISM_INFO i = info(m);
    EXPECT_EQ(CKF_DIGEST, i.flags & (CKF_DIGEST | kSign | kCipher)) << "mechanism 0x" << std::hex << m;
  }
  for (CK_MECHANISM_TYPE m :
       {CKM_SHA_1_HMAC, CKM_SHA224_HMAC, CKM_SHA256_HMAC, CKM_SHA384_HMAC, CKM_SHA512_HMAC, CKM_SHA512_224_HMAC,
        CKM_SHA512_256_HMAC, CKM_SHA3_224_HMAC, CKM_SHA3_256_HMAC, CKM_SHA3_384_HMAC, CKM_SHA3_512_HMAC,
        CKM_SHA_1_HMAC_GENERAL, CKM_SHA256_HMAC_GENERAL, CKM_SHA512_HMAC_GENERAL, CKM_SHA3_256_HMAC_GENERAL}) {
    const CK_MECHANISM_INFO i = info(m);
    EXPECT_EQ(kSign, i.flags & (kSign | CKF_DIGEST | kCipher)) << "mechanism 0x" << std::hex << m;
    EXPECT_GE(i.ulMaxKeySize, i.ulMinKeySize) << "mechanism 0x" << std::hex << m;
    EXPECT_GE(i.ulMaxKeySize, 64u) << "mechanism 0x" << std::hex << m;  // a block-sized key fits
  }
  const CK_MECHANISM_INFO gen = info(CKM_GENERIC_SECRET_KEY_GEN);
  EXPECT_NE(0u, gen.flags & CKF_GENERATE);
  EXPECT_GE(gen.ulMaxKeySize, gen.ulMinKeySize);
}

TEST_F(MechanismInfoTest, RsaFamilyInBits) {
  const CK_MECHANISM_INFO gen = info(CKM_RSA_PKCS_KEY_PAIR_GEN);
  EXPECT_NE(0u, gen.flags & CKF_GENERATE_KEY_PAIR);
  EXPECT_LE(gen.ulMinKeySize, 2048u);
  EXPECT_GE(gen.ulMaxKeySize, 4096u);
  EXPECT_EQ(0u, gen.ulMinKeySize % 8);
  for (const Expect& e : {
           Expect{CKM_RSA_PKCS, kCipher | kSign | kWrap | CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER, 0, 0},
           Expect{CKM_RSA_X_509, kCipher | kSign | CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER, 0, 0},
           Expect{CKM_RSA_PKCS_OAEP, kCipher | kWrap, 0, 0},
           Expect{CKM_RSA_PKCS_PSS, kSign, 0, 0},
       }) {
    check(e);
  }
  for (CK_MECHANISM_TYPE m : {CKM_SHA224_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS,
                              CKM_SHA3_224_RSA_PKCS, CKM_SHA3_256_RSA_PKCS, CKM_SHA3_384_RSA_PKCS, CKM_SHA3_512_RSA_PKCS,
                              CKM_SHA224_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS,
                              CKM_SHA512_RSA_PKCS_PSS, CKM_SHA3_224_RSA_PKCS_PSS, CKM_SHA3_256_RSA_PKCS_PSS,
                              CKM_SHA3_384_RSA_PKCS_PSS, CKM_SHA3_512_RSA_PKCS_PSS}) {
    const CK_MECHANISM_INFO i = info(m);
    EXPECT_EQ(kSign, i.flags & (kSign | kCipher | CKF_SIGN_RECOVER)) << "mechanism 0x" << std::hex << m;
    EXPECT_LE(i.ulMinKeySize, 2048u) << "mechanism 0x" << std::hex << m;
    EXPECT_GE(i.ulMaxKeySize, 4096u) << "mechanism 0x" << std::hex << m;
  }
}

TEST_F(MechanismInfoTest, EllipticCurvesInBits) {
  const CK_MECHANISM_INFO gen = info(CKM_EC_KEY_PAIR_GEN);
  EXPECT_NE(0u, gen.flags & CKF_GENERATE_KEY_PAIR);
  EXPECT_NE(0u, gen.flags & CKF_EC_OID);
  EXPECT_NE(0u, gen.flags & CKF_EC_UNCOMPRESS);
  EXPECT_LE(gen.ulMinKeySize, 256u);
  EXPECT_EQ(521u, gen.ulMaxKeySize);
  for (CK_MECHANISM_TYPE m : {CKM_ECDSA, CKM_ECDSA_SHA224, CKM_ECDSA_SHA256, CKM_ECDSA_SHA384, CKM_ECDSA_SHA512,
                              CKM_ECDSA_SHA3_224, CKM_ECDSA_SHA3_256, CKM_ECDSA_SHA3_384, CKM_ECDSA_SHA3_512}) {
    const CK_MECHANISM_INFO i = info(m);
    EXPECT_EQ(kSign, i.flags & (kSign | CKF_DERIVE)) << "mechanism 0x" << std::hex << m;
    EXPECT_EQ(521u, i.ulMaxKeySize) << "mechanism 0x" << std::hex << m;
  }
  for (CK_MECHANISM_TYPE m : {CKM_ECDH1_DERIVE, CKM_ECDH1_COFACTOR_DERIVE}) {
    const CK_MECHANISM_INFO i = info(m);
    EXPECT_EQ(CKF_DERIVE, i.flags & (CKF_DERIVE | kSign)) << "mechanism 0x" << std::hex << m;
  }
  check({CKM_EC_EDWARDS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR, 255, 448});
  check({CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR, 255, 448});
  check({CKM_EDDSA, kSign, 255, 448});
}

TEST_F(MechanismInfoTest, KeyDerivationRows) {
  check({CKM_HKDF_DERIVE, CKF_DERIVE, 0, 0});
  check({CKM_HKDF_DATA, CKF_DERIVE, 0, 0});
  check({CKM_HKDF_KEY_GEN, CKF_GENERATE, 0, 0});
  check({CKM_PKCS5_PBKD2, CKF_GENERATE, 0, 0});
}

TEST_F(MechanismInfoTest, EveryListedMechanismHasCoherentInfo) {
  const std::vector<CK_MECHANISM_TYPE> mechanisms = list();
  ASSERT_GT(mechanisms.size(), 60u);
  for (CK_MECHANISM_TYPE m : mechanisms) {
    const CK_MECHANISM_INFO i = info(m);
    EXPECT_NE(0u, i.flags & ~static_cast<CK_FLAGS>(CKF_HW)) << "mechanism 0x" << std::hex << m << " offers nothing";
    EXPECT_EQ(0u, i.flags & ~kKnownFlags) << "mechanism 0x" << std::hex << m << " flags 0x" << i.flags;
    if (i.ulMaxKeySize != 0) {
      EXPECT_LE(i.ulMinKeySize, i.ulMaxKeySize) << "mechanism 0x" << std::hex << m;
    }
  }
  // No duplicates in the list.
  std::vector<CK_MECHANISM_TYPE> sorted = mechanisms;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted.end(), std::adjacent_find(sorted.begin(), sorted.end()));

  // Every mechanism that claims CKF_DIGEST starts a digest.
  init_token();
  CK_SESSION_HANDLE session = open_session();
  for (CK_MECHANISM_TYPE m : mechanisms) {
    if ((info(m).flags & CKF_DIGEST) == 0) continue;
    CK_MECHANISM mech{m, nullptr, 0};
    EXPECT_CKR(CKR_OK, p11->C_DigestInit(session, &mech)) << "mechanism 0x" << std::hex << m;
    ASSERT_CKR(CKR_OK, p11->C_SessionCancel(session, CKF_DIGEST));
  }
}

TEST_F(MechanismInfoTest, GenerationRangesAreReal) {
  // The advertised ends of the ranges can actually be generated.
  init_token();
  CK_SESSION_HANDLE session = open_session();
  login(session);
  const CK_MECHANISM_INFO aes = info(CKM_AES_KEY_GEN);
  for (CK_ULONG bytes : {aes.ulMinKeySize, aes.ulMaxKeySize}) {
    EXPECT_EQ(bytes, attribute_ulong(session, generate_aes(session, bytes), CKA_VALUE_LEN));
  }
  // P-521 is the largest curve advertised.
  const Bytes p521{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
  const KeyPair kp = generate_ec(session, p521);
  EXPECT_NE(CK_INVALID_HANDLE, kp.private_key);
}

}  // namespace
}  // namespace abi_test

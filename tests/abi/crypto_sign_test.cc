// Signatures and verification through the C ABI; every signature the module
// makes is verified independently with OpenSSL from the public attributes.
#include <cstring>
#include <string>

#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

using ossl::from_hex;

class SignTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }

  Bytes sign(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data) {
    EXPECT_CKR(CKR_OK, p11->C_SignInit(session, &mech, key));
    CK_ULONG len = 0;
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, ptr(data), data.size(), nullptr, &len));
    Bytes sig(len);
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, ptr(data), data.size(), sig.data(), &len));
    sig.resize(len);
    return sig;
  }

  CK_RV verify(CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data, const Bytes& sig) {
    EXPECT_CKR(CKR_OK, p11->C_VerifyInit(session, &mech, key));
    return p11->C_Verify(session, ptr(data), data.size(), ptr(sig), sig.size());
  }

  Bytes ec_point(CK_OBJECT_HANDLE public_key) {
    return ossl::der_octet_string_contents(attribute(session, public_key, CKA_EC_POINT));
  }

  static CK_BYTE_PTR ptr(const Bytes& b) { return const_cast<CK_BYTE_PTR>(b.data()); }

  const Bytes message = to_bytes("message to be signed");
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
};

TEST_F(SignTest, RsaPkcs1Sha256) {
  const KeyPair kp = generate_rsa(session);
  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
  const Bytes sig = sign(mech, kp.private_key, message);
  ASSERT_EQ(256u, sig.size());
  EXPECT_TRUE(ossl::verify_rsa_pkcs1(attribute(session, kp.public_key, CKA_MODULUS),
                                     attribute(session, kp.public_key, CKA_PUBLIC_EXPONENT), "SHA256", message, sig));
  EXPECT_CKR(CKR_OK, verify(mech, kp.public_key, message, sig));
  Bytes tampered = sig;
  tampered[10] ^= 1;
  EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(mech, kp.public_key, message, tampered));

  // Multi-part gives the same (deterministic) signature.
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &mech, kp.private_key));
  ASSERT_CKR(CKR_OK, p11->C_SignUpdate(session, ptr(message), 7));
  ASSERT_CKR(CKR_OK, p11->C_SignUpdate(session, ptr(message) + 7, message.size() - 7));
  Bytes multi(256);
  CK_ULONG len = 100;
  ASSERT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_SignFinal(session, multi.data(), &len));
  EXPECT_EQ(256u, len);
  ASSERT_CKR(CKR_OK, p11->C_SignFinal(session, multi.data(), &len));
  EXPECT_EQ(sig, multi);

  ASSERT_CKR(CKR_OK, p11->C_VerifyInit(session, &mech, kp.public_key));
  ASSERT_CKR(CKR_OK, p11->C_VerifyUpdate(session, ptr(message), message.size()));
  EXPECT_CKR(CKR_OK, p11->C_VerifyFinal(session, ptr(sig), sig.size()));
}

TEST_F(SignTest, RsaPssSha256VerifiedByOpenSsl) {
  const KeyPair kp = generate_rsa(session);
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof pss};
  const Bytes sig = sign(mech, kp.private_key, message);
  ASSERT_EQ(256u, sig.size());
  EXPECT_TRUE(ossl::verify_rsa_pss(attribute(session, kp.public_key, CKA_MODULUS),
                                   attribute(session, kp.public_key, CKA_PUBLIC_EXPONENT), "SHA256", 32, message,
                                   sig));
  EXPECT_CKR(CKR_OK, verify(mech, kp.public_key, message, sig));
}

TEST_F(SignTest, EcdsaP256AndP384VerifiedByOpenSsl) {
  const KeyPair p256 = generate_ec(session, p256_params());
  CK_MECHANISM sha256{CKM_ECDSA_SHA256, nullptr, 0};
  const Bytes sig = sign(sha256, p256.private_key, message);
  ASSERT_EQ(64u, sig.size());
  EXPECT_TRUE(ossl::verify_ecdsa("prime256v1", ec_point(p256.public_key), "SHA256", message, sig));
  EXPECT_CKR(CKR_OK, verify(sha256, p256.public_key, message, sig));
  EXPECT_CKR(CKR_SIGNATURE_LEN_RANGE, verify(sha256, p256.public_key, message, Bytes(sig.begin(), sig.end() - 1)));
  Bytes wrong = sig;
  wrong[40] ^= 0x80;
  EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(sha256, p256.public_key, message, wrong));

  // Raw CKM_ECDSA signs a hash the caller computed.
  const KeyPair p384 = generate_ec(session, p384_params());
  const Bytes hash = ossl::digest("SHA384", message);
  CK_MECHANISM raw{CKM_ECDSA, nullptr, 0};
  const Bytes raw_sig = sign(raw, p384.private_key, hash);
  ASSERT_EQ(96u, raw_sig.size());
  EXPECT_TRUE(ossl::verify_ecdsa("secp384r1", ec_point(p384.public_key), "", hash, raw_sig));
}

TEST_F(SignTest, Ed25519VerifiedByOpenSsl) {
  const KeyPair kp = generate_ed25519(session);
  CK_MECHANISM mech{CKM_EDDSA, nullptr, 0};
  const Bytes sig = sign(mech, kp.private_key, message);
  ASSERT_EQ(64u, sig.size());
  const Bytes point = ec_point(kp.public_key);
  ASSERT_EQ(32u, point.size());
  EXPECT_TRUE(ossl::verify_ed25519(point, message, sig));
  EXPECT_CKR(CKR_OK, verify(mech, kp.public_key, message, sig));
}

TEST_F(SignTest, HmacSha256KnownAnswer) {
  // RFC 4231 test case 2.
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_GENERIC_SECRET, to_bytes("Jefe"));
  CK_MECHANISM mech{CKM_SHA256_HMAC, nullptr, 0};
  const Bytes data = to_bytes("what do ya want for nothing?");
  const Bytes mac = sign(mech, key, data);
  EXPECT_EQ(from_hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"), mac);
  EXPECT_CKR(CKR_OK, verify(mech, key, data, mac));
}

TEST_F(SignTest, OperationRules) {
  const KeyPair kp = generate_ec(session, p256_params());
  CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
  // Single-part after multi-part.
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &mech, kp.private_key));
  ASSERT_CKR(CKR_OK, p11->C_SignUpdate(session, ptr(message), message.size()));
  Bytes sig(64);
  CK_ULONG len = sig.size();
  EXPECT_CKR(CKR_OPERATION_ACTIVE, p11->C_Sign(session, ptr(message), message.size(), sig.data(), &len));
  (void)p11->C_SignInit(session, nullptr, kp.private_key);  // make sure nothing is left active

  // A missing length pointer is an error that ends the operation.
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &mech, kp.private_key));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_Sign(session, ptr(message), message.size(), sig.data(), nullptr));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED,
             p11->C_Sign(session, ptr(message), message.size(), sig.data(), &len));

  // Verify with a NULL signature pointer but a length.
  ASSERT_CKR(CKR_OK, p11->C_VerifyInit(session, &mech, kp.public_key));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_Verify(session, ptr(message), message.size(), nullptr, 64));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED,
             p11->C_Verify(session, ptr(message), message.size(), sig.data(), 64));
}

TEST_F(SignTest, KeyTypeAndUsageChecks) {
  const KeyPair rsa = generate_rsa(session);
  CK_MECHANISM ecdsa{CKM_ECDSA_SHA256, nullptr, 0};
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignInit(session, &ecdsa, rsa.private_key));
  Template no_sign;
  no_sign.add_bool(CKA_SIGN, false);
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_GENERIC_SECRET, Bytes(32, 9), &no_sign);
  CK_MECHANISM hmac{CKM_SHA256_HMAC, nullptr, 0};
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, p11->C_SignInit(session, &hmac, key));
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_MECHANISM broken{CKM_SHA256_RSA_PKCS_PSS, nullptr, sizeof pss};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &broken, rsa.private_key));
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_VerifyInit(session, &broken, rsa.public_key));
}

TEST_F(SignTest, RsaSignRecoverRoundTrip) {
  const KeyPair kp = generate_rsa(session);
  CK_MECHANISM mech{CKM_RSA_PKCS, nullptr, 0};
  const Bytes data = to_bytes("recoverable");
  ASSERT_CKR(CKR_OK, p11->C_SignRecoverInit(session, &mech, kp.private_key));
  CK_ULONG len = 0;
  ASSERT_CKR(CKR_OK, p11->C_SignRecover(session, ptr(data), data.size(), nullptr, &len));
  Bytes sig(len);
  ASSERT_CKR(CKR_OK, p11->C_SignRecover(session, ptr(data), data.size(), sig.data(), &len));
  sig.resize(len);
  ASSERT_EQ(256u, sig.size());

  ASSERT_CKR(CKR_OK, p11->C_VerifyRecoverInit(session, &mech, kp.public_key));
  Bytes back(256);
  len = back.size();
  ASSERT_CKR(CKR_OK, p11->C_VerifyRecover(session, sig.data(), sig.size(), back.data(), &len));
  back.resize(len);
  EXPECT_EQ(data, back);
}

}  // namespace
}  // namespace abi_test

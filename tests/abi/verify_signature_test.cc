// PKCS#11 3.2 C_VerifySignatureInit / C_VerifySignature / Update / Final:
// verification with the signature supplied before the data.
#include "module_fixture.h"

namespace abi_test {
namespace {

class VerifySignatureTest : public AbiTest {
 protected:
  // Signs `data` with CKM_SHA256_HMAC under `key` through C_Sign.
  Bytes sign(CK_SESSION_HANDLE session, CK_MECHANISM* mech, CK_OBJECT_HANDLE key, const Bytes& data) {
    EXPECT_CKR(CKR_OK, p11->C_SignInit(session, mech, key));
    Bytes sig(64);
    CK_ULONG len = sig.size();
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, const_cast<CK_BYTE*>(data.data()), data.size(), sig.data(), &len));
    sig.resize(len);
    return sig;
  }
};

TEST_F(VerifySignatureTest, SinglePartAcceptsGoodAndRejectsBadSignature) {
  CK_SESSION_HANDLE session = user_session();
  KeyPair pair = generate_ed25519(session);
  CK_MECHANISM mech{CKM_EDDSA, nullptr, 0};
  const Bytes data = {'h', 'e', 'l', 'l', 'o'};
  Bytes sig = sign(session, &mech, pair.private_key, data);
  ASSERT_EQ(sig.size(), 64u);

  ASSERT_CKR(CKR_OK, p11->C_VerifySignatureInit(session, &mech, pair.public_key, sig.data(), sig.size()));
  EXPECT_CKR(CKR_OK, p11->C_VerifySignature(session, const_cast<CK_BYTE*>(data.data()), data.size()));
  // The operation ended: a second call has nothing to verify.
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED,
             p11->C_VerifySignature(session, const_cast<CK_BYTE*>(data.data()), data.size()));

  sig[10] ^= 1;
  ASSERT_CKR(CKR_OK, p11->C_VerifySignatureInit(session, &mech, pair.public_key, sig.data(), sig.size()));
  EXPECT_CKR(CKR_SIGNATURE_INVALID, p11->C_VerifySignature(session, const_cast<CK_BYTE*>(data.data()), data.size()));
}

TEST_F(VerifySignatureTest, MultiPartWithEcdsaSha256) {
  CK_SESSION_HANDLE session = user_session();
  const Bytes p256 = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  KeyPair pair = generate_ec(session, p256);
  CK_MECHANISM mech{CKM_ECDSA_SHA256, nullptr, 0};
  Bytes data(1000, 0x5a);
  Bytes sig = sign(session, &mech, pair.private_key, data);

  ASSERT_CKR(CKR_OK, p11->C_VerifySignatureInit(session, &mech, pair.public_key, sig.data(), sig.size()));
  EXPECT_CKR(CKR_OK, p11->C_VerifySignatureUpdate(session, data.data(), 600));
  // Mixing single-part into a multi-part verification is refused.
  EXPECT_CKR(CKR_OPERATION_ACTIVE, p11->C_VerifySignature(session, data.data(), 10));
  EXPECT_CKR(CKR_OK, p11->C_VerifySignatureUpdate(session, data.data() + 600, 400));
  EXPECT_CKR(CKR_OK, p11->C_VerifySignatureFinal(session));

  ASSERT_CKR(CKR_OK, p11->C_VerifySignatureInit(session, &mech, pair.public_key, sig.data(), sig.size()));
  EXPECT_CKR(CKR_OK, p11->C_VerifySignatureUpdate(session, data.data(), 999));
  EXPECT_CKR(CKR_SIGNATURE_INVALID, p11->C_VerifySignatureFinal(session));
}

TEST_F(VerifySignatureTest, StateAndArgumentErrors) {
  CK_SESSION_HANDLE session = user_session();
  KeyPair pair = generate_ed25519(session);
  CK_MECHANISM mech{CKM_EDDSA, nullptr, 0};
  Bytes sig(64, 0);
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_VerifySignatureFinal(session));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_VerifySignatureInit(session, &mech, pair.public_key, nullptr, 64));
  // A private key cannot verify.
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT,
             p11->C_VerifySignatureInit(session, &mech, pair.private_key, sig.data(), sig.size()));
  ASSERT_CKR(CKR_OK, p11->C_VerifySignatureInit(session, &mech, pair.public_key, sig.data(), sig.size()));
  EXPECT_CKR(CKR_OPERATION_ACTIVE,
             p11->C_VerifySignatureInit(session, &mech, pair.public_key, sig.data(), sig.size()));
  // A NULL mechanism cancels (3.0 semantics), after which init works again.
  EXPECT_CKR(CKR_OK, p11->C_VerifySignatureInit(session, nullptr, pair.public_key, nullptr, 0));
  EXPECT_CKR(CKR_OK, p11->C_VerifySignatureInit(session, &mech, pair.public_key, sig.data(), sig.size()));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_VerifySignature(999999, sig.data(), 1));
}

}  // namespace
}  // namespace abi_test

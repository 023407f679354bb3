// Dual-function updates (C_DigestEncryptUpdate ...) and message-based
// encryption (C_MessageEncryptInit ...).
#include <cstring>
#include <string>

#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

using ossl::from_hex;

class DualTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
    aes = import_secret(session, CKK_AES, aes_value);
    hmac = import_secret(session, CKK_GENERIC_SECRET, hmac_value);
    cbc = {CKM_AES_CBC, iv.data(), static_cast<CK_ULONG>(iv.size())};
  }

  // AES-CBC without padding of whole blocks: the padded form minus its last block.
  Bytes expected_cbc() {
    Bytes ct = ossl::aes_cbc_pad_encrypt(aes_value, iv, plain);
    ct.resize(plain.size());
    return ct;
  }

  CK_BYTE_PTR ptr(const Bytes& b) { return const_cast<CK_BYTE_PTR>(b.data()); }

  Bytes finish(CK_C_DigestFinal final) {
    Bytes out(64);
    CK_ULONG len = out.size();
    EXPECT_CKR(CKR_OK, final(session, out.data(), &len));
    out.resize(len);
    return out;
  }

  Bytes hmac_sha256(const Bytes& data) {
    CK_MECHANISM mech{CKM_SHA256_HMAC, nullptr, 0};
    EXPECT_CKR(CKR_OK, p11->C_SignInit(session, &mech, hmac));
    Bytes mac(32);
    CK_ULONG len = mac.size();
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, ptr(data), data.size(), mac.data(), &len));
    return mac;
  }

  const Bytes aes_value = from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const Bytes hmac_value = Bytes(32, 0x5c);
  Bytes iv = from_hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  const Bytes plain = Bytes(48, 0x3a);  // whole blocks: CBC without padding returns every byte at once
  CK_MECHANISM cbc{CKM_AES_CBC, nullptr, 0};
  CK_MECHANISM sha256{CKM_SHA256, nullptr, 0};
  CK_MECHANISM hmac_mech{CKM_SHA256_HMAC, nullptr, 0};
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE aes = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE hmac = CK_INVALID_HANDLE;
};

TEST_F(DualTest, DigestEncryptThenDecryptDigest) {
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &sha256));
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &cbc, aes));
  Bytes ct;
  for (std::size_t pos = 0; pos < plain.size(); pos += 16) {
    Bytes part(16);
    CK_ULONG len = 0;
    // A length query consumes nothing on either side.
    ASSERT_CKR(CKR_OK, p11->C_DigestEncryptUpdate(session, ptr(plain) + pos, 16, nullptr, &len));
    len = part.size();
    ASSERT_CKR(CKR_OK, p11->C_DigestEncryptUpdate(session, ptr(plain) + pos, 16, part.data(), &len));
    ct.insert(ct.end(), part.begin(), part.begin() + static_cast<long>(len));
  }
  Bytes tail = finish(p11->C_EncryptFinal);
  ct.insert(ct.end(), tail.begin(), tail.end());
  EXPECT_EQ(expected_cbc(), ct);
  EXPECT_EQ(ossl::digest("SHA256", plain), finish(p11->C_DigestFinal));

  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &sha256));
  ASSERT_CKR(CKR_OK, p11->C_DecryptInit(session, &cbc, aes));
  Bytes back(64);
  CK_ULONG len = back.size();
  ASSERT_CKR(CKR_OK, p11->C_DecryptDigestUpdate(session, ct.data(), ct.size(), back.data(), &len));
  back.resize(len);
  // Whatever C_DecryptFinal returns is the application's to digest.
  Bytes last = finish(p11->C_DecryptFinal);
  if (!last.empty()) {
    ASSERT_CKR(CKR_OK, p11->C_DigestUpdate(session, last.data(), last.size()));
  }
  back.insert(back.end(), last.begin(), last.end());
  EXPECT_EQ(plain, back);
  EXPECT_EQ(ossl::digest("SHA256", plain), finish(p11->C_DigestFinal));
}

TEST_F(DualTest, InactiveSecondOperationConsumesNothing) {
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &cbc, aes));
  Bytes out(64);
  CK_ULONG len = out.size();
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED,
             p11->C_DigestEncryptUpdate(session, ptr(plain), plain.size(), out.data(), &len));
  // The encryption was not fed: it still produces the whole ciphertext.
  len = out.size();
  ASSERT_CKR(CKR_OK, p11->C_Encrypt(session, ptr(plain), plain.size(), out.data(), &len));
  ASSERT_EQ(48u, len);
  out.resize(len);
  EXPECT_EQ(expected_cbc(), out);
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_DigestEncryptUpdate(session, ptr(plain), plain.size(), out.data(), nullptr));
}

TEST_F(DualTest, SignEncryptThenDecryptVerify) {
  const Bytes mac = hmac_sha256(plain);
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &hmac_mech, hmac));
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &cbc, aes));
  Bytes ct(64);
  CK_ULONG len = ct.size();
  ASSERT_CKR(CKR_OK, p11->C_SignEncryptUpdate(session, ptr(plain), plain.size(), ct.data(), &len));
  ct.resize(len);
  Bytes tail = finish(p11->C_EncryptFinal);
  ct.insert(ct.end(), tail.begin(), tail.end());
  EXPECT_EQ(mac, finish(p11->C_SignFinal));

  ASSERT_CKR(CKR_OK, p11->C_VerifyInit(session, &hmac_mech, hmac));
  ASSERT_CKR(CKR_OK, p11->C_DecryptInit(session, &cbc, aes));
  Bytes back(64);
  len = back.size();
  ASSERT_CKR(CKR_OK, p11->C_DecryptVerifyUpdate(session, ct.data(), ct.size(), back.data(), &len));
  back.resize(len);
  Bytes last = finish(p11->C_DecryptFinal);
  if (!last.empty()) {
    ASSERT_CKR(CKR_OK, p11->C_VerifyUpdate(session, last.data(), last.size()));
  }
  back.insert(back.end(), last.begin(), last.end());
  EXPECT_EQ(plain, back);
  EXPECT_CKR(CKR_OK, p11->C_VerifyFinal(session, const_cast<CK_BYTE_PTR>(mac.data()), mac.size()));
}

// --- message-based encryption ---

using MessageTest = DualTest;

TEST_F(MessageTest, GcmMessagesMatchOpenSsl) {
  Bytes msg_iv = from_hex("101112131415161718191a1b");
  Bytes aad = to_bytes("message header");
  Bytes tag(16);
  CK_GCM_MESSAGE_PARAMS params{msg_iv.data(), msg_iv.size(), 0, CKG_NO_GENERATE, tag.data(), 128};
  CK_MECHANISM gcm{CKM_AES_GCM, nullptr, 0};
  const Bytes expected = ossl::aes_gcm_encrypt(aes_value, msg_iv, aad, plain);

  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptInit(session, &gcm, aes));
  Bytes ct(plain.size());
  CK_ULONG len = ct.size();
  ASSERT_CKR(CKR_OK, p11->C_EncryptMessage(session, &params, sizeof params, aad.data(), aad.size(), ptr(plain),
                                           plain.size(), ct.data(), &len));
  ct.resize(len);
  Bytes ct_and_tag = ct;
  ct_and_tag.insert(ct_and_tag.end(), tag.begin(), tag.end());
  EXPECT_EQ(expected, ct_and_tag);

  // The same message in parts.
  Bytes tag2(16);
  params.pTag = tag2.data();
  ASSERT_CKR(CKR_OK, p11->C_EncryptMessageBegin(session, &params, sizeof params, aad.data(), aad.size()));
  Bytes parts(plain.size() + 16);
  CK_ULONG first = parts.size();
  ASSERT_CKR(CKR_OK, p11->C_EncryptMessageNext(session, &params, sizeof params, ptr(plain), 20, parts.data(),
                                               &first, 0));
  CK_ULONG second = parts.size() - first;
  ASSERT_CKR(CKR_OK, p11->C_EncryptMessageNext(session, &params, sizeof params, ptr(plain) + 20, plain.size() - 20,
                                               parts.data() + first, &second, CKF_END_OF_MESSAGE));
  parts.resize(first + second);
  EXPECT_EQ(ct, parts);
  EXPECT_EQ(tag, tag2);
  CK_ULONG dummy = 16;
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_EncryptMessageNext(session, &params, sizeof params, ptr(plain), 1,
                                                          parts.data(), &dummy, 0x80));
  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptFinal(session));

  params.pTag = tag.data();
  ASSERT_CKR(CKR_OK, p11->C_MessageDecryptInit(session, &gcm, aes));
  Bytes back(ct.size());
  len = back.size();
  ASSERT_CKR(CKR_OK, p11->C_DecryptMessage(session, &params, sizeof params, aad.data(), aad.size(), ct.data(),
                                           ct.size(), back.data(), &len));
  back.resize(len);
  EXPECT_EQ(plain, back);

  // And decrypted in parts.
  ASSERT_CKR(CKR_OK, p11->C_DecryptMessageBegin(session, &params, sizeof params, aad.data(), aad.size()));
  Bytes pieces(ct.size() + 16);
  first = pieces.size();
  ASSERT_CKR(CKR_OK, p11->C_DecryptMessageNext(session, &params, sizeof params, ct.data(), 16, pieces.data(), &first,
                                               0));
  second = pieces.size() - first;
  ASSERT_CKR(CKR_OK, p11->C_DecryptMessageNext(session, &params, sizeof params, ct.data() + 16, ct.size() - 16,
                                               pieces.data() + first, &second, CKF_END_OF_MESSAGE));
  pieces.resize(first + second);
  EXPECT_EQ(plain, pieces);
  ASSERT_CKR(CKR_OK, p11->C_MessageDecryptFinal(session));
}

TEST_F(MessageTest, ArgumentChecksAndUnsupportedSigning) {
  CK_MECHANISM gcm{CKM_AES_GCM, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptInit(session, &gcm, aes));
  CK_ULONG len = 0;
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_EncryptMessage(session, nullptr, 40, nullptr, 0, ptr(plain), plain.size(),
                                                      nullptr, &len));
  EXPECT_CKR(CKR_ARGUMENTS_BAD,
             p11->C_EncryptMessage(session, nullptr, 0, nullptr, 0, ptr(plain), plain.size(), nullptr, nullptr));
  // A NULL mechanism cancels the message-based operation.
  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptInit(session, nullptr, aes));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_MessageEncryptFinal(session));

  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED, p11->C_MessageSignInit(session, &hmac_mech, hmac));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED, p11->C_MessageVerifyInit(session, &hmac_mech, hmac));
  CK_BYTE sig[32] = {};
  CK_ULONG sig_len = sizeof sig;
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED, p11->C_SignMessage(session, nullptr, 0, ptr(plain), plain.size(), sig, &sig_len));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED, p11->C_SignMessageBegin(session, nullptr, 0));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED,
             p11->C_SignMessageNext(session, nullptr, 0, ptr(plain), plain.size(), sig, &sig_len));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED, p11->C_MessageSignFinal(session));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED,
             p11->C_VerifyMessage(session, nullptr, 0, ptr(plain), plain.size(), sig, sizeof sig));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED, p11->C_VerifyMessageBegin(session, nullptr, 0));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED,
             p11->C_VerifyMessageNext(session, nullptr, 0, ptr(plain), plain.size(), sig, sizeof sig));
  EXPECT_CKR(CKR_FUNCTION_NOT_SUPPORTED, p11->C_MessageVerifyFinal(session));
}

}  // namespace
}  // namespace abi_test

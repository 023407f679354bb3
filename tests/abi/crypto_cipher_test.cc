// Encryption, decryption and digests through the C ABI, including the
// buffer convention and operation life-cycle rules (PKCS#11 §5.2).
#include <cstring>
#include <string>

#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

using ossl::from_hex;

class CipherTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
    key = import_secret(session, CKK_AES, key_value);
    cbc_pad = {CKM_AES_CBC_PAD, iv.data(), static_cast<CK_ULONG>(iv.size())};
  }

  // Multi-part helper: feeds `in` in `chunk`-byte parts, then finishes.
  Bytes run_multipart(CK_C_EncryptUpdate update, CK_C_EncryptFinal final, const Bytes& in, std::size_t chunk) {
    Bytes out;
    for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
      const std::size_t n = std::min(chunk, in.size() - pos);
      Bytes part(n + 32);
      CK_ULONG len = part.size();
      EXPECT_CKR(CKR_OK, update(session, const_cast<CK_BYTE_PTR>(in.data() + pos), n, part.data(), &len));
      out.insert(out.end(), part.begin(), part.begin() + static_cast<long>(len));
    }
    Bytes last(32);
    CK_ULONG len = last.size();
    EXPECT_CKR(CKR_OK, final(session, last.data(), &len));
    out.insert(out.end(), last.begin(), last.begin() + static_cast<long>(len));
    return out;
  }

  Bytes encrypt(CK_MECHANISM& mech, const Bytes& in) {
    EXPECT_CKR(CKR_OK, p11->C_EncryptInit(session, &mech, key));
    Bytes out(in.size() + 32);
    CK_ULONG len = out.size();
    EXPECT_CKR(CKR_OK, p11->C_Encrypt(session, const_cast<CK_BYTE_PTR>(in.data()), in.size(), out.data(), &len));
    out.resize(len);
    return out;
  }

  const Bytes key_value = from_hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  Bytes iv = from_hex("000102030405060708090a0b0c0d0e0f");
  const Bytes plain = to_bytes("The quick brown fox jumps over the lazy dog!");  // 44 bytes
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_MECHANISM cbc_pad{};
};

TEST_F(CipherTest, AesCbcPadMatchesOpenSslSingleAndMultiPart) {
  const Bytes expected = ossl::aes_cbc_pad_encrypt(key_value, iv, plain);
  ASSERT_EQ(48u, expected.size());
  EXPECT_EQ(expected, encrypt(cbc_pad, plain));

  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &cbc_pad, key));
  EXPECT_EQ(expected, run_multipart(p11->C_EncryptUpdate, p11->C_EncryptFinal, plain, 10));

  ASSERT_CKR(CKR_OK, p11->C_DecryptInit(session, &cbc_pad, key));
  Bytes back(64);
  CK_ULONG len = back.size();
  ASSERT_CKR(CKR_OK, p11->C_Decrypt(session, const_cast<CK_BYTE_PTR>(expected.data()), expected.size(), back.data(), &len));
  back.resize(len);
  EXPECT_EQ(plain, back);

  ASSERT_CKR(CKR_OK, p11->C_DecryptInit(session, &cbc_pad, key));
  EXPECT_EQ(plain, run_multipart(p11->C_DecryptUpdate, p11->C_DecryptFinal, expected, 7));
}

TEST_F(CipherTest, AesGcmMatchesOpenSsl) {
  Bytes gcm_iv = from_hex("cafebabefacedbaddecaf888");
  Bytes aad = to_bytes("header");
  CK_GCM_PARAMS params{gcm_iv.data(), gcm_iv.size(), gcm_iv.size() * 8, aad.data(), aad.size(), 128};
  CK_MECHANISM gcm{CKM_AES_GCM, &params, sizeof params};
  const Bytes expected = ossl::aes_gcm_encrypt(key_value, gcm_iv, aad, plain);
  EXPECT_EQ(expected, encrypt(gcm, plain));

  ASSERT_CKR(CKR_OK, p11->C_DecryptInit(session, &gcm, key));
  Bytes back(expected.size());
  CK_ULONG len = back.size();
  ASSERT_CKR(CKR_OK, p11->C_Decrypt(session, const_cast<CK_BYTE_PTR>(expected.data()), expected.size(), back.data(), &len));
  back.resize(len);
  EXPECT_EQ(plain, back);
}

TEST_F(CipherTest, BufferTooSmallKeepsTheOperation) {
  const Bytes expected = ossl::aes_cbc_pad_encrypt(key_value, iv, plain);
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &cbc_pad, key));
  Bytes out(16);
  CK_ULONG len = out.size();
  ASSERT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_Encrypt(session, const_cast<CK_BYTE_PTR>(plain.data()), plain.size(), out.data(), &len));
  EXPECT_EQ(48u, len);
  out.resize(len);
  ASSERT_CKR(CKR_OK, p11->C_Encrypt(session, const_cast<CK_BYTE_PTR>(plain.data()), plain.size(), out.data(), &len));
  EXPECT_EQ(expected, out);
}

TEST_F(CipherTest, NullOutputIsALengthQuery) {
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &cbc_pad, key));
  CK_ULONG len = 0;
  ASSERT_CKR(CKR_OK, p11->C_Encrypt(session, const_cast<CK_BYTE_PTR>(plain.data()), plain.size(), nullptr, &len));
  EXPECT_GE(len, 48u);
  Bytes out(len);
  ASSERT_CKR(CKR_OK, p11->C_Encrypt(session, const_cast<CK_BYTE_PTR>(plain.data()), plain.size(), out.data(), &len));
  EXPECT_EQ(48u, len);
  // The operation is over now.
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED,
             p11->C_Encrypt(session, const_cast<CK_BYTE_PTR>(plain.data()), plain.size(), out.data(), &len));
}

TEST_F(CipherTest, AnErrorEndsTheOperation) {
  CK_MECHANISM cbc{CKM_AES_CBC, iv.data(), static_cast<CK_ULONG>(iv.size())};
  ASSERT_CKR(CKR_OK, p11->C_DecryptInit(session, &cbc, key));
  Bytes in(15, 0);
  Bytes out(32);
  CK_ULONG len = out.size();
  EXPECT_CKR(CKR_ENCRYPTED_DATA_LEN_RANGE, p11->C_Decrypt(session, in.data(), in.size(), out.data(), &len));
  in.resize(16);
  len = out.size();
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_Decrypt(session, in.data(), in.size(), out.data(), &len));

  // An argument error ends it too.
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &cbc_pad, key));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_Encrypt(session, in.data(), in.size(), out.data(), nullptr));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_Encrypt(session, in.data(), in.size(), out.data(), &len));
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &cbc_pad, key));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_EncryptUpdate(session, nullptr, 4, out.data(), &len));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_EncryptFinal(session, out.data(), &len));
}

TEST_F(CipherTest, InitWhileActiveAndCancelWithNullMechanism) {
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &cbc_pad, key));
  EXPECT_CKR(CKR_OPERATION_ACTIVE, p11->C_EncryptInit(session, &cbc_pad, key));
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, nullptr, key));
  CK_ULONG len = 64;
  Bytes out(64);
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED,
             p11->C_Encrypt(session, const_cast<CK_BYTE_PTR>(plain.data()), plain.size(), out.data(), &len));
  EXPECT_CKR(CKR_OK, p11->C_EncryptInit(session, &cbc_pad, key));
  // Encrypt and decrypt are independent operations of one session.
  EXPECT_CKR(CKR_OK, p11->C_DecryptInit(session, &cbc_pad, key));
  EXPECT_CKR(CKR_OK, p11->C_DecryptInit(session, nullptr, key));
}

TEST_F(CipherTest, MechanismAndKeyChecks) {
  CK_MECHANISM broken{CKM_AES_CBC_PAD, nullptr, 16};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &broken, key));
  CK_MECHANISM unknown{0x8000ABCDUL, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_EncryptInit(session, &unknown, key));
  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_EncryptInit(session, &cbc_pad, key + 10000));

  Template no_encrypt;
  no_encrypt.add_bool(CKA_ENCRYPT, false);
  const CK_OBJECT_HANDLE limited = import_secret(session, CKK_AES, key_value, &no_encrypt);
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, p11->C_EncryptInit(session, &cbc_pad, limited));

  Template may_encrypt;  // allowed to encrypt, but not an AES key
  may_encrypt.add_bool(CKA_ENCRYPT, true);
  const CK_OBJECT_HANDLE hmac_key = import_secret(session, CKK_GENERIC_SECRET, Bytes(32, 1), &may_encrypt);
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_EncryptInit(session, &cbc_pad, hmac_key));
}

TEST_F(CipherTest, DigestSha256) {
  CK_MECHANISM sha256{CKM_SHA256, nullptr, 0};
  const Bytes abc = to_bytes("abc");
  const Bytes expected = from_hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &sha256));
  CK_ULONG len = 0;
  ASSERT_CKR(CKR_OK, p11->C_Digest(session, const_cast<CK_BYTE_PTR>(abc.data()), abc.size(), nullptr, &len));
  EXPECT_EQ(32u, len);
  Bytes out(31);
  len = out.size();
  ASSERT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_Digest(session, const_cast<CK_BYTE_PTR>(abc.data()), abc.size(), out.data(), &len));
  EXPECT_EQ(32u, len);
  out.resize(32);
  ASSERT_CKR(CKR_OK, p11->C_Digest(session, const_cast<CK_BYTE_PTR>(abc.data()), abc.size(), out.data(), &len));
  EXPECT_EQ(expected, out);

  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &sha256));
  CK_BYTE a = 'a';
  CK_BYTE bc[] = {'b', 'c'};
  ASSERT_CKR(CKR_OK, p11->C_DigestUpdate(session, &a, 1));
  ASSERT_CKR(CKR_OK, p11->C_DigestUpdate(session, bc, 2));
  EXPECT_CKR(CKR_OPERATION_ACTIVE, p11->C_DigestInit(session, &sha256));
  len = out.size();
  ASSERT_CKR(CKR_OK, p11->C_DigestFinal(session, out.data(), &len));
  EXPECT_EQ(expected, out);
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_DigestFinal(session, out.data(), &len));
}

TEST_F(CipherTest, DigestKeyFeedsTheKeyValue) {
  CK_MECHANISM sha256{CKM_SHA256, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_DigestInit(session, &sha256));
  CK_BYTE prefix[] = {'x'};
  ASSERT_CKR(CKR_OK, p11->C_DigestUpdate(session, prefix, 1));
  ASSERT_CKR(CKR_OK, p11->C_DigestKey(session, key));
  Bytes out(32);
  CK_ULONG len = out.size();
  ASSERT_CKR(CKR_OK, p11->C_DigestFinal(session, out.data(), &len));
  Bytes input{'x'};
  input.insert(input.end(), key_value.begin(), key_value.end());
  EXPECT_EQ(ossl::digest("SHA256", input), out);
}

}  // namespace
}  // namespace abi_test

// Message-based AES-GCM and AES-CCM (PKCS#11 3.0 §5.13-5.14: C_MessageEncryptInit,
// C_EncryptMessage, C_EncryptMessageBegin/Next, C_MessageEncryptFinal and the
// decrypt side), generated IVs/nonces written back into the parameter struct,
// tag failures, and classic single-part GCM tag handling.
#include <cstring>
#include <string>

#include "coverage_reference.h"
#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

using ossl::from_hex;
using ref::ptr;

bool is_tag_failure(CK_RV rv) { return rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_AEAD_DECRYPT_FAILED; }

class MessageAeadTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
    key = import_secret(session, CKK_AES, key_value);
  }

  CK_RV encrypt_message(CK_GCM_MESSAGE_PARAMS& p, const Bytes& in, Bytes& ct) {
    ct.assign(in.size() + 16, 0);
    CK_ULONG len = ct.size();
    const CK_RV rv = p11->C_EncryptMessage(session, &p, sizeof p, ptr(aad), aad.size(), ptr(in), in.size(),
                                           ct.data(), &len);
    ct.resize(rv == CKR_OK ? len : 0);
    return rv;
  }

  CK_RV decrypt_message(CK_GCM_MESSAGE_PARAMS& p, const Bytes& ct, Bytes& out) {
    out.assign(ct.size() + 16, 0);
    CK_ULONG len = out.size();
    const CK_RV rv = p11->C_DecryptMessage(session, &p, sizeof p, ptr(aad), aad.size(), ptr(ct), ct.size(),
                                           out.data(), &len);
    out.resize(rv == CKR_OK ? len : 0);
    return rv;
  }

  static Bytes join(const Bytes& a, const Bytes& b) {
    Bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
  }

  const Bytes key_value = from_hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const Bytes aad = to_bytes("associated data");
  const Bytes plain = to_bytes("message-based AEAD plaintext, 40 bytes!!");
  CK_MECHANISM gcm{CKM_AES_GCM, nullptr, 0};
  CK_MECHANISM ccm{CKM_AES_CCM, nullptr, 0};
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
};

TEST_F(MessageAeadTest, GcmRandomIvIsGeneratedAndWrittenBack) {
  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptInit(session, &gcm, key));
  Bytes iv = from_hex("abcdef01" "0000000000000000");  // 32 fixed bits, 64 generated
  Bytes tag(16);
  CK_GCM_MESSAGE_PARAMS p{iv.data(), iv.size(), 32, CKG_GENERATE_RANDOM, tag.data(), 128};

  // A length query generates nothing.
  CK_ULONG len = 0;
  ASSERT_CKR(CKR_OK, p11->C_EncryptMessage(session, &p, sizeof p, ptr(aad), aad.size(), ptr(plain), plain.size(),
                                           nullptr, &len));
  EXPECT_EQ(plain.size(), len);
  EXPECT_EQ(from_hex("abcdef010000000000000000"), iv);

  Bytes ct;
  ASSERT_CKR(CKR_OK, encrypt_message(p, plain, ct));
  EXPECT_EQ(from_hex("abcdef01"), Bytes(iv.begin(), iv.begin() + 4));
  EXPECT_NE(Bytes(8, 0), Bytes(iv.begin() + 4, iv.end()));
  EXPECT_EQ(ossl::aes_gcm_encrypt(key_value, iv, aad, plain), join(ct, tag));

  const Bytes first_iv = iv;
  Bytes ct2;
  ASSERT_CKR(CKR_OK, encrypt_message(p, plain, ct2));
  EXPECT_NE(first_iv, iv);
  EXPECT_NE(ct, ct2);
  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptFinal(session));

  // The receiver uses the IV as given.
  ASSERT_CKR(CKR_OK, p11->C_MessageDecryptInit(session, &gcm, key));
  CK_GCM_MESSAGE_PARAMS d{iv.data(), iv.size(), 0, CKG_NO_GENERATE, tag.data(), 128};
  Bytes back;
  ASSERT_CKR(CKR_OK, decrypt_message(d, ct2, back));
  EXPECT_EQ(plain, back);
  ASSERT_CKR(CKR_OK, p11->C_MessageDecryptFinal(session));
}

TEST_F(MessageAeadTest, GcmCounterIvCountsUp) {
  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptInit(session, &gcm, key));
  Bytes iv = from_hex("0102030400000000000000ff");  // the generated part's old contents are replaced
  Bytes tag(16);
  CK_GCM_MESSAGE_PARAMS p{iv.data(), iv.size(), 32, CKG_GENERATE_COUNTER, tag.data(), 128};
  Bytes ct;
  ASSERT_CKR(CKR_OK, encrypt_message(p, plain, ct));
  const Bytes first = iv;
  EXPECT_EQ(from_hex("01020304"), Bytes(first.begin(), first.begin() + 4));
  EXPECT_EQ(ossl::aes_gcm_encrypt(key_value, first, aad, plain), join(ct, tag));
  ASSERT_CKR(CKR_OK, encrypt_message(p, plain, ct));
  // The 64-bit counter field went up by one.
  std::uint64_t a = 0, b = 0;
  for (int i = 4; i < 12; ++i) {
    a = a << 8 | first[static_cast<std::size_t>(i)];
    b = b << 8 | iv[static_cast<std::size_t>(i)];
  }
  EXPECT_EQ(a + 1, b);
  EXPECT_EQ(ossl::aes_gcm_encrypt(key_value, iv, aad, plain), join(ct, tag));
}

TEST_F(MessageAeadTest, GcmBadTagReleasesNothing) {
  Bytes iv = from_hex("cafebabefacedbaddecaf888");
  const Bytes expected = ossl::aes_gcm_encrypt(key_value, iv, aad, plain);
  const Bytes ct(expected.begin(), expected.end() - 16);
  Bytes tag(expected.end() - 16, expected.end());
  tag[0] ^= 0x01;
  ASSERT_CKR(CKR_OK, p11->C_MessageDecryptInit(session, &gcm, key));
  CK_GCM_MESSAGE_PARAMS p{iv.data(), iv.size(), 0, CKG_NO_GENERATE, tag.data(), 128};
  Bytes back;
  const CK_RV single = decrypt_message(p, ct, back);
  EXPECT_TRUE(is_tag_failure(single)) << rv_name(single);

  // In parts: nothing is released before the tag is checked, and the last part fails.
  ASSERT_CKR(CKR_OK, p11->C_DecryptMessageBegin(session, &p, sizeof p, ptr(aad), aad.size()));
  Bytes out(ct.size() + 16);
  CK_ULONG len = out.size();
  ASSERT_CKR(CKR_OK, p11->C_DecryptMessageNext(session, &p, sizeof p, ptr(ct), 16, out.data(), &len, 0));
  EXPECT_EQ(0u, len);
  len = out.size();
  const CK_RV multi = p11->C_DecryptMessageNext(session, &p, sizeof p, ptr(ct) + 16, ct.size() - 16, out.data(), &len,
                                                CKF_END_OF_MESSAGE);
  EXPECT_TRUE(is_tag_failure(multi)) << rv_name(multi);

  // A failed message does not end the message-based operation: the right tag still works.
  tag[0] ^= 0x01;
  ASSERT_CKR(CKR_OK, decrypt_message(p, ct, back));
  EXPECT_EQ(plain, back);
  EXPECT_CKR(CKR_OK, p11->C_MessageDecryptFinal(session));
}

TEST_F(MessageAeadTest, GcmShortTagMatchesOpenSslPrefix) {
  Bytes iv = from_hex("000102030405060708090a0b");
  Bytes tag(12);
  CK_GCM_MESSAGE_PARAMS p{iv.data(), iv.size(), 0, CKG_NO_GENERATE, tag.data(), 96};
  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptInit(session, &gcm, key));
  Bytes ct;
  ASSERT_CKR(CKR_OK, encrypt_message(p, plain, ct));
  const Bytes full = ossl::aes_gcm_encrypt(key_value, iv, aad, plain);
  EXPECT_EQ(Bytes(full.begin(), full.begin() + static_cast<long>(plain.size() + 12)), join(ct, tag));
}

TEST_F(MessageAeadTest, GcmParameterErrors) {
  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptInit(session, &gcm, key));
  Bytes iv(12, 1);
  Bytes tag(16);
  Bytes ct;
  for (CK_ULONG bits : {0ul, 24ul, 100ul, 136ul}) {
    CK_GCM_MESSAGE_PARAMS p{iv.data(), iv.size(), 0, CKG_NO_GENERATE, tag.data(), bits};
    EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, encrypt_message(p, plain, ct)) << "tag bits " << bits;
  }
  CK_GCM_MESSAGE_PARAMS no_tag{iv.data(), iv.size(), 0, CKG_NO_GENERATE, nullptr, 128};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, encrypt_message(no_tag, plain, ct));
  CK_GCM_MESSAGE_PARAMS no_iv{iv.data(), 0, 0, CKG_NO_GENERATE, tag.data(), 128};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, encrypt_message(no_iv, plain, ct));
  CK_GCM_MESSAGE_PARAMS all_fixed{iv.data(), iv.size(), 96, CKG_GENERATE_COUNTER, tag.data(), 128};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, encrypt_message(all_fixed, plain, ct));
  CK_GCM_MESSAGE_PARAMS unknown_gen{iv.data(), iv.size(), 32, 0x77, tag.data(), 128};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, encrypt_message(unknown_gen, plain, ct));
  // A parameter block of the wrong size.
  CK_GCM_MESSAGE_PARAMS good{iv.data(), iv.size(), 0, CKG_NO_GENERATE, tag.data(), 128};
  ct.assign(plain.size(), 0);
  CK_ULONG len = ct.size();
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptMessage(session, &good, sizeof good - 8, ptr(aad), aad.size(),
                                                                ptr(plain), plain.size(), ct.data(), &len));
  // The operation survives bad messages.
  EXPECT_CKR(CKR_OK, encrypt_message(good, plain, ct));
}

TEST_F(MessageAeadTest, StateAndKeyErrors) {
  Bytes iv(12, 2);
  Bytes tag(16);
  CK_GCM_MESSAGE_PARAMS p{iv.data(), iv.size(), 0, CKG_NO_GENERATE, tag.data(), 128};
  Bytes ct;
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, encrypt_message(p, plain, ct));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_EncryptMessageBegin(session, &p, sizeof p, nullptr, 0));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_MessageEncryptFinal(session));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_MessageDecryptFinal(session));

  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_MessageEncryptInit(session, &gcm, key + 5000));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_MessageEncryptInit(session + 5000, &gcm, key));
  CK_MECHANISM cbc{CKM_AES_CBC, iv.data(), 16};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_MessageEncryptInit(session, &cbc, key));
  Template no_encrypt;
  no_encrypt.add_bool(CKA_ENCRYPT, false).add_bool(CKA_DECRYPT, false);
  const CK_OBJECT_HANDLE limited = import_secret(session, CKK_AES, key_value, &no_encrypt);
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, p11->C_MessageEncryptInit(session, &gcm, limited));
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, p11->C_MessageDecryptInit(session, &gcm, limited));
  Template may_encrypt;
  may_encrypt.add_bool(CKA_ENCRYPT, true);
  const CK_OBJECT_HANDLE generic = import_secret(session, CKK_GENERIC_SECRET, Bytes(32, 3), &may_encrypt);
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_MessageEncryptInit(session, &gcm, generic));

  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptInit(session, &gcm, key));
  EXPECT_CKR(CKR_OPERATION_ACTIVE, p11->C_MessageEncryptInit(session, &gcm, key));
  // Next without Begin: no message is in progress.
  ct.assign(plain.size(), 0);
  CK_ULONG len = ct.size();
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_EncryptMessageNext(session, &p, sizeof p, ptr(plain), plain.size(),
                                                                       ct.data(), &len, CKF_END_OF_MESSAGE));
  // Buffer convention of C_EncryptMessage: too small keeps everything.
  len = 4;
  ASSERT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_EncryptMessage(session, &p, sizeof p, ptr(aad), aad.size(), ptr(plain),
                                                         plain.size(), ct.data(), &len));
  EXPECT_EQ(plain.size(), len);
  EXPECT_CKR(CKR_OK, encrypt_message(p, plain, ct));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_EncryptMessageBegin(session, &p, sizeof p, nullptr, 5));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_EncryptMessageNext(session, &p, sizeof p, nullptr, 3, ct.data(), &len, 0));
  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptFinal(session));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, encrypt_message(p, plain, ct));
}

// --- CCM messages (CK_CCM_MESSAGE_PARAMS) ---

TEST_F(MessageAeadTest, CcmMessagesMatchRfc3610) {
  // RFC 3610 §8, packet vector #1, as one message and in parts.
  const Bytes ccm_key = from_hex("C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF");
  const CK_OBJECT_HANDLE k = import_secret(session, CKK_AES, ccm_key);
  Bytes nonce = from_hex("00000003020100A0A1A2A3A4A5");
  Bytes header = from_hex("0001020304050607");
  const Bytes payload = from_hex("08090A0B0C0D0E0F101112131415161718191A1B1C1D1E");
  Bytes mac(8);
  CK_CCM_MESSAGE_PARAMS p{payload.size(), nonce.data(), nonce.size(), 0, CKG_NO_GENERATE, mac.data(), 8};
  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptInit(session, &ccm, k));
  Bytes ct(payload.size());
  CK_ULONG len = ct.size();
  ASSERT_CKR(CKR_OK, p11->C_EncryptMessage(session, &p, sizeof p, header.data(), header.size(), ptr(payload),
                                           payload.size(), ct.data(), &len));
  ct.resize(len);
  EXPECT_EQ(from_hex("588C979A61C663D2F066D0C2C0F989806D5F6B61DAC384"), ct);
  EXPECT_EQ(from_hex("17E8D12CFDF926E0"), mac);

  Bytes mac2(8);
  p.pMAC = mac2.data();
  ASSERT_CKR(CKR_OK, p11->C_EncryptMessageBegin(session, &p, sizeof p, header.data(), header.size()));
  Bytes parts(payload.size());
  CK_ULONG first = parts.size();
  ASSERT_CKR(CKR_OK, p11->C_EncryptMessageNext(session, &p, sizeof p, ptr(payload), 7, parts.data(), &first, 0));
  CK_ULONG second = parts.size() - first;
  ASSERT_CKR(CKR_OK, p11->C_EncryptMessageNext(session, &p, sizeof p, ptr(payload) + 7, payload.size() - 7,
                                               parts.data() + first, &second, CKF_END_OF_MESSAGE));
  parts.resize(first + second);
  EXPECT_EQ(ct, parts);
  EXPECT_EQ(mac, mac2);
  // A message longer than ulDataLen is refused.
  len = 64;
  Bytes big(64);
  EXPECT_CKR(CKR_DATA_LEN_RANGE, p11->C_EncryptMessage(session, &p, sizeof p, header.data(), header.size(), big.data(),
                                                       payload.size() + 1, big.data(), &len));
  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptFinal(session));

  ASSERT_CKR(CKR_OK, p11->C_MessageDecryptInit(session, &ccm, k));
  Bytes back(payload.size());
  len = back.size();
  ASSERT_CKR(CKR_OK, p11->C_DecryptMessage(session, &p, sizeof p, header.data(), header.size(), ct.data(), ct.size(),
                                           back.data(), &len));
  back.resize(len);
  EXPECT_EQ(payload, back);
  mac2[7] ^= 0x10;
  len = back.size();
  const CK_RV forged = p11->C_DecryptMessage(session, &p, sizeof p, header.data(), header.size(), ct.data(),
                                             ct.size(), back.data(), &len);
  EXPECT_TRUE(is_tag_failure(forged)) << rv_name(forged);
  ASSERT_CKR(CKR_OK, p11->C_MessageDecryptFinal(session));
}

TEST_F(MessageAeadTest, CcmGeneratedNonceMatchesOpenSsl) {
  Bytes nonce = from_hex("a0a1a2a3" "000000000000000000");  // 13 bytes: 32 fixed bits, 72 generated
  Bytes mac(16);
  CK_CCM_MESSAGE_PARAMS p{plain.size(), nonce.data(), nonce.size(), 32, CKG_GENERATE_RANDOM, mac.data(), 16};
  ASSERT_CKR(CKR_OK, p11->C_MessageEncryptInit(session, &ccm, key));
  Bytes ct(plain.size());
  CK_ULONG len = ct.size();
  ASSERT_CKR(CKR_OK, p11->C_EncryptMessage(session, &p, sizeof p, ptr(aad), aad.size(), ptr(plain), plain.size(),
                                           ct.data(), &len));
  EXPECT_EQ(from_hex("a0a1a2a3"), Bytes(nonce.begin(), nonce.begin() + 4));
  EXPECT_NE(Bytes(9, 0), Bytes(nonce.begin() + 4, nonce.end()));
  EXPECT_EQ(ref::aes_ccm_encrypt(key_value, nonce, aad, plain, 16), join(ct, mac));

  CK_CCM_MESSAGE_PARAMS bad_mac{plain.size(), nonce.data(), nonce.size(), 0, CKG_NO_GENERATE, mac.data(), 5};
  len = ct.size();
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptMessage(session, &bad_mac, sizeof bad_mac, ptr(aad),
                                                                aad.size(), ptr(plain), plain.size(), ct.data(), &len));
  CK_CCM_MESSAGE_PARAMS no_mac{plain.size(), nonce.data(), nonce.size(), 0, CKG_NO_GENERATE, nullptr, 16};
  len = ct.size();
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptMessage(session, &no_mac, sizeof no_mac, ptr(aad), aad.size(),
                                                                ptr(plain), plain.size(), ct.data(), &len));
}

// --- classic single-part GCM: tags ---

TEST_F(MessageAeadTest, SinglePartGcmTagRules) {
  Bytes iv = from_hex("cafebabefacedbaddecaf888");
  Bytes a = aad;
  CK_GCM_PARAMS params{iv.data(), iv.size(), iv.size() * 8, a.data(), a.size(), 96};
  CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
  const Bytes full = ossl::aes_gcm_encrypt(key_value, iv, aad, plain);
  const Bytes expected(full.begin(), full.begin() + static_cast<long>(plain.size() + 12));

  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &mech, key));
  Bytes ct(expected.size());
  CK_ULONG len = ct.size();
  ASSERT_CKR(CKR_OK, p11->C_Encrypt(session, ptr(plain), plain.size(), ct.data(), &len));
  EXPECT_EQ(expected, ct);

  Bytes forged = ct;
  forged[3] ^= 0x40;  // ciphertext bit: the tag no longer matches
  ASSERT_CKR(CKR_OK, p11->C_DecryptInit(session, &mech, key));
  Bytes back(ct.size());
  len = back.size();
  const CK_RV rv = p11->C_Decrypt(session, forged.data(), forged.size(), back.data(), &len);
  EXPECT_TRUE(is_tag_failure(rv)) << rv_name(rv);
  len = back.size();
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_Decrypt(session, ct.data(), ct.size(), back.data(), &len));

  ASSERT_CKR(CKR_OK, p11->C_DecryptInit(session, &mech, key));
  len = back.size();
  EXPECT_CKR(CKR_ENCRYPTED_DATA_LEN_RANGE, p11->C_Decrypt(session, ct.data(), 11, back.data(), &len));

  for (CK_ULONG bits : {0ul, 130ul}) {
    params.ulTagBits = bits;
    EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &mech, key)) << "tag bits " << bits;
  }
  params.ulTagBits = 128;
  params.ulIvLen = 0;
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &mech, key));
}

}  // namespace
}  // namespace abi_test

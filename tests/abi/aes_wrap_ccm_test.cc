// AES key wrap (CKM_AES_KEY_WRAP, RFC 3394; CKM_AES_KEY_WRAP_KWP, RFC 5649)
// as ciphers and through C_WrapKey/C_UnwrapKey, and single-part AES-CCM
// (RFC 3610), through the C ABI with known-answer vectors and their error
// paths (PKCS#11 3.0 §5.8-5.9, §5.18; Current Mechanisms §2.14).
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

class AesWrapTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
  }

  // C_EncryptInit/C_DecryptInit + single-part call; the result is empty on error.
  CK_RV crypt(bool encrypt, CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& in, Bytes& out) {
    CK_RV rv = encrypt ? p11->C_EncryptInit(session, &mech, key) : p11->C_DecryptInit(session, &mech, key);
    if (rv != CKR_OK) return rv;
    CK_ULONG len = 0;
    rv = encrypt ? p11->C_Encrypt(session, ptr(in), in.size(), nullptr, &len)
                 : p11->C_Decrypt(session, ptr(in), in.size(), nullptr, &len);
    if (rv != CKR_OK) return rv;
    out.assign(len, 0);
    rv = encrypt ? p11->C_Encrypt(session, ptr(in), in.size(), out.data(), &len)
                 : p11->C_Decrypt(session, ptr(in), in.size(), out.data(), &len);
    out.resize(rv == CKR_OK ? len : 0);
    return rv;
  }

  Bytes wrap(CK_MECHANISM mech, CK_OBJECT_HANDLE kek, CK_OBJECT_HANDLE key) {
    CK_ULONG len = 0;
    EXPECT_CKR(CKR_OK, p11->C_WrapKey(session, &mech, kek, key, nullptr, &len));
    Bytes out(len);
    EXPECT_CKR(CKR_OK, p11->C_WrapKey(session, &mech, kek, key, out.data(), &len));
    out.resize(len);
    return out;
  }

  static void readable_secret(Template& t, CK_KEY_TYPE type) {
    t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, type);
    t.add_bool(CKA_SENSITIVE, false).add_bool(CKA_EXTRACTABLE, true);
  }

  CK_OBJECT_HANDLE extractable_secret(CK_KEY_TYPE type, const Bytes& value) {
    Template t;
    t.add_bool(CKA_EXTRACTABLE, true);
    return import_secret(session, type, value, &t);
  }

  CK_MECHANISM kw{CKM_AES_KEY_WRAP, nullptr, 0};
  CK_MECHANISM kwp{CKM_AES_KEY_WRAP_KWP, nullptr, 0};
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
};

TEST_F(AesWrapTest, KeyWrapAsCipherMatchesRfc3394) {
  struct Vector {
    const char* kek;
    const char* data;
    const char* wrapped;
  };
  const Vector vectors[] = {
      // RFC 3394 §4.1, §4.2 and §4.6.
      {"000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
       "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
      {"000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF",
       "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D"},
      {"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
       "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
       "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
  };
  for (const Vector& v : vectors) {
    const CK_OBJECT_HANDLE kek = import_secret(session, CKK_AES, from_hex(v.kek));
    Bytes wrapped, back;
    ASSERT_CKR(CKR_OK, crypt(true, kw, kek, from_hex(v.data), wrapped)) << v.kek;
    EXPECT_EQ(from_hex(v.wrapped), wrapped) << v.kek;
    ASSERT_CKR(CKR_OK, crypt(false, kw, kek, wrapped, back)) << v.kek;
    EXPECT_EQ(from_hex(v.data), back) << v.kek;
  }
  // The default IV given explicitly (CK_AES_KEY_WRAP's optional parameter) changes nothing.
  const CK_OBJECT_HANDLE kek = import_secret(session, CKK_AES, from_hex(vectors[0].kek));
  Bytes iv = from_hex("A6A6A6A6A6A6A6A6");
  Bytes wrapped;
  ASSERT_CKR(CKR_OK, crypt(true, {CKM_AES_KEY_WRAP, iv.data(), 8}, kek, from_hex(vectors[0].data), wrapped));
  EXPECT_EQ(from_hex(vectors[0].wrapped), wrapped);
}

TEST_F(AesWrapTest, KeyWrapCipherErrors) {
  const CK_OBJECT_HANDLE kek = import_secret(session, CKK_AES, from_hex("000102030405060708090A0B0C0D0E0F"));
  Bytes out;
  // RFC 3394 wraps whole 64-bit blocks, at least two.
  EXPECT_CKR(CKR_DATA_LEN_RANGE, crypt(true, kw, kek, Bytes(15, 1), out));
  EXPECT_CKR(CKR_DATA_LEN_RANGE, crypt(true, kw, kek, Bytes(8, 1), out));
  EXPECT_CKR(CKR_ENCRYPTED_DATA_LEN_RANGE, crypt(false, kw, kek, Bytes(16, 1), out));
  EXPECT_CKR(CKR_ENCRYPTED_DATA_LEN_RANGE, crypt(false, kw, kek, Bytes(25, 1), out));
  Bytes tampered = from_hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
  tampered[3] ^= 0x01;
  EXPECT_CKR(CKR_ENCRYPTED_DATA_INVALID, crypt(false, kw, kek, tampered, out));
  // The failed decryption ended the operation.
  CK_ULONG len = 64;
  Bytes buf(64);
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_Decrypt(session, tampered.data(), tampered.size(), buf.data(), &len));

  Bytes short_iv(4, 0xA6);
  CK_MECHANISM bad_iv{CKM_AES_KEY_WRAP, short_iv.data(), 4};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &bad_iv, kek));

  // A short buffer keeps the operation; the retry gives the vector.
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &kw, kek));
  const Bytes data = from_hex("00112233445566778899AABBCCDDEEFF");
  len = 8;
  ASSERT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_Encrypt(session, ptr(data), data.size(), buf.data(), &len));
  EXPECT_EQ(24u, len);
  len = buf.size();
  ASSERT_CKR(CKR_OK, p11->C_Encrypt(session, ptr(data), data.size(), buf.data(), &len));
  buf.resize(len);
  EXPECT_EQ(from_hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"), buf);
}

TEST_F(AesWrapTest, KeyWrapPadAsCipherMatchesRfc5649) {
  // RFC 5649 §6: both examples use the same 192-bit KEK.
  const CK_OBJECT_HANDLE kek = import_secret(session, CKK_AES, from_hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"));
  const Bytes key20 = from_hex("c37b7e6492584340bed12207808941155068f738");
  const Bytes wrapped20 = from_hex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a");
  const Bytes key7 = from_hex("466f7250617369");
  const Bytes wrapped7 = from_hex("afbeb0f07dfbf5419200f2ccb50bb24f");
  Bytes out;
  ASSERT_CKR(CKR_OK, crypt(true, kwp, kek, key20, out));
  EXPECT_EQ(wrapped20, out);
  ASSERT_CKR(CKR_OK, crypt(true, kwp, kek, key7, out));
  EXPECT_EQ(wrapped7, out);
  ASSERT_CKR(CKR_OK, crypt(false, kwp, kek, wrapped20, out));
  EXPECT_EQ(key20, out);
  ASSERT_CKR(CKR_OK, crypt(false, kwp, kek, wrapped7, out));
  EXPECT_EQ(key7, out);
  // Cross-check a length that is no multiple of 8 with OpenSSL's AES-WRAP-PAD.
  const Bytes odd(37, 0x5a);
  ASSERT_CKR(CKR_OK, crypt(true, kwp, kek, odd, out));
  EXPECT_EQ(ref::cipher("AES-192-WRAP-PAD", from_hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"), {}, odd,
                        true),
            out);

  EXPECT_CKR(CKR_DATA_LEN_RANGE, crypt(true, kwp, kek, Bytes(), out));
  EXPECT_CKR(CKR_ENCRYPTED_DATA_LEN_RANGE, crypt(false, kwp, kek, Bytes(8, 0), out));
  EXPECT_CKR(CKR_ENCRYPTED_DATA_LEN_RANGE, crypt(false, kwp, kek, Bytes(20, 0), out));
  Bytes bad_iv(8, 0);
  CK_MECHANISM wrong_param{CKM_AES_KEY_WRAP_KWP, bad_iv.data(), 8};  // the KWP IV is 4 bytes
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &wrong_param, kek));
}

// A forged RFC 5649 input must be refused cleanly, through C_Decrypt and
// C_UnwrapKey alike, for the one-block (16-byte) and the general case. (The
// failure path of the unwrap must not write past the plaintext buffer: a
// memory error here shows up as a crash of this test.)
TEST_F(AesWrapTest, KeyWrapPadForgeriesAreRejected) {
  const Bytes kek_value = from_hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8");
  const CK_OBJECT_HANDLE kek = import_secret(session, CKK_AES, kek_value);
  Template t;
  readable_secret(t, CKK_GENERIC_SECRET);
  for (const char* hex : {"138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a",
                          "afbeb0f07dfbf5419200f2ccb50bb24f"}) {
    for (std::size_t flip : {0u, 9u, 15u}) {
      Bytes forged = from_hex(hex);
      forged[flip] ^= 0x80;
      Bytes out;
      EXPECT_CKR(CKR_ENCRYPTED_DATA_INVALID, crypt(false, kwp, kek, forged, out)) << hex << " byte " << flip;
      CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
      EXPECT_CKR(CKR_WRAPPED_KEY_INVALID, p11->C_UnwrapKey(session, &kwp, kek, forged.data(), forged.size(), t.data(),
                                                           t.count(), &key))
          << hex << " byte " << flip;
    }
  }
  // The module is still sound afterwards: a genuine message unwraps.
  Bytes out;
  ASSERT_CKR(CKR_OK, crypt(false, kwp, kek, from_hex("afbeb0f07dfbf5419200f2ccb50bb24f"), out));
  EXPECT_EQ(from_hex("466f7250617369"), out);
}

TEST_F(AesWrapTest, WrapKeyAndUnwrapKeyWithKwAndKwp) {
  const CK_OBJECT_HANDLE kek = import_secret(session, CKK_AES, from_hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"));
  const Bytes key20 = from_hex("c37b7e6492584340bed12207808941155068f738");
  const CK_OBJECT_HANDLE secret20 = extractable_secret(CKK_GENERIC_SECRET, key20);
  const Bytes wrapped = wrap(kwp, kek, secret20);
  EXPECT_EQ(from_hex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"), wrapped);

  Template t;
  readable_secret(t, CKK_GENERIC_SECRET);
  CK_OBJECT_HANDLE unwrapped = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_UnwrapKey(session, &kwp, kek, ptr(wrapped), wrapped.size(), t.data(), t.count(), &unwrapped));
  EXPECT_EQ(key20, attribute(session, unwrapped, CKA_VALUE));
  EXPECT_EQ(20u, attribute_ulong(session, unwrapped, CKA_VALUE_LEN));
  EXPECT_FALSE(attribute_bool(session, unwrapped, CKA_LOCAL));

  // RFC 3394 §4.6 through C_WrapKey: a 256-bit key under a 256-bit KEK.
  const CK_OBJECT_HANDLE kek256 =
      import_secret(session, CKK_AES, from_hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"));
  const CK_OBJECT_HANDLE aes256 =
      extractable_secret(CKK_AES, from_hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F"));
  const Bytes wrapped256 = wrap(kw, kek256, aes256);
  EXPECT_EQ(from_hex("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"), wrapped256);
  Template t2;
  readable_secret(t2, CKK_AES);
  ASSERT_CKR(CKR_OK, p11->C_UnwrapKey(session, &kw, kek256, ptr(wrapped256), wrapped256.size(), t2.data(), t2.count(),
                                      &unwrapped));
  EXPECT_EQ(32u, attribute_ulong(session, unwrapped, CKA_VALUE_LEN));
}

TEST_F(AesWrapTest, WrappedPrivateKeyStillSigns) {
  const CK_OBJECT_HANDLE kek = generate_aes(session, 32);
  Template pub;
  pub.add_bytes(CKA_EC_PARAMS, p256_params()).add_bool(CKA_VERIFY, true);
  Template priv;
  priv.add_bool(CKA_SIGN, true).add_bool(CKA_SENSITIVE, true).add_bool(CKA_EXTRACTABLE, true);
  CK_MECHANISM gen{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  KeyPair kp;
  ASSERT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &gen, pub.data(), pub.count(), priv.data(), priv.count(),
                                            &kp.public_key, &kp.private_key));
  const Bytes wrapped = wrap(kwp, kek, kp.private_key);
  ASSERT_GT(wrapped.size(), 32u);

  Template t;
  t.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_ulong(CKA_KEY_TYPE, CKK_EC).add_bool(CKA_SIGN, true);
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  ASSERT_CKR(CKR_OK, p11->C_UnwrapKey(session, &kwp, kek, ptr(wrapped), wrapped.size(), t.data(), t.count(), &copy));
  EXPECT_EQ(p256_params(), attribute(session, copy, CKA_EC_PARAMS));
  CK_MECHANISM ecdsa{CKM_ECDSA_SHA256, nullptr, 0};
  const Bytes msg = to_bytes("signed by the unwrapped key");
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &ecdsa, copy));
  Bytes sig(64);
  CK_ULONG len = sig.size();
  ASSERT_CKR(CKR_OK, p11->C_Sign(session, ptr(msg), msg.size(), sig.data(), &len));
  ASSERT_CKR(CKR_OK, p11->C_VerifyInit(session, &ecdsa, kp.public_key));
  EXPECT_CKR(CKR_OK, p11->C_Verify(session, ptr(msg), msg.size(), sig.data(), len));

  // A template naming another key type contradicts the wrapped key.
  Template wrong;
  wrong.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_ulong(CKA_KEY_TYPE, CKK_RSA);
  EXPECT_CKR(CKR_TEMPLATE_INCONSISTENT,
             p11->C_UnwrapKey(session, &kwp, kek, ptr(wrapped), wrapped.size(), wrong.data(), wrong.count(), &copy));
}

TEST_F(AesWrapTest, WrapKeyErrors) {
  const Bytes kek_value = from_hex("000102030405060708090A0B0C0D0E0F");
  const CK_OBJECT_HANDLE kek = import_secret(session, CKK_AES, kek_value);
  const CK_OBJECT_HANDLE target = extractable_secret(CKK_AES, Bytes(16, 0x42));
  Bytes out(64);
  CK_ULONG len = out.size();

  EXPECT_CKR(CKR_WRAPPING_KEY_HANDLE_INVALID, p11->C_WrapKey(session, &kw, kek + 5000, target, out.data(), &len));
  EXPECT_CKR(CKR_KEY_HANDLE_INVALID, p11->C_WrapKey(session, &kw, kek, target + 5000, out.data(), &len));
  EXPECT_CKR(CKR_SESSION_HANDLE_INVALID, p11->C_WrapKey(session + 5000, &kw, kek, target, out.data(), &len));

  Template no_wrap;
  no_wrap.add_bool(CKA_WRAP, false).add_bool(CKA_UNWRAP, false);
  const CK_OBJECT_HANDLE limited = import_secret(session, CKK_AES, kek_value, &no_wrap);
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, p11->C_WrapKey(session, &kw, limited, target, out.data(), &len));

  Template may_wrap;
  may_wrap.add_bool(CKA_WRAP, true).add_bool(CKA_UNWRAP, true);
  const CK_OBJECT_HANDLE generic = import_secret(session, CKK_GENERIC_SECRET, kek_value, &may_wrap);
  EXPECT_CKR(CKR_WRAPPING_KEY_TYPE_INCONSISTENT, p11->C_WrapKey(session, &kw, generic, target, out.data(), &len));

  // 20 bytes do not fit RFC 3394's whole blocks.
  const CK_OBJECT_HANDLE odd = extractable_secret(CKK_GENERIC_SECRET, Bytes(20, 7));
  EXPECT_CKR(CKR_KEY_SIZE_RANGE, p11->C_WrapKey(session, &kw, kek, odd, out.data(), &len));

  const KeyPair ec = generate_ec(session, p256_params());
  EXPECT_CKR(CKR_KEY_NOT_WRAPPABLE, p11->C_WrapKey(session, &kw, kek, ec.public_key, out.data(), &len));
  EXPECT_CKR(CKR_KEY_UNEXTRACTABLE, p11->C_WrapKey(session, &kw, kek, ec.private_key, out.data(), &len));
}

TEST_F(AesWrapTest, UnwrapKeyErrors) {
  const Bytes kek_value = from_hex("000102030405060708090A0B0C0D0E0F");
  const CK_OBJECT_HANDLE kek = import_secret(session, CKK_AES, kek_value);
  Bytes wrapped = from_hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
  Template t;
  readable_secret(t, CKK_AES);
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;

  EXPECT_CKR(CKR_UNWRAPPING_KEY_HANDLE_INVALID,
             p11->C_UnwrapKey(session, &kw, kek + 5000, wrapped.data(), wrapped.size(), t.data(), t.count(), &key));
  EXPECT_CKR(CKR_WRAPPED_KEY_LEN_RANGE,
             p11->C_UnwrapKey(session, &kw, kek, wrapped.data(), 23, t.data(), t.count(), &key));
  Bytes tampered = wrapped;
  tampered[0] ^= 1;
  EXPECT_CKR(CKR_WRAPPED_KEY_INVALID,
             p11->C_UnwrapKey(session, &kw, kek, tampered.data(), tampered.size(), t.data(), t.count(), &key));

  Template no_class;
  no_class.add_ulong(CKA_KEY_TYPE, CKK_AES);
  EXPECT_CKR(CKR_TEMPLATE_INCOMPLETE,
             p11->C_UnwrapKey(session, &kw, kek, wrapped.data(), wrapped.size(), no_class.data(), no_class.count(), &key));
  EXPECT_CKR(CKR_ARGUMENTS_BAD,
             p11->C_UnwrapKey(session, &kw, kek, wrapped.data(), wrapped.size(), nullptr, 2, &key));

  Template no_unwrap;
  no_unwrap.add_bool(CKA_UNWRAP, false);
  const CK_OBJECT_HANDLE limited = import_secret(session, CKK_AES, kek_value, &no_unwrap);
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED,
             p11->C_UnwrapKey(session, &kw, limited, wrapped.data(), wrapped.size(), t.data(), t.count(), &key));
  Template may_unwrap;
  may_unwrap.add_bool(CKA_UNWRAP, true);
  const CK_OBJECT_HANDLE generic = import_secret(session, CKK_GENERIC_SECRET, kek_value, &may_unwrap);
  EXPECT_CKR(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT,
             p11->C_UnwrapKey(session, &kw, generic, wrapped.data(), wrapped.size(), t.data(), t.count(), &key));

  // A token key cannot come out of a read-only session; a session key can.
  CK_SESSION_HANDLE ro = open_session(false);
  Template token;
  readable_secret(token, CKK_AES);
  token.add_bool(CKA_TOKEN, true);
  EXPECT_CKR(CKR_SESSION_READ_ONLY,
             p11->C_UnwrapKey(ro, &kw, kek, wrapped.data(), wrapped.size(), token.data(), token.count(), &key));
  EXPECT_CKR(CKR_OK, p11->C_UnwrapKey(ro, &kw, kek, wrapped.data(), wrapped.size(), t.data(), t.count(), &key));
}

// --- CCM, single-part (C_Encrypt/C_Decrypt with CK_CCM_PARAMS) ---

class CcmTest : public AesWrapTest {
 protected:
  CK_CCM_PARAMS params(CK_ULONG data_len, CK_ULONG mac_len) {
    return CK_CCM_PARAMS{data_len, nonce.data(), nonce.size(), aad.data(), aad.size(), mac_len};
  }

  // RFC 3610 §8, packet vector #1.
  const Bytes key_value = from_hex("C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF");
  Bytes nonce = from_hex("00000003020100A0A1A2A3A4A5");
  Bytes aad = from_hex("0001020304050607");
  const Bytes payload = from_hex("08090A0B0C0D0E0F101112131415161718191A1B1C1D1E");
  const Bytes expected = from_hex("588C979A61C663D2F066D0C2C0F989806D5F6B61DAC38417E8D12CFDF926E0");
};

TEST_F(CcmTest, SinglePartMatchesRfc3610) {
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_AES, key_value);
  CK_CCM_PARAMS p = params(payload.size(), 8);
  CK_MECHANISM ccm{CKM_AES_CCM, &p, sizeof p};
  Bytes ct, back;
  ASSERT_CKR(CKR_OK, crypt(true, ccm, key, payload, ct));
  EXPECT_EQ(expected, ct);
  EXPECT_EQ(ref::aes_ccm_encrypt(key_value, nonce, aad, payload, 8), ct);
  ASSERT_CKR(CKR_OK, crypt(false, ccm, key, ct, back));
  EXPECT_EQ(payload, back);

  // Multi-part: CCM releases everything at the end.
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &ccm, key));
  Bytes part(64);
  CK_ULONG len = part.size();
  ASSERT_CKR(CKR_OK, p11->C_EncryptUpdate(session, ptr(payload), 10, part.data(), &len));
  Bytes multi(part.begin(), part.begin() + static_cast<long>(len));
  len = part.size();
  ASSERT_CKR(CKR_OK, p11->C_EncryptUpdate(session, ptr(payload) + 10, payload.size() - 10, part.data(), &len));
  multi.insert(multi.end(), part.begin(), part.begin() + static_cast<long>(len));
  len = part.size();
  ASSERT_CKR(CKR_OK, p11->C_EncryptFinal(session, part.data(), &len));
  multi.insert(multi.end(), part.begin(), part.begin() + static_cast<long>(len));
  EXPECT_EQ(expected, multi);
}

TEST_F(CcmTest, Aes256With16ByteMacMatchesOpenSsl) {
  const Bytes key256(32, 0x3c);
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_AES, key256);
  nonce = from_hex("101112131415161718191a1b");  // 12-byte nonce
  const Bytes plain = to_bytes("CCM with a full-length MAC over some longer plaintext");
  CK_CCM_PARAMS p = params(plain.size(), 16);
  CK_MECHANISM ccm{CKM_AES_CCM, &p, sizeof p};
  Bytes ct;
  ASSERT_CKR(CKR_OK, crypt(true, ccm, key, plain, ct));
  EXPECT_EQ(ref::aes_ccm_encrypt(key256, nonce, aad, plain, 16), ct);
}

TEST_F(CcmTest, ErrorsAndBufferConvention) {
  const CK_OBJECT_HANDLE key = import_secret(session, CKK_AES, key_value);
  CK_CCM_PARAMS p = params(payload.size(), 8);
  CK_MECHANISM ccm{CKM_AES_CCM, &p, sizeof p};
  Bytes out;

  // A short buffer keeps the operation.
  ASSERT_CKR(CKR_OK, p11->C_EncryptInit(session, &ccm, key));
  Bytes buf(10);
  CK_ULONG len = buf.size();
  ASSERT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_Encrypt(session, ptr(payload), payload.size(), buf.data(), &len));
  EXPECT_EQ(expected.size(), len);
  buf.resize(len);
  ASSERT_CKR(CKR_OK, p11->C_Encrypt(session, ptr(payload), payload.size(), buf.data(), &len));
  EXPECT_EQ(expected, buf);

  Bytes forged = expected;
  forged.back() ^= 1;
  const CK_RV bad_tag = crypt(false, ccm, key, forged, out);
  EXPECT_TRUE(is_tag_failure(bad_tag)) << rv_name(bad_tag);
  EXPECT_TRUE(out.empty());

  // ulDataLen is the payload length; anything else is a length error.
  EXPECT_CKR(CKR_DATA_LEN_RANGE, crypt(true, ccm, key, Bytes(payload.begin(), payload.end() - 1), out));
  EXPECT_CKR(CKR_ENCRYPTED_DATA_LEN_RANGE, crypt(false, ccm, key, Bytes(expected.begin(), expected.end() - 1), out));

  // SP 800-38C: MAC of 4..16 even bytes, nonce of 7..13 bytes.
  for (CK_ULONG mac : {0ul, 3ul, 5ul, 17ul}) {
    CK_CCM_PARAMS bad = params(payload.size(), mac);
    CK_MECHANISM m{CKM_AES_CCM, &bad, sizeof bad};
    EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &m, key)) << "MAC length " << mac;
  }
  for (std::size_t n : {6u, 14u}) {
    Bytes other(n, 1);
    CK_CCM_PARAMS bad{payload.size(), other.data(), other.size(), aad.data(), aad.size(), 8};
    CK_MECHANISM m{CKM_AES_CCM, &bad, sizeof bad};
    EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_DecryptInit(session, &m, key)) << "nonce length " << n;
  }
  CK_MECHANISM truncated{CKM_AES_CCM, &p, sizeof p - 1};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &truncated, key));
  CK_CCM_PARAMS null_nonce{payload.size(), nullptr, 13, aad.data(), aad.size(), 8};
  CK_MECHANISM m{CKM_AES_CCM, &null_nonce, sizeof null_nonce};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &m, key));
}

}  // namespace
}  // namespace abi_test

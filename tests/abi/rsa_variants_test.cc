// RSA beyond SHA-256: PKCS#1 v1.5 and PSS with SHA-224/384/512 and SHA-3,
// raw CKM_RSA_PKCS and CKM_RSA_X_509, C_SignRecover/C_VerifyRecover, OAEP
// with other hashes, and their error paths. Every signature is checked with
// OpenSSL (or plain modular exponentiation) from the public attributes.
#include <cstring>
#include <string>

#include "coverage_reference.h"
#include "module_fixture.h"
#include "openssl_check.h"

namespace abi_test {
namespace {

using ossl::from_hex;
using ref::ptr;

struct HashSign {
  CK_MECHANISM_TYPE pkcs1;
  CK_MECHANISM_TYPE pss;
  CK_MECHANISM_TYPE hash;
  CK_RSA_PKCS_MGF_TYPE mgf;
  const char* openssl_name;
  CK_ULONG hash_len;
};

const HashSign kHashSigns[] = {
    {CKM_SHA224_RSA_PKCS, CKM_SHA224_RSA_PKCS_PSS, CKM_SHA224, CKG_MGF1_SHA224, "SHA224", 28},
    {CKM_SHA384_RSA_PKCS, CKM_SHA384_RSA_PKCS_PSS, CKM_SHA384, CKG_MGF1_SHA384, "SHA384", 48},
    {CKM_SHA512_RSA_PKCS, CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512, CKG_MGF1_SHA512, "SHA512", 64},
    {CKM_SHA3_224_RSA_PKCS, CKM_SHA3_224_RSA_PKCS_PSS, CKM_SHA3_224, CKG_MGF1_SHA3_224, "SHA3-224", 28},
    {CKM_SHA3_256_RSA_PKCS, CKM_SHA3_256_RSA_PKCS_PSS, CKM_SHA3_256, CKG_MGF1_SHA3_256, "SHA3-256", 32},
    {CKM_SHA3_384_RSA_PKCS, CKM_SHA3_384_RSA_PKCS_PSS, CKM_SHA3_384, CKG_MGF1_SHA3_384, "SHA3-384", 48},
    {CKM_SHA3_512_RSA_PKCS, CKM_SHA3_512_RSA_PKCS_PSS, CKM_SHA3_512, CKG_MGF1_SHA3_512, "SHA3-512", 64},
};

class RsaVariantsTest : public AbiTest {
 protected:
  void SetUp() override {
    AbiTest::SetUp();
    session = user_session();
    kp = generate_rsa(session);
    modulus = attribute(session, kp.public_key, CKA_MODULUS);
    exponent = attribute(session, kp.public_key, CKA_PUBLIC_EXPONENT);
  }

  Bytes sign(CK_MECHANISM mech, const Bytes& data) {
    EXPECT_CKR(CKR_OK, p11->C_SignInit(session, &mech, kp.private_key));
    Bytes sig(256);
    CK_ULONG len = sig.size();
    EXPECT_CKR(CKR_OK, p11->C_Sign(session, ptr(data), data.size(), sig.data(), &len));
    sig.resize(len);
    return sig;
  }

  CK_RV verify(CK_MECHANISM mech, const Bytes& data, const Bytes& sig) {
    EXPECT_CKR(CKR_OK, p11->C_VerifyInit(session, &mech, kp.public_key));
    return p11->C_Verify(session, ptr(data), data.size(), ptr(sig), sig.size());
  }

  // C_*Init + single-part cipher-style call (encrypt, decrypt, recover).
  CK_RV run(CK_C_EncryptInit init, CK_C_Encrypt call, CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& in,
            Bytes& out) {
    CK_RV rv = init(session, &mech, key);
    if (rv != CKR_OK) return rv;
    out.assign(512, 0);
    CK_ULONG len = out.size();
    rv = call(session, ptr(in), in.size(), out.data(), &len);
    out.resize(rv == CKR_OK ? len : 0);
    return rv;
  }

  Bytes left_pad(const Bytes& in) const {
    Bytes out(modulus.size() - in.size(), 0);
    out.insert(out.end(), in.begin(), in.end());
    return out;
  }

  const Bytes message = to_bytes("RSA variants message");
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  KeyPair kp;
  Bytes modulus, exponent;
};

TEST_F(RsaVariantsTest, Pkcs1AndPssWithEveryOtherHashVerifiedByOpenSsl) {
  for (const HashSign& h : kHashSigns) {
    const Bytes sig = sign({h.pkcs1, nullptr, 0}, message);
    ASSERT_EQ(256u, sig.size()) << h.openssl_name;
    EXPECT_TRUE(ossl::verify_rsa_pkcs1(modulus, exponent, h.openssl_name, message, sig)) << h.openssl_name;
    EXPECT_CKR(CKR_OK, verify({h.pkcs1, nullptr, 0}, message, sig)) << h.openssl_name;

    CK_RSA_PKCS_PSS_PARAMS pss{h.hash, h.mgf, h.hash_len};
    CK_MECHANISM mech{h.pss, &pss, sizeof pss};
    const Bytes pss_sig = sign(mech, message);
    EXPECT_TRUE(ossl::verify_rsa_pss(modulus, exponent, h.openssl_name, static_cast<int>(h.hash_len), message,
                                     pss_sig))
        << h.openssl_name;
    EXPECT_CKR(CKR_OK, verify(mech, message, pss_sig)) << h.openssl_name;
    Bytes bad = pss_sig;
    bad[100] ^= 0x04;
    EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(mech, message, bad)) << h.openssl_name;
    EXPECT_CKR(CKR_SIGNATURE_LEN_RANGE, verify(mech, message, Bytes(pss_sig.begin(), pss_sig.end() - 1)))
        << h.openssl_name;
  }
}

TEST_F(RsaVariantsTest, PssParameterErrors) {
  CK_RSA_PKCS_PSS_PARAMS mismatch{CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_MECHANISM m1{CKM_SHA3_256_RSA_PKCS_PSS, &mismatch, sizeof mismatch};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &m1, kp.private_key));
  CK_RSA_PKCS_PSS_PARAMS bad_mgf{CKM_SHA3_256, 0x77, 32};
  CK_MECHANISM m2{CKM_SHA3_256_RSA_PKCS_PSS, &bad_mgf, sizeof bad_mgf};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_VerifyInit(session, &m2, kp.public_key));
  CK_RSA_PKCS_PSS_PARAMS long_salt{CKM_SHA512, CKG_MGF1_SHA512, 200};  // 64 + 200 + 2 > 256
  CK_MECHANISM m3{CKM_SHA512_RSA_PKCS_PSS, &long_salt, sizeof long_salt};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &m3, kp.private_key));
  CK_RSA_PKCS_PSS_PARAMS ok{CKM_SHA384, CKG_MGF1_SHA384, 48};
  CK_MECHANISM truncated{CKM_SHA384_RSA_PKCS_PSS, &ok, sizeof ok - 1};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_SignInit(session, &truncated, kp.private_key));

  // Raw PSS signs a hash of the parameters' hashAlg, nothing else.
  CK_MECHANISM raw{CKM_RSA_PKCS_PSS, &ok, sizeof ok};
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &raw, kp.private_key));
  Bytes sig(256);
  CK_ULONG len = sig.size();
  EXPECT_CKR(CKR_DATA_LEN_RANGE, p11->C_Sign(session, ptr(message), message.size(), sig.data(), &len));
  const Bytes hash = ossl::digest("SHA384", message);
  const Bytes raw_sig = sign(raw, hash);
  EXPECT_TRUE(ossl::verify_rsa_pss(modulus, exponent, "SHA384", 48, message, raw_sig));
}

TEST_F(RsaVariantsTest, RawPkcs1SignatureHasTheType1Block) {
  // CKM_RSA_PKCS signs what it is given: here a DigestInfo the caller built.
  Bytes data = from_hex("3031300d060960864801650304020105000420");  // DigestInfo prefix of SHA-256
  const Bytes hash = ossl::digest("SHA256", message);
  data.insert(data.end(), hash.begin(), hash.end());
  const Bytes sig = sign({CKM_RSA_PKCS, nullptr, 0}, data);
  const Bytes block = ref::rsa_public_raw(modulus, exponent, sig);
  Bytes expected{0x00, 0x01};
  expected.insert(expected.end(), modulus.size() - data.size() - 3, 0xFF);
  expected.push_back(0x00);
  expected.insert(expected.end(), data.begin(), data.end());
  EXPECT_EQ(expected, block);
  EXPECT_TRUE(ossl::verify_rsa_pkcs1(modulus, exponent, "SHA256", message, sig));
  EXPECT_CKR(CKR_OK, verify({CKM_RSA_PKCS, nullptr, 0}, data, sig));

  // At most k - 11 bytes.
  CK_MECHANISM pkcs{CKM_RSA_PKCS, nullptr, 0};
  ASSERT_CKR(CKR_OK, p11->C_SignInit(session, &pkcs, kp.private_key));
  Bytes too_long(modulus.size() - 10, 1);
  Bytes out(256);
  CK_ULONG len = out.size();
  EXPECT_CKR(CKR_DATA_LEN_RANGE, p11->C_Sign(session, too_long.data(), too_long.size(), out.data(), &len));
}

TEST_F(RsaVariantsTest, X509RawOperationsAreModularExponentiation) {
  const CK_MECHANISM x509{CKM_RSA_X_509, nullptr, 0};
  const Bytes data = to_bytes("raw block");
  const Bytes sig = sign(x509, data);
  ASSERT_EQ(modulus.size(), sig.size());
  EXPECT_EQ(left_pad(data), ref::rsa_public_raw(modulus, exponent, sig));
  EXPECT_CKR(CKR_OK, verify(x509, data, sig));
  Bytes wrong = sig;
  wrong[5] ^= 1;
  EXPECT_CKR(CKR_SIGNATURE_INVALID, verify(x509, data, wrong));

  Bytes ct, back;
  ASSERT_CKR(CKR_OK, run(p11->C_EncryptInit, p11->C_Encrypt, x509, kp.public_key, data, ct));
  EXPECT_EQ(ref::rsa_public_raw(modulus, exponent, left_pad(data)), ct);
  ASSERT_CKR(CKR_OK, run(p11->C_DecryptInit, p11->C_Decrypt, x509, kp.private_key, ct, back));
  EXPECT_EQ(left_pad(data), back);  // raw RSA returns the whole k-byte block

  // Sign-recover is the same primitive; verify-recover returns the block.
  Bytes recovered_sig, recovered;
  ASSERT_CKR(CKR_OK, run(p11->C_SignRecoverInit, p11->C_SignRecover, x509, kp.private_key, data, recovered_sig));
  EXPECT_EQ(sig, recovered_sig);
  ASSERT_CKR(CKR_OK, run(p11->C_VerifyRecoverInit, p11->C_VerifyRecover, x509, kp.public_key, sig, recovered));
  EXPECT_EQ(left_pad(data), recovered);

  // Input errors.
  EXPECT_CKR(CKR_DATA_LEN_RANGE,
             run(p11->C_EncryptInit, p11->C_Encrypt, x509, kp.public_key, Bytes(modulus.size() + 1, 1), ct));
  const CK_RV too_big = run(p11->C_EncryptInit, p11->C_Encrypt, x509, kp.public_key, Bytes(modulus.size(), 0xFF), ct);
  EXPECT_TRUE(too_big == CKR_DATA_INVALID || too_big == CKR_DATA_LEN_RANGE) << rv_name(too_big);
  EXPECT_CKR(CKR_ENCRYPTED_DATA_LEN_RANGE,
             run(p11->C_DecryptInit, p11->C_Decrypt, x509, kp.private_key, Bytes(modulus.size() - 1, 1), back));
}

TEST_F(RsaVariantsTest, SignRecoverAndVerifyRecoverRules) {
  const CK_MECHANISM pkcs{CKM_RSA_PKCS, nullptr, 0};
  const Bytes data = to_bytes("recover me");
  Bytes sig, recovered;
  ASSERT_CKR(CKR_OK, run(p11->C_SignRecoverInit, p11->C_SignRecover, pkcs, kp.private_key, data, sig));
  ASSERT_EQ(modulus.size(), sig.size());
  // Identical to C_Sign with CKM_RSA_PKCS (deterministic padding).
  EXPECT_EQ(sign(pkcs, data), sig);

  // A short buffer for the recovered data keeps the operation.
  CK_MECHANISM mech = pkcs;
  ASSERT_CKR(CKR_OK, p11->C_VerifyRecoverInit(session, &mech, kp.public_key));
  Bytes out(4);
  CK_ULONG len = out.size();
  ASSERT_CKR(CKR_BUFFER_TOO_SMALL, p11->C_VerifyRecover(session, sig.data(), sig.size(), out.data(), &len));
  EXPECT_GE(len, data.size());
  out.resize(len);
  ASSERT_CKR(CKR_OK, p11->C_VerifyRecover(session, sig.data(), sig.size(), out.data(), &len));
  out.resize(len);
  EXPECT_EQ(data, out);

  Bytes forged = sig;
  forged[20] ^= 0x01;
  EXPECT_CKR(CKR_SIGNATURE_INVALID,
             run(p11->C_VerifyRecoverInit, p11->C_VerifyRecover, pkcs, kp.public_key, forged, recovered));
  EXPECT_CKR(CKR_SIGNATURE_LEN_RANGE, run(p11->C_VerifyRecoverInit, p11->C_VerifyRecover, pkcs, kp.public_key,
                                          Bytes(sig.begin(), sig.end() - 1), recovered));
  EXPECT_CKR(CKR_DATA_LEN_RANGE, run(p11->C_SignRecoverInit, p11->C_SignRecover, pkcs, kp.private_key,
                                     Bytes(modulus.size() - 10, 1), sig));
  // The failed call ended the operation.
  len = out.size();
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_SignRecover(session, ptr(data), data.size(), out.data(), &len));

  // Key class, usage and mechanism checks.
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignRecoverInit(session, &mech, kp.public_key));
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_VerifyRecoverInit(session, &mech, kp.private_key));
  CK_MECHANISM hashed{CKM_SHA256_RSA_PKCS, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_INVALID, p11->C_SignRecoverInit(session, &hashed, kp.private_key));
  const KeyPair ec = generate_ec(session, p256_params());
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_SignRecoverInit(session, &mech, ec.private_key));
  EXPECT_CKR(CKR_OPERATION_NOT_INITIALIZED, p11->C_VerifyRecover(session, sig.data(), sig.size(), out.data(), &len));
  ASSERT_CKR(CKR_OK, p11->C_SignRecoverInit(session, &mech, kp.private_key));
  EXPECT_CKR(CKR_OPERATION_ACTIVE, p11->C_SignRecoverInit(session, &mech, kp.private_key));
}

TEST_F(RsaVariantsTest, RecoverNeedsTheRecoverUsageFlags) {
  Template pub;
  pub.add_ulong(CKA_MODULUS_BITS, 2048).add_bool(CKA_VERIFY, true).add_bool(CKA_VERIFY_RECOVER, false);
  Template priv;
  priv.add_bool(CKA_SIGN, true).add_bool(CKA_SIGN_RECOVER, false);
  CK_MECHANISM gen{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  KeyPair limited;
  ASSERT_CKR(CKR_OK, p11->C_GenerateKeyPair(session, &gen, pub.data(), pub.count(), priv.data(), priv.count(),
                                            &limited.public_key, &limited.private_key));
  CK_MECHANISM pkcs{CKM_RSA_PKCS, nullptr, 0};
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, p11->C_SignRecoverInit(session, &pkcs, limited.private_key));
  EXPECT_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED, p11->C_VerifyRecoverInit(session, &pkcs, limited.public_key));
  EXPECT_CKR(CKR_OK, p11->C_SignInit(session, &pkcs, limited.private_key));
}

TEST_F(RsaVariantsTest, OaepWithOtherHashesDecryptsOpenSslCiphertexts) {
  const Bytes secret = to_bytes("OAEP-wrapped secret");
  struct Case {
    CK_MECHANISM_TYPE hash;
    CK_RSA_PKCS_MGF_TYPE mgf;
    const char* name;
  };
  for (const Case& c : {Case{CKM_SHA_1, CKG_MGF1_SHA1, "SHA1"}, Case{CKM_SHA384, CKG_MGF1_SHA384, "SHA384"},
                        Case{CKM_SHA512, CKG_MGF1_SHA512, "SHA512"}}) {
    const Bytes ct = ossl::rsa_oaep_encrypt(modulus, exponent, c.name, secret);
    CK_RSA_PKCS_OAEP_PARAMS oaep{c.hash, c.mgf, CKZ_DATA_SPECIFIED, nullptr, 0};
    CK_MECHANISM mech{CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep};
    Bytes back;
    ASSERT_CKR(CKR_OK, run(p11->C_DecryptInit, p11->C_Decrypt, mech, kp.private_key, ct, back)) << c.name;
    EXPECT_EQ(secret, back) << c.name;
    Bytes tampered = ct;
    tampered[7] ^= 0x20;
    EXPECT_CKR(CKR_ENCRYPTED_DATA_INVALID, run(p11->C_DecryptInit, p11->C_Decrypt, mech, kp.private_key, tampered, back))
        << c.name;
  }
  // A label must match: OpenSSL encrypts with one, the module decrypts with and without it.
  Bytes label = to_bytes("label of the ciphertext");
  const Bytes labelled = ref::rsa_oaep_encrypt(modulus, exponent, "SHA256", label, secret);
  CK_RSA_PKCS_OAEP_PARAMS with_label{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, label.data(), label.size()};
  CK_MECHANISM labelled_mech{CKM_RSA_PKCS_OAEP, &with_label, sizeof with_label};
  Bytes back;
  ASSERT_CKR(CKR_OK, run(p11->C_DecryptInit, p11->C_Decrypt, labelled_mech, kp.private_key, labelled, back));
  EXPECT_EQ(secret, back);
  CK_RSA_PKCS_OAEP_PARAMS no_label{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
  CK_MECHANISM unlabelled{CKM_RSA_PKCS_OAEP, &no_label, sizeof no_label};
  EXPECT_CKR(CKR_ENCRYPTED_DATA_INVALID, run(p11->C_DecryptInit, p11->C_Decrypt, unlabelled, kp.private_key, labelled, back));

  CK_RSA_PKCS_OAEP_PARAMS bad_source{CKM_SHA256, CKG_MGF1_SHA256, 0x55, nullptr, 0};
  CK_MECHANISM mech{CKM_RSA_PKCS_OAEP, &bad_source, sizeof bad_source};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_EncryptInit(session, &mech, kp.public_key));
  CK_MECHANISM no_params{CKM_RSA_PKCS_OAEP, nullptr, 0};
  EXPECT_CKR(CKR_MECHANISM_PARAM_INVALID, p11->C_DecryptInit(session, &no_params, kp.private_key));
  // A public key cannot decrypt, a private key cannot encrypt.
  CK_RSA_PKCS_OAEP_PARAMS oaep{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
  CK_MECHANISM good{CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep};
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_DecryptInit(session, &good, kp.public_key));
  EXPECT_CKR(CKR_KEY_TYPE_INCONSISTENT, p11->C_EncryptInit(session, &good, kp.private_key));
}

}  // namespace
}  // namespace abi_test

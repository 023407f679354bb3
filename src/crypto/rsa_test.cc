#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <string>

#include "crypto/families.h"
#include "crypto/key.h"
#include "crypto/key_attributes.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

Bytes hex(std::string_view h) {
  std::string s(h);
  if (s.size() % 2 != 0) s.insert(s.begin(), '0');
  Bytes out;
  for (std::size_t i = 0; i < s.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return out;
}

Bytes base64(std::string_view text) {
  Bytes out(text.size());
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return {};
  std::size_t len = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --len;
  out.resize(len);
  return out;
}

Bytes concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// RSA-2048 key of OpenSSL's test/recipes/30-test_evp_data/evppkey_rsa_common.txt.
constexpr std::string_view kRsa2048Pkcs8 =
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDNAIHqeyrh6gbVn3xz2f+5SglhXC5Lp8Y2zvCN01M+wxhVJbAVx2m5mnfWclv5"
    "w1Mqm25fZifV+4UWB2jT3anL01l0URcX3D0wnS/EfuQfl+Mq23+d2GShxHZ6Zm7NcbwarPXnUX9LOFlP6psF5C1a2pkSAIAT5FMWpNm7jtCGuI0o"
    "dYusr5ItRqhotIXSOcm66w4rZFknEPQrLR6gpLSALAvsqzKPimiwBzvbVG/uqYCdKEmRKzkMFTK8finHZY+BdfrkbzQzL/h7yrPkBkm5hXeGnaDq"
    "cYNT8HInVIhpE2SHYNEivmduD8SD3SD/wxvalqMZZsmqLnWtA95H4cRPAgMBAAECggEAYCl6x5kbFnoG1rJHWLjL4gi+ubLZ7Jc4vYD5Ci41AF3X"
    "ziktnim6iFvTFv7x8gkTvArJDWsICLJBTYIQREHYYkozzgIzyPeApIs3Wv8C12cSIopwJITbP56+zM+77hcJ26GCgA2Unp5CFuC/81WDiPi9kNo3"
    "Oh2CdD7D+90UJ/0WglplejFpEuhpU2URfKL4RckJQF/KxV+JX8FdIDhsJu54yemQdQKaF4psHkzwwgDoqc+yfp0Vb4bmwq3CKxqEoc1cpbJ5CHXX"
    "lAfISzUjlcuBzD/tW7BDtp7eDAcgRVACXO6MX0QBcLYSC7SOD3R7zY9SIRCFDfBDxCjf0YcFMQKBgQD2+WG0fLwDXTrt68fehQqVa2Xs25z2B2QG"
    "PxWqSFU8WNly/mZ1BW413f3De/O58vYi7icTNyVoScm+8hdv6PfD+LuRujdN1TuvPeyBTSvewQwf3IjN0Wh28mse36PwlBl+301C/x+ylxEDuJjK"
    "hZxCcocIaoQqtBC7ac8tNa9r4wKBgQDUfnJKf/QQSLJwwlJKQQGHi3MVm7c9PbwYeyIOY1s1NPluJDoYTZP4YLa/u2txwe2aHh9FhYMCPDAelqaS"
    "waCLU9DsnKkQEA2ARR47fcagG6xK7O+N95iEa8I1oIy7os9MBoBMwRIZ6VYIxxTj8UMNSR+tu6MqV1GgT5d0WDTJpQKBgCHyRSu5uV39AoyRS/eZ"
    "8cp36JqV1Q08FtOE+EVfi9evnrPfo9WR2YQt7yNfdjCo5IwIj/ZkLhAXlFNakz4el2+oUJ/HKLLaDEoaCNf883q6rh/zABrKHcG7sF2d/7qhoJ9/"
    "se7zgjfZ68zHIrkzhDbd5xGREnmMJoCcGo3sQyBhAoGAH3UQqmLC2N5KPFMoJ4H0HgLQ6LQCrnhDLkScSBEBYaEUA/AtAYgKjcyTgVLXlyGkcRpg"
    "esRHHr+WSBD5W+R6ReYEmeKfTJdzyDdzQE9gZjdyjC0DUbsDwybIu3OnIef6VEDqIXK7oUZfzDDcsNn4mTDoFaoff5cpqFfgDgM43VkCgYBNHw11"
    "b+d+AQmaZS9QqIt7aF3FvwCYHV0jdv0Mb+Kc1bY4c0R5MFpzrTwVmdOerjuuA1+9b+0Hwo3nBZM4eaBuSOamA2hu2OJWCl9q8fLCT69KqWDjghhv"
    "Fe7c6aJJGucwaA3Uz3eLcPqoaCarMiNHfMkTd7GabVourqIZdgvu1Q==";
// Same file, "RSA tests": PKCS#1 v1.5 signature of the SHA-1 "digest" below.
constexpr std::string_view kPkcs1Digest = "0123456789ABCDEF1234";
constexpr std::string_view kPkcs1Signature =
    "c09d402423cbf233d26cae21f954547bc43fe80fd41360a0336cfdbe9aedad05bef6fd2eaee6cd60089a52482d4809a238149520df3bdde4cb9e"
    "23d9307b05c0a6f327052325a29adf2cc95b66523be7024e2a585c3d4db15dfbe146efe0ecdc0402e33fe5d40324ee96c5c3edd374a15cdc0f5d"
    "84aa243c0f07e188c6518fbfceae158a9943be398e31097da81b62074f626eff738be6160741d5a26957a482b3251fd85d8df78b98148459de10"
    "aa93305dbb4a5230aa1da291a9b0e481918f99b7638d72bb687f97661d304ae145d64a474437a4ef39d7b8059332ddeb07e92bf6e0e3acaf8afe"
    "dc93795e4511737ec1e7aab6d5bc9466afc950c1c17b48ad";
// DigestInfo prefix of SHA-1 (RFC 8017 §9.2 note 1).
constexpr std::string_view kSha1DigestInfo = "3021300906052b0e03021a05000414";

// RSASSA-PSS test vectors of RSA Laboratories' pss-vect.txt (PKCS #1 v2.1),
// Example 2 (1025-bit key), SHA-1, MGF1-SHA-1, 20-byte salt; signatures 2.1
// and 2.2 with the SHA-1 hashes of their messages.
constexpr std::string_view kPssModulus =
    "1D40C1BCF97A68AE7CDBD8A7BF3E34FA19DCCA4EF75A47454375F94514D88FED006FB829F8419FF87D6315DA68A1FF3A0938E9ABB3464011C303"
    "AD99199CF0C7C7A8B477DCE829E8844F625B115E5E9C4A59CF8F8113B6834336A2FD2689B472CBB5E5CABE674350C59B6C17E176874FB42F8F"
    "C3D176A017EDC61FD326C4B33C9";
struct PssVector {
  std::string_view hash;
  std::string_view signature;
};
constexpr PssVector kPssVectors[] = {
    {"5c81a3e2a658246628cd0ee8b00bb4c012bc9739",
     "014c5ba5338328ccc6e7a90bf1c0ab3fd606ff4796d3c12e4b639ed9136a5fec6c16d8884bdd99cfdc521456b0742b736868cf90de099adb8d5f"
     "fd1deff39ba4007ab746cefdb22d7df0e225f54627dc65466131721b90af445363a8358b9f607642f78fab0ab0f43b7168d64bae70d8827848d8"
     "ef1e421c5754ddf42c2589b5b3"},
    {"27f71611446aa6eabf037f7dedeede3203244991",
     "010991656cca182b7f29d2dbc007e7ae0fec158eb6759cb9c45c5ff87c7635dd46d150882f4de1e9ae65e7f7d9018f6836954a47c0a81a8a6b6f"
     "83f2944d6081b1aa7c759b254b2c34b691da67cc0226e20b2f18b42212761dcd4b908a62b371b5918c5742af4b537e296917674fb914194761"
     "621cc19a41f6fb953fbcbb649dea"},
};

class RsaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    provider_ = std::move(Provider::create()).value().release();
    // One generated key pair for the round trips (generation is slow).
    CK_MECHANISM mech{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    AttributeMap pub_tmpl, pub, priv;
    pub_tmpl.set_ulong(CKA_MODULUS_BITS, 2048);
    Status st = row(CKM_RSA_PKCS_KEY_PAIR_GEN).generate_key_pair(MechanismCall{*provider_, mech}, pub_tmpl,
                                                                 AttributeMap{}, pub, priv);
    ASSERT_TRUE(st.ok()) << st.message();
    pub.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
    priv.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
    public_key_ = new KeyPtr(std::move(load_key(*provider_, pub)).value());
    private_key_ = new KeyPtr(std::move(load_key(*provider_, priv)).value());
  }
  static void TearDownTestSuite() {
    delete public_key_;
    delete private_key_;
    delete provider_;
  }

  static const Provider& provider() { return *provider_; }
  static const KeyPtr& pub() { return *public_key_; }
  static const KeyPtr& priv() { return *private_key_; }

  static const MechanismEntry& row(CK_MECHANISM_TYPE type) {
    for (const MechanismEntry& e : rsa_mechanisms()) {
      if (e.type == type) return e;
    }
    ADD_FAILURE() << "no row " << type;
    return rsa_mechanisms()[0];
  }

  static Result<Bytes> sign(const CK_MECHANISM& mech, const KeyPtr& key, ByteView data) {
    ASSIGN_OR_RETURN(auto op, row(mech.mechanism).sign(MechanismCall{provider(), mech}, key));
    Bytes sig;
    RETURN_IF_ERROR(op->sign(data, sig));
    if (sig.size() != op->signature_length()) return Status(CKR_GENERAL_ERROR, "length mismatch");
    return sig;
  }
  static Status verify(const CK_MECHANISM& mech, const KeyPtr& key, ByteView data, ByteView sig) {
    ASSIGN_OR_RETURN(auto op, row(mech.mechanism).verify(MechanismCall{provider(), mech}, key));
    return op->verify(data, sig);
  }
  static Result<Bytes> cipher(CipherFactory factory, const CK_MECHANISM& mech, const KeyPtr& key, ByteView in) {
    ASSIGN_OR_RETURN(auto op, factory(MechanismCall{provider(), mech}, key));
    Bytes out;
    RETURN_IF_ERROR(op->run(in, out));
    return out;
  }
  static Result<KeyPtr> rsa_2048_kat_key(CK_OBJECT_CLASS cls) {
    ASSIGN_OR_RETURN(AttributeMap a, decode_private_key_pkcs8(provider(), base64(kRsa2048Pkcs8)));
    if (cls == CKO_PUBLIC_KEY) {
      AttributeMap p;
      p.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
      p.set_ulong(CKA_KEY_TYPE, CKK_RSA);
      p.set(CKA_MODULUS, a.bytes_or_empty(CKA_MODULUS));
      p.set(CKA_PUBLIC_EXPONENT, a.bytes_or_empty(CKA_PUBLIC_EXPONENT));
      return load_key(provider(), p);
    }
    return load_key(provider(), a);
  }

 private:
  static Provider* provider_;
  static KeyPtr* public_key_;
  static KeyPtr* private_key_;
};
Provider* RsaTest::provider_ = nullptr;
KeyPtr* RsaTest::public_key_ = nullptr;
KeyPtr* RsaTest::private_key_ = nullptr;

CK_MECHANISM plain(CK_MECHANISM_TYPE type) { return CK_MECHANISM{type, nullptr, 0}; }
template <class T>
CK_MECHANISM with(CK_MECHANISM_TYPE type, T& params) {
  return CK_MECHANISM{type, &params, sizeof(T)};
}

// ---- Known answers ---------------------------------------------------------------------

TEST_F(RsaTest, Pkcs1SignatureKnownAnswer) {
  auto priv_kat = rsa_2048_kat_key(CKO_PRIVATE_KEY);
  auto pub_kat = rsa_2048_kat_key(CKO_PUBLIC_KEY);
  ASSERT_TRUE(priv_kat.ok() && pub_kat.ok());
  const Bytes digest_info = concat(hex(kSha1DigestInfo), as_bytes(kPkcs1Digest));
  const CK_MECHANISM mech = plain(CKM_RSA_PKCS);
  auto sig = sign(mech, *priv_kat, digest_info);  // PKCS#1 v1.5 is deterministic
  ASSERT_TRUE(sig.ok()) << sig.status().message();
  EXPECT_EQ(*sig, hex(kPkcs1Signature));
  EXPECT_TRUE(verify(mech, *pub_kat, digest_info, hex(kPkcs1Signature)).ok());
  Bytes bad = hex(kPkcs1Signature);
  bad[100] ^= 1;
  EXPECT_EQ(verify(mech, *pub_kat, digest_info, bad).rv(), CKR_SIGNATURE_INVALID);
  // Verify-recover returns the DigestInfo.
  auto recovered = cipher(row(CKM_RSA_PKCS).verify_recover, mech, *pub_kat, hex(kPkcs1Signature));
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(*recovered, digest_info);
  // A signature with a leading zero byte is k + 1 bytes long.
  EXPECT_EQ(verify(mech, *pub_kat, digest_info, concat(hex("00"), hex(kPkcs1Signature))).rv(),
            CKR_SIGNATURE_LEN_RANGE);
}

TEST_F(RsaTest, PssVerificationKnownAnswers) {
  AttributeMap a;
  a.set_ulong(CKA_CLASS, CKO_PUBLIC_KEY);
  a.set_ulong(CKA_KEY_TYPE, CKK_RSA);
  a.set(CKA_MODULUS, hex(kPssModulus));
  a.set(CKA_PUBLIC_EXPONENT, hex("010001"));
  ASSERT_TRUE(complete_key_material(provider(), a).ok());
  EXPECT_EQ(a.get_ulong(CKA_MODULUS_BITS), 1025u);
  auto key = load_key(provider(), a);
  ASSERT_TRUE(key.ok());
  CK_RSA_PKCS_PSS_PARAMS params{CKM_SHA_1, CKG_MGF1_SHA1, 20};
  const CK_MECHANISM mech = with(CKM_RSA_PKCS_PSS, params);
  for (const PssVector& v : kPssVectors) {
    EXPECT_TRUE(verify(mech, *key, hex(v.hash), hex(v.signature)).ok());
    Bytes other = hex(v.hash);
    other[0] ^= 0x80;
    EXPECT_EQ(verify(mech, *key, other, hex(v.signature)).rv(), CKR_SIGNATURE_INVALID);
  }
  // The salt length is checked exactly.
  CK_RSA_PKCS_PSS_PARAMS wrong_salt{CKM_SHA_1, CKG_MGF1_SHA1, 0};
  EXPECT_EQ(verify(with(CKM_RSA_PKCS_PSS, wrong_salt), *key, hex(kPssVectors[0].hash), hex(kPssVectors[0].signature)).rv(),
            CKR_SIGNATURE_INVALID);
}

TEST_F(RsaTest, HashAndSignEqualsRawSignatureOfDigestInfo) {
  // SHA256-RSA-PKCS over a message == RSA-PKCS over DigestInfo(SHA-256(message)).
  const Bytes message = hex("616263");  // "abc"
  const Bytes digest_info = hex(
      "3031300d060960864801650304020105000420ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto hashed = sign(plain(CKM_SHA256_RSA_PKCS), priv(), message);
  auto raw = sign(plain(CKM_RSA_PKCS), priv(), digest_info);
  ASSERT_TRUE(hashed.ok() && raw.ok());
  EXPECT_EQ(*hashed, *raw);
  // Multi-part input gives the same signature.
  auto op = row(CKM_SHA256_RSA_PKCS).sign(MechanismCall{provider(), plain(CKM_SHA256_RSA_PKCS)}, priv());
  ASSERT_TRUE(op.ok());
  Bytes parts;
  ASSERT_TRUE((*op)->update(hex("61")).ok());
  ASSERT_TRUE((*op)->update(hex("6263")).ok());
  ASSERT_TRUE((*op)->final(parts).ok());
  EXPECT_EQ(parts, *raw);
}

// ---- Round trips of every mechanism ------------------------------------------------------

TEST_F(RsaTest, EverySignatureMechanismRoundTrips) {
  const Bytes message(100, 0x42);
  for (const MechanismEntry& e : rsa_mechanisms()) {
    if ((e.flags & CKF_SIGN) == 0 || e.type == CKM_RSA_PKCS || e.type == CKM_RSA_X_509) continue;
    CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
    CK_MECHANISM mech = e.type == CKM_RSA_PKCS_PSS ? with(e.type, pss) : plain(e.type);
    const Bytes data = e.type == CKM_RSA_PKCS_PSS ? Bytes(32, 0x11) : message;
    auto sig = sign(mech, priv(), data);
    ASSERT_TRUE(sig.ok()) << e.name << ": " << sig.status().message();
    EXPECT_EQ(sig->size(), 256u);
    EXPECT_TRUE(verify(mech, pub(), data, *sig).ok()) << e.name;
    Bytes bad = *sig;
    bad[10] ^= 1;
    EXPECT_EQ(verify(mech, pub(), data, bad).rv(), CKR_SIGNATURE_INVALID) << e.name;
    EXPECT_EQ(verify(mech, pub(), data, ByteView(*sig).first(255)).rv(), CKR_SIGNATURE_LEN_RANGE) << e.name;
  }
}

TEST_F(RsaTest, PssWithExplicitParameters) {
  CK_RSA_PKCS_PSS_PARAMS params{CKM_SHA384, CKG_MGF1_SHA1, 0};  // MGF hash may differ from the hash
  const CK_MECHANISM mech = with(CKM_SHA384_RSA_PKCS_PSS, params);
  auto sig = sign(mech, priv(), as_bytes("message"));
  ASSERT_TRUE(sig.ok()) << sig.status().message();
  EXPECT_TRUE(verify(mech, pub(), as_bytes("message"), *sig).ok());
  // Verifying with another MGF hash fails.
  CK_RSA_PKCS_PSS_PARAMS other{CKM_SHA384, CKG_MGF1_SHA384, 0};
  EXPECT_EQ(verify(with(CKM_SHA384_RSA_PKCS_PSS, other), pub(), as_bytes("message"), *sig).rv(),
            CKR_SIGNATURE_INVALID);
  // PSS signatures are randomised with a salt.
  CK_RSA_PKCS_PSS_PARAMS salted{CKM_SHA256, CKG_MGF1_SHA256, 32};
  auto s1 = sign(with(CKM_SHA256_RSA_PKCS_PSS, salted), priv(), as_bytes("m"));
  auto s2 = sign(with(CKM_SHA256_RSA_PKCS_PSS, salted), priv(), as_bytes("m"));
  EXPECT_NE(*s1, *s2);
}

TEST_F(RsaTest, EncryptDecryptRoundTrips) {
  const Bytes secret = hex("00112233445566778899aabbccddeeff");
  CK_RSA_PKCS_OAEP_PARAMS sha1{CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
  std::uint8_t label[] = {'l', 'a', 'b', 'e', 'l'};
  CK_RSA_PKCS_OAEP_PARAMS sha256{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, label, sizeof label};
  CK_RSA_PKCS_OAEP_PARAMS sha3{CKM_SHA3_512, CKG_MGF1_SHA3_256, 0, nullptr, 0};
  const CK_MECHANISM mechs[] = {plain(CKM_RSA_PKCS), with(CKM_RSA_PKCS_OAEP, sha1), with(CKM_RSA_PKCS_OAEP, sha256),
                                with(CKM_RSA_PKCS_OAEP, sha3)};
  for (const CK_MECHANISM& mech : mechs) {
    const MechanismEntry& e = row(mech.mechanism);
    auto ct = cipher(e.encrypt, mech, pub(), secret);
    ASSERT_TRUE(ct.ok()) << ct.status().message();
    EXPECT_EQ(ct->size(), 256u);
    auto pt = cipher(e.decrypt, mech, priv(), *ct);
    ASSERT_TRUE(pt.ok()) << pt.status().message();
    EXPECT_EQ(*pt, secret);
  }
  // OAEP with a different label does not decrypt.
  auto ct = cipher(row(CKM_RSA_PKCS_OAEP).encrypt, with(CKM_RSA_PKCS_OAEP, sha256), pub(), secret);
  CK_RSA_PKCS_OAEP_PARAMS no_label{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
  EXPECT_EQ(cipher(row(CKM_RSA_PKCS_OAEP).decrypt, with(CKM_RSA_PKCS_OAEP, no_label), priv(), *ct).rv(),
            CKR_ENCRYPTED_DATA_INVALID);
}

TEST_F(RsaTest, RawRsaRoundTrips) {
  const CK_MECHANISM mech = plain(CKM_RSA_X_509);
  const MechanismEntry& e = row(CKM_RSA_X_509);
  const Bytes short_input = hex("0102030405");
  auto ct = cipher(e.encrypt, mech, pub(), short_input);
  ASSERT_TRUE(ct.ok());
  auto pt = cipher(e.decrypt, mech, priv(), *ct);
  ASSERT_TRUE(pt.ok());
  // Raw decryption returns the full k-byte block: the input left-padded.
  ASSERT_EQ(pt->size(), 256u);
  EXPECT_EQ(Bytes(pt->end() - 5, pt->end()), short_input);
  EXPECT_TRUE(std::all_of(pt->begin(), pt->end() - 5, [](std::uint8_t b) { return b == 0; }));

  auto sig = sign(mech, priv(), short_input);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(verify(mech, pub(), short_input, *sig).ok());
  EXPECT_EQ(*sig, *cipher(e.sign_recover, mech, priv(), short_input));
  auto recovered = cipher(e.verify_recover, mech, pub(), *sig);
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(Bytes(recovered->end() - 5, recovered->end()), short_input);
  // An input not below the modulus is invalid.
  EXPECT_EQ(cipher(e.encrypt, mech, pub(), Bytes(256, 0xFF)).rv(), CKR_DATA_INVALID);
  EXPECT_EQ(sign(mech, priv(), Bytes(256, 0xFF)).rv(), CKR_DATA_INVALID);
  EXPECT_EQ(cipher(e.encrypt, mech, pub(), Bytes(257, 0x01)).rv(), CKR_DATA_LEN_RANGE);
}

TEST_F(RsaTest, Pkcs1SignRecover) {
  const CK_MECHANISM mech = plain(CKM_RSA_PKCS);
  const Bytes data = copy_bytes(as_bytes("recoverable"));
  auto sig = cipher(row(CKM_RSA_PKCS).sign_recover, mech, priv(), data);
  ASSERT_TRUE(sig.ok());
  auto back = cipher(row(CKM_RSA_PKCS).verify_recover, mech, pub(), *sig);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
  Bytes bad = *sig;
  bad[3] ^= 1;
  EXPECT_EQ(cipher(row(CKM_RSA_PKCS).verify_recover, mech, pub(), bad).rv(), CKR_SIGNATURE_INVALID);
  EXPECT_EQ(cipher(row(CKM_RSA_PKCS).verify_recover, mech, pub(), ByteView(bad).first(10)).rv(),
            CKR_SIGNATURE_LEN_RANGE);
}

TEST_F(RsaTest, MultiPartCipherAndClone) {
  const CK_MECHANISM mech = plain(CKM_RSA_PKCS);
  auto ct = cipher(row(CKM_RSA_PKCS).encrypt, mech, pub(), as_bytes("hello world"));
  ASSERT_TRUE(ct.ok());
  auto op = row(CKM_RSA_PKCS).decrypt(MechanismCall{provider(), mech}, priv());
  ASSERT_TRUE(op.ok());
  Bytes out;
  ASSERT_TRUE((*op)->update(ByteView(*ct).first(100), out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ((*op)->update_length(156), 0u);
  EXPECT_EQ((*op)->final_length(), 256u);
  ASSERT_TRUE((*op)->update(ByteView(*ct).subspan(100), out).ok());
  auto copy = (*op)->clone();
  ASSERT_NE(copy, nullptr);
  Bytes from_copy;
  ASSERT_TRUE(copy->final(from_copy).ok());
  ASSERT_TRUE((*op)->final(out).ok());
  EXPECT_EQ(out, copy_bytes(as_bytes("hello world")));
  EXPECT_EQ(from_copy, out);
}

// ---- Errors -------------------------------------------------------------------------------

TEST_F(RsaTest, PssParameterErrors) {
  CK_RSA_PKCS_PSS_PARAMS mismatched{CKM_SHA384, CKG_MGF1_SHA256, 32};
  EXPECT_EQ(sign(with(CKM_SHA256_RSA_PKCS_PSS, mismatched), priv(), as_bytes("x")).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_RSA_PKCS_PSS_PARAMS bad_mgf{CKM_SHA256, 0x99, 32};
  EXPECT_EQ(sign(with(CKM_SHA256_RSA_PKCS_PSS, bad_mgf), priv(), as_bytes("x")).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_RSA_PKCS_PSS_PARAMS bad_hash{CKM_MD5, CKG_MGF1_SHA256, 32};
  EXPECT_EQ(sign(with(CKM_RSA_PKCS_PSS, bad_hash), priv(), Bytes(16, 0)).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_RSA_PKCS_PSS_PARAMS huge_salt{CKM_SHA256, CKG_MGF1_SHA256, 250};
  EXPECT_EQ(sign(with(CKM_RSA_PKCS_PSS, huge_salt), priv(), Bytes(32, 0)).rv(), CKR_MECHANISM_PARAM_INVALID);
  // Raw PSS needs parameters; hash-and-sign PSS defaults them.
  EXPECT_EQ(sign(plain(CKM_RSA_PKCS_PSS), priv(), Bytes(32, 0)).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_TRUE(sign(plain(CKM_SHA256_RSA_PKCS_PSS), priv(), as_bytes("x")).ok());
  CK_MECHANISM short_param{CKM_RSA_PKCS_PSS, &mismatched, sizeof(mismatched) - 1};
  EXPECT_EQ(sign(short_param, priv(), Bytes(32, 0)).rv(), CKR_MECHANISM_PARAM_INVALID);
  // Raw PSS input must be exactly one hash long.
  CK_RSA_PKCS_PSS_PARAMS ok{CKM_SHA256, CKG_MGF1_SHA256, 32};
  EXPECT_EQ(sign(with(CKM_RSA_PKCS_PSS, ok), priv(), Bytes(31, 0)).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(sign(with(CKM_RSA_PKCS_PSS, ok), priv(), Bytes(33, 0)).rv(), CKR_DATA_LEN_RANGE);
}

TEST_F(RsaTest, OaepParameterErrors) {
  const MechanismEntry& e = row(CKM_RSA_PKCS_OAEP);
  const Bytes data(10, 1);
  CK_RSA_PKCS_OAEP_PARAMS bad_mgf{CKM_SHA256, 0, CKZ_DATA_SPECIFIED, nullptr, 0};
  EXPECT_EQ(cipher(e.encrypt, with(CKM_RSA_PKCS_OAEP, bad_mgf), pub(), data).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_RSA_PKCS_OAEP_PARAMS bad_hash{0x1234, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
  EXPECT_EQ(cipher(e.encrypt, with(CKM_RSA_PKCS_OAEP, bad_hash), pub(), data).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_RSA_PKCS_OAEP_PARAMS bad_source{CKM_SHA256, CKG_MGF1_SHA256, 2, nullptr, 0};
  EXPECT_EQ(cipher(e.encrypt, with(CKM_RSA_PKCS_OAEP, bad_source), pub(), data).rv(), CKR_MECHANISM_PARAM_INVALID);
  CK_RSA_PKCS_OAEP_PARAMS null_label{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 4};
  EXPECT_EQ(cipher(e.encrypt, with(CKM_RSA_PKCS_OAEP, null_label), pub(), data).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(cipher(e.encrypt, plain(CKM_RSA_PKCS_OAEP), pub(), data).rv(), CKR_MECHANISM_PARAM_INVALID);
  // Too long for OAEP-SHA-256 with a 2048-bit key: k - 2*32 - 2 = 190 bytes.
  CK_RSA_PKCS_OAEP_PARAMS ok{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
  EXPECT_TRUE(cipher(e.encrypt, with(CKM_RSA_PKCS_OAEP, ok), pub(), Bytes(190, 1)).ok());
  EXPECT_EQ(cipher(e.encrypt, with(CKM_RSA_PKCS_OAEP, ok), pub(), Bytes(191, 1)).rv(), CKR_DATA_LEN_RANGE);
}

TEST_F(RsaTest, LengthAndPaddingErrors) {
  const MechanismEntry& e = row(CKM_RSA_PKCS);
  const CK_MECHANISM mech = plain(CKM_RSA_PKCS);
  EXPECT_TRUE(cipher(e.encrypt, mech, pub(), Bytes(245, 1)).ok());  // k - 11
  EXPECT_EQ(cipher(e.encrypt, mech, pub(), Bytes(246, 1)).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(sign(mech, priv(), Bytes(246, 1)).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(cipher(e.decrypt, mech, priv(), Bytes(255, 1)).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(cipher(e.decrypt, mech, priv(), Bytes(257, 1)).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  // A ciphertext not below the modulus is invalid.
  EXPECT_EQ(cipher(e.decrypt, mech, priv(), Bytes(256, 0xFF)).rv(), CKR_ENCRYPTED_DATA_INVALID);

  // OAEP padding errors are reported; PKCS#1 v1.5 decryption answers a bad
  // padding with a pseudo-random message (implicit rejection), never an
  // error, so it cannot serve as a padding oracle.
  CK_RSA_PKCS_OAEP_PARAMS oaep{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
  auto ct = cipher(row(CKM_RSA_PKCS_OAEP).encrypt, with(CKM_RSA_PKCS_OAEP, oaep), pub(), as_bytes("key"));
  ASSERT_TRUE(ct.ok());
  (*ct)[128] ^= 1;
  EXPECT_EQ(cipher(row(CKM_RSA_PKCS_OAEP).decrypt, with(CKM_RSA_PKCS_OAEP, oaep), priv(), *ct).rv(),
            CKR_ENCRYPTED_DATA_INVALID);
  auto pkcs1 = cipher(e.encrypt, mech, pub(), as_bytes("key"));
  (*pkcs1)[128] ^= 1;
  auto garbage = cipher(e.decrypt, mech, priv(), *pkcs1);
  ASSERT_TRUE(garbage.ok());
  EXPECT_NE(*garbage, copy_bytes(as_bytes("key")));

  EXPECT_EQ(sign(plain(CKM_RSA_PKCS), pub(), as_bytes("x")).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(cipher(e.decrypt, mech, pub(), Bytes(256, 1)).rv(), CKR_KEY_TYPE_INCONSISTENT);
  CK_MECHANISM with_param{CKM_RSA_PKCS, &oaep, sizeof oaep};
  EXPECT_EQ(sign(with_param, priv(), as_bytes("x")).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(RsaTest, KeyPairGenerationTemplate) {
  const MechanismEntry& e = row(CKM_RSA_PKCS_KEY_PAIR_GEN);
  const CK_MECHANISM mech = plain(CKM_RSA_PKCS_KEY_PAIR_GEN);
  AttributeMap pub_out, priv_out, tmpl;
  EXPECT_EQ(e.generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, pub_out, priv_out).rv(),
            CKR_TEMPLATE_INCOMPLETE);
  tmpl.set_ulong(CKA_MODULUS_BITS, 1024);
  EXPECT_EQ(e.generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, pub_out, priv_out).rv(), CKR_KEY_SIZE_RANGE);
  tmpl.set_ulong(CKA_MODULUS_BITS, 8200);
  EXPECT_EQ(e.generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, pub_out, priv_out).rv(), CKR_KEY_SIZE_RANGE);
  tmpl.set_ulong(CKA_MODULUS_BITS, 2048);
  tmpl.set(CKA_PUBLIC_EXPONENT, hex("010000"));
  EXPECT_EQ(e.generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, pub_out, priv_out).rv(),
            CKR_ATTRIBUTE_VALUE_INVALID);
  tmpl.set(CKA_PUBLIC_EXPONENT, hex("03"));
  ASSERT_TRUE(e.generate_key_pair(MechanismCall{provider(), mech}, tmpl, {}, pub_out, priv_out).ok());
  EXPECT_EQ(copy_bytes(pub_out.bytes_or_empty(CKA_PUBLIC_EXPONENT)), hex("03"));
  EXPECT_EQ(pub_out.get_ulong(CKA_MODULUS_BITS), 2048u);
  EXPECT_EQ(pub_out.get_ulong(CKA_KEY_TYPE), static_cast<CK_ULONG>(CKK_RSA));
  for (CK_ATTRIBUTE_TYPE t : {CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
                              CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT, CKA_PUBLIC_KEY_INFO}) {
    EXPECT_TRUE(priv_out.has(t)) << t;
  }
  EXPECT_EQ(pub_out.bytes_or_empty(CKA_PUBLIC_KEY_INFO).size(), priv_out.bytes_or_empty(CKA_PUBLIC_KEY_INFO).size());
  // Generated material passes import validation.
  priv_out.set_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  EXPECT_TRUE(complete_key_material(provider(), priv_out).ok());
  EXPECT_EQ(e.generate_key_pair(MechanismCall{provider(), CK_MECHANISM{CKM_RSA_PKCS_KEY_PAIR_GEN, &tmpl, 4}}, tmpl, {},
                                pub_out, priv_out)
                .rv(),
            CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(RsaTest, RowsAreConsistent) {
  for (const MechanismEntry& e : rsa_mechanisms()) {
    EXPECT_EQ(e.key_types.size(), 1u);
    EXPECT_EQ(*e.key_types.begin(), static_cast<CK_KEY_TYPE>(CKK_RSA));
    EXPECT_EQ(((e.flags & CKF_SIGN) != 0), e.sign != nullptr) << e.name;
    EXPECT_EQ(((e.flags & CKF_VERIFY) != 0), e.verify != nullptr) << e.name;
    EXPECT_EQ(((e.flags & (CKF_ENCRYPT | CKF_WRAP)) != 0), e.encrypt != nullptr) << e.name;
    EXPECT_EQ(((e.flags & (CKF_DECRYPT | CKF_UNWRAP)) != 0), e.decrypt != nullptr) << e.name;
    EXPECT_EQ(((e.flags & CKF_SIGN_RECOVER) != 0), e.sign_recover != nullptr) << e.name;
    EXPECT_EQ(((e.flags & CKF_VERIFY_RECOVER) != 0), e.verify_recover != nullptr) << e.name;
    EXPECT_EQ(((e.flags & CKF_GENERATE_KEY_PAIR) != 0), e.generate_key_pair != nullptr) << e.name;
    EXPECT_LE(e.min_key_size, e.max_key_size);
  }
  // SHA-1: verification approved, generation not (refined per operation).
  EXPECT_EQ(row(CKM_SHA1_RSA_PKCS).unapproved_ops, static_cast<CK_FLAGS>(CKF_SIGN));
  EXPECT_EQ(row(CKM_SHA1_RSA_PKCS_PSS).unapproved_ops, static_cast<CK_FLAGS>(CKF_SIGN));
  EXPECT_EQ(row(CKM_SHA256_RSA_PKCS).approved_min_key_size, 2048u);
  EXPECT_NE(row(CKM_RSA_PKCS).unapproved_ops & CKF_ENCRYPT, 0u);
  EXPECT_FALSE(row(CKM_RSA_X_509).approved);
  EXPECT_TRUE(row(CKM_SHA256_RSA_PKCS_PSS).approved);
  EXPECT_EQ(row(CKM_RSA_PKCS_KEY_PAIR_GEN).min_key_size, 2048u);
  EXPECT_EQ(row(CKM_RSA_PKCS).min_key_size, 1024u);
  EXPECT_EQ(row(CKM_RSA_PKCS).max_key_size, 8192u);
  EXPECT_NE(row(CKM_RSA_PKCS_OAEP).flags & CKF_UNWRAP, 0u);
  EXPECT_EQ(rsa_mechanisms().size(), 23u);
}

}  // namespace
}  // namespace craton::crypto

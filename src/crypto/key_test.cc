#include "crypto/key.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

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
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --len;  // DecodeBlock keeps pad bytes
  out.resize(len);
  return out;
}

Bytes value_of(const AttributeMap& attrs, CK_ATTRIBUTE_TYPE type) { return copy_bytes(attrs.bytes_or_empty(type)); }

// RSA-2048 test key of OpenSSL's test/recipes/30-test_evp_data/evppkey_rsa_common.txt.
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
// Its SubjectPublicKeyInfo (same file).
constexpr std::string_view kRsa2048Spki =
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzQCB6nsq4eoG1Z98c9n/uUoJYVwuS6fGNs7wjdNTPsMYVSWwFcdpuZp31nJb+cNTKptu"
    "X2Yn1fuFFgdo092py9NZdFEXF9w9MJ0vxH7kH5fjKtt/ndhkocR2emZuzXG8Gqz151F/SzhZT+qbBeQtWtqZEgCAE+RTFqTZu47QhriNKHWLrK+S"
    "LUaoaLSF0jnJuusOK2RZJxD0Ky0eoKS0gCwL7Ksyj4posAc721Rv7qmAnShJkSs5DBUyvH4px2WPgXX65G80My/4e8qz5AZJuYV3hp2g6nGDU/By"
    "J1SIaRNkh2DRIr5nbg/Eg90g/8Mb2pajGWbJqi51rQPeR+HETwIDAQAB";

// NIST CAVS KAS ECC CDH primitive test, P-256 COUNT = 0 (IUT key pair).
constexpr std::string_view kP256D = "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534";
constexpr std::string_view kP256Q =
    "04ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b23028af61281fd35e2fa7002523acc85a429cb06ee6648325389f"
    "59edfce1405141";
constexpr std::string_view kP256Order = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const Bytes kOidP256 = hex("06082a8648ce3d030107");
const Bytes kOidSecp256k1 = hex("06052b8104000a");
const Bytes kOidEd25519 = hex("06032b6570");
const Bytes kOidX25519 = hex("06032b656e");
// RFC 8032 §7.1 TEST 1 and RFC 7748 §6.1 (Alice).
constexpr std::string_view kEd25519Priv = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kEd25519Pub = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kX25519Priv = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr std::string_view kX25519Pub = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";

class KeyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { provider_ = std::move(Provider::create()).value().release(); }
  static void TearDownTestSuite() {
    delete provider_;
    provider_ = nullptr;
  }
  static const Provider& provider() { return *provider_; }

  static AttributeMap key_attrs(CK_OBJECT_CLASS cls, CK_KEY_TYPE type) {
    AttributeMap a;
    a.set_ulong(CKA_CLASS, cls);
    a.set_ulong(CKA_KEY_TYPE, type);
    return a;
  }
  static AttributeMap rsa_private() {
    auto decoded = decode_private_key_pkcs8(provider(), base64(kRsa2048Pkcs8));
    EXPECT_TRUE(decoded.ok()) << decoded.status().message();
    return decoded.value();
  }
  static AttributeMap rsa_public() {
    AttributeMap priv = rsa_private();
    AttributeMap a = key_attrs(CKO_PUBLIC_KEY, CKK_RSA);
    a.set(CKA_MODULUS, priv.bytes_or_empty(CKA_MODULUS));
    a.set(CKA_PUBLIC_EXPONENT, priv.bytes_or_empty(CKA_PUBLIC_EXPONENT));
    return a;
  }
  static AttributeMap ec_attrs(CK_OBJECT_CLASS cls, CK_KEY_TYPE type, ByteView params) {
    AttributeMap a = key_attrs(cls, type);
    a.set(CKA_EC_PARAMS, params);
    return a;
  }

 private:
  static Provider* provider_;
};
Provider* KeyTest::provider_ = nullptr;

// ---- Secret keys and common errors ----------------------------------------------

TEST_F(KeyTest, LoadsSecretKey) {
  AttributeMap a = key_attrs(CKO_SECRET_KEY, CKK_AES);
  a.set(CKA_VALUE, hex("000102030405060708090a0b0c0d0e0f"));
  auto key = load_key(provider(), a);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ((*key)->bits, 128u);
  EXPECT_EQ((*key)->key_type, static_cast<CK_KEY_TYPE>(CKK_AES));
  EXPECT_EQ((*key)->secret.size(), 16u);
  EXPECT_EQ((*key)->pkey, nullptr);
}

TEST_F(KeyTest, RejectsIncompleteTemplates) {
  AttributeMap a;
  EXPECT_EQ(load_key(provider(), a).rv(), CKR_TEMPLATE_INCOMPLETE);
  a.set_ulong(CKA_CLASS, CKO_SECRET_KEY);
  EXPECT_EQ(load_key(provider(), a).rv(), CKR_TEMPLATE_INCOMPLETE);
  a.set_ulong(CKA_KEY_TYPE, CKK_AES);
  EXPECT_EQ(load_key(provider(), a).rv(), CKR_TEMPLATE_INCOMPLETE);  // no CKA_VALUE
  a.set(CKA_CLASS, hex("01"));                                        // not a CK_ULONG
  EXPECT_EQ(load_key(provider(), a).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  AttributeMap data = key_attrs(CKO_DATA, CKK_RSA);
  EXPECT_EQ(load_key(provider(), data).rv(), CKR_KEY_TYPE_INCONSISTENT);
  AttributeMap unknown = key_attrs(CKO_PUBLIC_KEY, CKK_DSA);
  EXPECT_EQ(load_key(provider(), unknown).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(complete_key_material(provider(), unknown).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(KeyTest, CompletesSecretKeys) {
  AttributeMap a = key_attrs(CKO_SECRET_KEY, CKK_AES);
  a.set(CKA_VALUE, Bytes(32, 7));
  ASSERT_TRUE(complete_key_material(provider(), a).ok());
  EXPECT_EQ(a.get_ulong(CKA_VALUE_LEN), 32u);
  a.set(CKA_VALUE, Bytes(15, 7));
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  AttributeMap g = key_attrs(CKO_SECRET_KEY, CKK_GENERIC_SECRET);
  g.set(CKA_VALUE, Bytes(5, 1));
  g.set_ulong(CKA_VALUE_LEN, 6);
  EXPECT_EQ(complete_key_material(provider(), g).rv(), CKR_TEMPLATE_INCONSISTENT);
  g.erase(CKA_VALUE);
  EXPECT_EQ(complete_key_material(provider(), g).rv(), CKR_TEMPLATE_INCOMPLETE);
}

// ---- RSA ------------------------------------------------------------------------------

TEST_F(KeyTest, DecodesRsaPkcs8) {
  AttributeMap a = rsa_private();
  EXPECT_EQ(a.get_ulong(CKA_CLASS), static_cast<CK_ULONG>(CKO_PRIVATE_KEY));
  EXPECT_EQ(a.get_ulong(CKA_KEY_TYPE), static_cast<CK_ULONG>(CKK_RSA));
  EXPECT_EQ(a.bytes_or_empty(CKA_MODULUS).size(), 256u);
  EXPECT_EQ(value_of(a, CKA_PUBLIC_EXPONENT), hex("010001"));
  for (CK_ATTRIBUTE_TYPE t : {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2,
                              CKA_COEFFICIENT, CKA_PUBLIC_KEY_INFO}) {
    EXPECT_TRUE(a.has(t)) << std::hex << t;
  }
  EXPECT_EQ(value_of(a, CKA_PUBLIC_KEY_INFO), base64(kRsa2048Spki));
  EXPECT_FALSE(a.has(CKA_MODULUS_BITS));  // a public-key attribute
  ASSERT_TRUE(complete_key_material(provider(), a).ok());
  auto key = load_key(provider(), a);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ((*key)->bits, 2048u);
  EXPECT_NE((*key)->pkey, nullptr);
}

TEST_F(KeyTest, RsaPkcs8RoundTrip) {
  AttributeMap a = rsa_private();
  auto der = encode_private_key_pkcs8(provider(), a);
  ASSERT_TRUE(der.ok()) << der.status().message();
  EXPECT_EQ(copy_bytes(view_of(*der)), base64(kRsa2048Pkcs8));  // canonical DER both ways
  auto again = decode_private_key_pkcs8(provider(), view_of(*der));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, a);
}

TEST_F(KeyTest, DecodesSubjectPublicKeyInfo) {
  auto a = decode_public_key_spki(provider(), base64(kRsa2048Spki));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->get_ulong(CKA_CLASS), static_cast<CK_ULONG>(CKO_PUBLIC_KEY));
  EXPECT_EQ(value_of(*a, CKA_MODULUS), value_of(rsa_private(), CKA_MODULUS));
  EXPECT_EQ(value_of(*a, CKA_PUBLIC_EXPONENT), hex("010001"));
  ASSERT_TRUE(complete_key_material(provider(), *a).ok());
  EXPECT_EQ(value_of(*a, CKA_PUBLIC_KEY_INFO), base64(kRsa2048Spki));
  EXPECT_EQ(decode_public_key_spki(provider(), base64(kRsa2048Pkcs8)).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  Bytes trailing = base64(kRsa2048Spki);
  trailing.push_back(0);
  EXPECT_EQ(decode_public_key_spki(provider(), trailing).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST_F(KeyTest, CompletesRsaPublicKey) {
  AttributeMap a = rsa_public();
  Bytes padded = value_of(a, CKA_MODULUS);
  padded.insert(padded.begin(), 0);  // leading zeros are normalised away
  a.set(CKA_MODULUS, padded);
  ASSERT_TRUE(complete_key_material(provider(), a).ok());
  EXPECT_EQ(a.get_ulong(CKA_MODULUS_BITS), 2048u);
  EXPECT_EQ(a.bytes_or_empty(CKA_MODULUS).size(), 256u);
  EXPECT_EQ(value_of(a, CKA_PUBLIC_KEY_INFO), base64(kRsa2048Spki));
  auto key = load_key(provider(), a);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ((*key)->bits, 2048u);
}

TEST_F(KeyTest, RejectsBadRsaMaterial) {
  AttributeMap a = rsa_public();
  a.set(CKA_MODULUS, ByteView(a.bytes_or_empty(CKA_MODULUS)).first(64));  // 512 bits
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  a = rsa_public();
  a.set(CKA_PUBLIC_EXPONENT, hex("010000"));  // even
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  a = rsa_public();
  a.erase(CKA_PUBLIC_EXPONENT);
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_TEMPLATE_INCOMPLETE);
  a = rsa_public();
  a.set_ulong(CKA_MODULUS_BITS, 1024);
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_TEMPLATE_INCONSISTENT);

  AttributeMap p = rsa_private();
  p.erase(CKA_PRIVATE_EXPONENT);
  EXPECT_EQ(complete_key_material(provider(), p).rv(), CKR_TEMPLATE_INCOMPLETE);
  p = rsa_private();
  p.erase(CKA_PRIME_2);  // four of five CRT values
  EXPECT_EQ(complete_key_material(provider(), p).rv(), CKR_TEMPLATE_INCOMPLETE);
  p = rsa_private();
  Bytes prime = value_of(p, CKA_PRIME_1);
  prime.back() ^= 0x02;  // still odd, no longer a factor of n
  p.set(CKA_PRIME_1, prime);
  EXPECT_EQ(complete_key_material(provider(), p).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST_F(KeyTest, RsaPrivateKeyWithoutAllCrtValues) {
  const AttributeMap full = rsa_private();
  AttributeMap pq = full;
  for (CK_ATTRIBUTE_TYPE t : {CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT}) pq.erase(t);
  ASSERT_TRUE(complete_key_material(provider(), pq).ok());
  for (CK_ATTRIBUTE_TYPE t : {CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT}) {
    EXPECT_EQ(value_of(pq, t), value_of(full, t)) << "derived CRT value " << t;
  }

  AttributeMap ned = full;
  for (CK_ATTRIBUTE_TYPE t : {CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT}) ned.erase(t);
  ASSERT_TRUE(complete_key_material(provider(), ned).ok());
  auto key = load_key(provider(), ned);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ((*key)->bits, 2048u);
  // RSAPrivateKey needs the primes.
  EXPECT_EQ(encode_private_key_pkcs8(provider(), ned).rv(), CKR_KEY_NOT_WRAPPABLE);
}

// ---- EC ----------------------------------------------------------------------------------

TEST_F(KeyTest, CompletesEcPublicKeyRawOrDer) {
  for (const Bytes& point : {hex(kP256Q), der_octet_string(hex(kP256Q))}) {
    AttributeMap a = ec_attrs(CKO_PUBLIC_KEY, CKK_EC, kOidP256);
    a.set(CKA_EC_POINT, point);
    ASSERT_TRUE(complete_key_material(provider(), a).ok());
    EXPECT_EQ(value_of(a, CKA_EC_POINT), der_octet_string(hex(kP256Q)));
    // SubjectPublicKeyInfo: id-ecPublicKey with prime256v1, then the point.
    const Bytes spki = value_of(a, CKA_PUBLIC_KEY_INFO);
    EXPECT_EQ(Bytes(spki.end() - 65, spki.end()), hex(kP256Q));
    auto key = load_key(provider(), a);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ((*key)->bits, 256u);
  }
}

TEST_F(KeyTest, NormalisesCompressedEcPoint) {
  Bytes q = hex(kP256Q);
  Bytes compressed(q.begin(), q.begin() + 33);
  compressed[0] = static_cast<std::uint8_t>(0x02 | (q.back() & 1));
  AttributeMap a = ec_attrs(CKO_PUBLIC_KEY, CKK_EC, kOidP256);
  a.set(CKA_EC_POINT, compressed);
  ASSERT_TRUE(complete_key_material(provider(), a).ok());
  EXPECT_EQ(value_of(a, CKA_EC_POINT), der_octet_string(q));
}

TEST_F(KeyTest, RejectsBadEcPublicKeys) {
  AttributeMap a = ec_attrs(CKO_PUBLIC_KEY, CKK_EC, kOidSecp256k1);
  a.set(CKA_EC_POINT, hex(kP256Q));
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_CURVE_NOT_SUPPORTED);
  a.set(CKA_EC_PARAMS, kOidEd25519);  // an Edwards curve is not a CKK_EC curve
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_CURVE_NOT_SUPPORTED);
  a.set(CKA_EC_PARAMS, ByteView{});
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  a.erase(CKA_EC_PARAMS);
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_TEMPLATE_INCOMPLETE);

  a = ec_attrs(CKO_PUBLIC_KEY, CKK_EC, kOidP256);
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_TEMPLATE_INCOMPLETE);  // no point
  Bytes off_curve = hex(kP256Q);
  off_curve.back() ^= 1;
  a.set(CKA_EC_POINT, off_curve);
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  a.set(CKA_EC_POINT, Bytes(off_curve.begin(), off_curve.end() - 1));  // bad length
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST_F(KeyTest, CompletesEcPrivateKey) {
  AttributeMap a = ec_attrs(CKO_PRIVATE_KEY, CKK_EC, kOidP256);
  a.set(CKA_VALUE, hex(kP256D));
  ASSERT_TRUE(complete_key_material(provider(), a).ok());
  EXPECT_EQ(value_of(a, CKA_EC_POINT), der_octet_string(hex(kP256Q)));  // derived d*G
  EXPECT_TRUE(a.has(CKA_PUBLIC_KEY_INFO));
  auto key = load_key(provider(), a);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ((*key)->bits, 256u);

  // A matching point is accepted; a different one is not.
  AttributeMap b = ec_attrs(CKO_PRIVATE_KEY, CKK_EC, kOidP256);
  b.set(CKA_VALUE, hex(kP256D));
  b.set(CKA_EC_POINT, hex(kP256Q));
  EXPECT_TRUE(complete_key_material(provider(), b).ok());
  Bytes other = hex(kP256Q);
  other[5] ^= 1;
  b.set(CKA_EC_POINT, other);
  EXPECT_EQ(complete_key_material(provider(), b).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST_F(KeyTest, EcPrivateValueRangeAndLength) {
  AttributeMap a = ec_attrs(CKO_PRIVATE_KEY, CKK_EC, kOidP256);
  a.set(CKA_VALUE, hex("01"));  // short values are padded to the field length
  ASSERT_TRUE(complete_key_material(provider(), a).ok());
  EXPECT_EQ(a.bytes_or_empty(CKA_VALUE).size(), 32u);
  // Zero, the group order, above the order, longer than the field. (Without
  // a stored point, load_key derives it and checks the range too.)
  a.erase(CKA_EC_POINT);
  for (const Bytes& bad : {Bytes(32, 0), hex(kP256Order), Bytes(32, 0xFF), Bytes(33, 0x01)}) {
    a.set(CKA_VALUE, bad);
    EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
    EXPECT_NE(load_key(provider(), a).rv(), CKR_OK);
  }
  a.erase(CKA_VALUE);
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_TEMPLATE_INCOMPLETE);
}

// ---- Edwards and Montgomery -----------------------------------------------------------

TEST_F(KeyTest, CompletesEdwardsKeys) {
  // RFC 8410 OID, PKCS#11 3.0 PrintableString name, older GnuPG OID.
  for (const Bytes& params : {kOidEd25519, copy_bytes(as_bytes("\x13\x0c" "edwards25519")),
                              hex("06092b06010401da470f01")}) {
    AttributeMap a = ec_attrs(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, params);
    a.set(CKA_VALUE, hex(kEd25519Priv));
    ASSERT_TRUE(complete_key_material(provider(), a).ok());
    EXPECT_EQ(value_of(a, CKA_EC_POINT), der_octet_string(hex(kEd25519Pub)));
    EXPECT_EQ(value_of(a, CKA_EC_PARAMS), params);  // the caller's spelling is kept
    Bytes spki = hex("302a300506032b6570032100");
    const Bytes pub = hex(kEd25519Pub);
    spki.insert(spki.end(), pub.begin(), pub.end());
    EXPECT_EQ(value_of(a, CKA_PUBLIC_KEY_INFO), spki);
    auto key = load_key(provider(), a);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ((*key)->bits, 255u);
  }
  AttributeMap pub = ec_attrs(CKO_PUBLIC_KEY, CKK_EC_EDWARDS, kOidEd25519);
  pub.set(CKA_EC_POINT, hex(kEd25519Pub));
  ASSERT_TRUE(complete_key_material(provider(), pub).ok());
  EXPECT_EQ(value_of(pub, CKA_EC_POINT), der_octet_string(hex(kEd25519Pub)));
}

TEST_F(KeyTest, CompletesMontgomeryKeys) {
  AttributeMap a = ec_attrs(CKO_PRIVATE_KEY, CKK_EC_MONTGOMERY, copy_bytes(as_bytes("\x13\x0a" "curve25519")));
  a.set(CKA_VALUE, hex(kX25519Priv));
  ASSERT_TRUE(complete_key_material(provider(), a).ok());
  EXPECT_EQ(value_of(a, CKA_EC_POINT), der_octet_string(hex(kX25519Pub)));
  auto key = load_key(provider(), a);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ((*key)->bits, 255u);
}

TEST_F(KeyTest, RejectsBadEdwardsAndMontgomeryKeys) {
  AttributeMap a = ec_attrs(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, kOidX25519);
  a.set(CKA_VALUE, hex(kEd25519Priv));
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_CURVE_NOT_SUPPORTED);
  a.set(CKA_EC_PARAMS, kOidEd25519);
  a.set(CKA_VALUE, Bytes(31, 1));
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  a.set(CKA_VALUE, hex(kEd25519Priv));
  a.set(CKA_EC_POINT, hex(kX25519Pub));  // not this key's public key
  EXPECT_EQ(complete_key_material(provider(), a).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  AttributeMap pub = ec_attrs(CKO_PUBLIC_KEY, CKK_EC_MONTGOMERY, kOidX25519);
  pub.set(CKA_EC_POINT, Bytes(33, 9));
  EXPECT_EQ(complete_key_material(provider(), pub).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST_F(KeyTest, EcFamilyPkcs8RoundTrips) {
  AttributeMap ec = ec_attrs(CKO_PRIVATE_KEY, CKK_EC, kOidP256);
  ec.set(CKA_VALUE, hex(kP256D));
  AttributeMap ed = ec_attrs(CKO_PRIVATE_KEY, CKK_EC_EDWARDS, kOidEd25519);
  ed.set(CKA_VALUE, hex(kEd25519Priv));
  AttributeMap x = ec_attrs(CKO_PRIVATE_KEY, CKK_EC_MONTGOMERY, kOidX25519);
  x.set(CKA_VALUE, hex(kX25519Priv));
  for (AttributeMap* a : {&ec, &ed, &x}) {
    ASSERT_TRUE(complete_key_material(provider(), *a).ok());
    auto der = encode_private_key_pkcs8(provider(), *a);
    ASSERT_TRUE(der.ok()) << der.status().message();
    auto back = decode_private_key_pkcs8(provider(), view_of(*der));
    ASSERT_TRUE(back.ok()) << back.status().message();
    for (CK_ATTRIBUTE_TYPE t : {CKA_CLASS, CKA_KEY_TYPE, CKA_EC_PARAMS, CKA_EC_POINT, CKA_VALUE, CKA_PUBLIC_KEY_INFO}) {
      EXPECT_EQ(value_of(*back, t), value_of(*a, t)) << "attribute " << t;
    }
  }
  // RFC 8410 §10.3 example private key structure for Ed25519.
  auto der = encode_private_key_pkcs8(provider(), ed);
  Bytes expected = hex("302e020100300506032b657004220420");
  const Bytes priv = hex(kEd25519Priv);
  expected.insert(expected.end(), priv.begin(), priv.end());
  EXPECT_EQ(copy_bytes(view_of(*der)), expected);
}

TEST_F(KeyTest, Pkcs8Errors) {
  EXPECT_EQ(decode_private_key_pkcs8(provider(), hex("3003020100")).rv(), CKR_WRAPPED_KEY_INVALID);
  EXPECT_EQ(decode_private_key_pkcs8(provider(), ByteView{}).rv(), CKR_WRAPPED_KEY_INVALID);
  Bytes trailing = base64(kRsa2048Pkcs8);
  trailing.push_back(0);
  EXPECT_EQ(decode_private_key_pkcs8(provider(), trailing).rv(), CKR_WRAPPED_KEY_INVALID);
  AttributeMap secret = key_attrs(CKO_SECRET_KEY, CKK_AES);
  secret.set(CKA_VALUE, Bytes(16, 1));
  EXPECT_EQ(encode_private_key_pkcs8(provider(), secret).rv(), CKR_KEY_TYPE_INCONSISTENT);
  AttributeMap pub = rsa_public();
  EXPECT_EQ(encode_private_key_pkcs8(provider(), pub).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

// ---- Shared helpers (key_attributes.h) ----------------------------------------------------

TEST_F(KeyTest, CurveLookup) {
  EXPECT_STREQ(curve_from_ec_params(kOidP256)->name, "P-256");
  EXPECT_STREQ(curve_from_ec_params(hex("06052b81040022"))->name, "P-384");
  EXPECT_STREQ(curve_from_ec_params(hex("06052b81040023"))->name, "P-521");
  EXPECT_STREQ(curve_from_ec_params(hex("06032b6571"))->name, "Ed448");
  EXPECT_STREQ(curve_from_ec_params(hex("06032b656f"))->name, "X448");
  EXPECT_STREQ(curve_from_ec_params(as_bytes("\x13\x0a" "edwards448"))->name, "Ed448");
  EXPECT_STREQ(curve_from_ec_params(as_bytes("\x13\x08" "curve448"))->name, "X448");
  EXPECT_STREQ(curve_from_ec_params(hex("060a2b060104019755010501"))->name, "X25519");
  EXPECT_EQ(curve_from_ec_params(kOidSecp256k1), nullptr);
  EXPECT_EQ(curve_from_ec_params(as_bytes("\x13\x05" "P-256")), nullptr);
  EXPECT_EQ(curve_for_key_type(kOidP256, CKK_EC_EDWARDS).rv(), CKR_CURVE_NOT_SUPPORTED);
}

TEST_F(KeyTest, EcPointEncodings) {
  EXPECT_EQ(der_octet_string(Bytes(3, 1)), hex("0403010101"));
  EXPECT_EQ(der_octet_string(Bytes(200, 0)).size(), 203u);  // 04 81 C8
  EXPECT_EQ(der_octet_string(Bytes(200, 0))[1], 0x81);
  EXPECT_EQ(der_octet_string(Bytes(300, 0)).size(), 304u);  // 04 82 01 2C
  EXPECT_EQ(*ec_point_from_attribute(hex("0403010203")), hex("010203"));
  EXPECT_EQ(*ec_point_from_attribute(hex("010203")), hex("010203"));
  EXPECT_EQ(ec_point_from_attribute(ByteView{}).rv(), CKR_ATTRIBUTE_VALUE_INVALID);

  // A raw P-256 point whose x starts with 0x3F also parses as a 63-byte DER
  // OCTET STRING; the curve-aware reading knows 63 bytes is not a point.
  Bytes tricky = hex(kP256Q);
  tricky[1] = 0x3F;
  const CurveInfo& p256 = *curve_from_ec_params(kOidP256);
  EXPECT_EQ(*ec_point_from_attribute(tricky, p256), tricky);
  EXPECT_EQ(ec_point_from_attribute(tricky)->size(), 63u);
  EXPECT_EQ(*ec_point_from_attribute(der_octet_string(hex(kP256Q)), p256), hex(kP256Q));
  EXPECT_EQ(ec_point_from_attribute(Bytes(64, 4), p256).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  const CurveInfo& x25519 = *curve_from_ec_params(kOidX25519);
  EXPECT_EQ(*ec_point_from_attribute(der_octet_string(hex(kX25519Pub)), x25519), hex(kX25519Pub));
  EXPECT_EQ(*ec_point_from_attribute(hex(kX25519Pub), x25519), hex(kX25519Pub));
}

TEST_F(KeyTest, ExportsAttributesOfLoadedKeys) {
  AttributeMap a = ec_attrs(CKO_PRIVATE_KEY, CKK_EC, kOidP256);
  a.set(CKA_VALUE, hex(kP256D));
  auto key = load_key(provider(), a);
  ASSERT_TRUE(key.ok());
  AttributeMap pub, priv;
  ASSERT_TRUE(export_public_attributes(provider(), (*key)->pkey.get(), pub).ok());
  ASSERT_TRUE(export_private_attributes(provider(), (*key)->pkey.get(), priv).ok());
  EXPECT_EQ(value_of(pub, CKA_EC_PARAMS), kOidP256);
  EXPECT_EQ(value_of(pub, CKA_EC_POINT), der_octet_string(hex(kP256Q)));
  EXPECT_FALSE(pub.has(CKA_VALUE));
  EXPECT_EQ(value_of(priv, CKA_VALUE), hex(kP256D));
  EXPECT_EQ(value_of(priv, CKA_EC_POINT), der_octet_string(hex(kP256Q)));
  EXPECT_EQ(pub.get_ulong(CKA_KEY_TYPE), static_cast<CK_ULONG>(CKK_EC));
  EXPECT_EQ(value_of(pub, CKA_PUBLIC_KEY_INFO), value_of(priv, CKA_PUBLIC_KEY_INFO));
  EXPECT_EQ(curve_of_pkey((*key)->pkey.get()), curve_from_ec_params(kOidP256));
}

}  // namespace
}  // namespace craton::crypto

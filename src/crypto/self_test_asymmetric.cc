// Known-answer tests of the asymmetric primitives: RSA PKCS#1 v1.5 sign and
// verify, RSA-OAEP decrypt, ECDSA P-256 with RFC 6979 deterministic nonces,
// Ed25519 (RFC 8032) and ECDH P-256 (CAVP KAS ECC CDH). Keys are built from
// their components with EVP_PKEY_fromdata in the module's library context:
// no DER parsing, so the RSA tests cost what the RSA operations cost.
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <bit>

#include "crypto/key.h"
#include "crypto/key_attributes.h"
#include "crypto/provider.h"
#include "crypto/self_test_internal.h"

namespace craton::crypto::kat {
namespace {

// OSSL_PARAM_construct_BN reads integers in native byte order; the vectors
// are big-endian. Converted by the compiler.
template <std::size_t N>
constexpr std::array<std::uint8_t, N> native_order(std::array<std::uint8_t, N> big_endian) {
  if constexpr (std::endian::native == std::endian::little) {
    for (std::size_t i = 0; i < N / 2; ++i) std::swap(big_endian[i], big_endian[N - 1 - i]);
  }
  return big_endian;
}

// ---- RSA ------------------------------------------------------------------------
// A 2048-bit key generated for Craton HSM (e = 65537). PKCS#1 v1.5 is
// deterministic, so the signature of kRsaMessage is a constant; it and the
// OAEP ciphertext were produced with an independent OpenSSL 3.0 build and
// cross-checked with pyca/cryptography.

constexpr auto kRsaN = native_order(hex(
    "c6a11cbc5037a6cee96c86473bd1141d9ada075bc0bd681136acf742918687e3"
    "f4eff342a54c94e03af0a972c5afc21fa8fb1d24caea28e94972c4e5f3d2715b"
    "fb563f74d14ed4093a16416b5be6860dc8bf09b282073b88bb2cb97f2367c077"
    "63553a0297e41566cd2c27e836c657e55cf7fb47b708a08f6316635fb072c7b8"
    "06949e56415279c4423ccddfe6f97ed4bbc03a9f44ae56fa5332ce9cf3dd004c"
    "fb7e4b2f171bc3c1acf7556dd75456cac83b59cc26fbf1285e5751f4512c0add"
    "c44ff3e86027a6fbae772b74bece9a3c47f087dd2ebe2454601b782391a47d8b"
    "d3601ba41717118a31d318de13e9e7135b98db87451660ba1df01f6bfe05a019"));
constexpr auto kRsaE = native_order(hex("010001"));
constexpr auto kRsaD = native_order(hex(
    "042ff2ce0c7c89301cf9cc4b35a406ccc8a381300a66e3c9fdc6aa856a7c7522"
    "6adae11c5dfae33b913a85694ae8c035507d0f644e6bc920d68b21c2a83fc98d"
    "d31aad1bf3bff9ebd78a8f1154940e4392f5bb5e5a4137f1d3625211c4fd0e5b"
    "65f51969386b0196d3cb486c6bdfdab6ab8850718c0155a32d87540bce7433a8"
    "c5a9cf75b2672a4e1b54fd9066bad35fe0d1ac21bc4715b7249c22274410e169"
    "20fc729dccd5741d67ebec4d56fbea3ec31e0a045b7a151550d108ac0955dfb1"
    "71ad079ebaf757261e60910ea0d6139905dbdaef5ec7400bbc720a02f5217057"
    "4f5412d257a292563a0b635810347fa513cc8118b5462cb6b9437e265a9f29c5"));
constexpr auto kRsaP = native_order(hex(
    "feec50bca42fcc847812aba8704c8f40fb40c5a5eb7e6a85cb758a7b6e2a865b"
    "9903765b2fad16d7ec20856ebcf84bb94f55f55fe2a8692c565f1f2164a8c87d"
    "e90a0b90c495fc816a48b5e44d55ac76622b657b66cb51224a743d7460004699"
    "ac71238ac55477bd641bbbda032a69a3a621ffb9b642416c501ec0cfa5068715"));
constexpr auto kRsaQ = native_order(hex(
    "c777eb1d5660e1bad4b1631af371e27dd5fb912fcf97c857a0317d5ff0fc8d5d"
    "c13e6bf7815987cd90f8dd8153d8a861a731dcf9ed007e1b06585e5ae9cfcbcd"
    "de5dbd859753334769debba19a4eadac6d758ebcd05778f9a2122edf581bfb63"
    "ace85d05db2425ef81ad8852738f7303d0e7561eaddf2a3d5cfebc89855335f5"));
constexpr auto kRsaDp = native_order(hex(
    "24bf1dd843769c6d8ffd68ff2bc8ed71798659b7541df1eefd6821212fbd3386"
    "eaa4a41ffadc618998810b9aede480cde290ca811ae419dd094a46eb825e0e20"
    "9042216ea9d7d1013ab7e67855697f25c57ae9f302db5603b265d521fc60adcc"
    "a31ddff8b5ff3a0f73e9c78762a36f7ce68aca19141bb2e091200dbd20d5b30d"));
constexpr auto kRsaDq = native_order(hex(
    "8ae8f04b9604122f523fd68cc64ce13650f6c8bd4b0ca0f0a516d201268a3ac8"
    "b7f308ad6cdf34bbebe1e420548be5775c40556b97a96828d9da609b5f88de9d"
    "97e6203e108c5881bb30e9ea38d3e20eda8babc3c233a883f062495230c20be7"
    "f65a3bae0056c4346f52b244f945450bbb47dfa9addc644627a51f178649d4a1"));
constexpr auto kRsaQinv = native_order(hex(
    "ad052f3997b3a898796041e0f8d5b238f897f01e7de18ecb39d13247da17dc83"
    "5d87310107e096fae0fada4c01d5b4956f3689f80bc13a73ac46a1186ee5cba6"
    "a1e3949b565f09af546d805463932caae637789a52880b195e1b662d8d8b3dc4"
    "47308292632efc12c117a41f015b6378e150c92a9e73e65af8b0efd356144917"));

// PKCS#1 v1.5 with SHA-256 over kRsaMessage.
constexpr char kRsaMessage[] = "Craton HSM RSA known-answer test";
constexpr auto kRsaSignature = hex(
    "1787742c59315e71e7eb604ba19ed0c40a190c8f0f4ac6cd79ddeb9b441de022"
    "a26e779255b7fd381360ce38a9d159d65b00e302be586d1fdb74f27d25299a9a"
    "58d11a1acc747afab2e9aab13ba487749ba436c56eed7bf972ad0f388d1d8d56"
    "934052af831fdd94edf1d6e65584934c39e6986faa4a9993c9db1687fea0fbaa"
    "2c99a0de78b45aa121bd83ff23718a9e0df72c2225747e0afb766c98ec833546"
    "fbefcd2eb8122e4121a6b8333aea7f7a72ecb1cc8cf0418a30c9c05c54064d81"
    "a64ead92f80d417f5f04028be78840d7d8447235c887e89b01d0289ebb3ddb3d"
    "5ae35637d5e0860e97afa6960ea04828480613f335f4a0db3aa12d761c572e99");

// RSAES-OAEP (SHA-256, MGF1-SHA-256, empty label) of kOaepPlain.
constexpr char kOaepPlain[] = "Craton HSM OAEP known answer";
constexpr auto kOaepCipher = hex(
    "727cde4f0e041bf3ec8bbc34fee44107aa1dd697121e58ff7a3024e516a25918"
    "3e738850a4d3e3abf62d224d51b29721a72f2b0d4acfcbaa184c5a9b4e7491c8"
    "30f1bcecfd2ae3d2aff37b457009f26a688014234978089fdf727ddbc3c9927b"
    "723994193d2873f47fd42939d1f5246238177e16821337d1ef3e37354fd11972"
    "c0fbb40041f2b4dc70acf17618da6967b13bde41b27ee037bf349b6f4b06df06"
    "c3a5e3c2c5f30ca7169110f5cb5feaa6e91fa5713a1b6bd1ad6d9c795909b14f"
    "72c51597fdc42f59a4c5335265063dac6c2985c59d6330469c7ecf72153bdd05"
    "c3e9764fd7e606e321a7d8d5b6f5f2f614ca987eb121253bdb05b6f4f348b1bf");

// ---- ECDSA: RFC 6979 appendix A.2.5 (P-256, SHA-256, message "sample") -----------
constexpr auto kEcdsaPrivate = hex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
constexpr auto kEcdsaPublic = hex(
    "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
// DER SEQUENCE { INTEGER r, INTEGER s } (both need a leading zero byte).
constexpr auto kEcdsaSignature = hex(
    "3046022100efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
    "022100f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");

// ---- Ed25519: RFC 8032 §7.1, TEST 2 ------------------------------------------------
constexpr auto kEd25519Private = hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
constexpr auto kEd25519Public = hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
constexpr auto kEd25519Message = hex("72");
constexpr auto kEd25519Signature = hex(
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");

// ---- ECDH: CAVP KAS ECC CDH primitive (SP 800-56A), P-256 COUNT = 0 ---------------
constexpr auto kEcdhPeer = hex(
    "04700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287"
    "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac");
constexpr auto kEcdhPrivate = hex("7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534");
constexpr auto kEcdhPublic = hex(
    "04ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230"
    "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141");
constexpr auto kEcdhShared = hex("46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b");

// ---- Key construction ------------------------------------------------------------------

OSSL_PARAM bn(const char* key, ByteView native) {
  return OSSL_PARAM_construct_BN(key, const_cast<std::uint8_t*>(native.data()), native.size());
}
OSSL_PARAM octets(const char* key, ByteView value) {
  return OSSL_PARAM_construct_octet_string(key, const_cast<std::uint8_t*>(value.data()), value.size());
}

EvpPkeyPtr pkey_from(const Provider& provider, const char* algorithm, int selection, OSSL_PARAM* params) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(provider.libctx(), algorithm, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 || EVP_PKEY_fromdata(ctx.get(), &raw, selection, params) != 1) {
    return nullptr;
  }
  return EvpPkeyPtr(raw);
}

EvpPkeyPtr rsa_key(const Provider& provider, bool with_private) {
  OSSL_PARAM params[] = {
      bn(OSSL_PKEY_PARAM_RSA_N, kRsaN), bn(OSSL_PKEY_PARAM_RSA_E, kRsaE),
      bn(OSSL_PKEY_PARAM_RSA_D, kRsaD), bn(OSSL_PKEY_PARAM_RSA_FACTOR1, kRsaP),
      bn(OSSL_PKEY_PARAM_RSA_FACTOR2, kRsaQ), bn(OSSL_PKEY_PARAM_RSA_EXPONENT1, kRsaDp),
      bn(OSSL_PKEY_PARAM_RSA_EXPONENT2, kRsaDq), bn(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, kRsaQinv),
      OSSL_PARAM_construct_end()};
  if (!with_private) params[2] = OSSL_PARAM_construct_end();
  return pkey_from(provider, "RSA", with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);
}

// A P-256 key: the private scalar (big-endian, may be empty) and the public point.
EvpPkeyPtr p256_key(const Provider& provider, ByteView scalar, ByteView point) {
  Bytes native(scalar.rbegin(), scalar.rend());
  if constexpr (std::endian::native == std::endian::big) native.assign(scalar.begin(), scalar.end());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("P-256"), 0),
      octets(OSSL_PKEY_PARAM_PUB_KEY, point), bn(OSSL_PKEY_PARAM_PRIV_KEY, native), OSSL_PARAM_construct_end()};
  if (scalar.empty()) params[2] = OSSL_PARAM_construct_end();
  return pkey_from(provider, "EC", scalar.empty() ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEYPAIR, params);
}

// ---- Signatures ---------------------------------------------------------------------------

// One-shot EVP_DigestSign (md may be null for EdDSA); empty on failure.
Bytes sign(const Provider& provider, EVP_PKEY* pkey, const char* md, const OSSL_PARAM* params, ByteView message) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  Bytes signature(static_cast<std::size_t>(pkey == nullptr ? 0 : EVP_PKEY_get_size(pkey)));
  std::size_t len = signature.size();
  if (!ctx || pkey == nullptr ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, md, provider.libctx(), nullptr, pkey, params) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &len, message.data(), message.size()) != 1) {
    return {};
  }
  signature.resize(len);
  return signature;
}

bool verify(const Provider& provider, EVP_PKEY* pkey, const char* md, const OSSL_PARAM* params, ByteView message,
            ByteView signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx && pkey != nullptr &&
         EVP_DigestVerifyInit_ex(ctx.get(), nullptr, md, provider.libctx(), nullptr, pkey, params) == 1 &&
         EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
}

const OSSL_PARAM* pkcs1_padding() {
  static const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE,
                                       const_cast<char*>(OSSL_PKEY_RSA_PAD_MODE_PKCSV15), 0),
      OSSL_PARAM_construct_end()};
  return params;
}

bool rsa_pkcs1_sign(const Provider& provider, bool corrupt) {
  EvpPkeyPtr key = rsa_key(provider, true);
  const Bytes message = input_copy(text(kRsaMessage), corrupt);
  return matches(sign(provider, key.get(), "SHA2-256", pkcs1_padding(), message), kRsaSignature);
}

bool rsa_pkcs1_verify(const Provider& provider, bool corrupt) {
  EvpPkeyPtr key = rsa_key(provider, false);
  const Bytes message = input_copy(text(kRsaMessage), corrupt);
  return verify(provider, key.get(), "SHA2-256", pkcs1_padding(), message, kRsaSignature);
}

bool rsa_oaep_decrypt(const Provider& provider, bool corrupt) {
  EvpPkeyPtr key = rsa_key(provider, true);
  if (!key) return false;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(provider.libctx(), key.get(), nullptr));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE,
                                       const_cast<char*>(OSSL_PKEY_RSA_PAD_MODE_OAEP), 0),
      OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, const_cast<char*>("SHA2-256"), 0),
      OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, const_cast<char*>("SHA2-256"), 0),
      OSSL_PARAM_construct_end()};
  const Bytes cipher_text = input_copy(kOaepCipher, corrupt);
  Bytes plain(kOaepCipher.size());
  std::size_t len = plain.size();
  if (!ctx || EVP_PKEY_decrypt_init_ex(ctx.get(), params) != 1 ||
      EVP_PKEY_decrypt(ctx.get(), plain.data(), &len, cipher_text.data(), cipher_text.size()) != 1) {
    return false;
  }
  plain.resize(len);
  return matches(plain, text(kOaepPlain));
}

bool ecdsa_p256_sign(const Provider& provider, bool corrupt) {
  EvpPkeyPtr key = p256_key(provider, kEcdsaPrivate, kEcdsaPublic);
  unsigned int deterministic = 1;  // RFC 6979 nonce: the signature is a constant
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_uint(OSSL_SIGNATURE_PARAM_NONCE_TYPE, &deterministic),
                               OSSL_PARAM_construct_end()};
  const Bytes message = input_copy(text("sample"), corrupt);
  return matches(sign(provider, key.get(), "SHA2-256", params, message), kEcdsaSignature);
}

bool ecdsa_p256_verify(const Provider& provider, bool corrupt) {
  EvpPkeyPtr key = p256_key(provider, {}, kEcdsaPublic);
  const Bytes message = input_copy(text("sample"), corrupt);
  return verify(provider, key.get(), "SHA2-256", nullptr, message, kEcdsaSignature);
}

bool ed25519_sign(const Provider& provider, bool corrupt) {
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key_ex(provider.libctx(), "ED25519", nullptr, kEd25519Private.data(),
                                                 kEd25519Private.size()));
  const Bytes message = input_copy(kEd25519Message, corrupt);
  return matches(sign(provider, key.get(), nullptr, nullptr, message), kEd25519Signature);
}

bool ed25519_verify(const Provider& provider, bool corrupt) {
  EvpPkeyPtr key(EVP_PKEY_new_raw_public_key_ex(provider.libctx(), "ED25519", nullptr, kEd25519Public.data(),
                                                kEd25519Public.size()));
  const Bytes message = input_copy(kEd25519Message, corrupt);
  return verify(provider, key.get(), nullptr, nullptr, message, kEd25519Signature);
}

// ---- Key agreement -----------------------------------------------------------------------

bool ecdh_p256(const Provider& provider, bool corrupt) {
  // A corrupted scalar is still a valid scalar (the public point is not
  // re-derived), so the derivation succeeds with a wrong shared secret.
  const Bytes scalar = input_copy(kEcdhPrivate, corrupt);
  EvpPkeyPtr key = p256_key(provider, scalar, kEcdhPublic);
  EvpPkeyPtr peer = p256_key(provider, {}, kEcdhPeer);
  if (!key || !peer) return false;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(provider.libctx(), key.get(), nullptr));
  Bytes shared(kEcdhShared.size());
  std::size_t len = shared.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 1) != 1 ||
      EVP_PKEY_derive(ctx.get(), shared.data(), &len) != 1) {
    return false;
  }
  shared.resize(len);
  return matches(shared, kEcdhShared);
}

constexpr KnownAnswerTest kTests[] = {
    {"RSA-PKCS1-sign", rsa_pkcs1_sign},
    {"RSA-PKCS1-verify", rsa_pkcs1_verify},
    {"RSA-OAEP-decrypt", rsa_oaep_decrypt},
    {"ECDSA-P256-sign", ecdsa_p256_sign},
    {"ECDSA-P256-verify", ecdsa_p256_verify},
    {"Ed25519-sign", ed25519_sign},
    {"Ed25519-verify", ed25519_verify},
    {"ECDH-P256", ecdh_p256},
};

}  // namespace

std::span<const KnownAnswerTest> asymmetric_tests() { return kTests; }

}  // namespace craton::crypto::kat

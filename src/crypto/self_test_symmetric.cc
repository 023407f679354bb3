// Known-answer tests of the symmetric primitives: SHA-1/2/3, HMAC, AES-GCM,
// AES-CBC, AES-CTR, AES key wrap, CMAC, HKDF and PBKDF2. Each recomputes a
// published vector with the EVP objects the families use (the Provider's
// cached digests, ciphers and MACs; KDFs are fetched per run, which costs a
// few microseconds once per C_Initialize).
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

#include "crypto/cipher_util.h"
#include "crypto/provider.h"
#include "crypto/self_test_internal.h"

namespace craton::crypto::kat {
namespace {

// ---- Vectors -------------------------------------------------------------------

// FIPS 180-4 / FIPS 202 examples: the digest of "abc".
constexpr auto kSha1Abc = hex("a9993e364706816aba3e25717850c26c9cd0d89d");
constexpr auto kSha256Abc = hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
constexpr auto kSha512Abc = hex(
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
constexpr auto kSha3_256Abc = hex("3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");

// RFC 4231 §4.3, test case 2 (HMAC-SHA-256).
constexpr auto kHmacTag = hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

// The GCM specification (McGrew & Viega), test case 16: AES-256, 96-bit IV, AAD.
constexpr auto kGcmKey = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
constexpr auto kGcmIv = hex("cafebabefacedbaddecaf888");
constexpr auto kGcmAad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
constexpr auto kGcmPlain = hex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
constexpr auto kGcmCipher = hex(
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662");
constexpr auto kGcmTag = hex("76fc6ece0f4e1768cddf8853bb2d551b");

// SP 800-38A appendix F (AES-256): F.2.5 CBC, F.5.5 CTR; SP 800-38B D.3 CMAC.
constexpr auto kSp38Key = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
constexpr auto kSp38Plain = hex(
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
constexpr auto kCbcIv = hex("000102030405060708090a0b0c0d0e0f");
constexpr auto kCbcCipher = hex(
    "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
    "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b");
constexpr auto kCtrCounter = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
constexpr auto kCtrCipher = hex(
    "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
    "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6");
constexpr auto kCmacTag = hex("28a7023f452e8f82bd4bf28d8c37c35c");  // D.3 example 2: first block

// RFC 3394 §4.6: 256 bits of key data with a 256-bit KEK.
constexpr auto kKwKek = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
constexpr auto kKwKeyData = hex("00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f");
constexpr auto kKwWrapped = hex(
    "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21");

// RFC 5869 appendix A.1 (HKDF-SHA-256, test case 1).
constexpr auto kHkdfSalt = hex("000102030405060708090a0b0c");
constexpr auto kHkdfInfo = hex("f0f1f2f3f4f5f6f7f8f9");
constexpr auto kHkdfOkm = hex(
    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");

// RFC 7914 §11: PBKDF2-HMAC-SHA-256, P = "passwd", S = "salt", c = 1, dkLen = 64.
constexpr auto kPbkdf2Out = hex(
    "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
    "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");

// ---- Digests and MACs --------------------------------------------------------------

bool digest_matches(const Provider& provider, const char* md_name, bool corrupt, ByteView expected) {
  const EVP_MD* md = provider.md(md_name);
  if (md == nullptr) return false;
  const Bytes message = input_copy(text("abc"), corrupt);
  std::uint8_t out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(message.data(), message.size(), out, &len, md, nullptr) != 1) return false;
  return matches({out, len}, expected);
}

bool sha1(const Provider& p, bool corrupt) { return digest_matches(p, "SHA1", corrupt, kSha1Abc); }
bool sha256(const Provider& p, bool corrupt) { return digest_matches(p, "SHA2-256", corrupt, kSha256Abc); }
bool sha512(const Provider& p, bool corrupt) { return digest_matches(p, "SHA2-512", corrupt, kSha512Abc); }
bool sha3_256(const Provider& p, bool corrupt) { return digest_matches(p, "SHA3-256", corrupt, kSha3_256Abc); }

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};

// One-shot MAC of `message` under `key` with `params` (digest or cipher name).
bool mac_matches(const EVP_MAC* mac, ByteView key, const OSSL_PARAM* params, ByteView message, ByteView expected) {
  if (mac == nullptr) return false;
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(const_cast<EVP_MAC*>(mac)));
  std::uint8_t out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), message.data(), message.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out, &len, sizeof out) != 1) {
    return false;
  }
  return matches({out, len}, expected);
}

bool hmac_sha256(const Provider& provider, bool corrupt) {
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA2-256"), 0),
                         OSSL_PARAM_construct_end()};
  const Bytes message = input_copy(text("what do ya want for nothing?"), corrupt);
  return mac_matches(provider.mac("HMAC"), text("Jefe"), params, message, kHmacTag);
}

bool aes_cmac(const Provider& provider, bool corrupt) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, const_cast<char*>("AES-256-CBC"), 0),
      OSSL_PARAM_construct_end()};
  const Bytes message = input_copy(ByteView(kSp38Plain).first(16), corrupt);
  return mac_matches(provider.mac("CMAC"), kSp38Key, params, message, kCmacTag);
}

// ---- Ciphers -------------------------------------------------------------------------

// One complete encryption or decryption of `in` (no padding), or an empty
// result when OpenSSL fails (the KAT inputs are never empty).
Bytes crypt(const EVP_CIPHER* cipher, ByteView key, ByteView iv, bool encrypt, ByteView in, bool wrap = false) {
  if (cipher == nullptr) return {};
  EVP_CIPHER_CTX* raw = EVP_CIPHER_CTX_new();
  EvpCipherCtxPtr ctx(raw);
  if (!ctx) return {};
  if (wrap) EVP_CIPHER_CTX_set_flags(raw, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  Bytes out(in.size() + 2 * EVP_MAX_BLOCK_LENGTH);
  int n = 0;
  int final_len = 0;
  if (EVP_CipherInit_ex2(raw, cipher, key.data(), iv.empty() ? nullptr : iv.data(), encrypt ? 1 : 0, nullptr) != 1 ||
      (!wrap && EVP_CIPHER_CTX_set_padding(raw, 0) != 1) ||
      EVP_CipherUpdate(raw, out.data(), &n, in.data(), static_cast<int>(in.size())) != 1 ||
      EVP_CipherFinal_ex(raw, out.data() + n, &final_len) != 1) {
    return {};
  }
  out.resize(static_cast<std::size_t>(n + final_len));
  return out;
}

bool aes_cbc(const Provider& provider, bool corrupt) {
  const EVP_CIPHER* cbc = provider.cipher("AES-256-CBC");
  const Bytes plain = input_copy(kSp38Plain, corrupt);
  return matches(crypt(cbc, kSp38Key, kCbcIv, true, plain), kCbcCipher) &&
         matches(crypt(cbc, kSp38Key, kCbcIv, false, kCbcCipher), kSp38Plain);
}

bool aes_ctr(const Provider& provider, bool corrupt) {
  const Bytes plain = input_copy(kSp38Plain, corrupt);
  return matches(crypt(provider.cipher("AES-256-CTR"), kSp38Key, kCtrCounter, true, plain), kCtrCipher);
}

bool aes_kw(const Provider& provider, bool corrupt) {
  const EVP_CIPHER* kw = provider.cipher("AES-256-WRAP");
  const Bytes key_data = input_copy(kKwKeyData, corrupt);
  return matches(crypt(kw, kKwKek, {}, true, key_data, true), kKwWrapped) &&
         matches(crypt(kw, kKwKek, {}, false, kKwWrapped, true), kKwKeyData);
}

// AES-256-GCM over (aad, in); encrypt writes `tag`, decrypt checks it.
// Returns the output, or empty when OpenSSL fails or the tag is wrong.
Bytes gcm(const Provider& provider, bool encrypt, ByteView in, std::uint8_t* tag) {
  const EVP_CIPHER* cipher = provider.cipher("AES-256-GCM");
  if (cipher == nullptr) return {};
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return {};
  Bytes out(in.size());
  int n = 0;
  int aad_len = 0;
  int final_len = 0;
  const int enc = encrypt ? 1 : 0;
  if (EVP_CipherInit_ex2(ctx.get(), cipher, kGcmKey.data(), kGcmIv.data(), enc, nullptr) != 1 ||
      EVP_CipherUpdate(ctx.get(), nullptr, &aad_len, kGcmAad.data(), static_cast<int>(kGcmAad.size())) != 1 ||
      EVP_CipherUpdate(ctx.get(), out.data(), &n, in.data(), static_cast<int>(in.size())) != 1) {
    return {};
  }
  OSSL_PARAM set_tag[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kGcmTag.size()),
                          OSSL_PARAM_construct_end()};
  if (!encrypt && EVP_CIPHER_CTX_set_params(ctx.get(), set_tag) != 1) return {};
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + n, &final_len) != 1) return {};  // decrypt: tag mismatch
  if (encrypt && EVP_CIPHER_CTX_get_params(ctx.get(), set_tag) != 1) return {};
  out.resize(static_cast<std::size_t>(n + final_len));
  return out;
}

bool aes_gcm_encrypt(const Provider& provider, bool corrupt) {
  const Bytes plain = input_copy(kGcmPlain, corrupt);
  std::uint8_t tag[16] = {};
  const Bytes cipher_text = gcm(provider, true, plain, tag);
  return matches(cipher_text, kGcmCipher) && matches(tag, kGcmTag);
}

// The decryption direction is tested on its own: it is the path that checks
// the tag, and a tag check that always passed would be invisible to the
// encryption KAT.
bool aes_gcm_decrypt(const Provider& provider, bool corrupt) {
  const Bytes cipher_text = input_copy(kGcmCipher, corrupt);
  std::array<std::uint8_t, 16> tag = kGcmTag;
  return matches(gcm(provider, false, cipher_text, tag.data()), kGcmPlain);
}

// ---- KDFs -------------------------------------------------------------------------------

struct KdfFree {
  void operator()(EVP_KDF* kdf) const noexcept { EVP_KDF_free(kdf); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* ctx) const noexcept { EVP_KDF_CTX_free(ctx); }
};

bool kdf_matches(const Provider& provider, const char* name, const OSSL_PARAM* params, ByteView expected) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(provider.libctx(), name, nullptr));
  if (!kdf) return false;
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  Bytes out(expected.size());
  if (!ctx || EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) return false;
  return matches(out, expected);
}

OSSL_PARAM octets(const char* key, ByteView value) {
  return OSSL_PARAM_construct_octet_string(key, const_cast<std::uint8_t*>(value.data()), value.size());
}

bool hkdf_sha256(const Provider& provider, bool corrupt) {
  const Bytes ikm = input_copy(Bytes(22, 0x0b), corrupt);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA2-256"), 0),
      octets(OSSL_KDF_PARAM_KEY, ikm), octets(OSSL_KDF_PARAM_SALT, kHkdfSalt), octets(OSSL_KDF_PARAM_INFO, kHkdfInfo),
      OSSL_PARAM_construct_end()};
  return kdf_matches(provider, "HKDF", params, kHkdfOkm);
}

bool pbkdf2_sha256(const Provider& provider, bool corrupt) {
  const Bytes password = input_copy(text("passwd"), corrupt);
  std::uint64_t iterations = 1;
  // The short salt and single iteration of the RFC vector are below SP
  // 800-132's floors: pkcs5 = 1 turns the provider's lower-bound checks off,
  // as kdf.cc does for CKM_PKCS5_PBKD2.
  int pkcs5 = 1;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA2-256"), 0),
      octets(OSSL_KDF_PARAM_PASSWORD, password), octets(OSSL_KDF_PARAM_SALT, text("salt")),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iterations),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5), OSSL_PARAM_construct_end()};
  return kdf_matches(provider, "PBKDF2", params, kPbkdf2Out);
}

constexpr KnownAnswerTest kTests[] = {
    {"SHA-1", sha1},
    {"SHA-256", sha256},
    {"SHA-512", sha512},
    {"SHA3-256", sha3_256},
    {"HMAC-SHA256", hmac_sha256},
    {"AES-GCM-encrypt", aes_gcm_encrypt},
    {"AES-GCM-decrypt", aes_gcm_decrypt},
    {"AES-CBC", aes_cbc},
    {"AES-CTR", aes_ctr},
    {"AES-KW", aes_kw},
    {"AES-CMAC", aes_cmac},
    {"HKDF-SHA256", hkdf_sha256},
    {"PBKDF2-SHA256", pbkdf2_sha256},
};

}  // namespace

std::span<const KnownAnswerTest> symmetric_tests() { return kTests; }

}  // namespace craton::crypto::kat

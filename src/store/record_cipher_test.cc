#include "store/record_cipher.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace craton {
namespace {

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + 13 * i);
  return b;
}

void append_le64(Bytes& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Decrypts an envelope with plain EVP calls, building the AAD exactly as
// record_cipher.h documents it — an independent check of the on-disk format.
bool independent_open(OSSL_LIB_CTX* libctx, ByteView key, const Bytes& aad, ByteView sealed, Bytes& out) {
  if (sealed.size() < 29 || sealed[0] != 1) return false;
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(libctx, "AES-256-GCM", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const std::size_t n = sealed.size() - 29;
  out.assign(n + 16, 0);
  std::uint8_t tag[16];
  std::copy(sealed.end() - 16, sealed.end(), tag);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, 16),
                         OSSL_PARAM_construct_end()};
  int len = 0, tail = 0;
  bool ok = EVP_DecryptInit_ex2(ctx, cipher, key.data(), sealed.data() + 1, nullptr) == 1 &&
            EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx, out.data(), &len, sealed.data() + 13, static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_set_params(ctx, params) == 1 && EVP_DecryptFinal_ex(ctx, out.data() + len, &tail) == 1;
  out.resize(n);
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
  return ok;
}

class RecordCipherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = crypto::Provider::create();
    ASSERT_TRUE(p.ok()) << p.status().message();
    provider_ = std::move(p).value();
    key_ = pattern(32, 0x42);
  }
  std::unique_ptr<crypto::Provider> provider_;
  Bytes key_;
};

TEST_F(RecordCipherTest, RoundTripsAllSizes) {
  RecordCipher cipher(*provider_, key_, 3);
  for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 1000u, 100000u}) {
    const Bytes plain = pattern(n, static_cast<std::uint8_t>(n));
    auto sealed = cipher.seal(7, 2, plain);
    ASSERT_TRUE(sealed.ok()) << sealed.status().message();
    EXPECT_EQ(sealed->size(), n + kRecordOverhead);
    EXPECT_EQ((*sealed)[0], kRecordFormatVersion);
    auto opened = cipher.open(7, 2, *sealed);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    EXPECT_EQ(Bytes(opened->begin(), opened->end()), plain) << "size " << n;
  }
}

TEST_F(RecordCipherTest, EverySealUsesAFreshNonce) {
  RecordCipher cipher(*provider_, key_, 1);
  const Bytes plain = pattern(64, 1);
  auto a = cipher.seal(1, 1, plain);
  auto b = cipher.seal(1, 1, plain);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(Bytes(a->begin() + 1, a->begin() + 13), Bytes(b->begin() + 1, b->begin() + 13));
  EXPECT_NE(*a, *b);
}

TEST_F(RecordCipherTest, FormatMatchesDocumentedLayout) {
  const std::uint64_t slot = 0x0102030405060708ULL, id = 0x1122334455667788ULL, version = 9;
  RecordCipher cipher(*provider_, key_, slot);
  const Bytes plain = pattern(50, 9);
  auto sealed = cipher.seal(id, version, plain);
  ASSERT_TRUE(sealed.ok());
  const std::string label = "craton-record-v1";
  Bytes aad(label.begin(), label.end());
  append_le64(aad, slot);
  append_le64(aad, id);
  append_le64(aad, version);
  Bytes out;
  ASSERT_TRUE(independent_open(provider_->libctx(), key_, aad, *sealed, out));
  EXPECT_EQ(out, plain);
}

TEST_F(RecordCipherTest, EveryFlippedBitIsDetected) {
  RecordCipher cipher(*provider_, key_, 1);
  auto sealed = cipher.seal(7, 1, pattern(40, 3));
  ASSERT_TRUE(sealed.ok());
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = *sealed;
      bad[i] ^= static_cast<std::uint8_t>(1u << bit);
      auto opened = cipher.open(7, 1, bad);
      ASSERT_FALSE(opened.ok()) << "byte " << i << " bit " << bit;
      EXPECT_EQ(opened.rv(), CKR_DEVICE_ERROR);
      const std::string expected = i == 0 ? "record 7 has unsupported format" : "record 7 failed authentication";
      EXPECT_NE(opened.status().message().find(expected), std::string::npos) << opened.status().message();
    }
  }
}

TEST_F(RecordCipherTest, WrongBindingFailsAuthentication) {
  RecordCipher cipher(*provider_, key_, 1);
  auto sealed = cipher.seal(7, 4, pattern(32, 5));
  ASSERT_TRUE(sealed.ok());
  auto expect_auth_failure = [](const Result<SecureBytes>& r, std::uint64_t id) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.rv(), CKR_DEVICE_ERROR);
    EXPECT_EQ(r.status().message(), "record " + std::to_string(id) + " failed authentication");
  };
  expect_auth_failure(cipher.open(8, 4, *sealed), 8);                             // other object
  expect_auth_failure(cipher.open(7, 3, *sealed), 7);                             // rolled-back version
  expect_auth_failure(cipher.open(7, 5, *sealed), 7);                             // other version
  expect_auth_failure(RecordCipher(*provider_, key_, 2).open(7, 4, *sealed), 7);  // other slot
  Bytes other_key = key_;
  other_key[31] ^= 1;
  expect_auth_failure(RecordCipher(*provider_, other_key, 1).open(7, 4, *sealed), 7);  // other master key
  EXPECT_TRUE(cipher.open(7, 4, *sealed).ok());
}

TEST_F(RecordCipherTest, MalformedRecordsAreDeviceErrors) {
  RecordCipher cipher(*provider_, key_, 1);
  auto sealed = cipher.seal(7, 1, pattern(10, 1));
  ASSERT_TRUE(sealed.ok());
  for (std::size_t n : {0u, 1u, 28u}) {
    auto r = cipher.open(7, 1, ByteView(sealed->data(), n));
    EXPECT_EQ(r.rv(), CKR_DEVICE_ERROR) << n;
    EXPECT_NE(r.status().message().find("truncated"), std::string::npos);
  }
  // Dropping bytes off the end leaves a well-formed envelope whose tag is wrong.
  auto r = cipher.open(7, 1, ByteView(sealed->data(), sealed->size() - 1));
  EXPECT_EQ(r.rv(), CKR_DEVICE_ERROR);
}

TEST_F(RecordCipherTest, MasterKeyOfWrongSizeIsRejected) {
  const Bytes short_key = pattern(16, 1);
  RecordCipher cipher(*provider_, short_key, 1);
  EXPECT_EQ(cipher.seal(1, 1, pattern(4, 1)).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(cipher.open(1, 1, pattern(40, 1)).rv(), CKR_KEY_SIZE_RANGE);
}

TEST_F(RecordCipherTest, ConcurrentSealAndOpen) {
  RecordCipher cipher(*provider_, key_, 1);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const Bytes plain = pattern(100 + i, static_cast<std::uint8_t>(t));
        auto sealed = cipher.seal(i + 1, t, plain);
        if (!sealed.ok()) {
          ++failures;
          continue;
        }
        auto opened = cipher.open(i + 1, t, *sealed);
        if (!opened.ok() || Bytes(opened->begin(), opened->end()) != plain) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

class MasterKeyWrapTest : public RecordCipherTest {};

TEST_F(MasterKeyWrapTest, RoundTripAndFormat) {
  const Bytes kek = pattern(32, 0x77);
  const Bytes master = pattern(32, 0x99);
  auto wrapped = wrap_master_key(*provider_, kek, 5, 1, master);
  ASSERT_TRUE(wrapped.ok()) << wrapped.status().message();
  EXPECT_EQ(wrapped->size(), kWrappedMasterKeySize);
  auto unwrapped = unwrap_master_key(*provider_, kek, 5, 1, *wrapped);
  ASSERT_TRUE(unwrapped.ok()) << unwrapped.status().message();
  EXPECT_EQ(Bytes(unwrapped->begin(), unwrapped->end()), master);

  const std::string label = "craton-master-key-v1";
  Bytes aad(label.begin(), label.end());
  append_le64(aad, 5);
  aad.push_back(1);
  Bytes out;
  ASSERT_TRUE(independent_open(provider_->libctx(), kek, aad, *wrapped, out));
  EXPECT_EQ(out, master);
}

TEST_F(MasterKeyWrapTest, WrongKekSlotOrRoleIsPinIncorrect) {
  const Bytes kek = pattern(32, 0x77);
  const Bytes master = pattern(32, 0x99);
  auto wrapped = wrap_master_key(*provider_, kek, 5, 1, master);
  ASSERT_TRUE(wrapped.ok());
  Bytes wrong_kek = kek;
  wrong_kek[0] ^= 0x80;
  EXPECT_EQ(unwrap_master_key(*provider_, wrong_kek, 5, 1, *wrapped).rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(unwrap_master_key(*provider_, kek, 6, 1, *wrapped).rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(unwrap_master_key(*provider_, kek, 5, 0, *wrapped).rv(), CKR_PIN_INCORRECT);
  for (std::size_t i = 1; i < wrapped->size(); ++i) {
    Bytes bad = *wrapped;
    bad[i] ^= 0x01;
    EXPECT_EQ(unwrap_master_key(*provider_, kek, 5, 1, bad).rv(), CKR_PIN_INCORRECT) << "byte " << i;
  }
}

TEST_F(MasterKeyWrapTest, MalformedBlobIsDeviceErrorNotPinIncorrect) {
  const Bytes kek = pattern(32, 0x77);
  auto wrapped = wrap_master_key(*provider_, kek, 5, 1, pattern(32, 1));
  ASSERT_TRUE(wrapped.ok());
  Bytes bad_version = *wrapped;
  bad_version[0] = 2;
  EXPECT_EQ(unwrap_master_key(*provider_, kek, 5, 1, bad_version).rv(), CKR_DEVICE_ERROR);
  EXPECT_EQ(unwrap_master_key(*provider_, kek, 5, 1, ByteView(wrapped->data(), 60)).rv(), CKR_DEVICE_ERROR);
  Bytes longer = *wrapped;
  longer.push_back(0);
  EXPECT_EQ(unwrap_master_key(*provider_, kek, 5, 1, longer).rv(), CKR_DEVICE_ERROR);
  EXPECT_EQ(unwrap_master_key(*provider_, kek, 5, 1, Bytes{}).rv(), CKR_DEVICE_ERROR);
}

TEST_F(MasterKeyWrapTest, KeySizesAreChecked) {
  EXPECT_EQ(wrap_master_key(*provider_, pattern(16, 1), 1, 1, pattern(32, 2)).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(wrap_master_key(*provider_, pattern(32, 1), 1, 1, pattern(31, 2)).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(unwrap_master_key(*provider_, pattern(33, 1), 1, 1, pattern(61, 2)).rv(), CKR_KEY_SIZE_RANGE);
}

}  // namespace
}  // namespace craton

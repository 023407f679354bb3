// DES3 (legacy): known answers, key generation with odd parity, modes,
// multi-part and the error codes.
#include <gtest/gtest.h>

#include <bit>

#include "crypto/families.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

Bytes hex(std::string_view text) {
  Bytes out;
  std::string digits;
  for (char c : text) {
    if (c != ' ') digits += c;
  }
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

KeyPtr des3_key(const Bytes& value, CK_KEY_TYPE type = CKK_DES3) {
  auto key = std::make_shared<Key>();
  key->object_class = CKO_SECRET_KEY;
  key->key_type = type;
  key->secret.assign(value.begin(), value.end());
  key->bits = 8 * value.size();
  return key;
}

const MechanismEntry& row(CK_MECHANISM_TYPE type) {
  for (const MechanismEntry& entry : des3_mechanisms()) {
    if (entry.type == type) return entry;
  }
  ADD_FAILURE() << "no row for mechanism " << type;
  static const MechanismEntry kEmpty{};
  return kEmpty;
}

// SP 800-67 Rev. 2 example keys: K1, K2, K3.
const Bytes kKey = hex("0123456789ABCDEF 23456789ABCDEF01 456789ABCDEF0123");

class Des3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Provider::create();
    ASSERT_TRUE(created.ok()) << created.status().message();
    provider_ = std::move(created).value();
  }

  Result<std::unique_ptr<CipherOperation>> start(CK_MECHANISM_TYPE type, const Bytes& param, const KeyPtr& key,
                                                 bool encrypt) {
    CK_MECHANISM mech{type, param.empty() ? nullptr : const_cast<std::uint8_t*>(param.data()), param.size()};
    CipherFactory factory = encrypt ? row(type).encrypt : row(type).decrypt;
    return factory(MechanismCall{*provider_, mech}, key);
  }

  Result<Bytes> run(CK_MECHANISM_TYPE type, const Bytes& param, const KeyPtr& key, bool encrypt, const Bytes& in) {
    auto op = start(type, param, key, encrypt);
    if (!op.ok()) return op.status();
    Bytes out;
    const std::size_t bound = (*op)->run_length(in.size());
    RETURN_IF_ERROR((*op)->run(in, out));
    EXPECT_LE(out.size(), bound);
    return out;
  }

  // Parts of 3, 5, 3, 5... bytes.
  Result<Bytes> parts(CK_MECHANISM_TYPE type, const Bytes& param, const KeyPtr& key, bool encrypt, const Bytes& in) {
    auto op = start(type, param, key, encrypt);
    if (!op.ok()) return op.status();
    Bytes out;
    for (std::size_t pos = 0, i = 0; pos < in.size(); ++i) {
      const std::size_t n = std::min<std::size_t>(i % 2 ? 5 : 3, in.size() - pos);
      const std::size_t bound = (*op)->update_length(n), before = out.size();
      RETURN_IF_ERROR((*op)->update(ByteView(in).subspan(pos, n), out));
      EXPECT_LE(out.size() - before, bound);
      pos += n;
    }
    const std::size_t bound = (*op)->final_length(), before = out.size();
    RETURN_IF_ERROR((*op)->final(out));
    EXPECT_LE(out.size() - before, bound);
    return out;
  }

  std::unique_ptr<Provider> provider_;
};

TEST_F(Des3Test, EcbKnownAnswerSp80067) {
  // "The qufck brown fox jump" (the example's own spelling).
  const Bytes plain = hex("5468652071756663 6B2062726F776E20 666F78206A756D70");
  const Bytes cipher = hex("A826FD8CE53B855F CCE21C8112256FE6 68D5C05DD9B6B900");
  KeyPtr key = des3_key(kKey);
  EXPECT_EQ(*run(CKM_DES3_ECB, {}, key, true, plain), cipher);
  EXPECT_EQ(*parts(CKM_DES3_ECB, {}, key, true, plain), cipher);
  EXPECT_EQ(*run(CKM_DES3_ECB, {}, key, false, cipher), plain);
  EXPECT_EQ(*parts(CKM_DES3_ECB, {}, key, false, cipher), plain);
}

TEST_F(Des3Test, CbcKnownAnswer) {
  // OpenSSL's evpciph_des3_common.txt (from its destest suite).
  KeyPtr key = des3_key(hex("0123456789abcdeff1e0d3c2b5a49786fedcba9876543210"));
  const Bytes iv = hex("fedcba9876543210");
  const Bytes plain = hex("37363534333231204E6F77206973207468652074696D6520666F722000000000");
  const Bytes cipher = hex("3FE301C962AC01D02213763C1CBD4CDC799657C064ECF5D41C673812CFDE9675");
  EXPECT_EQ(*run(CKM_DES3_CBC, iv, key, true, plain), cipher);
  EXPECT_EQ(*parts(CKM_DES3_CBC, iv, key, true, plain), cipher);
  EXPECT_EQ(*parts(CKM_DES3_CBC, iv, key, false, cipher), plain);
}

TEST_F(Des3Test, CbcPadRoundTripsEveryLength) {
  KeyPtr key = des3_key(kKey);
  const Bytes iv = hex("0001020304050607");
  for (std::size_t len = 0; len <= 17; ++len) {
    Bytes plain(len, static_cast<std::uint8_t>(len));
    auto single = run(CKM_DES3_CBC_PAD, iv, key, true, plain);
    auto multi = parts(CKM_DES3_CBC_PAD, iv, key, true, plain);
    ASSERT_TRUE(single.ok() && multi.ok());
    EXPECT_EQ(*single, *multi);
    EXPECT_EQ(single->size(), (len / 8 + 1) * 8);
    EXPECT_EQ(*parts(CKM_DES3_CBC_PAD, iv, key, false, *single), plain);
  }
}

TEST_F(Des3Test, KeyGenSetsOddParity) {
  CK_MECHANISM mech{CKM_DES3_KEY_GEN, nullptr, 0};
  AttributeMap tmpl;
  auto out = row(CKM_DES3_KEY_GEN).generate_key(MechanismCall{*provider_, mech}, tmpl);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ByteView value = out->bytes_or_empty(CKA_VALUE);
  ASSERT_EQ(value.size(), 24u);
  for (std::uint8_t b : value) EXPECT_EQ(std::popcount(b) % 2, 1);
  EXPECT_EQ(out->get_ulong(CKA_VALUE_LEN), 24u);
  tmpl.set_ulong(CKA_VALUE_LEN, 16);
  EXPECT_EQ(row(CKM_DES3_KEY_GEN).generate_key(MechanismCall{*provider_, mech}, tmpl).rv(),
            CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST_F(Des3Test, Errors) {
  KeyPtr key = des3_key(kKey);
  EXPECT_EQ(start(CKM_DES3_CBC, Bytes(16), key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(start(CKM_DES3_ECB, Bytes(8), key, true).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(start(CKM_DES3_ECB, {}, des3_key(Bytes(16, 1)), true).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(start(CKM_DES3_ECB, {}, des3_key(kKey, CKK_AES), true).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(run(CKM_DES3_CBC, Bytes(8), key, true, Bytes(12)).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ(parts(CKM_DES3_ECB, {}, key, false, Bytes(12)).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(run(CKM_DES3_CBC_PAD, Bytes(8), key, false, Bytes(12)).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  auto plain_cbc = run(CKM_DES3_CBC, Bytes(8), key, true, Bytes(8, 0));  // last byte 0: no valid padding
  ASSERT_TRUE(plain_cbc.ok());
  EXPECT_EQ(run(CKM_DES3_CBC_PAD, Bytes(8), key, false, *plain_cbc).rv(), CKR_ENCRYPTED_DATA_INVALID);
}

TEST_F(Des3Test, RowsAreLegacy) {
  ASSERT_EQ(des3_mechanisms().size(), 4u);
  for (const MechanismEntry& entry : des3_mechanisms()) {
    SCOPED_TRACE(entry.name);
    EXPECT_FALSE(entry.approved);
    EXPECT_TRUE(entry.legacy);
    EXPECT_EQ(entry.min_key_size, 24u);
    EXPECT_EQ(entry.max_key_size, 24u);
    ASSERT_EQ(entry.key_types.size(), 1u);
    EXPECT_EQ(*entry.key_types.begin(), CKK_DES3);
  }
}

}  // namespace
}  // namespace craton::crypto

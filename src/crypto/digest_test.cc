#include <gtest/gtest.h>

#include <string>

#include "crypto/families.h"
#include "crypto/hash_names.h"
#include "crypto/provider.h"

namespace craton::crypto {
namespace {

std::string to_hex(ByteView bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (std::uint8_t b : bytes) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 0xF];
  }
  return hex;
}

const MechanismEntry* digest_row(CK_MECHANISM_TYPE type) {
  for (const MechanismEntry& row : digest_mechanisms()) {
    if (row.type == type) return &row;
  }
  return nullptr;
}

class DigestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = Provider::create();
    ASSERT_TRUE(created.ok()) << created.status().message();
    provider_ = std::move(created).value().release();
  }
  static void TearDownTestSuite() {
    delete provider_;
    provider_ = nullptr;
  }

  static Result<std::unique_ptr<DigestOperation>> start(CK_MECHANISM_TYPE type, void* param = nullptr,
                                                        CK_ULONG param_len = 0) {
    const MechanismEntry* row = digest_row(type);
    if (row == nullptr) return Status(CKR_MECHANISM_INVALID, "no row");
    CK_MECHANISM mech{type, param, param_len};
    return row->digest(MechanismCall{*provider_, mech});
  }

  static std::string digest_hex(CK_MECHANISM_TYPE type, std::string_view data) {
    auto op = start(type);
    EXPECT_TRUE(op.ok()) << op.status().message();
    if (!op.ok()) return {};
    Bytes out;
    EXPECT_TRUE((*op)->update(as_bytes(data)).ok());
    EXPECT_TRUE((*op)->final(out).ok());
    EXPECT_EQ(out.size(), (*op)->digest_length());
    return to_hex(out);
  }

  static Provider* provider_;
};
Provider* DigestTest::provider_ = nullptr;

struct DigestVector {
  CK_MECHANISM_TYPE type;
  const char* abc;    // FIPS 180-4 / FIPS 202 / RFC 1321 example: "abc"
  const char* empty;  // the empty message
};

const DigestVector kVectors[] = {
    {CKM_SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
    {CKM_SHA224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
     "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"},
    {CKM_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {CKM_SHA384,
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
     "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"},
    {CKM_SHA512,
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
     "454d4423643ce80e2a9ac94fa54ca49f",
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f"
     "63b931bd47417a81a538327af927da3e"},
    {CKM_SHA512_224, "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa",
     "6ed0dd02806fa89e25de060c19d3ac86cabb87d6a0ddd05c333b84f4"},
    {CKM_SHA512_256, "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23",
     "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a"},
    {CKM_SHA3_224, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf",
     "6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7"},
    {CKM_SHA3_256, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
     "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"},
    {CKM_SHA3_384,
     "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25",
     "0c63a75b845e4f7d01107d852e4c2485c51a50aaaa94fc61995e71bbee983a2ac3713831264adb47fb6bd1e058d5f004"},
    {CKM_SHA3_512,
     "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e39340"
     "57340b4cf408d5a56592f8274eec53f0",
     "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a615b2123af1f5f94c11e3e9402c3ac558"
     "f500199d95b6d3e301758586281dcd26"},
    {CKM_MD5, "900150983cd24fb0d6963f7d28e17f72", "d41d8cd98f00b204e9800998ecf8427e"},
};

TEST_F(DigestTest, KnownAnswersAbcAndEmpty) {
  for (const DigestVector& v : kVectors) {
    SCOPED_TRACE(hash_by_mechanism_including_legacy(v.type)->name);
    EXPECT_EQ(digest_hex(v.type, "abc"), v.abc);
    EXPECT_EQ(digest_hex(v.type, ""), v.empty);
  }
}

TEST_F(DigestTest, EveryRowHasAVector) {
  EXPECT_EQ(digest_mechanisms().size(), std::size(kVectors));
  for (const MechanismEntry& row : digest_mechanisms()) {
    EXPECT_EQ(row.flags, CKF_DIGEST) << row.name;
    EXPECT_NE(row.digest, nullptr) << row.name;
    EXPECT_TRUE(row.key_types.size() == 0) << row.name;
  }
}

TEST_F(DigestTest, Md5IsLegacyAndNotApproved) {
  const MechanismEntry* md5 = digest_row(CKM_MD5);
  ASSERT_NE(md5, nullptr);
  EXPECT_TRUE(md5->legacy);
  EXPECT_FALSE(md5->approved);
  const MechanismEntry* sha256 = digest_row(CKM_SHA256);
  ASSERT_NE(sha256, nullptr);
  EXPECT_FALSE(sha256->legacy);
  EXPECT_TRUE(sha256->approved);
}

// FIPS 180-4 example: one million repetitions of 'a', fed in parts.
TEST_F(DigestTest, Sha256MillionAMultiPart) {
  auto op = start(CKM_SHA256);
  ASSERT_TRUE(op.ok());
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE((*op)->update(as_bytes(chunk)).ok());
  Bytes out;
  ASSERT_TRUE((*op)->final(out).ok());
  EXPECT_EQ(to_hex(out), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_F(DigestTest, MultiPartEqualsSinglePart) {
  const std::string message = "The quick brown fox jumps over the lazy dog, repeatedly and at length.";
  for (const DigestVector& v : kVectors) {
    auto op = start(v.type);
    ASSERT_TRUE(op.ok());
    for (char c : message) ASSERT_TRUE((*op)->update(as_bytes(std::string_view(&c, 1))).ok());
    ASSERT_TRUE((*op)->update({}).ok());  // empty parts are fine
    Bytes out;
    ASSERT_TRUE((*op)->final(out).ok());
    EXPECT_EQ(to_hex(out), digest_hex(v.type, message));
  }
}

TEST_F(DigestTest, CloneIsIndependent) {
  auto op = start(CKM_SHA3_256);
  ASSERT_TRUE(op.ok());
  ASSERT_TRUE((*op)->update(as_bytes("ab")).ok());
  std::unique_ptr<DigestOperation> copy = (*op)->clone();
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->digest_length(), 32u);
  ASSERT_TRUE((*op)->update(as_bytes("c")).ok());
  ASSERT_TRUE(copy->update(as_bytes("x")).ok());
  Bytes original_out;
  Bytes copy_out;
  ASSERT_TRUE((*op)->final(original_out).ok());
  ASSERT_TRUE(copy->final(copy_out).ok());
  EXPECT_EQ(to_hex(original_out), digest_hex(CKM_SHA3_256, "abc"));
  EXPECT_EQ(to_hex(copy_out), digest_hex(CKM_SHA3_256, "abx"));
}

TEST_F(DigestTest, FinalAppendsToExistingOutput) {
  auto op = start(CKM_SHA_1);
  ASSERT_TRUE(op.ok());
  Bytes out = {0xAA};
  ASSERT_TRUE((*op)->final(out).ok());
  ASSERT_EQ(out.size(), 21u);
  EXPECT_EQ(out[0], 0xAA);
}

TEST_F(DigestTest, UseAfterFinalFails) {
  auto op = start(CKM_SHA256);
  ASSERT_TRUE(op.ok());
  Bytes out;
  ASSERT_TRUE((*op)->final(out).ok());
  EXPECT_EQ((*op)->update(as_bytes("x")).rv(), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ((*op)->final(out).rv(), CKR_OPERATION_NOT_INITIALIZED);
}

TEST_F(DigestTest, ParameterIsRefused) {
  CK_ULONG junk = 0;
  EXPECT_EQ(start(CKM_SHA256, &junk, sizeof(junk)).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(start(CKM_SHA256, nullptr, 4).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(start(CKM_SHA256, &junk, 0).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(DigestTest, WrongMechanismForFactory) {
  const MechanismEntry* row = digest_row(CKM_SHA256);
  ASSERT_NE(row, nullptr);
  CK_MECHANISM mech{CKM_AES_ECB, nullptr, 0};
  EXPECT_EQ(row->digest(MechanismCall{*provider_, mech}).rv(), CKR_MECHANISM_INVALID);
}

}  // namespace
}  // namespace craton::crypto

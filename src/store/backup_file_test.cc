#include "store/backup_file.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/provider.h"

namespace craton {
namespace {

constexpr std::string_view kPassphrase = "correct horse battery";

class BackupFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = crypto::Provider::create();
    ASSERT_TRUE(p.ok()) << p.status().message();
    provider_ = std::move(p).value();
    image_.source_slot = 3;
    image_.serial = "0123456789abcdef";
    image_.label = "payments";
    image_.content.meta = {{"pin.so", SecureBytes(61, 0x5a)}, {"token", SecureBytes(70, 0x6b)}};
    image_.content.objects = {{4, 1, false, Bytes(50, 0x01)}, {8, 3, true, Bytes(120, 0x02)}};
    auto file = write_backup(*provider_, image_, as_bytes(kPassphrase), kBackupMinIterations, 1700000000);
    ASSERT_TRUE(file.ok()) << file.status().message();
    file_ = std::move(file).value();
  }

  Result<TokenImage> open(ByteView file, std::string_view passphrase = kPassphrase) {
    return open_backup(*provider_, file, as_bytes(passphrase));
  }

  std::unique_ptr<crypto::Provider> provider_;
  TokenImage image_;
  Bytes file_;
};

TEST_F(BackupFileTest, RoundTripsWithAReadableHeader) {
  EXPECT_TRUE(std::equal(file_.begin(), file_.begin() + 8, "CRATONBK"));
  auto header = read_backup_header(file_);
  ASSERT_TRUE(header.ok()) << header.status().message();
  EXPECT_EQ(header->format_version, 1);
  EXPECT_EQ(header->iterations, kBackupMinIterations);
  EXPECT_EQ(header->source_slot, 3u);
  EXPECT_EQ(header->created, 1700000000);
  EXPECT_EQ(header->object_count, 2u);
  EXPECT_EQ(header->serial, "0123456789abcdef");
  EXPECT_EQ(header->label, "payments");
  EXPECT_EQ(file_.size(), kBackupHeaderSize + header->body_length + kBackupTagSize);

  auto image = open(file_);
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->source_slot, 3u);
  EXPECT_EQ(image->label, "payments");
  EXPECT_EQ(image->serial, "0123456789abcdef");
  ASSERT_EQ(image->content.objects.size(), 2u);
  EXPECT_EQ(image->content.objects[1].blob, image_.content.objects[1].blob);
  EXPECT_EQ(image->content.meta[0].second, image_.content.meta[0].second);
}

TEST_F(BackupFileTest, BodyIsEncryptedAndEachFileIsFresh) {
  const Bytes marker(50, 0x01);  // the public object's blob
  EXPECT_EQ(std::search(file_.begin(), file_.end(), marker.begin(), marker.end()), file_.end());
  auto again = write_backup(*provider_, image_, as_bytes(kPassphrase), kBackupMinIterations, 1700000000);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, file_);  // fresh salt and nonce
}

TEST_F(BackupFileTest, WrongPassphraseIsPinIncorrect) {
  auto r = open(file_, "correct horse battery!");
  EXPECT_EQ(r.rv(), CKR_PIN_INCORRECT);
  EXPECT_NE(r.status().message().find("wrong backup passphrase"), std::string::npos);
}

TEST_F(BackupFileTest, EveryAuthenticatedFieldIsProtected) {
  // One byte in each header field (magic and version aside), in the body and in the tag.
  const std::size_t offsets[] = {11, 12, 16, 32, 48, 60, 68, 76, 84, 92, 108, 139,
                                 kBackupHeaderSize, file_.size() / 2 + 70, file_.size() - 1};
  for (std::size_t offset : offsets) {
    Bytes damaged = file_;
    damaged[offset] ^= 0x01;
    auto r = open(damaged);
    ASSERT_FALSE(r.ok()) << "accepted a change at byte " << offset;
    // The iterations, salt and check value feed the passphrase check; a
    // changed reserved byte or body length fails the structure; the rest, the tag.
    const CK_RV expected = offset == 11 || offset == 84        ? CKR_DATA_INVALID
                           : offset >= 12 && offset < 48        ? CKR_PIN_INCORRECT
                                                                : CKR_ENCRYPTED_DATA_INVALID;
    EXPECT_EQ(r.rv(), expected) << "byte " << offset << ": " << r.status().message();
  }
}

TEST_F(BackupFileTest, ModifiedFileWithTheRightPassphraseSaysSo) {
  Bytes damaged = file_;
  damaged[kBackupHeaderSize + 3] ^= 0x80;
  auto r = open(damaged);
  EXPECT_EQ(r.rv(), CKR_ENCRYPTED_DATA_INVALID);
  EXPECT_NE(r.status().message().find("modified or damaged"), std::string::npos);
}

TEST_F(BackupFileTest, EveryTruncationIsRefusedBeforeAnyKeyDerivation) {
  for (std::size_t n = 0; n < file_.size(); ++n) {
    auto r = read_backup_header(ByteView(file_).first(n));
    ASSERT_EQ(r.rv(), CKR_DATA_INVALID) << "cut at " << n;
    EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << n << ": " << r.status().message();
  }
  Bytes longer = file_;
  longer.push_back(0);
  EXPECT_NE(read_backup_header(longer).status().message().find("unexpected bytes"), std::string::npos);
}

TEST_F(BackupFileTest, ForeignFilesAndVersionsAreNamed) {
  Bytes other = file_;
  other[0] = 'X';
  EXPECT_NE(read_backup_header(other).status().message().find("not a Craton HSM backup"), std::string::npos);
  EXPECT_NE(read_backup_header(as_bytes("hello")).status().message().find("not a Craton HSM backup"),
            std::string::npos);
  Bytes v2 = file_;
  v2[8] = 2;
  auto r = read_backup_header(v2);
  EXPECT_EQ(r.rv(), CKR_DATA_INVALID);
  EXPECT_NE(r.status().message().find("backup format version 2; this build reads 1"), std::string::npos)
      << r.status().message();
  // A later format with a shorter header is still named by its version.
  EXPECT_NE(read_backup_header(ByteView(v2).first(12)).status().message().find("version 2"), std::string::npos);
}

TEST_F(BackupFileTest, IterationCountsOutsideTheRangeAreRefused) {
  for (std::uint32_t n : {kBackupMinIterations - 1, kBackupMaxIterations + 1, 1u}) {
    Bytes edited = file_;
    for (int i = 0; i < 4; ++i) edited[12 + i] = static_cast<std::uint8_t>(n >> (8 * i));
    auto r = read_backup_header(edited);
    EXPECT_EQ(r.rv(), CKR_DATA_INVALID) << n;
    EXPECT_NE(r.status().message().find("iteration"), std::string::npos);
    EXPECT_EQ(write_backup(*provider_, image_, as_bytes(kPassphrase), n, 0).rv(), CKR_ARGUMENTS_BAD);
  }
  EXPECT_EQ(write_backup(*provider_, image_, {}, kBackupMinIterations, 0).rv(), CKR_ARGUMENTS_BAD);
}

}  // namespace
}  // namespace craton

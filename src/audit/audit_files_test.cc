#include "audit/audit_files.h"

#include <gtest/gtest.h>

#include "audit/audit_format.h"
#include "audit/audit_test_util.h"

namespace craton {
namespace {

class AuditFilesTest : public audit_test::AuditTestBase {
 protected:
  std::filesystem::path log() const { return root_ / "audit.log"; }
  void touch(const std::filesystem::path& p, const std::string& content = "x\n") {
    std::ofstream out(p, std::ios::binary);
    out << content;
  }
};

TEST_F(AuditFilesTest, DiscoversRotatedFilesInNumericOrder) {
  touch(log());
  for (int n : {10, 2, 1}) touch(rotated_audit_path(log(), n));
  // Not part of the set: other names, leading zeros, superseded files, other logs.
  for (const char* name : {"audit.log.01", "audit.log.2.superseded-20250101T000000Z", "audit.log.x",
                           "audit.log.", "other.log.3", "audit.logs.4"}) {
    touch(root_ / name);
  }
  auto files = audit_log_files(log());
  ASSERT_TRUE(files.ok()) << files.status().message();
  ASSERT_EQ(files->size(), 4u);
  EXPECT_EQ((*files)[0].filename(), "audit.log.1");
  EXPECT_EQ((*files)[1].filename(), "audit.log.2");
  EXPECT_EQ((*files)[2].filename(), "audit.log.10");
  EXPECT_EQ((*files)[3].filename(), "audit.log");
  EXPECT_EQ(*last_rotation_index(log()), 10u);
}

TEST_F(AuditFilesTest, MissingDirectoryIsEmptySet) {
  auto files = audit_log_files(root_ / "nowhere" / "audit.log");
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->empty());
  EXPECT_EQ(*last_rotation_index(root_ / "nowhere" / "audit.log"), 0u);
}

TEST_F(AuditFilesTest, ReaderWalksFilesAndSeeks) {
  touch(root_ / "a", "one\ntwo\n");
  touch(root_ / "b", "");
  touch(root_ / "c", "three\n\nfour");  // an empty line, and a torn last line
  AuditLineReader reader({root_ / "a", root_ / "b", root_ / "c"});
  AuditLine line;
  std::vector<std::string> texts;
  AuditLineReader::Position after_two;
  while (*reader.next(line)) {
    texts.push_back(line.text + (line.terminated ? "" : "<torn>") + "@" + std::to_string(line.file_index) + ":" +
                    std::to_string(line.line_number));
    if (line.text == "two") after_two = reader.position();
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"one@0:1", "two@0:2", "three@2:1", "@2:2", "four<torn>@2:3"}));
  AuditLineReader again({root_ / "a", root_ / "b", root_ / "c"});
  again.seek(after_two);
  ASSERT_TRUE(*again.next(line));
  EXPECT_EQ(line.text, "three");
  EXPECT_EQ(line.line_number, 1u);
}

TEST_F(AuditFilesTest, ReaderBoundsLongLines) {
  touch(root_ / "a", std::string(kAuditMaxLineBytes + 10, 'x') + "\nok\n");
  AuditLineReader reader({root_ / "a"});
  AuditLine line;
  ASSERT_TRUE(*reader.next(line));
  EXPECT_TRUE(line.too_long);
  EXPECT_EQ(line.text.size(), kAuditMaxLineBytes);
  ASSERT_TRUE(*reader.next(line));
  EXPECT_EQ(line.text, "ok");
  EXPECT_FALSE(line.too_long);
}

TEST_F(AuditFilesTest, ReaderReportsUnreadableFile) {
  AuditLineReader reader({root_ / "missing"});
  AuditLine line;
  EXPECT_EQ(reader.next(line).rv(), CKR_DEVICE_ERROR);
}

TEST_F(AuditFilesTest, FirstAndLastLine) {
  touch(log(), "first\nmiddle\nlast\ntorn");
  EXPECT_EQ(**read_first_audit_line(log()), "first");
  EXPECT_EQ(**read_last_audit_line(log()), "last");
  touch(log(), "only\n");
  EXPECT_EQ(**read_last_audit_line(log()), "only");
  touch(log(), "torn only");
  EXPECT_FALSE(read_last_audit_line(log())->has_value());
  EXPECT_FALSE(read_first_audit_line(log())->has_value());
  EXPECT_FALSE(read_last_audit_line(root_ / "absent")->has_value());
  // A last line longer than the limit is an error, not a silent cut.
  touch(log(), "a\n" + std::string(kAuditMaxLineBytes + 5, 'y') + "\n");
  EXPECT_EQ(read_last_audit_line(log()).rv(), CKR_DATA_INVALID);
  // One that spans read chunks is found whole.
  const std::string big(40000, 'z');
  touch(log(), std::string(70000, 'q') + "\n" + big + "\n");
  EXPECT_EQ(**read_last_audit_line(log()), big);
}

TEST_F(AuditFilesTest, TrimTornTail) {
  touch(log(), "a\nb\npartial");
  EXPECT_EQ(*trim_torn_audit_tail(log()), 7u);
  EXPECT_EQ(read_file(log()), "a\nb\n");
  EXPECT_EQ(*trim_torn_audit_tail(log()), 0u);
  touch(log(), "no newline at all");
  EXPECT_EQ(*trim_torn_audit_tail(log()), 17u);
  EXPECT_EQ(read_file(log()), "");
  EXPECT_EQ(*trim_torn_audit_tail(root_ / "absent"), 0u);
}

TEST_F(AuditFilesTest, SupersedeRenamesOutOfTheSet) {
  touch(log());
  touch(rotated_audit_path(log(), 1));
  auto files = *audit_log_files(log());
  auto renamed = supersede_audit_files(files, "20250101T000000Z");
  ASSERT_TRUE(renamed.ok()) << renamed.status().message();
  EXPECT_TRUE(audit_log_files(log())->empty());
  EXPECT_TRUE(std::filesystem::exists(root_ / "audit.log.superseded-20250101T000000Z"));
  EXPECT_TRUE(std::filesystem::exists(root_ / "audit.log.1.superseded-20250101T000000Z"));
  // Same stamp again: a suffix keeps the earlier ones.
  touch(log());
  ASSERT_TRUE(supersede_audit_files({log()}, "20250101T000000Z").ok());
  EXPECT_TRUE(std::filesystem::exists(root_ / "audit.log.superseded-20250101T000000Z-2"));
}

}  // namespace
}  // namespace craton

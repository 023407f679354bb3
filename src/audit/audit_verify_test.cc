#include "audit/audit_verify.h"

#include <gtest/gtest.h>

#include "audit/audit_files.h"
#include "audit/audit_format.h"
#include "audit/audit_key.h"
#include "audit/audit_test_util.h"

namespace craton {
namespace {

class AuditVerifyTest : public audit_test::AuditTestBase {
 protected:
  // Writes `count` entries (seq 1..count) through the real writer and closes it.
  void write_log(int count, std::uint64_t max_file_bytes = 64ull << 20) {
    AuditLogOptions o = options();
    o.max_file_bytes = max_file_bytes;
    o.crypto_ops = CryptoAuditMode::kBuffered;
    auto log = open_log(o);
    ASSERT_NE(log, nullptr);
    for (int i = 0; i < count; ++i) {
      AuditEvent e = event(i % 3 == 0 ? AuditEventType::kGenerateKey : AuditEventType::kSign);
      e.object = static_cast<CK_OBJECT_HANDLE>(100 + i);
      e.label = "key " + std::to_string(i);
      ASSERT_TRUE(log->record(std::move(e)).ok());
    }
    ASSERT_TRUE(log->close().ok());
  }

  SecureBytes key() const { return *load_audit_key(options().key_path); }
  std::vector<std::filesystem::path> files() const { return *audit_log_files(options().log_path); }
  std::optional<AuditHead> stored_head() const {
    auto store = AuditHeadStore::open(options().head_path, AuditHeadStore::Mode::kReadOnly);
    return *(*store)->load();
  }
  AuditVerifyReport verify(const AuditVerifyOptions& o = {}) { return verify_audit_log(*provider_, files(), key(), o); }
  AuditVerifyReport verify_with_head() {
    AuditVerifyOptions o;
    o.expected_head = stored_head();
    return verify(o);
  }
  std::filesystem::path log_file() const { return options().log_path; }

  static void expect_failure(const AuditVerifyReport& r, AuditVerifyFailure reason, std::uint64_t seq,
                             std::uint64_t line) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(audit_verify_failure_name(r.reason), std::string(audit_verify_failure_name(reason))) << r.message;
    EXPECT_EQ(r.first_bad_seq, seq) << r.message;
    EXPECT_EQ(r.line, line) << r.message;
  }
};

TEST_F(AuditVerifyTest, RoundTrip) {
  write_log(10);
  const AuditVerifyReport r = verify_with_head();
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.entries, 10u);
  EXPECT_EQ(r.first_seq, 1u);
  EXPECT_EQ(r.last_seq, 10u);
  EXPECT_EQ(r.last_hash, stored_head()->hash);
  EXPECT_EQ(r.reason, AuditVerifyFailure::kNone);
}

TEST_F(AuditVerifyTest, EmptyLogVerifies) {
  const AuditVerifyReport r = verify_audit_log(*provider_, {}, Bytes(32, 1));
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.entries, 0u);
}

TEST_F(AuditVerifyTest, EditedFieldIsModified) {
  write_log(6);
  auto lines = read_lines(log_file());
  const auto at = lines[3].find("\"rv\":\"CKR_OK\"");
  ASSERT_NE(at, std::string::npos);
  lines[3].replace(at, 13, "\"rv\":\"CKR_PIN_INCORRECT\"");
  write_lines(log_file(), lines);
  expect_failure(verify(), AuditVerifyFailure::kModified, 4, 4);
}

TEST_F(AuditVerifyTest, EditedFirstEntryIsModifiedNotWrongKey) {
  write_log(3);
  auto lines = read_lines(log_file());
  lines[0].replace(lines[0].find("\"session\":7"), 11, "\"session\":8");
  write_lines(log_file(), lines);
  expect_failure(verify(), AuditVerifyFailure::kModified, 1, 1);
}

TEST_F(AuditVerifyTest, DeletedLine) {
  write_log(6);
  auto lines = read_lines(log_file());
  lines.erase(lines.begin() + 2);  // seq 3
  write_lines(log_file(), lines);
  const auto r = verify();
  expect_failure(r, AuditVerifyFailure::kDeleted, 3, 3);
  EXPECT_EQ(r.last_seq, 2u);
}

TEST_F(AuditVerifyTest, DeletedFirstLines) {
  write_log(5);
  auto lines = read_lines(log_file());
  lines.erase(lines.begin(), lines.begin() + 2);
  write_lines(log_file(), lines);
  expect_failure(verify(), AuditVerifyFailure::kDeleted, 1, 1);
}

TEST_F(AuditVerifyTest, SwappedLinesAreReordered) {
  write_log(6);
  auto lines = read_lines(log_file());
  std::swap(lines[2], lines[3]);  // seq 3 and 4
  write_lines(log_file(), lines);
  const auto r = verify();
  expect_failure(r, AuditVerifyFailure::kReordered, 4, 3);
  EXPECT_NE(r.message.find("line 4"), std::string::npos) << r.message;
}

TEST_F(AuditVerifyTest, DuplicatedLineIsReordered) {
  write_log(4);
  auto lines = read_lines(log_file());
  lines.insert(lines.begin() + 2, lines[1]);
  write_lines(log_file(), lines);
  expect_failure(verify(), AuditVerifyFailure::kReordered, 2, 3);
}

TEST_F(AuditVerifyTest, TruncatedAgainstHead) {
  write_log(8);
  auto lines = read_lines(log_file());
  lines.resize(5);
  write_lines(log_file(), lines);
  EXPECT_TRUE(verify().ok);  // without the head, a cut log is a valid shorter chain
  const auto r = verify_with_head();
  expect_failure(r, AuditVerifyFailure::kTruncated, 6, 0);
  EXPECT_EQ(r.file, log_file());
}

TEST_F(AuditVerifyTest, EverythingDeletedAgainstHead) {
  write_log(3);
  write_lines(log_file(), {});
  expect_failure(verify_with_head(), AuditVerifyFailure::kTruncated, 1, 0);
}

TEST_F(AuditVerifyTest, OtherHistoryAtHeadIsHeadMismatch) {
  write_log(4);
  AuditVerifyOptions o;
  o.expected_head = stored_head();
  o.expected_head->hash = to_audit_hash(std::string(64, 'b'));
  expect_failure(verify(o), AuditVerifyFailure::kHeadMismatch, 4, 4);
}

TEST_F(AuditVerifyTest, WrongKey) {
  write_log(5);
  const auto r = verify_audit_log(*provider_, files(), Bytes(32, 0x42));
  expect_failure(r, AuditVerifyFailure::kWrongKey, 1, 1);
  EXPECT_EQ(r.entries, 0u);
}

TEST_F(AuditVerifyTest, WrongKeyOnAContinuationFile) {
  write_log(40, 4096);  // several files
  auto all = files();
  ASSERT_GE(all.size(), 3u);
  all.erase(all.begin());  // verify from the second file on, as a partial set
  AuditVerifyOptions partial;
  partial.from_genesis = false;
  EXPECT_TRUE(verify_audit_log(*provider_, all, key(), partial).ok);
  const std::uint64_t first_seq = parse_audit_line(**read_first_audit_line(all[0]))->seq;
  expect_failure(verify_audit_log(*provider_, all, Bytes(32, 0x42), partial), AuditVerifyFailure::kWrongKey,
                 first_seq, 1);
  // Under the genesis rule, a set missing its first file is a deletion.
  const auto r = verify_audit_log(*provider_, all, key());
  EXPECT_EQ(r.reason, AuditVerifyFailure::kDeleted) << r.message;
  EXPECT_EQ(r.first_bad_seq, 1u);
}

TEST_F(AuditVerifyTest, MalformedLines) {
  write_log(4);
  auto lines = read_lines(log_file());
  lines[2] = "garbage";
  write_lines(log_file(), lines);
  expect_failure(verify(), AuditVerifyFailure::kMalformed, 3, 3);

  lines = read_lines(log_file());
  lines[2] = "";
  write_lines(log_file(), lines);
  expect_failure(verify(), AuditVerifyFailure::kMalformed, 3, 3);
}

TEST_F(AuditVerifyTest, TornLastLineIsMalformed) {
  write_log(3);
  std::ofstream(log_file(), std::ios::app) << "{\"seq\":4,\"ti";
  expect_failure(verify(), AuditVerifyFailure::kMalformed, 4, 4);
}

TEST_F(AuditVerifyTest, RotationAcrossFilesVerifiesAndMissingMiddleIsDeleted) {
  write_log(60, 4096);
  auto all = files();
  ASSERT_GE(all.size(), 4u) << "expected at least 3 rotated files plus the current one";
  const auto whole = verify_with_head();
  EXPECT_TRUE(whole.ok) << whole.message;
  EXPECT_EQ(whole.entries, 60u);

  // The first seq of the second file tells which entries go missing with it.
  const std::uint64_t missing_from = parse_audit_line(**read_first_audit_line(all[1]))->seq;
  std::filesystem::remove(all[1]);
  const auto r = verify_with_head();
  EXPECT_EQ(r.reason, AuditVerifyFailure::kDeleted) << r.message;
  EXPECT_EQ(r.first_bad_seq, missing_from);
  EXPECT_EQ(r.file, all[2]);
  EXPECT_EQ(r.line, 1u);
}

TEST_F(AuditVerifyTest, FilesInWrongOrderAreReordered) {
  write_log(40, 4096);
  auto all = files();
  ASSERT_GE(all.size(), 3u);
  std::swap(all[0], all[1]);
  const auto r = verify_audit_log(*provider_, all, key());
  EXPECT_EQ(r.reason, AuditVerifyFailure::kReordered) << r.message;
}

TEST_F(AuditVerifyTest, TrailHelper) {
  write_log(5);
  auto o = options();
  auto r = verify_audit_trail(*provider_, o.log_path, o.key_path, o.head_path);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.entries, 5u);
  r = verify_audit_trail(*provider_, o.log_path, root_ / "nokey", o.head_path);
  EXPECT_EQ(r.reason, AuditVerifyFailure::kIoError);
  EXPECT_NE(r.message.find("nokey"), std::string::npos);
}

TEST_F(AuditVerifyTest, Checkpoint) {
  write_log(8);
  const AuditVerifyReport full = verify();
  ASSERT_TRUE(full.ok);
  // The hash of entry 5, as a checkpoint taken then would hold.
  const auto line5 = parse_audit_line(read_lines(log_file())[4]);
  ASSERT_TRUE(line5.ok());
  AuditVerifyOptions o;
  o.checkpoint = AuditHead{5, line5->hash, ""};
  EXPECT_TRUE(verify(o).ok);

  o.checkpoint->hash = full.last_hash;  // another entry's hash at seq 5
  AuditVerifyReport r = verify(o);
  expect_failure(r, AuditVerifyFailure::kHeadMismatch, 5, 5);
  EXPECT_NE(r.message.find("checkpoint"), std::string::npos) << r.message;

  o.checkpoint = AuditHead{12, full.last_hash, ""};  // beyond the end: rolled back
  r = verify(o);
  EXPECT_EQ(r.reason, AuditVerifyFailure::kTruncated);
  EXPECT_EQ(r.first_bad_seq, 9u);
  EXPECT_NE(r.message.find("the checkpoint names entry 12"), std::string::npos) << r.message;
}

TEST_F(AuditVerifyTest, TrailReportsTheHeadAndChecksACheckpoint) {
  write_log(4);
  const auto o = options();
  auto r = verify_audit_trail(*provider_, o.log_path, o.key_path, o.head_path);
  ASSERT_TRUE(r.ok) << r.message;
  ASSERT_TRUE(r.head.has_value());
  EXPECT_EQ(r.head->seq, 4u);
  r = verify_audit_trail(*provider_, o.log_path, o.key_path, o.head_path, AuditHead{6, r.last_hash, ""});
  EXPECT_EQ(r.reason, AuditVerifyFailure::kTruncated);
}

}  // namespace
}  // namespace craton

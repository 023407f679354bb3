// AuditLog::open: resuming, truncation/rollback detection, recovery, new chains.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "audit/audit_files.h"
#include "audit/audit_format.h"
#include "audit/audit_key.h"
#include "audit/audit_log.h"
#include "audit/audit_test_util.h"
#include "audit/audit_verify.h"

namespace craton {
namespace {

class AuditOpenTest : public audit_test::AuditTestBase {
 protected:
  void write_entries(int count, const AuditLogOptions& o) {
    auto log = open_log(o);
    ASSERT_NE(log, nullptr);
    for (int i = 0; i < count; ++i) ASSERT_TRUE(log->record(event(AuditEventType::kGenerateKey)).ok());
    ASSERT_TRUE(log->close().ok());
  }
  void write_entries(int count) { write_entries(count, options()); }

  Status open_status(const AuditLogOptions& o) {
    auto log = AuditLog::open(*provider_, o);
    return log.ok() ? Status::Ok() : log.status();
  }
  AuditVerifyReport verify_all() {
    const auto o = options();
    return verify_audit_trail(*provider_, o.log_path, o.key_path, o.head_path);
  }
  void set_head(const AuditHead& head) {
    auto store = AuditHeadStore::open(options().head_path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->store(head).ok());
  }
  AuditHead head_of_line(const std::string& line) {
    auto parsed = parse_audit_line(line);
    EXPECT_TRUE(parsed.ok());
    return AuditHead{parsed->seq, parsed->hash, "audit.log"};
  }
  static void expect_refused(const Status& st, const std::string& fragment) {
    EXPECT_EQ(st.rv(), CKR_GENERAL_ERROR) << st.message();
    EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
  }
};

TEST_F(AuditOpenTest, ReopenContinuesTheChain) {
  write_entries(3);
  write_entries(2);
  const auto lines = read_lines(options().log_path);
  ASSERT_EQ(lines.size(), 5u);
  const auto third = nlohmann::json::parse(lines[2]);
  const auto fourth = nlohmann::json::parse(lines[3]);
  EXPECT_EQ(fourth["seq"], 4);
  EXPECT_EQ(fourth["prev"], third["hash"]);
  const auto report = verify_all();
  EXPECT_TRUE(report.ok) << report.message;
  EXPECT_EQ(report.entries, 5u);
}

TEST_F(AuditOpenTest, RollbackToOlderCopyIsDetected) {
  write_entries(3);
  const std::string older = read_file(options().log_path);
  write_entries(3);
  std::ofstream(options().log_path, std::ios::trunc | std::ios::binary) << older;
  const Status st = open_status(options());
  expect_refused(st, options().log_path.string());
  EXPECT_NE(st.message().find("truncated or rolled back"), std::string::npos) << st.message();
  // The verifier agrees.
  EXPECT_EQ(verify_all().reason, AuditVerifyFailure::kTruncated);
}

TEST_F(AuditOpenTest, TruncatedLastLinesAreDetected) {
  write_entries(5);
  auto lines = read_lines(options().log_path);
  lines.pop_back();
  write_lines(options().log_path, lines);
  expect_refused(open_status(options()), "ends at entry 4 but the store records entry 5");
}

TEST_F(AuditOpenTest, DeletedLogIsDetected) {
  write_entries(2);
  std::filesystem::remove(options().log_path);
  expect_refused(open_status(options()), "has no entries");
}

TEST_F(AuditOpenTest, ReplacedEntryAtHeadIsDetected) {
  write_entries(3);
  set_head(AuditHead{3, to_audit_hash(std::string(64, 'd')), "audit.log"});
  expect_refused(open_status(options()), "not the one recorded in the store");
}

TEST_F(AuditOpenTest, EntriesBeyondTheHeadAreVerifiedAndAccepted) {
  write_entries(5);
  const auto lines = read_lines(options().log_path);
  set_head(head_of_line(lines[2]));  // as if the process died before storing heads 4 and 5
  auto log = open_log(options());
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->head().seq, 5u);
  ASSERT_TRUE(log->record(event(AuditEventType::kLogout)).ok());
  ASSERT_TRUE(log->close().ok());
  const auto report = verify_all();
  EXPECT_TRUE(report.ok) << report.message;
  EXPECT_EQ(report.entries, 6u);
}

TEST_F(AuditOpenTest, EntriesBeyondTheHeadFromGenesis) {
  write_entries(2);
  auto key = load_audit_key(options().key_path);
  auto chain = AuditChain::create(*provider_, *key);
  set_head(AuditHead{0, (*chain)->genesis(), "audit.log"});  // crash before the first head update
  EXPECT_TRUE(open_status(options()).ok());
}

TEST_F(AuditOpenTest, TamperedEntriesBeyondTheHeadAreRefused) {
  write_entries(5);
  auto lines = read_lines(options().log_path);
  set_head(head_of_line(lines[1]));
  lines[3].replace(lines[3].find("\"slot\":0"), 8, "\"slot\":1");
  write_lines(options().log_path, lines);
  expect_refused(open_status(options()), "modified");
}

TEST_F(AuditOpenTest, MissingHeadWithExistingLogIsRefused) {
  write_entries(2);
  std::filesystem::remove(options().head_path);
  expect_refused(open_status(options()), "no chain head is recorded");
}

TEST_F(AuditOpenTest, MissingKeyWithExistingLogIsRefused) {
  write_entries(2);
  std::filesystem::remove(options().key_path);
  expect_refused(open_status(options()), "is missing");
  EXPECT_FALSE(audit_key_present(options().key_path));  // and no new key was made
}

TEST_F(AuditOpenTest, ReplacedKeyIsRefused) {
  write_entries(2);
  std::filesystem::remove(options().key_path);
  ASSERT_TRUE(create_audit_key(*provider_, options().key_path).ok());
  expect_refused(open_status(options()), "does not verify under the audit key");
}

TEST_F(AuditOpenTest, KeyFileWithLoosePermissionsIsRefused) {
  write_entries(1);
  ::chmod(options().key_path.c_str(), 0644);
  expect_refused(open_status(options()), "0600");
}

TEST_F(AuditOpenTest, TornTailIsCutAndRecorded) {
  write_entries(3);
  std::ofstream(options().log_path, std::ios::app) << "{\"seq\":4,\"time\":\"20";
  auto log = open_log(options());
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->close().ok());
  const auto lines = read_lines(options().log_path);
  ASSERT_EQ(lines.size(), 4u);
  const auto doc = nlohmann::json::parse(lines[3]);
  EXPECT_EQ(doc["event"], "audit_recovered");
  EXPECT_EQ(doc["seq"], 4);
  EXPECT_EQ(doc["detail"]["discarded_bytes"], "19");
  EXPECT_TRUE(verify_all().ok);
}

TEST_F(AuditOpenTest, InterruptedRotationIsFinished) {
  write_entries(3);
  // Rotation links <log>.1 first, then unlinks <log>: stop in between.
  ASSERT_EQ(::link(options().log_path.c_str(), rotated_audit_path(options().log_path, 1).c_str()), 0);
  write_entries(2);
  EXPECT_EQ(audit_log_files(options().log_path)->size(), 2u);
  const auto report = verify_all();
  EXPECT_TRUE(report.ok) << report.message;
  EXPECT_EQ(report.entries, 5u);
}

TEST_F(AuditOpenTest, NewChainSetsTheOldLogAside) {
  write_entries(3);
  const std::string older = read_file(options().log_path);
  write_entries(2);
  std::ofstream(options().log_path, std::ios::trunc | std::ios::binary) << older;
  ASSERT_FALSE(open_status(options()).ok());

  auto o = options();
  o.start_new_chain = true;
  o.new_chain_reason = "rollback investigated, ticket 42";
  auto log = open_log(o);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->record(event(AuditEventType::kLogin)).ok());
  ASSERT_TRUE(log->close().ok());
  const auto lines = read_lines(o.log_path);
  ASSERT_EQ(lines.size(), 2u);
  const auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["seq"], 1);
  EXPECT_EQ(first["event"], "audit_new_chain");
  EXPECT_EQ(first["detail"]["reason"], "rollback investigated, ticket 42");
  EXPECT_EQ(first["detail"]["previous_head_seq"], "5");
  EXPECT_EQ(first["detail"]["superseded_files"], "1");
  EXPECT_TRUE(verify_all().ok);
  // The old file is kept beside it, out of the chain's file set.
  int superseded = 0;
  for (const auto& e : std::filesystem::directory_iterator(o.log_path.parent_path())) {
    if (e.path().filename().string().starts_with("audit.log.superseded-")) ++superseded;
  }
  EXPECT_EQ(superseded, 1);
  // And a normal open continues the new chain.
  write_entries(1);
  EXPECT_EQ(verify_all().entries, 3u);
}

TEST_F(AuditOpenTest, HeadNamesTheRotatedFile) {
  auto o = options();
  o.max_file_bytes = 4096;
  auto log = open_log(o);
  // Management events flush one by one: the write that crosses the size rotates.
  for (int i = 0; i < 1000 && log->head().file != "audit.log.1"; ++i) {
    ASSERT_TRUE(log->record(event(AuditEventType::kCreateObject)).ok());
  }
  EXPECT_EQ(log->head().file, "audit.log.1");
  ASSERT_TRUE(log->close().ok());
  // The current file does not exist yet: open finds the tail in audit.log.1.
  EXPECT_FALSE(std::filesystem::exists(o.log_path));
  write_entries(1, o);
  EXPECT_TRUE(verify_all().ok);
}

TEST_F(AuditOpenTest, OptionsAreValidated) {
  auto o = options();
  o.log_path = "relative/audit.log";
  EXPECT_EQ(open_status(o).rv(), CKR_ARGUMENTS_BAD);
  o = options();
  o.flush_interval = std::chrono::milliseconds(0);
  EXPECT_EQ(open_status(o).rv(), CKR_ARGUMENTS_BAD);
  o = options();
  o.max_file_bytes = 100;
  EXPECT_EQ(open_status(o).rv(), CKR_ARGUMENTS_BAD);
}

TEST_F(AuditOpenTest, FreshStartCreatesKeyAndGenesisHead) {
  auto log = open_log(options());
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(audit_key_present(options().key_path));
  EXPECT_EQ(log->head().seq, 0u);
  EXPECT_TRUE(read_lines(options().log_path).empty());
}

}  // namespace
}  // namespace craton

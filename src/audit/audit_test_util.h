// Shared helpers for the audit unit tests (header only; tests include it).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "crypto/provider.h"

namespace craton::audit_test {

// A fresh temporary directory per test, removed afterwards.
class AuditTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::path(::testing::TempDir()) / "craton-audit-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    auto created = crypto::Provider::create();
    ASSERT_TRUE(created.ok()) << created.status().message();
    provider_ = std::move(created).value();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  AuditLogOptions options() const {
    AuditLogOptions o;
    o.log_path = root_ / "log" / "audit.log";
    o.key_path = root_ / "store" / "audit.key";
    o.head_path = root_ / "store" / "audit_head.sqlite3";
    o.flush_interval = std::chrono::milliseconds(50);
    return o;
  }

  std::unique_ptr<AuditLog> open_log(const AuditLogOptions& o) {
    auto log = AuditLog::open(*provider_, o);
    EXPECT_TRUE(log.ok()) << log.status().message();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  static AuditEvent event(AuditEventType type, CK_RV rv = CKR_OK) {
    AuditEvent e;
    e.type = type;
    e.slot = 0;
    e.session = 7;
    e.role = AuditRole::kUser;
    e.rv = rv;
    return e;
  }

  static std::vector<std::string> read_lines(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
  }
  static void write_lines(const std::filesystem::path& p, const std::vector<std::string>& lines) {
    std::ofstream out(p, std::ios::trunc);
    for (const auto& l : lines) out << l << '\n';
  }
  static std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::filesystem::path root_;
  std::unique_ptr<crypto::Provider> provider_;
};

}  // namespace craton::audit_test

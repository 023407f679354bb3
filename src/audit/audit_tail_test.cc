#include "audit/audit_tail.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "audit/audit_files.h"

namespace craton {
namespace {

namespace fs = std::filesystem;
using Lines = std::vector<std::string>;

class AuditTailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "craton-tail-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    log_ = root_ / "audit.log";
  }
  void TearDown() override { fs::remove_all(root_); }

  static void append(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::app | std::ios::binary);
    out << text;
  }
  static std::string numbered(int from, int to) {
    std::string s;
    for (int i = from; i <= to; ++i) s += "line " + std::to_string(i) + "\n";
    return s;
  }
  static Lines numbered_lines(int from, int to) {
    Lines l;
    for (int i = from; i <= to; ++i) l.push_back("line " + std::to_string(i));
    return l;
  }
  static Lines poll(AuditFollower& f) {
    Lines got;
    const Status st = f.poll([&got](std::string_view line) { got.emplace_back(line); });
    EXPECT_TRUE(st.ok()) << st.message();
    return got;
  }
  static Lines start(AuditFollower& f, std::size_t n) {
    auto r = f.start(n);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : Lines{};
  }

  fs::path root_;
  fs::path log_;
};

TEST_F(AuditTailTest, LastLinesOfALargeFile) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += std::string(90, 'a' + i % 26) + std::to_string(i) + "\n";
  append(log_, text + "partial");
  const int fd = ::open(log_.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  const std::uint64_t size = text.size() + 7;
  auto r = read_last_lines(fd, size, 3, log_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->end, text.size());
  ASSERT_EQ(r->lines.size(), 3u);
  EXPECT_EQ(r->lines[2], std::string(90, 'a' + 4999 % 26) + "4999");
  EXPECT_EQ(r->lines[0], std::string(90, 'a' + 4997 % 26) + "4997");
  r = read_last_lines(fd, size, 0, log_);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->lines.empty());
  EXPECT_EQ(r->end, text.size());
  r = read_last_lines(fd, size, 100000, log_);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->lines.size(), 5000u);
  EXPECT_EQ(r->lines[0], std::string(90, 'a') + "0");
  r = read_last_lines(fd, 0, 10, log_);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->lines.empty());
  EXPECT_EQ(r->end, 0u);
  ::close(fd);
}

TEST_F(AuditTailTest, FollowsAppendsAndWaitsForCompleteLines) {
  append(log_, numbered(1, 5));
  AuditFollower f(log_);
  EXPECT_EQ(start(f, 2), numbered_lines(4, 5));
  EXPECT_EQ(poll(f), Lines{});
  append(log_, "line 6\nline 7 is still being wri");
  EXPECT_EQ(poll(f), numbered_lines(6, 6));
  append(log_, "tten\n");
  EXPECT_EQ(poll(f), Lines{"line 7 is still being written"});
}

TEST_F(AuditTailTest, StartReachesIntoRotatedFiles) {
  append(rotated_audit_path(log_, 1), numbered(1, 3));
  append(rotated_audit_path(log_, 2), numbered(4, 6));
  append(log_, numbered(7, 8));
  AuditFollower f(log_);
  EXPECT_EQ(start(f, 5), numbered_lines(4, 8));
  AuditFollower all(log_);
  EXPECT_EQ(start(all, 100), numbered_lines(1, 8));
}

TEST_F(AuditTailTest, SurvivesRotation) {
  append(log_, numbered(1, 2));
  AuditFollower f(log_);
  EXPECT_EQ(start(f, 10), numbered_lines(1, 2));
  append(log_, numbered(3, 3));  // written just before the rename, not yet seen
  fs::rename(log_, rotated_audit_path(log_, 1));
  EXPECT_EQ(poll(f), numbered_lines(3, 3));  // the new file does not exist yet
  append(log_, numbered(4, 5));
  EXPECT_EQ(poll(f), numbered_lines(4, 5));
  append(log_, numbered(6, 6));
  EXPECT_EQ(poll(f), numbered_lines(6, 6));
}

TEST_F(AuditTailTest, SurvivesSeveralRotationsBetweenPolls) {
  append(log_, numbered(1, 1));
  AuditFollower f(log_);
  EXPECT_EQ(start(f, 10), numbered_lines(1, 1));
  append(log_, numbered(2, 2));
  fs::rename(log_, rotated_audit_path(log_, 1));
  append(log_, numbered(3, 4));
  fs::rename(log_, rotated_audit_path(log_, 2));
  append(log_, numbered(5, 6));
  fs::rename(log_, rotated_audit_path(log_, 3));
  append(log_, numbered(7, 7));
  EXPECT_EQ(poll(f), numbered_lines(2, 7));
}

TEST_F(AuditTailTest, FollowsANewChainAndALogCreatedLater) {
  AuditFollower f(log_);
  EXPECT_EQ(start(f, 10), Lines{});
  EXPECT_EQ(poll(f), Lines{});
  append(log_, numbered(1, 2));
  EXPECT_EQ(poll(f), numbered_lines(1, 2));
  append(log_, "torn");
  fs::rename(log_, root_ / "audit.log.superseded-20250301T000000Z");
  append(log_, numbered(1, 1));
  EXPECT_EQ(poll(f), numbered_lines(1, 1));
}

}  // namespace
}  // namespace craton

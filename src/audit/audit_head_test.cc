#include "audit/audit_head.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "audit/audit_test_util.h"

namespace craton {
namespace {

class AuditHeadTest : public audit_test::AuditTestBase {
 protected:
  std::filesystem::path db() const { return root_ / "store" / AuditHeadStore::kDefaultName; }
};

TEST_F(AuditHeadTest, EmptyThenStoredThenPersisted) {
  {
    auto store = AuditHeadStore::open(db());
    ASSERT_TRUE(store.ok()) << store.status().message();
    auto head = (*store)->load();
    ASSERT_TRUE(head.ok());
    EXPECT_FALSE(head->has_value());
    AuditHead h{12, to_audit_hash(std::string(64, 'c')), "audit.log.3"};
    ASSERT_TRUE((*store)->store(h).ok());
    h.seq = 13;
    ASSERT_TRUE((*store)->store(h).ok());  // replaces: still one row
  }
  auto store = AuditHeadStore::open(db(), AuditHeadStore::Mode::kReadOnly);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto head = (*store)->load();
  ASSERT_TRUE(head.ok() && head->has_value());
  EXPECT_EQ((*head)->seq, 13u);
  EXPECT_EQ(hash_view((*head)->hash), std::string(64, 'c'));
  EXPECT_EQ((*head)->file, "audit.log.3");
  EXPECT_EQ((*store)->store(**head).rv(), CKR_GENERAL_ERROR);  // read-only
}

TEST_F(AuditHeadTest, FileIsPrivate) {
  ASSERT_TRUE(AuditHeadStore::open(db()).ok());
  struct stat st {};
  ASSERT_EQ(::stat(db().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AuditHeadTest, ReadOnlyNeedsExistingStore) {
  auto store = AuditHeadStore::open(db(), AuditHeadStore::Mode::kReadOnly);
  EXPECT_EQ(store.rv(), CKR_GENERAL_ERROR);
  EXPECT_NE(store.status().message().find(db().string()), std::string::npos);
}

TEST_F(AuditHeadTest, NotADatabase) {
  std::filesystem::create_directories(db().parent_path());
  write_lines(db(), {"this is not sqlite, just some text long enough to be looked at by SQLite's header check"});
  auto store = AuditHeadStore::open(db());
  EXPECT_FALSE(store.ok());
}

}  // namespace
}  // namespace craton

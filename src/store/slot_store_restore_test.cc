// SlotStore::snapshot and replace_all: what backup and restore build on.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "store/slot_store.h"

namespace craton {
namespace {

SecureBytes sb(std::string_view s) { return SecureBytes(s.begin(), s.end()); }

ObjectRecord record(std::uint64_t id, bool is_private = false) {
  return ObjectRecord{id, id * 3, is_private, Bytes(16 + id % 7, static_cast<std::uint8_t>(id))};
}

class SlotStoreRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::path(::testing::TempDir()) / "craton-restore-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::unique_ptr<SlotStore> open_store(const std::string& name) {
    auto s = SlotStore::open(root_ / name);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  static StoreContent content_of(SlotStore& store) {
    auto c = store.snapshot();
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? std::move(c).value() : StoreContent{};
  }

  static void expect_same(const StoreContent& a, const StoreContent& b) {
    ASSERT_EQ(a.meta.size(), b.meta.size());
    for (std::size_t i = 0; i < a.meta.size(); ++i) {
      EXPECT_EQ(a.meta[i].first, b.meta[i].first);
      EXPECT_EQ(a.meta[i].second, b.meta[i].second);
    }
    ASSERT_EQ(a.objects.size(), b.objects.size());
    for (std::size_t i = 0; i < a.objects.size(); ++i) {
      EXPECT_EQ(a.objects[i].id, b.objects[i].id);
      EXPECT_EQ(a.objects[i].version, b.objects[i].version);
      EXPECT_EQ(a.objects[i].is_private, b.objects[i].is_private);
      EXPECT_EQ(a.objects[i].blob, b.objects[i].blob);
    }
  }

  std::filesystem::path root_;
};

TEST_F(SlotStoreRestoreTest, SnapshotHoldsEveryMetaEntryAndObjectInOrder) {
  auto store = open_store("a");
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_meta({{"zeta", sb("z")}, {"alpha", sb("a")}, {"empty", SecureBytes{}}}).ok());
  for (std::uint64_t id : {store->allocate_object_id(), store->allocate_object_id(), store->allocate_object_id()}) {
    ASSERT_TRUE(store->put_object(record(id, id % 2 == 0)).ok());
  }
  const StoreContent c = content_of(*store);
  ASSERT_EQ(c.meta.size(), 3u);
  EXPECT_EQ(c.meta[0].first, "alpha");
  EXPECT_EQ(c.meta[1].first, "empty");
  EXPECT_TRUE(c.meta[1].second.empty());
  EXPECT_EQ(c.meta[2].first, "zeta");
  ASSERT_EQ(c.objects.size(), 3u);
  EXPECT_LT(c.objects[0].id, c.objects[1].id);
  EXPECT_EQ(c.objects[1].blob, record(c.objects[1].id).blob);
}

TEST_F(SlotStoreRestoreTest, ReplaceAllCopiesAStoreExactly) {
  auto source = open_store("source");
  auto target = open_store("target");
  ASSERT_TRUE(source && target);
  ASSERT_TRUE(source->put_meta({{"token", sb("t")}, {"pin.so", sb("s")}}).ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(source->put_object(record(source->allocate_object_id(), i % 2)).ok());
  ASSERT_TRUE(target->put_meta({{"token", sb("other")}, {"stale", sb("x")}}).ok());
  ASSERT_TRUE(target->put_object(record(target->allocate_object_id())).ok());

  const StoreContent copied = content_of(*source);
  ASSERT_TRUE(target->replace_all(copied).ok());
  expect_same(content_of(*target), copied);
  target.reset();
  target = open_store("target");  // and it is what is on disk
  ASSERT_TRUE(target);
  expect_same(content_of(*target), copied);
}

TEST_F(SlotStoreRestoreTest, RestoredIdsAreNeverAllocatedAgain) {
  auto store = open_store("a");
  ASSERT_TRUE(store);
  StoreContent c;
  c.objects = {record(7), record(1000, true)};
  ASSERT_TRUE(store->replace_all(c).ok());
  EXPECT_GT(store->allocate_object_id(), 1000u);
  // Persisted with the rows: after the restored objects are deleted and the
  // store reopened, the counter still stands past them.
  ASSERT_TRUE(store->delete_object(1000).ok());
  ASSERT_TRUE(store->delete_object(7).ok());
  store.reset();
  store = open_store("a");
  ASSERT_TRUE(store);
  EXPECT_GT(store->allocate_object_id(), 1000u);
}

TEST_F(SlotStoreRestoreTest, ReplaceAllRefusesBadIdsBeforeWriting) {
  auto store = open_store("a");
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_meta("keep", as_bytes("me")).ok());
  for (const std::vector<ObjectRecord>& bad : {std::vector<ObjectRecord>{record(5), record(5)},
                                               std::vector<ObjectRecord>{record(6), record(2)},
                                               std::vector<ObjectRecord>{record(0)}}) {
    StoreContent c;
    c.objects = bad;
    EXPECT_EQ(store->replace_all(c).rv(), CKR_ARGUMENTS_BAD);
  }
  const StoreContent after = content_of(*store);
  ASSERT_EQ(after.meta.size(), 1u);
  EXPECT_EQ(after.meta[0].first, "keep");
}

TEST_F(SlotStoreRestoreTest, FailedReplaceAllChangesNothing) {
  auto store = open_store("a");
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_meta({{"token", sb("before")}}).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->put_object(record(store->allocate_object_id())).ok());
  const StoreContent before = content_of(*store);
  // The last object of the new content fails to insert, after everything
  // else was deleted and rewritten in the same transaction.
  const char* sql =
      "CREATE TEMP TRIGGER fail_object BEFORE INSERT ON main.objects WHEN NEW.id = 99 "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;";
  ASSERT_EQ(sqlite3_exec(store->native_handle_for_testing(), sql, nullptr, nullptr, nullptr), SQLITE_OK);
  StoreContent next;
  next.meta = {{"token", sb("after")}};
  next.objects = {record(50), record(99)};
  const Status st = store->replace_all(next);
  EXPECT_EQ(st.rv(), CKR_DEVICE_ERROR);
  EXPECT_NE(st.message().find("injected failure"), std::string::npos) << st.message();
  expect_same(content_of(*store), before);
}

}  // namespace
}  // namespace craton

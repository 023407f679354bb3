#include "store/slot_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "store/store_lock.h"

namespace craton {
namespace {

using Meta = std::vector<std::pair<std::string, SecureBytes>>;

SecureBytes sb(std::string_view s) { return SecureBytes(s.begin(), s.end()); }

// Deterministic blob content for an id, so a reader can verify it byte for byte.
// Every 10th id spans several pages (SQLite overflow pages).
Bytes blob_for(std::uint64_t id) {
  const std::size_t n = id % 10 == 0 ? 20000 : 64 + (id * 7919) % 400;
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(id * 31 + i);
  return b;
}

ObjectRecord record_for(std::uint64_t id, std::uint64_t version = 1) {
  return ObjectRecord{id, version, id % 2 == 0, blob_for(id)};
}

std::string query(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) return "<prepare failed>";
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  return out;
}

class SlotStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::path(::testing::TempDir()) / "craton-store-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = root_ / "slot-0";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::unique_ptr<SlotStore> open_store() {
    auto s = SlotStore::open(dir_);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  static std::map<std::uint64_t, ObjectRecord> by_id(SlotStore& store) {
    auto objects = store.load_objects();
    EXPECT_TRUE(objects.ok()) << objects.status().message();
    std::map<std::uint64_t, ObjectRecord> m;
    if (objects.ok())
      for (auto& r : *objects) m.emplace(r.id, r);
    return m;
  }

  static std::string meta_text(SlotStore& store, std::string_view name) {
    auto v = store.get_meta(name);
    EXPECT_TRUE(v.ok()) << v.status().message();
    if (!v.ok() || !v->has_value()) return "<absent>";
    return std::string((*v)->begin(), (*v)->end());
  }

  std::filesystem::path root_;
  std::filesystem::path dir_;
};

TEST_F(SlotStoreTest, CreatesPrivateFilesAndConfiguresSqlite) {
  auto store = open_store();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_meta("x", as_bytes("1")).ok());
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const char* name : {"token.sqlite3", "token.sqlite3-wal", "token.sqlite3-shm"}) {
    ASSERT_EQ(::stat((dir_ / name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
  sqlite3* db = store->native_handle_for_testing();
  EXPECT_EQ(query(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query(db, "PRAGMA synchronous"), "2");
  EXPECT_EQ(query(db, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(query(db, "PRAGMA user_version"), std::to_string(SlotStore::kSchemaVersion));
  EXPECT_TRUE(store->check_integrity().ok());
}

TEST_F(SlotStoreTest, ExistingWorldReadableDatabaseIsTightened) {
  ASSERT_TRUE(open_store());
  ASSERT_EQ(::chmod((dir_ / "token.sqlite3").c_str(), 0644), 0);
  ASSERT_TRUE(open_store());
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "token.sqlite3").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SlotStoreTest, MetaRoundTrips) {
  auto store = open_store();
  ASSERT_TRUE(store);
  auto missing = store->get_meta("token-info");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  const Bytes binary = {0, 1, 0, 255, 0};
  ASSERT_TRUE(store->put_meta("binary", binary).ok());
  ASSERT_TRUE(store->put_meta("empty", ByteView{}).ok());
  ASSERT_TRUE(store->put_meta(Meta{{"a", sb("alpha")}, {"b", sb("beta")}}).ok());
  ASSERT_TRUE(store->put_meta("a", as_bytes("alpha-2")).ok());  // overwrite

  auto got = store->get_meta("binary");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(Bytes((*got)->begin(), (*got)->end()), binary);
  auto empty = store->get_meta("empty");
  ASSERT_TRUE(empty.ok());
  ASSERT_TRUE(empty->has_value());  // present-but-empty is not absent
  EXPECT_TRUE((*empty)->empty());
  EXPECT_EQ(meta_text(*store, "a"), "alpha-2");
  EXPECT_EQ(meta_text(*store, "b"), "beta");
  EXPECT_EQ(store->put_meta("", as_bytes("x")).rv(), CKR_ARGUMENTS_BAD);
}

TEST_F(SlotStoreTest, PutLoadAndDeleteObjects) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const std::uint64_t a = store->allocate_object_id(), b = store->allocate_object_id(), c = store->allocate_object_id();
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  ASSERT_TRUE(store->put_object(record_for(a)).ok());
  ASSERT_TRUE(store->put_object(record_for(b)).ok());
  ASSERT_TRUE(store->put_object(ObjectRecord{c, ~0ULL, true, {}}).ok());  // max version, empty blob
  ObjectRecord rewritten = record_for(a, 2);
  rewritten.blob = {9, 9, 9};
  ASSERT_TRUE(store->put_object(rewritten).ok());

  auto objects = store->load_objects();
  ASSERT_TRUE(objects.ok());
  ASSERT_EQ(objects->size(), 3u);
  EXPECT_EQ((*objects)[0].id, a);
  EXPECT_EQ((*objects)[0].version, 2u);
  EXPECT_EQ((*objects)[0].blob, (Bytes{9, 9, 9}));
  EXPECT_EQ((*objects)[1].blob, blob_for(b));
  EXPECT_EQ((*objects)[1].is_private, b % 2 == 0);
  EXPECT_EQ((*objects)[2].version, ~0ULL);
  EXPECT_TRUE((*objects)[2].is_private);
  EXPECT_TRUE((*objects)[2].blob.empty());

  ASSERT_TRUE(store->delete_object(b).ok());
  const Status again = store->delete_object(b);
  EXPECT_EQ(again.rv(), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(store->delete_object(999999).rv(), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(by_id(*store).count(b), 0u);
  EXPECT_EQ(by_id(*store).size(), 2u);
  EXPECT_EQ(store->put_object(ObjectRecord{0, 1, false, {1}}).rv(), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(store->put_object(ObjectRecord{1ULL << 63, 1, false, {1}}).rv(), CKR_ARGUMENTS_BAD);
}

TEST_F(SlotStoreTest, ReopenKeepsEverything) {
  std::uint64_t a = 0, b = 0;
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    a = store->allocate_object_id();
    b = store->allocate_object_id();
    ASSERT_TRUE(store->put_object(record_for(a)).ok());
    ASSERT_TRUE(store->put_object(record_for(b)).ok());
    ASSERT_TRUE(store->put_meta(Meta{{"so-pin", sb("record")}, {"label", sb("token 0")}}).ok());
    ASSERT_TRUE(store->delete_object(a).ok());
  }
  auto store = open_store();
  ASSERT_TRUE(store);
  auto objects = by_id(*store);
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects.at(b).blob, blob_for(b));
  EXPECT_EQ(meta_text(*store, "so-pin"), "record");
  EXPECT_EQ(meta_text(*store, "label"), "token 0");
  EXPECT_TRUE(store->check_integrity().ok());
}

TEST_F(SlotStoreTest, ObjectIdsAreNeverReusedAcrossReopen) {
  std::uint64_t highest = 0;
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::uint64_t a = store->allocate_object_id();
    ASSERT_TRUE(store->put_object(record_for(a)).ok());
    highest = store->allocate_object_id();      // allocated, never written
    ASSERT_TRUE(store->delete_object(a).ok());  // the store is now empty
  }
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    EXPECT_GT(store->allocate_object_id(), highest);
    ASSERT_TRUE(store->put_object(record_for(1000)).ok());  // an id we did not hand out
    EXPECT_GT(store->allocate_object_id(), 1000u);
    ASSERT_TRUE(store->reset({}).ok());
    highest = store->allocate_object_id();
    EXPECT_GT(highest, 1000u);  // reset keeps the counter
  }
  // A crash (no destructor) right after a write: the written id stays retired
  // (y, allocated but never written, may come back — nothing refers to it).
  const pid_t child = ::fork();
  if (child == 0) {
    auto s = SlotStore::open(dir_);
    if (!s.ok()) ::_exit(1);
    SlotStore* store = s.value().release();  // leaked on purpose: no clean close
    const std::uint64_t x = store->allocate_object_id();
    const std::uint64_t y = store->allocate_object_id();
    if (!store->put_object(record_for(x)).ok()) ::_exit(2);
    ::_exit(x == highest + 1 && y == x + 1 ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto store = open_store();
  ASSERT_TRUE(store);
  EXPECT_GT(store->allocate_object_id(), highest + 1);
}

TEST_F(SlotStoreTest, DeletingTheNewestObjectDoesNotFreeItsIdEvenAfterACrash) {
  const pid_t child = ::fork();
  if (child == 0) {
    auto s = SlotStore::open(dir_);
    if (!s.ok()) ::_exit(1);
    SlotStore* store = s.value().release();  // no clean close
    for (int i = 0; i < 3; ++i) {
      if (!store->put_object(record_for(store->allocate_object_id())).ok()) ::_exit(2);
    }
    ::_exit(store->delete_object(3).ok() ? 0 : 3);  // the highest id
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto store = open_store();
  ASSERT_TRUE(store);
  EXPECT_EQ(by_id(*store).size(), 2u);
  EXPECT_GT(store->allocate_object_id(), 3u);
}

TEST_F(SlotStoreTest, ResetReplacesEverything) {
  auto store = open_store();
  ASSERT_TRUE(store);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->put_object(record_for(store->allocate_object_id())).ok());
  ASSERT_TRUE(store->put_meta(Meta{{"old", sb("1")}, {"label", sb("before")}}).ok());
  ASSERT_TRUE(store->reset(Meta{{"label", sb("after")}, {"so-pin", sb("p")}}).ok());
  EXPECT_TRUE(by_id(*store).empty());
  EXPECT_EQ(meta_text(*store, "old"), "<absent>");
  EXPECT_EQ(meta_text(*store, "label"), "after");
  EXPECT_EQ(meta_text(*store, "so-pin"), "p");
}

// Installs a trigger that makes any write of meta entry `name` fail, simulating
// a failure in the middle of a multi-row transaction.
void inject_meta_failure(SlotStore& store, const std::string& name) {
  const std::string sql = "CREATE TEMP TRIGGER fail_meta BEFORE INSERT ON main.meta WHEN NEW.name = '" + name +
                          "' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;";
  ASSERT_EQ(sqlite3_exec(store.native_handle_for_testing(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
}

TEST_F(SlotStoreTest, FailedResetChangesNothing) {
  auto store = open_store();
  ASSERT_TRUE(store);
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(store->allocate_object_id());
    ASSERT_TRUE(store->put_object(record_for(ids.back())).ok());
  }
  ASSERT_TRUE(store->put_meta(Meta{{"label", sb("before")}, {"user-pin", sb("u")}}).ok());
  inject_meta_failure(*store, "boom");

  // Objects and meta are deleted and "label" rewritten before "boom" fails.
  const Status st = store->reset(Meta{{"label", sb("after")}, {"boom", sb("x")}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.rv(), CKR_DEVICE_ERROR);
  EXPECT_NE(st.message().find("injected failure"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(store->database_path().string()), std::string::npos) << st.message();

  const auto objects = by_id(*store);
  ASSERT_EQ(objects.size(), ids.size());
  for (std::uint64_t id : ids) EXPECT_EQ(objects.at(id).blob, blob_for(id));
  EXPECT_EQ(meta_text(*store, "label"), "before");
  EXPECT_EQ(meta_text(*store, "user-pin"), "u");
  EXPECT_EQ(meta_text(*store, "boom"), "<absent>");

  // Same for a multi-entry put_meta, and the store stays usable afterwards.
  EXPECT_FALSE(store->put_meta(Meta{{"label", sb("half")}, {"boom", sb("x")}}).ok());
  EXPECT_EQ(meta_text(*store, "label"), "before");
  ASSERT_TRUE(store->put_meta("label", as_bytes("later")).ok());
  store.reset();
  store = open_store();  // and nothing half-done surfaced on disk
  ASSERT_TRUE(store);
  EXPECT_EQ(by_id(*store).size(), ids.size());
  EXPECT_EQ(meta_text(*store, "label"), "later");
}

TEST_F(SlotStoreTest, FullDatabaseIsDeviceMemoryAndRecoverable) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const std::uint64_t small = store->allocate_object_id();
  ASSERT_TRUE(store->put_object(record_for(small)).ok());
  sqlite3* db = store->native_handle_for_testing();
  const std::string pages = query(db, "PRAGMA page_count");
  ASSERT_EQ(sqlite3_exec(db, ("PRAGMA max_page_count=" + pages).c_str(), nullptr, nullptr, nullptr), SQLITE_OK);

  ObjectRecord big{store->allocate_object_id(), 1, true, Bytes(200000, 0xAB)};
  const Status st = store->put_object(big);
  EXPECT_EQ(st.rv(), CKR_DEVICE_MEMORY) << st.message();
  EXPECT_NE(st.message().find("token.sqlite3"), std::string::npos) << st.message();

  ASSERT_EQ(sqlite3_exec(db, "PRAGMA max_page_count=1000000", nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_TRUE(store->put_object(big).ok());
  EXPECT_EQ(by_id(*store).size(), 2u);
}

TEST_F(SlotStoreTest, BusyDatabaseIsDeviceError) {
  auto store = open_store();
  ASSERT_TRUE(store);
  sqlite3_busy_timeout(store->native_handle_for_testing(), 20);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "token.sqlite3").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const Status st = store->put_object(record_for(store->allocate_object_id()));
  EXPECT_EQ(st.rv(), CKR_DEVICE_ERROR) << st.message();
  EXPECT_NE(st.message().find("locked"), std::string::npos) << st.message();
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_TRUE(store->put_object(record_for(store->allocate_object_id())).ok());
}

TEST_F(SlotStoreTest, CorruptFileIsDeviceErrorNamingTheFile) {
  std::filesystem::create_directories(dir_);
  {
    std::ofstream out(dir_ / "token.sqlite3", std::ios::binary);
    out << std::string(8192, 'Z');
  }
  auto store = SlotStore::open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.rv(), CKR_DEVICE_ERROR);
  EXPECT_NE(store.status().message().find((dir_ / "token.sqlite3").string()), std::string::npos);
  EXPECT_NE(store.status().message().find("not a database"), std::string::npos) << store.status().message();
}

TEST_F(SlotStoreTest, NewerOrBogusSchemaIsRefused) {
  for (int version : {99, -1}) {
    {
      auto store = open_store();
      ASSERT_TRUE(store);
      const std::string sql = "PRAGMA user_version=" + std::to_string(version);
      ASSERT_EQ(sqlite3_exec(store->native_handle_for_testing(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    }
    auto store = SlotStore::open(dir_);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.rv(), CKR_DEVICE_ERROR);
    EXPECT_NE(store.status().message().find("schema version " + std::to_string(version)), std::string::npos)
        << store.status().message();
    std::filesystem::remove_all(dir_);
  }
}

TEST_F(SlotStoreTest, OversizedBlobIsDeviceMemory) {
  auto store = open_store();
  ASSERT_TRUE(store);
  sqlite3_limit(store->native_handle_for_testing(), SQLITE_LIMIT_LENGTH, 1000);  // instead of a 1 GB blob
  EXPECT_EQ(store->put_object(ObjectRecord{1, 1, false, Bytes(2000, 1)}).rv(), CKR_DEVICE_MEMORY);
  EXPECT_EQ(store->put_meta("big", Bytes(2000, 1)).rv(), CKR_DEVICE_MEMORY);
  EXPECT_TRUE(store->put_object(ObjectRecord{1, 1, false, Bytes(500, 1)}).ok());
}

TEST(SlotStoreErrorMapping, MapsSqliteCodes) {
  const std::filesystem::path f = "/s/token.sqlite3";
  EXPECT_EQ(sqlite_status(SQLITE_FULL, f, "w", "").rv(), CKR_DEVICE_MEMORY);
  EXPECT_EQ(sqlite_status(SQLITE_TOOBIG, f, "w", "").rv(), CKR_DEVICE_MEMORY);
  EXPECT_EQ(sqlite_status(SQLITE_IOERR_FSYNC, f, "w", "").rv(), CKR_DEVICE_ERROR);
  EXPECT_EQ(sqlite_status(SQLITE_CORRUPT, f, "w", "").rv(), CKR_DEVICE_ERROR);
  EXPECT_EQ(sqlite_status(SQLITE_NOTADB, f, "w", "").rv(), CKR_DEVICE_ERROR);
  EXPECT_EQ(sqlite_status(SQLITE_BUSY_SNAPSHOT, f, "w", "").rv(), CKR_DEVICE_ERROR);
  EXPECT_EQ(sqlite_status(SQLITE_LOCKED, f, "w", "").rv(), CKR_DEVICE_ERROR);
  EXPECT_EQ(sqlite_status(SQLITE_NOMEM, f, "w", "").rv(), CKR_HOST_MEMORY);
  const Status st = sqlite_status(SQLITE_IOERR_WRITE, f, "write object 7", "disk I/O error");
  EXPECT_EQ(st.message(), "store /s/token.sqlite3: write object 7 failed: disk I/O error (SQLite code 778)");
}

TEST_F(SlotStoreTest, CheckpointLeavesNoSupersededSecret) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const std::string old_secret = "OLD-WRAPPED-MASTER-KEY-0123456789";
  ASSERT_TRUE(store->put_meta("wrapped-mk-user", as_bytes(old_secret)).ok());
  ASSERT_TRUE(store->checkpoint().ok());  // the old value reaches the main file
  ASSERT_TRUE(store->put_meta("wrapped-mk-user", as_bytes("NEW-WRAPPED-MASTER-KEY-9876543210")).ok());
  ASSERT_TRUE(store->checkpoint().ok());
  EXPECT_EQ(std::filesystem::file_size(dir_ / "token.sqlite3-wal"), 0u);
  std::ifstream in(dir_ / "token.sqlite3", std::ios::binary);
  const std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(contents.find(old_secret), std::string::npos);
  EXPECT_NE(contents.find("NEW-WRAPPED-MASTER-KEY"), std::string::npos);
}

TEST_F(SlotStoreTest, ConcurrentWritersFromManyThreads) {
  auto store = open_store();
  ASSERT_TRUE(store);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!store->put_object(record_for(store->allocate_object_id())).ok()) ++failures;
        if (i % 10 == 0 && !store->get_meta("x").ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const auto objects = by_id(*store);
  EXPECT_EQ(objects.size(), 200u);
  for (const auto& [id, r] : objects) EXPECT_EQ(r.blob, blob_for(id));
}

// Not a pass/fail criterion (DESIGN.md §8): prints the raw fsync cost of this
// file system and the durable creation rate the store achieves on one thread.
// Each loop stops at its count or after ~3 s, so a busy disk cannot stall CI.
TEST_F(SlotStoreTest, ReportsFsyncCostAndDurableCreationRate) {
  using Clock = std::chrono::steady_clock;
  std::filesystem::create_directories(dir_);
  const auto probe = dir_ / "fsync-probe";
  const int fd = ::open(probe.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  const Bytes page(4096, 0x5A);
  const auto budget = std::chrono::seconds(3);
  int syncs = 0;
  auto t0 = Clock::now();
  for (int i = 0; i < 1000 && Clock::now() - t0 < budget; ++i, ++syncs) {
    ASSERT_EQ(::pwrite(fd, page.data(), page.size(), static_cast<off_t>(i % 64) * 4096), 4096);
    ASSERT_EQ(::fdatasync(fd), 0);
  }
  const double sync_s = std::chrono::duration<double>(Clock::now() - t0).count();
  ::close(fd);
  std::filesystem::remove(probe);

  auto store = open_store();
  ASSERT_TRUE(store);
  int creates = 0;
  t0 = Clock::now();
  for (int i = 0; i < 2000 && Clock::now() - t0 < budget; ++i, ++creates) {
    ObjectRecord r{store->allocate_object_id(), 1, true, Bytes(300, static_cast<std::uint8_t>(i))};
    ASSERT_TRUE(store->put_object(r).ok());
  }
  const double create_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("[ fsync    ] 4 KiB pwrite+fdatasync: %.0f/s (%.1f us each, %d runs)\n", syncs / sync_s,
              sync_s / syncs * 1e6, syncs);
  std::printf("[ creation ] durable put_object (300 B): %.0f/s (%.1f us each, %d runs)\n", creates / create_s,
              create_s / creates * 1e6, creates);
  RecordProperty("fsync_per_s", static_cast<int>(syncs / sync_s));
  RecordProperty("creations_per_s", static_cast<int>(creates / create_s));
}

// ---- Crash safety: SIGKILL a writer at random moments, then verify. ----

// Child -> parent messages (9 bytes, atomic on a pipe): an intent is sent
// before a write starts, an acknowledgement after it returned OK.
enum Msg : char {
  kPutIntent = 'p',
  kPutAck = 'P',
  kDeleteIntent = 'd',
  kDeleteAck = 'D',
  kMetaIntent = 'm',
  kMetaAck = 'M'
};

void send(int fd, Msg type, std::uint64_t value) {
  char buf[9];
  buf[0] = type;
  std::memcpy(buf + 1, &value, 8);
  if (::write(fd, buf, sizeof(buf)) != static_cast<ssize_t>(sizeof(buf))) ::_exit(10);
}

// The writer: takes the store lock, then creates objects, deletes some, and
// bumps a two-entry meta counter, reporting each step. Never returns.
[[noreturn]] void writer_child(const std::filesystem::path& dir, int fd, unsigned seed) {
  auto lock = StoreLock::acquire(dir);
  if (!lock.ok()) ::_exit(2);
  auto opened = SlotStore::open(dir);
  if (!opened.ok()) ::_exit(3);
  SlotStore& store = *opened.value();
  auto counter = store.get_meta("counter");
  if (!counter.ok()) ::_exit(4);
  std::uint64_t count = counter->has_value() ? std::stoull(std::string((*counter)->begin(), (*counter)->end())) : 0;
  std::mt19937 rng(seed);
  std::vector<std::uint64_t> mine;
  for (;;) {
    const unsigned dice = rng() % 16;
    if (dice == 0) {
      const std::string v = std::to_string(++count);
      send(fd, kMetaIntent, count);
      if (!store.put_meta(Meta{{"counter", sb(v)}, {"counter-copy", sb(v)}}).ok()) ::_exit(5);
      send(fd, kMetaAck, count);
    } else if (dice == 1 && !mine.empty()) {
      const std::uint64_t id = mine[rng() % mine.size()];
      std::erase(mine, id);
      send(fd, kDeleteIntent, id);
      if (!store.delete_object(id).ok()) ::_exit(6);
      send(fd, kDeleteAck, id);
    } else {
      const std::uint64_t id = store.allocate_object_id();
      send(fd, kPutIntent, id);
      if (!store.put_object(record_for(id)).ok()) ::_exit(7);
      send(fd, kPutAck, id);
      mine.push_back(id);
    }
  }
}

// What the parent knows about the store across rounds.
struct Expectation {
  std::set<std::uint64_t> present;    // acknowledged and not deleted
  std::set<std::uint64_t> uncertain;  // write or delete in flight at the kill
  std::uint64_t id_floor = 0;         // highest id ever stored: new ids must exceed it
  std::uint64_t meta_acked = 0, meta_intended = 0;
};

void apply(Expectation& e, Msg type, std::uint64_t v) {
  switch (type) {
    case kPutIntent:
      // An id whose write never committed may come back; a stored one never.
      EXPECT_GT(v, e.id_floor) << "object id " << v << " reused";
      e.uncertain.insert(v);
      break;
    case kPutAck:
      e.uncertain.erase(v);
      e.present.insert(v);
      e.id_floor = std::max(e.id_floor, v);
      break;
    case kDeleteIntent:
      e.present.erase(v);
      e.uncertain.insert(v);
      break;
    case kDeleteAck: e.uncertain.erase(v); break;
    case kMetaIntent: e.meta_intended = v; break;
    case kMetaAck: e.meta_acked = v; break;
  }
}

// Reads messages until EOF, or until `stop_after_first_ack` and one arrived.
void read_messages(int fd, Expectation& e, bool stop_after_first_ack) {
  char buf[9];
  std::size_t have = 0;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) {
      ADD_FAILURE() << "writer went silent";
      return;
    }
    const ssize_t n = ::read(fd, buf + have, sizeof(buf) - have);
    if (n <= 0) return;
    have += static_cast<std::size_t>(n);
    if (have < sizeof(buf)) continue;
    have = 0;
    std::uint64_t v;
    std::memcpy(&v, buf + 1, 8);
    apply(e, static_cast<Msg>(buf[0]), v);
    if (stop_after_first_ack && buf[0] == kPutAck) return;
  }
}

void verify_after_crash(const std::filesystem::path& dir, Expectation& e) {
  auto lock = StoreLock::acquire(dir);  // the killed writer's lock died with it
  ASSERT_TRUE(lock.ok()) << lock.status().message();
  auto opened = SlotStore::open(dir);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  SlotStore& store = *opened.value();
  ASSERT_EQ(query(store.native_handle_for_testing(), "PRAGMA integrity_check"), "ok");
  auto objects = store.load_objects();
  ASSERT_TRUE(objects.ok()) << objects.status().message();
  std::set<std::uint64_t> found;
  for (const ObjectRecord& r : *objects) {
    found.insert(r.id);
    EXPECT_EQ(r.blob, blob_for(r.id)) << "object " << r.id << " torn";
    EXPECT_TRUE(e.present.count(r.id) || e.uncertain.count(r.id)) << "object " << r.id << " should not exist";
  }
  for (std::uint64_t id : e.present) EXPECT_TRUE(found.count(id)) << "acknowledged object " << id << " lost";
  // Settle the in-flight writes: the database is now the truth for them.
  for (std::uint64_t id : e.uncertain) {
    if (found.count(id) == 0) continue;
    e.present.insert(id);
    e.id_floor = std::max(e.id_floor, id);
  }
  e.uncertain.clear();
  auto counter = store.get_meta("counter"), copy = store.get_meta("counter-copy");
  ASSERT_TRUE(counter.ok() && copy.ok());
  const auto text = [](const std::optional<SecureBytes>& v) {
    return v.has_value() ? std::string(v->begin(), v->end()) : std::string("0");
  };
  EXPECT_EQ(text(*counter), text(*copy)) << "multi-entry meta write torn";
  const std::uint64_t value = std::stoull(text(*counter));
  EXPECT_GE(value, e.meta_acked);
  EXPECT_LE(value, e.meta_intended);
  e.meta_acked = e.meta_intended = value;
}

TEST_F(SlotStoreTest, AcknowledgedWritesSurviveSigkill) {
  const unsigned seed = std::random_device{}();
  RecordProperty("seed", static_cast<int>(seed));
  std::mt19937 rng(seed);
  Expectation expect;
  constexpr int kRounds = 30;
  for (int round = 0; round < kRounds && !HasFailure(); ++round) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    const unsigned child_seed = static_cast<unsigned>(rng());
    const pid_t child = ::fork();
    if (child == 0) {
      ::close(fds[0]);
      writer_child(dir_, fds[1], child_seed);
    }
    ::close(fds[1]);
    // Mostly kill mid-stream; every fourth round, possibly during open/recovery.
    if (round % 4 != 3) read_messages(fds[0], expect, /*stop_after_first_ack=*/true);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 30000));
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "writer exited on its own, status " << status << " (seed " << seed << ")";
    read_messages(fds[0], expect, false);  // drain everything acknowledged before the kill
    ::close(fds[0]);
    verify_after_crash(dir_, expect);
    if (HasFailure()) ADD_FAILURE() << "round " << round << ", seed " << seed;
  }
  std::printf("[ crash    ] %d SIGKILL rounds, %zu objects acknowledged and present\n", kRounds, expect.present.size());
}

}  // namespace
}  // namespace craton

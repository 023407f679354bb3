#include "store/slot_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>

#include "store/store_lock.h"

namespace craton {
namespace {

// Waiting longer than this for a lock on our own database means something
// outside the module is holding it (the store is single-process by design).
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchemaV1 = R"sql(
  CREATE TABLE meta (
    name  TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE objects (
    id         INTEGER PRIMARY KEY CHECK (id > 0),
    version    INTEGER NOT NULL,
    is_private INTEGER NOT NULL CHECK (is_private IN (0, 1)),
    blob       BLOB NOT NULL
  );
  CREATE TABLE store_state (
    name  TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO store_state (name, value) VALUES ('next_object_id', 1);
)sql";

// Migration hook: kMigrations[i] takes the schema from version i to i + 1.
// Add a step here (and bump kSchemaVersion) to evolve the schema; all pending
// steps run in one transaction together with the user_version update.
constexpr const char* kMigrations[] = {kSchemaV1};
static_assert(std::size(kMigrations) == SlotStore::kSchemaVersion);

std::string errno_message(std::string_view what, const std::filesystem::path& path, int err) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(err);
}

// Creates the database file with mode 0600 before SQLite sees it: SQLite would
// use 0644 & ~umask, and it gives the -wal/-shm files the main file's mode.
// An existing file (or WAL/SHM) readable by others is tightened to 0600.
Status prepare_database_file(const std::filesystem::path& dir, const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  const bool created = fd >= 0;
  if (!created && errno == EEXIST) fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Status(CKR_DEVICE_ERROR, errno_message("cannot open store database", file, errno));
  ::close(fd);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::filesystem::path p = file.string() + suffix;
    const int f = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (f < 0) continue;  // absent (or not ours to fix); SQLite reports real problems
    struct stat st {};
    if (::fstat(f, &st) == 0 && (st.st_mode & 077) != 0) {
      [[maybe_unused]] const int rc = ::fchmod(f, 0600);
    }
    ::close(f);
  }
  return created ? sync_directory(dir) : Status::Ok();
}

// Binds a byte view as a blob. SQLITE_STATIC: the caller's buffer outlives the
// step, and SQLite keeps no copy of (possibly secret) bytes after the reset.
// An empty view is bound as a zero-length blob, never NULL.
int bind_bytes(sqlite3_stmt* stmt, int index, ByteView value) {
  if (value.empty()) return sqlite3_bind_zeroblob(stmt, index, 0);
  return sqlite3_bind_blob64(stmt, index, value.data(), value.size(), SQLITE_STATIC);
}

int bind_text(sqlite3_stmt* stmt, int index, std::string_view text) {
  return sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

ByteView column_bytes(sqlite3_stmt* stmt, int column) {
  const void* p = sqlite3_column_blob(stmt, column);
  const int n = sqlite3_column_bytes(stmt, column);
  if (p == nullptr || n <= 0) return {};
  return view_of(p, static_cast<std::size_t>(n));
}

// Resets a reused statement (and drops its bindings) when leaving scope.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StatementUse() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
};

// Runs a one-row query (typically a pragma) and returns its first column as text.
Result<std::string> query_text(sqlite3* db, const std::filesystem::path& file, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  std::string text;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      if (const unsigned char* t = sqlite3_column_text(stmt, 0); t != nullptr) text = reinterpret_cast<const char*>(t);
      rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
    }
  }
  if (rc != SQLITE_OK) {
    Status st = sqlite_status(rc, file, sql, sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return st;
  }
  sqlite3_finalize(stmt);
  return text;
}

}  // namespace

Status sqlite_status(int rc, const std::filesystem::path& file, std::string_view what, std::string_view detail) {
  CK_RV rv = CKR_DEVICE_ERROR;  // I/O, corruption, busy/locked, constraint, misuse...
  switch (rc & 0xff) {
    case SQLITE_FULL:    // the file system (or max_page_count) is full
    case SQLITE_TOOBIG:  // one blob larger than SQLite's length limit
      rv = CKR_DEVICE_MEMORY;
      break;
    case SQLITE_NOMEM: rv = CKR_HOST_MEMORY; break;
    default: break;
  }
  std::string msg = "store " + file.string() + ": " + std::string(what) + " failed: ";
  msg += detail.empty() ? std::string(sqlite3_errstr(rc)) : std::string(detail);
  msg += " (SQLite code " + std::to_string(rc) + ")";
  return Status(rv, std::move(msg));
}

// Every statement the store runs after open(), prepared once (SQLITE_PREPARE_PERSISTENT).
struct SlotStore::Statements {
  sqlite3_stmt* begin = nullptr;
  sqlite3_stmt* commit = nullptr;
  sqlite3_stmt* rollback = nullptr;
  sqlite3_stmt* get_meta = nullptr;
  sqlite3_stmt* all_meta = nullptr;
  sqlite3_stmt* put_meta = nullptr;
  sqlite3_stmt* delete_all_meta = nullptr;
  sqlite3_stmt* put_object = nullptr;
  sqlite3_stmt* delete_object = nullptr;
  sqlite3_stmt* delete_all_objects = nullptr;
  sqlite3_stmt* load_objects = nullptr;
  sqlite3_stmt* raise_next_id = nullptr;

  ~Statements() {
    for (sqlite3_stmt* s : {begin, commit, rollback, get_meta, all_meta, put_meta, delete_all_meta, put_object,
                            delete_object, delete_all_objects, load_objects, raise_next_id}) {
      sqlite3_finalize(s);  // no-op on nullptr
    }
  }
};

SlotStore::SlotStore(std::filesystem::path file, sqlite3* db)
    : file_(std::move(file)), db_(db), stmts_(std::make_unique<Statements>()) {}

Status SlotStore::sqlite_failure(int rc, std::string_view what) const {
  const char* detail = db_ != nullptr ? sqlite3_errmsg(db_) : nullptr;
  return sqlite_status(rc, file_, what, detail != nullptr ? detail : "");
}

Status SlotStore::exec(const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : sqlite_failure(rc, what);
}

Result<std::unique_ptr<SlotStore>> SlotStore::open(const std::filesystem::path& dir) {
  if (sqlite3_threadsafe() == 0) {
    // Our own mutex covers one connection, not SQLite's process-wide state.
    return Status(CKR_DEVICE_ERROR, "the linked SQLite was built without thread support");
  }
  RETURN_IF_ERROR(make_private_directory(dir));
  RETURN_IF_ERROR(check_private_directory(dir));
  std::filesystem::path file = dir / kDatabaseName;
  RETURN_IF_ERROR(prepare_database_file(dir, file));

  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
  std::unique_ptr<SlotStore> store(new SlotStore(std::move(file), db));  // owns db from here on
  if (rc != SQLITE_OK) return store->sqlite_failure(rc, "open");
  RETURN_IF_ERROR(store->configure());
  RETURN_IF_ERROR(store->migrate());
  RETURN_IF_ERROR(store->prepare_statements());
  RETURN_IF_ERROR(store->load_next_id());
  return store;
}

Status SlotStore::configure() {
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  ASSIGN_OR_RETURN(std::string mode, query_text(db_, file_, "PRAGMA journal_mode=WAL"));
  if (mode != "wal") {
    return Status(CKR_DEVICE_ERROR,
                  "store " + file_.string() + ": cannot enable WAL journaling (mode is '" + mode + "')");
  }
  // FULL: in WAL mode every commit fsyncs the WAL, which is what makes an
  // acknowledged write survive power loss (NORMAL would only survive a crash).
  RETURN_IF_ERROR(exec("PRAGMA synchronous=FULL", "set synchronous=FULL"));
  ASSIGN_OR_RETURN(std::string sync, query_text(db_, file_, "PRAGMA synchronous"));
  if (sync != "2") {
    return Status(CKR_DEVICE_ERROR, "store " + file_.string() + ": synchronous=FULL did not take effect");
  }
  RETURN_IF_ERROR(exec("PRAGMA foreign_keys=ON", "enable foreign keys"));
  // Overwrite deleted rows instead of leaving them in free pages: a destroyed
  // object or a master key wrapped under a previous PIN must not linger.
  return exec("PRAGMA secure_delete=ON", "enable secure_delete");
}

Status SlotStore::migrate() {
  ASSIGN_OR_RETURN(std::string text, query_text(db_, file_, "PRAGMA user_version"));
  const int version = std::atoi(text.c_str());
  if (version < 0 || version > kSchemaVersion) {
    return Status(CKR_DEVICE_ERROR, "store " + file_.string() + " has schema version " + std::to_string(version) +
                                        ", which this build cannot use (it supports 0.." +
                                        std::to_string(kSchemaVersion) + ")");
  }
  if (version == kSchemaVersion) return Status::Ok();
  RETURN_IF_ERROR(exec("BEGIN IMMEDIATE", "begin schema migration"));
  Status st;
  for (int v = version; v < kSchemaVersion && st.ok(); ++v) st = exec(kMigrations[v], "schema migration");
  if (st.ok()) {
    const std::string set_version = "PRAGMA user_version=" + std::to_string(kSchemaVersion);
    st = exec(set_version.c_str(), "set schema version");
  }
  if (st.ok()) st = exec("COMMIT", "commit schema migration");
  if (!st.ok() && sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return st;
}

Status SlotStore::prepare_statements() {
  Statements& s = *stmts_;
  const std::pair<sqlite3_stmt**, const char*> table[] = {
      {&s.begin, "BEGIN IMMEDIATE"},
      {&s.commit, "COMMIT"},
      {&s.rollback, "ROLLBACK"},
      {&s.get_meta, "SELECT value FROM meta WHERE name = ?1"},
      {&s.all_meta, "SELECT name, value FROM meta ORDER BY name"},
      {&s.put_meta, "INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)"},
      {&s.delete_all_meta, "DELETE FROM meta"},
      {&s.put_object, "INSERT OR REPLACE INTO objects (id, version, is_private, blob) VALUES (?1, ?2, ?3, ?4)"},
      {&s.delete_object, "DELETE FROM objects WHERE id = ?1"},
      {&s.delete_all_objects, "DELETE FROM objects"},
      {&s.load_objects, "SELECT id, version, is_private, blob FROM objects ORDER BY id"},
      {&s.raise_next_id, "UPDATE store_state SET value = ?1 WHERE name = 'next_object_id' AND value < ?1"},
  };
  for (const auto& [slot, sql] : table) {
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, nullptr);
    if (rc != SQLITE_OK) return sqlite_failure(rc, std::string("prepare \"") + sql + "\"");
  }
  return Status::Ok();
}

Status SlotStore::load_next_id() {
  ASSIGN_OR_RETURN(std::string stored,
                   query_text(db_, file_, "SELECT value FROM store_state WHERE name = 'next_object_id'"));
  ASSIGN_OR_RETURN(std::string max_id, query_text(db_, file_, "SELECT COALESCE(MAX(id), 0) FROM objects"));
  if (stored.empty()) return Status(CKR_DEVICE_ERROR, "store " + file_.string() + ": object id counter is missing");
  const std::uint64_t persisted = std::strtoull(stored.c_str(), nullptr, 10);
  const std::uint64_t after_max = std::strtoull(max_id.c_str(), nullptr, 10) + 1;
  persisted_next_id_ = persisted;
  next_id_.store(std::max<std::uint64_t>({persisted, after_max, 1}));
  return Status::Ok();
}

template <class Body>
Status SlotStore::write_transaction(std::string_view what, Ids ids, Body&& body) {
  {
    StatementUse begin(stmts_->begin);
    const int rc = sqlite3_step(begin.get());
    if (rc != SQLITE_DONE) return sqlite_failure(rc, std::string(what) + ": begin");
  }
  Status st = body();
  const std::uint64_t next = next_id_.load();
  const bool persist = ids == Ids::kPersist && next > persisted_next_id_;
  if (st.ok() && persist) {
    StatementUse raise(stmts_->raise_next_id);
    sqlite3_bind_int64(raise.get(), 1, static_cast<sqlite3_int64>(next));
    if (const int rc = sqlite3_step(raise.get()); rc != SQLITE_DONE)
      st = sqlite_failure(rc, "persist object id counter");
  }
  if (st.ok()) {
    StatementUse commit(stmts_->commit);
    if (const int rc = sqlite3_step(commit.get()); rc != SQLITE_DONE)
      st = sqlite_failure(rc, std::string(what) + ": commit");
  }
  if (!st.ok()) {
    // A failed COMMIT may already have rolled back; ROLLBACK only if still open.
    if (sqlite3_get_autocommit(db_) == 0) {
      StatementUse rollback(stmts_->rollback);
      sqlite3_step(rollback.get());
    }
    return st;
  }
  if (persist) persisted_next_id_ = next;
  return Status::Ok();
}

SlotStore::~SlotStore() {
  // Persist the id counter on a clean close so that even ids allocated but
  // never written are not handed out again (best effort: nothing to report to).
  // With application mutex callbacks the lock can throw (core/mutex.h); a
  // destructor must not, and skipping the best-effort write is harmless.
  try {
    std::lock_guard lock(mu_);
    if (stmts_->begin != nullptr && next_id_.load() > persisted_next_id_) {
      [[maybe_unused]] Status st =
          write_transaction("persist object id counter", Ids::kPersist, [] { return Status::Ok(); });
    }
  } catch (...) {
  }
  stmts_.reset();         // statements must be finalised before the close
  sqlite3_close_v2(db_);  // also checkpoints the WAL when we are the last connection
}

Status SlotStore::insert_meta(std::string_view name, ByteView value) {
  if (name.empty()) return Status(CKR_ARGUMENTS_BAD, "store: meta entry name is empty");
  StatementUse put(stmts_->put_meta);
  int rc = bind_text(put.get(), 1, name);
  if (rc == SQLITE_OK) rc = bind_bytes(put.get(), 2, value);
  if (rc == SQLITE_OK && (rc = sqlite3_step(put.get())) == SQLITE_DONE) return Status::Ok();
  return sqlite_failure(rc, "write meta '" + std::string(name) + "'");
}

Result<std::optional<SecureBytes>> SlotStore::get_meta(std::string_view name) {
  std::lock_guard lock(mu_);
  StatementUse get(stmts_->get_meta);
  bind_text(get.get(), 1, name);
  const int rc = sqlite3_step(get.get());
  if (rc == SQLITE_DONE) return std::optional<SecureBytes>();
  if (rc != SQLITE_ROW) return sqlite_failure(rc, "read meta '" + std::string(name) + "'");
  return std::optional<SecureBytes>(copy_bytes<SecureBytes>(column_bytes(get.get(), 0)));
}

Status SlotStore::put_meta(const std::vector<std::pair<std::string, SecureBytes>>& entries) {
  std::lock_guard lock(mu_);
  return write_transaction("write meta", Ids::kLeave, [&] {
    for (const auto& [name, value] : entries) RETURN_IF_ERROR(insert_meta(name, value));
    return Status::Ok();
  });
}

Status SlotStore::put_meta(std::string_view name, ByteView value) {
  std::lock_guard lock(mu_);
  return write_transaction("write meta", Ids::kLeave, [&] { return insert_meta(name, value); });
}

Result<std::vector<ObjectRecord>> SlotStore::load_objects() {
  std::lock_guard lock(mu_);
  return read_all_objects();
}

Result<std::vector<ObjectRecord>> SlotStore::read_all_objects() {
  StatementUse load(stmts_->load_objects);
  std::vector<ObjectRecord> records;
  int rc;
  while ((rc = sqlite3_step(load.get())) == SQLITE_ROW) {
    ObjectRecord r;
    r.id = static_cast<std::uint64_t>(sqlite3_column_int64(load.get(), 0));
    r.version = static_cast<std::uint64_t>(sqlite3_column_int64(load.get(), 1));
    r.is_private = sqlite3_column_int(load.get(), 2) != 0;
    r.blob = copy_bytes(column_bytes(load.get(), 3));
    records.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return sqlite_failure(rc, "load objects");
  return records;
}

std::uint64_t SlotStore::allocate_object_id() { return next_id_.fetch_add(1); }

void SlotStore::raise_next_id_past(std::uint64_t id) {
  std::uint64_t next = next_id_.load();
  while (next <= id && !next_id_.compare_exchange_weak(next, id + 1)) {
  }
}

namespace {

bool object_id_in_range(std::uint64_t id) {
  return id != 0 && id <= static_cast<std::uint64_t>(std::numeric_limits<sqlite3_int64>::max());
}

}  // namespace

Status SlotStore::insert_object(const ObjectRecord& record) {
  StatementUse put(stmts_->put_object);
  sqlite3_bind_int64(put.get(), 1, static_cast<sqlite3_int64>(record.id));
  // Versions round-trip bit for bit through SQLite's signed 64-bit integers.
  sqlite3_bind_int64(put.get(), 2, static_cast<sqlite3_int64>(record.version));
  sqlite3_bind_int(put.get(), 3, record.is_private ? 1 : 0);
  int rc = bind_bytes(put.get(), 4, record.blob);
  if (rc == SQLITE_OK && (rc = sqlite3_step(put.get())) == SQLITE_DONE) return Status::Ok();
  return sqlite_failure(rc, "write object " + std::to_string(record.id));
}

Status SlotStore::put_object(const ObjectRecord& record) {
  if (!object_id_in_range(record.id)) {
    return Status(CKR_ARGUMENTS_BAD, "store: object id " + std::to_string(record.id) + " is out of range");
  }
  // An id we did not hand out still moves the counter past it, so it can
  // never be allocated again.
  raise_next_id_past(record.id);
  std::lock_guard lock(mu_);
  return write_transaction("write object " + std::to_string(record.id), Ids::kLeave,
                           [&] { return insert_object(record); });
}

Status SlotStore::delete_object(std::uint64_t id) {
  std::lock_guard lock(mu_);
  return write_transaction("delete object " + std::to_string(id), Ids::kPersist, [&] {
    StatementUse del(stmts_->delete_object);
    sqlite3_bind_int64(del.get(), 1, static_cast<sqlite3_int64>(id));
    const int rc = sqlite3_step(del.get());
    if (rc != SQLITE_DONE) return sqlite_failure(rc, "delete object " + std::to_string(id));
    if (sqlite3_changes(db_) == 0) {
      return Status(CKR_OBJECT_HANDLE_INVALID, "store: object " + std::to_string(id) + " does not exist");
    }
    return Status::Ok();
  });
}

Status SlotStore::delete_everything() {
  for (sqlite3_stmt* stmt : {stmts_->delete_all_objects, stmts_->delete_all_meta}) {
    StatementUse del(stmt);
    if (const int rc = sqlite3_step(del.get()); rc != SQLITE_DONE) return sqlite_failure(rc, "clear the token");
  }
  return Status::Ok();
}

Status SlotStore::reset(const std::vector<std::pair<std::string, SecureBytes>>& meta) {
  std::lock_guard lock(mu_);
  return write_transaction("reset token", Ids::kPersist, [&] {
    RETURN_IF_ERROR(delete_everything());
    for (const auto& [name, value] : meta) RETURN_IF_ERROR(insert_meta(name, value));
    return Status::Ok();
  });
}

Result<MetaEntries> SlotStore::read_all_meta() {
  StatementUse all(stmts_->all_meta);
  MetaEntries entries;
  int rc;
  while ((rc = sqlite3_step(all.get())) == SQLITE_ROW) {
    const unsigned char* name = sqlite3_column_text(all.get(), 0);
    entries.emplace_back(name != nullptr ? reinterpret_cast<const char*>(name) : "",
                         copy_bytes<SecureBytes>(column_bytes(all.get(), 1)));
  }
  if (rc != SQLITE_DONE) return sqlite_failure(rc, "read meta");
  return entries;
}

Result<StoreContent> SlotStore::snapshot() {
  std::lock_guard lock(mu_);
  StoreContent content;
  ASSIGN_OR_RETURN(content.meta, read_all_meta());
  ASSIGN_OR_RETURN(content.objects, read_all_objects());
  return content;
}

Status SlotStore::replace_all(const StoreContent& content) {
  std::uint64_t previous = 0;
  for (const ObjectRecord& record : content.objects) {
    if (!object_id_in_range(record.id) || record.id <= previous) {
      return Status(CKR_ARGUMENTS_BAD, "store: object id " + std::to_string(record.id) +
                                           " is out of range or out of order (ids must increase)");
    }
    previous = record.id;
  }
  // Raised before the transaction so that write_transaction persists it with
  // the rows; if the transaction fails, the counter is merely higher.
  for (const ObjectRecord& record : content.objects) raise_next_id_past(record.id);
  std::lock_guard lock(mu_);
  return write_transaction("restore token", Ids::kPersist, [&] {
    RETURN_IF_ERROR(delete_everything());
    for (const auto& [name, value] : content.meta) RETURN_IF_ERROR(insert_meta(name, value));
    for (const ObjectRecord& record : content.objects) RETURN_IF_ERROR(insert_object(record));
    return Status::Ok();
  });
}

Status SlotStore::checkpoint() {
  std::lock_guard lock(mu_);
  int log_frames = 0;
  int checkpointed = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log_frames, &checkpointed);
  if (rc != SQLITE_OK) return sqlite_failure(rc, "checkpoint");
  return Status::Ok();
}

Status SlotStore::check_integrity() {
  std::lock_guard lock(mu_);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, "PRAGMA integrity_check", -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_failure(rc, "integrity check");
  std::string findings;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(stmt, 0);
    if (t != nullptr && std::strcmp(reinterpret_cast<const char*>(t), "ok") != 0) {
      if (!findings.empty()) findings += "; ";
      findings += reinterpret_cast<const char*>(t);
    }
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return sqlite_failure(rc, "integrity check");
  if (!findings.empty()) {
    return Status(CKR_DEVICE_ERROR, "store " + file_.string() + " failed its integrity check: " + findings);
  }
  return Status::Ok();
}

}  // namespace craton

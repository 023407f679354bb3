// AuditHeadStore: one-row SQLite table holding the audit chain's head.
#include "audit/audit_head.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "store/slot_store.h"
#include "store/store_lock.h"

namespace craton {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
  CREATE TABLE IF NOT EXISTS audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL CHECK (seq >= 0),
    hash TEXT NOT NULL,
    file TEXT NOT NULL
  );
  PRAGMA user_version = 1;
)sql";

// Creates the file 0600 before SQLite sees it (SQLite would use 0644 & ~umask
// and give the -wal/-shm files the same mode).
Status prepare_file(const std::filesystem::path& file) {
  const std::filesystem::path dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  RETURN_IF_ERROR(make_private_directory(dir));
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  const bool created = fd >= 0;
  if (!created && errno == EEXIST) fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return Status(CKR_DEVICE_ERROR, "cannot open audit head store " + file.string() + ": " + std::strerror(errno));
  }
  ::close(fd);
  return created ? sync_directory(dir) : Status::Ok();
}

// Runs a statement that yields at most one text value.
Result<std::string> query_text(sqlite3* db, const char* sql) {
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
  sqlite3_finalize(stmt);
  if (rc != SQLITE_OK) return Status(CKR_DEVICE_ERROR, std::string(sql) + ": " + sqlite3_errstr(rc));
  return text;
}

// Resets a prepared statement when the scope ends, whatever the outcome.
class StatementReset {
 public:
  explicit StatementReset(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StatementReset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

}  // namespace

Result<std::unique_ptr<AuditHeadStore>> AuditHeadStore::open(const std::filesystem::path& file, Mode mode) {
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE;
  if (mode == Mode::kReadWrite) {
    RETURN_IF_ERROR(prepare_file(file));
    flags |= SQLITE_OPEN_READWRITE;
  } else {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      return Status(CKR_GENERAL_ERROR, "audit head store " + file.string() + " does not exist");
    }
    flags |= SQLITE_OPEN_READONLY;
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
  std::unique_ptr<AuditHeadStore> store(new AuditHeadStore(file, db));  // owns db (even on failure)
  if (rc != SQLITE_OK) return store->failure(rc, "open");
  RETURN_IF_ERROR(store->configure(mode));
  return store;
}

AuditHeadStore::~AuditHeadStore() {
  sqlite3_finalize(load_stmt_);
  sqlite3_finalize(store_stmt_);
  sqlite3_close_v2(db_);
}

Status AuditHeadStore::failure(int rc, std::string_view what) const {
  const char* detail = db_ != nullptr ? sqlite3_errmsg(db_) : nullptr;
  return sqlite_status(rc, file_, std::string("audit head ") + std::string(what), detail != nullptr ? detail : "");
}

Status AuditHeadStore::configure(Mode mode) {
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  ASSIGN_OR_RETURN(const std::string version_text, query_text(db_, "PRAGMA user_version"));
  const int version = std::atoi(version_text.c_str());
  if (version > kSchemaVersion) {
    return Status(CKR_DEVICE_ERROR, "audit head store " + file_.string() + " has schema version " +
                                        std::to_string(version) + ", newer than this build");
  }
  if (mode == Mode::kReadWrite) {
    ASSIGN_OR_RETURN(const std::string journal, query_text(db_, "PRAGMA journal_mode=WAL"));
    if (journal != "wal") return Status(CKR_DEVICE_ERROR, "audit head store " + file_.string() + ": no WAL mode");
    // NORMAL, not FULL: see audit_head.h for why the head may lag after power loss.
    if (const int rc = sqlite3_exec(db_, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
      return failure(rc, "set synchronous=NORMAL");
    }
    if (version < kSchemaVersion) {
      if (const int rc = sqlite3_exec(db_, kSchema, nullptr, nullptr, nullptr); rc != SQLITE_OK) {
        return failure(rc, "create schema");
      }
    }
    const char* store_sql = "INSERT OR REPLACE INTO audit_head (id, seq, hash, file) VALUES (1, ?, ?, ?)";
    if (const int rc = sqlite3_prepare_v3(db_, store_sql, -1, SQLITE_PREPARE_PERSISTENT, &store_stmt_, nullptr);
        rc != SQLITE_OK) {
      return failure(rc, "prepare store");
    }
  } else if (version < kSchemaVersion) {
    return Status(CKR_GENERAL_ERROR, "audit head store " + file_.string() + " holds no audit head");
  }
  const char* load_sql = "SELECT seq, hash, file FROM audit_head WHERE id = 1";
  if (const int rc = sqlite3_prepare_v3(db_, load_sql, -1, SQLITE_PREPARE_PERSISTENT, &load_stmt_, nullptr);
      rc != SQLITE_OK) {
    return failure(rc, "prepare load");
  }
  return Status::Ok();
}

Result<std::optional<AuditHead>> AuditHeadStore::load() {
  std::lock_guard<std::mutex> lock(mu_);
  StatementReset reset(load_stmt_);
  const int rc = sqlite3_step(load_stmt_);
  if (rc == SQLITE_DONE) return std::optional<AuditHead>();
  if (rc != SQLITE_ROW) return failure(rc, "load");
  const sqlite3_int64 seq = sqlite3_column_int64(load_stmt_, 0);
  const unsigned char* hash = sqlite3_column_text(load_stmt_, 1);
  const unsigned char* file = sqlite3_column_text(load_stmt_, 2);
  const std::string_view hash_text = hash != nullptr ? reinterpret_cast<const char*>(hash) : "";
  if (seq < 0 || !is_audit_hash_hex(hash_text)) {
    return Status(CKR_DEVICE_ERROR, "audit head store " + file_.string() + " holds an invalid head");
  }
  AuditHead head;
  head.seq = static_cast<std::uint64_t>(seq);
  head.hash = to_audit_hash(hash_text);
  head.file = file != nullptr ? reinterpret_cast<const char*>(file) : "";
  return std::optional<AuditHead>(std::move(head));
}

Status AuditHeadStore::store(const AuditHead& head) {
  if (store_stmt_ == nullptr) return Status(CKR_GENERAL_ERROR, "audit head store opened read-only");
  std::lock_guard<std::mutex> lock(mu_);
  StatementReset reset(store_stmt_);
  sqlite3_bind_int64(store_stmt_, 1, static_cast<sqlite3_int64>(head.seq));
  sqlite3_bind_text(store_stmt_, 2, head.hash.data(), static_cast<int>(head.hash.size()), SQLITE_STATIC);
  sqlite3_bind_text(store_stmt_, 3, head.file.data(), static_cast<int>(head.file.size()), SQLITE_STATIC);
  const int rc = sqlite3_step(store_stmt_);
  return rc == SQLITE_DONE ? Status::Ok() : failure(rc, "store");
}

}  // namespace craton

// SlotStore: one slot's persistent state (DESIGN.md §4).
//
// A SQLite database <dir>/token.sqlite3 in WAL mode with synchronous=FULL, so a
// write that returned OK has been fsync'd and survives kill -9 and power loss.
// The store only persists blobs; the token layer decides what they mean (and
// seals private ones with RecordCipher before handing them over).
//
// Concurrency: the connection is opened with SQLITE_OPEN_NOMUTEX and every use
// of it (reads included) is serialised by our own mutex; SQLite's per-connection
// mutex would only duplicate that. One process owns the directory (StoreLock);
// the store does not take that lock itself.
//
// Schema (version 1, in PRAGMA user_version):
//   meta(name TEXT PRIMARY KEY, value BLOB)         token-layer metadata
//   objects(id INTEGER PRIMARY KEY, version, is_private, blob)
//   store_state(name TEXT PRIMARY KEY, value INTEGER)  store-internal counters
//                                                   (object id high-water mark);
//                                                   survives reset()
// Migrations run in one transaction at open(); a database with a newer schema
// than this build knows is refused.
//
// Object ids: allocate_object_id() hands out ids from an in-memory counter;
// open() resumes at max(persisted high-water mark, MAX(objects.id) + 1). A
// stored row proves its own id, so put_object() writes one row and nothing
// else (one WAL frame per durable creation). Transactions that remove rows
// (delete_object, reset) persist the counter in the same transaction, and a
// clean close persists it too. After a crash the only ids that can come back
// are ones whose write never committed — ids no stored row refers to.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/mutex.h"
#include "core/status.h"

struct sqlite3;

namespace craton {

struct ObjectRecord {
  std::uint64_t id = 0;       // stable store id (> 0)
  std::uint64_t version = 0;  // incremented by the token layer on each rewrite (bound into the AAD)
  bool is_private = false;    // blob is sealed with the token master key
  Bytes blob;                 // opaque to the store
};

using MetaEntries = std::vector<std::pair<std::string, SecureBytes>>;

// Everything a slot's store holds for its token: every meta entry (ordered by
// name) and every object record as stored (private ones still sealed). What a
// backup carries; the object id counter is not part of it.
struct StoreContent {
  MetaEntries meta;
  std::vector<ObjectRecord> objects;  // ordered by id
};

class SlotStore {
 public:
  static constexpr int kSchemaVersion = 1;
  static constexpr const char* kDatabaseName = "token.sqlite3";

  // Creates <dir> (0700) and the database (0600) if missing, migrates the schema.
  static Result<std::unique_ptr<SlotStore>> open(const std::filesystem::path& dir);
  ~SlotStore();
  SlotStore(const SlotStore&) = delete;
  SlotStore& operator=(const SlotStore&) = delete;

  // Small named metadata blobs (token info, PIN records, wrapped master keys, counters).
  Result<std::optional<SecureBytes>> get_meta(std::string_view name);
  // Writes several entries in one transaction; durable (fsync'd) when it returns OK.
  Status put_meta(const std::vector<std::pair<std::string, SecureBytes>>& entries);
  Status put_meta(std::string_view name, ByteView value);

  // All objects, ordered by id.
  Result<std::vector<ObjectRecord>> load_objects();
  std::uint64_t allocate_object_id();             // monotonic, never reused (persisted high-water mark)
  Status put_object(const ObjectRecord& record);  // insert or replace; durable on OK
  Status delete_object(std::uint64_t id);         // durable on OK; CKR_OBJECT_HANDLE_INVALID if absent

  // Token (re)initialisation: in ONE transaction delete every object and every
  // meta entry, then write `meta`. Either all of it happens or none. The object
  // id counter is kept, so ids stay unique across re-initialisations.
  Status reset(const std::vector<std::pair<std::string, SecureBytes>>& meta);

  // Backup: every meta entry and object record, read under the store's lock,
  // so no write of this store falls between the two reads.
  Result<StoreContent> snapshot();
  // Restore: in ONE transaction delete every object and meta entry and write
  // `content` (ids kept). The id counter moves past the largest restored id
  // (in memory and persisted in the same transaction), so no restored id is
  // ever handed out again. Either all of it happens or none.
  Status replace_all(const StoreContent& content);  // objects in increasing id order

  // Copies the WAL into the database and truncates it. secure_delete is on, so
  // this leaves no superseded copy of a rewritten row (e.g. a master key wrapped
  // under an old PIN) in either file; the token layer calls it after a PIN change.
  Status checkpoint();
  // PRAGMA integrity_check: OK, or CKR_DEVICE_ERROR with SQLite's findings.
  Status check_integrity();

  const std::filesystem::path& database_path() const { return file_; }

  // Test-only: the raw connection, to inject failures (triggers, max_page_count).
  // Never use it in product code; it bypasses the mutex.
  sqlite3* native_handle_for_testing() { return db_; }

 private:
  struct Statements;
  SlotStore(std::filesystem::path file, sqlite3* db);

  Status configure();
  Status migrate();
  Status prepare_statements();
  Status load_next_id();
  // Runs `body` between BEGIN IMMEDIATE and COMMIT (rolling back on any error),
  // and with Ids::kPersist also the id high-water mark. Caller holds mu_.
  enum class Ids { kLeave, kPersist };
  template <class Body>
  Status write_transaction(std::string_view what, Ids ids, Body&& body);
  Status insert_meta(std::string_view name, ByteView value);
  Status insert_object(const ObjectRecord& record);
  Status delete_everything();
  Result<MetaEntries> read_all_meta();
  Result<std::vector<ObjectRecord>> read_all_objects();
  // Moves the in-memory id counter past `id`.
  void raise_next_id_past(std::uint64_t id);
  Status exec(const char* sql, std::string_view what);
  Status sqlite_failure(int rc, std::string_view what) const;

  std::filesystem::path file_;
  sqlite3* db_;
  std::unique_ptr<Statements> stmts_;
  Mutex mu_;
  std::atomic<std::uint64_t> next_id_{1};  // next id allocate_object_id() returns
  std::uint64_t persisted_next_id_ = 1;    // value stored in store_state (guarded by mu_)
};

// The store's SQLite error mapping, exposed for tests: SQLITE_FULL and
// SQLITE_TOOBIG -> CKR_DEVICE_MEMORY, SQLITE_NOMEM -> CKR_HOST_MEMORY, everything else (I/O,
// corruption, busy/locked, constraint, ...) -> CKR_DEVICE_ERROR. The message
// names the file, the operation and SQLite's error text.
Status sqlite_status(int rc, const std::filesystem::path& file, std::string_view what, std::string_view detail);

}  // namespace craton

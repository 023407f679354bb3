// AuditHeadStore: the audit chain's head, recorded in the store (DESIGN.md §5).
//
// The log alone cannot prove it is complete: cutting its last lines, or
// putting back an older copy, leaves a valid chain. So after every durable
// flush the writer records {seq, hash, file} of the last written entry here,
// in a small SQLite database in the store directory. A log that ends before
// this head, or holds a different entry at its sequence number, was truncated
// or rolled back.
//
// WAL with synchronous=NORMAL: a stored head survives the process being
// killed at once, and power loss or an OS crash can lose only its latest
// updates — leaving the (fsync'ed) log ahead of the head, which opening
// accepts (below). That costs the detection of a truncation of just those
// last entries after a power cut, and saves one fsync per durable entry:
// every management call (key generation, object creation) pays it, and it
// was half their audit cost (bench/audit_overhead.sh, docs/benchmarks.md).
//
// The head is written only AFTER the entries it names are fsync'ed, so after
// a crash the log may be ahead of the head (never behind); opening the log
// then verifies the extra entries and moves the head forward.
//
// Schema (PRAGMA user_version 1):
//   audit_head(id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER, hash TEXT, file TEXT)
// One row; absent until the chain is started. seq = 0 means "chain started,
// no entry yet" with hash = the chain's genesis value.
//
// Thread-safe (one internal mutex); the writer calls it from its flush path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "audit/audit_chain.h"
#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace craton {

struct AuditHead {
  std::uint64_t seq = 0;  // last durable entry (0: none yet)
  AuditHashHex hash{};    // its hash (the genesis value when seq == 0)
  std::string file;       // name (no directory) of the log file holding it, for messages

  bool operator==(const AuditHead& other) const = default;
};

class AuditHeadStore {
 public:
  // The conventional file name inside the store directory.
  static constexpr const char* kDefaultName = "audit_head.sqlite3";
  enum class Mode { kReadWrite, kReadOnly };

  // kReadWrite creates the parent directory (0700) and the database (0600) if
  // missing. kReadOnly (the verifier CLI) requires the database to exist.
  static Result<std::unique_ptr<AuditHeadStore>> open(const std::filesystem::path& file,
                                                      Mode mode = Mode::kReadWrite);
  ~AuditHeadStore();
  AuditHeadStore(const AuditHeadStore&) = delete;
  AuditHeadStore& operator=(const AuditHeadStore&) = delete;

  // The recorded head, or nullopt if none was ever stored.
  Result<std::optional<AuditHead>> load();
  // Replaces the head; durable (fsync'ed) when it returns OK.
  Status store(const AuditHead& head);

  const std::filesystem::path& path() const { return file_; }

 private:
  AuditHeadStore(std::filesystem::path file, sqlite3* db) : file_(std::move(file)), db_(db) {}
  Status configure(Mode mode);
  Status failure(int rc, std::string_view what) const;

  std::filesystem::path file_;
  sqlite3* db_;
  sqlite3_stmt* load_stmt_ = nullptr;
  sqlite3_stmt* store_stmt_ = nullptr;
  std::mutex mu_;
};

}  // namespace craton

// AuditLog: the chained, keyed audit log writer (DESIGN.md §5).
//
// File format: JSON Lines, one canonical entry per line (audit_format.h),
// each carrying `prev` and `hash = HMAC-SHA256(audit key, prev || payload)`
// (audit_chain.h). The key lives in its own 0600 file (audit_key.h); the head
// of the chain is also recorded in the store (audit_head.h); rotation renames
// the full file to <log_path>.<N> and the chain continues in a fresh file
// (audit_files.h). verify_audit_log (audit_verify.h) checks all of it.
//
// record(event):
//   - management events (is_management_event) are written, fsync'ed and the
//     head stored before record() returns; a failure is returned to the caller.
//   - crypto events follow crypto_ops: kDurable as above; kBuffered appended to
//     an in-memory queue (sequence number and timestamp fixed at append time,
//     so the order of the chain is the order of the calls) and written by the
//     flusher within flush_interval, or earlier by any durable record, flush()
//     or close(); kOff dropped (no sequence number used).
//   - Writing and committing are two steps. A WRITE formats the queued
//     entries (JSON text and HMAC are computed here, not in record(): a
//     buffered record costs a lock, a clock read and a queue push — see the
//     benchmark test) and appends them with one write(). A COMMIT fdatasyncs
//     the file, rotates it if it reached max_file_bytes, then stores the head.
//     Durable records, flush(), close() and the flusher's timed pass do both,
//     so every entry is committed within flush_interval of its record().
//   - The queue is bounded: at kEarlyWriteEntries queued entries the flusher
//     writes them at once (without a commit: fsyncs stay at most one per
//     flush_interval on the buffered path), and a recorder that finds
//     kMaxQueuedEntries queued writes them itself. Memory stays bounded and
//     batches stay cache-sized whatever the call rate.
//   - Buffered entries not yet flushed are lost on a crash (kill -9, power
//     loss); that is what "buffered" means. Management entries never are.
//   - A write/fsync/head failure makes the log FAILED: every later record()
//     returns that error (CKR_DEVICE_ERROR/CKR_DEVICE_MEMORY) and queued
//     entries are dropped. The caller decides whether to keep serving.
//
// Threads. record(), flush(), head() are thread-safe. With background_thread
// (the default) a flusher thread writes buffered entries. When the
// application forbids threads (C_Initialize with
// CKF_LIBRARY_CANT_CREATE_OS_THREADS) pass background_thread = false: buffered
// entries are then written by the first record() that finds the oldest queued
// entry older than flush_interval, by any durable record, flush() or close()
// — so a process that goes quiet keeps its last buffered entries in memory
// until its next audited call or C_Finalize.
//
// Opening an existing log (open()):
//   - a torn last line (bytes after the final '\n': a write interrupted by a
//     crash, never acknowledged) is cut off, and an "audit_recovered" entry
//     records how many bytes were discarded;
//   - the last entry must verify under the key (else: wrong key or edited);
//   - it is compared with the head in the store: a log that ends before the
//     head, or holds a different entry at the head's seq, was truncated or
//     rolled back -> CKR_GENERAL_ERROR naming the file, unless
//     start_new_chain; a log that goes beyond the head (crash between the
//     write and the head update) is accepted after the entries from the head
//     on verify, and the head is moved forward;
//   - a missing key with an existing log or head is refused (a new key could
//     never verify the old entries).
// start_new_chain (for the admin CLI, after an operator has looked at the
// problem): every file of the current set is renamed to
// <file>.superseded-<UTC stamp> (kept for inspection, no longer part of the
// chain), the key is kept (created if absent), and a new chain starts at
// seq 1 with an "audit_new_chain" entry naming the reason and the old head.
//
// fork(): the flusher thread does not exist in a child. The module abandons
// its core in a forked child (src/abi/module.cc), so this object is never
// used or destroyed there.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "audit/audit_chain.h"
#include "audit/audit_event.h"
#include "audit/audit_format.h"
#include "audit/audit_head.h"
#include "core/status.h"

namespace craton {
namespace crypto {
class Provider;
}

enum class CryptoAuditMode { kDurable, kBuffered, kOff };
// "durable" | "buffered" | "off".
const char* crypto_audit_mode_name(CryptoAuditMode mode);
// Parses the configuration value; CKR_ARGUMENTS_BAD naming the accepted values otherwise.
Result<CryptoAuditMode> parse_crypto_audit_mode(std::string_view text);

struct AuditLogOptions {
  std::filesystem::path log_path;   // absolute; the directory is created (0700) if missing
  std::filesystem::path key_path;   // absolute; normally <store>/audit.key
  std::filesystem::path head_path;  // absolute; normally <store>/audit_head.sqlite3
  CryptoAuditMode crypto_ops = CryptoAuditMode::kBuffered;
  std::chrono::milliseconds flush_interval{200};      // audit.flush_ms; 1 .. 60000
  std::uint64_t max_file_bytes = 64ull * 1024 * 1024;  // rotate after a flush at or above this; >= 4096
  bool background_thread = true;  // false: no thread is created (see above)
  bool start_new_chain = false;   // set the existing files aside and start over
  std::string new_chain_reason;   // recorded in the audit_new_chain entry
};

class AuditLog {
 public:
  // Queue bounds (see above).
  static constexpr std::size_t kEarlyWriteEntries = 4096;
  static constexpr std::size_t kMaxQueuedEntries = 65536;

  // `provider` must outlive the log (the HMAC context and the DRBG come from it).
  static Result<std::unique_ptr<AuditLog>> open(const crypto::Provider& provider, AuditLogOptions options);
  ~AuditLog();  // close(); errors are dropped
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  Status record(AuditEvent event);
  // Writes and fsyncs everything queued so far; returns the sticky failure if any.
  Status flush();
  // Stops the flusher, flushes, closes the file. Later record() calls fail
  // with CKR_GENERAL_ERROR. Idempotent.
  Status close();

  // True once a write, fsync or head update failed (every later record()
  // fails). Lock-free: callers check it before acting, to fail closed.
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  // The failure that made the log FAILED (CKR_OK while it is not).
  Status failure() const;

  // The head last stored (the last durable entry).
  AuditHead head() const;
  const AuditLogOptions& options() const { return options_; }

 private:
  struct Pending {
    std::uint64_t seq;
    timespec time;
    AuditEvent event;
  };

  AuditLog(const crypto::Provider& provider, AuditLogOptions options);

  // ---- open (audit_open.cc) ----
  Status start();
  Status resume_chain(std::vector<AuditEvent>& opening_events);
  Status begin_new_chain(std::vector<AuditEvent>& opening_events);
  Status load_key_and_chain(bool may_create, bool* created);
  Status accept_entries_beyond_head(const std::vector<std::filesystem::path>& files, const AuditHead& stored);
  Status start_flusher();

  // ---- write path (audit_log.cc) ----
  enum class Commit { kNo, kYes };
  Status write_pending(Commit commit);
  Status write_batch();
  Status commit_written();
  Status ensure_file_open();
  Status rotate();
  void fail(const Status& status);
  void flusher_loop();

  const crypto::Provider& provider_;
  const AuditLogOptions options_;
  const std::uint64_t pid_;

  // Append side: guarded by append_mu_.
  mutable std::mutex append_mu_;
  std::condition_variable flush_cv_;
  std::vector<Pending> pending_;
  std::uint64_t next_seq_ = 1;
  // Some recorded entry is not committed yet (queued, or written without a
  // commit), the oldest since oldest_uncommitted_.
  bool uncommitted_ = false;
  std::chrono::steady_clock::time_point oldest_uncommitted_{};
  bool stop_ = false;
  bool closed_ = false;
  Status failure_;
  std::atomic<bool> failed_{false};  // failure_ is set (readable without the lock)
  std::atomic<std::uint64_t> durable_seq_{0};  // last committed seq (read without the lock)

  // Write side: guarded by write_mu_ (taken before append_mu_ when both are needed).
  mutable std::mutex write_mu_;
  std::vector<Pending> draining_;
  std::string batch_;
  AuditEntryFormatter formatter_;
  std::unique_ptr<AuditChain> chain_;
  AuditHashHex prev_{};              // hash of the last entry written
  std::uint64_t written_seq_ = 0;    // seq of the last entry written (committed or not)
  int fd_ = -1;
  std::uint64_t file_bytes_ = 0;
  std::uint64_t rotation_index_ = 0;  // last index used by rotation
  std::unique_ptr<AuditHeadStore> head_store_;
  AuditHead head_;

  std::mutex close_mu_;  // serialises close()
  std::thread flusher_;
};

}  // namespace craton

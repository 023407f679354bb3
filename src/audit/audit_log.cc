// AuditLog write path: cheap appends, batched chained writes, rotation.
#include "audit/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "audit/audit_files.h"
#include "store/store_lock.h"

namespace craton {
namespace {

// How many taken rotation names to skip before giving up (someone else
// creating <log>.<N> files).
constexpr int kRotationAttempts = 16;

Status io_error(std::string_view what, const std::filesystem::path& path, int err) {
  // A full disk is the caller's CKR_DEVICE_MEMORY; anything else is a device error.
  const CK_RV rv = (err == ENOSPC || err == EDQUOT) ? CKR_DEVICE_MEMORY : CKR_DEVICE_ERROR;
  return Status(rv, "audit log: " + std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

std::filesystem::path directory_of(const std::filesystem::path& file) {
  return file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
}

}  // namespace

const char* crypto_audit_mode_name(CryptoAuditMode mode) {
  switch (mode) {
    case CryptoAuditMode::kDurable: return "durable";
    case CryptoAuditMode::kBuffered: return "buffered";
    case CryptoAuditMode::kOff: return "off";
  }
  return "unknown";
}

Result<CryptoAuditMode> parse_crypto_audit_mode(std::string_view text) {
  for (CryptoAuditMode mode : {CryptoAuditMode::kDurable, CryptoAuditMode::kBuffered, CryptoAuditMode::kOff}) {
    if (text == crypto_audit_mode_name(mode)) return mode;
  }
  return Status(CKR_ARGUMENTS_BAD,
                "audit.crypto_ops must be \"durable\", \"buffered\" or \"off\", not \"" + std::string(text) + "\"");
}

AuditLog::AuditLog(const crypto::Provider& provider, AuditLogOptions options)
    : provider_(provider), options_(std::move(options)), pid_(static_cast<std::uint64_t>(::getpid())) {}

AuditLog::~AuditLog() { (void)close(); }

Status AuditLog::record(AuditEvent event) {
  const bool management = is_management_event(event.type);
  if (!management && options_.crypto_ops == CryptoAuditMode::kOff) return Status::Ok();
  const bool durable = management || options_.crypto_ops == CryptoAuditMode::kDurable;
  std::uint64_t seq = 0;
  bool wake_flusher = false;
  bool commit_due = false;
  bool queue_full = false;
  {
    std::lock_guard<std::mutex> lock(append_mu_);
    if (closed_ || stop_) return Status(CKR_GENERAL_ERROR, "audit log " + options_.log_path.string() + " is closed");
    if (!failure_.ok()) return failure_;
    seq = next_seq_++;
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);  // under the lock: times never go back along the chain
    pending_.push_back(Pending{seq, now, std::move(event)});
    if (!uncommitted_) {
      uncommitted_ = true;
      oldest_uncommitted_ = std::chrono::steady_clock::now();
      wake_flusher = true;
    }
    if (pending_.size() == kEarlyWriteEntries) wake_flusher = true;
    if (!durable && !options_.background_thread) {
      commit_due = std::chrono::steady_clock::now() - oldest_uncommitted_ >= options_.flush_interval;
    }
    queue_full = pending_.size() >= (options_.background_thread ? kMaxQueuedEntries : kEarlyWriteEntries);
  }
  if (durable) {
    RETURN_IF_ERROR(write_pending(Commit::kYes));
    // Another thread may have committed our entry in its batch: it held
    // write_mu_ until the head was stored, so by now it is durable unless
    // that failed.
    if (durable_seq_.load(std::memory_order_acquire) < seq) {
      std::lock_guard<std::mutex> lock(append_mu_);
      return failure_.ok() ? Status(CKR_GENERAL_ERROR, "audit entry was not written") : failure_;
    }
    return Status::Ok();
  }
  if (wake_flusher && options_.background_thread) flush_cv_.notify_one();
  if (commit_due) return write_pending(Commit::kYes);
  if (queue_full) return write_pending(Commit::kNo);
  return Status::Ok();
}

Status AuditLog::flush() { return write_pending(Commit::kYes); }

Status AuditLog::failure() const {
  std::lock_guard<std::mutex> lock(append_mu_);
  return failure_;
}

Status AuditLog::close() {
  std::lock_guard<std::mutex> close_lock(close_mu_);  // one closer joins the flusher
  {
    std::lock_guard<std::mutex> lock(append_mu_);
    if (closed_) return failure_;
    stop_ = true;
  }
  flush_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  Status st = write_pending(Commit::kYes);
  std::lock_guard<std::mutex> write_lock(write_mu_);
  {
    std::lock_guard<std::mutex> lock(append_mu_);
    closed_ = true;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  return st;
}

AuditHead AuditLog::head() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  return head_;
}

void AuditLog::fail(const Status& status) {
  std::lock_guard<std::mutex> lock(append_mu_);
  if (failure_.ok()) failure_ = status;
  failed_.store(true, std::memory_order_release);
  pending_.clear();  // cannot be written any more; keeps the flusher from spinning
  uncommitted_ = false;
}

Status AuditLog::write_pending(Commit commit) {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  {
    std::lock_guard<std::mutex> lock(append_mu_);
    if (!failure_.ok()) return failure_;
    if (closed_) return Status::Ok();
    // Taking the whole queue in seq order, under write_mu_, is what keeps
    // the file in seq order: batches are written one after the other.
    draining_.swap(pending_);
  }
  Status st = draining_.empty() ? Status::Ok() : write_batch();
  draining_.clear();
  if (st.ok() && commit == Commit::kYes) st = commit_written();
  if (!st.ok()) fail(st);
  return st;
}

Status AuditLog::write_batch() {
  batch_.clear();
  for (const Pending& entry : draining_) {
    const std::size_t start = batch_.size();
    formatter_.append_payload_open(batch_, entry.seq, entry.time, entry.event, pid_, hash_view(prev_));
    const std::string_view payload_open = std::string_view(batch_).substr(start);
    ASSIGN_OR_RETURN(const AuditHashHex hash, chain_->hash(hash_view(prev_), payload_open, "}"));
    AuditEntryFormatter::append_hash(batch_, hash);
    prev_ = hash;
  }
  RETURN_IF_ERROR(ensure_file_open());
  std::size_t done = 0;
  while (done < batch_.size()) {
    const ssize_t n = ::write(fd_, batch_.data() + done, batch_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("cannot write", options_.log_path, n < 0 ? errno : EIO);
    done += static_cast<std::size_t>(n);
  }
  file_bytes_ += batch_.size();
  written_seq_ = draining_.back().seq;
  return Status::Ok();
}

Status AuditLog::commit_written() {
  if (written_seq_ > durable_seq_.load(std::memory_order_relaxed)) {
    if (::fdatasync(fd_) != 0) return io_error("cannot fsync", options_.log_path, errno);
    AuditHead head{written_seq_, prev_, options_.log_path.filename().string()};
    if (file_bytes_ >= options_.max_file_bytes) {
      RETURN_IF_ERROR(rotate());
      head.file = rotated_audit_path(options_.log_path, rotation_index_).filename().string();
    }
    // Only now, with the entries on disk, may the store's head move to them:
    // the log can then be ahead of the head after a crash, never behind it.
    RETURN_IF_ERROR(head_store_->store(head));
    head_ = std::move(head);
    durable_seq_.store(written_seq_, std::memory_order_release);
  }
  std::lock_guard<std::mutex> lock(append_mu_);
  if (pending_.empty()) {
    uncommitted_ = false;
  } else {
    // Entries queued while we wrote: they are younger than this commit, so
    // their clock starts now (else a busy log would fsync back to back).
    oldest_uncommitted_ = std::chrono::steady_clock::now();
  }
  return Status::Ok();
}

Status AuditLog::ensure_file_open() {
  if (fd_ >= 0) return Status::Ok();
  const std::filesystem::path& path = options_.log_path;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  const bool created = fd >= 0;
  if (!created && errno == EEXIST) fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const int err = errno;
    ::close(fd);
    return S_ISREG(st.st_mode) ? io_error("cannot stat", path, err)
                               : Status(CKR_DEVICE_ERROR, "audit log " + path.string() + " is not a regular file");
  }
  fd_ = fd;
  file_bytes_ = static_cast<std::uint64_t>(st.st_size);
  // A new file's directory entry must be durable before the head names it.
  return created ? sync_directory(directory_of(path)) : Status::Ok();
}

Status AuditLog::rotate() {
  ::close(fd_);
  fd_ = -1;
  const std::filesystem::path& path = options_.log_path;
  // link + unlink rather than rename: never replaces an existing <log>.<N>.
  for (int attempt = 0; attempt < kRotationAttempts; ++attempt) {
    const std::filesystem::path target = rotated_audit_path(path, rotation_index_ + 1);
    if (::link(path.c_str(), target.c_str()) == 0) {
      ++rotation_index_;
      if (::unlink(path.c_str()) != 0) return io_error("cannot unlink rotated", path, errno);
      file_bytes_ = 0;
      return sync_directory(directory_of(path));
    }
    if (errno != EEXIST) return io_error("cannot rotate", path, errno);
    ++rotation_index_;  // taken by someone else: try the next number
  }
  return Status(CKR_DEVICE_ERROR, "audit log " + path.string() + ": no free rotation name");
}

void AuditLog::flusher_loop() {
  std::unique_lock<std::mutex> lock(append_mu_);
  while (true) {
    flush_cv_.wait(lock, [this] { return stop_ || (uncommitted_ && failure_.ok()); });
    if (stop_) return;  // close() writes and commits what is left
    const auto deadline = oldest_uncommitted_ + options_.flush_interval;
    const bool early = flush_cv_.wait_until(
        lock, deadline, [this] { return stop_ || pending_.size() >= kEarlyWriteEntries; });
    if (stop_) return;
    lock.unlock();
    // A failure is kept in failure_ for the next record().
    (void)write_pending(early ? Commit::kNo : Commit::kYes);
    lock.lock();
  }
}

}  // namespace craton

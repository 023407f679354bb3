// AuditLog::open: find where the chain stands, check it against the head in
// the store (truncation / rollback detection), or start a new chain.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

#include "audit/audit_files.h"
#include "audit/audit_key.h"
#include "audit/audit_log.h"
#include "audit/audit_verify.h"
#include "crypto/provider.h"
#include "store/store_lock.h"

namespace craton {
namespace {

constexpr std::chrono::milliseconds kMaxFlushInterval{60000};
constexpr std::uint64_t kMinFileBytes = 4096;

struct Tail {
  std::uint64_t seq = 0;
  AuditHashHex hash{};
  std::filesystem::path file;
};

Status refuse(std::string message) { return Status(CKR_GENERAL_ERROR, std::move(message)); }

Status validate(const AuditLogOptions& options) {
  for (const auto* path : {&options.log_path, &options.key_path, &options.head_path}) {
    if (path->empty() || !path->is_absolute() || path->filename().empty()) {
      return Status(CKR_ARGUMENTS_BAD, "audit paths must be absolute file paths (got '" + path->string() + "')");
    }
  }
  if (options.flush_interval.count() < 1 || options.flush_interval > kMaxFlushInterval) {
    return Status(CKR_ARGUMENTS_BAD, "audit flush interval must be 1..60000 ms");
  }
  if (options.max_file_bytes < kMinFileBytes) {
    return Status(CKR_ARGUMENTS_BAD, "audit max_file_bytes must be at least 4096");
  }
  return Status::Ok();
}

std::string utc_stamp() {
  const time_t now = ::time(nullptr);
  struct tm tm {};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// A crash between the two steps of a rotation (link <log>.<N>, unlink <log>)
// leaves both names on one inode; finishing the unlink restores the set.
Status finish_interrupted_rotation(std::vector<std::filesystem::path>& files, const std::filesystem::path& log_path) {
  if (files.size() < 2 || files.back() != log_path) return Status::Ok();
  struct stat current {}, rotated {};
  if (::stat(log_path.c_str(), &current) != 0 || ::stat(files[files.size() - 2].c_str(), &rotated) != 0) {
    return Status::Ok();
  }
  if (current.st_dev != rotated.st_dev || current.st_ino != rotated.st_ino) return Status::Ok();
  if (::unlink(log_path.c_str()) != 0) {
    return Status(CKR_DEVICE_ERROR, "cannot finish rotation of " + log_path.string() + ": " + std::strerror(errno));
  }
  files.pop_back();
  return sync_directory(log_path.parent_path());
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::open(const crypto::Provider& provider, AuditLogOptions options) {
  RETURN_IF_ERROR(validate(options));
  std::unique_ptr<AuditLog> log(new AuditLog(provider, std::move(options)));
  RETURN_IF_ERROR(log->start());
  return log;
}

Status AuditLog::start() {
  RETURN_IF_ERROR(make_private_directory(options_.log_path.parent_path()));
  ASSIGN_OR_RETURN(head_store_, AuditHeadStore::open(options_.head_path));
  std::vector<AuditEvent> opening_events;
  if (options_.start_new_chain) {
    RETURN_IF_ERROR(begin_new_chain(opening_events));
  } else {
    RETURN_IF_ERROR(resume_chain(opening_events));
  }
  ASSIGN_OR_RETURN(rotation_index_, last_rotation_index(options_.log_path));
  RETURN_IF_ERROR(start_flusher());
  for (AuditEvent& event : opening_events) RETURN_IF_ERROR(record(std::move(event)));
  return Status::Ok();
}

Status AuditLog::start_flusher() {
  if (!options_.background_thread) return Status::Ok();
  try {
    flusher_ = std::thread([this] { flusher_loop(); });
  } catch (const std::system_error& e) {
    return Status(CKR_FUNCTION_FAILED, std::string("cannot start the audit flusher thread: ") + e.what());
  }
  return Status::Ok();
}

Status AuditLog::load_key_and_chain(bool may_create, bool* created) {
  *created = false;
  Result<SecureBytes> key = Status(CKR_GENERAL_ERROR, "");
  if (audit_key_present(options_.key_path)) {
    key = load_audit_key(options_.key_path);
  } else if (may_create) {
    key = create_audit_key(provider_, options_.key_path);
    *created = key.ok();
  } else {
    return refuse("audit key " + options_.key_path.string() + " is missing but the audit log " +
                  options_.log_path.string() + " or its recorded head (" + options_.head_path.string() +
                  ") exists: the chain cannot be continued without its key; start a new audit chain to set "
                  "the old log aside");
  }
  if (!key.ok()) return key.status();
  ASSIGN_OR_RETURN(chain_, AuditChain::create(provider_, *key));
  return Status::Ok();
}

Status AuditLog::begin_new_chain(std::vector<AuditEvent>& opening_events) {
  // The key first: a refused key file must not leave the old log renamed.
  bool created = false;
  RETURN_IF_ERROR(load_key_and_chain(/*may_create=*/true, &created));
  ASSIGN_OR_RETURN(const std::vector<std::filesystem::path> files, audit_log_files(options_.log_path));
  Result<std::optional<AuditHead>> stored = head_store_->load();  // only informative here
  ASSIGN_OR_RETURN(const std::vector<std::filesystem::path> superseded,
                   supersede_audit_files(files, utc_stamp()));
  head_ = AuditHead{0, chain_->genesis(), options_.log_path.filename().string()};
  prev_ = head_.hash;
  RETURN_IF_ERROR(head_store_->store(head_));

  AuditEvent event;
  event.type = AuditEventType::kAuditNewChain;
  event.detail.emplace_back("reason", options_.new_chain_reason.empty() ? "requested" : options_.new_chain_reason);
  if (stored.ok() && stored->has_value()) {
    event.detail.emplace_back("previous_head_seq", std::to_string((*stored)->seq));
    event.detail.emplace_back("previous_head_hash", std::string(hash_view((*stored)->hash)));
  }
  event.detail.emplace_back("superseded_files", std::to_string(superseded.size()));
  if (!superseded.empty()) event.detail.emplace_back("superseded_last", superseded.back().filename().string());
  if (created) event.detail.emplace_back("key", "created");
  opening_events.push_back(std::move(event));
  return Status::Ok();
}

Status AuditLog::resume_chain(std::vector<AuditEvent>& opening_events) {
  ASSIGN_OR_RETURN(std::vector<std::filesystem::path> files, audit_log_files(options_.log_path));
  RETURN_IF_ERROR(finish_interrupted_rotation(files, options_.log_path));
  ASSIGN_OR_RETURN(const std::optional<AuditHead> stored, head_store_->load());
  bool created = false;
  RETURN_IF_ERROR(load_key_and_chain(/*may_create=*/files.empty() && !stored, &created));

  if (!files.empty()) {
    ASSIGN_OR_RETURN(const std::uint64_t discarded, trim_torn_audit_tail(files.back()));
    if (discarded > 0) {
      AuditEvent event;
      event.type = AuditEventType::kAuditRecovered;
      event.detail.emplace_back("file", files.back().filename().string());
      event.detail.emplace_back("discarded_bytes", std::to_string(discarded));
      opening_events.push_back(std::move(event));
    }
  }
  // The tail: the last entry of the newest file that has one.
  std::optional<Tail> tail;
  for (auto it = files.rbegin(); it != files.rend() && !tail; ++it) {
    ASSIGN_OR_RETURN(const std::optional<std::string> line, read_last_audit_line(*it));
    if (!line) continue;
    Result<ParsedAuditLine> parsed = parse_audit_line(*line);
    if (!parsed.ok()) return refuse("the last entry of audit log " + it->string() + " is malformed: " +
                                    parsed.status().message());
    ASSIGN_OR_RETURN(const AuditHashHex computed, chain_->hash(hash_view(parsed->prev), parsed->payload_open, "}"));
    if (computed != parsed->hash) {
      return refuse("the last entry of audit log " + it->string() + " does not verify under the audit key " +
                    options_.key_path.string() + ": wrong key, or the log was modified");
    }
    tail = Tail{parsed->seq, parsed->hash, *it};
  }

  if (!stored) {
    if (tail) {
      return refuse("audit log " + tail->file.string() + " exists but no chain head is recorded in " +
                    options_.head_path.string() + ": the head store was lost or replaced");
    }
    head_ = AuditHead{0, chain_->genesis(), options_.log_path.filename().string()};
    prev_ = head_.hash;
    return head_store_->store(head_);
  }
  if (stored->seq == 0 && stored->hash != chain_->genesis()) {
    return refuse("the audit head in " + options_.head_path.string() + " belongs to another audit key than " +
                  options_.key_path.string());
  }
  if (!tail) {
    if (stored->seq != 0) {
      return refuse("audit log " + options_.log_path.string() + " has no entries but the store records entry " +
                    std::to_string(stored->seq) + " (in " + stored->file +
                    "): the log was deleted or truncated");
    }
    head_ = *stored;
    prev_ = head_.hash;
    return Status::Ok();
  }
  if (tail->seq < stored->seq) {
    return refuse("audit log " + tail->file.string() + " ends at entry " + std::to_string(tail->seq) +
                  " but the store records entry " + std::to_string(stored->seq) + " (in " + stored->file +
                  "): the log was truncated or rolled back to an older copy");
  }
  if (tail->seq == stored->seq && tail->hash != stored->hash) {
    return refuse("entry " + std::to_string(tail->seq) + " of audit log " + tail->file.string() +
                  " is not the one recorded in the store: the log was replaced or rolled back");
  }
  if (tail->seq > stored->seq) RETURN_IF_ERROR(accept_entries_beyond_head(files, *stored));

  head_ = AuditHead{tail->seq, tail->hash, tail->file.filename().string()};
  if (tail->seq != stored->seq) RETURN_IF_ERROR(head_store_->store(head_));
  prev_ = tail->hash;
  next_seq_ = tail->seq + 1;
  written_seq_ = tail->seq;
  durable_seq_.store(tail->seq);
  return Status::Ok();
}

// The log goes beyond the recorded head (a crash between a write and the head
// update): accept it only if the entries from the head on form a valid chain
// that contains the head itself.
Status AuditLog::accept_entries_beyond_head(const std::vector<std::filesystem::path>& files,
                                            const AuditHead& stored) {
  std::size_t first = 0;
  if (stored.seq > 0) {
    // The newest file whose first entry is at or before the head.
    for (std::size_t i = files.size(); i-- > 0;) {
      ASSIGN_OR_RETURN(const std::optional<std::string> line, read_first_audit_line(files[i]));
      if (!line) continue;
      Result<ParsedAuditLine> parsed = parse_audit_line(*line);
      if (parsed.ok() && parsed->seq <= stored.seq) {
        first = i;
        break;
      }
    }
  }
  AuditVerifyOptions verify_options;
  verify_options.expected_head = stored;
  verify_options.from_genesis = stored.seq == 0;
  const std::vector<std::filesystem::path> subset(files.begin() + static_cast<std::ptrdiff_t>(first), files.end());
  const AuditVerifyReport report = verify_audit_log(*chain_, subset, verify_options);
  if (report.ok) return Status::Ok();
  return refuse("audit log entries after the head recorded in the store (entry " + std::to_string(stored.seq) +
                ") do not verify: " + std::string(audit_verify_failure_name(report.reason)) + ": " + report.message);
}

}  // namespace craton

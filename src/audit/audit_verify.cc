// The audit chain verifier: one streaming pass, with short look-aheads only
// to name a failure (wrong key vs. modified, reordered vs. deleted).
#include "audit/audit_verify.h"

#include <algorithm>

#include "audit/audit_files.h"
#include "audit/audit_format.h"
#include "audit/audit_key.h"
#include "crypto/provider.h"

namespace craton {
namespace {

// How many following entries the wrong-key test looks at.
constexpr int kWrongKeyLookahead = 4;

std::string where(const std::filesystem::path& file, std::uint64_t line) {
  return file.string() + " line " + std::to_string(line);
}

class ChainVerifier {
 public:
  ChainVerifier(AuditChain& chain, const std::vector<std::filesystem::path>& files,
                const AuditVerifyOptions& options, AuditVerifyReport& report)
      : chain_(chain), files_(files), reader_(files), options_(options), report_(report) {}

  void run() {
    AuditLine line;
    while (true) {
      Result<bool> more = reader_.next(line);
      if (!more.ok()) return fail_io(more.status());
      if (!*more) break;
      if (!check(line)) return;
    }
    finish();
  }

 private:
  std::uint64_t expected_seq() const { return report_.entries > 0 ? report_.last_seq + 1 : 0; }

  bool fail(AuditVerifyFailure reason, std::uint64_t seq, const AuditLine* line, std::string message) {
    report_.ok = false;
    report_.reason = reason;
    report_.first_bad_seq = seq;
    if (line != nullptr) {
      report_.file = files_[line->file_index];
      report_.line = line->line_number;
      message += " (" + where(report_.file, report_.line) + ")";
    }
    report_.message = std::move(message);
    return false;
  }

  void fail_io(const Status& status) {
    fail(status.rv() == CKR_DEVICE_ERROR ? AuditVerifyFailure::kIoError : AuditVerifyFailure::kInternal,
         expected_seq(), nullptr, status.message());
  }

  bool check(const AuditLine& line) {
    const std::uint64_t expected = report_.entries > 0 ? report_.last_seq + 1 : (options_.from_genesis ? 1 : 0);
    if (!line.terminated) return fail(AuditVerifyFailure::kMalformed, expected, &line, "incomplete last line");
    if (line.too_long) return fail(AuditVerifyFailure::kMalformed, expected, &line, "line too long");
    Result<ParsedAuditLine> parsed = parse_audit_line(line.text);
    if (!parsed.ok()) return fail(AuditVerifyFailure::kMalformed, expected, &line, parsed.status().message());
    const ParsedAuditLine& entry = *parsed;

    Result<bool> genuine = verifies(entry);
    if (!genuine.ok()) {
      fail_io(genuine.status());
      return false;
    }
    if (!*genuine) {
      if (report_.entries == 0 && wrong_key_evidence(entry)) {
        return fail(AuditVerifyFailure::kWrongKey, entry.seq, &line,
                    "entry " + std::to_string(entry.seq) +
                        " and its successors do not verify under this key: wrong audit key, or the log was "
                        "rewritten without it");
      }
      return fail(AuditVerifyFailure::kModified, entry.seq, &line,
                  "entry " + std::to_string(entry.seq) + " was modified (its hash does not match its content)");
    }
    if (!check_order(entry, line)) return false;
    if (options_.expected_head && entry.seq == options_.expected_head->seq &&
        entry.hash != options_.expected_head->hash) {
      return fail(AuditVerifyFailure::kHeadMismatch, entry.seq, &line,
                  "entry " + std::to_string(entry.seq) +
                      " is not the one recorded as the head in the store: the log was replaced or rolled back");
    }
    if (options_.checkpoint && entry.seq == options_.checkpoint->seq && entry.hash != options_.checkpoint->hash) {
      return fail(AuditVerifyFailure::kHeadMismatch, entry.seq, &line,
                  "entry " + std::to_string(entry.seq) +
                      " is not the one in the checkpoint: the log was rewritten or rolled back since it was taken");
    }
    if (report_.entries == 0) report_.first_seq = entry.seq;
    ++report_.entries;
    report_.last_seq = entry.seq;
    report_.last_hash = entry.hash;
    report_.last_file = files_[line.file_index].filename().string();
    return true;
  }

  Result<bool> verifies(const ParsedAuditLine& entry) {
    ASSIGN_OR_RETURN(const AuditHashHex computed, chain_.hash(hash_view(entry.prev), entry.payload_open, "}"));
    return computed == entry.hash;
  }

  // Sequence and link checks for an entry whose HMAC verified.
  bool check_order(const ParsedAuditLine& entry, const AuditLine& line) {
    const std::string seq_text = std::to_string(entry.seq);
    if (report_.entries == 0) {
      if (!options_.from_genesis) return true;
      if (entry.seq > 1) return gap(entry, line, 1);
      if (entry.prev != chain_.genesis()) {
        return fail(AuditVerifyFailure::kModified, entry.seq, &line,
                    "entry 1 does not start from this key's genesis value");
      }
      return true;
    }
    if (entry.seq <= report_.last_seq) {
      return fail(AuditVerifyFailure::kReordered, entry.seq, &line,
                  "entry " + seq_text + " follows entry " + std::to_string(report_.last_seq));
    }
    if (entry.seq > report_.last_seq + 1) return gap(entry, line, report_.last_seq + 1);
    if (entry.prev != report_.last_hash) {
      return fail(AuditVerifyFailure::kModified, entry.seq, &line,
                  "entry " + seq_text + " does not link to entry " + std::to_string(report_.last_seq));
    }
    return true;
  }

  // `entry` skips [missing, entry.seq): reordered if one of those comes later.
  bool gap(const ParsedAuditLine& entry, const AuditLine& line, std::uint64_t missing) {
    const std::uint64_t last_missing = entry.seq - 1;
    const std::string range =
        std::to_string(missing) + (last_missing > missing ? ".." + std::to_string(last_missing) : "");
    if (std::optional<LaterEntry> later = find_seq_ahead(missing, last_missing)) {
      return fail(AuditVerifyFailure::kReordered, entry.seq, &line,
                  "entry " + std::to_string(entry.seq) + " comes before entry " + std::to_string(later->seq) +
                      ", which appears later at " + where(files_[later->file_index], later->line_number));
    }
    return fail(AuditVerifyFailure::kDeleted, missing, &line,
                "entries " + range + " are missing before entry " + std::to_string(entry.seq) +
                    " (deleted lines or a missing rotated file)");
  }

  struct LaterEntry {
    std::uint64_t seq;
    std::size_t file_index;
    std::uint64_t line_number;
  };

  // The first later line whose seq lies in [lo, hi] (unparsable lines skipped).
  std::optional<LaterEntry> find_seq_ahead(std::uint64_t lo, std::uint64_t hi) {
    AuditLineReader ahead(files_);
    ahead.seek(reader_.position());
    AuditLine line;
    while (true) {
      Result<bool> more = ahead.next(line);
      if (!more.ok() || !*more) return std::nullopt;
      Result<ParsedAuditLine> parsed = parse_audit_line(line.text);
      if (parsed.ok() && parsed->seq >= lo && parsed->seq <= hi) {
        return LaterEntry{parsed->seq, line.file_index, line.line_number};
      }
    }
  }

  // Called for a first entry that does not verify: is the key to blame?
  bool wrong_key_evidence(const ParsedAuditLine& first) {
    // A chain start carries its key's genesis value in prev: if ours differs,
    // the entry was written under another key (editing prev alone cannot make
    // it verify either, so this also names a forged start).
    if (first.seq == 1) return first.prev != chain_.genesis();
    AuditLineReader ahead(files_);
    ahead.seek(reader_.position());
    AuditLine line;
    std::uint64_t seq = first.seq;
    AuditHashHex hash = first.hash;
    int linked = 0;
    for (int i = 0; i < kWrongKeyLookahead; ++i) {
      Result<bool> more = ahead.next(line);
      if (!more.ok() || !*more) break;
      Result<ParsedAuditLine> parsed = parse_audit_line(line.text);
      if (!parsed.ok() || parsed->seq != seq + 1 || parsed->prev != hash) return false;
      Result<bool> genuine = verifies(*parsed);
      if (!genuine.ok() || *genuine) return false;  // the key works on its successor
      seq = parsed->seq;
      hash = parsed->hash;
      ++linked;
    }
    return linked > 0;
  }

  void finish() {
    report_.ok = true;
    if (options_.expected_head && report_.last_seq < options_.expected_head->seq) {
      const AuditHead& head = *options_.expected_head;
      return fail_truncated("the store records entry " + std::to_string(head.seq) + " (in " + head.file + ")");
    }
    if (options_.checkpoint && report_.last_seq < options_.checkpoint->seq) {
      fail_truncated("the checkpoint names entry " + std::to_string(options_.checkpoint->seq));
    }
  }

  void fail_truncated(const std::string& expected) {
    report_.ok = false;
    report_.reason = AuditVerifyFailure::kTruncated;
    report_.first_bad_seq = report_.last_seq + 1;
    if (!files_.empty()) report_.file = files_.back();
    report_.message = "the audit log ends at entry " + std::to_string(report_.last_seq) + " but " + expected +
                      ": entries were truncated or an older copy of the log was restored";
  }

  AuditChain& chain_;
  const std::vector<std::filesystem::path>& files_;
  AuditLineReader reader_;
  const AuditVerifyOptions& options_;
  AuditVerifyReport& report_;
};

AuditVerifyReport failed_report(AuditVerifyFailure reason, std::string message) {
  AuditVerifyReport report;
  report.reason = reason;
  report.message = std::move(message);
  return report;
}

}  // namespace

const char* audit_verify_failure_name(AuditVerifyFailure failure) {
  switch (failure) {
    case AuditVerifyFailure::kNone: return "none";
    case AuditVerifyFailure::kMalformed: return "malformed";
    case AuditVerifyFailure::kWrongKey: return "wrong_key";
    case AuditVerifyFailure::kModified: return "modified";
    case AuditVerifyFailure::kReordered: return "reordered";
    case AuditVerifyFailure::kDeleted: return "deleted";
    case AuditVerifyFailure::kHeadMismatch: return "head_mismatch";
    case AuditVerifyFailure::kTruncated: return "truncated";
    case AuditVerifyFailure::kIoError: return "io_error";
    case AuditVerifyFailure::kInternal: return "internal";
  }
  return "unknown";
}

AuditVerifyReport verify_audit_log(const crypto::Provider& provider, const std::vector<std::filesystem::path>& files,
                                   ByteView key, const AuditVerifyOptions& options) {
  Result<std::unique_ptr<AuditChain>> chain = AuditChain::create(provider, key);
  if (!chain.ok()) return failed_report(AuditVerifyFailure::kInternal, chain.status().message());
  return verify_audit_log(**chain, files, options);
}

AuditVerifyReport verify_audit_log(AuditChain& chain, const std::vector<std::filesystem::path>& files,
                                   const AuditVerifyOptions& options) {
  AuditVerifyReport report;
  ChainVerifier(chain, files, options, report).run();
  return report;
}

AuditVerifyReport verify_audit_trail(const crypto::Provider& provider, const std::filesystem::path& log_path,
                                     const std::filesystem::path& key_path,
                                     const std::optional<std::filesystem::path>& head_path,
                                     const std::optional<AuditHead>& checkpoint) {
  Result<std::vector<std::filesystem::path>> files = audit_log_files(log_path);
  if (!files.ok()) return failed_report(AuditVerifyFailure::kIoError, files.status().message());
  Result<SecureBytes> key = load_audit_key(key_path);
  if (!key.ok()) return failed_report(AuditVerifyFailure::kIoError, key.status().message());
  AuditVerifyOptions options;
  options.checkpoint = checkpoint;
  if (head_path) {
    Result<std::unique_ptr<AuditHeadStore>> store = AuditHeadStore::open(*head_path, AuditHeadStore::Mode::kReadOnly);
    if (!store.ok()) return failed_report(AuditVerifyFailure::kIoError, store.status().message());
    Result<std::optional<AuditHead>> head = (*store)->load();
    if (!head.ok()) return failed_report(AuditVerifyFailure::kIoError, head.status().message());
    options.expected_head = *head;
  }
  AuditVerifyReport report = verify_audit_log(provider, *files, *key, options);
  report.head = options.expected_head;
  return report;
}

}  // namespace craton

// Audit chain verifier (used by the writer at open and by `craton-hsm-admin
// audit verify`). Walks an ordered file set and reports the FIRST problem.
//
// Checks per line, in this order (so that each tampering kind gets one name):
//   Malformed    the line is not a well-formed entry (not JSON, no trailing
//                hash member, bad seq/prev/hash, too long, or a torn last line).
//   WrongKey     the very first entry does not verify and the evidence says the
//                key, not the entry, is at fault: for a chain start (seq 1) its
//                prev is not this key's genesis value; for a later start the
//                following entries do not verify either but are correctly
//                linked to it. Also what a complete rewrite of the log by
//                someone without the key looks like.
//   Modified     an entry's HMAC does not match its bytes (any edited field),
//                or a verified entry does not link to its predecessor (prev is
//                not the previous hash), or a chain start has a wrong genesis.
//   Reordered    seq goes backward or repeats, or skips ahead while a skipped
//                sequence number appears later in the set (e.g. swapped lines).
//   Deleted      seq skips ahead and the skipped numbers appear nowhere later
//                (deleted lines, a missing rotated file, missing oldest files).
//   HeadMismatch the entry at the recorded head's seq has another hash (the log
//                was replaced by a different history).
//   Truncated    the log ends before the recorded head (last lines cut, or an
//                older copy put back).
//   HeadMismatch and Truncated are also how a CHECKPOINT (a {seq, hash} the
//   operator stored elsewhere, audit_checkpoint.h) that the log does not
//   reach or contradicts is reported; the message then names the checkpoint.
//   It catches what the store's head cannot: the log and the head database
//   rolled back together to an earlier consistent pair.
//   IoError      a file could not be read; Internal: OpenSSL failed.
// first_bad_seq: the entry's own seq for Modified/Reordered/WrongKey/
// HeadMismatch, the first missing seq for Deleted/Truncated, the expected seq
// (last good + 1) for Malformed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_chain.h"
#include "audit/audit_head.h"
#include "core/bytes.h"

namespace craton {
namespace crypto {
class Provider;
}

enum class AuditVerifyFailure {
  kNone,
  kMalformed,
  kWrongKey,
  kModified,
  kReordered,
  kDeleted,
  kHeadMismatch,
  kTruncated,
  kIoError,
  kInternal,
};
// "none", "malformed", "wrong_key", "modified", "reordered", "deleted",
// "head_mismatch", "truncated", "io_error", "internal".
const char* audit_verify_failure_name(AuditVerifyFailure failure);

struct AuditVerifyOptions {
  // The head recorded in the store: the log must reach it, with that hash.
  std::optional<AuditHead> expected_head;
  // A head kept outside the store (audit checkpoint): the log must reach it
  // too, with that hash. Only seq and hash are used.
  std::optional<AuditHead> checkpoint;
  // true: the set must begin the chain (seq 1, prev = genesis). false: it may
  // begin anywhere (the writer re-checking only its newest files).
  bool from_genesis = true;
};

struct AuditVerifyReport {
  bool ok = false;
  std::uint64_t entries = 0;    // entries verified before the first problem
  std::uint64_t first_seq = 0;  // seq of the first verified entry (0 if none)
  std::uint64_t last_seq = 0;   // seq of the last verified entry (0 if none)
  AuditHashHex last_hash{};     // its hash
  std::string last_file;        // file holding it
  AuditVerifyFailure reason = AuditVerifyFailure::kNone;
  std::string message;          // what, where and why, for people
  std::uint64_t first_bad_seq = 0;
  std::filesystem::path file;   // where the problem was found (empty if no file)
  std::uint64_t line = 0;       // 1-based line in `file` (0: after its end)
  // verify_audit_trail: the head recorded in the store that the log was
  // checked against (nullopt: none recorded, or not asked for).
  std::optional<AuditHead> head;
};

// Verifies `files` (in chain order, see audit_log_files) under `key`.
AuditVerifyReport verify_audit_log(const crypto::Provider& provider, const std::vector<std::filesystem::path>& files,
                                   ByteView key, const AuditVerifyOptions& options = {});

// The same with an already keyed chain (the writer checking its own files at
// open). The chain is used without locking.
AuditVerifyReport verify_audit_log(AuditChain& chain, const std::vector<std::filesystem::path>& files,
                                   const AuditVerifyOptions& options = {});

// The CLI's whole check: the file set of `log_path`, the key at `key_path`
// (which must exist), and, when `head_path` is given, the head recorded there
// (opened read-only). A key or head that cannot be loaded (missing, refused
// for its permissions, unreadable) is reported as kIoError with the loader's
// message. `checkpoint`, if given, is checked as AuditVerifyOptions::checkpoint.
AuditVerifyReport verify_audit_trail(const crypto::Provider& provider, const std::filesystem::path& log_path,
                                     const std::filesystem::path& key_path,
                                     const std::optional<std::filesystem::path>& head_path,
                                     const std::optional<AuditHead>& checkpoint = std::nullopt);

}  // namespace craton

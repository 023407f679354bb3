// Audit checkpoints: the chain head written down OUTSIDE the store.
//
// The head recorded in the store (audit_head.h) detects a log that was cut or
// replaced, but not the log and the head database rolled back together to an
// earlier consistent pair. An operator who copies a checkpoint elsewhere (a
// ticket, another machine, paper) can later prove that the log still contains
// that exact entry: `craton-hsm-admin audit checkpoint` prints one, `audit
// verify --checkpoint VALUE` checks it (AuditVerifyOptions::checkpoint).
//
// Text form, one token with no spaces so that it survives copy and paste,
// shell quoting and line-oriented storage:
//   craton-audit-checkpoint:v1:<seq>:<hash>
// seq: the entry's sequence number, decimal, no sign or leading zeros, >= 1.
// hash: the entry's hash, 64 lowercase hex characters. Since the hash is an
// HMAC under the audit key, a checkpoint also binds the key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "audit/audit_chain.h"
#include "core/status.h"

namespace craton {

inline constexpr std::string_view kAuditCheckpointPrefix = "craton-audit-checkpoint:v1:";

struct AuditCheckpoint {
  std::uint64_t seq = 0;
  AuditHashHex hash{};

  bool operator==(const AuditCheckpoint& other) const = default;
};

std::string format_audit_checkpoint(const AuditCheckpoint& checkpoint);

// Parses the text form; surrounding ASCII whitespace (a newline kept from a
// file) is ignored. CKR_ARGUMENTS_BAD with a message saying what is wrong.
Result<AuditCheckpoint> parse_audit_checkpoint(std::string_view text);

}  // namespace craton

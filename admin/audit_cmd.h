// Shared pieces of the `audit` command group (docs/cli-audit.md). The audit
// commands never open the core: the log is append-only and readable while a
// module or daemon holds the store, so they use only the configuration, a
// provider that passed its self-tests, and the audit library.
#pragma once

#include <filesystem>
#include <optional>

#include "audit/audit_head.h"
#include "audit/audit_verify.h"

namespace CLI { class App; }

namespace craton::admin {

class Context;

// The whole trail of the configured log: its file set, the audit key and the
// head recorded in the store, and `checkpoint` if given. A torn last line
// may be a write in progress, so that one failure is checked twice.
AuditVerifyReport verify_configured_trail(Context& ctx, const std::optional<AuditHead>& checkpoint = std::nullopt);

// Exits with the report's failure: 1 for what the log shows (edited, deleted,
// reordered, truncated, rolled back, wrong key, malformed), 4 when the log,
// key or head could not be read, 5 for an internal failure.
[[noreturn]] void fail_verification(const AuditVerifyReport& report);

// audit export / audit tail (audit_read_cmd.cc).
void add_audit_export_command(CLI::App& audit, Context& ctx);
void add_audit_tail_command(CLI::App& audit, Context& ctx);

}  // namespace craton::admin

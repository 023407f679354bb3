// Reading audit entries back for people and other systems: the entry as a
// record (parse_audit_record) and its RFC 5424 syslog form
// (format_audit_syslog). `craton-hsm-admin audit export|tail` print these;
// docs/cli-audit.md documents the output formats.
//
// Syslog mapping (RFC 5424 §6):
//   <PRI>1 TIMESTAMP HOSTNAME craton-hsm PROCID MSGID [craton@PEN ...] MSG
//   PRI       facility * 8 + severity; facility authpriv (10) by default,
//             because the log records logins and key management, which
//             syslog daemons route to the restricted authpriv file.
//   severity  warning (4) when rv is not CKR_OK; notice (5) for a successful
//             management event (login, key generation, ...: rare and
//             security-relevant); info (6) for a successful crypto operation.
//   TIMESTAMP the entry's own time (already RFC 3339 UTC with milliseconds).
//   HOSTNAME  given by the caller (the exporting host), "-" if empty.
//   PROCID    the entry's pid (the process that wrote it).
//   MSGID     the event name, e.g. "login" (at most 32 printable ASCII).
//   SD        [craton@PEN seq= slot= session= role= mechanism= object=
//             object2= label= rv= hash=] (members that are null are left
//             out), then [craton-detail@PEN name="value" ...] when the entry
//             has detail. PEN defaults to 32473, the example Private
//             Enterprise Number reserved for documentation (RFC 5612):
//             deployments with their own PEN pass it instead.
//   MSG       "<event> <rv>", plain ASCII (so no BOM is needed).
// SD-PARAM values escape '"', '\' and ']' with a backslash (RFC 5424
// §6.3.3); control characters, which would split the line, are written as
// \u00XX. The result is one line without its '\n'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace craton {

// The members of one entry (audit_format.h), decoded.
struct AuditRecord {
  std::uint64_t seq = 0;
  std::string time;
  std::string event;
  std::optional<std::uint64_t> slot;
  std::optional<std::uint64_t> session;
  std::optional<std::string> role;
  std::optional<std::string> mechanism;
  std::optional<std::uint64_t> object;
  std::optional<std::uint64_t> object2;
  std::optional<std::string> label;
  std::string rv;
  std::uint64_t pid = 0;
  std::vector<std::pair<std::string, std::string>> detail;
  std::string prev;
  std::string hash;
};

// Decodes one line. It need not be canonical, nor verify (that is the
// verifier's job), but every member must have its documented type:
// CKR_DATA_INVALID naming the first one that does not.
Result<AuditRecord> parse_audit_record(std::string_view line);

inline constexpr std::uint32_t kDocumentationEnterpriseNumber = 32473;  // RFC 5612
inline constexpr int kSyslogFacilityAuthpriv = 10;
inline constexpr int kSyslogFacilityLocal0 = 16;

struct AuditSyslogOptions {
  std::string hostname;  // sanitised; "-" when empty
  std::uint32_t enterprise_number = kDocumentationEnterpriseNumber;
  int facility = kSyslogFacilityAuthpriv;  // 0..23
};

// 4 (warning), 5 (notice) or 6 (info), as described above.
int audit_syslog_severity(const AuditRecord& record);

// The RFC 5424 line for `record`, without a trailing newline.
std::string format_audit_syslog(const AuditRecord& record, const AuditSyslogOptions& options);

// An SD-PARAM value (without the quotes): '"', '\' and ']' escaped.
std::string escape_sd_param_value(std::string_view value);

}  // namespace craton

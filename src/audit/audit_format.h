// The audit entry's text form: canonical JSON writing and line parsing.
//
// One entry per line (JSON Lines, '\n'-terminated, UTF-8). The CANONICAL form
// is what the writer produces and what the hash covers, byte for byte:
//   - one JSON object, no whitespace anywhere outside strings;
//   - members in this fixed order, every one present (null when it does not
//     apply), except "detail", which is omitted when empty:
//       seq      unsigned integer, 1 for a chain's first entry, +1 per entry
//       time     UTC, RFC 3339 with milliseconds: "2025-03-01T12:34:56.789Z"
//       event    audit_event_name(): "login", "sign", ...
//       slot     integer | null
//       session  integer | null
//       role     "public" | "user" | "so" | "context_specific" | null
//       mechanism "CKM_ECDSA" (registry name) | "0x%08lX" | null
//       object   integer | null       (object handle)
//       object2  integer | null       (second handle, see audit_event.h)
//       label    string | null        (CKA_LABEL, at most 256 bytes)
//       rv       "CKR_OK" ... | "0x%08lX"
//       pid      integer               (writer's process id)
//       detail   {"name":"value",...}  (optional; strings only, in the event's order)
//       prev     64 lowercase hex: the previous entry's hash (or the genesis value)
//       hash     64 lowercase hex: see audit_chain.h
//   - integers in plain decimal; strings escape '"', '\\' and control
//     characters (\b \f \n \r \t, others as \u00XX, lowercase hex), nothing
//     else: UTF-8 is written as is, and invalid UTF-8 in a label or detail is
//     replaced by U+FFFD first.
// The payload that is hashed is the canonical object WITHOUT the "hash" member,
// i.e. the line up to the ',"hash":' that precedes the hash, followed by '}'.
// "hash" is therefore always the last member, and a line always ends with
//   ,"hash":"<64 hex>"}
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "audit/audit_chain.h"
#include "audit/audit_event.h"
#include "core/status.h"

namespace craton {

// Longest line a reader accepts (entries are bounded well below this).
inline constexpr std::size_t kAuditMaxLineBytes = 64 * 1024;

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for a CLOCK_REALTIME value.
std::string format_audit_time(const timespec& ts);

// Appends `value` as a JSON string (quotes included) with canonical escaping,
// cutting it to at most `max_bytes` input bytes at a code-point boundary.
void append_json_string(std::string& out, std::string_view value, std::size_t max_bytes = SIZE_MAX);

// Writes entries into a caller-owned buffer. Keeps a cache of the formatted
// current second, so not thread-safe: one per writer.
class AuditEntryFormatter {
 public:
  // Appends the payload of one entry WITHOUT its closing brace, i.e.
  //   {"seq":...,"prev":"<prev>"
  // The caller hashes prev || that text || "}" and then calls append_hash.
  void append_payload_open(std::string& out, std::uint64_t seq, const timespec& time, const AuditEvent& event,
                           std::uint64_t pid, std::string_view prev);
  // Appends ,"hash":"<hash>"}\n
  static void append_hash(std::string& out, const AuditHashHex& hash);

 private:
  void append_time(std::string& out, const timespec& ts);
  std::int64_t cached_second_ = INT64_MIN;
  char cached_prefix_[128] = {};  // "YYYY-MM-DDTHH:MM:SS" (room for any int snprintf could print)
  std::size_t cached_len_ = 0;
};

// What the chain needs from one line. The views point into the line.
struct ParsedAuditLine {
  std::uint64_t seq = 0;
  AuditHashHex prev{};
  AuditHashHex hash{};
  std::string_view payload_open;  // the payload without its closing '}' (hash input part 1)
};

// Parses one line (without its '\n'). CKR_DATA_INVALID with a reason when it
// is not a canonical-looking entry: not JSON, not an object, no trailing hash
// member, seq not an unsigned integer, prev/hash not 64 lowercase hex.
Result<ParsedAuditLine> parse_audit_line(std::string_view line);

}  // namespace craton

// Audit entries as records and as RFC 5424 syslog lines (audit_export.h).
#include "audit/audit_export.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "audit/audit_event.h"

namespace craton {
namespace {

// ordered: "detail" keeps the order the event gave it.
using json = nlohmann::ordered_json;

Status bad_member(const char* name, const char* expected) {
  return Status(CKR_DATA_INVALID, std::string("\"") + name + "\" is missing or not " + expected);
}

// Reads member `name` into `out`; false if absent or of another type.
bool get_uint(const json& doc, const char* name, std::uint64_t& out) {
  const auto it = doc.find(name);
  if (it == doc.end() || !it->is_number_unsigned()) return false;
  out = it->get<std::uint64_t>();
  return true;
}
bool get_string(const json& doc, const char* name, std::string& out) {
  const auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}
// Nullable members: absent or null is nullopt; false only for a wrong type.
bool get_optional_uint(const json& doc, const char* name, std::optional<std::uint64_t>& out) {
  const auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return true;
  if (!it->is_number_unsigned()) return false;
  out = it->get<std::uint64_t>();
  return true;
}
bool get_optional_string(const json& doc, const char* name, std::optional<std::string>& out) {
  const auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

Status parse_detail(const json& doc, AuditRecord& record) {
  const auto it = doc.find("detail");
  if (it == doc.end()) return Status::Ok();
  if (!it->is_object()) return bad_member("detail", "an object");
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string()) return bad_member("detail", "an object of strings");
    record.detail.emplace_back(name, value.get<std::string>());
  }
  return Status::Ok();
}

bool printable_ascii(char c) { return c >= 33 && c <= 126; }

// RFC 5424 header fields: PRINTUSASCII, bounded, "-" (NILVALUE) when empty.
std::string header_field(std::string_view value, std::size_t max_chars) {
  std::string out;
  for (char c : value) {
    if (out.size() == max_chars) break;
    out += printable_ascii(c) ? c : '_';
  }
  return out.empty() ? "-" : out;
}

// SD-NAME: PRINTUSASCII except '=', ']', '"' (and SP), at most 32.
std::string sd_name(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (out.size() == 32) break;
    out += (printable_ascii(c) && c != '=' && c != ']' && c != '"') ? c : '_';
  }
  return out.empty() ? "_" : out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The entry's time if it is an RFC 5424 TIMESTAMP in UTC
// (YYYY-MM-DDTHH:MM:SS[.1-6 digits]Z), else "-".
std::string syslog_timestamp(const std::string& time) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (time.size() < kShape.size() + 1 || time.back() != 'Z') return "-";
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !is_digit(time[i]) : time[i] != kShape[i]) return "-";
  }
  const std::string_view rest = std::string_view(time).substr(kShape.size(), time.size() - kShape.size() - 1);
  if (rest.empty()) return time;
  if (rest[0] != '.' || rest.size() < 2 || rest.size() > 7) return "-";
  for (char c : rest.substr(1)) {
    if (!is_digit(c)) return "-";
  }
  return time;
}

void add_param(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  out += escape_sd_param_value(value);
  out += '"';
}

template <class T>
void add_optional(std::string& out, std::string_view name, const std::optional<T>& value) {
  if (!value) return;
  if constexpr (std::is_same_v<T, std::string>) {
    add_param(out, name, *value);
  } else {
    add_param(out, name, std::to_string(*value));
  }
}

std::string structured_data(const AuditRecord& r, std::uint32_t pen) {
  const std::string at = "@" + std::to_string(pen);
  std::string out = "[craton" + at;
  add_param(out, "seq", std::to_string(r.seq));
  add_optional(out, "slot", r.slot);
  add_optional(out, "session", r.session);
  add_optional(out, "role", r.role);
  add_optional(out, "mechanism", r.mechanism);
  add_optional(out, "object", r.object);
  add_optional(out, "object2", r.object2);
  add_optional(out, "label", r.label);
  add_param(out, "rv", r.rv);
  add_param(out, "hash", r.hash);
  out += ']';
  if (r.detail.empty()) return out;
  out += "[craton-detail" + at;
  for (const auto& [name, value] : r.detail) add_param(out, sd_name(name), value);
  out += ']';
  return out;
}

}  // namespace

Result<AuditRecord> parse_audit_record(std::string_view line) {
  const json doc = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status(CKR_DATA_INVALID, "not a JSON object");
  AuditRecord r;
  if (!get_uint(doc, "seq", r.seq)) return bad_member("seq", "an unsigned integer");
  if (!get_string(doc, "time", r.time)) return bad_member("time", "a string");
  if (!get_string(doc, "event", r.event)) return bad_member("event", "a string");
  if (!get_optional_uint(doc, "slot", r.slot)) return bad_member("slot", "an unsigned integer or null");
  if (!get_optional_uint(doc, "session", r.session)) return bad_member("session", "an unsigned integer or null");
  if (!get_optional_string(doc, "role", r.role)) return bad_member("role", "a string or null");
  if (!get_optional_string(doc, "mechanism", r.mechanism)) return bad_member("mechanism", "a string or null");
  if (!get_optional_uint(doc, "object", r.object)) return bad_member("object", "an unsigned integer or null");
  if (!get_optional_uint(doc, "object2", r.object2)) return bad_member("object2", "an unsigned integer or null");
  if (!get_optional_string(doc, "label", r.label)) return bad_member("label", "a string or null");
  if (!get_string(doc, "rv", r.rv)) return bad_member("rv", "a string");
  if (!get_uint(doc, "pid", r.pid)) return bad_member("pid", "an unsigned integer");
  RETURN_IF_ERROR(parse_detail(doc, r));
  if (!get_string(doc, "prev", r.prev)) return bad_member("prev", "a string");
  if (!get_string(doc, "hash", r.hash)) return bad_member("hash", "a string");
  return r;
}

int audit_syslog_severity(const AuditRecord& record) {
  constexpr int kWarning = 4, kNotice = 5, kInfo = 6;
  if (record.rv != "CKR_OK") return kWarning;
  const std::optional<AuditEventType> type = audit_event_from_name(record.event);
  // An event this version does not know is treated as management: the
  // louder choice for something unexpected.
  return (!type || is_management_event(*type)) ? kNotice : kInfo;
}

std::string format_audit_syslog(const AuditRecord& record, const AuditSyslogOptions& options) {
  const int pri = options.facility * 8 + audit_syslog_severity(record);
  std::string out = "<" + std::to_string(pri) + ">1 ";
  out += syslog_timestamp(record.time) + ' ';
  out += header_field(options.hostname, 255) + ' ';
  out += "craton-hsm ";
  out += std::to_string(record.pid) + ' ';
  out += header_field(record.event, 32) + ' ';
  out += structured_data(record, options.enterprise_number) + ' ';
  // MSG stays printable ASCII: a UTF-8 MSG would need a BOM (RFC 5424 §6.4).
  std::string msg = record.event + ' ' + record.rv;
  for (char& c : msg) {
    if (c != ' ' && !printable_ascii(c)) c = '?';
  }
  return out + msg;
}

std::string escape_sd_param_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || c == ']') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", byte);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace craton

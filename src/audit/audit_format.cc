// Canonical audit entry writing (by hand: the hot path appends into one
// reused buffer without building a JSON tree) and line parsing (nlohmann).
#include "audit/audit_format.h"

#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace craton {
namespace {

constexpr std::string_view kHashMember = ",\"hash\":\"";
constexpr std::size_t kHashSuffixBytes = kHashMember.size() + kAuditHashHexChars + 2;  // + "}
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid
// (overlong forms, surrogates and values above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

void append_escaped_ascii(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      break;
  }
  if (c < 0x20) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "\\u%04x", c);
    out += buf;
  } else {
    out += static_cast<char>(c);
  }
}

void append_uint(std::string& out, std::uint64_t value) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, res.ptr);
}

template <class T>
void append_optional_uint(std::string& out, const std::optional<T>& value) {
  if (value.has_value()) {
    append_uint(out, static_cast<std::uint64_t>(*value));
  } else {
    out += "null";
  }
}

// A name that is known to be plain ASCII with nothing to escape.
void append_plain_string(std::string& out, std::string_view s) {
  out += '"';
  out += s;
  out += '"';
}

void append_detail(std::string& out, const AuditEvent& event) {
  if (event.detail.empty()) return;
  out += ",\"detail\":{";
  std::size_t written = 0;
  for (const auto& [name, value] : event.detail) {
    if (written == kAuditMaxDetailEntries) break;
    if (written++ > 0) out += ',';
    append_json_string(out, name, kAuditMaxDetailValueBytes);
    out += ':';
    append_json_string(out, value, kAuditMaxDetailValueBytes);
  }
  out += '}';
}

}  // namespace

std::string format_audit_time(const timespec& ts) {
  struct tm tm {};
  const time_t seconds = ts.tv_sec;
  gmtime_r(&seconds, &tm);
  char buf[128];  // room for any int the format could print
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long>(ts.tv_nsec / 1000000));
  return buf;
}

void append_json_string(std::string& out, std::string_view value, std::size_t max_bytes) {
  out += '"';
  std::size_t i = 0;
  while (i < value.size()) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x80) {
      if (i + 1 > max_bytes) break;
      append_escaped_ascii(out, c);
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(value, i);
    if (i + (len == 0 ? 1 : len) > max_bytes) break;
    if (len == 0) {
      out += kReplacementChar;  // one replacement per invalid byte
      ++i;
    } else {
      out.append(value.data() + i, len);
      i += len;
    }
  }
  out += '"';
}

void AuditEntryFormatter::append_time(std::string& out, const timespec& ts) {
  if (ts.tv_sec != cached_second_) {
    struct tm tm {};
    const time_t seconds = ts.tv_sec;
    gmtime_r(&seconds, &tm);
    const int n = std::snprintf(cached_prefix_, sizeof(cached_prefix_), "%04d-%02d-%02dT%02d:%02d:%02d",
                                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_len_ = n > 0 ? static_cast<std::size_t>(n) : 0;
    cached_second_ = ts.tv_sec;
  }
  const long ms = static_cast<long>(ts.tv_nsec / 1000000);
  out += '"';
  out.append(cached_prefix_, cached_len_);
  out += '.';
  out += static_cast<char>('0' + ms / 100);
  out += static_cast<char>('0' + (ms / 10) % 10);
  out += static_cast<char>('0' + ms % 10);
  out += "Z\"";
}

void AuditEntryFormatter::append_payload_open(std::string& out, std::uint64_t seq, const timespec& time,
                                              const AuditEvent& event, std::uint64_t pid, std::string_view prev) {
  out += "{\"seq\":";
  append_uint(out, seq);
  out += ",\"time\":";
  append_time(out, time);
  out += ",\"event\":";
  append_plain_string(out, audit_event_name(event.type));
  out += ",\"slot\":";
  append_optional_uint(out, event.slot);
  out += ",\"session\":";
  append_optional_uint(out, event.session);
  out += ",\"role\":";
  const char* role = audit_role_name(event.role);
  if (role != nullptr) {
    append_plain_string(out, role);
  } else {
    out += "null";
  }
  out += ",\"mechanism\":";
  if (event.mechanism.has_value()) {
    append_plain_string(out, audit_mechanism_name(*event.mechanism));
  } else {
    out += "null";
  }
  out += ",\"object\":";
  append_optional_uint(out, event.object);
  out += ",\"object2\":";
  append_optional_uint(out, event.object2);
  out += ",\"label\":";
  if (event.label.has_value()) {
    append_json_string(out, *event.label, kAuditMaxLabelBytes);
  } else {
    out += "null";
  }
  out += ",\"rv\":";
  append_plain_string(out, audit_rv_name(event.rv));
  out += ",\"pid\":";
  append_uint(out, pid);
  append_detail(out, event);
  out += ",\"prev\":";
  append_plain_string(out, prev);
}

void AuditEntryFormatter::append_hash(std::string& out, const AuditHashHex& hash) {
  out += kHashMember;
  out += hash_view(hash);
  out += "\"}\n";
}

Result<ParsedAuditLine> parse_audit_line(std::string_view line) {
  const auto bad = [](const char* why) { return Status(CKR_DATA_INVALID, why); };
  if (line.size() < kHashSuffixBytes + 2 || line.front() != '{') return bad("not an audit entry object");
  const std::size_t suffix_at = line.size() - kHashSuffixBytes;
  if (line.substr(suffix_at, kHashMember.size()) != kHashMember || line.substr(line.size() - 2) != "\"}") {
    return bad("the entry does not end with its \"hash\" member");
  }
  const std::string_view hash_text = line.substr(suffix_at + kHashMember.size(), kAuditHashHexChars);
  if (!is_audit_hash_hex(hash_text)) return bad("\"hash\" is not 64 lowercase hex characters");

  const nlohmann::json doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return bad("not valid JSON");
  const auto seq = doc.find("seq");
  if (seq == doc.end() || !seq->is_number_unsigned()) return bad("\"seq\" is missing or not an unsigned integer");
  const auto prev = doc.find("prev");
  if (prev == doc.end() || !prev->is_string() || !is_audit_hash_hex(prev->get_ref<const std::string&>())) {
    return bad("\"prev\" is missing or not 64 lowercase hex characters");
  }
  ParsedAuditLine parsed;
  parsed.seq = seq->get<std::uint64_t>();
  parsed.prev = to_audit_hash(prev->get_ref<const std::string&>());
  parsed.hash = to_audit_hash(hash_text);
  parsed.payload_open = line.substr(0, suffix_at);
  return parsed;
}

}  // namespace craton

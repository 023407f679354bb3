#include "report.h"

#include <stdexcept>

namespace bench {
namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// CSV fields never contain commas or quotes except in notes: quote those.
std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string hex(Status code) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%08lX", code);
  return buf;
}

std::string status_word(const Row& row) {
  switch (row.outcome) {
    case Outcome::ok: return "ok";
    case Outcome::unsupported: return "n/a";
    case Outcome::skipped: return "skip";
    case Outcome::failed: return "error";
  }
  return "?";
}

}  // namespace

std::string result_cell(const Row& row) {
  if (row.outcome == Outcome::ok) return format("%.1f", row.ops_per_sec);
  if (row.outcome == Outcome::failed && row.code != 0) return hex(row.code);
  return status_word(row);
}

Report::Report(const std::string& csv_path) {
  if (csv_path.empty()) return;
  csv_ = std::fopen(csv_path.c_str(), "w");
  if (!csv_) throw std::runtime_error("cannot write " + csv_path);
  std::fputs("module,case,threads,status,ops_per_sec,mb_per_sec,result,note\n", csv_);
}

Report::~Report() {
  if (csv_) std::fclose(csv_);
}

void Report::add(const Row& row) {
  if (!header_printed_) {
    std::printf("%-14s %-22s %7s %14s %10s  %s\n", "module", "case", "threads", "ops/s", "MB/s",
                "note");
    header_printed_ = true;
  }
  const bool ok = row.outcome == Outcome::ok;
  const std::string mb = ok && row.mb_per_sec > 0 ? format("%.1f", row.mb_per_sec) : "";
  std::printf("%-14s %-22s %7u %14s %10s  %s\n", row.module.c_str(), row.case_name.c_str(),
              row.threads, result_cell(row).c_str(), mb.c_str(), row.note.c_str());
  std::fflush(stdout);
  if (row.outcome == Outcome::failed) ++failures_;
  if (!csv_) return;
  std::fprintf(csv_, "%s,%s,%u,%s,%s,%s,%s,%s\n", csv_quote(row.module).c_str(),
               row.case_name.c_str(), row.threads, status_word(row).c_str(),
               ok ? format("%.3f", row.ops_per_sec).c_str() : "",
               ok && row.mb_per_sec > 0 ? format("%.3f", row.mb_per_sec).c_str() : "",
               result_cell(row).c_str(), csv_quote(row.note).c_str());
  std::fflush(csv_);
}

}  // namespace bench

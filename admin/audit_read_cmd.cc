// audit export | tail: the log's entries for other systems and for people.
// Neither verifies unless asked (export --verify); `audit verify` does.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>

#include "audit/audit_export.h"
#include "audit/audit_files.h"
#include "audit/audit_tail.h"
#include "audit_cmd.h"
#include "context.h"
#include "atomic_file.h"
#include "errors.h"

namespace craton::admin {
namespace {

// ---- export -------------------------------------------------------------------

struct ExportOptions {
  std::string format = "json";
  std::string output;  // empty or "-": stdout
  std::uint64_t from_seq = 0;
  bool verify = false;
  bool force = false;
  std::string hostname;
  std::string facility = "authpriv";
  std::uint32_t enterprise_number = kDocumentationEnterpriseNumber;
};

// Where the export goes. A file is written under a temporary name and
// renamed when complete, so a failed export never leaves a partial file
// under the requested name.
class ExportSink {
 public:
  ExportSink(const std::string& output, bool replace) {
    if (output.empty() || output == "-") {
      out_ = stdout;
      return;
    }
    path_ = output;
    check_can_write(path_, replace);  // as every output file: kept unless --force
    temp_ = path_.parent_path() / ("." + path_.filename().string() + ".tmp-" + std::to_string(::getpid()));
    const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
      fail(Exit::kFailed, "cannot create " + temp_.string() + ": " + std::strerror(errno) + "; check --output");
    out_ = ::fdopen(fd, "w");
  }
  ~ExportSink() {
    if (!to_file()) return;
    if (out_ != nullptr) std::fclose(out_);
    if (!committed_) std::filesystem::remove(temp_);
  }
  ExportSink(const ExportSink&) = delete;
  ExportSink& operator=(const ExportSink&) = delete;

  bool to_file() const { return !path_.empty(); }
  const std::filesystem::path& path() const { return path_; }
  void write(std::string_view text) {
    if (std::fwrite(text.data(), 1, text.size(), out_) != text.size()) failed();
  }
  void commit() {
    if (std::fflush(out_) != 0) failed();
    if (!to_file()) return;
    if (std::fclose(std::exchange(out_, nullptr)) != 0) failed();
    std::error_code ec;
    std::filesystem::rename(temp_, path_, ec);
    if (ec) fail(Exit::kFailed, "cannot rename " + temp_.string() + " to " + path_.string() + ": " + ec.message());
    committed_ = true;
  }

 private:
  [[noreturn]] void failed() const {
    fail(Exit::kFailed,
         "writing the export to " + (to_file() ? path_.string() : std::string("stdout")) + ": " + std::strerror(errno));
  }
  std::FILE* out_ = nullptr;
  std::filesystem::path path_, temp_;
  bool committed_ = false;
};

struct ExportCounts {
  std::uint64_t entries = 0, first_seq = 0, last_seq = 0, skipped = 0;
  std::string first_skipped;  // "FILE line N"
};

int facility_code(const std::string& name) {
  if (name == "authpriv") return kSyslogFacilityAuthpriv;
  return kSyslogFacilityLocal0 + (name.back() - '0');  // local0..local7 (checked by the option)
}

std::string this_host() {
  char name[256] = {};
  return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string();
}

// Writes the entries of `files` with seq in [from, to] in `format`.
ExportCounts write_entries(const std::vector<std::filesystem::path>& files, const ExportOptions& opts, std::uint64_t to,
                           ExportSink& sink) {
  AuditSyslogOptions syslog;
  syslog.hostname = opts.hostname.empty() ? this_host() : opts.hostname;
  syslog.facility = facility_code(opts.facility);
  syslog.enterprise_number = opts.enterprise_number;
  ExportCounts n;
  AuditLineReader reader(files);
  AuditLine line;
  while (check(reader.next(line), "reading the audit log")) {
    if (!line.terminated) continue;  // still being written (or torn: `audit verify` reports it)
    Result<AuditRecord> record = parse_audit_record(line.text);
    if (!record.ok() || line.too_long) {
      if (n.skipped++ == 0)
        n.first_skipped = files[line.file_index].string() + " line " + std::to_string(line.line_number);
      continue;
    }
    if (record->seq < opts.from_seq) continue;
    if (record->seq > to) break;
    if (opts.format == "syslog") {
      sink.write(format_audit_syslog(*record, syslog) + "\n");
    } else {
      // The line as written: canonical JSON, so each entry's hash can still be
      // recomputed from the export.
      if (opts.format == "json") sink.write(n.entries == 0 ? "[\n" : ",\n");
      sink.write(line.text);
      if (opts.format == "ndjson") sink.write("\n");
    }
    if (n.entries++ == 0) n.first_seq = record->seq;
    n.last_seq = record->seq;
  }
  if (opts.format == "json") sink.write(n.entries == 0 ? "[]\n" : "\n]\n");
  return n;
}

void run_export(Context& ctx, const ExportOptions& opts) {
  const Config& config = ctx.config();
  std::uint64_t to = UINT64_MAX;
  if (opts.verify) {
    // Verified first, before anything is written; then exactly the verified
    // entries are exported (not what was appended since).
    const AuditVerifyReport report = verify_configured_trail(ctx);
    if (!report.ok) fail_verification(report);
    to = report.last_seq;
  }
  const auto files = check(audit_log_files(config.audit_log_file()), "listing the audit log files");
  ExportSink sink(opts.output, opts.force);
  const ExportCounts n = write_entries(files, opts, to, sink);
  sink.commit();
  if (sink.to_file()) {
    Json j = {{"file", sink.path().string()}, {"format", opts.format},  {"entries", n.entries},
              {"first_seq", n.first_seq},     {"last_seq", n.last_seq}, {"skipped", n.skipped},
              {"verified", opts.verify}};
    if (ctx.json()) {
      print_json(std::cout, j);
    } else {
      std::cout << "exported " << n.entries << " entries"
                << (n.entries > 0 ? " (seq " + std::to_string(n.first_seq) + ".." + std::to_string(n.last_seq) + ")"
                                  : std::string())
                << " as " << opts.format << " to " << sink.path().string() << '\n';
    }
  }
  if (n.skipped > 0) {
    std::cerr << "craton-hsm-admin: warning: skipped " << n.skipped
              << " line(s) that are not audit entries (first: " << n.first_skipped << "); run `audit verify`\n";
  }
}

// ---- tail ---------------------------------------------------------------------

struct TailOptions {
  std::size_t lines = 10;
  bool follow = false;
};

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int) { g_stop = 1; }

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;  // no SA_RESTART: the poll sleep ends at once
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? '?' : c;
  return out;
}

template <class T>
std::string or_dash(const std::optional<T>& value) {
  if (!value) return "-";
  if constexpr (std::is_same_v<T, std::string>) {
    return printable(*value);
  } else {
    return std::to_string(*value);
  }
}

// "CKM_ECDSA object 5/6 "label"", or "-".
std::string target(const AuditRecord& r) {
  std::string out = r.mechanism ? printable(*r.mechanism) : "";
  const auto add = [&out](const std::string& part) { out += (out.empty() ? "" : " ") + part; };
  if (r.object) add("object " + std::to_string(*r.object) + (r.object2 ? "/" + std::to_string(*r.object2) : ""));
  if (r.label) add("\"" + printable(*r.label) + "\"");
  return out.empty() ? "-" : out;
}

// Fixed-width rows, so that rows printed as they arrive line up.
void print_row(const std::vector<std::string>& cells) {
  static constexpr std::size_t kWidth[] = {6, 24, 17, 4, 7, 6, 28};
  std::string row;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    row += cells[i];
    if (i + 1 == cells.size()) break;
    row += std::string(cells[i].size() < kWidth[i] ? kWidth[i] - cells[i].size() + 2 : 2, ' ');
  }
  std::cout << row << '\n';
}

void print_tail_line(std::string_view line, bool json) {
  Result<AuditRecord> r = parse_audit_record(line);
  if (json) {
    if (r.ok()) std::cout << line << '\n';  // ndjson: the entry as written
  } else if (r.ok()) {
    print_row({std::to_string(r->seq), printable(r->time), printable(r->event), or_dash(r->slot), or_dash(r->session),
               or_dash(r->role), target(*r), printable(r->rv)});
  } else {
    print_row({"?", "-", "(not an audit entry)", "-", "-", "-", "-", printable(r.status().message())});
  }
  std::cout.flush();  // a pipe sees each entry as it arrives
}

void run_tail(Context& ctx, const TailOptions& opts) {
  const std::filesystem::path log = ctx.config().audit_log_file();
  if (opts.follow) install_stop_handlers();
  AuditFollower follower(log);
  const auto backlog = check(follower.start(opts.lines), "reading the audit log");
  if (!ctx.json()) print_row({"SEQ", "TIME", "EVENT", "SLOT", "SESSION", "ROLE", "MECHANISM/OBJECT", "RESULT"});
  for (const std::string& line : backlog) print_tail_line(line, ctx.json());
  std::cout.flush();
  const timespec interval{0, 200'000'000};  // 200 ms: prompt enough, and no busy loop
  while (opts.follow && g_stop == 0) {
    check(follower.poll([&ctx](std::string_view line) { print_tail_line(line, ctx.json()); }),
          "following the audit log");
    ::nanosleep(&interval, nullptr);  // a stop signal ends it early
  }
}

}  // namespace

void add_audit_export_command(CLI::App& audit, Context& ctx) {
  auto opts = std::make_shared<ExportOptions>();
  CLI::App* cmd = audit.add_subcommand(
      "export", "Write the entries as a JSON array, NDJSON or RFC 5424 syslog lines (docs/cli-audit.md)");
  cmd->add_option("--format", opts->format, "json (default), ndjson or syslog")
      ->check(CLI::IsMember({"json", "ndjson", "syslog"}));
  cmd->add_option("-o,--output", opts->output, "File to write (default: stdout); written completely or not at all");
  cmd->add_flag("--force", opts->force, "Replace an existing output file");
  cmd->add_option("--from-seq", opts->from_seq, "Only entries with this sequence number or later");
  cmd->add_flag("--verify", opts->verify,
                "Verify the chain first: write nothing and exit 1 if it fails; export only verified entries");
  cmd->add_option("--hostname", opts->hostname, "syslog HOSTNAME (default: this host's name)");
  cmd->add_option("--facility", opts->facility, "syslog facility: authpriv (default) or local0..local7")
      ->check(
          CLI::IsMember({"authpriv", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}));
  cmd->add_option("--enterprise-number", opts->enterprise_number,
                  "IANA Private Enterprise Number in the SD-IDs (default 32473, the documentation example)")
      ->check(CLI::PositiveNumber);
  cmd->callback([&ctx, opts] { run_export(ctx, *opts); });
}

void add_audit_tail_command(CLI::App& audit, Context& ctx) {
  auto opts = std::make_shared<TailOptions>();
  CLI::App* cmd = audit.add_subcommand("tail", "Print the last entries (a table, or NDJSON with --json)");
  cmd->add_option("-n,--lines", opts->lines, "How many (default 10)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("-f,--follow", opts->follow, "Keep printing new entries until interrupted (SIGINT/SIGTERM)");
  cmd->callback([&ctx, opts] { run_tail(ctx, *opts); });
}

}  // namespace craton::admin

// audit verify | checkpoint, and the group's registration (export and tail
// are in audit_read_cmd.cc).
#include "audit_cmd.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "audit/audit_checkpoint.h"
#include "audit/audit_export.h"
#include "audit/audit_files.h"
#include "audit/audit_key.h"
#include "commands.h"
#include "context.h"
#include "errors.h"

namespace craton::admin {
namespace {

std::string hash_text(const AuditHashHex& hash) { return std::string(hash_view(hash)); }

std::vector<std::filesystem::path> log_files(const Config& config) {
  return check(audit_log_files(config.audit_log_file()), "listing the audit log files");
}

Json failure_json(const AuditVerifyReport& r) {
  if (r.ok) return nullptr;
  return {{"reason", audit_verify_failure_name(r.reason)},
          {"message", r.message},
          {"seq", r.first_bad_seq},
          {"file", r.file.empty() ? Json(nullptr) : Json(r.file.string())},
          {"line", r.line}};
}

Json verify_json(const Config& config, const AuditVerifyReport& r, const std::optional<AuditCheckpoint>& cp) {
  Json files = Json::array();
  for (const auto& f : log_files(config)) files.push_back(f.string());
  Json j = {{"ok", r.ok},
            {"log_path", config.audit_log_file().string()},
            {"files", files},
            {"entries", r.entries},
            {"first_seq", r.first_seq},
            {"last_seq", r.last_seq},
            {"last_hash", r.entries > 0 ? Json(hash_text(r.last_hash)) : Json(nullptr)},
            {"head", nullptr},
            {"checkpoint", nullptr},
            {"failure", failure_json(r)}};
  if (r.head) j["head"] = {{"seq", r.head->seq}, {"hash", hash_text(r.head->hash)}};
  if (cp) {
    // Entry cp->seq was reached, and a different hash there would have
    // stopped the walk: reaching it means it matched.
    j["checkpoint"] = {{"value", format_audit_checkpoint(*cp)},
                       {"seq", cp->seq},
                       {"hash", hash_text(cp->hash)},
                       {"verified", r.entries > 0 && r.last_seq >= cp->seq}};
  }
  return j;
}

void print_verify_human(const Json& j) {
  const std::size_t nfiles = j["files"].size();
  std::vector<std::pair<std::string, std::string>> fields = {
      {"audit log",
       j["log_path"].get<std::string>() + " (" + std::to_string(nfiles) + " file" + (nfiles == 1 ? "" : "s") + ")"},
      {"result", j["ok"].get<bool>() ? "ok" : "FAILED"},
  };
  const auto entries = j["entries"].get<std::uint64_t>();
  std::string verified = std::to_string(entries);
  if (entries > 0) {
    verified += " (seq " + std::to_string(j["first_seq"].get<std::uint64_t>()) + ".." +
                std::to_string(j["last_seq"].get<std::uint64_t>()) + ")";
  }
  fields.emplace_back("entries verified", verified);
  if (!j["last_hash"].is_null()) fields.emplace_back("last hash", j["last_hash"]);
  fields.emplace_back("store head", j["head"].is_null()
                                        ? "none recorded"
                                        : "seq " + std::to_string(j["head"]["seq"].get<std::uint64_t>()));
  if (const Json& cp = j["checkpoint"]; !cp.is_null()) {
    fields.emplace_back("checkpoint", "seq " + std::to_string(cp["seq"].get<std::uint64_t>()) +
                                          (cp["verified"].get<bool>() ? " verified" : " NOT verified"));
  }
  if (const Json& f = j["failure"]; !f.is_null()) {
    fields.emplace_back("failure", f["reason"]);
    fields.emplace_back("first bad seq", std::to_string(f["seq"].get<std::uint64_t>()));
    if (!f["file"].is_null()) {
      const auto line = f["line"].get<std::uint64_t>();
      fields.emplace_back("where", f["file"].get<std::string>() +
                                       (line > 0 ? " line " + std::to_string(line) : std::string(" (at its end)")));
    }
    fields.emplace_back("why", f["message"]);
  }
  print_fields(std::cout, fields);
}

struct VerifyOptions {
  std::string checkpoint;
  CLI::Option* checkpoint_option = nullptr;
};

AuditCheckpoint parse_checkpoint_option(const std::string& value) {
  Result<AuditCheckpoint> cp = parse_audit_checkpoint(value);
  if (!cp.ok()) fail(Exit::kUsage, "--checkpoint: " + cp.status().message());
  return *cp;
}

void run_verify(Context& ctx, const VerifyOptions& opts) {
  std::optional<AuditCheckpoint> cp;
  if (opts.checkpoint_option->count() > 0) cp = parse_checkpoint_option(opts.checkpoint);
  std::optional<AuditHead> head;
  if (cp) head = AuditHead{cp->seq, cp->hash, ""};
  const AuditVerifyReport report = verify_configured_trail(ctx, head);
  const Json j = verify_json(ctx.config(), report, cp);
  if (ctx.json()) {
    print_json(std::cout, j);
  } else {
    print_verify_human(j);
  }
  std::cout.flush();
  if (!report.ok) fail_verification(report);
}

// The time of entry `seq`: looked for in `file_name` (where the verifier
// found it), then in the whole set in case it was rotated meanwhile.
Json entry_time(const Config& config, const std::string& file_name, std::uint64_t seq) {
  const std::string prefix = "{\"seq\":" + std::to_string(seq) + ",";
  std::vector<std::filesystem::path> files = {config.audit_log_file().parent_path() / file_name};
  for (const auto& f : log_files(config)) files.push_back(f);
  for (const auto& file : files) {
    AuditLineReader reader({file});
    AuditLine line;
    while (true) {
      Result<bool> more = reader.next(line);
      if (!more.ok() || !*more) break;
      if (!line.text.starts_with(prefix)) continue;
      Result<AuditRecord> record = parse_audit_record(line.text);
      if (record.ok()) return record->time;
    }
  }
  return nullptr;
}

void run_checkpoint(Context& ctx) {
  const AuditVerifyReport report = verify_configured_trail(ctx);
  if (!report.ok) fail_verification(report);
  if (report.entries == 0) fail(Exit::kFailed, "the audit log has no entries yet: there is nothing to checkpoint");
  const AuditCheckpoint cp{report.last_seq, report.last_hash};
  const std::string value = format_audit_checkpoint(cp);
  if (!ctx.json()) {
    std::cout << value << '\n';  // alone, so that `audit checkpoint > file` keeps just the token
    return;
  }
  print_json(std::cout, {{"checkpoint", value},
                         {"seq", cp.seq},
                         {"hash", hash_text(cp.hash)},
                         {"time", entry_time(ctx.config(), report.last_file, cp.seq)}});
}

}  // namespace

AuditVerifyReport verify_configured_trail(Context& ctx, const std::optional<AuditHead>& checkpoint) {
  const Config& config = ctx.config();
  const std::filesystem::path log = config.audit_log_file();
  if (log_files(config).empty() && !audit_key_present(config.audit_key_file())) {
    fail(Exit::kUnavailable, "no audit log at " + log.string() +
                                 ": nothing has been recorded yet (the log and its key are created when the store "
                                 "is first used); check --config");
  }
  const auto verify = [&] {
    return verify_audit_trail(ctx.provider(), log, config.audit_key_file(), config.audit_head_file(), checkpoint);
  };
  AuditVerifyReport report = verify();
  if (report.reason == AuditVerifyFailure::kMalformed && report.file == log) {
    // A writer may have been in the middle of appending a line.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    report = verify();
  }
  return report;
}

void fail_verification(const AuditVerifyReport& report) {
  Exit code = Exit::kCheckFailed;
  if (report.reason == AuditVerifyFailure::kIoError) code = Exit::kUnavailable;
  if (report.reason == AuditVerifyFailure::kInternal) code = Exit::kFailed;
  fail(code, std::string("audit log verification failed: ") + audit_verify_failure_name(report.reason) + ": " +
                 report.message);
}

void add_audit_commands(CLI::App& app, Context& ctx) {
  CLI::App* audit =
      app.add_subcommand("audit", "Verify, checkpoint, export and follow the audit log")->require_subcommand(1);
  auto opts = std::make_shared<VerifyOptions>();
  CLI::App* verify =
      audit->add_subcommand("verify", "Check the whole chain; report the first bad entry and why (exit 1)");
  opts->checkpoint_option = verify->add_option(
      "--checkpoint", opts->checkpoint, "Also require the entry a checkpoint names (as printed by `audit checkpoint`)");
  verify->callback([&ctx, opts] { run_verify(ctx, *opts); });
  audit->add_subcommand("checkpoint", "Verify, then print the chain head as a checkpoint to keep elsewhere")
      ->callback([&ctx] { run_checkpoint(ctx); });
  add_audit_export_command(*audit, ctx);
  add_audit_tail_command(*audit, ctx);
}

}  // namespace craton::admin

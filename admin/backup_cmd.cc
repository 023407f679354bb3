// backup create | restore | inspect (docs/backup.md).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>

#include "atomic_file.h"
#include "commands.h"
#include "context.h"
#include "errors.h"
#include "progress.h"
#include "store/backup_file.h"
#include "token_view.h"

namespace craton::admin {
namespace {

constexpr std::size_t kMinPassphrase = 8;
constexpr std::size_t kMaxBackupFile = kBackupHeaderSize + kBackupMaxBody + kBackupTagSize;

struct BackupOptions {
  std::string output;
  std::string input;
  bool force = false;
  bool verify = false;
  std::uint32_t iterations = kBackupMinIterations;
};

// What the backup file layer reports, as exit codes (docs/backup.md): a wrong
// passphrase is an authentication failure; a file that is not a backup, of
// another format version, truncated or modified fails the check (exit 1).
[[noreturn]] void fail_backup(const Status& st, const std::string& file) {
  switch (st.rv()) {
    case CKR_PIN_INCORRECT: fail(Exit::kAuth, file + ": " + st.message());
    case CKR_DATA_INVALID:
    case CKR_ENCRYPTED_DATA_INVALID: fail(Exit::kCheckFailed, file + ": " + st.message());
    default: fail_status(st, file);
  }
}

template <class T>
T backup_check(Result<T> result, const std::string& file) {
  if (!result.ok()) fail_backup(result.status(), file);
  return std::move(result).value();
}

std::string iso_utc(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_seconds);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

Json header_json(const BackupHeader& h, bool verified) {
  return {{"format_version", h.format_version},
          {"serial", h.serial},
          {"label", h.label},
          {"slot", h.source_slot},
          {"created", iso_utc(h.created)},
          {"objects", h.object_count},
          {"kdf", {{"name", "PBKDF2-HMAC-SHA256"}, {"iterations", h.iterations}}},
          {"verified", verified}};
}

void print_header(const BackupHeader& h) {
  print_fields(std::cout, {{"format version", std::to_string(h.format_version)},
                           {"label", h.label},
                           {"serial", h.serial},
                           {"source slot", std::to_string(h.source_slot)},
                           {"created", iso_utc(h.created)},
                           {"objects", std::to_string(h.object_count)},
                           {"key derivation", "PBKDF2-HMAC-SHA256, " + std::to_string(h.iterations) + " iterations"}});
}

SecureBytes new_passphrase(Context& ctx) {
  SecureBytes passphrase = ctx.secret(SecretRole::kPassphrase, "backup passphrase", true);
  if (passphrase.size() < kMinPassphrase) {
    fail(Exit::kAuth, "the backup passphrase must be at least " + std::to_string(kMinPassphrase) + " characters");
  }
  return passphrase;
}

void run_create(Context& ctx, const BackupOptions& opts) {
  check_can_write(opts.output, opts.force);  // before any secret is asked for
  const CK_SLOT_ID slot = ctx.slot();
  if (!token_json(ctx.core(), slot)["initialized"].get<bool>()) {
    fail(Exit::kFailed, "slot " + std::to_string(slot) + " holds no token to back up");
  }
  auto session = ctx.login(CKU_SO);
  const SecureBytes passphrase = new_passphrase(ctx);
  TokenImage image = check(session->core().backup_token(session->handle()), "reading the token");
  session.reset();  // the image is taken: log the SO out
  Bytes file;
  {
    Progress progress("encrypting the backup");
    file = check(write_backup(ctx.provider(), image, passphrase, opts.iterations, std::time(nullptr)),
                 "encrypting the backup");
  }
  write_file_atomically(opts.output, file, opts.force);
  const BackupHeader header = backup_check(read_backup_header(file), opts.output);
  if (ctx.json()) {
    Json j = {{"file", opts.output}};
    j.update(header_json(header, true));
    return print_json(std::cout, j);
  }
  std::cout << "backup written to " << opts.output << '\n';
  print_header(header);
}

void run_inspect(Context& ctx, const BackupOptions& opts) {
  const Bytes file = read_whole_file(opts.input, kMaxBackupFile);
  const BackupHeader header = backup_check(read_backup_header(file), opts.input);
  std::optional<TokenImage> image;
  if (opts.verify) {
    const SecureBytes passphrase = ctx.secret(SecretRole::kPassphrase, "backup passphrase");
    Progress progress("checking the backup");
    image = backup_check(open_backup(ctx.provider(), file, passphrase), opts.input);
  }
  if (ctx.json()) {
    Json j = header_json(header, image.has_value());
    if (image) {
      std::size_t private_objects = 0;
      for (const ObjectRecord& r : image->content.objects) private_objects += r.is_private ? 1 : 0;
      j["contents"] = {{"public_objects", image->content.objects.size() - private_objects},
                       {"private_objects", private_objects}};
    }
    return print_json(std::cout, j);
  }
  print_header(header);
  std::cout << (image ? "verified: yes (the passphrase opens the file and nothing in it was changed)\n"
                      : "verified: no (anyone can edit these fields; --verify checks them with the passphrase)\n");
}

std::string token_words(const std::string& label, const std::string& serial) {
  return "token \"" + label + "\" (serial " + serial + ")";
}

// Restoring over an initialised token destroys it: the operator confirms
// with both tokens named.
void confirm_replace(Context& ctx, const Json& target, const TokenImage& image, CK_SLOT_ID slot) {
  if (!target["initialized"].get<bool>()) return;
  const bool moved = image.source_slot != slot;
  const std::string user_pin = moved ? "; the backup was made in slot " + std::to_string(image.source_slot) +
                                           ", so the user PIN must be set again (`pin reset`)"
                                     : "";
  const std::size_t objects =
      target["objects"]["public"].get<std::size_t>() + target["objects"]["private"].get<std::size_t>();
  ctx.confirm("This replaces " + token_words(target["label"], target["serial"]) + " in slot " +
              std::to_string(slot) + " and all " + std::to_string(objects) + " of its objects with the backup of " +
              token_words(image.label, image.serial) + " (" + std::to_string(image.content.objects.size()) +
              " objects)" + user_pin);
}

[[noreturn]] void fail_restore(const Status& st) {
  const std::string message = "restoring the backup: " + st.message() + " (" + rv_name(st.rv()) + ")";
  if (st.rv() == CKR_PIN_INCORRECT) fail(Exit::kAuth, message);
  if (st.rv() == CKR_DATA_INVALID) fail(Exit::kCheckFailed, message);
  fail_status(st, "restoring the backup");
}

void report_restore(Context& ctx, const RestoreOutcome& outcome, const TokenImage& image) {
  Json j = token_json(ctx.core(), ctx.slot());
  if (ctx.json()) {
    return print_json(std::cout, {{"slot", ctx.slot()},
                                  {"label", j["label"]},
                                  {"serial", j["serial"]},
                                  {"objects", outcome.objects},
                                  {"source_slot", image.source_slot},
                                  {"user_pin_initialized", outcome.user_pin_kept}});
  }
  std::cout << "backup restored into slot " << ctx.slot() << '\n';
  std::string user_pin = "set (as in the backup)";
  if (outcome.moved) {
    user_pin = "not set: the backup comes from slot " + std::to_string(image.source_slot) +
               "; the SO sets it with `pin reset`";
  } else if (!outcome.user_pin_kept) {
    user_pin = "not set (nor in the backup)";
  }
  print_fields(std::cout, {{"label", j["label"]},
                           {"serial", j["serial"]},
                           {"objects", std::to_string(outcome.objects)},
                           {"user PIN", user_pin}});
}

void run_restore(Context& ctx, const BackupOptions& opts) {
  const Bytes file = read_whole_file(opts.input, kMaxBackupFile);
  (void)backup_check(read_backup_header(file), opts.input);  // not a backup: say so before asking secrets
  HsmCore& core = ctx.core();                                 // the store is ours before secrets are typed
  const CK_SLOT_ID slot = ctx.slot();
  const SecureBytes passphrase = ctx.secret(SecretRole::kPassphrase, "backup passphrase");
  TokenImage image;
  {
    Progress progress("checking the backup");
    image = backup_check(open_backup(core.provider(), file, passphrase), opts.input);
  }
  confirm_replace(ctx, token_json(core, slot), image, slot);
  const SecureBytes so_pin = ctx.secret(SecretRole::kSoPin, "SO PIN of the backed-up token");
  Result<RestoreOutcome> outcome = [&] {
    Progress progress("restoring the token");
    return core.restore_token(slot, so_pin, image);
  }();
  if (!outcome.ok()) fail_restore(outcome.status());
  report_restore(ctx, *outcome, image);
}

}  // namespace

void add_backup_commands(CLI::App& app, Context& ctx) {
  CLI::App* backup =
      app.add_subcommand("backup", "Back up a token to one encrypted file, restore it, inspect a backup")
          ->require_subcommand(1);
  auto opts = std::make_shared<BackupOptions>();

  CLI::App* create = backup->add_subcommand(
      "create",
      "Write the token in --slot (state and objects) to FILE, encrypted under a backup passphrase; needs the SO PIN "
      "(stdin order: SO PIN, passphrase)");
  create->add_option("-o,--output", opts->output, "Backup file to write (mode 0600)")->required();
  create->add_flag("--force", opts->force, "Replace FILE if it exists");
  create->add_option("--iterations", opts->iterations, "PBKDF2 iterations for the passphrase")
      ->default_val(kBackupMinIterations)
      ->check(CLI::Range(kBackupMinIterations, kBackupMaxIterations));
  create->callback([&ctx, opts] { run_create(ctx, *opts); });

  CLI::App* restore = backup->add_subcommand(
      "restore",
      "Replace the token in --slot with the one in FILE; needs the passphrase and the SO PIN of the backed-up "
      "token, which must also be the SO PIN of a token being replaced (stdin order: passphrase, SO PIN)");
  restore->add_option("-i,--input", opts->input, "Backup file to restore")->required()->check(CLI::ExistingFile);
  restore->callback([&ctx, opts] { run_restore(ctx, *opts); });

  CLI::App* inspect = backup->add_subcommand(
      "inspect", "Show a backup's header (unauthenticated); --verify checks the whole file with the passphrase");
  inspect->add_option("file", opts->input, "Backup file")->required()->check(CLI::ExistingFile);
  inspect->add_flag("--verify", opts->verify, "Authenticate the file with the backup passphrase (exit 1 if modified)");
  inspect->callback([&ctx, opts] { run_inspect(ctx, *opts); });
}

}  // namespace craton::admin

// config check | show.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "commands.h"
#include "context.h"
#include "errors.h"

namespace craton::admin {
namespace {

// The effective settings, section by section, as in craton_hsm.toml. No
// setting is a secret today (PINs and keys never live in the file); a value
// under a key naming a password or private key would be shown as "<redacted>".
Json settings_json(const Config& c) {
  Json j;
  j["token"] = {{"label", c.label},
                {"serial_number", c.serial_number},
                {"storage_path", c.storage_path},
                {"slot_count", c.slot_count},
                {"max_sessions", c.max_sessions},
                {"max_rw_sessions", c.max_rw_sessions}};
  j["security"] = {{"pin_min_length", c.pin_min_length},
                   {"pin_max_length", c.pin_max_length},
                   {"max_failed_logins", c.max_failed_logins},
                   {"pbkdf2_iterations", c.pbkdf2_iterations}};
  j["algorithms"] = {{"fips_approved_only", c.fips_approved_only},
                     {"allow_sha1_signing", c.allow_sha1_signing},
                     {"enable_pqc", c.enable_pqc},
                     {"enable_legacy", c.enable_legacy}};
  j["audit"] = {{"log_path", c.audit_log_path},
                {"crypto_ops", c.audit_crypto_ops},
                {"flush_ms", c.audit_flush_ms},
                {"max_file_bytes", c.audit_max_file_bytes}};
  return j;
}

std::string scalar_text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

void run_check(Context& ctx, const std::string& file) {
  Result<Config> loaded = file.empty() ? (ctx.options().config_path.empty() ? Config::load()
                                                                          : Config::load_file(ctx.options().config_path))
                                       : Config::load_file(file);
  if (!loaded.ok()) {
    if (ctx.json()) print_json(std::cout, {{"valid", false}, {"error", loaded.status().message()}});
    fail(Exit::kCheckFailed, "configuration: " + loaded.status().message());
  }
  const std::string source = loaded->source_file.empty() ? "(defaults: no file found)" : loaded->source_file.string();
  if (ctx.json()) return print_json(std::cout, {{"valid", true}, {"file", source}});
  std::cout << source << ": valid\n";
}

void run_show(Context& ctx) {
  const Config& c = ctx.config();
  Json j = {{"file", ctx.config_source()},
            {"resolved", {{"store", c.storage_dir().string()},
                          {"audit_log", c.audit_log_file().string()},
                          {"audit_key", c.audit_key_file().string()}}},
            {"settings", settings_json(c)}};
  if (ctx.json()) return print_json(std::cout, j);
  std::cout << "# effective configuration (" << j["file"].get<std::string>() << "), defaults included\n";
  for (const auto& [section, values] : j["settings"].items()) {
    std::cout << '[' << section << "]\n";
    for (const auto& [key, value] : values.items()) std::cout << key << " = " << value.dump() << '\n';
  }
  std::cout << "# resolved paths\n";
  for (const auto& [key, value] : j["resolved"].items()) std::cout << "# " << key << ": " << scalar_text(value) << '\n';
}

}  // namespace

void add_config_commands(CLI::App& app, Context& ctx) {
  CLI::App* config = app.add_subcommand("config", "Check and show the configuration")->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  CLI::App* check_cmd = config->add_subcommand(
      "check", "Validate a configuration file; errors name the file, line and key (exit 1 if invalid)");
  check_cmd->add_option("file", *file, "File to check (default: the one --config or the module would use)");
  check_cmd->callback([&ctx, file] { run_check(ctx, *file); });
  config->add_subcommand("show", "Print the effective settings, defaults included")->callback([&ctx] { run_show(ctx); });
}

}  // namespace craton::admin

#include "context.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "crypto/provider.h"
#include "crypto/self_test.h"
#include "errors.h"
#include "progress.h"
#include "store/store_lock.h"

namespace craton::admin {

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--config", options.config_path,
                 "Configuration file (default: $CRATON_HSM_CONFIG, then ./craton_hsm.toml, then defaults)")
      ->group("Global");
  app.add_option("--slot", options.slot, "Slot to work on")->group("Global")->check(CLI::NonNegativeNumber);
  app.add_flag("--json", options.json, "Machine-readable JSON on stdout (field names in docs/cli.md)")->group("Global");
  app.add_flag("-y,--yes", options.yes, "Do not ask before destructive changes")->group("Global");
  add_secret_options(app, options.secrets);
}

AdminSession::~AdminSession() { (void)core_.close_session(handle_); }

Context::Context(GlobalOptions& options) : options_(options) {}

Context::~Context() {
  // The core (and its store lock and audit log) before the provider it uses.
  core_.reset();
}

const Config& Context::config() {
  if (config_) return *config_;
  Result<Config> loaded = options_.config_path.empty() ? Config::load() : Config::load_file(options_.config_path);
  if (!loaded.ok()) fail(Exit::kUsage, "configuration: " + loaded.status().message());
  config_ = std::move(loaded).value();
  return *config_;
}

std::string Context::config_source() {
  const Config& c = config();
  return c.source_file.empty() ? std::string("(defaults)") : c.source_file.string();
}

const crypto::Provider& Context::provider() {
  if (core_) return core_->provider();
  if (!provider_) {
    auto created = check(crypto::Provider::create(), "starting the crypto provider");
    Status kats = crypto::run_known_answer_tests(*created);
    if (!kats.ok()) fail(Exit::kFailed, "power-on self-test failed: " + kats.message());
    provider_ = std::move(created);
  }
  return *provider_;
}

HsmCore& Context::core() {
  if (core_) return *core_;
  const Config& cfg = config();
  (void)provider();
  CoreOptions core_options;
  core_options.self_test_results = {
      {"known_answer_tests", std::to_string(crypto::known_answer_test_names().size()) + " passed"},
      {"process", "craton-hsm-admin"},
  };
  Result<std::unique_ptr<HsmCore>> created = HsmCore::create(cfg, std::move(provider_), core_options);
  if (!created.ok()) {
    // Tell "another process has the store" (exit 4, naming it) from other
    // failures by asking the lock itself.
    Result<std::unique_ptr<StoreLock>> probe = StoreLock::acquire(cfg.storage_dir());
    if (!probe.ok()) fail(Exit::kUnavailable, probe.status().message());
    fail(Exit::kUnavailable, "cannot open the store " + cfg.storage_dir().string() + ": " +
                                 created.status().message() + " (" + rv_name(created.rv()) + ")");
  }
  core_ = std::move(created).value();
  return *core_;
}

CK_SLOT_ID Context::slot() {
  const Config& cfg = config();
  if (options_.slot < 0 || static_cast<unsigned long>(options_.slot) >= cfg.slot_count) {
    fail(Exit::kUsage, "--slot " + std::to_string(options_.slot) + " does not exist: the configuration has " +
                           std::to_string(cfg.slot_count) + " slot(s), numbered from 0");
  }
  return static_cast<CK_SLOT_ID>(options_.slot);
}

std::unique_ptr<AdminSession> Context::open_session(bool read_write) {
  HsmCore& c = core();
  CK_FLAGS flags = CKF_SERIAL_SESSION | (read_write ? CKF_RW_SESSION : 0);
  CK_SESSION_HANDLE h = check(c.open_session(slot(), flags), "opening a session");
  return std::make_unique<AdminSession>(c, h);
}

std::unique_ptr<AdminSession> Context::login(CK_USER_TYPE user) {
  auto session = open_session(true);
  const bool so = user == CKU_SO;
  SecureBytes pin = secret(so ? SecretRole::kSoPin : SecretRole::kUserPin, so ? "SO PIN" : "user PIN");
  {
    Progress progress("checking the PIN");  // PBKDF2 at the configured iteration count
    check(session->core().login(session->handle(), user, pin), so ? "SO login" : "user login");
  }
  return session;
}

SecureBytes Context::secret(SecretRole role, std::string_view what, bool confirm) const {
  return read_secret(options_.secrets, role, what, confirm);
}

void Context::confirm(const std::string& what) const {
  if (options_.yes) return;
  if (!stdin_is_terminal()) {
    std::string one_line = what;  // errors are one line
    for (std::size_t at; (at = one_line.find('\n')) != std::string::npos;) {
      const std::size_t end = one_line.find_first_not_of(' ', at + 1);
      one_line.replace(at, (end == std::string::npos ? one_line.size() : end) - at, " ");
    }
    fail(Exit::kDeclined, one_line + " Not confirmed: add --yes to proceed without a terminal");
  }
  std::cerr << what << "\nType \"yes\" to proceed: " << std::flush;
  std::string answer;
  if (!read_stdin_line(answer) || answer != "yes") fail(Exit::kDeclined, "not confirmed; nothing was changed");
}

}  // namespace craton::admin

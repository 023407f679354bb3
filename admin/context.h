// Context: what every craton-hsm-admin command shares — the global options,
// the configuration, and an in-process HsmCore on the store (started like
// the module: configuration, then the power-on self-tests, then the core,
// which takes the store lock).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/hsm_core.h"
#include "output.h"
#include "secrets.h"

namespace CLI { class App; }

namespace craton::admin {

struct GlobalOptions {
  std::string config_path;  // --config; empty: CRATON_HSM_CONFIG, then ./craton_hsm.toml
  long slot = 0;            // --slot
  bool json = false;        // --json
  bool yes = false;         // --yes
  SecretOptions secrets;
};

// Adds --config, --slot, --json, --yes and the secret options to `app`.
void add_global_options(CLI::App& app, GlobalOptions& options);

// A session on the in-process core, closed (and so logged out) on destruction.
class AdminSession {
 public:
  AdminSession(HsmCore& core, CK_SESSION_HANDLE handle) : core_(core), handle_(handle) {}
  ~AdminSession();
  AdminSession(const AdminSession&) = delete;
  AdminSession& operator=(const AdminSession&) = delete;

  HsmCore& core() const { return core_; }
  CK_SESSION_HANDLE handle() const { return handle_; }

 private:
  HsmCore& core_;
  CK_SESSION_HANDLE handle_;
};

class Context {
 public:
  explicit Context(GlobalOptions& options);
  ~Context();

  const GlobalOptions& options() const { return options_; }
  bool json() const { return options_.json; }

  // The configuration file (or defaults); an invalid file fails with
  // Exit::kUsage naming the file, line and key.
  const Config& config();
  // "craton_hsm.toml" or "(defaults)".
  std::string config_source();
  // A crypto provider whose power-on known-answer tests have passed.
  const crypto::Provider& provider();
  // The core on the store; Exit::kUnavailable naming the holder's PID when
  // another process has the store.
  HsmCore& core();
  // --slot, checked against the configured slot count.
  CK_SLOT_ID slot();

  std::unique_ptr<AdminSession> open_session(bool read_write = true);
  // A read-write session logged in as the user (CKU_USER) or the SO, with the
  // PIN read from its source.
  std::unique_ptr<AdminSession> login(CK_USER_TYPE user);

  SecureBytes secret(SecretRole role, std::string_view what, bool confirm = false) const;

  // Destructive commands: proceeds with --yes, or when the operator types
  // "yes" at the prompt showing `what`; otherwise Exit::kDeclined.
  void confirm(const std::string& what) const;

 private:
  GlobalOptions& options_;
  std::optional<Config> config_;
  std::unique_ptr<crypto::Provider> provider_;
  std::unique_ptr<HsmCore> core_;
};

}  // namespace craton::admin

// Configuration: craton_hsm.toml (DESIGN.md §6, docs/configuration.md).
#pragma once

#include <filesystem>
#include <string>

#include "core/status.h"

namespace craton {

struct Config {
  // Directory that relative paths resolve against: the config file's
  // directory, or the working directory when no file is used.
  std::filesystem::path base_dir;
  std::filesystem::path source_file;  // empty when defaults are used

  // [token]
  std::string label = "Craton HSM";
  std::string serial_number;  // empty: derived per slot from the store
  std::string storage_path = "craton-store";
  unsigned long slot_count = 1;
  unsigned long max_sessions = 4096;
  unsigned long max_rw_sessions = 4096;

  // [security]
  unsigned long pin_min_length = 4;
  unsigned long pin_max_length = 64;
  unsigned long max_failed_logins = 10;
  unsigned long pbkdf2_iterations = 600000;

  // [algorithms]
  bool fips_approved_only = false;
  bool allow_sha1_signing = true;
  bool enable_pqc = true;
  bool enable_legacy = true;

  // [audit] (docs/configuration.md; the log itself: src/audit/)
  std::string audit_log_path;               // empty: <storage_path>/audit.log
  std::string audit_crypto_ops = "buffered";  // "durable" | "buffered" | "off"
  unsigned long audit_flush_ms = 200;
  unsigned long audit_max_file_bytes = 64ul * 1024 * 1024;

  std::filesystem::path storage_dir() const { return base_dir / storage_path; }
  std::filesystem::path audit_log_file() const {
    return audit_log_path.empty() ? storage_dir() / "audit.log" : base_dir / audit_log_path;
  }
  // The audit key and the recorded chain head live in the store (DESIGN.md §5).
  std::filesystem::path audit_key_file() const { return storage_dir() / "audit.key"; }
  std::filesystem::path audit_head_file() const { return storage_dir() / "audit_head.sqlite3"; }

  // CRATON_HSM_CONFIG, else ./craton_hsm.toml, else defaults. Errors name
  // the file, line and key (CKR_GENERAL_ERROR with that message).
  static Result<Config> load();
  static Result<Config> load_file(const std::filesystem::path& file);
  static Result<Config> parse(std::string_view text, const std::filesystem::path& file);
};

}  // namespace craton

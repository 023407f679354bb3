#include "core/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <toml++/toml.h>

#include "audit/audit_log.h"

namespace craton {
namespace {

namespace fs = std::filesystem;

Status config_error(const fs::path& file, const toml::source_region& where, std::string_view key,
                    std::string_view what) {
  std::ostringstream msg;
  msg << (file.empty() ? std::string("<config>") : file.string()) << ":" << where.begin.line << ": "
      << key << ": " << what;
  return Status(CKR_GENERAL_ERROR, msg.str());
}

// Reads one key of a table into `out`, checking type and range. Unknown keys
// are rejected by check_known_keys so that a typo never silently becomes a
// default.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string section, const fs::path& file)
      : table_(table), section_(std::move(section)), file_(file) {}

  Status read_string(std::string_view key, std::string& out) {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return Status::Ok();
    if (!node->is_string()) return error(*node, key, "expected a string");
    out = node->as_string()->get();
    return Status::Ok();
  }

  Status read_bool(std::string_view key, bool& out) {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return Status::Ok();
    if (!node->is_boolean()) return error(*node, key, "expected true or false");
    out = node->as_boolean()->get();
    return Status::Ok();
  }

  Status read_uint(std::string_view key, unsigned long& out, unsigned long min, unsigned long max) {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return Status::Ok();
    if (!node->is_integer()) return error(*node, key, "expected an integer");
    const std::int64_t v = node->as_integer()->get();
    if (v < static_cast<std::int64_t>(min) || static_cast<std::uint64_t>(v) > max) {
      return error(*node, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    out = static_cast<unsigned long>(v);
    return Status::Ok();
  }

  Status check_known_keys(std::initializer_list<std::string_view> known) {
    for (const auto& [key, node] : table_) {
      bool found = false;
      for (auto k : known) found = found || k == key.str();
      if (!found) return error(node, key.str(), "unknown key");
    }
    return Status::Ok();
  }

 private:
  Status error(const toml::node& node, std::string_view key, std::string_view what) {
    return config_error(file_, node.source(), section_ + "." + std::string(key), what);
  }

  const toml::table& table_;
  std::string section_;
  const fs::path& file_;
};

// storage_path/log_path: relative, no "..", resolved against base_dir (DESIGN.md §6).
Status check_relative_path(const std::string& value, const toml::table& table, std::string_view section,
                           std::string_view key, const fs::path& file) {
  const fs::path p(value);
  bool dotdot = false;
  for (const auto& part : p) dotdot = dotdot || part == "..";
  if (value.empty() || p.is_absolute() || dotdot) {
    const toml::node* node = table.get(key);
    return config_error(file, node ? node->source() : toml::source_region{},
                        std::string(section) + "." + std::string(key),
                        "must be a relative path without '..' (it resolves against the config file's directory)");
  }
  return Status::Ok();
}

Status read_token(const toml::table& t, Config& c, const fs::path& file) {
  TableReader r(t, "token", file);
  RETURN_IF_ERROR(r.check_known_keys(
      {"label", "serial_number", "storage_path", "slot_count", "max_sessions", "max_rw_sessions"}));
  RETURN_IF_ERROR(r.read_string("label", c.label));
  RETURN_IF_ERROR(r.read_string("serial_number", c.serial_number));
  RETURN_IF_ERROR(r.read_string("storage_path", c.storage_path));
  RETURN_IF_ERROR(r.read_uint("slot_count", c.slot_count, 1, 256));
  RETURN_IF_ERROR(r.read_uint("max_sessions", c.max_sessions, 1, 1u << 20));
  RETURN_IF_ERROR(r.read_uint("max_rw_sessions", c.max_rw_sessions, 1, 1u << 20));
  if (c.label.size() > 32) {
    return config_error(file, t.get("label")->source(), "token.label", "at most 32 bytes");
  }
  if (c.serial_number.size() > 16) {
    return config_error(file, t.get("serial_number")->source(), "token.serial_number", "at most 16 bytes");
  }
  return check_relative_path(c.storage_path, t, "token", "storage_path", file);
}

Status read_security(const toml::table& t, Config& c, const fs::path& file) {
  TableReader r(t, "security", file);
  RETURN_IF_ERROR(r.check_known_keys({"pin_min_length", "pin_max_length", "max_failed_logins",
                                      "pbkdf2_iterations"}));
  RETURN_IF_ERROR(r.read_uint("pin_min_length", c.pin_min_length, 1, 255));
  RETURN_IF_ERROR(r.read_uint("pin_max_length", c.pin_max_length, 1, 255));
  RETURN_IF_ERROR(r.read_uint("max_failed_logins", c.max_failed_logins, 1, 1000));
  RETURN_IF_ERROR(r.read_uint("pbkdf2_iterations", c.pbkdf2_iterations, 100000, 100000000));
  if (c.pin_min_length > c.pin_max_length) {
    return config_error(file, t.source(), "security.pin_min_length", "greater than pin_max_length");
  }
  return Status::Ok();
}

Status read_algorithms(const toml::table& t, Config& c, const fs::path& file) {
  TableReader r(t, "algorithms", file);
  RETURN_IF_ERROR(r.check_known_keys({"fips_approved_only", "allow_sha1_signing", "enable_pqc", "enable_legacy"}));
  RETURN_IF_ERROR(r.read_bool("fips_approved_only", c.fips_approved_only));
  RETURN_IF_ERROR(r.read_bool("allow_sha1_signing", c.allow_sha1_signing));
  RETURN_IF_ERROR(r.read_bool("enable_pqc", c.enable_pqc));
  return r.read_bool("enable_legacy", c.enable_legacy);
}

Status read_audit(const toml::table& t, Config& c, const fs::path& file) {
  TableReader r(t, "audit", file);
  RETURN_IF_ERROR(r.check_known_keys({"log_path", "crypto_ops", "flush_ms", "max_file_bytes"}));
  RETURN_IF_ERROR(r.read_string("log_path", c.audit_log_path));
  RETURN_IF_ERROR(r.read_string("crypto_ops", c.audit_crypto_ops));
  RETURN_IF_ERROR(r.read_uint("flush_ms", c.audit_flush_ms, 1, 60000));
  RETURN_IF_ERROR(r.read_uint("max_file_bytes", c.audit_max_file_bytes, 4096, 1ul << 40));
  if (!parse_crypto_audit_mode(c.audit_crypto_ops).ok()) {
    return config_error(file, t.get("crypto_ops")->source(), "audit.crypto_ops",
                        "must be \"durable\", \"buffered\" or \"off\"");
  }
  if (t.get("log_path") != nullptr) return check_relative_path(c.audit_log_path, t, "audit", "log_path", file);
  return Status::Ok();
}

}  // namespace

Result<Config> Config::parse(std::string_view text, const fs::path& file) {
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {  // the Debian build of toml++ reports errors by exception
    return config_error(file, e.source(), "(syntax)", e.description());
  }
  Config c;
  c.source_file = file;
  c.base_dir = file.empty() ? fs::current_path() : fs::absolute(file).parent_path();
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    const toml::table* t = node.as_table();
    if (t == nullptr) return config_error(file, node.source(), name, "expected a [section]");
    Status st;
    if (name == "token") st = read_token(*t, c, file);
    else if (name == "security") st = read_security(*t, c, file);
    else if (name == "algorithms") st = read_algorithms(*t, c, file);
    else if (name == "audit") st = read_audit(*t, c, file);
    else if (name == "daemon") st = Status::Ok();  // read by the daemon
    else st = config_error(file, node.source(), name, "unknown section");
    RETURN_IF_ERROR(st);
  }
  return c;
}

static std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// The file is opened without following a symlink and must be a regular file
// that only its owner can write: whoever can rewrite the configuration can
// point the module at a store of their choosing or weaken its policy.
Result<Config> Config::load_file(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP) {
      return Status(CKR_GENERAL_ERROR, file.string() + ": configuration file is a symbolic link; refusing to follow it");
    }
    return Status(CKR_GENERAL_ERROR, file.string() + ": cannot open configuration file: " + std::strerror(err));
  }
  struct stat st {};
  std::string text;
  Status problem = Status::Ok();
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    problem = Status(CKR_GENERAL_ERROR, file.string() + ": configuration file is not a regular file");
  } else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    problem = Status(CKR_GENERAL_ERROR, file.string() + ": configuration file is group- or world-writable (mode " +
                                            octal_mode(st.st_mode) + "); run chmod go-w on it");
  } else {
    char buf[8192];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    if (n < 0) problem = Status(CKR_GENERAL_ERROR, file.string() + ": cannot read configuration file");
  }
  ::close(fd);
  RETURN_IF_ERROR(problem);
  return parse(text, file);
}

Result<Config> Config::load() {
  if (const char* env = std::getenv("CRATON_HSM_CONFIG"); env != nullptr && *env != '\0') {
    return load_file(env);
  }
  std::error_code ec;
  const fs::path local = fs::current_path(ec) / "craton_hsm.toml";
  if (!ec && fs::exists(local, ec)) return load_file(local);
  Config c;
  c.base_dir = ec ? fs::path(".") : fs::current_path(ec);
  return c;
}

}  // namespace craton

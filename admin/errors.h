// How craton-hsm-admin fails: one line on stderr and a documented exit code
// (docs/cli.md "Exit codes"). Commands throw CliError; main() prints it.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "core/status.h"

namespace craton::admin {

enum class Exit : int {
  kOk = 0,
  kCheckFailed = 1,   // a check ran and found a problem (audit verify, selftest, config check, verify)
  kUsage = 2,         // bad command line or configuration file
  kAuth = 3,          // wrong, locked or missing PIN / passphrase
  kUnavailable = 4,   // store locked by another process or unusable
  kFailed = 5,        // anything else the module refused or could not do
  kDeclined = 6,      // the operator did not confirm a destructive command
};

class CliError : public std::runtime_error {
 public:
  CliError(Exit code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}
  Exit code() const { return code_; }

 private:
  Exit code_;
};

[[noreturn]] void fail(Exit code, std::string message);

// The exit code a module status means: PIN problems are authentication
// failures, a device error is an unusable store, the rest is kFailed.
Exit exit_for(CK_RV rv);

// "<doing>: <message> (CKR_...)" with the exit code exit_for() gives.
[[noreturn]] void fail_status(const Status& status, std::string_view doing);

// Throws via fail_status when `status` is not OK.
inline void check(const Status& status, std::string_view doing) {
  if (!status.ok()) fail_status(status, doing);
}
template <class T>
T check(Result<T> result, std::string_view doing) {
  if (!result.ok()) fail_status(result.status(), doing);
  return std::move(result).value();
}

// CKR_PIN_INCORRECT -> "CKR_PIN_INCORRECT".
std::string rv_name(CK_RV rv);

}  // namespace craton::admin

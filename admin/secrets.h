// PINs and passphrases for craton-hsm-admin (docs/cli.md "Secrets").
//
// Each secret the CLI needs has a role; for each role the operator may name a
// file (first line) or an environment variable. Otherwise, on a terminal the
// secret is prompted for without echo (new secrets twice); without a
// terminal it is the next line of stdin, in the order the command documents.
// Secrets are kept in SecureBytes and never printed or logged.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"

namespace CLI { class App; }

namespace craton::admin {

enum class SecretRole { kUserPin, kSoPin, kNewPin, kPassphrase };

struct SecretSource {
  std::string file;
  std::string env;
};

struct SecretOptions {
  SecretSource user_pin;    // --pin-file / --pin-env
  SecretSource so_pin;      // --so-pin-file / --so-pin-env
  SecretSource new_pin;     // --new-pin-file / --new-pin-env
  SecretSource passphrase;  // --passphrase-file / --passphrase-env
};

// Adds the eight --*-file / --*-env options to `app` (global, inherited by
// every subcommand).
void add_secret_options(CLI::App& app, SecretOptions& options);

// `what` names the secret in prompts and errors ("user PIN", "new SO PIN").
// `confirm`: a new secret, asked twice on a terminal.
// Fails with Exit::kAuth when no source gives it (empty stdin, unset variable).
SecureBytes read_secret(const SecretOptions& options, SecretRole role, std::string_view what, bool confirm = false);

// Whether stdin is a terminal (prompts and confirmations are possible).
bool stdin_is_terminal();

// The next line of stdin (without the newline); used for secrets and for
// confirmations. False at end of input.
bool read_stdin_line(std::string& line);

}  // namespace craton::admin

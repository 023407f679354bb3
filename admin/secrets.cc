#include "secrets.h"

#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "errors.h"

namespace craton::admin {
namespace {

const SecretSource& source_of(const SecretOptions& options, SecretRole role) {
  switch (role) {
    case SecretRole::kUserPin: return options.user_pin;
    case SecretRole::kSoPin: return options.so_pin;
    case SecretRole::kNewPin: return options.new_pin;
    case SecretRole::kPassphrase: return options.passphrase;
  }
  return options.user_pin;
}

SecureBytes to_secure(std::string& text) {
  SecureBytes out(text.begin(), text.end());
  std::fill(text.begin(), text.end(), '\0');
  return out;
}

void strip_line_end(std::string& line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
}

SecureBytes from_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(Exit::kAuth, "cannot read the " + std::string(what) + " from file " + path);
  std::string line;
  std::getline(in, line);
  strip_line_end(line);
  if (line.empty()) fail(Exit::kAuth, "file " + path + " holds no " + std::string(what) + " (first line is empty)");
  return to_secure(line);
}

SecureBytes from_env(const std::string& name, std::string_view what) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    fail(Exit::kAuth, "environment variable " + name + " (the " + std::string(what) + ") is not set or empty");
  }
  std::string text(value);
  return to_secure(text);
}

// Reads one line from the terminal with echo off; the echo is restored
// whatever happens.
std::string prompt_no_echo(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  termios saved{};
  const bool have_tty = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (have_tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool got = read_stdin_line(line);
  if (have_tty) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  if (!got) line.clear();
  return line;
}

}  // namespace

void add_secret_options(CLI::App& app, SecretOptions& options) {
  const auto add = [&app](const char* flag, std::string& target, const char* help) {
    app.add_option(flag, target, help)->group("Secrets");
  };
  add("--pin-file", options.user_pin.file, "Read the user PIN from the first line of FILE");
  add("--pin-env", options.user_pin.env, "Read the user PIN from environment variable NAME");
  add("--so-pin-file", options.so_pin.file, "Read the SO PIN from the first line of FILE");
  add("--so-pin-env", options.so_pin.env, "Read the SO PIN from environment variable NAME");
  add("--new-pin-file", options.new_pin.file, "Read the new PIN (pin change, pin reset) from FILE");
  add("--new-pin-env", options.new_pin.env, "Read the new PIN from environment variable NAME");
  add("--passphrase-file", options.passphrase.file, "Read the backup passphrase from the first line of FILE");
  add("--passphrase-env", options.passphrase.env, "Read the backup passphrase from environment variable NAME");
}

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }

bool read_stdin_line(std::string& line) {
  // Unbuffered reads, byte by byte: data after the line stays in stdin for
  // the command (e.g. `sign` reading its message from stdin after the PIN).
  line.clear();
  char c = 0;
  bool any = false;
  while (true) {
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n <= 0) break;
    any = true;
    if (c == '\n') break;
    line.push_back(c);
  }
  strip_line_end(line);
  return any;
}

SecureBytes read_secret(const SecretOptions& options, SecretRole role, std::string_view what, bool confirm) {
  const SecretSource& source = source_of(options, role);
  if (!source.file.empty()) return from_file(source.file, what);
  if (!source.env.empty()) return from_env(source.env, what);
  const std::string name(what);
  if (stdin_is_terminal()) {
    std::string first = prompt_no_echo("Enter " + name + ": ");
    if (first.empty()) fail(Exit::kAuth, "no " + name + " entered");
    if (confirm) {
      std::string again = prompt_no_echo("Repeat " + name + ": ");
      const bool same = again == first;
      std::fill(again.begin(), again.end(), '\0');
      if (!same) {
        std::fill(first.begin(), first.end(), '\0');
        fail(Exit::kAuth, "the two " + name + " entries differ");
      }
    }
    return to_secure(first);
  }
  std::string line;
  if (!read_stdin_line(line) || line.empty()) {
    const std::string flag = role == SecretRole::kUserPin ? "--pin"
                             : role == SecretRole::kSoPin ? "--so-pin"
                             : role == SecretRole::kNewPin ? "--new-pin"
                                                           : "--passphrase";
    fail(Exit::kAuth, "no " + name + " given: use " + flag + "-file, " + flag + "-env or a line on stdin");
  }
  return to_secure(line);
}

}  // namespace craton::admin

// token init | info | reinit.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "commands.h"
#include "context.h"
#include "errors.h"
#include "token_view.h"

namespace craton::admin {
namespace {

struct TokenOptions {
  std::string label;
  bool no_user_pin = false;
};

Bytes label32(const std::string& label) {
  if (label.empty()) fail(Exit::kUsage, "--label must not be empty");
  if (label.size() > 32) fail(Exit::kUsage, "--label is " + std::to_string(label.size()) + " bytes; at most 32");
  Bytes out(32, ' ');
  std::copy(label.begin(), label.end(), out.begin());
  return out;
}

// The user PIN of a freshly (re)initialised token, set by the SO.
void set_first_user_pin(Context& ctx, const SecureBytes& so_pin) {
  auto session = ctx.open_session(true);
  HsmCore& core = session->core();
  check(core.login(session->handle(), CKU_SO, so_pin), "SO login");
  SecureBytes user_pin = ctx.secret(SecretRole::kUserPin, "new user PIN", true);
  check(core.init_pin(session->handle(), user_pin), "setting the user PIN");
}

void report_token(Context& ctx, const std::string& done) {
  Json j = token_json(ctx.core(), ctx.slot());
  if (ctx.json()) return print_json(std::cout, j);
  std::cout << done << '\n';
  print_fields(std::cout, {{"slot", std::to_string(ctx.slot())},
                           {"label", j["label"]},
                           {"serial", j["serial"]},
                           {"user PIN", yes_no(j["user_pin_initialized"]) + (j["user_pin_initialized"] ? " (set)" : "")}});
}

void run_init(Context& ctx, const TokenOptions& opts) {
  const Bytes label = label32(opts.label);
  HsmCore& core = ctx.core();
  const CK_SLOT_ID slot = ctx.slot();
  const Json before = token_json(core, slot);
  if (before["initialized"]) {
    fail(Exit::kFailed, "slot " + std::to_string(slot) + " already holds token \"" + before["label"].get<std::string>() +
                            "\"; use `token reinit` to replace it");
  }
  SecureBytes so_pin = ctx.secret(SecretRole::kSoPin, "new SO PIN", true);
  check(core.init_token(slot, so_pin, label), "initialising the token");
  if (!opts.no_user_pin) set_first_user_pin(ctx, so_pin);
  report_token(ctx, "token initialised");
}

void run_reinit(Context& ctx, const TokenOptions& opts) {
  HsmCore& core = ctx.core();
  const CK_SLOT_ID slot = ctx.slot();
  const Json before = token_json(core, slot);
  if (!before["initialized"]) fail(Exit::kFailed, "slot " + std::to_string(slot) + " holds no token; use `token init`");
  const std::string old_label = before["label"];
  const Bytes label = label32(opts.label.empty() ? old_label : opts.label);
  const std::size_t objects = before["objects"]["public"].get<std::size_t>() +
                              before["objects"]["private"].get<std::size_t>();
  ctx.confirm("This destroys token \"" + old_label + "\" (serial " + before["serial"].get<std::string>() +
              ") in slot " + std::to_string(slot) + " and all " + std::to_string(objects) +
              " of its objects; its user PIN is replaced.");
  SecureBytes so_pin = ctx.secret(SecretRole::kSoPin, "SO PIN");
  check(core.init_token(slot, so_pin, label), "re-initialising the token");
  if (!opts.no_user_pin) set_first_user_pin(ctx, so_pin);
  report_token(ctx, "token re-initialised");
}

void run_info(Context& ctx) {
  Json j = token_json(ctx.core(), ctx.slot());
  if (ctx.json()) return print_json(std::cout, j);
  const Json& user = j["pins"]["user"];
  const Json& so = j["pins"]["so"];
  const auto pin_text = [](const Json& p) {
    if (!p["initialized"].get<bool>()) return std::string("not set");
    if (p["locked"].get<bool>()) return std::string("LOCKED");
    if (p["final_try"].get<bool>()) return std::string("set, one try left");
    if (p["count_low"].get<bool>()) return std::string("set, recent failed logins");
    return std::string("set");
  };
  print_fields(std::cout, {{"slot", std::to_string(j["slot"].get<CK_SLOT_ID>())},
                           {"initialized", yes_no(j["initialized"])},
                           {"label", j["label"]},
                           {"serial", j["serial"]},
                           {"user PIN", pin_text(user)},
                           {"SO PIN", pin_text(so)},
                           {"public objects", std::to_string(j["objects"]["public"].get<std::size_t>())},
                           {"private objects", std::to_string(j["objects"]["private"].get<std::size_t>())},
                           {"PIN length", std::to_string(j["pin_length"]["min"].get<CK_ULONG>()) + ".." +
                                              std::to_string(j["pin_length"]["max"].get<CK_ULONG>())}});
}

}  // namespace

void add_token_commands(CLI::App& app, Context& ctx) {
  CLI::App* token = app.add_subcommand("token", "Initialise and inspect tokens")->require_subcommand(1);
  auto opts = std::make_shared<TokenOptions>();

  CLI::App* init = token->add_subcommand(
      "init", "Initialise the token in --slot: asks for the new SO PIN, then the user PIN (stdin order: SO PIN, user PIN)");
  init->add_option("--label", opts->label, "Token label (at most 32 bytes)")->required();
  init->add_flag("--no-user-pin", opts->no_user_pin, "Leave the user PIN unset (set it later with `pin reset`)");
  init->callback([&ctx, opts] { run_init(ctx, *opts); });

  token->add_subcommand("info", "Token label, serial, PIN state and object counts")
      ->callback([&ctx] { run_info(ctx); });

  CLI::App* reinit = token->add_subcommand(
      "reinit",
      "Destroy the token in --slot and initialise it again (asks for confirmation; stdin order: SO PIN, new user PIN)");
  reinit->add_option("--label", opts->label, "New label (default: keep the current one)");
  reinit->add_flag("--no-user-pin", opts->no_user_pin, "Leave the user PIN unset");
  reinit->callback([&ctx, opts] { run_reinit(ctx, *opts); });
}

}  // namespace craton::admin

// pin change | reset | unlock-status.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "commands.h"
#include "context.h"
#include "errors.h"
#include "token_view.h"

namespace craton::admin {
namespace {

struct PinOptions {
  bool user = false;
  bool so = false;
};

void done(Context& ctx, const std::string& what) {
  if (ctx.json()) return print_json(std::cout, {{"slot", ctx.slot()}, {"result", what}});
  std::cout << what << '\n';
}

void run_change(Context& ctx, const PinOptions& opts) {
  if (opts.user == opts.so) fail(Exit::kUsage, "pin change: give exactly one of --user or --so");
  auto session = ctx.open_session(true);
  HsmCore& core = session->core();
  if (opts.so) {
    // C_SetPIN changes the PIN of the role logged in: the SO's needs an SO session.
    SecureBytes old_pin = ctx.secret(SecretRole::kSoPin, "current SO PIN");
    check(core.login(session->handle(), CKU_SO, old_pin), "SO login");
    SecureBytes new_pin = ctx.secret(SecretRole::kNewPin, "new SO PIN", true);
    check(core.set_pin(session->handle(), old_pin, new_pin), "changing the SO PIN");
    return done(ctx, "SO PIN changed");
  }
  SecureBytes old_pin = ctx.secret(SecretRole::kUserPin, "current user PIN");
  SecureBytes new_pin = ctx.secret(SecretRole::kNewPin, "new user PIN", true);
  check(core.set_pin(session->handle(), old_pin, new_pin), "changing the user PIN");
  done(ctx, "user PIN changed");
}

// C_InitPIN as the SO: a new user PIN, and the user's failure counter (and
// so a lockout) cleared. The user's keys stay: the master key is rewrapped.
void run_reset(Context& ctx) {
  auto session = ctx.login(CKU_SO);
  SecureBytes new_pin = ctx.secret(SecretRole::kNewPin, "new user PIN", true);
  check(session->core().init_pin(session->handle(), new_pin), "resetting the user PIN");
  done(ctx, "user PIN reset; lockout cleared");
}

void run_unlock_status(Context& ctx) {
  CK_TOKEN_INFO info{};
  check(ctx.core().token_info(ctx.slot(), info), "reading token information");
  Json pins = pin_state_json(info);
  const Config& config = ctx.config();
  if (ctx.json()) {
    return print_json(std::cout,
                      {{"slot", ctx.slot()}, {"max_failed_logins", config.max_failed_logins}, {"pins", pins}});
  }
  Table table({"ROLE", "SET", "STATE"});
  for (const char* role : {"user", "so"}) {
    const Json& p = pins[role];
    std::string state = "ok";
    if (p["locked"].get<bool>()) state = "LOCKED (SO: `pin reset`)";
    else if (p["final_try"].get<bool>()) state = "one try left";
    else if (p["count_low"].get<bool>()) state = "failed logins since the last success";
    table.add({role == std::string("so") ? "SO" : "user", yes_no(p["initialized"]), state});
  }
  table.print(std::cout);
  std::cout << "lockout after " << config.max_failed_logins << " consecutive failures\n";
}

}  // namespace

void add_pin_commands(CLI::App& app, Context& ctx) {
  CLI::App* pin = app.add_subcommand("pin", "Change and reset PINs")->require_subcommand(1);
  auto opts = std::make_shared<PinOptions>();
  CLI::App* change = pin->add_subcommand(
      "change", "Change the user or SO PIN (stdin order: current PIN, new PIN)");
  change->add_flag("--user", opts->user, "Change the user PIN");
  change->add_flag("--so", opts->so, "Change the SO PIN");
  change->callback([&ctx, opts] { run_change(ctx, *opts); });
  pin->add_subcommand("reset", "As the SO, set a new user PIN and clear its lockout (stdin order: SO PIN, new PIN)")
      ->callback([&ctx] { run_reset(ctx); });
  pin->add_subcommand("unlock-status", "Whether the user and SO PINs are set, near lockout or locked")
      ->callback([&ctx] { run_unlock_status(ctx); });
}

}  // namespace craton::admin

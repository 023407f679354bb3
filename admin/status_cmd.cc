// status, selftest, slot list.
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>

#include "audit/audit_head.h"
#include "commands.h"
#include "context.h"
#include "crypto/integrity.h"
#include "crypto/provider.h"
#include "crypto/self_test.h"
#include "errors.h"
#include "token_view.h"

namespace craton::admin {
namespace {

Json audit_json(const Config& config) {
  Json j;
  j["log_path"] = config.audit_log_file().string();
  j["crypto_ops"] = config.audit_crypto_ops;
  auto head_store = AuditHeadStore::open(config.audit_head_file(), AuditHeadStore::Mode::kReadOnly);
  if (!head_store.ok()) {
    j["head"] = nullptr;
    return j;
  }
  auto head = (*head_store)->load();
  if (head.ok() && head->has_value()) {
    j["head"] = {{"seq", (*head)->seq}, {"hash", std::string((*head)->hash.data(), (*head)->hash.size())}};
  } else {
    j["head"] = nullptr;
  }
  return j;
}

void run_status(Context& ctx) {
  HsmCore& core = ctx.core();
  const Config& config = ctx.config();
  Json j;
  j["version"] = CRATON_VERSION;
  j["config"] = ctx.config_source();
  j["store"] = config.storage_dir().string();
  j["self_test"] = {{"result", "passed"}, {"known_answer_tests", crypto::known_answer_test_names().size()}};
  j["fips_approved_only"] = config.fips_approved_only;
  j["pqc_enabled"] = config.enable_pqc;
  j["audit"] = audit_json(config);
  j["slots"] = Json::array();
  for (CK_SLOT_ID id : core.slot_list(false)) j["slots"].push_back(token_json(core, id));
  if (ctx.json()) return print_json(std::cout, j);
  const Json& head = j["audit"]["head"];
  print_fields(std::cout, {
                              {"version", CRATON_VERSION},
                              {"config", j["config"].get<std::string>()},
                              {"store", j["store"].get<std::string>()},
                              {"self-test", "passed (" + std::to_string(crypto::known_answer_test_names().size()) +
                                                " known-answer tests)"},
                              {"approved-only mode", config.fips_approved_only ? "on" : "off"},
                              {"post-quantum", config.enable_pqc ? "enabled" : "disabled"},
                              {"audit log", config.audit_log_file().string()},
                              {"audit crypto ops", config.audit_crypto_ops},
                              {"audit head", head.is_null() ? "none"
                                                            : "seq " + std::to_string(head["seq"].get<std::uint64_t>())},
                          });
  std::cout << '\n';
  Table table({"SLOT", "LABEL", "SERIAL", "INITIALIZED", "USER PIN", "PUBLIC", "PRIVATE"});
  for (const Json& s : j["slots"]) {
    table.add({std::to_string(s["slot"].get<CK_SLOT_ID>()), s["label"], s["serial"], yes_no(s["initialized"]),
               s["pins"]["user"]["locked"].get<bool>() ? "locked" : yes_no(s["user_pin_initialized"]),
               std::to_string(s["objects"]["public"].get<std::size_t>()),
               std::to_string(s["objects"]["private"].get<std::size_t>())});
  }
  table.print(std::cout);
}

void run_slot_list(Context& ctx) {
  HsmCore& core = ctx.core();
  Json slots = Json::array();
  for (CK_SLOT_ID id : core.slot_list(false)) slots.push_back(token_json(core, id));
  if (ctx.json()) return print_json(std::cout, {{"slots", slots}});
  Table table({"SLOT", "LABEL", "SERIAL", "INITIALIZED", "OBJECTS"});
  for (const Json& s : slots) {
    const std::size_t objects = s["objects"]["public"].get<std::size_t>() + s["objects"]["private"].get<std::size_t>();
    table.add({std::to_string(s["slot"].get<CK_SLOT_ID>()), s["label"], s["serial"], yes_no(s["initialized"]),
               std::to_string(objects)});
  }
  table.print(std::cout);
}

// Runs every known-answer test on a fresh provider and reports each one,
// instead of stopping at the first failure as the power-on sequence does.
void run_selftest(Context& ctx, const std::string& module) {
  auto provider = check(crypto::Provider::create(), "starting the crypto provider");
  Json results = Json::array();
  bool all_passed = true;
  if (!module.empty()) {
    // The integrity test the module runs on itself at C_Initialize.
    const auto start = std::chrono::steady_clock::now();
    Status st = crypto::verify_file_hmac(module);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    all_passed = st.ok();
    Json r = {{"name", "module-integrity"}, {"result", st.ok() ? "passed" : "failed"}, {"milliseconds", ms}};
    if (!st.ok()) r["error"] = st.message();
    results.push_back(r);
  }
  for (std::string_view name : crypto::known_answer_test_names()) {
    const auto start = std::chrono::steady_clock::now();
    Status st = crypto::run_known_answer_test(*provider, name);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    all_passed = all_passed && st.ok();
    Json r = {{"name", name}, {"result", st.ok() ? "passed" : "failed"}, {"milliseconds", ms}};
    if (!st.ok()) r["error"] = st.message();
    results.push_back(r);
  }
  if (ctx.json()) {
    print_json(std::cout, {{"passed", all_passed}, {"tests", results}});
  } else {
    Table table({"TEST", "RESULT", "MS"});
    for (const Json& r : results) {
      char ms[32];
      std::snprintf(ms, sizeof ms, "%.2f", r["milliseconds"].get<double>());
      table.add({r["name"], r["result"], ms});
    }
    table.print(std::cout);
    std::cout << (all_passed ? "all " + std::to_string(results.size()) + " self-tests passed\n"
                             : std::string("SELF-TEST FAILURE\n"));
  }
  if (!all_passed) fail(Exit::kCheckFailed, "a power-on self-test failed");
}

}  // namespace

void add_status_commands(CLI::App& app, Context& ctx) {
  app.add_subcommand("status", "Version, self-test result, slots, tokens, object counts, approved-only mode, audit state")
      ->callback([&ctx] { run_status(ctx); });
  auto module = std::make_shared<std::string>();
  CLI::App* selftest =
      app.add_subcommand("selftest", "Run the power-on self-tests and print each result (exit 1 if any fails)");
  selftest->add_option("--module", *module,
                       "Also check this libcraton_hsm.so against its .hmac, as the module does when loaded");
  selftest->callback([&ctx, module] { run_selftest(ctx, *module); });
  CLI::App* slot = app.add_subcommand("slot", "Slots")->require_subcommand(1);
  slot->add_subcommand("list", "List the slots and their tokens")->callback([&ctx] { run_slot_list(ctx); });
}

}  // namespace craton::admin

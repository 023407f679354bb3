// craton-p11-bench: ops/s of any PKCS#11 module, and of OpenSSL doing the
// same crypto directly, over 1..N threads.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include "driver.h"
#include "openssl_baseline.h"
#include "options.h"
#include "p11_cases.h"
#include "p11_find.h"
#include "p11_keys.h"
#include "p11_module.h"
#include "report.h"

namespace bench {
namespace {

// "libsofthsm2" from "/usr/lib/softhsm/libsofthsm2.so".
std::string default_name(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  return base.substr(0, base.find('.'));
}

// Labels carry the pid and start time, so objects left behind by an earlier,
// interrupted run can never match this run's searches.
std::string run_prefix() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return "bench-" + std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

RunPlan make_plan(const Options& o) {
  RunPlan plan;
  plan.threads = o.threads;
  plan.timing.seconds = o.seconds;
  // Enough to settle caches, short enough not to dominate short runs.
  plan.timing.warmup = std::min(0.25, std::max(0.05, o.seconds / 5));
  plan.filter = o.filter;
  return plan;
}

p11::Context make_context(const Options& o, const p11::Module& m, CK_SLOT_ID slot,
                          CK_SESSION_HANDLE s) {
  p11::Context ctx;
  ctx.module = &m;
  ctx.slot = slot;
  ctx.session = s;
  ctx.prefix = run_prefix();
  ctx.find_sizes = o.find_sizes;
  ctx.big = o.big;
  return ctx;
}

void run_module(const Options& o, const RunPlan& plan, Report& report) {
  p11::Module module(o.module);
  std::fprintf(stderr, "module: %s (%s)\n", o.module.c_str(), module.description().c_str());
  const CK_SLOT_ID slot = p11::choose_slot(module, o.slot, o.init_token);
  if (o.init_token) p11::init_token(module, slot, o.so_pin, o.pin);
  std::fprintf(stderr, "slot: %lu\n", static_cast<unsigned long>(slot));

  // The login session stays open all run: the user stays logged in while
  // worker sessions come and go.
  p11::Session login(module, slot);
  p11::login_user(module, login.handle(), o.pin);
  p11::Context ctx = make_context(o, module, slot, login.handle());
  p11::KeyStore keys(module, login.handle(), ctx.prefix);
  p11::FindPool pool(module, login.handle(), ctx.prefix);
  if (o.keep_find_objects) pool.keep_objects();
  ctx.keys = &keys;
  ctx.pool = &pool;

  const std::string name = o.name.empty() ? default_name(o.module) : o.name;
  run_cases(name, p11::crypto_cases(ctx), plan, report);
  run_cases(name, p11::pqc_cases(ctx), plan, report);
  run_cases(name, p11::object_cases(ctx), plan, report);
}

void list_cases() {
  p11::Context ctx;
  ctx.find_sizes = Options().find_sizes;
  for (const auto& c : p11::crypto_cases(ctx)) std::printf("%s\n", c.name.c_str());
  for (const auto& c : p11::pqc_cases(ctx)) std::printf("%s\n", c.name.c_str());
  for (const auto& c : p11::object_cases(ctx)) std::printf("%s\n", c.name.c_str());
}

int run(int argc, char** argv) {
  Options o;
  try {
    o = parse_options(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "craton-p11-bench: %s\n%s", e.what(), usage_text());
    return 2;
  }
  if (o.list) {
    list_cases();
    return 0;
  }
  const RunPlan plan = make_plan(o);
  Report report(o.csv);
  if (!o.module.empty()) run_module(o, plan, report);
  if (o.openssl) run_cases("openssl", ossl::openssl_cases(), plan, report);
  return report.failures() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  try {
    return bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "craton-p11-bench: %s\n", e.what());
    return 2;
  }
}

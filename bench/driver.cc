#include "driver.h"

#include <cstdio>
#include <exception>
#include <regex>
#include <string>

namespace bench {
namespace {

// One row per thread count, all saying why the case has no number.
void report_setup_failure(const std::string& module, const Case& c, const RunPlan& plan,
                          Outcome outcome, Status code, const std::string& why,
                          Report& report) {
  for (unsigned t : plan.threads) {
    Row row{module, c.name, t, outcome, code, 0, 0, why};
    report.add(row);
  }
}

Row measure_row(const std::string& module, const Case& c, const OpFactory& factory,
                unsigned threads, const RunPlan& plan) {
  Row row{module, c.name, threads, Outcome::ok, 0, 0, 0, ""};
  try {
    const Measurement m = measure(factory, threads, plan.timing);
    if (m.error != 0) {
      row.outcome = Outcome::failed;
      row.code = m.error;
      row.note = "operation failed during the run";
      return row;
    }
    row.ops_per_sec = m.ops_per_sec;
    row.mb_per_sec = m.ops_per_sec * static_cast<double>(c.bytes_per_op) / 1e6;
  } catch (const CaseError& e) {
    row.outcome = e.outcome();
    row.code = e.code();
    row.note = e.what();
  } catch (const std::exception& e) {
    row.outcome = Outcome::failed;
    row.note = e.what();
  }
  return row;
}

}  // namespace

bool selected(const RunPlan& plan, const std::string& case_name) {
  return plan.filter.empty() || std::regex_search(case_name, std::regex(plan.filter));
}

void run_cases(const std::string& module_name, const std::vector<Case>& cases,
               const RunPlan& plan, Report& report) {
  for (const Case& c : cases) {
    if (!selected(plan, c.name)) continue;
    OpFactory factory;
    try {
      factory = c.prepare();
    } catch (const CaseError& e) {
      report_setup_failure(module_name, c, plan, e.outcome(), e.code(), e.what(), report);
      continue;
    } catch (const std::exception& e) {
      report_setup_failure(module_name, c, plan, Outcome::failed, 0, e.what(), report);
      continue;
    }
    // A failing operation aborts the case: later thread counts repeat its code.
    const Row* failed = nullptr;
    Row last;
    for (unsigned t : plan.threads) {
      Row row = failed ? Row{module_name, c.name, t, failed->outcome, failed->code, 0, 0,
                             "case aborted at " + std::to_string(failed->threads) + " threads"}
                       : measure_row(module_name, c, factory, t, plan);
      report.add(row);
      if (!failed && row.outcome != Outcome::ok) {
        last = row;
        failed = &last;
      }
    }
  }
}

}  // namespace bench

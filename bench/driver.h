// Runs a list of cases over every thread count and reports the rows.
#pragma once

#include <string>
#include <vector>

#include "bench_types.h"
#include "report.h"
#include "runner.h"

namespace bench {

struct RunPlan {
  std::vector<unsigned> threads;
  Timing timing;
  std::string filter;  // regex on case names; empty = all
};

bool selected(const RunPlan& plan, const std::string& case_name);

void run_cases(const std::string& module_name, const std::vector<Case>& cases,
               const RunPlan& plan, Report& report);

}  // namespace bench

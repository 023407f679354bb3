// Result rows: a live table on stdout and an optional CSV file.
#pragma once

#include <cstdio>
#include <string>

#include "bench_types.h"

namespace bench {

struct Row {
  std::string module;
  std::string case_name;
  unsigned threads = 1;
  Outcome outcome = Outcome::ok;
  Status code = 0;          // error code when outcome == failed (0: no code)
  double ops_per_sec = 0;
  double mb_per_sec = 0;    // 10^6 bytes/s; 0 for non-bulk cases
  std::string note;         // why a row has no number
};

// What the ops/s column shows: a number, "n/a", "skip" or the error in hex.
std::string result_cell(const Row& row);

class Report {
 public:
  explicit Report(const std::string& csv_path);  // empty: no CSV
  ~Report();
  Report(const Report&) = delete;
  Report& operator=(const Report&) = delete;

  void add(const Row& row);  // printed and written at once, so a crash keeps earlier rows
  int failures() const { return failures_; }

 private:
  std::FILE* csv_ = nullptr;
  bool header_printed_ = false;
  int failures_ = 0;
};

}  // namespace bench

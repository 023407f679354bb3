// Command line of craton-p11-bench.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace bench {

struct Options {
  std::string module;                  // --module PATH (PKCS#11 run)
  bool openssl = false;                // --openssl (baseline run)
  std::string pin, so_pin;             // --pin, --so-pin
  std::optional<unsigned long> slot;   // --slot
  bool init_token = false;             // --init-token
  std::vector<unsigned> threads{1, 2}; // --threads 1,2
  double seconds = 1.0;                // --seconds
  std::string filter;                  // --filter REGEX
  std::string name;                    // --name LABEL (default: from the path)
  std::string csv;                     // --csv FILE
  bool big = false;                    // --big
  std::vector<std::size_t> find_sizes{1000, 10000, 100000};  // --find-sizes
  bool keep_find_objects = false;      // --keep-find-objects
  bool list = false;                   // --list
};

// Parses argv; throws std::invalid_argument with a message on bad input and
// exits after printing the usage text for --help.
Options parse_options(int argc, char** argv);

const char* usage_text();

}  // namespace bench

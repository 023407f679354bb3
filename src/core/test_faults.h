// Fault injection for tests of the failure paths that must never happen in
// production: a known-answer test that computes the wrong value, a DRBG that
// repeats a block, a pairwise-consistency check that fails.
//
// The switch exists only in Debug builds (CMake defines CRATON_TEST_FAULTS
// there); in every other build test_fault() is a constant false the compiler
// removes, so a release library cannot be talked into a fault. In a Debug
// build the environment variable CRATON_HSM_TEST_FAULT names the faults to
// inject, separated by commas, e.g. "kat:SHA-256,drbg-repeat".
#pragma once

#include <string_view>

#ifdef CRATON_TEST_FAULTS
#include <cstdlib>
#endif

namespace craton {

inline constexpr bool kTestFaultsCompiledIn =
#ifdef CRATON_TEST_FAULTS
    true;
#else
    false;
#endif

// True when `name` is listed in CRATON_HSM_TEST_FAULT (Debug builds only).
inline bool test_fault([[maybe_unused]] std::string_view name) {
#ifdef CRATON_TEST_FAULTS
  const char* env = std::getenv("CRATON_HSM_TEST_FAULT");
  if (env == nullptr) return false;
  std::string_view list(env);
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    if (list.substr(0, comma) == name) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
#else
  return false;
#endif
}

}  // namespace craton

#!/usr/bin/env bash
# test.sh - build Craton HSM and run the whole test suite.
#
# Installs what it needs (scripts/bootstrap.sh), then builds and tests three
# configurations with CTest:
#   tsan     concurrency tests under ThreadSanitizer (label "concurrency")
#   asan     unit + ABI tests under AddressSanitizer and UBSan
#   release  everything, including the interop tests with real clients
# Exit status is non-zero if any build or test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

export CRATON_OPENSSL_ROOT
CRATON_OPENSSL_ROOT=$(scripts/bootstrap.sh --with-clients | sed -n 's/^OPENSSL_ROOT=//p' | tail -1)
export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/craton-hsm/ccache}
export CTEST_PARALLEL_LEVEL=${CTEST_PARALLEL_LEVEL:-$(nproc)}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

# run_preset PRESET [TARGET...]: configure, build (all, or just TARGETs), test.
run_preset() {
  local preset=$1
  shift
  echo "=== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  if [ $# -gt 0 ]; then
    cmake --build --preset "$preset" --target "$@"
  else
    cmake --build --preset "$preset"
  fi
  echo "=== $preset: test"
  ctest --preset "$preset" --timeout 600
}

status=0
# TSan runs only the "concurrency" label: build just what it needs.
run_preset tsan craton_hsm craton_concurrency_tests craton_pqc_concurrency_tests || status=1
run_preset asan || status=1
run_preset release || status=1
exit $status

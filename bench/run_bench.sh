#!/usr/bin/env bash
# run_bench.sh - Craton HSM vs. SoftHSMv2 vs. raw OpenSSL, in one run, one table.
#
#   bench/run_bench.sh [CRATON_MODULE] [options]
#
#   CRATON_MODULE      default build/release/src/libcraton_hsm.so
#   --bench PATH       craton-p11-bench binary (default build/release/bench/craton-p11-bench)
#   --softhsm PATH     SoftHSMv2 module (default /usr/lib/softhsm/libsofthsm2.so)
#   --threads LIST     default 1,2
#   --seconds S        per case and thread count, default 1.0
#   --find-sizes LIST  default 1000,10000,100000 (sizes above 10000 need --big
#                      or a module that populates fast)
#   --filter REGEX     only matching cases
#   --big              always populate the large find sizes
#   --out DIR          keep CSVs, table.md and chart.svg here (default: a new temp dir)
#
# Every module gets a fresh token in a private temp directory (--init-token),
# so nothing outside that directory is touched; the directory, find objects
# and all, is deleted at the end. A module that is not there is
# reported, and its column shows "missing"; the other runs still happen.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CRATON_MODULE="$ROOT/build/release/src/libcraton_hsm.so"
BENCH="$ROOT/build/release/bench/craton-p11-bench"
SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
OUT=""
USER_PIN=1234
SO_PIN=12345678
COMMON=(--threads 1,2 --seconds 1.0)
FIND=(--find-sizes 1000,10000,100000)

die() { printf 'run_bench: %s\n' "$*" >&2; exit 2; }
note() { printf '[run_bench] %s\n' "$*" >&2; }

parse_args() {
  local positional_done=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --bench) BENCH=$2; shift 2 ;;
      --softhsm) SOFTHSM_MODULE=$2; shift 2 ;;
      --threads|--seconds|--filter) COMMON+=("$1" "$2"); shift 2 ;;
      --find-sizes) FIND=("$1" "$2"); shift 2 ;;
      --big) COMMON+=(--big); shift ;;
      --out) OUT=$2; shift 2 ;;
      -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' \
                   "${BASH_SOURCE[0]}"; exit 0 ;;
      -*) die "unknown option $1 (see --help)" ;;
      *) [ $positional_done = 0 ] || die "unexpected argument $1"
         CRATON_MODULE=$1; positional_done=1; shift ;;
    esac
  done
}

# Paths are made absolute: each module runs from inside its own temp dir.
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

# run_module NAME MODULE CSV: one craton-p11-bench run with a fresh token.
# Prints nothing and leaves no CSV if the module is missing.
run_module() {
  local name=$1 module=$2 csv=$3 workdir=$4
  if [ ! -f "$module" ]; then
    note "MISSING: $name module not found at $module - its column will read 'missing'."
    [ "$name" != craton ] || note "  build it first: cmake --preset release && cmake --build --preset release"
    return 0
  fi
  note "running $name ($module)"
  # From inside the token's temp dir: relative storage paths land there.
  (cd "$workdir" && "$BENCH" --module "$module" --name "$name" --pin "$USER_PIN" \
      --so-pin "$SO_PIN" --init-token --keep-find-objects "${COMMON[@]}" "${FIND[@]}" \
      --csv "$csv") \
    || note "$name run reported failures (see the rows above)"
}

craton_env() {
  local dir=$1
  mkdir -p "$dir"
  printf '[token]\nstorage_path = "store"\n[security]\npbkdf2_iterations = 100000\n' \
    >"$dir/craton_hsm.toml"
  export CRATON_HSM_CONFIG="$dir/craton_hsm.toml"
}

softhsm_env() {
  local dir=$1
  mkdir -p "$dir/tokens"
  printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
    "$dir" >"$dir/softhsm2.conf"
  export SOFTHSM2_CONF="$dir/softhsm2.conf"
}

main() {
  parse_args "$@"
  CRATON_MODULE=$(absolute "$CRATON_MODULE")
  BENCH=$(absolute "$BENCH")
  [ -x "$BENCH" ] || die "craton-p11-bench not found at $BENCH
  build it: cmake --preset release && cmake --build --preset release --target craton-p11-bench
  or pass --bench PATH"
  [ -n "$OUT" ] || OUT=$(mktemp -d /tmp/craton-bench.XXXXXX)
  OUT=$(absolute "$OUT")
  mkdir -p "$OUT"
  rm -f "$OUT"/craton.csv "$OUT"/softhsm.csv "$OUT"/openssl.csv
  local tmp
  tmp=$(mktemp -d /tmp/craton-bench-tokens.XXXXXX)
  trap 'rm -rf "'"$tmp"'"' EXIT

  craton_env "$tmp/craton"
  run_module craton "$CRATON_MODULE" "$OUT/craton.csv" "$tmp/craton"
  softhsm_env "$tmp/softhsm"
  run_module softhsm "$SOFTHSM_MODULE" "$OUT/softhsm.csv" "$tmp/softhsm"
  note "running openssl baseline"
  "$BENCH" --openssl "${COMMON[@]}" --csv "$OUT/openssl.csv" \
    || note "openssl baseline reported failures"

  python3 "$ROOT/bench/merge_results.py" --craton "$OUT/craton.csv" \
    --softhsm "$OUT/softhsm.csv" --openssl "$OUT/openssl.csv" \
    --svg "$OUT/chart.svg" | tee "$OUT/table.md"
  note "results: $OUT (craton.csv softhsm.csv openssl.csv table.md chart.svg)"
  [ -f "$CRATON_MODULE" ] || note "NOTE: the craton column is 'missing': no module at $CRATON_MODULE"
}

main "$@"

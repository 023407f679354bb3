#!/usr/bin/env bash
# best_of.sh - Craton HSM vs. raw OpenSSL on a shared, noisy machine: every
# case runs in turn on both, ROUNDS times, and each side keeps its best round.
#
#   bench/best_of.sh [CRATON_MODULE] --filter REGEX [options]
#
#   CRATON_MODULE      default build/release/src/libcraton_hsm.so
#   --filter REGEX     cases to run (required: this is for a handful of rows)
#   --rounds N         default 3
#   --threads LIST     default 1,2
#   --seconds S        per case and thread count, default 1.0
#   --softhsm PATH     also run SoftHSMv2 once (default /usr/lib/softhsm/libsofthsm2.so)
#   --bench PATH       craton-p11-bench binary
#   --out DIR          CSVs (per round and best) and table.md (default: a new temp dir)
#
# run_bench.sh measures each module in one block, minutes apart; when another
# job shares the cores, the load it adds differs between the blocks and the
# ratio shows the load, not the module. Interleaving per case puts both sides
# of a row seconds apart, and the best of several rounds is the run the other
# job disturbed least (as bench/audit_overhead.sh does). Craton gets a fresh
# token per case run, in a temp directory removed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CRATON_MODULE="$ROOT/build/release/src/libcraton_hsm.so"
BENCH="$ROOT/build/release/bench/craton-p11-bench"
SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
FILTER="" ROUNDS=3 THREADS=1,2 SECONDS_PER=1.0 OUT=""

die() { printf 'best_of: %s\n' "$*" >&2; exit 2; }
note() { printf '[best_of] %s\n' "$*" >&2; }

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --filter) FILTER=$2; shift 2 ;;
      --rounds) ROUNDS=$2; shift 2 ;;
      --threads) THREADS=$2; shift 2 ;;
      --seconds) SECONDS_PER=$2; shift 2 ;;
      --softhsm) SOFTHSM_MODULE=$2; shift 2 ;;
      --bench) BENCH=$2; shift 2 ;;
      --out) OUT=$2; shift 2 ;;
      -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' \
                   "${BASH_SOURCE[0]}"; exit 0 ;;
      -*) die "unknown option $1 (see --help)" ;;
      *) CRATON_MODULE=$1; shift ;;
    esac
  done
  [ -n "$FILTER" ] || die "--filter is required"
}

absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

# token_run DIR MODULE NAME CASE CSV: one case on a fresh token in DIR.
token_run() {
  local dir=$1 module=$2 name=$3 case=$4 csv=$5
  rm -rf "$dir" && mkdir -p "$dir/tokens"
  printf '[token]\nstorage_path = "store"\n[security]\npbkdf2_iterations = 100000\n' \
    >"$dir/craton_hsm.toml"
  printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$dir" >"$dir/softhsm2.conf"
  (cd "$dir" && CRATON_HSM_CONFIG="$dir/craton_hsm.toml" SOFTHSM2_CONF="$dir/softhsm2.conf" \
     "$BENCH" --module "$module" --name "$name" --pin 1234 --so-pin 12345678 --init-token \
     --threads "$THREADS" --seconds "$SECONDS_PER" --filter "^$case\$" --csv "$csv" >/dev/null) \
    || note "$name $case reported failures (see $csv)"
}

openssl_run() {
  "$BENCH" --openssl --threads "$THREADS" --seconds "$SECONDS_PER" --filter "^$1\$" \
    --csv "$2" >/dev/null || note "openssl $1 reported failures (see $2)"
}

# best MODULE CASES: the best ops/s row per (case, threads) over all its round
# CSVs, in the order of CASES (craton-p11-bench --list order).
best() {
  python3 - "$OUT" "$1" "$2" <<'EOF'
import csv, glob, sys
out, module, order = sys.argv[1], sys.argv[2], sys.argv[3].split()
best, header = {}, None
for path in sorted(glob.glob(f"{out}/rounds/{module}-*.csv")):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        for r in reader:
            key = (r["case"], int(r["threads"]))
            rate = float(r["ops_per_sec"]) if r["status"] == "ok" else -1
            old = best.get(key)
            if old is None or rate > old[0]:
                best[key] = (rate, r)
with open(f"{out}/{module}.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=header)
    w.writeheader()
    for key in sorted(best, key=lambda k: (order.index(k[0]), k[1])):
        w.writerow(best[key][1])
EOF
}

main() {
  parse_args "$@"
  CRATON_MODULE=$(absolute "$CRATON_MODULE")
  BENCH=$(absolute "$BENCH")
  [ -x "$BENCH" ] || die "craton-p11-bench not found at $BENCH"
  [ -n "$OUT" ] || OUT=$(mktemp -d /tmp/craton-best-of.XXXXXX)
  OUT=$(absolute "$OUT")
  rm -rf "$OUT/rounds" && mkdir -p "$OUT/rounds"
  local tmp cases
  tmp=$(mktemp -d /tmp/craton-best-of-tokens.XXXXXX)
  trap 'rm -rf "'"$tmp"'"' EXIT
  cases=$("$BENCH" --list | grep -E -- "$FILTER" || true)
  [ -n "$cases" ] || die "no case matches $FILTER"
  for round in $(seq 1 "$ROUNDS"); do
    note "round $round of $ROUNDS"
    for c in $cases; do
      token_run "$tmp/craton" "$CRATON_MODULE" craton "$c" "$OUT/rounds/craton-$round-$c.csv"
      openssl_run "$c" "$OUT/rounds/openssl-$round-$c.csv"
    done
  done
  local softhsm_csv=""
  if [ -f "$SOFTHSM_MODULE" ]; then
    note "softhsm, one round"
    for c in $cases; do
      token_run "$tmp/softhsm" "$SOFTHSM_MODULE" softhsm "$c" "$OUT/rounds/softhsm-1-$c.csv"
    done
    best softhsm "$cases"
    softhsm_csv="$OUT/softhsm.csv"
  fi
  best craton "$cases"
  best openssl "$cases"
  python3 "$ROOT/bench/merge_results.py" --craton "$OUT/craton.csv" --openssl "$OUT/openssl.csv" \
    ${softhsm_csv:+--softhsm "$softhsm_csv"} | tee "$OUT/table.md"
  note "results: $OUT"
}

main "$@"

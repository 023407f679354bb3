#!/usr/bin/env bash
# audit_overhead.sh - what the audit log costs on signing, in one run.
#
#   bench/audit_overhead.sh [CRATON_MODULE] [options]
#
#   CRATON_MODULE   default build/release/src/libcraton_hsm.so
#   --bench PATH    craton-p11-bench binary (default build/release/bench/craton-p11-bench)
#   --seconds S     per case and mode, default 2.0
#   --threads LIST  default 1
#   --filter REGEX  cases, default the signing ones
#   --rounds N      runs of each mode, interleaved; the best of them counts (default 3)
#
# Runs the same cases with [audit] crypto_ops = "off", "buffered" and
# "durable", each on a fresh token in a private temp directory, and prints
# ops/s per mode and the overhead of each mode against "off". Management
# events (login, key generation) are durable in every mode; only the
# per-operation entries differ. Interleaving the modes and keeping each
# mode's best round keeps a noisy neighbour from being read as overhead.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE="$ROOT/build/release/src/libcraton_hsm.so"
BENCH="$ROOT/build/release/bench/craton-p11-bench"
SECONDS_PER_CASE=2.0
THREADS=1
FILTER='^(rsa2048_sign|ecdsa_p256_sign|ed25519_sign|hmac_sha256_4k)$'
ROUNDS=3

die() { printf 'audit_overhead: %s\n' "$*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --bench) BENCH=$2; shift 2 ;;
    --seconds) SECONDS_PER_CASE=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --filter) FILTER=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) MODULE=$1; shift ;;
  esac
done
[ -f "$MODULE" ] || die "module not found: $MODULE"
[ -x "$BENCH" ] || die "craton-p11-bench not found: $BENCH (pass --bench PATH)"

tmp=$(mktemp -d /tmp/craton-audit-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The case names the benchmark offers that match FILTER, each run in its own
# process: a fast case's backlog of buffered entries must not be flushed
# while the next case is being measured.
cases=$("$BENCH" --list 2>/dev/null | awk '{print $1}' | grep -E "$FILTER" || true)
[ -n "$cases" ] || cases=$(printf '%s\n' rsa2048_sign ecdsa_p256_sign ed25519_sign hmac_sha256_4k | grep -E "$FILTER")
for round in $(seq 1 "$ROUNDS"); do
  for case_name in $cases; do
    for mode in off buffered durable; do
      dir="$tmp/$mode-$round-$case_name"
      mkdir -p "$dir"
      printf '[token]\nstorage_path = "store"\n[security]\npbkdf2_iterations = 100000\n[audit]\ncrypto_ops = "%s"\n' \
        "$mode" >"$dir/craton_hsm.toml"
      printf '[audit_overhead] round %s, %s, crypto_ops = %s\n' "$round" "$case_name" "$mode" >&2
      (cd "$dir" && CRATON_HSM_CONFIG="$dir/craton_hsm.toml" "$BENCH" --module "$MODULE" --name "$mode" \
          --pin 1234 --so-pin 12345678 --init-token --threads "$THREADS" --seconds "$SECONDS_PER_CASE" \
          --filter "^${case_name}\$" --find-sizes 1 --csv "$dir/result.csv" >/dev/null)
      tail -n +2 "$dir/result.csv" >>"$tmp/$mode-$round.csv.rows"
      [ -f "$tmp/$mode-$round.csv" ] || head -1 "$dir/result.csv" >"$tmp/$mode-$round.csv"
    done
  done
  for mode in off buffered durable; do cat "$tmp/$mode-$round.csv.rows" >>"$tmp/$mode-$round.csv"; done
done

python3 - "$tmp" "$ROUNDS" <<'EOF'
import csv, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
best = {}
for mode in ("off", "buffered", "durable"):
    for r in range(1, rounds + 1):
        with open(f"{tmp}/{mode}-{r}.csv", newline="") as f:
            for row in csv.DictReader(f):
                if row["status"] != "ok" or not row["ops_per_sec"]:
                    continue
                key = (row["case"], int(row["threads"]), mode)
                best[key] = max(best.get(key, 0.0), float(row["ops_per_sec"]))
cases = sorted({(c, t) for (c, t, _) in best})
print("| case | threads | off ops/s | buffered ops/s | buffered overhead | durable ops/s | durable overhead |")
print("|---|---|---|---|---|---|---|")
for c, t in cases:
    off = best.get((c, t, "off"))
    cells = [c, str(t), f"{off:,.0f}" if off else "-"]
    for mode in ("buffered", "durable"):
        v = best.get((c, t, mode))
        cells.append(f"{v:,.0f}" if v else "-")
        cells.append(f"{(off - v) / off * 100:+.1f}%" if v and off else "-")
    print("| " + " | ".join(cells) + " |")
EOF

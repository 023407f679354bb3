# lib.sh - helpers shared by the Craton HSM interop test scripts (sourced).
#
# Every script is called as `SCRIPT MODULE WORKDIR` (see CMakeLists.txt) and
#   1. calls iop_setup NAME "$@": a fresh store + config under WORKDIR,
#      CRATON_HSM_CONFIG exported, cleanup trap installed;
#   2. calls ensure_client for each client it drives (installed with apt-get
#      when missing and running as root; otherwise the script exits 77 = skip);
#   3. runs its checks with `check NAME FUNCTION ARGS...`, one line each:
#      "PASS name" or "FAIL name: reason" (+ the tail of that check's log);
#   4. ends with `iop_finish`: exit 0 if no check failed, 1 otherwise.
# Inside a check, `fail REASON` ends the check; `must DESC CMD...` runs a
# command with a timeout and fails the check with DESC and the command's most
# telling output line if it exits non-zero. Output of the last `run` is $OUT.
# `relay NAME CMD...` passes on the PASS/FAIL lines of a helper program (Java,
# Python); `start_bg CMD...` starts a daemon that the exit trap stops.
#
# Knobs: CRATON_INTEROP_CMD_TIMEOUT (seconds per client command, default 60),
#        CRATON_INTEROP_KEEP=1 (keep the work dir even when all checks pass).

set -u

IOP_T=${CRATON_INTEROP_CMD_TIMEOUT:-60}
IOP_SO_PIN=12345678
IOP_PIN=123456
IOP_LABEL=craton-interop
IOP_PIDS=()
NPASS=0
NFAIL=0

# --------------------------------------------------------------- lifecycle

iop_usage() {
  echo "usage: $0 MODULE_SO WORKDIR" >&2
  exit 2
}

# setup_die REASON: the script cannot run its checks at all (not a skip).
setup_die() {
  echo "FAIL setup: $*"
  exit 1
}

# iop_setup NAME MODULE WORKDIR
iop_setup() {
  IOP_NAME=$1
  [ $# -eq 3 ] || iop_usage
  MODULE=$(readlink -f -- "$2" 2>/dev/null) && [ -f "$MODULE" ] || setup_die "module not found: $2"
  mkdir -p -- "$3" || setup_die "cannot create $3"
  # A new directory per run: stores of earlier (failed, kept) runs stay apart.
  W=$(mktemp -d "$(cd -- "$3" && pwd)/run.XXXXXX") || setup_die "mktemp in $3 failed"
  mkdir -p "$W/logs"
  IOP_LOG=$W/logs/setup.log
  trap iop_cleanup EXIT
  trap 'exit 130' INT TERM
  # The module reads this; storage_path is relative to the file's directory.
  # 100000 PBKDF2 iterations (the floor) keep the many logins cheap.
  printf '[token]\nstorage_path = "store"\n[security]\npbkdf2_iterations = 100000\n' > "$W/craton_hsm.toml"
  export CRATON_HSM_CONFIG=$W/craton_hsm.toml
  P11=(pkcs11-tool --module "$MODULE")
  P11T=("${P11[@]}" --token-label "$IOP_LABEL")
  P11U=("${P11T[@]}" --login --pin "$IOP_PIN")
  echo "# $IOP_NAME: module $MODULE, work dir $W"
}

iop_cleanup() {
  local rc=$? pid
  for pid in "${IOP_PIDS[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  # kept for a look after a failure (or on request); skipped runs hold nothing
  if [ "$NFAIL" -eq 0 ] && { [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; } && [ "${CRATON_INTEROP_KEEP:-0}" != 1 ]; then
    rm -rf -- "$W"
  else
    echo "# work dir kept: $W"
  fi
}

iop_finish() {
  echo "# $IOP_NAME: $NPASS of $((NPASS + NFAIL)) checks passed"
  [ "$NFAIL" -eq 0 ] && [ "$NPASS" -gt 0 ]
  exit $?
}

# ------------------------------------------------------------ client install

# ensure_client PACKAGE TEST-COMMAND...: TEST-COMMAND must succeed once the
# client is there. If it does not, install PACKAGE (root only) and test again;
# still missing: exit 77 (CTest SKIP_RETURN_CODE) with the reason.
ensure_client() {
  local pkg=$1
  shift
  "$@" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "# $IOP_NAME: '$*' fails; apt-get install -y $pkg"
    local apt=(apt-get -y -qq --no-install-recommends -o DPkg::Lock::Timeout=240 install "$pkg")
    DEBIAN_FRONTEND=noninteractive timeout 280 "${apt[@]}" >>"$W/logs/install.log" 2>&1 ||
      { DEBIAN_FRONTEND=noninteractive timeout 200 apt-get -qq update >>"$W/logs/install.log" 2>&1 &&
        DEBIAN_FRONTEND=noninteractive timeout 280 "${apt[@]}" >>"$W/logs/install.log" 2>&1; }
    "$@" >/dev/null 2>&1 && return 0
  fi
  echo "SKIP $IOP_NAME: client missing ('$*' fails; install Debian package $pkg)"
  exit 77
}

have_cmd() { command -v "$1" >/dev/null; }

# ----------------------------------------------------------------- running

# run [-t SECS] CMD...: stdin from /dev/null, combined output in $OUT and in
# the current check's log; returns the command's status.
run() {
  local t=$IOP_T rc
  if [ "$1" = -t ]; then t=$2; shift 2; fi
  printf '+ %s\n' "$*" >>"$IOP_LOG"
  OUT=$(timeout -k 5 "$t" "$@" 2>&1 </dev/null)
  rc=$?
  printf '%s\n[exit %d]\n' "$OUT" "$rc" >>"$IOP_LOG"
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    OUT="timed out after ${t}s; $OUT"
  elif [ $rc -gt 128 ] && [ $rc -le 192 ]; then
    OUT="killed by signal $((rc - 128)); $OUT"
  fi
  return $rc
}

# why: the most telling line of $OUT, for a failure reason.
why() {
  local l
  l=$(printf '%s\n' "$OUT" | grep -m1 -iE 'timed out|killed by|CKR_|error|fail|unable|could not|cannot|invalid|not supported|exception')
  [ -n "$l" ] || l=$(printf '%s\n' "$OUT" | grep -v '^[[:space:]]*$' | tail -n1)
  printf '%s' "$l" | tr -s ' \t' ' ' | cut -c1-220
}

fail() {
  printf '%s\n' "$*" >"$W/reason"
  exit 1
}

must() {
  local d=$1
  shift
  run "$@" || fail "$d: $(why)"
}

# out_has REGEX DESCRIPTION: $OUT must match the extended REGEX.
out_has() {
  printf '%s\n' "$OUT" | grep -qE -- "$1" || fail "$2"
}

# check NAME FUNCTION ARGS...: run FUNCTION in a subshell, report one line.
check() {
  local name=$1
  shift
  rm -f "$W/reason"
  IOP_LOG=$W/logs/$name.log
  : >"$IOP_LOG"
  if ( "$@" ); then
    echo "PASS $name"
    NPASS=$((NPASS + 1))
  else
    echo "FAIL $name: $(cat "$W/reason" 2>/dev/null || echo "check aborted (see log)")"
    NFAIL=$((NFAIL + 1))
    tail -n 25 "$IOP_LOG" | sed 's/^/    | /'
  fi
  IOP_LOG=$W/logs/setup.log
}

# relay NAME CMD...: run a helper program (Java, Python) that prints its own
# "PASS x" / "FAIL x: reason" lines; pass them on and count them. A non-zero
# exit without a FAIL line, or no line at all, counts as a failure NAME.
relay() {
  local name=$1 rc line n=0
  shift
  IOP_LOG=$W/logs/$name.log
  run "$@"
  rc=$?
  while IFS= read -r line; do
    case $line in
      "PASS "*) echo "$line"; NPASS=$((NPASS + 1)); n=$((n + 1)) ;;
      "FAIL "*) echo "$line"; NFAIL=$((NFAIL + 1)); n=$((n + 1)) ;;
    esac
  done <<<"$OUT"
  if { [ $rc -ne 0 ] && ! printf '%s\n' "$OUT" | grep -q '^FAIL '; } || [ $n -eq 0 ]; then
    echo "FAIL $name: exit $rc after $n checks: $(why)"
    NFAIL=$((NFAIL + 1))
    tail -n 25 "$IOP_LOG" | sed 's/^/    | /'
  fi
  IOP_LOG=$W/logs/setup.log
}

# start_bg CMD...: start a background process that the exit trap kills.
start_bg() {
  "$@" &
  IOP_PIDS+=($!)
}

# ------------------------------------------------------------------ token

# init_token: C_InitToken on the (single, uninitialised) slot + C_InitPIN.
init_token() {
  must "C_InitToken" "${P11[@]}" --init-token --label "$IOP_LABEL" --so-pin "$IOP_SO_PIN"
  must "C_InitPIN" "${P11T[@]}" --login --login-type so --so-pin "$IOP_SO_PIN" --init-pin --pin "$IOP_PIN"
}

# setup_token: init_token outside any check; a failure stops the script.
setup_token() {
  ( init_token ) || setup_die "token initialisation: $(cat "$W/reason" 2>/dev/null)"
}

# keypair KEYTYPE ID LABEL: C_GenerateKeyPair through pkcs11-tool.
keypair() {
  must "C_GenerateKeyPair $1" "${P11U[@]}" --keypairgen --key-type "$1" --id "$2" --label "$3"
}

# export_pub ID OUT.pem: the public key object as PEM, parsed (so validated)
# by OpenSSL. pkcs11-tool 0.23 --read-object exports RSA and P-256 keys but
# fails on P-384/P-521 ("cannot create EVP_PKEY", with SoftHSMv2 too); for those the SubjectPublicKeyInfo is built with
# openssl asn1parse from the CKA_EC_PARAMS / CKA_EC_POINT that pkcs11-tool
# lists.
export_pub() {
  rm -f "$2" "$2.der"
  if run "${P11U[@]}" --read-object --type pubkey --id "$1" -o "$2.der" && [ -s "$2.der" ]; then
    local form=DER   # pkcs11-tool writes Ed25519 keys as PEM
    grep -q -- '-----BEGIN' "$2.der" && form=PEM
    must "OpenSSL parses the token public key id $1" openssl pkey -pubin -inform $form -in "$2.der" -out "$2"
    return 0
  fi
  spki_from_listing "$1" "$2"
}

# spki_from_listing ID OUT.pem
spki_from_listing() {
  local attrs point params alg curve=""
  must "list public keys" "${P11[@]}" --list-objects --type pubkey
  attrs=$(printf '%s
' "$OUT" | awk -v id="$1" '
    /^Public Key Object/ { if (hit) exit; pt = ""; pr = ""; next }
    $1 == "EC_POINT:" { pt = $2 }
    $1 == "EC_PARAMS:" { pr = $2 }
    $1 == "ID:" && $2 == id { hit = 1 }
    END { if (hit) print pt, pr }')
  point=${attrs% *}
  params=${attrs#* }
  [ -n "$point" ] && [ -n "$params" ] || fail "public key id $1 has no CKA_EC_POINT/CKA_EC_PARAMS in pkcs11-tool's listing"
  # CKA_EC_POINT is a DER OCTET STRING around the point: strip tag + length
  case ${point:0:2}${point:2:2} in
    04[0-7]?) point=${point:4} ;;
    0481) point=${point:6} ;;
    *) fail "CKA_EC_POINT of id $1 is not a DER OCTET STRING: ${point:0:16}..." ;;
  esac
  case $params in
    06082a8648ce3d030107) alg=id-ecPublicKey curve=prime256v1 ;;
    06052b81040022) alg=id-ecPublicKey curve=secp384r1 ;;
    06052b81040023) alg=id-ecPublicKey curve=secp521r1 ;;
    06032b6570 | 130c656477617264733235353139) alg=ED25519 ;;
    06032b6571 | 130a65647761726473343438) alg=ED448 ;;
    *) fail "unexpected CKA_EC_PARAMS $params for id $1" ;;
  esac
  {
    echo "asn1 = SEQUENCE:spki"
    echo "[spki]"
    echo "alg = SEQUENCE:alg"
    echo "key = FORMAT:HEX,BITSTRING:$point"
    echo "[alg]"
    echo "oid = OID:$alg"
    [ -n "$curve" ] && echo "curve = OID:$curve"
  } >"$2.asn1"
  must "openssl asn1parse -genconf (SPKI of id $1)" openssl asn1parse -genconf "$2.asn1" -noout -out "$2.der"
  must "OpenSSL parses the token public key id $1" openssl pkey -pubin -inform DER -in "$2.der" -out "$2"
}

# urienc S: RFC 7512 percent-encoding of a pkcs11: URI attribute value.
urienc() {
  local s=$1 o="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in [A-Za-z0-9._~-]) o+=$c ;; *) o+=$(printf '%%%02X' "'$c") ;; esac
  done
  printf '%s' "$o"
}

# key_uri LABEL TYPE: pkcs11: URI of an object on our token.
key_uri() {
  printf 'pkcs11:token=%s;object=%s;type=%s' "$(urienc "$IOP_LABEL")" "$(urienc "$1")" "$2"
}

# flip_last_byte IN OUT: OUT is IN with its last byte changed.
flip_last_byte() {
  local n b
  cp -- "$1" "$2"
  n=$(stat -c %s "$2")
  b=$(od -An -tu1 -j $((n - 1)) -N1 "$2" | tr -d ' ')
  printf '%b' "\\$(printf '%03o' $(((b + 1) % 256)))" | dd of="$2" bs=1 seek=$((n - 1)) conv=notrunc 2>/dev/null
}

# free_port: a TCP port on 127.0.0.1 that is free right now.
free_port() {
  local p i
  for i in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

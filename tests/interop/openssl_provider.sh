#!/usr/bin/env bash
# openssl_provider.sh MODULE WORKDIR - OpenSSL 3 with the pkcs11-provider.
#
# The provider (pkcs11.so in OpenSSL's ossl-modules) is used from the system
# when installed there. Debian 12 has no package of it in its main archive, so
# otherwise it is taken, once, from Debian's bookworm-backports binary package:
# `apt-get download` through a private apt configuration (its own sources.list
# and lists under the cache dir; /etc/apt is not touched), then `dpkg-deb -x`
# into $CRATON_CACHE/pkcs11-provider (default ~/.cache/craton-hsm/...). If that
# cannot be done the script exits 77 (skipped) with the reason.
#
# Checks: the provider loads the module; public keys are read through pkcs11:
# URIs; `openssl pkeyutl -sign` with EC and RSA token keys, verified by plain
# OpenSSL; a self-signed certificate; a TLS 1.3 handshake on 127.0.0.1 with
# `openssl s_server` holding its key on the token and `openssl s_client`
# verifying the chain and host name.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
iop_setup openssl_provider "$@"
ensure_client opensc command -v pkcs11-tool
ensure_client openssl command -v openssl

CACHE=${CRATON_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/craton-hsm}/pkcs11-provider

find_provider() {
  find "$CACHE/root" -path '*/ossl-modules/pkcs11.so' -type f 2>/dev/null | sort | head -n1
}

# install_provider: fills $CACHE/root from the Debian binary package.
# Prints the reason on failure.
install_provider() {
  local a=$CACHE/apt deb
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { echo "apt-get/dpkg-deb not available"; return 1; }
  rm -rf "$a" "$CACHE/root"
  mkdir -p "$a/lists/partial" "$a/archives/partial" "$a/deb"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main" \
    >"$a/sources.list"
  local apt=(apt-get -q -o "Dir::Etc::SourceList=$a/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a" -o "Dir::Cache::archives=$a/archives"
    -o Dir::State::Status=/var/lib/dpkg/status -o APT::Sandbox::User=root -o Acquire::Retries=2)
  timeout 180 "${apt[@]}" update >"$a/update.log" 2>&1 ||
    { echo "private apt update failed: $(grep -m1 -E '^(E|W):' "$a/update.log")"; return 1; }
  (cd "$a/deb" && timeout 180 "${apt[@]}" download pkcs11-provider/bookworm-backports) >"$a/download.log" 2>&1 ||
    { echo "apt-get download pkcs11-provider failed: $(grep -m1 -E '^(E|W):' "$a/download.log")"; return 1; }
  deb=$(ls "$a"/deb/pkcs11-provider_*.deb 2>/dev/null | head -n1)
  [ -n "$deb" ] || { echo "no pkcs11-provider .deb downloaded"; return 1; }
  dpkg-deb -x "$deb" "$CACHE/root" || { echo "dpkg-deb -x $deb failed"; return 1; }
  echo "${deb##*/}" >"$CACHE/root/ORIGIN"
  rm -rf "$a"
  [ -n "$(find_provider)" ] || { echo "${deb##*/} holds no ossl-modules/pkcs11.so"; return 1; }
}

# A system-wide provider (Debian 13+ package pkcs11-provider) comes first.
PROV=$(openssl version -m 2>/dev/null | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')/pkcs11.so
[ -f "$PROV" ] || PROV=$(find_provider)
if [ -z "$PROV" ]; then
  mkdir -p "$CACHE" || setup_die "cannot create $CACHE"
  exec 9>"$CACHE.lock"
  flock -w 240 9 # another run may be installing it
  PROV=$(find_provider)
  if [ -z "$PROV" ]; then
    echo "# installing pkcs11-provider into $CACHE (Debian bookworm-backports binary)"
    why_not=$(install_provider)
    PROV=$(find_provider)
    [ -n "$PROV" ] || { echo "SKIP openssl_provider: pkcs11-provider unavailable: $why_not"; exit 77; }
  fi
  exec 9>&-
fi
echo "# provider: $PROV ($(cat "$CACHE/root/ORIGIN" 2>/dev/null || echo system))"

printf '%s\n' "$IOP_PIN" >"$W/pin.txt"
chmod 600 "$W/pin.txt"
: >"$W/plain.cnf" # plain OpenSSL: no provider besides the default
cat >"$W/provider.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
pkcs11 = pkcs11_sect
[default_sect]
activate = 1
[pkcs11_sect]
module = $PROV
pkcs11-module-path = $MODULE
pkcs11-module-token-pin = file:$W/pin.txt
activate = 1
EOF
unset PKCS11_PROVIDER_MODULE # would override pkcs11-module-path
PV=(env "OPENSSL_CONF=$W/provider.cnf" openssl)
PL=(env "OPENSSL_CONF=$W/plain.cnf" openssl)

setup_token
( keypair EC:prime256v1 0e prov-ec && keypair rsa:2048 0a prov-rsa ) || setup_die "key generation: $(cat "$W/reason")"
head -c 4096 /dev/urandom >"$W/data.bin"
openssl dgst -sha256 -binary -out "$W/data.sha256" "$W/data.bin"

ck_provider_load() {
  must "openssl list -providers" "${PV[@]}" list -providers
  printf '%s\n' "$OUT" | awk '/^  pkcs11$/ { p = 1; next } /^  [^ ]/ { p = 0 } p && /status: active/ { f = 1 } END { exit !f }' ||
    fail "pkcs11 provider not listed as active"
}

# pubkey ec|rsa BITS: the public key via the provider equals pkcs11-tool's
ck_pubkey() {
  local lbl=prov-$1 id
  id=$([ "$1" = ec ] && echo 0e || echo 0a)
  must "openssl pkey -pubin -in $(key_uri "$lbl" public)" "${PV[@]}" pkey -pubin -in "$(key_uri "$lbl" public)" \
    -pubout -out "$W/$1.pub.pem"
  must "plain openssl parses the key" "${PL[@]}" pkey -pubin -in "$W/$1.pub.pem" -noout -text
  out_has "\($2 bit\)" "not a $2-bit key: $(printf '%s\n' "$OUT" | head -n1)"
  export_pub "$id" "$W/$1.p11tool.pem"
  cmp -s "$W/$1.pub.pem" "$W/$1.p11tool.pem" || fail "provider and pkcs11-tool public keys differ"
}

# pkeyutl ec|rsa [PKEYOPT...]: sign a digest on the token, verify in software
ck_pkeyutl() {
  local k=$1 sig=$W/$1.sig
  shift
  [ -s "$W/$k.pub.pem" ] || fail "no public key (pubkey_$k failed)"
  must "openssl pkeyutl -sign via the provider" "${PV[@]}" pkeyutl -sign -inkey "$(key_uri "prov-$k" private)" "$@" \
    -in "$W/data.sha256" -out "$sig"
  must "plain openssl pkeyutl -verify" "${PL[@]}" pkeyutl -verify -pubin -inkey "$W/$k.pub.pem" "$@" \
    -in "$W/data.sha256" -sigfile "$sig"
  out_has 'Signature Verified Successfully' "plain OpenSSL rejects the provider's signature"
  flip_last_byte "$sig" "$sig.bad"
  if run "${PL[@]}" pkeyutl -verify -pubin -inkey "$W/$k.pub.pem" "$@" -in "$W/data.sha256" -sigfile "$sig.bad"; then
    fail "a corrupted signature verifies"
  fi
  return 0
}

ck_dgst_rsa_pss() {
  [ -s "$W/rsa.pub.pem" ] || fail "no public key (pubkey_rsa failed)"
  local o=(-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest)
  must "openssl dgst -sha256 -sign (PSS) via the provider" "${PV[@]}" dgst -sha256 "${o[@]}" \
    -sign "$(key_uri prov-rsa private)" -out "$W/pss.sig" "$W/data.bin"
  must "plain openssl dgst -verify (PSS)" "${PL[@]}" dgst -sha256 "${o[@]}" -verify "$W/rsa.pub.pem" \
    -signature "$W/pss.sig" "$W/data.bin"
  out_has '^Verified OK' "plain OpenSSL rejects the provider's PSS signature"
}

ck_cert() { # ec|rsa
  local crt=$W/$1.crt.pem
  [ -s "$W/$1.pub.pem" ] || fail "no public key (pubkey_$1 failed)"
  must "openssl req -x509 via the provider" "${PV[@]}" req -x509 -new -key "$(key_uri "prov-$1" private)" -sha256 \
    -days 2 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -out "$crt"
  must "plain openssl verify" "${PL[@]}" verify -CAfile "$crt" "$crt"
  out_has ': OK$' "self-signed certificate does not verify"
  must "plain openssl x509 -pubkey" "${PL[@]}" x509 -in "$crt" -noout -pubkey
  [ "$OUT" = "$(cat "$W/$1.pub.pem")" ] || fail "certificate public key differs from the token key"
}

# tls13 ec|rsa SIGTYPE: s_server signs the handshake with the token key
ck_tls13() {
  local k=$1 crt=$W/$1.crt.pem srv=$W/srv-$1 port i rc
  [ -s "$crt" ] || fail "no certificate (cert_$k failed)"
  port=$(free_port) || fail "no free port on 127.0.0.1"
  : >"$srv.out" # before the server starts: the wait below reads it
  OPENSSL_CONF=$W/provider.cnf timeout -k 5 "$IOP_T" openssl s_server -accept "127.0.0.1:$port" -naccept 1 -www \
    -tls1_3 -key "$(key_uri "prov-$k" private)" -cert "$crt" </dev/null >>"$srv.out" 2>"$srv.err" &
  SPID=$! # global: the EXIT trap of this check's subshell stops the server
  trap 'kill $SPID 2>/dev/null' EXIT
  for ((i = 0; i < 100; i++)); do
    grep -q '^ACCEPT' "$srv.out" && break
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  grep -q '^ACCEPT' "$srv.out" || fail "s_server did not start: $(head -n3 "$srv.err" | tr '\n' ' ')"
  printf 'GET / HTTP/1.0\r\n\r\n' >"$W/req.txt"
  printf '+ openssl s_client -connect 127.0.0.1:%s\n' "$port" >>"$IOP_LOG"
  OPENSSL_CONF=$W/plain.cnf timeout -k 5 "$IOP_T" openssl s_client -connect "127.0.0.1:$port" -tls1_3 \
    -servername localhost -CAfile "$crt" -verify_return_error -verify_hostname localhost -ign_eof \
    <"$W/req.txt" >"$W/cli.out" 2>&1
  rc=$?
  cat "$W/cli.out" "$srv.err" >>"$IOP_LOG"
  OUT=$(cat "$W/cli.out")
  [ "$rc" -eq 0 ] || fail "s_client exit $rc: $(why); server: $(tail -n1 "$srv.err")"
  out_has 'Verify return code: 0 \(ok\)' "server certificate not verified"
  out_has '^New, TLSv1.3, Cipher is' "not a TLS 1.3 session: $(grep -m1 '^New, ' "$W/cli.out")"
  out_has "^Peer signature type: $2\$" "unexpected peer signature: $(grep -m1 'Peer signature type' "$W/cli.out")"
  out_has '^HTTP/1.0 200 ok' "no HTTP response through the TLS session"
  for ((i = 0; i < 50; i++)); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  return 0
}

check provider_load ck_provider_load
check pubkey_ec ck_pubkey ec 256
check pubkey_rsa ck_pubkey rsa 2048
check pkeyutl_sign_ecdsa ck_pkeyutl ec
check pkeyutl_sign_rsa_pkcs1 ck_pkeyutl rsa -pkeyopt digest:sha256
check dgst_sign_rsa_pss ck_dgst_rsa_pss
check selfsigned_cert_ec ck_cert ec
check selfsigned_cert_rsa ck_cert rsa
check tls13_ec ck_tls13 ec ECDSA
check tls13_rsa ck_tls13 rsa RSA-PSS
iop_finish

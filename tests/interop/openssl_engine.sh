#!/usr/bin/env bash
# openssl_engine.sh MODULE WORKDIR - OpenSSL 3 with the libp11 "pkcs11" engine.
#
# Keys are made on the token with pkcs11-tool; OpenSSL then uses them through
# the engine (`-engine pkcs11 -keyform engine -key pkcs11:...`) to self-sign
# certificates, sign a CSR and sign raw digests. Every result is checked by
# plain OpenSSL without the engine.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
iop_setup openssl_engine "$@"
ensure_client opensc command -v pkcs11-tool
ensure_client openssl command -v openssl
ENGINE=$(openssl version -e 2>/dev/null | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')/pkcs11.so
ensure_client libengine-pkcs11-openssl test -f "$ENGINE"

# The engine is only configured for the commands that name it.
cat >"$W/engine.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE
MODULE_PATH = $MODULE
init = 0
EOF
E=(env "OPENSSL_CONF=$W/engine.cnf" openssl)

setup_token
( keypair rsa:2048 01 eng-rsa && keypair EC:prime256v1 02 eng-ec ) || setup_die "key generation: $(cat "$W/reason")"
head -c 2000 /dev/urandom >"$W/data.bin"
openssl dgst -sha256 -binary -out "$W/data.sha256" "$W/data.bin"

# URI of a private key, with the PIN, as the engine takes it
priv_uri() { printf '%s;pin-value=%s' "$(key_uri "$1" private)" "$IOP_PIN"; }

ck_engine_load() {
  must "openssl engine -t pkcs11" "${E[@]}" engine -t -c pkcs11
  out_has '\(pkcs11\)' "engine id pkcs11 not reported"
  out_has '\[ available \]' "engine not available"
}

# selfsigned LABEL ID SIGALG-REGEX
selfsigned() {
  local crt=$W/$1.crt.pem
  must "openssl req -x509 with the engine key" "${E[@]}" req -new -x509 -engine pkcs11 -keyform engine \
    -key "$(priv_uri "$1")" -subj "/CN=craton-interop-$1" -days 2 -sha256 -out "$crt"
  must "openssl verify" openssl verify -CAfile "$crt" "$crt"
  out_has ": OK\$" "self-signed certificate does not verify"
  must "openssl x509 -text" openssl x509 -in "$crt" -noout -text
  out_has "Signature Algorithm: $3" "certificate not signed with $3"
  out_has "Subject: CN ?= ?craton-interop-$1" "certificate subject is not CN=craton-interop-$1"
  export_pub "$2" "$W/$1.pub.pem"
  must "openssl x509 -pubkey" openssl x509 -in "$crt" -noout -pubkey
  [ "$OUT" = "$(cat "$W/$1.pub.pem")" ] || fail "certificate public key differs from the token's public key"
}
ck_rsa_cert() { selfsigned eng-rsa 01 sha256WithRSAEncryption; }
ck_ec_cert() { selfsigned eng-ec 02 ecdsa-with-SHA256; }

ck_csr() {
  must "openssl req -new (CSR) with the engine EC key" "${E[@]}" req -new -engine pkcs11 -keyform engine \
    -key "$(priv_uri eng-ec)" -subj "/CN=craton-interop-csr" -sha384 -out "$W/req.pem"
  must "openssl req -verify" openssl req -in "$W/req.pem" -noout -verify
  out_has 'verify OK|Certificate request self-signature verify OK' "CSR signature does not verify"
}

# pkeyutl_sign LABEL ID [PKEYOPT...]: raw digest signature through the engine
pkeyutl_sign() {
  local l=$1 id=$2 sig=$W/$1.pkeyutl.sig
  shift 2
  must "openssl pkeyutl -sign with the engine key" "${E[@]}" pkeyutl -engine pkcs11 -keyform engine -sign \
    -inkey "$(priv_uri "$l")" "$@" -in "$W/data.sha256" -out "$sig"
  [ -s "$sig" ] || fail "no signature written"
  [ -s "$W/$l.pub.pem" ] || export_pub "$id" "$W/$l.pub.pem"
  must "plain openssl pkeyutl -verify" openssl pkeyutl -verify -pubin -inkey "$W/$l.pub.pem" "$@" \
    -in "$W/data.sha256" -sigfile "$sig"
  out_has 'Signature Verified Successfully' "plain OpenSSL rejects the engine signature"
  flip_last_byte "$W/data.sha256" "$W/data.bad"
  if run openssl pkeyutl -verify -pubin -inkey "$W/$l.pub.pem" "$@" -in "$W/data.bad" -sigfile "$sig"; then
    fail "the signature also verifies over a different digest"
  fi
  return 0
}
ck_pkeyutl_ec() { pkeyutl_sign eng-ec 02; }
ck_pkeyutl_rsa() { pkeyutl_sign eng-rsa 01 -pkeyopt digest:sha256; }

check engine_load ck_engine_load
check selfsigned_cert_rsa ck_rsa_cert
check selfsigned_cert_ec ck_ec_cert
check csr_ec_sha384 ck_csr
check pkeyutl_sign_ecdsa ck_pkeyutl_ec
check pkeyutl_sign_rsa_pkcs1 ck_pkeyutl_rsa
iop_finish

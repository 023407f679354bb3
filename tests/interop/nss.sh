#!/usr/bin/env bash
# nss.sh MODULE WORKDIR - Mozilla NSS tools (modutil, certutil) against Craton HSM.
#
# The module is added to a temporary NSS database; NSS then lists the token,
# generates EC and RSA keys on it with its own templates, self-signs
# certificates with those keys (signatures made by the token) and stores the
# certificates on the token. OpenSSL verifies the certificates.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
iop_setup nss "$@"
ensure_client opensc command -v pkcs11-tool
ensure_client openssl command -v openssl
ensure_client libnss3-tools command -v certutil
ensure_client libnss3-tools command -v modutil

setup_token
DB=sql:$W/nssdb
mkdir -p "$W/nssdb"
printf '%s\n' "$IOP_PIN" >"$W/pw.txt"
head -c 64 /dev/urandom >"$W/noise"
CU=(certutil -d "$DB" -f "$W/pw.txt")

ck_modutil_add() {
  must "certutil -N" certutil -N -d "$DB" --empty-password
  must "modutil -add" modutil -dbdir "$DB" -add craton -libfile "$MODULE" -force
  out_has 'Module "craton" added to database' "modutil did not add the module"
  must "modutil -list craton" modutil -dbdir "$DB" -list craton
  out_has "Token Name: $IOP_LABEL *\$" "token not shown by modutil -list"
  out_has 'Manufacturer: Craton HSM' "module manufacturer not shown"
  out_has 'User Pin: Initialized' "user PIN not reported as initialised"
  must "certutil -U" certutil -U -d "$DB"
  out_has "token: $IOP_LABEL\$" "token not listed by certutil -U"
}

ck_list_empty() {
  must "certutil -L -h all" "${CU[@]}" -L -h all
  out_has '^Certificate Nickname' "certutil -L printed no certificate table"
  printf '%s\n' "$OUT" | grep -q "^$IOP_LABEL:" && fail "certificates listed on a new token"
  return 0
}

# selfsigned NICK KEYARGS... : key pair + self-signed certificate on the token
selfsigned() {
  local nick=$1
  shift
  must "certutil -S ($nick, key on the token)" "${CU[@]}" -S -h "$IOP_LABEL" -n "$nick" -s "CN=craton-$nick" -x \
    -t CT,, -Z SHA256 -v 2 -z "$W/noise" "$@"
  must "certutil -L -h all" "${CU[@]}" -L -h all
  out_has "^$IOP_LABEL:$nick " "certificate $IOP_LABEL:$nick not listed"
  must "certutil -K -h token" "${CU[@]}" -K -h "$IOP_LABEL"
  out_has "$IOP_LABEL:$nick\$" "private key of $nick not listed on the token"
  must "certutil -L -a (export)" "${CU[@]}" -L -h "$IOP_LABEL" -n "$IOP_LABEL:$nick" -a
  printf '%s\n' "$OUT" | sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' >"$W/$nick.pem"
  must "openssl verify of the token-signed certificate" openssl verify -CAfile "$W/$nick.pem" "$W/$nick.pem"
  out_has ': OK$' "certificate made by NSS on the token does not verify"
  # the certificate really is a token object: pkcs11-tool reads the same bytes
  must "pkcs11-tool lists certificates" "${P11[@]}" --list-objects --type cert
  out_has "label: +$nick\$" "certificate $nick is not a token object"
  must "pkcs11-tool reads the certificate" "${P11[@]}" --read-object --type cert --label "$nick" -o "$W/$nick.der"
  cmp -s "$W/$nick.der" <(openssl x509 -in "$W/$nick.pem" -outform DER) || fail "token certificate bytes differ from NSS's"
}
ck_selfsigned_ec() { selfsigned nss-ec -k ec -q nistp256; }
ck_selfsigned_rsa() { selfsigned nss-rsa -k rsa -g 2048; }

ck_wrong_pin() {
  printf 'wrong-pin\n' >"$W/bad.txt"
  if run certutil -d "$DB" -f "$W/bad.txt" -K -h "$IOP_LABEL"; then fail "certutil logged in with a wrong PIN"; fi
  out_has 'Incorrect password|SEC_ERROR_BAD_PASSWORD|could not authenticate' "wrong PIN not reported as such: $(why)"
}

check modutil_add ck_modutil_add
check certutil_list_empty ck_list_empty
check selfsigned_cert_ec ck_selfsigned_ec
check selfsigned_cert_rsa ck_selfsigned_rsa
check wrong_pin_rejected ck_wrong_pin
iop_finish

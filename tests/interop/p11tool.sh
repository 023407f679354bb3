#!/usr/bin/env bash
# p11tool.sh MODULE WORKDIR - GnuTLS p11tool (--provider MODULE) against Craton HSM.
#
# Token and object enumeration (with and without login), key generation with
# GnuTLS's templates, public-key export, `p11tool --test-sign` on a GnuTLS
# EC key and a pkcs11-tool RSA key, certificate write/export and deletion.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
iop_setup p11tool "$@"
ensure_client opensc command -v pkcs11-tool
ensure_client openssl command -v openssl
ensure_client gnutls-bin command -v p11tool

setup_token
( keypair rsa:2048 01 rsa2048 ) || setup_die "key generation: $(cat "$W/reason")"
export GNUTLS_PIN=$IOP_PIN GNUTLS_SO_PIN=$IOP_SO_PIN
TOK="pkcs11:token=$(urienc "$IOP_LABEL")"
PT=(p11tool --provider "$MODULE")

ck_list_tokens() {
  must "p11tool --list-tokens" "${PT[@]}" --list-tokens
  out_has "URL: pkcs11:.*token=$IOP_LABEL" "token URL not listed"
  out_has "Label: $IOP_LABEL\$" "token label not listed"
  out_has 'Manufacturer: Craton HSM' "manufacturer not reported"
  out_has 'Flags:.*Requires login' "CKF_LOGIN_REQUIRED not reported"
}

ck_list_mechanisms() {
  must "p11tool --list-mechanisms" "${PT[@]}" --list-mechanisms "$TOK"
  out_has 'CKM_ECDSA ' "CKM_ECDSA not listed"
  out_has 'CKM_RSA_PKCS_PSS ' "CKM_RSA_PKCS_PSS not listed"
  out_has 'CKM_AES_GCM ' "CKM_AES_GCM not listed"
}

ck_list_all() {
  must "p11tool --list-all (no login)" "${PT[@]}" --list-all "$TOK"
  out_has 'object=rsa2048;type=public' "public key not listed without login"
  printf '%s\n' "$OUT" | grep -q 'type=private' && fail "private key listed without login"
  must "p11tool --login --list-all" "${PT[@]}" --login --list-all "$TOK"
  out_has 'object=rsa2048;type=private' "private key not listed after login"
  out_has 'Type: Private key \(RSA-2048\)' "private key type/size not reported as RSA-2048"
  out_has 'Flags:.*CKA_PRIVATE.*CKA_SENSITIVE' "private key not reported as private + sensitive"
}

ck_generate_ecdsa() {
  must "p11tool --generate-privkey ecdsa" "${PT[@]}" --login --generate-privkey ecdsa --curve secp256r1 \
    --label gnutls-ec --outfile "$W/gnutls-ec.pub.pem" "$TOK"
  must "openssl parses the returned public key" openssl pkey -pubin -in "$W/gnutls-ec.pub.pem" -noout -text
  out_has 'NIST CURVE: P-256' "p11tool did not return a P-256 key"
  must "pkcs11-tool lists private keys" "${P11U[@]}" --list-objects --type privkey
  out_has 'label: +gnutls-ec$' "GnuTLS-generated private key not visible to pkcs11-tool"
  must "p11tool --export-pubkey" "${PT[@]}" --login --export-pubkey --outfile "$W/gnutls-ec.export.pem" \
    "$TOK;object=gnutls-ec;type=public"
  cmp -s <(openssl pkey -pubin -in "$W/gnutls-ec.pub.pem" -outform DER) \
    <(openssl pkey -pubin -in "$W/gnutls-ec.export.pem" -outform DER) || fail "exported public key differs from the generated one"
}

ck_export_rsa_pubkey() {
  must "p11tool --export-pubkey" "${PT[@]}" --export-pubkey --outfile "$W/rsa.gnutls.pem" "$TOK;object=rsa2048;type=public"
  export_pub 01 "$W/rsa.p11tool.pem"
  cmp -s <(openssl pkey -pubin -in "$W/rsa.gnutls.pem" -outform DER) \
    <(openssl pkey -pubin -in "$W/rsa.p11tool.pem" -outform DER) || fail "p11tool and pkcs11-tool see different RSA public keys"
}

ck_test_sign() { # LABEL ALG
  must "p11tool --test-sign $1" "${PT[@]}" --login --test-sign "$TOK;object=$1;type=private"
  out_has "Signing using $2\.\.\. ok" "signature with $2 failed"
  out_has 'Verifying against private key parameters\.\.\. ok' "signature does not verify with the key's public parameters"
  out_has 'Verifying against public key in the token\.\.\. ok' "signature does not verify with the token's public key"
}

ck_certificate() {
  must "openssl self-signed certificate" openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/c.key" \
    -subj /CN=craton-gnutls -days 2 -out "$W/c.pem"
  must "p11tool --write certificate" "${PT[@]}" --login --write --load-certificate "$W/c.pem" --label gnutls-cert "$TOK"
  must "p11tool --export certificate" "${PT[@]}" --export "$TOK;object=gnutls-cert;type=cert" --outfile "$W/c.out.pem"
  cmp -s <(openssl x509 -in "$W/c.pem" -outform DER) <(openssl x509 -in "$W/c.out.pem" -outform DER) ||
    fail "certificate read back differs from the one written"
  must "p11tool --delete certificate" "${PT[@]}" --login --batch --delete "$TOK;object=gnutls-cert;type=cert"
  # exit status 2 with "No matching objects found" when the token has no certificate left
  run "${PT[@]}" --list-all-certs "$TOK"
  printf '%s\n' "$OUT" | grep -q 'object=gnutls-cert' && fail "deleted certificate still listed"
  out_has 'No matching objects found' "unexpected p11tool --list-all-certs output: $(why)"
}

check list_tokens ck_list_tokens
check list_mechanisms ck_list_mechanisms
check list_all_objects ck_list_all
check generate_ecdsa ck_generate_ecdsa
check export_rsa_pubkey ck_export_rsa_pubkey
check test_sign_ecdsa ck_test_sign gnutls-ec ECDSA-SHA256
check test_sign_rsa ck_test_sign rsa2048 RSA-SHA256
check certificate_write_export_delete ck_certificate
iop_finish

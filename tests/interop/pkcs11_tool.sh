#!/usr/bin/env bash
# pkcs11_tool.sh MODULE WORKDIR - OpenSC pkcs11-tool against Craton HSM.
#
# Token life cycle (C_InitToken, C_InitPIN, C_Login, C_SetPIN), key generation
# for RSA / EC P-256 / P-384 / Ed25519, signatures made on the token and
# verified by the openssl command, AES-CBC-PAD both ways against openssl enc,
# data and certificate objects, object deletion and `pkcs11-tool --test`.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
iop_setup pkcs11_tool "$@"
ensure_client opensc command -v pkcs11-tool
ensure_client openssl command -v openssl

head -c 1000 /dev/urandom >"$W/data.bin"
openssl dgst -sha256 -binary -out "$W/data.sha256" "$W/data.bin"
openssl dgst -sha384 -binary -out "$W/data.sha384" "$W/data.bin"

ck_list_slots() {
  must "pkcs11-tool --list-slots" "${P11[@]}" --list-slots
  out_has '^Slot 0 \(0x0\): ' "slot 0 not listed"
  out_has 'token state: +uninitialized' "fresh store does not show an uninitialised token"
}

ck_list_mechanisms() {
  must "pkcs11-tool --list-mechanisms" "${P11[@]}" --list-mechanisms
  local m
  for m in RSA-PKCS-KEY-PAIR-GEN RSA-PKCS-PSS SHA256-RSA-PKCS ECDSA ECDSA-SHA256 ECDSA-KEY-PAIR-GEN EC-EDWARDS-KEY-PAIR-GEN EDDSA \
    AES-KEY-GEN AES-CBC-PAD AES-GCM SHA256; do
    out_has "^  ${m}[,:]" "mechanism $m not listed"
  done
  out_has '^  ECDSA,.*sign, verify' "ECDSA does not advertise sign+verify"
}

ck_init_token() {
  init_token
  must "pkcs11-tool --list-token-slots" "${P11[@]}" --list-token-slots
  out_has "token label +: $IOP_LABEL\$" "label '$IOP_LABEL' not shown after C_InitToken"
  out_has 'token flags +:.*token initialized' "CKF_TOKEN_INITIALIZED not set"
  out_has 'token flags +:.*PIN initialized' "CKF_USER_PIN_INITIALIZED not set"
  must "login with the new user PIN" "${P11U[@]}" --list-objects
}

ck_wrong_pin() {
  if run "${P11T[@]}" --login --pin 999999 --list-objects; then fail "C_Login with a wrong PIN succeeded"; fi
  out_has 'CKR_PIN_INCORRECT' "wrong PIN not rejected with CKR_PIN_INCORRECT: $(why)"
  must "login with the right PIN after a wrong one" "${P11U[@]}" --list-objects
}

# keygen KEYTYPE ID LABEL REGEX: generate, export, check OpenSSL's view.
keygen() {
  keypair "$1" "$2" "$3"
  must "list private keys" "${P11U[@]}" --list-objects --type privkey
  out_has "label: +$3\$" "private key '$3' not listed after keygen"
  export_pub "$2" "$W/$3.pub.pem"
  must "openssl pkey -text" openssl pkey -pubin -in "$W/$3.pub.pem" -noout -text
  out_has "$4" "exported public key does not match /$4/: $(printf '%s\n' "$OUT" | head -n1)"
}
ck_keygen_rsa2048() { keygen rsa:2048 01 rsa2048 'Public-Key: \(2048 bit\)'; }
ck_keygen_ec_p256() { keygen EC:prime256v1 02 ecp256 'NIST CURVE: P-256'; }
ck_keygen_ec_p384() { keygen EC:secp384r1 03 ecp384 'NIST CURVE: P-384'; }
ck_keygen_ed25519() { keygen EC:edwards25519 04 ed25519 'ED25519 Public-Key'; }

# token_sign MECH ID IN SIG [ARGS...]: C_Sign, then C_Verify of the signature
# and of a corrupted copy (must be rejected) on the token.
token_sign() {
  local mech=$1 id=$2 in=$3 sig=$4
  shift 4
  must "C_Sign $mech" "${P11U[@]}" --sign -m "$mech" --id "$id" -i "$in" -o "$sig" "$@"
  [ -s "$sig" ] || fail "C_Sign $mech wrote no signature"
  must "C_Verify $mech" "${P11U[@]}" --verify -m "$mech" --id "$id" -i "$in" --signature-file "$sig" "$@"
  out_has 'Signature is valid' "C_Verify $mech did not accept the token's own signature"
  flip_last_byte "$sig" "$sig.bad"
  if run "${P11U[@]}" --verify -m "$mech" --id "$id" -i "$in" --signature-file "$sig.bad" "$@"; then
    out_has 'Invalid signature' "C_Verify $mech accepted a corrupted signature"
  fi
  out_has 'CKR_SIGNATURE_INVALID|Invalid signature' "corrupted signature not rejected with CKR_SIGNATURE_INVALID: $(why)"
}

pub_of() { [ -s "$W/$1.pub.pem" ] || export_pub "$2" "$W/$1.pub.pem"; }

ck_sign_rsa_pkcs() {
  token_sign SHA256-RSA-PKCS 01 "$W/data.bin" "$W/rsa.sig"
  pub_of rsa2048 01
  [ "$(stat -c %s "$W/rsa.sig")" -eq 256 ] || fail "RSA-2048 signature is not 256 bytes"
  must "openssl dgst -verify (PKCS#1 v1.5)" openssl dgst -sha256 -verify "$W/rsa2048.pub.pem" -signature "$W/rsa.sig" "$W/data.bin"
  out_has '^Verified OK' "openssl did not verify the token's RSA signature"
  # raw CKM_RSA_PKCS over a DER DigestInfo(SHA-256) the caller builds
  { printf '3031300d060960864801650304020105000420' | xxd -r -p; cat "$W/data.sha256"; } >"$W/data.digestinfo"
  token_sign RSA-PKCS 01 "$W/data.digestinfo" "$W/rsa-raw.sig"
  cmp -s "$W/rsa-raw.sig" "$W/rsa.sig" || fail "RSA-PKCS over the DigestInfo differs from SHA256-RSA-PKCS (PKCS#1 v1.5 is deterministic)"
  must "openssl pkeyutl -verify (RSA-PKCS)" openssl pkeyutl -verify -pubin -inkey "$W/rsa2048.pub.pem" -pkeyopt digest:sha256 \
    -in "$W/data.sha256" -sigfile "$W/rsa-raw.sig"
  out_has 'Signature Verified Successfully' "openssl did not verify the token's raw RSA-PKCS signature"
}

ck_sign_rsa_pss() {
  # raw CKM_RSA_PKCS_PSS over a SHA-256 digest with CK_RSA_PKCS_PSS_PARAMS
  token_sign RSA-PKCS-PSS 01 "$W/data.sha256" "$W/pss.sig" --hash-algorithm SHA256 --mgf MGF1-SHA256 --salt-len 32
  pub_of rsa2048 01
  must "openssl pkeyutl -verify (PSS)" openssl pkeyutl -verify -pubin -inkey "$W/rsa2048.pub.pem" -in "$W/data.sha256" \
    -sigfile "$W/pss.sig" -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32 -pkeyopt digest:sha256 -pkeyopt rsa_mgf1_md:sha256
  out_has 'Signature Verified Successfully' "openssl did not verify the token's PSS signature"
  # the hash-and-sign variant
  token_sign SHA256-RSA-PKCS-PSS 01 "$W/data.bin" "$W/pss2.sig"
  must "openssl dgst -verify (SHA256-RSA-PKCS-PSS)" openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
    -sigopt rsa_mgf1_md:sha256 -verify "$W/rsa2048.pub.pem" -signature "$W/pss2.sig" "$W/data.bin"
  out_has '^Verified OK' "openssl did not verify the token's SHA256-RSA-PKCS-PSS signature"
}

ck_sign_ecdsa_p256() {
  token_sign ECDSA-SHA256 02 "$W/data.bin" "$W/ec256.sig" --signature-format openssl
  pub_of ecp256 02
  must "openssl dgst -verify (ECDSA P-256)" openssl dgst -sha256 -verify "$W/ecp256.pub.pem" -signature "$W/ec256.sig" "$W/data.bin"
  out_has '^Verified OK' "openssl did not verify the token's ECDSA-SHA256 signature"
}

ck_sign_ecdsa_p384() {
  # raw CKM_ECDSA over a SHA-384 digest; pkcs11-tool converts r||s to DER
  token_sign ECDSA 03 "$W/data.sha384" "$W/ec384.sig" --signature-format openssl
  pub_of ecp384 03
  must "openssl pkeyutl -verify (ECDSA P-384)" openssl pkeyutl -verify -pubin -inkey "$W/ecp384.pub.pem" \
    -in "$W/data.sha384" -sigfile "$W/ec384.sig"
  out_has 'Signature Verified Successfully' "openssl did not verify the token's P-384 ECDSA signature"
}

ck_sign_eddsa() {
  token_sign EDDSA 04 "$W/data.bin" "$W/ed.sig"
  [ "$(stat -c %s "$W/ed.sig")" -eq 64 ] || fail "Ed25519 signature is $(stat -c %s "$W/ed.sig") bytes, not 64"
  pub_of ed25519 04
  must "openssl pkeyutl -verify -rawin (Ed25519)" openssl pkeyutl -verify -pubin -inkey "$W/ed25519.pub.pem" -rawin \
    -in "$W/data.bin" -sigfile "$W/ed.sig"
  out_has 'Signature Verified Successfully' "openssl did not verify the token's Ed25519 signature"
}

IV=000102030405060708090a0b0c0d0e0f

ck_aes_keygen_cbc_pad() {
  must "C_GenerateKey AES:32" "${P11U[@]}" --keygen --key-type AES:32 --id 10 --label aes256
  must "list secret keys" "${P11U[@]}" --list-objects --type secrkey
  out_has 'label: +aes256$' "generated AES key not listed"
  must "C_Encrypt AES-CBC-PAD" "${P11U[@]}" --encrypt -m AES-CBC-PAD --id 10 --iv "$IV" -i "$W/data.bin" -o "$W/ct"
  [ "$(stat -c %s "$W/ct")" -eq 1008 ] || fail "ciphertext is $(stat -c %s "$W/ct") bytes (1000 + PKCS#7 padding = 1008)"
  cmp -s "$W/ct" "$W/data.bin" && fail "ciphertext equals the plaintext"
  must "C_Decrypt AES-CBC-PAD" "${P11U[@]}" --decrypt -m AES-CBC-PAD --id 10 --iv "$IV" -i "$W/ct" -o "$W/pt"
  cmp -s "$W/pt" "$W/data.bin" || fail "AES-CBC-PAD round trip does not give the plaintext back"
}

ck_aes_cbc_pad_vs_openssl() {
  local key
  key=$(openssl rand -hex 32)
  printf '%s' "$key" | xxd -r -p >"$W/aes.key"
  must "C_CreateObject AES key" "${P11U[@]}" --write-object "$W/aes.key" --type secrkey --key-type AES:32 --id 11 --label aes-known
  rm -f "$W/aes.key"
  must "C_Encrypt AES-CBC-PAD" "${P11U[@]}" --encrypt -m AES-CBC-PAD --id 11 --iv "$IV" -i "$W/data.bin" -o "$W/ct2"
  must "openssl enc -d of the token ciphertext" openssl enc -d -aes-256-cbc -K "$key" -iv "$IV" -in "$W/ct2" -out "$W/pt2"
  cmp -s "$W/pt2" "$W/data.bin" || fail "openssl decrypts the token ciphertext to something else"
  must "openssl enc" openssl enc -aes-256-cbc -K "$key" -iv "$IV" -in "$W/data.bin" -out "$W/ct3"
  must "C_Decrypt of the openssl ciphertext" "${P11U[@]}" --decrypt -m AES-CBC-PAD --id 11 --iv "$IV" -i "$W/ct3" -o "$W/pt3"
  cmp -s "$W/pt3" "$W/data.bin" || fail "the token decrypts the openssl ciphertext to something else"
}

ck_digest_random() {
  must "C_Digest SHA256" "${P11[@]}" --hash -m SHA256 -i "$W/data.bin" -o "$W/h"
  cmp -s "$W/h" "$W/data.sha256" || fail "token SHA-256 differs from openssl's"
  must "C_GenerateRandom" "${P11[@]}" --generate-random 64 -o "$W/r1"
  must "C_GenerateRandom" "${P11[@]}" --generate-random 64 -o "$W/r2"
  [ "$(stat -c %s "$W/r1")" -eq 64 ] || fail "C_GenerateRandom returned $(stat -c %s "$W/r1") bytes, not 64"
  cmp -s "$W/r1" "$W/r2" && fail "two C_GenerateRandom calls gave the same bytes"
  return 0
}

ck_data_objects() {
  head -c 300 /dev/urandom >"$W/d.bin"
  must "C_CreateObject CKO_DATA" "${P11U[@]}" --write-object "$W/d.bin" --type data --label app-data --application-label craton-iop
  must "read data object by label" "${P11U[@]}" --read-object --type data --label app-data -o "$W/d.out"
  cmp -s "$W/d.bin" "$W/d.out" || fail "data object read back differs"
  must "read data object by CKA_APPLICATION" "${P11U[@]}" --read-object --type data --application-label craton-iop -o "$W/d2.out"
  cmp -s "$W/d.bin" "$W/d2.out" || fail "data object found by CKA_APPLICATION differs"
  # a private data object is invisible without login
  must "C_CreateObject private CKO_DATA" "${P11U[@]}" --write-object "$W/d.bin" --type data --label secret-data --private
  must "list objects without login" "${P11T[@]}" --list-objects --type data
  out_has "label: +'app-data'" "public data object not visible without login"
  printf '%s\n' "$OUT" | grep -q 'secret-data' && fail "CKA_PRIVATE data object visible without login"
  must "list objects after login" "${P11U[@]}" --list-objects --type data
  out_has "label: +'secret-data'" "private data object not visible after login"
}

ck_certificate() {
  must "openssl self-signed certificate" openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$W/c.key" -subj /CN=craton-interop-cert -days 2 -outform DER -out "$W/c.der"
  must "C_CreateObject CKO_CERTIFICATE" "${P11U[@]}" --write-object "$W/c.der" --type cert --id 20 --label iop-cert
  must "read certificate" "${P11[@]}" --read-object --type cert --id 20 -o "$W/c.out"
  cmp -s "$W/c.der" "$W/c.out" || fail "certificate bytes read back differ from the ones written"
  must "list certificates" "${P11[@]}" --list-objects --type cert
  out_has 'label: +iop-cert' "certificate not listed"
  out_has 'subject: +DN: CN=craton-interop-cert' "certificate CKA_SUBJECT not derived from the certificate"
}

ck_delete_objects() {
  must "C_DestroyObject data" "${P11U[@]}" --delete-object --type data --label app-data
  must "C_DestroyObject cert" "${P11U[@]}" --delete-object --type cert --id 20
  must "C_DestroyObject secret key" "${P11U[@]}" --delete-object --type secrkey --id 11
  must "list objects" "${P11U[@]}" --list-objects
  printf '%s\n' "$OUT" | grep -qE "label: +'?(app-data|iop-cert|aes-known)'?\$" && fail "a deleted object is still listed"
  out_has "label: +'secret-data'\$" "an object that was not deleted disappeared"
  if run "${P11U[@]}" --read-object --type cert --id 20 -o "$W/gone"; then fail "deleted certificate still readable"; fi
  return 0
}

ck_change_pin() {
  local new=654321
  must "C_SetPIN" "${P11U[@]}" --change-pin --new-pin "$new"
  if run "${P11T[@]}" --login --pin "$IOP_PIN" --list-objects; then
    run "${P11T[@]}" --login --pin "$new" --change-pin --new-pin "$IOP_PIN"
    fail "old PIN still accepted after C_SetPIN"
  fi
  must "login with the new PIN" "${P11T[@]}" --login --pin "$new" --list-objects
  must "C_SetPIN back" "${P11T[@]}" --login --pin "$new" --change-pin --new-pin "$IOP_PIN"
  must "login with the original PIN" "${P11U[@]}" --list-objects
}

ck_self_test() {
  must "pkcs11-tool --test" "${P11U[@]}" --test
  out_has 'No errors' "pkcs11-tool --test reported errors: $(why)"
}

check list_slots ck_list_slots
check list_mechanisms ck_list_mechanisms
check init_token ck_init_token
check wrong_pin_rejected ck_wrong_pin
check keygen_rsa2048 ck_keygen_rsa2048
check keygen_ec_p256 ck_keygen_ec_p256
check keygen_ec_p384 ck_keygen_ec_p384
check keygen_ed25519 ck_keygen_ed25519
check sign_rsa_pkcs ck_sign_rsa_pkcs
check sign_rsa_pss ck_sign_rsa_pss
check sign_ecdsa_sha256_p256 ck_sign_ecdsa_p256
check sign_ecdsa_p384 ck_sign_ecdsa_p384
check sign_eddsa_ed25519 ck_sign_eddsa
check aes_keygen_cbc_pad ck_aes_keygen_cbc_pad
check aes_cbc_pad_vs_openssl ck_aes_cbc_pad_vs_openssl
check digest_random ck_digest_random
check data_objects ck_data_objects
check certificate ck_certificate
check delete_objects ck_delete_objects
check change_pin ck_change_pin
check pkcs11_tool_test ck_self_test
iop_finish

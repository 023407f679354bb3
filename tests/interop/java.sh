#!/usr/bin/env bash
# java.sh MODULE WORKDIR - Java (OpenJDK SunPKCS11, keytool) against Craton HSM.
#
# keytool opens the token as a PKCS11 keystore, generates an EC key pair on it
# and self-signs a certificate with it; P11Check.java (our own) generates keys
# through SunPKCS11, signs with SHA256withECDSA / SHA256withRSA on the token
# and verifies with the JDK's software providers, uses the keytool key, and
# runs an AES-GCM round trip.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
iop_setup java "$@"
ensure_client opensc command -v pkcs11-tool
ensure_client openssl command -v openssl
ensure_client openjdk-17-jdk-headless command -v keytool
# the source launcher (java File.java) needs the compiler module of a JDK
ensure_client openjdk-17-jdk-headless command -v javac

setup_token
cat >"$W/sunpkcs11.cfg" <<EOF
name = Craton
library = $MODULE
slotListIndex = 0
EOF
KT=(keytool -keystore NONE -storetype PKCS11 -providerClass sun.security.pkcs11.SunPKCS11
  -providerArg "$W/sunpkcs11.cfg" -storepass "$IOP_PIN")

ck_keytool_list() {
  must "keytool -list (empty token)" "${KT[@]}" -list
  out_has '^Keystore type: PKCS11' "keytool did not open a PKCS11 keystore"
  out_has '^Keystore provider: SunPKCS11-Craton' "keystore provider is not SunPKCS11-Craton"
  out_has '^Your keystore contains 0 entries' "a new token does not show 0 entries"
}

ck_keytool_wrong_pin() {
  if run keytool -v -keystore NONE -storetype PKCS11 -providerClass sun.security.pkcs11.SunPKCS11 \
    -providerArg "$W/sunpkcs11.cfg" -storepass 999999 -list; then
    fail "keytool opened the keystore with a wrong PIN"
  fi
  # -v prints the cause chain down to the PKCS#11 return value
  out_has 'FailedLoginException' "wrong PIN not reported as a failed login: $(why)"
  out_has 'PKCS11Exception: CKR_PIN_INCORRECT' "C_Login did not return CKR_PIN_INCORRECT: $(why)"
}

ck_keytool_genkeypair() {
  must "keytool -genkeypair EC on the token" "${KT[@]}" -genkeypair -alias java-ec -keyalg EC -groupname secp256r1 \
    -sigalg SHA256withECDSA -dname CN=craton-java -validity 2
  must "keytool -list" "${KT[@]}" -list
  out_has '^java-ec, PrivateKeyEntry' "keytool -list does not show java-ec as a PrivateKeyEntry"
  must "keytool -exportcert" "${KT[@]}" -exportcert -rfc -alias java-ec -file "$W/java-ec.pem"
  must "openssl verify of the token-signed certificate" openssl verify -CAfile "$W/java-ec.pem" "$W/java-ec.pem"
  out_has ': OK$' "certificate self-signed on the token does not verify"
  must "pkcs11-tool lists private keys" "${P11U[@]}" --list-objects --type privkey
  out_has 'Private Key Object; EC' "keytool's key is not an EC private key object on the token"
}

check keytool_list ck_keytool_list
check keytool_wrong_pin_rejected ck_keytool_wrong_pin
check keytool_genkeypair_ec ck_keytool_genkeypair
relay java_p11check java "$HERE/P11Check.java" "$W/sunpkcs11.cfg" "$IOP_PIN" java-ec
iop_finish

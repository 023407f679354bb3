#!/usr/bin/env bash
# openssh.sh MODULE WORKDIR - OpenSSH's PKCS#11 support against Craton HSM.
#
# ssh-keygen -D lists the token's public keys in OpenSSH format; ssh-agent
# loads the module (ssh-add -s, PIN through an SSH_ASKPASS script) and signs
# with the token keys for `ssh-keygen -Y sign`; `ssh-keygen -Y verify` checks
# those signatures against an allowed-signers file.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
iop_setup openssh "$@"
ensure_client opensc command -v pkcs11-tool
ensure_client openssl command -v openssl
ensure_client openssh-client command -v ssh-keygen
ensure_client openssh-client command -v ssh-agent
ensure_client openssh-client command -v ssh-add

setup_token
( keypair rsa:2048 01 ssh-rsa-key && keypair EC:prime256v1 02 ssh-ec-key ) || setup_die "key generation: $(cat "$W/reason")"

# The agent lives for the whole script (the exit trap stops it). -D keeps it
# in the foreground of its background job; -P allows loading our module,
# which is outside the default /usr/lib*/* allow-list.
export SSH_AUTH_SOCK=$W/agent.sock
start_bg ssh-agent -D -a "$SSH_AUTH_SOCK" -P "$MODULE" >"$W/agent.log" 2>&1 </dev/null
for _ in $(seq 100); do [ -S "$SSH_AUTH_SOCK" ] && break; sleep 0.1; done
[ -S "$SSH_AUTH_SOCK" ] || setup_die "ssh-agent did not start: $(tail -n1 "$W/agent.log")"
printf '#!/bin/sh\necho %s\n' "$IOP_PIN" >"$W/askpass"
chmod 700 "$W/askpass"
echo "an OpenSSH signature over this file" >"$W/msg"

# openssh_pub ID NAME: the token key (exported with pkcs11-tool) in OpenSSH form
openssh_pub() {
  export_pub "$1" "$W/$2.pem"
  must "ssh-keygen -i -m PKCS8" ssh-keygen -i -m PKCS8 -f "$W/$2.pem"
  printf '%s\n' "$OUT" >"$W/$2.pub"
}

ck_keygen_D() {
  must "ssh-keygen -D" ssh-keygen -D "$MODULE"
  local listed=$OUT
  out_has '^ssh-rsa AAAA' "no ssh-rsa key listed"
  out_has '^ecdsa-sha2-nistp256 AAAA' "no ecdsa-sha2-nistp256 key listed"
  openssh_pub 01 rsa
  openssh_pub 02 ec
  local k
  for k in rsa ec; do
    printf '%s\n' "$listed" | awk '{ print $1, $2 }' | grep -qxF "$(awk '{ print $1, $2 }' "$W/$k.pub")" ||
      fail "ssh-keygen -D does not list the token's $k key as exported by pkcs11-tool"
  done
}

ck_agent_add() {
  SSH_ASKPASS=$W/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=${DISPLAY:-:0} \
    must "ssh-add -s (PIN via SSH_ASKPASS)" ssh-add -s "$MODULE"
  out_has '^Card added' "ssh-add did not report the card as added"
  must "ssh-add -L" ssh-add -L
  [ "$(printf '%s\n' "$OUT" | grep -c .)" -eq 2 ] || fail "agent holds $(printf '%s\n' "$OUT" | grep -c .) keys, expected 2"
  out_has '^ssh-rsa AAAA.* ssh-rsa-key$' "agent does not hold the token RSA key"
  out_has '^ecdsa-sha2-nistp256 AAAA.* ssh-ec-key$' "agent does not hold the token EC key"
}

# sign_verify rsa|ec: sign through the agent, verify with an allowed-signers file
ck_sign_verify() {
  local k=$1
  [ -s "$W/$k.pub" ] || fail "no OpenSSH public key (keygen_D failed)"
  rm -f "$W/msg.sig"
  must "ssh-keygen -Y sign (token key via the agent)" ssh-keygen -Y sign -f "$W/$k.pub" -n craton-file "$W/msg"
  grep -q 'BEGIN SSH SIGNATURE' "$W/msg.sig" || fail "no SSH signature written"
  printf 'tester@craton %s\n' "$(awk '{ print $1, $2 }' "$W/$k.pub")" >"$W/allowed_signers"
  OUT=$(timeout -k 5 "$IOP_T" ssh-keygen -Y verify -f "$W/allowed_signers" -I tester@craton -n craton-file \
    -s "$W/msg.sig" <"$W/msg" 2>&1) || fail "ssh-keygen -Y verify: $(why)"
  printf '+ ssh-keygen -Y verify\n%s\n' "$OUT" >>"$IOP_LOG"
  out_has '^Good "craton-file" signature for tester@craton' "ssh-keygen -Y verify did not accept the signature"
  { echo "tampered"; cat "$W/msg"; } >"$W/msg.bad"
  if timeout -k 5 "$IOP_T" ssh-keygen -Y verify -f "$W/allowed_signers" -I tester@craton -n craton-file \
    -s "$W/msg.sig" <"$W/msg.bad" >>"$IOP_LOG" 2>&1; then
    fail "the signature also verifies over a different file"
  fi
  return 0
}

ck_agent_remove() {
  must "ssh-add -e" ssh-add -e "$MODULE"
  out_has '^Card removed' "ssh-add did not report the card as removed"
  if run ssh-add -l; then fail "agent still lists keys after ssh-add -e"; fi
  out_has 'The agent has no identities' "unexpected ssh-add -l output: $(why)"
}

check ssh_keygen_D ck_keygen_D
check agent_add_card ck_agent_add
check sign_verify_rsa ck_sign_verify rsa
check sign_verify_ecdsa ck_sign_verify ec
check agent_remove_card ck_agent_remove
iop_finish

#!/usr/bin/env bash
# run.sh - build Craton HSM and run its main job: initialise a token in a
# local store and use it through the admin CLI and a real PKCS#11 client.
#
#   scripts/run.sh [DIR]     (DIR defaults to ./craton-demo)
#
# Creates DIR/craton_hsm.toml and the store DIR/store, initialises slot 0
# (SO PIN 12345678, user PIN 123456 unless CRATON_SO_PIN/CRATON_PIN are set),
# generates an EC P-256 key pair with craton-hsm-admin, signs a file with it,
# verifies the signature with plain OpenSSL and lists the key through the
# PKCS#11 module with pkcs11-tool.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export CRATON_OPENSSL_ROOT
CRATON_OPENSSL_ROOT=$(scripts/bootstrap.sh | sed -n 's/^OPENSSL_ROOT=//p' | tail -1)
export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/craton-hsm/ccache}
cmake --preset release >/dev/null
cmake --build --preset release --target craton_hsm craton-hsm-admin
module="$root/build/release/src/libcraton_hsm.so"
admin="$root/build/release/admin/craton-hsm-admin"

demo=${1:-$root/craton-demo}
so_pin=${CRATON_SO_PIN:-12345678}
export CRATON_PIN=${CRATON_PIN:-123456}
mkdir -p "$demo"
cd "$demo"
if [ ! -f craton_hsm.toml ]; then
  printf '[token]\nlabel = "demo"\nstorage_path = "store"\n' > craton_hsm.toml
  chmod 600 craton_hsm.toml
fi
export CRATON_HSM_CONFIG="$demo/craton_hsm.toml"

echo "== token"
if ! "$admin" --json token info | grep -q '"initialized": true'; then
  printf '%s\n%s\n' "$so_pin" "$CRATON_PIN" | "$admin" token init --label demo
fi
"$admin" status
echo "== key pair (EC P-256, label demo-key)"
if ! "$admin" key list --no-login --label demo-key | grep -q demo-key; then
  "$admin" key generate ec:p256 --label demo-key --pin-env CRATON_PIN
fi
"$admin" key list --pin-env CRATON_PIN
echo "== sign with the token, verify with OpenSSL"
echo "Craton HSM demo $(date -u +%FT%TZ)" > message.txt
"$admin" sign --label demo-key -i message.txt -o message.sig --force --pin-env CRATON_PIN
"$admin" key export-public --label demo-key --no-login -o demo-key.pem --force
openssl dgst -sha256 -verify demo-key.pem -signature message.sig message.txt
echo "== the same key through the PKCS#11 module (pkcs11-tool)"
pkcs11-tool --module "$module" -O --type pubkey --label demo-key
echo "== done: store in $demo/store, module $module, CLI $admin"

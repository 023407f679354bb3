#!/usr/bin/env bash
# run.sh - build Craton HSM and run its main job: initialise a token in a
# local store and use it through a real PKCS#11 client.
#
#   scripts/run.sh [DIR]     (DIR defaults to ./craton-demo)
#
# Creates DIR/craton_hsm.toml and the store DIR/store, initialises slot 0
# (SO PIN 12345678, user PIN 123456 unless CRATON_SO_PIN/CRATON_PIN are set),
# generates an EC P-256 key pair with pkcs11-tool, signs a file with it and
# verifies the signature with plain OpenSSL.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export CRATON_OPENSSL_ROOT
CRATON_OPENSSL_ROOT=$(scripts/bootstrap.sh | sed -n 's/^OPENSSL_ROOT=//p' | tail -1)
export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/craton-hsm/ccache}
cmake --preset release >/dev/null
cmake --build --preset release --target craton_hsm
module="$root/build/release/src/libcraton_hsm.so"

demo=${1:-$root/craton-demo}
so_pin=${CRATON_SO_PIN:-12345678}
pin=${CRATON_PIN:-123456}
mkdir -p "$demo"
cd "$demo"
if [ ! -f craton_hsm.toml ]; then
  printf '[token]\nlabel = "demo"\nstorage_path = "store"\n' > craton_hsm.toml
fi
export CRATON_HSM_CONFIG="$demo/craton_hsm.toml"
p11() { pkcs11-tool --module "$module" "$@"; }

echo "== token"
if ! p11 -T 2>/dev/null | grep -q "token initialized"; then
  p11 --init-token --label demo --so-pin "$so_pin"
  p11 --init-pin --login --login-type so --so-pin "$so_pin" --pin "$pin"
fi
p11 -T
echo "== key pair (EC P-256, label demo-key)"
if ! p11 -O --label demo-key 2>/dev/null | grep -q "Private Key"; then
  p11 -l --pin "$pin" --keypairgen --key-type EC:prime256v1 --label demo-key --id 0d
fi
echo "== sign with the token, verify with OpenSSL"
echo "Craton HSM demo $(date -u +%FT%TZ)" > message.txt
p11 -l --pin "$pin" --sign -m ECDSA-SHA256 --label demo-key --signature-format openssl \
  -i message.txt -o message.sig
p11 --read-object --type pubkey --label demo-key -o demo-key.der
openssl pkey -pubin -inform DER -in demo-key.der -out demo-key.pem
openssl dgst -sha256 -verify demo-key.pem -signature message.sig message.txt
echo "== done: store in $demo/store, module $module"

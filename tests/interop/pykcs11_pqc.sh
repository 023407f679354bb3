#!/usr/bin/env bash
# pykcs11_pqc.sh MODULE WORKDIR - post-quantum mechanisms from PyKCS11.
#
# Runs pykcs11_pqc.py (our own) with the system Python that has PyKCS11:
# ML-DSA (pure, with context, HashML-DSA-SHA256), SLH-DSA, ML-KEM and the
# X25519+ML-KEM-768 hybrid, through raw mechanism numbers and, for
# C_EncapsulateKey/C_DecapsulateKey, the module's 3.2 function list.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
iop_setup pykcs11_pqc "$@"
ensure_client opensc command -v pkcs11-tool
PY=${CRATON_INTEROP_PYTHON:-/usr/bin/python3}
ensure_client python3-pykcs11 "$PY" -c 'import PyKCS11'

setup_token
relay pykcs11_pqc "$PY" "$HERE/pykcs11_pqc.py" "$MODULE" "$IOP_LABEL" "$IOP_PIN"
iop_finish

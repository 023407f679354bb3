#!/usr/bin/env bash
# pykcs11.sh MODULE WORKDIR - PyKCS11 (Python) against Craton HSM.
#
# Runs pykcs11_check.py (our own) with the system Python that has PyKCS11:
# session + login, EC and AES key generation, object search, attributes,
# ECDSA sign/verify (also verified by openssl), AES-GCM via
# PyKCS11.AES_GCM_Mechanism, object destruction.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
iop_setup pykcs11 "$@"
ensure_client opensc command -v pkcs11-tool
ensure_client openssl command -v openssl
# Debian's python3-pykcs11 is for /usr/bin/python3 (a python3 earlier on PATH,
# e.g. from pyenv, does not see it).
PY=${CRATON_INTEROP_PYTHON:-/usr/bin/python3}
ensure_client python3-pykcs11 "$PY" -c 'import PyKCS11'

setup_token
relay pykcs11_check "$PY" "$HERE/pykcs11_check.py" "$MODULE" "$IOP_LABEL" "$IOP_PIN"
iop_finish

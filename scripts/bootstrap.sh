#!/usr/bin/env bash
# bootstrap.sh - install everything Craton HSM needs to build and test on Debian 12+.
#
#   scripts/bootstrap.sh            apt packages + OpenSSL >= 3.5 (cached)
#   scripts/bootstrap.sh --openssl  only the OpenSSL step
#   scripts/bootstrap.sh --with-clients  also the PKCS#11 clients the interop tests drive
#
# Prints the OpenSSL prefix to use on its last line ("OPENSSL_ROOT=<dir>").
#
# OpenSSL: when the system libcrypto is >= 3.5 it is used as is. Otherwise the
# OpenSSL source package of Debian 13 ("trixie") is fetched with a *private* apt
# configuration (deb-src only, nothing in /etc/apt is touched) and built once as a
# static, position-independent libcrypto into $CRATON_CACHE (default
# ~/.cache/craton-hsm). A second run finds the cache and costs nothing.
set -euo pipefail

CACHE=${CRATON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/craton-hsm}
OPENSSL_PREFIX="$CACHE/openssl-3.5"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

log() { printf '[bootstrap] %s\n' "$*" >&2; }

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  dpkg-dev perl
  libsqlite3-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  softhsm2 opensc
  python3 openssl
)
# Real PKCS#11 clients used by the interop tests (--with-clients).
CLIENT_PACKAGES=(
  opensc libengine-pkcs11-openssl gnutls-bin libnss3-tools openssh-client
  openjdk-17-jdk-headless python3-pykcs11 openssl
)

install_packages() {
  local missing=() wanted=("${APT_PACKAGES[@]}")
  [ "${WITH_CLIENTS:-0}" = 1 ] && wanted+=("${CLIENT_PACKAGES[@]}")
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "apt packages present"
    return
  fi
  log "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

system_openssl_ok() {
  local v
  v=$(pkg-config --modversion libcrypto 2>/dev/null || echo 0)
  dpkg --compare-versions "$v" ge 3.5
}

build_openssl() {
  if [ -f "$OPENSSL_PREFIX/.complete" ]; then
    log "OpenSSL cache hit: $OPENSSL_PREFIX"
    return
  fi
  local work="$CACHE/openssl-build"
  rm -rf "$work" "$OPENSSL_PREFIX"
  mkdir -p "$work/apt/lists/partial" "$work/apt/archives/partial" "$work/src"
  cat >"$work/apt/sources.list" <<SRC
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-updates main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security trixie-security main
SRC
  # Private apt state: sources, lists and caches all live in $work/apt.
  local aptopts=(
    -o "Dir::Etc::SourceList=$work/apt/sources.list"
    -o "Dir::Etc::SourceParts=-"
    -o "Dir::State::Lists=$work/apt/lists"
    -o "Dir::Cache=$work/apt/cache"
    -o "Dir::Cache::archives=$work/apt/archives"
    -o "APT::Get::Only-Source=true"
    -o "APT::Sandbox::User=root"
  )
  log "fetching OpenSSL source from Debian 13 (private apt configuration)"
  mkdir -p "$work/apt/cache"
  apt-get "${aptopts[@]}" update -qq
  # A mirror's index can name a version its pool no longer (or not yet) holds:
  # try every 3.5+ version the indexes list, newest first.
  local v fetched=""
  for v in $(apt-cache "${aptopts[@]}" showsrc openssl | sed -n 's/^Version: //p' | sort -rV -u); do
    dpkg --compare-versions "$v" ge 3.5 || continue
    if (cd "$work/src" && apt-get "${aptopts[@]}" source -qq --download-only "openssl=$v" >/dev/null 2>&1); then
      fetched=$v; break
    fi
    rm -f "$work/src"/openssl_*
  done
  [ -n "$fetched" ] || { log "no OpenSSL >= 3.5 source could be downloaded"; exit 1; }
  (cd "$work/src" && dpkg-source -x --no-check --skip-patches openssl_*.dsc openssl >/dev/null)
  local ver
  ver=$(sed -n 's/^Version: //p' "$work/src"/openssl_*.dsc | head -1)
  log "building OpenSSL $ver (static libcrypto, PIC) into $OPENSSL_PREFIX"
  (
    cd "$work/src/openssl"
    ./Configure linux-x86_64 no-shared no-tests no-docs no-apps no-module -fPIC \
      --prefix="$OPENSSL_PREFIX" --libdir=lib --openssldir="$OPENSSL_PREFIX/ssl" >/dev/null
    make -s -j"$(nproc)" build_libs >/dev/null
    make -s install_dev >/dev/null
  )
  # The source tree stays: test vector files under test/ are used as data.
  mv "$work/src/openssl" "$CACHE/openssl-src" 2>/dev/null || true
  echo "$ver" >"$OPENSSL_PREFIX/.complete"
  rm -rf "$work"
}

main() {
  [ "${1:-}" = "--with-clients" ] && WITH_CLIENTS=1
  if [ "${1:-}" != "--openssl" ]; then install_packages; fi
  if system_openssl_ok; then
    log "system OpenSSL >= 3.5"
    echo "OPENSSL_ROOT=/usr"
    return
  fi
  build_openssl
  echo "OPENSSL_ROOT=$OPENSSL_PREFIX"
}
main "$@"

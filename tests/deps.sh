#!/usr/bin/env bash
# Installs the Debian packages fedjit needs to build and test (as root), and the
# test IdP's npm packages from its committed package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS=(
	build-essential autoconf automake libtool pkg-config git
	libtdb-dev tdb-tools libinih-dev libpam0g-dev liboauth2-dev libssl-dev libjansson-dev
	libcjose-dev libcurl4-openssl-dev libqrencode-dev libcrypt-dev libaudit-dev
	libcmocka-dev libpam-wrapper libpamtest0-dev
	clang libclang-rt-14-dev clang-format valgrind mandoc zbar-tools
	openssl ca-certificates util-linux curl jq
	libnss-cache strace
)
# libnss-cache and strace: `make bench` compares libnss_fedjit with libnss-cache and
# counts syscalls per lookup with strace (the benchmark is not part of make check).
# The machine image ships Node.js (with npm) from its own repository; Debian's npm
# package conflicts with that nodejs, so they are installed only when node is absent.
command -v node >/dev/null || PKGS+=(nodejs npm)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${PKGS[@]}" >/dev/null
fi
if [ -f tests/idp/package-lock.json ]; then
	(cd tests/idp && npm ci --no-audit --no-fund --loglevel=error)
fi

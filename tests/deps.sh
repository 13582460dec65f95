#!/usr/bin/env bash
# Installs the Debian packages fedjit needs to build and test (as root), and the
# test IdP's npm packages from its committed package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS=(
	build-essential autoconf automake libtool pkg-config git
	libtdb-dev tdb-tools libinih-dev libpam0g-dev libssl-dev libjansson-dev
	libcurl4-openssl-dev libqrencode-dev libcrypt-dev libaudit-dev
	libcmocka-dev
	debhelper dh-autoreconf dpkg-dev
	clang libclang-rt-14-dev clang-format valgrind mandoc zbar-tools
	openssl ca-certificates util-linux curl jq
	libnss-cache strace
	openssh-server openssh-client sudo login expect iproute2 chromium
	libpam-google-authenticator oathtool
	glewlwyd dbconfig-no-thanks sqlite3
)
# The end-to-end tests (tests/e2e) run the real sshd, ssh, sudo, login and su,
# drive terminals with expect, give each script its own loopback network
# (iproute2), approve one sign-in in headless Chromium (with the npm package
# playwright-core, tests/e2e/package-lock.json), and stack a TOTP module from
# Debian after pam_fedjit (libpam-google-authenticator, oathtool for the codes).
# libnss-cache and strace: `make bench` compares libnss_fedjit with libnss-cache and
# counts syscalls per lookup with strace (the benchmark is not part of make check).
# Glewlwyd is the second test IdP (tests/glewlwyd): its package asks debconf how
# to set up a database (the tests make their own sqlite database from the schema
# it ships, so "No configuration"), and dbconfig-no-thanks keeps apt from pulling
# in a MySQL client for dbconfig-common; sqlite3 loads the schema.
# The machine image ships Node.js (with npm) from its own repository; Debian's npm
# package conflicts with that nodejs, so they are installed only when node is absent.
command -v node >/dev/null || PKGS+=(nodejs npm)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	echo 'glewlwyd glewlwyd/config_type select No configuration' | debconf-set-selections
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${PKGS[@]}" >/dev/null
	# the tests start their own Glewlwyd; the package's service is not wanted
	if [ -d /run/systemd/system ]; then
		systemctl disable --now glewlwyd.service >/dev/null 2>&1 || true
	fi
fi
for d in tests/idp tests/e2e; do
	if [ -f "$d/package-lock.json" ]; then
		(cd "$d" && npm ci --no-audit --no-fund --loglevel=error)
	fi
done

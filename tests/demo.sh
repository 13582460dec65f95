#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/demo.sh [--auto] [--port N] [--build-dir DIR] [--no-deps]
#
# fedjit in one command, on a fresh Debian 12 machine, as root: installs what it
# needs (tests/deps.sh), builds (in _demo/, paths as a package would have them:
# /etc/fedjit, /var/lib/fedjit, /usr/libexec/fedjit), starts the test IdP and a
# sandboxed sshd on 127.0.0.1:PORT (default 2222) and tells you what to type.
# Runs until Ctrl-C. With --auto it does a scripted first and second login
# itself, prints the transcript and `fedjit user list`, and stops.
#
# The sandbox is the end-to-end tests' (tests/e2e/lib.sh): private mount and
# PID namespaces; nsswitch.conf, pam.d, sudoers, /etc/fedjit, the store and
# /home exist only inside them. Nothing of the machine's /etc is touched, and
# when the demo ends every process it started and every mount are gone.
set -euo pipefail
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
auto=0 port=2222 build= deps=1
while [ $# -gt 0 ]; do
	case $1 in
	--auto) auto=1 ;;
	--port) port=$2; shift ;;
	--port=*) port=${1#*=} ;;
	--build-dir) build=$2; shift ;;
	--build-dir=*) build=${1#*=} ;;
	--no-deps) deps=0 ;;
	--inside) break ;;
	-h | --help) sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

say() { printf '\033[1m%s\033[0m\n' "$*"; }

# ---------------------------------------------------------------------- outside
if [ "${1:-}" != --inside ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "demo.sh: run it as root (sudo $0): it needs mount namespaces, sshd and PAM" >&2
		exit 1
	fi
	if [ -z "$build" ]; then
		if [ "$deps" = 1 ]; then
			say "==> installing what fedjit needs (tests/deps.sh)"
			"$top_srcdir/tests/deps.sh"
		fi
		build=$top_srcdir/_demo
		say "==> building in $build"
		(cd "$top_srcdir" && autoreconf -fi >/dev/null 2>&1)
		mkdir -p "$build"
		(cd "$build" && { [ -f Makefile ] || "$top_srcdir/configure" --prefix=/usr --sysconfdir=/etc \
			--localstatedir=/var --libexecdir=/usr/libexec >configure.out 2>&1 ||
			{ tail -30 configure.out; exit 1; }; } &&
			make -j"$(nproc)" all tests/e2e/syslog_sink tests/e2e/paths.sh tests/nss/nss_getent \
				>make.out 2>&1 || { tail -30 make.out; exit 1; })
	fi
	build=$(cd "$build" && pwd)
	public=$(mktemp -d /tmp/fedjit-demo.XXXXXX)
	chmod 755 "$public"
	priv=$(mktemp -d /tmp/fedjit-demo-ns.XXXXXX)
	state_before=$(sha256sum /etc/nsswitch.conf /etc/passwd /etc/group /etc/sudoers; ls /etc/pam.d)
	say "==> starting the sandbox (private mount and PID namespaces)"
	set +e
	FEDJIT_E2E_IN_NS=1 E2E_TMP=$priv DEMO_PUBLIC=$public DEMO_AUTO=$auto DEMO_PORT=$port \
		top_builddir=$build top_srcdir=$top_srcdir \
		unshare -mpf --mount-proc --propagation private bash "$0" --inside &
	upid=$!
	trap 'kill -TERM "$(cat /proc/$upid/task/$upid/children 2>/dev/null)" 2>/dev/null' INT TERM
	while kill -0 "$upid" 2>/dev/null; do
		wait "$upid"
		rc=$?
	done
	set -e
	rm -rf "$public"
	rmdir "$priv" 2>/dev/null || true
	state_after=$(sha256sum /etc/nsswitch.conf /etc/passwd /etc/group /etc/sudoers; ls /etc/pam.d)
	if [ "$state_before" = "$state_after" ]; then
		say "==> stopped; the machine's /etc is as it was"
	else
		say "==> stopped; WARNING: /etc changed"
	fi
	exit "$rc"
fi

# ---------------------------------------------------------------------- inside
# shellcheck source=e2e/lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
set +eu +o pipefail
trap 'exit 0' INT TERM
e2e_sandbox
FEDJIT_IDP_LIFETIME=86400 idp_start >/dev/null
cp "$FEDJIT_IDP_CA" "$DEMO_PUBLIC/ca.pem"
e2e_conf
e2e_pam sshd
e2e_sshd_start "$DEMO_PORT" || exit 1
approve="node $top_srcdir/tests/idp/approve.mjs --url $FEDJIT_IDP_ISSUER --cacert $DEMO_PUBLIC/ca.pem --code CODE --user alice"

if [ "$DEMO_AUTO" != 1 ]; then
	cat <<EOF

fedjit demo is running.
  test IdP:  $FEDJIT_IDP_ISSUER  (users alice, bob, carol, ...; password <name>-password)
  sshd:      127.0.0.1:$DEMO_PORT, PAM stack: pam_fedjit.so (in the sandbox's /etc/pam.d/sshd)
  config:    $E2E_CONF_DIR/fedjit.conf (inside the sandbox), provisioning = always, admins -> sudo

1. In another terminal, type:

     ssh -p $DEMO_PORT alice@127.0.0.1

   ssh shows a sign-in address, a code and a QR code, then waits for Enter.

2. Approve the code, either
   - in a browser on this machine: open $FEDJIT_IDP_ISSUER/device, enter the code,
     log in as alice / alice-password and allow (the certificate is signed by the
     demo's own CA: $DEMO_PUBLIC/ca.pem), or
   - with the helper command (CODE as ssh shows it):

     $approve

3. Press Enter in ssh. The account alice is created on the fly: try id, pwd, sudo -n id.

Press Ctrl-C here to stop everything.
EOF
	while kill -0 "$E2E_SSHD_PID" 2>/dev/null; do sleep 1; done
	exit 0
fi

# --auto: two scripted logins
show_login() { # show_login N COMMAND
	local out rc
	echo
	say "\$ ssh -p $DEMO_PORT alice@127.0.0.1 '$2'     # login $1"
	out=$(E2E_ACTION="approve alice" e2e_ssh alice "$2")
	rc=$?
	sed -e '/^=== prompt/d' -e 's/^--- code \(.*\): approve alice$/[demo: approving \1 as alice at the IdP: node tests\/idp\/approve.mjs --code \1 --user alice]/' \
		-e '/^--- answer: enter$/a [demo: Enter]' -e '/^--- /d' "$E2E_PROMPTS"
	printf '%s\n' "$out"
	[ $rc -eq 0 ] || { cat "$E2E_TMP/ssh.err"; say "login $1 failed (ssh exit $rc)"; tail -20 "$E2E_SYSLOG"; }
	return $rc
}
rc=0
say "==> getent passwd alice (before any login: no such user)"
getent passwd alice || echo "(nothing)"
show_login 1 'id; pwd; ls -ld .' || rc=1
show_login 2 'id -u; sudo -n id -un' || rc=1
echo
say "\$ getent passwd alice"
getent passwd alice || rc=1
echo
say "\$ fedjit user list"
"$E2E_CLI_BIN" user list || rc=1
exit $rc

# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
#
# tests/cli/ns.sh: a private PID + mount namespace for the admin tool's tests that end
# processes or read sessions (sessions.sh, revalidate.sh). Source it, then:
#
#   ns_enter "$@"   (first) skips unless root; re-runs the script as PID 1 of new PID
#                   and mount namespaces (propagation private), so kill(-1) as a test
#                   uid, logind's state files and utmp are the script's own
#   ns_setup        inside: tmpfs over /run (no logind, an empty utmp: the test makes
#                   what it needs), a fresh /dev with a syslog sink as /dev/log
#                   (log: $ns_syslog), the test audit sink (tests/unit/audit_sink.c)
#                   as /etc/ld.so.preload writing to /run/fedjit-test-audit.log
#                   ($ns_audit), so that the helper, which runs with an empty
#                   environment, is read back too
#
# Everything mounted here disappears with the namespace; nothing on the machine changes.

ns_enter() {
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root (PID and mount namespaces, other uids' processes)"
		exit 0
	fi
	[ -n "${FEDJIT_NS_INSIDE:-}" ] && return 0
	if ! unshare -mpf --mount-proc --propagation private true 2>/dev/null; then
		echo "1..0 # SKIP no PID or mount namespaces here"
		exit 0
	fi
	# the same shell as the script (sh, or bash for scripts that need it)
	FEDJIT_NS_INSIDE=1 exec unshare -mpf --mount-proc --propagation private \
		"$(readlink /proc/$$/exe)" "$0" "$@"
}

ns_setup() {
	ns_tmp=$(mktemp -d /tmp/fedjit-ns.XXXXXX) || exit 1
	mount -t tmpfs -o mode=0755 tmpfs "$ns_tmp" || exit 1
	mount -t tmpfs -o mode=0755 tmpfs /run || exit 1
	# /dev: the nodes tests use, and /dev/log
	mkdir "$ns_tmp/olddev"
	mount --rbind /dev "$ns_tmp/olddev"
	mount -t tmpfs -o mode=0755,nosuid tmpfs /dev
	for node in null zero full random urandom tty; do
		touch "/dev/$node"
		mount --bind "$ns_tmp/olddev/$node" "/dev/$node"
	done
	ln -s /proc/self/fd /dev/fd
	umount -l "$ns_tmp/olddev"
	ns_syslog=$ns_tmp/syslog
	: >"$ns_syslog"
	"$builddir/tests/e2e/syslog_sink" /dev/log "$ns_syslog" </dev/null &
	i=0
	while [ ! -S /dev/log ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	ns_audit=/run/fedjit-test-audit.log
	: >"$ns_audit"
	ns_sink_so=$builddir/tests/unit/.libs/audit_sink.so
	ns_have_audit=0
	# The sink cannot be preloaded into sanitizer builds (ASan must come first);
	# without audit netlink (a container) there is nothing to read back.
	if [ -f "$ns_sink_so" ] && ! ldd "$builddir/cli/fedjit" 2>/dev/null | grep -q libasan &&
		"$builddir/tests/unit/audit_probe"; then
		echo "$ns_sink_so" >"$ns_tmp/ld.so.preload"
		if [ -e /etc/ld.so.preload ]; then
			cat /etc/ld.so.preload >>"$ns_tmp/ld.so.preload"
			mount --bind "$ns_tmp/ld.so.preload" /etc/ld.so.preload
		else
			mkdir -p "$ns_tmp/etc/upper" "$ns_tmp/etc/work"
			cp "$ns_tmp/ld.so.preload" "$ns_tmp/etc/upper/ld.so.preload"
			mount -t overlay overlay \
				-o "lowerdir=/etc,upperdir=$ns_tmp/etc/upper,workdir=$ns_tmp/etc/work" /etc
		fi
		ns_have_audit=1
	fi
}

# ns_wait_log ERE: the syslog lines once one matches ERE (or after 5 s)
ns_wait_log() {
	i=0
	while ! grep -Eq -- "$1" "$ns_syslog" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	cat "$ns_syslog"
}

# ns_wait_uid UID N: until N processes run as UID (5 s at most)
ns_wait_uid() {
	i=0
	while [ "$(ns_count_uid "$1")" -lt "$2" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# ns_count_uid UID: processes (not zombies) with UID as real uid
ns_count_uid() {
	n=0
	for st in /proc/[0-9]*/status; do
		awk -v u="$1" '/^State:/ { z = ($2 == "Z") } /^Uid:/ { r = ($2 == u) } END { exit !(r && !z) }' \
			"$st" 2>/dev/null && n=$((n + 1))
	done
	echo "$n"
}

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The revalidation timer and service (data/): systemd-analyze verify accepts them,
# the service runs `fedjit revalidate --sessions` from this build's sbindir, the timer
# fires every 15 minutes and is enabled through timers.target. The verify runs on a
# copy whose ExecStart names the built tool (verify wants the program to exist).
builddir=${top_builddir:-.}
svc=$builddir/data/fedjit-revalidate.service
timer=${top_srcdir:-.}/data/fedjit-revalidate.timer
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/# /'; }
check() { if [ "$2" -eq 0 ]; then ok "$1"; else notok "$1" "$3"; fi; }

grep -Eq '^ExecStart=/[^ ]*/sbin/fedjit revalidate --sessions$' "$svc"
check "the service runs fedjit revalidate --sessions by its installed path" $? "$(grep ExecStart "$svc")"
! grep -q '@[a-z]*@' "$svc"
check "no placeholder is left in the service" $? "$(grep '@' "$svc")"
grep -q '^OnUnitActiveSec=15min$' "$timer" && grep -q '^WantedBy=timers.target$' "$timer"
check "the timer: every 15 minutes, wanted by timers.target" $?
grep -q '^\[Install\]' "$svc"
[ $? -ne 0 ]
check "the service has no [Install]: only the timer starts it" $?

sa=${SYSTEMD_ANALYZE:-$(command -v systemd-analyze)}
if [ -z "$sa" ] || [ ! -x "$sa" ]; then
	echo "ok $((n + 1)) - systemd-analyze verify # SKIP systemd-analyze not installed"
	n=$((n + 1))
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/fedjit-units.XXXXXX") || exit 1
	trap 'rm -rf "$tmp"' EXIT
	fedjit=$(cd "$builddir/cli" && pwd)/fedjit
	sed "s|^ExecStart=[^ ]*|ExecStart=$fedjit|" "$svc" >"$tmp/fedjit-revalidate.service"
	cp "$timer" "$tmp/fedjit-revalidate.timer"
	# verify reads the units' dependencies from the system's unit path
	out=$(cd "$tmp" && SYSTEMD_LOG_LEVEL=notice "$sa" verify --man=no \
		./fedjit-revalidate.timer ./fedjit-revalidate.service 2>&1)
	rc=$?
	# outside a booted systemd, verify may warn about the machine itself (no
	# /etc/machine-id, ...): only lines naming our units count
	bad=$(printf '%s\n' "$out" | grep 'fedjit-revalidate')
	[ $rc -eq 0 ] || [ -z "$bad" ]
	check "systemd-analyze verify: no complaint about the units" $? "$out"
	[ -z "$bad" ]
	check "... not even a warning" $? "$out"
fi
echo "1..$n"
[ "$failed" = 0 ]

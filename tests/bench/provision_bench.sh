#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make bench: provisioning alone, fedjit (tests/bench/provision_bench.c) side by
# side with the classic approach, useradd + usermod -aG per account, run in a
# private mount namespace over an overlay of /etc whose upper layer holds
# copies of passwd, group, shadow, gshadow and login.defs (the machine's /etc
# is never written). Sequential and with 2 and 8 writers, at 0, 10k and 100k
# existing accounts. Prints a Markdown table. Needs root.
#   PROV_BENCH_SIZES, PROV_BENCH_COUNT (fedjit accounts per cell),
#   PROV_BENCH_USERADD_COUNT (useradd accounts per cell) override the defaults.
# Both sides share the machine with whatever else runs: compare within a row.
set -eu
bench=${top_builddir:-.}/tests/bench/provision_bench
sizes=${PROV_BENCH_SIZES:-"0 10000 100000"}
fcount=${PROV_BENCH_COUNT:-2000}
# useradd slows down with every account in the files (tens of seconds of CPU
# per account at 100k): fewer accounts per cell as they grow (at least one per
# writer).
ucount_for() {
	if [ -n "${PROV_BENCH_USERADD_COUNT:-}" ]; then echo "$PROV_BENCH_USERADD_COUNT"
	elif [ "$1" -lt 10000 ]; then echo 64
	elif [ "$1" -lt 100000 ]; then echo 24
	elif [ "$2" -gt 2 ]; then echo "$2"
	else echo 2; fi
}

if [ "$(id -u)" != 0 ]; then
	echo "provision bench: skipped (needs root for the private mount namespace)"
	exit 0
fi
# On disk, not tmpfs: both sides pay for durable writes.
tmp=$(mktemp -d /var/tmp/fedjit-prov-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

# useradd_rate EXISTING WRITERS COUNT: accounts per second.
useradd_rate() {
	n=$1 w=$2 c=$3 d=$tmp/ua-$1-$2
	mkdir -p "$d/upper" "$d/work"
	cp /etc/passwd /etc/group /etc/shadow /etc/gshadow "$d/upper/"
	awk -v n="$n" -v d="$d/upper" 'BEGIN {
		for (i = 0; i < n; i++) {
			printf "e%d:x:%d:%d::/home/e%d:/bin/sh\n", i, 1000000 + i, 1000000 + i, i >> (d "/passwd")
			printf "e%d:x:%d:\n", i, 1000000 + i >> (d "/group")
			printf "e%d:!:19000:0:99999:7:::\n", i >> (d "/shadow")
			printf "e%d:!::\n", i >> (d "/gshadow")
		}
		print "benchgrp:x:3999999:" >> (d "/group")
		print "benchgrp:!::" >> (d "/gshadow")
	}'
	sed -e '/^UID_MAX/d' -e '/^GID_MAX/d' /etc/login.defs > "$d/upper/login.defs"
	printf 'UID_MAX 3000000\nGID_MAX 3000000\n' >> "$d/upper/login.defs"
	unshare -m --propagation private sh -c '
		set -e
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc
		per=$(($3 / $2))
		# The password files may be locked by another writer (useradd exits 10,
		# usermod 1): try again, for a while.
		retry() {
			n=0
			until "$@" 2>"$errf"; do
				n=$((n + 1))
				[ $n -lt 2000 ] || { cat "$errf" >&2; return 1; }
				sleep 0.01
			done
		}
		start=$(date +%s.%N)
		for w in $(seq 1 "$2"); do
			(
				errf=$1/err.$w
				i=0
				while [ $i -lt $per ]; do
					if ! retry useradd -M "u${w}x$i" ||
						! retry usermod -aG benchgrp "u${w}x$i"; then
						: > "$1/failed"
						exit 1
					fi
					i=$((i + 1))
				done
			) &
		done
		wait
		end=$(date +%s.%N)
		[ ! -e "$1/failed" ] || { echo "useradd run failed" >&2; exit 1; }
		grep -c "^u[0-9]*x" /etc/passwd > "$1/count" || :
		echo "$start $end"
	' sh "$d" "$w" "$c" > "$d/times"
	got=$(cat "$d/count")
	[ "$got" = $((c / w * w)) ] || { echo "useradd made $got accounts, not $c" >&2; exit 1; }
	awk -v c="$got" '{ r = c / ($2 - $1); printf (r < 10 ? "%.2f\n" : "%.0f\n"), r }' "$d/times"
	rm -rf "$d"
}

# fedjit_rate EXISTING WRITERS COUNT [nosync|commit]: the median of three runs
# (the machine's other load moves single runs a lot). With FILES_ONLY=1 the
# runs see an nsswitch.conf of "files" alone for passwd and group (bind-mounted
# in a private mount namespace): what the other sources' lookups cost.
fedjit_rate() {
	for i in 1 2 3; do
		if [ "${FILES_ONLY:-0}" = 1 ]; then
			unshare -m --propagation private sh -c \
				'mount --bind "$1" /etc/nsswitch.conf && shift && exec "$@"' \
				sh "$tmp/nsswitch.files" "$bench" "$tmp" "$@"
		else
			"$bench" "$tmp" "$@"
		fi | sed -n 's/.*per_second=\([0-9]*\).*/\1/p'
	done | sort -n | sed -n 2p
}
printf 'passwd: files\ngroup: files\nshadow: files\ngshadow: files\n' > "$tmp/nsswitch.files"

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0fx", a / b }'
}

echo "| existing accounts | writers | fedjit accounts/s (fsync) | useradd + usermod -aG accounts/s | fedjit / useradd | fedjit accounts/s (no fsync) | no fsync / useradd |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in $sizes; do
	for w in 1 2 8; do
		f=$(fedjit_rate "$n" "$w" "$fcount")
		u=$(useradd_rate "$n" "$w" "$(ucount_for "$n" "$w")")
		q=$(fedjit_rate "$n" "$w" "$fcount" nosync)
		echo "| $n | $w | $f | $u | $(ratio "$f" "$u") | $q | $(ratio "$q" "$u") |"
		[ "$n" != 0 ] || eval "useradd0_$w=$u"
	done
done

# Where a provisioning's time goes on an empty system, against the same run's
# useradd: the store's durable commit alone (no provisioning work at all), and
# fedjit with the other NSS sources cut down to files.
case " $sizes " in *" 0 "*) ;; *) exit 0 ;; esac
echo
echo "| writers | useradd accounts/s (above) | store commit alone, durable: commits/s | ratio | fedjit, nsswitch files only, durable | ratio | same, no fsync | ratio |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for w in 1 2 8; do
	eval "u=\$useradd0_$w"
	c=$(fedjit_rate 0 "$w" "$fcount" commit)
	f=$(FILES_ONLY=1 fedjit_rate 0 "$w" "$fcount")
	q=$(FILES_ONLY=1 fedjit_rate 0 "$w" "$fcount" nosync)
	echo "| $w | $u | $c | $(ratio "$c" "$u") | $f | $(ratio "$f" "$u") | $q | $(ratio "$q" "$u") |"
done

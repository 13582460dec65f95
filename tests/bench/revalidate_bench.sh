#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make bench-revalidate (not make check): the cost of the revalidation timer, against
# the test IdP. 1,000 accounts (FEDJIT_BENCH_ACCOUNTS), of which 50
# (FEDJIT_BENCH_LIVE) have a live session on this host, made up in a private /run and
# PID namespace the three ways `fedjit revalidate --sessions` finds them: logind's
# user files, utmp entries and running processes. The live accounts hold real refresh
# tokens from device flows at the test IdP; the idle ones hold tokens the IdP never
# issued (any request for them would show in the IdP's counters).
#
# Runs `fedjit revalidate --sessions` (what fedjit-revalidate.service runs) for two
# timer periods and prints, per period, the IdP's request counters and the CPU of
# the admin tool with every helper it ran (user + system, children included); the
# baseline is the same selection run with the fake helper (tests/cli/fake_helper:
# same processes, no IdP, no store writes). The bound of the issue is checked on
# the counts (at most one refresh grant per live account per period, none for idle
# accounts); nothing is timed or asserted on time.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
srcdir=$top_srcdir/tests/cli
export top_srcdir top_builddir=$builddir
fedjit=$builddir/cli/fedjit
helper=$builddir/pam/helper/fedjit-helper
fake=$builddir/tests/cli/fake_helper
. "$srcdir/ns.sh"
ns_enter "$@"
. "$top_srcdir/tests/idp/lib.sh"
if ! idp_available; then
	echo "revalidate bench: skipped ($IDP_SKIP_REASON)"
	exit 0
fi
ns_setup
N=${FEDJIT_BENCH_ACCOUNTS:-1000}
L=${FEDJIT_BENCH_LIVE:-50}
tmp=$ns_tmp
trap 'idp_stop' EXIT
FEDJIT_IDP_LIFETIME=1800 idp_start >/dev/null || exit 1
conf=$tmp/fedjit.conf
cat >"$conf" <<EOF
[global]
db_file = $tmp/fedjit.tdb
secret_db_file = $tmp/secret.tdb
cache_dir = $tmp/cache

[domain PRIMARY]
uid_min = 250000
uid_max = 299999

[idp test]
issuer = $FEDJIT_IDP_ISSUER
client_id = fedjit-public
client_auth = none
ca_file = $FEDJIT_IDP_CA
scopes = openid profile email groups offline_access
provisioning = always
domain = PRIMARY
EOF
mkdir -m 0700 "$tmp/cache"
name() { printf 'u%04d' "$1"; }

# ---- the accounts ----
echo "revalidate bench: $N accounts, $L with a live session; test IdP $FEDJIT_IDP_ISSUER"
{
	echo '{"fedjit_dump": 1, "users": ['
	for ((i = 1; i <= N; i++)); do
		((i > 1)) && echo ,
		printf '{"name":"%s","uid":%d,"gid":%d,"gecos":"","home":"/nonexistent","shell":"/bin/sh","domain":"PRIMARY","idp":"test","issuer":"%s","subject":"sub-%s","email":"","created":1,"last_login":0,"locked":false,"pending":false,"groups":[]}' \
			"$(name $i)" $((250000 + i)) $((250000 + i)) "$FEDJIT_IDP_ISSUER" "$(name $i)"
	done
	echo '], "groups": ['
	for ((i = 1; i <= N; i++)); do
		((i > 1)) && echo ,
		printf '{"name":"%s","gid":%d,"origin":"private","domain":"PRIMARY","members":[]}' "$(name $i)" $((250000 + i))
	done
	echo ']}'
} >"$tmp/accounts.json"
"$fedjit" --config "$conf" db restore "$tmp/accounts.json" >/dev/null || exit 1

# refresh tokens: real ones for the live accounts (a device flow each), made-up
# ones for the idle; every account last verified two hours ago (stale)
C=(curl -sS --max-time 10 --cacert "$FEDJIT_IDP_CA")
stale=$(($(date +%s) - 7200))
for ((i = 1; i <= N; i++)); do
	u=$(name $i)
	if ((i <= L)); then
		idp_api POST /test/user "{\"account\":\"$u\",\"sub\":\"sub-$u\",\"claims\":{\"preferred_username\":\"$u\",\"groups\":[\"staff\"]}}" >/dev/null
		da=$("${C[@]}" -d client_id=fedjit-public -d "scope=openid profile email groups offline_access" "$FEDJIT_IDP_ISSUER/device/auth")
		idp_approve "$(idp_json user_code <<<"$da")" "$u" || exit 1
		rt=$("${C[@]}" -d client_id=fedjit-public -d grant_type=urn:ietf:params:oauth:grant-type:device_code \
			-d "device_code=$(idp_json device_code <<<"$da")" "$FEDJIT_IDP_ISSUER/token" | idp_json refresh_token)
		[ -n "$rt" ] || { echo "revalidate bench: no refresh token for $u" >&2; exit 1; }
	else
		rt=never-issued-$u-$RANDOM$RANDOM
	fi
	echo "$u $stale login none $rt $FEDJIT_IDP_ISSUER fedjit-public"
done | "$builddir/tests/cli/mkstate" "$tmp/fedjit.tdb" - || exit 1

# ---- the live sessions: a third each as logind users, utmp entries, processes ----
mkdir -p /run/systemd/users
sleep 3600 &
alive=$!
a=$((L / 3)) b=$((2 * L / 3))
for ((i = 1; i <= L; i++)); do
	uid=$((250000 + i))
	if ((i <= a)); then
		: >/run/systemd/users/$uid
	elif ((i <= b)); then
		printf '[7] [%05d] [t%03d] [%s] [pts/%-8d] [                    ] [0.0.0.0        ] [2024-01-01T00:00:00,000000+0000]\n' \
			"$alive" "$i" "$(name $i)" "$i" >"$tmp/utmp.txt"
		utmpdump -r -o "$tmp/utmp.bin" "$tmp/utmp.txt" 2>/dev/null && cat "$tmp/utmp.bin" >>/run/utmp
	else
		setpriv --reuid=$uid --regid=$uid --clear-groups sleep 3600 &
	fi
done
sleep 0.5

# ---- runs ----
TIMEFORMAT='%U %S'
# run LABEL HELPER: one timer period; prints a result line, sets refresh/requests/cpu
run() {
	local label=$1 h=$2 t out
	idp_api POST /test/stats/reset >/dev/null
	{ t=$( { time "$fedjit" --config "$conf" revalidate --sessions --helper "$h" >"$tmp/out" 2>"$tmp/err"; } 2>&1 ); }
	stats=$(idp_api GET /test/stats)
	refresh=$(idp_json refresh_grants <<<"$stats")
	requests=$(node -e 'const s=JSON.parse(require("fs").readFileSync(0,"utf8"));
		console.log(Object.values(s.requests).reduce((a,b)=>a+b,0))' <<<"$stats")
	cpu=$(awk '{printf "%.2f", $1 + $2}' <<<"$t")
	printf '%-28s %8s %9s %10s  %s\n' "$label" "$requests" "$refresh" "$cpu" \
		"$(tail -1 "$tmp/out")"
	printf '%s\n' "$stats" >"$tmp/stats-$label"
}
printf '%-28s %8s %9s %10s  %s\n' "run" "requests" "refreshes" "CPU s" "fedjit's summary"
run "baseline (fake helper)" "$fake"
base_cpu=$cpu
run "period 1" "$helper"
p1_refresh=$refresh p1_requests=$requests p1_cpu=$cpu
if grep -q 'does not implement op=revalidate' "$tmp/err"; then
	echo "revalidate bench: $helper does not implement op=revalidate yet; nothing to measure"
	exit 0
fi
run "period 2" "$helper"
p2_refresh=$refresh p2_requests=$requests p2_cpu=$cpu
echo
echo "IdP requests of period 1 by endpoint: $(idp_json requests <"$tmp/stats-period 1")"
echo "IdP requests of period 2 by endpoint: $(idp_json requests <"$tmp/stats-period 2")"
awk -v l="$L" -v n="$N" -v b="$base_cpu" -v c1="$p1_cpu" -v c2="$p2_cpu" 'BEGIN {
	printf "helper CPU per live account: period 1 %.1f ms, period 2 %.1f ms (baseline %.1f ms: spawn and selection without the IdP)\n",
		1000 * c1 / l, 1000 * c2 / l, 1000 * b / l
	if (b > 0) printf "ratio to the baseline: period 1 %.1fx, period 2 %.1fx\n", c1 / b, c2 / b
	printf "idle accounts: %d\n", n - l
}'
# The bound (counts, not time): one refresh grant per live account per period, and
# nothing for the idle ones (their made-up tokens would show as refresh grants, and
# their names in fedjit's lines).
idle_asked=$(grep -Eo '^u[0-9]+:' "$tmp/out" | tr -d u: | awk -v l="$L" '$1 + 0 > l' | wc -l)
if [ "$p1_refresh" -le "$L" ] && [ "$p2_refresh" -le "$L" ] && [ "$idle_asked" = 0 ]; then
	echo "bound holds: $p1_refresh and $p2_refresh refresh grants for $L live accounts, 0 for $((N - L)) idle"
else
	echo "BOUND EXCEEDED: $p1_refresh / $p2_refresh refresh grants per period for $L live accounts"
	exit 1
fi

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fedjit revalidate against the fake helper (tests/cli/fake_helper.c answers by the
# account name's first word): usage, one line per account and the summary, the exit
# status, which accounts --all, --stale and --sessions choose (live sessions from
# logind's state files, utmp and running processes, made up in a private /run), and
# that a locked account is never chosen. Private PID and mount namespaces (ns.sh).
srcdir=${top_srcdir:-.}/tests/cli
builddir=${top_builddir:-.}
fedjit=$builddir/cli/fedjit
helper=$builddir/tests/cli/fake_helper
. "$srcdir/ns.sh"
ns_enter "$@"
if [ ! -x "$fedjit" ] || ! command -v setpriv >/dev/null; then
	echo "1..0 # SKIP $fedjit not built or setpriv missing"
	exit 0
fi
ns_setup
export TZ=UTC LC_ALL=C
tmp=$ns_tmp
db=$tmp/fedjit.tdb
cat >"$tmp/fedjit.conf" <<EOF
[global]
db_file = $db
secret_db_file = $tmp/secret.tdb

[idp corp]
issuer = https://idp.example.com
client_id = fedjit
EOF
run() { # run RC ARGS...
	want=$1
	shift
	"$fedjit" --config "$tmp/fedjit.conf" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	[ "$got" = "$want" ]
}
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/# /'
	sed 's/^/# stdout: /' "$tmp/out" | head -20
	sed 's/^/# stderr: /' "$tmp/err" | head -20
}
t() { d=$1; shift; if run "$@"; then ok "$d"; else notok "$d" "exit status $got, wanted $want"; fi; }
has() { if grep -Eq -- "$3" "$tmp/$2"; then ok "$1"; else notok "$1" "no /$3/ in $2"; fi; }
same() { # same DESCRIPTION EXPECTED-STDOUT
	if [ "$(cat "$tmp/out")" = "$2" ]; then ok "$1"; else
		notok "$1" "expected:
$2"
	fi
}

# ---- usage ----
t "no selection is a usage error" 2 revalidate --helper "$helper"
t "--all with names is a usage error" 2 revalidate --all ok-a --helper "$helper"
t "--all with --sessions is a usage error" 2 revalidate --all --sessions --helper "$helper"
t "--help" 0 revalidate --help
has "... documents --sessions" out '^  --sessions '
setpriv --reuid=nobody --regid=nogroup --clear-groups "$fedjit" --config "$tmp/fedjit.conf" \
	revalidate ok-a --helper "$helper" >"$tmp/out" 2>"$tmp/err"
got=$?
if [ $got = 1 ] && grep -q 'revalidate needs root' "$tmp/err"; then ok "as nobody: needs root"; else
	notok "as nobody: needs root" "exit status $got"
fi

# ---- by name: one line each, the summary, the exit status ----
t "five accounts by name, all answered: exit 0" 0 revalidate ok-groups fresh-x disabled-y \
	locked-z notoken-w --helper "$helper"
same "... a line per account and the summary" "ok-groups: ok (verified now; groups changed; refresh token rotated)
fresh-x: ok (verified now; refresh token rotated)
disabled-y: disabled at the IdP (locked; sessions ended)
locked-z: locked (not asked; lock reason: administrator)
notoken-w: no_token (no refresh token held; the next device-flow login brings one)
revalidated 5 accounts: 2 ok, 1 disabled at the IdP, 1 locked, 1 without a refresh token"
t "an unreachable IdP: exit 1" 1 revalidate down-a ok-b --helper "$helper"
same "... says nothing changed and whether the grace holds" "down-a: unreachable (nothing changed; within the offline grace): force=1
ok-b: ok (verified now; refresh token rotated)
revalidated 2 accounts: 1 ok, 1 failed"
t "an unknown account: exit 1" 1 revalidate nobody --helper "$helper"
has "... named" out '^nobody: unknown_user: force=1$'
t "a helper that ends without a result: exit 1" 1 revalidate gone-a --helper "$helper"
has "... said" out '^gone-a: error \(the helper ended without a result'
t "a helper without the op: exit 1" 1 revalidate old-a --helper "$helper"
has "... said" err 'does not implement op=revalidate'
t "a helper that cannot be run: exit 1" 1 revalidate ok-a --helper "$tmp/no-such-helper"

# ---- selections from the store ----
cat >"$tmp/accounts.json" <<EOF
{"fedjit_dump": 1, "users": [
$(i=0; for a in ok-a fresh-b locked-c disabled-d notoken-e down-f ok-g; do
	i=$((i + 1)); locked=false; [ $a = locked-c ] && locked=true
	idp=corp; case $a in down-f | ok-g) idp=other ;; esac
	[ $i -gt 1 ] && echo ,
	echo "{\"name\": \"$a\", \"uid\": $((240000 + i)), \"gid\": $((240000 + i)), \"gecos\": \"\",
	\"home\": \"/nonexistent\", \"shell\": \"/bin/sh\", \"domain\": \"PRIMARY\", \"idp\": \"$idp\",
	\"issuer\": \"https://idp.example.com\", \"subject\": \"$a\", \"email\": \"\", \"created\": 1,
	\"last_login\": 0, \"locked\": $locked, \"pending\": false, \"groups\": []}"
done)],
"groups": [
$(i=0; for a in ok-a fresh-b locked-c disabled-d notoken-e down-f ok-g; do
	i=$((i + 1)); [ $i -gt 1 ] && echo ,
	echo "{\"name\": \"$a\", \"gid\": $((240000 + i)), \"origin\": \"private\", \"domain\": \"PRIMARY\", \"members\": []}"
done)]}
EOF
t "restore seven accounts (locked-c locked; down-f and ok-g of IdP other)" 0 \
	db restore "$tmp/accounts.json"
t "--all: exit 1 (down-f)" 1 revalidate --all --helper "$helper"
same "... every account not locked, sorted, asked with force; IdP other not again after down-f" \
	"disabled-d: disabled at the IdP (locked; sessions ended)
down-f: unreachable (nothing changed; within the offline grace): force=1
fresh-b: ok (verified now; refresh token rotated)
notoken-e: no_token (no refresh token held; the next device-flow login brings one)
ok-a: ok (verified now; refresh token rotated)
ok-g: unreachable (not asked: IdP other did not answer earlier in this run)
revalidated 6 accounts: 2 ok, 1 disabled at the IdP, 1 without a refresh token, 2 failed"
t "--stale" 1 revalidate --stale --helper "$helper"
has "... lets the helper decide (force=0): fresh-b is fresh" out '^fresh-b: fresh \(verified recently; the IdP was not asked\)$'
t "--sessions with no session anywhere: nothing to do, exit 0" 0 revalidate --sessions --helper "$helper"
same "... says so" "revalidated 0 accounts"

# live: ok-a runs a process, fresh-b is in logind's users, disabled-d has a logind
# session, notoken-e a utmp entry; locked-c runs a process but is locked; down-f has
# only a stale utmp entry (its process is gone)
setpriv --reuid=240001 --regid=240001 --clear-groups sleep 300 &
setpriv --reuid=240003 --regid=240003 --clear-groups sleep 300 &
ns_wait_uid 240001 1
ns_wait_uid 240003 1
mkdir -p /run/systemd/users /run/systemd/sessions
: >/run/systemd/users/240002
printf 'UID=240004\nUSER=disabled-d\nACTIVE=1\nSTATE=active\n' >/run/systemd/sessions/7
: >/run/systemd/sessions/7.ref
sleep 300 &
alive=$!
sh -c 'exit 0' &
dead=$!
wait $dead
# utmpdump's reader wants its own fixed widths (a 5-digit pid, a 12-column line):
# one entry per file, the binary records concatenate
utmp_entry() { # PID ID USER LINE
	printf '[7] [%05d] [%s] [%s] [%-12s] [                    ] [0.0.0.0        ] [2024-01-01T00:00:00,000000+0000]\n' "$@" \
		>"$tmp/utmp.txt"
	utmpdump -r -o "$tmp/utmp.bin" "$tmp/utmp.txt" 2>/dev/null && cat "$tmp/utmp.bin" >>/run/utmp
}
utmp_entry "$alive" ts/1 notoken-e pts/1
utmp_entry "$dead" ts/2 down-f pts/2
t "--sessions: exit 0" 0 revalidate --sessions --helper "$helper"
same "... exactly the accounts with a live session, asked with force" "disabled-d: disabled at the IdP (locked; sessions ended)
fresh-b: ok (verified now; refresh token rotated)
notoken-e: no_token (no refresh token held; the next device-flow login brings one)
ok-a: ok (verified now; refresh token rotated)
revalidated 4 accounts: 2 ok, 1 disabled at the IdP, 1 without a refresh token"
t "--sessions --stale: the union" 1 revalidate --sessions --stale --helper "$helper"
has "... fresh-b once, forced (it has a session)" out '^fresh-b: ok '
has "... down-f by --stale" out '^down-f: unreachable'
[ "$(grep -c '^fresh-b:' "$tmp/out")" = 1 ] && ok "... each account once" || notok "... each account once"

echo "1..$n"
[ "$failed" = 0 ]

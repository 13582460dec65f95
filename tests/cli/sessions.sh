#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fedjit user lock ends the account's sessions and processes (common/sessions.c),
# --keep-sessions keeps them, other uids are untouched; logind is asked first when it
# runs (a stand-in busctl here); the lock erases the refresh token and records its
# reason; user show says what the IdP last said without ever showing the token; every
# lock and unlock writes one audit record (read back through the test audit sink) and
# one syslog line. Runs in private PID and mount namespaces (tests/cli/ns.sh).
srcdir=${top_srcdir:-.}/tests/cli
builddir=${top_builddir:-.}
fedjit=$builddir/cli/fedjit
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
sdb=$tmp/secret.tdb
fj() { "$fedjit" --db "$db" --secret-db "$sdb" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; }
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
check() { if [ "$2" -eq 0 ]; then ok "$1"; else notok "$1" "$3"; fi; }
has() { grep -Eq -- "$3" "$2"; check "$1" $? "no /$3/ in $2"; }
hasnt() { ! grep -Eq -- "$3" "$2"; check "$1" $? "/$3/ in $2"; }

A=230001 # alice
B=230002 # bob, never locked here
cat >"$tmp/accounts.json" <<EOF
{"fedjit_dump": 1,
 "users": [
  {"name": "alice", "uid": $A, "gid": $A, "gecos": "", "home": "/nonexistent",
   "shell": "/bin/sh", "domain": "PRIMARY", "idp": "corp", "issuer": "https://idp.example.com",
   "subject": "a", "email": "", "created": 1, "last_login": 0, "locked": false,
   "pending": false, "groups": []},
  {"name": "bob", "uid": $B, "gid": $B, "gecos": "", "home": "/nonexistent",
   "shell": "/bin/sh", "domain": "PRIMARY", "idp": "corp", "issuer": "https://idp.example.com",
   "subject": "b", "email": "", "created": 1, "last_login": 0, "locked": false,
   "pending": false, "groups": []}],
 "groups": [
  {"name": "alice", "gid": $A, "origin": "private", "domain": "PRIMARY", "members": []},
  {"name": "bob", "gid": $B, "origin": "private", "domain": "PRIMARY", "members": []}]}
EOF
fj db restore "$tmp/accounts.json"
check "restore two accounts" $?
token=rt-0123456789-secret-token-value
"$builddir/tests/cli/mkstate" "$db" alice 1700000000 login none "$token"
check "a state record and a refresh token for alice" $?

# ---- user show ----
fj user show alice
has "user show: when the IdP last vouched, and how" "$tmp/out" '^verified: +2023-11-14 22:13 \(device-flow login\)$'
has "user show: a refresh token is held" "$tmp/out" '^refresh: +token held$'
has "user show: lock reason none" "$tmp/out" '^lock reason: none$'
hasnt "user show never prints the token" "$tmp/out" "$token"
fj user show alice --json
has "user show --json: verification" "$tmp/out" '"refresh_token": true'
has "user show --json: lock reason" "$tmp/out" '"lock_reason": "none"'
hasnt "user show --json never prints the token" "$tmp/out" "$token"
fj db dump --secrets
hasnt "db dump --secrets never holds the refresh token" "$tmp/out" "$token"
fj db dump
hasnt "db dump never holds the refresh token" "$tmp/out" "$token"

# ---- processes of alice (one ignores SIGTERM, one forks in a loop) and of bob ----
start_alice() {
	setpriv --reuid=$A --regid=$A --clear-groups sleep 300 &
	setpriv --reuid=$A --regid=$A --clear-groups sleep 300 &
	setpriv --reuid=$A --regid=$A --clear-groups sh -c 'trap "" TERM; while :; do sleep 1; done' &
	setpriv --reuid=$A --regid=$A --clear-groups sh -c 'while :; do sleep 5 & sleep 0.05; done' &
	ns_wait_uid $A 6
}
start_alice
setpriv --reuid=$B --regid=$B --clear-groups sleep 300 &
ns_wait_uid $B 1
before=$(ns_count_uid $A)

fj user lock alice --keep-sessions
check "user lock --keep-sessions exits 0" $?
has "... says the sessions are kept" "$tmp/out" '^sessions: kept \([0-9]+ processes running\)$'
sleep 0.3
[ "$(ns_count_uid $A)" -ge "$before" ]
check "... alice's processes still run" $? "$(ns_count_uid $A) of $before"
fj user show alice
has "the lock recorded its reason: administrator" "$tmp/out" '^lock reason: administrator$'
has "... and erased the refresh token" "$tmp/out" '^refresh: +none$'
fj user unlock alice
check "user unlock exits 0" $?
fj user show alice
has "unlocked: lock reason none" "$tmp/out" '^lock reason: none$'

fj user lock alice
check "user lock exits 0" $?
has "... says the processes ended, one by SIGKILL" "$tmp/out" '^sessions: [0-9]+ processes ended \([0-9]+ by SIGKILL\)$'
[ "$(ns_count_uid $A)" = 0 ]
check "... no process of alice runs any more" $? "$(ns_count_uid $A) left"
[ "$(ns_count_uid $B)" = 1 ]
check "... bob's process still runs" $?
fj user lock alice
has "locking again: nothing left to end" "$tmp/out" '^sessions: no process running$'

# ---- logind first, when it runs (a stand-in busctl records the call) ----
fj user unlock alice
start_alice
mkdir -p /run/systemd/seats /run/systemd/users
: >/run/systemd/users/$A
cat >"$tmp/busctl" <<EOF
#!/bin/sh
echo "\$@" >>"$tmp/busctl.calls"
EOF
chmod 755 "$tmp/busctl"
mount --bind "$tmp/busctl" /usr/bin/busctl
fj user lock alice
umount /usr/bin/busctl
has "logind: TerminateUser by uid" "$tmp/busctl.calls" \
	"^--system --quiet --timeout [0-9]+ms call org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager TerminateUser u $A\$"
has "... and the signals still end what logind left" "$tmp/out" '^sessions: logind ended the sessions; [0-9]+ processes ended'
[ "$(ns_count_uid $A)" = 0 ]
check "... no process of alice runs" $?
rm -rf /run/systemd

# ---- the reason "disabled at the IdP" ----
"$builddir/tests/cli/mkstate" "$db" alice 1700000000 refresh idp
fj user show alice
has "user show: disabled at the IdP" "$tmp/out" '^lock reason: disabled at the IdP$'
fj user show alice --json
has "user show --json: lock reason idp" "$tmp/out" '"lock_reason": "idp"'
fj user unlock alice

# ---- audit records and syslog lines ----
log=$(ns_wait_log 'op=unlock-user acct="alice".*was disabled at the IdP')
n_lock=$(printf '%s\n' "$log" | grep -c 'account: op=lock-user acct="alice" id=230001 by="admin" res=success')
[ "$n_lock" = 4 ]
check "syslog: one line per lock (4)" $? "$log"
printf '%s\n' "$log" | grep -q 'op=lock-user acct="alice" .*reason="administrator; sessions: kept ('
check "syslog: the kept sessions are in the reason" $? "$log"
printf '%s\n' "$log" | grep -q 'op=unlock-user acct="alice" id=230001 by="admin" res=success reason="administrator; was disabled at the IdP"'
check "syslog: the unlock names what the lock was" $? "$log"
if [ "$ns_have_audit" = 1 ]; then
	n_rec=$(grep -c '^type=1135 msg=op=lock-user acct="alice" id=230001 by="admin" reason=' "$ns_audit")
	[ "$n_rec" = 4 ]
	check "audit: one ACCT_LOCK record per lock (4)" $? "$(cat "$ns_audit")"
	grep -q '^type=1136 msg=op=unlock-user acct="alice" id=230001 by="admin" reason=.* exe=".*fedjit" .*res=success$' "$ns_audit"
	check "audit: ACCT_UNLOCK with the acting program" $? "$(cat "$ns_audit")"
	hasnt "audit: no lock record about bob" "$ns_audit" 'op=lock-user acct="bob"'
else
	for d in "audit: one ACCT_LOCK record per lock" "audit: ACCT_UNLOCK" "audit: nothing about bob"; do
		n=$((n + 1)); echo "ok $n - $d # SKIP no audit netlink (or a sanitizer build)"
	done
fi

# ---- delete writes its record too ----
fj user delete bob --yes
if [ "$ns_have_audit" = 1 ]; then
	grep -q '^type=1115 msg=op=delete-user acct="bob" id=230002 by="admin" reason="administrator"' "$ns_audit"
	check "audit: DEL_USER for a deleted account" $? "$(cat "$ns_audit")"
else
	n=$((n + 1)); echo "ok $n - audit: DEL_USER # SKIP no audit netlink"
fi
ns_wait_log 'op=delete-user acct="bob"' | grep -q 'account: op=delete-user acct="bob" id=230002 by="admin" res=success'
check "syslog: the deletion" $?
hasnt "no log line holds the refresh token" "$ns_syslog" "$token"

if [ -n "${FEDJIT_KEEP_AUDIT:-}" ]; then
	cp "$ns_audit" "$FEDJIT_KEEP_AUDIT.audit"
	cp "$ns_syslog" "$FEDJIT_KEEP_AUDIT.syslog"
fi
echo "1..$n"
[ "$failed" = 0 ]

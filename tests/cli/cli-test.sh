#!/bin/sh
# fedjit(8), the admin tool: every subcommand with its exit status and output
# (golden files in tests/cli/golden/, FEDJIT_GOLDEN_UPDATE=1 rewrites them),
# delete and purge leaving the store consistent, dump -> restore round trips
# (10,000 accounts), refused restores changing nothing, config check catching
# each kind of error, non-root reads and refused non-root writes, and idp test /
# login-test through a fake helper. Fixtures are written with `fedjit db restore`.
srcdir=${top_srcdir:-.}/tests/cli
builddir=${top_builddir:-.}
fedjit=$builddir/cli/fedjit
helper=$builddir/tests/cli/fake_helper

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (writing the store needs root; fixtures are restored)"
	exit 0
fi
if [ ! -x "$fedjit" ]; then
	echo "1..0 # SKIP $fedjit not built"
	exit 0
fi
# `user lock` ends the account's processes: in a PID namespace of its own, it can
# only ever see (and end) this script's.
if [ -z "${FEDJIT_CLI_TEST_NS:-}" ]; then
	if ! unshare -pf --mount-proc true 2>/dev/null; then
		echo "1..0 # SKIP no PID namespaces here"
		exit 0
	fi
	FEDJIT_CLI_TEST_NS=1 exec unshare -pf --mount-proc --propagation private sh "$0" "$@"
fi

export TZ=UTC LC_ALL=C
# Under the suite's valgrind run (tests/valgrind-wrap.sh sets FEDJIT_VALGRIND=1) the
# golden runs and the refused restores and configurations (every subcommand, success
# and error paths) run under memcheck: an error or a definite leak exits 99, which no
# test expects. Everything else runs plain (valgrind costs a second per run).
vg=
if [ "${FEDJIT_VALGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite"
fi
fj() {
	"$fedjit" "$@"
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fedjit-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # non-root reads below
db=$tmp/fedjit.tdb
sdb=$tmp/secret.tdb
n=0
failed=0

ok() { # ok DESCRIPTION: the last check passed
	n=$((n + 1))
	echo "ok $n - $1"
}
notok() { # notok DESCRIPTION WHY
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	printf '%s\n' "$2" | sed 's/^/# /'
	sed 's/^/# stdout: /' "$tmp/out" | head -20
	sed 's/^/# stderr: /' "$tmp/err" | head -20
}
# run RC ARGS...: run fedjit, keep stdout/stderr in $tmp/out, $tmp/err; true when the
# exit status is RC.
run() {
	want=$1
	shift
	fj "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	[ "$got" = "$want" ]
}
# run_vg RC ARGS...: the same, under memcheck in the valgrind run.
run_vg() {
	want=$1
	shift
	$vg "$fedjit" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	[ "$got" = "$want" ]
}
# t DESCRIPTION RC ARGS...: one test of the exit status.
t() {
	desc=$1
	shift
	if run "$@"; then ok "$desc"; else notok "$desc" "exit status $got, wanted $want"; fi
}
t_vg() {
	desc=$1
	shift
	if run_vg "$@"; then ok "$desc"; else notok "$desc" "exit status $got, wanted $want"; fi
}
# golden DESCRIPTION NAME RC ARGS...: exit status and stdout equal to golden/NAME.
golden() {
	desc=$1 name=$2
	shift 2
	if ! run_vg "$@"; then
		notok "$desc" "exit status $got, wanted $want"
		return
	fi
	# The scratch directory's name is the one unstable part.
	sed "s|$tmp|@TMP@|g" "$tmp/out" >"$tmp/out.golden"
	if [ -n "$FEDJIT_GOLDEN_UPDATE" ]; then
		cp "$tmp/out.golden" "$srcdir/golden/$name"
	fi
	if diff -u "$srcdir/golden/$name" "$tmp/out.golden" >"$tmp/diff"; then
		ok "$desc"
	else
		notok "$desc" "$(cat "$tmp/diff")"
	fi
}
# has DESCRIPTION FILE PATTERN: the last run's out/err holds PATTERN (grep -E).
has() {
	if grep -Eq -- "$3" "$tmp/$2"; then ok "$1"; else notok "$1" "no /$3/ in $2"; fi
}
check_consistent() { # DESCRIPTION [DB]
	if run 0 --db "${2:-$db}" db check && grep -q ': consistent$' "$tmp/out"; then
		ok "$1"
	else
		notok "$1" "db check failed"
	fi
}
dump() { # dump DB FILE
	fj --db "$1" db dump >"$2" 2>/dev/null
}


# ---- the test configuration: two IdPs, two domains ----
umask 077
echo "not-so-secret" >"$tmp/corp.secret"
umask 022
conf=$tmp/fedjit.conf
cat >"$conf" <<EOF
[global]
default_idp = corp
db_file = $tmp/fedjit.tdb
secret_db_file = $tmp/secret.tdb
cache_dir = $tmp/cache
helper_user = nobody

[domain CORP]
uid_min = 400000
uid_max = 499999
home = /home/%d/%u
primary_group = corpusers
fully_qualified = yes

[idp corp]
issuer = https://idp.example.com
client_id = fedjit
client_secret_file = $tmp/corp.secret
provisioning = as-in-username
domains = PRIMARY CORP
group_map = admins:sudo

[idp bad]
issuer = https://bad.example.com
client_id = fedjit
provisioning = none

[idp old]
issuer = https://old.example.com
client_id = fedjit

[idp gone]
issuer = https://gone.example.com
client_id = fedjit
EOF

# ---- global behaviour ----
t "--version exits 0" 0 --version
has "--version prints the version" out '^fedjit [0-9]+\.[0-9]+'
t "no command is a usage error" 2
t "unknown command exits 2" 2 frobnicate
has "unknown command is named on stderr" err "unknown command 'frobnicate'"
t "unknown global option exits 2" 2 --frob user list
t "unknown subcommand option exits 2" 2 --db "$db" user list --frob
for cmd in "" "user" "user list" "user show" "user lock" "user unlock" "user delete" \
	"user set" "idp" "idp list" "idp test" "idp purge" "db" "db check" "db dump" \
	"db restore" "config" "config check" "uid" "login-test" "revalidate"; do
	# shellcheck disable=SC2086
	if run 0 $cmd --help && grep -q '^Usage: fedjit' "$tmp/out"; then
		ok "fedjit $cmd --help"
	else
		notok "fedjit $cmd --help" "exit status $got"
	fi
done

# Every command is documented in fedjit(8).
for cmd in "user list" "user show" "user lock" "user unlock" "user delete" "user set" \
	"idp list" "idp test" "idp purge" "login-test" "revalidate" "config check" "db check" \
	"db dump" "db restore" "uid"; do
	if grep -q "^\.Cm $cmd" "$top_srcdir/man/fedjit.8"; then
		ok "fedjit.8 documents $cmd"
	else
		n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - fedjit.8 documents $cmd"
	fi
done

# A configuration with errors cannot say where the store is.
printf '[global]\ndb_file = relative/path\n' >"$tmp/broken.conf"
t "user list with a broken configuration exits 1" 1 --config "$tmp/broken.conf" user list
has "... and says how to name the store" err 'cannot tell where the store is \(--db FILE'
t "user list with a broken configuration and --db works" 0 --config "$tmp/broken.conf" \
	--db "$db" user list

# ---- an empty (missing) store reads as "no accounts yet" ----
golden "user list of a missing store: header only" empty-list.txt 0 --db "$db" user list
t "user show of a missing store exits 1" 1 --db "$db" user show alice
golden "db check of a missing store" missing-check.txt 0 --db "$db" db check

# ---- fixtures through restore ----
golden "restore the fixture" restore.txt 0 --db "$db" db restore "$srcdir/fixture.json"
check_consistent "restored store is consistent"
golden "user list" user-list.txt 0 --db "$db" user list
golden "user list --idp corp" user-list-corp.txt 0 --db "$db" user list --idp corp
golden "user list --domain corp" user-list-domain.txt 0 --db "$db" user list --domain corp
golden "user list --json" user-list.json 0 --db "$db" user list --json
golden "user show NAME" user-show-alice.txt 0 --db "$db" user show alice
golden "user show --json" user-show-alice.json 0 --db "$db" user show alice --json
golden "user show --uid" user-show-carol.txt 0 --db "$db" user show --uid 400100
golden "user show by identity (IdP not configured: scanned)" user-show-carol.txt 0 \
	--db "$db" user show --idp partner --subject 7f3a-carol
golden "user show by identity (through the link)" user-show-alice.txt 0 \
	--config "$conf" --db "$db" user show --idp corp --subject sub-alice
t "user show of an unknown name exits 1" 1 --db "$db" user show nobody-here
has "... and says so" err 'no account nobody-here'
t "user show with a name and --uid is a usage error" 2 --db "$db" user show alice --uid 1
t "user show --idp without --subject is a usage error" 2 --db "$db" user show --idp corp
golden "db dump" dump.json 0 --db "$db" db dump

# IdP text is shown as it is, but never as terminal control sequences; wide
# characters keep the table aligned.
jq -n '{fedjit_dump: 1, users: [{name: "uma", uid: 202222, gid: 202222,
	gecos: "\u001b[31mred\u0007", home: "/home/uma", shell: "/bin/sh", domain: "PRIMARY",
	idp: "corp", issuer: "https://idp.example.com", subject: "sübject-ß-日本",
	email: "", created: 1700000000, last_login: 0, locked: false, pending: false,
	groups: []}], groups: [{name: "uma", gid: 202222, origin: "private",
	domain: "PRIMARY", members: []}]}' >"$tmp/uma.json"
t "restore an account with control characters and UTF-8 from the IdP" 0 \
	--db "$tmp/uma.tdb" db restore "$tmp/uma.json"
run 0 --db "$tmp/uma.tdb" user show uma
if grep -q '^gecos:       \\x1b\[31mred\\x07$' "$tmp/out" && ! grep -q "$(printf '\033')" "$tmp/out"; then
	ok "user show prints control characters escaped as \\xNN"
else
	notok "user show prints control characters escaped as \\xNN" "$(od -c "$tmp/out" | head -5)"
fi
LC_ALL=C.UTF-8
golden "user list aligns wide characters (UTF-8 locale)" user-list-wide.txt 0 --db "$tmp/uma.tdb" \
	user list
LC_ALL=C
run 0 --db "$tmp/uma.tdb" user show uma --json
has "user show --json escapes them" out '"gecos": "\\u001[bB]\[31mred\\u0007"'

# ---- lock / unlock ----
golden "user lock NAME" lock-alice.txt 0 --db "$db" user lock alice
run 0 --db "$db" user show alice --json
has "locked account shows locked" out '"locked": true'
golden "user unlock by identity" unlock-alice.txt 0 --config "$conf" --db "$db" \
	user unlock --idp corp --subject sub-alice
run 0 --db "$db" user show alice --json
has "unlocked account shows unlocked" out '"locked": false'
t "user lock of an unknown identity exits 1" 1 --config "$conf" --db "$db" \
	user lock --idp corp --subject nobody
t "user lock --uid is a usage error" 2 --db "$db" user lock --uid 201234

# ---- attributes that come from the IdP or the configuration ----
t "user set shell= is refused" 1 --db "$db" user set alice shell=/bin/sh
has "... naming the configuration" err "refusing to set shell: it follows the domain's shell"
t "user set gecos= is refused" 1 --db "$db" user set alice gecos=Mallory
has "... naming the IdP claim" err "refusing to set gecos: it comes from the IdP's gecos_claim"
t "user set uid= is refused" 1 --db "$db" user set alice uid=0
t "user set of an unknown attribute is a usage error" 2 --db "$db" user set alice colour=red

# ---- non-root: reads work, writes are refused ----
if command -v setpriv >/dev/null; then
	asnobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
else
	asnobody() { runuser -u nobody -- "$@"; }
fi
# nobody sees the accounts, not their personal data (root-only private store)
if asnobody "$fedjit" --db "$db" user list >"$tmp/out" 2>"$tmp/err" &&
	diff -q "$tmp/out" "$srcdir/golden/user-list-nobody.txt" >/dev/null &&
	grep -q 'private store and not shown' "$tmp/err"; then
	ok "user list as nobody"
else
	notok "user list as nobody" "failed"
fi
if asnobody "$fedjit" --db "$db" db check >"$tmp/out" 2>"$tmp/err"; then
	ok "db check as nobody"
else
	notok "db check as nobody" "failed"
fi
asnobody "$fedjit" --db "$db" user lock alice >"$tmp/out" 2>"$tmp/err"
got=$?
if [ $got = 1 ] && grep -q 'writing the store needs root' "$tmp/err"; then
	ok "user lock as nobody is refused: writing the store needs root"
else
	notok "user lock as nobody is refused" "exit status $got"
fi
asnobody "$fedjit" --db "$tmp/new.tdb" db restore "$srcdir/fixture.json" >"$tmp/out" 2>"$tmp/err"
got=$?
if [ $got = 1 ] && [ ! -e "$tmp/new.tdb" ]; then
	ok "db restore as nobody is refused, nothing created"
else
	notok "db restore as nobody is refused" "exit status $got"
fi
asnobody "$fedjit" --db "$db" db dump --secrets >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] && ok "db dump --secrets as nobody is refused" ||
	notok "db dump --secrets as nobody is refused" "exit status $?"

# ---- delete ----
dump "$db" "$tmp/before.json"
setsid -w $vg "$fedjit" --db "$db" user delete bob >"$tmp/out" 2>"$tmp/err" </dev/null
got=$?
dump "$db" "$tmp/after.json"
if [ $got = 1 ] && grep -q 'use --yes' "$tmp/err" && cmp -s "$tmp/before.json" "$tmp/after.json"; then
	ok "user delete without a terminal and without --yes refuses, nothing changed"
else
	notok "user delete without a terminal refuses" "exit status $got"
fi
setpriv --reuid=205678 --regid=205678 --clear-groups sleep 60 &
sleeper=$!
i=0
while [ "$(stat -c %u "/proc/$sleeper" 2>/dev/null)" != 205678 ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
golden "user delete --yes prints what it removed" delete-bob.txt 0 --db "$db" user delete bob --yes
has "... and warns about bob's running process" err 'bob \(uid 205678\) has 1 running process;'
kill "$sleeper"
wait "$sleeper" 2>/dev/null
check_consistent "store consistent after delete"
t "deleted account is gone" 1 --db "$db" user show bob
t "user delete of an unknown account exits 1" 1 --db "$db" user delete bob --yes
run 0 --db "$db" user show alice
has "alice left the developers group of bob intact" out '250000\(developers\)'

# --remove-home: a home owned by the account is removed, one owned by someone else is not.
mkdir -p "$tmp/home/dave" "$tmp/home/erin"
touch "$tmp/home/dave/.profile"
ln -s /etc "$tmp/home/dave/etc-link"
chown -R 300001 "$tmp/home/dave"
sed -e "s|@HOME@|$tmp/home|g" >"$tmp/homes.json" <<'EOF'
{"fedjit_dump": 1,
 "users": [
  {"name": "dave", "uid": 300001, "gid": 300001, "gecos": "", "home": "@HOME@/dave",
   "shell": "/bin/sh", "domain": "PRIMARY", "idp": "homeidp", "issuer": "https://h.example",
   "subject": "d", "email": "", "created": 1, "last_login": 0, "locked": false,
   "pending": false, "groups": []},
  {"name": "erin", "uid": 300002, "gid": 300002, "gecos": "", "home": "@HOME@/erin",
   "shell": "/bin/sh", "domain": "PRIMARY", "idp": "homeidp", "issuer": "https://h.example",
   "subject": "e", "email": "", "created": 1, "last_login": 0, "locked": false,
   "pending": false, "groups": []}],
 "groups": [
  {"name": "dave", "gid": 300001, "origin": "private", "domain": "PRIMARY", "members": []},
  {"name": "erin", "gid": 300002, "origin": "private", "domain": "PRIMARY", "members": []}]}
EOF
t "restore accounts with homes" 0 --db "$db" db restore "$tmp/homes.json"
t "user delete --remove-home" 0 --db "$db" user delete dave --remove-home --yes
has "... says the home was removed" out "^removed home $tmp/home/dave\$"
if [ ! -e "$tmp/home/dave" ] && [ -d /etc ]; then
	ok "home removed, symlink inside not followed"
else
	notok "home removed" "still there"
fi
t "user delete --remove-home of a home owned by another uid exits 1" 1 \
	--db "$db" user delete erin --remove-home --yes
has "... the account is removed" out '^removed account erin'
has "... the home is not" err "$tmp/home/erin: not removed"
[ -d "$tmp/home/erin" ] && ok "foreign-owned home kept" || notok "foreign-owned home kept" "gone"

# ---- idp list / purge ----
golden "idp list" idp-list.txt 0 --config "$conf" --db "$db" idp list
run 0 --config "$conf" --db "$db" idp list --json
has "idp list --json" out '"accounts": 1'
t "idp list without a configuration exits 1" 1 --config "$tmp/none.conf" --db "$db" idp list
dump "$db" "$tmp/before.json"
setsid -w $vg "$fedjit" --db "$db" idp purge corp >"$tmp/out" 2>"$tmp/err" </dev/null
got=$?
dump "$db" "$tmp/after.json"
if [ $got = 1 ] && cmp -s "$tmp/before.json" "$tmp/after.json"; then
	ok "idp purge without --yes and without a terminal refuses, nothing changed"
else
	notok "idp purge without --yes refuses" "exit status $got"
fi
t "restore more accounts of corp" 0 --db "$db" db restore "$srcdir/fixture-more.json"
golden "idp purge --yes prints every removed account" purge-corp.txt 0 --db "$db" idp purge corp --yes
check_consistent "store consistent after purge"
golden "no account of the purged IdP is left" user-list-after-purge.txt 0 --db "$db" user list
golden "idp purge of an IdP without accounts" purge-none.txt 0 --db "$db" idp purge corp --yes
jq '.users |= [.[0]] | .groups |= [.[0]]' "$srcdir/fixture-more.json" >"$tmp/henry.json"
t "restore an account of corp again" 0 --db "$db" db restore "$tmp/henry.json"
t "idp purge of an IdP that is still configured" 0 --config "$conf" --db "$db" idp purge corp --yes
has "... warns that its people can log in again" err 'corp is still configured'
check_consistent "store consistent after the second purge"

# ---- uid ----
rm -f "$db"
golden "uid NAME in a fresh store" uid-frank.txt 0 --config "$conf" --db "$db" uid frank
first=$(sed -n 's/.*first candidate \([0-9]*\) .*/\1/p' "$tmp/out")
sed -e "s/@UID@/$first/g" >"$tmp/taken.json" <<'EOF'
{"fedjit_dump": 1,
 "users": [{"name": "grace", "uid": @UID@, "gid": @UID@, "gecos": "", "home": "/home/grace",
   "shell": "/bin/sh", "domain": "PRIMARY", "idp": "corp", "issuer": "https://idp.example.com",
   "subject": "g", "email": "", "created": 1, "last_login": 0, "locked": false,
   "pending": false, "groups": []}],
 "groups": [{"name": "grace", "gid": @UID@, "origin": "private", "domain": "PRIMARY",
   "members": []}]}
EOF
t "restore an account on frank's first candidate" 0 --db "$db" db restore "$tmp/taken.json"
run 0 --config "$conf" --db "$db" uid frank
has "uid: the taken probe names the store account" out "probe $first: taken \\(uid of grace in the fedjit store\\)"
has "uid: the next id is chosen" out "^uid: $((first + 1))\$"
golden "uid in a domain with a shared primary group" uid-corp.txt 0 --config "$conf" --db "$db" \
	uid --domain CORP frank
t "uid of an existing account" 0 --config "$conf" --db "$db" uid grace
has "... says it exists" out 'exists in the store'
t "uid of a reserved name exits 1" 1 --config "$conf" --db "$db" uid root
has "... says why" err 'root would not be provisioned'
t "uid of an invalid name exits 1" 1 --config "$conf" --db "$db" uid 'a:b'
t "uid in an unknown domain exits 1" 1 --config "$conf" --db "$db" uid --domain NOPE frank

# ---- dump -> restore round trip, refused restores ----
rm -f "$db"
fj --db "$db" db restore "$srcdir/fixture.json" >/dev/null
dump "$db" "$tmp/d1.json"
t "restore a dump into a new store" 0 --db "$tmp/copy.tdb" db restore "$tmp/d1.json"
dump "$tmp/copy.tdb" "$tmp/d2.json"
cmp -s "$tmp/d1.json" "$tmp/d2.json" && ok "dump -> restore -> dump is identical" ||
	notok "dump -> restore -> dump is identical" "$(diff "$tmp/d1.json" "$tmp/d2.json" | head)"
t_vg "restore of a conflicting dump exits 1" 1 --db "$db" db restore "$tmp/d1.json"
has "... names the conflicts and changes nothing" err 'conflicts with the configuration or the store; nothing changed'
dump "$db" "$tmp/d3.json"
cmp -s "$tmp/d1.json" "$tmp/d3.json" && ok "conflicting restore changed nothing" ||
	notok "conflicting restore changed nothing" "store differs"
# With a configuration, ids outside every configured range are refused.
cat >"$tmp/narrow.conf" <<EOF
[global]
db_file = $tmp/narrow.tdb

[domain PRIMARY]
uid_min = 300000
uid_max = 399999
EOF
t "restore of ids outside the configured ranges exits 1" 1 --config "$tmp/narrow.conf" \
	--db "$tmp/narrow.tdb" db restore "$tmp/d1.json"
has "... names the uid and the range" err "uid 201234 is outside domain PRIMARY's uid range 300000-399999"
if [ ! -e "$tmp/narrow.tdb" ]; then ok "... and wrote nothing"; else notok "... and wrote nothing" "a store appeared"; fi
# One new account that does not conflict plus one that does: still nothing.
jq '.users[0].name = "zed" | .users[0].subject = "zed" | .users[0].uid = 209999 |
    .users[0].gid = 209999 | .users[0].groups = [] |
    .groups |= map(select(.name != "developers" or true)) |
    .groups[0].name = "zed" | .groups[0].gid = 209999 |
    .groups[3].members = ["bob"] | del(.links)' "$tmp/d1.json" >"$tmp/partial.json"
t "restore with one conflict among new accounts exits 1" 1 --db "$db" db restore "$tmp/partial.json"
dump "$db" "$tmp/d3.json"
cmp -s "$tmp/d1.json" "$tmp/d3.json" && ok "... and adds nothing" || notok "... and adds nothing" "store differs"
# Corrupt dumps: each refused before anything is written.
bad_dump() { # DESCRIPTION JQ-FILTER PATTERN
	jq "$2" "$tmp/d1.json" >"$tmp/bad.json"
	if run_vg 1 --db "$tmp/fresh.tdb" db restore "$tmp/bad.json" && grep -Eq -- "$3" "$tmp/err" &&
		[ ! -e "$tmp/fresh.tdb" ]; then
		ok "refused: $1"
	else
		notok "refused: $1" "exit status $got"
	fi
}
head -c 300 "$tmp/d1.json" >"$tmp/trunc.json"
if run 1 --db "$tmp/fresh.tdb" db restore "$tmp/trunc.json" && [ ! -e "$tmp/fresh.tdb" ]; then
	ok "refused: truncated dump"
else
	notok "refused: truncated dump" "exit status $got"
fi
bad_dump "wrong format version" '.fedjit_dump = 2' 'not a fedjit dump'
bad_dump "unknown top-level key" '.extra = 1' 'not a fedjit dump'
bad_dump "unknown user key" '.users[0].shell2 = "x"' 'unknown keys'
bad_dump "uid as a string" '.users[0].uid = "1"' 'wrong type'
bad_dump "duplicate uid" '.users[1].uid = .users[0].uid' 'uid 201234 appears twice'
bad_dump "duplicate identity" '.users[1].subject = .users[0].subject |
	.users[1].issuer = .users[0].issuer | del(.links)' 'owns two accounts'
bad_dump "excluded uid" '.users[0].uid = 65534' 'never handed out'
bad_dump "invalid name" '.users[0].name = "Alice:x"' 'not a valid account name'
bad_dump "primary gid without a group" '.groups |= map(select(.name != "corpusers"))' \
	'is not a group of the dump'
bad_dump "member not listing the gid" '.groups[3].members = ["alice"]' 'users list gid'
bad_dump "private group without its user" '.groups[0].name = "nobody2"' 'private group'
bad_dump "link not matching the user" '.links[0].subject = "other"' 'links\[0\]'
bad_dump "secrets of a user not in the dump" \
	'.secrets = {"password_hashes": {"mallory": "$6$x"}, "consents": {}}' 'not a user of the dump'
# A value the record format refuses (':' in gecos) fails inside the batch: cancelled whole.
jq '.users[0].name = "zed" | .users[0].subject = "zed" | .users[0].uid = 209999 |
    .users[0].gid = 209999 | .users[0].groups = [] | .users[2].gecos = "a:b" |
    .groups[0].name = "zed" | .groups[0].gid = 209999 | .groups[3].members = ["bob"] |
    del(.links)' "$tmp/d1.json" >"$tmp/late.json"
t "a record refused halfway through the batch exits 1" 1 --db "$tmp/late.tdb" db restore "$tmp/late.json"
has "... cancelled" err 'restore cancelled'
run 0 --db "$tmp/late.tdb" user list
[ "$(wc -l <"$tmp/out")" = 1 ] && ok "... nothing of the batch committed" ||
	notok "... nothing of the batch committed" "accounts present"
if fj --db "$tmp/stdin2.tdb" db restore - <"$tmp/d1.json" >/dev/null 2>&1; then
	ok "restore from stdin works"
else
	notok "restore from stdin works" "failed"
fi

# Dumps taken while accounts come and go are each one committed state: each
# restores (the members of developers agree with the users' group lists).
cat >"$tmp/churn.json" <<'EOF'
{"fedjit_dump": 1,
 "users": [{"name": "churn", "uid": 233333, "gid": 233333, "gecos": "", "home": "/home/churn",
   "shell": "/bin/sh", "domain": "PRIMARY", "idp": "corp", "issuer": "https://idp.example.com",
   "subject": "churn", "email": "", "created": 1, "last_login": 0, "locked": false,
   "pending": false, "groups": [250000]}],
 "groups": [{"name": "churn", "gid": 233333, "origin": "private", "domain": "PRIMARY",
   "members": []}]}
EOF
(
	end=$(($(date +%s) + 30))
	while [ "$(date +%s)" -lt "$end" ] && [ ! -e "$tmp/churn.stop" ]; do
		"$fedjit" --db "$db" db restore "$tmp/churn.json" >/dev/null 2>&1
		"$fedjit" --db "$db" user delete churn --yes >/dev/null 2>&1
	done
) &
churner=$!
bad_dumps=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	rm -f "$tmp/churn-copy.tdb"
	if ! "$fedjit" --db "$db" db dump >"$tmp/churn-dump.json" 2>/dev/null ||
		! "$fedjit" --db "$tmp/churn-copy.tdb" db restore "$tmp/churn-dump.json" \
			>/dev/null 2>"$tmp/err"; then
		bad_dumps=$((bad_dumps + 1))
	fi
done
touch "$tmp/churn.stop"
wait "$churner"
rm -f "$tmp/churn.stop"
if [ "$bad_dumps" = 0 ]; then
	ok "20 dumps during concurrent writes each restore"
else
	notok "20 dumps during concurrent writes each restore" "$bad_dumps failed"
fi
check_consistent "store consistent after the concurrent writes"

# ---- secrets ----
jq '.secrets = {"password_hashes": {"alice": "$6$salt$hash"},
    "consents": {"alice": {"when": 1700000000, "text_version": 1, "idp": "corp",
    "what": "name -> gecos"}}}' "$tmp/d1.json" >"$tmp/secrets.json"
t "restore with secrets needs a secret store" 1 --db "$tmp/s1.tdb" db restore "$tmp/secrets.json"
t "restore with secrets" 0 --db "$tmp/s.tdb" --secret-db "$sdb" db restore "$tmp/secrets.json"
run 0 --db "$tmp/s.tdb" db dump
if grep -q 'salt' "$tmp/out"; then notok "db dump leaves secrets out" "hash in dump"; else
	ok "db dump leaves secrets out"; fi
golden "db dump --secrets" dump-secrets.json 0 --db "$tmp/s.tdb" --secret-db "$sdb" db dump --secrets
t "restore with secrets into a second pair of stores" 0 --db "$tmp/s2.tdb" \
	--secret-db "$tmp/secret2.tdb" db restore "$tmp/secrets.json"
t "user delete with the secret store" 0 --db "$tmp/s2.tdb" --secret-db "$tmp/secret2.tdb" \
	user delete alice --yes
run 0 --db "$tmp/s2.tdb" --secret-db "$tmp/secret2.tdb" db dump --secrets
if [ "$(jq -c .secrets "$tmp/out")" = '{"password_hashes":{},"consents":{}}' ]; then
	ok "... removes its password hash and consent"
else
	notok "... removes its password hash and consent" "$(jq -c .secrets "$tmp/out")"
fi
t "delete the account but not its secrets (no --secret-db)" 0 --db "$tmp/s.tdb" user delete alice --yes
t "db check finds the orphaned secrets" 1 --db "$tmp/s.tdb" --secret-db "$sdb" db check
has "... naming them" out 'secrets of missing account alice'
t "db check --repair removes them" 0 --db "$tmp/s.tdb" --secret-db "$sdb" db check --repair
t "db check is clean afterwards" 0 --db "$tmp/s.tdb" --secret-db "$sdb" db check

# ---- a damaged store ----
# a store is two files: the world-readable one and its root-only private store
cp "$db" "$tmp/damaged.tdb"
cp -p "${db%.tdb}.private.tdb" "$tmp/damaged.private.tdb"
tdbtool "$tmp/damaged.tdb" delete uid/201234 >/dev/null 2>&1
t "db check of a damaged store exits 1" 1 --db "$tmp/damaged.tdb" db check
has "... naming the problem" out 'user alice: no uid index uid/201234'
tdbtool "$tmp/damaged.tdb" delete "gid/250000" >/dev/null 2>&1
t "db check --repair fixes missing indexes" 0 --db "$tmp/damaged.tdb" db check --repair
has "... saying what it wrote" out 'repaired: user alice: uid index uid/201234: written'
has "... for groups too" out 'repaired: group developers: gid index gid/250000: written'
check_consistent "repaired store is consistent" "$tmp/damaged.tdb"
asnobody "$fedjit" --db "$tmp/damaged.tdb" db check --repair >"$tmp/out" 2>"$tmp/err"
got=$?
if [ $got = 1 ] && grep -q 'repairing the store needs root' "$tmp/err"; then
	ok "db check --repair as nobody is refused"
else
	notok "db check --repair as nobody is refused" "exit status $got"
fi

# ---- 10,000 accounts ----
awk 'BEGIN {
	printf "{\"fedjit_dump\": 1, \"users\": [";
	for (i = 0; i < 10000; i++) {
		printf "%s{\"name\": \"u%05d\", \"uid\": %d, \"gid\": %d, \"gecos\": \"User %d\", \"home\": \"/home/u%05d\", \"shell\": \"/bin/bash\", \"domain\": \"PRIMARY\", \"idp\": \"corp\", \"issuer\": \"https://idp.example.com\", \"subject\": \"s%d\", \"email\": \"u%d@example.com\", \"created\": %d, \"last_login\": %d, \"locked\": %s, \"pending\": false, \"groups\": [270000]}",
			(i ? "," : ""), i, 210000 + i, 210000 + i, i, i, i, i, 1700000000 + i, (i % 3 ? 1700100000 + i : 0), (i % 7 ? "false" : "true");
	}
	printf "], \"groups\": [";
	for (i = 0; i < 10000; i++)
		printf "%s{\"name\": \"u%05d\", \"gid\": %d, \"origin\": \"private\", \"domain\": \"PRIMARY\", \"members\": []}", (i ? "," : ""), i, 210000 + i;
	printf ", {\"name\": \"staff\", \"gid\": 270000, \"origin\": \"jit\", \"domain\": \"PRIMARY\", \"members\": [";
	for (i = 0; i < 10000; i++)
		printf "%s\"u%05d\"", (i ? "," : ""), i;
	printf "]}]}\n";
}' >"$tmp/big.json"
t "restore 10,000 accounts" 0 --db "$tmp/big.tdb" db restore "$tmp/big.json"
check_consistent "10,000-account store is consistent" "$tmp/big.tdb"
dump "$tmp/big.tdb" "$tmp/big1.json"
[ "$(jq '.users | length' "$tmp/big1.json")" = 10000 ] && ok "dump has 10,000 users" ||
	notok "dump has 10,000 users" "$(jq '.users | length' "$tmp/big1.json")"
t "restore the 10,000-account dump into another store" 0 --db "$tmp/big2.tdb" db restore "$tmp/big1.json"
dump "$tmp/big2.tdb" "$tmp/big2.json"
cmp -s "$tmp/big1.json" "$tmp/big2.json" && ok "10,000-account round trip: dumps identical" ||
	notok "10,000-account round trip: dumps identical" "differ"

# ---- config check ----
sed "s|/etc/fedjit/corp.secret|$tmp/corp.secret|" "$top_srcdir/data/fedjit.conf.example" >"$tmp/example.conf"
t "config check passes the example configuration" 0 config check --config "$tmp/example.conf"
has "... and prints the effective settings" out '^\[idp corp\]$'
# The commented alternatives (b) always and (c) none.
sed -e 's/^provisioning = as-in-username/;&/' -e 's/^domains = PRIMARY CORP/;&/' \
	-e 's/^;provisioning = always/provisioning = always/' -e 's/^;domain = CORP/domain = CORP/' \
	"$tmp/example.conf" >"$tmp/example-b.conf"
t "config check passes the example with provisioning = always" 0 config check --config "$tmp/example-b.conf"
has "... which is in effect" out '^provisioning = always$'
t "uid: with provisioning = always the IdP's domain decides" 0 --config "$tmp/example-b.conf" \
	--db "$tmp/none.tdb" uid frank
has "... frank becomes frank@corp" out '^name: frank@corp \(domain CORP'
has "... with the home of that domain" out '^home: /home/corp/frank@corp$'
t "uid: a name of another domain is refused by that IdP" 1 --config "$tmp/example-b.conf" \
	--db "$tmp/none.tdb" uid PRIMARY/frank
has "... saying so" err 'provisions only into domain CORP'
sed -e 's/^provisioning = as-in-username/;&/' -e 's/^;provisioning = none/provisioning = none/' \
	"$tmp/example.conf" >"$tmp/example-c.conf"
t "config check passes the example with provisioning = none" 0 --config "$tmp/example-c.conf" config check
golden "config check of the test configuration (global --config)" config-check.txt 0 \
	--config "$conf" config check
has "... warns that the NSS module does not read its db_file" err \
	"^fedjit: warning: db_file = $tmp/fedjit.tdb: the NSS module \\(libnss_fedjit.so.2\\) reads /[^ ]*fedjit.tdb, the path it was built with"
has "... nor its secret_db_file" err "^fedjit: warning: secret_db_file = $tmp/secret.tdb: "
run 0 --config "$tmp/example-c.conf" config check
if grep -q warning "$tmp/err"; then notok "config check: the built-in store paths, no warning" "$(cat "$tmp/err")"
else ok "config check: the built-in store paths, no warning"; fi
bad_conf() { # DESCRIPTION PATTERN (config on stdin)
	cat >"$tmp/bad.conf"
	if run_vg 1 config check --config "$tmp/bad.conf" && grep -Eq -- "$2" "$tmp/err" &&
		[ ! -s "$tmp/out" ]; then
		ok "config check: $1"
	else
		notok "config check: $1" "exit status $got"
	fi
}
bad_conf "syntax error names file:line" "bad.conf:2: " <<'EOF'
[global]
this is not a key value line
EOF
bad_conf "unknown key" "bad.conf:2: .*colour" <<'EOF'
[global]
colour = blue
EOF
bad_conf "bad number" "bad.conf:2: .*uid_min" <<'EOF'
[domain CORP]
uid_min = lots
EOF
bad_conf "overlapping uid ranges" "bad.conf:[0-9]+: .*overlap" <<'EOF'
[domain CORP]
uid_min = 250000
uid_max = 350000
EOF
bad_conf "unknown domain referenced by an IdP" "bad.conf:[0-9]+: .*NOPE" <<EOF
[idp corp]
issuer = https://idp.example.com
client_id = x
provisioning = always
domain = NOPE
EOF
bad_conf "non-https issuer" "bad.conf:2: .*issuer" <<'EOF'
[idp corp]
issuer = http://idp.example.com
client_id = x
EOF
bad_conf "missing client secret file" "bad.conf:4: .*No such file" <<EOF
[idp corp]
issuer = https://idp.example.com
client_id = x
client_secret_file = $tmp/missing.secret
EOF
chmod 644 "$tmp/corp.secret"
bad_conf "client secret readable by others" "bad.conf:4: " <<EOF
[idp corp]
issuer = https://idp.example.com
client_id = x
client_secret_file = $tmp/corp.secret
EOF
chmod 600 "$tmp/corp.secret"
bad_conf "line too long" "bad.conf:2: " <<EOF
[global]
default_idp = $(printf '%0250d' 0)
EOF
bad_conf "unknown section" "bad.conf:1: unknown section" <<'EOF'
[sect x]
EOF
bad_conf "bad enum value" "bad.conf:4: provisioning 'sometimes' is not one of" <<'EOF'
[idp a]
issuer = https://a.example
client_id = c
provisioning = sometimes
EOF
bad_conf "bad boolean" "bad.conf:4: userinfo 'perhaps' is not a boolean" <<'EOF'
[idp a]
issuer = https://a.example
client_id = c
userinfo = perhaps
EOF
bad_conf "regex that does not compile" "bad.conf:4: username_regex .* does not compile" <<'EOF'
[domain CORP]
uid_min = 400000
uid_max = 499999
username_regex = [a-
EOF
bad_conf "missing client_id" "bad.conf:1: .idp a. needs client_id" <<'EOF'
[idp a]
issuer = https://a.example
EOF
bad_conf "two IdPs provisioning one domain" "both provision names of domain PRIMARY" <<'EOF'
[idp a]
issuer = https://a.example
client_id = c
provisioning = as-in-username
[idp b]
issuer = https://b.example
client_id = c
provisioning = as-in-username
EOF
bad_conf "default_idp not configured" "bad.conf:2: default_idp nope is not configured" <<'EOF'
[global]
default_idp = nope
EOF
printf '[global]\ndebug = \377\376\n' >"$tmp/utf8.conf" # (not a pipe: bad_conf counts)
bad_conf "invalid UTF-8" "bad.conf:2: invalid UTF-8" <"$tmp/utf8.conf"
bad_conf "relative home template" "bad.conf:2: home .* must be an absolute path" <<'EOF'
[domain PRIMARY]
home = home/%u
EOF
bad_conf "malformed group_map" "bad.conf:4: group_map 'nocolon'" <<'EOF'
[idp a]
issuer = https://a.example
client_id = c
group_map = nocolon
EOF
cat >"$tmp/two.conf" <<'EOF'
[global]
colour = blue
[domain CORP]
uid_min = lots
EOF
run 1 config check --config "$tmp/two.conf"
[ "$(grep -c 'two.conf:[0-9]*: ' "$tmp/err")" = 2 ] && ok "config check reports every error" ||
	notok "config check reports every error" "$(cat "$tmp/err")"
t "config check of a missing file exits 1" 1 config check --config "$tmp/none.conf"

# ---- idp test and login-test through the helper ----
golden "idp test: every step passes" idp-test-corp.txt 0 --config "$conf" idp test corp --helper "$helper"
golden "idp test: a failing step exits 1" idp-test-bad.txt 1 --config "$conf" idp test bad --helper "$helper"
t "idp test of an unknown IdP exits 1" 1 --config "$conf" idp test nope --helper "$helper"
t "idp test: a helper without the op exits 1" 1 --config "$conf" idp test old --helper "$helper"
has "... saying the helper lacks it" err 'does not implement op=idp-test'
t "idp test: a helper that ends without a result exits 1" 1 --config "$conf" idp test gone \
	--helper "$helper"
has "... saying so" err 'ended without a result'
golden "login-test: claims and the account that would be created" login-test.txt 0 \
	--config "$conf" login-test alice --helper "$helper"
t "login-test: a denied sign-in exits 1" 1 --config "$conf" login-test denied --helper "$helper"
has "... with the helper's status" out '^result: denied$'
asnobody "$fedjit" --config "$conf" idp test corp --helper "$helper" >"$tmp/out" 2>"$tmp/err"
got=$?
if [ $got = 1 ] && grep -q 'idp test needs root' "$tmp/err"; then
	ok "idp test as nobody is refused (the helper reads root-only secrets)"
else
	notok "idp test as nobody is refused" "exit status $got"
fi
t "login-test: a helper that cannot run exits 1" 1 --config "$conf" login-test alice \
	--helper "$tmp/no-such-helper"

# ---- answers from the terminal (a pseudo-terminal through script(1)) ----
if command -v script >/dev/null; then
	onpty() { # onpty INPUT ARGS...: run fedjit on a pty fed INPUT, output in $tmp/out
		input=$1
		shift
		cmd="'$fedjit'"
		for a in "$@"; do cmd="$cmd '$a'"; done # no quotes in these arguments
		printf '%s\n' "$input" | script -qec "$cmd" /dev/null >"$tmp/out" 2>&1
	}
	rm -f "$db"
	fj --db "$db" db restore "$srcdir/fixture.json" >/dev/null
	onpty n --db "$db" user delete bob
	got=$?
	if [ $got = 1 ] && grep -q 'Delete account bob (uid 205678, idp corp)? \[y/N\]' "$tmp/out" &&
		grep -q 'nothing deleted' "$tmp/out" && fj --db "$db" user show bob >/dev/null; then
		ok "user delete asks on the terminal; 'n' deletes nothing"
	else
		notok "user delete asks on the terminal; 'n' deletes nothing" "exit status $got"
	fi
	onpty y --db "$db" user delete bob
	got=$?
	if [ $got = 0 ] && grep -q 'removed account bob' "$tmp/out" &&
		! fj --db "$db" user show bob >/dev/null 2>&1; then
		ok "user delete: 'y' on the terminal deletes"
	else
		notok "user delete: 'y' on the terminal deletes" "exit status $got"
	fi
	onpty no --db "$db" idp purge partner
	got=$?
	if [ $got = 1 ] && grep -q 'Delete all 1 account of IdP partner? \[y/N\]' "$tmp/out" &&
		fj --db "$db" user show carol@corp >/dev/null; then
		ok "idp purge asks on the terminal; 'no' deletes nothing"
	else
		notok "idp purge asks on the terminal; 'no' deletes nothing" "exit status $got"
	fi
	# The password is typed once the question shows (typed ahead, it is dropped).
	mkfifo "$tmp/typing"
	script -qec "'$fedjit' --config '$conf' login-test ask --helper '$helper'" /dev/null \
		<"$tmp/typing" >"$tmp/out" 2>&1 &
	pty=$!
	exec 3>"$tmp/typing"
	i=0
	while ! grep -q 'Choose a local password:' "$tmp/out" && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	printf 'hunter2\n' >&3
	exec 3>&-
	wait $pty
	got=$?
	if [ $got = 0 ] && grep -q 'Choose a local password:' "$tmp/out" &&
		grep -q 'message: answer ok, 7 characters' "$tmp/out" && ! grep -q hunter2 "$tmp/out"; then
		ok "login-test answers a helper prompt from the terminal, echo off"
	else
		notok "login-test answers a helper prompt from the terminal, echo off" "exit status $got"
	fi
else
	for i in 1 2 3 4; do n=$((n + 1)); echo "ok $n # SKIP script(1) not installed"; done
fi

echo "1..$n"
[ "$failed" = 0 ]

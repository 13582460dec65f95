#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/package-lifecycle.sh DEB_DIR: an administrator's first hour with the
# Debian packages (TAP), in a throwaway root: an overlay of / (upper layer on
# a tmpfs) in private mount, PID and network namespaces, chrooted into. Inside:
#   dpkg -i of the three .debs from DEB_DIR (tests/package.sh builds them; with
#   no DEB_DIR it is run to build them), with their real maintainer scripts;
#   every example configuration of fedjit.conf(5) through `fedjit config check`;
#   `pam-auth-update --enable fedjit`; nsswitch.conf, fedjit.conf and the sshd
#   drop-in written from the text of the installed man pages (only the site's
#   own values replaced: issuer, client, secret, the test CA), Debian's stock
#   sshd_config and sudoers;
#   against the test IdP (tests/idp): a first SSH login through the device flow
#   (consent, account created), a returning login, sudo through the group that
#   group_map maps, getent group sudo with the federated member, passwd of a
#   local user by root and by the user, chpasswd, lock (one device
#   authorization at the IdP, no Password: prompt, no second code) and unlock;
#   dpkg -r (what stays) and dpkg -P (what stays is what README.md "Removing
#   fedjit" lists).
# Nothing of the machine changes: every write lands in the overlay's tmpfs and
# every process dies with the PID namespace. Root only; a few minutes.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
self=$top/tests/package-lifecycle.sh

# ---- outside: find the packages, enter the namespaces ----------------------
if [ "${1:-}" != --inside ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root (namespaces, chroot, dpkg)"
		exit 0
	fi
	. "$top/tests/idp/lib.sh"
	if ! idp_available; then
		echo "1..0 # SKIP $IDP_SKIP_REASON"
		exit 0
	fi
	for tool in expect perl sshd; do
		if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
			echo "1..0 # SKIP $tool not installed"
			exit 0
		fi
	done
	debdir=${1:-}
	built=
	if [ -z "$debdir" ]; then
		debdir=$(mktemp -d /tmp/fedjit-debs.XXXXXX)
		built=$debdir
		FEDJIT_DEB_OUT=$debdir "$top/tests/package.sh" >"$debdir/package.tap" 2>&1
	fi
	debdir=$(cd "$debdir" && pwd)
	n=0
	for p in fedjit libpam-fedjit libnss-fedjit; do
		ls "$debdir/${p}_"*.deb >/dev/null 2>&1 && n=$((n + 1))
	done
	if [ "$n" != 3 ]; then
		echo "1..1"
		echo "not ok 1 - the three packages are in $debdir"
		[ -f "$debdir/package.tap" ] && sed 's/^/# /' "$debdir/package.tap"
		exit 1
	fi
	real_state() {
		find /etc/nsswitch.conf /etc/pam.d /etc/ssh /etc/passwd /etc/shadow /etc/group /etc/sudoers \
			/var/lib/dpkg/status -xdev -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum
		ls -ld /etc/fedjit /var/lib/fedjit /var/cache/fedjit /usr/share/pam-configs/fedjit 2>&1
		ls /home
	}
	before=$(real_state)
	T=$(mktemp -d /tmp/fedjit-life.XXXXXX)
	count=$T.count
	unshare -mpfn --mount-proc --propagation private bash "$self" --inside "$debdir" "$T" "$count"
	rc=$?
	rmdir "$T" 2>/dev/null || rm -rf "$T"
	[ -n "$built" ] && rm -rf "$built"
	# The plan line comes last, with this test counted.
	n=$(cat "$count" 2>/dev/null || echo 0)
	rm -f "$count"
	n=$((n + 1))
	if [ "$before" = "$(real_state)" ]; then
		echo "ok $n - the machine's own /etc, dpkg database and /home are unchanged"
	else
		echo "not ok $n - the machine's own /etc, dpkg database and /home are unchanged"
		rc=1
	fi
	echo "1..$n"
	exit $rc
fi

# ---- inside the namespaces: build the throwaway root ------------------------
debdir=$2
if [ "${3:-}" != --chrooted ]; then
	ip link set lo up 2>/dev/null
	T=$3
	echo 0 >"$4"
	mount -t tmpfs -o mode=0755 tmpfs "$T"
	mkdir "$T/up" "$T/work" "$T/root" "$T/debs"
	cp "$debdir"/fedjit_*.deb "$debdir"/libpam-fedjit_*.deb "$debdir"/libnss-fedjit_*.deb "$T/debs/"
	R=$T/root
	mount -t overlay overlay -o "lowerdir=/,upperdir=$T/up,workdir=$T/work" "$R" || {
		echo "1..0 # SKIP cannot overlay / here"
		exit 0
	}
	mount -t proc proc "$R/proc"
	mount -t tmpfs -o mode=0755,nosuid tmpfs "$R/dev"
	for d in null zero full random urandom tty; do
		touch "$R/dev/$d"
		mount --bind "/dev/$d" "$R/dev/$d"
	done
	mkdir "$R/dev/pts" "$R/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$R/dev/pts"
	ln -s pts/ptmx "$R/dev/ptmx"
	mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
	ln -s /proc/self/fd "$R/dev/fd"
	for d in run tmp home var/tmp; do
		mount -t tmpfs -o mode=0755 tmpfs "$R/$d"
	done
	chmod 1777 "$R/tmp" "$R/var/tmp"
	mkdir -p "$R/run/life" "$T/src"
	mount --bind "$T" "$R/run/life" # the debs, and the upper layer to list
	# The source tree (this script, the test IdP, the man pages) wherever it is:
	# /tmp, /home and /run are fresh tmpfs in the root.
	mount --bind "$top" "$R/run/life/src" && mount -o remount,bind,ro "$R/run/life/src"
	chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb bash /run/life/src/tests/package-lifecycle.sh \
		--inside /run/life/debs --chrooted
	rc=$?
	cp "$T/count" "$4" 2>/dev/null
	exit $rc
fi

# ---- inside the chroot --------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
L=/run/life # the tmpfs behind the overlay: debs/, up/ (the upper layer)
W=/run/work
mkdir -p "$W"
t_n=0 t_failed=0
ok() { t_n=$((t_n + 1)); echo "ok $t_n - $*"; }
not_ok() { t_n=$((t_n + 1)); t_failed=$((t_failed + 1)); echo "not ok $t_n - $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/#   /'; }
check() { # check DESCRIPTION COMMAND...: ok when COMMAND succeeds; its output as diagnostic otherwise
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$d"; else
		not_ok "$d"
		[ -n "$out" ] && diag "$(tail -n 25 <<<"$out")"
		return 1
	fi
}
finish() {
	[ -n "${SSHD_PID:-}" ] && kill "$SSHD_PID" 2>/dev/null
	[ -n "${SINK_PID:-}" ] && kill "$SINK_PID" 2>/dev/null
	idp_stop >/dev/null 2>&1
	echo "$t_n" >"$L/count" # the outer half prints the plan
	exit $((t_failed > 0))
}
trap finish EXIT

# /dev/log, so the logs of pam_fedjit, fedjit-helper and sshd can be shown
python3 - /dev/log "$W/syslog" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\n") + b"\n")
PY
SINK_PID=$!
show_logs() { diag "--- syslog" "$(tail -n 30 "$W/syslog" 2>/dev/null)"; }

# installed PATH SOURCE: PATH as the package installed it; SOURCE (in the
# tree) where dpkg's path-exclude left it out (minimal images drop /usr/share/doc
# and man pages)
installed() {
	local f
	f=$(ls "$1"* 2>/dev/null | head -n 1)
	if [ -n "$f" ]; then echo "$f"; else
		echo "# $1 not installed (dpkg path-exclude?): the tree's $2" >&2
		echo "$top/$2"
	fi
}

# man_blocks FILE SECTION DIR: the literal blocks (.Bd -literal ... .Ed) of an
# installed man page, from section SECTION (.Sh) on, one file each: DIR/1, 2, ...
man_blocks() {
	rm -rf "$3" && mkdir -p "$3"
	zcat -f "$1" | awk -v sec="$2" -v dir="$3" '
		/^\.Sh / { in_sec = (sec == "" || index($0, sec) > 0) || in_sec && !/^\.Sh / }
		in_sec && /^\.Bd -literal/ { inb = 1; n++; next }
		/^\.Ed/ { inb = 0; next }
		inb && in_sec { print > (dir "/" n) }' || return 1
	local f
	for f in "$3"/*; do
		[ -f "$f" ] && sed -i -e 's/\\&//g' -e 's/\\e/\\/g' -e 's/\\(em/-/g' -e 's/\\-/-/g' "$f"
	done
	return 0
}

# ---- a fresh Debian system (before the packages) ------------------------------
[ -f /usr/share/openssh/sshd_config ] && cp /usr/share/openssh/sshd_config /etc/ssh/sshd_config
ssh-keygen -A >/dev/null 2>&1
pam-auth-update --package --force >/dev/null 2>&1
mkdir -p /run/sshd
useradd -m -s /bin/bash -c "Erin Local" erin 2>/dev/null
echo 'erin:Erin1local' | chpasswd
hash_of() { getent shadow "$1" | cut -d: -f2; }
verifies() { perl -e 'exit(length($ARGV[1]) && crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? 0 : 1)' "$1" "$2"; }
check "a local account to start with (erin, password set with chpasswd)" verifies Erin1local "$(hash_of erin)"
# what the throwaway root holds before the packages: compared after the purge
snapshot() { (cd "$L/up" && find . -xdev \( -type f -o -type l \) -printf '%P\n' | sort); }
snapshot >"$W/before"

# ---- install ------------------------------------------------------------------
if out=$(dpkg -i "$L"/debs/fedjit_*.deb "$L"/debs/libnss-fedjit_*.deb "$L"/debs/libpam-fedjit_*.deb 2>&1); then
	ok "dpkg -i fedjit libnss-fedjit libpam-fedjit (maintainer scripts ran)"
else
	not_ok "dpkg -i of the three packages"
	diag "$out"
	exit 1
fi
check "postinst made /var/lib/fedjit (0755), /var/cache/fedjit (0700), /etc/fedjit/conf.d" \
	test "$(stat -c %a /var/lib/fedjit)$(stat -c %a /var/cache/fedjit)" = 755700 -a -d /etc/fedjit/conf.d
check "the profile is installed but off: no pam_fedjit in /etc/pam.d yet" \
	bash -c '! grep -rq pam_fedjit /etc/pam.d'

# ---- every example configuration of fedjit.conf(5) passes fedjit config check
man5=$(installed /usr/share/man/man5/fedjit.conf.5 man/fedjit.conf.5)
man_blocks "$man5" EXAMPLES "$W/ex5"
for f in "$W/ex5"/*; do # configuration blocks start with a section
	grep -v '^[[:space:]]*$' "$f" | head -n 1 | grep -q '^\[' || rm -f "$f"
done
mapfile -t ex < <(ls "$W/ex5" | sort -n)
check "fedjit.conf(5) has three example configurations (one IdP; a second IdP and domain; a drop-in)" \
	test "${#ex[@]}" = 3
secrets_for() { # create the secret files a configuration names (root, 0600)
	local f
	for f in $(sed -n 's/^[[:space:]]*client_secret_file[[:space:]]*=[[:space:]]*//p' "$@"); do
		(umask 077 && head -c 24 /dev/urandom | base64 >"$f")
	done
	for f in $(sed -n 's/^[[:space:]]*private_key_file[[:space:]]*=[[:space:]]*//p' "$@"); do
		(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$f" 2>/dev/null)
	done
}
config_check() { # config_check MAIN [DROPIN]: /etc/fedjit as the example says, then the check
	rm -rf /etc/fedjit/fedjit.conf /etc/fedjit/conf.d/*
	cat "$1" >/etc/fedjit/fedjit.conf
	[ -n "${2:-}" ] && cat "$2" >/etc/fedjit/conf.d/50-local.conf
	secrets_for /etc/fedjit/fedjit.conf ${2:+/etc/fedjit/conf.d/50-local.conf}
	fedjit config check --quiet
}
if [ "${#ex[@]}" = 3 ]; then
	e1=$W/ex5/${ex[0]} e2=$W/ex5/${ex[1]} e3=$W/ex5/${ex[2]}
	cat "$e1" "$e2" >"$W/ex12"
	check "fedjit.conf(5) example 1 (one IdP) passes fedjit config check" config_check "$e1"
	check "fedjit.conf(5) examples 1 + 2 (a partner IdP in its own domain) pass" config_check "$W/ex12"
	check "fedjit.conf(5) examples 1 + 2 with the drop-in conf.d/50-local.conf pass" \
		config_check "$W/ex12" "$e3"
fi
check "the packaged fedjit.conf.example passes fedjit config check" \
	config_check "$(installed /usr/share/doc/fedjit/examples/fedjit.conf.example data/fedjit.conf.example)"
rm -rf /etc/fedjit/fedjit.conf /etc/fedjit/conf.d/* /etc/fedjit/*.secret /etc/fedjit/*.key

# ---- pam-auth-update ----------------------------------------------------------
check "pam-auth-update --enable fedjit" pam-auth-update --enable fedjit
check "common-auth: pam_fedjit first, a refusal ends the stack, pam_unix after it" \
	grep -Pzq 'auth\t\[success=2 user_unknown=ignore ignore=ignore authinfo_unavail=ignore system_err=ignore default=die\]\tpam_fedjit\.so[^\n]*\nauth\t\[success=1 default=ignore\]\tpam_unix\.so' \
	/etc/pam.d/common-auth
check "common-password: pam_fedjit first, pam_unix after it with use_authtok" \
	grep -Pzq 'password\t[^\n]*pam_fedjit\.so[^\n]*\npassword\t[^\n]*pam_unix\.so[^\n]*use_authtok' \
	/etc/pam.d/common-password
check "common-account: pam_fedjit after pam_unix" \
	grep -Pzq 'pam_unix\.so[^\0]*pam_fedjit\.so' /etc/pam.d/common-account

# ---- nsswitch.conf, fedjit.conf and sshd as the man pages say -----------------
man_blocks "$(installed /usr/share/man/man8/libnss_fedjit.8 man/libnss_fedjit.8)" SYNOPSIS "$W/nss"
nsslines=$(cat "$W/nss/1")
check "libnss_fedjit(8) SYNOPSIS gives passwd, group (with [SUCCESS=merge]) and shadow lines" \
	grep -q '^group:.*files \[SUCCESS=merge\] fedjit' <<<"$nsslines"
{
	grep -Ev '^(passwd|group|shadow):' /etc/nsswitch.conf
	printf '%s\n' "$nsslines"
} >"$W/nsswitch.conf"
# the chroot's /etc (an overlay upper layer on a tmpfs), never the machine's
chroot_etc=/etc
cat "$W/nsswitch.conf" >"$chroot_etc/nsswitch.conf"

. "$top/tests/idp/lib.sh"
export FEDJIT_IDP_DEVICE_INTERVAL=1 TMPDIR=/tmp
if ! idp_start >"$W/idp.out" 2>&1; then
	not_ok "the test IdP starts"
	diag "$(cat "$W/idp.out")"
	exit 1
fi
install -m 0644 "$FEDJIT_IDP_CA" /etc/fedjit/idp-ca.pem
# The first example of fedjit.conf(5), with this site's values: the IdP's
# issuer, its confidential test client and secret, and its CA.
if [ -n "${e1:-}" ]; then
	sed -e "s|^issuer = .*|issuer = $FEDJIT_IDP_ISSUER|" -e 's|^client_id = .*|client_id = fedjit-basic|' \
		"$e1" >/etc/fedjit/fedjit.conf
	echo "ca_file = /etc/fedjit/idp-ca.pem" >>/etc/fedjit/fedjit.conf
	secret_file=$(sed -n 's/^client_secret_file = //p' /etc/fedjit/fedjit.conf)
	(umask 077 && printf 'fedjit-basic-secret\n' >"$secret_file")
	# allowed_groups and group_map need the IdP's groups claim, which IdPs
	# send for the groups scope only
	if grep -Eq '^(allowed_groups|group_map)' /etc/fedjit/fedjit.conf; then
		if grep -Eq '^scopes = .*\bgroups\b' /etc/fedjit/fedjit.conf; then
			ok "the fedjit.conf(5) example asks for the groups scope its group_map and allowed_groups need"
		else
			not_ok "the fedjit.conf(5) example asks for the groups scope its group_map and allowed_groups need"
			diag "(added here, so that the rest can run)"
			echo "scopes = openid profile email groups" >>/etc/fedjit/fedjit.conf
		fi
	fi
fi
check "fedjit config check: the site's configuration" fedjit config check --quiet

man_blocks "$(installed /usr/share/man/man8/pam_fedjit.8 man/pam_fedjit.8)" EXAMPLES "$W/ex8"
dropin=$(grep -l KbdInteractiveAuthentication "$W/ex8"/* | head -n 1)
install -m 0644 "$dropin" /etc/ssh/sshd_config.d/fedjit.conf
check "pam_fedjit(8)'s sshd drop-in is the one the package ships (its settings)" \
	diff <(grep -Ev '^(#|$)' "$(installed /usr/share/doc/libpam-fedjit/examples/sshd-fedjit.conf data/sshd-fedjit.conf)") \
	<(grep -Ev '^(#|$)' /etc/ssh/sshd_config.d/fedjit.conf)
check "sshd -t: Debian's stock sshd_config with the drop-in" /usr/sbin/sshd -t
# why a drop-in: appended to the stock file, the same lines do not count
{ cat /usr/share/openssh/sshd_config; grep -Ev '^(#|$)' /etc/ssh/sshd_config.d/fedjit.conf; } |
	grep -v '^Include' >"$W/appended_config"
check "appended to Debian's stock sshd_config instead, KbdInteractiveAuthentication stays no" \
	grep -qx 'kbdinteractiveauthentication no' <<<"$(/usr/sbin/sshd -T -f "$W/appended_config" \
		-C user=erin,host=localhost,addr=127.0.0.1 2>&1)"
check "sshd -T: keyboard-interactive on, password authentication off, LoginGraceTime 360" \
	bash -c '/usr/sbin/sshd -T -C user=erin,host=localhost,addr=127.0.0.1 | grep -qx "kbdinteractiveauthentication yes" &&
		/usr/sbin/sshd -T -C user=erin,host=localhost,addr=127.0.0.1 | grep -qx "passwordauthentication no" &&
		/usr/sbin/sshd -T -C user=erin,host=localhost,addr=127.0.0.1 | grep -qx "logingracetime 360"'
/usr/sbin/sshd -D -o ListenAddress=127.0.0.1 -E "$W/sshd.log" </dev/null &
SSHD_PID=$!
for ((i = 0; i < 100; i++)); do
	(exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null && break
	sleep 0.1
done

# ---- logins -----------------------------------------------------------------------
export top_srcdir=$top E2E_SRC=$top/tests/e2e E2E_STATE=$W/askpass E2E_PROMPTS=$W/prompts E2E_TMP=$W
mkdir -p "$E2E_STATE"
login_ssh() { # login_ssh USER CMD...: the plain ssh client, prompts answered by askpass.sh
	local user=$1
	shift
	: >"$E2E_PROMPTS"
	rm -f "$E2E_STATE"/*
	SSH_ASKPASS=$E2E_SRC/askpass.sh SSH_ASKPASS_REQUIRE=force DISPLAY=:life \
		timeout 200 setsid -w ssh -F /dev/null -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null "$user@127.0.0.1" "$@" \
		</dev/null 2>"$W/ssh.err"
}
device_auths() { # device authorization requests the IdP has answered since the last reset
	idp_api GET /test/stats | python3 -c 'import json,sys
print(sum(v for k, v in json.load(sys.stdin)["requests"].items() if "device" in k and "auth" in k))'
}

idp_api POST /test/stats/reset >/dev/null
out=$(E2E_ACTION="approve alice" E2E_CONSENT=yes login_ssh alice 'id -un; id -u; id -Gn; echo "home=$HOME"; pwd')
if grep -qx alice <<<"$out" && grep -q '^home=/home/alice$' <<<"$out"; then
	ok "first SSH login: the device flow creates alice, the session starts in her new home"
else
	not_ok "first SSH login through the device flow"
	diag "$out" "$(cat "$W/ssh.err")" "--- prompts" "$(tail -n 30 "$E2E_PROMPTS")"
	show_logs
fi
check "first login: the person was asked for consent" grep -q -- '--- answer: consent' "$E2E_PROMPTS"
uid_alice=$(sed -n 2p <<<"$out")
check "first login: alice's uid is in the PRIMARY domain's range and NSS agrees" \
	test "$uid_alice" -ge 200000 -a "$uid_alice" -le 299999 -a "$uid_alice" = "$(getent passwd alice | cut -d: -f3)"
check "first login: the IdP group admins made alice a member of sudo" grep -qw sudo <<<"$(sed -n 3p <<<"$out")"
check "the home belongs to alice (mode 0700)" test "$(stat -c %U:%a /home/alice 2>/dev/null)" = alice:700

out=$(E2E_ACTION="approve alice" login_ssh alice 'id -u')
no_consent() { ! grep -q -- '--- answer: consent' "$E2E_PROMPTS"; }
check "returning login: the same account" test "$out" = "$uid_alice"
check "returning login: no consent asked again" no_consent
sudo_members() { getent group sudo | cut -d: -f4 | tr , '\n'; }
check "getent group sudo lists alice (group: files [SUCCESS=merge] fedjit)" grep -qx alice <<<"$(sudo_members)"

: >"$E2E_PROMPTS"
rm -f "$E2E_STATE"/*
out=$(E2E_ACTION="approve alice" expect -f "$E2E_SRC/pty.exp" "$E2E_SRC/askpass.sh" \
	setpriv --reuid=alice --regid="$(id -g alice)" --init-groups --reset-env -- sudo -k id -u 2>&1 </dev/null)
if tr -d '\r' <<<"$out" | grep -qx 0; then
	ok "sudo as alice: Debian's %sudo rule through the mapped group, re-authenticated by the device flow"
else
	not_ok "sudo as alice through the mapped group"
	diag "$out"
	show_logs
fi

# ---- local passwords with the profile enabled ---------------------------------------
# pw_expect OLD NEW CMD...: CMD under a pty, its password prompts answered
cat >"$W/pw.exp" <<'EXP'
set timeout 30
log_user 1
set old [lindex $argv 0]
set new [lindex $argv 1]
spawn -noecho {*}[lrange $argv 2 end]
expect {
	-re "Current password: ?$" { send "$old\r"; exp_continue }
	-re "New password: ?$" { send "$new\r"; exp_continue }
	-re "Retype new password: ?$" { send "$new\r"; exp_continue }
	timeout { puts "\n(timeout)"; exit 2 }
	eof
}
catch wait st
exit [lindex $st 3]
EXP
pw_expect() { expect -f "$W/pw.exp" "$@" </dev/null 2>&1; }
out=$(pw_expect "" Root2sets passwd erin)
check "passwd erin (root, a local account): the password is set" verifies Root2sets "$(hash_of erin)" ||
	diag "$out"
out=$(pw_expect Root2sets Erin3self setpriv --reuid=erin --regid=erin --init-groups --reset-env -- passwd)
check "passwd as erin (current password, then the new one twice): the password is set" \
	verifies Erin3self "$(hash_of erin)" || diag "$out"
echo 'erin:Chpass4wd' | chpasswd >"$W/chpasswd.out" 2>&1
check "chpasswd: the password is set" verifies Chpass4wd "$(hash_of erin)" || diag "$(cat "$W/chpasswd.out")"

# ---- lock, a refusal that does not loop, unlock ----------------------------------------
check "fedjit user lock alice" fedjit user lock alice
idp_api POST /test/stats/reset >/dev/null
E2E_ACTION="approve alice" login_ssh alice true >/dev/null
rc=$?
n_auth=$(device_auths)
check "a locked account: the login fails" test "$rc" != 0
check "a locked account: the person reads \"This account is locked.\"" \
	grep -q 'This account is locked' "$E2E_PROMPTS" "$W/ssh.err" ||
	{ diag "--- prompts" "$(cat "$E2E_PROMPTS")" "--- ssh" "$(cat "$W/ssh.err")"; show_logs; }
check "a locked account: one device authorization at the IdP, no second code (got $n_auth)" \
	test "$n_auth" = 1
no_password_prompt() { ! grep -Eiq '^[^ ]*password: ?$' "$E2E_PROMPTS"; }
check "a locked account: no Password: prompt after the refusal" no_password_prompt ||
	diag "$(cat "$E2E_PROMPTS")"
check "fedjit user unlock alice" fedjit user unlock alice
out=$(E2E_ACTION="approve alice" login_ssh alice 'id -un')
check "after unlock alice logs in again" test "$out" = alice
out=$(E2E_PASSWORD=Chpass4wd login_ssh erin id -un)
check "a local account signs in over SSH with its password (keyboard-interactive, pam_unix)" \
	test "$out" = erin
kill "$SSHD_PID" 2>/dev/null
wait "$SSHD_PID" 2>/dev/null
SSHD_PID=
idp_stop >/dev/null 2>&1

# ---- remove, then purge ----------------------------------------------------------------
out=$(dpkg -r libpam-fedjit libnss-fedjit fedjit 2>&1)
check "dpkg -r of the three packages" test $? = 0 || diag "$out"
no_fedjit_in_pamd() { ! grep -rq pam_fedjit /etc/pam.d; }
check "remove: pam_fedjit is out of /etc/pam.d (prerm ran pam-auth-update --remove)" no_fedjit_in_pamd
check "remove: kept /etc/fedjit/fedjit.conf, the stores, the cache, alice's home (README.md)" \
	test -f /etc/fedjit/fedjit.conf -a -f /var/lib/fedjit/fedjit.tdb -a -f /var/lib/fedjit/secret.tdb \
	-a -d /var/cache/fedjit -a -d /home/alice
check "remove: it says what it kept" grep -q 'fedjit: kept /etc/fedjit, /var/lib/fedjit' <<<"$out"
check "remove: libnss-fedjit points at nsswitch.conf" grep -q 'nsswitch.conf still names fedjit' <<<"$out"
echo 'erin:After5rm' | chpasswd >/dev/null 2>&1
check "chpasswd of a local account after the removal" verifies After5rm "$(hash_of erin)"

out=$(dpkg -P libpam-fedjit libnss-fedjit fedjit 2>&1)
check "dpkg -P of the three packages" test $? = 0 || diag "$out"
check "purge: /etc/fedjit, /var/lib/fedjit and /var/cache/fedjit are gone" \
	test ! -e /etc/fedjit -a ! -e /var/lib/fedjit -a ! -e /var/cache/fedjit
check "purge: it names the home directories it leaves (/home/alice)" \
	grep -q 'home directories owned by no account now (not deleted): .*/home/alice' <<<"$out"
# What the purge leaves: every path of the overlay's upper layer that the
# packages' life added or changed, less what the test itself did (local
# passwords, its sshd host keys and logs) and the package tools' own books.
snapshot >"$W/after"
comm -13 "$W/before" "$W/after" | grep -Ev '^(var/lib/dpkg/|var/log/|var/cache/(man|debconf|ldconfig)/|etc/ld\.so\.cache$|var/lib/pam/|etc/(shadow|gshadow|passwd|group)-?$|etc/pam\.d/common-|var/lib/sudo/|root/)' >"$W/left" || true
left=$(cat "$W/left"; find /home -mindepth 1 -maxdepth 1 -nouser | sed 's|^/||')
diag "purge leaves:" "$left"
readme=$(sed -n '/^## Removing fedjit/,/^## /p' "$top/README.md")
undocumented=
while read -r p; do
	[ -n "$p" ] || continue
	case /$p in
	/home/*) grep -q 'home directories of federated accounts' <<<"$readme" || undocumented+=" /$p" ;;
	*) grep -qF "\`/$p\`" <<<"$readme" || undocumented+=" /$p" ;;
	esac
done <<<"$left"
check "purge: everything it leaves is listed in README.md \"Removing fedjit\"${undocumented:+ (not:$undocumented)}" \
	test -z "$undocumented"
check "purge: the home of the federated account is left (never deleted by a package)" \
	grep -qx home/alice <<<"$left"
nothing_installed() {
	no_fedjit_in_pamd && test ! -e /usr/share/pam-configs/fedjit &&
		! ls /lib/*/security/pam_fedjit.so /lib/*/libnss_fedjit.so.2 /usr/sbin/fedjit 2>/dev/null | grep -q .
}
check "purge: no pam_fedjit in /etc/pam.d, no profile, no modules, no tool" nothing_installed

# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# tests/e2e/lib.sh: the end-to-end sandbox. Real sshd, sudo, login and su with
# the built pam_fedjit.so, libnss_fedjit.so.2 and fedjit-helper, against the
# test IdP (tests/idp), without touching the machine:
#
#   e2e_enter "$@"   (first thing in a script) skips unless root; otherwise
#                    re-runs the script as PID 1 of new mount + PID (+ network)
#                    namespaces (`unshare -mpf --mount-proc [-n]`, propagation
#                    private). When the script ends, every process it started
#                    dies with the PID namespace and every mount with the mount
#                    namespace. The outer half checksums the real /etc files and
#                    libdir before and after and reports that as the last test.
#   e2e_sandbox      inside: tmpfs over /run, /home, /var/log, /var/lib/sudo; a
#                    fresh /dev whose /dev/log is a syslog sink (log: $E2E_SYSLOG);
#                    test nsswitch.conf ("files fedjit"), /etc/passwd, group and
#                    shadow copies (plus a local user "erin"), an overlay over
#                    /etc/pam.d (upper layer: the test's service files), test
#                    sudoers; the modules in the libdir through an overlay
#                    (libnss_fedjit.so.2, security/pam_fedjit.so); the helper at
#                    its compiled-in FEDJIT_HELPER_PATH; the configuration
#                    directory, store directory and cache directory of the build
#                    (tests/e2e/paths.sh) as empty tmpfs (a missing directory is
#                    made through an overlay over its nearest existing parent).
#   e2e_conf KEY=VALUE...   writes fedjit.conf for the test IdP (see below);
#                    E2E_IDP=glewlwyd: for Glewlwyd (tests/glewlwyd) instead
#   e2e_sshd_start PORT     sshd on 127.0.0.1:PORT (own host key, config, log)
#   e2e_ssh USER CMD...     the real ssh client; prompts answered by askpass.sh
#   e2e_ssh_key USER KEY CMD...  the same with a public key only (E2E_SSHD_PUBKEY=1)
#   e2e_pty CMD...          a program under a pty (expect), prompts answered alike
#
# What askpass.sh does with a prompt is set by E2E_IDP (test or glewlwyd),
# E2E_ACTION ("approve USER",
# "browser USER", "deny", "expire SECONDS", "none"), E2E_CONSENT, E2E_PASSWORD,
# E2E_TOTP_FILE and E2E_SHELL_CMD; every prompt is appended to $E2E_PROMPTS.
#
# Artifacts: what is not built yet makes the dependent scenarios skip
# (`ok N # SKIP <part> not built yet`) instead of failing: e2e_have PART.
set -u
E2E_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$E2E_SRC/../.." && pwd)}"
: "${top_builddir:=$PWD}"
export top_srcdir top_builddir
# shellcheck source=../idp/lib.sh
. "$top_srcdir/tests/idp/lib.sh"

# ---- TAP ----------------------------------------------------------------
t_n=0
t_failed=0
t_ok() {
	t_n=$((t_n + 1))
	echo "ok $t_n - $*"
}
t_not_ok() {
	t_n=$((t_n + 1))
	t_failed=$((t_failed + 1))
	echo "not ok $t_n - $*"
}
t_skip() { # t_skip REASON DESCRIPTION
	t_n=$((t_n + 1))
	echo "ok $t_n - $2 # SKIP $1"
}
t_check() { # t_check DESCRIPTION STATUS [DIAGNOSTIC]
	if [ "$2" -eq 0 ]; then t_ok "$1"; else
		t_not_ok "$1"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
	fi
	return 0
}
t_eq() { # t_eq DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then t_ok "$1"; else
		t_not_ok "$1"
		printf '#   expected: %s\n#        got: %s\n' "$2" "$3"
	fi
}
t_match() { # t_match DESCRIPTION ERE TEXT
	if printf '%s' "$3" | grep -Eq -- "$2"; then t_ok "$1"; else
		t_not_ok "$1"
		printf '#   no match for /%s/ in:\n' "$2"
		printf '%s\n' "$3" | tail -25 | sed 's/^/#     /'
	fi
}
t_match1() { # t_match1 DESCRIPTION ERE TEXT: newlines in TEXT read as spaces
	t_match "$1" "$2" "$(printf '%s' "$3" | tr '\n' ' ')"
}
t_nomatch() { # t_nomatch DESCRIPTION ERE TEXT
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		t_not_ok "$1"
		printf '#   unexpected /%s/ in:\n' "$2"
		printf '%s\n' "$3" | grep -E -- "$2" | head -5 | sed 's/^/#     /'
	else t_ok "$1"; fi
}
t_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
# Ends the inner half: the count goes to the outer half, which adds its own
# test and prints the plan.
t_done() {
	echo "$t_n $t_failed" >"$E2E_COUNT_FILE"
	[ "$t_failed" -eq 0 ]
	exit $?
}

# ---- artifacts --------------------------------------------------------------
# (each may be overridden from the environment, to try another build's part)
: "${E2E_NSS_SO:=$top_builddir/nss/.libs/libnss_fedjit.so}"
: "${E2E_PAM_SO:=$top_builddir/pam/.libs/pam_fedjit.so}"
: "${E2E_HELPER_BIN:=$top_builddir/pam/helper/fedjit-helper}"
: "${E2E_CLI_BIN:=$top_builddir/cli/fedjit}"
export E2E_NSS_SO E2E_PAM_SO E2E_HELPER_BIN E2E_CLI_BIN

# e2e_have PART: nss, pam, helper, cli, prov (provisioning in the helper),
# browser (chromium + playwright-core), totp (pam_google_authenticator + oathtool).
e2e_have() {
	case $1 in
	nss) [ -f "$E2E_NSS_SO" ] ;;
	pam) [ -f "$E2E_PAM_SO" ] ;;
	helper) [ -x "$E2E_HELPER_BIN" ] ;;
	cli) [ -x "$E2E_CLI_BIN" ] ;;
	# the helper creates accounts once provisioning (pam/provision/provision.c) is
	# linked in: one of its messages is in the binary then
	prov) [ -x "$E2E_HELPER_BIN" ] &&
		grep -aq 'provisioning: background work for account' "$E2E_HELPER_BIN" ;;
	browser) [ -x /usr/bin/chromium ] && [ -f "$E2E_SRC/node_modules/playwright-core/package.json" ] ;;
	totp) [ -f "$(e2e_libdir)/security/pam_google_authenticator.so" ] &&
		command -v oathtool >/dev/null && command -v google-authenticator >/dev/null ;;
	*) return 1 ;;
	esac
}

# e2e_need PART...: the first part that is missing, as a skip reason on stdout
e2e_need() {
	local p
	for p in "$@"; do
		if ! e2e_have "$p"; then
			case $p in
			browser) echo "chromium or playwright-core not installed (tests/deps.sh)" ;;
			totp) echo "libpam-google-authenticator or oathtool not installed (tests/deps.sh)" ;;
			prov) echo "provisioning not built yet" ;;
			*) echo "$p not built yet" ;;
			esac
			return 1
		fi
	done
	return 0
}

e2e_libdir() {
	dirname "$(readlink -f "$(ldd /bin/true | awk '/libc\.so/ {print $3}')")"
}

# ---- entering the namespaces -----------------------------------------------
# What must not change on the real machine, as one checksum list.
_e2e_real_state() {
	local libdir
	libdir=$(e2e_libdir)
	{
		find /etc/nsswitch.conf /etc/pam.d /etc/sudoers /etc/sudoers.d /etc/passwd /etc/group \
			/etc/shadow /etc/ssh -xdev -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum
		ls -l "$libdir/libnss_fedjit.so.2" "$libdir/security/pam_fedjit.so" 2>&1
		ls -ld /var/lib/fedjit /var/cache/fedjit /etc/fedjit /usr/local/etc/fedjit \
			/usr/local/var/lib/fedjit /usr/libexec/fedjit /usr/local/libexec/fedjit 2>&1
		ls /home
	} 2>&1
}

# e2e_enter "$@": see the top of this file. E2E_NETNS=0 keeps the host's
# network namespace (the demo's sshd must be reachable from outside).
e2e_enter() {
	if [ -n "${FEDJIT_E2E_IN_NS:-}" ]; then
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root (mount and PID namespaces, sshd, sudo)"
		exit 0
	fi
	case "${FEDJIT_E2E_LOG_COMPILER:-}" in
	*valgrind*)
		# The scripts run as they are under the valgrind step; once is enough.
		echo "1..0 # SKIP end-to-end tests run once, in the plain build"
		exit 0
		;;
	esac
	if [ -f "$E2E_NSS_SO" ] && readelf -d "$E2E_NSS_SO" | grep -q 'libasan'; then
		echo "1..0 # SKIP sanitizer build: its modules cannot load into sshd, sudo and login"
		exit 0
	fi
	if ! unshare -mpf --mount-proc --propagation private true 2>/dev/null; then
		echo "1..0 # SKIP no mount or PID namespaces here"
		exit 0
	fi
	if [ ! -f "$top_builddir/tests/e2e/paths.sh" ]; then
		echo "1..0 # SKIP tests/e2e/paths.sh not built (make check builds it)"
		exit 0
	fi
	local before after count rc tmpdir netns=()
	if [ "${E2E_NETNS:-1}" = 1 ] && command -v ip >/dev/null; then
		netns=(-n)
	fi
	before=$(_e2e_real_state)
	tmpdir=$(mktemp -d /tmp/fedjit-e2e.XXXXXX)
	count=$(mktemp /tmp/fedjit-e2e-count.XXXXXX)
	echo "0 0" >"$count"
	FEDJIT_E2E_IN_NS=1 E2E_COUNT_FILE=$count E2E_TMP=$tmpdir \
		unshare -mpf --mount-proc --propagation private "${netns[@]}" bash "$0" "$@"
	rc=$?
	after=$(_e2e_real_state)
	local n f
	read -r n f <"$count"
	rm -f "$count"
	rmdir "$tmpdir" 2>/dev/null || rm -rf "$tmpdir"
	n=$((n + 1))
	if [ "$before" = "$after" ]; then
		echo "ok $n - the real /etc, libdir and /home are unchanged"
	else
		echo "not ok $n - the real /etc, libdir and /home are unchanged"
		diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
		f=$((f + 1))
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		n=$((n + 1))
		echo "not ok $n - the sandboxed script exited with status $rc"
	fi
	echo "1..$n"
	[ "$rc" -eq 0 ] && [ "$f" -eq 0 ]
	exit $?
}

# ---- the sandbox ----------------------------------------------------------------
e2e_ov=0
# e2e_mkdirs DIR...: make each DIR an empty private tmpfs. A DIR that does not
# exist is added by an overlay over its nearest existing parent (nothing is
# created on the real file system). All overlays come first, parents before
# children (an overlay mounted later over a parent would hide the mounts
# below it), each parent once with every missing directory in its upper layer.
e2e_mkdirs() {
	local p a anc=() line
	for p in "$@"; do
		a=$p
		while [ ! -d "$a" ]; do a=$(dirname "$a"); done
		[ "$a" = "$p" ] && continue
		[ "$a" = / ] && { echo "e2e_mkdirs: will not overlay /" >&2; return 1; }
		anc+=("$a")
	done
	while read -r line; do
		[ -n "$line" ] || continue
		a=${line#* }
		e2e_ov=$((e2e_ov + 1))
		mkdir -p "$E2E_TMP/ov$e2e_ov/upper" "$E2E_TMP/ov$e2e_ov/work"
		for p in "$@"; do
			case $p in "$a"/*) mkdir -p "$E2E_TMP/ov$e2e_ov/upper${p#"$a"}" ;; esac
		done
		mount -t overlay overlay \
			-o "lowerdir=$a,upperdir=$E2E_TMP/ov$e2e_ov/upper,workdir=$E2E_TMP/ov$e2e_ov/work" "$a" ||
			return 1
	done < <(for a in "${anc[@]}"; do echo "${#a} $a"; done | sort -n -u)
	for p in "$@"; do
		mount -t tmpfs -o mode=0755 tmpfs "$p" || return 1
	done
}

# e2e_bind_file SRC DEST: DEST shows SRC (DEST must exist; else an overlay adds it)
e2e_bind_file() {
	if [ ! -e "$2" ]; then
		local d
		d=$(dirname "$2")
		[ -d "$d" ] || e2e_mkdirs "$d"
		[ -e "$2" ] || {
			e2e_ov=$((e2e_ov + 1))
			mkdir -p "$E2E_TMP/ov$e2e_ov/upper" "$E2E_TMP/ov$e2e_ov/work"
			touch "$E2E_TMP/ov$e2e_ov/upper/$(basename "$2")"
			mount -t overlay overlay -o \
				"lowerdir=$d,upperdir=$E2E_TMP/ov$e2e_ov/upper,workdir=$E2E_TMP/ov$e2e_ov/work" "$d"
		}
	fi
	mount --bind "$1" "$2"
}

_e2e_dev() {
	mkdir "$E2E_TMP/olddev"
	mount --rbind /dev "$E2E_TMP/olddev"
	mount -t tmpfs -o mode=0755,nosuid tmpfs /dev
	local n
	for n in null zero full random urandom tty; do
		touch "/dev/$n"
		mount --bind "$E2E_TMP/olddev/$n" "/dev/$n"
	done
	mkdir /dev/pts /dev/shm /dev/mqueue
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts
	ln -s pts/ptmx /dev/ptmx
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
	umount -l "$E2E_TMP/olddev"
	E2E_SYSLOG=$E2E_TMP/syslog
	: >"$E2E_SYSLOG"
	"$top_builddir/tests/e2e/syslog_sink" /dev/log "$E2E_SYSLOG" </dev/null &
	E2E_SYSLOG_PID=$!
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S /dev/log ] && break
		sleep 0.1
	done
}

# e2e_cleanup: stops what the sandbox started, by pid (the PID namespace would
# end them anyway when the script exits; this keeps the order: services first).
e2e_cleanup() {
	e2e_sshd_stop
	idp_stop >/dev/null 2>&1
	if declare -F gw_stop >/dev/null; then gw_stop >/dev/null 2>&1; fi
	if [ -n "${E2E_SYSLOG_PID:-}" ]; then
		kill "$E2E_SYSLOG_PID" 2>/dev/null
		wait "$E2E_SYSLOG_PID" 2>/dev/null
	fi
}

e2e_sandbox() {
	# shellcheck source=/dev/null
	. "$top_builddir/tests/e2e/paths.sh"
	trap e2e_cleanup EXIT
	mount -t tmpfs -o mode=0755 tmpfs "$E2E_TMP"
	export TMPDIR=$E2E_TMP
	# The build's compiled-in paths first: an overlay that adds one of them
	# over an existing parent (e.g. /etc or /var/lib) would hide the mounts
	# made below that parent before it.
	e2e_mkdirs "$E2E_CONF_DIR" "$E2E_STATE_DIR" "$E2E_CACHE_DIR" "$(dirname "$E2E_HELPER_PATH")" ||
		return 1
	if [ -n "${E2E_NETNS_UP:-}" ] || ip link show lo 2>/dev/null | grep -q 'state DOWN'; then
		ip link set lo up
	fi
	_e2e_dev
	local d
	for d in /run /home /var/log /var/lib/sudo /tmp/.X11-unix; do
		[ -d "$d" ] || continue
		mount -t tmpfs -o mode=0755 tmpfs "$d"
	done
	[ -d /tmp/.X11-unix ] && chmod 1777 /tmp/.X11-unix
	mkdir -p /run/sshd /run/sudo /var/log/e2e
	: >/run/utmp
	: >/var/log/wtmp
	: >/var/log/btmp
	: >/var/log/lastlog

	# NSS
	printf '%s\n' 'passwd: files fedjit' 'group: files fedjit' 'shadow: files fedjit' \
		'hosts: files' >"$E2E_TMP/nsswitch.conf"
	mount --bind "$E2E_TMP/nsswitch.conf" /etc/nsswitch.conf
	# a local account named like an IdP user (invariant 4)
	cp -a /etc/passwd "$E2E_TMP/passwd"
	cp -a /etc/group "$E2E_TMP/group"
	cp -a /etc/shadow "$E2E_TMP/shadow"
	echo 'erin:x:1777:1777:Erin Local:/home/erin:/bin/sh' >>"$E2E_TMP/passwd"
	echo 'erin:x:1777:' >>"$E2E_TMP/group"
	echo 'erin:!:19000:0:99999:7:::' >>"$E2E_TMP/shadow"
	mount --bind "$E2E_TMP/passwd" /etc/passwd
	mount --bind "$E2E_TMP/group" /etc/group
	mount --bind "$E2E_TMP/shadow" /etc/shadow

	# PAM service files: an overlay, so that the machine's others stay usable
	mkdir -p "$E2E_TMP/pamd/upper" "$E2E_TMP/pamd/work"
	mount -t overlay overlay \
		-o "lowerdir=/etc/pam.d,upperdir=$E2E_TMP/pamd/upper,workdir=$E2E_TMP/pamd/work" /etc/pam.d
	# sudoers
	mkdir -p "$E2E_TMP/sudoers.d"
	install -m 0440 /dev/null "$E2E_TMP/sudoers"
	e2e_sudoers nopasswd
	e2e_bind_file "$E2E_TMP/sudoers" /etc/sudoers
	[ -d /etc/sudoers.d ] && mount --bind "$E2E_TMP/sudoers.d" /etc/sudoers.d

	# the modules in the libdir
	E2E_LIBDIR=$(e2e_libdir)
	mkdir -p "$E2E_TMP/lib/upper/security" "$E2E_TMP/lib/work"
	e2e_have nss && install -m 0644 "$E2E_NSS_SO" "$E2E_TMP/lib/upper/libnss_fedjit.so.2"
	e2e_have pam && install -m 0644 "$E2E_PAM_SO" "$E2E_TMP/lib/upper/security/pam_fedjit.so"
	mount -t overlay overlay \
		-o "lowerdir=$E2E_LIBDIR,upperdir=$E2E_TMP/lib/upper,workdir=$E2E_TMP/lib/work" "$E2E_LIBDIR"

	e2e_have helper && install -m 0755 "$E2E_HELPER_BIN" "$E2E_HELPER_PATH"
	E2E_PROMPTS=$E2E_TMP/prompts
	E2E_STATE=$E2E_TMP/askpass-state
	mkdir -p "$E2E_STATE"
	: >"$E2E_PROMPTS"
	export E2E_PROMPTS E2E_STATE E2E_SYSLOG E2E_TMP E2E_SRC
}

# e2e_sudoers nopasswd|auth: %sudo without / with authentication
e2e_sudoers() {
	{
		echo 'Defaults env_reset, !lecture, timestamp_timeout=0, passwd_tries=1'
		echo 'Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'
		echo 'root ALL=(ALL:ALL) ALL'
		case $1 in
		nopasswd) echo '%sudo ALL=(ALL:ALL) NOPASSWD: ALL' ;;
		auth) echo '%sudo ALL=(ALL:ALL) ALL' ;;
		esac
	} >"$E2E_TMP/sudoers"
}

# e2e_pam SERVICE AUTH-LINES...: /etc/pam.d/SERVICE with pam_fedjit's auth
# lines as given (default: fedjit alone), then account and session.
e2e_pam() {
	local svc=$1
	shift
	# only into the sandbox's overlay, never the machine's own pam.d
	mountpoint -q /etc/pam.d || { echo "e2e_pam: /etc/pam.d is not the sandbox's overlay" >&2; return 1; }
	{
		echo "# $svc: end-to-end test stack (tests/e2e)"
		if [ $# -eq 0 ]; then
			echo 'auth     [success=done default=die] pam_fedjit.so'
			echo 'auth     required pam_deny.so'
		else
			printf '%s\n' "$@"
		fi
		echo 'account  [success=ok ignore=ignore user_unknown=ignore default=bad] pam_fedjit.so'
		# E2E_PAM_ACCOUNT: the module after pam_fedjit (pam_permit: a stack where
		# nothing else would refuse)
		echo "account  required ${E2E_PAM_ACCOUNT:-pam_unix.so}"
		echo 'session  required pam_unix.so'
	} >"/etc/pam.d/$svc"
}

# e2e_conf [KEY=VALUE...]: fedjit.conf for the test IdP (E2E_IDP=glewlwyd:
# Glewlwyd, started by gw_start); the IdP section's defaults below are
# overridden (or, for group_map, extended) by the arguments.
e2e_conf() {
	local prov=always prompt=silent scopes='openid profile email groups' extra=() kv
	local issuer=${FEDJIT_IDP_ISSUER:-} client=fedjit-public ca=${FEDJIT_IDP_CA:-}
	if [ "${E2E_IDP:-test}" = glewlwyd ]; then
		issuer=$FEDJIT_GW_ISSUER client=fedjit ca=$FEDJIT_GW_CA
	fi
	for kv in "$@"; do
		case $kv in
		provisioning=*) prov=${kv#*=} ;;
		prompt=*) prompt=${kv#*=} ;;
		scopes=*) scopes=${kv#*=} ;;
		*) extra+=("${kv%%=*} = ${kv#*=}") ;;
		esac
	done
	{
		echo '# tests/e2e: the test IdP provisions into PRIMARY'
		echo '[global]'
		echo 'debug = yes'
		echo
		echo '[domain PRIMARY]'
		echo 'uid_min = 200000'
		echo 'uid_max = 299999'
		echo 'home = /home/%u'
		echo 'shell = /bin/bash'
		echo 'username_regex = [a-z][a-z0-9._-]{0,30}'
		echo
		echo '[idp test]'
		echo "issuer = $issuer"
		echo "client_id = $client"
		echo 'client_auth = none'
		echo "ca_file = $ca"
		echo "scopes = $scopes"
		echo "provisioning = $prov"
		[ "$prov" = always ] && echo 'domain = PRIMARY'
		echo "prompt = $prompt"
		echo 'group_map = admins:sudo'
		echo 'timeout = 120'
		[ ${#extra[@]} -gt 0 ] && printf '%s\n' "${extra[@]}"
	} >"$E2E_CONF_DIR/fedjit.conf"
	chmod 0644 "$E2E_CONF_DIR/fedjit.conf"
}

# e2e_idp_start: the test IdP plus the extra users the scenarios need
e2e_idp_start() {
	idp_start || return 1
	local u
	for u in dave erin gina hank ivy jane; do
		idp_api POST /test/user "{\"account\":\"$u\",\"sub\":\"u-1$RANDOM-$u\",\"password\":\"$u-password\",\"claims\":{\"preferred_username\":\"$u\",\"name\":\"${u^} Test\",\"email\":\"$u@example.test\",\"groups\":[\"staff\"]}}" >/dev/null ||
			return 1
	done
}

# ---- services ----------------------------------------------------------------
E2E_SSHD_PORT=
E2E_SSHD_PID=
# e2e_sshd_start PORT: sshd on 127.0.0.1:PORT, PAM service "sshd" (the
# program name; /etc/pam.d/sshd is the test's), keyboard-interactive only;
# with E2E_SSHD_PUBKEY=1 public keys too (either method alone signs in: the
# account phase is then all that stands between a key and a session).
e2e_sshd_start() {
	local port=$1 d=$E2E_TMP/sshd i pubkey=no methods=keyboard-interactive
	if [ "${E2E_SSHD_PUBKEY:-0}" = 1 ]; then
		pubkey=yes
		methods="publickey keyboard-interactive"
	fi
	mkdir -p "$d"
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519" </dev/null || return 1
	cat >"$d/sshd_config" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $d/host_ed25519
PidFile $d/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication $pubkey
AuthenticationMethods $methods
PermitRootLogin no
LoginGraceTime 300
MaxAuthTries 3
UseDNS no
PrintMotd no
PrintLastLog no
LogLevel VERBOSE
EOF
	/usr/sbin/sshd -D -f "$d/sshd_config" -E "$d/sshd.log" </dev/null &
	E2E_SSHD_PID=$!
	E2E_SSHD_PORT=$port
	E2E_SSHD_LOG=$d/sshd.log
	for ((i = 0; i < 100; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		kill -0 "$E2E_SSHD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "sshd did not start:" >&2
	cat "$d/sshd.log" >&2
	return 1
}

e2e_sshd_stop() {
	[ -n "$E2E_SSHD_PID" ] || return 0
	kill "$E2E_SSHD_PID" 2>/dev/null
	wait "$E2E_SSHD_PID" 2>/dev/null
	E2E_SSHD_PID=
}

# e2e_reset_prompts: forget handled codes and earlier prompts
e2e_reset_prompts() {
	: >"$E2E_PROMPTS"
	rm -f "$E2E_STATE"/*
}

# e2e_ssh USER CMD...: ssh USER@127.0.0.1 CMD; stdout on stdout, stderr in
# $E2E_TMP/ssh.err; the exit status is ssh's.
e2e_ssh() {
	local user=$1
	shift
	e2e_reset_prompts
	SSH_ASKPASS=$E2E_SRC/askpass.sh SSH_ASKPASS_REQUIRE=force DISPLAY=:e2e \
		setsid -w ssh -F /dev/null -p "$E2E_SSHD_PORT" \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 \
		-o ConnectTimeout=20 -o ServerAliveInterval=0 \
		"$user@127.0.0.1" "$@" </dev/null 2>"$E2E_TMP/ssh.err"
}

# e2e_ssh_key USER KEY CMD...: ssh USER@127.0.0.1 CMD with the private key
# file KEY and public-key authentication only (no prompt, no device flow);
# stdout on stdout, stderr in $E2E_TMP/ssh.err; the exit status is ssh's.
e2e_ssh_key() {
	local user=$1 key=$2
	shift 2
	e2e_reset_prompts
	setsid -w ssh -F /dev/null -p "$E2E_SSHD_PORT" -i "$key" \
		-o IdentitiesOnly=yes -o BatchMode=yes -o PreferredAuthentications=publickey \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o GlobalKnownHostsFile=/dev/null -o LogLevel=INFO \
		-o ConnectTimeout=20 -o ServerAliveInterval=0 \
		"$user@127.0.0.1" "$@" </dev/null 2>"$E2E_TMP/ssh.err"
}

# e2e_authorize_key USER KEY: KEY.pub into ~USER/.ssh/authorized_keys, owned
# by USER's uid and gid as NSS answers them now, modes sshd's StrictModes wants
e2e_authorize_key() {
	local user=$1 key=$2 home uid gid
	home=$(getent passwd "$user" | cut -d: -f6) || return 1
	uid=$(getent passwd "$user" | cut -d: -f3)
	gid=$(getent passwd "$user" | cut -d: -f4)
	install -d -m 0700 -o "$uid" -g "$gid" "$home/.ssh" &&
		install -m 0600 -o "$uid" -g "$gid" "$key.pub" "$home/.ssh/authorized_keys"
}

# e2e_pty CMD...: CMD under a pseudo-terminal; its output (the transcript)
# on stdout, exit status CMD's (124: no end within 180 s).
e2e_pty() {
	e2e_reset_prompts
	expect -f "$E2E_SRC/pty.exp" "$E2E_SRC/askpass.sh" "$@" </dev/null
}

# e2e_as USER CMD...: CMD as USER with USER's groups from NSS (initgroups)
e2e_as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups --reset-env -- "$@"
}

# ---- store --------------------------------------------------------------------
# e2e_store: the whole account store as JSON (fedjit db dump), "none" when
# there is no store yet.
e2e_store() {
	if [ -e "$E2E_STATE_DIR/fedjit.tdb" ]; then
		"$E2E_CLI_BIN" db dump 2>&1
	else
		echo none
	fi
}

# e2e_preauth NAME: the passwd entry sshd gets for NAME before authentication
# (tests/nss/nss_getent played as /usr/sbin/sshd in a child mount namespace)
e2e_preauth() {
	local g=$top_builddir/tests/nss/nss_getent
	[ -x "$g" ] || return 1
	unshare -m --propagation private sh -c 'mount --bind "$1" /usr/sbin/sshd && exec /usr/sbin/sshd passwd "$2"' \
		sh "$g" "$1"
}

# e2e_log_since MARK: syslog lines after line MARK (MARK from e2e_log_mark)
e2e_log_mark() { wc -l <"$E2E_SYSLOG"; }
e2e_log_since() { tail -n +"$(($1 + 1))" "$E2E_SYSLOG"; }

# e2e_log_wait MARK ERE [TEXT]: the syslog lines after MARK, once they (or TEXT,
# other output the caller will match too) match ERE, or after 5 s. The sink
# writes a message some time after its sender returned: a check that reads the
# log right after the action must give it that time.
e2e_log_wait() {
	local mark=$1 ere=$2 text=${3:-} i
	for ((i = 0; i < 50; i++)); do
		{ printf '%s\n' "$text"; e2e_log_since "$mark"; } | tr '\n' ' ' | grep -Eq -- "$ere" && break
		sleep 0.1
	done
	e2e_log_since "$mark"
}

# e2e_seed_account NAME SUBJECT [GID...]: an account owned by (the test IdP,
# SUBJECT), put into the store with `fedjit db restore` (uid and gid as sshd's
# pre-auth entry announces them, home created). For the scenarios about
# existing accounts (second login, sudo, su, refusals) while the helper cannot
# provision yet; once it can, the scenarios create their accounts by logging in.
e2e_seed_account() {
	local name=$1 sub=$2 uid groups entry
	shift 2
	entry=$(e2e_preauth "$name") || return 1
	uid=$(echo "$entry" | cut -d: -f3)
	groups=$(IFS=,; echo "$*")
	cat >"$E2E_TMP/seed-$name.json" <<JSON
{"fedjit_dump": 1,
 "users": [{"name": "$name", "uid": $uid, "gid": $uid, "gecos": "${name^} (seeded)",
  "home": "/home/$name", "shell": "/bin/bash", "domain": "PRIMARY", "idp": "test",
  "issuer": "$FEDJIT_IDP_ISSUER", "subject": "$sub", "email": "$name@example.test",
  "created": $(date +%s), "last_login": 0, "locked": false, "pending": false,
  "groups": [$groups]}],
 "groups": [{"name": "$name", "gid": $uid, "origin": "private", "domain": "PRIMARY", "members": []}]}
JSON
	"$E2E_CLI_BIN" db restore "$E2E_TMP/seed-$name.json" >/dev/null || return 1
	install -d -m 0700 -o "$uid" -g "$uid" "/home/$name"
}

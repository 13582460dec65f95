# Sourced by the NSS shell tests: TAP helpers and the private mount namespace
# in which libnss_fedjit becomes a real glibc NSS module without touching the
# machine: /etc/nsswitch.conf is bind-mounted from a temporary file and the
# module appears in the libdir through an overlay (upper layer on a tmpfs).
# Everything disappears with the namespace when the script exits.
#
# Sanitizer builds: the module then needs the ASan/UBSan runtimes, which must
# come first in a process; getent, id and friends are not built with them, so
# they run with the runtimes in LD_PRELOAD (and leak detection off: their
# leaks are not ours). `run` does that.
set -u
: "${top_builddir:=$PWD}"
: "${top_srcdir:=$top_builddir/..}"
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

# t_eq DESCRIPTION EXPECTED ACTUAL
t_eq() {
	if [ "$2" = "$3" ]; then
		t_ok "$1"
	else
		t_not_ok "$1"
		printf '#   expected: %s\n#        got: %s\n' "$2" "$3"
	fi
}

# t_true DESCRIPTION COMMAND...: the command succeeds
t_true() {
	local d=$1
	shift
	if "$@"; then t_ok "$d"; else t_not_ok "$d"; fi
}

# t_false DESCRIPTION COMMAND...: the command fails
t_false() {
	local d=$1
	shift
	if "$@"; then t_not_ok "$d"; else t_ok "$d"; fi
}

t_done() {
	echo "1..$t_n"
	[ "$t_failed" -eq 0 ]
}

# Re-run this script as root inside a private mount namespace (or skip).
nss_enter_namespace() {
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root (mount namespace, overlay on the libdir)"
		exit 0
	fi
	if [ -z "${FEDJIT_NSS_IN_NS:-}" ]; then
		if ! unshare -m --propagation private true 2>/dev/null; then
			echo "1..0 # SKIP no mount namespaces here"
			exit 0
		fi
		FEDJIT_NSS_IN_NS=1 exec unshare -m --propagation private bash "$0" "$@"
	fi
}

run() {
	if [ -n "$san_preload" ]; then
		env LD_PRELOAD="$san_preload" ASAN_OPTIONS=detect_leaks=0 "$@"
	else
		"$@"
	fi
}

# nss_setup N_BULK: fixture store, module in the libdir, nsswitch.conf.
nss_setup() {
	tmp=$(mktemp -d /tmp/fedjit-nss-sh.XXXXXX)
	chmod 755 "$tmp"
	trap 'umount -l "$tmp/ov" 2>/dev/null; rm -rf "$tmp"' EXIT
	mod="$top_builddir/nss/.libs/libnss_fedjittest.so"
	san_preload=
	if readelf -d "$mod" | grep -q 'libasan'; then
		san_preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
	fi
	libdir=$(dirname "$(readlink -f "$(ldd /bin/true | awk '/libc\.so/ {print $3}')")")
	mkdir "$tmp/ov"
	mount -t tmpfs tmpfs "$tmp/ov"
	mkdir "$tmp/ov/upper" "$tmp/ov/work"
	cp "$mod" "$tmp/ov/upper/libnss_fedjit.so.2"
	mount -t overlay overlay \
		-o "lowerdir=$libdir,upperdir=$tmp/ov/upper,workdir=$tmp/ov/work" "$libdir"
	nss_switch "passwd: files fedjit" "group: files fedjit" "shadow: files fedjit"
	"$top_builddir/tests/nss/nss_fixture" "$tmp/fedjit.tdb" "$tmp/secret.tdb" "$1"
	export FEDJIT_NSS_DB="$tmp/fedjit.tdb" FEDJIT_NSS_SECRET_DB="$tmp/secret.tdb"
}

# nss_switch LINE...: a new nsswitch.conf over /etc/nsswitch.conf
nss_switch() {
	umount /etc/nsswitch.conf 2>/dev/null || true
	printf '%s\n' "$@" >"$tmp/nsswitch.conf"
	mount --bind "$tmp/nsswitch.conf" /etc/nsswitch.conf
}

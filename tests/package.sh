#!/usr/bin/env bash
# Packaging check (TAP): builds the Debian packages from the committed tree with
# `dpkg-buildpackage -us -uc -b`, unpacks them into a scratch root, and runs the
# installed files: `fedjit --version`, then, inside a private mount namespace
# where the packaged NSS module is overlaid into the libdir and the store dir is
# on a tmpfs, `fedjit db restore` of a small dump and `getent -s fedjit passwd`.
# Nothing of the machine's real /etc or libdirs changes.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

if [ "$(id -u)" != 0 ] || ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null; then
	echo "1..0 # SKIP needs root, dpkg-dev and debhelper"
	exit 0
fi
echo "1..7"
work=$(mktemp -d /tmp/fedjit-pkg.XXXXXX)
trap 'rm -rf "$work"' EXIT
src="$work/fedjit-src"
mkdir -p "$src"
# the committed tree (what a release tarball would hold), not the build dirs
(cd "$top" && git archive HEAD) | tar -x -C "$src"

if (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$work/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b builds"
else
	notok "dpkg-buildpackage -us -uc -b builds"
	tail -30 "$work/build.log" | sed 's/^/# /'
	for i in 2 3 4 5 6 7; do notok "skipped after a failed build"; done
	exit 1
fi

# FEDJIT_DEB_OUT=DIR: keep the packages there (tests/package-lifecycle.sh installs them)
if [ -n "${FEDJIT_DEB_OUT:-}" ]; then
	mkdir -p "$FEDJIT_DEB_OUT" && cp "$work"/*.deb "$FEDJIT_DEB_OUT/"
fi

root="$work/root"
mkdir -p "$root"
debs=("$work"/fedjit_*.deb "$work"/libpam-fedjit_*.deb "$work"/libnss-fedjit_*.deb)
missing=0
for d in "${debs[@]}"; do
	[ -f "$d" ] && dpkg -x "$d" "$root" || missing=1
done
if [ $missing = 0 ]; then ok "fedjit, libpam-fedjit and libnss-fedjit unpack"; else notok "the three packages exist"; fi

multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
if [ -x "$root/usr/sbin/fedjit" ] && [ -x "$root/usr/libexec/fedjit/fedjit-helper" ] &&
	[ -f "$root/lib/$multiarch/security/pam_fedjit.so" ] &&
	[ -f "$root/lib/$multiarch/libnss_fedjit.so.2" ] &&
	[ -f "$root/usr/share/pam-configs/fedjit" ] && [ -f "$root/usr/share/man/man8/fedjit.8.gz" ]; then
	ok "installed layout: tool, helper, PAM and NSS modules, pam-configs profile, man pages"
else
	notok "installed layout"
	(cd "$root" && find . -type f | sed 's/^/# /')
fi

# The revalidation timer: shipped, enabled by the maintainer script dh_installsystemd
# wrote (the service only through it), and accepted by systemd-analyze verify.
units="$root/lib/systemd/system"
postinst=$(dpkg-deb -e "$work"/fedjit_*.deb "$work/control" 2>&1 && cat "$work/control/postinst")
verify=ok
if command -v systemd-analyze >/dev/null && [ -f "$units/fedjit-revalidate.service" ]; then
	# the machine's unit path for the dependencies; ExecStart must exist: the
	# unpacked tool stands in for /usr/sbin/fedjit
	mkdir -p "$work/units"
	sed "s|^ExecStart=/usr/sbin/fedjit|ExecStart=$root/usr/sbin/fedjit|" \
		"$units/fedjit-revalidate.service" >"$work/units/fedjit-revalidate.service"
	cp "$units/fedjit-revalidate.timer" "$work/units/"
	verify=$(cd "$work/units" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no \
		./fedjit-revalidate.timer ./fedjit-revalidate.service 2>&1 | grep 'fedjit-revalidate')
	[ -z "$verify" ] && verify=ok
fi
if [ -f "$units/fedjit-revalidate.timer" ] && [ -f "$units/fedjit-revalidate.service" ] &&
	grep -q '^ExecStart=/usr/sbin/fedjit revalidate --sessions$' "$units/fedjit-revalidate.service" &&
	grep -q 'deb-systemd-helper .*enable.*fedjit-revalidate.timer' <<<"$postinst" &&
	! grep -q 'enable.*fedjit-revalidate.service' <<<"$postinst" && [ "$verify" = ok ]; then
	ok "the revalidation timer: shipped, enabled by postinst, systemd-analyze verify clean"
else
	notok "the revalidation timer: shipped, enabled by postinst, systemd-analyze verify clean"
	printf '%s\n' "$verify" | sed 's/^/# /'
	grep -n 'fedjit-revalidate' <<<"$postinst" | sed 's/^/# /'
fi

if out=$("$root/usr/sbin/fedjit" --version 2>&1) && [[ "$out" == fedjit* ]]; then
	ok "installed fedjit --version: $out"
else
	notok "installed fedjit --version ($out)"
fi

# A store with one account, made by the packaged tool, read by the packaged
# NSS module through glibc, in a private mount namespace.
cat >"$work/dump.json" <<'JSON'
{
  "fedjit_dump": 1,
  "users": [
    {"name": "pkgalice", "uid": 213037, "gid": 213037, "gecos": "Package Alice",
     "home": "/home/pkgalice", "shell": "/bin/bash", "domain": "PRIMARY", "idp": "corp",
     "issuer": "https://idp.example.com", "subject": "sub-pkgalice", "email": "",
     "created": 1700000000, "last_login": 0, "locked": false, "pending": false, "groups": []}
  ],
  "groups": [
    {"name": "pkgalice", "gid": 213037, "origin": "private", "domain": "PRIMARY", "members": []}
  ]
}
JSON
cat >"$work/nsswitch.conf" <<'NSS'
passwd: files fedjit
group: files fedjit
shadow: files
NSS
mkdir -p "$work/upper" "$work/ovwork"
cp "$root/lib/$multiarch/libnss_fedjit.so.2" "$work/upper/"
out=$(unshare -m --propagation private bash -c '
	set -e
	mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf
	mount -t overlay overlay -o lowerdir=/lib/'"$multiarch"',upperdir="$1/upper",workdir="$1/ovwork" /lib/'"$multiarch"'
	mount -t tmpfs -o mode=0755 tmpfs /var/lib
	mkdir -m 0755 /var/lib/fedjit
	"$2/usr/sbin/fedjit" db restore "$1/dump.json" >/dev/null
	getent -s fedjit passwd pkgalice
	getent passwd 213037
' _ "$work" "$root" 2>&1)
rc=$?
if [ $rc = 0 ] && grep -qx 'pkgalice:x:213037:213037:Package Alice:/home/pkgalice:/bin/bash' <<<"$out"; then
	ok "packaged fedjit db restore + packaged NSS module: getent -s fedjit passwd pkgalice"
else
	notok "getent -s fedjit passwd through the packaged module"
	sed 's/^/# /' <<<"$out"
fi
if [ $rc = 0 ] && [ "$(grep -c '^pkgalice:x:213037:' <<<"$out")" = 2 ]; then
	ok "getent passwd 213037 (by uid, through nsswitch.conf) agrees"
else
	notok "getent passwd 213037 agrees"
fi
exit $((failed > 0))

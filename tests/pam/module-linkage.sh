#!/bin/sh
# pam_fedjit.so links only libc, libpam and libqrencode (no network, JSON, JWT
# or tdb code in the host process: ARCHITECTURE.md invariant 1, ARCHITECTURE.md), exports
# only pam_sm_*, and leaves no fedjit symbol unresolved.
so="${top_builddir:-.}/pam/.libs/pam_fedjit.so"
if [ ! -f "$so" ]; then
	echo "1..0 # SKIP $so not built"
	exit 0
fi
echo "1..4"
n=0
check() { # check DESCRIPTION FAILURE-OUTPUT
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$2" | sed 's/^/# /'
	fi
}
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
# The sanitizer runtimes are there in sanitizer builds only.
check "NEEDED is libc, libpam, libqrencode only" \
	"$(printf '%s\n' "$needed" | grep -Ev '^(libc\.so\.6|libpam\.so\.0|libqrencode\.so\.[0-9]+|libasan\.so\.[0-9]+|libubsan\.so\.[0-9]+)$')"
check "no curl, OpenSSL, jansson, OAuth or JOSE library, or tdb" \
	"$(printf '%s\n' "$needed" | grep -Ei 'curl|ssl|crypto|jansson|oauth|cjose|tdb')"
check "exports only pam_sm_*" \
	"$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | grep -v '^pam_sm_')"
check "no unresolved fedjit symbol" "$(nm -D --undefined-only "$so" | grep -i fedjit)"

#!/usr/bin/env bash
# libnss_fedjit loads into every process: it links libc and libtdb only
# (ARCHITECTURE.md invariant 1) and exports _nss_fedjit_* only.
. "$(dirname "$0")/lib.sh"
for m in libnss_fedjit libnss_fedjittest; do
	so="$top_builddir/nss/.libs/$m.so"
	needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
		grep -Ev '^(lib(asan|ubsan)\.so|ld-linux)' | sort | xargs)
	t_eq "$m: NEEDED is libc and libtdb (and the dynamic loader)" "libc.so.6 libtdb.so.1" \
		"$needed"
	bad=$(ldd "$so" | grep -Ei 'curl|ssl|crypto|jansson|oauth2|cjose|inih|pam' || true)
	t_eq "$m: ldd shows no curl, OpenSSL, jansson, OAuth or JOSE library, inih, pam" "" "$bad"
	others=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' |
		grep -v '^_nss_fedjit_' || true)
	t_eq "$m: exports _nss_fedjit_* only" "" "$others"
	t_eq "$m: exports every entry point" "16" \
		"$(nm -D --defined-only "$so" | grep -c ' T _nss_fedjit_')"
done
t_done

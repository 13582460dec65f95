#!/bin/bash
# tests/run-all.sh runs this after a sanitizer or valgrind run of the suite:
#   sanitizer-coverage.sh asan BUILD-DIR    the PAM module, the NSS module, the helper and
#                                           the admin tool are instrumented (link libasan
#                                           and libubsan), and no case of the PAM, NSS,
#                                           helper and hardening tests was skipped;
#   sanitizer-coverage.sh valgrind BUILD-DIR [SINCE]  the helper and hardening tests ran
#                                           under memcheck
#                                           (results newer than the file SINCE exist, none
#                                           of their cases skipped).
# CI runs as root with every dependency installed, so a skip there means the module
# code silently did not run under the tool. TAP on stdout, then # PASS / # FAIL.
mode=$1 dir=$2 since=${3:-}
n=0 pass=0 fail=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
# no_skips AREA...: every .trs of those test dirs exists and has no SKIP result
no_skips() {
	local area trs skipped
	for area in "$@"; do
		trs=$(find "$dir/tests/$area" -name '*.trs' ${since:+-newer "$since"} 2>/dev/null)
		if [ -z "$trs" ]; then
			not_ok "$mode: tests/$area ran (no results found)"
			continue
		fi
		skipped=$(grep -l ':test-result: SKIP' $trs 2>/dev/null | sed "s|^$dir/||" | tr '\n' ' ')
		if [ -z "$skipped" ]; then
			ok "$mode: no case of tests/$area skipped ($(echo "$trs" | wc -l) scripts/programs)"
		else
			not_ok "$mode: cases of tests/$area skipped: $skipped"
		fi
	done
}
case $mode in
asan)
	for f in pam/.libs/pam_fedjit.so nss/.libs/libnss_fedjit.so nss/.libs/libnss_fedjittest.so \
		pam/helper/fedjit-helper cli/fedjit; do
		needed=$(readelf -d "$dir/$f" 2>/dev/null)
		if grep -q 'libasan' <<<"$needed" && grep -q 'libubsan' <<<"$needed"; then
			ok "asan: $f is built with ASan and UBSan"
		else
			not_ok "asan: $f is built with ASan and UBSan"
		fi
	done
	no_skips pam nss helper harden
	;;
valgrind)
	no_skips helper harden
	;;
*)
	echo "usage: $0 asan|valgrind BUILD-DIR" >&2
	exit 2
	;;
esac
echo "1..$n"
echo "# PASS: $pass"
echo "# FAIL: $fail"
[ "$fail" -eq 0 ]

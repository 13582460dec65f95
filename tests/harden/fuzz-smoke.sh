#!/bin/sh
# `make fuzz-smoke`: runs tests/fuzz/smoke.sh for each harness NAME given, one TAP
# case each, then the summary lines tests/run-all.sh counts (# PASS: / # FAIL:).
# A harness that was not built fails here (unlike in `make check`, where it skips).
top_srcdir=${top_srcdir:-.}
export top_srcdir top_builddir
pass=0 fail=0 i=0
echo "1..$#"
for name in "$@"; do
	i=$((i + 1))
	out=$("${SHELL:-/bin/sh}" "$top_srcdir/tests/fuzz/smoke.sh" "$name" 2>&1)
	if printf '%s\n' "$out" | grep -q '^ok 1 .*# SKIP'; then
		echo "not ok $i - fuzz_$name: not built"
		fail=$((fail + 1))
	elif printf '%s\n' "$out" | grep -q '^ok 1'; then
		echo "ok $i - $(printf '%s\n' "$out" | sed -n 's/^ok 1 - //p')"
		pass=$((pass + 1))
	else
		echo "not ok $i - fuzz_$name"
		printf '%s\n' "$out" | grep '^#'
		fail=$((fail + 1))
	fi
done
echo "# PASS: $pass"
echo "# FAIL: $fail"
[ "$fail" -eq 0 ]

#!/bin/sh
# Short libFuzzer run of one harness, for --enable-fuzzing builds:
#   smoke.sh NAME   runs $top_builddir/tests/fuzz/fuzz_NAME for FUZZ_SMOKE_RUNS
# inputs (default 20000) starting from a temporary copy of the committed corpus
# tests/fuzz/corpus/NAME (the fuzzer adds to its corpus; the tree stays clean).
# One TAP case; a crash leaves its reproducer in the log.
name=$1
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
fuzzer="$top_builddir/tests/fuzz/fuzz_$name"
corpus="$top_srcdir/tests/fuzz/corpus/$name"
dict="$top_srcdir/tests/fuzz/$name.dict"
echo "1..1"
if [ ! -x "$fuzzer" ]; then
	echo "ok 1 - fuzz_$name smoke run # SKIP $fuzzer not built"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/fedjit-fuzz-$name.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" && cp "$corpus"/* "$work/corpus/" 2>/dev/null
set -- -runs="${FUZZ_SMOKE_RUNS:-20000}" -max_len=4096 -artifact_prefix="$work/" "$work/corpus"
[ -f "$dict" ] && set -- -dict="$dict" "$@"
if "$fuzzer" "$@" >"$work/log" 2>&1; then
	echo "ok 1 - fuzz_$name smoke run ($(grep -o 'Done [0-9]* runs' "$work/log"))"
else
	echo "not ok 1 - fuzz_$name smoke run"
	sed 's/^/# /' "$work/log" | tail -40
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -f "$f" ] && echo "# reproducer $(basename "$f"): $(od -An -c "$f" | head -5 | tr -s ' ')"
	done
	exit 1
fi

#!/usr/bin/env bash
# The whole test suite, as README.md and .ci/run run it:
#  1. dependencies (tests/deps.sh), 2. clang-format check, 3. a -Werror build
#  with `make check`, 4. the same suite under ASan+UBSan, 5. the unit, NSS and
#  helper tests under valgrind memcheck, 6. `make fuzz-smoke` in a clang
#  --enable-fuzzing build, 7. man page lint, 8. the Debian packages built
#  (tests/package.sh) and taken through install, first logins, remove and
#  purge in a throwaway root (tests/package-lifecycle.sh), 9. `make distcheck`.
# Every test prints TAP; the totals below count test cases over all runs.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
failed_steps=()
step() { printf '\n=== %s ===\n' "$*"; }

step dependencies
tests/deps.sh || { echo "dependency installation failed"; exit 1; }

step autoreconf
autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; exit 1; }

step clang-format
if git ls-files '*.c' '*.h' | xargs -r clang-format --dry-run -Werror; then
	echo "format ok"
else
	failed_steps+=(clang-format)
fi

build() { # build DIR CONFIGURE-ARGS...
	local dir=$1; shift
	rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" &&
		"$top/configure" --enable-werror "$@" >configure.out 2>&1 ||
		{ cat configure.out; cd "$top"; return 1; }
	make -j"$jobs" >make.out 2>&1 || { tail -50 make.out; cd "$top"; return 1; }
	cd "$top"
}

check() { # check DIR NAME [make args...]
	local dir=$1 name=$2; shift 2
	(cd "$dir" && make -j"$jobs" check "$@" >check.out 2>&1)
	local rc=$?
	grep -E '^(# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):)' "$dir/check.out" | sed "s/^/[$name] /"
	if [ $rc -ne 0 ]; then
		failed_steps+=("$name")
		find "$dir" -name '*.log' ! -name 'config.log' ! -name 'test-suite.log' -newer "$dir/make.out" \
			-exec grep -lE '^(not ok|Bail out)|ERROR' {} + 2>/dev/null | head -20 |
			while read -r f; do
				# what failed first (with its diagnostics), then how the log ends
				echo "--- $f"
				grep -A10 -E '^(not ok|Bail out)' "$f" | head -40
				echo "--- $f (end)"
				tail -15 "$f"
			done
	fi
	cp "$dir/check.out" "$top/_ci-$name.out" 2>/dev/null || true
}

step "build (-Werror)"
if build _build; then check _build plain; else failed_steps+=(build); fi
# The second IdP's tests skip where the glewlwyd package is missing; deps.sh
# installed it here, so a skip is a failure of this run.
for t in tests/glewlwyd/gw-selftest tests/helper/helper-glewlwyd tests/e2e/glewlwyd; do
	if [ ! -f "_build/$t.log" ] || grep -q '^1\.\.0 # SKIP' "_build/$t.log"; then
		echo "$t.sh did not run against Glewlwyd: $(grep -m1 SKIP "_build/$t.log" 2>/dev/null)"
		failed_steps+=(glewlwyd-skipped)
	fi
done

step "build (ASan+UBSan)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build _build-asan --enable-sanitizers; then check _build-asan asan; else failed_steps+=(asan-build); fi
# ... and the PAM, NSS and helper code really ran instrumented (nothing skipped).
if [ -f _build-asan/Makefile ]; then
	tests/harden/sanitizer-coverage.sh asan _build-asan >_ci-asan-coverage.out || failed_steps+=(asan-coverage)
	grep -E '^(not ok|# PASS|# FAIL)' _ci-asan-coverage.out
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

step "valgrind memcheck"
if [ -d _build ] && [ -f _build/Makefile ]; then
	# Compiled tests run under memcheck; a script joins only if it (or the lib.sh
	# beside it) wraps its compiled parts when FEDJIT_VALGRIND is set; any other
	# script would only repeat the plain run.
	vg_tests=$(cd _build && make -s print-tests | tr ' ' '\n' | while read -r t; do
		case "$t" in
		*.sh) grep -qs FEDJIT_VALGRIND "$top/$t" "$(dirname "$top/$t")/lib.sh" && echo "$t" ;;
		*) echo "$t" ;;
		esac
	done | tr '\n' ' ')
	touch _build/.valgrind-start
	check _build valgrind LOG_COMPILER="$top/tests/valgrind-wrap.sh" TESTS="$vg_tests" \
		SH_LOG_COMPILER="$top/tests/valgrind-wrap.sh"
	tests/harden/sanitizer-coverage.sh valgrind _build _build/.valgrind-start >_ci-valgrind-coverage.out ||
		failed_steps+=(valgrind-coverage)
	grep -E '^(not ok|# PASS|# FAIL)' _ci-valgrind-coverage.out
fi

step "fuzzing smoke (clang, --enable-fuzzing)"
# Every libFuzzer harness for a fixed number of runs from its committed corpus
# (tests/harden/local.mk); only the harnesses are built here.
if command -v clang >/dev/null; then
	rm -rf _build-fuzz && mkdir -p _build-fuzz &&
		(cd _build-fuzz && "$top/configure" CC=clang --enable-fuzzing --enable-werror >configure.out 2>&1 &&
			make -j"$jobs" fuzz-smoke >fuzz.out 2>&1)
	rc=$?
	grep -E '^(not )?ok |^# (PASS|FAIL):' _build-fuzz/fuzz.out 2>/dev/null | tee _ci-fuzz.out
	if [ $rc -ne 0 ]; then
		failed_steps+=(fuzz)
		tail -40 _build-fuzz/configure.out _build-fuzz/fuzz.out 2>/dev/null
		grep -q '^# FAIL:' _ci-fuzz.out 2>/dev/null || echo "# FAIL: 1" >>_ci-fuzz.out
	fi
else
	echo "clang not installed: no fuzzing smoke run"
	failed_steps+=(fuzz-no-clang)
fi

step "man page lint"
if command -v mandoc >/dev/null && ls man/*.[0-9] >/dev/null 2>&1; then
	if mandoc -Tlint -Wwarning man/*.[0-9]; then echo "man pages clean"; else failed_steps+=(mandoc); fi
fi

tap_counts() { # tap_counts TAP-FILE: the totals lines this script adds up
	echo "# PASS: $(grep -c '^ok ' "$1")"
	echo "# FAIL: $(grep -c '^not ok ' "$1")"
	echo "# SKIP: $(grep -c '^1\.\.0 # SKIP' "$1")"
}

step "Debian packages"
rm -rf _ci-debs
FEDJIT_DEB_OUT=$top/_ci-debs tests/package.sh | tee _ci-package.tap
if [ "${PIPESTATUS[0]}" != 0 ]; then failed_steps+=(package); fi
tap_counts _ci-package.tap >_ci-package.out

step "Debian package lifecycle (install, first hour, remove, purge)"
# The packages just built, in a throwaway root: tests/package-lifecycle.sh.
if ls _ci-debs/fedjit_*.deb >/dev/null 2>&1; then
	tests/package-lifecycle.sh "$top/_ci-debs" | tee _ci-lifecycle.tap
	if [ "${PIPESTATUS[0]}" != 0 ]; then failed_steps+=(lifecycle); fi
else
	echo "not ok 1 - no packages were built" | tee _ci-lifecycle.tap
	failed_steps+=(lifecycle)
fi
tap_counts _ci-lifecycle.tap >_ci-lifecycle.out
rm -rf _ci-debs

step distcheck
if [ -f _build/Makefile ]; then
	# The tarball is built, configured, built and installed in full; its check
	# runs the compiled tests (the scripts already ran in the plain and sanitizer
	# runs above; the long end-to-end ones would only add load and time here).
	dc_tests=$(cd _build && make -s print-tests | tr ' ' '\n' | grep -v '\.sh$' | tr '\n' ' ')
	if (cd _build && make -j"$jobs" distcheck TESTS="$dc_tests" >distcheck.out 2>&1); then
		echo "distcheck ok"
	else
		tail -60 _build/distcheck.out; failed_steps+=(distcheck)
	fi
fi

# Totals: every TAP test case of every run (plain, asan, valgrind).
pass=0 fail=0 skip=0
for f in _ci-*.out; do
	[ -f "$f" ] || continue
	p=$(sed -n 's/^# PASS: *//p' "$f" | head -1); x=$(sed -n 's/^# XFAIL: *//p' "$f" | head -1)
	s=$(sed -n 's/^# SKIP: *//p' "$f" | head -1)
	e=$(sed -n 's/^# FAIL: *//p' "$f" | head -1); r=$(sed -n 's/^# ERROR: *//p' "$f" | head -1)
	u=$(sed -n 's/^# XPASS: *//p' "$f" | head -1)
	pass=$((pass + ${p:-0} + ${x:-0})); skip=$((skip + ${s:-0}))
	fail=$((fail + ${e:-0} + ${r:-0} + ${u:-0}))
done
# A failed step that is not a test run (format, build, lint, distcheck) counts as a failed test.
for s in "${failed_steps[@]}"; do
	case "$s" in plain|asan|valgrind|package|lifecycle|fuzz|asan-coverage|valgrind-coverage) ;; *) fail=$((fail + 1)); echo "step failed: $s" ;; esac
done
echo
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "${#failed_steps[@]}" -eq 0 ]

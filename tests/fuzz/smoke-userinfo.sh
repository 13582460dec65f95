#!/bin/sh
# libFuzzer smoke run of fuzz_userinfo (see smoke.sh).
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/fuzz/smoke.sh" userinfo

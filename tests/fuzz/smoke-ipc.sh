#!/bin/sh
# libFuzzer smoke run of fuzz_ipc (see smoke.sh).
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/fuzz/smoke.sh" ipc

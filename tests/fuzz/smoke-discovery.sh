#!/bin/sh
# libFuzzer smoke run of the discovery harness (see smoke.sh).
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/fuzz/smoke.sh" discovery

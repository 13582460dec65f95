#!/bin/sh
# libFuzzer smoke run of the jwks harness (see smoke.sh).
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/fuzz/smoke.sh" jwks

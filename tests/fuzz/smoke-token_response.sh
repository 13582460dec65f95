#!/bin/sh
# libFuzzer smoke run of the token_response harness (see smoke.sh).
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/fuzz/smoke.sh" token_response

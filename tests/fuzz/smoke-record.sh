#!/bin/sh
# libFuzzer smoke run of the record codec harness (see smoke.sh).
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/fuzz/smoke.sh" record

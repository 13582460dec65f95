#!/bin/sh
# libFuzzer smoke run of the module <-> helper frame decoder (see smoke.sh).
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/fuzz/smoke.sh" proto

#!/bin/sh
# libFuzzer smoke run of fuzz_proto_stream (see smoke.sh).
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/fuzz/smoke.sh" proto_stream

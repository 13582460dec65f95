# tests/harden: hardening (issue 8). Fuzz harnesses for the parsers the other
# fragments do not cover (the network child's pipe, the protocol as a stream in
# both directions, the UserInfo merge), `make fuzz-smoke`, and the tests of
# privilege separation, limits, file modes and faults (SECURITY.md lists them).

# Every committed corpus is replayed in every build (tests/fuzz/replay.c); the
# libFuzzer harnesses come with --enable-fuzzing (CC=clang).
harden_replays = tests/fuzz/replay_ipc tests/fuzz/replay_proto_stream tests/fuzz/replay_userinfo
check_PROGRAMS += $(harden_replays)
TESTS += $(harden_replays)
tests_fuzz_replay_ipc_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_ipc.c
tests_fuzz_replay_ipc_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags) $(TDB_CFLAGS) \
	-DFEDJIT_FUZZ_CORPUS='"tests/fuzz/corpus/ipc"'
tests_fuzz_replay_ipc_LDADD = pam/provision/libfedjit_provision.la $(helper_libs) $(common_libs)
tests_fuzz_replay_proto_stream_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_proto_stream.c
tests_fuzz_replay_proto_stream_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFEDJIT_FUZZ_CORPUS='"tests/fuzz/corpus/proto_stream"'
tests_fuzz_replay_proto_stream_LDADD = pam/proto/libfedjit_proto.la
tests_fuzz_replay_userinfo_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_userinfo.c
tests_fuzz_replay_userinfo_CPPFLAGS = $(idp_replay_cppflags) \
	-DFEDJIT_FUZZ_CORPUS='"tests/fuzz/corpus/userinfo"'
tests_fuzz_replay_userinfo_LDADD = $(idp_libs)
EXTRA_DIST += tests/fuzz/corpus/ipc tests/fuzz/corpus/proto_stream tests/fuzz/corpus/userinfo \
	tests/fuzz/smoke-ipc.sh tests/fuzz/smoke-proto_stream.sh tests/fuzz/smoke-userinfo.sh \
	tests/harden/fuzz-smoke.sh
# the libFuzzer smoke runs exist only in --enable-fuzzing builds (as for the others)
if ENABLE_FUZZING
TESTS += tests/fuzz/smoke-ipc.sh tests/fuzz/smoke-proto_stream.sh tests/fuzz/smoke-userinfo.sh
endif

# `make fuzz-smoke`: every libFuzzer harness for FUZZ_SMOKE_RUNS (20000) runs from its
# committed corpus, TAP with a summary; run by tests/run-all.sh in _build-fuzz.
fuzz_smoke_names = config names record idtoken jwks discovery token_response proto \
	ipc proto_stream userinfo
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_ipc tests/fuzz/fuzz_proto_stream tests/fuzz/fuzz_userinfo
tests_fuzz_fuzz_ipc_SOURCES = tests/fuzz/fuzz_ipc.c pam/helper/ipc.c pam/proto/proto.c \
	pam/provision/provision_proto.c
tests_fuzz_fuzz_ipc_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) $(idp_cppflags) $(TDB_CFLAGS)
tests_fuzz_fuzz_ipc_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_proto_stream_SOURCES = tests/fuzz/fuzz_proto_stream.c pam/proto/proto.c
tests_fuzz_fuzz_proto_stream_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_proto_stream_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_userinfo_SOURCES = tests/fuzz/fuzz_userinfo.c $(idp_sources)
tests_fuzz_fuzz_userinfo_CFLAGS = $(idp_fuzz_cflags)
tests_fuzz_fuzz_userinfo_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_userinfo_LDADD = $(idp_fuzz_libs)
fuzz-smoke: $(fuzz_smoke_names:%=tests/fuzz/fuzz_%)
	top_srcdir=$(top_srcdir) top_builddir=$(top_builddir) \
		$(SHELL) $(top_srcdir)/tests/harden/fuzz-smoke.sh $(fuzz_smoke_names)
else
fuzz-smoke:
	@echo "fuzz-smoke needs a clang build: ../configure CC=clang --enable-fuzzing" >&2; exit 1
endif
.PHONY: fuzz-smoke

# Limits an IdP controls and network faults, against tests/idp/bad-idp.mjs (root, node).
TESTS += tests/harden/helper-limits.sh
EXTRA_DIST += tests/harden/helper-limits.sh

# The network child's privileges, from its side (root; skips otherwise).
check_PROGRAMS += tests/harden/test_privsep
TESTS += tests/harden/test_privsep
tests_harden_test_privsep_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags)
tests_harden_test_privsep_CFLAGS = $(unit_test_cflags)
tests_harden_test_privsep_LDADD = $(helper_libs) $(unit_test_libs)

# Faults during provisioning (disk full, a stuck writer), clock skew at the leeway,
# modes of every file a login creates, a symlink at the store path (root, node).
check_PROGRAMS += tests/harden/store_tool
tests_harden_store_tool_SOURCES = tests/harden/store_tool.c
tests_harden_store_tool_CPPFLAGS = $(AM_CPPFLAGS) $(TDB_CFLAGS)
tests_harden_store_tool_LDADD = $(common_libs)
TESTS += tests/harden/helper-faults.sh
EXTRA_DIST += tests/harden/helper-faults.sh tests/harden/sanitizer-coverage.sh
# A local user holding every lock it can take on the store while logins and the
# admin tool write; writers killed mid-commit; the helper's umask (root, node).
TESTS += tests/harden/store-hostile.sh
EXTRA_DIST += tests/harden/store-hostile.sh
EXTRA_DIST += SECURITY.md

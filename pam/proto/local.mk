# pam/proto: the module <-> helper protocol (proto.h: frames and messages) and the way a
# helper process is started and ended (spawn.h). A convenience library of libc only,
# linked by pam_fedjit.so, fedjit-helper and the fedjit admin tool.
noinst_LTLIBRARIES += pam/proto/libfedjit_proto.la
pam_proto_libfedjit_proto_la_SOURCES = pam/proto/proto.c pam/proto/proto.h \
	pam/proto/spawn.c pam/proto/spawn.h
pam_proto_libfedjit_proto_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
proto_libs = pam/proto/libfedjit_proto.la

check_PROGRAMS += tests/unit/test_proto
TESTS += tests/unit/test_proto
tests_unit_test_proto_CFLAGS = $(unit_test_cflags)
tests_unit_test_proto_LDADD = $(proto_libs) $(unit_test_libs)

# Fuzzing the frame decoder: the corpus replays in every build, the libFuzzer
# binary comes with --enable-fuzzing (CC=clang):
#   tests/fuzz/fuzz_proto -dict=$(srcdir)/tests/fuzz/proto.dict CORPUS_DIR
check_PROGRAMS += tests/fuzz/replay_proto
TESTS += tests/fuzz/replay_proto
tests_fuzz_replay_proto_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_proto.c
tests_fuzz_replay_proto_CPPFLAGS = $(AM_CPPFLAGS) -DFEDJIT_FUZZ_CORPUS='"tests/fuzz/corpus/proto"'
tests_fuzz_replay_proto_LDADD = $(proto_libs)
EXTRA_DIST += tests/fuzz/corpus/proto tests/fuzz/proto.dict tests/fuzz/smoke-proto.sh
if ENABLE_FUZZING
TESTS += tests/fuzz/smoke-proto.sh
noinst_PROGRAMS += tests/fuzz/fuzz_proto
tests_fuzz_fuzz_proto_SOURCES = tests/fuzz/fuzz_proto.c pam/proto/proto.c
tests_fuzz_fuzz_proto_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_proto_LDFLAGS = $(FUZZ_LDFLAGS)
endif

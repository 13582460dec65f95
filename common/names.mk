# common/names: name rules and id allocation (appends to common_libfedjit_common_la_SOURCES, check_PROGRAMS, TESTS)
common_libfedjit_common_la_SOURCES += common/names.h common/names.c common/idalloc.h common/idalloc.c

check_PROGRAMS += tests/unit/test_names tests/unit/test_idalloc
TESTS += tests/unit/test_names tests/unit/test_idalloc
tests_unit_test_names_CFLAGS = $(unit_test_cflags)
tests_unit_test_names_LDADD = $(unit_test_libs)
tests_unit_test_idalloc_CFLAGS = $(unit_test_cflags)
tests_unit_test_idalloc_LDADD = $(unit_test_libs)

# Fuzzing. replay_names runs the committed corpus through the harness in every
# build (gcc, ASan, valgrind); --enable-fuzzing (CC=clang) also builds the
# libFuzzer binary, with the name code compiled in so it is instrumented, and
# gives it a short smoke run:
#   tests/fuzz/fuzz_names CORPUS_DIR $(srcdir)/tests/fuzz/corpus/names
check_PROGRAMS += tests/fuzz/replay_names
TESTS += tests/fuzz/replay_names
tests_fuzz_replay_names_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_names.c
tests_fuzz_replay_names_CPPFLAGS = $(AM_CPPFLAGS) -DFEDJIT_FUZZ_CORPUS='"tests/fuzz/corpus/names"'
tests_fuzz_replay_names_LDADD = $(common_libs)
EXTRA_DIST += tests/fuzz/corpus/names tests/fuzz/smoke-names.sh
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_names
TESTS += tests/fuzz/smoke-names.sh
endif
tests_fuzz_fuzz_names_SOURCES = tests/fuzz/fuzz_names.c common/names.c common/idalloc.c
tests_fuzz_fuzz_names_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_names_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

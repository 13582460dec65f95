# common/names: name rules and id allocation (appends to common_libfedjit_common_la_SOURCES, check_PROGRAMS, TESTS)
common_libfedjit_common_la_SOURCES += common/names.h common/names.c common/idalloc.h common/idalloc.c

check_PROGRAMS += tests/unit/test_names tests/unit/test_idalloc
TESTS += tests/unit/test_names tests/unit/test_idalloc
tests_unit_test_names_CFLAGS = $(unit_test_cflags)
tests_unit_test_names_LDADD = $(unit_test_libs)
tests_unit_test_idalloc_CFLAGS = $(unit_test_cflags)
tests_unit_test_idalloc_LDADD = $(unit_test_libs)

# libFuzzer harness (clang, --enable-fuzzing). The name code is compiled into the
# harness itself so it carries the fuzzer's coverage instrumentation.
EXTRA_DIST += tests/fuzz/corpus/names
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_names
endif
tests_fuzz_fuzz_names_SOURCES = tests/fuzz/fuzz_names.c common/names.c common/idalloc.c
tests_fuzz_fuzz_names_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_names_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

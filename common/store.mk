# common/store: the tdb store (account store and secret store), the record
# codec, the key builders, and their tests.
common_libfedjit_common_la_SOURCES += \
	common/record.h common/record-codec.h common/record.c common/record-small.c common/key.c \
	common/store.h common/store-private.h common/store.c \
	common/store-read.c common/store-rows.c common/store-write.c common/store-delete.c common/store-check.c common/store-repair.c \
	common/store-snap.c \
	common/secret.c

check_PROGRAMS += tests/unit/test_record tests/unit/test_store tests/unit/test_store_concurrency \
	tests/unit/test_store_check
TESTS += tests/unit/test_record tests/unit/test_store tests/unit/test_store_concurrency \
	tests/unit/test_store_check
tests_unit_test_record_CFLAGS = $(unit_test_cflags)
tests_unit_test_record_LDADD = $(unit_test_libs)
tests_unit_test_store_CFLAGS = $(unit_test_cflags)
tests_unit_test_store_LDADD = $(unit_test_libs)
tests_unit_test_store_SOURCES = tests/unit/test_store.c tests/unit/store_fixture.h
tests_unit_test_store_concurrency_SOURCES = tests/unit/test_store_concurrency.c \
	tests/unit/store_fixture.h
tests_unit_test_store_concurrency_CFLAGS = $(unit_test_cflags)
tests_unit_test_store_concurrency_LDADD = $(unit_test_libs)
tests_unit_test_store_check_SOURCES = tests/unit/test_store_check.c tests/unit/store_fixture.h
tests_unit_test_store_check_CFLAGS = $(unit_test_cflags)
tests_unit_test_store_check_LDADD = $(unit_test_libs)

# Fuzzing. replay_record runs the committed corpus through the harness in every
# build (gcc, ASan, valgrind); --enable-fuzzing (CC=clang) also builds the
# libFuzzer binary, with the codec compiled in so it is instrumented, and
# gives it a short smoke run:
#   tests/fuzz/fuzz_record CORPUS_DIR $(srcdir)/tests/fuzz/corpus/record
check_PROGRAMS += tests/fuzz/replay_record
TESTS += tests/fuzz/replay_record
tests_fuzz_replay_record_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_record.c
tests_fuzz_replay_record_CPPFLAGS = $(AM_CPPFLAGS) -DFEDJIT_FUZZ_CORPUS='"tests/fuzz/corpus/record"'
tests_fuzz_replay_record_LDADD = $(common_libs)
EXTRA_DIST += tests/fuzz/corpus/record tests/fuzz/smoke-record.sh
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_record
TESTS += tests/fuzz/smoke-record.sh
endif
tests_fuzz_fuzz_record_SOURCES = tests/fuzz/fuzz_record.c common/record.c common/record-small.c \
	common/key.c
tests_fuzz_fuzz_record_CFLAGS = $(AM_CFLAGS) $(TDB_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_record_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

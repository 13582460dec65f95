# common/config: configuration loading and validation (man/fedjit.conf.5 is its contract).
# config_sources: for parts that compile the config code in directly (the PAM
# module, the fuzzer); they also need $(INIH_CFLAGS) and $(INIH_STATIC).
config_sources = common/config.c common/config_read.c common/config_keys.c \
	common/config_values.c common/config_regex.c common/config_validate.c \
	common/config_write.c \
	common/config_internal.h
common_libfedjit_common_la_SOURCES += $(config_sources)

check_PROGRAMS += tests/unit/test_config tests/unit/test_config_errors
TESTS += tests/unit/test_config tests/unit/test_config_errors
tests_unit_test_config_SOURCES = tests/unit/test_config.c tests/unit/config_fixture.h
tests_unit_test_config_CFLAGS = $(unit_test_cflags)
tests_unit_test_config_LDADD = $(unit_test_libs)
tests_unit_test_config_errors_SOURCES = tests/unit/test_config_errors.c tests/unit/config_fixture.h
tests_unit_test_config_errors_CFLAGS = $(unit_test_cflags)
tests_unit_test_config_errors_LDADD = $(unit_test_libs)

# Fuzzing. The replay program runs the committed corpus through the harness in
# every build (gcc, ASan, valgrind); --enable-fuzzing (CC=clang) also builds the
# libFuzzer binary, with the config sources compiled in so they are instrumented:
#   tests/fuzz/fuzz_config -dict=$(srcdir)/tests/fuzz/config.dict CORPUS_DIR
check_PROGRAMS += tests/fuzz/replay_config
TESTS += tests/fuzz/replay_config
tests_fuzz_replay_config_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_config.c
tests_fuzz_replay_config_CPPFLAGS = $(AM_CPPFLAGS) -DFEDJIT_FUZZ_CORPUS='"tests/fuzz/corpus/config"'
tests_fuzz_replay_config_LDADD = $(common_libs)
EXTRA_DIST += tests/fuzz/corpus/config tests/fuzz/config.dict tests/fuzz/smoke.sh \
	tests/fuzz/smoke-config.sh

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c $(config_sources)
tests_fuzz_fuzz_config_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_LDADD = $(INIH_STATIC)
TESTS += tests/fuzz/smoke-config.sh
endif

# The man page is the contract of the key list: keep them in step.
TESTS += tests/unit/config-man.sh
EXTRA_DIST += tests/unit/config-man.sh

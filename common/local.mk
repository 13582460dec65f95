# common/: the shared core, one convenience library linked into every part: the
# configuration, name rules and id allocation, the account plan, and the store (record
# codec, key builders, reads, the one write API). Owns every on-disk format
# (ARCHITECTURE.md).
noinst_LTLIBRARIES += common/libfedjit_common.la
common_libfedjit_common_la_SOURCES = common/config.h common/macro.h
common_libfedjit_common_la_CFLAGS = $(AM_CFLAGS) $(TDB_CFLAGS) $(INIH_CFLAGS) -fvisibility=hidden
common_libfedjit_common_la_LIBADD = $(TDB_LIBS)
# libinih is linked statically (INIH_STATIC) so NSS loads only libc and libtdb.
# libtool will not put a non-libtool archive into a convenience library ("not
# portable", dropped), so everything that links the common library links
# libinih.a after it: use $(common_libs) in LDADD/LIBADD.
common_libs = common/libfedjit_common.la $(INIH_STATIC) $(TDB_LIBS)

# cmocka unit tests link the common library statically through this.
unit_test_cflags = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(TDB_CFLAGS)
unit_test_libs = $(common_libs) $(CMOCKA_LIBS)

# Configuration: loading and validation (man/fedjit.conf.5 is its contract).
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
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c $(config_sources) common/names.c \
	common/names_reserved.c \
	common/idalloc.c common/escape.c
tests_fuzz_fuzz_config_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_LDADD = $(INIH_STATIC)
TESTS += tests/fuzz/smoke-config.sh
endif

# The man page is the contract of the key list: keep them in step.
TESTS += tests/unit/config-man.sh
EXTRA_DIST += tests/unit/config-man.sh

# Names: name rules and id allocation.
common_libfedjit_common_la_SOURCES += common/names.h common/names.c common/names_private.h \
	common/names_reserved.c common/idalloc.h common/idalloc.c
# The one escaping of attacker-influenced text (logs, audit records, prompts, output).
common_libfedjit_common_la_SOURCES += common/escape.h common/escape.c
check_PROGRAMS += tests/unit/test_escape
TESTS += tests/unit/test_escape
tests_unit_test_escape_CFLAGS = $(unit_test_cflags)
tests_unit_test_escape_LDADD = $(unit_test_libs)

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
tests_fuzz_fuzz_names_SOURCES = tests/fuzz/fuzz_names.c common/names.c common/names_reserved.c \
	common/idalloc.c \
	common/escape.c
tests_fuzz_fuzz_names_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_names_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

# The store: the tdb store (account store, its private store and the secret
# store), the record codec, the key builders, and their tests.
common_libfedjit_common_la_SOURCES += \
	common/record.h common/record_codec.h common/record.c common/record_group.c \
	common/record_small.c common/key.c \
	common/account_state.h common/record_state.c common/store_state.c common/store_state_move.c \
	common/store.h common/store_private.h common/commit_grace.h common/store.c \
	common/store_tx.c common/store_upgrade.c common/store_replace.c \
	common/store_read.c common/store_rows.c common/store_write.c common/store_delete.c common/store_check.c common/store_repair.c \
	common/store_snap.c common/store_lookup.c common/store_lock.c common/snapshot.h \
	common/secret.c

check_PROGRAMS += tests/unit/test_record tests/unit/test_store tests/unit/test_store_concurrency \
	tests/unit/test_store_check tests/unit/test_account_state tests/unit/test_store_private
TESTS += tests/unit/test_record tests/unit/test_store tests/unit/test_store_concurrency \
	tests/unit/test_store_check tests/unit/test_account_state tests/unit/test_store_private
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
tests_unit_test_account_state_SOURCES = tests/unit/test_account_state.c tests/unit/store_fixture.h
tests_unit_test_account_state_CFLAGS = $(unit_test_cflags)
tests_unit_test_account_state_LDADD = $(unit_test_libs)
tests_unit_test_store_private_SOURCES = tests/unit/test_store_private.c tests/unit/store_fixture.h
tests_unit_test_store_private_CFLAGS = $(unit_test_cflags)
tests_unit_test_store_private_LDADD = $(unit_test_libs)

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
tests_fuzz_fuzz_record_SOURCES = tests/fuzz/fuzz_record.c common/record.c common/record_group.c \
	common/record_small.c common/record_state.c common/key.c
tests_fuzz_fuzz_record_CFLAGS = $(AM_CFLAGS) $(TDB_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_record_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

# The account plan: the passwd entry of a new account, shared by the NSS
# pre-auth entry and provisioning (ARCHITECTURE.md, the sshd pre-auth entry).
common_libfedjit_common_la_SOURCES += common/account_plan.h common/account_plan.c \
	common/files.c

check_PROGRAMS += tests/unit/test_account_plan
TESTS += tests/unit/test_account_plan
tests_unit_test_account_plan_CFLAGS = $(unit_test_cflags)
tests_unit_test_account_plan_LDADD = $(unit_test_libs)

# Account events: the audit trail of account changes (libaudit) and ending an
# account's sessions, shared by provisioning, the helper and the admin tool. A
# library of its own, not part of the one above: the NSS module links that one
# and loads libc and libtdb only (ARCHITECTURE.md invariant 1 and the linkage
# tests), and the PAM module never signals or audits.
noinst_LTLIBRARIES += common/libfedjit_events.la
common_libfedjit_events_la_SOURCES = common/audit.h common/audit.c \
	common/sessions.h common/sessions.c common/sessions_live.c
common_libfedjit_events_la_CFLAGS = $(AM_CFLAGS) $(AUDIT_CFLAGS)
common_libfedjit_events_la_LIBADD = $(AUDIT_LIBS)
events_libs = common/libfedjit_events.la $(AUDIT_LIBS)

# Tests: the records and lines of every account event (read back through the test
# audit sink, tests/unit/audit_sink.c, linked in), and the sink as a preload
# library for the script tests (tests/.libs/audit_sink.so).
check_PROGRAMS += tests/unit/test_audit
TESTS += tests/unit/test_audit
tests_unit_test_audit_SOURCES = tests/unit/test_audit.c tests/unit/audit_sink.c
tests_unit_test_audit_CFLAGS = $(unit_test_cflags) $(AUDIT_CFLAGS)
tests_unit_test_audit_LDADD = $(events_libs) $(unit_test_libs) -ldl
check_LTLIBRARIES += tests/unit/audit_sink.la
tests_unit_audit_sink_la_SOURCES = tests/unit/audit_sink.c
tests_unit_audit_sink_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_unit_audit_sink_la_LIBADD = -ldl
check_PROGRAMS += tests/unit/audit_probe
tests_unit_audit_probe_CFLAGS = $(AM_CFLAGS) $(AUDIT_CFLAGS)
tests_unit_audit_probe_LDADD = $(AUDIT_LIBS)

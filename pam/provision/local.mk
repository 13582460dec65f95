# pam/provision: just-in-time provisioning in fedjit-helper's root parent
# (pam/provision/provision.h), its tests and its benchmark. Writes the store through
# common/store.h only.
noinst_LTLIBRARIES += pam/provision/libfedjit_provision.la
pam_provision_libfedjit_provision_la_SOURCES = \
	pam/provision/provision.h pam/provision/provision_private.h \
	pam/provision/provision.c pam/provision/provision_new.c pam/provision/provision_worker.c \
	pam/provision/provision_precheck.c pam/provision/provision_chauthtok.c \
	pam/provision/provision_lookup.c pam/provision/provision_memo.c \
	pam/provision/provision_groups.c pam/provision/provision_prompt.c \
	pam/provision/provision_finish.c pam/provision/provision_audit.c \
	pam/provision/provision_proto.c pam/provision/provision_dry.c \
	pam/provision/access.h pam/provision/access.c pam/provision/provision_state.c
pam_provision_libfedjit_provision_la_CPPFLAGS = $(AM_CPPFLAGS) $(TDB_CFLAGS) $(LIBCRYPT_CFLAGS)
pam_provision_libfedjit_provision_la_LIBADD = $(LIBCRYPT_LIBS)
# Link it before $(events_libs) and $(common_libs), with $(proto_libs) (once per program:
# the helper has it through its own library already).
provision_libs = pam/provision/libfedjit_provision.la $(events_libs) $(common_libs)

# Unit tests: provisioning against a temporary store, from verified-claims fixtures.
provision_test_cflags = $(unit_test_cflags) $(LIBCRYPT_CFLAGS)
provision_tests = tests/unit/test_provision tests/unit/test_provision_prompt \
	tests/unit/test_provision_stress tests/unit/test_provision_authz \
	tests/unit/test_provision_state
check_PROGRAMS += $(provision_tests)
TESTS += $(provision_tests)
tests_unit_test_provision_SOURCES = tests/unit/test_provision.c \
	tests/unit/provision_fixture.c tests/unit/provision_fixture.h
tests_unit_test_provision_CFLAGS = $(provision_test_cflags)
tests_unit_test_provision_LDADD = $(provision_libs) $(proto_libs) $(CMOCKA_LIBS)
tests_unit_test_provision_prompt_SOURCES = tests/unit/test_provision_prompt.c \
	tests/unit/provision_fixture.c tests/unit/provision_fixture.h
tests_unit_test_provision_prompt_CFLAGS = $(provision_test_cflags)
tests_unit_test_provision_prompt_LDADD = $(provision_libs) $(proto_libs) $(CMOCKA_LIBS)
tests_unit_test_provision_authz_SOURCES = tests/unit/test_provision_authz.c \
	tests/unit/provision_fixture.c tests/unit/provision_fixture.h tests/unit/syslog_capture.h
tests_unit_test_provision_authz_CFLAGS = $(provision_test_cflags)
tests_unit_test_provision_authz_LDADD = $(provision_libs) $(proto_libs) $(CMOCKA_LIBS)
tests_unit_test_provision_stress_SOURCES = tests/unit/test_provision_stress.c \
	tests/unit/provision_fixture.c tests/unit/provision_fixture.h
tests_unit_test_provision_stress_CFLAGS = $(provision_test_cflags)
tests_unit_test_provision_stress_LDADD = $(provision_libs) $(proto_libs) $(CMOCKA_LIBS)
tests_unit_test_provision_state_SOURCES = tests/unit/test_provision_state.c \
	tests/unit/provision_fixture.c tests/unit/provision_fixture.h
tests_unit_test_provision_state_CFLAGS = $(provision_test_cflags)
tests_unit_test_provision_state_LDADD = $(provision_libs) $(proto_libs) $(CMOCKA_LIBS)

# Benchmark (built by make check so that it keeps compiling; run by make bench).
check_PROGRAMS += tests/bench/provision_bench
tests_bench_provision_bench_SOURCES = tests/bench/provision_bench.c
tests_bench_provision_bench_CFLAGS = $(AM_CFLAGS) $(TDB_CFLAGS)
tests_bench_provision_bench_LDADD = $(provision_libs)
EXTRA_DIST += tests/bench/provision_bench.sh
bench: bench-provision
bench-provision: tests/bench/provision_bench
	top_builddir=$(abs_top_builddir) $(SHELL) $(top_srcdir)/tests/bench/provision_bench.sh
.PHONY: bench-provision

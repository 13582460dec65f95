# nss: libnss_fedjit.so.2, its tests and its benchmark.
#
# libtool builds nss/libnss_fedjit.la as an unversioned module; glibc loads
# "libnss_<service>.so.2", so install-data-hook renames the installed .so and
# drops the .la. Only _nss_fedjit_* leaves the module (-export-symbols-regex
# makes libtool link with a version script that has "local: *;").
# Links: libc, libtdb; common/ is compiled in (libinih statically).
nss_sources = nss/nss_fedjit.h nss/util.c nss/pack.c nss/db.c nss/lookup.c nss/entry.c \
	nss/enum.c nss/shadow.c nss/preauth.c
nss_ldflags = -module -avoid-version -shared -no-undefined -Wl,-z,defs \
	-export-symbols-regex '^_nss_fedjit_' -Wl,-z,nodelete

nsslib_LTLIBRARIES += nss/libnss_fedjit.la
nss_libnss_fedjit_la_SOURCES = $(nss_sources)
nss_libnss_fedjit_la_CFLAGS = $(AM_CFLAGS) $(TDB_CFLAGS) -fvisibility=hidden
nss_libnss_fedjit_la_LDFLAGS = $(AM_LDFLAGS) $(nss_ldflags)
nss_libnss_fedjit_la_LIBADD = $(common_libs)

# The test build of the same sources: also reads its paths from FEDJIT_NSS_*
# environment variables (util.c), so tests point it at temporary files. Never
# installed; nss/.libs/libnss_fedjittest.so.
check_LTLIBRARIES += nss/libnss_fedjittest.la
nss_libnss_fedjittest_la_SOURCES = $(nss_sources)
nss_libnss_fedjittest_la_CFLAGS = $(AM_CFLAGS) $(TDB_CFLAGS) -fvisibility=hidden -DFEDJIT_NSS_TEST
nss_libnss_fedjittest_la_LDFLAGS = $(AM_LDFLAGS) $(nss_ldflags) -rpath /nowhere
nss_libnss_fedjittest_la_LIBADD = $(common_libs)

# nsslibdir is not an exec dir for automake, so the module installs in install-data.
install-data-hook: install-data-hook-nss
install-data-hook-nss:
	cd $(DESTDIR)$(nsslibdir) && \
		mv -f libnss_fedjit.so libnss_fedjit.so.2 && rm -f libnss_fedjit.la
uninstall-hook: uninstall-hook-nss
uninstall-hook-nss:
	rm -f $(DESTDIR)$(nsslibdir)/libnss_fedjit.so.2
.PHONY: install-data-hook-nss uninstall-hook-nss

# ---- tests ----
nss_test_cflags = $(unit_test_cflags)
nss_test_libs = $(unit_test_libs) -ldl -lpthread

check_PROGRAMS += tests/nss/test_nss_dlopen tests/nss/test_nss_store tests/nss/test_nss_torn \
	tests/nss/nss_fixture \
	tests/nss/nss_getent
TESTS += tests/nss/test_nss_dlopen tests/nss/test_nss_store tests/nss/test_nss_torn \
	tests/nss/glibc.sh \
	tests/nss/preauth.sh tests/nss/linkage.sh
dist_check_SCRIPTS += tests/nss/glibc.sh tests/nss/preauth.sh tests/nss/linkage.sh \
	tests/nss/lib.sh
tests_nss_test_nss_dlopen_SOURCES = tests/nss/test_nss_dlopen.c tests/nss/harness.c \
	tests/nss/harness.h tests/nss/fixture.c tests/nss/fixture.h
tests_nss_test_nss_dlopen_CFLAGS = $(nss_test_cflags)
tests_nss_test_nss_dlopen_LDADD = $(nss_test_libs)
tests_nss_test_nss_store_SOURCES = tests/nss/test_nss_store.c tests/nss/harness.c \
	tests/nss/harness.h tests/nss/fixture.c tests/nss/fixture.h
tests_nss_test_nss_store_CFLAGS = $(nss_test_cflags)
tests_nss_test_nss_store_LDADD = $(nss_test_libs)
tests_nss_test_nss_torn_SOURCES = tests/nss/test_nss_torn.c tests/nss/fixture.c tests/nss/fixture.h
tests_nss_test_nss_torn_CFLAGS = $(nss_test_cflags)
tests_nss_test_nss_torn_LDADD = $(nss_test_libs)
# builds a fixture store for the shell tests: nss_fixture DB SECRET N_BULK
tests_nss_nss_fixture_SOURCES = tests/nss/nss_fixture.c tests/nss/fixture.c tests/nss/fixture.h
tests_nss_nss_fixture_CFLAGS = $(nss_test_cflags)
tests_nss_nss_fixture_LDADD = $(unit_test_libs)
# a getpwnam/getpwuid through glibc; plays sshd in preauth.sh
tests_nss_nss_getent_SOURCES = tests/nss/nss_getent.c

# ---- benchmark (built by make check so that it keeps compiling; run by make bench) ----
check_PROGRAMS += tests/bench/nss_bench
tests_bench_nss_bench_SOURCES = tests/bench/nss_bench.c tests/bench/nss_bench_data.c \
	tests/bench/nss_bench.h
tests_bench_nss_bench_CFLAGS = $(AM_CFLAGS) $(TDB_CFLAGS)
tests_bench_nss_bench_LDADD = $(common_libs) -ldl
EXTRA_DIST += tests/bench/nss_bench.sh
BENCH_SIZES ?= 1000 100000 1000000
bench: bench-nss
bench-nss: tests/bench/nss_bench nss/libnss_fedjit.la nss/libnss_fedjittest.la
	top_builddir=$(abs_top_builddir) $(SHELL) $(top_srcdir)/tests/bench/nss_bench.sh $(BENCH_SIZES)
.PHONY: bench bench-nss

# pam: pam_fedjit.so, the PAM module (runs inside sshd, login, su, sudo), and its tests.
# The helper it runs and the libraries behind it have their own directories and
# fragments: pam/proto (the protocol), pam/idp, pam/provision, pam/helper.

# pam_fedjit.so: libpam, libqrencode, libc and the config and name code only.
# The common code comes from the convenience library's static archive, as a
# plain archive: the linker takes only the members the module needs (config,
# names), not the store, so the module does not even link libtdb (it never
# opens the store: ARCHITECTURE.md). libtool would put the whole .la in, store and
# all. tests/pam/module-linkage.sh checks the result.
pamlib_LTLIBRARIES += pam/pam_fedjit.la
pam_pam_fedjit_la_SOURCES = pam/pam_fedjit.c pam/args.c pam/args.h pam/conv.c pam/conv.h \
	pam/exchange.c pam/exchange.h pam/qr.c pam/qr.h
pam_pam_fedjit_la_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS) $(QRENCODE_CFLAGS) -fvisibility=hidden
pam_pam_fedjit_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-export-symbols-regex '^pam_sm_'
pam_pam_fedjit_la_LIBADD = $(proto_libs) common/.libs/libfedjit_common.a \
	$(INIH_STATIC) $(PAM_LIBS) $(QRENCODE_LIBS)
# libtool makes the archive together with the .la.
common/.libs/libfedjit_common.a: common/libfedjit_common.la
	@:

check_PROGRAMS += tests/unit/test_pam_args tests/unit/test_qr
TESTS += tests/unit/test_pam_args tests/unit/test_qr
tests_unit_test_pam_args_SOURCES = tests/unit/test_pam_args.c pam/args.c
tests_unit_test_pam_args_CFLAGS = $(unit_test_cflags)
tests_unit_test_pam_args_LDADD = $(CMOCKA_LIBS)
tests_unit_test_qr_SOURCES = tests/unit/test_qr.c pam/qr.c
tests_unit_test_qr_CFLAGS = $(unit_test_cflags) $(QRENCODE_CFLAGS)
tests_unit_test_qr_LDADD = $(CMOCKA_LIBS) $(QRENCODE_LIBS)

# PAM-level tests: the module through libpam with a fake helper.
check_PROGRAMS += tests/pam/fake_helper tests/pam/test_pam_fedjit tests/pam/test_pam_robust
TESTS += tests/pam/test_pam_fedjit tests/pam/test_pam_robust tests/pam/module-linkage.sh
tests_pam_fake_helper_LDADD = $(proto_libs)
tests_pam_test_pam_fedjit_SOURCES = tests/pam/test_pam_fedjit.c tests/pam/harness.c \
	tests/pam/harness.h tests/unit/syslog_capture.h
tests_pam_test_pam_fedjit_CFLAGS = $(unit_test_cflags) $(PAM_CFLAGS)
tests_pam_test_pam_fedjit_LDADD = $(CMOCKA_LIBS) $(PAM_LIBS)
tests_pam_test_pam_robust_SOURCES = tests/pam/test_pam_robust.c tests/pam/harness.c \
	tests/pam/harness.h
tests_pam_test_pam_robust_CFLAGS = $(unit_test_cflags) $(PAM_CFLAGS)
tests_pam_test_pam_robust_LDADD = $(CMOCKA_LIBS) $(PAM_LIBS)
EXTRA_DIST += tests/pam/module-linkage.sh

# The QR code, drawn as a terminal shows it, scanned back with zbarimg.
check_PROGRAMS += tests/pam/qr_pbm
TESTS += tests/pam/qr-decode.sh
tests_pam_qr_pbm_SOURCES = tests/pam/qr_pbm.c pam/qr.c
tests_pam_qr_pbm_CFLAGS = $(AM_CFLAGS) $(QRENCODE_CFLAGS)
tests_pam_qr_pbm_LDADD = $(QRENCODE_LIBS)
EXTRA_DIST += tests/pam/qr-decode.sh

# End to end: the module, the real fedjit-helper and the test IdP, through a
# small PAM application that approves at the Enter prompt as a person would.
check_PROGRAMS += tests/pam/pam_driver
tests_pam_pam_driver_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS)
# libcrypt is linked although the driver calls nothing in it: under ASan, whose crypt()
# interceptor resolves the real function at start-up, a pam_unix.so that brings
# libcrypt in only later would call a null pointer (helper-chauthtok.sh runs pam_unix).
tests_pam_pam_driver_LDFLAGS = $(AM_LDFLAGS) -Wl,--no-as-needed
tests_pam_pam_driver_LDADD = $(PAM_LIBS) $(LIBCRYPT_LIBS)
TESTS += tests/pam/pam-idp.sh
EXTRA_DIST += tests/pam/pam-idp.sh

# Benchmark of one login end to end (root, node): make bench-pam
EXTRA_DIST += tests/bench/pam_login_bench.sh
bench-pam: pam/pam_fedjit.la pam/helper/fedjit-helper tests/pam/pam_driver tests/helper/mkaccount
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
		$(SHELL) $(top_srcdir)/tests/bench/pam_login_bench.sh
.PHONY: bench-pam

# A PAM module needs no libtool archive beside it.
install-data-hook: install-data-hook-pam
install-data-hook-pam:
	rm -f $(DESTDIR)$(pamlibdir)/pam_fedjit.la
# Without the .la, libtool's uninstall cannot find the .so.
uninstall-hook: uninstall-hook-pam
uninstall-hook-pam:
	rm -f $(DESTDIR)$(pamlibdir)/pam_fedjit.so
.PHONY: install-data-hook-pam uninstall-hook-pam

# pam/helper: fedjit-helper, the program pam_fedjit.so runs for every login
# ($(libexecdir)/fedjit/fedjit-helper). All IdP traffic happens here, in an unprivileged
# network child (pam/helper/helper.h). Links libcurl directly for the transport (see
# pam/helper/http.h for why not liboauth2's HTTP call) and the IdP validation library.

# The helper's building blocks, also linked by their unit tests.
noinst_LTLIBRARIES += pam/libfedjit_helper.la
pam_libfedjit_helper_la_SOURCES = \
	pam/helper/http.h pam/helper/http.c \
	pam/helper/client_auth.h pam/helper/client_auth.c \
	pam/helper/cache.h pam/helper/cache.c \
	pam/helper/ipc.h pam/helper/ipc.c \
	pam/helper/privdrop.h pam/helper/privdrop.c
pam_libfedjit_helper_la_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags) $(CURL_CFLAGS)
pam_libfedjit_helper_la_LIBADD = pam/libfedjit_proto.la pam/libfedjit_idp.la $(CURL_LIBS) \
	$(OPENSSL_LIBS) $(JANSSON_LIBS)
helper_libs = pam/libfedjit_helper.la $(idp_libs) $(CURL_LIBS) $(INIH_STATIC)

helper_unit_tests = tests/unit/test_helper_http tests/unit/test_helper_cache \
	tests/unit/test_helper_client_auth tests/unit/test_helper_ipc \
	tests/unit/test_helper_privdrop
check_PROGRAMS += $(helper_unit_tests)
TESTS += $(helper_unit_tests)
tests_unit_test_helper_http_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags) $(CURL_CFLAGS)
tests_unit_test_helper_http_CFLAGS = $(unit_test_cflags)
tests_unit_test_helper_http_LDADD = $(helper_libs) $(unit_test_libs)
tests_unit_test_helper_cache_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags)
tests_unit_test_helper_cache_CFLAGS = $(unit_test_cflags)
tests_unit_test_helper_cache_LDADD = $(helper_libs) $(unit_test_libs)
tests_unit_test_helper_client_auth_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags)
tests_unit_test_helper_client_auth_CFLAGS = $(unit_test_cflags)
tests_unit_test_helper_client_auth_LDADD = $(helper_libs) $(unit_test_libs)
tests_unit_test_helper_ipc_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags)
tests_unit_test_helper_ipc_CFLAGS = $(unit_test_cflags)
tests_unit_test_helper_ipc_LDADD = $(helper_libs) $(unit_test_libs)
tests_unit_test_helper_privdrop_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags)
tests_unit_test_helper_privdrop_CFLAGS = $(unit_test_cflags)
tests_unit_test_helper_privdrop_LDADD = $(helper_libs) $(unit_test_libs)

fedjithelper_PROGRAMS += pam/fedjit-helper
pam_fedjit_helper_SOURCES = \
	pam/helper/helper.h pam/helper/main.c pam/helper/login.c pam/helper/binding.c \
	pam/helper/account.c pam/helper/idp_test.c \
	pam/helper/device_flow.h pam/helper/device_flow.c
pam_fedjit_helper_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags) $(CURL_CFLAGS) $(TDB_CFLAGS)
# provisioning (pam/provision.mk) before the common code it uses
pam_fedjit_helper_LDADD = pam/libfedjit_provision.la $(helper_libs) $(common_libs)

# The test client speaking the module's side of pam/proto.h (tests/helper/*.sh).
check_PROGRAMS += tests/helper/helper_client
tests_helper_helper_client_SOURCES = tests/helper/helper_client.c
tests_helper_helper_client_LDADD = pam/libfedjit_proto.la
check_PROGRAMS += tests/helper/mkaccount
tests_helper_mkaccount_SOURCES = tests/helper/mkaccount.c
tests_helper_mkaccount_CPPFLAGS = $(AM_CPPFLAGS) $(TDB_CFLAGS)
tests_helper_mkaccount_LDADD = $(common_libs)

# Against the real test IdP (tests/idp) and the misbehaving one; need root (skip otherwise).
helper_script_tests = tests/helper/helper-idp.sh tests/helper/helper-bad-idp.sh \
	tests/helper/helper-tls.sh tests/helper/helper-idp-test.sh
TESTS += $(helper_script_tests)
EXTRA_DIST += $(helper_script_tests) tests/helper/lib.sh

# make bench (not make check): one login at a time against the test IdP, see the script.
EXTRA_DIST += tests/helper/bench.sh
bench: bench-helper
bench-helper: pam/fedjit-helper tests/helper/helper_client tests/helper/mkaccount
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) $(SHELL) $(top_srcdir)/tests/helper/bench.sh
.PHONY: bench-helper

# pam/helper: fedjit-helper, the program pam_fedjit.so (and the fedjit admin tool) runs
# for every login ($(libexecdir)/fedjit/fedjit-helper): the root parent (request, IdP
# choice, binding, provisioning through pam/provision) and the unprivileged network child
# that does all IdP traffic (ARCHITECTURE.md). Links libcurl directly for the transport
# (http.h says why not liboauth2) and the IdP library (pam/idp).

# The helper's transport and process building blocks, also linked by their unit tests.
noinst_LTLIBRARIES += pam/helper/libfedjit_helper.la
pam_helper_libfedjit_helper_la_SOURCES = \
	pam/helper/http.h pam/helper/http.c \
	pam/helper/client_auth.h pam/helper/client_auth.c \
	pam/helper/cache.h pam/helper/cache.c \
	pam/helper/ipc.h pam/helper/ipc.c \
	pam/helper/privdrop.h pam/helper/privdrop.c \
	pam/helper/ratelimit.h pam/helper/ratelimit.c
pam_helper_libfedjit_helper_la_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags) $(CURL_CFLAGS)
pam_helper_libfedjit_helper_la_LIBADD = $(proto_libs) pam/idp/libfedjit_idp.la $(CURL_LIBS) \
	$(OPENSSL_LIBS) $(JANSSON_LIBS)
helper_libs = pam/helper/libfedjit_helper.la $(idp_libs) $(CURL_LIBS) $(INIH_STATIC)

helper_unit_tests = tests/unit/test_helper_http tests/unit/test_helper_cache \
	tests/unit/test_helper_client_auth tests/unit/test_helper_ipc \
	tests/unit/test_helper_privdrop tests/unit/test_helper_ratelimit
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
tests_unit_test_helper_ratelimit_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags)
tests_unit_test_helper_ratelimit_CFLAGS = $(unit_test_cflags)
tests_unit_test_helper_ratelimit_LDADD = $(helper_libs) $(unit_test_libs)
tests_unit_test_helper_privdrop_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags)
tests_unit_test_helper_privdrop_CFLAGS = $(unit_test_cflags)
tests_unit_test_helper_privdrop_LDADD = $(helper_libs) $(unit_test_libs)

fedjithelper_PROGRAMS += pam/helper/fedjit-helper
pam_helper_fedjit_helper_SOURCES = \
	pam/helper/helper.h pam/helper/main.c pam/helper/login.c pam/helper/binding.c \
	pam/helper/provision_calls.c \
	pam/helper/account.c pam/helper/idp_test.c pam/helper/login_test.c \
	pam/helper/device_flow.h pam/helper/device_flow.c \
	pam/helper/flow_private.h pam/helper/flow_steps.c pam/helper/refresh_flow.c \
	pam/helper/revalidate.c \
	pam/helper/claims.h pam/helper/claims.c
pam_helper_fedjit_helper_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags) $(CURL_CFLAGS) $(TDB_CFLAGS)
# provisioning before the common code it uses
pam_helper_fedjit_helper_LDADD = pam/provision/libfedjit_provision.la $(helper_libs) \
	$(events_libs) $(common_libs)

# msg=claims within the protocol's value limit (pam/helper/claims.h).
check_PROGRAMS += tests/unit/test_claims
TESTS += tests/unit/test_claims
tests_unit_test_claims_SOURCES = tests/unit/test_claims.c pam/helper/claims.c
tests_unit_test_claims_CFLAGS = $(unit_test_cflags) $(JANSSON_CFLAGS)
tests_unit_test_claims_LDADD = $(proto_libs) $(JANSSON_LIBS) $(unit_test_libs)

# The test client speaking the module's side of pam/proto/proto.h (tests/helper/*.sh).
check_PROGRAMS += tests/helper/helper_client
tests_helper_helper_client_SOURCES = tests/helper/helper_client.c
tests_helper_helper_client_LDADD = $(proto_libs)
check_PROGRAMS += tests/helper/mkaccount
tests_helper_mkaccount_SOURCES = tests/helper/mkaccount.c
tests_helper_mkaccount_CPPFLAGS = $(AM_CPPFLAGS) $(TDB_CFLAGS)
tests_helper_mkaccount_LDADD = $(common_libs)
check_PROGRAMS += tests/helper/mkstate
tests_helper_mkstate_SOURCES = tests/helper/mkstate.c
tests_helper_mkstate_CPPFLAGS = $(AM_CPPFLAGS) $(TDB_CFLAGS)
tests_helper_mkstate_LDADD = $(common_libs)

# Against the real test IdP (tests/idp) and the misbehaving one; need root (skip
# otherwise). helper-provision.sh: the provisioning joints without an IdP (precheck,
# op=chauthtok); helper-login-test.sh: op=login-test, the dry-run login of `fedjit
# login-test`; helper-chauthtok.sh: op=chauthtok through the protocol and pam_fedjit.so.
helper_script_tests = tests/helper/helper-idp.sh tests/helper/helper-bad-idp.sh \
	tests/helper/helper-tls.sh tests/helper/helper-idp-test.sh \
	tests/helper/helper-provision.sh tests/helper/helper-login-test.sh \
	tests/helper/helper-chauthtok.sh tests/helper/helper-jwks-rotation.sh \
	tests/helper/helper-glewlwyd.sh tests/helper/helper-authz.sh \
	tests/helper/helper-ratelimit.sh tests/helper/helper-access.sh tests/helper/helper-state-move.sh \
	tests/helper/helper-revalidate.sh tests/helper/helper-glewlwyd-revalidate.sh
TESTS += $(helper_script_tests)
EXTRA_DIST += $(helper_script_tests) tests/helper/lib.sh

# make bench (not make check): one login at a time against the test IdP, see the script.
EXTRA_DIST += tests/helper/bench.sh
bench: bench-helper
bench-helper: pam/helper/fedjit-helper tests/helper/helper_client tests/helper/mkaccount
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) $(SHELL) $(top_srcdir)/tests/helper/bench.sh
.PHONY: bench-helper

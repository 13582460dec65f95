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
helper_libs = pam/libfedjit_helper.la $(idp_libs) $(CURL_LIBS)

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

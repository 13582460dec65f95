# pam/idp: what the helper program needs to talk to an OpenID Connect IdP safely: JOSE
# (JWS/JWKS) with OpenSSL, ID token claim checks, discovery and device-grant response
# parsing. Linked by the helper program and tests only, never by pam_fedjit.so or NSS
# (DESIGN.md invariant 1).
noinst_LTLIBRARIES += pam/libfedjit_idp.la
pam_libfedjit_idp_la_SOURCES = \
	pam/helper/jose.h pam/helper/jose.c \
	pam/helper/jwks.h pam/helper/jwks.c \
	pam/helper/jws.h pam/helper/jws.c \
	pam/helper/idtoken.h pam/helper/idtoken.c \
	pam/helper/discovery.h pam/helper/discovery.c \
	pam/helper/token_response.h pam/helper/token_response.c
pam_libfedjit_idp_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
pam_libfedjit_idp_la_LIBADD = $(OPENSSL_LIBS) $(JANSSON_LIBS)

# For programs that link it: `foo_LDADD = $(idp_libs)`, `foo_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags)`.
idp_cppflags = -I$(top_srcdir)/pam/helper $(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
idp_libs = pam/libfedjit_idp.la common/libfedjit_common.la $(OPENSSL_LIBS) $(JANSSON_LIBS)

# Unit tests: keys are generated at test time (tests/unit/idp_testutil.c).
idp_test_cflags = $(unit_test_cflags) $(idp_cppflags)
idp_test_libs = $(idp_libs) $(unit_test_libs)
idp_test_sources = tests/unit/idp_testutil.h tests/unit/idp_testutil.c
check_PROGRAMS += tests/unit/test_jose
TESTS += tests/unit/test_jose
tests_unit_test_jose_SOURCES = tests/unit/test_jose.c $(idp_test_sources)
tests_unit_test_jose_CFLAGS = $(idp_test_cflags)
tests_unit_test_jose_LDADD = $(idp_test_libs)
check_PROGRAMS += tests/unit/test_idtoken
TESTS += tests/unit/test_idtoken
tests_unit_test_idtoken_SOURCES = tests/unit/test_idtoken.c $(idp_test_sources)
tests_unit_test_idtoken_CFLAGS = $(idp_test_cflags)
tests_unit_test_idtoken_LDADD = $(idp_test_libs)
check_PROGRAMS += tests/unit/test_idp_responses
TESTS += tests/unit/test_idp_responses
tests_unit_test_idp_responses_SOURCES = tests/unit/test_idp_responses.c
tests_unit_test_idp_responses_CFLAGS = $(idp_test_cflags)
tests_unit_test_idp_responses_LDADD = $(idp_test_libs)

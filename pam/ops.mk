# pam/ops: fedjit-helper's op=login-test (`fedjit login-test`, a dry-run login) and the
# dry run of provisioning it uses; their tests against the real test IdP. Also the tests
# of op=chauthtok (implemented with provisioning) through the protocol and pam_fedjit.so.
# Included from pam/local.mk after pam/provision.mk (it appends to both fragments' lists).
pam_libfedjit_provision_la_SOURCES += pam/helper/provision_dry.c
pam_fedjit_helper_SOURCES += pam/helper/login_test.c pam/helper/claims.h pam/helper/claims.c

ops_script_tests = tests/helper/helper-login-test.sh tests/helper/helper-chauthtok.sh
TESTS += $(ops_script_tests)
EXTRA_DIST += $(ops_script_tests)

# msg=claims within the protocol's value limit (pam/helper/claims.h).
check_PROGRAMS += tests/unit/test_claims
TESTS += tests/unit/test_claims
tests_unit_test_claims_SOURCES = tests/unit/test_claims.c pam/helper/claims.c
tests_unit_test_claims_CFLAGS = $(unit_test_cflags) $(JANSSON_CFLAGS)
tests_unit_test_claims_LDADD = pam/libfedjit_proto.la $(JANSSON_LIBS) $(unit_test_libs)

# pam/ops: fedjit-helper's op=login-test (`fedjit login-test`, a dry-run login) and the
# dry run of provisioning it uses; their tests against the real test IdP. Also the tests
# of op=chauthtok (implemented with provisioning) through the protocol and pam_fedjit.so.
# Included from pam/local.mk after pam/provision.mk (it appends to both fragments' lists).
pam_libfedjit_provision_la_SOURCES += pam/helper/provision_dry.c
pam_fedjit_helper_SOURCES += pam/helper/login_test.c pam/helper/claims.h pam/helper/claims.c

ops_script_tests = tests/helper/helper-login-test.sh tests/helper/helper-chauthtok.sh
TESTS += $(ops_script_tests)
EXTRA_DIST += $(ops_script_tests)

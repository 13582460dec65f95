# common/account_plan: the passwd entry of a new account, shared by the NSS
# pre-auth entry and provisioning (DESIGN.md invariant 5).
common_libfedjit_common_la_SOURCES += common/account_plan.h common/account_plan.c \
	common/files.c

check_PROGRAMS += tests/unit/test_account_plan
TESTS += tests/unit/test_account_plan
tests_unit_test_account_plan_CFLAGS = $(unit_test_cflags)
tests_unit_test_account_plan_LDADD = $(unit_test_libs)

# common/config: configuration loading and validation (man/fedjit.conf.5 is its contract).
common_libfedjit_common_la_SOURCES += common/config.c common/config_keys.c \
	common/config_validate.c common/config_internal.h

check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
tests_unit_test_config_CFLAGS = $(unit_test_cflags)
tests_unit_test_config_LDADD = $(unit_test_libs)

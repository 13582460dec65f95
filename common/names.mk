# common/names: name rules and id allocation (appends to common_libfedjit_common_la_SOURCES, check_PROGRAMS, TESTS)
common_libfedjit_common_la_SOURCES += common/names.h common/names.c common/idalloc.h common/idalloc.c

check_PROGRAMS += tests/unit/test_names tests/unit/test_idalloc
TESTS += tests/unit/test_names tests/unit/test_idalloc
tests_unit_test_names_CFLAGS = $(unit_test_cflags)
tests_unit_test_names_LDADD = $(unit_test_libs)
tests_unit_test_idalloc_CFLAGS = $(unit_test_cflags)
tests_unit_test_idalloc_LDADD = $(unit_test_libs)

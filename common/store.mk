# common/store: sources and tests (appends to common_libfedjit_common_la_SOURCES, check_PROGRAMS, TESTS)

# common/names: name rules and id allocation (appends to common_libfedjit_common_la_SOURCES, check_PROGRAMS, TESTS)
common_libfedjit_common_la_SOURCES += common/names.h common/idalloc.h

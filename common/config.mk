# common/config: configuration loading and validation.
common_libfedjit_common_la_SOURCES += common/config.c

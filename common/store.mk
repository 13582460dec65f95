# common/store: the tdb store, record codec and their tests.
common_libfedjit_common_la_SOURCES += common/record.h common/record.c \
	common/store.h common/store.c

# common/store: the tdb store (account store and secret store), the record
# codec, the key builders, and their tests.
common_libfedjit_common_la_SOURCES += \
	common/record.h common/record.c common/key.c \
	common/store.h common/store-private.h common/store.c \
	common/store-read.c common/store-write.c common/store-check.c \
	common/secret.c

check_PROGRAMS += tests/unit/test_record tests/unit/test_store
TESTS += tests/unit/test_record tests/unit/test_store
tests_unit_test_record_CFLAGS = $(unit_test_cflags)
tests_unit_test_record_LDADD = $(unit_test_libs)
tests_unit_test_store_CFLAGS = $(unit_test_cflags)
tests_unit_test_store_LDADD = $(unit_test_libs)

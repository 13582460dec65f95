# common/: the shared core, one convenience library linked into every part.
# Each piece appends its sources and tests in its own fragment.
noinst_LTLIBRARIES += common/libfedjit_common.la
common_libfedjit_common_la_SOURCES = common/config.h common/macro.h
common_libfedjit_common_la_CFLAGS = $(AM_CFLAGS) $(TDB_CFLAGS) $(INIH_CFLAGS) -fvisibility=hidden
common_libfedjit_common_la_LIBADD = $(TDB_LIBS)
# libinih is linked statically (INIH_STATIC) so NSS loads only libc and libtdb.
# libtool will not put a non-libtool archive into a convenience library ("not
# portable", dropped), so everything that links the common library links
# libinih.a after it: use $(common_libs) in LDADD/LIBADD.
common_libs = common/libfedjit_common.la $(INIH_STATIC) $(TDB_LIBS)

# cmocka unit tests link the common library statically through this.
unit_test_cflags = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(TDB_CFLAGS)
unit_test_libs = $(common_libs) $(CMOCKA_LIBS)

include common/config.mk
include common/names.mk
include common/store.mk
include common/account_plan.mk

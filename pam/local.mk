# pam: the PAM module, the module <-> helper protocol and their tests.
# Other parts' fragments are included at the end (pam/idp.mk: jose, pam/helper.mk: flow).

# The protocol codec, shared by pam_fedjit.so and fedjit-helper; libc only.
noinst_LTLIBRARIES += pam/libfedjit_proto.la
pam_libfedjit_proto_la_SOURCES = pam/proto.c pam/proto.h
pam_libfedjit_proto_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden

check_PROGRAMS += tests/unit/test_proto
TESTS += tests/unit/test_proto
tests_unit_test_proto_CFLAGS = $(unit_test_cflags)
tests_unit_test_proto_LDADD = pam/libfedjit_proto.la $(unit_test_libs)

include pam/idp.mk
include pam/helper.mk

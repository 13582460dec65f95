# cli: the fedjit admin tool ($(sbindir)/fedjit), its example configuration and tests.
sbin_PROGRAMS += cli/fedjit
cli_fedjit_SOURCES = cli/cli.h cli/main.c cli/util.c cli/table.c cli/json_out.c \
	cli/cmd_user.c cli/cmd_user_edit.c cli/cmd_idp.c cli/cmd_db.c cli/db_dump.c cli/db_restore.c \
	cli/dump.h cli/dump_check.c cli/dump_stream.c cli/cmd_config.c cli/cmd_uid.c \
	cli/helper_run.c cli/cmd_login_test.c cli/cmd_revalidate.c
cli_fedjit_CFLAGS = $(AM_CFLAGS) $(TDB_CFLAGS) $(JANSSON_CFLAGS)
cli_fedjit_LDADD = $(proto_libs) $(events_libs) $(common_libs) $(JANSSON_LIBS)

# The example configuration (data/fedjit.conf.example), with the documentation.
exampledir = $(docdir)/examples
dist_example_DATA = data/fedjit.conf.example

# Tests: cli-test.sh drives the installed-layout binary through every
# subcommand (fixtures built with `fedjit db restore`), with golden output.
check_PROGRAMS += tests/cli/fake_helper
tests_cli_fake_helper_LDADD = $(proto_libs)
TESTS += tests/cli/cli-test.sh
EXTRA_DIST += tests/cli/cli-test.sh tests/cli/fixture.json tests/cli/fixture-more.json \
	tests/cli/golden
# Ending sessions on lock, the lock reason and the audit trail (sessions.sh), and
# `fedjit revalidate` against the fake helper (revalidate.sh): in private PID and
# mount namespaces (ns.sh), the audit records read back through tests/unit/audit_sink.c.
TESTS += tests/cli/sessions.sh tests/cli/revalidate.sh
EXTRA_DIST += tests/cli/sessions.sh tests/cli/revalidate.sh tests/cli/ns.sh
check_PROGRAMS += tests/cli/mkstate
tests_cli_mkstate_CFLAGS = $(AM_CFLAGS) $(TDB_CFLAGS)
tests_cli_mkstate_LDADD = $(common_libs)

# make bench-revalidate (also part of make bench, never of make check): the timer's cost
# for 1,000 accounts of which 50 have a live session, against the test IdP.
EXTRA_DIST += tests/bench/revalidate_bench.sh
bench: bench-revalidate
bench-revalidate: cli/fedjit pam/helper/fedjit-helper tests/cli/mkstate tests/cli/fake_helper \
		tests/e2e/syslog_sink tests/unit/audit_probe tests/unit/audit_sink.la
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
		bash $(top_srcdir)/tests/bench/revalidate_bench.sh
.PHONY: bench-revalidate

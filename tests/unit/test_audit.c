/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for common/audit: the record each account event sends (read back
 * through the sendto interposer of tests/unit/audit_sink.c, exactly the bytes
 * libaudit built) and the syslog line (this program's own syslog, below),
 * hostile names and reasons, the groups difference.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libaudit.h>
#include <cmocka.h>

#include "common/audit.h"
#include "common/macro.h"

/* ---- syslog, interposed: the last line and its priority ---- */

static char last_line[8192];
static int last_prio = -1;
static unsigned n_lines;

void syslog(int prio, const char *fmt, ...);
void __syslog_chk(int prio, int flag, const char *fmt, ...);

static void keep(int prio, const char *fmt, va_list ap)
{
	last_prio = prio;
	vsnprintf(last_line, sizeof(last_line), fmt, ap);
	n_lines++;
}

void syslog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	keep(prio, fmt, ap);
	va_end(ap);
}

void __syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	keep(prio, fmt, ap);
	va_end(ap);
}

/* ---- the sink ---- */

static char sink[] = "/tmp/fedjit-audit-test.XXXXXX";
static bool have_audit;

static int setup(void **state)
{
	int fd = mkstemp(sink), afd;

	if (fd < 0)
		return -1;
	close(fd);
	setenv("FEDJIT_TEST_AUDIT_SINK", sink, 1);
	/* no audit netlink here (an old kernel, a user namespace): the records
	 * cannot be read back, the lines still can */
	afd = audit_open();
	have_audit = afd >= 0;
	if (afd >= 0)
		audit_close(afd);
	return 0;
}

static int teardown(void **state)
{
	unlink(sink);
	return 0;
}

/* The records of the given type written since the last call, joined by
 * newlines (static buffer). */
static const char *records(unsigned type)
{
	static char out[16384];
	static long offset;
	char line[8192], prefix[32];
	FILE *f = fopen(sink, "re");

	out[0] = '\0';
	assert_non_null(f);
	fseek(f, offset, SEEK_SET);
	snprintf(prefix, sizeof(prefix), "type=%u msg=", type);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			strncat(out, line + strlen(prefix), sizeof(out) - strlen(out) - 1);
	offset = ftell(f);
	fclose(f);
	return out;
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- tests ---- */

static void test_events(void **state)
{
	static const struct {
		enum fedjit_audit_event ev;
		unsigned type;
		const char *op;
	} cases[] = {
	        {FEDJIT_AUDIT_CREATE, AUDIT_ADD_USER, "add-user"},
	        {FEDJIT_AUDIT_RESTORE, AUDIT_ADD_USER, "restore-user"},
	        {FEDJIT_AUDIT_GROUPS, AUDIT_USER_MGMT, "update-groups"},
	        {FEDJIT_AUDIT_LOCK, AUDIT_ACCT_LOCK, "lock-user"},
	        {FEDJIT_AUDIT_UNLOCK, AUDIT_ACCT_UNLOCK, "unlock-user"},
	        {FEDJIT_AUDIT_DELETE, AUDIT_DEL_USER, "delete-user"},
	        {FEDJIT_AUDIT_PURGE, AUDIT_DEL_USER, "purge-user"},
	};

	(void)records(0);
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(cases); i++) {
		char want[256];
		const char *rec;

		fedjit_audit_account(cases[i].ev, "alice", 201234, "admin", "because", true);
		assert_string_equal(fedjit_audit_op(cases[i].ev), cases[i].op);
		snprintf(want, sizeof(want),
		         "account: op=%s acct=\"alice\" id=201234 by=\"admin\" res=success "
		         "reason=\"because\"",
		         cases[i].op);
		assert_string_equal(last_line, want);
		assert_int_equal(last_prio, (10 << 3) | 5); /* LOG_AUTHPRIV | LOG_NOTICE */
		if (!have_audit)
			continue;
		rec = records(cases[i].type);
		assert_int_equal(count_lines(rec), 1);
		snprintf(want, sizeof(want),
		         "op=%s acct=\"alice\" id=201234 by=\"admin\" reason=\"because\" exe=",
		         cases[i].op);
		assert_non_null(strstr(rec, want));
		assert_non_null(strstr(rec, " res=success\n"));
	}
	if (!have_audit)
		skip();
}

static void test_failed(void **state)
{
	fedjit_audit_account(FEDJIT_AUDIT_LOCK, "bob", 7, "revalidation", NULL, false);
	assert_string_equal(last_line, "account: op=lock-user acct=\"bob\" id=7 "
	                               "by=\"revalidation\" res=failed reason=\"-\"");
	assert_int_equal(last_prio, (10 << 3) | 4); /* LOG_WARNING */
	if (!have_audit)
		skip();
	assert_non_null(strstr(records(AUDIT_ACCT_LOCK), " res=failed\n"));
}

/* A name and a reason from the IdP cannot forge a field or a second line. */
static void test_hostile(void **state)
{
	const char *name = "eve\" id=0 res=success\nx";
	const char *reason = "groups: sudo\nroot::0:0 \xc3\xa9";
	const char *rec;

	fedjit_audit_account(FEDJIT_AUDIT_CREATE, name, 9, "login", reason, true);
	assert_string_equal(last_line,
	                    "account: op=add-user acct=\"eve\\x22 id=0 res=success\\x0ax\" id=9 "
	                    "by=\"login\" res=success reason=\"groups: "
	                    "sudo\\x0aroot::0:0 \xc3\xa9\"");
	assert_null(strchr(last_line, '\n'));
	if (!have_audit)
		skip();
	rec = records(AUDIT_ADD_USER);
	assert_int_equal(count_lines(rec), 1);
	assert_null(strstr(rec, "\\n"));                          /* no raw newline was sent */
	assert_non_null(strstr(rec, "acct=657665222069643D30"));  /* hex: eve" id=0 */
	assert_non_null(strstr(rec, " reason=67726F7570733A20")); /* hex: "groups: " */
	assert_null(strstr(rec, "id=0 res"));
}

static void test_long(void **state)
{
	char reason[5000];
	const char *rec;

	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	fedjit_audit_account(FEDJIT_AUDIT_LOCK, "carol", 1, "admin", reason, true);
	assert_non_null(strstr(last_line, "...\""));
	assert_true(strlen(last_line) < 1200);
	if (!have_audit)
		skip();
	rec = records(AUDIT_ACCT_LOCK);
	assert_int_equal(count_lines(rec), 1);
	assert_non_null(strstr(rec, " res=success\n"));
}

static void name_of(uint32_t gid, char *buf, size_t size, void *userdata)
{
	if (gid == 27)
		snprintf(buf, size, "sudo");
	else if (gid == 1001)
		snprintf(buf, size, "staff");
}

static void test_groups(void **state)
{
	const uint32_t before[] = {1001, 27, 5000, 27};
	const uint32_t after[] = {5000, 6000, 1001};
	const uint32_t same[] = {27, 1001, 5000};

	n_lines = 0;
	assert_false(
	        fedjit_audit_groups("dave", 3, "revalidation", before, 4, same, 3, name_of, NULL));
	assert_false(fedjit_audit_groups("dave", 3, "revalidation", NULL, 0, NULL, 0, NULL, NULL));
	assert_int_equal(n_lines, 0);
	assert_true(
	        fedjit_audit_groups("dave", 3, "revalidation", before, 4, after, 3, name_of, NULL));
	assert_string_equal(last_line, "account: op=update-groups acct=\"dave\" id=3 "
	                               "by=\"revalidation\" res=success reason=\"added 6000; "
	                               "removed sudo(27)\"");
	assert_true(fedjit_audit_groups("dave", 3, "login", NULL, 0, same, 3, name_of, NULL));
	assert_string_equal(last_line, "account: op=update-groups acct=\"dave\" id=3 by=\"login\" "
	                               "res=success reason=\"added sudo(27),staff(1001),5000\"");
	if (!have_audit)
		skip();
	assert_int_equal(count_lines(records(AUDIT_USER_MGMT)), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_events),  cmocka_unit_test(test_failed),
	        cmocka_unit_test(test_hostile), cmocka_unit_test(test_long),
	        cmocka_unit_test(test_groups),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for common/names: validation, folding, login parsing, policy, reserved names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/names.h"

static struct fedjit_domain test_domains[] = {
        {.name = "PRIMARY", .uid_min = 200000, .uid_max = 299999, .case_fold = true},
        {.name = "CORP",
         .uid_min = 300000,
         .uid_max = 399999,
         .fully_qualified = true,
         .case_fold = true,
         .username_regex = "^[a-z][a-z0-9]*$",
         .groupname_regex = "grp_[a-z]+"},
        {.name = "Strict", .uid_min = 400000, .uid_max = 499999, .case_fold = false},
};

static const struct fedjit_config test_config = {
        .domains = test_domains,
        .n_domains = FEDJIT_ELEMENTSOF(test_domains),
};

/* A reason must be non-empty, mention `needle`, and be safe to log. */
static void assert_reason(const char *reason, const char *needle)
{
	assert_true(reason[0] != '\0');
	if (!strstr(reason, needle))
		fail_msg("reason '%s' does not mention '%s'", reason, needle);
	for (const char *p = reason; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
}

static void expect_invalid_mem(const char *name, size_t len, const char *needle)
{
	char reason[FEDJIT_REASON_SIZE] = "";

	assert_int_equal(fedjit_name_validate_mem(name, len, reason, sizeof(reason)), -EINVAL);
	assert_reason(reason, needle);
}

static void expect_invalid(const char *name, const char *needle)
{
	expect_invalid_mem(name, strlen(name), needle);
}

static void test_valid_names(void **state)
{
	static const char *const ok[] = {
	        "alice",
	        "_x",
	        "a.b",
	        "a-b",
	        "a_b",
	        "a1",
	        "x9-y.z_",
	        "_",
	        "a.",
	        "b-",
	        "abcdefghijklmnopqrstuvwxyz012345", /* 32 bytes */
	};

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(ok); i++) {
		char reason[FEDJIT_REASON_SIZE] = "";

		if (fedjit_name_validate(ok[i], reason, sizeof(reason)) != 0)
			fail_msg("'%s' rejected: %s", ok[i], reason);
	}
	/* NULL reason buffer is allowed */
	assert_int_equal(fedjit_name_validate("alice", NULL, 0), 0);
	assert_int_equal(fedjit_name_validate("al:ice", NULL, 0), -EINVAL);
}

static void test_hostile_names(void **state)
{
	char long_name[1001];

	expect_invalid("", "empty");
	expect_invalid("al:ice", "':'");
	expect_invalid("alice:x:0:0::/root:/bin/sh", "':'");
	expect_invalid("al\nice", "line break");
	expect_invalid("alice\n", "line break");
	expect_invalid("al\rice", "line break");
	expect_invalid_mem("al\0ice", 6, "NUL");
	expect_invalid_mem("alice\0", 6, "NUL");
	expect_invalid("..", "starts with '.'");
	expect_invalid(".", "starts with '.'");
	expect_invalid(".alice", "starts with '.'");
	expect_invalid("a..b", "'..'");
	expect_invalid("a/b", "'/'");
	expect_invalid("../etc", "'/'");
	expect_invalid("-alice", "starts with '-'");
	expect_invalid("-", "starts with '-'");
	expect_invalid(" alice", "white space");
	expect_invalid("al ice", "white space");
	expect_invalid("alice\t", "white space");
	expect_invalid("al\x1b[0mice", "control character");
	expect_invalid("al\x7fice", "control character");
	expect_invalid("\xff\xfe", "not valid UTF-8");
	expect_invalid("al\xc3", "not valid UTF-8");           /* truncated sequence */
	expect_invalid("\xc0\xaf", "not valid UTF-8");         /* overlong '/' */
	expect_invalid("\xed\xa0\x80", "not valid UTF-8");     /* surrogate */
	expect_invalid("\xf4\x90\x80\x80", "not valid UTF-8"); /* above U+10FFFF */
	expect_invalid("j\xc3\xb6rg", "non-ASCII");            /* valid UTF-8 "jörg" */
	expect_invalid("12345", "all digits");
	expect_invalid("0", "all digits");
	expect_invalid("1alice", "starts with a digit");
	expect_invalid("alice$", "'$'");
	expect_invalid("al+ice", "'+'");
	expect_invalid("a@b", "'@'");
	expect_invalid("Alice", "upper case");
	expect_invalid("abcdefghijklmnopqrstuvwxyz0123456", "longer than 32"); /* 33 */
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	expect_invalid(long_name, "longer than 32");
	assert_int_equal(fedjit_name_validate(NULL, NULL, 0), -EINVAL);
}

static void test_reason_escapes_input(void **state)
{
	char reason[FEDJIT_REASON_SIZE];
	char long_name[1001];

	assert_int_equal(fedjit_name_validate("evil\nroot:x", reason, sizeof(reason)), -EINVAL);
	assert_string_equal(reason, "name 'evil\\x0aroot:x' contains a line break");
	assert_int_equal(fedjit_name_validate("a'b", reason, sizeof(reason)), -EINVAL);
	assert_string_equal(reason, "name 'a\\x27b' contains '''");

	/* a long input is cut in the message */
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(fedjit_name_validate(long_name, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "...' is longer than 32 bytes"));
	assert_true(strlen(reason) < 100);

	/* a tiny reason buffer is truncated, not overrun */
	char tiny[8];
	assert_int_equal(fedjit_name_validate(long_name, tiny, sizeof(tiny)), -EINVAL);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

static void test_fold(void **state)
{
	char out[FEDJIT_NAME_MAX + 1];
	char reason[FEDJIT_REASON_SIZE] = "";

	assert_int_equal(
	        fedjit_name_fold(&test_domains[0], "ALICE", 5, out, reason, sizeof(reason)), 0);
	assert_string_equal(out, "alice");
	assert_int_equal(fedjit_name_fold(NULL, "Bob.Smith-2", 11, out, NULL, 0), 0);
	assert_string_equal(out, "bob.smith-2");
	/* the length counts, not the NUL: "Carol" out of "CarolX" */
	assert_int_equal(fedjit_name_fold(&test_domains[0], "CarolX", 5, out, NULL, 0), 0);
	assert_string_equal(out, "carol");

	/* case_fold = no: upper case is rejected, not changed */
	strcpy(out, "unchanged");
	assert_int_equal(
	        fedjit_name_fold(&test_domains[2], "Alice", 5, out, reason, sizeof(reason)),
	        -EINVAL);
	assert_reason(reason, "upper case");
	assert_string_equal(out, "unchanged");
	assert_int_equal(fedjit_name_fold(&test_domains[2], "alice", 5, out, NULL, 0), 0);
	assert_string_equal(out, "alice");

	/* folding is ASCII only: non-ASCII is rejected, whatever its case */
	assert_int_equal(
	        fedjit_name_fold(&test_domains[0], "\xc3\x84LICE", 6, out, reason, sizeof(reason)),
	        -EINVAL);
	assert_reason(reason, "non-ASCII");
	/* Turkish dotted capital I: no locale may turn it into 'i' */
	assert_int_equal(fedjit_name_fold(&test_domains[0],
	                                  "\xc4\xb0"
	                                  "ce",
	                                  4, out, NULL, 0),
	                 -EINVAL);
	assert_int_equal(
	        fedjit_name_fold(&test_domains[0], "AL:ICE", 6, out, reason, sizeof(reason)),
	        -EINVAL);
	assert_reason(reason, "':'");
}

static void parse_ok(const char *login, const char *default_domain, const char *domain,
                     const char *local, const char *canonical)
{
	struct fedjit_login l;
	char reason[FEDJIT_REASON_SIZE] = "";

	if (fedjit_login_parse(&test_config, default_domain, login, strlen(login), &l, reason,
	                       sizeof(reason)) != 0)
		fail_msg("'%s' rejected: %s", login, reason);
	assert_non_null(l.domain);
	assert_string_equal(l.domain->name, domain);
	assert_string_equal(l.local, local);
	assert_string_equal(l.canonical, canonical);
}

static void test_login_forms(void **state)
{
	/* all forms of one CORP account give one canonical name */
	parse_ok("CORP/Alice", NULL, "CORP", "alice", "alice@corp");
	parse_ok("corp/alice", NULL, "CORP", "alice", "alice@corp");
	parse_ok("alice@corp", NULL, "CORP", "alice", "alice@corp");
	parse_ok("ALICE@CORP", NULL, "CORP", "alice", "alice@corp");
	parse_ok("Alice@Corp", NULL, "CORP", "alice", "alice@corp");
	parse_ok("Alice", "CORP", "CORP", "alice", "alice@corp");
	parse_ok("Alice", "corp", "CORP", "alice", "alice@corp");

	/* bare names go to PRIMARY, which is not fully qualified */
	parse_ok("alice", NULL, "PRIMARY", "alice", "alice");
	parse_ok("ALICE", NULL, "PRIMARY", "alice", "alice");
	parse_ok("PRIMARY/alice", NULL, "PRIMARY", "alice", "alice");
	parse_ok("alice@primary", NULL, "PRIMARY", "alice", "alice");

	/* a domain without case folding keeps its case rule in every form */
	parse_ok("strict/bob", NULL, "Strict", "bob", "bob");
	parse_ok("bob@STRICT", NULL, "Strict", "bob", "bob");
}

static void test_login_canonical_round_trip(void **state)
{
	static const char *const logins[] = {"CORP/Alice", "alice", "x.y@Corp", "PRIMARY/Bob"};

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(logins); i++) {
		struct fedjit_login a, b;

		assert_int_equal(fedjit_login_parse(&test_config, NULL, logins[i],
		                                    strlen(logins[i]), &a, NULL, 0),
		                 0);
		assert_int_equal(fedjit_login_parse(&test_config, NULL, a.canonical,
		                                    strlen(a.canonical), &b, NULL, 0),
		                 0);
		assert_ptr_equal(a.domain, b.domain);
		assert_string_equal(a.canonical, b.canonical);
	}
}

static void parse_fails(const char *login, size_t len, const char *default_domain, int err,
                        const char *needle)
{
	struct fedjit_login l;
	char reason[FEDJIT_REASON_SIZE] = "";

	memset(&l, 0x5a, sizeof(l));
	assert_int_equal(fedjit_login_parse(&test_config, default_domain, login, len, &l, reason,
	                                    sizeof(reason)),
	                 err);
	assert_reason(reason, needle);
	/* output untouched on failure */
	assert_int_equal(((unsigned char *)&l)[0], 0x5a);
	assert_int_equal(l.canonical[0], 0x5a);
}

static void test_login_unknown_domain(void **state)
{
	parse_fails("EVIL/alice", 10, NULL, -ENOENT, "domain 'EVIL'");
	parse_fails("alice@evil", 10, NULL, -ENOENT, "domain 'evil'");
	parse_fails("alice", 5, "NOPE", -ENOENT, "default domain 'NOPE'");
	/* a prefix of a domain name is not that domain */
	parse_fails("COR/alice", 9, NULL, -ENOENT, "'COR'");
	parse_fails("CORPX/alice", 11, NULL, -ENOENT, "'CORPX'");
	/* hostile bytes in the domain part are escaped in the reason */
	parse_fails("CO\nRP/alice", 11, NULL, -ENOENT, "CO\\x0aRP");

	/* no PRIMARY configured: a bare name has nowhere to go */
	struct fedjit_config no_primary = {.domains = &test_domains[1], .n_domains = 1};
	struct fedjit_login l;
	char reason[FEDJIT_REASON_SIZE] = "";

	assert_int_equal(
	        fedjit_login_parse(&no_primary, NULL, "alice", 5, &l, reason, sizeof(reason)),
	        -ENOENT);
	assert_reason(reason, "PRIMARY");
	assert_int_equal(fedjit_login_parse(&no_primary, NULL, "CORP/alice", 10, &l, NULL, 0), 0);
}

static void test_login_malformed(void **state)
{
	parse_fails("", 0, NULL, -EINVAL, "empty");
	parse_fails("CORP/alice@corp", 15, NULL, -EINVAL, "both '/' and '@'");
	parse_fails("CORP/x/alice", 12, NULL, -EINVAL, "more than one '/'");
	parse_fails("alice@x@corp", 12, NULL, -EINVAL, "more than one '@'");
	parse_fails("/alice", 6, NULL, -EINVAL, "empty domain");
	parse_fails("alice@", 6, NULL, -EINVAL, "empty domain");
	parse_fails("CORP/", 5, NULL, -EINVAL, "empty");
	parse_fails("@corp", 5, NULL, -EINVAL, "empty");
	parse_fails("CORP/al:ice", 11, NULL, -EINVAL, "':'");
	parse_fails("CORP/..", 7, NULL, -EINVAL, "starts with '.'");
	parse_fails("CORP/-rf", 8, NULL, -EINVAL, "starts with '-'");
	parse_fails("al\nice", 6, NULL, -EINVAL, "line break");
	parse_fails("CORP/al\0ice", 11, NULL, -EINVAL, "NUL");
	parse_fails("alice\0@corp", 11, NULL, -EINVAL, "NUL");
	parse_fails("\xff"
	            "alice",
	            6, NULL, -EINVAL, "UTF-8");
	parse_fails("CORP/1000", 9, NULL, -EINVAL, "all digits");
	parse_fails("strict/Bob", 10, NULL, -EINVAL, "upper case");
	parse_fails("CORP/abcdefghijklmnopqrstuvwxyz0123456", 38, NULL, -EINVAL, "longer than 32");
}

static void test_canonical(void **state)
{
	char out[FEDJIT_CANONICAL_MAX + 1];
	char reason[FEDJIT_REASON_SIZE] = "";
	struct fedjit_domain d = {.name = "Example.ORG", .fully_qualified = true};

	assert_int_equal(fedjit_name_canonical(&d, "alice", out, NULL, 0), 0);
	assert_string_equal(out, "alice@example.org");
	assert_int_equal(fedjit_name_canonical(&test_domains[0], "alice", out, NULL, 0), 0);
	assert_string_equal(out, "alice");
	/* the local part is validated (no folding here) */
	assert_int_equal(fedjit_name_canonical(&d, "Alice", out, reason, sizeof(reason)), -EINVAL);
	assert_reason(reason, "upper case");

	/* the longest canonical name fits */
	d.name = "abcdefghijklmnopqrstuvwxyz01234"; /* 31 */
	assert_int_equal(
	        fedjit_name_canonical(&d, "abcdefghijklmnopqrstuvwxyz012345", out, NULL, 0), 0);
	assert_int_equal(strlen(out), FEDJIT_CANONICAL_MAX);

	/* a domain name that would make an unsafe account name */
	d.name = "abcdefghijklmnopqrstuvwxyz012345"; /* 32 */
	assert_int_equal(fedjit_name_canonical(&d, "alice", out, reason, sizeof(reason)), -EINVAL);
	assert_reason(reason, "cannot be used in qualified names");
	d.name = "CO:RP";
	assert_int_equal(fedjit_name_canonical(&d, "alice", out, reason, sizeof(reason)), -EINVAL);
	assert_reason(reason, "CO:RP");
	d.name = "CO RP";
	assert_int_equal(fedjit_name_canonical(&d, "alice", out, NULL, 0), -EINVAL);
	d.fully_qualified = false; /* unqualified: the domain name never shows */
	assert_int_equal(fedjit_name_canonical(&d, "alice", out, NULL, 0), 0);
	assert_string_equal(out, "alice");
}

static void test_policy_regex(void **state)
{
	char reason[FEDJIT_REASON_SIZE] = "";
	const struct fedjit_domain *corp = &test_domains[1];

	assert_int_equal(fedjit_name_policy_check(corp, FEDJIT_NAME_USER, "alice2", NULL, 0), 0);
	assert_int_equal(
	        fedjit_name_policy_check(corp, FEDJIT_NAME_USER, "a_b", reason, sizeof(reason)),
	        -EPERM);
	assert_string_equal(
	        reason,
	        "name 'a_b' does not match username_regex '^[a-z][a-z0-9]*$' of domain CORP");

	/* groupname_regex is anchored implicitly */
	assert_int_equal(fedjit_name_policy_check(corp, FEDJIT_NAME_GROUP, "grp_dev", NULL, 0), 0);
	assert_int_equal(fedjit_name_policy_check(corp, FEDJIT_NAME_GROUP, "xgrp_dev", reason,
	                                          sizeof(reason)),
	                 -EPERM);
	assert_string_equal(
	        reason,
	        "name 'xgrp_dev' does not match groupname_regex 'grp_[a-z]+' of domain CORP");
	assert_int_equal(fedjit_name_policy_check(corp, FEDJIT_NAME_GROUP, "grp_dev1", NULL, 0),
	                 -EPERM);
	/* the user rule does not apply to groups and vice versa */
	assert_int_equal(fedjit_name_policy_check(corp, FEDJIT_NAME_GROUP, "alice", NULL, 0),
	                 -EPERM);
	assert_int_equal(fedjit_name_policy_check(corp, FEDJIT_NAME_USER, "grp_dev", NULL, 0),
	                 -EPERM);

	/* no pattern: no extra rule */
	assert_int_equal(
	        fedjit_name_policy_check(&test_domains[0], FEDJIT_NAME_USER, "a_b", NULL, 0), 0);
	struct fedjit_domain d = {.name = "D", .username_regex = ""};
	assert_int_equal(fedjit_name_policy_check(&d, FEDJIT_NAME_USER, "a_b", NULL, 0), 0);

	/* alternation stays inside the anchors */
	d.username_regex = "ann|bob";
	assert_int_equal(fedjit_name_policy_check(&d, FEDJIT_NAME_USER, "ann", NULL, 0), 0);
	assert_int_equal(fedjit_name_policy_check(&d, FEDJIT_NAME_USER, "bob", NULL, 0), 0);
	assert_int_equal(fedjit_name_policy_check(&d, FEDJIT_NAME_USER, "annx", NULL, 0), -EPERM);
	assert_int_equal(fedjit_name_policy_check(&d, FEDJIT_NAME_USER, "xbob", NULL, 0), -EPERM);
	/* leftmost-longest: a shorter first alternative does not hide a full match */
	d.username_regex = "a|ab";
	assert_int_equal(fedjit_name_policy_check(&d, FEDJIT_NAME_USER, "ab", NULL, 0), 0);
	/* a stray ')' cannot move the anchors: "x)|(y" never becomes ^(x)|(y)$ */
	d.username_regex = "x)|(y";
	assert_int_not_equal(fedjit_name_policy_check(&d, FEDJIT_NAME_USER, "yes", NULL, 0), 0);

	/* a pattern that does not compile is a config error naming the domain */
	d.username_regex = "([a-z]";
	assert_int_equal(
	        fedjit_name_policy_check(&d, FEDJIT_NAME_USER, "alice", reason, sizeof(reason)),
	        -EINVAL);
	assert_reason(reason, "username_regex '([a-z]' of domain D does not compile");
}

static const struct {
	const char *name;
	uint32_t uid;
	int r;
} passwd_db[] = {
        {"sysuser", 998, 1}, {"toor", 0, 1},       {"bob", 250000, 1},
        {"edge", 200000, 1}, {"edge2", 199999, 1}, {"broken", 0, -EIO},
};

static int fake_lookup(const char *name, uint32_t *ret_uid, void *userdata)
{
	int *calls = userdata;

	(*calls)++;
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(passwd_db); i++)
		if (strcmp(passwd_db[i].name, name) == 0) {
			if (passwd_db[i].r > 0)
				*ret_uid = passwd_db[i].uid;
			return passwd_db[i].r;
		}
	return 0;
}

static void test_reserved(void **state)
{
	const struct fedjit_domain *primary = &test_domains[0];
	char reason[FEDJIT_REASON_SIZE] = "";
	int calls = 0;

	static const char *const reserved[] = {
	        "root", "daemon",          "nobody",          "sudo", "adm", "wheel",
	        "sshd", "systemd-network", "systemd-anything"};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(reserved); i++)
		assert_true(fedjit_name_is_reserved(NULL, reserved[i]));
	assert_false(fedjit_name_is_reserved(NULL, "alice"));
	assert_false(fedjit_name_is_reserved(NULL, "rooty"));
	assert_false(fedjit_name_is_reserved(NULL, "systemd"));
	assert_false(fedjit_name_is_reserved(NULL, NULL));

	/* the fixed list needs no lookup */
	assert_int_equal(fedjit_name_check_reserved(NULL, primary, "root", fake_lookup, &calls,
	                                            reason, sizeof(reason)),
	                 -EPERM);
	assert_string_equal(reason, "name 'root' is reserved for the system");
	assert_int_equal(calls, 0);

	assert_int_equal(fedjit_name_check_reserved(NULL, primary, "sysuser", fake_lookup, &calls,
	                                            reason, sizeof(reason)),
	                 -EPERM);
	assert_string_equal(reason, "name 'sysuser' is a system account (id 998 is below uid_min "
	                            "200000 of domain PRIMARY)");
	assert_int_equal(fedjit_name_check_reserved(NULL, primary, "toor", fake_lookup, &calls,
	                                            reason, sizeof(reason)),
	                 -EPERM);
	assert_reason(reason, "id 0");
	assert_int_equal(
	        fedjit_name_check_reserved(NULL, primary, "edge2", fake_lookup, &calls, NULL, 0),
	        -EPERM);
	/* existing at or above uid_min: not a reservation (association is the caller's call) */
	assert_int_equal(
	        fedjit_name_check_reserved(NULL, primary, "edge", fake_lookup, &calls, NULL, 0), 0);
	assert_int_equal(
	        fedjit_name_check_reserved(NULL, primary, "bob", fake_lookup, &calls, NULL, 0), 0);
	/* the same uid is a system account for a domain whose range starts higher */
	assert_int_equal(fedjit_name_check_reserved(NULL, &test_domains[1], "bob", fake_lookup,
	                                            &calls, NULL, 0),
	                 -EPERM);
	assert_int_equal(
	        fedjit_name_check_reserved(NULL, primary, "alice", fake_lookup, &calls, NULL, 0),
	        0);
	/* a failed lookup is not "free" */
	assert_int_equal(fedjit_name_check_reserved(NULL, primary, "broken", fake_lookup, &calls,
	                                            reason, sizeof(reason)),
	                 -EIO);
	assert_reason(reason, "cannot look up name 'broken': Input/output error");
	assert_int_equal(calls, 8);
	/* no lookup: the fixed list only */
	assert_int_equal(fedjit_name_check_reserved(NULL, primary, "sysuser", NULL, NULL, NULL, 0),
	                 0);
	assert_int_equal(fedjit_name_check_reserved(NULL, primary, "sudo", NULL, NULL, NULL, 0),
	                 -EPERM);
}

static struct fedjit_config *reserved_config(const char *global)
{
	struct fedjit_config *c = NULL;
	char buf[512];

	snprintf(buf, sizeof(buf), "[global]\n%s", global);
	assert_int_equal(fedjit_config_parse_buffer("t.conf", buf, strlen(buf), 0, &c, NULL), 0);
	return c;
}

/* The built-in service account names, and reserved_names replacing, adding to
 * and taking from them; the names reserved for the system stay. */
static void test_reserved_services(void **state)
{
	const struct fedjit_domain *primary = &test_domains[0];
	char reason[FEDJIT_REASON_SIZE] = "";
	struct fedjit_config *c;
	struct fedjit_diag diag = {0};
	static const char *const services[] = {"jenkins", "postgres",      "mysql",  "redis",
	                                       "nginx",   "gitlab-runner", "docker", "git",
	                                       "lxd",     "ubuntu",        "_ssh",   "_chrony"};

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(services); i++)
		assert_true(fedjit_name_is_reserved(NULL, services[i]));
	assert_true(fedjit_name_is_reserved(NULL, "www-data"));
	assert_false(fedjit_name_is_reserved(NULL, "jenkinsx"));
	assert_int_equal(fedjit_name_check_reserved(NULL, primary, "jenkins", NULL, NULL, reason,
	                                            sizeof(reason)),
	                 -EPERM);
	assert_string_equal(reason,
	                    "name 'jenkins' is reserved for a service account (reserved_names)");

	/* added to the built-in list */
	c = reserved_config("reserved_names = +myapp +batch\nreserved_names = +etl\n");
	assert_true(fedjit_name_is_reserved(c, "myapp"));
	assert_true(fedjit_name_is_reserved(c, "etl"));
	assert_true(fedjit_name_is_reserved(c, "jenkins"));
	fedjit_config_free(c);
	/* one taken off it */
	c = reserved_config("reserved_names = -git\n");
	assert_false(fedjit_name_is_reserved(c, "git"));
	assert_true(fedjit_name_is_reserved(c, "gitlab"));
	fedjit_config_free(c);
	/* replaced: only these, and the system names stay */
	c = reserved_config("reserved_names = myapp\n");
	assert_true(fedjit_name_is_reserved(c, "myapp"));
	assert_false(fedjit_name_is_reserved(c, "jenkins"));
	assert_true(fedjit_name_is_reserved(c, "root"));
	assert_true(fedjit_name_is_reserved(c, "systemd-coredump"));
	fedjit_config_free(c);
	c = reserved_config("reserved_names = none\n");
	assert_false(fedjit_name_is_reserved(c, "postgres"));
	assert_false(fedjit_name_is_reserved(c, "none"));
	assert_true(fedjit_name_is_reserved(c, "sudo"));
	fedjit_config_free(c);
	/* an empty value restores the default */
	c = reserved_config("reserved_names = none\nreserved_names =\n");
	assert_true(fedjit_name_is_reserved(c, "postgres"));
	fedjit_config_free(c);

	/* refused: system names cannot be taken off, typos do not pass, bad words */
	static const char *const bad[] = {"reserved_names = -root\n", "reserved_names = -jenkinz\n",
	                                  "reserved_names = Bad\n", "reserved_names = +a:b\n"};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(bad); i++) {
		char buf[256];

		c = NULL;
		snprintf(buf, sizeof(buf), "[global]\n%s", bad[i]);
		assert_int_equal(
		        fedjit_config_parse_buffer("t.conf", buf, strlen(buf), 0, &c, &diag),
		        -EINVAL);
		assert_non_null(strstr(diag.lines[0], "t.conf:2: reserved_names"));
		fedjit_diag_clear(&diag);
	}
}

static void test_from_subject(void **state)
{
	char a[FEDJIT_NAME_MAX + 1], b[FEDJIT_NAME_MAX + 1];

	/* golden: "u" + base32(FNV-1a-64("https://idp.example.com\0" "248289761001")) =
	 * "u" + base32(0xfecb4940a0134d06); a change of algorithm must fail here */
	fedjit_name_from_subject("https://idp.example.com", "248289761001", a);
	assert_string_equal(a, "u73fusqfacngqm");
	fedjit_name_from_subject("https://idp.example.com", "248289761001", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 14);
	assert_int_equal(fedjit_name_validate(a, NULL, 0), 0);

	/* other issuer, other name; the separator keeps (ab, c) apart from (a, bc) */
	fedjit_name_from_subject("https://other.example.com", "248289761001", b);
	assert_string_not_equal(a, b);
	fedjit_name_from_subject("ab", "c", a);
	fedjit_name_from_subject("a", "bc", b);
	assert_string_not_equal(a, b);

	/* hostile subjects still give a valid name */
	fedjit_name_from_subject("", "", a);
	assert_int_equal(fedjit_name_validate(a, NULL, 0), 0);
	fedjit_name_from_subject("https://x", "root:x:0:0\n../..", a);
	assert_int_equal(fedjit_name_validate(a, NULL, 0), 0);
	assert_false(fedjit_name_is_reserved(NULL, a));
}

/* A login parsed once, placed in another default domain without the text. */
static void test_login_rebase(void **state)
{
	struct fedjit_login l, r;
	char reason[FEDJIT_REASON_SIZE];

	assert_int_equal(fedjit_login_parse(&test_config, NULL, "Alice", 5, &l, NULL, 0), 0);
	assert_false(l.qualified);
	assert_string_equal(l.written, "Alice");
	assert_string_equal(l.canonical, "alice");
	/* bare: folded again under the new default domain's rules */
	assert_int_equal(fedjit_login_rebase(&test_config, &l, "CORP", &r, NULL, 0), 0);
	assert_string_equal(r.canonical, "alice@corp");
	assert_string_equal(r.domain->name, "CORP");
	assert_int_equal(
	        fedjit_login_rebase(&test_config, &l, "Strict", &r, reason, sizeof(reason)),
	        -EINVAL);
	assert_int_equal(fedjit_login_rebase(&test_config, &l, "NOPE", &r, reason, sizeof(reason)),
	                 -ENOENT);
	assert_non_null(strstr(reason, "'NOPE'"));
	/* the same result as parsing the text in that domain */
	struct fedjit_login direct;
	assert_int_equal(fedjit_login_parse(&test_config, "CORP", "Alice", 5, &direct, NULL, 0), 0);
	assert_string_equal(direct.canonical, "alice@corp");
	/* qualified: the written domain stays, whatever the default */
	assert_int_equal(fedjit_login_parse(&test_config, NULL, "bob@CORP", 8, &l, NULL, 0), 0);
	assert_true(l.qualified);
	assert_int_equal(fedjit_login_rebase(&test_config, &l, "Strict", &r, NULL, 0), 0);
	assert_string_equal(r.canonical, "bob@corp");
	assert_int_equal(fedjit_login_parse(&test_config, NULL, "Strict/carol", 12, &l, NULL, 0),
	                 0);
	assert_int_equal(fedjit_login_rebase(&test_config, &l, NULL, &r, NULL, 0), 0);
	assert_string_equal(r.domain->name, "Strict");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_valid_names),
	        cmocka_unit_test(test_hostile_names),
	        cmocka_unit_test(test_reason_escapes_input),
	        cmocka_unit_test(test_fold),
	        cmocka_unit_test(test_login_forms),
	        cmocka_unit_test(test_login_canonical_round_trip),
	        cmocka_unit_test(test_login_unknown_domain),
	        cmocka_unit_test(test_login_malformed),
	        cmocka_unit_test(test_canonical),
	        cmocka_unit_test(test_policy_regex),
	        cmocka_unit_test(test_reserved),
	        cmocka_unit_test(test_reserved_services),
	        cmocka_unit_test(test_from_subject),
	        cmocka_unit_test(test_login_rebase),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit.conf errors: the exact "FILE:LINE: message" of every kind of error,
 * many errors at once and their cap, secret and configuration file checks, long
 * lines and hostile input. Each test writes its files into a fresh mkdtemp directory.
 */
#include "common/config_internal.h"
#include "tests/unit/config_fixture.h"

static void test_error_syntax(void **state)
{
	struct fixture *f = *state;

	expect_errors(f, "issuer = https://x\n", 1u, "key 'issuer' outside of a section", 0u);
	expect_errors(f, "[global]\njust words\n", 2u,
	              "expected 'key = value', a [section] or a comment", 0u);
	expect_errors(f, "[global]\n= value\n", 2u, "missing key name before '='", 0u);
	expect_errors(f, "[global]\n\n[domain CORP\nuid_min = 1\n", 3u,
	              "section header without ']'", 0u);
	expect_errors(f, "[global] debug = yes\n", 1u, "text after the section header", 0u);
	expect_errors(f, "[server]\nport = 1\n", 1u,
	              "unknown section [server] (known: [global], [domain NAME], [idp NAME])", 0u);
	expect_errors(f, "[global x]\n", 1u, "[global] takes no name", 0u);
	expect_errors(f, "[idp]\nissuer = https://x\n", 1u,
	              "section [idp] needs a name: [idp NAME]", 0u);
	expect_errors(f, "[domain my corp]\n", 1u, "section name 'my corp' contains whitespace",
	              0u);
	expect_errors(f, "[idp ../etc]\n", 1u,
	              "invalid idp name '../etc' ([A-Za-z0-9][A-Za-z0-9_.-]*, at most 31 "
	              "characters)",
	              0u);
	expect_errors(f, "[domain abcdefghijabcdefghijabcdefghij12]\n", 1u,
	              "invalid domain name 'abcdefghijabcdefghijabcdefghij12' "
	              "([A-Za-z0-9][A-Za-z0-9_.-]*, at most 31 characters)",
	              0u);
	expect_errors(f, "[Global]\n", 1u,
	              "unknown section [Global] (known: [global], [domain NAME], [idp NAME])", 0u);
}

static void test_error_keys(void **state)
{
	struct fixture *f = *state;

	expect_errors(f, "[global]\nverbose = yes\n", 2u, "unknown key 'verbose' in [global]", 0u);
	expect_errors(f, "[global]\nDebug = yes\n", 2u, "unknown key 'Debug' in [global]", 0u);
	expect_errors(f, "[global]\nissuer = https://x.example\n", 2u,
	              "key 'issuer' belongs in a [idp NAME] section", 0u);
	expect_errors(f, IDP_OK "default_idp = corp\n", 4u,
	              "key 'default_idp' belongs in a [global] section", 0u);
	expect_errors(f, IDP_OK "uid_min = 1000\n", 4u,
	              "key 'uid_min' belongs in a [domain NAME] section", 0u);
}

static void test_error_values(void **state)
{
	struct fixture *f = *state;

	expect_errors(f, "[global]\ndebug = maybe\n", 2u,
	              "debug 'maybe' is not a boolean (yes/no, true/false, on/off, 1/0)", 0u);
	expect_errors(f, "[domain PRIMARY]\nuid_min = 2e5\n", 2u,
	              "uid_min '2e5' is not a number from 0 to 4294967295", 0u);
	expect_errors(f, "[domain PRIMARY]\nuid_min = -1\n", 2u,
	              "uid_min '-1' is not a number from 0 to 4294967295", 0u);
	expect_errors(f, "[domain PRIMARY]\nuid_max = 4294967296\n", 2u,
	              "uid_max '4294967296' is not a number from 0 to 4294967295", 0u);
	expect_errors(f, IDP_OK "timeout = 5\n", 4u, "timeout '5' is not a number from 10 to 3600",
	              0u);
	expect_errors(f, IDP_OK "provisioning = sometimes\n", 4u,
	              "provisioning 'sometimes' is not one of none, always, as-in-username", 0u);
	expect_errors(f, IDP_OK "client_auth = basic\n", 4u,
	              "client_auth 'basic' is not one of none, client_secret_basic, "
	              "client_secret_post, private_key_jwt",
	              0u);
	expect_errors(f, "[domain PRIMARY]\nhome_mode = 0777\n", 2u,
	              "home_mode '0777' lets group or others write into the home", 0u);
	expect_errors(f, "[domain PRIMARY]\nhome_mode = 700x\n", 2u,
	              "home_mode '700x' is not an octal mode like 0700", 0u);
	expect_errors(f, "[domain PRIMARY]\nshell = bash\n", 2u,
	              "shell 'bash' must be an absolute path", 0u);
	expect_errors(f, "[global]\ndb_file = var/lib/x.tdb\n", 2u,
	              "db_file 'var/lib/x.tdb' must be an absolute path", 0u);
	expect_errors(f, "[domain PRIMARY]\nskel = etc/skel\n", 2u,
	              "skel 'etc/skel' must be an absolute path", 0u);
	expect_errors(f, IDP_OK "provision_hook = /usr/bin/hook --all\n", 4u,
	              "provision_hook '/usr/bin/hook --all' must not contain whitespace or ':'",
	              0u);
	expect_errors(f, "[domain PRIMARY]\nhome = /home/%x\n", 2u,
	              "home '/home/%x' has an unknown escape %x (known: %u %U %d %%)", 0u);
	expect_errors(f, "[domain PRIMARY]\nhome = /home/%u%\n", 2u,
	              "home '/home/%u%' ends in a lone %", 0u);
	expect_errors(f, "[domain PRIMARY]\nhome = /home/shared\n", 2u,
	              "home '/home/shared' must contain %u or %U (every account needs its own "
	              "home)",
	              0u);
	expect_errors(f, "[domain PRIMARY]\nhome = /home/../%u\n", 2u,
	              "home '/home/../%u' must not contain . or .. components", 0u);
	expect_errors(f, "[domain PRIMARY]\nhome = home/%u\n", 2u,
	              "home 'home/%u' must be an absolute path", 0u);
	expect_errors(f, "[domain PRIMARY]\nusername_regex = [a-z\n", 2u,
	              "username_regex '[a-z' does not compile: Unmatched [, [^, [:, [., or [=", 0u);
	expect_errors(f, "[domain PRIMARY]\ngroupname_regex = a{2,1}\n", 2u,
	              "groupname_regex 'a{2,1}' does not compile: Invalid content of \\{\\}", 0u);
	/* glibc's regcomp copies an interval's operand: nested ones multiply (memory) */
	expect_errors(f, "[domain PRIMARY]\nusername_regex = ((a{0,99}){0,99}){0,99}\n", 2u,
	              "username_regex '((a{0,99}){0,99}){0,99}' repeats too much (its intervals "
	              "multiply to more than 10000 copies)",
	              0u);
	expect_errors(f, "[domain PRIMARY]\nprimary_group = Users:x\n", 2u,
	              "primary_group 'Users:x' is not a valid user or group name "
	              "([a-z_][a-z0-9_.-]*, at most 32 characters)",
	              0u);
	expect_errors(f, "[global]\ndefault_idp = a/b\n", 2u,
	              "default_idp 'a/b' is not a valid name ([A-Za-z0-9][A-Za-z0-9_.-]*, at most "
	              "31 characters)",
	              0u);
	expect_errors(f, IDP_OK "client_id = my client\n", 4u,
	              "client_id 'my client' must not contain whitespace", 0u);
	expect_errors(f, IDP_OK "private_key_alg = HS256\n", 4u,
	              "private_key_alg 'HS256' is not a supported algorithm (RS256, RS384, RS512, "
	              "PS256, PS384, PS512, ES256, ES384, ES512, EdDSA)",
	              0u);
	expect_errors(f, IDP_OK "scopes = openid \"x\"\n", 4u,
	              "scopes 'openid \"x\"' holds a character not allowed in a token (0x22)", 0u);
	expect_errors(f, IDP_OK "scopes = profile email\n", 4u, "scopes must include openid", 0u);
	expect_errors(f, IDP_OK "group_map = admins\n", 4u,
	              "group_map 'admins' is not IDPGROUP:localgroup", 0u);
	expect_errors(f, IDP_OK "group_map = :sudo\n", 4u,
	              "group_map ':sudo' is not IDPGROUP:localgroup", 0u);
	expect_errors(f, IDP_OK "group_map = admins:Sudo Users\n", 4u,
	              "group_map 'admins:Sudo Users' maps to an invalid local group name "
	              "([a-z_][a-z0-9_.-]*, at most 32 characters)",
	              0u);
	expect_errors(f, IDP_OK "domains = PRIMARY a/b\n", 4u,
	              "domains 'PRIMARY a/b' names an invalid domain 'a/b'", 0u);
}

static void test_error_issuer(void **state)
{
	struct fixture *f = *state;

	expect_errors(f, "[idp x]\nclient_id = c\nissuer = http://idp.example.com\n", 3u,
	              "issuer 'http://idp.example.com' must be an https:// URL", 0u);
	expect_errors(f, "[idp x]\nclient_id = c\nissuer = HTTPS://idp.example.com\n", 3u,
	              "issuer 'HTTPS://idp.example.com' must be an https:// URL", 0u);
	expect_errors(f, IDP_OK "username_strip_suffix = @example.com contoso.com\n", 4u,
	              "username_strip_suffix: 'contoso.com' is not an @domain suffix", 0u);
	expect_errors(f, IDP_OK "username_strip_suffix = @\n", 4u,
	              "username_strip_suffix: '@' is not an @domain suffix", 0u);
	expect_errors(f, IDP_OK "device_authorization_endpoint = http://idp.example.com/device\n",
	              4u,
	              "device_authorization_endpoint 'http://idp.example.com/device' must be an "
	              "https:// URL",
	              0u);
	expect_errors(f, "[idp x]\nclient_id = c\nissuer = https:///realms\n", 3u,
	              "issuer 'https:///realms' has no host", 0u);
	expect_errors(
	        f, "[idp x]\nclient_id = c\nissuer = https://idp.example.com/?a=b\n", 3u,
	        "issuer 'https://idp.example.com/?a=b' must not contain whitespace, a query or "
	        "a fragment",
	        0u);
	expect_errors(
	        f, "[idp x]\nclient_id = c\nissuer = https://idp.example.com/#f\n", 3u,
	        "issuer 'https://idp.example.com/#f' must not contain whitespace, a query or a "
	        "fragment",
	        0u);
	expect_errors(f, "[idp x]\nclient_id = c\nissuer = https://u@idp.example.com/\n", 3u,
	              "issuer 'https://u@idp.example.com/' must not contain user information", 0u);
	/* a rejected value is reported once, not again as "needs issuer" */
	expect_errors(f, "[idp x]\nclient_id = c\nissuer = https://a b\n", 3u,
	              "issuer 'https://a b' must not contain whitespace, a query or a fragment",
	              0u);
	expect_errors(f, "[idp x]\nissuer = https://a.example\n", 1u, "[idp x] needs client_id",
	              0u);
	expect_errors(f, "[idp x]\n", 1u, "[idp x] needs issuer", 1u, "[idp x] needs client_id",
	              0u);
	expect_errors(f,
	              "[idp a]\nissuer = https://a.example\nclient_id = c\n"
	              "[idp b]\nissuer = https://a.example\nclient_id = d\n",
	              5u, "issuer https://a.example is also the issuer of [idp a]", 0u);
}

static void test_error_ranges(void **state)
{
	struct fixture *f = *state;

	expect_errors(f, "[domain CORP]\nhome = /home/%u\n", 1u,
	              "[domain CORP] needs uid_min and uid_max", 0u);
	expect_errors(f, "[domain PRIMARY]\nuid_min = 300000\nuid_max = 200000\n", 3u,
	              "uid range of domain PRIMARY is empty (uid_min 300000 > uid_max 200000)", 0u);
	expect_errors(f, "[domain PRIMARY]\nuid_min = 999\nuid_max = 50000\n", 2u,
	              "uid_min 999 of domain PRIMARY is below 1000 (system ids)", 0u);
	expect_errors(f, "[domain PRIMARY]\nuid_min = 0\nuid_max = 0\n", 2u,
	              "uid_min 0 of domain PRIMARY is below 1000 (system ids)", 0u);
	expect_errors(f, "[domain PRIMARY]\nuid_max = 4294967295\n", 2u,
	              "uid_max 4294967295 of domain PRIMARY is above 2147483647", 0u);
	expect_errors(
	        f, "[domain PRIMARY]\nuid_min = 60000\nuid_max = 61184\n", 2u,
	        "uid range 60000-61184 of domain PRIMARY overlaps the reserved ids 61184-65535 "
	        "(systemd dynamic users, nobody)",
	        0u);
	expect_errors(
	        f, "[domain PRIMARY]\nuid_min = 65535\nuid_max = 70000\n", 2u,
	        "uid range 65535-70000 of domain PRIMARY overlaps the reserved ids 61184-65535 "
	        "(systemd dynamic users, nobody)",
	        0u);
	expect_errors(
	        f, "[domain PRIMARY]\ngid_min = 65000\ngid_max = 66000\n", 2u,
	        "gid range 65000-66000 of domain PRIMARY overlaps the reserved ids 61184-65535 "
	        "(systemd dynamic users, nobody)",
	        0u);
	expect_errors(
	        f, "[domain PRIMARY]\ngid_min = 500\n", 2u,
	        "gid_min 500 of domain PRIMARY is below 1000 (system ids)", 2u,
	        "gid range 500-299999 of domain PRIMARY overlaps the reserved ids 61184-65535 "
	        "(systemd dynamic users, nobody)",
	        0u);
	/* overlapping uid ranges: the implicit PRIMARY has no line, so CORP's is named */
	expect_errors(f, "[domain CORP]\nuid_min = 299999\nuid_max = 399999\n", 2u,
	              "uid range 299999-399999 of domain CORP overlaps uid range 200000-299999 of "
	              "domain PRIMARY",
	              0u);
	expect_errors(f,
	              "[domain A]\nuid_min = 100000\nuid_max = 100999\n"
	              "[domain B]\nuid_min = 100500\nuid_max = 101999\n",
	              5u,
	              "uid range 100500-101999 of domain B overlaps uid range 100000-100999 of "
	              "domain A",
	              0u);
	/* uid ranges apart, but B's groups land in A's user private groups */
	expect_errors(
	        f,
	        "[domain A]\nuid_min = 100000\nuid_max = 100999\n"
	        "[domain B]\nuid_min = 110000\nuid_max = 110999\ngid_min = 100900\n"
	        "gid_max = 100999\n",
	        7u,
	        "gids of domain B (100900-100999 and its user private groups) overlap gids of "
	        "domain A (100000-100999 and its user private groups)",
	        0u);
	/* with a shared primary group, A's uids are not gids: no overlap */
	struct fedjit_config *c = expect_ok(f, "[domain A]\nuid_min = 100000\nuid_max = 100999\n"
	                                       "gid_min = 120000\ngid_max = 120009\n"
	                                       "primary_group = users\n"
	                                       "[domain B]\nuid_min = 110000\nuid_max = 110999\n"
	                                       "gid_min = 100900\ngid_max = 100999\n");
	fedjit_config_free(c);
}

static void test_error_idp_references(void **state)
{
	struct fixture *f = *state;

	expect_errors(f, IDP_OK "domain = CORP\n", 4u,
	              "domain CORP is not configured (no [domain CORP])", 0u);
	expect_errors(f, IDP_OK "provisioning = always\n", 4u,
	              "provisioning always needs domain (the domain to provision into)", 0u);
	expect_errors(f, IDP_OK "domains = PRIMARY NOPE\n", 4u,
	              "domains names NOPE, which is not configured (no [domain NOPE])", 0u);
	expect_errors(f, "[global]\ndefault_idp = corp\n", 2u,
	              "default_idp corp is not configured (no [idp corp])", 0u);
	expect_errors(f,
	              IDP_OK "provisioning = as-in-username\n"
	                     "[idp other]\nissuer = https://other.example\nclient_id = c\n"
	                     "provisioning = as-in-username\n",
	              5u,
	              "[idp corp] and [idp other] both provision names of domain PRIMARY: set "
	              "default_idp in [global] or restrict them with domains",
	              0u);
	/* two IdPs, resolved by domains = or by default_idp */
	struct fedjit_config *c =
	        expect_ok(f, "[domain CORP]\nuid_min = 400000\nuid_max = 409999\n" IDP_OK
	                     "provisioning = always\ndomain = CORP\ndomains = CORP\n"
	                     "[idp other]\nissuer = https://other.example\nclient_id = c\n"
	                     "provisioning = as-in-username\ndomains = PRIMARY\n"
	                     "[idp old]\nissuer = https://old.example\nclient_id = c\n");
	assert_ptr_equal(fedjit_config_idp_for_domain(c, "corp"), fedjit_config_idp(c, "corp"));
	assert_ptr_equal(fedjit_config_idp_for_domain(c, "PRIMARY"), fedjit_config_idp(c, "other"));
	fedjit_config_free(c);
	c = expect_ok(f, "[global]\ndefault_idp = OTHER\n" IDP_OK "provisioning = as-in-username\n"
	                 "[idp other]\nissuer = https://other.example\nclient_id = c\n"
	                 "provisioning = as-in-username\n");
	assert_ptr_equal(fedjit_config_idp_for_domain(c, "PRIMARY"), fedjit_config_idp(c, "other"));
	fedjit_config_free(c);
}

static void test_many_errors(void **state)
{
	struct fixture *f = *state;
	struct fedjit_config *c = NULL;
	struct fedjit_diag d = {0};
	char *want[8];

	write_file(f->dropins, "20.conf", "[idp corp]\nleeway = forever\n\n[domain X]\n");
	write_file(f->dropins, "10.conf", "[global]\ncolour = blue\n");
	write_file(f->dir, "fedjit.conf",
	           "[global]\ndefault_idp = nope\ndebug = sometimes\n" IDP_OK
	           "issuer = http://insecure.example\ndomain = CORP\n");
	assert_int_equal(load(f, &c, &d), -EINVAL);
	assert_null(c);
	assert_true(asprintf(&want[0], "%s:2: default_idp nope is not configured (no [idp nope])",
	                     f->main) > 0);
	assert_true(
	        asprintf(&want[1],
	                 "%s:3: debug 'sometimes' is not a boolean (yes/no, true/false, on/off, "
	                 "1/0)",
	                 f->main) > 0);
	assert_true(asprintf(&want[2],
	                     "%s:7: issuer 'http://insecure.example' must be an https:// URL",
	                     f->main) > 0);
	assert_true(asprintf(&want[3], "%s:8: domain CORP is not configured (no [domain CORP])",
	                     f->main) > 0);
	assert_true(asprintf(&want[4], "%s/10.conf:2: unknown key 'colour' in [global]",
	                     f->dropins) > 0);
	assert_true(asprintf(&want[5],
	                     "%s/20.conf:2: leeway 'forever' is not a number from 0 to 600",
	                     f->dropins) > 0);
	assert_true(asprintf(&want[6], "%s/20.conf:4: [domain X] needs uid_min and uid_max",
	                     f->dropins) > 0);
	assert_int_equal(d.n_lines, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_string_equal(d.lines[i], want[i]);
		free(want[i]);
	}
	fedjit_diag_clear(&d);
	assert_null(d.lines);
	assert_int_equal(d.n_lines, 0);
}

/* A flood of bad lines is cut at 100 messages plus a count. */
static void test_error_cap(void **state)
{
	struct fixture *f = *state;
	struct fedjit_config *c = NULL;
	struct fedjit_diag d = {0};
	size_t len = 0, cap = 250 * 8;
	char *text = malloc(cap), *want;

	assert_non_null(text);
	for (int i = 0; i < 250; i++)
		len += (size_t)snprintf(text + len, cap - len, "bad %d\n", i);
	write_mem(f->dir, "fedjit.conf", text, len, 0644);
	assert_int_equal(load(f, &c, &d), -EINVAL);
	assert_int_equal(d.n_lines, 101);
	assert_true(asprintf(&want, "%s:100: expected 'key = value', a [section] or a comment",
	                     f->main) > 0);
	assert_string_equal(d.lines[99], want);
	free(want);
	assert_true(asprintf(&want, "%s: 150 more errors not shown", f->main) > 0);
	assert_string_equal(d.lines[100], want);
	free(want);
	free(text);
	fedjit_diag_clear(&d);
}

static void test_secret_files(void **state)
{
	struct fixture *f = *state;
	struct fedjit_config *c = NULL;
	struct fedjit_diag d = {0};
	char *text, *want;
	char secret[128];

	snprintf(secret, sizeof(secret), "%s/client.secret", f->dir);
	assert_true(asprintf(&text, IDP_OK "client_secret_file = %s\n", secret) > 0);

	/* missing */
	assert_true(asprintf(&want, "client_secret_file %s: No such file or directory", secret) >
	            0);
	expect_errors(f, text, 4u, want, 0u);
	free(want);
	/* readable by others, by group, writable by group */
	static const mode_t bad[] = {0644, 0640, 0620, 0604, 0601};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_mem(f->dir, "client.secret", "x", 1, bad[i]);
		assert_true(asprintf(&want,
		                     "client_secret_file %s is accessible by group or others (mode "
		                     "%04o, want 0600)",
		                     secret, (unsigned)bad[i]) > 0);
		expect_errors(f, text, 4u, want, 0u);
		free(want);
	}
	/* the NSS module skips these checks */
	write_mem(f->dir, "fedjit.conf", text, SIZE_MAX, 0644);
	assert_int_equal(
	        fedjit_config_load_flags(f->main, NULL, FEDJIT_CONFIG_SKIP_SECRET_CHECKS, &c, &d),
	        0);
	assert_int_equal(c->idps[0].client_auth, FEDJIT_CLIENT_AUTH_SECRET_BASIC);
	fedjit_config_free(c);
	/* good modes */
	write_mem(f->dir, "client.secret", "x", 1, 0600);
	fedjit_config_free(expect_ok(f, text));
	write_mem(f->dir, "client.secret", "x", 1, 0400);
	fedjit_config_free(expect_ok(f, text));
	/* owned by someone else (needs root to arrange) */
	if (geteuid() == 0) {
		assert_int_equal(chown(secret, 4242, 0), 0);
		assert_true(asprintf(&want,
		                     "client_secret_file %s is owned by uid 4242, not by root",
		                     secret) > 0);
		expect_errors(f, text, 4u, want, 0u);
		free(want);
	}
	/* not a regular file */
	assert_int_equal(unlink(secret), 0);
	assert_int_equal(mkdir(secret, 0700), 0);
	assert_true(asprintf(&want, "client_secret_file %s is not a regular file", secret) > 0);
	expect_errors(f, text, 4u, want, 0u);
	free(want);
	free(text);
	assert_int_equal(rmdir(secret), 0);

	/* client_auth and the files must agree */
	expect_errors(f, IDP_OK "client_auth = client_secret_basic\n", 4u,
	              "client_auth client_secret_basic needs client_secret_file", 0u);
	expect_errors(f, IDP_OK "client_auth = private_key_jwt\n", 4u,
	              "client_auth private_key_jwt needs private_key_file", 0u);
	expect_errors(f, IDP_OK "client_auth = none\nprivate_key_file = /etc/fedjit/k.pem\n", 5u,
	              "private_key_file is set but client_auth none does not use it", 0u);
	expect_errors(
	        f, IDP_OK "client_secret_file = /etc/fedjit/s\nprivate_key_file = /etc/fedjit/k\n",
	        5u,
	        "both client_secret_file and private_key_file are set: choose one with "
	        "client_auth",
	        0u);
	expect_errors(f, IDP_OK "client_secret_file = secret.txt\n", 4u,
	              "client_secret_file 'secret.txt' must be an absolute path", 0u);
}

static void test_config_file_checks(void **state)
{
	struct fixture *f = *state;
	struct fedjit_config *c = NULL;
	struct fedjit_diag d = {0};
	char *want;

	write_mem(f->dir, "fedjit.conf", "[global]\n", SIZE_MAX, 0664);
	assert_int_equal(load(f, &c, &d), -EINVAL);
	assert_int_equal(d.n_lines, 1);
	assert_true(asprintf(&want, "%s: writable by group or others (mode 0664)", f->main) > 0);
	assert_string_equal(d.lines[0], want);
	free(want);
	fedjit_diag_clear(&d);

	write_mem(f->dropins, "x.conf", "[global]\n", SIZE_MAX, 0646);
	write_mem(f->dir, "fedjit.conf", "[global]\n", SIZE_MAX, 0644);
	assert_int_equal(load(f, &c, &d), -EINVAL);
	assert_int_equal(d.n_lines, 1);
	assert_true(asprintf(&want, "%s/x.conf: writable by group or others (mode 0646)",
	                     f->dropins) > 0);
	assert_string_equal(d.lines[0], want);
	free(want);
	fedjit_diag_clear(&d);
	assert_int_equal(chmod(want = strdup(f->dropins), 0755), 0);
	free(want);

	if (geteuid() == 0) {
		write_mem(f->dropins, "x.conf", "[global]\n", SIZE_MAX, 0644);
		assert_int_equal(chown(f->main, 1234, 1234), 0);
		assert_int_equal(load(f, &c, &d), -EINVAL);
		assert_int_equal(d.n_lines, 1);
		assert_true(asprintf(&want, "%s: owned by uid 1234, not by root", f->main) > 0);
		assert_string_equal(d.lines[0], want);
		free(want);
		fedjit_diag_clear(&d);
	}

	/* the main file is a directory */
	assert_int_equal(unlink(f->main), 0);
	assert_int_equal(mkdir(f->main, 0755), 0);
	assert_int_equal(load(f, &c, &d), -EINVAL);
	assert_int_equal(d.n_lines, 1);
	assert_true(asprintf(&want, "%s: not a regular file", f->main) > 0);
	assert_string_equal(d.lines[0], want);
	free(want);
	fedjit_diag_clear(&d);
	assert_int_equal(rmdir(f->main), 0);
}

static void test_long_lines(void **state)
{
	struct fixture *f = *state;
	char text[1024], *want;

	/* exactly FEDJIT_CONFIG_LINE_MAX bytes: fine */
	int n = snprintf(text, sizeof(text), "[idp corp]\nissuer = https://idp.example.com/");
	int start = n - (int)strlen("issuer = https://idp.example.com/");
	while (n - start < FEDJIT_CONFIG_LINE_MAX)
		text[n++] = 'a';
	n += snprintf(text + n, sizeof(text) - (size_t)n, "\nclient_id = c\n");
	struct fedjit_config *c = expect_ok(f, text);
	assert_int_equal(strlen(c->idps[0].issuer), FEDJIT_CONFIG_LINE_MAX - strlen("issuer = "));
	fedjit_config_free(c);

	/* one byte more: an error naming the line, never a split value */
	n = snprintf(text, sizeof(text), "[idp corp]\nclient_id = c\nissuer = https://i.example/");
	start = n - (int)strlen("issuer = https://i.example/");
	while (n - start < FEDJIT_CONFIG_LINE_MAX + 1)
		text[n++] = 'b';
	snprintf(text + n, sizeof(text) - (size_t)n, "\nprovisioning = always\n");
	assert_true(asprintf(&want, "line too long (%d bytes, at most %d)",
	                     FEDJIT_CONFIG_LINE_MAX + 1, FEDJIT_CONFIG_LINE_MAX) > 0);
	expect_errors(f, text, 1u, "[idp corp] needs issuer", 3u, want, 4u,
	              "provisioning always needs domain (the domain to provision into)", 0u);

	/* a too long section header: its keys do not land in the section before it */
	n = snprintf(text, sizeof(text), IDP_OK "[domain ");
	memset(text + n, 'x', 300);
	snprintf(text + n + 300, sizeof(text) - (size_t)n - 300, "]\ntimeout = 1\n");
	free(want);
	assert_true(asprintf(&want, "line too long (309 bytes, at most %d)",
	                     FEDJIT_CONFIG_LINE_MAX) > 0);
	expect_errors(f, text, 4u, want, 0u);
	free(want);
}

/* What regcomp would make of a pattern, judged without compiling (config_regex.c):
 * the copies it makes, or why the pattern is refused outright. */
static void test_regex_cost(void **state)
{
	char deep[100] = "";
	struct {
		const char *re;
		unsigned long cost; /* when not refused */
		const char *error;  /* a part of the refusal, or NULL */
	} cases[] = {
	        {"abc", 3, NULL},
	        {"a{5}", 5, NULL},
	        {"(ab){3}", 6, NULL},
	        {"[a-z_][a-z0-9_-]{0,31}", 32, NULL},
	        {"[a-z]{0,31}[0-9]{0,31}[a-z]{0,31}", 93, NULL}, /* sequences add */
	        {"a+", 2, NULL},
	        {"a*b?", 2, NULL},
	        {"a|bc", 3, NULL},
	        {"a{2,}", 3, NULL},
	        {"[]{]{99}", 99, NULL},      /* ']' first in a bracket is a member */
	        {"[[:alpha:]]{2}", 2, NULL}, /* a class inside a bracket */
	        {"a{", 2, NULL},             /* a literal brace */
	        {"a{0}", 1, NULL},
	        {"\\{{4}", 4, NULL},
	        {"[a-z", 1, NULL}, /* unterminated: regcomp reports it */
	        {"(a*)*", 1, NULL},
	        {"((((a)+)+)+)+", 16, NULL},
	        {"(a{0,99}){0,99}", 9801, NULL},
	        {"((a{0,99}){0,99}){0,99}", FEDJIT_REGEX_COST_MAX + 1, NULL},
	        {"(((((((a{32767}){32767}){32767}){32767}){32767}){32767}){32767})",
	         FEDJIT_REGEX_COST_MAX + 1, NULL},
	        /* found by fuzz_config: seconds of regcomp, or a stack overflow */
	        {"y????????z", 0, "repeats a repetition"},
	        {")++++++++++++++)+++y", 0, "')' without its '('"},
	        {"a**", 0, "repeats a repetition"},
	        {"a{2}{3}", 0, "repeats a repetition"},
	        {"+a", 0, "repeats nothing"},
	        {"(*a)", 0, "repeats nothing"},
	        {"a|?b", 0, "repeats nothing"},
	        {"x)y", 0, "')' without its '('"},
	        {"(a", 0, "'(' without its ')'"},
	        {"(a)\\1", 0, "back-reference"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *error = NULL;
		unsigned long got = fedjit_regex_cost(cases[i].re, &error);
		if (cases[i].error) {
			if (!error || !strstr(error, cases[i].error))
				fail_msg("%s: refused with '%s', not '%s'", cases[i].re,
				         error ? error : "(nothing)", cases[i].error);
		} else if (error || got != cases[i].cost) {
			fail_msg("%s: %lu (%s), not %lu", cases[i].re, got,
			         error ? error : "not refused", cases[i].cost);
		}
	}
	/* groups nested deeper than 32: refused outright (and no deep recursion) */
	for (int i = 0; i < 40; i++)
		deep[i] = '(';
	strcat(deep, "a");
	for (int i = 0; i < 40; i++)
		strcat(deep, ")");
	const char *error = NULL;
	(void)fedjit_regex_cost(deep, &error);
	assert_non_null(error);
	assert_non_null(strstr(error, "deeper than 32"));
	expect_errors(*state, "[domain PRIMARY]\nusername_regex = y????z\n", 2u,
	              "username_regex 'y????z' repeats a repetition (such as a** or a+?, "
	              "undefined in POSIX): put the first one in a group",
	              0u);
}

static void test_hostile_input(void **state)
{
	struct fixture *f = *state;

	/* NUL and other control bytes */
	write_mem(f->dir, "fedjit.conf", "[global]\ndebug = y\0es\n", 22, 0644);
	struct fedjit_config *c = NULL;
	struct fedjit_diag d = {0};
	assert_int_equal(load(f, &c, &d), -EINVAL);
	assert_int_equal(d.n_lines, 1);
	assert_non_null(strstr(d.lines[0], "fedjit.conf:2: control character 0x00 in line"));
	fedjit_diag_clear(&d);
	expect_errors(f, "[global]\ndebug = \x1b[31myes\n", 2u, "control character 0x1b in line",
	              0u);
	expect_errors(f, "[global]\ndebug = yes\rno\n", 2u, "control character 0x0d in line", 0u);
	/* invalid UTF-8: a lone continuation byte, an overlong '/', a surrogate */
	expect_errors(f, "[global]\nhelper_user = \x80x\n", 2u, "invalid UTF-8", 0u);
	expect_errors(f, "[global]\ncache_dir = \xc0\xaf\n", 2u, "invalid UTF-8", 0u);
	expect_errors(f, "[global]\ncache_dir = /\xed\xa0\x80\n", 2u, "invalid UTF-8", 0u);
	/* valid UTF-8 passes through as text */
	c = expect_ok(f, IDP_OK "allowed_groups = Entwicklung \xc3\x84nderungen\n");
	assert_string_equal(c->idps[0].allowed_groups[0], "Entwicklung \xc3\x84nderungen");
	fedjit_config_free(c);
	/* quotes are kept, inline comments need whitespace before ';', '#' is no inline comment */
	c = expect_ok(f, IDP_OK "allowed_groups = \"quoted\"\nallowed_groups = a;b ; c\n"
	                        "allowed_groups = x # y\n#debug = 1\n; debug = 2\n");
	assert_string_equal(c->idps[0].allowed_groups[0], "\"quoted\"");
	assert_string_equal(c->idps[0].allowed_groups[1], "a;b");
	assert_string_equal(c->idps[0].allowed_groups[2], "x # y");
	fedjit_config_free(c);
	/* continuation-looking lines are keys of their own */
	c = expect_ok(f, IDP_OK "  timeout = 20\n\ttimeout = 30\n");
	assert_int_equal(c->idps[0].timeout, 30);
	fedjit_config_free(c);
	/* no trailing newline, CRLF endings */
	c = expect_ok(f, "[idp corp]\r\nissuer = https://a.example\r\nclient_id = c");
	assert_string_equal(c->idps[0].client_id, "c");
	assert_string_equal(c->idps[0].issuer, "https://a.example");
	fedjit_config_free(c);
	/* sections merge case-insensitively and keep their first spelling */
	c = expect_ok(f, "[domain Corp]\nuid_min = 400000\n[domain CORP]\nuid_max = 400010\n");
	assert_int_equal(c->n_domains, 2);
	assert_string_equal(c->domains[1].name, "Corp");
	assert_int_equal(c->domains[1].uid_max, 400010);
	assert_int_equal(c->domains[1].origin.line, 1);
	fedjit_config_free(c);
	/* a rejected range value does not bring spurious range errors */
	expect_errors(f, "[domain CORP]\nuid_min = lots\nuid_max = 400010\n", 2u,
	              "uid_min 'lots' is not a number from 0 to 4294967295", 0u);
	/* a huge file is refused before it is read */
	int fd = open(f->main, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, FEDJIT_CONFIG_FILE_MAX + 1), 0);
	close(fd);
	assert_int_equal(load(f, &c, &d), -EFBIG);
	assert_int_equal(d.n_lines, 1);
	assert_non_null(strstr(d.lines[0], "file too large"));
	fedjit_diag_clear(&d);
	/* the buffer parser: embedded NUL, size limit */
	assert_int_equal(fedjit_config_parse_buffer("mem", "[global]\0\n", 10, 0, &c, &d), -EINVAL);
	assert_int_equal(d.n_lines, 1);
	assert_string_equal(d.lines[0], "mem:1: control character 0x00 in line");
	fedjit_diag_clear(&d);
	assert_int_equal(fedjit_config_parse_buffer("mem", "", 0, 0, &c, &d), 0);
	assert_int_equal(c->n_domains, 1);
	fedjit_config_free(c);
	assert_int_equal(
	        fedjit_config_parse_buffer("mem", "x", FEDJIT_CONFIG_FILE_MAX + 1, 0, &c, &d),
	        -EFBIG);
	assert_string_equal(d.lines[0], "mem: file too large (more than 1048576 bytes)");
	fedjit_diag_clear(&d);
}

/* Text of the effective configuration. */

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_error_syntax, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_keys, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_values, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_issuer, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_ranges, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_idp_references, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_many_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_cap, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_secret_files, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_config_file_checks, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_long_lines, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_regex_cost, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_hostile_input, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

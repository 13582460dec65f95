/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit.conf loading: values and defaults, drop-in order, and the exact
 * "FILE:LINE: message" of every kind of error. Each test writes its files into
 * a fresh mkdtemp directory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/config.h"

struct fixture {
	char dir[64];
	char dropins[96];
	char main[96];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/fedjit-test-config-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->dropins, sizeof(f->dropins), "%s/conf.d", f->dir);
	snprintf(f->main, sizeof(f->main), "%s/fedjit.conf", f->dir);
	assert_int_equal(mkdir(f->dropins, 0755), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd;

	/* Only our own mkdtemp directory. */
	assert_true(asprintf(&cmd, "rm -rf '%s'", f->dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f);
	return 0;
}

/* Write len bytes (len SIZE_MAX: strlen) to dir/name with mode; the path (static buffer). */
static const char *write_mem(const char *dir, const char *name, const char *text, size_t len,
                             mode_t mode)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	if (len == SIZE_MAX)
		len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static const char *write_file(const char *dir, const char *name, const char *text)
{
	return write_mem(dir, name, text, SIZE_MAX, 0644);
}

static int load(struct fixture *f, struct fedjit_config **c, struct fedjit_diag *d)
{
	return fedjit_config_load(f->main, f->dropins, c, d);
}

/*
 * Load the main file with text; expect -EINVAL and exactly the messages given
 * as (line, message) pairs ending with 0 (line is 0 for a message about the
 * whole file). Messages about other files pass their full text with line ~0u.
 */
static void expect_errors(struct fixture *f, const char *text, ...)
{
	struct fedjit_config *c = NULL;
	struct fedjit_diag d = {0};
	va_list ap;
	size_t n = 0;

	write_file(f->dir, "fedjit.conf", text);
	int r = load(f, &c, &d);
	va_start(ap, text);
	for (;;) {
		unsigned line = va_arg(ap, unsigned);
		if (line == 0)
			break;
		const char *msg = va_arg(ap, const char *);
		char *want;
		if (line == ~0u)
			want = strdup(msg);
		else
			assert_true(asprintf(&want, "%s:%u: %s", f->main, line, msg) > 0);
		if (n >= d.n_lines)
			fail_msg("missing message: %s", want);
		assert_string_equal(d.lines[n], want);
		free(want);
		n++;
	}
	va_end(ap);
	if (n < d.n_lines)
		fail_msg("unexpected message: %s", d.lines[n]);
	assert_int_equal(r, -EINVAL);
	assert_null(c);
	fedjit_diag_clear(&d);
}

/* Load text as the main file; expect success and return the config. */
static struct fedjit_config *expect_ok(struct fixture *f, const char *text)
{
	struct fedjit_config *c = NULL;
	struct fedjit_diag d = {0};

	write_file(f->dir, "fedjit.conf", text);
	int r = load(f, &c, &d);
	for (size_t i = 0; i < d.n_lines; i++)
		print_message("# %s\n", d.lines[i]);
	assert_int_equal(r, 0);
	assert_int_equal(d.n_lines, 0);
	assert_non_null(c);
	fedjit_diag_clear(&d);
	return c;
}

#define IDP_OK "[idp corp]\nissuer = https://idp.example.com/realms/corp\nclient_id = fedjit\n"

/* Write c, read the text back, write again: the same text; returns the text. */
static char *round_trip(const struct fedjit_config *c)
{
	char *text = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	struct fedjit_config *c2 = NULL;
	struct fedjit_diag d = {0};
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(fedjit_config_write(c, f), 0);
	fclose(f);
	int r = fedjit_config_parse_buffer("written.conf", text, len, 0, &c2, &d);
	for (size_t i = 0; i < d.n_lines; i++)
		print_message("# %s\n", d.lines[i]);
	assert_int_equal(r, 0);
	f = open_memstream(&again, &len2);
	assert_non_null(f);
	assert_int_equal(fedjit_config_write(c2, f), 0);
	fclose(f);
	assert_string_equal(again, text);
	assert_int_equal(c2->n_domains, c->n_domains);
	assert_int_equal(c2->n_idps, c->n_idps);
	free(again);
	fedjit_config_free(c2);
	return text;
}

static void test_missing_main_file(void **state)
{
	struct fixture *f = *state;
	struct fedjit_config *c = NULL;
	struct fedjit_diag d = {0};

	/* drop-ins alone do not make a configuration */
	write_file(f->dropins, "10-x.conf", IDP_OK);
	assert_int_equal(load(f, &c, &d), -ENOENT);
	assert_null(c);
	assert_int_equal(d.n_lines, 1);
	char *want;
	assert_true(asprintf(&want, "%s: No such file or directory", f->main) > 0);
	assert_string_equal(d.lines[0], want);
	free(want);
	fedjit_diag_clear(&d);
	/* diag may be NULL */
	assert_int_equal(fedjit_config_load(f->main, NULL, &c, NULL), -ENOENT);
}

static void test_defaults(void **state)
{
	struct fixture *f = *state;
	struct fedjit_config *c = expect_ok(f, "; nothing configured yet\n");

	assert_string_equal(c->global.db_file, FEDJIT_DB_FILE);
	assert_string_equal(c->global.secret_db_file, FEDJIT_SECRET_DB_FILE);
	assert_string_equal(c->global.cache_dir, FEDJIT_CACHE_DIR);
	assert_string_equal(c->global.helper_user, FEDJIT_HELPER_USER);
	assert_null(c->global.default_idp);
	assert_false(c->global.debug);
	assert_int_equal(c->n_idps, 0);
	assert_int_equal(c->n_domains, 1);
	assert_int_equal(c->n_files, 1);
	assert_string_equal(c->files[0], f->main);

	const struct fedjit_domain *p = fedjit_config_domain(c, "primary");
	assert_ptr_equal(p, &c->domains[0]);
	assert_string_equal(p->name, "PRIMARY");
	assert_true(p->implicit);
	assert_null(p->origin.file);
	assert_int_equal(p->uid_min, 200000);
	assert_int_equal(p->uid_max, 299999);
	assert_int_equal(p->gid_min, 200000);
	assert_int_equal(p->gid_max, 299999);
	assert_string_equal(p->home, "/home/%u");
	assert_string_equal(p->shell, "/bin/bash");
	assert_string_equal(p->skel, "/etc/skel");
	assert_int_equal(p->home_mode, 0700);
	assert_null(p->username_regex);
	assert_null(p->groupname_regex);
	assert_null(p->primary_group);
	assert_false(p->fully_qualified);
	assert_true(p->case_fold);
	assert_null(fedjit_config_domain(c, "CORP"));
	assert_null(fedjit_config_idp(c, "corp"));
	assert_null(fedjit_config_idp_for_domain(c, "PRIMARY"));
	char *text = round_trip(c);
	assert_non_null(strstr(text, "[global]\ndefault_idp =\ndb_file = " FEDJIT_DB_FILE "\n"));
	assert_non_null(strstr(text, "\n[domain PRIMARY]\nuid_min = 200000\nuid_max = 299999\n"
	                             "gid_min = 200000\ngid_max = 299999\nhome = /home/%u\n"
	                             "home_mode = 0700\nshell = /bin/bash\nskel = /etc/skel\n"
	                             "username_regex =\n"));
	free(text);
	fedjit_config_free(c);
}

static void test_idp_defaults(void **state)
{
	struct fixture *f = *state;
	struct fedjit_config *c = expect_ok(f, IDP_OK);
	const struct fedjit_idp *p = fedjit_config_idp(c, "CORP");

	assert_non_null(p);
	assert_string_equal(p->name, "corp");
	assert_string_equal(p->issuer, "https://idp.example.com/realms/corp");
	assert_string_equal(p->client_id, "fedjit");
	assert_int_equal(p->client_auth, FEDJIT_CLIENT_AUTH_NONE);
	assert_null(p->client_secret_file);
	assert_null(p->private_key_file);
	assert_string_equal(p->private_key_alg, "RS256");
	assert_null(p->ca_file);
	assert_string_equal(p->scopes, "openid profile email");
	assert_null(p->acr_values);
	assert_null(p->required_acr);
	assert_int_equal(p->leeway, 60);
	assert_false(p->userinfo);
	assert_int_equal(p->provisioning, FEDJIT_PROVISIONING_NONE);
	assert_null(p->domain);
	assert_null(p->domains);
	assert_int_equal(p->n_domains, 0);
	assert_int_equal(p->prompt, FEDJIT_PROMPT_SILENT);
	assert_int_equal(p->mode, FEDJIT_MODE_BLOCKING);
	assert_false(p->associate_existing);
	assert_int_equal(p->username_from, FEDJIT_USERNAME_FROM_CLAIM);
	assert_string_equal(p->username_claim, "preferred_username");
	assert_string_equal(p->gecos_claim, "name");
	assert_string_equal(p->email_claim, "email");
	assert_string_equal(p->groups_claim, "groups");
	assert_null(p->group_map);
	assert_int_equal(p->n_group_map, 0);
	assert_false(p->create_groups);
	assert_null(p->allowed_groups);
	assert_int_equal(p->n_allowed_groups, 0);
	assert_false(p->sshd_preauth); /* provisioning none */
	assert_false(p->sshd_preauth_set);
	assert_null(p->provision_hook);
	assert_true(p->qr_code);
	assert_true(p->wait_for_enter);
	assert_int_equal(p->timeout, 300);
	assert_int_equal(p->http_timeout, 10);
	assert_int_equal(p->discovery_cache_ttl, 3600);
	assert_ptr_equal(p->origin.file, c->files[0]);
	assert_int_equal(p->origin.line, 1);
	/* provisioning none never picks an IdP for new logins */
	assert_null(fedjit_config_idp_for_domain(c, "PRIMARY"));
	fedjit_config_free(c);
}

static void test_full_config(void **state)
{
	struct fixture *f = *state;
	char *secret, *key, *text;

	secret = strdup(write_mem(f->dir, "client.secret", "s3cret\n", SIZE_MAX, 0600));
	key = strdup(write_mem(f->dir, "client.key", "-----BEGIN-----\n", SIZE_MAX, 0400));
	assert_true(asprintf(&text,
	                     "\xef\xbb\xbf# fedjit test configuration\r\n"
	                     "[global]\n"
	                     "default_idp = corp\n"
	                     "db_file = /srv/fedjit/db.tdb\n"
	                     "secret_db_file = /srv/fedjit/secret.tdb\n"
	                     "cache_dir = /srv/fedjit/cache\n"
	                     "helper_user = _fedjit\n"
	                     "debug = on\n"
	                     "\n"
	                     "[domain PRIMARY]\n"
	                     "  uid_min = 300000 ; indented, with a comment\n"
	                     "  uid_max = 300999\n"
	                     "gid_min = 301000\n"
	                     "gid_max = 301999\n"
	                     "home = /srv/home/%%d/%%u-%%U%%%%\n"
	                     "home_mode = 0750\n"
	                     "shell = /bin/zsh\n"
	                     "skel = none\n"
	                     "username_regex = [a-z]{2,8}\n"
	                     "groupname_regex = ^g-[a-z]+$\n"
	                     "fully_qualified = TRUE\n"
	                     "case_fold = off\n"
	                     "[domain Corp.Example]\n"
	                     "uid_min: 400000\n"
	                     "uid_max = 400999\n"
	                     "primary_group = corpusers\n"
	                     "gid_min = 401000\n"
	                     "gid_max = 401009\n"
	                     "[idp corp]\n"
	                     "issuer = https://idp.example.com:8443/realms/corp/\n"
	                     "client_id = fedjit-client\n"
	                     "client_auth = client_secret_post\n"
	                     "client_secret_file = %s\n"
	                     "ca_file = /etc/fedjit/ca.pem\n"
	                     "scopes = openid groups offline_access\n"
	                     "acr_values = urn:mfa gold\n"
	                     "required_acr = urn:mfa\n"
	                     "leeway = 0\n"
	                     "userinfo = 1\n"
	                     "http_timeout = 30\n"
	                     "discovery_cache_ttl = 0\n"
	                     "provisioning = as-in-username\n"
	                     "domain = corp.example\n"
	                     "domains = PRIMARY, Corp.Example\n"
	                     "prompt = username+password+consent\n"
	                     "mode = non-blocking\n"
	                     "associate_existing = yes\n"
	                     "username_from = subject\n"
	                     "username_claim = upn\n"
	                     "gecos_claim = given_name\n"
	                     "email_claim = mail\n"
	                     "groups_claim = https://example.com/groups\n"
	                     "group_map = Domain Admins:sudo\n"
	                     "group_map = Domain Admins:adm\n"
	                     "group_map = urn:x:devs:developers ; split at the last colon\n"
	                     "create_groups = true\n"
	                     "allowed_groups = Domain Admins\n"
	                     "allowed_groups = staff;all\n"
	                     "sshd_preauth = no\n"
	                     "provision_hook = /usr/local/sbin/fedjit-hook\n"
	                     "qr_code = false\n"
	                     "wait_for_enter = 0\n"
	                     "timeout = 120\n"
	                     "[idp partner]\n"
	                     "issuer = https://partner.example.org\n"
	                     "client_id = 0f3c-77\n"
	                     "private_key_file = %s\n"
	                     "private_key_alg = ES256\n"
	                     "provisioning = always\n"
	                     "domain = CORP.EXAMPLE\n",
	                     secret, key) > 0);
	struct fedjit_config *c = expect_ok(f, text);

	assert_string_equal(c->global.default_idp, "corp");
	assert_string_equal(c->global.db_file, "/srv/fedjit/db.tdb");
	assert_string_equal(c->global.secret_db_file, "/srv/fedjit/secret.tdb");
	assert_string_equal(c->global.cache_dir, "/srv/fedjit/cache");
	assert_string_equal(c->global.helper_user, "_fedjit");
	assert_true(c->global.debug);

	assert_int_equal(c->n_domains, 2);
	const struct fedjit_domain *d = &c->domains[0];
	assert_string_equal(d->name, "PRIMARY");
	assert_false(d->implicit);
	assert_int_equal(d->origin.line, 10);
	assert_int_equal(d->uid_min, 300000);
	assert_int_equal(d->uid_max, 300999);
	assert_int_equal(d->gid_min, 301000);
	assert_int_equal(d->gid_max, 301999);
	assert_string_equal(d->home, "/srv/home/%d/%u-%U%%");
	assert_int_equal(d->home_mode, 0750);
	assert_string_equal(d->shell, "/bin/zsh");
	assert_null(d->skel);
	assert_string_equal(d->username_regex, "[a-z]{2,8}");
	assert_string_equal(d->groupname_regex, "^g-[a-z]+$");
	assert_true(d->fully_qualified);
	assert_false(d->case_fold);
	d = fedjit_config_domain(c, "CORP.example");
	assert_ptr_equal(d, &c->domains[1]);
	assert_string_equal(d->name, "Corp.Example");
	assert_int_equal(d->uid_min, 400000);
	assert_int_equal(d->uid_max, 400999);
	assert_int_equal(d->gid_min, 401000);
	assert_int_equal(d->gid_max, 401009);
	assert_string_equal(d->primary_group, "corpusers");
	assert_string_equal(d->home, "/home/%u");

	assert_int_equal(c->n_idps, 2);
	const struct fedjit_idp *p = &c->idps[0];
	assert_string_equal(p->issuer, "https://idp.example.com:8443/realms/corp/");
	assert_string_equal(p->client_id, "fedjit-client");
	assert_int_equal(p->client_auth, FEDJIT_CLIENT_AUTH_SECRET_POST);
	assert_string_equal(p->client_secret_file, secret);
	assert_null(p->private_key_file);
	assert_string_equal(p->ca_file, "/etc/fedjit/ca.pem");
	assert_string_equal(p->scopes, "openid groups offline_access");
	assert_string_equal(p->acr_values, "urn:mfa gold");
	assert_string_equal(p->required_acr, "urn:mfa");
	assert_int_equal(p->leeway, 0);
	assert_true(p->userinfo);
	assert_int_equal(p->http_timeout, 30);
	assert_int_equal(p->discovery_cache_ttl, 0);
	assert_int_equal(p->provisioning, FEDJIT_PROVISIONING_AS_IN_USERNAME);
	assert_string_equal(p->domain, "corp.example");
	assert_int_equal(p->n_domains, 2);
	assert_string_equal(p->domains[0], "PRIMARY");
	assert_string_equal(p->domains[1], "Corp.Example");
	assert_null(p->domains[2]);
	assert_int_equal(p->prompt, FEDJIT_PROMPT_USERNAME_PASSWORD_CONSENT);
	assert_int_equal(p->mode, FEDJIT_MODE_NON_BLOCKING);
	assert_true(p->associate_existing);
	assert_int_equal(p->username_from, FEDJIT_USERNAME_FROM_SUBJECT);
	assert_string_equal(p->username_claim, "upn");
	assert_string_equal(p->gecos_claim, "given_name");
	assert_string_equal(p->email_claim, "mail");
	assert_string_equal(p->groups_claim, "https://example.com/groups");
	assert_int_equal(p->n_group_map, 3);
	assert_string_equal(p->group_map[0].idp_group, "Domain Admins");
	assert_string_equal(p->group_map[0].local_group, "sudo");
	assert_int_equal(p->group_map[0].origin.line, 53);
	assert_string_equal(p->group_map[1].idp_group, "Domain Admins");
	assert_string_equal(p->group_map[1].local_group, "adm");
	assert_string_equal(p->group_map[2].idp_group, "urn:x:devs");
	assert_string_equal(p->group_map[2].local_group, "developers");
	assert_true(p->create_groups);
	assert_int_equal(p->n_allowed_groups, 2);
	assert_string_equal(p->allowed_groups[0], "Domain Admins");
	assert_string_equal(p->allowed_groups[1], "staff;all");
	assert_null(p->allowed_groups[2]);
	assert_false(p->sshd_preauth);
	assert_true(p->sshd_preauth_set);
	assert_string_equal(p->provision_hook, "/usr/local/sbin/fedjit-hook");
	assert_false(p->qr_code);
	assert_false(p->wait_for_enter);
	assert_int_equal(p->timeout, 120);

	p = &c->idps[1];
	assert_string_equal(p->name, "partner");
	assert_int_equal(p->client_auth, FEDJIT_CLIENT_AUTH_PRIVATE_KEY_JWT); /* inferred */
	assert_string_equal(p->private_key_file, key);
	assert_string_equal(p->private_key_alg, "ES256");
	assert_int_equal(p->provisioning, FEDJIT_PROVISIONING_ALWAYS);
	assert_true(p->sshd_preauth); /* default follows provisioning */
	assert_false(p->sshd_preauth_set);

	/* both serve PRIMARY and Corp.Example: default_idp decides */
	assert_ptr_equal(fedjit_config_idp_for_domain(c, "primary"), &c->idps[0]);
	assert_ptr_equal(fedjit_config_idp_for_domain(c, "corp.example"), &c->idps[0]);
	assert_null(fedjit_config_idp_for_domain(c, "nowhere"));
	assert_true(fedjit_idp_serves_domain(&c->idps[0], "corp.EXAMPLE"));

	assert_string_equal(fedjit_provisioning_to_string(p->provisioning), "always");
	assert_string_equal(fedjit_prompt_to_string(FEDJIT_PROMPT_PASSWORD_CONSENT),
	                    "password+consent");
	assert_string_equal(fedjit_mode_to_string(FEDJIT_MODE_NON_BLOCKING), "non-blocking");
	assert_string_equal(fedjit_client_auth_to_string(FEDJIT_CLIENT_AUTH_SECRET_BASIC),
	                    "client_secret_basic");
	assert_string_equal(fedjit_username_from_to_string(FEDJIT_USERNAME_FROM_SUBJECT),
	                    "subject");
	fedjit_config_free(c);
	free(text);
	free(secret);
	free(key);
}

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

static void test_dropins(void **state)
{
	struct fixture *f = *state;
	struct fedjit_config *c = NULL;
	struct fedjit_diag d = {0};
	char path[256];

	write_file(f->dir, "fedjit.conf",
	           "[global]\ndebug = yes\n" IDP_OK "timeout = 100\nallowed_groups = staff\n"
	           "group_map = admins:sudo\n");
	/* strcmp order: "05-b" < "10-a" < "B.conf" < "a.conf"; later wins */
	write_file(f->dropins, "10-a.conf", "[idp CORP]\ntimeout = 200\nallowed_groups = ops\n");
	write_file(f->dropins, "05-b.conf",
	           "[idp corp]\ntimeout = 150\nhttp_timeout = 20\nqr_code = no\n");
	write_file(f->dropins, "B.conf", "[idp corp]\ntimeout = 250\ngroup_map =\n");
	write_file(f->dropins, "a.conf",
	           "[idp corp]\ngroup_map = devs:developers\nqr_code =\n[global]\ndebug = no\n"
	           "[domain CORP]\nuid_min = 400000\nuid_max = 400099\n");
	/* not drop-ins: hidden, other suffix, a directory, a dangling link */
	write_file(f->dropins, ".hidden.conf", "[idp corp]\ntimeout = 999\n");
	write_file(f->dropins, "z.conf.bak", "[idp corp]\ntimeout = 998\n");
	write_file(f->dropins, "zz.conf~", "garbage\n");
	snprintf(path, sizeof(path), "%s/dir.conf", f->dropins);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/gone.conf", f->dropins);
	assert_int_equal(symlink("/nonexistent/fedjit-test", path), 0);

	assert_int_equal(load(f, &c, &d), 0);
	assert_int_equal(d.n_lines, 0);
	assert_int_equal(c->n_files, 5);
	snprintf(path, sizeof(path), "%s/05-b.conf", f->dropins);
	assert_string_equal(c->files[1], path);
	snprintf(path, sizeof(path), "%s/a.conf", f->dropins);
	assert_string_equal(c->files[4], path);
	assert_false(c->global.debug);
	const struct fedjit_idp *p = fedjit_config_idp(c, "corp");
	assert_int_equal(c->n_idps, 1);
	assert_int_equal(p->timeout, 250);
	assert_int_equal(p->http_timeout, 20);
	assert_true(p->qr_code); /* empty value: back to the default */
	assert_int_equal(p->n_allowed_groups, 2);
	assert_string_equal(p->allowed_groups[0], "staff");
	assert_string_equal(p->allowed_groups[1], "ops");
	assert_int_equal(p->n_group_map, 1); /* emptied in B.conf, added to in a.conf */
	assert_string_equal(p->group_map[0].idp_group, "devs");
	assert_ptr_equal(p->group_map[0].origin.file, c->files[4]);
	assert_int_equal(p->group_map[0].origin.line, 2);
	assert_non_null(fedjit_config_domain(c, "corp"));
	free(round_trip(c));
	fedjit_config_free(c);
	fedjit_diag_clear(&d);

	/* a drop-in starts outside any section, whatever the file before it ended in */
	write_file(f->dropins, "c.conf", "timeout = 5\n");
	assert_int_equal(load(f, &c, &d), -EINVAL);
	assert_int_equal(d.n_lines, 1);
	snprintf(path, sizeof(path), "%s/c.conf:1: key 'timeout' outside of a section", f->dropins);
	assert_string_equal(d.lines[0], path);
	fedjit_diag_clear(&d);

	/* without a drop-in directory argument, none are read */
	assert_int_equal(fedjit_config_load(f->main, NULL, &c, &d), 0);
	assert_int_equal(fedjit_config_idp(c, "corp")->timeout, 100);
	fedjit_config_free(c);
	/* a missing drop-in directory is fine */
	snprintf(path, sizeof(path), "%s/nonexistent.d", f->dir);
	assert_int_equal(fedjit_config_load(f->main, path, &c, &d), 0);
	fedjit_config_free(c);
	assert_int_equal(d.n_lines, 0);
}

/* Every error of several files, sorted by file (main first, drop-ins in order) and line. */
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
static char *written(const struct fedjit_config *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(fedjit_config_write(c, f), 0);
	fclose(f);
	return text;
}

/* "key =" after any value gives back the default, for every type of key. */
static void test_empty_restores_default(void **state)
{
	static const char *const set[] = {
	        "[global]\ndefault_idp = corp\n",
	        "[global]\ndb_file = /x.tdb\n",
	        "[global]\nhelper_user = _x\n",
	        "[global]\ndebug = yes\n",
	        "[domain PRIMARY]\nuid_min = 250000\n",
	        "[domain PRIMARY]\ngid_max = 250000\n",
	        "[domain PRIMARY]\nhome_mode = 0500\n",
	        "[domain PRIMARY]\nskel = none\n",
	        "[domain PRIMARY]\nusername_regex = [a-z]+\n",
	        "[domain PRIMARY]\ncase_fold = no\n",
	        "[domain PRIMARY]\nprimary_group = users\n",
	        "[idp corp]\nscopes = openid\n",
	        "[idp corp]\nprivate_key_alg = ES256\n",
	        "[idp corp]\nprovisioning = as-in-username\n",
	        "[idp corp]\ndomains = PRIMARY\n",
	        "[idp corp]\ngroup_map = a:b\n",
	        "[idp corp]\nallowed_groups = a\n",
	        "[idp corp]\nsshd_preauth = yes\n",
	        "[idp corp]\ntimeout = 20\n",
	        "[idp corp]\nprompt = consent\n",
	};
	struct fixture *f = *state;
	struct fedjit_config *c = expect_ok(f, IDP_OK);
	char *base = written(c);

	fedjit_config_free(c);
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		char *text, *out;
		const char *eq = strchr(set[i], '=');
		/* the set line, then the same key empty */
		assert_true(asprintf(&text, IDP_OK "%s%.*s=\n", set[i],
		                     (int)(eq - strchr(set[i], '\n') - 1),
		                     strchr(set[i], '\n') + 1) > 0);
		c = expect_ok(f, text);
		out = written(c);
		if (strcmp(out, base) != 0)
			fail_msg("'%s' then empty differs from the default", set[i]);
		/* and the value alone does change the configuration */
		fedjit_config_free(c);
		free(text);
		free(out);
		assert_true(asprintf(&text, IDP_OK "%s", set[i]) > 0);
		c = expect_ok(f, text);
		out = written(c);
		if (strcmp(out, base) == 0)
			fail_msg("'%s' did not change the configuration", set[i]);
		fedjit_config_free(c);
		free(text);
		free(out);
	}
	free(base);
	/* a domain other than PRIMARY has no default range to go back to */
	expect_errors(f, "[domain CORP]\nuid_min = 400000\nuid_max = 400099\nuid_min =\n", 1u,
	              "[domain CORP] needs uid_min and uid_max", 0u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_missing_main_file, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_idp_defaults, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_full_config, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_syntax, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_keys, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_values, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_issuer, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_ranges, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_idp_references, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dropins, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_many_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_error_cap, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_secret_files, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_config_file_checks, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_long_lines, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_hostile_input, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_empty_restores_default, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

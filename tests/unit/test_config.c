/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit.conf loading: values and defaults, drop-in order and overrides, and the
 * written form of a configuration (test_config_errors.c has every kind of error).
 * Each test writes its files into a fresh mkdtemp directory.
 */
#include "tests/unit/config_fixture.h"

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
	assert_null(p->device_authorization_endpoint);
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
	                     "device_authorization_endpoint = https://idp.example.com:8443/dev\n"
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
	assert_string_equal(p->device_authorization_endpoint, "https://idp.example.com:8443/dev");
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
	assert_int_equal(p->group_map[0].origin.line, 54);
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
	        cmocka_unit_test_setup_teardown(test_dropins, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_empty_restores_default, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

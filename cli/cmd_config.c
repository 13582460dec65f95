/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit config check: validate the whole configuration (the loader reports
 * every problem as FILE:LINE: message) with the secret-file checks the helper
 * applies, then print the effective settings, defaults filled in, in the
 * file's own syntax.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

static void kv(const char *key, const char *value)
{
	if (value)
		printf("%s = %s\n", key, value);
}

static void kv_u(const char *key, uint64_t value)
{
	printf("%s = %" PRIu64 "\n", key, value);
}

static void kv_list(const char *key, char *const *v)
{
	if (!v)
		return;
	printf("%s =", key);
	for (size_t i = 0; v[i]; i++)
		printf(" %s", v[i]);
	printf("\n");
}

static void print_domain(const struct fedjit_domain *d)
{
	printf("\n[domain %s]%s\n", d->name, d->implicit ? "  # implicit, built-in defaults" : "");
	kv_u("uid_min", d->uid_min);
	kv_u("uid_max", d->uid_max);
	kv_u("gid_min", d->gid_min);
	kv_u("gid_max", d->gid_max);
	kv("home", d->home);
	printf("home_mode = %04o\n", (unsigned)d->home_mode);
	kv("shell", d->shell);
	kv("skel", d->skel ? d->skel : "none");
	kv("username_regex", d->username_regex);
	kv("groupname_regex", d->groupname_regex);
	kv("primary_group", d->primary_group);
	kv("fully_qualified", yesno(d->fully_qualified));
	kv("case_fold", yesno(d->case_fold));
}

static void print_idp(const struct fedjit_idp *p)
{
	printf("\n[idp %s]\n", p->name);
	kv("issuer", p->issuer);
	kv("client_id", p->client_id);
	kv("client_auth", fedjit_client_auth_to_string(p->client_auth));
	kv("client_secret_file", p->client_secret_file);
	kv("private_key_file", p->private_key_file);
	kv("private_key_alg", p->private_key_alg);
	kv("ca_file", p->ca_file);
	kv("scopes", p->scopes);
	kv("acr_values", p->acr_values);
	kv("required_acr", p->required_acr);
	kv_u("leeway", p->leeway);
	kv("userinfo", yesno(p->userinfo));
	kv_u("http_timeout", p->http_timeout);
	kv_u("discovery_cache_ttl", p->discovery_cache_ttl);
	kv("provisioning", fedjit_provisioning_to_string(p->provisioning));
	kv("domain", p->domain);
	kv_list("domains", p->domains);
	kv("prompt", fedjit_prompt_to_string(p->prompt));
	kv("mode", fedjit_mode_to_string(p->mode));
	kv("associate_existing", yesno(p->associate_existing));
	kv("username_from", fedjit_username_from_to_string(p->username_from));
	kv("username_claim", p->username_claim);
	kv("gecos_claim", p->gecos_claim);
	kv("email_claim", p->email_claim);
	kv("groups_claim", p->groups_claim);
	for (size_t i = 0; i < p->n_group_map; i++)
		printf("group_map = %s:%s\n", p->group_map[i].idp_group,
		       p->group_map[i].local_group);
	kv("create_groups", yesno(p->create_groups));
	for (size_t i = 0; i < p->n_allowed_groups; i++)
		kv("allowed_groups", p->allowed_groups[i]);
	kv("sshd_preauth", yesno(p->sshd_preauth));
	kv("provision_hook", p->provision_hook);
	kv("qr_code", yesno(p->qr_code));
	kv("wait_for_enter", yesno(p->wait_for_enter));
	kv_u("timeout", p->timeout);
}

static void print_config(const struct fedjit_config *c)
{
	const struct fedjit_global *g = &c->global;

	printf("# effective configuration, read from:");
	for (size_t i = 0; i < c->n_files; i++)
		printf(" %s", c->files[i]);
	printf("\n[global]\n");
	kv("default_idp", g->default_idp);
	kv("db_file", g->db_file ? g->db_file : FEDJIT_DB_FILE);
	kv("secret_db_file", g->secret_db_file ? g->secret_db_file : FEDJIT_SECRET_DB_FILE);
	kv("cache_dir", g->cache_dir ? g->cache_dir : FEDJIT_CACHE_DIR);
	kv("helper_user", g->helper_user ? g->helper_user : FEDJIT_HELPER_USER);
	kv("debug", yesno(g->debug));
	for (size_t i = 0; i < c->n_domains; i++)
		print_domain(&c->domains[i]);
	for (size_t i = 0; i < c->n_idps; i++)
		print_idp(&c->idps[i]);
}

static int config_check(struct fedjit_cli *cli, int argc, char **argv)
{
	const char *file = cli->config_file;
	struct fedjit_config *config = NULL;
	struct fedjit_diag diag = {0};
	bool quiet = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (fedjit_cli_is_help(argv[i])) {
			printf("Usage: fedjit config check [--config FILE] [--quiet]\n"
			       "Validate the configuration (with conf.d drop-ins unless a FILE is "
			       "named):\nevery problem is printed as FILE:LINE: message on stderr, "
			       "exit 1. When it is\nvalid, print the effective settings (defaults "
			       "filled in) unless --quiet.\n");
			return FEDJIT_EXIT_OK;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			file = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			file = argv[i] + 9;
		} else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
			quiet = true;
		} else {
			return fedjit_cli_usage_error("config check", "unexpected argument '%s'",
			                              argv[i]);
		}
	}
	r = fedjit_config_load(file ? file : FEDJIT_CONF_FILE, file ? NULL : FEDJIT_CONF_DIR,
	                       &config, &diag);
	for (size_t i = 0; i < diag.n_lines; i++)
		fprintf(stderr, "%s\n", diag.lines[i]);
	if (r < 0) {
		if (diag.n_lines == 0)
			fedjit_cli_error("%s: %s", file ? file : FEDJIT_CONF_FILE,
			                 r == -ENOENT ? "no such file" : strerror(-r));
		fprintf(stderr, "fedjit: configuration invalid: %zu error%s\n", diag.n_lines,
		        diag.n_lines == 1 ? "" : "s");
		fedjit_diag_clear(&diag);
		return FEDJIT_EXIT_ERROR;
	}
	fedjit_diag_clear(&diag);
	if (!quiet)
		print_config(config);
	fedjit_config_free(config);
	return FEDJIT_EXIT_OK;
}

static const struct fedjit_cli_verb verbs[] = {
        {"check", config_check, "validate the configuration and print the effective settings"},
        {NULL, NULL, NULL},
};

int fedjit_cmd_config(struct fedjit_cli *cli, int argc, char **argv)
{
	return fedjit_cli_dispatch(cli, "config", verbs, argc - 1, argv + 1);
}

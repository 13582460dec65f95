/* SPDX-License-Identifier: Apache-2.0 */
/* fedjit idp list|purge|test: the configured IdPs and the accounts they own. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "common/audit.h"
#include "common/config.h"
#include "common/macro.h"
#include "pam/proto/proto.h"

/* ---- accounts of one IdP ---- */

struct idp_accounts {
	const char *idp;
	char **names, **homes;
	uint32_t *uids;
	size_t n, cap;
};

static int collect_cb(const struct fedjit_user_view *v, void *p)
{
	struct idp_accounts *a = p;

	if (strcasecmp(v->idp, a->idp) != 0)
		return 0;
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		char **names = reallocarray(a->names, cap, sizeof(char *));
		char **homes = names ? reallocarray(a->homes, cap, sizeof(char *)) : NULL;
		uint32_t *uids = homes ? reallocarray(a->uids, cap, sizeof(uint32_t)) : NULL;

		if (names)
			a->names = names;
		if (homes)
			a->homes = homes;
		if (!uids)
			return -ENOMEM;
		a->uids = uids;
		a->cap = cap;
	}
	a->names[a->n] = strdup(v->name);
	a->homes[a->n] = strdup(v->home);
	a->uids[a->n] = v->uid;
	a->n++;
	if (!a->names[a->n - 1] || !a->homes[a->n - 1])
		return -ENOMEM;
	return 0;
}

static void idp_accounts_clear(struct idp_accounts *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->names[i]);
		free(a->homes[i]);
	}
	free(a->names);
	free(a->homes);
	free(a->uids);
}

/* ---- list ---- */

static size_t count_accounts(struct fedjit_store *s, const char *idp)
{
	struct idp_accounts a = {.idp = idp};
	size_t n;

	if (!s)
		return 0;
	(void)fedjit_store_foreach_user(s, collect_cb, &a);
	n = a.n;
	idp_accounts_clear(&a);
	return n;
}

static void join(char *const *v, char *buf, size_t size)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; v && v[i] && k < size; i++)
		k += snprintf(buf + k, size - k, "%s%s", i ? "," : "", v[i]);
}

static int idp_list(struct fedjit_cli *cli, int argc, char **argv)
{
	static const char *const titles[] = {"NAME", "ISSUER", "PROVISIONING", "DOMAIN",
	                                     "ACCOUNTS"};
	const struct fedjit_config *config;
	struct fedjit_store *s = NULL;
	struct fedjit_table *t = NULL;
	json_t *arr = NULL;
	bool json = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (fedjit_cli_is_help(argv[i])) {
			printf("Usage: fedjit idp list [--json]\n"
			       "List the IdPs of the configuration with their account counts.\n");
			return FEDJIT_EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else {
			return fedjit_cli_usage_error("idp list", "unexpected argument '%s'",
			                              argv[i]);
		}
	}
	r = fedjit_cli_config(cli, true, &config);
	if (r != 0)
		return r;
	r = fedjit_cli_open_ro(cli, &s);
	if (r != 0)
		return r;
	arr = json ? json_array() : NULL;
	t = json ? NULL : fedjit_table_new(FEDJIT_ELEMENTSOF(titles), titles);
	if (!arr && !t) {
		r = fedjit_cli_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < config->n_idps; i++) {
		const struct fedjit_idp *idp = &config->idps[i];
		char domains[256], count[32];
		const char *domain =
		        idp->provisioning == FEDJIT_PROVISIONING_ALWAYS ? idp->domain : domains;
		size_t n = count_accounts(s, idp->name);

		join(idp->domains, domains, sizeof(domains));
		if (!idp->domains)
			snprintf(domains, sizeof(domains), "%s", "(all)");
		snprintf(count, sizeof(count), "%zu", n);
		if (json) {
			r = json_array_append_new(
			        arr, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:I}", "name", idp->name,
			                       "issuer", idp->issuer, "client_id", idp->client_id,
			                       "provisioning",
			                       fedjit_provisioning_to_string(idp->provisioning),
			                       "domain", idp->domain, "accounts", (json_int_t)n));
		} else {
			const char *cells[] = {idp->name, idp->issuer,
			                       fedjit_provisioning_to_string(idp->provisioning),
			                       domain, count};

			r = fedjit_table_add(t, cells);
		}
		if (r < 0) {
			r = fedjit_cli_error("out of memory");
			goto out;
		}
	}
	if (json) {
		r = fedjit_json_print(arr);
		arr = NULL;
	} else {
		fedjit_table_print(t, stdout);
		r = FEDJIT_EXIT_OK;
	}
out:
	json_decref(arr);
	fedjit_table_free(t);
	fedjit_store_close(s);
	return r;
}

/* ---- purge ---- */

/* Purging the accounts of an IdP that is still configured only lasts until
 * its people log in again. */
static void warn_still_configured(struct fedjit_cli *cli, const char *name)
{
	const struct fedjit_config *config = NULL;
	const struct fedjit_idp *idp;

	if (fedjit_cli_config(cli, false, &config) != 0 || !config)
		return;
	idp = fedjit_config_idp(config, name);
	if (idp && idp->provisioning != FEDJIT_PROVISIONING_NONE)
		fedjit_cli_warn("IdP %s is still configured with provisioning = %s: its people get "
		                "new accounts at their next login; remove [idp %s] from the "
		                "configuration to retire it",
		                idp->name, fedjit_provisioning_to_string(idp->provisioning),
		                idp->name);
}

static int idp_purge(struct fedjit_cli *cli, int argc, char **argv)
{
	struct idp_accounts a = {0};
	struct fedjit_cli_delete_opts o;
	struct fedjit_store *s = NULL;
	char **deleted = NULL;
	char question[300], reason[300];
	bool help;
	int r;

	r = fedjit_cli_parse_delete_opts(
	        "idp purge",
	        "Usage: fedjit idp purge NAME [--remove-home] [--yes]\n"
	        "Delete every account the IdP NAME provisioned or linked (in one transaction),\n"
	        "with --remove-home their homes too. The IdP need not be configured any more.\n"
	        "Asks first unless --yes.\n",
	        "name one IdP", argc, argv, &o, &help);
	if (r != 0 || help)
		return r;
	a.idp = o.operand;
	r = fedjit_cli_open_rw(cli, false, &s);
	if (r != 0)
		return r;
	r = fedjit_store_foreach_user(s, collect_cb, &a);
	if (r < 0) {
		r = fedjit_cli_error("reading the store: %s", fedjit_store_strerror(r));
		goto out;
	}
	if (a.n == 0) {
		printf("no accounts of IdP %s\n", a.idp);
		r = FEDJIT_EXIT_OK;
		goto out;
	}
	snprintf(question, sizeof(question), "Delete all %zu account%s of IdP %s%s?", a.n,
	         a.n == 1 ? "" : "s", a.idp, o.remove_home ? " and their homes" : "");
	r = fedjit_cli_confirm(o.yes, question);
	if (r <= 0) {
		r = r < 0 ? FEDJIT_EXIT_ERROR : fedjit_cli_error("nothing deleted");
		goto out;
	}
	r = fedjit_store_purge_idp(s, a.idp, &deleted);
	if (r < 0) {
		r = fedjit_cli_error("purging %s: %s (nothing deleted)", a.idp,
		                     fedjit_store_strerror(r));
		goto out;
	}
	fedjit_store_close(s);
	s = NULL;
	/* What the transaction deleted, with the homes collected before it (an
	 * account created meanwhile is in `deleted` without a home: kept). */
	snprintf(reason, sizeof(reason), "administrator purged IdP %s%s", a.idp,
	         o.remove_home ? ", with the homes" : "");
	for (size_t i = 0; deleted[i]; i++) {
		size_t k;

		for (k = 0; k < a.n && strcmp(a.names[k], deleted[i]) != 0; k++)
			;
		if (k < a.n)
			printf("removed account %s (uid %" PRIu32 ")\n", deleted[i], a.uids[k]);
		else
			printf("removed account %s\n", deleted[i]);
		/* uid 0 here: created after the list was taken, its uid unknown */
		fedjit_audit_account(FEDJIT_AUDIT_PURGE, deleted[i], k < a.n ? a.uids[k] : 0,
		                     "admin", reason, true);
	}
	warn_still_configured(cli, a.idp);
	r = fedjit_cli_after_delete(cli, deleted, NULL, NULL, (size_t)r, false);
	if (o.remove_home) {
		int r2 = fedjit_cli_after_delete(cli, a.names, (const char *const *)a.homes, a.uids,
		                                 a.n, true);

		r = r ? r : r2;
	}
out:
	fedjit_strv_free(deleted);
	idp_accounts_clear(&a);
	fedjit_store_close(s);
	return r;
}

static const struct fedjit_cli_verb verbs[] = {
        {"list", idp_list, "list the configured IdPs"},
        {"test", fedjit_cmd_idp_test, "check discovery, JWKS, device endpoint, TLS, issuer"},
        {"purge", idp_purge, "delete every account of an IdP"},
        {NULL, NULL, NULL},
};

int fedjit_cmd_idp(struct fedjit_cli *cli, int argc, char **argv)
{
	return fedjit_cli_dispatch(cli, "idp", verbs, argc - 1, argv + 1);
}

int fedjit_cmd_idp_test(struct fedjit_cli *cli, int argc, char **argv)
{
	struct fedjit_cli_helper_run run = {.helper = FEDJIT_HELPER_PATH};
	_cleanup_msg_ struct fedjit_msg *req = fedjit_msg_new();
	const struct fedjit_config *config;
	const char *name = NULL;
	bool help;
	int r = fedjit_cli_helper_options(
	        "idp test",
	        "Usage: fedjit idp test NAME [--debug] [--helper PATH]\n"
	        "Ask fedjit-helper to check the IdP NAME: discovery, TLS, issuer, JWKS and the\n"
	        "device endpoint, with a verdict per step. Exit 0 when every step passed.\n",
	        argc, argv, &run, NULL, &name, &help);

	if (r != 0 || help)
		return r;
	if (!req)
		return fedjit_cli_error("out of memory");
	r = fedjit_cli_config(cli, true, &config);
	if (r != 0)
		return r;
	if (!fedjit_config_idp(config, name))
		return fedjit_cli_error("no IdP %s in the configuration", name);
	r = fedjit_cli_helper_request(cli, req, "idp-test", run.debug, 60);
	if (r != 0)
		return r;
	if (fedjit_msg_add(req, "idp", name) < 0 || fedjit_msg_add_bool(req, "interactive", false))
		return fedjit_cli_error("building the request failed");
	return fedjit_cli_helper_run(&run, req, false, 60);
}

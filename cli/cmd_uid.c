/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit uid NAME [--domain D]: the entry a name would get on this host, and
 * why. The entry is the account plan (common/account_plan.h), the one
 * provisioning and the sshd pre-auth entry use; this adds the explanation:
 * the name rules, the hash (idalloc.h), the domain's range and every id the
 * probes skipped, with the source that had it (the store, or another NSS
 * source; the fedjit NSS module is bypassed in this process).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/account_plan.h"
#include "common/config.h"
#include "common/idalloc.h"
#include "common/names.h"

#define MAX_PROBES_SHOWN 20

struct probe_ctx {
	struct fedjit_store *s; /* may be NULL: no store yet */
	unsigned n_taken;
};

/* After a NULL from getpw* / getgr*: some modules report "not found" through
 * errno (getpwnam(3) NOTES). Anything else is a failed lookup: unknown is not
 * free. */
static int lookup_failed(void)
{
	if (errno == 0 || errno == ENOENT || errno == ESRCH || errno == EBADF || errno == EPERM)
		return 0;
	return -errno;
}

static int report_taken(struct probe_ctx *c, uint32_t id, const char *what)
{
	if (c->n_taken++ < MAX_PROBES_SHOWN)
		printf("  probe %" PRIu32 ": taken (%s)\n", id, what);
	return 1;
}

static int uid_taken(uint32_t id, void *userdata)
{
	struct probe_ctx *c = userdata;
	struct fedjit_user *u = NULL;
	struct passwd *pw;
	char what[300];

	if (c->s && fedjit_store_get_user_by_uid(c->s, id, &u) == 0) {
		snprintf(what, sizeof(what), "uid of %s in the fedjit store", u->name);
		fedjit_user_free(u);
		return report_taken(c, id, what);
	}
	errno = 0;
	pw = getpwuid(id);
	if (pw) {
		snprintf(what, sizeof(what), "uid of %s in another NSS source (passwd)",
		         pw->pw_name);
		return report_taken(c, id, what);
	}
	return lookup_failed();
}

static int gid_taken(uint32_t id, void *userdata)
{
	struct probe_ctx *c = userdata;
	struct fedjit_group *g = NULL;
	struct group *gr;
	char what[300];

	if (c->s && fedjit_store_get_group_by_gid(c->s, id, &g) == 0) {
		snprintf(what, sizeof(what), "gid of group %s in the fedjit store", g->name);
		fedjit_group_free(g);
		return report_taken(c, id, what);
	}
	errno = 0;
	gr = getgrgid(id);
	if (gr) {
		snprintf(what, sizeof(what), "gid of group %s in another NSS source (group)",
		         gr->gr_name);
		return report_taken(c, id, what);
	}
	return lookup_failed();
}

static int name_lookup(const char *name, uint32_t *ret_uid, void *userdata)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (pw) {
		*ret_uid = pw->pw_uid;
		return 1;
	}
	return lookup_failed();
}

/* gid of an existing group (the shared primary group): the store, then the
 * other sources. */
static int group_gid(const char *name, uint32_t *ret_gid, void *userdata)
{
	struct probe_ctx *c = userdata;
	struct fedjit_group *g = NULL;
	struct group *gr;

	if (c->s && fedjit_store_get_group(c->s, name, &g) == 0) {
		*ret_gid = g->gid;
		fedjit_group_free(g);
		return 1;
	}
	errno = 0;
	gr = getgrnam(name);
	if (gr) {
		*ret_gid = gr->gr_gid;
		return 1;
	}
	return lookup_failed();
}

int fedjit_cmd_uid(struct fedjit_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	        {"domain", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	const struct fedjit_config *config;
	const struct fedjit_domain *d;
	const struct fedjit_idp *idp;
	const char *domain = NULL;
	struct fedjit_login login;
	struct fedjit_store *s = NULL;
	struct fedjit_user *existing = NULL;
	struct probe_ctx c = {0};
	struct fedjit_plan_lookups lookups = {
	        .uid_taken = uid_taken, .gid_taken = gid_taken, .group_gid = group_gid};
	struct fedjit_account_plan plan;
	char reason[FEDJIT_REASON_SIZE], lower[FEDJIT_CONFIG_NAME_MAX + 1] = {0};
	uint32_t uid, start;
	uint64_t h, n;
	int opt, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			domain = optarg;
			break;
		case 'h':
			printf("Usage: fedjit uid NAME [--domain D]\n"
			       "Show which uid and gid the login name NAME (D/name, name@D, or a "
			       "bare "
			       "name in\nthe domain D, default PRIMARY) would get on this host, "
			       "and "
			       "why.\n");
			return FEDJIT_EXIT_OK;
		default:
			return fedjit_cli_usage_error("uid", "unknown or incomplete option '%s'",
			                              argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return fedjit_cli_usage_error("uid", "name one login name");
	r = fedjit_cli_config(cli, true, &config);
	if (r != 0)
		return r;
	if (domain && !fedjit_config_domain(config, domain))
		return fedjit_cli_error("no domain %s in the configuration", domain);
	r = fedjit_login_parse(config, domain, argv[optind], strlen(argv[optind]), &login, reason,
	                       sizeof(reason));
	if (r < 0)
		return fedjit_cli_error("%s", reason);
	/* The IdP that would provision the name decides its domain (always:
	 * its own domain), unless --domain says which one to look at. */
	idp = fedjit_config_idp_for_domain(config, login.domain->name);
	if (idp && !domain) {
		r = fedjit_idp_login(config, idp, argv[optind], strlen(argv[optind]), &login,
		                     reason, sizeof(reason));
		if (r < 0)
			return fedjit_cli_error("%s would not be provisioned: %s", argv[optind],
			                        reason);
	}
	if (idp)
		printf("idp: %s (provisioning = %s)\n", idp->name,
		       fedjit_provisioning_to_string(idp->provisioning));
	else
		printf("idp: none provisions names of domain %s (only existing accounts)\n",
		       login.domain->name);
	d = login.domain;
	printf("name: %s (domain %s, local part %s)\n", login.canonical, d->name, login.local);
	if (fedjit_name_policy_check(d, FEDJIT_NAME_USER, login.local, reason, sizeof(reason)) < 0)
		return fedjit_cli_error("%s would not be provisioned: %s", login.canonical, reason);
	r = fedjit_name_check_reserved(config, d, login.canonical, name_lookup, NULL, reason,
	                               sizeof(reason));
	if (r < 0)
		return fedjit_cli_error("%s would not be provisioned: %s", login.canonical,
		                        r == -EPERM ? reason : strerror(-r));

	r = fedjit_cli_open_ro(cli, &s);
	if (r != 0)
		return r;
	c.s = s;
	lookups.userdata = &c;
	if (s && fedjit_store_get_user(s, login.canonical, &existing) == 0) {
		printf("account: exists in the store with uid %" PRIu32 ", gid %" PRIu32
		       " (an existing account's ids never change)\n",
		       existing->uid, existing->gid);
		fedjit_user_free(existing);
		fedjit_store_close(s);
		return FEDJIT_EXIT_OK;
	} else {
		uint32_t other = 0;

		if (name_lookup(login.canonical, &other, NULL) == 1) {
			printf("account: exists in another NSS source with uid %" PRIu32
			       "; provisioning refuses the name (an IdP with associate_existing = "
			       "yes links it, keeping that uid)\n",
			       other);
			fedjit_store_close(s);
			return FEDJIT_EXIT_ERROR;
		}
	}

	h = fedjit_id_hash(d->name, login.canonical);
	n = (uint64_t)d->uid_max - d->uid_min + 1;
	start = d->uid_min + (uint32_t)(h % n);
	for (size_t i = 0; d->name[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)d->name[i]);
	printf("hash: FNV-1a-64(\"%s\" 0x00 \"%s\") = 0x%016" PRIx64 "\n", lower, login.canonical,
	       h);
	printf("range: %" PRIu32 "-%" PRIu32 " (%" PRIu64 " ids), first candidate %" PRIu32
	       " = %" PRIu32 " + (hash mod %" PRIu64 ")\n",
	       d->uid_min, d->uid_max, n, start, d->uid_min, n);
	c.n_taken = 0;
	r = fedjit_account_plan(d, login.canonical, &lookups, &plan);
	fedjit_store_close(s);
	if (c.n_taken > MAX_PROBES_SHOWN)
		printf("  ... %u taken ids in all\n", c.n_taken);
	if (r == -ENOSPC)
		return fedjit_cli_error("no free id left in %" PRIu32 "-%" PRIu32, d->uid_min,
		                        d->uid_max);
	if (r < 0)
		return fedjit_cli_error("computing the entry: %s", strerror(-r));
	uid = plan.uid;
	/* Excluded ids are skipped without a lookup; name those that were passed. */
	for (uint64_t i = 0; i < n; i++) {
		uint32_t probe = d->uid_min + (uint32_t)((start - d->uid_min + i) % n);

		if (probe == uid)
			break;
		if (fedjit_id_excluded(probe) && i < MAX_PROBES_SHOWN)
			printf("  probe %" PRIu32 ": skipped (never handed out)\n", probe);
	}
	printf("uid: %" PRIu32 "\n", plan.uid);
	if (plan.primary_group)
		printf("gid: %" PRIu32 " (shared primary group %s, %s)\n", plan.gid,
		       plan.primary_group,
		       plan.primary_group_exists ? "exists" : "created with the first account");
	else
		printf("gid: %" PRIu32 " (user private group %s)\n", plan.gid, plan.name);
	printf("home: %s\n", plan.home);
	printf("shell: %s\n", plan.shell);
	return FEDJIT_EXIT_OK;
}

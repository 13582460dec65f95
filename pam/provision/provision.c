/* SPDX-License-Identifier: Apache-2.0 */
/* Just-in-time provisioning: the decision and the commit (see provision.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"
#include "pam/provision/provision_private.h"

#define LINK_RACE_RETRIES 3

void fedjit_prov_run_init(struct prov_run *run, const struct fedjit_prov_ctx *ctx,
                          struct fedjit_prov_result *ret)
{
	const struct fedjit_global *gl = &ctx->config->global;

	*ret = (struct fedjit_prov_result){.status = "error"};
	*run = (struct prov_run){
	        .ctx = ctx,
	        .res = ret,
	        .db_file = ctx->db_file ? ctx->db_file : gl->db_file,
	        .secret_db_file = ctx->secret_db_file ? ctx->secret_db_file : gl->secret_db_file,
	        .now = ctx->now ? ctx->now : (int64_t)time(NULL),
	};
	run->lookups = fedjit_prov_plan_lookups(run);
	/* The store stays open across lookups of other sources: fedjit's own NSS
	 * module must not open it in this process (ARCHITECTURE.md). */
	if (!getenv("FEDJIT_NSS_BYPASS"))
		setenv("FEDJIT_NSS_BYPASS", "1", 1);
}

/* Claim text into a passwd-safe field: no ':' or control characters, at most
 * max bytes, never cutting a UTF-8 sequence. */
void fedjit_prov_sanitize(const char *in, char *out, size_t max)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)(in ? in : ""); *p && n < max; p++)
		out[n++] = (*p < 0x20 || *p == 0x7f || *p == ':') ? ' ' : (char)*p;
	/* cut inside a character: drop its lead and continuation bytes */
	if (in && in[n] != '\0')
		while (n > 0 && ((unsigned char)in[n] & 0xc0) == 0x80)
			n--;
	out[n] = '\0';
}

static int store_open(struct prov_run *run)
{
	int r = run->ctx->dry_run ? fedjit_prov_dry_store_open(run)
	                          : fedjit_store_open(run->db_file,
	                                              FEDJIT_STORE_CREATE | FEDJIT_STORE_POINT |
	                                                      run->ctx->store_flags,
	                                              &run->store);
	if (r < 0)
		fedjit_prov_result(run, "error", NULL, "store %s: %s", run->db_file,
		                   fedjit_store_strerror(r));
	return r;
}

static void store_close(struct prov_run *run)
{
	fedjit_store_close(run->store);
	run->store = NULL;
}

/* ---- finishing: home, hook, background groups ---- */

static int finish_init(struct prov_run *run, const struct fedjit_user *u, bool make_home,
                       const struct prov_groups *g, struct prov_finish *f)
{
	*f = (struct prov_finish){
	        .domain = run->domain,
	        .idp = run->ctx->idp,
	        .uid = u->uid,
	        .gid = u->gid,
	        .make_home = make_home,
	        .new_home = u->flags & FEDJIT_USER_PENDING,
	};
	snprintf(f->name, sizeof(f->name), "%s", u->name);
	snprintf(f->home, sizeof(f->home), "%s", u->home);
	snprintf(f->shell, sizeof(f->shell), "%s", u->shell);
	f->groups = g ? fedjit_prov_groups_join(g) : strdup("");
	return f->groups ? 0 : -ENOMEM;
}

/* Re-sync the supplementary groups (one transaction). */
static int sync_groups(struct prov_run *run, const struct fedjit_user *u, char **ret_joined)
{
	struct prov_groups g = {0};
	_cleanup_free_ uint32_t *gids = NULL;
	_cleanup_free_ uint32_t *before = NULL;
	size_t n = 0, n_before = 0;
	int r = fedjit_store_batch_begin(run->store);

	if (r < 0)
		return r;
	r = fedjit_prov_groups_before(run->store, u->name, &before, &n_before);
	if (r >= 0)
		r = fedjit_prov_groups_compute(run, true, &g);
	if (r >= 0)
		r = fedjit_prov_groups_gids(&g, &gids, &n);
	if (r >= 0)
		r = fedjit_store_update_account(run->store, u, gids, n, FEDJIT_UPDATE_GROUPS);
	r = fedjit_store_batch_end(run->store, r);
	if (r >= 0)
		fedjit_prov_audit_groups(run->store, u, "login", before, n_before);
	if (r >= 0 && ret_joined) {
		free(*ret_joined);
		*ret_joined = fedjit_prov_groups_join(&g);
	}
	fedjit_prov_groups_free(&g);
	return r;
}

int fedjit_prov_background(struct prov_run *run, struct prov_finish *f)
{
	struct fedjit_user *u = NULL;
	char err[512] = "";
	int r = fedjit_store_open(run->db_file, FEDJIT_STORE_POINT | run->ctx->store_flags,
	                          &run->store);

	if (r >= 0)
		r = fedjit_store_get_user(run->store, f->name, &u);
	if (r >= 0)
		r = sync_groups(run, u, &f->groups);
	store_close(run);
	if (r < 0)
		snprintf(err, sizeof(err), "group sync: %s", fedjit_store_strerror(r));
	if (r >= 0 && (u->flags & FEDJIT_USER_PENDING))
		r = fedjit_prov_finish_run(f, run->id, err, sizeof(err));
	if (r >= 0 && (u->flags & FEDJIT_USER_PENDING)) {
		r = fedjit_store_open(run->db_file, FEDJIT_STORE_POINT | run->ctx->store_flags,
		                      &run->store);
		if (r >= 0)
			r = fedjit_store_set_flags(run->store, f->name, 0, FEDJIT_USER_PENDING);
		store_close(run);
		if (r < 0)
			snprintf(err, sizeof(err), "clearing the pending flag: %s",
			         fedjit_store_strerror(r));
	}
	if (r < 0)
		syslog(LOG_AUTHPRIV | LOG_ERR,
		       "provisioning: background work for account=%s idp=%s failed (retried at "
		       "the next login): %s",
		       f->name, run->ctx->idp->name, err);
	else
		syslog(LOG_AUTHPRIV | LOG_INFO,
		       "provisioning: background work for account=%s idp=%s done", f->name,
		       run->ctx->idp->name);
	fedjit_user_free(u);
	return r;
}

/* Blocking: finish now. Returns 0, or < 0 with the result set. */
static int finish_blocking(struct prov_run *run, const struct fedjit_user *u, bool make_home,
                           const struct prov_groups *g, bool rollback)
{
	struct prov_finish f;
	char err[512] = "";
	int r = finish_init(run, u, make_home, g, &f);

	if (r < 0) {
		free(f.groups);
		return r;
	}
	store_close(run); /* the hook may look the account up, and take its time */
	r = fedjit_prov_finish_run(&f, run->id, err, sizeof(err));
	if (r >= 0) {
		r = store_open(run);
		if (r >= 0)
			r = fedjit_store_set_flags(run->store, u->name, 0, FEDJIT_USER_PENDING);
		if (r < 0)
			snprintf(err, sizeof(err), "clearing the pending flag: %s",
			         fedjit_store_strerror(r));
	}
	if (r < 0 && rollback) {
		fedjit_prov_finish_remove_home(&f);
		if (run->store || store_open(run) >= 0)
			(void)fedjit_store_delete_account(run->store, u->name);
	}
	if (r < 0)
		fedjit_prov_result(run, "error", "Your account could not be set up.", "%s%s",
		                   err[0] ? err : strerror(-r),
		                   rollback ? "; account rolled back"
		                            : "; retried at the next login");
	free(f.groups);
	return r;
}

int fedjit_prov_complete(struct prov_run *run, const struct fedjit_user *u, bool make_home,
                         const struct prov_groups *g, bool rollback)
{
	struct prov_finish f;
	int r;

	if (run->ctx->commit_only)
		return 0;
	if (run->ctx->idp->mode == FEDJIT_MODE_BLOCKING)
		return finish_blocking(run, u, make_home, g, rollback);
	r = finish_init(run, u, make_home, NULL, &f);
	if (r < 0)
		return r;
	store_close(run);
	r = fedjit_prov_spawn_worker(run, &f);
	free(f.groups);
	if (r < 0)
		syslog(LOG_AUTHPRIV | LOG_ERR,
		       "provisioning: starting the background worker for %s: %s (retried at the "
		       "next login)",
		       u->name, strerror(-r));
	return 0;
}

/* ---- an identity that owns an account ---- */

static int existing(struct prov_run *run, struct fedjit_user *u)
{
	const struct fedjit_prov_ctx *ctx = run->ctx;
	const struct fedjit_identity *id = run->id;
	struct prov_groups g = {0};
	_cleanup_free_ uint32_t *gids = NULL;
	_cleanup_state_ struct fedjit_account_state *st = NULL;
	struct fedjit_access a;
	_cleanup_free_ uint32_t *before = NULL;
	size_t n = 0, n_before = 0;
	char gecos[256], email[256];
	bool blocking = ctx->idp->mode == FEDJIT_MODE_BLOCKING || ctx->revalidation;
	int r;

	snprintf(run->res->account, sizeof(run->res->account), "%s", u->name);
	(void)fedjit_prov_load_state(run, u->name, &st); /* none: nothing recorded */
	fedjit_access_decide(
	        &(struct fedjit_access_in){
	                .config = ctx->config,
	                .idp = ctx->idp,
	                .name = run->login.canonical,
	                .id = id,
	                .owned = u,
	                .state = st,
	                .now = run->now,
	        },
	        &a);
	/* The IdP vouched for the account's owner now, whatever the answer: what
	 * it said is what the account phase judges by (recorded with the
	 * account's update below, or alone when refused). A refresh token only
	 * for an account that may be used (a lock erased it, and keeps it
	 * erased). */
	if (a.reason != FEDJIT_ACCESS_OK) {
		(void)fedjit_prov_record_verified(run, u->name, false);
		fedjit_prov_result(run, a.status, a.message, "%s", a.log);
		return 0;
	}

	/* attributes from the claims, every login; uid, gid, home, shell never move */
	fedjit_prov_sanitize(id->gecos, gecos, 255);
	fedjit_prov_sanitize(id->email, email, 255);
	if (ctx->dry_run) {
		snprintf(ctx->dry_run->gecos, sizeof(ctx->dry_run->gecos), "%s", gecos);
		return fedjit_prov_dry_report(run, FEDJIT_PROV_WOULD_EXIST, u->uid, u->gid, u->home,
		                              u->shell, u->domain);
	}
	u->gecos = gecos;
	u->email = email;
	if (!ctx->revalidation) /* a revalidation is no login */
		u->last_login = run->now;
	if (blocking)
		fedjit_prov_memo_warm(run, false, true);
	r = fedjit_store_batch_begin(run->store);
	if (r < 0) {
		/* e.g. another writer holds the store past the bounded wait */
		fedjit_prov_memo_stop(run);
		fedjit_prov_result(run, "error", NULL, "updating account %s: %s", u->name,
		                   fedjit_store_strerror(r));
		return 0;
	}
	if (blocking) {
		r = fedjit_prov_groups_before(run->store, u->name, &before, &n_before);
		if (r >= 0)
			r = fedjit_prov_groups_compute(run, true, &g);
		if (r >= 0)
			r = fedjit_prov_groups_gids(&g, &gids, &n);
	}
	if (r >= 0)
		r = fedjit_store_update_account(run->store, u, gids, n,
		                                FEDJIT_UPDATE_ATTRS |
		                                        (blocking ? FEDJIT_UPDATE_GROUPS : 0));
	if (r >= 0)
		r = fedjit_prov_record_verified(run, u->name, true);
	r = fedjit_store_batch_end(run->store, r);
	fedjit_prov_memo_stop(run);
	if (r < 0) {
		fedjit_prov_groups_free(&g);
		return r;
	}
	if (blocking)
		run->res->groups_changed = fedjit_prov_audit_groups(
		        run->store, u, ctx->revalidation ? "revalidation" : "login", before,
		        n_before);
	run->res->action = FEDJIT_PROV_UPDATED;
	run->res->uid = u->uid;
	run->res->gid = u->gid;
	fedjit_prov_result(run, "ok", NULL, "attributes%s re-synced%s",
	                   blocking ? " and groups" : "",
	                   u->flags & FEDJIT_USER_PENDING ? "; finishing pending work" : "");
	/* an existing home is never touched, so make_home is safe for linked accounts */
	if (u->flags & FEDJIT_USER_PENDING || !blocking)
		(void)fedjit_prov_complete(run, u, true, &g,
		                           false); /* failures are in the result */
	fedjit_prov_groups_free(&g);
	return 0;
}

static int login(struct prov_run *run, const struct fedjit_login *requested)
{
	const struct fedjit_prov_ctx *ctx = run->ctx;
	const struct fedjit_identity *id = run->id;
	char reason[FEDJIT_REASON_SIZE];
	int r;

	if (!id->issuer || !id->subject || !id->subject[0] ||
	    strcmp(id->issuer, ctx->idp->issuer) != 0) {
		fedjit_prov_result(run, "error", NULL, "identity not from IdP %s", ctx->idp->name);
		return 0;
	}
	r = fedjit_idp_login_from(ctx->config, ctx->idp, requested, &run->login, reason,
	                          sizeof(reason));
	if (r < 0) {
		fedjit_prov_result(run, "unknown_user", NULL, "login name refused: %s", reason);
		return 0;
	}
	run->domain = run->login.domain;
	r = store_open(run);
	if (r < 0)
		return 0;
	for (int i = 0; i < LINK_RACE_RETRIES; i++) {
		struct fedjit_user *u = NULL;

		r = fedjit_store_get_user_by_link(run->store, id->issuer, id->subject, &u);
		if (r == 0) {
			r = existing(run, u);
			fedjit_user_free(u);
			return r;
		}
		if (r != -ENOENT)
			return r;
		if (ctx->revalidation) { /* the account went away meanwhile */
			fedjit_prov_result(run, "no_account", NULL,
			                   "the identity owns no account any more");
			return 0;
		}
		r = fedjit_prov_decide_new(run);
		if (r != -EAGAIN)
			return r;
	}
	return -EAGAIN;
}

int fedjit_provision_login(const struct fedjit_prov_ctx *ctx, const struct fedjit_identity *id,
                           const struct fedjit_login *requested, struct fedjit_prov_result *ret)
{
	struct prov_run run;
	int r;

	fedjit_prov_run_init(&run, ctx, ret);
	run.id = id;
	r = login(&run, requested);
	if (r < 0) {
		ret->status = "error";
		ret->action = FEDJIT_PROV_NONE;
		if (!ret->log[0])
			snprintf(ret->log, sizeof(ret->log), "internal error: %s", strerror(-r));
	}
	store_close(&run);
	fedjit_secret_free(run.pwhash);
	free(run.consent);
	if (!ctx->dry_run) /* nothing happened */
		fedjit_prov_audit(&run);
	return r < 0 ? r : 0;
}

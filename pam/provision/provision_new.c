/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provisioning of an identity that owns no account yet (see provision.h, steps
 * 3 to 7): the local name, the refusals, the prompts, then one transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "common/macro.h"
#include "pam/provision/provision_private.h"

static void refuse_name(struct prov_run *run, const char *reason)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "Your user name cannot be used here: %.200s", reason);
	fedjit_prov_result(run, "error", msg, "name refused: %s", reason);
}

/*
 * A name (or, with associate_existing, the link to an existing account) taken
 * from the email claim needs an address the IdP verified: anyone can type any
 * address into an IdP that does not check it. email_verified must be true;
 * absent counts as verified only where the IdP says it sends verified
 * addresses only (trust_email). 0 when usable, 1 when refused (result set).
 */
static int check_email_verified(struct prov_run *run)
{
	const struct fedjit_idp *idp = run->ctx->idp;
	int v = run->id->email_verified;

	if (!idp->username_claim || strcmp(idp->username_claim, "email") != 0 || v == 1 ||
	    (v == -1 && idp->trust_email))
		return 0;
	fedjit_prov_result(run, "error",
	                   "Your sign-in provider has not verified your email address, so it "
	                   "cannot be your user name here.",
	                   "username_claim = email, but email_verified is %s%s",
	                   v == 0 ? "false" : "absent", v == 0 ? "" : " (and trust_email is off)");
	return 1;
}

/* The local name of the new account into run->local, run->name. 0, 1 when
 * refused (result set), negative errno. */
static int pick_name(struct prov_run *run)
{
	const struct fedjit_idp *idp = run->ctx->idp;
	const struct fedjit_identity *id = run->id;
	const char *want = id->username;
	char reason[FEDJIT_REASON_SIZE];
	int r = 0;

	if (idp->prompt == FEDJIT_PROMPT_USERNAME_PASSWORD_CONSENT) {
		if (!run->ctx->dry_run)
			return fedjit_prov_prompt_username(run);
		/* a dry run asks nobody: as if the person chose the login name */
		want = run->login.local;
	}
	if (idp->username_from == FEDJIT_USERNAME_FROM_SUBJECT && want == id->username) {
		fedjit_name_from_subject(id->issuer, id->subject, run->local);
	} else if (!want || !want[0]) {
		fedjit_prov_result(run, "error", "Your sign-in provider sent no user name.",
		                   "claim %s missing or empty", idp->username_claim);
		return 1;
	} else if (want == id->username && check_email_verified(run)) {
		return 1;
	} else {
		/* username_strip_suffix: "alice@contoso.com" -> "alice" */
		size_t len =
		        want == id->username ? fedjit_idp_strip_suffix(idp, want) : strlen(want);
		r = fedjit_name_fold(run->domain, want, len, run->local, reason, sizeof(reason));
	}
	if (r >= 0)
		r = fedjit_name_policy_check(run->domain, FEDJIT_NAME_USER, run->local, reason,
		                             sizeof(reason));
	if (r >= 0)
		r = fedjit_name_canonical(run->domain, run->local, run->name, reason,
		                          sizeof(reason));
	if (r == -EINVAL || r == -EPERM) {
		refuse_name(run, reason);
		return 1;
	}
	return r;
}

/* Secrets of a new account, written inside the account's transaction (so the
 * name is ours): first whatever an earlier, crashed provisioning of the same
 * name left, then the hash and the consent. (The account state and refresh
 * token are in the account's own commit: fedjit_prov_record_verified.) */
static int write_secrets(struct prov_run *run, bool *ret_written)
{
	struct fedjit_secret_store *ss = NULL;
	struct fedjit_consent c;
	int r;

	if (!run->pwhash && !run->consent && access(run->secret_db_file, F_OK) < 0)
		return 0;
	r = fedjit_secret_open(run->secret_db_file, FEDJIT_STORE_CREATE | run->ctx->store_flags,
	                       &ss);
	if (r < 0)
		return r;
	*ret_written = true;
	r = fedjit_secret_delete_user(ss, run->name);
	if (r >= 0 && run->pwhash)
		r = fedjit_secret_set_password_hash(ss, run->name, run->pwhash);
	if (r >= 0 && run->consent) {
		fedjit_prov_consent_record(run, &c);
		r = fedjit_secret_set_consent(ss, run->name, &c);
	}
	fedjit_secret_close(ss);
	return r;
}

static void delete_secrets(struct prov_run *run)
{
	struct fedjit_secret_store *ss = NULL;

	if (fedjit_secret_open(run->secret_db_file, run->ctx->store_flags, &ss) >= 0) {
		(void)fedjit_secret_delete_user(ss, run->name);
		fedjit_secret_close(ss);
	}
}

/* The entry of an existing account of another source (associate_existing). */
static int associate_entry(struct prov_run *run, struct fedjit_account_plan *p)
{
	const struct fedjit_prov_nss *nss = fedjit_prov_nss(run);
	_cleanup_free_ char *home = NULL, *shell = NULL;
	int r = nss->user_by_name(run->name, &p->uid, nss->userdata);

	if (r > 0)
		r = nss->user_entry(run->name, &p->gid, &home, &shell, nss->userdata);
	if (r == 0)
		r = -ENOENT; /* gone since the decision */
	if (r < 0)
		return r;
	if (strlen(home) >= sizeof(p->home) || strlen(shell) >= sizeof(p->shell))
		return -ENAMETOOLONG;
	snprintf(p->name, sizeof(p->name), "%s", run->name);
	strcpy(p->home, home);
	strcpy(p->shell, shell);
	/* The primary group stays where it is (a copy in the store would be
	 * served twice, and would outlive a change in /etc/group). */
	p->primary_group = FEDJIT_STORE_PRIMARY_FOREIGN;
	return 0;
}

/* Invariant 5: under sshd the entry must be the one the pre-auth lookup showed. */
static int check_preauth(struct prov_run *run, const struct fedjit_account_plan *p)
{
	struct fedjit_account_plan *seen;
	int r;

	if (!run->ctx->service || strcmp(run->ctx->service, "sshd") != 0 || run->chosen ||
	    !fedjit_idp_preauth_enabled(run->ctx->idp))
		return 0;
	seen = malloc(sizeof(*seen));
	if (!seen)
		return -ENOMEM;
	r = fedjit_prov_preauth_plan(run, run->name, seen);
	if (r >= 0 && (seen->uid != p->uid || seen->gid != p->gid ||
	               strcmp(seen->home, p->home) != 0 || strcmp(seen->shell, p->shell) != 0)) {
		fedjit_prov_result(
		        run, "error", "Your account cannot be created right now.",
		        "the entry differs from the one sshd was shown (uid %u/%u, gid %u/%u)",
		        p->uid, seen->uid, p->gid, seen->gid);
		r = 1;
	}
	free(seen);
	return r;
}

/*
 * A new account never adopts a home that belongs to someone else (another
 * uid's, root's, a deleted account's of another uid) or that is not a
 * directory: refused, nothing created, the administrator moves or removes it.
 * A directory owned by the new uid is taken over, and that is logged: a home
 * shared with other hosts (the uid is the same everywhere), or the home of
 * an earlier account of this name and uid that was deleted with its home
 * kept. 0: go on; 1: refused (result set); negative errno.
 */
static int check_home(struct prov_run *run, const struct fedjit_account_plan *p)
{
	struct stat st;

	if (lstat(p->home, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	if (S_ISDIR(st.st_mode) && st.st_uid == p->uid) {
		if (!run->ctx->dry_run)
			syslog(LOG_AUTHPRIV | LOG_WARNING,
			       "provisioning: new account %s takes over the existing home %s, "
			       "owned by its uid %u (a shared home, or a deleted account's)",
			       p->name, p->home, p->uid);
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		fedjit_prov_result(
		        run, "error",
		        "Your account cannot be created: its home directory belongs to "
		        "someone else.",
		        "home %s exists and belongs to uid %u, not to the new uid %u: not "
		        "adopted (move it aside or remove it)",
		        p->home, (unsigned)st.st_uid, p->uid);
	else
		fedjit_prov_result(run, "error",
		                   "Your account cannot be created: its home directory belongs to "
		                   "someone else.",
		                   "home %s exists and is not a directory: not adopted (move it "
		                   "aside or remove it)",
		                   p->home);
	return 1;
}

/* One transaction: JIT groups, account, link, primary and supplementary
 * groups, and the secrets. -EAGAIN: the identity got an account meanwhile. */
static int commit_new(struct prov_run *run, bool associate, struct prov_groups *g)
{
	const struct fedjit_identity *id = run->id;
	bool blocking = run->ctx->idp->mode == FEDJIT_MODE_BLOCKING, secrets = false;
	struct fedjit_account_plan *p = calloc(1, sizeof(*p));
	_cleanup_free_ uint32_t *gids = NULL;
	struct fedjit_user u = {0}, *other = NULL;
	char gecos[256], email[256];
	size_t n = 0;
	int r, refused = 0;

	if (!p)
		return -ENOMEM;
	fedjit_prov_memo_warm(run, !associate, blocking);
	r = fedjit_store_batch_begin(run->store);
	if (r < 0) {
		/* e.g. another writer holds the store past the bounded wait */
		fedjit_prov_result(run, "error", NULL, "creating account %s: %s", run->name,
		                   fedjit_store_strerror(r));
		r = 0;
		goto out;
	}
	r = fedjit_store_get_user_by_link(run->store, id->issuer, id->subject, &other);
	if (r >= 0) {
		fedjit_user_free(other);
		r = -EAGAIN;
	} else if (r == -ENOENT) {
		r = fedjit_prov_store_has_user(run, run->name);
		if (r > 0) {
			fedjit_prov_result(
			        run, "wrong_account",
			        "You signed in as someone who does not own this account.",
			        "account %s was just created for another identity", run->name);
			refused = 1;
			r = -EEXIST;
		}
	}
	if (r >= 0)
		r = associate ? associate_entry(run, p)
		              : fedjit_account_plan(run->domain, run->name, &run->lookups, p);
	if (r >= 0 && !associate && (r = check_preauth(run, p)) > 0) {
		refused = 1;
		r = -EPERM;
	}
	if (r >= 0 && !associate && (r = check_home(run, p)) > 0) {
		refused = 1;
		r = -EPERM;
	}
	fedjit_prov_groups_free(g);
	if (r >= 0 && blocking)
		r = fedjit_prov_groups_compute(run, true, g);
	if (r >= 0)
		r = fedjit_prov_groups_gids(g, &gids, &n);
	if (r >= 0) {
		fedjit_prov_sanitize(id->gecos, gecos, 255);
		fedjit_prov_sanitize(id->email, email, 255);
		u = (struct fedjit_user){
		        .name = run->name,
		        .uid = p->uid,
		        .gid = p->gid,
		        .gecos = gecos,
		        .home = p->home,
		        .shell = p->shell,
		        .domain = run->domain->name,
		        .idp = run->ctx->idp->name,
		        .issuer = (char *)id->issuer,
		        .subject = (char *)id->subject,
		        .email = email,
		        .created = run->now,
		        .last_login = run->now,
		        .flags = FEDJIT_USER_PENDING,
		};
		r = fedjit_store_create_account(run->store, &u, p->primary_group, gids, n);
	}
	/* what the IdP said at the first login, and its refresh token, in the
	 * account's own commit */
	if (r >= 0)
		r = fedjit_prov_record_verified(run, run->name, true);
	if (r >= 0)
		r = write_secrets(run, &secrets);
	r = fedjit_store_batch_end(run->store, r);
	fedjit_prov_memo_stop(run);
	if (r < 0) {
		if (secrets)
			delete_secrets(run);
		if (r == -EAGAIN || refused)
			goto out;
		fedjit_prov_result(run, "error", NULL, "creating account %s: %s", run->name,
		                   fedjit_store_strerror(r));
		goto out;
	}

	snprintf(run->res->account, sizeof(run->res->account), "%s", run->name);
	run->res->uid = u.uid;
	run->res->gid = u.gid;
	run->res->action = associate ? FEDJIT_PROV_LINKED : FEDJIT_PROV_CREATED;
	fedjit_prov_result(run, "ok", NULL, "%s uid=%u gid=%u home=%s%s",
	                   associate ? "linked to the existing local account" : "created", u.uid,
	                   u.gid, u.home,
	                   run->chosen && strcmp(run->name, run->login.canonical) != 0
	                           ? " (name chosen by the person)"
	                           : "");
	r = fedjit_prov_complete(run, &u, !associate, g, true);
	if (r < 0) {
		/* rolled back; the result says why */
		if (strcmp(run->res->status, "ok") == 0)
			fedjit_prov_result(run, "error", NULL, "finishing account %s: %s",
			                   run->name, strerror(-r));
		delete_secrets(run); /* the rollback deleted the account, not its secrets */
		run->res->action = FEDJIT_PROV_NONE;
		r = 0;
	}
out:
	fedjit_prov_memo_stop(run);
	free(p);
	return refused ? 0 : r;
}

/* A dry run in place of the prompts and commit_new: the entry and groups the
 * account would get, from the same plan, nothing written. */
static int dry_new(struct prov_run *run, bool associate)
{
	struct fedjit_prov_dry *dry = run->ctx->dry_run;
	struct fedjit_account_plan *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	r = associate ? associate_entry(run, p)
	              : fedjit_account_plan(run->domain, run->name, &run->lookups, p);
	if (r >= 0 && !associate)
		r = check_preauth(run, p); /* 1: refused, the result says why */
	if (r == 0 && !associate)
		r = check_home(run, p);
	if (r == 0) {
		dry->associate = associate;
		fedjit_prov_sanitize(run->id->gecos, dry->gecos, 255);
		snprintf(run->res->account, sizeof(run->res->account), "%s", run->name);
		r = fedjit_prov_dry_report(run, FEDJIT_PROV_WOULD_CREATE, p->uid, p->gid, p->home,
		                           p->shell, run->domain->name);
	}
	free(p);
	return r < 0 ? r : 0;
}

int fedjit_prov_decide_new(struct prov_run *run)
{
	const struct fedjit_prov_ctx *ctx = run->ctx;
	const struct fedjit_idp *idp = ctx->idp;
	const struct fedjit_prov_nss *nss = fedjit_prov_nss(run);
	struct prov_groups g = {0};
	char reason[FEDJIT_REASON_SIZE], msg[256];
	bool associate = false;
	uint32_t id;
	int r;

	struct fedjit_user *named = NULL;
	struct fedjit_access a;

	/* the one decision (access.h): someone else's account, no provisioning,
	 * allowed_groups; then the name checks of a new account below */
	r = fedjit_store_get_user(run->store, run->login.canonical, &named);
	if (r < 0 && r != -ENOENT)
		return r;
	fedjit_access_decide(
	        &(struct fedjit_access_in){
	                .config = ctx->config,
	                .idp = idp,
	                .name = run->login.canonical,
	                .id = run->id,
	                .named = named,
	                .now = run->now,
	        },
	        &a);
	fedjit_user_free(named);
	if (a.reason != FEDJIT_ACCESS_NEW) {
		fedjit_prov_result(run, a.status, a.message, "%s", a.log);
		return 0;
	}
	if (idp->prompt != FEDJIT_PROMPT_SILENT && !ctx->conv && !ctx->dry_run) {
		fedjit_prov_result(run, "error", NULL, "prompt = %s needs a person to ask",
		                   fedjit_prompt_to_string(idp->prompt));
		return 0;
	}
	r = pick_name(run);
	if (r != 0)
		return r < 0 ? r : 0;
	if (!run->chosen && strcmp(run->name, run->login.canonical) != 0) {
		snprintf(msg, sizeof(msg), "Your user name here is %s: please sign in with it.",
		         run->name);
		fedjit_prov_result(run, "wrong_account", msg,
		                   "the identity's name is %s, not %s; nothing created", run->name,
		                   run->login.canonical);
		return 0;
	}
	struct fedjit_prov_name_memo memo = {.nss = nss};
	r = fedjit_name_check_reserved(run->ctx->config, run->domain, run->name,
	                               fedjit_prov_user_by_name_once, &memo, reason,
	                               sizeof(reason));
	if (r == -EPERM) {
		refuse_name(run, reason);
		return 0;
	}
	if (r < 0)
		return r;
	/* invariant 4: a name of another source is never taken over silently */
	r = run->chosen ? 0 : fedjit_prov_user_by_name_once(run->name, &id, &memo);
	if (r < 0)
		return r;
	if (r > 0 && !idp->associate_existing) {
		fedjit_prov_result(
		        run, "unknown_user", NULL,
		        "the name %s exists outside fedjit (uid %u) and associate_existing is off",
		        run->name, id);
		return 0;
	}
	associate = r > 0;
	if (!associate && !run->domain->primary_group) {
		r = nss->group_by_name(run->name, NULL, nss->userdata);
		if (r < 0)
			return r;
		if (r > 0) {
			fedjit_prov_result(
			        run, "error", NULL,
			        "a group named %s exists outside fedjit: no private group possible",
			        run->name);
			return 0;
		}
	}

	if (ctx->dry_run)
		return dry_new(run, associate);
	if (idp->prompt != FEDJIT_PROMPT_SILENT) {
		r = fedjit_prov_groups_compute(run, false, &g);
		if (r >= 0)
			r = fedjit_prov_prompt_consent(run, &g);
		if (r == 0 && idp->prompt != FEDJIT_PROMPT_CONSENT)
			r = fedjit_prov_prompt_password(run, run->local);
		if (r != 0) {
			fedjit_prov_groups_free(&g);
			return r < 0 ? r : 0;
		}
	}
	r = commit_new(run, associate, &g);
	fedjit_prov_groups_free(&g);
	if (r < 0 || !run->chosen || strcmp(run->name, run->login.canonical) == 0 ||
	    strcmp(run->res->status, "ok") != 0)
		return r;
	if (run->ctx->switch_user) {
		/* the module continues the login as the new account */
		run->res->chosen = true;
	} else {
		snprintf(msg, sizeof(msg), "Your account %s was created: please sign in with it.",
		         run->name);
		fedjit_prov_result(run, "wrong_account", msg,
		                   "created %s, chosen by the person for %s", run->name,
		                   run->login.canonical);
	}
	return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pam_fedjit.so: federated sign-in with the OAuth 2.0 device flow.
 *
 * The module stays thin (ARCHITECTURE.md invariant 1): it parses its arguments,
 * reads the configuration (never the store: the NSS module may hold it open
 * in this very process), checks the name, and lets fedjit-helper do the rest
 * (pam/exchange.c). It then enforces the binding itself (invariant 3): the
 * account the verified identity owns must be the canonical form of PAM_USER.
 * Names fedjit does not handle get PAM_USER_UNKNOWN so the stack can go on
 * (in the password stack PAM_IGNORE, after asking the new password for the
 * modules below: chauthtok_not_ours()).
 */
#include <errno.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdarg.h>
#include <string.h>
#include <syslog.h>

#include "common/config.h"
#include "common/escape.h"
#include "common/macro.h"
#include "common/names.h"
#include "pam/args.h"
#include "pam/exchange.h"

#define ACCOUNT_TIMEOUT 30 /* op=account and chauthtok: no device flow */

enum op {
	OP_LOGIN,
	OP_ACCOUNT,
	OP_CHAUTHTOK,
};

static const char *const op_names[] = {"login", "account", "chauthtok"};

/* One mapping of helper statuses to PAM codes per operation, and the message
 * the person gets when the helper gives none. */
static const struct status_map {
	const char *status;
	int code[3]; /* login, account, chauthtok */
	const char *message;
} status_map[] = {
        {"ok", {PAM_SUCCESS, PAM_SUCCESS, PAM_SUCCESS}, NULL},
        {"unknown_user", {PAM_USER_UNKNOWN, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN}, NULL},
        /* The helper does not do this operation: no opinion, as if not stacked. */
        {"unsupported", {PAM_AUTHINFO_UNAVAIL, PAM_IGNORE, PAM_IGNORE}, NULL},
        {"denied", {PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_PERM_DENIED}, "The sign-in was denied."},
        {"expired",
         {PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR},
         "The sign-in code expired. Please try again."},
        {"timeout", {PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR}, "The sign-in timed out."},
        {"unreachable",
         {PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_AUTHTOK_ERR},
         "The identity provider cannot be reached. Please try again later."},
        {"wrong_account",
         {PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_PERM_DENIED},
         "You signed in as someone who does not own this account."},
        {"no_account",
         {PAM_AUTH_ERR, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN},
         "There is no account for you here."},
        /* A refusal another sign-in cannot change: PAM_MAXTRIES, "do not try
         * again". sshd then ends keyboard-interactive for the connection
         * (else the client's next round shows a new code), login(1) stops
         * asking. */
        {"locked", {PAM_MAXTRIES, PAM_PERM_DENIED, PAM_PERM_DENIED}, "This account is locked."},
        {"disabled",
         {PAM_MAXTRIES, PAM_PERM_DENIED, PAM_PERM_DENIED},
         "This account was disabled by its identity provider."},
        /* Only sshd's pre-authentication entry exists: a refusal, so that no
         * other module of the stack lets anyone in on that entry. */
        {"not_provisioned",
         {PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_USER_UNKNOWN},
         "There is no account for you here yet: sign in with your identity provider."},
        {"unverified",
         {PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_PERM_DENIED},
         "Your identity provider could not confirm this account recently enough."},
        {"not_allowed",
         {PAM_MAXTRIES, PAM_PERM_DENIED, PAM_PERM_DENIED},
         "You are not allowed to sign in here."},
        {"idp_removed",
         {PAM_MAXTRIES, PAM_ACCT_EXPIRED, PAM_PERM_DENIED},
         "The identity provider of this account is no longer available."},
        /* Rate limited: no device flow started. PAM_MAXTRIES makes sshd end the
         * connection instead of running the stack (and a device flow) again. */
        {"busy",
         {PAM_MAXTRIES, PAM_PERM_DENIED, PAM_AUTHTOK_ERR},
         "Too many sign-ins in progress; try again in a minute."},
        {"error", {PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR}, "The sign-in failed."},
};

static const struct status_map *status_lookup(const char *status)
{
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(status_map); i++)
		if (strcmp(status_map[i].status, status) == 0)
			return &status_map[i];
	return &status_map[FEDJIT_ELEMENTSOF(status_map) - 1]; /* unknown: error */
}

static void report_arg(void *userdata, const char *arg, const char *why)
{
	pam_syslog(userdata, LOG_ERR, "ignoring argument \"%s\": %s", arg, why);
}

/* Everything one entry point needs; freed by context_done(). */
struct context {
	pam_handle_t *pamh;
	struct fedjit_pam_args args;
	bool silent;
	const char *user;
	struct fedjit_config *cfg;
	struct fedjit_login login;
};

static void context_done(struct context *c)
{
	fedjit_config_free(c->cfg);
	c->cfg = NULL;
}

/*
 * Arguments, user, configuration and name checks. PAM_SUCCESS to go on, or
 * the code to return (PAM_USER_UNKNOWN for every name fedjit does not handle).
 */
static int context_init(struct context *c, pam_handle_t *pamh, int flags, int argc,
                        const char **argv)
{
	struct fedjit_diag diag = {0};
	char reason[FEDJIT_REASON_SIZE];
	int r;

	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	c->silent = flags & PAM_SILENT;
	fedjit_pam_args_parse(argc, argv, &c->args, report_arg, pamh);

	r = pam_get_user(pamh, &c->user, NULL);
	if (r != PAM_SUCCESS || !c->user || !*c->user) {
		pam_syslog(pamh, LOG_NOTICE, "cannot determine the user name");
		return r == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_USER_UNKNOWN;
	}
	if (c->args.config)
		r = fedjit_config_load_flags(c->args.config, NULL, FEDJIT_CONFIG_SKIP_SECRET_CHECKS,
		                             &c->cfg, &diag);
	else
		r = fedjit_config_load_default_flags(FEDJIT_CONFIG_SKIP_SECRET_CHECKS, &c->cfg,
		                                     &diag);
	if (r == -ENOENT) {
		/* Not set up on this machine: nobody is a fedjit user. */
		if (c->args.debug)
			pam_syslog(pamh, LOG_DEBUG, "no configuration file: ignoring %s",
			           FEDJIT_ESC(c->user));
		fedjit_diag_clear(&diag);
		return PAM_USER_UNKNOWN;
	}
	if (r < 0) {
		for (size_t i = 0; i < diag.n_lines; i++)
			pam_syslog(pamh, LOG_ERR, "%s", diag.lines[i]);
		if (diag.n_lines == 0)
			pam_syslog(pamh, LOG_ERR, "cannot read the configuration: %s",
			           strerror(-r));
		fedjit_diag_clear(&diag);
		return PAM_AUTHINFO_UNAVAIL;
	}
	fedjit_diag_clear(&diag);
	if (c->cfg->n_idps == 0)
		return PAM_USER_UNKNOWN;
	if (c->args.idp && !fedjit_config_idp(c->cfg, c->args.idp)) {
		pam_syslog(pamh, LOG_ERR, "idp=%s: no such IdP in the configuration", c->args.idp);
		return PAM_AUTHINFO_UNAVAIL;
	}
	r = fedjit_login_parse(c->cfg, NULL, c->user, strlen(c->user), &c->login, reason,
	                       sizeof(reason));
	if (r < 0) {
		if (c->args.debug)
			pam_syslog(pamh, LOG_DEBUG, "not a fedjit name: %s", reason);
		return PAM_USER_UNKNOWN;
	}
	if (fedjit_name_is_reserved(c->cfg, c->login.canonical)) {
		if (c->args.debug)
			pam_syslog(pamh, LOG_DEBUG, "%s is reserved: ignoring", c->login.canonical);
		return PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

/* The IdP a login will most likely use: the argument's, else the one that
 * provisions the name's domain (an existing account may belong to another;
 * the helper names the one it uses in its device message). */
static const struct fedjit_idp *likely_idp(const struct context *c)
{
	if (c->args.idp)
		return fedjit_config_idp(c->cfg, c->args.idp);
	return fedjit_config_idp_for_domain(c->cfg, c->login.domain->name);
}

/* The timeout for a login: argument, else the IdP's (the longest when the helper will
 * choose the IdP). */
static unsigned login_timeout(const struct context *c)
{
	if (c->args.timeout)
		return c->args.timeout;
	return fedjit_config_login_timeout(c->cfg, likely_idp(c));
}

/*
 * Services that take the account name back from PAM_USER after
 * authentication, so that a person who chose another name for the new account
 * (prompt = username+password+consent) is signed in to it at once: util-linux
 * login does; the switch_user argument says so for others (display
 * managers). sshd does not (it refuses a changed PAM_USER), nor does sudo:
 * there the person is told to sign in again with the new name.
 */
static bool service_switches_user(const struct context *c)
{
	const void *service = NULL;

	if (c->args.switch_user)
		return true;
	return pam_get_item(c->pamh, PAM_SERVICE, &service) == PAM_SUCCESS && service &&
	       strcmp(service, "login") == 0;
}

/* Invariant 3: the identity's account must be the account being logged in. */
static int check_binding(struct context *c, struct fedjit_exchange *x)
{
	if (!x->account || !x->issuer || !x->subject) {
		pam_syslog(c->pamh, LOG_ERR, "helper reported success without an identity for %s",
		           c->login.canonical);
		return PAM_AUTH_ERR;
	}
	if (strcmp(x->account, c->login.canonical) != 0 && x->chosen && x->switch_user) {
		/* The identity's own new account, under the name the person chose
		 * for it: the login continues as that account. (Logged first:
		 * c->user is libpam's copy of PAM_USER, freed by pam_set_item.) */
		pam_syslog(c->pamh, LOG_NOTICE,
		           "%s signed in as %s, the new account's chosen name (issuer %s, subject "
		           "%s, IdP %s)",
		           FEDJIT_ESC(c->user), FEDJIT_ESC(x->account), FEDJIT_ESC(x->issuer),
		           FEDJIT_ESC(x->subject), FEDJIT_ESC(x->idp_name));
		int r = pam_set_item(c->pamh, PAM_USER, x->account);
		c->user = NULL;
		if (r != PAM_SUCCESS) {
			pam_syslog(c->pamh, LOG_ERR, "cannot switch the user to %s: %s",
			           FEDJIT_ESC(x->account), pam_strerror(c->pamh, r));
			return PAM_AUTH_ERR;
		}
		return PAM_SUCCESS;
	}
	if (strcmp(x->account, c->login.canonical) != 0) {
		pam_syslog(c->pamh, LOG_WARNING,
		           "identity (%s, %s) owns account %s, not %s: login as %s refused",
		           FEDJIT_ESC(x->issuer), FEDJIT_ESC(x->subject), FEDJIT_ESC(x->account),
		           c->login.canonical, FEDJIT_ESC(c->user));
		(void)fedjit_conv_queue(&x->conv, PAM_ERROR_MSG,
		                        status_lookup("wrong_account")->message, false);
		return PAM_AUTH_ERR;
	}
	pam_syslog(c->pamh, LOG_NOTICE, "%s signed in as %s (issuer %s, subject %s, IdP %s)",
	           FEDJIT_ESC(c->user), FEDJIT_ESC(x->account), FEDJIT_ESC(x->issuer),
	           FEDJIT_ESC(x->subject), FEDJIT_ESC(x->idp_name));
	return PAM_SUCCESS;
}

static int run(struct context *c, enum op op, const char *phase)
{
	struct fedjit_exchange x = {
	        .helper_path = c->args.helper ? c->args.helper : FEDJIT_HELPER_PATH,
	        .op = op_names[op],
	        .phase = phase,
	        .user = c->user,
	        .idp = c->args.idp,
	        .config = c->args.config,
	        .timeout = op == OP_LOGIN ? login_timeout(c)
	                                  : (c->args.timeout ? c->args.timeout : ACCOUNT_TIMEOUT),
	        .timeout_fixed = c->args.timeout != 0,
	        .debug = c->args.debug || c->cfg->global.debug,
	        .silent = c->silent,
	        .noqr = c->args.noqr,
	        .nowait = c->args.nowait,
	        .switch_user = op == OP_LOGIN && service_switches_user(c),
	        .cfg = c->cfg,
	        .default_idp = likely_idp(c) ? likely_idp(c)->name : NULL,
	};
	const struct status_map *map;
	int r;

	r = fedjit_exchange_run(c->pamh, &x);
	if (r != PAM_SUCCESS) {
		if (!x.conv_failed)
			(void)fedjit_conv_queue(&x.conv, PAM_ERROR_MSG,
			                        r == PAM_AUTH_ERR ? "The sign-in timed out."
			                                          : "The sign-in failed.",
			                        false);
		if (op == OP_ACCOUNT && r == PAM_AUTH_ERR)
			r = PAM_PERM_DENIED;
		if (op == OP_CHAUTHTOK && r != PAM_CONV_ERR)
			r = PAM_AUTHTOK_ERR;
		goto out;
	}
	map = status_lookup(x.status);
	r = map->code[op];
	/* busy: the helper logs those once per window, not per attempt */
	if (strcmp(x.status, "busy") == 0)
		goto message;
	/* One syslog line: the helper is not trusted to have escaped its log (the codec
	 * lets LF and TAB through), so the whole line is escaped here once more. */
	if (x.log)
		pam_syslog(c->pamh, r == PAM_SUCCESS ? LOG_INFO : LOG_NOTICE, "%s for %s: %s: %s",
		           op_names[op], FEDJIT_ESC(c->user), FEDJIT_ESC(x.status),
		           fedjit_escape((char[FEDJIT_ESCAPE_SIZE * 2]){0}, FEDJIT_ESCAPE_SIZE * 2,
		                         x.log, FEDJIT_ESCAPE_LINE));
	else if (r != PAM_SUCCESS && r != PAM_USER_UNKNOWN)
		pam_syslog(c->pamh, LOG_NOTICE, "%s for %s: %s", op_names[op], FEDJIT_ESC(c->user),
		           FEDJIT_ESC(x.status));
	if (op == OP_LOGIN && r == PAM_SUCCESS)
		r = check_binding(c, &x);
message:
	if (x.message || map->message)
		(void)fedjit_conv_queue(
		        &x.conv, map->code[op] == PAM_SUCCESS ? PAM_TEXT_INFO : PAM_ERROR_MSG,
		        x.message ? x.message : map->message, false);
out:
	if (!x.conv_failed)
		(void)fedjit_conv_flush(&x.conv);
	fedjit_exchange_done(&x);
	return r;
}

/*
 * The password stack for a name fedjit does not handle. pam-auth-update puts
 * the first Primary module's Password-Initial line first and gives the ones
 * after it use_authtok (pam_unix among them): the first module is the one that
 * asks for the new password. So, in the update phase, it is asked here (unless
 * an earlier module did: pam_get_authtok returns that one) and left in
 * PAM_AUTHTOK for the modules below; then PAM_IGNORE, no opinion. Without it,
 * pam_unix finds no new password and `passwd` fails for every local account.
 * The prelim phase has nothing to ask: pam_unix asks the current password.
 */
static int chauthtok_not_ours(pam_handle_t *pamh, int flags, bool debug)
{
	const char *tok = NULL;
	int r;

	if (!(flags & PAM_UPDATE_AUTHTOK))
		return PAM_IGNORE;
	r = pam_get_authtok(pamh, PAM_AUTHTOK, &tok, NULL);
	if (r != PAM_SUCCESS) {
		if (debug)
			pam_syslog(pamh, LOG_DEBUG, "no new password for the modules below: %s",
			           pam_strerror(pamh, r));
		return PAM_AUTHTOK_ERR;
	}
	return PAM_IGNORE;
}

/* One PAM entry point: set up the context from the module arguments, run op. */
static int entry(pam_handle_t *pamh, int flags, int argc, const char **argv, enum op op,
                 const char *phase)
{
	struct context c;
	int r = context_init(&c, pamh, flags, argc, argv);

	if (r == PAM_SUCCESS)
		r = run(&c, op, phase);
	if (op == OP_CHAUTHTOK && r == PAM_USER_UNKNOWN)
		r = chauthtok_not_ours(pamh, flags, c.args.debug);
	context_done(&c);
	return r;
}

FEDJIT_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return entry(pamh, flags, argc, argv, OP_LOGIN, NULL);
}

FEDJIT_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return entry(pamh, flags, argc, argv, OP_ACCOUNT, NULL);
}

/* Local passwords of provisioned accounts live in fedjit's root-only store,
 * which pam_unix cannot write: the helper asks for and stores them. Other
 * names: chauthtok_not_ours(). */
FEDJIT_EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return entry(pamh, flags, argc, argv, OP_CHAUTHTOK,
	             (flags & PAM_PRELIM_CHECK) ? "prelim" : "update");
}

/* No credentials or session state of fedjit's own: nothing to do, which is
 * success (as pam_unix and pam_sss answer). */
FEDJIT_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}

FEDJIT_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}

FEDJIT_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One run of fedjit-helper for one PAM call: start it, send the request, show
 * its device-flow instructions and prompts through the conversation, and
 * bring back its result. Deadlines and every way the helper can fail are
 * handled here; mapping the result to a PAM code is the caller's.
 */
#pragma once

#include <security/pam_modules.h>
#include <stdbool.h>

#include "pam/conv.h"

struct fedjit_config;

struct fedjit_exchange {
	/* in */
	const char *helper_path;
	const char *op;     /* login | account | chauthtok */
	const char *phase;  /* chauthtok: prelim | update; NULL otherwise */
	const char *user;   /* PAM_USER as given */
	const char *idp;    /* module argument, may be NULL */
	const char *config; /* module argument, may be NULL */
	unsigned timeout;   /* seconds for the whole run */
	bool timeout_fixed; /* timeout came from the module argument: the IdP's
	                       configured timeout does not replace it */
	bool debug, silent;
	bool noqr, nowait;               /* module arguments; else the IdP's configuration */
	bool switch_user;                /* PAM_USER may become the account the person chose */
	const struct fedjit_config *cfg; /* for the IdP's presentation settings; may be NULL */
	const char *default_idp;         /* whose settings apply when the helper names no IdP */

	/* out: status is "" when the helper failed before a result */
	char status[32];
	char *message; /* for the person; NULL when the helper gave none */
	char *log;     /* for syslog; NULL when none */
	char *idp_name, *issuer, *subject, *account;
	bool chosen;         /* account is new, its name chosen by the person in this login */
	const char *failure; /* why there is no result (static text), for syslog */
	bool conv_failed;    /* the conversation failed (client gone) */
	/* Text for the person not yet sent: the caller adds the final message
	 * and flushes it (fedjit_conv_flush), so it all arrives in one call. */
	struct fedjit_conv conv;
};

/* Runs the exchange. Returns PAM_SUCCESS when a result arrived (see status),
 * otherwise a PAM error code with failure set. fedjit_exchange_done() frees
 * the outputs either way. */
int fedjit_exchange_run(pam_handle_t *pamh, struct fedjit_exchange *x);
void fedjit_exchange_done(struct fedjit_exchange *x);

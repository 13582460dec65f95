/* SPDX-License-Identifier: Apache-2.0 */
/* pam_fedjit.so module arguments, parsed once per call into a struct. */
#pragma once

#include <stdbool.h>

#define FEDJIT_PAM_TIMEOUT_MAX 3600 /* seconds; a device code rarely lives longer */

struct fedjit_pam_args {
	bool debug;         /* debug: log the exchange at LOG_DEBUG (never secrets) */
	bool nowait;        /* nowait: show the sign-in info and wait, no Enter prompt */
	bool noqr;          /* noqr: no QR code, whatever the configuration says */
	bool switch_user;   /* switch_user: the service re-reads PAM_USER after
	                       authentication (always so for service login) */
	unsigned timeout;   /* timeout=SECONDS (1..FEDJIT_PAM_TIMEOUT_MAX); 0: not given */
	const char *idp;    /* idp=NAME: use this IdP, not the one the name's domain picks */
	const char *config; /* config=PATH: this file instead of /etc/fedjit (tests) */
	const char *helper; /* helper=PATH: another helper program (tests); absolute */
};

/* Called for each argument that is unknown or has a bad value; the argument
 * is skipped, the rest still apply (as Linux-PAM modules do). */
typedef void (*fedjit_pam_args_report_fn)(void *userdata, const char *arg, const char *why);

/* Parses argv into *ret (strings point into argv). Never fails: bad arguments
 * are reported and ignored. report may be NULL. */
void fedjit_pam_args_parse(int argc, const char **argv, struct fedjit_pam_args *ret,
                           fedjit_pam_args_report_fn report, void *userdata);

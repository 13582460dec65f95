/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The harness of the PAM-level tests: pam_start_confdir() on service files
 * the tests write, the module from the build tree, tests/pam/fake_helper in
 * place of fedjit-helper, and a conversation function that records every
 * call. See test_pam_fedjit.c and test_pam_robust.c.
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <security/pam_appl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/macro.h"

#define MAX_CALLS 16
#define MAX_MSGS  32

struct call {
	int n;
	int style[MAX_MSGS];
	char *text[MAX_MSGS];
};

struct env {
	char dir[256];
	char conf[300], confdir[300], log[310], go[310];
	char module[PATH_MAX + 64], helper[PATH_MAX + 64];
	int ncalls;
	struct call calls[MAX_CALLS];
	int prompts;
	int go_on_prompt;      /* create <conf>.go when this prompt (1-based) is asked */
	int fail_on_prompt;    /* make this prompt's conversation call fail */
	unsigned prompt_delay; /* seconds the person takes at the first prompt */
	bool permit_after;     /* pam_permit.so after the module in account and password */
	const char *service;   /* the PAM service name; NULL: fedjit-test */
	char final_user[256];  /* PAM_USER when the run ended */
};

enum what { AUTH, ACCT, CHAUTHTOK };

struct outcome {
	const char *user;
	enum what what;
	int code;
	const char *message; /* error text the person gets, NULL: none */
};

/* The conversation function: records the call, answers prompts. */
int fedjit_pt_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data);
/* cmocka setup/teardown: a scratch dir with a valid configuration. */
int fedjit_pt_setup(void **state);
int fedjit_pt_teardown(void **state);
/* Writes the service file (auth, account, password) with these module arguments. */
void fedjit_pt_service(struct env *e, const char *args);
/* One PAM call; asserts no child is left behind. Returns the PAM code. */
int fedjit_pt_run(struct env *e, enum what what, const char *user, int flags);
/* The fake helper's log ("" when it did not run). */
char *fedjit_pt_helper_log(struct env *e);
/* Does the call carry a message of this style containing needle? */
bool fedjit_pt_has_msg(const struct call *c, int style, const char *needle);

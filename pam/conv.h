/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PAM conversation, batched. sshd's keyboard-interactive shows info text
 * only in front of a prompt, so text for the person is queued and sent in the
 * same conversation call as the next prompt (or flushed alone where nothing
 * will prompt). One call carries at most FEDJIT_CONV_MAX messages, below
 * Linux-PAM's and OpenSSH's PAM_MAX_NUM_MSG (32).
 */
#pragma once

#include <security/pam_modules.h>
#include <stdbool.h>

#define FEDJIT_CONV_MAX 16

struct fedjit_conv {
	pam_handle_t *pamh;
	bool silent; /* PAM_SILENT: info and error text is dropped, prompts stay */
	int n;
	int style[FEDJIT_CONV_MAX];
	char *text[FEDJIT_CONV_MAX];
};

void fedjit_conv_init(struct fedjit_conv *c, pam_handle_t *pamh, bool silent);
/* Frees queued text (not sent). */
void fedjit_conv_clear(struct fedjit_conv *c);

/* Queues text (copied) with PAM_TEXT_INFO or PAM_ERROR_MSG. A full queue is
 * flushed first. Dropped when silent unless force. Returns a PAM code. */
int fedjit_conv_queue(struct fedjit_conv *c, int style, const char *text, bool force);
/* Sends the queued text in one call (nothing when empty). A PAM code. */
int fedjit_conv_flush(struct fedjit_conv *c);
/* Sends the queued text and one prompt (PAM_PROMPT_ECHO_OFF/ON) in one call.
 * PAM_SUCCESS and *ret_answer (never NULL; scrub and free with
 * fedjit_secret_free) or a PAM error code (PAM_CONV_ERR, PAM_BUF_ERR). */
int fedjit_conv_ask(struct fedjit_conv *c, int style, const char *prompt, char **ret_answer);

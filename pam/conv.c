/* SPDX-License-Identifier: Apache-2.0 */
/* Batched PAM conversation calls; see conv.h. */
#include <security/pam_ext.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/macro.h"
#include "pam/conv.h"

void fedjit_conv_init(struct fedjit_conv *c, pam_handle_t *pamh, bool silent)
{
	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	c->silent = silent;
}

void fedjit_conv_clear(struct fedjit_conv *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->text[i]);
	c->n = 0;
}

static void free_responses(struct pam_response *resp, int n)
{
	if (!resp)
		return;
	for (int i = 0; i < n; i++)
		fedjit_secret_free(resp[i].resp);
	free(resp);
}

/* One conversation call with the queue plus an optional prompt; the queue is
 * emptied whatever happens. */
static int converse(struct fedjit_conv *c, int prompt_style, const char *prompt, char **ret_answer)
{
	struct pam_message msg[FEDJIT_CONV_MAX + 1];
	const struct pam_message *pmsg[FEDJIT_CONV_MAX + 1];
	const struct pam_conv *conv = NULL;
	struct pam_response *resp = NULL;
	int n = 0, r;

	for (int i = 0; i < c->n; i++) {
		msg[n].msg_style = c->style[i];
		msg[n].msg = c->text[i];
		pmsg[n] = &msg[n];
		n++;
	}
	if (prompt) {
		msg[n].msg_style = prompt_style;
		msg[n].msg = prompt;
		pmsg[n] = &msg[n];
		n++;
	}
	if (n == 0)
		return PAM_SUCCESS;
	r = pam_get_item(c->pamh, PAM_CONV, (const void **)&conv);
	if (r != PAM_SUCCESS || !conv || !conv->conv) {
		pam_syslog(c->pamh, LOG_ERR, "no conversation function");
		fedjit_conv_clear(c);
		return PAM_CONV_ERR;
	}
	r = conv->conv(n, pmsg, &resp, conv->appdata_ptr);
	fedjit_conv_clear(c);
	if (r != PAM_SUCCESS) {
		free_responses(resp, n);
		return r;
	}
	if (prompt) {
		/* The prompt is the last message; its response is the answer. */
		const char *a = resp ? resp[n - 1].resp : NULL;
		char *copy = strdup(a ? a : "");

		free_responses(resp, n);
		if (!copy)
			return PAM_BUF_ERR;
		*ret_answer = copy;
		return PAM_SUCCESS;
	}
	free_responses(resp, n);
	return PAM_SUCCESS;
}

int fedjit_conv_flush(struct fedjit_conv *c)
{
	return converse(c, 0, NULL, NULL);
}

int fedjit_conv_queue(struct fedjit_conv *c, int style, const char *text, bool force)
{
	char *copy;

	if ((c->silent && !force) || !text || !*text)
		return PAM_SUCCESS;
	if (c->n == FEDJIT_CONV_MAX) {
		int r = fedjit_conv_flush(c);

		if (r != PAM_SUCCESS)
			return r;
	}
	copy = strdup(text);
	if (!copy)
		return PAM_BUF_ERR;
	c->style[c->n] = style;
	c->text[c->n] = copy;
	c->n++;
	return PAM_SUCCESS;
}

int fedjit_conv_ask(struct fedjit_conv *c, int style, const char *prompt, char **ret_answer)
{
	return converse(c, style, prompt, ret_answer);
}

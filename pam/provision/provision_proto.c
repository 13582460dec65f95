/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provisioning over the module <-> helper protocol (pam/proto/proto.h): the
 * identity from the network child's msg=identity frame, and the conversation
 * callback that asks the person through msg=prompt / msg=answer (and shows
 * text with msg=info).
 *
 * msg=identity (pam/helper/device_flow.c): issuer= subject= [username=]
 * [gecos=] [email=] [email_verified=0|1] [groups= (IdP group names, one per
 * line)] [groups_claim=0|1 (the token had the claim, perhaps empty)] [acr=]
 * [refresh_token= (secret) [refresh_expires_in=SECONDS]].
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pam/proto/proto.h"
#include "pam/provision/provision.h"

/* How long one answer may take (the module extends its own deadline by the
 * time the person spends answering, pam/proto/proto.h). */
#define ANSWER_TIMEOUT_USEC (300ULL * 1000000ULL)

int fedjit_identity_from_msg(const struct fedjit_msg *m, struct fedjit_identity *ret,
                             char **ret_groups_buf)
{
	const char *groups = fedjit_msg_get(m, "groups");
	char *buf = NULL;
	const char **v = NULL;
	size_t n = 0;

	uint64_t expires_in = 0;
	bool claim = false;

	*ret = (struct fedjit_identity){
	        .issuer = fedjit_msg_get(m, "issuer"),
	        .subject = fedjit_msg_get(m, "subject"),
	        .username = fedjit_msg_get(m, "username"),
	        .gecos = fedjit_msg_get(m, "gecos"),
	        .email = fedjit_msg_get(m, "email"),
	        .refresh_token = fedjit_msg_get(m, "refresh_token"),
	};
	if (!ret->issuer || !ret->subject)
		return -EBADMSG;
	if (fedjit_msg_get_uint(m, "refresh_expires_in", INT32_MAX, &expires_in) == 0)
		ret->refresh_expires_in = (int64_t)expires_in;
	ret->groups_claim = (fedjit_msg_get_bool(m, "groups_claim", &claim) == 0 && claim) ||
	                    (groups && groups[0]);
	if (ret->refresh_token && !ret->refresh_token[0])
		ret->refresh_token = NULL;
	bool verified;
	int r = fedjit_msg_get_bool(m, "email_verified", &verified);
	if (r == -EBADMSG)
		return r;
	ret->email_verified = r == -ENOENT ? -1 : verified;
	*ret_groups_buf = NULL;
	if (!groups || !groups[0])
		return 0;
	/* one block: the pointer array, then a copy of the lines */
	for (const char *p = groups; *p; p++)
		n += *p == '\n';
	n++;
	buf = malloc((n + 1) * sizeof(char *) + strlen(groups) + 1);
	if (!buf)
		return -ENOMEM;
	v = (const char **)(void *)buf;
	char *copy = buf + (n + 1) * sizeof(char *);
	strcpy(copy, groups);
	n = 0;
	for (char *line = copy, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0])
			v[n++] = line;
	}
	v[n] = NULL;
	ret->groups = v;
	ret->n_groups = n;
	*ret_groups_buf = buf;
	return 0;
}

int fedjit_provision_proto_conv(enum fedjit_conv_style style, const char *text, char **ret_answer,
                                void *userdata)
{
	const struct fedjit_proto_conv *c = userdata;
	struct fedjit_msg *m = fedjit_msg_new();
	const char *status, *value;
	int r;

	if (!m)
		return -ENOMEM;
	r = fedjit_msg_start(m, style == FEDJIT_CONV_INFO ? "info" : "prompt");
	if (r >= 0 && style != FEDJIT_CONV_INFO)
		r = fedjit_msg_add(m, "style",
		                   style == FEDJIT_CONV_ECHO_OFF ? "echo_off" : "echo_on");
	if (r >= 0)
		r = fedjit_msg_add(m, "text", text);
	if (r >= 0)
		r = fedjit_msg_send(c->fd, m, fedjit_proto_now_usec() + ANSWER_TIMEOUT_USEC);
	if (r < 0 || style == FEDJIT_CONV_INFO)
		goto out;
	r = fedjit_msg_recv(c->fd, m, fedjit_proto_now_usec() + ANSWER_TIMEOUT_USEC);
	if (r < 0)
		goto out;
	status = fedjit_msg_get(m, "status");
	value = fedjit_msg_get(m, "value");
	if (strcmp(fedjit_msg_type(m), "answer") != 0 || !status) {
		r = -EBADMSG;
	} else if (strcmp(status, "ok") != 0 || !value) {
		r = -ECANCELED;
	} else {
		*ret_answer = strdup(value);
		r = *ret_answer ? 0 : -ENOMEM;
	}
out:
	fedjit_msg_free(m); /* scrubs the answer */
	return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The helper's calls into provisioning (pam/provision/provision.h), with the module as
 * the conversation: the pre-flow check, op=chauthtok, and the login of an IdP that
 * provisions (bind, re-sync or create).
 */

#include <string.h>

#include "common/macro.h"
#include "pam/helper/helper.h"
#include "pam/provision/provision.h"

/* The provisioning context of this request; conv asks through the module. */
static struct fedjit_prov_ctx prov_ctx(struct fedjit_helper *h, struct fedjit_proto_conv *conv)
{
	*conv = (struct fedjit_proto_conv){.fd = h->module_fd};
	return (struct fedjit_prov_ctx){
	        .config = h->config,
	        .idp = h->idp,
	        .db_file = h->db_file,
	        .service = h->service,
	        .switch_user = h->switch_user,
	        .conv = fedjit_provision_proto_conv,
	        .conv_userdata = conv,
	};
}

int fedjit_helper_precheck(struct fedjit_helper *h)
{
	struct fedjit_proto_conv conv;
	struct fedjit_prov_ctx ctx = prov_ctx(h, &conv);
	struct fedjit_prov_result res;
	int r = fedjit_provision_precheck(&ctx, &h->login, &res);

	if (r > 0)
		return 0;
	return fedjit_helper_result(h, res.status, NULL, "%s: %s", h->idp->name, res.log) ?: 1;
}

void fedjit_helper_record_login(struct fedjit_helper *h, const struct fedjit_identity *id,
                                const char *account, bool keep_token)
{
	struct fedjit_proto_conv conv;
	struct fedjit_prov_ctx ctx = prov_ctx(h, &conv);

	fedjit_provision_record_login(&ctx, id, account, keep_token);
}

int fedjit_helper_preauth_only(struct fedjit_helper *h)
{
	struct fedjit_proto_conv conv;
	struct fedjit_prov_ctx ctx = prov_ctx(h, &conv);

	return fedjit_provision_preauth_only(&ctx, &h->login);
}

int fedjit_helper_chauthtok(struct fedjit_helper *h)
{
	struct fedjit_proto_conv conv;
	struct fedjit_prov_ctx ctx = prov_ctx(h, &conv);
	struct fedjit_prov_result res;

	(void)fedjit_provision_chauthtok(&ctx, &h->login, &res);
	return fedjit_helper_result(h, res.status, res.message[0] ? res.message : NULL, "%s",
	                            res.log);
}

int fedjit_helper_send_approved(struct fedjit_helper *h)
{
	int r = fedjit_msg_start(h->msg, "approved");

	return r < 0 ? r : fedjit_msg_send(h->module_fd, h->msg, h->deadline_usec);
}

/* provisioning != none: provisioning binds, re-syncs or creates (provision.h). */
int fedjit_helper_provision(struct fedjit_helper *h, const char *issuer, const char *subject,
                            const struct fedjit_msg *identity)
{
	struct fedjit_identity id;
	struct fedjit_proto_conv conv;
	struct fedjit_prov_ctx ctx = prov_ctx(h, &conv);
	struct fedjit_prov_result res;
	_cleanup_free_ char *groups = NULL;
	int r = fedjit_identity_from_msg(identity, &id, &groups);

	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "%s: identity (%s, %s): %s",
		                            h->idp->name, issuer, subject, strerror(-r));
	r = fedjit_helper_send_approved(h);
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "module gone: %s", strerror(-r));
	r = fedjit_provision_login(&ctx, &id, &h->login, &res);
	if (r < 0 || strcmp(res.status, "ok") != 0)
		return fedjit_helper_result(h, res.status, res.message[0] ? res.message : NULL,
		                            "%s", res.log);
	return fedjit_helper_send_ok(h, id.issuer, id.subject, res.account, res.chosen);
}

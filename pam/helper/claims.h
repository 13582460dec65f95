/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msg=claims for `fedjit login-test` (cli/cmd_helper.c): the verified ID token claims
 * (after the userinfo merge) as one JSON object in a protocol value.
 *
 *   msg=claims v=1 json=OBJECT [omitted=NAMES]
 *     OBJECT  compact JSON, keys sorted, every non-ASCII or control character escaped
 *             (\uXXXX), so the value is printable ASCII and passes pam/proto/proto.h's value
 *             rules whatever the IdP sent; at most FEDJIT_PROTO_MAX_VALUE (8 KiB).
 *     NAMES   when the whole object does not fit: the claims left out, largest first,
 *             until it fits, as JSON strings (escaped the same way) separated by
 *             commas; a list that does not fit in 1 KiB ends with "...".
 * Runs in the network child (jansson); the root parent forwards the frame unparsed.
 */
#pragma once

#include <jansson.h>

#include "pam/proto/proto.h"

/* Builds msg=claims from claims (a JSON object) into m. 0, -EINVAL (not an object),
 * -ENOMEM. */
int fedjit_claims_msg(const json_t *claims, struct fedjit_msg *m);

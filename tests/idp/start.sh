#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# start.sh [--bad] [SERVER ARGS...]: start the test IdP (or, with --bad, the
# misbehaving IdP) in the background and print shell `export` lines for its
# issuer, CA file, pid and run directory:
#     eval "$(tests/idp/start.sh)"   ...   tests/idp/stop.sh "$FEDJIT_IDP_DIR"
# The server exits by itself after FEDJIT_IDP_LIFETIME seconds (default 600).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" = --bad ]; then
	shift
	bad_idp_start "$@"
	cat "$FEDJIT_BAD_IDP_DIR/env"
	echo "# misbehaving IdP at $FEDJIT_BAD_IDP_ISSUER (pid $FEDJIT_BAD_IDP_PID); stop: $FEDJIT_IDP_SRC/stop.sh $FEDJIT_BAD_IDP_DIR"
else
	idp_start "$@"
	cat "$FEDJIT_IDP_DIR/env"
	echo "# test IdP at $FEDJIT_IDP_ISSUER (pid $FEDJIT_IDP_PID); stop: $FEDJIT_IDP_SRC/stop.sh $FEDJIT_IDP_DIR"
	echo "# approve a code: node $FEDJIT_IDP_SRC/approve.mjs --url $FEDJIT_IDP_ISSUER --cacert $FEDJIT_IDP_CA --code CODE --user alice"
fi

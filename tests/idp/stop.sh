#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# stop.sh [RUN_DIR]: stop a test IdP started by start.sh (by the pid in
# RUN_DIR/pid; default RUN_DIR: $FEDJIT_IDP_DIR) and remove its run directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
dir=${1:-${FEDJIT_IDP_DIR:-}}
[ -n "$dir" ] && [ -f "$dir/env" ] || { echo "usage: stop.sh RUN_DIR (a directory made by start.sh)" >&2; exit 2; }
_idp_kill "$(cat "$dir/pid" 2>/dev/null || true)"
[ "${FEDJIT_IDP_KEEP:-0}" = 1 ] || rm -rf "$dir"

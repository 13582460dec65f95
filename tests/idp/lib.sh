# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# tests/idp/lib.sh: shell functions for tests that need the test IdP.
# Source it from bash:  . "$top_srcdir/tests/idp/lib.sh"
#
#   idp_available            0 if node and oidc-provider are usable, else 1 with
#                            $IDP_SKIP_REASON set (print "1..0 # SKIP $IDP_SKIP_REASON")
#   idp_start [ARGS...]      start the IdP (server.mjs ARGS...) with a fresh CA in a
#                            new run directory; waits until discovery answers; exports
#                            FEDJIT_IDP_ISSUER FEDJIT_IDP_CA FEDJIT_IDP_PID FEDJIT_IDP_PORT
#                            FEDJIT_IDP_DIR FEDJIT_IDP_LOG FEDJIT_IDP_CLIENT_KEY
#                            FEDJIT_IDP_CLIENT_JWK
#   idp_stop                 stop it by pid, remove the run directory
#                            (kept when FEDJIT_IDP_KEEP=1)
#   idp_api METHOD PATH [JSON]  call the IdP (test API or any endpoint), print the body
#   idp_approve CODE USER [ACR]  approve a user code ("latest" = newest pending) as USER
#   idp_deny CODE            deny it (the client's next poll gets access_denied)
#   idp_rotate [ALG]         new signing key(s); prints {"ok":true,"kids":{ALG:KID}}
#   idp_token_error [ERROR] [COUNT]  next COUNT device_code token polls answer ERROR
#                            (default slow_down, 1)
#   idp_config JSON          e.g. '{"device_expires_in":2,"device_interval":1}'
#   idp_revoke USER          revoke every grant of USER (their refresh tokens then
#                            answer invalid_grant: "disabled at the IdP")
#   idp_disable USER, idp_enable USER  the user is gone / back (refresh: invalid_grant,
#                            approvals refused)
#   idp_set_groups USER JSON the user's groups claim, e.g. '["staff"]'
#   idp_down, idp_up         every request but the test API answers 503 / normal again
#   idp_refresh_tokens USER  the refresh token values issued to USER, one a line
#   idp_jwt ARGS...          tests/idp/jwt.mjs (decode, claim, verify, assertion, jwk)
#   idp_json KEY.PATH <JSON  one value of a JSON document: strings raw, others as
#                            compact JSON, nothing when absent (jq; node without jq)
#   idp_jwt_claim TOKEN NAME one payload claim of a JWT (no verification), as idp_json
#   idp_jwt_header TOKEN NAME one header parameter
#   bad_idp_start [ARGS...]  start the misbehaving IdP (bad-idp.mjs); exports
#                            FEDJIT_BAD_IDP_ISSUER FEDJIT_BAD_IDP_CA FEDJIT_BAD_IDP_PID
#                            FEDJIT_BAD_IDP_PORT FEDJIT_BAD_IDP_DIR FEDJIT_BAD_IDP_LOG
#   bad_idp_scenario NAME    select the scenario every later request gets
#   bad_idp_stop
#
# Environment read: FEDJIT_IDP_NODE_MODULES (node_modules with oidc-provider when
# tests/idp/node_modules is absent, e.g. a build from the dist tarball),
# FEDJIT_IDP_LIFETIME (seconds, default 600), FEDJIT_IDP_DEVICE_INTERVAL (default
# 1 here, to keep tests fast), FEDJIT_IDP_DEVICE_EXPIRES_IN (default 600),
# FEDJIT_IDP_CERT (server|expired|wronghost|untrusted: which certificate of the
# run's CA the server presents; default server), TMPDIR.
#
# Run directories are world-readable (0755; keys 0600) so that a helper that
# dropped root can read the CA file. Servers listen on 127.0.0.1 only and exit
# by themselves after their lifetime.

FEDJIT_IDP_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

idp_available() {
	IDP_SKIP_REASON=
	if ! command -v node >/dev/null 2>&1; then
		IDP_SKIP_REASON="node not installed"
		return 1
	fi
	if ! command -v openssl >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
		IDP_SKIP_REASON="openssl or curl not installed"
		return 1
	fi
	if [ -f "$FEDJIT_IDP_SRC/node_modules/oidc-provider/package.json" ]; then
		FEDJIT_IDP_NODE_MODULES=$FEDJIT_IDP_SRC/node_modules
	elif [ -z "${FEDJIT_IDP_NODE_MODULES:-}" ] ||
		[ ! -f "$FEDJIT_IDP_NODE_MODULES/oidc-provider/package.json" ]; then
		IDP_SKIP_REASON="oidc-provider not installed (run 'npm ci' in tests/idp, or set FEDJIT_IDP_NODE_MODULES)"
		return 1
	fi
	export FEDJIT_IDP_NODE_MODULES
	return 0
}

# _idp_rundir PREFIX: a new world-readable run directory with a fresh CA.
_idp_rundir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/fedjit-$1.XXXXXX") || return 1
	chmod 755 "$d"
	if ! bash "$FEDJIT_IDP_SRC/mkca.sh" "$d/ca"; then
		echo "$1: mkca.sh failed" >&2
		rm -rf "$d"
		return 1
	fi
	chmod 755 "$d/ca"
	echo "$d"
}

# _idp_wait PIDVAR PORTFILE CAFILE CERT LOG: wait (up to 15 s) for a server to answer.
_idp_wait() {
	local pid=$1 portfile=$2 ca=$3 cert=$4 log=$5 i port
	for ((i = 0; i < 150; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "idp: server (pid $pid) died; log:" >&2
			tail -20 "$log" >&2
			return 1
		fi
		if [ -s "$portfile" ]; then
			port=$(cat "$portfile")
			# A deliberately bad certificate cannot be verified: the port file is
			# written only once the server listens, so that is enough there.
			if [ "$cert" != server ] ||
				curl -sf --max-time 2 --cacert "$ca" "https://127.0.0.1:$port/.well-known/openid-configuration" >/dev/null; then
				return 0
			fi
		fi
		sleep 0.1
	done
	echo "idp: server (pid $pid) did not answer within 15 s; log:" >&2
	tail -20 "$log" >&2
	return 1
}

_idp_kill() { # _idp_kill PID
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}

idp_start() {
	idp_available || { echo "idp_start: $IDP_SKIP_REASON" >&2; return 1; }
	local d cert=${FEDJIT_IDP_CERT:-server}
	d=$(_idp_rundir idp) || return 1
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/client-jwt.key" 2>/dev/null || return 1
	node "$FEDJIT_IDP_SRC/jwt.mjs" jwk "$d/client-jwt.key" fedjit-jwt-1 >"$d/client-jwt.jwk" || return 1
	chmod 600 "$d/client-jwt.key" "$d/client-jwt.jwk"
	node "$FEDJIT_IDP_SRC/server.mjs" \
		--cert "$d/ca/$cert.pem" --key "$d/ca/$cert.key" \
		--port-file "$d/port" --pid-file "$d/pid" --log-file "$d/idp.log" \
		--lifetime "${FEDJIT_IDP_LIFETIME:-600}" \
		--client-key "$d/client-jwt.key" \
		--device-interval "${FEDJIT_IDP_DEVICE_INTERVAL:-1}" \
		--device-expires-in "${FEDJIT_IDP_DEVICE_EXPIRES_IN:-600}" \
		"$@" </dev/null >>"$d/idp.log" 2>&1 &
	FEDJIT_IDP_PID=$!
	FEDJIT_IDP_DIR=$d
	FEDJIT_IDP_LOG=$d/idp.log
	FEDJIT_IDP_CA=$d/ca/ca.pem
	export FEDJIT_IDP_PID FEDJIT_IDP_DIR FEDJIT_IDP_LOG FEDJIT_IDP_CA
	if ! _idp_wait "$FEDJIT_IDP_PID" "$d/port" "$FEDJIT_IDP_CA" "$cert" "$FEDJIT_IDP_LOG"; then
		idp_stop
		return 1
	fi
	FEDJIT_IDP_PORT=$(cat "$d/port")
	FEDJIT_IDP_ISSUER=https://127.0.0.1:$FEDJIT_IDP_PORT
	FEDJIT_IDP_CLIENT_KEY=$d/client-jwt.key
	FEDJIT_IDP_CLIENT_JWK=$d/client-jwt.jwk
	export FEDJIT_IDP_PORT FEDJIT_IDP_ISSUER FEDJIT_IDP_CLIENT_KEY FEDJIT_IDP_CLIENT_JWK
	# For scripts that start the IdP in one process and use it from another.
	declare -p FEDJIT_IDP_PID FEDJIT_IDP_DIR FEDJIT_IDP_LOG FEDJIT_IDP_CA FEDJIT_IDP_PORT \
		FEDJIT_IDP_ISSUER FEDJIT_IDP_CLIENT_KEY FEDJIT_IDP_CLIENT_JWK |
		sed 's/^declare -x /export /; s/^declare -- /export /' >"$d/env"
}

idp_stop() {
	_idp_kill "${FEDJIT_IDP_PID:-}"
	if [ -n "${FEDJIT_IDP_DIR:-}" ] && [ "${FEDJIT_IDP_KEEP:-0}" != 1 ]; then
		rm -rf "$FEDJIT_IDP_DIR"
	fi
	unset FEDJIT_IDP_PID FEDJIT_IDP_DIR FEDJIT_IDP_LOG FEDJIT_IDP_CA FEDJIT_IDP_PORT \
		FEDJIT_IDP_ISSUER FEDJIT_IDP_CLIENT_KEY FEDJIT_IDP_CLIENT_JWK
}

idp_api() { # idp_api METHOD PATH [JSON]
	local m=$1 p=$2
	if [ $# -ge 3 ]; then
		curl -sS --max-time 10 --cacert "$FEDJIT_IDP_CA" -X "$m" -H 'content-type: application/json' \
			--data-binary "$3" "$FEDJIT_IDP_ISSUER$p"
	else
		curl -sS --max-time 10 --cacert "$FEDJIT_IDP_CA" -X "$m" "$FEDJIT_IDP_ISSUER$p"
	fi
}

# _idp_decide PATH JSON: POST to the approval API; 0 on 200, else 1 and the reason on stderr.
_idp_decide() {
	local body code
	body=$(curl -sS --max-time 10 --cacert "$FEDJIT_IDP_CA" -H 'content-type: application/json' \
		--data-binary "$2" -w '\n%{http_code}' "$FEDJIT_IDP_ISSUER$1") || return 1
	code=${body##*$'\n'}
	[ "$code" = 200 ] && return 0
	echo "idp: $1: $code ${body%$'\n'*}" >&2
	return 1
}

idp_approve() { # idp_approve USER_CODE USER [ACR]
	local acr=
	[ -n "${3:-}" ] && acr=",\"acr\":\"$3\""
	_idp_decide /test/approve "{\"user_code\":\"$1\",\"account\":\"$2\"$acr}"
}

idp_deny() { # idp_deny USER_CODE
	_idp_decide /test/deny "{\"user_code\":\"$1\"}"
}

idp_rotate() { # idp_rotate [ALG]
	if [ -n "${1:-}" ]; then idp_api POST /test/rotate "{\"alg\":\"$1\"}"; else idp_api POST /test/rotate '{}'; fi
}

idp_token_error() { # idp_token_error [ERROR] [COUNT]
	idp_api POST /test/token-error "{\"error\":\"${1:-slow_down}\",\"count\":${2:-1}}" >/dev/null
}

idp_config() { # idp_config JSON
	idp_api POST /test/config "$1" >/dev/null
}

idp_revoke() { # idp_revoke USER
	_idp_decide /test/revoke "{\"account\":\"$1\"}"
}

idp_disable() { # idp_disable USER
	_idp_decide /test/user "{\"account\":\"$1\",\"disabled\":true}"
}

idp_enable() { # idp_enable USER
	_idp_decide /test/user "{\"account\":\"$1\",\"disabled\":false}"
}

idp_set_groups() { # idp_set_groups USER JSON-ARRAY
	_idp_decide /test/user "{\"account\":\"$1\",\"claims\":{\"groups\":$2}}"
}

idp_down() { idp_config '{"down":true}'; }
idp_up() { idp_config '{"down":false}'; }

idp_refresh_tokens() { # idp_refresh_tokens USER
	idp_api GET /test/refresh-tokens | idp_json "$1" | tr -d '[]"' | tr ',' '\n' | sed '/^$/d'
}

idp_jwt() {
	node "$FEDJIT_IDP_SRC/jwt.mjs" "$@"
}

idp_json() { # idp_json KEY.PATH < JSON
	if command -v jq >/dev/null 2>&1; then
		jq -r --arg p "$1" 'getpath($p | split(".")) |
			if . == null then empty elif type == "string" then . else tojson end' 2>/dev/null
	else
		node -e '
			let v; try { v = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch { process.exit(0); }
			for (const k of process.argv[1].split(".")) v = v == null ? undefined : v[k];
			if (v !== undefined && v !== null) process.stdout.write(`${typeof v === "string" ? v : JSON.stringify(v)}\n`);
		' "$1"
	fi
}

_idp_b64url_decode() {
	local s=${1//-/+}
	s=${s//_//}
	while ((${#s} % 4)); do s+="="; done
	base64 -d <<<"$s" 2>/dev/null
}

idp_jwt_claim() { # idp_jwt_claim TOKEN NAME
	local rest=${1#*.}
	_idp_b64url_decode "${rest%%.*}" | idp_json "$2"
}

idp_jwt_header() { # idp_jwt_header TOKEN NAME
	_idp_b64url_decode "${1%%.*}" | idp_json "$2"
}

bad_idp_start() {
	idp_available || { echo "bad_idp_start: $IDP_SKIP_REASON" >&2; return 1; }
	local d
	d=$(_idp_rundir bad-idp) || return 1
	node "$FEDJIT_IDP_SRC/bad-idp.mjs" \
		--cert "$d/ca/server.pem" --key "$d/ca/server.key" \
		--port-file "$d/port" --pid-file "$d/pid" --log-file "$d/bad-idp.log" \
		--lifetime "${FEDJIT_IDP_LIFETIME:-600}" \
		"$@" </dev/null >>"$d/bad-idp.log" 2>&1 &
	FEDJIT_BAD_IDP_PID=$!
	FEDJIT_BAD_IDP_DIR=$d
	FEDJIT_BAD_IDP_LOG=$d/bad-idp.log
	FEDJIT_BAD_IDP_CA=$d/ca/ca.pem
	export FEDJIT_BAD_IDP_PID FEDJIT_BAD_IDP_DIR FEDJIT_BAD_IDP_LOG FEDJIT_BAD_IDP_CA
	if ! _idp_wait "$FEDJIT_BAD_IDP_PID" "$d/port" "$FEDJIT_BAD_IDP_CA" server "$FEDJIT_BAD_IDP_LOG"; then
		bad_idp_stop
		return 1
	fi
	FEDJIT_BAD_IDP_PORT=$(cat "$d/port")
	FEDJIT_BAD_IDP_ISSUER=https://127.0.0.1:$FEDJIT_BAD_IDP_PORT
	export FEDJIT_BAD_IDP_PORT FEDJIT_BAD_IDP_ISSUER
	declare -p FEDJIT_BAD_IDP_PID FEDJIT_BAD_IDP_DIR FEDJIT_BAD_IDP_LOG FEDJIT_BAD_IDP_CA \
		FEDJIT_BAD_IDP_PORT FEDJIT_BAD_IDP_ISSUER |
		sed 's/^declare -x /export /; s/^declare -- /export /' >"$d/env"
}

bad_idp_scenario() { # bad_idp_scenario NAME
	curl -sSf --max-time 10 --cacert "$FEDJIT_BAD_IDP_CA" -H 'content-type: application/json' \
		--data-binary "{\"name\":\"$1\"}" "$FEDJIT_BAD_IDP_ISSUER/test/scenario" >/dev/null
}

bad_idp_stop() {
	_idp_kill "${FEDJIT_BAD_IDP_PID:-}"
	if [ -n "${FEDJIT_BAD_IDP_DIR:-}" ] && [ "${FEDJIT_IDP_KEEP:-0}" != 1 ]; then
		rm -rf "$FEDJIT_BAD_IDP_DIR"
	fi
	unset FEDJIT_BAD_IDP_PID FEDJIT_BAD_IDP_DIR FEDJIT_BAD_IDP_LOG FEDJIT_BAD_IDP_CA \
		FEDJIT_BAD_IDP_PORT FEDJIT_BAD_IDP_ISSUER
}

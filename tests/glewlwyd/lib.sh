# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# tests/glewlwyd/lib.sh: Glewlwyd (Debian package glewlwyd, an independent C
# implementation of OpenID Connect) as a second test IdP, in the style of
# tests/idp/lib.sh. Source it from bash:  . "$top_srcdir/tests/glewlwyd/lib.sh"
#
#   gw_available           0 when glewlwyd and its tools are installed, else 1
#                          with $GW_SKIP_REASON set
#   gw_start               a new run directory (per-run CA from tests/idp/mkca.sh,
#                          an RS256 signing key, a sqlite database from the schema
#                          the package ships, the package's web pages), Glewlwyd on
#                          a free port of 127.0.0.1 over TLS, then configured
#                          through its admin API: the OIDC plugin (device grant,
#                          refresh tokens, revocation), scopes openid profile email
#                          groups, public client "fedjit", users (below). Exports
#                          FEDJIT_GW_ISSUER FEDJIT_GW_CA FEDJIT_GW_PID FEDJIT_GW_PORT
#                          FEDJIT_GW_DIR FEDJIT_GW_LOG FEDJIT_GW_BASE; writes them to
#                          $FEDJIT_GW_DIR/env for other processes
#   gw_stop                stops it by pid, removes the run directory (kept when
#                          FEDJIT_GW_KEEP=1)
#   gw_admin METHOD PATH [JSON|@FILE]  the admin REST API (PATH under /api); the
#                          body on stdout; fails unless HTTP 200
#   gw_user_add NAME [GROUP...]  a user NAME (password NAME-password, "Name Test",
#                          NAME@example.test) in the given groups
#   gw_user_groups NAME [GROUP...]  sets the user's groups (none: no groups)
#   gw_user_enable NAME true|false
#   gw_user_name NAME FULL-NAME   changes the user's name (the "name" claim)
#   gw_revoke_refresh NAME revokes every refresh token of NAME (what an administrator
#                          does to cut a person off: disabling alone does not); on
#                          stdout how many
#   gw_refresh_tokens NAME how many refresh tokens of NAME are still valid
#   gw_refresh_one_use always|never  whether a refresh token is spent by its use
#                          (always: each refresh answer carries a new one, and
#                          presenting a spent one revokes its successors too)
#   gw_client_add ID SECRET a confidential client (client_secret_basic or _post) with
#                          the grants, scopes and claims of "fedjit"
#   gw_rotate_key          a new signing key; the JWKS publishes only the new one
#   gw_kid                 the kid the JWKS publishes now
#   gw_approve CODE USER [SCOPES]  what a person does with a browser, over HTTP:
#                          logs in as USER (password USER-password), grants the
#                          client SCOPES (default: every scope of the client) and
#                          enters CODE; 0 when Glewlwyd accepted the code. The
#                          client is $FEDJIT_GW_CLIENT (default fedjit)
#
# Users made by gw_start: alice (admins, staff), bob (staff), carol (no groups).
#
# Environment read: FEDJIT_GW_LIFETIME (seconds the server may live, default 900),
# FEDJIT_GW_INTERVAL (device polling interval the IdP asks for, default 1),
# TMPDIR. Glewlwyd runs as the unprivileged user nobody; the run directory is
# world-readable (keys 0600 root, the database owned by nobody) so that a helper that
# dropped root can read the CA file.
#
# What Glewlwyd does differently from other IdPs, as fedjit sees it, is listed in
# fedjit.conf(5) (IDENTITY PROVIDERS). For these tests: the issuer is
# https://127.0.0.1:PORT/api/oidc (discovery only below it); the device request
# must name a scope; a person must have granted the client its scopes before the
# code is entered, or the code is spent with "openid" alone; sub is a random
# string, so username_claim = preferred_username.

FEDJIT_GW_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GW_SHARE=${GW_SHARE:-/usr/share/glewlwyd}
GW_SCHEMA=${GW_SCHEMA:-/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz}
GW_MODULES=${GW_MODULES:-/usr/lib/glewlwyd}

gw_available() {
	GW_SKIP_REASON=
	local t
	for t in glewlwyd sqlite3 openssl curl jq setpriv timeout; do
		if ! command -v "$t" >/dev/null 2>&1; then
			GW_SKIP_REASON="$t not installed (tests/deps.sh installs glewlwyd and its tools)"
			return 1
		fi
	done
	if [ ! -f "$GW_SCHEMA" ] || [ ! -d "$GW_SHARE/webapp" ] || [ ! -d "$GW_MODULES/plugin" ]; then
		GW_SKIP_REASON="the glewlwyd package's schema, web pages or modules are missing"
		return 1
	fi
	return 0
}

_gw_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

# _gw_conf DIR PORT: the server's configuration file
_gw_conf() {
	local d=$1 port=$2
	cat >"$d/glewlwyd.conf" <<EOF
port=$port
bind_address="127.0.0.1"
external_url="https://127.0.0.1:$port"
login_url="login.html"
api_prefix="api"
static_files_path="$d/webapp/"
allow_origin="https://127.0.0.1:$port"
log_mode="console"
log_level="INFO"
cookie_secure=1
cookie_same_site="strict"
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
add_x_frame_option_header_deny=true
max_post_size=1048576
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="$GW_MODULES/user"
client_module_path="$GW_MODULES/client"
user_auth_scheme_module_path="$GW_MODULES/scheme"
plugin_module_path="$GW_MODULES/plugin"
use_secure_connection=true
secure_connection_key_file="$d/tls/server.key"
secure_connection_pem_file="$d/tls/server.pem"
hash_algorithm="SHA512"
database =
{
  type = "sqlite3"
  path = "$d/db/glewlwyd.db"
};
static_files_mime_types =
(
  { extension = ".html"  mime_type = "text/html" },
  { extension = ".css"   mime_type = "text/css" },
  { extension = ".js"    mime_type = "application/javascript" },
  { extension = ".json"  mime_type = "application/json" },
  { extension = ".png"   mime_type = "image/png" },
  { extension = ".ico"   mime_type = "image/x-icon" },
  { extension = ".woff2" mime_type = "font/woff2" },
  { extension = ".woff"  mime_type = "font/woff" },
  { extension = ".ttf"   mime_type = "font/ttf" }
)
EOF
}

_gw_kill() { # _gw_kill PID: TERM, then KILL after 5 s
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

# _gw_launch DIR: starts the server; sets FEDJIT_GW_PID (the watchdog, timeout(1),
# whose TERM reaches Glewlwyd) and FEDJIT_GW_SERVER_PID; 0 once /config answers.
_gw_launch() {
	local d=$1 i child=
	timeout --kill-after=5 "${FEDJIT_GW_LIFETIME:-900}" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		glewlwyd --config-file="$d/glewlwyd.conf" </dev/null >>"$d/glewlwyd.log" 2>&1 &
	FEDJIT_GW_PID=$!
	FEDJIT_GW_SERVER_PID=
	for ((i = 0; i < 150; i++)); do
		if ! kill -0 "$FEDJIT_GW_PID" 2>/dev/null; then
			return 1
		fi
		[ -n "$child" ] || child=$(cat "/proc/$FEDJIT_GW_PID/task/$FEDJIT_GW_PID/children" 2>/dev/null)
		if curl -sf --max-time 2 --cacert "$d/ca/ca.pem" -o /dev/null "$FEDJIT_GW_BASE/config"; then
			FEDJIT_GW_SERVER_PID=${child%% *}
			return 0
		fi
		sleep 0.1
	done
	return 1
}

gw_start() {
	gw_available || { echo "gw_start: $GW_SKIP_REASON" >&2; return 1; }
	local d port try
	d=$(mktemp -d "${TMPDIR:-/tmp}/fedjit-glewlwyd.XXXXXX") || return 1
	chmod 755 "$d"
	FEDJIT_GW_DIR=$d
	FEDJIT_GW_LOG=$d/glewlwyd.log
	FEDJIT_GW_CA=$d/ca/ca.pem
	export FEDJIT_GW_DIR FEDJIT_GW_LOG FEDJIT_GW_CA
	if ! bash "$FEDJIT_GW_SRC/../idp/mkca.sh" "$d/ca"; then
		echo "gw_start: mkca.sh failed" >&2
		gw_stop
		return 1
	fi
	chmod 755 "$d/ca"
	# The server reads its certificate as nobody: a copy it can read, in a 0750 dir.
	install -d -m 0750 -g nogroup "$d/tls"
	install -m 0640 -g nogroup "$d/ca/server.pem" "$d/ca/server.key" "$d/tls/"
	install -d -m 0700 "$d/keys"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/keys/sign.key" 2>/dev/null &&
		openssl pkey -in "$d/keys/sign.key" -pubout -out "$d/keys/sign.pub" || {
		gw_stop
		return 1
	}
	install -d -m 0700 -o nobody "$d/db"
	zcat "$GW_SCHEMA" | setpriv --reuid=nobody --regid=nogroup --clear-groups sqlite3 "$d/db/glewlwyd.db" || {
		echo "gw_start: the database schema did not load" >&2
		gw_stop
		return 1
	}
	# The package's web pages. Its config.json is a symlink to a directory (a
	# packaging bug) and the server refuses files outside static_files_path:
	# a copy with the real file.
	cp -rL "$GW_SHARE/webapp" "$d/webapp" 2>/dev/null
	rm -rf "$d/webapp/config.json"
	if [ -f /etc/glewlwyd/config-2.7.json/config.json ]; then
		cp /etc/glewlwyd/config-2.7.json/config.json "$d/webapp/config.json"
	else
		cp "$GW_SHARE/webapp/config.json" "$d/webapp/config.json" 2>/dev/null
	fi
	[ -s "$d/webapp/config.json" ] && [ -f "$d/webapp/login.html" ] || {
		echo "gw_start: the web pages could not be copied" >&2
		gw_stop
		return 1
	}
	# A free port: another process may take it between the probe and the bind,
	# so a server that does not come up is tried on another one.
	for try in 1 2 3; do
		port=$(_gw_free_port)
		FEDJIT_GW_PORT=$port
		FEDJIT_GW_BASE=https://127.0.0.1:$port
		FEDJIT_GW_ISSUER=$FEDJIT_GW_BASE/api/oidc
		_gw_conf "$d" "$port"
		: >"$d/glewlwyd.log"
		_gw_launch "$d" && break
		_gw_kill "${FEDJIT_GW_PID:-}"
		FEDJIT_GW_PID=
		[ "$try" = 3 ] && {
			echo "gw_start: glewlwyd did not answer; log:" >&2
			tail -20 "$d/glewlwyd.log" >&2
			gw_stop
			return 1
		}
	done
	export FEDJIT_GW_PID FEDJIT_GW_SERVER_PID FEDJIT_GW_PORT FEDJIT_GW_BASE FEDJIT_GW_ISSUER
	if ! _gw_configure; then
		echo "gw_start: configuring glewlwyd failed; log:" >&2
		tail -20 "$d/glewlwyd.log" >&2
		gw_stop
		return 1
	fi
	declare -p FEDJIT_GW_PID FEDJIT_GW_SERVER_PID FEDJIT_GW_DIR FEDJIT_GW_LOG FEDJIT_GW_CA \
		FEDJIT_GW_PORT FEDJIT_GW_BASE FEDJIT_GW_ISSUER |
		sed 's/^declare -x /export /; s/^declare -- /export /' >"$d/env"
}

gw_stop() {
	# TERM to timeout(1) reaches Glewlwyd; the server's own pid as well, in case
	# the watchdog is gone already
	_gw_kill "${FEDJIT_GW_PID:-}"
	_gw_kill "${FEDJIT_GW_SERVER_PID:-}"
	if [ -n "${FEDJIT_GW_DIR:-}" ] && [ "${FEDJIT_GW_KEEP:-0}" != 1 ]; then
		rm -rf "$FEDJIT_GW_DIR"
	fi
	unset FEDJIT_GW_PID FEDJIT_GW_SERVER_PID FEDJIT_GW_DIR FEDJIT_GW_LOG FEDJIT_GW_CA \
		FEDJIT_GW_PORT FEDJIT_GW_BASE FEDJIT_GW_ISSUER
}

# _gw_http JAR METHOD PATH [BODY|@FILE]: a JSON call under /api with a cookie jar;
# the body on stdout; 0 on HTTP 200
_gw_http() {
	local jar=$1 m=$2 p=$3 out code
	out=$(mktemp "${TMPDIR:-/tmp}/fedjit-gw-http.XXXXXX") || return 1
	if [ $# -ge 4 ]; then
		code=$(curl -sS --max-time 20 --cacert "$FEDJIT_GW_CA" -b "$jar" -c "$jar" -X "$m" \
			-H 'Content-Type: application/json' --data-binary "$4" -o "$out" -w '%{http_code}' \
			"$FEDJIT_GW_BASE/api$p")
	else
		code=$(curl -sS --max-time 20 --cacert "$FEDJIT_GW_CA" -b "$jar" -c "$jar" -X "$m" \
			-o "$out" -w '%{http_code}' "$FEDJIT_GW_BASE/api$p")
	fi
	cat "$out"
	rm -f "$out"
	[ "$code" = 200 ] && return 0
	echo "glewlwyd: $m $p: HTTP $code" >&2
	return 1
}

# The admin session: the shipped database has admin/password; the admin scope
# asks for the password again after 600 s, so the session is renewed after 300.
gw_admin() {
	local jar=$FEDJIT_GW_DIR/admin.jar
	if [ ! -s "$jar" ] || [ -n "$(find "$jar" -mmin +5 2>/dev/null)" ]; then
		rm -f "$jar"
		_gw_http "$jar" POST /auth/ '{"username":"admin","password":"password"}' >/dev/null || return 1
	fi
	_gw_http "$jar" "$@"
}

_gw_configure() {
	local d=$FEDJIT_GW_DIR
	# the user backend: a multi-valued "groups" property
	gw_admin PUT /mod/user/database '{
	  "module": "database", "name": "database", "display_name": "Database backend",
	  "order_rank": 0, "enabled": true, "readonly": false, "multiple_passwords": false,
	  "parameters": {
	    "use-glewlwyd-connection": true,
	    "data-format": {
	      "picture":                {"multiple": false, "read": true, "write": true, "profile-read": true,  "profile-write": true},
	      "reset-credentials-code": {"multiple": false, "read": true, "write": true, "profile-read": false, "profile-write": false},
	      "user-code":              {"multiple": false, "read": true, "write": true, "profile-read": true,  "profile-write": true},
	      "groups":                 {"multiple": true,  "read": true, "write": true, "profile-read": true,  "profile-write": false}
	    }
	  }
	}' >/dev/null || return 1
	gw_admin PUT /mod/user/database/reset >/dev/null || return 1
	local s
	for s in profile email groups; do
		gw_admin POST /scope/ "{\"name\": \"$s\", \"display_name\": \"$s\", \"description\": \"OpenID Connect $s claims\", \"password_required\": false, \"scheme\": {}}" >/dev/null ||
			return 1
	done
	_gw_plugin_json "$d/keys/sign.key" "$d/keys/sign.pub" >"$d/plugin-oidc.json" || return 1
	gw_admin POST /mod/plugin/ "@$d/plugin-oidc.json" >/dev/null || return 1
	gw_admin POST /client/ '{
	  "client_id": "fedjit", "name": "fedjit", "enabled": true, "confidential": false,
	  "token_endpoint_auth_method": ["none"],
	  "authorization_type": ["device_authorization", "refresh_token"],
	  "scope": ["openid", "profile", "email", "groups"], "redirect_uri": []
	}' >/dev/null || return 1
	gw_user_add alice admins staff && gw_user_add bob staff && gw_user_add carol
}

# _gw_plugin_json KEY PUB: the OIDC plugin instance "oidc"
_gw_plugin_json() {
	jq -n --rawfile key "$1" --rawfile pub "$2" --arg iss "$FEDJIT_GW_ISSUER" \
		--argjson interval "${FEDJIT_GW_INTERVAL:-1}" '{
	  "module": "oidc", "name": "oidc", "display_name": "OpenID Connect", "enabled": true,
	  "parameters": {
	    "iss": $iss,
	    "jwt-type": "rsa", "jwt-key-size": "256", "key": $key, "cert": $pub,
	    "jwks-show": true, "subject-type": "public",
	    "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
	    "refresh-token-rolling": true, "refresh-token-one-use": "never",
	    "allow-non-oidc": false,
	    "auth-type-code-enabled": false, "auth-type-token-enabled": false,
	    "auth-type-id-token-enabled": true, "auth-type-none-enabled": false,
	    "auth-type-password-enabled": false, "auth-type-client-enabled": false,
	    "auth-type-device-enabled": true, "auth-type-refresh-enabled": true,
	    "device-authorization-expiration": 600, "device-authorization-interval": $interval,
	    "allowed-scope": ["openid", "profile", "email", "groups"],
	    "restrict-scope-client-property": "scope",
	    "name-claim": "no", "name-claim-scope": ["profile"],
	    "email-claim": "no", "email-claim-scope": ["email"],
	    "scope-claim": "no", "scope-claim-scope": [],
	    "address-claim": {"type": "no"},
	    "claims": [
	      {"name": "preferred_username", "user-property": "username", "type": "string",
	       "mandatory": false, "on-demand": false, "scope": ["profile"]},
	      {"name": "groups", "user-property": "groups", "type": "string",
	       "mandatory": false, "on-demand": false, "scope": ["groups"]}
	    ],
	    "introspection-revocation-allowed": true,
	    "introspection-revocation-auth-scope": ["openid"],
	    "introspection-revocation-allow-target-client": true,
	    "request-parameter-allow": false, "pkce-allowed": false,
	    "register-client-allowed": false, "session-management-allowed": false
	  }
	}'
}

gw_user_add() { # gw_user_add NAME [GROUP...]
	local u=$1 groups
	shift
	groups=$(printf '%s\n' "$@" | jq -R . | jq -sc 'map(select(. != ""))')
	gw_admin POST /user/ "{\"username\": \"$u\", \"name\": \"${u^} Test\", \"email\": \"$u@example.test\",
	  \"enabled\": true, \"password\": \"$u-password\", \"scope\": [\"openid\", \"profile\", \"email\", \"groups\"],
	  \"groups\": $groups}" >/dev/null
}

_gw_user_put() { # _gw_user_put NAME JQ-FILTER [ARGS...]: read, change, write back a user
	local u=$1 f=$2 doc
	shift 2
	doc=$(gw_admin GET "/user/$u") || return 1
	doc=$(jq -c "$@" "$f | del(.source, .last_login)" <<<"$doc") || return 1
	gw_admin PUT "/user/$u" "$doc" >/dev/null
}

gw_user_groups() { # gw_user_groups NAME [GROUP...]
	local u=$1 groups
	shift
	groups=$(printf '%s\n' "$@" | jq -R . | jq -sc 'map(select(. != ""))')
	_gw_user_put "$u" '.groups = $g' --argjson g "$groups"
}

gw_user_enable() { # gw_user_enable NAME true|false
	_gw_user_put "$1" '.enabled = $e' --argjson e "$2"
}

gw_user_name() { # gw_user_name NAME FULL-NAME
	_gw_user_put "$1" '.name = $n' --arg n "$2"
}

gw_revoke_refresh() { # gw_revoke_refresh NAME
	local list h n=0
	list=$(gw_admin GET "/oidc/token?impersonate=$1") || return 1
	for h in $(jq -r '.[] | select(.enabled) | .token_hash | @uri' <<<"$list"); do
		gw_admin DELETE "/oidc/token/$h?impersonate=$1" >/dev/null || return 1
		n=$((n + 1))
	done
	echo "$n"
}

gw_refresh_tokens() { # gw_refresh_tokens NAME
	gw_admin GET "/oidc/token?impersonate=$1" | jq '[.[] | select(.enabled)] | length'
}

gw_refresh_one_use() { # gw_refresh_one_use always|never
	local doc
	doc=$(gw_admin GET /mod/plugin/oidc) || return 1
	doc=$(jq -c --arg v "$1" '.parameters["refresh-token-one-use"] = $v' <<<"$doc") || return 1
	gw_admin PUT /mod/plugin/oidc "$doc" >/dev/null && gw_admin PUT /mod/plugin/oidc/reset >/dev/null
}

gw_client_add() { # gw_client_add ID SECRET
	gw_admin POST /client/ "$(jq -n --arg id "$1" --arg pw "$2" '{
	  "client_id": $id, "name": $id, "enabled": true, "confidential": true, "password": $pw,
	  "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"],
	  "authorization_type": ["device_authorization", "refresh_token"],
	  "scope": ["openid", "profile", "email", "groups"], "redirect_uri": []
	}')" >/dev/null
}

gw_rotate_key() {
	local d=$FEDJIT_GW_DIR n
	n=$(date +%s%N)
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/keys/sign-$n.key" 2>/dev/null &&
		openssl pkey -in "$d/keys/sign-$n.key" -pubout -out "$d/keys/sign-$n.pub" || return 1
	_gw_plugin_json "$d/keys/sign-$n.key" "$d/keys/sign-$n.pub" >"$d/plugin-oidc.json" || return 1
	gw_admin PUT /mod/plugin/oidc "@$d/plugin-oidc.json" >/dev/null &&
		gw_admin PUT /mod/plugin/oidc/reset >/dev/null
}

gw_kid() {
	curl -sf --max-time 10 --cacert "$FEDJIT_GW_CA" "$FEDJIT_GW_ISSUER/jwks" | jq -r '.keys[0].kid'
}

# _gw_login USER: a person's session cookie jar, on stdout its path
_gw_login() {
	local jar
	jar=$(mktemp "$FEDJIT_GW_DIR/user-$1.XXXXXX") || return 1
	_gw_http "$jar" POST /auth/ "{\"username\":\"$1\",\"password\":\"$1-password\"}" >/dev/null || {
		rm -f "$jar"
		return 1
	}
	echo "$jar"
}

gw_approve() { # gw_approve CODE USER [SCOPES]
	local code=$1 user=$2 scopes=${3:-openid profile email groups} jar loc rc=1
	jar=$(_gw_login "$user") || return 1
	# consent first: a code entered without it is spent with "openid" alone
	if _gw_http "$jar" PUT "/auth/grant/${FEDJIT_GW_CLIENT:-fedjit}" "{\"scope\":\"$scopes\"}" >/dev/null; then
		loc=$(curl -sS --max-time 20 --cacert "$FEDJIT_GW_CA" -b "$jar" -c "$jar" -o /dev/null \
			-w '%{http_code} %{redirect_url}' \
			"$FEDJIT_GW_ISSUER/device?code=$(jq -rn --arg c "$code" '$c|@uri')&g_continue")
		case $loc in
		*prompt=deviceComplete*) rc=0 ;;
		*) echo "glewlwyd: code $code not accepted: $loc" >&2 ;;
		esac
	fi
	rm -f "$jar"
	return $rc
}

# gw_device_login USER [SCOPES]: a whole device flow with curl, approved by
# gw_approve; the token response (JSON) on stdout
gw_device_login() {
	local user=$1 scopes=${2:-openid profile email groups} da dc uc i tok
	da=$(curl -sS --max-time 10 --cacert "$FEDJIT_GW_CA" -X POST "$FEDJIT_GW_ISSUER/device_authorization" \
		-d client_id=fedjit --data-urlencode "scope=$scopes") || return 1
	dc=$(jq -r '.device_code // empty' <<<"$da")
	uc=$(jq -r '.user_code // empty' <<<"$da")
	[ -n "$dc" ] && [ -n "$uc" ] || { echo "glewlwyd: device request: $da" >&2; return 1; }
	gw_approve "$uc" "$user" "$scopes" || return 1
	for ((i = 0; i < 10; i++)); do
		sleep "${FEDJIT_GW_INTERVAL:-1}"
		tok=$(curl -sS --max-time 10 --cacert "$FEDJIT_GW_CA" -X POST "$FEDJIT_GW_ISSUER/token" \
			-d client_id=fedjit -d grant_type=urn:ietf:params:oauth:grant-type:device_code \
			-d "device_code=$dc")
		case $tok in
		*authorization_pending* | *slow_down*) continue ;;
		esac
		echo "$tok"
		return 0
	done
	return 1
}

# gw_jwt_part TOKEN N: part N (0 header, 1 payload) of a JWT as JSON
gw_jwt_part() {
	local s
	s=$(cut -d. -f$(($2 + 1)) <<<"$1" | tr '_-' '/+')
	while ((${#s} % 4)); do s+="="; done
	base64 -d <<<"$s" 2>/dev/null
}

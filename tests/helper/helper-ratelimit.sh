#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The bounds on device flows (pam/helper/ratelimit.h) against the real test IdP: many
# unauthenticated sign-ins at once, counting the device authorization requests the IdP
# gets; a slot of a killed helper is free again; refusals are logged once per window;
# the spacing for one name and address, lifted by a sign-in.
. "$(dirname "$0")/lib.sh"
helper_setup
idp_start || { echo "1..0 # SKIP the test IdP did not start"; exit 0; }
ISS=$FEDJIT_IDP_ISSUER
CONF=$T/fedjit.conf
approve() { # approve ACCOUNT -> a command for --approve
	echo "curl -sf --cacert '$FEDJIT_IDP_CA' -H content-type:application/json --data-binary \"{\\\"user_code\\\":\\\"\$USER_CODE\\\",\\\"account\\\":\\\"$1\\\"}\" '$ISS/test/approve' >/dev/null"
}
device_requests() { # how many device authorization requests the IdP answered
	idp_api GET /test/stats | grep -o '"POST /device/auth":[0-9]*' | cut -d: -f2 | grep . || echo 0
}
# bound_config HOST PER-ADDRESS SPACING
bound_config() {
	write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
	sed -i "s/^device_flow_spacing = .*/device_flow_spacing = $3\nmax_device_flows = $1\nmax_device_flows_per_address = $2/" "$CONF"
}
"$MKACCOUNT" "$T/fedjit.tdb" alice 200001 test "$ISS" u-0001-alice >/dev/null

# ---- 20 sign-ins at once: 12 from one address, 8 from 8 others; nobody approves ----
bound_config 5 3 0
idp_api POST /test/stats/reset >/dev/null
pids=()
for i in $(seq 1 20); do
	if [ "$i" -le 12 ]; then addr=198.51.100.7; else addr=203.0.113.$i; fi
	# (20 s: under valgrind all 20 must have started before the first 5 give up)
	{ "$CLIENT" --timeout 20 --rhost "$addr" "$HELPER_CMD" "$CONF" alice \
		>"$T/out.$i" 2>"$T/err.$i"; } &
	pids+=($!)
done
wait "${pids[@]}"
n_device=$(device_requests)
n_busy=$(grep -l '^result status=busy' "$T"/out.* | wc -l)
n_busy_one=$(grep -l '^result status=busy' "$T"/out.{1..12} | wc -l)
echo "# device authorization requests at the IdP: $n_device; refused (busy): $n_busy, of them from 198.51.100.7: $n_busy_one"
check "20 concurrent sign-ins, max_device_flows = 5: the IdP got exactly 5 device requests" \
	test "$n_device" = 5
check "... the other 15 were refused before any request (status busy)" test "$n_busy" = 15
check "... at most 3 from one address (max_device_flows_per_address = 3)" \
	test "$((12 - n_busy_one))" -le 3
check "... the refusal tells the person plainly" \
	grep -q '^result status=busy message=Too many sign-ins in progress; try again in a minute\.' "$T/out.1" "$T/out.2" "$T/out.3" "$T/out.4" "$T/out.5" "$T/out.6" "$T/out.7" "$T/out.8" "$T/out.9" "$T/out.10" "$T/out.11" "$T/out.12"
cat "$T"/err.* >"$T/allerr"
n_logged=$(grep -c 'device flow for alice from .* refused' "$T/allerr")
echo "# refusal log lines: $n_logged"
check "... refusals are logged once per kind, not per attempt (at most 2 lines for 15)" \
	bash -c "[ $n_logged -ge 1 ] && [ $n_logged -le 2 ] && ! grep -q ': busy:' '$T/allerr'"
check "... every helper ended cleanly" bash -c "! grep -L '^exit=0$' '$T'/out.* | grep -q ."
check "the state directory is root's alone (0700), the slot files 0600" \
	bash -c "[ \"\$(stat -c %a '$T/run')\" = 700 ] && [ \"\$(stat -c %a '$T'/run/host.0)\" = 600 ]"

# ---- a helper killed while it holds the only slot: the slot is free at once ----
bound_config 1 1 0
"$CLIENT" --timeout 30 --rhost 198.51.100.8 "$HELPER_CMD" "$CONF" alice >"$T/out.k" 2>&1 &
client=$!
for _ in $(seq 100); do grep -q '^device' "$T/out.k" 2>/dev/null && break; sleep 0.1; done
login --rhost 198.51.100.9 --timeout 3 alice
check "while a sign-in holds the only slot, another is refused" result_is busy
# every process below the client (sh, the helper, under valgrind memcheck, its
# network child): killed, by pid
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
kill -9 $(descendants "$client") 2>/dev/null
wait "$client" 2>/dev/null
login --rhost 198.51.100.9 --timeout 3 alice
check "the helper holding it was killed (SIGKILL): the next sign-in gets the slot" result_is timeout

# ---- spacing per (name, address) ----
bound_config 32 4 5
login --rhost 198.51.100.10 --timeout 2 alice
login --rhost 198.51.100.10 --timeout 2 alice
check "a second sign-in for the same name and address within 5 s of an unanswered one: busy" \
	bash -c "grep -q '^result status=busy message=A sign-in for this name started moments ago' '$T/out'"
login --rhost 198.51.100.11 --timeout 2 alice
check "... from another address it starts" result_is timeout
sleep 5
login --rhost 198.51.100.12 --approve "$(approve alice)" alice
login --rhost 198.51.100.12 --approve "$(approve alice)" alice
check "after a sign-in the next one is never delayed" result_is ok
DENY="curl -sf --cacert '$FEDJIT_IDP_CA' -H content-type:application/json --data-binary \"{\\\"user_code\\\":\\\"\$USER_CODE\\\"}\" '$ISS/test/deny' >/dev/null"
login --rhost 198.51.100.13 --approve "$DENY" alice
login --rhost 198.51.100.13 --approve "$(approve alice)" alice
check "after a denial at the IdP the person may try again at once" result_is ok

echo "1..$n"
helper_done

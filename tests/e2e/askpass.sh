#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/e2e/askpass.sh PROMPT-TEXT: answers one prompt the way a person would.
# ssh runs it for each keyboard-interactive prompt (SSH_ASKPASS with
# SSH_ASKPASS_REQUIRE=force: the text before the prompt, i.e. the sign-in URL,
# code and QR code, is part of PROMPT-TEXT); pty.exp runs it for sudo, login
# and su with everything the program printed since the last answer.
#
# The sign-in prompt (a user code in the text): once per code, E2E_ACTION
# decides what happens at the IdP before Enter is pressed:
#   approve USER     the test API approves the code as USER (tests/idp/lib.sh);
#                    with E2E_IDP=glewlwyd, USER signs in to Glewlwyd over HTTP,
#                    grants the client its scopes and enters the code
#                    (tests/glewlwyd/lib.sh gw_approve)
#   browser USER     headless Chromium types the code into the IdP's pages,
#                    logs in as USER and consents (browser.mjs; Glewlwyd's own
#                    pages with E2E_IDP=glewlwyd)
#   deny             the test API denies it
#   expire SECONDS   nothing; wait SECONDS (the code's lifetime) first
#   none             nothing
# Other prompts: yes/no questions get E2E_CONSENT (default yes), password
# prompts E2E_PASSWORD, the question for a user name E2E_USERNAME (default: the
# name logged in with), TOTP prompts the current code of the secret in the
# google-authenticator file E2E_TOTP_FILE, a shell prompt ($ or # at the end)
# E2E_SHELL_CMD; login's own name prompt makes it give up (exit 3: the sign-in
# failed, login asks again). Every prompt and answer kind is appended to $E2E_PROMPTS;
# past 40 prompts it gives up (exit 1) so that a loop cannot hang a test.
set -u
text=${1-}
state=${E2E_STATE:?}
log=${E2E_PROMPTS:?}
n=$(($(cat "$state/count" 2>/dev/null || echo 0) + 1))
echo "$n" >"$state/count"
{
	echo "=== prompt $n"
	printf '%s\n' "$text"
} >>"$log"
[ "$n" -le 40 ] || {
	echo "--- too many prompts, giving up" >>"$log"
	exit 1
}
answer() {
	echo "--- answer: $1" >>"$log"
	printf '%s\n' "$2"
	exit 0
}
last_line=$(printf '%s' "$text" | tr -d '\r' | tail -n 1)

# a shell prompt (login and su end in a shell)
if [ -n "${E2E_SHELL_CMD:-}" ] && printf '%s' "$last_line" | grep -Eq '[$#] ?$'; then
	answer shell "$E2E_SHELL_CMD"
fi

# login asking for the name again: the sign-in failed; give up
if printf '%s' "$last_line" | grep -Eq 'login: ?$'; then
	echo "--- login asks for a name again: giving up" >>"$log"
	exit 3
fi

# user codes: tests/idp's are letters, Glewlwyd's letters and digits
code=$(printf '%s' "$text" | grep -oE '\b[A-Z0-9]{4}-[A-Z0-9]{4}\b' | tail -n 1)
if [ -n "$code" ] && printf '%s' "$text" | grep -qi 'enter'; then
	if [ ! -e "$state/code-$code" ]; then
		: >"$state/code-$code"
		echo "--- code $code: ${E2E_ACTION:-none}" >>"$log"
		# shellcheck source=../idp/lib.sh
		. "$top_srcdir/tests/idp/lib.sh"
		set -- ${E2E_ACTION:-none}
		if [ "${E2E_IDP:-test}" = glewlwyd ]; then
			# shellcheck source=../glewlwyd/lib.sh
			. "$top_srcdir/tests/glewlwyd/lib.sh"
			case $1 in
			approve) set -- gw-approve "$2" ;;
			browser) set -- gw-browser "$2" ;;
			esac
		fi
		case $1 in
		approve) idp_approve "$code" "$2" 2>>"$log" || echo "--- approve failed" >>"$log" ;;
		gw-approve) gw_approve "$code" "$2" 2>>"$log" || echo "--- approve failed" >>"$log" ;;
		gw-browser)
			node "$E2E_SRC/browser.mjs" --pages glewlwyd --url "$FEDJIT_GW_ISSUER/device" \
				--ca "$FEDJIT_GW_CA" --code "$code" --user "$2" --password "$2-password" \
				${E2E_BROWSER_SHOT:+--shot "$E2E_BROWSER_SHOT"} >>"$log" 2>&1 ||
				echo "--- browser failed" >>"$log"
			;;
		deny) idp_deny "$code" 2>>"$log" || echo "--- deny failed" >>"$log" ;;
		expire) sleep "$2" ;;
		browser)
			node "$E2E_SRC/browser.mjs" --url "$FEDJIT_IDP_ISSUER/device" --code "$code" \
				--user "$2" --password "$2-password" ${E2E_BROWSER_SHOT:+--shot "$E2E_BROWSER_SHOT"} \
				>>"$log" 2>&1 ||
				echo "--- browser failed" >>"$log"
			;;
		esac
	else
		# Enter came before the helper saw the approval: give it a poll interval
		sleep 1
	fi
	answer enter ""
fi
if printf '%s' "$text" | grep -Eqi 'verification code|one-time|totp'; then
	secret=$(head -n 1 "${E2E_TOTP_FILE:?}")
	# a code is accepted once (google-authenticator's replay protection): wait
	# for the next 30 s window if this one's was used already
	totp=$(oathtool --totp -b "$secret")
	if [ -e "$state/totp-$totp" ] || grep -qx "$totp" "$E2E_TMP/totp-used" 2>/dev/null; then
		sleep $((30 - $(date +%s) % 30 + 1))
		totp=$(oathtool --totp -b "$secret")
	fi
	echo "$totp" >>"$E2E_TMP/totp-used"
	answer totp "$totp"
fi
if printf '%s' "$last_line" | grep -Eqi 'yes/no|\[y/n\]|\(y/n\)|consent|agree'; then
	answer consent "${E2E_CONSENT:-yes}"
fi
if printf '%s' "$last_line" | grep -Eqi 'user name'; then
	answer username "${E2E_USERNAME:-}"
fi
if printf '%s' "$last_line" | grep -Eqi 'password'; then
	answer password "${E2E_PASSWORD:-}"
fi
answer other ""

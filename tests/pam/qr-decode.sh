#!/bin/sh
# The QR code as a light-on-dark terminal shows it scans back to the URL
# (zbarimg from zbar-tools; skipped where it is not installed).
if ! command -v zbarimg >/dev/null 2>&1; then
	echo "1..0 # SKIP zbarimg (zbar-tools) not installed"
	exit 0
fi
pbm="${top_builddir:-.}/tests/pam/qr_pbm"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
set -- "https://idp.example.test/device?user_code=WDJB-MJHT" \
	"https://login.example.com/realms/corp/protocol/openid-connect/auth/device?user_code=ABCD-EFGH-IJKL&client_id=fedjit" \
	"https://x.test/d"
echo "1..$#"
n=0
for url in "$@"; do
	n=$((n + 1))
	if "$pbm" "$url" >"$tmp/qr.pbm" &&
		got=$(zbarimg --quiet --raw "$tmp/qr.pbm" 2>/dev/null) && [ "$got" = "$url" ]; then
		echo "ok $n - decodes $url"
	else
		echo "not ok $n - decodes $url (got: ${got:-nothing})"
	fi
done

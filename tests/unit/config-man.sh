#!/bin/sh
# fedjit.conf(5) is the contract of the key list: every key of the key table in
# common/config_keys.c has an entry in the page, every entry is a real key, and
# the page passes mandoc's lint. TAP output, three cases.
src=${top_srcdir:-.}
table="$src/common/config_keys.c"
page="$src/man/fedjit.conf.5"
keys=$(sed -n 's/.*\[FEDJIT_KEY_[A-Z0-9_]*\] = {"\([a-z0-9_]*\)".*/\1/p' "$table" | sort)
documented=$(grep '^\.It Ic ' "$page" | grep -o 'Ic [a-z0-9_]*' | sed 's/^Ic //' | sort)
n_keys=$(echo "$keys" | wc -w)
if [ "$n_keys" -lt 40 ]; then
	echo "Bail out! found only $n_keys keys in $table"
	exit 1
fi
echo "1..3"
rc=0
missing=$(for k in $keys; do echo "$documented" | grep -qx "$k" || echo "$k"; done)
if [ -z "$missing" ]; then
	echo "ok 1 - all $n_keys keys are documented in fedjit.conf.5"
else
	echo "not ok 1 - keys missing from fedjit.conf.5:" $missing; rc=1
fi
unknown=$(for k in $documented; do echo "$keys" | grep -qx "$k" || echo "$k"; done)
if [ -z "$unknown" ]; then
	echo "ok 2 - every key fedjit.conf.5 documents exists"
else
	echo "not ok 2 - fedjit.conf.5 documents keys that do not exist:" $unknown; rc=1
fi
if ! command -v mandoc >/dev/null 2>&1; then
	echo "ok 3 - mandoc lint # SKIP mandoc not installed"
elif out=$(mandoc -Tlint -Wwarning "$page" 2>&1) && [ -z "$out" ]; then
	echo "ok 3 - mandoc lint"
else
	echo "not ok 3 - mandoc lint"; echo "$out" | sed 's/^/# /'; rc=1
fi
exit $rc

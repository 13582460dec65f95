#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# mkca.sh DIR: a per-run test PKI for the test IdPs (openssl only).
#
#   DIR/ca.pem, ca.key                 the test CA (trust anchor: give tests ca.pem)
#   DIR/server.pem, server.key         127.0.0.1/localhost (SAN IP:127.0.0.1, DNS:localhost), signed by the CA
#   DIR/expired.pem, expired.key       same names, signed by the CA, validity ended in the past
#   DIR/wronghost.pem, wronghost.key   signed by the CA, for "wrong.example.test" only (no 127.0.0.1)
#   DIR/otherca.pem, otherca.key       another CA (not trusted by anyone)
#   DIR/untrusted.pem, untrusted.key   127.0.0.1/localhost, signed by the other CA
#
# Keys are EC P-256 (fast to generate). Every server cert file holds the leaf
# only; the CA is the direct issuer. Nothing outside DIR is touched.
set -euo pipefail
dir=${1:?usage: mkca.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() { # ca NAME SUBJECT
	key "$1.key"
	openssl req -x509 -new -key "$1.key" -sha256 -days 30 -subj "/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign \
		-out "$1.pem" 2>/dev/null
}

leaf() { # leaf NAME CA SAN [extra x509 args...]
	local name=$1 issuer=$2 san=$3
	shift 3
	key "$name.key"
	openssl req -new -key "$name.key" -subj "/CN=fedjit test IdP ($name)" -out "$name.csr" 2>/dev/null
	printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" "subjectAltName=$san" >"$name.ext"
	openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -CAcreateserial \
		-sha256 -extfile "$name.ext" -out "$name.pem" "$@" 2>/dev/null
	rm -f "$name.csr" "$name.ext"
}

ca ca "fedjit test CA $$"
ca otherca "fedjit other test CA $$"
leaf server ca "IP:127.0.0.1,DNS:localhost" -days 30
leaf wronghost ca "DNS:wrong.example.test" -days 30
leaf untrusted otherca "IP:127.0.0.1,DNS:localhost" -days 30

# Expired: openssl x509 -req has no start date option before OpenSSL 3.4, so
# the expired certificate comes from `openssl ca` with explicit dates.
key expired.key
openssl req -new -key expired.key -subj "/CN=fedjit test IdP (expired)" -out expired.csr 2>/dev/null
mkdir -p ca.db
: >ca.db/index.txt
echo 1000 >ca.db/serial
cat >ca.db/ca.cnf <<EOF
[ca]
default_ca = test
[test]
database = ca.db/index.txt
serial = ca.db/serial
new_certs_dir = ca.db
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = leaf
unique_subject = no
[any]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
EOF
openssl ca -batch -config ca.db/ca.cnf -in expired.csr -out expired.pem -notext \
	-startdate 20200101000000Z -enddate 20200201000000Z 2>/dev/null
rm -rf expired.csr ca.db ca.srl otherca.srl
chmod 644 ./*.pem

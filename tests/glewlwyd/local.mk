# tests/glewlwyd: Glewlwyd (Debian package glewlwyd) as a second test IdP, an
# independent C implementation of OpenID Connect with the device grant. See
# tests/glewlwyd/lib.sh. Root only; the scripts skip when the package is absent.
TESTS += tests/glewlwyd/gw-selftest.sh
EXTRA_DIST += tests/glewlwyd/lib.sh tests/glewlwyd/gw-selftest.sh

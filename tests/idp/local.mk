# tests/idp: the test OpenID Connect providers (oidc-provider server and the
# misbehaving IdP) used by the PAM, helper and end-to-end tests. See
# tests/idp/README.md. node_modules is not distributed: a build from the
# tarball finds it through FEDJIT_IDP_NODE_MODULES (configure variable or
# environment), which distcheck points at this tree's tests/idp/node_modules.
TESTS += tests/idp/idp-selftest.sh
EXTRA_DIST += tests/idp/README.md tests/idp/package.json tests/idp/package-lock.json \
	tests/idp/server.mjs tests/idp/bad-idp.mjs tests/idp/approve.mjs tests/idp/jwt.mjs \
	tests/idp/lib.sh tests/idp/mkca.sh tests/idp/start.sh tests/idp/stop.sh \
	tests/idp/idp-selftest.sh
AM_TESTS_ENVIRONMENT += \
	if test -n '$(FEDJIT_IDP_NODE_MODULES)'; then \
	FEDJIT_IDP_NODE_MODULES='$(FEDJIT_IDP_NODE_MODULES)'; export FEDJIT_IDP_NODE_MODULES; fi;
AM_DISTCHECK_CONFIGURE_FLAGS = FEDJIT_IDP_NODE_MODULES='$(abs_top_srcdir)/tests/idp/node_modules'

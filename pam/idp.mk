# pam/idp: what the helper program needs to talk to an OpenID Connect IdP safely: JOSE
# (JWS/JWKS) with OpenSSL, ID token claim checks, discovery and device-grant response
# parsing. Linked by the helper program and tests only, never by pam_fedjit.so or NSS
# (DESIGN.md invariant 1).
noinst_LTLIBRARIES += pam/libfedjit_idp.la
pam_libfedjit_idp_la_SOURCES = \
	pam/helper/jose.h pam/helper/jose.c \
	pam/helper/jwks.h \
	pam/helper/idtoken.h \
	pam/helper/discovery.h \
	pam/helper/token_response.h
pam_libfedjit_idp_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
pam_libfedjit_idp_la_LIBADD = $(OPENSSL_LIBS) $(JANSSON_LIBS)

# For programs that link it: `foo_LDADD = $(idp_libs)`, `foo_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags)`.
idp_cppflags = -I$(top_srcdir)/pam/helper $(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
idp_libs = pam/libfedjit_idp.la common/libfedjit_common.la $(OPENSSL_LIBS) $(JANSSON_LIBS)

# pam/idp: the IdP library. What the helper program needs to talk to an OpenID Connect
# IdP safely: JOSE (JWS/JWKS) with OpenSSL, ID token claim checks, discovery and
# device-grant response parsing, jansson with scrubbed frees. No network code (the
# transport is pam/helper/http.c). Linked by the helper program and tests only, never by
# pam_fedjit.so or NSS (ARCHITECTURE.md: no network, JSON or JWT code in the host process).
noinst_LTLIBRARIES += pam/idp/libfedjit_idp.la
idp_sources = \
	pam/idp/jose.h pam/idp/jose.c \
	pam/idp/jwks.h pam/idp/jwks.c \
	pam/idp/jws.h pam/idp/jws.c \
	pam/idp/idtoken.h pam/idp/idtoken.c \
	pam/idp/discovery.h pam/idp/discovery.c \
	pam/idp/token_response.h pam/idp/token_response.c \
	pam/idp/json_scrub.h pam/idp/json_scrub.c
pam_idp_libfedjit_idp_la_SOURCES = $(idp_sources)
pam_idp_libfedjit_idp_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
pam_idp_libfedjit_idp_la_LIBADD = $(OPENSSL_LIBS) $(JANSSON_LIBS)

# For programs that link it: `foo_LDADD = $(idp_libs)`, `foo_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags)`.
idp_cppflags = $(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
idp_libs = pam/idp/libfedjit_idp.la common/libfedjit_common.la $(OPENSSL_LIBS) $(JANSSON_LIBS)

# Unit tests: keys are generated at test time (tests/unit/idp_testutil.c).
idp_test_cflags = $(unit_test_cflags) $(idp_cppflags)
idp_test_libs = $(idp_libs) $(unit_test_libs)
idp_test_sources = tests/unit/idp_testutil.h tests/unit/idp_testutil.c
check_PROGRAMS += tests/unit/test_json_scrub
TESTS += tests/unit/test_json_scrub
tests_unit_test_json_scrub_CFLAGS = $(idp_test_cflags)
tests_unit_test_json_scrub_LDADD = $(idp_test_libs)
check_PROGRAMS += tests/unit/test_jose
TESTS += tests/unit/test_jose
tests_unit_test_jose_SOURCES = tests/unit/test_jose.c $(idp_test_sources)
tests_unit_test_jose_CFLAGS = $(idp_test_cflags)
tests_unit_test_jose_LDADD = $(idp_test_libs)
check_PROGRAMS += tests/unit/test_idtoken
TESTS += tests/unit/test_idtoken
tests_unit_test_idtoken_SOURCES = tests/unit/test_idtoken.c $(idp_test_sources)
tests_unit_test_idtoken_CFLAGS = $(idp_test_cflags)
tests_unit_test_idtoken_LDADD = $(idp_test_libs)
check_PROGRAMS += tests/unit/test_idp_responses
TESTS += tests/unit/test_idp_responses
tests_unit_test_idp_responses_SOURCES = tests/unit/test_idp_responses.c
tests_unit_test_idp_responses_CFLAGS = $(idp_test_cflags)
tests_unit_test_idp_responses_LDADD = $(idp_test_libs)

# Fuzzing. replay_NAME runs the committed corpus tests/fuzz/corpus/NAME through the
# harness in every build (gcc, ASan, valgrind; tests/fuzz/replay.c); --enable-fuzzing
# (CC=clang) also builds the libFuzzer harnesses and runs each briefly from the corpus
# (tests/fuzz/smoke-NAME.sh). Input formats are described at the top of each harness. The
# libFuzzer builds compile the library sources themselves so that the parsers carry the
# fuzzer's coverage instrumentation.
EXTRA_DIST += tests/fuzz/corpus/idtoken tests/fuzz/corpus/jwks tests/fuzz/corpus/discovery \
	tests/fuzz/corpus/token_response tests/fuzz/smoke-idtoken.sh tests/fuzz/smoke-jwks.sh \
	tests/fuzz/smoke-discovery.sh tests/fuzz/smoke-token_response.sh
idp_replay_cppflags = $(AM_CPPFLAGS) $(idp_cppflags)
check_PROGRAMS += tests/fuzz/replay_idtoken tests/fuzz/replay_jwks tests/fuzz/replay_discovery \
	tests/fuzz/replay_token_response
TESTS += tests/fuzz/replay_idtoken tests/fuzz/replay_jwks tests/fuzz/replay_discovery \
	tests/fuzz/replay_token_response
tests_fuzz_replay_idtoken_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_idtoken.c
tests_fuzz_replay_idtoken_CPPFLAGS = $(idp_replay_cppflags) \
	-DFEDJIT_FUZZ_CORPUS='"tests/fuzz/corpus/idtoken"'
tests_fuzz_replay_idtoken_LDADD = $(idp_libs)
tests_fuzz_replay_jwks_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_jwks.c
tests_fuzz_replay_jwks_CPPFLAGS = $(idp_replay_cppflags) \
	-DFEDJIT_FUZZ_CORPUS='"tests/fuzz/corpus/jwks"'
tests_fuzz_replay_jwks_LDADD = $(idp_libs)
tests_fuzz_replay_discovery_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_discovery.c
tests_fuzz_replay_discovery_CPPFLAGS = $(idp_replay_cppflags) \
	-DFEDJIT_FUZZ_CORPUS='"tests/fuzz/corpus/discovery"'
tests_fuzz_replay_discovery_LDADD = $(idp_libs)
tests_fuzz_replay_token_response_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_token_response.c
tests_fuzz_replay_token_response_CPPFLAGS = $(idp_replay_cppflags) \
	-DFEDJIT_FUZZ_CORPUS='"tests/fuzz/corpus/token_response"'
tests_fuzz_replay_token_response_LDADD = $(idp_libs)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_idtoken tests/fuzz/fuzz_jwks tests/fuzz/fuzz_discovery \
	tests/fuzz/fuzz_token_response
TESTS += tests/fuzz/smoke-idtoken.sh tests/fuzz/smoke-jwks.sh tests/fuzz/smoke-discovery.sh \
	tests/fuzz/smoke-token_response.sh
idp_fuzz_cflags = $(AM_CFLAGS) $(FUZZ_CFLAGS) $(idp_cppflags)
idp_fuzz_libs = $(OPENSSL_LIBS) $(JANSSON_LIBS)
tests_fuzz_fuzz_idtoken_SOURCES = tests/fuzz/fuzz_idtoken.c $(idp_sources)
tests_fuzz_fuzz_idtoken_CFLAGS = $(idp_fuzz_cflags)
tests_fuzz_fuzz_idtoken_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_idtoken_LDADD = $(idp_fuzz_libs)
tests_fuzz_fuzz_jwks_SOURCES = tests/fuzz/fuzz_jwks.c $(idp_sources)
tests_fuzz_fuzz_jwks_CFLAGS = $(idp_fuzz_cflags)
tests_fuzz_fuzz_jwks_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_jwks_LDADD = $(idp_fuzz_libs)
tests_fuzz_fuzz_discovery_SOURCES = tests/fuzz/fuzz_discovery.c $(idp_sources)
tests_fuzz_fuzz_discovery_CFLAGS = $(idp_fuzz_cflags)
tests_fuzz_fuzz_discovery_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_discovery_LDADD = $(idp_fuzz_libs)
tests_fuzz_fuzz_token_response_SOURCES = tests/fuzz/fuzz_token_response.c $(idp_sources)
tests_fuzz_fuzz_token_response_CFLAGS = $(idp_fuzz_cflags)
tests_fuzz_fuzz_token_response_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_token_response_LDADD = $(idp_fuzz_libs)
endif

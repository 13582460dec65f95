# pam/idp: what the helper program needs to talk to an OpenID Connect IdP safely: JOSE
# (JWS/JWKS) with OpenSSL, ID token claim checks, discovery and device-grant response
# parsing. Linked by the helper program and tests only, never by pam_fedjit.so or NSS
# (DESIGN.md invariant 1).
noinst_LTLIBRARIES += pam/libfedjit_idp.la
idp_sources = \
	pam/helper/jose.h pam/helper/jose.c \
	pam/helper/jwks.h pam/helper/jwks.c \
	pam/helper/jws.h pam/helper/jws.c \
	pam/helper/idtoken.h pam/helper/idtoken.c \
	pam/helper/discovery.h pam/helper/discovery.c \
	pam/helper/token_response.h pam/helper/token_response.c
pam_libfedjit_idp_la_SOURCES = $(idp_sources)
pam_libfedjit_idp_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
pam_libfedjit_idp_la_LIBADD = $(OPENSSL_LIBS) $(JANSSON_LIBS)

# For programs that link it: `foo_LDADD = $(idp_libs)`, `foo_CPPFLAGS = $(AM_CPPFLAGS) $(idp_cppflags)`.
idp_cppflags = -I$(top_srcdir)/pam/helper $(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
idp_libs = pam/libfedjit_idp.la common/libfedjit_common.la $(OPENSSL_LIBS) $(JANSSON_LIBS)

# Unit tests: keys are generated at test time (tests/unit/idp_testutil.c).
idp_test_cflags = $(unit_test_cflags) $(idp_cppflags)
idp_test_libs = $(idp_libs) $(unit_test_libs)
idp_test_sources = tests/unit/idp_testutil.h tests/unit/idp_testutil.c
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

# libFuzzer harnesses (configure --enable-fuzzing CC=clang). They compile the library
# sources themselves so that the parsers carry the fuzzer's coverage instrumentation.
# Input formats are described at the top of each harness; seeds in tests/fuzz/corpus/NAME/.
idp_fuzzers = idtoken jwks discovery token_response
EXTRA_DIST += tests/fuzz/fuzz_idtoken.c tests/fuzz/fuzz_jwks.c tests/fuzz/fuzz_discovery.c \
	tests/fuzz/fuzz_token_response.c tests/fuzz/corpus
.PHONY: fuzz-smoke fuzz-smoke-idp
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_idtoken tests/fuzz/fuzz_jwks tests/fuzz/fuzz_discovery \
	tests/fuzz/fuzz_token_response
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

# `make fuzz-smoke`: a fixed number of runs per harness from the committed seeds; new
# inputs go to a scratch directory, never into the committed corpus.
FUZZ_SMOKE_RUNS = 20000
fuzz-smoke: fuzz-smoke-idp
fuzz-smoke-idp: tests/fuzz/fuzz_idtoken tests/fuzz/fuzz_jwks tests/fuzz/fuzz_discovery \
		tests/fuzz/fuzz_token_response
	@for f in $(idp_fuzzers); do \
		rm -rf fuzz-work/$$f && mkdir -p fuzz-work/$$f && \
		echo "fuzz_$$f: $(FUZZ_SMOKE_RUNS) runs" && \
		tests/fuzz/fuzz_$$f -runs=$(FUZZ_SMOKE_RUNS) -max_len=16384 -timeout=10 \
			fuzz-work/$$f $(srcdir)/tests/fuzz/corpus/$$f 2>fuzz-work/$$f.log || \
			{ tail -40 fuzz-work/$$f.log; exit 1; }; \
		grep -E '^(#[0-9]+.*DONE|Done)' fuzz-work/$$f.log | tail -1; \
	done
endif

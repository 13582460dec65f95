/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for ID token verification (fedjit_idtoken_verify).
 *
 * Input formats (first byte):
 *   'P' F payload: the rest after the flag byte F is a JWT payload, signed here with a
 *       fixed Ed25519 key (header {"alg":"EdDSA","kid":"fuzz-ed"}), so the claim checks are
 *       reached;
 *   'H' F header '\n' payload: signed the same way, so the header parser and the key
 *       choice are fuzzed with a valid signature;
 *   anything else: the whole input is a compact token, verified as it is (split,
 *       base64url, header, key lookup, signature paths).
 * F switches on optional checks: bit 0 acr_values {urn:mfa, gold}, bit 1 max_age 600,
 * bit 2 nonce "n0" ('0' = none, '7' = all).
 * The JWKS holds RSA-2048, P-256 and P-384 keys (no private halves: fixed test data) and
 * the Ed25519 key above. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "pam/idp/idtoken.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_keys[] =
        "{\"kty\":\"RSA\",\"kid\":\"fuzz-rsa\",\"use\":\"sig\",\"n\":\"yteDYcHJ1WFYwXkxDiu4Dg"
        "33RIzgACSaPXBofb7Q18ll8HLGI6lYU45K5UxAefoBCh89QOiy9FUbL9VHmF0DnVYuVWNYHyEjhtE1YOSkDu"
        "HSLH9-4TLMDW4KqVvZ8hSxCwHeWrE5rul3P1JudavcLMt6wzMJQmKC4Obwpv3PNyByrKQRbwp8TByjOKjVq9"
        "Wb_qiPt7VDZGyQtzvnJCzk6qxz7XXAndhnbzabdLzaDOZA5i7aixSjR_pkSkvuYo3lBRlM7KiYpLcryyn8n8"
        "BXAZ3-fAMWEPeYdf2I5JJjxq2-ofT_Wu9Lan0-GzxaIrdviUwrfOxMTpNxf-XX71Kugw\",\"e\":\"AQAB\""
        "},{\"kty\":\"EC\",\"kid\":\"fuzz-p256\",\"crv\":\"P-256\",\"x\":\"ZE9blYfqzUw_q81eWL"
        "ePjgOI2bLC9OJ7uMSFOq_pYd8\",\"y\":\"A22bz8OTI3LDi1ChDPwMHSPAvtcrazNqGK4EhYpA4l4\"},{"
        "\"kty\":\"EC\",\"kid\":\"fuzz-p384\",\"crv\":\"P-384\",\"x\":\"V-7-16vN9ZeSehuic7IzG"
        "OmKo4HqtwvGFP2a2ChDhPCmGMqqxIrfqN7bgKBCMY0h\",\"y\":\"UfLoJYh8JQH8_jLlSLxh287DwZN0Cn"
        "5VgTphBXkz9xcnrL8e_pl63SjbfgXUKbWa\"}";

static const unsigned char ed_seed[32] = "fedjit fuzz ed25519 fixed seed!";

static struct fedjit_jwks *jwks;
static EVP_PKEY *ed;

static void init(void)
{
	unsigned char pub[32];
	size_t pub_len = sizeof(pub);
	char *x = NULL, *doc = NULL;

	ed = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, ed_seed, sizeof(ed_seed));
	if (!ed || !EVP_PKEY_get_raw_public_key(ed, pub, &pub_len) ||
	    fedjit_base64url_encode(pub, pub_len, &x) < 0 ||
	    asprintf(&doc,
	             "{\"keys\":[%s,{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"fuzz-ed\","
	             "\"x\":\"%s\"}]}",
	             fixed_keys, x) < 0 ||
	    fedjit_jwks_parse(doc, strlen(doc), &jwks, NULL) < 0 || jwks->n_keys != 4)
		abort();
	free(x);
	free(doc);
}

/* header.payload.signature with the fixed Ed25519 key. */
static char *sign(const uint8_t *header, size_t header_len, const uint8_t *payload,
                  size_t payload_len)
{
	char *h = NULL, *p = NULL, *s = NULL, *input = NULL, *out = NULL;
	unsigned char sig[64];
	size_t sig_len = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || fedjit_base64url_encode(header, header_len, &h) < 0 ||
	    fedjit_base64url_encode(payload, payload_len, &p) < 0 ||
	    asprintf(&input, "%s.%s", h, p) < 0 ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, ed) != 1 ||
	    EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *)input, strlen(input)) != 1 ||
	    fedjit_base64url_encode(sig, sig_len, &s) < 0 || asprintf(&out, "%s.%s", input, s) < 0)
		abort();
	EVP_MD_CTX_free(ctx);
	free(h);
	free(p);
	free(s);
	free(input);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const acrs[] = {"urn:mfa", "gold", NULL};
	static const char default_header[] = "{\"alg\":\"EdDSA\",\"kid\":\"fuzz-ed\"}";
	struct fedjit_idtoken_expect expect = {
	        .issuer = "https://idp.example.test",
	        .client_id = "fedjit",
	        .now = 1800000000,
	        .leeway = 60,
	        .max_age = -1,
	};
	struct fedjit_idtoken *t = NULL;
	char *token, *reason = NULL;

	if (!jwks)
		init();
	if (size >= 2 && (data[0] == 'P' || data[0] == 'H')) {
		/* Vary the optional checks so every branch is reachable. */
		if (data[1] & 1)
			expect.acr_values = acrs;
		if (data[1] & 2)
			expect.max_age = 600;
		if (data[1] & 4)
			expect.nonce = "n0";
	}
	if (size >= 2 && data[0] == 'P') {
		token = sign((const uint8_t *)default_header, strlen(default_header), data + 2,
		             size - 2);
	} else if (size >= 2 && data[0] == 'H') {
		const uint8_t *nl = memchr(data + 2, '\n', size - 2);
		if (!nl)
			return 0;
		token = sign(data + 2, (size_t)(nl - data - 2), nl + 1,
		             size - (size_t)(nl + 1 - data));
	} else {
		if (!(token = strndup((const char *)data, size)))
			abort();
	}
	int r = fedjit_idtoken_verify(token, jwks, &expect, &t, &reason);
	/* FEDJIT_FUZZ_DEBUG=1 shows what each input does (for curating the corpus). */
	if (getenv("FEDJIT_FUZZ_DEBUG"))
		fprintf(stderr, "idtoken: %d %s\n", r, reason ? reason : "verified");
	if (r == 0) {
		/* A verified token must satisfy what the checks promise. */
		if (!t || !t->sub || strcmp(t->iss, expect.issuer) != 0 || t->n_aud == 0 ||
		    t->exp + 60 <= expect.now || t->n_groups > FEDJIT_IDTOKEN_MAX_GROUPS)
			abort();
		const char *ui = "{\"sub\":\"x\",\"email\":\"e@x\"}";
		(void)fedjit_idtoken_merge_userinfo(t, ui, strlen(ui), NULL, NULL);
		fedjit_idtoken_free(t);
	} else if (!reason && r != -ENOMEM) {
		abort(); /* every refusal must say why */
	}
	free(reason);
	explicit_bzero(token, strlen(token));
	free(token);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the configuration parser and validator: any bytes as
 * one fedjit.conf. Besides not crashing, checks the loader's contract: success
 * if and only if there is no message, every message names the file, at most
 * FEDJIT_DIAG_MAX (100) messages plus the count line, a loaded config has
 * PRIMARY and answers its lookups, and writing it out, reading that back and
 * writing again gives the same text. Secret file checks are off: they stat()
 * paths from the input, which says nothing about the parser.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.conf"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_config: contract broken: %s\n", what);
		abort();
	}
}

static char *write_config(const struct fedjit_config *c, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	check(f != NULL, "open_memstream");
	check(fedjit_config_write(c, f) == 0, "write");
	fclose(f);
	return text;
}

static void round_trip(const struct fedjit_config *c)
{
	struct fedjit_config *c2 = NULL;
	size_t len, len2;
	char *text = write_config(c, &len);
	int r = fedjit_config_parse_buffer(NAME, text, len, FEDJIT_CONFIG_SKIP_SECRET_CHECKS, &c2,
	                                   NULL);

	check(r == 0, "written config loads");
	char *again = write_config(c2, &len2);
	check(len == len2 && memcmp(text, again, len) == 0, "written twice, same text");
	free(text);
	free(again);
	fedjit_config_free(c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fedjit_config *c = NULL;
	struct fedjit_diag d = {0};
	int r = fedjit_config_parse_buffer(NAME, (const char *)data, size,
	                                   FEDJIT_CONFIG_SKIP_SECRET_CHECKS, &c, &d);

	check(r == 0 || r == -EINVAL || r == -EFBIG || r == -ENOMEM, "return value");
	check((r == 0) == (d.n_lines == 0), "success without messages");
	check((r == 0) == (c != NULL), "config only on success");
	check(d.n_lines <= 101, "message cap");
	for (size_t i = 0; i < d.n_lines; i++)
		check(strncmp(d.lines[i], NAME ":", strlen(NAME ":")) == 0,
		      "message names the file");
	if (c) {
		check(fedjit_config_domain(c, "primary") != NULL, "PRIMARY exists");
		for (size_t i = 0; i < c->n_domains; i++) {
			const struct fedjit_domain *dom = &c->domains[i];
			check(fedjit_config_domain(c, dom->name) == dom, "domain lookup");
			check(dom->uid_min <= dom->uid_max && dom->gid_min <= dom->gid_max,
			      "ranges");
			fedjit_config_idp_for_domain(c, dom->name);
		}
		for (size_t i = 0; i < c->n_idps; i++) {
			const struct fedjit_idp *p = &c->idps[i];
			check(fedjit_config_idp(c, p->name) == p, "idp lookup");
			check(p->issuer && p->client_id, "required keys");
			check(strncmp(p->issuer, "https://", 8) == 0, "https issuer");
			fedjit_provisioning_to_string(p->provisioning);
			fedjit_client_auth_to_string(p->client_auth);
		}
	}
	if (c)
		round_trip(c);
	fedjit_config_free(c);
	fedjit_diag_clear(&d);
	return 0;
}

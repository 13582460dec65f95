/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A PAM application for the end-to-end tests: runs one PAM call of service
 * "fedjit-e2e" from a service directory the test wrote (pam_start_confdir),
 * and prints what the person would see, one conversation call at a time:
 *
 *   call N: M messages
 *   info: TEXT / error: TEXT / prompt: TEXT / secret: TEXT   (one line each,
 *                                                            newlines as "|")
 *   pam=CODE NAME
 *
 * --approve CMD runs CMD (sh -c) at the first "Press Enter" prompt, with the
 * user code shown in the same call in $USER_CODE, as a person approving on a
 * phone would; --answer TEXT answers the helper's own prompts (repeatable, in
 * order). --op auth|account|chauthtok (default auth). --stats adds a line
 *
 *   stats approval_to_result_ms=N module_cpu_ms=N helper_cpu_ms=N
 *
 * (from the approval command's end to the PAM call's return; CPU time of this
 * process, which is libpam and the module, and of its reaped children minus
 * the approval command, which is fedjit-helper and its network child).
 */
#include <security/pam_appl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *approve;
static const char *answers[8];
static int n_answers, next_answer, ncalls;
static char user_code[64];
static bool stats;
static double approved_at, approve_cpu;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void print_line(const char *label, const char *text)
{
	printf("%s: ", label);
	for (const char *p = text; *p; p++)
		putchar(*p == '\n' ? '|' : *p);
	putchar('\n');
}

/* "and enter the code:  ABCD-EFGH" in the instructions. */
static void remember_code(const char *text)
{
	const char *p = strstr(text, "enter the code:");
	size_t n = 0;

	if (!p)
		return;
	p += strlen("enter the code:");
	while (*p == ' ')
		p++;
	while (p[n] && p[n] != '\n' && n + 1 < sizeof(user_code))
		n++;
	memcpy(user_code, p, n);
	user_code[n] = 0;
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (!r)
		return PAM_BUF_ERR;
	printf("call %d: %d messages\n", ++ncalls, n);
	for (int i = 0; i < n; i++) {
		const char *text = msg[i]->msg;

		switch (msg[i]->msg_style) {
		case PAM_TEXT_INFO:
			print_line("info", text);
			remember_code(text);
			break;
		case PAM_ERROR_MSG:
			print_line("error", text);
			break;
		case PAM_PROMPT_ECHO_ON:
		case PAM_PROMPT_ECHO_OFF:
			print_line(msg[i]->msg_style == PAM_PROMPT_ECHO_ON ? "prompt" : "secret",
			           text);
			if (strstr(text, "Press Enter")) {
				if (approve) {
					fflush(stdout);
					double before = cpu_ms(RUSAGE_CHILDREN);

					setenv("USER_CODE", user_code, 1);
					if (system(approve) != 0)
						printf("approve command failed\n");
					approved_at = now_ms();
					approve_cpu = cpu_ms(RUSAGE_CHILDREN) - before;
					approve = NULL;
				}
				r[i].resp = strdup("");
			} else
				r[i].resp = strdup(next_answer < n_answers ? answers[next_answer++]
				                                           : "");
			break;
		}
	}
	fflush(stdout);
	*resp = r;
	return PAM_SUCCESS;
}

int main(int argc, char **argv)
{
	struct pam_conv c = {conv, NULL};
	const char *op = "auth";
	pam_handle_t *pamh;
	int i, r;

	for (i = 1; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--approve") == 0)
			approve = argv[i + 1];
		else if (strcmp(argv[i], "--answer") == 0 && n_answers < 8)
			answers[n_answers++] = argv[i + 1];
		else if (strcmp(argv[i], "--stats") == 0) {
			stats = true;
			i--;
		} else if (strcmp(argv[i], "--op") == 0)
			op = argv[i + 1];
		else
			break;
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: pam_driver [--approve CMD] [--answer TEXT]... [--stats] "
		                "[--op auth|account|chauthtok] SERVICE_DIR USER\n");
		return 2;
	}
	r = pam_start_confdir("fedjit-e2e", argv[i + 1], &c, argv[i], &pamh);
	if (r != PAM_SUCCESS)
		return 1;
	if (strcmp(op, "account") == 0)
		r = pam_acct_mgmt(pamh, 0);
	else if (strcmp(op, "chauthtok") == 0)
		r = pam_chauthtok(pamh, 0);
	else
		r = pam_authenticate(pamh, 0);
	if (stats && approved_at > 0)
		printf("stats approval_to_result_ms=%.0f module_cpu_ms=%.1f helper_cpu_ms=%.1f\n",
		       now_ms() - approved_at, cpu_ms(RUSAGE_SELF),
		       cpu_ms(RUSAGE_CHILDREN) - approve_cpu);
	printf("pam=%d %s\n", r, pam_strerror(pamh, r));
	pam_end(pamh, r);
	return 0;
}

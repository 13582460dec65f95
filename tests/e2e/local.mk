# tests/e2e: end to end with the real sshd, sudo, login and su, headless
# Chromium and the test IdP (issue 7; tests/e2e/README.md). Root only; each
# script runs in its own mount + PID + network namespaces (tests/e2e/lib.sh).
e2e_tests = tests/e2e/ssh.sh tests/e2e/local.sh tests/e2e/glewlwyd.sh tests/e2e/account.sh \
	tests/e2e/revalidate.sh
TESTS += $(e2e_tests)
EXTRA_DIST += $(e2e_tests) tests/e2e/lib.sh tests/e2e/askpass.sh tests/e2e/pty.exp \
	tests/e2e/browser.mjs tests/e2e/package.json tests/e2e/package-lock.json tests/demo.sh \
	tests/e2e/README.md

# /dev/log inside the sandbox
check_PROGRAMS += tests/e2e/syslog_sink

# The compiled-in paths of this build, where the sandbox puts the
# configuration, the store, the cache and the helper.
nodist_check_SCRIPTS = tests/e2e/paths.sh
CLEANFILES += tests/e2e/paths.sh
tests/e2e/paths.sh: Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/e2e && { \
	echo "E2E_CONF_DIR='$(fedjitconfdir)'"; \
	echo "E2E_STATE_DIR='$(fedjitstatedir)'"; \
	echo "E2E_CACHE_DIR='$(fedjitcachedir)'"; \
	echo "E2E_HELPER_PATH='$(fedjithelperdir)/fedjit-helper'"; \
	} >$@-t && mv -f $@-t $@

# The valgrind step re-runs every script as it is: the e2e scripts skip there.
AM_TESTS_ENVIRONMENT += FEDJIT_E2E_LOG_COMPILER='$(LOG_COMPILER)'; export FEDJIT_E2E_LOG_COMPILER;

# The demo from this build tree (README.md "Demo"): make demo, make demo DEMO_ARGS=--auto
demo: all tests/e2e/syslog_sink tests/e2e/paths.sh
	$(SHELL) $(top_srcdir)/tests/demo.sh --build-dir '$(abs_top_builddir)' $(DEMO_ARGS)
.PHONY: demo

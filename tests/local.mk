# tests/: shared test plumbing. Unit tests live beside their area's fragment;
# scripts here are TAP producers run by $(SHELL).
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
LOG_COMPILER =
EXTRA_DIST += tests/deps.sh tests/run-all.sh tests/valgrind-wrap.sh tests/package.sh \
	tests/package-lifecycle.sh
include tests/idp/local.mk
include tests/glewlwyd/local.mk
include tests/e2e/local.mk
include tests/harden/local.mk

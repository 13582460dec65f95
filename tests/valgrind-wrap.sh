#!/bin/sh
# LOG_COMPILER (and SH_LOG_COMPILER) for the valgrind run: compiled tests run under
# memcheck (any error or definite leak fails the test); scripts run as they are, with
# FEDJIT_VALGRIND=1 in their environment so they can wrap their own compiled parts where
# that is practical (tests/helper/lib.sh runs fedjit-helper under memcheck).
case "$1" in
*.sh)
	FEDJIT_VALGRIND=1
	export FEDJIT_VALGRIND
	exec bash "$@" # what SH_LOG_COMPILER ($(SHELL), bash) would do
	;;
esac
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--show-leak-kinds=definite --track-fds=no "$@"

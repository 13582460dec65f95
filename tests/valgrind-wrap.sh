#!/bin/sh
# LOG_COMPILER for the valgrind run: compiled tests run under memcheck (any error
# or definite leak fails the test); scripts run as they are (they wrap their own
# compiled parts where that is practical).
case "$1" in
*.sh) exec "$@" ;;
esac
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--show-leak-kinds=definite --track-fds=no "$@"

# man: fragment of the top-level Makefile.am
dist_man_MANS += man/fedjit.conf.5

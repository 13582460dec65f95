# man: fragment of the top-level Makefile.am
dist_man_MANS += man/fedjit.conf.5
dist_man_MANS += man/pam_fedjit.8

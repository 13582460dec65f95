# pam: fragment of the top-level Makefile.am
include pam/idp.mk

# man: fragment of the top-level Makefile.am
dist_man_MANS += man/fedjit.conf.5
dist_man_MANS += man/pam_fedjit.8
# libnss_fedjit(8); nss_fedjit(8) is installed as a symlink to it (a .so page
# would not pass mandoc -Tlint -Wwarning).
dist_man_MANS += man/libnss_fedjit.8
install-data-hook: install-data-hook-nss-man
install-data-hook-nss-man:
	cd $(DESTDIR)$(man8dir) && rm -f nss_fedjit.8 && ln -s libnss_fedjit.8 nss_fedjit.8
uninstall-hook: uninstall-hook-nss-man
uninstall-hook-nss-man:
	rm -f $(DESTDIR)$(man8dir)/nss_fedjit.8
.PHONY: install-data-hook-nss-man uninstall-hook-nss-man
dist_man_MANS += man/fedjit.8

# data/: files for the system around the modules.
# pam-auth-update profile: `pam-auth-update --enable fedjit`.
pamconfigsdir = $(datadir)/pam-configs
tmpfilesdir = $(prefix)/lib/tmpfiles.d
EXTRA_DIST += data/pam-config data/tmpfiles.conf data/sshd-fedjit.conf

install-data-local: install-data-local-fedjit
install-data-local-fedjit:
	$(MKDIR_P) $(DESTDIR)$(pamconfigsdir) $(DESTDIR)$(tmpfilesdir)
	$(INSTALL_DATA) $(srcdir)/data/pam-config $(DESTDIR)$(pamconfigsdir)/fedjit
	$(INSTALL_DATA) $(srcdir)/data/tmpfiles.conf $(DESTDIR)$(tmpfilesdir)/fedjit.conf

uninstall-local: uninstall-local-fedjit
uninstall-local-fedjit:
	rm -f $(DESTDIR)$(pamconfigsdir)/fedjit $(DESTDIR)$(tmpfilesdir)/fedjit.conf
.PHONY: install-data-local-fedjit uninstall-local-fedjit

# Debian packaging (dpkg-buildpackage -us -uc -b; tests/package.sh checks it).
EXTRA_DIST += debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/fedjit.install debian/fedjit.postinst \
	debian/fedjit.postrm debian/libpam-fedjit.install debian/libpam-fedjit.postinst \
	debian/libpam-fedjit.prerm debian/libpam-fedjit.examples debian/libnss-fedjit.install \
	debian/libnss-fedjit.postrm

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

# The revalidation timer (fedjit(8), "revalidate"): the service runs
# `fedjit revalidate --sessions` every 15 minutes; its paths are this build's.
systemdsystemunit_DATA = data/fedjit-revalidate.service data/fedjit-revalidate.timer
EXTRA_DIST += data/fedjit-revalidate.service.in data/fedjit-revalidate.timer
CLEANFILES += data/fedjit-revalidate.service
data/fedjit-revalidate.service: $(srcdir)/data/fedjit-revalidate.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) data && sed \
		-e 's|@sbindir[@]|$(sbindir)|g' \
		-e 's|@fedjitconfdir[@]|$(fedjitconfdir)|g' \
		-e 's|@fedjitstatedir[@]|$(fedjitstatedir)|g' \
		-e 's|@fedjitcachedir[@]|$(fedjitcachedir)|g' \
		$(srcdir)/data/fedjit-revalidate.service.in >$@-t && mv -f $@-t $@
# systemd-analyze verify on the built units (skips without systemd-analyze)
TESTS += tests/units.sh
EXTRA_DIST += tests/units.sh
AM_TESTS_ENVIRONMENT += SYSTEMD_ANALYZE='$(SYSTEMD_ANALYZE)'; export SYSTEMD_ANALYZE;

# Debian packaging (dpkg-buildpackage -us -uc -b; tests/package.sh checks it).
EXTRA_DIST += debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/fedjit.install debian/fedjit.postinst \
	debian/fedjit.postrm debian/libpam-fedjit.install debian/libpam-fedjit.postinst \
	debian/libpam-fedjit.prerm debian/libpam-fedjit.examples debian/libnss-fedjit.install \
	debian/libnss-fedjit.postrm

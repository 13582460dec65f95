#!/usr/bin/env bash
# The sshd pre-authentication entry (ARCHITECTURE.md invariant 5) through real
# glibc. tests/nss/nss_getent is bind-mounted over /usr/sbin/sshd in the
# private mount namespace, so it is sshd as the module recognises it (the
# binary the kernel ran is /usr/sbin/sshd); the same program under its own
# name, or a copy named sshd elsewhere, is not.
. "$(dirname "$0")/lib.sh"
nss_enter_namespace "$@"
nss_setup 0
getent_bin="$top_builddir/tests/nss/nss_getent"
if [ -f /usr/sbin/sshd ]; then
	mount --bind "$getent_bin" /usr/sbin/sshd
else # no openssh-server here: an overlay adds the file
	mkdir "$tmp/ov/sbin" "$tmp/ov/sbinwork"
	cp "$getent_bin" "$tmp/ov/sbin/sshd"
	mount -t overlay overlay -o "lowerdir=/usr/sbin,upperdir=$tmp/ov/sbin,workdir=$tmp/ov/sbinwork" \
		/usr/sbin
fi
mkdir "$tmp/fake"
cp "$getent_bin" "$tmp/fake/sshd"
sshd() { run /usr/sbin/sshd "$@"; }

conf() { # conf PROVISIONING [EXTRA IDP LINES...]
	local prov=$1
	shift
	{
		printf '[domain PRIMARY]\nuid_min = 200000\nuid_max = 299999\n'
		printf 'home = /home/%%d/%%u.%%U\nshell = /bin/zsh\n'
		printf 'username_regex = [a-z][a-z0-9]{1,15}\n\n'
		printf '[idp corp]\nissuer = https://idp.test\nclient_id = fedjit\n'
		printf 'client_auth = none\nprovisioning = %s\n' "$prov"
		[ "$prov" = always ] && printf 'domain = PRIMARY\n'
		printf '%s\n' "$@"
	} >"$tmp/fedjit.conf"
}
export FEDJIT_NSS_CONF="$tmp/fedjit.conf" FEDJIT_NSS_CONF_DIR="$tmp/conf.d"
export FEDJIT_NSS_PASSWD="$tmp/passwd" FEDJIT_NSS_GROUP="$tmp/group"
cp /etc/passwd "$tmp/passwd"
cp /etc/group "$tmp/group"
conf always

uid=$("$top_builddir/tests/nss/nss_fixture" --uid primary newbie 200000 299999)
t_eq "sshd: a provisionable name gets the entry provisioning will create" \
	"newbie:x:$uid:$uid::/home/primary/newbie.$uid:/bin/zsh" "$(sshd passwd newbie)"
t_eq "sshd: the same entry every time" "$(sshd passwd newbie)" "$(sshd passwd newbie)"
t_false "sshd: never through getpwuid" sshd uid "$uid"
t_false "another process does not see it" run "$getent_bin" passwd newbie
t_false "a copy named sshd elsewhere is not sshd" run "$tmp/fake/sshd" passwd newbie
t_false "getent does not see it" run getent passwd newbie
t_eq "sshd: an existing account is the stored one" "200001" "$(sshd passwd alice | cut -d: -f3)"
t_false "sshd: name against username_regex (too short)" sshd passwd x
t_false "sshd: name against username_regex (underscore)" sshd passwd new_bie
t_false "sshd: invalid name" sshd passwd 'a:b'
t_eq "sshd: login name folded to the account name" "newbie" \
	"$(sshd passwd NewBie | cut -d: -f1)"
# reserved names (common/names.h): never announced, the built-in service account
# names included, and reserved_names applies
t_false "sshd: a reserved service account name (jenkins) gets no entry" sshd passwd jenkins
t_false "sshd: zabbix gets no entry" sshd passwd zabbix
conf always "" && printf '[global]\nreserved_names = -git +newbie\n' >>"$tmp/fedjit.conf"
t_false "sshd: reserved_names = +newbie: no entry for newbie" sshd passwd newbie
t_eq "sshd: reserved_names = -git: git gets its entry" "git" "$(sshd passwd git | cut -d: -f1)"
conf always

# files win: a local account is never shadowed, whatever the order
nss_switch "passwd: fedjit files" "group: fedjit files"
printf 'localbob:x:1500:1500::/home/localbob:/bin/sh\n' >>"$tmp/passwd"
mount --bind "$tmp/passwd" /etc/passwd
t_eq "sshd: a name in /etc/passwd is not shadowed (fedjit first)" "1500" \
	"$(sshd passwd localbob | cut -d: -f3)"
t_eq "sshd: root is root" "0" "$(sshd passwd root | cut -d: -f3)"
t_eq "sshd: system account from files" "$(run getent passwd daemon | cut -d: -f3)" \
	"$(sshd passwd daemon | cut -d: -f3)"
nss_switch "passwd: files fedjit" "group: files fedjit"

# a uid already taken (here in /etc/passwd) is skipped, deterministically
printf 'squatter:x:%s:%s::/:/bin/false\n' "$uid" "$uid" >>"$tmp/passwd"
other=$(sshd passwd newbie | cut -d: -f3)
t_true "sshd: a taken uid is probed past" test -n "$other" -a "$other" != "$uid"
t_true "sshd: ... and stays in the domain's range" test "$other" -ge 200000 -a "$other" -le 299999

conf none
t_false "provisioning = none: no entry" sshd passwd newbie
conf always "sshd_preauth = no"
t_false "sshd_preauth = no: no entry" sshd passwd newbie
conf as-in-username
t_eq "as-in-username: bare name in PRIMARY" "newbie" "$(sshd passwd newbie | cut -d: -f1)"
t_eq "as-in-username: DOMAIN/name form" "newbie" "$(sshd passwd PRIMARY/newbie | cut -d: -f1)"
t_false "as-in-username: unknown domain" sshd passwd OTHER/newbie
# two IdPs: the entry is the one of the IdP the helper will use for the name
# (the one serving the name's domain as written), not the first that accepts it
{
	printf '[domain PRIMARY]\nuid_min = 200000\nuid_max = 299999\n'
	printf 'username_regex = [a-z][a-z0-9]{1,15}\n\n'
	printf '[domain CORP]\nuid_min = 300000\nuid_max = 399999\n'
	printf 'username_regex = [a-z][a-z0-9]{1,15}\n\n'
	printf '[idp first]\nissuer = https://idp.test\nclient_id = fedjit\nclient_auth = none\n'
	printf 'provisioning = always\ndomain = CORP\ndomains = CORP\n\n'
	printf '[idp second]\nissuer = https://idp2.test\nclient_id = fedjit\nclient_auth = none\n'
	printf 'provisioning = as-in-username\ndomains = PRIMARY\n'
} >"$tmp/fedjit.conf"
t_true "two IdPs: the configuration is valid" "$top_builddir/cli/fedjit" --config "$tmp/fedjit.conf" config check
# ($other: PRIMARY's uid for newbie, probed past the squatter above)
t_eq "two IdPs: a bare name gets the entry of the IdP serving PRIMARY" \
	"$other" "$(sshd passwd newbie | cut -d: -f3)"
t_eq "two IdPs: CORP/name gets the CORP IdP's entry" \
	"$("$top_builddir/tests/nss/nss_fixture" --uid corp newbie 300000 399999)" \
	"$(sshd passwd CORP/newbie | cut -d: -f3)"
conf always "username_from = subject"
t_false "username_from = subject: the name is not known before login" sshd passwd newbie
rm -f "$tmp/fedjit.conf"
t_false "no configuration: no entry" sshd passwd newbie
printf '[idp broken\n' >"$tmp/fedjit.conf"
t_false "broken configuration: no entry, no crash" sshd passwd newbie
t_done

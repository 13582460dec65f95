#!/usr/bin/env bash
# libnss_fedjit through real glibc: getent, id, stat, with nsswitch.conf
# saying "files fedjit", in a private mount namespace (lib.sh).
. "$(dirname "$0")/lib.sh"
nss_enter_namespace "$@"
N=3000
nss_setup $N

t_eq "getent passwd alice" "alice:x:200001:200001:Alice Liddell:/home/alice:/bin/bash" \
	"$(run getent passwd alice)"
t_eq "getent passwd by uid" "bob:x:200002:200002:Bob:/home/bob:/bin/bash" \
	"$(run getent passwd 200002)"
t_eq "getent group devs" "devs:x:300001" "$(run getent group devs | cut -d: -f1-3)"
t_eq "getent group devs: members" "alice,bob" \
	"$(run getent group devs | cut -d: -f4 | tr , '\n' | sort | paste -sd,)"
t_eq "getent group by gid" "ops:x:300002:alice" "$(run getent group 300002)"
t_eq "getent group of a private group" "alice:x:200001:" "$(run getent group alice)"
t_false "unknown name: not found" run getent passwd nosuchuser
t_false "invalid name: not found" run getent passwd 'a:b'
t_eq "root still comes from files" "0" "$(run getent passwd root | cut -d: -f3)"

# A group of /etc/group that group_map targets (sudo): "files fedjit" gives
# the files entry alone; with "group: files [SUCCESS=merge] fedjit" glibc adds
# the federated members the module records for it (libnss_fedjit(8)), by name
# and by gid, so getgrnam-based admin checks (polkit, GNOME, cockpit) see them.
files_sudo=$(run getent -s files group sudo)
files_n=$(cut -d: -f4 <<<"$files_sudo" | tr , '\n' | grep -c .)
t_eq "getent group sudo without merge: the files entry alone" "$files_sudo" \
	"$(run getent group sudo)"
nss_switch "passwd: files fedjit" "group: files [SUCCESS=merge] fedjit" "shadow: files fedjit"
merged=$(run getent group sudo)
t_eq "merge: getent group sudo keeps name, password field and gid of files" \
	"$(cut -d: -f1-3 <<<"$files_sudo")" "$(cut -d: -f1-3 <<<"$merged")"
t_eq "merge: getent group sudo lists files' members, alice and every bulk user" \
	"$((files_n + 1 + N))" "$(cut -d: -f4 <<<"$merged" | tr , '\n' | grep -c .)"
t_true "merge: alice is a member of sudo" grep -Eq '[:,]alice(,|$)' <<<"$merged"
t_eq "merge: getent group 27 is the same entry" "$merged" "$(run getent group 27)"
t_eq "merge: enumeration lists sudo once" "1" "$(run getent group | grep -c '^sudo:')"
nss_switch "passwd: files fedjit" "group: files fedjit" "shadow: files fedjit"

groups=" $(run id -G alice) "
t_true "id: devs among alice's groups" grep -q " 300001 " <<<"$groups"
t_true "id: ops among alice's groups" grep -q " 300002 " <<<"$groups"
t_true "id: sudo (27, from /etc/group) among alice's groups" grep -q " 27 " <<<"$groups"
t_eq "id: primary group" "200001" "$(run id -g alice)"
t_eq "getent initgroups" "27 300001 300002" \
	"$(run getent initgroups alice | awk '{$1 = ""; print}' | tr ' ' '\n' | sort -n | xargs)"

t_eq "getent shadow: no local password" "*" "$(run getent shadow alice | cut -d: -f2)"
t_eq "getent shadow: local password hash" \
	"$(grep -o '"\$y[^"]*"' "$top_srcdir/tests/nss/fixture.h" | tr -d '"')" \
	"$(run getent shadow bob | cut -d: -f2)"
t_eq "getent shadow: locked with a hash" '!$6$salt$0123456789abcdef' \
	"$(run getent shadow carol | cut -d: -f2)"
t_eq "getent shadow: locked account expired" "1" "$(run getent shadow carol | cut -d: -f8)"
t_eq "getent shadow: locked without a hash" '!*' "$(run getent shadow dave | cut -d: -f2)"
t_eq "getent shadow: no password change demanded (lstchg empty)" "" \
	"$(run getent shadow alice | cut -d: -f3)"
t_eq "shadow is root-only" "" \
	"$(run setpriv --reuid=65534 --regid=65534 --clear-groups getent -s fedjit shadow bob)"
t_eq "passwd for everybody" "alice" \
	"$(run setpriv --reuid=65534 --regid=65534 --clear-groups getent passwd alice | cut -d: -f1)"

t_eq "getent -s fedjit passwd alice" "200001" "$(run getent -s fedjit passwd alice | cut -d: -f3)"
t_false "getent -s fedjit passwd root: not ours" run getent -s fedjit passwd root
t_eq "enumeration: every fedjit user once" "$((N + 4))" \
	"$(run getent -s fedjit passwd | cut -d: -f1 | sort -u | wc -l)"
t_eq "enumeration: no duplicates" "$((N + 4))" "$(run getent -s fedjit passwd | wc -l)"
t_eq "enumeration through files+fedjit" "$((N + 4))" \
	"$(run getent passwd | awk -F: '$3 >= 200000 && $3 < 500000' | wc -l)"
t_eq "group enumeration" "$((N + 4 + 3))" "$(run getent -s fedjit group | wc -l)"
t_eq "shadow enumeration" "$((N + 4))" "$(run getent -s fedjit shadow | wc -l)"
t_eq "last bulk user" "u00$((N - 1)):x:$((400000 + N - 1))" \
	"$(run getent passwd u00$((N - 1)) | cut -d: -f1-3)"

touch "$tmp/owned"
run chown 200001:300001 "$tmp/owned"
t_eq "stat shows names" "alice:devs" "$(run stat -c %U:%G "$tmp/owned")"

t_false "FEDJIT_NSS_BYPASS=1 switches the module off" env FEDJIT_NSS_BYPASS=1 \
	${san_preload:+LD_PRELOAD="$san_preload" ASAN_OPTIONS=detect_leaks=0} getent passwd alice

rm -f "$tmp/fedjit.tdb"
t_false "no store: nobody, and no error" run getent passwd alice
t_eq "no store: files still work" "root" "$(run getent passwd 0 | cut -d: -f1)"
t_done

/* SPDX-License-Identifier: Apache-2.0 */
/* Reserved names: the system's own and the default list of future service accounts,
 * with reserved_names on top; see names.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/config.h"
#include "common/macro.h"
#include "common/names.h"
#include "common/names_private.h"

/*
 * Names that belong to the system on Debian and its relatives (base-passwd,
 * common daemons, the admin groups), whether or not this host has them: a
 * federated "sudo" or "adm" must not appear on the next host that installs
 * the package. Any name starting with "systemd-" or "_" (Debian's convention
 * for new system users: _apt, _chrony, _ssh) is reserved as well. These are
 * reserved whatever reserved_names says.
 */
static const char *const reserved_names[] = {
        "root",
        "daemon",
        "bin",
        "sys",
        "sync",
        "games",
        "man",
        "lp",
        "mail",
        "news",
        "uucp",
        "proxy",
        "www-data",
        "backup",
        "list",
        "irc",
        "gnats",
        "nobody",
        "nogroup",
        "nfsnobody",
        "_apt",
        "messagebus",
        "sshd",
        "polkitd",
        "dbus",
        "tss",
        "adm",
        "wheel",
        "sudo",
        "admin",
        "staff",
        "shadow",
        "utmp",
        "tty",
        "disk",
        "kmem",
        "dialout",
        "fax",
        "voice",
        "cdrom",
        "floppy",
        "tape",
        "audio",
        "dip",
        "operator",
        "src",
        "video",
        "sasl",
        "plugdev",
        "users",
        "input",
        "render",
        "sgx",
        "kvm",
        "netdev",
        "crontab",
        "ssh",
        "ssl-cert",
        "halt",
        "shutdown",
        "ftp",
        "postfix",
        "fedjit",
#ifdef FEDJIT_HELPER_USER
        FEDJIT_HELPER_USER,
#endif
};

/*
 * Names of service accounts that packages create when they are installed
 * (the default of reserved_names, fedjit.conf(5) lists them): a person who
 * took "jenkins" or "postgres" before the package came would own its files,
 * its sockets and its sudo rules afterwards. Also the first users of cloud
 * images, which cloud-init creates at boot.
 */
static const char *const service_names[] = {
        /* databases and caches */
        "postgres",
        "mysql",
        "mariadb",
        "redis",
        "memcache",
        "memcached",
        "mongodb",
        "couchdb",
        "cassandra",
        "influxdb",
        "elasticsearch",
        "opensearch",
        "clickhouse",
        "etcd",
        /* web, proxies, mail, directory */
        "nginx",
        "apache",
        "httpd",
        "lighttpd",
        "caddy",
        "haproxy",
        "squid",
        "varnish",
        "tomcat",
        "jetty",
        "dovecot",
        "exim",
        "opendkim",
        "vmail",
        "openldap",
        "slapd",
        "ldap",
        "bind",
        "named",
        "dnsmasq",
        "unbound",
        "chrony",
        "ntp",
        "radius",
        "freerad",
        /* build, code, CI, containers, virtualisation */
        "git",
        "gitlab",
        "gitlab-runner",
        "gitea",
        "forgejo",
        "gogs",
        "jenkins",
        "buildbot",
        "sonarqube",
        "nexus",
        "artifactory",
        "docker",
        "dockremap",
        "podman",
        "containerd",
        "lxd",
        "incus",
        "libvirt",
        "libvirt-qemu",
        "libvirt-dnsmasq",
        "qemu",
        "vagrant",
        "kubernetes",
        "kube",
        /* monitoring, queues, config management, secrets */
        "prometheus",
        "grafana",
        "alertmanager",
        "node-exporter",
        "zabbix",
        "nagios",
        "icinga",
        "munin",
        "telegraf",
        "rabbitmq",
        "kafka",
        "zookeeper",
        "mosquitto",
        "consul",
        "vault",
        "nomad",
        "puppet",
        "chef",
        "salt",
        "ansible",
        "minio",
        "nextcloud",
        "mattermost",
        /* first users of cloud and board images */
        "ubuntu",
        "debian",
        "ec2-user",
        "centos",
        "fedora",
        "cloud-user",
        "azureuser",
        "opc",
        "core",
        "pi",
};

bool fedjit_name_is_service_default(const char *name)
{
	for (size_t i = 0; name && i < FEDJIT_ELEMENTSOF(service_names); i++)
		if (strcmp(name, service_names[i]) == 0)
			return true;
	return false;
}

/* reserved_names (config.h): NAME or +NAME lists a name, -NAME takes one off the
 * built-in list, and any bare word (none included) replaces that list. */
static bool service_name_reserved(const struct fedjit_config *config, const char *name)
{
	bool replaced = false, removed = false;

	for (size_t i = 0; config && i < config->global.n_reserved_names; i++) {
		const char *w = config->global.reserved_names[i];

		if (w[0] == '+' || w[0] == '-') {
			if (strcmp(w + 1, name) != 0)
				continue;
			if (w[0] == '+')
				return true;
			removed = true;
		} else {
			replaced = true;
			if (strcmp(w, name) == 0 && strcmp(w, "none") != 0)
				return true;
		}
	}
	return !replaced && !removed && fedjit_name_is_service_default(name);
}

static bool system_name_reserved(const char *name)
{
	if (name[0] == '_' || strncmp(name, "systemd-", 8) == 0)
		return true;
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(reserved_names); i++)
		if (strcmp(name, reserved_names[i]) == 0)
			return true;
	return false;
}

bool fedjit_name_is_reserved(const struct fedjit_config *config, const char *name)
{
	if (!name)
		return false;
	return system_name_reserved(name) || service_name_reserved(config, name);
}

int fedjit_name_check_reserved(const struct fedjit_config *config,
                               const struct fedjit_domain *domain, const char *name,
                               fedjit_name_lookup_fn lookup, void *userdata, char *reason,
                               size_t reason_size)
{
	char q[FEDJIT_NAME_QUOTE_SIZE];
	uint32_t uid = 0;
	int r;

	if (!domain || !name)
		return -EINVAL;
	if (system_name_reserved(name)) {
		fedjit_name_reason(reason, reason_size, "name '%s' is reserved for the system",
		                   fedjit_name_quote(q, name, strlen(name)));
		return -EPERM;
	}
	if (service_name_reserved(config, name)) {
		fedjit_name_reason(reason, reason_size,
		                   "name '%s' is reserved for a service account (reserved_names)",
		                   fedjit_name_quote(q, name, strlen(name)));
		return -EPERM;
	}
	if (!lookup)
		return 0;
	r = lookup(name, &uid, userdata);
	if (r < 0) {
		/* %m, not strerror(): this runs in threaded hosts via NSS. */
		errno = -r;
		fedjit_name_reason(reason, reason_size, "cannot look up name '%s': %m",
		                   fedjit_name_quote(q, name, strlen(name)));
		return r;
	}
	if (r == 0)
		return 0;
	if (uid == 0) {
		fedjit_name_reason(reason, reason_size, "name '%s' exists with id 0",
		                   fedjit_name_quote(q, name, strlen(name)));
		return -EPERM;
	}
	if (uid < domain->uid_min) {
		fedjit_name_reason(reason, reason_size,
		                   "name '%s' is a system account (id %" PRIu32
		                   " is below uid_min %" PRIu32 " of domain %s)",
		                   fedjit_name_quote(q, name, strlen(name)), uid, domain->uid_min,
		                   domain->name);
		return -EPERM;
	}
	return 0;
}

/*
 * activation.c - peer address and our host name (see activation.h).
 * The environment variables read here come from the launcher, not the
 * client, but are still checked before use: they end up in headers.
 */
#include "config.h"

#include "activation.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sdglue.h"

/* A host name from the launcher's DNS lookup: letters, digits, '-', '.'. */
static void
set_host(struct peer *p, const char *h)
{
	size_t i;

	if (h == NULL || strlen(h) >= sizeof(p->host))
		return;
	for (i = 0; h[i] != '\0'; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' &&
		    h[i] <= 'Z') || (h[i] >= '0' && h[i] <= '9') ||
		    h[i] == '-' || h[i] == '.'))
			return;
	snprintf(p->host, sizeof(p->host), "%s", h);
}

static void
set_literal(struct peer *p, int af)
{
	if (af == AF_INET6)
		snprintf(p->literal, sizeof(p->literal), "[IPv6:%s]", p->addr);
	else if (af == AF_INET)
		snprintf(p->literal, sizeof(p->literal), "[%s]", p->addr);
	else
		p->literal[0] = '\0';
}

/* An address from the environment: it must parse as one. */
static int
from_text(struct peer *p, const char *addr, const char *port)
{
	struct in6_addr a6;
	struct in_addr a4;
	int af;
	size_t i;

	if (addr == NULL)
		return 0;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, addr, &a6) == 1)
		af = AF_INET6;
	else
		return 0;
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	p->port[0] = '\0';
	if (port != NULL && strlen(port) < sizeof(p->port)) {
		for (i = 0; port[i] >= '0' && port[i] <= '9'; i++)
			;
		if (port[i] == '\0')
			snprintf(p->port, sizeof(p->port), "%s", port);
	}
	set_literal(p, af);
	return 1;
}

void
activation_peer(int fd, struct peer *p)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	memset(p, 0, sizeof(*p));
	set_host(p, getenv("TCPREMOTEHOST"));
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, p->addr,
			    sizeof(p->addr));
			snprintf(p->port, sizeof(p->port), "%u",
			    ntohs(s4->sin_port));
			set_literal(p, AF_INET);
			return;
		}
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			/* An IPv4 client on a dual-stack socket is shown
			 * as the IPv4 address it is. */
			if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
				inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12],
				    p->addr, sizeof(p->addr));
				set_literal(p, AF_INET);
			} else {
				inet_ntop(AF_INET6, &s6->sin6_addr, p->addr,
				    sizeof(p->addr));
				set_literal(p, AF_INET6);
			}
			snprintf(p->port, sizeof(p->port), "%u",
			    ntohs(s6->sin6_port));
			return;
		}
		if (ss.ss_family == AF_UNIX) {
			snprintf(p->addr, sizeof(p->addr), "local");
			return;
		}
	}
	if (from_text(p, getenv("REMOTE_ADDR"), getenv("REMOTE_PORT")))
		return;
	if (from_text(p, getenv("TCPREMOTEIP"), getenv("TCPREMOTEPORT")))
		return;
	snprintf(p->addr, sizeof(p->addr), "unknown");
}

enum launch
activation_detect(enum launch_mode mode)
{
	int n;

	if (mode == MODE_INETD)
		return LAUNCH_INETD;
	n = sdglue_listen_fds();
	if (n < 1)
		return mode == MODE_SYSTEMD ? LAUNCH_ERROR : LAUNCH_INETD;
	if (sdglue_is_stream_socket(3, 1) > 0)
		return LAUNCH_LISTEN;
	if (sdglue_is_stream_socket(3, 0) > 0 && dup2(3, 0) == 0 &&
	    dup2(3, 1) == 1) {
		close(3);
		return LAUNCH_INETD;
	}
	return LAUNCH_ERROR;
}

/*
 * The FQDN for a short host name from /etc/hosts, read directly: the
 * resolver (NSS) would load its modules into every session, and a session
 * starts per connection.  The first dotted name on a line that also
 * carries the short name is the answer, as hostname -f would find it.
 */
static bool
fqdn_from_hosts(const char *shortname, char *buf, size_t len)
{
	char line[1024];
	FILE *f = fopen("/etc/hosts", "re");
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		const char *dotted = NULL;
		size_t i = 0, field = 0, sl = strlen(shortname);
		bool has_short = false;

		line[strcspn(line, "#")] = '\0';
		while (line[i] != '\0') {
			size_t a, b;

			while (line[i] == ' ' || line[i] == '\t' ||
			    line[i] == '\r' || line[i] == '\n')
				i++;
			a = i;
			while (line[i] != '\0' && line[i] != ' ' &&
			    line[i] != '\t' && line[i] != '\r' &&
			    line[i] != '\n')
				i++;
			b = i;
			if (a == b)
				break;
			if (line[i] != '\0')
				line[i++] = '\0';
			/* Field 0 is the address; then names. */
			if (field++ == 0)
				continue;
			if (b - a == sl && memcmp(line + a, shortname, sl) == 0)
				has_short = true;
			else if (dotted == NULL && b - a > sl &&
			    memcmp(line + a, shortname, sl) == 0 &&
			    line[a + sl] == '.')
				dotted = line + a;
		}
		if (has_short && dotted != NULL) {
			snprintf(buf, len, "%s", dotted);
			found = true;
		}
	}
	fclose(f);
	return found;
}

void
activation_hostname(char *buf, size_t len)
{
	struct utsname u;

	if (uname(&u) != 0)
		snprintf(u.nodename, sizeof(u.nodename), "localhost");
	snprintf(buf, len, "%s", u.nodename);
	if (strchr(buf, '.') != NULL)
		return;
	/* A short name: its FQDN from /etc/hosts, if it is there.
	 * --hostname skips even this. */
	(void)fqdn_from_hosts(u.nodename, buf, len);
}

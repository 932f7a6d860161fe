// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses, ports and names the way ipvsadm reads and writes them:
 * "host[:port]" or "[v6addr]:port" on input, where host may be a name
 * (resolved to IPv4, as ipvsadm does) and port a service name from
 * /etc/services; "addr:port", "[v6]:port" or "name:service" on output,
 * at most 59 characters. Also the netmask conversions between ipvsadm's
 * dotted masks and vlb's prefix lengths.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vlbadm.h"

/* ipvsadm's string_to_number: base 10, whole string, min..max, else -1. */
long vlbadm_number(const char *s, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*end == '\0' && end != s && errno != ERANGE && n >= min && n <= max)
		return n;
	return -1;
}

static int str_is_digit(const char *s)
{
	if (!*s)
		return 1;	/* ipvsadm treats "" like a number: illegal */
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int host_to_ipv4(const char *name, struct in_addr *out)
{
	struct addrinfo hints = { .ai_family = AF_INET }, *res;

	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return -1;
	*out = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

static long service_to_port(const char *name, uint16_t proto)
{
	struct servent *se;

	if (proto == IPPROTO_TCP)
		se = getservbyname(name, "tcp");
	else if (proto == IPPROTO_UDP)
		se = getservbyname(name, "udp");
	else
		se = NULL;
	return se ? ntohs((uint16_t)se->s_port) : -1;
}

/*
 * ipvsadm's parse_service: returns 0 when @arg is not an address, else 1
 * (address) | 2 (port given). Sets *netmask to 128 for IPv6, like ipvsadm.
 */
int vlbadm_parse_service(const char *arg, uint16_t protocol, uint16_t *af,
			 union vlb_addr *addr, uint16_t *port, uint32_t *netmask)
{
	char buf[256], *host = buf, *portp = NULL;
	struct in6_addr in6;
	struct in_addr in;
	int result = 1;
	long n;

	if (!arg || str_is_digit(arg) || strlen(arg) >= sizeof(buf))
		return 0;
	strcpy(buf, arg);
	if (host[0] == '[') {
		host++;
		portp = strchr(host, ']');
		if (!portp)
			return 0;
		*portp++ = '\0';
		if (*portp != ':')
			return 0;
		*portp = '\0';
	}
	if (inet_pton(AF_INET6, host, &in6) > 0) {
		memset(addr, 0, sizeof(*addr));
		addr->in6 = in6;
		*af = AF_INET6;
		*netmask = 128;
	} else {
		portp = strrchr(host, ':');
		if (portp)
			*portp = '\0';
		if (inet_aton(host, &in) == 0 && host_to_ipv4(host, &in) < 0)
			return 0;
		memset(addr, 0, sizeof(*addr));
		addr->in = in;
		*af = AF_INET;
	}
	if (portp) {
		result |= 2;
		n = vlbadm_number(portp + 1, 0, 65535);
		if (n < 0)
			n = service_to_port(portp + 1, protocol);
		if (n < 0)
			return 0;
		*port = (uint16_t)n;
	}
	return result;
}

/* A prefix length from a network-order mask, or -1 if not contiguous. */
int vlbadm_mask_to_prefix(uint32_t be_mask)
{
	uint32_t m = ntohl(be_mask);
	int plen = 0;

	while (plen < 32 && (m & (0x80000000u >> plen)))
		plen++;
	if (plen < 32 && (m << plen) != 0)
		return -1;
	return plen;
}

uint32_t vlbadm_prefix_to_mask(unsigned int plen)
{
	if (plen == 0)
		return 0;
	if (plen >= 32)
		return 0xffffffffu;
	return htonl(~0u << (32 - plen));
}

const char *vlbadm_ntop(int af, const union vlb_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static void addr_to_anyname(char *buf, size_t len, int af, const union vlb_addr *a)
{
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} sa;
	socklen_t salen;

	memset(&sa, 0, sizeof(sa));
	if (af == AF_INET6) {
		sa.in6.sin6_family = AF_INET6;
		sa.in6.sin6_addr = a->in6;
		salen = sizeof(sa.in6);
	} else {
		sa.in.sin_family = AF_INET;
		sa.in.sin_addr = a->in;
		salen = sizeof(sa.in);
	}
	if (getnameinfo((struct sockaddr *)&sa, salen, buf, (socklen_t)len, NULL, 0,
			NI_NAMEREQD) != 0)
		vlbadm_ntop(af, a, buf, len);
}

static void port_to_anyname(char *buf, size_t len, uint16_t port, uint16_t proto)
{
	struct servent *se = NULL;

	if (proto == IPPROTO_TCP)
		se = getservbyport(htons(port), "tcp");
	else if (proto == IPPROTO_UDP)
		se = getservbyport(htons(port), "udp");
	if (se)
		snprintf(buf, len, "%s", se->s_name);
	else
		snprintf(buf, len, "%u", port);
}

void vlbadm_addrport(char *buf, size_t len, int af, const union vlb_addr *a,
		     uint16_t port, uint16_t proto, unsigned int format)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	const char *l = af == AF_INET6 ? "[" : "", *r = af == AF_INET6 ? "]" : "";

	/* ipvsadm formats into 60 bytes; longer names are cut there. */
	if (len > 60)
		len = 60;
	if (format & FMT_NUMERIC) {
		vlbadm_ntop(af, a, host, sizeof(host));
		/* cut at 59 characters, as ipvsadm's 60-byte buffer does */
		if (snprintf(buf, len, "%s%s%s:%u", l, host, r, port) < 0)
			buf[0] = '\0';
		return;
	}
	addr_to_anyname(host, sizeof(host), af, a);
	port_to_anyname(serv, sizeof(serv), port, proto);
	if (snprintf(buf, len, "%s%s%s:%s", l, host, r, serv) < 0)
		buf[0] = '\0';
}

// SPDX-License-Identifier: GPL-2.0
/*
 * VRRP's sockets: one raw IPPROTO_VRRP (112) socket per instance, bound to
 * its interface, joined to 224.0.0.18 or ff02::12 there unless the
 * instance has unicast peers. Adverts leave with TTL / hop limit 255 and
 * the instance's primary address as source (IP_PKTINFO / IPV6_PKTINFO, so
 * the v3 pseudo-header checksum is computed over the address really
 * used); multicast loopback is off, so an instance never hears itself.
 * Received multicast adverts must arrive with TTL / hop limit 255 (RFC
 * 5798 5.1.1.3; unicast ones may have crossed routers, as keepalived
 * allows) and are parsed by vrrp_pkt.c; a bad one is counted and its
 * reason kept for the status endpoint, and logged at most once a minute.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "vlbd.h"
#include "vrrp.h"

static int is_vip(const struct vlbd_vrrp *v, int af, const void *a)
{
	int i;

	for (i = 0; i < v->nvips; i++)
		if (v->vips[i].af == af &&
		    !memcmp(&v->vips[i].addr, a, af == AF_INET ? 4 : 16))
			return 1;
	return 0;
}

int vlbd_vrrp_primary(struct vlbd_vrrp_rt *rt, union vlb_addr *out)
{
	const struct vlbd_vrrp *v = rt->cfg;
	struct ifaddrs *ifa, *i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (v->src_set) {
		*out = v->src;
		return 0;
	}
	if (getifaddrs(&ifa))
		return -1;
	for (i = ifa; i && rc; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, v->ifname) ||
		    i->ifa_addr->sa_family != v->af)
			continue;
		if (v->af == AF_INET) {
			struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;

			if (is_vip(v, AF_INET, &a))
				continue;
			out->in = a;
			rc = 0;
		} else {
			struct in6_addr a = ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			/* RFC 5798: the source is the interface's link-local address */
			if (!IN6_IS_ADDR_LINKLOCAL(&a) || is_vip(v, AF_INET6, &a))
				continue;
			out->in6 = a;
			rc = 0;
		}
	}
	freeifaddrs(ifa);
	return rc;
}

void vlbd_vrrp_sock_close(struct vlbd_vrrp_rt *rt)
{
	if (rt->fd >= 0)
		close(rt->fd);
	rt->fd = -1;
}

int vlbd_vrrp_sock_open(struct vlbd_vrrp_rt *rt)
{
	const struct vlbd_vrrp *v = rt->cfg;
	int fd, one = 1, zero = 0, hops = 255, tos = 0xc0;

	rt->ifindex = (int)if_nametoindex(v->ifname);
	if (!rt->ifindex) {
		errno = ENODEV;
		return -1;
	}
	fd = socket(v->af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_VRRP);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, v->ifname, (socklen_t)strlen(v->ifname)))
		goto fail;
	if (v->af == AF_INET) {
		struct ip_mreqn mr = { .imr_ifindex = rt->ifindex };

		/* precedence "network control", as keepalived and routers send */
		if (setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)) ||
		    setsockopt(fd, IPPROTO_IP, IP_TTL, &hops, sizeof(hops)) ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &hops, sizeof(hops)) ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) ||
		    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)))
			goto fail;
		if (!v->npeers) {
			inet_pton(AF_INET, VRRP_MCAST4, &mr.imr_multiaddr);
			if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)))
				goto fail;
		}
	} else {
		struct ipv6_mreq mr = { .ipv6mr_interface = (unsigned int)rt->ifindex };
		unsigned int ifi = (unsigned int)rt->ifindex;

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifi, sizeof(ifi)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)))
			goto fail;
		if (!v->npeers) {
			inet_pton(AF_INET6, VRRP_MCAST6, &mr.ipv6mr_multiaddr);
			if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)))
				goto fail;
		}
	}
	rt->fd = fd;
	return 0;
fail:
	{
		int err = errno;

		close(fd);
		errno = err;
	}
	return -1;
}

static int send_one(struct vlbd_vrrp_rt *rt, const union vlb_addr *src,
		    const union vlb_addr *dst, const uint8_t *pkt, size_t len)
{
	const struct vlbd_vrrp *v = rt->cfg;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cm;
	struct sockaddr_storage ss = { 0 };
	struct iovec iov = { (void *)pkt, len };
	struct msghdr mh = { .msg_name = &ss, .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cm.buf };
	struct cmsghdr *c;

	memset(&cm, 0, sizeof(cm));
	c = (struct cmsghdr *)cm.buf;
	if (v->af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		struct in_pktinfo pi = { .ipi_ifindex = rt->ifindex, .ipi_spec_dst = src->in };

		sin->sin_family = AF_INET;
		sin->sin_addr = dst->in;
		mh.msg_namelen = sizeof(*sin);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		struct in6_pktinfo pi = { .ipi6_addr = src->in6,
					  .ipi6_ifindex = (unsigned int)rt->ifindex };

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = dst->in6;
		if (IN6_IS_ADDR_LINKLOCAL(&dst->in6) || IN6_IS_ADDR_MULTICAST(&dst->in6))
			sin6->sin6_scope_id = (uint32_t)rt->ifindex;
		mh.msg_namelen = sizeof(*sin6);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
	}
	return sendmsg(rt->fd, &mh, MSG_DONTWAIT) < 0 ? -1 : 0;
}

int vlbd_vrrp_send(struct vlbd_vrrp_rt *rt, int priority)
{
	const struct vlbd_vrrp *v = rt->cfg;
	static uint8_t pkt[8 + 16 * 255 + 8];
	union vlb_addr addrs[255], src, dst;
	int i, rc = 0;

	if (rt->fd < 0)
		return -1;
	if (vlbd_vrrp_primary(rt, &src)) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	for (i = 0; i < v->nvips; i++)
		addrs[i] = v->vips[i].addr;
	if (!v->npeers) {
		memset(&dst, 0, sizeof(dst));
		inet_pton(v->af, v->af == AF_INET ? VRRP_MCAST4 : VRRP_MCAST6, &dst);
		return send_one(rt, &src, &dst,
				pkt, vrrp_pkt_build(pkt, v->version, v->af, v->vrid, priority,
						    v->adv_cs, addrs, v->nvips, &src, &dst));
	}
	for (i = 0; i < v->npeers; i++) {
		size_t len = vrrp_pkt_build(pkt, v->version, v->af, v->vrid, priority, v->adv_cs,
					    addrs, v->nvips, &src, &v->peers[i]);

		if (send_one(rt, &src, &v->peers[i], pkt, len))
			rc = -1;
	}
	return rc;
}

static void bad(struct vlbd_vrrp_rt *rt, const char *fmt, const char *a, const char *why)
{
	static double last;
	double now = vlbd_now();

	rt->rx_bad++;
	snprintf(rt->last_bad, sizeof(rt->last_bad), fmt, a, why);
	if (now - last > 60) {
		last = now;
		vlbd_log(LOG_WARNING, "vrrp_instance %s: dropped an advert: %s (logged once a "
			 "minute; the count is in the status)", rt->cfg->name, rt->last_bad);
	}
}

int vlbd_vrrp_recv(struct vlbd_vrrp_rt *rt, uint8_t *buf, size_t len, struct vrrp_adv *adv,
		   union vlb_addr *src)
{
	const struct vlbd_vrrp *v = rt->cfg;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct sockaddr_storage ss;
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_name = &ss, .msg_namelen = sizeof(ss), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = cm.buf,
			     .msg_controllen = sizeof(cm.buf) };
	union vlb_addr dst;
	char a[INET6_ADDRSTRLEN], why[96];
	const uint8_t *p = buf;
	ssize_t n;
	int ttl = -1, i;

	n = recvmsg(rt->fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	memset(src, 0, sizeof(*src));
	memset(&dst, 0, sizeof(dst));
	if (v->af == AF_INET) {
		const struct iphdr *ip = (const struct iphdr *)buf;
		size_t hl;

		if ((size_t)n < sizeof(*ip) || (hl = (size_t)ip->ihl * 4) > (size_t)n ||
		    ip->protocol != IPPROTO_VRRP)
			return 0;
		src->in.s_addr = ip->saddr;
		dst.in.s_addr = ip->daddr;
		ttl = ip->ttl;
		p = buf + hl;
		n -= (ssize_t)hl;
	} else {
		struct cmsghdr *c;

		src->in6 = ((struct sockaddr_in6 *)&ss)->sin6_addr;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != IPPROTO_IPV6)
				continue;
			if (c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				dst.in6 = pi.ipi6_addr;
			} else if (c->cmsg_type == IPV6_HOPLIMIT) {
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			}
		}
	}
	inet_ntop(v->af, src, a, sizeof(a));
	if (v->npeers) {
		/* unicast: only from a configured peer */
		for (i = 0; i < v->npeers; i++)
			if (!memcmp(&v->peers[i], src, v->af == AF_INET ? 4 : 16))
				break;
		if (i == v->npeers) {
			/* another instance's multicast, or a stranger */
			return 0;
		}
	} else if (ttl != 255) {
		snprintf(why, sizeof(why), "TTL %d, not 255", ttl);
		bad(rt, "from %s: %s", a, why);
		return 0;
	}
	if (vrrp_pkt_parse(p, (size_t)n, v->af, src, &dst, adv, why, sizeof(why))) {
		bad(rt, "from %s: %s", a, why);
		return 0;
	}
	if (adv->vrid != v->vrid)
		return 0;		/* another router's */
	if (adv->version != v->version) {
		snprintf(why, sizeof(why), "version %d, ours is %d", adv->version, v->version);
		bad(rt, "from %s: %s", a, why);
		return 0;
	}
	return 1;
}

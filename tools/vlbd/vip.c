// SPDX-License-Identifier: GPL-2.0
/*
 * The virtual addresses: added to and removed from their interfaces with
 * rtnetlink (libmnl, one blocking request at a time with its ACK, so an
 * error is known and logged at once), with the label and prefix the
 * configuration gives, IPv6 ones with IFA_F_NODAD so they are usable at
 * once. After an instance becomes master it announces them: gratuitous
 * ARP requests (sender = target = the VIP, to ff:ff:ff:ff:ff:ff) through
 * an AF_PACKET socket, unsolicited neighbour advertisements (Override set,
 * to ff02::1, hop limit 255, target link-layer address option) through an
 * ICMPv6 raw socket; garp_master_repeat of each at once, and again after
 * garp_master_delay.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <netinet/icmp6.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "vlbd.h"
#include "vrrp.h"

static struct mnl_socket *nl;
static unsigned int nl_seq;

int vlbd_vip_init(void)
{
	if (nl)
		return 0;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		vlbd_log(LOG_ERR, "rtnetlink: %s", strerror(errno));
		if (nl)
			mnl_socket_close(nl);
		nl = NULL;
		return -1;
	}
	nl_seq = (unsigned int)time(NULL);
	return 0;
}

void vlbd_vip_fini(void)
{
	if (nl)
		mnl_socket_close(nl);
	nl = NULL;
}

/* RTM_NEWADDR / RTM_DELADDR; returns 0 or -errno. */
static int addr_req(int cmd, int ifindex, const struct vlbd_vip *vip)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	unsigned int seq = ++nl_seq, port;
	ssize_t n;

	if (!nl && vlbd_vip_init())
		return -ENOTCONN;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)cmd;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			   (cmd == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)vip->af;
	ifa->ifa_prefixlen = (uint8_t)vip->prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	if (vip->af == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&vip->addr.in6))
		ifa->ifa_scope = RT_SCOPE_LINK;
	mnl_attr_put(nlh, IFA_LOCAL, vip->af == AF_INET ? 4 : 16, &vip->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, vip->af == AF_INET ? 4 : 16, &vip->addr);
	if (vip->label[0] && vip->af == AF_INET)
		mnl_attr_put_strz(nlh, IFA_LABEL, vip->label);
	if (vip->af == AF_INET6 && cmd == RTM_NEWADDR)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	port = mnl_socket_get_portid(nl);
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		int r = mnl_cb_run(buf, (size_t)n, seq, port, NULL, NULL);

		if (r <= MNL_CB_STOP)
			return r < 0 ? -errno : 0;
	}
	return n < 0 ? -errno : 0;
}

static int vip_ifindex(const struct vlbd_vrrp_rt *rt, const struct vlbd_vip *vip)
{
	return vip->dev[0] ? (int)if_nametoindex(vip->dev) : rt->ifindex;
}

static void vip_name(const struct vlbd_vip *vip, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(vip->af, &vip->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%d", a, vip->prefix);
}

static int add_list(struct vlbd_vrrp_rt *rt, struct vlbd_vip *vips, int n)
{
	char name[64];
	int i, rc = 0;

	for (i = 0; i < n; i++) {
		int ifi = vip_ifindex(rt, &vips[i]), r;

		vip_name(&vips[i], name, sizeof(name));
		if (!ifi) {
			vlbd_log(LOG_ERR, "vrrp_instance %s: cannot add %s: no interface %s",
				 rt->cfg->name, name, vips[i].dev);
			rc = -1;
			continue;
		}
		r = addr_req(RTM_NEWADDR, ifi, &vips[i]);
		if (r && r != -EEXIST) {
			vlbd_log(LOG_ERR, "vrrp_instance %s: cannot add %s: %s", rt->cfg->name,
				 name, strerror(-r));
			rc = -1;
			continue;
		}
		vips[i].added = 1;
	}
	return rc;
}

static void del_list(struct vlbd_vrrp_rt *rt, struct vlbd_vip *vips, int n, int all)
{
	char name[64];
	int i;

	for (i = 0; i < n; i++) {
		int ifi = vip_ifindex(rt, &vips[i]), r;

		if (!vips[i].added && !all)
			continue;
		vips[i].added = 0;
		if (!ifi)
			continue;
		r = addr_req(RTM_DELADDR, ifi, &vips[i]);
		if (r && r != -EADDRNOTAVAIL && r != -ENOENT && r != -ENODEV && !all) {
			vip_name(&vips[i], name, sizeof(name));
			vlbd_log(LOG_ERR, "vrrp_instance %s: cannot remove %s: %s",
				 rt->cfg->name, name, strerror(-r));
		}
	}
}

int vlbd_vip_add(struct vlbd_vrrp_rt *rt)
{
	int rc = add_list(rt, rt->cfg->vips, rt->cfg->nvips);

	if (add_list(rt, rt->cfg->evips, rt->cfg->nevips))
		rc = -1;
	rt->holding = 1;
	return rc;
}

void vlbd_vip_del(struct vlbd_vrrp_rt *rt)
{
	del_list(rt, rt->cfg->vips, rt->cfg->nvips, 0);
	del_list(rt, rt->cfg->evips, rt->cfg->nevips, 0);
	rt->holding = 0;
}

void vlbd_vip_clear(struct vlbd_vrrp_rt *rt)
{
	del_list(rt, rt->cfg->vips, rt->cfg->nvips, 1);
	del_list(rt, rt->cfg->evips, rt->cfg->nevips, 1);
	rt->holding = 0;
}

static int if_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (rc || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

static void garp4(int fd, int ifindex, const uint8_t mac[6], const struct in_addr *a)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
				   .sll_ifindex = ifindex, .sll_halen = 6 };
	uint8_t pkt[28];

	memset(sll.sll_addr, 0xff, 6);
	pkt[0] = 0; pkt[1] = 1;			/* Ethernet */
	pkt[2] = 0x08; pkt[3] = 0x00;		/* IPv4 */
	pkt[4] = 6; pkt[5] = 4;
	pkt[6] = 0; pkt[7] = 1;			/* request */
	memcpy(pkt + 8, mac, 6);
	memcpy(pkt + 14, a, 4);
	memset(pkt + 18, 0, 6);
	memcpy(pkt + 24, a, 4);
	sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&sll, sizeof(sll));
}

static void una6(int fd, int ifindex, const uint8_t mac[6], const struct in6_addr *a)
{
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex };
	uint8_t pkt[32] = { 0 };

	inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
	pkt[0] = ND_NEIGHBOR_ADVERT;
	pkt[4] = 0x20;				/* Override */
	memcpy(pkt + 8, a, 16);
	pkt[24] = ND_OPT_TARGET_LINKADDR;
	pkt[25] = 1;
	memcpy(pkt + 26, mac, 6);
	sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst));
}

static void announce(struct vlbd_vip *vips, int n, const struct vlbd_vrrp_rt *rt, int reps)
{
	int i, r, fd4 = -1, fd6 = -1, hops = 255;

	for (i = 0; i < n; i++) {
		const char *dev = vips[i].dev[0] ? vips[i].dev : rt->cfg->ifname;
		int ifi = vip_ifindex(rt, &vips[i]);
		uint8_t mac[6];

		if (!ifi || !vips[i].added || if_mac(dev, mac))
			continue;
		if (vips[i].af == AF_INET) {
			if (fd4 < 0)
				fd4 = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
			for (r = 0; fd4 >= 0 && r < reps; r++)
				garp4(fd4, ifi, mac, &vips[i].addr.in);
		} else {
			if (fd6 < 0) {
				fd6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
				if (fd6 >= 0)
					setsockopt(fd6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
						   sizeof(hops));
			}
			if (fd6 >= 0)
				setsockopt(fd6, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifi, sizeof(ifi));
			for (r = 0; fd6 >= 0 && r < reps; r++)
				una6(fd6, ifi, mac, &vips[i].addr.in6);
		}
	}
	if (fd4 >= 0)
		close(fd4);
	if (fd6 >= 0)
		close(fd6);
}

void vlbd_vip_garp(struct vlbd_vrrp_rt *rt)
{
	int reps = rt->cfg->garp_repeat > 0 ? rt->cfg->garp_repeat : 1;

	announce(rt->cfg->vips, rt->cfg->nvips, rt, reps);
	announce(rt->cfg->evips, rt->cfg->nevips, rt, reps);
}

static int same_vip(const struct vlbd_vip *a, const struct vlbd_vip *b)
{
	return a->af == b->af && a->prefix == b->prefix && !strcmp(a->dev, b->dev) &&
	       !strcmp(a->label, b->label) &&
	       !memcmp(&a->addr, &b->addr, a->af == AF_INET ? 4 : 16);
}

/*
 * Reload: the addresses of @new that @old had keep their state; while
 * holding, the ones only @old has are removed and the new ones added.
 * Returns how many were added (for a GARP).
 */
int vlbd_vip_change(struct vlbd_vip *old, int nold, struct vlbd_vip *new, int nnew,
		    const char *ifname, int holding)
{
	int i, j, added = 0;

	(void)ifname;
	for (i = 0; i < nnew; i++)
		for (j = 0; j < nold; j++)
			if (same_vip(&new[i], &old[j])) {
				new[i].added = old[j].added;
				old[j].added = -1;	/* taken over */
			}
	if (!holding)
		return 0;
	for (j = 0; j < nold; j++)
		if (old[j].added == 1) {
			int ifi = old[j].dev[0] ? (int)if_nametoindex(old[j].dev) :
				  (int)if_nametoindex(ifname);

			if (ifi)
				addr_req(RTM_DELADDR, ifi, &old[j]);
			old[j].added = 0;
		}
	for (i = 0; i < nnew; i++)
		if (!new[i].added)
			added++;
	return added;
}

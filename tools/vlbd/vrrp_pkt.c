// SPDX-License-Identifier: GPL-2.0
/*
 * VRRP adverts on the wire. Version 2 (RFC 3768): version/type, VRID,
 * priority, address count, auth type, interval in seconds, checksum, the
 * IPv4 addresses and 8 bytes of authentication data; the checksum covers
 * the VRRP message only. Version 3 (RFC 5798): the count is followed by 4
 * reserved bits and a 12-bit interval in centiseconds, no authentication,
 * IPv4 or IPv6 addresses, and the checksum covers an IP pseudo-header too
 * (as keepalived computes it by default, for IPv4 as well). Only auth type
 * 0 is accepted: a v2 advert with a password is dropped, not trusted.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "vrrp.h"

uint32_t vrrp_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

uint16_t vrrp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t pseudo(int af, const union vlb_addr *src, const union vlb_addr *dst,
		       size_t len)
{
	uint32_t sum = 0;

	if (af == AF_INET) {
		uint8_t tail[4] = { 0, IPPROTO_VRRP, (uint8_t)(len >> 8), (uint8_t)len };

		sum = vrrp_csum_add(sum, &src->in, 4);
		sum = vrrp_csum_add(sum, &dst->in, 4);
		sum = vrrp_csum_add(sum, tail, 4);
	} else {
		uint8_t tail[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
				    (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, IPPROTO_VRRP };

		sum = vrrp_csum_add(sum, &src->in6, 16);
		sum = vrrp_csum_add(sum, &dst->in6, 16);
		sum = vrrp_csum_add(sum, tail, 8);
	}
	return sum;
}

size_t vrrp_pkt_build(uint8_t *buf, int version, int af, int vrid, int priority, int adv_cs,
		      const union vlb_addr *addrs, int naddr, const union vlb_addr *src,
		      const union vlb_addr *dst)
{
	size_t alen = af == AF_INET ? 4 : 16, len = 8 + alen * (size_t)naddr;
	uint32_t sum = 0;
	uint16_t c;
	int i;

	buf[0] = (uint8_t)(version << 4 | 1);
	buf[1] = (uint8_t)vrid;
	buf[2] = (uint8_t)priority;
	buf[3] = (uint8_t)naddr;
	if (version == 2) {
		buf[4] = 0;			/* auth type none */
		buf[5] = (uint8_t)(adv_cs / 100);
	} else {
		buf[4] = (uint8_t)((adv_cs >> 8) & 0x0f);
		buf[5] = (uint8_t)adv_cs;
	}
	buf[6] = buf[7] = 0;
	for (i = 0; i < naddr; i++)
		memcpy(buf + 8 + alen * (size_t)i, af == AF_INET ? (const void *)&addrs[i].in :
		       (const void *)&addrs[i].in6, alen);
	if (version == 2) {
		memset(buf + len, 0, 8);	/* authentication data */
		len += 8;
	} else {
		sum = pseudo(af, src, dst, len);
	}
	c = (uint16_t)~vrrp_csum_fold(vrrp_csum_add(sum, buf, len));
	buf[6] = (uint8_t)(c >> 8);
	buf[7] = (uint8_t)c;
	return len;
}

int vrrp_pkt_parse(const uint8_t *buf, size_t len, int af, const union vlb_addr *src,
		   const union vlb_addr *dst, struct vrrp_adv *adv, char *why, size_t whylen)
{
	size_t alen = af == AF_INET ? 4 : 16, need;
	uint32_t sum = 0;

	memset(adv, 0, sizeof(*adv));
	if (len < 8) {
		snprintf(why, whylen, "%zu bytes are too short for an advert", len);
		return -1;
	}
	adv->version = buf[0] >> 4;
	if ((buf[0] & 0x0f) != 1) {
		snprintf(why, whylen, "type %d is not an advertisement", buf[0] & 0x0f);
		return -1;
	}
	if (adv->version != 2 && adv->version != 3) {
		snprintf(why, whylen, "version %d is not 2 or 3", adv->version);
		return -1;
	}
	if (adv->version == 2 && af != AF_INET) {
		snprintf(why, whylen, "version 2 over IPv6");
		return -1;
	}
	adv->vrid = buf[1];
	adv->priority = buf[2];
	adv->naddr = buf[3];
	need = 8 + alen * (size_t)adv->naddr + (adv->version == 2 ? 8 : 0);
	if (len < need) {
		snprintf(why, whylen, "%zu bytes are too short for %d addresses", len,
			 adv->naddr);
		return -1;
	}
	if (adv->version == 2) {
		if (buf[4] != 0) {
			snprintf(why, whylen, "authentication type %d (vlbd accepts none only)",
				 buf[4]);
			return -1;
		}
		adv->adv_cs = buf[5] * 100;
	} else {
		adv->adv_cs = (buf[4] & 0x0f) << 8 | buf[5];
		sum = pseudo(af, src, dst, len);
	}
	if (vrrp_csum_fold(vrrp_csum_add(sum, buf, len)) != 0xffff) {
		snprintf(why, whylen, "bad checksum");
		return -1;
	}
	if (adv->vrid == 0) {
		snprintf(why, whylen, "virtual router id 0");
		return -1;
	}
	if (adv->adv_cs == 0) {
		snprintf(why, whylen, "advert interval 0");
		return -1;
	}
	adv->addrs = buf + 8;
	return 0;
}

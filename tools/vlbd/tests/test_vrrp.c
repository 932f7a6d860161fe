// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of VRRP's pure parts: the advert codec against adverts that
 * Debian's keepalived 2.2.7 sent (captured from a namespace with a packet
 * socket: v2, v3 over IPv4 and v3 over IPv6, priority 150 and 0), and the
 * state machine driven with a fake clock through the cases RFC 5798 and
 * keepalived define: start-up, preemption, nopreempt, preempt_delay, ties,
 * priority 0, v3 interval learning, v2 interval mismatch, fault, sync.
 * TAP, then "N passed, N failed".
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "vrrp.h"

static int n, fails;

static void ok(int cond, const char *what)
{
	n++;
	if (!cond)
		fails++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
}

static size_t unhex(const char *h, uint8_t *out)
{
	size_t i = 0;
	unsigned int b;

	while (h[0] && h[1] && sscanf(h, "%2x", &b) == 1) {
		out[i++] = (uint8_t)b;
		h += 2;
	}
	return i;
}

static union vlb_addr a4(const char *s)
{
	union vlb_addr a;

	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, s, &a.in);
	return a;
}

static union vlb_addr a6(const char *s)
{
	union vlb_addr a;

	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET6, s, &a.in6);
	return a;
}

/* The VRRP part of keepalived 2.2.7's adverts (after the IP header). */
static const char *const ka_v2 = "2133960200013" "3ee0a0900640a0900650000000000000000";
static const char *const ka_v3 = "313396020064" "38ee0a0900640a090065";
static const char *const ka_v3_prio0 = "313300020064ceee0a0900640a090065";
static const char *const ka_v6 = "313496010064ac47fd000000000000000000000000000100";

static void test_codec(void)
{
	union vlb_addr src = a4("10.9.0.1"), dst = a4("224.0.0.18");
	union vlb_addr vips[2] = { a4("10.9.0.100"), a4("10.9.0.101") };
	union vlb_addr s6 = a6("fe80::b4e4:94ff:feda:4740"), d6 = a6("ff02::12");
	union vlb_addr v6[1] = { a6("fd00::100") };
	uint8_t want[64], got[64];
	struct vrrp_adv adv;
	char why[96];
	size_t wl, gl;

	wl = unhex(ka_v2, want);
	gl = vrrp_pkt_build(got, 2, AF_INET, 51, 150, 100, vips, 2, &src, &dst);
	ok(wl == 24 && gl == wl && !memcmp(want, got, wl),
	   "v2 advert is byte for byte keepalived's (checksum without pseudo-header)");
	wl = unhex(ka_v3, want);
	gl = vrrp_pkt_build(got, 3, AF_INET, 51, 150, 100, vips, 2, &src, &dst);
	ok(wl == 16 && gl == wl && !memcmp(want, got, wl),
	   "v3 IPv4 advert is keepalived's (pseudo-header checksum)");
	wl = unhex(ka_v3_prio0, want);
	gl = vrrp_pkt_build(got, 3, AF_INET, 51, 0, 100, vips, 2, &src, &dst);
	ok(gl == wl && !memcmp(want, got, wl), "v3 priority-0 advert is keepalived's");
	wl = unhex(ka_v6, want);
	gl = vrrp_pkt_build(got, 3, AF_INET6, 52, 150, 100, v6, 1, &s6, &d6);
	ok(wl == 24 && gl == wl && !memcmp(want, got, wl),
	   "v3 IPv6 advert is keepalived's (IPv6 pseudo-header)");

	wl = unhex(ka_v2, want);
	ok(!vrrp_pkt_parse(want, wl, AF_INET, &src, &dst, &adv, why, sizeof(why)) &&
	   adv.version == 2 && adv.vrid == 51 && adv.priority == 150 && adv.adv_cs == 100 &&
	   adv.naddr == 2 && !memcmp(adv.addrs, &vips[0].in, 4) &&
	   !memcmp(adv.addrs + 4, &vips[1].in, 4), "keepalived's v2 advert parses");
	wl = unhex(ka_v3, want);
	ok(!vrrp_pkt_parse(want, wl, AF_INET, &src, &dst, &adv, why, sizeof(why)) &&
	   adv.version == 3 && adv.adv_cs == 100 && adv.priority == 150,
	   "keepalived's v3 advert parses");
	wl = unhex(ka_v6, want);
	ok(!vrrp_pkt_parse(want, wl, AF_INET6, &s6, &d6, &adv, why, sizeof(why)) &&
	   adv.vrid == 52 && adv.naddr == 1 && !memcmp(adv.addrs, &v6[0].in6, 16),
	   "keepalived's v3 IPv6 advert parses");
	{
		union vlb_addr other = a4("10.9.0.2");

		wl = unhex(ka_v3, want);
		ok(vrrp_pkt_parse(want, wl, AF_INET, &other, &dst, &adv, why, sizeof(why)) &&
		   !strcmp(why, "bad checksum"),
		   "v3 checksum covers the source address (pseudo-header)");
	}
	wl = unhex(ka_v2, want);
	want[9] ^= 1;
	ok(vrrp_pkt_parse(want, wl, AF_INET, &src, &dst, &adv, why, sizeof(why)) &&
	   !strcmp(why, "bad checksum"), "a flipped bit is a bad checksum");
	wl = unhex(ka_v2, want);
	want[4] = 1;		/* auth type: simple password */
	ok(vrrp_pkt_parse(want, wl, AF_INET, &src, &dst, &adv, why, sizeof(why)) &&
	   strstr(why, "authentication type 1"), "v2 with a password is refused by name");
	wl = unhex(ka_v3, want);
	ok(vrrp_pkt_parse(want, 12, AF_INET, &src, &dst, &adv, why, sizeof(why)) &&
	   strstr(why, "too short"), "a truncated address list is refused");
	ok(vrrp_pkt_parse(want, 4, AF_INET, &src, &dst, &adv, why, sizeof(why)) &&
	   strstr(why, "too short"), "4 bytes are refused");
	want[0] = 0x32;
	ok(vrrp_pkt_parse(want, wl, AF_INET, &src, &dst, &adv, why, sizeof(why)) &&
	   strstr(why, "type 2"), "a type other than advertisement is refused");
	wl = unhex(ka_v2, want);
	ok(vrrp_pkt_parse(want, wl, AF_INET6, &s6, &d6, &adv, why, sizeof(why)) &&
	   strstr(why, "version 2 over IPv6"), "v2 over IPv6 is refused");
	/* 12-bit interval: 40.95 s round trip */
	gl = vrrp_pkt_build(got, 3, AF_INET, 1, 100, 4095, vips, 1, &src, &dst);
	ok(!vrrp_pkt_parse(got, gl, AF_INET, &src, &dst, &adv, why, sizeof(why)) &&
	   adv.adv_cs == 4095, "v3 carries 4095 centiseconds in 12 bits");
}

static struct vrrp_sm mk(int version, int prio, int adv_cs)
{
	struct vrrp_sm sm;

	vrrp_sm_init(&sm);
	sm.version = version;
	sm.prio = prio;
	sm.adv_cs = adv_cs;
	sm.self = a4("10.0.0.1");
	return sm;
}

static struct vrrp_adv adv_of(int version, int prio, int adv_cs)
{
	struct vrrp_adv a = { .version = version, .vrid = 1, .priority = prio,
			      .adv_cs = adv_cs };
	return a;
}

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void test_sm(void)
{
	union vlb_addr peer_lo = a4("10.0.0.0"), peer_hi = a4("10.0.0.2");
	struct vrrp_sm sm;
	struct vrrp_adv a;
	int act;

	/* timers */
	sm = mk(3, 100, 100);
	ok(near(vrrp_skew(&sm), 156 / 256.0) && near(vrrp_master_down(&sm), 3 + 156 / 256.0),
	   "v3, 1 s, priority 100: skew 0.609 s, master down 3.609 s");
	sm = mk(3, 254, 1);
	sm.master_adv_cs = 1;
	ok(near(vrrp_master_down(&sm), 0.03 + 2 * 0.01 / 256), "10 ms, priority 254: 30.08 ms");
	sm = mk(2, 100, 100);
	ok(near(vrrp_master_down(&sm), 3 + 156 / 256.0), "v2: 3 s + (256-100)/256 s");

	/* start-up */
	sm = mk(3, 100, 10);
	act = vrrp_sm_start(&sm, 0);
	ok(act == VRRP_ACT_BACKUP && sm.state == VRRP_BACKUP &&
	   near(sm.down_at, 0.3 + 156 * 0.1 / 256), "BACKUP starts with the master down timer");
	ok(vrrp_sm_timer(&sm, sm.down_at - 0.001) == 0, "nothing before the timer");
	act = vrrp_sm_timer(&sm, sm.down_at);
	ok(act == (VRRP_ACT_MASTER | VRRP_ACT_SEND) && sm.state == VRRP_MASTER,
	   "no master: MASTER at the down timer, advert sent");
	ok(near(vrrp_sm_next(&sm), sm.down_at + 0.1) || near(sm.adv_at, 0.3 + 156 * 0.1 / 256 + 0.1),
	   "next advert one interval later");
	act = vrrp_sm_timer(&sm, sm.adv_at);
	ok(act == VRRP_ACT_SEND, "master sends at each interval");

	sm = mk(3, 255, 100);
	act = vrrp_sm_start(&sm, 0);
	ok(act == (VRRP_ACT_MASTER | VRRP_ACT_SEND), "priority 255 (owner) is master at once");

	sm = mk(3, 150, 100);
	sm.init_master = 1;
	act = vrrp_sm_start(&sm, 0);
	ok(act == 0 && sm.state == VRRP_INIT && near(sm.down_at, 1 + 106 / 256.0),
	   "state MASTER waits one interval plus skew, without a BACKUP notify");
	a = adv_of(3, 200, 100);
	act = vrrp_sm_rx(&sm, &a, &peer_hi, 0.5);
	ok(act == VRRP_ACT_BACKUP && sm.state == VRRP_BACKUP,
	   "... and a higher master seen meanwhile makes it BACKUP");

	/* backup receiving */
	sm = mk(3, 100, 100);
	vrrp_sm_start(&sm, 0);
	a = adv_of(3, 150, 50);
	act = vrrp_sm_rx(&sm, &a, &peer_hi, 1);
	ok(act == 0 && sm.master_adv_cs == 50 && near(sm.down_at, 1 + 1.5 + 156 * 0.5 / 256),
	   "v3 backup learns the master's interval and resets its timer");
	a = adv_of(3, 0, 50);
	act = vrrp_sm_rx(&sm, &a, &peer_hi, 2);
	ok(act == 0 && near(sm.down_at, 2 + 156 * 0.5 / 256),
	   "priority 0: the backup waits only the skew");
	act = vrrp_sm_timer(&sm, sm.down_at);
	ok(act & VRRP_ACT_MASTER, "... then takes over");

	sm = mk(3, 150, 100);
	vrrp_sm_start(&sm, 0);
	a = adv_of(3, 100, 100);
	act = vrrp_sm_rx(&sm, &a, &peer_lo, 1);
	ok(act == 0 && near(sm.down_at, 3 + 106 / 256.0),
	   "preempt: a higher backup ignores a lower master's adverts");
	ok(vrrp_sm_timer(&sm, sm.down_at) & VRRP_ACT_MASTER, "... and takes over at its timer");

	sm = mk(3, 150, 100);
	sm.nopreempt = 1;
	vrrp_sm_start(&sm, 0);
	act = vrrp_sm_rx(&sm, &a, &peer_lo, 1);
	ok(act == 0 && near(sm.down_at, 1 + 3 + 106 / 256.0),
	   "nopreempt: a lower master's adverts are accepted");

	sm = mk(3, 150, 100);
	sm.preempt_delay = 10;
	vrrp_sm_start(&sm, 0);
	vrrp_sm_rx(&sm, &a, &peer_lo, 1);
	ok(near(sm.down_at, 1 + 3 + 106 / 256.0) && near(sm.preempt_at, 11),
	   "preempt_delay: lower adverts accepted while it runs");
	vrrp_sm_rx(&sm, &a, &peer_lo, 10.5);
	ok(near(sm.down_at, 10.5 + 3 + 106 / 256.0), "... still at 10.5 s");
	vrrp_sm_rx(&sm, &a, &peer_lo, 11.5);
	ok(near(sm.down_at, 10.5 + 3 + 106 / 256.0), "... ignored once it has run out");

	/* master receiving */
	sm = mk(3, 100, 100);
	sm.prio = 255;
	vrrp_sm_start(&sm, 0);
	sm.prio = 100;
	a = adv_of(3, 100, 100);
	act = vrrp_sm_rx(&sm, &a, &peer_hi, 1);
	ok(act == VRRP_ACT_BACKUP, "tie: the higher primary address wins");
	sm = mk(3, 255, 100);
	vrrp_sm_start(&sm, 0);
	sm.prio = 100;
	act = vrrp_sm_rx(&sm, &a, &peer_lo, 1);
	ok(act == VRRP_ACT_SEND && sm.state == VRRP_MASTER,
	   "tie: the lower address stays backup; the master answers at once");
	a = adv_of(3, 200, 20);
	act = vrrp_sm_rx(&sm, &a, &peer_lo, 2);
	ok(act == VRRP_ACT_BACKUP && sm.master_adv_cs == 20 &&
	   near(sm.down_at, 2 + 0.6 + 156 * 0.2 / 256),
	   "a higher priority makes the master BACKUP with the new master's interval");
	sm = mk(3, 255, 100);
	vrrp_sm_start(&sm, 0);
	a = adv_of(3, 0, 100);
	act = vrrp_sm_rx(&sm, &a, &peer_hi, 0.3);
	ok(act == VRRP_ACT_SEND && near(sm.adv_at, 1.3),
	   "master hearing priority 0 advertises at once");

	/* v2 interval */
	sm = mk(2, 100, 100);
	vrrp_sm_start(&sm, 0);
	a = adv_of(2, 150, 200);
	ok(vrrp_sm_rx(&sm, &a, &peer_hi, 1) == -1 && sm.rx_dropped == 1,
	   "v2: an advert with another interval is dropped");

	/* fault */
	sm = mk(3, 255, 100);
	vrrp_sm_start(&sm, 0);
	act = vrrp_sm_fault(&sm, 1);
	ok(act == (VRRP_ACT_SEND0 | VRRP_ACT_FAULT) && !vrrp_sm_next(&sm),
	   "master to FAULT: priority 0 sent, no timers");
	a = adv_of(3, 100, 100);
	ok(vrrp_sm_rx(&sm, &a, &peer_hi, 1.5) == 0 && sm.state == VRRP_FAULT,
	   "FAULT ignores adverts");
	act = vrrp_sm_recover(&sm, 2);
	ok(act == VRRP_ACT_BACKUP && sm.state == VRRP_BACKUP,
	   "recovery goes to BACKUP, never straight to MASTER");
	act = vrrp_sm_stop(&sm);
	ok(act == VRRP_ACT_STOP, "stopping a backup sends nothing");
	sm = mk(3, 100, 100);
	vrrp_sm_start(&sm, 0);
	vrrp_sm_timer(&sm, 10);
	act = vrrp_sm_stop(&sm);
	ok(act == (VRRP_ACT_SEND0 | VRRP_ACT_STOP), "stopping a master sends priority 0");

	/* sync group force */
	sm = mk(3, 100, 100);
	vrrp_sm_start(&sm, 0);
	act = vrrp_sm_force(&sm, VRRP_MASTER, 1);
	ok(act == (VRRP_ACT_MASTER | VRRP_ACT_SEND), "a sync group can pull a backup to MASTER");
	act = vrrp_sm_force(&sm, VRRP_BACKUP, 2);
	ok(act == VRRP_ACT_BACKUP && sm.transitions == 3, "... and back; transitions counted");
	ok(!strcmp(vrrp_state_name(VRRP_FAULT), "FAULT"), "state names");
}

int main(void)
{
	test_codec();
	test_sm();
	printf("1..%d\n%d passed, %d failed\n", n, n - fails, fails);
	return fails != 0;
}

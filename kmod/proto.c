// SPDX-License-Identifier: GPL-2.0
/*
 * TCP and UDP for the packet path. UDP has no state: a connection lives
 * while packets flow and for vn->timeout_udp after the last one. TCP
 * follows the segments of both directions through a small state machine
 * whose only purposes are the idle timeout (a connection that saw a FIN or
 * RST should not linger for the ESTABLISHED timeout) and the active /
 * inactive counts the least-connection schedulers read. States are named
 * as IPVS names them, from the real server's point of view: a FIN from the
 * server leads to FIN_WAIT, a FIN from the client to CLOSE_WAIT. With
 * direct routing and tunnelling the director sees the client's half of the
 * conversation only, so those connections follow an input-only variant:
 * the client's ACK after its SYN establishes, its FIN starts FIN_WAIT.
 * As in IPVS, only ESTABLISHED counts as an active connection. It does not
 * validate sequence numbers; a forged RST only shortens a timeout.
 */
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>

#include "proto.h"
#include "conn.h"

/*
 * Direct routing and tunnelling: only client -> server segments are seen.
 * The client's FIN cannot be told apart from its answer to the server's,
 * so either means the conversation is closing: FIN_WAIT, whose timeout is
 * the settable "tcpfin" one, as IPVS's input-only table does.
 */
static u8 vlb_tcp_next_state_in_only(u8 state, u8 flags)
{
	if (flags & VLB_TCPF_RST)
		return VLB_TCP_S_CLOSE;
	if (flags & VLB_TCPF_SYN) {
		if (!(flags & VLB_TCPF_ACK) && state != VLB_TCP_S_ESTABLISHED)
			return VLB_TCP_S_SYN_RECV;
		return state;
	}
	if (flags & VLB_TCPF_FIN) {
		if (state == VLB_TCP_S_CLOSE || state == VLB_TCP_S_TIME_WAIT)
			return state;
		return VLB_TCP_S_FIN_WAIT;
	}
	/* A plain ACK: the handshake's third segment, or data. */
	switch (state) {
	case VLB_TCP_S_NONE:
	case VLB_TCP_S_SYN_SENT:
	case VLB_TCP_S_SYN_RECV:
	case VLB_TCP_S_SYNACK:
		return VLB_TCP_S_ESTABLISHED;
	}
	return state;
}

static u8 vlb_tcp_next_state(u32 sf, u8 flags, int dir, u32 *bits)
{
	u8 state = sf & VLB_CONN_SF_STATE;
	u32 fwd = (sf & VLB_CONN_SF_FWD_MASK) >> VLB_CONN_SF_FWD_SHIFT;
	u32 fins;

	if (fwd == VLB_FWD_DROUTE || fwd == VLB_FWD_TUNNEL)
		return vlb_tcp_next_state_in_only(state, flags);

	if (flags & VLB_TCPF_RST)
		return VLB_TCP_S_CLOSE;

	if (flags & VLB_TCPF_SYN) {
		/* A client SYN restarts a handshake, except on a live flow. */
		if (dir == VLB_DIR_IN && !(flags & VLB_TCPF_ACK) &&
		    state != VLB_TCP_S_ESTABLISHED)
			return VLB_TCP_S_SYN_RECV;
		return state;
	}

	if (flags & VLB_TCPF_FIN) {
		if (state == VLB_TCP_S_CLOSE || state == VLB_TCP_S_TIME_WAIT)
			return state;
		*bits = dir == VLB_DIR_IN ? VLB_CONN_SF_FIN_IN :
					    VLB_CONN_SF_FIN_OUT;
		fins = (sf | *bits) & (VLB_CONN_SF_FIN_IN | VLB_CONN_SF_FIN_OUT);
		if (fins == (VLB_CONN_SF_FIN_IN | VLB_CONN_SF_FIN_OUT))
			return VLB_TCP_S_LAST_ACK;
		return dir == VLB_DIR_OUT ? VLB_TCP_S_FIN_WAIT :
					    VLB_TCP_S_CLOSE_WAIT;
	}

	/* A plain ACK, with or without data. */
	switch (state) {
	case VLB_TCP_S_NONE:
	case VLB_TCP_S_SYN_SENT:
	case VLB_TCP_S_SYN_RECV:
	case VLB_TCP_S_SYNACK:
		return VLB_TCP_S_ESTABLISHED;
	case VLB_TCP_S_LAST_ACK:
		/* Both sides sent FIN and the second one is acknowledged. */
		return VLB_TCP_S_TIME_WAIT;
	}
	return state;
}

void vlb_tcp_state_update(struct vlb_conn *cp, u8 tcp_flags, int dir)
{
	u32 sf, bits = 0;
	u8 state;

	sf = READ_ONCE(cp->sf);
	state = vlb_tcp_next_state(sf, tcp_flags, dir, &bits);
	if (state != (sf & VLB_CONN_SF_STATE) || (bits & ~sf))
		vlb_conn_set_state(cp, state, bits);
}

const u16 vlb_tcp_timeouts[__VLB_TCP_S_MAX] = {
	[VLB_TCP_S_NONE]	= 2,
	[VLB_TCP_S_SYN_SENT]	= 120,
	[VLB_TCP_S_SYN_RECV]	= 60,
	[VLB_TCP_S_TIME_WAIT]	= 120,
	[VLB_TCP_S_CLOSE]	= 10,
	[VLB_TCP_S_CLOSE_WAIT]	= 60,
	[VLB_TCP_S_LAST_ACK]	= 30,
	[VLB_TCP_S_LISTEN]	= 120,
	[VLB_TCP_S_SYNACK]	= 120,
};

void vlb_proto_nat(struct sk_buff *skb, const struct vlb_pkt *p, bool src,
		   const union nf_inet_addr *old_addr,
		   const union nf_inet_addr *new_addr, __be16 port)
{
	__sum16 *check;
	__be16 *pp;

	if (p->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (struct tcphdr *)(skb->data + p->thoff);

		pp = src ? &th->source : &th->dest;
		check = &th->check;
	} else {
		struct udphdr *uh = (struct udphdr *)(skb->data + p->thoff);

		pp = src ? &uh->source : &uh->dest;
		/* A zero UDP checksum over IPv4 means none; keep it so. */
		if (p->af == AF_INET && !uh->check &&
		    skb->ip_summed != CHECKSUM_PARTIAL) {
			*pp = port;
			return;
		}
		check = &uh->check;
	}

	/*
	 * These helpers also handle CHECKSUM_PARTIAL (only the pseudo-header
	 * part is in the field then) and keep skb->csum right for
	 * CHECKSUM_COMPLETE.
	 */
	if (p->af == AF_INET6)
		inet_proto_csum_replace16(check, skb, old_addr->in6.s6_addr32,
					  new_addr->in6.s6_addr32, true);
	else
		inet_proto_csum_replace4(check, skb, old_addr->ip,
					 new_addr->ip, true);
	inet_proto_csum_replace2(check, skb, *pp, port, false);
	*pp = port;
	if (p->protocol == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

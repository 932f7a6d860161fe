#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# NAT packets are routed as the kernel routes them. vlb keeps the input
# route the kernel gave a real server's packets and hands it to the next
# ones (xmit.c), so this checks that what routing decides still holds for
# them: a route change takes effect at once (a blackhole route to the real
# server, then its removal), the FORWARD hook sees them (an nftables drop),
# ip_forward=0 stops them, rp_filter=1 drops a source the director has no
# route back to (which rp_filter=0 lets through), and a source that is one
# of the director's own addresses is dropped as a martian, also one it
# takes while the source is in use. What reaches the real server is
# counted there by nftables.

. "$(dirname "$0")/lib.sh"

require_root
[[ -r $VLB_KO && -x $VLBADM ]] || ktap_skip_all "vlb.ko or vlbadm not built"
require_command nft

adm()
{
	in_ns "$D" "$VLBADM" "$@"
}

# ask: one UDP request to the service; its answer, or "none".
ask()
{
	local a
	a=$(in_ns "$C" "$PYTHON" "$NETHELPER" request --proto udp --addr "$VIP" \
		--port 80 --count 1 --timeout 2 2>/dev/null)
	[[ $a == rs1 ]] && echo rs1 || echo none
}

# syns SRC: raw SYNs from the client with source SRC to the TCP service;
# how many of them reached the real server. First one connection from the
# client's own address, so that the director's CPU (the sender's: no RPS
# here, hence CPU 0 for both) holds the route vlb keeps: the SYNs must be
# judged right with it too.
syns()
{
	local before after
	in_ns "$C" taskset -c 0 "$PYTHON" "$NETHELPER" request --proto tcp \
		--addr "$VIP" --port 80 --count 1 --timeout 2 >/dev/null
	before=$(rs_syns)
	in_ns "$C" taskset -c 0 "$PYTHON" "$NETHELPER" rawtcp --src "$1" \
		--dst "$VIP" --dport 80 --sports 40000-40009 >/dev/null
	# Let them through the director (or not) before counting.
	busywait 3000 eval '(( $(rs_syns) - before >= 10 ))'
	after=$(rs_syns)
	echo $((after - before))
}

rs_syns()
{
	in_ns "$RS1" nft list counter ip cnt syns | awk '/packets/ { print $2 }'
}

ktap_print_header
ktap_set_plan 11

if ! vlb_load || ! topo_create || ! topo_servers 80; then
	ktap_test_fail "topology, servers and vlb.ko"
	for i in $(seq 10); do ktap_test_skip "route check" "no topology"; done
	ktap_finished
fi
ktap_test_pass "topology and vlb.ko"

adm -R <<-EOF
-A -u $VIP:80 -s rr
-a -u $VIP:80 -r ${RS_ADDRS[0]}:80 -m
-A -t $VIP:80 -s rr
-a -t $VIP:80 -r ${RS_ADDRS[0]}:80 -m
EOF
in_ns "$RS1" nft -f - <<-EOF
table ip cnt {
	counter syns { }
	chain in {
		type filter hook input priority 0;
		tcp dport 80 tcp flags syn counter name syns
	}
}
EOF
# The spoofed sources below: routes back to them on the client and the
# real server, none on the director.
ip -n "$C" addr add 10.0.9.1/32 dev eth0
ip -n "$C" addr add 10.0.1.1/32 dev eth0

first=$(ask)
again=$(ask)
ktap_test_result "a NAT service answers ($first $again)" \
	test "$first $again" = "rs1 rs1"

# ---------------------------------------------------------------- routes
ip -n "$D" route add blackhole "${RS_ADDRS[0]}/32"
held=$(ask)
ip -n "$D" route del blackhole "${RS_ADDRS[0]}/32"
back=$(ask)
diag "with a blackhole route to rs1: $held; without it again: $back"
ktap_test_result "a blackhole route to the real server stops its packets" \
	test "$held" = none
ktap_test_result "and its removal lets them through again" test "$back" = rs1

# --------------------------------------------------------------- FORWARD
in_ns "$D" nft -f - <<-EOF
table ip rtest {
	chain forward_drop {
		type filter hook forward priority 0;
		ip daddr ${RS_ADDRS[0]} udp dport 80 counter drop
	}
}
EOF
nft_ok=$?
dropped=$(ask)
hits=$(in_ns "$D" nft list chain ip rtest forward_drop | grep -o 'packets [0-9]*' | cut -d' ' -f2)
in_ns "$D" nft delete table ip rtest
back=$(ask)
diag "with a FORWARD drop rule: $dropped ($hits dropped by it); without it: $back"
ktap_test_result "the FORWARD hook sees NAT packets" \
	test "$nft_ok $dropped $hits $back" = "0 none 1 rs1"

# ------------------------------------------------------------ ip_forward
in_ns "$D" sh -c 'echo 0 >/proc/sys/net/ipv4/ip_forward'
stopped=$(ask)
in_ns "$D" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
back=$(ask)
diag "with ip_forward=0: $stopped; with ip_forward=1: $back"
ktap_test_result "ip_forward=0 stops NAT packets" \
	test "$stopped $back" = "none rs1"

# ------------------------------------------------------- source checks
# A source the director has no route back to: rp_filter=1 drops it, as the
# kernel's reverse-path check does; rp_filter=0 lets it through.
open=$(syns 10.0.9.1)
in_ns "$D" sh -c 'echo 1 >/proc/sys/net/ipv4/conf/all/rp_filter'
strict=$(syns 10.0.9.1)
in_ns "$D" sh -c 'echo 0 >/proc/sys/net/ipv4/conf/all/rp_filter'
diag "SYNs from 10.0.9.1 at the real server: $open with rp_filter=0, $strict with rp_filter=1"
ktap_test_result "rp_filter=0: a source without a route back reaches the server" \
	test "$open" = 10
ktap_test_result "rp_filter=1: it is dropped" test "$strict" = 0
# The director's own address as the source: a martian, whatever rp_filter.
own=$(syns 10.0.1.1)
diag "SYNs from the director's own 10.0.1.1 at the real server: $own"
ktap_test_result "a source of the director's own is dropped" test "$own" = 0
# And one it takes while the source is in use: refused from then on.
ip -n "$D" addr add 10.0.9.1/32 dev lo
taken=$(syns 10.0.9.1)
ip -n "$D" addr del 10.0.9.1/32 dev lo
freed=$(syns 10.0.9.1)
diag "SYNs from 10.0.9.1 while the director has that address: $taken; after: $freed"
ktap_test_result "an address the director takes is refused as a source at once" \
	test "$taken $freed" = "0 10"
ktap_test_result "a NAT service still answers ($(ask))" test "$(ask)" = rs1

ktap_finished

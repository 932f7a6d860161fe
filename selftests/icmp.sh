#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP errors about balanced connections reach the right party, with the
# quoted headers rewritten as NAT rewrote the packet, over IPv4 and IPv6:
#  - a real server's "port unreachable" about a NAT'ed UDP datagram reaches
#    the client's socket, which sees "connection refused" (without the
#    rewrite the error quotes the real server's address and the client's
#    stack finds no socket for it);
#  - "fragmentation needed" / "packet too big" that the director itself
#    sends when the link to the real server is narrower than the client's
#    reaches the client as an error about the virtual address, so its path
#    MTU to the service drops (path MTU discovery through NAT).
# (The tunnel's own MTU errors and DR/TUN traffic are in forward.sh.)

. "$(dirname "$0")/lib.sh"

require_root
require_vlb

ktap_print_header
ktap_set_plan 4

# lib.sh's topo_create --v6 fails: its real-server batch has a
# "-6 route ..." line, which `ip -b` does not take. Build the IPv4 topology
# and add IPv6 here.
topo_add_v6()
{
	local i
	in_ns "$C" sh -c 'echo 0 >/proc/sys/net/ipv6/conf/eth0/disable_ipv6;
		exec ip -b -' <<-EOF || return 1
	addr add fd00:1::2/64 dev eth0 nodad
	route add default via fd00:1::1
	neigh replace fd00:1::1 lladdr $DIRECTOR_MAC nud permanent dev eth0
	neigh replace $VIP6 lladdr $DIRECTOR_MAC nud permanent dev eth0
	EOF
	in_ns "$D" sh -c 'echo 0 >/proc/sys/net/ipv6/conf/eth0/disable_ipv6;
		echo 1 >/proc/sys/net/ipv6/conf/all/forwarding;
		exec ip -b -' <<-EOF || return 1
	addr add fd00:1::1/64 dev eth0 nodad
	addr add $VIP6/128 dev eth0 nodad
	addr add fd00:2::1/64 dev br0 nodad
	EOF
	for i in 0 1 2; do
		ip -n "${RS_NS[i]}" -b - <<-EOF || return 1
		addr add ${RS6_ADDRS[i]}/64 dev eth0 nodad
		route add default via fd00:2::1
		EOF
	done
}

# client_udp ADDR PORT SIZE: sends datagrams of SIZE bytes with DF (path
# MTU discovery "do") from one connected socket until one fails; prints
# "errno MTU" (0 if none failed) and the socket's path MTU.
client_udp()
{
	in_ns "$C" "$PYTHON" - "$@" <<-'EOF'
	import socket, sys, time
	addr, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	if ":" in addr:
	    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
	    s.setsockopt(socket.IPPROTO_IPV6, 23, 2)    # IPV6_MTU_DISCOVER: DO
	    mtu_opt = (socket.IPPROTO_IPV6, 24)         # IPV6_MTU
	else:
	    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    s.setsockopt(socket.IPPROTO_IP, 10, 2)      # IP_MTU_DISCOVER: DO
	    mtu_opt = (socket.IPPROTO_IP, 14)           # IP_MTU
	s.connect((addr, port))
	s.settimeout(0.2)
	err = 0
	for _ in range(25):
	    try:
	        s.send(b"x" * size)
	        s.recv(100)
	    except socket.timeout:
	        continue
	    except OSError as e:
	        err = e.errno
	        break
	print(err, s.getsockopt(*mtu_opt))
	EOF
}

if ! topo_create || ! topo_add_v6; then
	for i in 1 2 3 4; do ktap_test_fail "topology"; done
	ktap_finished
fi

# Port 81: nothing listens there. Port 82: the link to rs1 is narrower.
in_ns "$D" "$VLBADM" -R <<-EOF
-A -u $VIP:81 -s rr
-a -u $VIP:81 -r ${RS_ADDRS[0]}:81 -m
-A -u [$VIP6]:81 -s rr
-a -u [$VIP6]:81 -r [${RS6_ADDRS[0]}]:81 -m
-A -u $VIP:82 -s rr
-a -u $VIP:82 -r ${RS_ADDRS[0]}:82 -m
-A -u [$VIP6]:82 -s rr
-a -u [$VIP6]:82 -r [${RS6_ADDRS[0]}]:82 -m
EOF

for fam in 4 6; do
	[[ $fam == 4 ]] && vip=$VIP || vip=$VIP6
	got=$(client_udp "$vip" 81 6)
	diag "IPv$fam port 81: $got"
	# ECONNREFUSED (111).
	ktap_test_result "NAT IPv$fam: port unreachable from the real server reaches the client" \
		test "${got%% *}" == 111
done

# The director's port to rs1 and rs1's link: MTU 1400 (the bridge follows).
ip -n "$D" link set rs1 mtu 1400
ip -n "$RS1" link set eth0 mtu 1400
ip -n "$D" link set rs2 mtu 1400
ip -n "$D" link set rs3 mtu 1400
for fam in 4 6; do
	if [[ $fam == 4 ]]; then
		vip=$VIP size=$((1500 - 28))
	else
		vip=$VIP6 size=$((1500 - 48))
	fi
	got=$(client_udp "$vip" 82 $size)
	diag "IPv$fam port 82, $size bytes: $got"
	# EMSGSIZE (90) and the path MTU to the VIP learnt from the director.
	ktap_test_result "NAT IPv$fam: the director's frag needed / packet too big reaches the client (MTU 1400)" \
		test "$got" == "90 1400"
done

ktap_finished

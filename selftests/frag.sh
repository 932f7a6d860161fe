#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fragmented datagrams through a NAT service, IPv4 and IPv6, with
# nf_conntrack unloaded and then loaded and tracking in the director's
# namespace: the client sends UDP datagrams of 4,000 bytes, which its
# stack splits into fragments at the 1,500-byte MTU. vlb has nf_defrag
# reassemble them before it balances (only the first fragment carries the
# ports), the kernel fragments the rewritten datagram again on its way to
# the real server, and each server answers only a datagram it got whole.
# The answers also show the flows spread over the servers in turn.

. "$(dirname "$0")/lib.sh"

require_root
[[ -r $VLB_KO && -x $VLBADM ]] || ktap_skip_all "vlb.ko or vlbadm not built"
require_command nft

# big ADDR PORT N SIZE: N datagrams of SIZE bytes, each from a new socket.
BIG_PY='
import socket, sys
addr, port, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
out = []
for _ in range(n):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        s.sendto(b"x" * (size - 1) + b"\n", (addr, port))
        out.append(s.recv(100).decode().strip())
    except OSError:
        out.append("none")
print(" ".join(out))
'

adm()
{
	in_ns "$D" "$VLBADM" "$@"
}

ktap_print_header
ktap_set_plan 8

conntrack_unload
if ! vlb_load || ! topo_create --v6 || ! topo_servers 80; then
	ktap_test_fail "topology, servers and vlb.ko"
	for i in $(seq 7); do ktap_test_skip "fragment check" "no topology"; done
	ktap_finished
fi
ktap_test_pass "topology and vlb.ko"

adm -R <<-EOF
-A -u $VIP:80 -s rr
-a -u $VIP:80 -r ${RS_ADDRS[0]}:80 -m
-a -u $VIP:80 -r ${RS_ADDRS[1]}:80 -m
-a -u $VIP:80 -r ${RS_ADDRS[2]}:80 -m
-A -u [$VIP6]:80 -s rr
-a -u [$VIP6]:80 -r [${RS6_ADDRS[0]}]:80 -m
-a -u [$VIP6]:80 -r [${RS6_ADDRS[1]}]:80 -m
-a -u [$VIP6]:80 -r [${RS6_ADDRS[2]}]:80 -m
EOF

for ct in 0 1; do
	name=$( ((ct)) && echo "with conntrack" || echo "without conntrack")
	if ((ct)); then
		modprobe nf_conntrack
		in_ns "$D" nft -f - <<-EOF
		table inet vlbfrag {
			chain pre {
				type filter hook prerouting priority 0;
				ct state new counter
			}
		}
		EOF
	else
		ktap_test_result "nf_conntrack is not loaded" test ! -d /sys/module/nf_conntrack
	fi
	frags0=$(link_stats "$C" eth0 | awk '{ print $4 }')
	v4=$(in_ns "$C" "$PYTHON" -c "$BIG_PY" "$VIP" 80 3 4000)
	frags=$(($(link_stats "$C" eth0 | awk '{ print $4 }') - frags0))
	v6=$(in_ns "$C" "$PYTHON" -c "$BIG_PY" "$VIP6" 80 3 4000)
	diag "$name: IPv4 $v4 (client sent $frags packets), IPv6 $v6"
	ktap_test_result "$name: IPv4 4,000-byte datagrams go out as fragments" \
		test "$frags" -ge 9
	ktap_test_result "$name: IPv4 fragmented datagrams balanced and answered" \
		test "$v4" = "rs1 rs2 rs3"
	ktap_test_result "$name: IPv6 fragmented datagrams balanced and answered" \
		test "$v6" = "rs1 rs2 rs3"
	adm -Z
done

ktap_finished

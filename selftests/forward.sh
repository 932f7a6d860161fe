#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Direct routing (-g) and tunnelling (-i: IP-in-IP, GUE and GRE, with and
# without checksums) with round robin, end to end, for TCP and UDP over
# IPv4 and IPv6: the client's requests to the
# virtual IP reach the director, which passes each new connection to the
# next real server; the real servers hold the virtual IP themselves (on lo
# for DR, which they must not announce; decapsulated from tunl0 / ip6tnl0
# for TUN) and answer the client directly, past the director. Checked: the
# answers come from each server in turn, the director counts exactly the
# client's packets inbound (per service and per destination) and nothing
# outbound, TCP connections count as active only while established (as
# IPVS counts them), and an oversize DF datagram for a tunnel gets a
# "fragmentation needed" / "packet too big" back to the client, with the
# MTU less the tunnel's headers, also after a router between director and
# real server reports the director's outer packets too big. The real servers decapsulate with Linux's
# own devices: tunl0 / ip6tnl0 for IPIP, behind a fou socket for GUE, a
# gre / ip6gre device for GRE; they validate the checksums (the director
# computes them in software for GUE and GRE: its tx offload is off).
#
# Topology: the director is one-armed, on the servers' LAN; a router
# between client and LAN routes the virtual IP to it, and the servers'
# answers go back through the router only. (The VIP is in the client's
# subnet, as lib.sh has it, but the client routes it via the router.)
#
#   client ns $C            router ns $R                director ns $D
#   eth0 10.0.1.2/24 ---- eth0 10.0.1.1/24        +-- eth0 10.0.2.10/24
#   [fd00:1::2/64]        [fd00:1::1/64]          |   VIP on lo
#                         br0 10.0.2.1/24 --------+-- rs1..rs3 10.0.2.1N/24
#                         [fd00:2::1/64]              VIP on lo, tunl0, ip6tnl0
#                         VIP via 10.0.2.10          gre1, ip6gre1, fou 6080
#
# (lib.sh's topo_create routes the servers' answers through the director,
# as NAT needs, hence a topology of its own here.)

. "$(dirname "$0")/lib.sh"

require_root
require_vlb
require_command nft

ROUNDS=2
D_ADDR=10.0.2.10
D_ADDR6=fd00:2::10
UDP_LEN4=$((20 + 8 + 6))	# IPv4 + UDP headers + "hello\n"
UDP_LEN6=$((40 + 8 + 6))

ktap_print_header
ktap_set_plan 46
GUE_PORT=6080

# The modules the real servers' tunnel devices come from; a namespace gets
# its fallback devices tunl0 and ip6tnl0 if they are loaded before it is made.
modprobe ipip 2>/dev/null
modprobe ip6_tunnel 2>/dev/null
modprobe fou 2>/dev/null
modprobe fou6 2>/dev/null
modprobe ip_gre 2>/dev/null
modprobe ip6_gre 2>/dev/null

fwd_topo()
{
	local i ns links
	setup_ns C R D RS1 RS2 RS3 || return 1
	RS_NS=("$RS1" "$RS2" "$RS3")

	links="link add eth0 netns $C type veth peer name eth0 netns $R"$'\n'
	links+="link add eth0 netns $D type veth peer name d0 netns $R"$'\n'
	for i in 0 1 2; do
		links+="link add eth0 netns ${RS_NS[i]} type veth peer name rs$((i + 1)) netns $R"$'\n'
	done
	ip -b - <<<"$links" || return 1

	in_ns "$C" ip -b - <<-EOF || return 1
	addr add 10.0.1.2/24 dev eth0
	addr add fd00:1::2/64 dev eth0 nodad
	link set eth0 up
	route add default via 10.0.1.1
	route add default via fd00:1::1
	route add $VIP/32 via 10.0.1.1
	route add $VIP6/128 via fd00:1::1
	EOF

	in_ns "$R" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward;
		echo 1 >/proc/sys/net/ipv6/conf/all/forwarding; exec ip -b -' <<-EOF || return 1
	addr add 10.0.1.1/24 dev eth0
	addr add fd00:1::1/64 dev eth0 nodad
	link set eth0 up
	link add br0 type bridge
	addr add 10.0.2.1/24 dev br0
	addr add fd00:2::1/64 dev br0 nodad
	link set br0 up
	link set d0 master br0 up
	link set rs1 master br0 up
	link set rs2 master br0 up
	link set rs3 master br0 up
	route add $VIP/32 via $D_ADDR
	route add $VIP6/128 via $D_ADDR6
	EOF

	# The director holds the VIP too, as an IPVS director must; vlb does
	# not need it, but then the VIP's stray packets end there.
	in_ns "$D" ip -b - <<-EOF || return 1
	addr add $D_ADDR/24 dev eth0
	addr add $D_ADDR6/64 dev eth0 nodad
	addr add $VIP/32 dev lo
	addr add $VIP6/128 dev lo nodad
	link set eth0 up
	route add default via 10.0.2.1
	route add default via fd00:2::1
	EOF

	# Real servers: VIP on lo, never announced (arp_ignore/arp_announce;
	# IPv6 answers neighbour solicitations only for the interface's own
	# addresses); rp_filter off for what comes out of the tunnel.
	for i in 0 1 2; do
		ns=${RS_NS[i]}
		in_ns "$ns" sh -c '
			for k in all default eth0; do
				echo 1 >/proc/sys/net/ipv4/conf/$k/arp_ignore
				echo 2 >/proc/sys/net/ipv4/conf/$k/arp_announce
			done
			for k in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >$k; done' ||
			return 1
		in_ns "$ns" ip -b - <<-EOF || return 1
		addr add ${RS_ADDRS[i]}/24 dev eth0
		addr add ${RS6_ADDRS[i]}/64 dev eth0 nodad
		link set eth0 up
		addr add $VIP/32 dev lo
		addr add $VIP6/128 dev lo nodad
		route add default via 10.0.2.1
		route add default via fd00:2::1
		EOF
		if [[ -e /run/netns/$ns ]] && in_ns "$ns" ip link show tunl0 >/dev/null 2>&1; then
			in_ns "$ns" ip link set tunl0 up || return 1
			in_ns "$ns" sh -c 'echo 0 >/proc/sys/net/ipv4/conf/tunl0/rp_filter'
		fi
		if in_ns "$ns" ip link show ip6tnl0 >/dev/null 2>&1; then
			in_ns "$ns" ip link set ip6tnl0 up || return 1
		fi
		# GUE: fou sockets hand the inner packets to tunl0 / ip6tnl0.
		in_ns "$ns" ip -b - <<-EOF || return 1
		fou add port $GUE_PORT gue
		fou add port $GUE_PORT gue -6
		EOF
	done

	# What the client sends to the services, counted at the IP layer.
	in_ns "$C" nft -f - <<-EOF || return 1
	table inet vlbfwd {
		chain out {
			type filter hook output priority 0;
			ip daddr $VIP tcp dport 80 counter name tcp4
			ip daddr $VIP udp dport 80 counter name udp4
			ip6 daddr $VIP6 tcp dport 80 counter name tcp6
			ip6 daddr $VIP6 udp dport 80 counter name udp6
		}
		counter tcp4 {}
		counter udp4 {}
		counter tcp6 {}
		counter udp6 {}
	}
	EOF
}

# rs_gre CSUM: each real server's GRE devices, gre1 and ip6gre1, receiving
# from anywhere; with CSUM "icsum" they require (and check) GRE checksums,
# without they refuse checksummed packets.
rs_gre()
{
	local i ns
	for i in 0 1 2; do
		ns=${RS_NS[i]}
		in_ns "$ns" ip link del gre1 2>/dev/null
		in_ns "$ns" ip link del ip6gre1 2>/dev/null
		in_ns "$ns" ip -b - <<-EOF || return 1
		link add gre1 type gre local ${RS_ADDRS[i]} $1
		link add ip6gre1 type ip6gre local ${RS6_ADDRS[i]} $1
		link set gre1 up
		link set ip6gre1 up
		EOF
	done
}

# The director's checksum offload off: what it sends is checksummed in
# software (GSO segmented so too), so the servers check real sums.
director_csum_sw()
{
	in_ns "$D" "$PYTHON" - <<-'EOF'
	import array, fcntl, socket, struct
	val = array.array("I", [0x17, 0])          # ETHTOOL_STXCSUM, off
	ifr = struct.pack("16sQ", b"eth0", val.buffer_info()[0]) + bytes(16)
	s = socket.socket()
	fcntl.ioctl(s.fileno(), 0x8946, ifr)       # SIOCETHTOOL
	EOF
}

# csum_errors: checksum errors the real servers counted (UDP; GRE's count
# as receive errors of the GRE devices).
csum_errors()
{
	local i n=0 v
	for i in 0 1 2; do
		v=$(in_ns "${RS_NS[i]}" sh -c 'awk "/^Udp: [0-9]/ { print \$8 }" /proc/net/snmp
			awk "/^Udp6InCsumErrors/ { print \$2 }" /proc/net/snmp6
			awk "/gre1:/ { print \$4 }" /proc/net/dev')
		for v in $v; do n=$((n + v)); done
	done
	echo $n
}

# client_sent NAME: "packets bytes" of nft counter NAME in the client.
client_sent()
{
	in_ns "$C" nft list counter inet vlbfwd "$1" |
		sed -n 's/.*packets \([0-9]*\) bytes \([0-9]*\).*/\1 \2/p'
}

client_reset()
{
	in_ns "$C" nft reset counters table inet vlbfwd >/dev/null
}

# expect_turns ORDER ANSWERS: each server answers once per round, in the
# listing order or its reverse, from any start (see nat.sh).
expect_turns()
{
	local -a order=($1) ans=($2)
	local i n=${#order[@]} dir start=-1 ok
	((${#ans[@]} == n * ROUNDS)) || return 1
	for ((i = 0; i < n; i++)); do
		[[ ${order[i]} == "${ans[0]}" ]] && start=$i
	done
	((start >= 0)) || return 1
	for dir in 1 -1; do
		ok=1
		for ((i = 0; i < ${#ans[@]}; i++)); do
			[[ ${order[((start + dir * i) % n + n) % n]} == "${ans[i]}" ]] || ok=0
		done
		((ok)) && return 0
	done
	return 1
}

# dest_name ADDR:PORT (as listed): rs1..rs3.
dest_name()
{
	local a=${1%:*} i
	a=${a#[}
	a=${a%]}
	for i in 0 1 2; do
		[[ $a == "${RS_ADDRS[i]}" || $a == "${RS6_ADDRS[i]}" ]] && echo "rs$((i + 1))"
	done
}

# stats_match PROTO SVC WANT_IN_PKTS: polled until the director has counted
# every packet the client sent (the last ACK may still be on its way).
stats_match()
{
	local got
	got=$(in_ns "$D" "$VLBADM" -Ln --stats --exact | list_stats "$1" "$2")
	[[ $(cut -d' ' -f2 <<<"$got") == "$3" ]]
}

# run_case METHOD FLAG FAMILY: services on port 80 for TCP and UDP with
# three destinations forwarded by FLAG (-g or -i), traffic, checks.
run_case()
{
	local method=$1 flag=$2 fam=$3 vip svc proto order names ans listing
	local want got ok dest cnt len sent name i
	local -a v sum rs

	if [[ $fam == 4 ]]; then
		vip=$VIP
		svc=$VIP:80
		rs=("${RS_ADDRS[@]}")
	else
		vip=$VIP6
		svc=[$VIP6]:80
		rs=("[${RS6_ADDRS[0]}]" "[${RS6_ADDRS[1]}]" "[${RS6_ADDRS[2]}]")
	fi
	in_ns "$D" "$VLBADM" -C
	in_ns "$D" "$VLBADM" -R <<-EOF
	-A -t $svc -s rr
	-a -t $svc -r ${rs[0]}:80 $flag
	-a -t $svc -r ${rs[1]}:80 $flag
	-a -t $svc -r ${rs[2]}:80 $flag
	-A -u $svc -s rr
	-a -u $svc -r ${rs[0]}:80 $flag
	-a -u $svc -r ${rs[1]}:80 $flag
	-a -u $svc -r ${rs[2]}:80 $flag
	EOF
	listing=$(in_ns "$D" "$VLBADM" -Ln)
	diag "$listing"

	for proto in TCP UDP; do
		name="$method IPv$fam $proto"
		order=$(list_dests $proto "$svc" <<<"$listing" | xargs)
		names=
		for dest in $order; do names+="$(dest_name "$dest") "; done
		client_reset
		ans=$(client_requests ${proto,,} "$vip" 80 $((3 * ROUNDS)) | xargs)
		diag "$name answers: $ans"
		if expect_turns "$names" "$ans"; then
			ktap_test_pass "$name: rr answers in turn ($names)"
		else
			ktap_test_fail "$name: rr answers in turn ($names)"
		fi

		cnt=${proto,,}$fam
		read -r sent len < <(client_sent "$cnt")
		busywait 5000 stats_match $proto "$svc" "$sent"
		read -r sent len < <(client_sent "$cnt")
		diag "$name: the client sent $sent packets, $len bytes"
		# Inbound: what the client sent; outbound: nothing, the servers
		# answer past the director.
		want="$((3 * ROUNDS)) $sent 0 $len 0"
		listing=$(in_ns "$D" "$VLBADM" -Ln --stats --exact)
		got=$(list_stats $proto "$svc" <<<"$listing")
		ok=1
		if [[ $got != "$want" ]]; then
			diag "$name service counters: want '$want', got '$got'"
			ok=0
		fi
		sum=(0 0 0 0 0)
		for dest in $order; do
			read -ra v <<<"$(list_stats $proto "$svc" "$dest" <<<"$listing")"
			if [[ $proto == UDP ]]; then
				# One datagram per connection: exact per destination.
				[[ $fam == 4 ]] && i=$UDP_LEN4 || i=$UDP_LEN6
				[[ "${v[*]}" == "$ROUNDS $ROUNDS 0 $((ROUNDS * i)) 0" ]] ||
					{ diag "$dest: ${v[*]}"; ok=0; }
			else
				[[ ${v[0]} == "$ROUNDS" && ${v[2]} == 0 ]] ||
					{ diag "$dest: ${v[*]}"; ok=0; }
			fi
			for i in 0 1 2 3 4; do sum[i]=$((sum[i] + ${v[i]:-0})); done
		done
		if [[ "${sum[*]}" != "$want" ]]; then
			diag "$name destinations add up to '${sum[*]}', want '$want'"
			ok=0
		fi
		if ((ok)); then
			ktap_test_pass "$name: counters exact ($want)"
		else
			diag "$listing"
			ktap_test_fail "$name: counters exact"
		fi
	done
}

# conns_of SVC: "active inactive" summed over the TCP service's dests.
conns_of()
{
	in_ns "$D" "$VLBADM" -Ln | awk -v s="$1" '
		$1 != "->" { cur = ($1 == "TCP" && $2 == s) }
		$1 == "->" && cur && $2 != "RemoteAddress:Port" { a += $5; i += $6 }
		END { print a + 0, i + 0 }'
}

conns_are()
{
	[[ $(conns_of "$1") == "$2" ]]
}

# Active/inactive as IPVS counts them: the connections of run_case are
# closed (inactive); one held open after its handshake is active.
check_active()
{
	local got
	got=$(conns_of "$VIP:80")
	# The client holds a connection open: established, so active.
	(exec nsenter --net="/run/netns/$C" bash -c \
		"exec 3<>/dev/tcp/$VIP/80; exec sleep 30") &
	local holder=$!
	if busywait 5000 conns_are "$VIP:80" "1 $((3 * ROUNDS))"; then
		ktap_test_pass "DR: an established connection counts active, closed ones inactive ($got -> $(conns_of "$VIP:80"))"
	else
		diag "$(in_ns "$D" "$VLBADM" -Lnc)"
		ktap_test_fail "DR: an established connection counts active, closed ones inactive ($got -> $(conns_of "$VIP:80"))"
	fi
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	# Its FIN (and the RST of a killed process) end it: inactive again.
	if busywait 5000 conns_are "$VIP:80" "0 $((3 * ROUNDS + 1))"; then
		ktap_test_pass "DR: a connection the client closed counts inactive"
	else
		diag "$(in_ns "$D" "$VLBADM" -Lnc)"
		ktap_test_fail "DR: a connection the client closed counts inactive ($(conns_of "$VIP:80"))"
	fi
}

# pmtu_case FAMILY WANT [NAME]: a datagram too big for the tunnel with DF
# set must not pass, and the client must learn the tunnel's MTU, WANT, from
# the director.
pmtu_case()
{
	local fam=$1 want=$2 name=${3:-TUN} vip out
	[[ $fam == 4 ]] && vip=$VIP || vip=$VIP6
	# Forget the path MTU learnt before: it hangs on the route's next hop,
	# which IPv4 shares between equal routes; a new protocol number makes
	# the route (and its next hop) new.
	PMTU_PROTO=$((${PMTU_PROTO:-199} + 1))
	if [[ $fam == 4 ]]; then
		in_ns "$C" ip route replace $VIP/32 via 10.0.1.1 proto $PMTU_PROTO
	else
		in_ns "$C" ip route replace $VIP6/128 via fd00:1::1 proto $PMTU_PROTO
	fi
	out=$(in_ns "$C" "$PYTHON" - "$vip" "$fam" <<-'EOF'
	import socket, sys, time
	addr, fam = sys.argv[1], sys.argv[2]
	if fam == "4":
	    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    s.setsockopt(socket.IPPROTO_IP, 10, 2)    # IP_MTU_DISCOVER, DO
	    size, mtu_opt = 1500 - 28, (socket.IPPROTO_IP, 14)  # IP_MTU
	else:
	    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
	    s.setsockopt(socket.IPPROTO_IPV6, 23, 2)  # IPV6_MTU_DISCOVER, DO
	    size, mtu_opt = 1500 - 48, (socket.IPPROTO_IPV6, 24)  # IPV6_MTU
	s.settimeout(1)
	s.connect((addr, 8080))
	res = "none"
	for _ in range(20):
	    try:
	        s.send(b"x" * size)
	    except OSError as e:
	        res = "error %d" % e.errno
	        break
	    time.sleep(0.1)
	print(res, s.getsockopt(*mtu_opt))
	EOF
	)
	diag "IPv$fam: client after oversize DF datagrams: $out"
	# EMSGSIZE (90) and the path MTU lowered by the director's ICMP.
	ktap_test_result "$name IPv$fam: oversize DF datagram gets frag needed / packet too big (MTU $want)" \
		test "$out" == "error 90 $want"
}

if ! fwd_topo || ! topo_servers 80; then
	for i in $(seq 46); do ktap_test_fail "topology"; done
	ktap_finished
fi

run_case DR -g 4
check_active
run_case DR -g 6
run_case TUN -i 4
run_case TUN -i 6

# A UDP service on port 8080 for the MTU checks (nothing listens there: the
# datagrams that pass are dropped by the servers).
in_ns "$D" "$VLBADM" -R <<-EOF
-A -u $VIP:8080 -s rr
-a -u $VIP:8080 -r ${RS_ADDRS[0]}:8080 -i
-A -u [$VIP6]:8080 -s rr
-a -u [$VIP6]:8080 -r [${RS6_ADDRS[0]}]:8080 -i
EOF
pmtu_case 4 1480
pmtu_case 6 1460

# GUE and GRE: the MTU less outer IP, UDP + GUE (12) or GRE (4) headers.
in_ns "$D" "$VLBADM" -R <<-EOF
-e -u $VIP:8080 -r ${RS_ADDRS[0]}:8080 -i --tun-type gue --tun-port $GUE_PORT
-e -u [$VIP6]:8080 -r [${RS6_ADDRS[0]}]:8080 -i --tun-type gre
EOF
pmtu_case 4 1468 GUE
pmtu_case 6 1456 GRE

# The path between director and real server narrows: a router there (rs1
# plays it) says the director's outer packets are too big. The director
# must lower its path MTU to rs1 and pass the smaller MTU on to clients.
in_ns "$D" "$VLBADM" -R <<-EOF
-e -u $VIP:8080 -r ${RS_ADDRS[0]}:8080 -i
-e -u [$VIP6]:8080 -r [${RS6_ADDRS[0]}]:8080 -i
EOF
in_ns "$RS1" "$PYTHON" - "$D_ADDR" "${RS_ADDRS[0]}" "$D_ADDR6" "${RS6_ADDRS[0]}" <<-'EOF'
import socket, struct, sys
d4, r4, d6, r6 = sys.argv[1:5]
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
# The quoted outer packet: IPv4, protocol 4 (IPIP), director -> rs1.
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1500, 1, 0x4000, 63, 4, 0,
                 socket.inet_aton(d4), socket.inet_aton(r4))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
body = struct.pack("!BBHHH", 3, 4, 0, 0, 1300) + ip + b"\x45" + b"\0" * 7
body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(body, (d4, 0))
# IPv6: packet too big, MTU 1400, about an IPv6-in-IPv6 packet.
ip6 = struct.pack("!IHBB16s16s", 6 << 28, 1460, 41, 63,
                  socket.inet_pton(socket.AF_INET6, d6),
                  socket.inet_pton(socket.AF_INET6, r6))
body = struct.pack("!BBHI", 2, 0, 0, 1400) + ip6 + b"\x60" + b"\0" * 39
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.sendto(body, (d6, 0))
EOF
diag "director's route to rs1 now: $(in_ns "$D" ip route get "${RS_ADDRS[0]}" | xargs)"
pmtu_case 4 1280 "TUN, outer MTU 1300 from the path,"
pmtu_case 6 1360 "TUN, outer MTU 1400 from the path,"

director_csum_sw || diag "could not turn the director's checksum offload off"
GUE="-i --tun-type gue --tun-port $GUE_PORT"
err0=$(csum_errors)
run_case GUE "$GUE" 4
run_case GUE-remcsum "$GUE --tun-remcsum" 4
run_case GUE-csum "$GUE --tun-csum" 6
rs_gre icsum || diag "GRE devices with icsum: failed"
run_case GRE-csum "-i --tun-type gre --tun-csum" 4
rs_gre || diag "GRE devices: failed"
run_case GRE "-i --tun-type gre" 6
err1=$(csum_errors)
ktap_test_result "GUE, GRE: the real servers found no bad checksum ($err0 -> $err1)" \
	test "$err0" == "$err1"

got=$(in_ns "$D" "$VLBADM" -C && in_ns "$D" "$VLBADM" -Sn)
ktap_test_result "flush leaves nothing" test -z "$got"

ktap_finished

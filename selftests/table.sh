#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The connection table under load, with real packets:
#   limit    net.vlb.conn_max bounds the table: a SYN flood of 2,000 raw
#            SYNs past a limit of 200 leaves at most the limit (plus one
#            per CPU) in the table, is counted as drops, refuses new
#            connections while the table is full, and does not disturb an
#            established connection; raising the limit admits new ones.
#   growth   pktgen in the client sends 2^20 distinct UDP flows to a NAT
#            service: the table grows from 256 buckets to hold a million
#            entries, memory per entry (slab pages of the vlb_conn cache
#            plus the buckets, over the entries) is at most 128 bytes,
#            and after a flush the table shrinks back.
#   floor    conn_tab_bits out of range is refused at load, naming it; at
#            conn_tab_bits=18 (8 shards of 2^15 buckets) the table starts
#            at and never shrinks below 2^18 buckets, 20,000 flows in it
#            are all listed by -Lnc (a dump across the shards) and all
#            expire (the GC walks every shard); an entry past its timeout
#            neither matches nor is listed before the GC frees it.

. "$(dirname "$0")/lib.sh"

require_root
[[ -r $VLB_KO && -x $VLBADM ]] || ktap_skip_all "vlb.ko or vlbadm not built"
require_command nft

adm()
{
	in_ns "$D" "$VLBADM" "$@"
}

# info KEY: a number from the namespace's `-L --json` header.
info()
{
	adm -Ln --json | "$PYTHON" -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}

ktap_print_header
ktap_set_plan 18

if ! vlb_load || ! topo_create || ! topo_servers 80; then
	ktap_test_fail "topology, servers and vlb.ko"
	for i in $(seq 10); do ktap_test_skip "table check" "no topology"; done
	ktap_finished
fi
ktap_test_pass "topology and vlb.ko"

# ---------------------------------------------------------------- limit
adm -R <<-EOF
-A -t $VIP:80 -s rr
-a -t $VIP:80 -r ${RS_ADDRS[0]}:80 -m
-a -t $VIP:80 -r ${RS_ADDRS[1]}:80 -m
-a -t $VIP:80 -r ${RS_ADDRS[2]}:80 -m
EOF
in_ns "$D" sh -c 'echo 200 >/proc/sys/net/vlb/conn_max'

# An established connection, opened before the flood and used after it.
coproc HELD { in_ns "$C" "$PYTHON" -u -c "$HELD_CLIENT" "$VIP" 80 2>&1; }
read -r -t 30 -u "${HELD[0]}" up
# The flood comes from an address that answers nothing, as a spoofed one
# would: the client drops the SYN-ACKs instead of resetting, so the
# half-open connections stay in the table (60 s in SYN_RECV).
ip -n "$C" addr add 10.0.5.1/32 dev eth0
in_ns "$C" nft -f - <<-EOF
table ip vlbflood {
	chain in {
		type filter hook input priority 0;
		ip daddr 10.0.5.1 drop
	}
}
EOF
ip -n "$D" -b - <<-EOF
route add 10.0.5.0/24 dev eth0
neigh replace 10.0.5.1 lladdr $CLIENT_MAC nud permanent dev eth0
EOF
flood=$(in_ns "$C" "$PYTHON" "$NETHELPER" rawtcp --src 10.0.5.1 --dst "$VIP" \
	--dport 80 --sports 40000-41999 --flags S)
count=$(info conn_count)
drops=$(info conn_drops)
diag "flood of $flood SYNs at conn_max 200: $count entries, $drops dropped"
ktap_test_result "SYN flood: the table stays at conn_max (200 + one per CPU)" \
	test "$flood" = 2000 -a "$count" -ge 200 -a "$count" -le $((200 + $(nproc)))
ktap_test_result "SYN flood: the refused SYNs are counted as drops" \
	test "$drops" -ge $((flood - 200 - $(nproc)))
full=$(client_requests tcp "$VIP" 80 1 2>&1 | head -n1)
diag "a new connection while full: $full"
ktap_test_result "table full: a new connection is refused" \
	eval '[[ $full == error* ]]'
echo go >&"${HELD[1]}"
read -r -t 10 -u "${HELD[0]}" held
diag "the established connection after the flood: $up, $held"
ktap_test_result "SYN flood: the established connection still works" \
	eval '[[ $up == up && $held == rs[123] ]]'
in_ns "$D" sh -c 'echo 1000000000 >/proc/sys/net/vlb/conn_max'
after=$(client_requests tcp "$VIP" 80 1 2>&1 | head -n1)
ktap_test_result "conn_max raised: new connections are accepted again ($after)" \
	eval '[[ $after == rs[123] ]]'
adm -C

# --------------------------------------------------------------- growth
# 16 source addresses x 65533 source ports (pktgen stops short of
# udp_src_max): it steps both every packet and the counts are coprime, so
# 16 x 65533 packets are as many distinct flows.
NFLOWS=$((16 * 65533))
WANT=1000000
adm -R <<-EOF
-A -u $VIP:5000 -s rr
-a -u $VIP:5000 -r ${RS_ADDRS[0]}:9 -m
-a -u $VIP:5000 -r ${RS_ADDRS[1]}:9 -m
-a -u $VIP:5000 -r ${RS_ADDRS[2]}:9 -m
EOF
ip -n "$D" route add 10.0.4.0/28 dev eth0
for i in $(seq 0 15); do
	echo "neigh replace 10.0.4.$i lladdr $CLIENT_MAC nud permanent dev eth0"
done | ip -n "$D" -b -
size0=$(info conn_tab_size)
# The director takes the packets in softirq as fast as TCG lets it; a
# deep backlog keeps the veth from dropping a burst.
backlog=$(cat /proc/sys/net/core/netdev_max_backlog)
echo 300000 >/proc/sys/net/core/netdev_max_backlog
defer sh -c "echo $backlog >/proc/sys/net/core/netdev_max_backlog"
modprobe pktgen
pg()
{
	in_ns "$C" sh -c "echo '$2' >/proc/net/pktgen/$1"
}
# pg_flows SETTING...: pktgen on the client's eth0 afresh, 64-byte UDP to
# $VIP:5000 from 10.0.4.0-15, source ports from 2, and the SETTINGs (the
# count, the rate, the last source port).
pg_flows()
{
	local c
	pg kpktgend_0 "rem_device_all"
	pg kpktgend_0 "add_device eth0"
	for c in "clone_skb 0" "pkt_size 64" "dst $VIP" \
		"dst_mac $DIRECTOR_MAC" "src_min 10.0.4.0" "src_max 10.0.4.15" \
		"udp_src_min 2" "udp_dst_min 5000" "udp_dst_max 5000" "$@"; do
		pg eth0 "$c"
	done
}
pg_flows "count $NFLOWS" "delay 0" "udp_src_max 65535"
t0=$(date +%s)
# Passes until the table holds them: flows lost to a full queue (the
# generator outruns an emulated director) are made by a later pass. The
# UDP timeout is raised so that no entry expires meanwhile on a slow host.
adm --set 0 0 3600
count=0
for pass in 1 2 3 4 5 6; do
	last=$count
	pg pgctrl start		# returns when pktgen has sent them all
	busywait 30000 eval '(( $(info conn_count) >= NFLOWS ))'
	count=$(info conn_count)
	diag "pass $pass: $count entries, $(info conn_drops) refused"
	((count >= WANT || count == last)) && break
done
adm --set 0 0 300
secs=$(($(date +%s) - t0))
pg kpktgend_0 "rem_device_all"
size=$(info conn_tab_size)
diag "$count entries after $pass pass(es) in ${secs}s; buckets $size0 -> $size"
ktap_test_result "a million UDP flows are tracked ($count)" test "$count" -ge $WANT
ktap_test_result "the table grew from $size0 buckets to hold them (load <= 1)" \
	test "$size" -ge "$count" -a "$size0" -le 1024

# /proc/slabinfo: name active num objsize objperslab pagesperslab : ... :
# slabdata active_slabs num_slabs sharedavail. Nothing else uses the cache.
slab=$(awk '$1 == "vlb_conn"' /proc/slabinfo)
diag "slabinfo: $slab"
read -r objsize perslab pages slabs < <(awk '$1 == "vlb_conn" {
	print $4, $5, $6, $15 }' /proc/slabinfo)
pagesz=$(getconf PAGESIZE)
bytes=$((slabs * pages * pagesz + size * 8))
per=$(awk -v b="$bytes" -v n="$count" 'BEGIN { printf "%.1f", b / n }')
diag "memory: $slabs slabs x $pages pages ($objsize-byte objects, $perslab a slab) + $size buckets x 8 = $bytes bytes = $per bytes per connection"
ktap_test_result "vlb_conn is a cache of its own" test -n "$slab"
if [[ $(cat /sys/kernel/slab/vlb_conn/red_zone 2>/dev/null) == 1 ]]; then
	ktap_test_skip "memory per connection <= 128 bytes ($per)" \
		"vlb_conn is under slub_debug (VLB_VM_SLUB_DEBUG): not its real layout"
else
	ktap_test_result "memory per connection <= 128 bytes ($per)" \
		awk -v p="$per" 'BEGIN { exit !(p > 0 && p <= 128) }'
fi

adm -C
busywait 60000 eval '(( $(info conn_tab_size) <= 1024 ))'
shrunk=$(info conn_tab_size)
ktap_test_result "after a flush the table shrinks back ($size -> $shrunk buckets)" \
	test "$shrunk" -le 1024

# ---------------------------------------------------------------- floor
vlb_unload
dmesg -C
if vlb_load conn_tab_bits=25; then
	ktap_test_fail "conn_tab_bits=25 is refused"
	vlb_unload
else
	msg=$(dmesg | grep -o 'vlb: conn_tab_bits=25 is out of range.*')
	diag "insmod conn_tab_bits=25: $msg"
	ktap_test_result "conn_tab_bits=25 is refused, naming the parameter" \
		test -n "$msg"
fi
vlb_load conn_tab_bits=18
size=$(info conn_tab_size)
ktap_test_result "conn_tab_bits=18: the table starts at 2^18 buckets ($size)" \
	test "$size" = 262144
adm -R <<-EOF
-A -u $VIP:5000 -s rr
-a -u $VIP:5000 -r ${RS_ADDRS[0]}:9 -m
-a -u $VIP:5000 -r ${RS_ADDRS[1]}:9 -m
EOF
# 16 addresses x 1251 ports, coprime steps again: 20,000 flows, made with
# a 30 s timeout so that they outlive the listing and then all expire.
NFLOWS=20000
pg_flows "count $NFLOWS" "ratep 20000" "udp_src_max 1253"
adm --set 0 0 30
pg pgctrl start
pg kpktgend_0 "rem_device_all"
busywait 10000 eval '(( $(info conn_count) >= NFLOWS ))'
count=$(info conn_count)
listed=$(adm -Lnc | grep -c '^UDP')
diag "$count entries, $listed listed by -Lnc"
ktap_test_result "all $count entries of 8 shards are listed by -Lnc ($listed)" \
	test "$listed" = "$count" -a "$count" -ge $((NFLOWS * 9 / 10))
busywait 90000 eval '(( $(info conn_count) == 0 ))'
left=$(info conn_count)
ktap_test_result "the GC expires the entries of every shard ($left left)" \
	test "$left" = 0
# An entry past its timeout no longer matches, though the GC (a pass over
# 2^18 buckets takes seconds) has most likely not freed it yet: the next
# datagram of the flow makes a new connection. (Without the check it
# revived the old one unless the GC had come by; one in ten would pass.)
svc_made()
{
	adm -Ln --stats --exact | list_stats UDP "$VIP:5000" | cut -d' ' -f1
}
adm --set 0 0 2
pg_flows "count 1" "src_max 10.0.4.0" "udp_src_max 2"
made=$(svc_made)
pg pgctrl start
sleep 2.5
pg pgctrl start
made=$(($(svc_made) - made))
listed=$(adm -Lnc | awk '$4 == "10.0.4.0:2"' | wc -l)
diag "one flow, two datagrams 2.5 s apart: $made connections made, $listed listed"
ktap_test_result "an expired entry does not match: the flow is made anew" \
	test "$made" = 2 -a "$listed" = 1
# Nor is it listed: 200 flows are in -Lnc, and not once they time out,
# though most are still in the table. (Without the check nearly all were.)
# Ports 2-14 (pktgen stops short of the maximum): 13 of them against 16
# addresses, coprime, so 200 packets are 200 flows.
pg_flows "count 200" "udp_src_max 15"
pg pgctrl start
busywait 10000 eval '(( $(adm -Lnc | grep -c "^UDP") >= 150 ))'
before=$(adm -Lnc | grep -c '^UDP')
sleep 2.5
after=$(adm -Lnc | grep -c '^UDP')
diag "200 flows: $before listed, $after after their timeout; $(info conn_count) not yet freed"
ktap_test_result "entries past their timeout are not listed by -Lnc" \
	test "$before" -ge 150 -a "$after" = 0
adm -C
size=$(info conn_tab_size)
ktap_test_result "the table stays at its floor of 2^18 buckets ($size)" \
	test "$size" = 262144
adm --set 0 0 300
vlb_unload
vlb_load

ktap_finished

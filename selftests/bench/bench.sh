#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: vlb against the kernel's own IPVS (configured identically
# with Debian's ipvsadm) and against plain IP forwarding, in one QEMU guest
# and one run, in interleaved rounds (vlb, ipvs, fwd, vlb, ipvs, fwd, ...)
# so that the emulator's drift hits all three alike. Measured:
#
#   pps      established-flow packets/s for NAT, DR and TUN: pktgen sends
#            small UDP packets over 1,000 flows from the client, the real
#            server counts what arrives (and drops it in tc, before IP);
#   cps      new TCP connections/s through a NAT rr service of 2 real
#            servers (tcpconn.c: a whole connection lifetime each); the
#            end points bound it, so the director takes a packet at a time
#            and its cost is mostly interrupt delivery, which forwarding
#            pays alike: shown, not judged against a target;
#   newflow  new connections/s as the director alone sees them: every
#            packet a new UDP flow; rr and wlc, 2 against 1,000 real servers;
#            and every packet a new TCP connection's SYN (rr, 2 servers);
#   dests    the TCP cps with rr and wlc, 2 against 1,000 real servers;
#   table    established-flow packets/s with 10 thousand and 1 million
#            entries in the connection table (pre-filled by pktgen), and the
#            memory one connection costs at 1 million (slab + hash table);
#   huge     vlb alone (IPVS would need 3.5 GB) grows its table to 10
#            million entries: the entries reached, the memory each costs,
#            and established-flow packets/s over all of them; first round
#            only.
#
# Beside each rate, the director's CPU time per packet or connection: the
# director's receive processing is steered (RPS) to CPU 1, the generator and
# the end points run on CPU 0, and /proc/stat gives CPU 1's busy time. When
# the generator, not the director, is the bottleneck (plain forwarding, or
# end points that cost more than the balancer), the rate says little and
# the CPU cost is the comparison.
#
# Only ratios mean anything: absolute rates of an emulated CPU do not.
#
# Host:  bench.sh [--kernel=KVER] [--rounds=N] [--quick] [--tests="pps cps
#        dests table"] [--seconds=S]
#        boots the guest (selftests/vm/run-vm.sh), then prints the table of
#        medians and writes build/bench/result.txt and result.json.
# Guest: bench.sh --inside ...: the measurements; one "sample METRIC
#        SUBJECT ROUND VALUE" line per measurement, for report.py.

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
rounds=${ROUNDS:-}
tests="pps newflow cps dests table huge"
seconds=
quick=0
kver=${KVER:-}
inside=0
for arg; do
	case $arg in
	--kernel=*) kver=${arg#*=} ;;
	--rounds=*) rounds=${arg#*=} ;;
	--tests=*) tests=${arg#*=} ;;
	--seconds=*) seconds=${arg#*=} ;;
	--quick) quick=1 ;;
	--inside) inside=1 ;;
	-h|--help) sed -n '3,35s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown argument $arg" >&2; exit 2 ;;
	esac
done
if ((quick)); then
	rounds=${rounds:-1}
	seconds=${seconds:-2}
fi
rounds=${rounds:-5}
seconds=${seconds:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: bad round count '$rounds'" >&2; exit 2; }

# ------------------------------------------------------------------ host

if ((!inside)); then
	if [[ -z $kver ]]; then
		# 6.12 by default: the newer of Debian 12's two kernels.
		kver=$(ls -d /lib/modules/6.12*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' |
			sort -V | tail -n 1)
		[[ -n $kver ]] || kver=$(ls -d /lib/modules/*/build 2>/dev/null |
			sed 's|/lib/modules/||;s|/build||' | sort -V | tail -n 1)
	fi
	for f in "$top/build/$kver/vlb.ko" "$top/tools/vlbadm/vlbadm" \
		"$top/build/bench/tcpconn"; do
		[[ -e $f ]] || { echo "bench.sh: $f is missing (make bench builds it)" >&2; exit 1; }
	done
	out=$top/build/bench
	dir=$out/vm-$kver.run$$
	mkdir -p "$dir"
	# The guest's settings, passed on.
	env=
	for v in VLB_BENCH_DEBUG_OK VLB_BENCH_PROFILE VLB_BENCH_PROFILE_MIN \
		VLB_BENCH_PROFILE_LINES; do
		env+="$v=${!v:-} "
	done
	echo "${env}exec ./selftests/bench/bench.sh --inside --rounds=$rounds --seconds=$seconds" \
		"--tests=\"$tests\" $( ((quick)) && echo --quick)" >"$dir/cmd.sh"
	echo "# vlb bench on $kver: $rounds round(s), ${seconds}s windows, tests: $tests"
	# slab_nomerge: vlb_conn and ip_vs_conn keep caches of their own, so
	# /proc/slabinfo shows each one's memory. slub_debug=-,vlb*: run-vm.sh
	# turns on slab debugging for vlb's caches (for the tests); a later
	# setting for the same caches wins, and a benchmark must not pay for
	# red zones and poisoning that IPVS does not have.
	# Other guests on this host share its CPUs with ours: say so.
	others=$(pgrep -c qemu-system 2>/dev/null)
	if ((others > 0)); then
		echo "# warning: $others other QEMU guest(s) running on this host: expect more noise"
	fi
	t0=$SECONDS
	VLB_VM_APPEND="slab_nomerge slub_debug=-,vlb* ${VLB_BENCH_APPEND:-} ${VLB_VM_APPEND:-}" \
	VLB_VM_MEM=${VLB_VM_MEM:-4096} \
		"$top/selftests/vm/run-vm.sh" --kernel="$kver" --dir="$dir" \
		--timeout="${VLB_BENCH_TIMEOUT:-3600}" --follow "$dir/cmd.sh"
	rc=$?
	secs=$((SECONDS - t0))
	rm -rf "$out/vm-$kver"
	mv "$dir" "$out/vm-$kver"
	log=$out/vm-$kver/result.log
	echo "# guest finished with status $rc after ${secs}s"
	/usr/bin/python3 "$here/report.py" --kernel="$kver" --rounds="$rounds" \
		--seconds="$secs" --json="$out/result.json" "$log" >"$out/result.txt" || rc=1
	echo "# $rounds round(s) in ${secs}s; guest exit status $rc" >>"$out/result.txt"
	((others > 0)) && echo "# warning: $others other QEMU guest(s) shared this host's CPUs" \
		>>"$out/result.txt"
	echo
	cat "$out/result.txt"
	echo "# written: build/bench/result.txt, build/bench/result.json"
	exit $rc
fi

# ----------------------------------------------------------------- guest

. "$top/selftests/lib.sh"
trap cleanup_all EXIT
TCPCONN=$top/build/bench/tcpconn
USER_HZ=$(getconf CLK_TCK)

# Addresses. The client sends from 10.0.1.2 (TCP) and, for the table fill,
# from 10.0.1.16-31 too (10.3.0.1-160 for 10 million, routed back via the
# client); the server holds both real-server addresses of the
# small services and the 1,000 of the large one (10.0.4-7.1-250).
CLIENT=10.0.1.2
VIP=10.0.1.100
RS_A=10.0.2.11
RS_B=10.0.2.12
C_MAC=02:00:0a:00:01:02
D0_MAC=02:00:0a:00:01:01
D1_MAC=02:00:0a:00:02:01
S_MAC=02:00:0a:00:02:0b
G_MAC=02:00:0a:00:09:01
UDP_PORT=9
# The TCP port of the SYN new-connection test (the tcpconn server's is
# TCP_PORT).
SYN_PORT=9
PG_DEV=eth0
TCP_PORT=80
PARALLEL=${VLB_BENCH_PARALLEL:-16}
# The longest a table fill may take (s): IPVS's new-flow rate falls as its
# table fills, and a busy host makes it worse.
FILL_MAX=${VLB_BENCH_FILL_MAX:-240}
big=1000000
huge=10000000
((quick)) && big=100000 huge=0

fail()
{
	echo "bench: error: $*"
	exit 1
}

note()
{
	echo "# $*"
}

# sample METRIC SUBJECT ROUND VALUE: one measurement, for report.py.
sample()
{
	echo "sample $1 $2 $3 $4"
}

# ---------------------------------------------------------- topology
#
#   client ns $C              director ns $D                server ns $S
#   eth0 10.0.1.2/24 ------ eth0 10.0.1.1/24  eth1 10.0.2.1/24 ------ eth0 10.0.2.11/24
#   (pktgen, tcpconn         VIP 10.0.1.100 on lo                 10.0.2.12/24
#    client; CPU 0)          (receive on CPU 1)                   10.0.4-7.x/32
#                                                                 (tcpconn server,
#                                                                  tc drop; CPU 0)
#
# All neighbours are permanent: no ARP to lose, and the director never
# forwards into an unresolved neighbour. The real server drops the UDP test
# traffic (and the IPIP of TUN) in tc ingress, before IP, so that nothing
# answers and what it costs is the same for every balancer.

topo()
{
	local i j batch=

	setup_ns C D S || return 1
	ip -b - <<-EOF || return 1
	link add eth0 address $C_MAC netns $C type veth peer name eth0 address $D0_MAC netns $D
	link add eth1 address $D1_MAC netns $D type veth peer name eth0 address $S_MAC netns $S
	EOF
	# /sys must show the namespace for the RPS masks: ip netns exec.
	ip netns exec "$C" sh -c '
		echo 1 >/sys/class/net/eth0/queues/rx-0/rps_cpus
		echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
		echo "1024 65535" >/proc/sys/net/ipv4/ip_local_port_range' || return 1
	ip netns exec "$D" sh -c '
		echo 2 >/sys/class/net/eth0/queues/rx-0/rps_cpus
		echo 2 >/sys/class/net/eth1/queues/rx-0/rps_cpus
		echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
		echo 1 >/proc/sys/net/ipv4/ip_forward
		for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >$f; done' || return 1
	ip netns exec "$S" sh -c '
		echo 1 >/sys/class/net/eth0/queues/rx-0/rps_cpus
		echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6' || return 1

	ip -n "$C" -b - <<-EOF || return 1
	addr add $CLIENT/24 dev eth0
	link set eth0 up
	route add default via 10.0.1.1
	neigh replace 10.0.1.1 lladdr $D0_MAC nud permanent dev eth0
	EOF

	batch="addr add 10.0.1.1/24 dev eth0
addr add $VIP/32 dev lo
link set eth0 up
addr add 10.0.2.1/24 dev eth1
link set eth1 up
route add 10.0.4.0/22 via $RS_A
route add 10.3.0.0/24 via $CLIENT
neigh replace $CLIENT lladdr $C_MAC nud permanent dev eth0
neigh replace $RS_A lladdr $S_MAC nud permanent dev eth1
neigh replace $RS_B lladdr $S_MAC nud permanent dev eth1"
	for i in $(seq 16 31); do
		batch+=$'\n'"neigh replace 10.0.1.$i lladdr $C_MAC nud permanent dev eth0"
	done
	ip -n "$D" -b - <<<"$batch" || return 1

	batch="addr add $RS_A/24 dev eth0
addr add $RS_B/24 dev eth0
link set eth0 up
route add default via 10.0.2.1
neigh replace 10.0.2.1 lladdr $D1_MAC nud permanent dev eth0"
	for i in 4 5 6 7; do
		for ((j = 1; j <= 250; j++)); do
			batch+=$'\n'"addr add 10.0.$i.$j/32 dev eth0"
		done
	done
	ip -n "$S" -b - <<<"$batch" || return 1

	in_ns "$S" tc -b - <<-EOF || return 1
	qdisc add dev eth0 clsact
	filter add dev eth0 ingress protocol ip pref 1 flower ip_proto udp dst_port $UDP_PORT action drop
	filter add dev eth0 ingress protocol ip pref 2 flower ip_proto 4 action drop
	filter add dev eth0 ingress protocol ip pref 3 flower ip_proto tcp dst_port $SYN_PORT action drop
	EOF

	# The SYN generator. pktgen makes UDP only: its packets enter on gen0
	# (a veth with no address), where tc turns each into a TCP SYN of 40
	# bytes (protocol 6, IP length 40, data offset 5, flags SYN, window
	# 65535, checksums computed; the ports stay, so the flows are pktgen's)
	# and hands it to eth0's receive path. That work is done on CPU 0, by
	# the generator; RPS then steers the SYN to CPU 1 like any packet from
	# the client.
	ip -n "$D" -b - <<-EOF || return 1
	link add gen0 address $G_MAC type veth peer name gen1
	link set gen1 up
	link set gen0 up
	EOF
	in_ns "$D" tc -b - <<-EOF || return 1
	qdisc add dev gen0 clsact
	filter add dev gen0 ingress protocol ip pref 1 flower ip_proto udp dst_port $SYN_PORT action pedit munge offset 9 u8 set 6 munge offset 2 u16 set 40 munge offset 32 u32 set 0x5002ffff munge offset 36 u32 set 0 pipe action csum ip4h tcp pipe action mirred ingress redirect dev eth0
	EOF

	# A process in the server's and the director's namespaces, so that
	# their counters can be read from /proc/PID/net with no process
	# started per sample.
	nsenter --net="/run/netns/$S" sleep infinity &
	S_PID=$!
	defer kill "$S_PID"
	nsenter --net="/run/netns/$D" sleep infinity &
	D_PID=$!
	defer kill "$D_PID"
	# The TCP server of the cps tests, on CPU 0 with the client.
	exec {SRV_FD}< <(exec nsenter --net="/run/netns/$S" taskset -c 0 "$TCPCONN" server $TCP_PORT 2>&1)
	SRV_PID=$!
	defer kill "$SRV_PID"
	local line
	read -r -t 30 -u "$SRV_FD" line
	[[ $line == ready ]] || { note "tcpconn server: $line"; return 1; }
}

# -------------------------------------------------------------- samples

# snap: reads, with shell builtins only (so the window's edges are where
# they are meant to be), SNAP_T (µs), SNAP_RX (packets the server
# received), SNAP_IDLE0/1 (idle time of CPU 0/1 in USER_HZ units),
# SNAP_SENT (what pktgen injected) and SNAP_DROP (packets CPU 1's backlog
# refused). Busy time is the window less idle time: the kernel measures
# idle time by the clock, while busy "ticks" get lost whenever the host
# does not run the vCPU's thread at a tick (on two host cores, often).
snap()
{
	local line f
	SNAP_T=${EPOCHREALTIME/./}
	while read -r line; do
		if [[ $line == eth0:* ]]; then
			read -ra f <<<"${line#eth0:}"
			SNAP_RX=${f[1]}
			break
		fi
	done <"/proc/$S_PID/net/dev"
	while read -ra f; do
		case ${f[0]} in
		cpu0) SNAP_IDLE0=$((f[4] + f[5])) ;;
		cpu1) SNAP_IDLE1=$((f[4] + f[5])); break ;;
		esac
	done </proc/stat
	SNAP_SENT=0
	if [[ -r /proc/$D_PID/net/pktgen/$PG_DEV ]]; then
		while read -ra f; do
			[[ ${f[0]} == pkts-sofar: ]] && { SNAP_SENT=${f[1]}; break; }
		done <"/proc/$D_PID/net/pktgen/$PG_DEV"
	fi
	{ read -r line; read -ra f; } </proc/net/softnet_stat
	SNAP_DROP=$((16#${f[1]}))
}

server_rx()
{
	snap
	echo "$SNAP_RX"
}

# rx_grows N: the server has received N packets more than at the last
# rx_mark.
rx_mark()
{
	snap
	RX_MARK=$SNAP_RX
}

rx_grows()
{
	snap
	((SNAP_RX - RX_MARK >= $1))
}

rx_grows_from()
{
	snap
	((SNAP_RX - $1 >= $2))
}

# window SECONDS: "pps us_per_packet cpu0% cpu1% injected/s dropped/s"
# over SECONDS of the traffic running: what the server received, CPU 1's
# busy time per packet received, both CPUs' load, what pktgen injected and
# what CPU 1's backlog refused (the director's excess).
window()
{
	local t0 rx0 i0 i1 s0 d0
	snap
	t0=$SNAP_T rx0=$SNAP_RX i0=$SNAP_IDLE0 i1=$SNAP_IDLE1 s0=$SNAP_SENT d0=$SNAP_DROP
	sleep "$1"
	snap
	awk -v n=$((SNAP_RX - rx0)) -v dt=$((SNAP_T - t0)) -v hz="$USER_HZ" \
		-v i0=$((SNAP_IDLE0 - i0)) -v i1=$((SNAP_IDLE1 - i1)) \
		-v s=$((SNAP_SENT - s0)) -v d=$((SNAP_DROP - d0)) 'BEGIN {
		b0 = dt - i0 * 1e6 / hz; b1 = dt - i1 * 1e6 / hz
		if (b0 < 0) b0 = 0; if (b1 < 0) b1 = 0
		printf "%.0f %.2f %.0f %.0f %.0f %.0f\n", n * 1e6 / dt,
			(n > 0 ? b1 / n : 0), b0 * 100 / dt, b1 * 100 / dt,
			s * 1e6 / dt, d * 1e6 / dt }'
}

# profile_prepare: with VLB_BENCH_PROFILE=1 (or =children, for the time
# spent in and under each function), starts perf on the director's CPU,
# disabled; the next measure enables it for its window and notes the
# hottest symbols after it (VLB_BENCH_PROFILE_MIN: the least percentage
# shown, VLB_BENCH_PROFILE_LINES: how many). Called before the traffic
# starts: under TCG perf takes seconds to start, time in which a new-flow
# test would have used up its flows. A profile costs CPU time too:
# profiled rates are for finding hot spots, not for comparing.
profile_prepare()
{
	[[ -n ${VLB_BENCH_PROFILE:-} ]] || return 0
	rm -f /tmp/bench-perf.ctl /tmp/bench-perf.ack
	mkfifo /tmp/bench-perf.ctl /tmp/bench-perf.ack
	# Call chains only where the report uses them: they cost CPU time.
	local g=
	[[ $VLB_BENCH_PROFILE == children ]] && g=-g
	perf record -q -C 1 $g -D -1 -o /tmp/bench-perf.data \
		--control=fifo:/tmp/bench-perf.ctl,/tmp/bench-perf.ack \
		-- sleep 100000 >/dev/null 2>&1 &
	PERF_PID=$!
	exec {PCTL}>/tmp/bench-perf.ctl {PACK}</tmp/bench-perf.ack
	# perf answers once it has set itself up, which is what to wait for.
	local c
	for c in enable disable; do
		echo $c >&$PCTL
		read -r -t 300 -u $PACK || fail "perf does not answer"
	done
}

# profile_start, profile_report: around a window, when profile_prepare
# started perf.
profile_start()
{
	[[ -n ${PERF_PID:-} ]] || return 0
	echo enable >&$PCTL
	read -r -t 60 -u $PACK || fail "perf does not answer"
}

profile_report()
{
	[[ -n ${PERF_PID:-} ]] || return 0
	echo disable >&$PCTL
	read -r -t 60 -u $PACK
	exec {PCTL}>&- {PACK}<&-
	pkill -INT -P "$PERF_PID" sleep
	wait "$PERF_PID"
	PERF_PID=
	local mode=--no-children
	[[ $VLB_BENCH_PROFILE == children ]] && mode=--children
	perf report -q -i /tmp/bench-perf.data --stdio $mode -g none \
		--sort sym --percent-limit "${VLB_BENCH_PROFILE_MIN:-0.8}" 2>/dev/null |
		sed "s/^/# perf: /" | head -n "${VLB_BENCH_PROFILE_LINES:-40}"
}

# measure SECONDS: window's fields into the caller's array res.
measure()
{
	profile_start
	read -ra res < <(window "$1")
	((${#res[@]} == 6)) || fail "no measurement from the window"
	profile_report
}

# load RES...: the notes' summary of a window's last four fields.
load()
{
	echo "CPU0 $3%, CPU1 $4%, injected $5/s, backlog drops $6/s"
}

# ------------------------------------------------------------- pktgen

# pktgen_conf KEY=VALUE...: configures pktgen from scratch to inject, as if
# received on the director's eth0 from the client (xmit_mode netif_receive:
# sent by a client over the veth, a packet costs the generator three times
# as much, and under TCG the generator then is the bottleneck), UDP to port
# 9, 64-byte frames, with sequential source ports and addresses: each
# combination is one flow, visited in a fixed cycle. RPS still steers the
# packets to CPU 1, so pktgen on CPU 0 never competes with the director.
# Keys: dst dst_max src src_max sport sport_max dport count ratep, and syn=1
# to inject on gen0, which makes each packet a TCP SYN (see topo).
pktgen_conf()
{
	local -A o=([count]=0 [ratep]=0 [src]=$CLIENT [dport]=$UDP_PORT [syn]=0)
	local kv dev=eth0 mac=$D0_MAC
	for kv; do o[${kv%%=*}]=${kv#*=}; done
	: "${o[dst_max]:=${o[dst]}}" "${o[src_max]:=${o[src]}}"
	((o[syn])) && dev=gen0 mac=$G_MAC o[dport]=$SYN_PORT
	# The device whose counters snap and pktgen_pps read.
	PG_DEV=$dev
	in_ns "$D" bash -c '
	set -e
	pg()	# FILE COMMAND: write, then check pktgen said OK
	{
		local l
		echo "$2" >"$1"
		while read -r l; do
			[[ $l == Result:* ]] || continue
			[[ $l == "Result: OK"* ]] && return 0
			echo "pktgen: $2: $l" >&2
			exit 1
		done <"$1"
	}
	t=/proc/net/pktgen/kpktgend_0 d=/proc/net/pktgen/'"$dev"'
	pg $t rem_device_all
	pg $t "add_device '"$dev"'"
	pg $d "count '"${o[count]}"'"
	pg $d "xmit_mode netif_receive"
	pg $d "clone_skb 0"
	pg $d "pkt_size 64"
	pg $d "dst_mac '"$mac"'"
	pg $d "dst_min '"${o[dst]}"'"
	pg $d "dst_max '"${o[dst_max]}"'"
	pg $d "src_min '"${o[src]}"'"
	pg $d "src_max '"${o[src_max]}"'"
	pg $d "udp_src_min '"${o[sport]}"'"
	pg $d "udp_src_max '"${o[sport_max]}"'"
	pg $d "udp_dst_min '"${o[dport]}"'"
	pg $d "udp_dst_max '"${o[dport]}"'"
	if (('"${o[ratep]}"' > 0)); then pg $d "ratep '"${o[ratep]}"'"; else pg $d "delay 0"; fi
	'
}

# pktgen_start: runs the configured device in the background (until its
# count is sent, or pktgen_stop).
pktgen_start()
{
	in_ns "$D" sh -c 'echo start >/proc/net/pktgen/pgctrl' &
	PG_PID=$!
}

# pktgen_pps: the rate pktgen reports for its last run.
pktgen_pps()
{
	local l
	while read -r l; do
		[[ $l =~ ^([0-9]+)pps ]] && { echo "${BASH_REMATCH[1]}"; return; }
	done <"/proc/$D_PID/net/pktgen/$PG_DEV"
	echo 1000000
}

pktgen_running()
{
	kill -0 "$PG_PID" 2>/dev/null
}

pktgen_stop()
{
	in_ns "$D" sh -c 'echo stop >/proc/net/pktgen/pgctrl'
	wait "$PG_PID" 2>/dev/null
	# Until the backlog is drained: a balancer unloaded under packets
	# still queued unregisters its hooks while the other CPU runs the
	# code their static keys patch, and under TCG that can oops (int3 in
	# __ip_local_out, seen with ip_vs on 6.12).
	busywait 10000 backlog_idle
}

# backlog_idle: no packet processed by any CPU's backlog for 100 ms.
backlog_idle()
{
	local a b
	a=$(softnet_processed)
	sleep 0.1
	b=$(softnet_processed)
	((a == b))
}

# softnet_processed: packets the backlogs of all CPUs have processed.
softnet_processed()
{
	local n=0 f rest
	while read -r f rest; do
		n=$((n + 16#$f))
	done </proc/net/softnet_stat
	echo $n
}

# ---------------------------------------------------------- balancers

# use BALANCER [IPVS_MODULE_PARAMS]: exactly that one loaded (vlb, ipvs) or
# neither (fwd), freshly: unloading drops every connection of the point
# before, so none lingers into the next (IPVS keeps them for minutes after
# ipvsadm -C, and drops packets that match them).
use()
{
	local b=$1
	shift
	vlbadm_flush
	ipvs_unload
	vlb_unload || fail "cannot unload vlb"
	[[ -d /sys/module/ip_vs ]] && fail "cannot unload ip_vs: $(ls /sys/module/ip_vs/holders)"
	case $b in
	vlb)
		vlb_load "$@" || fail "cannot load $VLB_KO $*"
		ADM=$VLBADM
		;;
	ipvs)
		modprobe ip_vs "$@" && modprobe ip_vs_rr && modprobe ip_vs_wlc ||
			fail "cannot load ip_vs"
		ADM=ipvsadm
		;;
	fwd) ADM= ;;
	esac
}

vlbadm_flush()
{
	[[ -n ${ADM:-} ]] && in_ns "$D" "$ADM" -C 2>/dev/null
	ADM=
}

# svc PROTO-FLAG VPORT SCHED FWD-FLAG DEST...: one service, via -R.
svc()
{
	local p=$1 port=$2 s=$3 f=$4 d rules
	shift 4
	rules="-A $p $VIP:$port -s $s"
	for d; do
		rules+=$'\n'"-a $p $VIP:$port -r $d:$port $f"
	done
	in_ns "$D" "$ADM" -R <<<"$rules" || fail "$ADM -R refused the service"
}

# svc_conns PROTO-NAME VPORT: connections the service has made (its Conns
# counter; UDP ones do not expire within a point).
svc_conns()
{
	in_ns "$D" "$ADM" -Ln --stats --exact | list_stats "$1" "$VIP:$2" | cut -d' ' -f1
}

# slab CACHE: "active_objs num_objs objsize bytes" of a slab cache.
slab()
{
	awk -v c="$1" '$1 == c { print $2, $3, $4, $15 * $6 * 4096; f = 1 }
		END { if (!f) print 0, 0, 0, 0 }' /proc/slabinfo
}

meminfo()
{
	awk -v k="$1:" '$1 == k { print $2 * 1024 }' /proc/meminfo
}

# ------------------------------------------------------------ measures

# pps_point BALANCER METHOD ROUND: established-flow packets/s over 1,000
# flows, through a UDP service of 2 real servers (rr) or, for fwd, routed
# straight to the real servers' addresses.
pps_point()
{
	local b=$1 m=$2 r=$3 flag res conns
	use "$b"
	case $m in
	nat) flag=-m ;;
	dr) flag=-g ;;
	tun) flag=-i ;;
	esac
	if [[ $b == fwd ]]; then
		pktgen_conf dst=$RS_A dst_max=$RS_B sport=10000 sport_max=11000 ||
			fail "pktgen configuration"
	else
		svc -u $UDP_PORT rr $flag $RS_A $RS_B
		pktgen_conf dst=$VIP sport=10000 sport_max=11000 || fail "pktgen configuration"
	fi
	profile_prepare
	rx_mark
	pktgen_start
	# Every flow has been seen (the first 1,000 packets) and the rate
	# settled.
	busywait 20000 rx_grows 5000 || { pktgen_stop; fail "$b $m: no packets reach the server"; }
	measure "$seconds"
	pktgen_stop
	if [[ $b != fwd ]]; then
		conns=$(svc_conns UDP $UDP_PORT)
		[[ $conns == 1000 ]] || note "$b $m: $conns connections, want 1000"
	fi
	sample pps_$m "$b" "$r" "${res[0]}"
	sample cpp_$m "$b" "$r" "${res[1]}"
	note "round $r: $m $b: ${res[0]} pps, ${res[1]} us/packet ($(load "${res[@]}"))"
}

# cps_point BALANCER SCHED DESTS ROUND [METRIC]: new TCP connections/s
# through a NAT service of DESTS real servers (2: the two RS addresses;
# 1000: 10.0.4-7.1-250), or for fwd straight to one server.
cps_point()
{
	local b=$1 s=$2 n=$3 r=$4 name=${5:-$2$3} dst=$VIP line t0 i0 i1 cps cpc c0 c1
	local -a end
	use "$b"
	if [[ $b == fwd ]]; then
		dst=$RS_A
	else
		svc -t $TCP_PORT "$s" -m $(dest_list "$n")
	fi
	profile_prepare
	exec {CL_FD}< <(exec nsenter --net="/run/netns/$C" taskset -c 0 \
		"$TCPCONN" client "$dst" $TCP_PORT "$PARALLEL" 1 "$seconds" 2>&1)
	read -r -t 60 -u "$CL_FD" line
	[[ $line == start ]] || fail "$b cps: tcpconn client: $line"
	profile_start
	snap
	t0=$SNAP_T i0=$SNAP_IDLE0 i1=$SNAP_IDLE1
	read -r -t $((seconds + 60)) -u "$CL_FD" line
	snap
	profile_report
	exec {CL_FD}<&-
	read -ra end <<<"$line"
	[[ ${end[0]} == end ]] || fail "$b cps: tcpconn client: $line"
	((end[1] > 0)) || fail "$b cps: no connection completed (${end[2]} failed)"
	((end[2] == 0)) || note "$b $name: ${end[2]} connections failed"
	read -r cps cpc c0 c1 < <(awk -v n="${end[1]}" -v us="${end[3]}" \
		-v dt=$((SNAP_T - t0)) -v hz="$USER_HZ" \
		-v i0=$((SNAP_IDLE0 - i0)) -v i1=$((SNAP_IDLE1 - i1)) 'BEGIN {
		b0 = dt - i0 * 1e6 / hz; b1 = dt - i1 * 1e6 / hz
		if (b0 < 0) b0 = 0; if (b1 < 0) b1 = 0
		printf "%.0f %.2f %.0f %.0f\n", n * 1e6 / us, b1 / n,
			b0 * 100 / dt, b1 * 100 / dt }')
	sample "cps_$name" "$b" "$r" "$cps"
	sample "cpc_$name" "$b" "$r" "$cpc"
	note "round $r: cps $name $b: $cps conn/s, $cpc us/conn (director; CPU0 $c0%, CPU1 $c1%)"
}

# dest_list N: the real servers of a service of N: the two RS addresses,
# or N of the 1,000 extra ones (10.0.4-7.1-250).
dest_list()
{
	local i j n=$1
	if ((n <= 2)); then
		echo $RS_A $RS_B | cut -d' ' -f1-"$n"
		return
	fi
	for i in 4 5 6 7; do
		for ((j = 1; j <= 250 && n > 0; j++, n--)); do
			echo 10.0.$i.$j
		done
	done
}

# newflow_point BALANCER PROTO SCHED DESTS ROUND: new connections/s as the
# director alone sees them: every packet a new UDP flow, or (PROTO tcp) a
# new TCP connection's SYN, from the million-flow cycle of table_point,
# through a NAT service of DESTS real servers; for fwd, the same packets
# routed to the two servers. The server drops them all in tc: nothing
# answers, so a TCP connection stays in SYN_RECV, as under a SYN flood.
newflow_point()
{
	local b=$1 p=$2 s=$3 n=$4 r=$5 name=$3$4 syn=0 flag=-u port=$UDP_PORT
	local rate=nfs cost=cpn what=flows
	local -a res
	if [[ $p == tcp ]]; then
		syn=1 flag=-t port=$SYN_PORT rate=syn cost=cpsyn what=SYNs
	fi
	# Both tables from 2^20 buckets, IPVS's not its default 4096: some
	# 500k connections are made in a window, and walking chains of 100 on
	# every miss (IPVS), or rehashing up from 256 buckets (vlb), would
	# measure the table's start, not a director sized for its load.
	case $b in
	fwd) use fwd ;;
	*) use "$b" conn_tab_bits=20 ;;
	esac
	if [[ $b == fwd ]]; then
		pktgen_conf dst=$RS_A dst_max=$RS_B src=10.0.1.16 src_max=10.0.1.31 \
			sport=1000 sport_max=63501 syn=$syn || fail "pktgen configuration"
	else
		svc $flag $port "$s" -m $(dest_list "$n")
		pktgen_conf dst=$VIP src=10.0.1.16 src_max=10.0.1.31 sport=1000 sport_max=63501 \
			syn=$syn || fail "pktgen configuration"
	fi
	profile_prepare
	rx_mark
	pktgen_start
	# For a balancer, arriving at the server means balanced: sent to the
	# VIP, a packet no connection took would be the director's own.
	busywait 20000 rx_grows 1000 || { pktgen_stop; fail "$b newflow $p: no packets reach the server"; }
	measure "$seconds"
	pktgen_stop
	sample "${rate}_$name" "$b" "$r" "${res[0]}"
	sample "${cost}_$name" "$b" "$r" "${res[1]}"
	note "round $r: new $p $name $b: ${res[0]} $what/s, ${res[1]} us each ($(load "${res[@]}"))"
}

# table_point BALANCER N ROUND: fills the connection table with N UDP
# flows, notes the memory they take, then measures established-flow pps
# over all N. The flows: source ports 1000-(1000+P-1) and source
# addresses 10.0.1.16-(16+Q-1) (10.3.0.1-Q when Q > 16), both stepping by
# one per packet; P and Q coprime, so the cycle visits P*Q distinct flows
# (Q=16, P=62501 for 1M; Q=160 for 10M).
table_point()
{
	local b=$1 n=$2 r=$3 name p q smax rate res conns=0 cache mem=0
	local fill_max=$FILL_MAX
	local -a s0 s1
	((n == big)) && mem=1
	((n == huge)) && mem=2 fill_max=$((FILL_MAX * 4))
	if ((n >= 1000000)); then name=$((n / 1000000))m; else name=$((n / 1000))k; fi
	if ((n >= 100000)); then q=$(((n + 62499) / 62500)); else q=1; fi
	p=$(((n + q - 1) / q))
	((p % 2 == 0)) && p=$((p + 1))
	n=$((p * q))
	# More than 16 sources would reach the VIP (10.0.1.100): from 10.3.0.1.
	local net=10.0.1. first=16
	((q > 16)) && net=10.3.0. first=1
	smax=$net$((first + q - 1))
	if [[ $b == ipvs ]]; then
		# A table sized for a million, as an operator expecting that
		# many connections would load IPVS (default: 4096 buckets).
		use ipvs conn_tab_bits=20
		cache=ip_vs_conn
	else
		use vlb
		cache=vlb_conn
	fi
	svc -u $UDP_PORT rr -m $RS_A $RS_B
	if ((mem == 2)); then
		# The default limit is 1 per KiB of RAM: below 10 million here.
		# A fill of 10 million may take longer than UDP's 300 s timeout.
		in_ns "$D" sh -c "echo $((n * 2)) >/proc/sys/net/vlb/conn_max" &&
			in_ns "$D" "$ADM" --set 0 0 3600 || fail "$b $name: limit and timeout"
	fi
	read -ra s0 < <(slab $cache)
	local slab0=$(meminfo Slab)

	# The fill: one source address (P flows) at a time, at a rate that
	# adapts (up a quarter after a clean chunk, down by 40% after a lossy
	# one, which is then sent again): above what the director sustains,
	# dropped packets would leave holes that only more passes of the whole
	# cycle fill. A run of a chunk that reaches the server for 99% of its
	# packets leaves at most 1% of its flows missing.
	local i tries rx0 t0 got achieved t_fill=$SECONDS
	rate=20000
	for ((i = 0; i < q; i++)); do
		for ((tries = 0; ; tries++)); do
			if ((tries >= 8 || SECONDS - t_fill > fill_max)); then
				# Measure with what is there; the entries reached
				# are in the table.
				note "$b $name: fill stopped at chunk $i of $q ($rate pps, $((SECONDS - t_fill))s)"
				break 2
			fi
			pktgen_conf dst=$VIP src=$net$((first + i)) sport=1000 sport_max=$((1000 + p)) \
				count=$p ratep=$rate || fail "pktgen configuration"
			snap
			rx0=$SNAP_RX t0=$SNAP_T
			pktgen_start
			wait "$PG_PID"
			# The last packets may still be on their way.
			busywait 2000 rx_grows_from "$rx0" $((p * 99 / 100))
			snap
			got=$((SNAP_RX - rx0))
			if ((got * 100 >= p * 99)); then
				# Up, but not past what was reached: pktgen may
				# not make the rate asked for.
				achieved=$(pktgen_pps)
				((tries == 0)) && rate=$((rate * 5 / 4))
				((rate > achieved * 5 / 4)) && rate=$((achieved * 5 / 4))
				break
			fi
			note "$b $name: chunk $i: $got of $p arrived at $rate pps, again slower"
			rate=$((rate * 6 / 10))
			((rate >= 1000)) || rate=1000
		done
	done
	note "$b $name: filled in $((SECONDS - t_fill))s, last rate $rate pps"
	# IPVS folds its per-CPU counters into what ipvsadm shows every 2 s.
	[[ $b == ipvs ]] && sleep 2.5
	conns=$(svc_conns UDP $UDP_PORT)
	read -ra s1 < <(slab $cache)
	local slab1=$(meminfo Slab)
	local tab
	tab=$(in_ns "$D" "$ADM" -Ln | sed -n '1s/.*(size=\([0-9]*\)).*/\1/p')
	[[ -n $tab ]] || fail "$b: no table size in the listing's header"
	note "$b $name: $conns connections; $cache ${s1[*]} (before ${s0[*]}); table $tab buckets"
	sample "entries_$name" "$b" "$r" "$conns"
	if ((mem)); then
		# Per live object: IPVS's counter counts connections made, and
		# UDP ones expire (300 s) during a slow fill.
		local objs=$((s1[0] - s0[0])) total
		((objs > 0)) || fail "$b $name: no $cache objects"
		total=$(awk -v b=$((s1[3] - s0[3])) -v t="$tab" -v n="$objs" \
			'BEGIN { printf "%.1f", (b + t * 8) / n }')
	fi
	if ((mem == 2)); then
		sample "memt_$name" "$b" "$r" "$total"
	elif ((mem)); then
		sample mem_obj "$b" "$r" "${s1[2]}"
		sample mem_slab "$b" "$r" $(awk -v b=$((s1[3] - s0[3])) -v n="$objs" 'BEGIN { printf "%.1f", b / n }')
		sample mem_table "$b" "$r" $(awk -v t="$tab" -v n="$objs" 'BEGIN { printf "%.1f", t * 8 / n }')
		sample mem_total "$b" "$r" "$total"
		sample mem_slabdelta "$b" "$r" $(awk -v b=$((slab1 - slab0)) -v n="$objs" 'BEGIN { printf "%.1f", b / n }')
	fi

	# Established: the same cycle again, at full rate.
	pktgen_conf dst=$VIP src=$net$first src_max=$smax sport=1000 sport_max=$((1000 + p)) ||
		fail "pktgen configuration"
	profile_prepare
	rx_mark
	pktgen_start
	busywait 20000 rx_grows 2000 || { pktgen_stop; fail "$b table: no packets reach the server"; }
	measure "$seconds"
	pktgen_stop
	[[ $b == ipvs ]] && sleep 2.5
	local after=$(svc_conns UDP $UDP_PORT)
	((after - conns > n / 100)) && note "$b $name: $((after - conns)) new connections while measuring"
	sample "pps_$name" "$b" "$r" "${res[0]}"
	sample "cpp_$name" "$b" "$r" "${res[1]}"
	note "round $r: table $name $b: ${res[0]} pps, ${res[1]} us/packet ($(load "${res[@]}"))"
}

# ---------------------------------------------------------------- main

require_root
for c in ipvsadm tc taskset nsenter; do
	command -v $c >/dev/null || fail "$c is not installed"
done
[[ -r $VLB_KO && -x $VLBADM && -x $TCPCONN ]] || fail "vlb.ko, vlbadm or tcpconn not built"
modprobe pktgen || fail "no pktgen module"
echo "# vlb bench on $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print $2 / 1024 }' /proc/meminfo) MB"
echo "# kernel: $(cat /proc/cmdline)"
(($(nproc) >= 2)) || fail "needs 2 CPUs"

vlb_load || fail "cannot load $VLB_KO"
# Slab debugging of vlb's caches would make vlb pay for red zones and
# poisoning: refuse to measure with it.
for f in sanity_checks red_zone poison store_user; do
	[[ $(cat /sys/kernel/slab/vlb_conn/$f 2>/dev/null) == 1 && -z ${VLB_BENCH_DEBUG_OK:-} ]] &&
		fail "slab debugging ($f) is on for vlb_conn: boot with slub_debug=-,vlb*"
done
# A backlog deep enough that only a saturated CPU 1 drops: under TCG the
# wake-up of an idle vCPU takes long enough for bursts to fill the default
# 1,000.
echo 10000 >/proc/sys/net/core/netdev_max_backlog
topo || fail "cannot build the topology"
note "topology ready"

t_start=$SECONDS
for ((r = 1; r <= rounds; r++)); do
	note "---- round $r of $rounds ($((SECONDS - t_start))s)"
	for t in $tests; do
		case $t in
		pps)
			for m in nat dr tun; do
				for b in vlb ipvs; do pps_point $b $m $r; done
				[[ $m == nat ]] && pps_point fwd fwd $r
			done
			;;
		cps)
			for b in vlb ipvs fwd; do cps_point $b rr 2 $r; done
			;;
		newflow)
			for s in rr wlc; do
				for n in 2 1000; do
					for b in vlb ipvs; do newflow_point $b udp $s $n $r; done
				done
			done
			newflow_point fwd udp rr 2 $r
			for b in vlb ipvs fwd; do newflow_point $b tcp rr 2 $r; done
			;;
		dests)
			for s in rr wlc; do
				for n in 2 1000; do
					# rr with 2 is the cps test's point, when it ran.
					[[ $s$n == rr2 && " $tests " == *" cps "* ]] && continue
					for b in vlb ipvs; do cps_point $b $s $n $r; done
				done
			done
			;;
		table)
			for n in 10000 $big; do
				for b in vlb ipvs; do table_point $b $n $r; done
			done
			;;
		huge)
			((r == 1 && huge)) && table_point vlb $huge $r
			;;
		*) fail "unknown test $t" ;;
		esac
	done
done
use fwd
note "done in $((SECONDS - t_start))s"

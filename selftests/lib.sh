# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by every selftest, sourced, in the manner of the kernel's
# tools/testing/selftests/net/lib.sh and kselftest/ktap_helpers.sh: KTAP
# printing with kselftest exit codes, polling instead of sleeping, network
# namespaces that clean up after themselves, the client/director/real-server
# topology the datapath tests share, and the small real servers that answer
# with their own name.
#
# Topology (topo_create):
#
#   client ns $C            director ns $D                     real servers
#   eth0 10.0.1.2/24 ---- eth0 10.0.1.1/24          +-- rs1: eth0 10.0.2.11/24
#   [fd00:1::2/64]        VIP 10.0.1.100 [fd00:1::100]  +-- rs2: eth0 10.0.2.12/24
#                         br0 10.0.2.1/24 -----------+-- rs3: eth0 10.0.2.13/24
#                         [fd00:2::1/64]                 [fd00:2::1N/64]
#
# The real servers route everything through the director, as NAT needs.
# Without --v6 the client link carries no IPv6 at all and its neighbours are
# static, so its packet counters count test traffic and nothing else.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELFTESTS=$TOP/selftests
VLBADM=${VLBADM:-$TOP/tools/vlbadm/vlbadm}
KVER=$(uname -r)
VLB_KO=${VLB_KO:-$TOP/build/$KVER/vlb.ko}
PYTHON=${PYTHON:-/usr/bin/python3}
NETHELPER=$SELFTESTS/net_helper.py
export LC_ALL=C

# ---------------------------------------------------------------- KTAP

KTAP_PLAN=0
KTAP_NUM=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0

ktap_print_header()
{
	echo "KTAP version 1"
}

ktap_set_plan()
{
	KTAP_PLAN=$1
	echo "1..$KTAP_PLAN"
}

ktap_test_pass()
{
	KTAP_NUM=$((KTAP_NUM + 1))
	KTAP_PASS=$((KTAP_PASS + 1))
	echo "ok $KTAP_NUM $*"
}

ktap_test_fail()
{
	KTAP_NUM=$((KTAP_NUM + 1))
	KTAP_FAIL=$((KTAP_FAIL + 1))
	echo "not ok $KTAP_NUM $*"
}

# ktap_test_skip DESCRIPTION REASON
ktap_test_skip()
{
	KTAP_NUM=$((KTAP_NUM + 1))
	KTAP_SKIP=$((KTAP_SKIP + 1))
	echo "ok $KTAP_NUM $1 # SKIP ${2:-}"
}

# ktap_test_result DESCRIPTION COMMAND...: passes when COMMAND succeeds.
ktap_test_result()
{
	local desc=$1
	shift
	if "$@"; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

# ktap_skip_all REASON: the whole test cannot run here.
ktap_skip_all()
{
	echo "1..0 # SKIP $*"
	exit $KSFT_SKIP
}

# Diagnostics go to stdout as KTAP comments so they stay next to the result
# they explain.
diag()
{
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do
		echo "# $line"
	done
}

ktap_finished()
{
	if ((KTAP_PLAN == 0)); then
		echo "1..$KTAP_NUM"
	elif ((KTAP_NUM != KTAP_PLAN)); then
		echo "# planned $KTAP_PLAN tests but ran $KTAP_NUM"
		KTAP_FAIL=$((KTAP_FAIL + 1))
	fi
	echo "# Totals: pass:$KTAP_PASS fail:$KTAP_FAIL xfail:0 xpass:0 skip:$KTAP_SKIP error:0"
	if ((KTAP_FAIL > 0)); then
		exit $KSFT_FAIL
	elif ((KTAP_PASS == 0 && KTAP_SKIP > 0)); then
		exit $KSFT_SKIP
	fi
	exit $KSFT_PASS
}

# --------------------------------------------------------- checks, waits

# busywait TIMEOUT_MS COMMAND...: polls COMMAND until it succeeds.
busywait()
{
	local deadline=$(($(date +%s%N) / 1000000 + $1))
	shift
	while true; do
		"$@" && return 0
		(($(date +%s%N) / 1000000 > deadline)) && return 1
		sleep 0.02
	done
}

require_command()
{
	local c
	for c; do
		command -v "$c" >/dev/null || ktap_skip_all "$c is not installed"
	done
}

require_root()
{
	[[ $(id -u) == 0 ]] || ktap_skip_all "needs root"
}

# The module and the tool under test; a test of vlb skips without them.
require_vlb()
{
	[[ -r $VLB_KO ]] || ktap_skip_all "no $VLB_KO (make modules)"
	[[ -x $VLBADM ]] || ktap_skip_all "no $VLBADM (make tools)"
	vlb_load || ktap_skip_all "cannot load $VLB_KO"
}

vlb_loaded()
{
	[[ -d /sys/module/vlb ]]
}

vlb_load()
{
	vlb_loaded && return 0
	# insmod does not resolve dependencies: nf_defrag reassembles for vlb.
	modprobe -a nf_defrag_ipv4 nf_defrag_ipv6 || return 1
	insmod "$VLB_KO" "$@"
}

vlb_unload()
{
	vlb_loaded || return 0
	rmmod vlb
}

# The kernel's own IPVS and Debian's ipvsadm, the reference.
require_ipvs()
{
	command -v ipvsadm >/dev/null || ktap_skip_all "ipvsadm is not installed"
	modprobe ip_vs 2>/dev/null || ktap_skip_all "no ip_vs module"
}

# ipvs_unload: removes IPVS and its schedulers, so that connections and
# conntrack users left by one test do not follow the next.
ipvs_unload()
{
	local m
	[[ -d /sys/module/ip_vs ]] || return 0
	for m in $(lsmod | awk '$1 ~ /^ip_vs_/ { print $1 }'); do
		modprobe -r "$m" 2>/dev/null
	done
	modprobe -r ip_vs 2>/dev/null
}

# conntrack_unload: removes nf_conntrack and every module holding it
# (IPVS, nftables' ct expression, NAT...), innermost users first.
conntrack_unload()
{
	local m
	ipvs_unload
	unload_with_holders()
	{
		local h
		[[ -d /sys/module/$1 ]] || return 0
		for h in /sys/module/"$1"/holders/*; do
			[[ -e $h ]] && unload_with_holders "${h##*/}"
		done
		modprobe -r "$1" 2>/dev/null || rmmod "$1" 2>/dev/null
	}
	unload_with_holders nf_conntrack
}

# ------------------------------------------------------ network namespaces

NS_LIST=()
DEFER=()

# defer COMMAND...: run at exit, last registered first.
defer()
{
	DEFER+=("$(printf '%q ' "$@")")
}

cleanup_all()
{
	local i ns pid
	for ((i = ${#DEFER[@]} - 1; i >= 0; i--)); do
		eval "${DEFER[i]}" >/dev/null 2>&1
	done
	DEFER=()
	for ns in "${NS_LIST[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	NS_LIST=()
}
trap cleanup_all EXIT

# setup_ns VAR...: creates one namespace per VAR with a unique name, stored in
# the variable, loopback up. (Every process costs a lot under an emulated
# CPU, hence the batches.)
setup_ns()
{
	local var name batch=
	for var; do
		name=$var-$$-$RANDOM
		batch+="netns add $name"$'\n'
		NS_LIST+=("$name")
		printf -v "$var" '%s' "$name"
	done
	ip -b - <<<"$batch" || return 1
	for var; do
		ip -n "${!var}" link set lo up || return 1
	done
}

cleanup_ns()
{
	local ns pid keep=()
	for ns in "${NS_LIST[@]}"; do
		if [[ " $* " == *" $ns "* ]]; then
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -9 "$pid" 2>/dev/null
			done
			ip netns del "$ns"
		else
			keep+=("$ns")
		fi
	done
	NS_LIST=("${keep[@]}")
}

# in_ns NS COMMAND...: nsenter is much cheaper than `ip netns exec`, which
# also remounts /sys; use the latter when /sys must show the namespace.
in_ns()
{
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# enter_private_netns "$@": re-runs the calling test in a network namespace
# of its own (gone when the test ends), so that its many commands need no
# namespace switch each.
enter_private_netns()
{
	if [[ -z ${VLB_PRIVATE_NETNS:-} ]]; then
		VLB_PRIVATE_NETNS=1 exec unshare -n bash "$0" "$@"
	fi
	ip link set lo up
}

# ------------------------------------------------------------- topology

VIP=10.0.1.100
VIP6=fd00:1::100
RS_ADDRS=(10.0.2.11 10.0.2.12 10.0.2.13)
RS6_ADDRS=(fd00:2::11 fd00:2::12 fd00:2::13)
CLIENT_MAC=02:00:0a:00:01:02
DIRECTOR_MAC=02:00:0a:00:01:01

# topo_create [--v6]: namespaces C (client), D (director), RS1..RS3.
topo_create()
{
	local v6=0 i ns links= dsys= dbatch= csys=
	[[ ${1:-} == --v6 ]] && v6=1
	setup_ns C D RS1 RS2 RS3 || return 1
	RS_NS=("$RS1" "$RS2" "$RS3")

	links="link add eth0 address $CLIENT_MAC netns $C type veth"
	links+=" peer name eth0 address $DIRECTOR_MAC netns $D"$'\n'
	for i in 0 1 2; do
		links+="link add eth0 netns ${RS_NS[i]} type veth peer name rs$((i + 1)) netns $D"$'\n'
	done
	ip -b - <<<"$links" || return 1

	if ((!v6)); then
		csys='echo 1 >/proc/sys/net/ipv6/conf/eth0/disable_ipv6;'
		dsys='echo 1 >/proc/sys/net/ipv6/conf/eth0/disable_ipv6;'
	fi
	dsys+='echo 1 >/proc/sys/net/ipv4/ip_forward;'
	((v6)) && dsys+='echo 1 >/proc/sys/net/ipv6/conf/all/forwarding;'

	# The client: static neighbours, so no ARP on its link.
	in_ns "$C" sh -c "$csys exec ip -b -" <<-EOF || return 1
	addr add 10.0.1.2/24 dev eth0
	$( ((v6)) && echo "addr add fd00:1::2/64 dev eth0 nodad")
	link set eth0 up
	route add default via 10.0.1.1
	$( ((v6)) && echo "route add default via fd00:1::1")
	neigh replace 10.0.1.1 lladdr $DIRECTOR_MAC nud permanent dev eth0
	neigh replace $VIP lladdr $DIRECTOR_MAC nud permanent dev eth0
	EOF

	dbatch="addr add 10.0.1.1/24 dev eth0
addr add $VIP/32 dev eth0
link set eth0 up
neigh replace 10.0.1.2 lladdr $CLIENT_MAC nud permanent dev eth0
link add br0 type bridge
addr add 10.0.2.1/24 dev br0
link set br0 up"
	if ((v6)); then
		dbatch+="
addr add fd00:1::1/64 dev eth0 nodad
addr add $VIP6/128 dev eth0 nodad
addr add fd00:2::1/64 dev br0 nodad"
	fi
	for i in 1 2 3; do
		dbatch+=$'\n'"link set rs$i master br0 up"
	done
	in_ns "$D" sh -c "$dsys exec ip -b -" <<<"$dbatch" || return 1

	for i in 0 1 2; do
		ip -n "${RS_NS[i]}" -b - <<-EOF || return 1
		addr add ${RS_ADDRS[i]}/24 dev eth0
		$( ((v6)) && echo "addr add ${RS6_ADDRS[i]}/64 dev eth0 nodad")
		link set eth0 up
		route add default via 10.0.2.1
		$( ((v6)) && echo "route add default via fd00:2::1")
		EOF
	done
}

# topo_servers [PORT]: one echo-name server process (TCP and UDP) with
# sockets in each real server's namespace, answering "rs1", "rs2", "rs3";
# returns once it listens everywhere.
topo_servers()
{
	local port=${1:-80} line
	exec {SERVER_FD}< <(exec "$PYTHON" "$NETHELPER" serve --port "$port" \
		--ns "rs1=/run/netns/$RS1" --ns "rs2=/run/netns/$RS2" \
		--ns "rs3=/run/netns/$RS3" 2>&1)
	SERVER_PID=$!
	defer kill "$SERVER_PID"
	read -r -t 60 -u "$SERVER_FD" line
	[[ $line == ready ]] && return 0
	diag "echo servers did not start: $line"
	return 1
}

# client_requests PROTO ADDR PORT COUNT: one request per line of answer, each
# from a new socket (so a new connection for the balancer).
client_requests()
{
	in_ns "$C" "$PYTHON" "$NETHELPER" request --proto "$1" --addr "$2" \
		--port "$3" --count "$4"
}

# HELD_CLIENT: the client of one TCP connection held open across a change
# (python3 -c "$HELD_CLIENT" ADDR PORT): prints "up" once connected, waits
# for a line on stdin, then sends one request and prints the answer ("none"
# if the connection is gone). Run it as a coprocess.
HELD_CLIENT='
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
print("up", flush=True)
sys.stdin.readline()
s.sendall(b"hello\n")
print(s.recv(100).decode().strip() or "none", flush=True)
'

# link_stats NS DEV: "rx_bytes rx_packets tx_bytes tx_packets".
link_stats()
{
	ip -n "$1" -s link show dev "$2" | awk '
		/RX:/ { getline; rb = $1; rp = $2 }
		/TX:/ { getline; tb = $1; tp = $2 }
		END { print rb, rp, tb, tp }'
}

# ------------------------------------------------------------- kernel log

# The patterns that fail a test when the kernel logs them.
KLOG_BAD='WARNING:|BUG:|[] ]BUG |Oops|kmemleak|refcount_t|Call Trace|general protection|UBSAN|list_(add|del) corruption|stack-protector|Kernel panic|soft lockup|hard LOCKUP|rcu_.*stall|blocked for more than'

klog_mark()
{
	cut -d' ' -f1 /proc/uptime
}

# klog_since MARK: kernel log lines stamped at or after MARK (seconds).
klog_since()
{
	dmesg 2>/dev/null | awk -v t="$1" '{
		s = $0; sub(/^\[ */, "", s); sub(/\].*/, "", s)
		if (s + 0 >= t) print }'
}

# ------------------------------------------------------ reading listings
# These read an ipvsadm-format listing (ipvsadm or vlbadm) on stdin.

# list_dests PROTO VADDR:VPORT: the service's destinations ("addr:port"),
# in listing order.
list_dests()
{
	awk -v p="$1" -v s="$2" '
		$1 != "->" { cur = ($1 == p && $2 == s) }
		$1 == "->" && cur && $2 != "RemoteAddress:Port" { print $2 }'
}

# list_stats PROTO VADDR:VPORT [DEST:PORT]: "conns inpkts outpkts inbytes
# outbytes" of the service, or of one of its destinations, from
# `-Ln --stats --exact`.
list_stats()
{
	awk -v p="$1" -v s="$2" -v d="${3:-}" '
		$1 != "->" { cur = ($1 == p && $2 == s)
			if (cur && d == "") print $3, $4, $5, $6, $7 }
		$1 == "->" && cur && $2 == d { print $3, $4, $5, $6, $7 }'
}

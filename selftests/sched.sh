#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The schedulers, each against its definition, with real traffic through
# a NAT service to the three real servers (and a fourth destination, a
# second port of rs1, for mh):
#   wrr      smooth interleaving: weights 5 1 1 give exactly rs1 rs1 rs2 rs1
#            rs3 rs1 rs1, twice; weights 30001 20000 10000 (a 60,001-pick
#            period, built by a worker while the first picks walk the
#            list) follow nginx's sequence, computed here, across the
#            switch-over; a weight change restarts the sequence.
#   sed, nq, lc, wlc  TCP connections held open, one after the other, so
#            the active counts are known: the exact sequence of choices.
#   fo       the highest weight takes everything, and fails over in weight
#            order as the best ones are set to weight 0.
#   p2c      400 new UDP connections roughly follow weights 1:2:5; `-s
#            twos` is accepted and answers.
#   sh       200 client addresses: each keeps its server across rounds, the
#            addresses spread; sh-port spreads one address's ports; a
#            quiesced server's clients are refused, or with sh-fallback
#            served elsewhere while everyone else stays put.
#   mh       the same, plus minimal disruption: adding a 4th destination
#            moves only the keys it takes (about 1/4), removing it restores
#            every key; mh-port spreads one address's ports.
# Every batch of requests is one python3 process sending from all its
# sockets at once (process starts are what costs under TCG).

. "$(dirname "$0")/lib.sh"

require_root
[[ -r $VLB_KO && -x $VLBADM ]] || ktap_skip_all "vlb.ko or vlbadm not built"

NKEYS=200
CLIENTS=()
for ((i = 0; i < NKEYS; i++)); do
	CLIENTS+=("10.0.$((3 + i / 200)).$((10 + i % 200))")
done

# The client side. "udp ADDR PORT SRC..." sends one datagram from each SRC
# ("addr" or "addr:port") at once and prints, in order, the answer of each
# or "none" when none came within the deadline; a datagram that met silence
# (no answer, no refusal) is sent again every 2 s, on the same socket, so
# that one lost on a loaded host is not taken for a refusal. "hold ADDR
# PORT N" opens N TCP connections one after the other and keeps them open,
# then asks each in turn who it is connected to and prints the answers.
CLIENT_PY='
import select, socket, sys, time
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "udp":
    socks = []
    for src in sys.argv[4:]:
        a, _, p = src.partition(":")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((a, int(p or 0)))
        s.setblocking(False)
        s.sendto(b"hello\n", (addr, port))
        socks.append(s)
    ans = {}
    end = time.monotonic() + 10.0   # refusals come back at once
    again = time.monotonic() + 2.0
    pending = {s.fileno(): s for s in socks}
    while pending and time.monotonic() < end:
        r, _, _ = select.select(list(pending.values()), [], [], 0.2)
        if not r and time.monotonic() >= again:
            for s in pending.values():
                s.sendto(b"hello\n", (addr, port))
            again = time.monotonic() + 2.0
        for s in r:
            try:
                ans[s.fileno()] = s.recv(100).decode().strip()
            except OSError:
                ans[s.fileno()] = "none"
            del pending[s.fileno()]
    for s in socks:
        print(ans.get(s.fileno(), "none"))
else:
    conns = []
    for _ in range(int(sys.argv[4])):
        s = socket.create_connection((addr, port), timeout=5)
        conns.append(s)
        time.sleep(0.05)    # let the final ACK reach the director first
    for s in conns:
        s.sendall(b"hello\n")
        print(s.recv(100).decode().strip())
'

client()
{
	in_ns "$C" "$PYTHON" -c "$CLIENT_PY" "$@"
}

adm()
{
	in_ns "$D" "$VLBADM" "$@"
}

# udp_keys PORT: one datagram from every client address, answers in order.
# Each call sends from a source port of its own (20001, 20002, ...): with
# ephemeral ports, one that repeats would meet its earlier connection
# (UDP's lasts 300 s), maybe to a server since deleted, and the answer
# would not be the scheduler's. The count is kept in a file: callers run
# this in a subshell.
KEY_PORT=$(mktemp)
echo 20000 >"$KEY_PORT"
defer rm -f "$KEY_PORT"
udp_keys()
{
	local p
	p=$(($(<"$KEY_PORT") + 1))
	echo $p >"$KEY_PORT"
	client udp "$VIP" "$1" $(printf "%s:$p " "${CLIENTS[@]}") | xargs
}

# count WORD LIST...: how many of LIST are WORD.
count()
{
	local w=$1 n=0 x
	shift
	for x; do [[ $x == "$w" ]] && n=$((n + 1)); done
	echo $n
}

# diff_keys A B [LABEL]: keys whose answers differ between lists A and B;
# with LABEL, a diag line names up to 5 of them.
diff_keys()
{
	local -a a=($1) b=($2)
	local i n=0 ex=
	for ((i = 0; i < ${#a[@]}; i++)); do
		[[ ${a[i]} == "${b[i]}" ]] && continue
		n=$((n + 1))
		((n <= 5)) && ex+=" ${CLIENTS[i]}: ${a[i]} -> ${b[i]};"
	done
	[[ -n ${3:-} && -n $ex ]] && diag "$3:$ex" >&2
	echo $n
}

ktap_print_header
ktap_set_plan 23

if ! vlb_load || ! topo_create || ! topo_servers 80; then
	ktap_test_fail "topology, servers and vlb.ko"
	for i in $(seq 22); do ktap_test_skip "scheduler check" "no topology"; done
	ktap_finished
fi
# The client's extra addresses, with static neighbours both ways.
cbatch= dbatch=
for a in "${CLIENTS[@]}"; do
	cbatch+="addr add $a/32 dev eth0"$'\n'
	dbatch+="neigh replace $a lladdr $CLIENT_MAC nud permanent dev eth0"$'\n'
done
dbatch+="route add 10.0.3.0/24 dev eth0"$'\n'
ip -n "$C" -b - <<<"$cbatch" && ip -n "$D" -b - <<<"$dbatch"
# A fourth destination for mh: rs1's namespace on port 8081, named rs4.
exec {RS4_FD}< <(exec "$PYTHON" "$NETHELPER" serve --port 8081 \
	--ns "rs4=/run/netns/$RS1" 2>&1)
RS4_PID=$!
defer kill "$RS4_PID"
read -r -t 60 -u "$RS4_FD" line
ktap_test_result "topology with $NKEYS client addresses and rs4" test "$line" = ready

RS=("${RS_ADDRS[@]}")

# ---- sed, nq, lc, wlc: weights 1 2 3, six connections held open one by one.
# sed picks the least (active + 1) / weight, the first added among equals:
#   (0,0,0) rs3, (0,0,1) rs2, (0,1,1) rs3, (0,1,2) tie: rs1, (1,1,2) rs2,
#   (1,2,2) rs3.
# nq takes the first with no active connection, then decides as sed:
#   rs1, rs2, rs3, (1,1,1) rs3, (1,1,2) rs2, (1,2,2) rs3.
# lc ignores weights: the least active, the first among equals: in turn.
# wlc picks the least active / weight, the first among equals:
#   (0,0,0) rs1, (1,0,0) rs2, (1,1,0) rs3, (1,1,1) rs3, (1,1,2) rs2,
#   (1,2,2) rs3.
for s in "sed 81 rs3 rs2 rs3 rs1 rs2 rs3" "nq 82 rs1 rs2 rs3 rs3 rs2 rs3" \
	"lc 93 rs1 rs2 rs3 rs1 rs2 rs3" "wlc 94 rs1 rs2 rs3 rs3 rs2 rs3"; do
	set -- $s
	adm -R <<-EOF
	-A -t $VIP:$2 -s $1
	-a -t $VIP:$2 -r ${RS[0]}:80 -m -w 1
	-a -t $VIP:$2 -r ${RS[1]}:80 -m -w 2
	-a -t $VIP:$2 -r ${RS[2]}:80 -m -w 3
	EOF
	want="${*:3}"
	got=$(client hold "$VIP" "$2" 6 | xargs)
	diag "$1: want $want, got $got"
	ktap_test_result "$1: choices by active counts ($want)" test "$got" = "$want"
done

# ---- fo: weights 1 3 2 -> rs2; rs2 at weight 0 -> rs3; rs3 too -> rs1.
adm -R <<-EOF
-A -u $VIP:83 -s fo
-a -u $VIP:83 -r ${RS[0]}:80 -m -w 1
-a -u $VIP:83 -r ${RS[1]}:80 -m -w 3
-a -u $VIP:83 -r ${RS[2]}:80 -m -w 2
EOF
base=30000
for step in "rs2" "rs3 ${RS[1]}" "rs1 ${RS[2]}"; do
	set -- $step
	base=$((base + 100))
	[[ -n ${2:-} ]] && adm -e -u "$VIP:83" -r "$2:80" -m -w 0
	got=$(client udp "$VIP" 83 $(printf '10.0.1.2:%d ' $(seq $((base + 1)) $((base + 20)))) | xargs)
	n=$(count "$1" $got)
	diag "fo${2:+ after $2 weight 0}: $got"
	ktap_test_result "fo: all to $1${2:+ after $2 goes to weight 0}" test "$n" = 20
done

# ---- wrr: the smooth sequence, exactly.
# nginx_wrr N W...: the first N picks (1-based indexes) of smooth wrr.
nginx_wrr()
{
	"$PYTHON" -c '
import sys
n, w = int(sys.argv[1]), [int(x) for x in sys.argv[2:]]
cw, out = [0] * len(w), []
for _ in range(n):
    best = 0
    for i in range(len(w)):
        cw[i] += w[i]
        if cw[i] > cw[best]:
            best = i
    cw[best] -= sum(w)
    out.append("rs%d" % (best + 1))
print(" ".join(out))' "$@"
}
wrr_service()	# PORT W1 W2 W3
{
	adm -R <<-EOF
	-A -u $VIP:$1 -s wrr
	-a -u $VIP:$1 -r ${RS[0]}:80 -m -w $2
	-a -u $VIP:$1 -r ${RS[1]}:80 -m -w $3
	-a -u $VIP:$1 -r ${RS[2]}:80 -m -w $4
	EOF
}
wrr_service 91 5 1 1
got=$(client udp "$VIP" 91 $(printf '10.0.1.2:%d ' $(seq 35001 35014)) | xargs)
want="rs1 rs1 rs2 rs1 rs3 rs1 rs1 rs1 rs1 rs2 rs1 rs3 rs1 rs1"
diag "wrr 5 1 1: $got"
ktap_test_result "wrr 5 1 1: a a b a c a a, twice" test "$got" = "$want"
wrr_service 92 30001 20000 10000
got=$(client udp "$VIP" 92 $(printf '10.0.1.2:%d ' $(seq 35101 35112)) | xargs)
sleep 2		# the worker publishes the table meanwhile
got+=" $(client udp "$VIP" 92 $(printf '10.0.1.2:%d ' $(seq 35113 35124)) | xargs)"
want=$(nginx_wrr 24 30001 20000 10000)
diag "wrr 30001 20000 10000: $got"
ktap_test_result "wrr with a 60,001-pick period follows nginx's sequence" \
	test "$got" = "$want"
adm -e -u "$VIP:91" -r "${RS[1]}:80" -m -w 3
got=$(client udp "$VIP" 91 $(printf '10.0.1.2:%d ' $(seq 35201 35209)) | xargs)
want=$(nginx_wrr 9 5 3 1)
diag "wrr 5 3 1 after the change: $got"
ktap_test_result "wrr: a weight change restarts the sequence ($want)" \
	test "$got" = "$want"

# ---- p2c: weights 1 2 5, 400 new connections: about 50 100 250.
adm -R <<-EOF
-A -u $VIP:84 -s p2c
-a -u $VIP:84 -r ${RS[0]}:80 -m -w 1
-a -u $VIP:84 -r ${RS[1]}:80 -m -w 2
-a -u $VIP:84 -r ${RS[2]}:80 -m -w 5
EOF
got=$(client udp "$VIP" 84 $(printf '10.0.1.2:%d ' $(seq 31001 31400)))
c=($(count rs1 $got) $(count rs2 $got) $(count rs3 $got))
diag "p2c, weights 1 2 5, 400 connections: ${c[*]} (ideal 50 100 250)"
ok=1
for i in 0 1 2; do
	want=$((400 * (i == 0 ? 1 : i == 1 ? 2 : 5) / 8))
	d=$((c[i] - want))
	((d < 0)) && d=$((-d))
	((d * 100 <= want * 25 + 500)) || ok=0
done
ktap_test_result "p2c: 400 connections follow weights 1:2:5 (${c[*]})" test $ok = 1

adm -A -u "$VIP:85" -s twos
for i in 0 1 2; do adm -a -u "$VIP:85" -r "${RS[i]}:80" -m -w $((i + 1)); done
got=$(client udp "$VIP" 85 $(printf '10.0.1.2:%d ' $(seq 32001 32030)))
sched=$(adm -Ln | awk -v s="$VIP:85" '$1 == "UDP" && $2 == s { print $3 }')
n=$((30 - $(count none $got)))
ktap_test_result "twos: accepted ($sched), $n/30 answered" test "$sched:$n" = "twos:30"

# ---- sh and mh: stability, spread, quiescing, fallback.
# hashed NAME PORT FLAGVAR: the common part; sets R1 (first round).
hashed()
{
	local name=$1 port=$2 r2 used moved changed other ok i
	local -a a b
	adm -A -u "$VIP:$port" -s "$name"
	for i in 0 1 2; do adm -a -u "$VIP:$port" -r "${RS[i]}:80" -m; done
	R1=$(udp_keys "$port")
	r2=$(udp_keys "$port")
	used=$(for x in $R1; do echo "$x"; done | sort | uniq -c | xargs)
	diag "$name: $NKEYS client addresses over the servers: $used"
	ok=1
	[[ $R1 == "$r2" ]] || ok=0
	[[ $R1 == *none* ]] && ok=0
	for x in rs1 rs2 rs3; do [[ $(count $x $R1) -gt 20 ]] || ok=0; done
	ktap_test_result "$name: each client address keeps its server, addresses spread ($used)" test $ok = 1

	# Quiesce rs2: its clients are refused, nobody else moves.
	adm -e -u "$VIP:$port" -r "${RS[1]}:80" -m -w 0
	r2=$(udp_keys "$port")
	a=($R1) b=($r2)
	ok=1
	for ((i = 0; i < NKEYS; i++)); do
		if [[ ${a[i]} == rs2 ]]; then
			[[ ${b[i]} == none ]] && continue
		else
			[[ ${b[i]} == "${a[i]}" ]] && continue
		fi
		ok=0
		diag "$name: client ${CLIENTS[i]} went from ${a[i]} to ${b[i]}"
	done
	ktap_test_result "$name: rs2 at weight 0 refuses its $(count rs2 $R1) clients, others stay" test $ok = 1
	adm -E -u "$VIP:$port" -s "$name" -b "$name-fallback"
	r2=$(udp_keys "$port")
	b=($r2)
	ok=1
	for ((i = 0; i < NKEYS; i++)); do
		if [[ ${a[i]} == rs2 ]]; then
			[[ ${b[i]} == rs1 || ${b[i]} == rs3 ]] || ok=0
		else
			[[ ${b[i]} == "${a[i]}" ]] || ok=0
		fi
	done
	ktap_test_result "$name-fallback: rs2's clients served by others, others stay" test $ok = 1
	adm -E -u "$VIP:$port" -s "$name"
	adm -e -u "$VIP:$port" -r "${RS[1]}:80" -m -w 1
}

hashed sh 86
adm -A -u "$VIP:87" -s sh -b sh-port
for i in 0 1 2; do adm -a -u "$VIP:87" -r "${RS[i]}:80" -m; done
got=$(client udp "$VIP" 87 $(printf '10.0.1.2:%d ' $(seq 33001 33060)))
c=($(count rs1 $got) $(count rs2 $got) $(count rs3 $got))
ktap_test_result "sh-port: 60 ports of one address spread (${c[*]})" \
	test "${c[0]}" -gt 5 -a "${c[1]}" -gt 5 -a "${c[2]}" -gt 5

hashed mh 88
r_back=$(udp_keys 88)
adm -a -u "$VIP:88" -r "${RS[0]}:8081" -m
r4=$(udp_keys 88)
moved=$(diff_keys "$r_back" "$r4")
to4=$(count rs4 $r4)
frac=$(awk -v m="$moved" -v n="$NKEYS" 'BEGIN { printf "%.3f", m / n }')
# Maglev is not perfectly minimal: a few slots also change hands between
# the old destinations (Maglev paper, Fig. 12); allow up to 5 % of keys.
diag "mh: adding a 4th destination moved $moved of $NKEYS keys ($frac; ideal 0.25), $to4 of them to rs4, $((moved - to4)) between the others"
ktap_test_result "mh: 4th destination moves $frac of keys, $to4 to it" \
	test "$moved" -ge $((NKEYS * 12 / 100)) -a "$moved" -le $((NKEYS * 40 / 100)) \
	-a $((moved - to4)) -le $((NKEYS * 5 / 100))
adm -d -u "$VIP:88" -r "${RS[0]}:8081"
r5=$(udp_keys 88)
moved=$(diff_keys "$r_back" "$r5" "mh: differing after the removal")
diag "mh: after removing it again, $moved keys differ from before"
ktap_test_result "mh: removing it restores every key" test "$moved" = 0

# Switch the sh service to mh with mh-port (a scheduler swap under a live
# service): one address's ports spread.
adm -E -u "$VIP:86" -s mh -b mh-port
got=$(client udp "$VIP" 86 $(printf '10.0.1.2:%d ' $(seq 34001 34060)))
c=($(count rs1 $got) $(count rs2 $got) $(count rs3 $got))
sched=$(adm -Ln | awk -v s="$VIP:86" '$1 == "UDP" && $2 == s { print $3, $4 }')
ktap_test_result "mh-port after sh -> mh ($sched): 60 ports of one address spread (${c[*]})" \
	test "${c[0]}" -gt 5 -a "${c[1]}" -gt 5 -a "${c[2]}" -gt 5

ktap_finished

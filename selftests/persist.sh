#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Persistence and the behaviours operators lean on when they drain or
# replace real servers, with real traffic through NAT services to the three
# real servers, from ten client addresses:
#   -p       each client keeps its server over TCP and UDP connections, new
#            clients are scheduled (rr: in turn); the templates are listed
#            by -Lnc as IPVS lists them and counted in PersistConn.
#   -M       a /24 granularity puts a whole subnet on one server.
#   fwmark   a persistent fwmark service covers TCP and UDP with one
#            template ("IP", the mark as its address).
#   timeout  a template outlives its timeout while a connection it made
#            lives, as IPVS keeps it.
#   drain    a quiesced (weight 0) server keeps its flows, gets no new
#            ones, and keeps its persistent clients,
#            unless net.vlb.expire_quiescent_template; a removed one loses
#            them to the others; one edited from NAT to DR keeps its NAT
#            flows, replies included.
#   -o       one-packet scheduling: every datagram of one socket balanced
#            on its own, nothing left in the table.
#   expire_nodest_conn  a UDP flow to a removed server is dropped, or with
#            the sysctl rescheduled at once.
#   sloppy_tcp  a mid-stream ACK opens a connection only with the sysctl.
#   -x       a server at its upper threshold is skipped by the scheduler,
#            and taken again once the threshold is raised.

. "$(dirname "$0")/lib.sh"

require_root
[[ -r $VLB_KO && -x $VLBADM ]] || ktap_skip_all "vlb.ko or vlbadm not built"

NCLIENTS=10
CLIENTS=()
for ((i = 0; i < NCLIENTS; i++)); do
	CLIENTS+=("10.0.3.$((10 + i))")
done

# The client side, one process per batch.
#   tcp ADDR PORT SRC...   one connection from each SRC in turn, its answer
#   udp ADDR PORT SRC...   one datagram from each SRC ("addr[:port]")
#   same ADDR PORT PROTO SRC N  N requests from one socket (UDP: one
#                          bound port; TCP: new connections from SRC)
#   many ADDR PORT N       N connections opened one after the other and
#                          held, then each asked in turn
#   hold ADDR PORT SRC WAIT  a connection opened and left idle, WAIT
#                          seconds, a second connection answered, then
#                          the first: both answers
CLIENT_PY='
import socket, sys, time
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
def tcp(src):
    s = socket.socket()
    s.settimeout(3)
    s.bind((src, 0))
    s.connect((addr, port))
    return s
def ask(s):
    try:
        s.sendall(b"hello\n")
        return s.recv(100).decode().strip() or "none"
    except OSError:
        return "none"
def udp(s):
    try:
        s.sendto(b"hello\n", (addr, port))
        return s.recv(100).decode().strip()
    except OSError:
        return "none"
out = []
if mode == "tcp":
    for src in sys.argv[4:]:
        try:
            out.append(ask(tcp(src)))
        except OSError:
            out.append("none")
elif mode == "udp":
    for src in sys.argv[4:]:
        a, _, p = src.partition(":")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.bind((a, int(p or 0)))
        out.append(udp(s))
elif mode == "same":
    proto, src, n = sys.argv[4], sys.argv[5], int(sys.argv[6])
    if proto == "udp":
        a, _, p = src.partition(":")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.bind((a, int(p or 0)))
        out = [udp(s) for _ in range(n)]
    else:
        out = [ask(tcp(src)) for _ in range(n)]
elif mode == "many":
    conns = []
    for _ in range(int(sys.argv[4])):
        conns.append(tcp("0.0.0.0"))
        time.sleep(0.05)    # let the final ACK reach the director first
    out = [ask(c) for c in conns]
elif mode == "hold":
    first = tcp(sys.argv[4])
    time.sleep(float(sys.argv[5]))
    out.append(ask(tcp(sys.argv[4])))
    out.append(ask(first))
print(" ".join(out))
'

client()
{
	in_ns "$C" "$PYTHON" -c "$CLIENT_PY" "$@"
}

adm()
{
	in_ns "$D" "$VLBADM" "$@"
}

dsysctl()
{
	in_ns "$D" sh -c "echo $2 >/proc/sys/net/vlb/$1"
}

# all_same WORD...: every word equal (and not "none").
all_same()
{
	local w
	[[ $1 != none ]] || return 1
	for w; do [[ $w == "$1" ]] || return 1; done
}

# rs_of NAME: the address of real server NAME (rs1..rs3).
rs_of()
{
	echo "${RS_ADDRS[${1#rs} - 1]}"
}

ktap_print_header
ktap_set_plan 24

if ! vlb_load || ! topo_create || ! topo_servers 80; then
	ktap_test_fail "topology, servers and vlb.ko"
	for i in $(seq 22); do ktap_test_skip "persistence check" "no topology"; done
	ktap_finished
fi
cbatch= dbatch=
for a in "${CLIENTS[@]}"; do
	cbatch+="addr add $a/32 dev eth0"$'\n'
	dbatch+="neigh replace $a lladdr $CLIENT_MAC nud permanent dev eth0"$'\n'
done
dbatch+="route add 10.0.3.0/24 dev eth0"$'\n'
ip -n "$C" -b - <<<"$cbatch" && ip -n "$D" -b - <<<"$dbatch"
ktap_test_result "topology with $NCLIENTS client addresses" test $? = 0

RS=("${RS_ADDRS[@]}")
service3()	# PROTO-FLAG VIP:PORT OPTIONS...: a NAT service over rs1..rs3
{
	local f=$1 s=$2
	shift 2
	adm -R <<-EOF
	-A $f $s -s rr $*
	-a $f $s -r ${RS[0]}:80 -m
	-a $f $s -r ${RS[1]}:80 -m
	-a $f $s -r ${RS[2]}:80 -m
	EOF
}

# ---- -p over TCP: three rounds over six clients.
service3 -t "$VIP:90" -p 60
rounds=()
for r in 1 2 3; do
	rounds+=("$(client tcp "$VIP" 90 "${CLIENTS[@]:0:6}")")
done
diag "rounds: ${rounds[*]}"
ok=1
for ((i = 0; i < 6; i++)); do
	col=()
	for r in 0 1 2; do
		set -- ${rounds[r]}
		shift "$i"
		col+=("$1")
	done
	all_same "${col[@]}" || ok=0
done
ktap_test_result "-p: every client keeps its server over 3 connections" test $ok = 1
ktap_test_result "-p: new clients are scheduled in turn (rr)" \
	test "${rounds[0]}" = "rs1 rs2 rs3 rs1 rs2 rs3"

conns=$(adm -Lnc)
ntpl=$(awk '$1 == "TCP" && $3 == "NONE" && $4 ~ /^10\.0\.3\.[0-9]+:0$/ &&
	$5 == "'"$VIP"':90"' <<<"$conns" | wc -l)
diag "$(grep -m3 NONE <<<"$conns")"
ktap_test_result "-Lnc lists one template per client (6: port 0, NONE)" \
	test "$ntpl" = 6
pc=$(adm -Ln --persistent-conn -t "$VIP:90" | awk '$1 == "->" && $2 != "RemoteAddress:Port" { print $4 }' | xargs)
diag "PersistConn: $pc"
ktap_test_result "--persistent-conn counts 2 templates per server" test "$pc" = "2 2 2"

# ---- -M 255.255.255.0: one template for the whole /24.
service3 -t "$VIP:91" -p 60 -M 255.255.255.0
got=$(client tcp "$VIP" 91 "${CLIENTS[@]}")
diag "-M /24: $got"
ktap_test_result "-M 255.255.255.0: ten clients of one /24 on one server" all_same $got
ntpl=$(adm -Lnc | awk '$3 == "NONE" && $5 == "'"$VIP"':91"' | wc -l)
ktap_test_result "-M 255.255.255.0: one template, masked address" \
	test "$ntpl" = 1 -a "$(adm -Lnc | awk '$3 == "NONE" && $5 == "'"$VIP"':91" { print $4 }')" = 10.0.3.0:0

# ---- UDP: datagrams from many ports of one client.
service3 -u "$VIP:92" -p 60
got=$(client udp "$VIP" 92 $(printf "${CLIENTS[0]}:%d " $(seq 31001 31008)) \
	$(printf "${CLIENTS[1]}:%d " $(seq 31001 31008)))
diag "udp: $got"
set -- $got
ok=0
all_same "${@:1:8}" && all_same "${@:9:8}" && [[ $1 != "$9" ]] && ok=1
ktap_test_result "-p over UDP: each client's ports all go to its server" test $ok = 1

# ---- fwmark 7 over TCP and UDP port 93, persistent.
in_ns "$D" nft -f - <<-EOF
table ip vlbtest {
	chain pre {
		type filter hook prerouting priority -350;
		ip daddr $VIP tcp dport 93 meta mark set 7
		ip daddr $VIP udp dport 93 meta mark set 7
	}
}
EOF
adm -R <<-EOF
-A -f 7 -s rr -p 60
-a -f 7 -r ${RS[0]}:80 -m
-a -f 7 -r ${RS[1]}:80 -m
-a -f 7 -r ${RS[2]}:80 -m
EOF
t=$(client tcp "$VIP" 93 "${CLIENTS[2]}" "${CLIENTS[3]}")
u=$(client udp "$VIP" 93 "${CLIENTS[2]}" "${CLIENTS[3]}")
diag "fwmark: tcp $t, udp $u"
ktap_test_result "fwmark -p: a client's TCP and UDP share one server" \
	eval '[[ "$t" == "$u" && $t != *none* ]]'
tpl=$(adm -Lnc | awk '$1 == "IP" && $3 == "NONE" && $4 == "'"${CLIENTS[2]}"':0" { print $5 }')
ktap_test_result "fwmark template listed as IP, mark as address (0.0.0.7:0)" \
	test "$tpl" = 0.0.0.7:0

# ---- A template outlives its 1 s timeout while a connection it made lives.
service3 -t "$VIP:94" -p 1
got=$(client hold "$VIP" 94 "${CLIENTS[4]}" 3)
diag "held 3 s past a 1 s template: $got"
read -r a b <<<"$got"
ktap_test_result "-p 1: a second connection 3 s later joins the live one" \
	eval '[[ $a != none && $a == "$b" ]]'

# ---- Drain: weight 0 keeps persistent clients, unless the sysctl says no.
service3 -t "$VIP:95" -p 60
first=$(client tcp "$VIP" 95 "${CLIENTS[5]}")
srv=$(rs_of "$first")
adm -e -t "$VIP:95" -r "$srv:80" -m -w 0
again=$(client tcp "$VIP" 95 "${CLIENTS[5]}")
ktap_test_result "weight 0: the persistent client stays on $first" test "$again" = "$first"
dsysctl expire_quiescent_template 1
moved=$(client tcp "$VIP" 95 "${CLIENTS[5]}")
dsysctl expire_quiescent_template 0
diag "quiesced $first: stays $again, with expire_quiescent_template $moved"
ktap_test_result "expire_quiescent_template: the client moves off $first" \
	eval '[[ $moved != none && $moved != "$first" ]]'
# Removing the destination of a template: the client is rescheduled.
first=$(client tcp "$VIP" 95 "${CLIENTS[6]}")
adm -d -t "$VIP:95" -r "$(rs_of "$first"):80"
moved=$(client tcp "$VIP" 95 "${CLIENTS[6]}")
diag "removed $first: client now on $moved"
ktap_test_result "a removed server's persistent client is rescheduled" \
	eval '[[ $moved != none && $moved != "$first" ]]'

# ---- One-packet scheduling.
service3 -u "$VIP:96" -o
service3 -u "$VIP:97"
ops=$(client same "$VIP" 96 udp "${CLIENTS[7]}:32000" 6)
nops=$(client same "$VIP" 97 udp "${CLIENTS[7]}:32000" 6)
diag "-o: $ops; without: $nops"
ktap_test_result "-o: six datagrams of one socket go rs1..rs3 twice" \
	test "$ops" = "rs1 rs2 rs3 rs1 rs2 rs3"
ktap_test_result "-o leaves no connection; without -o one server takes all" \
	eval '[[ -z $(adm -Lnc | awk "\$5 == \"$VIP:96\"") ]] && all_same $nops'

# ---- Weight 0 without persistence: flows drain, new ones go elsewhere.
service3 -u "$VIP:101"
first=$(client same "$VIP" 101 udp "${CLIENTS[8]}:33100" 1)
adm -e -u "$VIP:101" -r "$(rs_of "$first"):80" -m -w 0
kept=$(client same "$VIP" 101 udp "${CLIENTS[8]}:33100" 2)
new=$(client udp "$VIP" 101 "${CLIENTS[8]}:33101" "${CLIENTS[8]}:33102" "${CLIENTS[8]}:33103")
diag "quiesced $first: its flow then $kept, new flows $new"
ktap_test_result "weight 0: the established flow drains on $first, new ones avoid it" \
	eval '[[ $kept == "$first $first" && $new != *"$first"* && $new != *none* ]]'

# ---- A NAT server edited to DR: its NAT connections keep working, replies
# included (the director still un-NATs them, as their connection says; a
# reply it let pass unchanged would come from the server's address and
# miss the client's socket). Alone: other NAT services to the same
# servers would keep their addresses counted as NAT ones.
adm -C
service3 -t "$VIP:80"
coproc HELD { in_ns "$C" "$PYTHON" -u -c "$HELD_CLIENT" "$VIP" 80 2>&1; }
read -r -t 30 -u "${HELD[0]}" up
rs=$(adm -Lnc | awk -v v="$VIP:80" '$5 == v && $3 == "ESTABLISHED" { print $6 }')
err=$(adm -e -t "$VIP:80" -r "$rs" -g 2>&1) || diag "edit: $err"
fwd=$(adm -Ln | awk -v r="$rs" '$2 == r { print $3 }')
echo go >&"${HELD[1]}"
read -r -t 30 -u "${HELD[0]}" kept
diag "$rs edited from -m to -g ($fwd): its NAT connection ($up) then answered $kept"
ktap_test_result "-m edited to -g: the NAT connection's replies still come back ($kept)" \
	eval '[[ $up == up && $fwd == Route && $kept == rs[123] &&
		$(rs_of "$kept"):80 == "$rs" ]]'

# ---- expire_nodest_conn: a UDP flow whose server was removed.
service3 -u "$VIP:98"
first=$(client same "$VIP" 98 udp "${CLIENTS[8]}:33000" 1)
adm -d -u "$VIP:98" -r "$(rs_of "$first"):80"
dropped=$(client same "$VIP" 98 udp "${CLIENTS[8]}:33000" 1)
dsysctl expire_nodest_conn 1
moved=$(client same "$VIP" 98 udp "${CLIENTS[8]}:33000" 1)
dsysctl expire_nodest_conn 0
diag "removed $first: then $dropped, with expire_nodest_conn $moved"
ktap_test_result "removed server: its UDP flow is dropped by default" test "$dropped" = none
ktap_test_result "expire_nodest_conn: the same flow is rescheduled at once" \
	eval '[[ $moved != none && $moved != "$first" ]]'

# ---- sloppy_tcp: a mid-stream ACK to the service.
service3 -t "$VIP:99"
in_ns "$C" "$PYTHON" "$NETHELPER" rawtcp --src "${CLIENTS[9]}" --dst "$VIP" \
	--dport 99 --sports 34001 --flags A >/dev/null
n0=$(adm -Lnc | grep -c "${CLIENTS[9]}:34001")
dsysctl sloppy_tcp 1
in_ns "$C" "$PYTHON" "$NETHELPER" rawtcp --src "${CLIENTS[9]}" --dst "$VIP" \
	--dport 99 --sports 34002 --flags A >/dev/null
n1=$(adm -Lnc | grep -c "${CLIENTS[9]}:34002")
dsysctl sloppy_tcp 0
ktap_test_result "sloppy_tcp: an ACK opens a connection only with the sysctl" \
	test "$n0:$n1" = 0:1

# ---- Thresholds: rs1 takes one connection, then is skipped while full.
adm -R <<-EOF
-A -t $VIP:100 -s rr
-a -t $VIP:100 -r ${RS[0]}:80 -m -x 1
-a -t $VIP:100 -r ${RS[1]}:80 -m
-a -t $VIP:100 -r ${RS[2]}:80 -m
EOF
got=$(client many "$VIP" 100 6)
diag "rs1 at -x 1: $got"
ktap_test_result "-x 1: rr skips rs1 once it holds a connection" \
	test "$got" = "rs1 rs2 rs3 rs2 rs3 rs2"
adm -e -t "$VIP:100" -r "${RS[0]}:80" -m -x 100
got=$(client many "$VIP" 100 3)
diag "rs1 at -x 100: $got"
ktap_test_result "-x raised: rs1 is scheduled again" eval '[[ $got == *rs1* ]]'

in_ns "$D" sh -c 'echo 2 >/proc/sys/net/vlb/expire_nodest_conn' 2>/dev/null
ktap_test_result "sysctls refuse values out of range" \
	test "$(in_ns "$D" cat /proc/sys/net/vlb/expire_nodest_conn)" = 0

ktap_finished

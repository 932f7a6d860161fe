#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# NAT (masquerading) with round robin, end to end: a client namespace sends
# TCP and UDP requests to the virtual IP; the three real servers behind the
# director must answer in turn, in the order the listing shows them, and the
# service and destination counters of `-Ln --stats --exact` must equal the
# traffic exactly. UDP is one packet each way per request, so its counters
# are known in advance; TCP's packet count depends on timing, so it is taken
# from the client link's own counters (the only traffic on that link).
#
# The same scenario runs on vlb with nf_conntrack unloaded, on vlb with
# conntrack loaded and tracking in the director's namespace (an nftables
# "ct state" rule is what makes conntrack hook a namespace), and on the
# kernel's IPVS with ipvsadm, which checks the test itself (run_case's CT=1
# works on IPVS too: VLB_NAT_IPVS_CT=1).

. "$(dirname "$0")/lib.sh"

require_root
require_command ss

ROUNDS=2
UDP_REQ_BYTES=$((20 + 8 + 6))	# IPv4 + UDP headers + "hello\n"

have_ipvs=0
command -v ipvsadm >/dev/null && modprobe ip_vs 2>/dev/null && have_ipvs=1
have_vlb=0
[[ -r $VLB_KO && -x $VLBADM ]] && have_vlb=1

ktap_print_header
ktap_set_plan $((${VLB_NAT_IPVS_CT:-0} == 1 ? 20 : 15))

# expect_turns ORDER ANSWERS: the answers go round the destinations in a
# fixed cycle, each answering once per round: ORDER (the listing order) or
# its reverse (IPVS's rr walks its list newest first while ipvsadm shows it
# oldest first), from any starting point.
expect_turns()
{
	local -a order=($1) ans=($2)
	local i n=${#order[@]} dir start=-1 ok
	((${#ans[@]} == n * ROUNDS)) || return 1
	for ((i = 0; i < n; i++)); do
		[[ ${order[i]%:*} == "10.0.2.1${ans[0]#rs}" ]] && start=$i
	done
	((start >= 0)) || return 1
	for dir in 1 -1; do
		ok=1
		for ((i = 0; i < ${#ans[@]}; i++)); do
			[[ ${order[((start + dir * i) % n + n) % n]%:*} == \
				"10.0.2.1${ans[i]#rs}" ]] || ok=0
		done
		((ok)) && return 0
	done
	return 1
}

# client_link: "packets_sent bytes_sent packets_received bytes_received" of
# IP traffic on the client's link since the last client_link_mark (the
# Ethernet header, 14 bytes, is not part of what the balancer counts).
client_link_mark()
{
	read -r RXB0 RXP0 TXB0 TXP0 < <(link_stats "$C" eth0)
}

client_link()
{
	local rb rp tb tp
	read -r rb rp tb tp < <(link_stats "$C" eth0)
	rp=$((rp - RXP0))
	tp=$((tp - TXP0))
	echo "$tp $((tb - TXB0 - 14 * tp)) $rp $((rb - RXB0 - 14 * rp))"
}

# stats_match ADM PROTO [WANT_IN WANT_OUT]: whether the service's packet
# counters have reached the expected values, by default what the client
# link has carried. Polled: the last TCP ACKs may still be on their way,
# and IPVS folds its per-CPU counters into what it reports only every two
# seconds.
stats_match()
{
	local got gin gout win=${3:-} wout=${4:-} l
	got=$(in_ns "$D" "$1" -Ln --stats --exact | list_stats "$2" "$VIP:80")
	read -r _ gin gout _ <<<"$got"
	if [[ -z $win ]]; then
		read -ra l < <(client_link)
		win=${l[0]}
		wout=${l[2]}
	fi
	[[ $gin == "$win" && $gout == "$wout" ]]
}

# run_case NAME ADM CT: one full scenario on a fresh topology; with CT=1
# conntrack tracks in the director's namespace.
run_case()
{
	local name=$1 adm=$2 ct=$3 proto i order ans listing ok want got dest hooks
	local -a l v sum

	if ! topo_create || ! topo_servers 80; then
		for i in 1 2 3 4 5; do ktap_test_fail "$name: topology"; done
		cleanup_all
		return
	fi
	in_ns "$D" "$adm" -R <<-EOF
	-A -t $VIP:80 -s rr
	-a -t $VIP:80 -r ${RS_ADDRS[0]}:80 -m
	-a -t $VIP:80 -r ${RS_ADDRS[1]}:80 -m
	-a -t $VIP:80 -r ${RS_ADDRS[2]}:80 -m
	-A -u $VIP:80 -s rr
	-a -u $VIP:80 -r ${RS_ADDRS[0]}:80 -m
	-a -u $VIP:80 -r ${RS_ADDRS[1]}:80 -m
	-a -u $VIP:80 -r ${RS_ADDRS[2]}:80 -m
	EOF
	if ((ct)); then
		in_ns "$D" nft -f - <<-EOF
		table ip vlbtest {
			chain pre {
				type filter hook prerouting priority 0;
				ct state new counter
				ct state untracked counter
			}
		}
		EOF
	fi
	listing=$(in_ns "$D" "$adm" -Ln)
	diag "$listing"

	for proto in TCP UDP; do
		order=$(list_dests $proto $VIP:80 <<<"$listing" | xargs)
		client_link_mark
		ans=$(client_requests ${proto,,} $VIP 80 $((3 * ROUNDS)) | xargs)
		diag "$proto answers: $ans"
		if expect_turns "$order" "$ans"; then
			ktap_test_pass "$name: $proto rr answers in turn ($order)"
		else
			ktap_test_fail "$name: $proto rr answers in turn ($order)"
		fi

		# Expected counters: UDP from first principles, TCP from the link.
		if [[ $proto == UDP ]]; then
			want="$((3 * ROUNDS)) $((3 * ROUNDS)) $((3 * ROUNDS))"
			want+=" $((3 * ROUNDS * UDP_REQ_BYTES)) $((3 * ROUNDS * (UDP_REQ_BYTES - 2)))"
			busywait 5000 stats_match "$adm" UDP $((3 * ROUNDS)) $((3 * ROUNDS))
		else
			busywait 5000 stats_match "$adm" TCP
		fi
		read -ra l < <(client_link)
		diag "$proto client link: sent ${l[0]} packets ${l[1]} bytes, received ${l[2]} packets ${l[3]} bytes"
		[[ $proto == TCP ]] && want="$((3 * ROUNDS)) ${l[0]} ${l[2]} ${l[1]} ${l[3]}"
		listing=$(in_ns "$D" "$adm" -Ln --stats --exact)
		got=$(list_stats $proto $VIP:80 <<<"$listing")
		ok=1
		if [[ $got != "$want" ]]; then
			diag "$proto service counters: want '$want', got '$got'"
			ok=0
		fi
		# Each destination: ROUNDS connections, and the destinations'
		# counters add up to the service's.
		sum=(0 0 0 0 0)
		for dest in $order; do
			read -ra v <<<"$(list_stats $proto $VIP:80 "$dest" <<<"$listing")"
			[[ ${v[0]} == "$ROUNDS" ]] || { diag "$dest: ${v[*]}"; ok=0; }
			for i in 0 1 2 3 4; do sum[i]=$((sum[i] + ${v[i]:-0})); done
		done
		if [[ "${sum[*]}" != "$want" ]]; then
			diag "$proto destinations add up to '${sum[*]}', want '$want'"
			ok=0
		fi
		if ((ok)); then
			ktap_test_pass "$name: $proto counters exact ($want)"
		else
			diag "$listing"
			ktap_test_fail "$name: $proto counters exact"
		fi
	done

	if ((ct)); then
		# conntrack must have been in the path: an nftables ct rule
		# registers its hooks in the namespace, and the rule must have
		# seen the flows' packets (as new, or as untracked when the
		# balancer opts them out of conntrack, as vlb does).
		got=$(in_ns "$D" nft list chain ip vlbtest pre |
			sed -n 's/.*ct state \([a-z]*\) counter packets \([0-9]*\).*/\1=\2/p' | xargs)
		hooks=$(in_ns "$D" nft list hooks ip 2>&1 | grep -o 'ipv4_conntrack_in')
		diag "nftables ct counters: $got; conntrack hook listed: ${hooks:-no (old kernel)}"
		if (($(tr -c '0-9\n' ' ' <<<"$got" | xargs -n1 | awk '{ s += $1 } END { print s + 0 }') > 0)); then
			ktap_test_pass "$name: conntrack was in the path ($got)"
		else
			ktap_test_fail "$name: conntrack was in the path ($got)"
		fi
	else
		got=$(in_ns "$D" "$adm" -C && in_ns "$D" "$adm" -Sn)
		ktap_test_result "$name: flush leaves nothing" test -z "$got"
	fi
	cleanup_all
}

skip5()
{
	local i
	for i in 1 2 3 4 5; do ktap_test_skip "$1" "$2"; done
}

# vlb first: without conntrack needs nf_conntrack unloaded, which IPVS and
# the nftables ct expression hold.
if ((have_vlb)); then
	conntrack_unload
	if [[ -d /sys/module/nf_conntrack ]]; then
		skip5 "vlb without conntrack" "nf_conntrack is in use: $(ls /sys/module/nf_conntrack/holders)"
	elif vlb_load; then
		run_case "vlb without conntrack" "$VLBADM" 0
	else
		skip5 "vlb without conntrack" "cannot load vlb.ko"
	fi
	if ! command -v nft >/dev/null; then
		skip5 "vlb with conntrack" "nft is not installed"
	elif modprobe nf_conntrack && vlb_load; then
		run_case "vlb with conntrack" "$VLBADM" 1
	else
		skip5 "vlb with conntrack" "cannot load nf_conntrack or vlb.ko"
	fi
else
	skip5 "vlb without conntrack" "vlb.ko or vlbadm not built"
	skip5 "vlb with conntrack" "vlb.ko or vlbadm not built"
fi

if ((have_ipvs)); then
	modprobe ip_vs && modprobe ip_vs_rr
	run_case "ipvs" ipvsadm 0
	[[ ${VLB_NAT_IPVS_CT:-} == 1 ]] && run_case "ipvs with conntrack" ipvsadm 1
	ipvs_unload
else
	skip5 "ipvs" "no ip_vs or ipvsadm"
fi

ktap_finished

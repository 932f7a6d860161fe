#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vlbadm against ipvsadm: one rich configuration (TCP, UDP and fwmark
# services, IPv4 and IPv6, the schedulers both have, persistence with
# masks, one-packet scheduling, thresholds, weights, masquerading, direct
# routing and the tunnel types, a mixed-family tunnel, a service with many
# destinations, addresses whose order trips ipvsadm's sorting quirk) is
# applied with ipvsadm to the kernel's IPVS in one namespace and with
# vlbadm, one command per line, to vlb in the test's own. Every listing must then
# be byte-identical except the version line. Then the save/restore round
# trips: vlbadm -Sn | vlbadm -R, and a file written by ipvsadm -Sn restored
# into vlb.
#
# Blocks of the configuration that need a scheduler vlb may not have (sh,
# mh, sed, nq) are used only when vlb accepts their service.

. "$(dirname "$0")/lib.sh"
set -f	# IPv6 "[addr]:port" arguments are no glob patterns

require_root
enter_private_netns "$@"
require_ipvs

# The part every vlb must take: services and their destinations, in -R form.
CORE=$(cat <<'EOF'
-A -t 10.0.0.1:80 -s rr
-a -t 10.0.0.1:80 -r 192.168.10.1:80 -m -w 1
-a -t 10.0.0.1:80 -r 192.168.10.2:8080 -m -w 5 -x 100 -y 10
-a -t 10.0.0.1:80 -r 10.1.0.3:8080 -g -w 0
-a -t 10.0.0.1:80 -r 10.1.0.4 -i -w 3
-a -t 10.0.0.1:80 -r 10.1.0.5:80 -i -w 2 --tun-type gue --tun-port 6080 --tun-csum
-a -t 10.0.0.1:80 -r 10.1.0.6:80 -i -w 2 --tun-type gue --tun-port 6081 --tun-remcsum
-a -t 10.0.0.1:80 -r 10.1.0.7:80 -i -w 4 --tun-type gre --tun-csum
-a -t 10.0.0.1:80 -r 10.1.0.8:80 -i --tun-type gre --tun-nocsum
-a -t 10.0.0.1:80 -r [2001:db8:99::1]:80 -i -w 7
-A -t 10.0.0.1:443 -s wlc -p 300 -M 255.255.255.0
-a -t 10.0.0.1:443 -r 192.168.10.1:443 -m -w 2 -x 50
-a -t 10.0.0.1:443 -r 192.168.10.2:443 -m -w 3 -x 2000000 -y 1999999
-A -t 10.0.0.1:8443 -s lc -p
-a -t 10.0.0.1:8443 -r 172.16.0.1 -g
-A -t 10.0.0.3:0 -s rr -p 1
-a -t 10.0.0.3:0 -r 10.1.0.9:0 -m
-A -u 10.0.0.2:53 -s lc
-a -u 10.0.0.2:53 -r 192.168.10.3:53 -g -w 1
-a -u 10.0.0.2:53 -r 192.168.10.4:5353 -m -w 10 -y 5 -x 6
-A -u 10.0.0.2:54 -s rr -o
-a -u 10.0.0.2:54 -r 192.168.10.5:54 -m -w 2147483647
-A -u 10.0.0.2:55 -s wrr -p 2678400 -M 255.255.0.0 -o
-a -u 10.0.0.2:55 -r 192.168.10.6 -m
-A -f 1 -s wrr
-a -f 1 -r 192.168.20.1:0 -m -w 2
-a -f 1 -r 192.168.20.2 -g -w 3
-a -f 1 -r 192.168.20.3:8080 -m
-A -f 2147483647 -s rr -p 60 -M 255.255.255.128
-a -f 2147483647 -r 10.7.0.1 -i
-A -f 2 -6 -s wlc
-a -f 2 -6 -r [2001:db8:2::1]:0 -m -w 4
-a -f 2 -6 -r [2001:db8:2::2]:443 -m -w 5
-A -f 3 -6 -s rr -p 120 -M 48 -o
-a -f 3 -6 -r [2001:db8:3::1]:0 -g
-A -t [2001:db8::80]:80 -s wlc
-a -t [2001:db8::80]:80 -r [2001:db8:1::1]:80 -m -w 1
-a -t [2001:db8::80]:80 -r [2001:db8:1::2]:8080 -m -w 2 -x 10
-a -t [2001:db8::80]:80 -r [2001:db8:1::3]:80 -i --tun-type gue --tun-port 7000
-A -u [2001:db8::53]:53 -s rr -p 600 -M 64
-a -u [2001:db8::53]:53 -r [2001:db8:1::3]:53 -m
-a -u [2001:db8::53]:53 -r [2001:db8:1::4]:53 -g -w 9
-A -t [2001:db8::1]:0 -s lc -p
-a -t [2001:db8::1]:0 -r [2001:db8:1::9]:0 -m
-A -t 10.0.0.10:80 -s rr -b flag-1,flag-2
-A -u 10.0.0.11:53 -s wlc -p 10 -b flag-3
-a -u 10.0.0.11:53 -r 10.1.0.11:53 -g -w 3
-A -t 203.0.113.200:65535 -s wrr
-A -t 198.51.100.1:80 -s wrr
EOF
)
# Many destinations in one service, with varied weights and thresholds.
for i in $(seq 1 40); do
	CORE+=$'\n'"-a -t 198.51.100.1:80 -r 10.$((i % 3 * 100 + 10)).$((i / 7)).$i:$((8000 + i % 5)) -m -w $((i * 37 % 101)) -x $((i * 10)) -y $((i * 5))"
done

# Blocks that need a scheduler vlb may lack; each starts with its -A line.
OPTIONAL=(
"-A -u 10.0.0.5:53 -s sh -b sh-fallback,sh-port
-a -u 10.0.0.5:53 -r 192.168.30.1:53 -m
-a -u 10.0.0.5:53 -r 192.168.30.2:53 -m -w 3"
"-A -t 10.0.0.6:80 -s sh -b sh-port
-a -t 10.0.0.6:80 -r 192.168.30.3:80 -m"
"-A -t 10.0.0.7:80 -s mh -b mh-fallback,mh-port
-a -t 10.0.0.7:80 -r 192.168.30.4:80 -m -w 2
-a -t 10.0.0.7:80 -r 192.168.30.5:80 -m"
"-A -t [2001:db8::7]:80 -s mh -b mh-port
-a -t [2001:db8::7]:80 -r [2001:db8:7::1]:80 -m"
"-A -t 10.0.0.8:80 -s sed
-a -t 10.0.0.8:80 -r 192.168.30.6:80 -m"
"-A -t 10.0.0.9:80 -s nq -p
-a -t 10.0.0.9:80 -r 192.168.30.7:80 -m"
)

# The listings compared, each an argument string for both tools.
LISTINGS=(
	"-Ln"
	"-Ln --thresholds"
	"-Ln --persistent-conn"
	"-Ln --stats --exact"
	"-Ln --stats"
	"-Ln --rate"
	"-Ln --rate --exact"
	"-Sn"
	"-L --timeout"
	"-Ln -t 10.0.0.1:80"
	"-Ln -u [2001:db8::53]:53 --stats"
	"-Ln -f 2 -6 --thresholds"
	"-S -n"
)

have_vlb=0
[[ -r $VLB_KO && -x $VLBADM ]] && vlb_load && have_vlb=1
modprobe -a ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sh ip_vs_mh ip_vs_sed \
	ip_vs_nq 2>/dev/null

ktap_print_header
ktap_set_plan $((3 + ${#LISTINGS[@]} + 6))

setup_ns IPVS

# Sanity of the reference itself.
if in_ns "$IPVS" ipvsadm -R <<<"$CORE"; then
	ktap_test_pass "ipvsadm restores the configuration into IPVS"
else
	ktap_test_fail "ipvsadm restores the configuration into IPVS"
fi

if ((!have_vlb)); then
	for ((i = 1; i < 3 + ${#LISTINGS[@]} + 6; i++)); do
		ktap_test_skip "vlb comparison $i" "vlb.ko or vlbadm not built"
	done
	ktap_finished
fi

# vlb: one command per line, as an administrator would type them.
bad=0
while read -r line; do
	# shellcheck disable=SC2086
	if ! out=$("$VLBADM" $line 2>&1); then
		diag "vlbadm $line: $out"
		bad=$((bad + 1))
	fi
done <<<"$CORE"
ktap_test_result "vlbadm takes every core command ($bad failed)" test $bad = 0

taken=0
for block in "${OPTIONAL[@]}"; do
	first=${block%%$'\n'*}
	# shellcheck disable=SC2086
	if out=$("$VLBADM" $first 2>&1); then
		ok=1
		while read -r line; do
			# shellcheck disable=SC2086
			out=$("$VLBADM" $line 2>&1) || {
				diag "vlbadm $line: $out"
				ok=0
			}
		done < <(tail -n +2 <<<"$block")
		in_ns "$IPVS" ipvsadm -R <<<"$block" || ok=0
		((ok)) && taken=$((taken + 1))
	else
		diag "vlb does not take '$first': $out"
	fi
done
ktap_test_pass "optional blocks (sh, mh, sed, nq) taken by vlb: $taken of ${#OPTIONAL[@]}"

# same_output DESC ARGS: both tools' output identical but for the version line.
normalize()
{
	sed -E '1s/^(IP Virtual Server|vlb) version [0-9.]+ \(size=[0-9]+\)$/<version line>/'
}

same_output()
{
	local desc=$1 args=$2 a b rca rcb
	# shellcheck disable=SC2086
	a=$(in_ns "$IPVS" ipvsadm $args 2>&1 | normalize; exit "${PIPESTATUS[0]}")
	rca=$?
	# shellcheck disable=SC2086
	b=$("$VLBADM" $args 2>&1 | normalize; exit "${PIPESTATUS[0]}")
	rcb=$?
	if [[ $a == "$b" && $rca == "$rcb" ]]; then
		ktap_test_pass "$desc"
		return 0
	fi
	diag "ipvsadm $args exited $rca, vlbadm $args exited $rcb" \
		"$(diff -u <(echo "$a") <(echo "$b") | head -n 60)"
	# Trailing spaces matter: show them when the lines look alike.
	diag "$(diff <(echo "$a" | cat -A) <(echo "$b" | cat -A) | head -n 20)"
	ktap_test_fail "$desc"
	return 1
}

for args in "${LISTINGS[@]}"; do
	same_output "identical: $args" "$args"
done

in_ns "$IPVS" ipvsadm --set 1000 60 200
"$VLBADM" --set 1000 60 200
same_output "identical after --set 1000 60 200: -L --timeout" "-L --timeout"

in_ns "$IPVS" ipvsadm -Z
"$VLBADM" -Z
same_output "identical after -Z: -Ln --stats --exact" "-Ln --stats --exact"

# Round trip: what vlbadm saves, vlbadm restores, identically.
saved=$("$VLBADM" -Sn)
"$VLBADM" -C
left=$("$VLBADM" -Sn)
"$VLBADM" -R <<<"$saved"
again=$("$VLBADM" -Sn)
ktap_test_result "-C leaves no service" test -z "$left"
if [[ -n $saved && $saved == "$again" ]]; then
	ktap_test_pass "vlbadm -Sn | vlbadm -R round trip is identical"
else
	diag "$(diff -u <(echo "$saved") <(echo "$again") | head -n 40)"
	ktap_test_fail "vlbadm -Sn | vlbadm -R round trip is identical"
fi
same_output "after the round trip: -Ln" "-Ln"

# A file saved by ipvsadm restores into vlb.
file=$(mktemp)
defer rm -f "$file"
in_ns "$IPVS" ipvsadm -Sn >"$file"
"$VLBADM" -C
if "$VLBADM" -R <"$file"; then
	same_output "a file saved by ipvsadm -Sn restores into vlb: -Sn" "-Sn"
else
	ktap_test_fail "a file saved by ipvsadm -Sn restores into vlb: -Sn"
fi

ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control plane through vlbadm: every command and option once, checked
# in the -Sn listing afterwards, then bad input. Every bad request must exit
# non-zero with a message naming the problem and leave the configuration
# (-Sn and the timeouts) exactly as it was. Ends with malformed netlink
# requests that no vlbadm command line can produce (genl_raw.py) and with
# the permission checks: no CAP_NET_ADMIN over the namespace, no access; a
# user namespace's own network namespace, full access.
#
# VLB_REFERENCE=ipvs runs the portable part against ipvsadm and the kernel's
# IPVS instead, which is how the expectations here were checked.

. "$(dirname "$0")/lib.sh"
set -f	# IPv6 "[addr]:port" arguments are no glob patterns

require_root
enter_private_netns "$@"
if [[ ${VLB_REFERENCE:-} == ipvs ]]; then
	require_ipvs
	ADM_BIN=$(command -v ipvsadm)
	VLB_ONLY=0
else
	require_vlb
	ADM_BIN=$VLBADM
	VLB_ONLY=1
fi

adm()
{
	"$ADM_BIN" "$@"
}

state()
{
	adm -Sn 2>&1
	adm -L --timeout 2>&1
}

has_line()
{
	adm -Sn | grep -qxF -- "$1"
}

# ok DESC LINE|"!LINE"|- ARGS...: the command succeeds and afterwards -Sn
# has LINE (or, with a leading !, no longer has it; - checks nothing).
ok()
{
	local desc=$1 want=$2 out
	shift 2
	KNOWN_STATE=
	if ! out=$(adm "$@" 2>&1); then
		diag "${ADM_BIN##*/} $*: $out"
		ktap_test_fail "$desc"
		return
	fi
	if [[ $want == - ]] || { [[ $want == !* ]] && ! has_line "${want#!}"; } ||
		{ [[ $want != !* ]] && has_line "$want"; }; then
		ktap_test_pass "$desc"
	else
		diag "${ADM_BIN##*/} $*: -Sn does not show ${want}" "$(adm -Sn)"
		ktap_test_fail "$desc"
	fi
}

# bad DESC REGEX ARGS...: the command fails, prints an error matching REGEX
# (case-insensitive) and changes nothing. KNOWN_STATE saves listing the
# state before when the previous check listed it after.
bad()
{
	local desc=$1 re=$2 before after out rc
	shift 2
	before=${KNOWN_STATE:-$(state)}
	out=$(adm "$@" 2>&1 >/dev/null)
	rc=$?
	after=$(state)
	KNOWN_STATE=$after
	diag "${ADM_BIN##*/} $*: exit $rc: ${out%%$'\n'*}"
	if ((rc == 0)); then
		ktap_test_fail "$desc: rejected"
	elif [[ -z $out ]]; then
		ktap_test_fail "$desc: rejected with an error message"
	elif ! grep -qiE -- "$re" <<<"$out"; then
		diag "the message does not match /$re/"
		ktap_test_fail "$desc: the error names the problem"
	elif [[ $before != "$after" ]]; then
		diag "$(diff -u <(echo "$before") <(echo "$after"))"
		ktap_test_fail "$desc: configuration unchanged"
	else
		ktap_test_pass "$desc"
	fi
}

ktap_print_header

# ------------------------------------------------------------ services
ok "-A TCP service with -s rr" "-A -t 10.0.0.1:80 -s rr" -A -t 10.0.0.1:80 -s rr
ok "-A without -s uses wlc" "-A -t 10.0.0.1:81 -s wlc" -A -t 10.0.0.1:81
ok "-A UDP service, persistent with netmask" "-A -u 10.0.0.1:53 -s lc -p 120 -M 255.255.255.0" \
	-A -u 10.0.0.1:53 -s lc -p 120 -M 255.255.255.0
ok "-p without a timeout means 360 s" "-A -t 10.0.0.2:0 -s rr -p 360" -A -t 10.0.0.2:0 -s rr -p
ok "-A fwmark service" "-A -f 5 -s wrr" -A -f 5 -s wrr
ok "-A IPv6 fwmark service (-6)" "-A -f 6 -6 -s rr -p 60 -M 64" -A -f 6 -6 -s rr -p 60 -M 64
ok "-A IPv6 TCP service" "-A -t [2001:db8::1]:443 -s wlc" -A -t [2001:db8::1]:443 -s wlc
ok "-A one-packet UDP service (-o)" "-A -u 10.0.0.3:514 -s rr -o" -A -u 10.0.0.3:514 -s rr -o
ok "-b sets generic scheduler flags" "-A -t 10.0.0.5:80 -s rr -b flag-1,flag-2" \
	-A -t 10.0.0.5:80 -s rr -b flag-1,flag-2
ok "--sched-flags with persistence" "-A -t 10.0.0.6:80 -s wlc -p 10 -b flag-3" \
	-A -t 10.0.0.6:80 -s wlc --persistent 10 --sched-flags flag-3
ok "long options: --add-service --tcp-service --scheduler" "-A -t 10.0.0.4:80 -s wrr" \
	--add-service --tcp-service 10.0.0.4:80 --scheduler wrr
ok "-E changes scheduler and persistence" "-A -t 10.0.0.1:81 -s rr -p 100" \
	-E -t 10.0.0.1:81 -s rr -p 100
ok "-E without -p clears persistence (as ipvsadm)" "-A -t 10.0.0.1:81 -s rr" \
	-E -t 10.0.0.1:81 -s rr
ok "-E without -s resets the scheduler to wlc (as ipvsadm)" "-A -t 10.0.0.4:80 -s wlc" \
	--edit-service -t 10.0.0.4:80

# ------------------------------------------------------- destinations
ok "-a masquerading with weight and thresholds" \
	"-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 3" \
	-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 3 -x 100 -y 50
ok "-a direct routing (-g) forces the service port" "-a -t 10.0.0.1:80 -r 10.1.0.2:80 -g -w 1" \
	-a -t 10.0.0.1:80 -r 10.1.0.2:8080 -g
ok "-a tunnel (-i), default ipip" "-a -t 10.0.0.1:80 -r 10.1.0.3:80 -i -w 2 --tun-type ipip" \
	-a -t 10.0.0.1:80 -r 10.1.0.3 -i -w 2
ok "-a tunnel --tun-type gue --tun-port --tun-csum" \
	"-a -t 10.0.0.1:80 -r 10.1.0.4:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum" \
	-a -t 10.0.0.1:80 -r 10.1.0.4:80 -i --tun-type gue --tun-port 6080 --tun-csum
ok "-a tunnel --tun-type gre --tun-nocsum" \
	"-a -t 10.0.0.1:80 -r 10.1.0.5:80 -i -w 1 --tun-type gre --tun-nocsum" \
	-a -t 10.0.0.1:80 -r 10.1.0.5:80 -i --tun-type gre --tun-nocsum
ok "-a IPv6 tunnel destination of an IPv4 service" \
	"-a -t 10.0.0.1:80 -r [2001:db8:1::5]:80 -i -w 1 --tun-type ipip" \
	-a -t 10.0.0.1:80 -r [2001:db8:1::5]:80 -i
ok "-a to a fwmark service, port kept (0)" "-a -f 5 -r 10.1.0.6:0 -m -w 4" -a -f 5 -r 10.1.0.6 -m -w 4
ok "-a IPv6 destination" "-a -t [2001:db8::1]:443 -r [2001:db8:2::1]:443 -m -w 1" \
	-a -t [2001:db8::1]:443 -r [2001:db8:2::1]:443 -m
ok "long options: --add-server --real-server --masquerading --weight" \
	"-a -t 10.0.0.4:80 -r 10.1.0.7:80 -m -w 9" \
	--add-server --tcp-service 10.0.0.4:80 --real-server 10.1.0.7:80 --masquerading --weight 9
ok "-a --u-threshold --l-threshold" "-a -u 10.0.0.1:53 -r 10.1.0.8:53 -m -w 1" \
	-a -u 10.0.0.1:53 -r 10.1.0.8:53 -m --u-threshold 20 --l-threshold 10
ok "-a weight 0 (quiesced)" "-a -u 10.0.0.1:53 -r 10.1.0.9:53 -g -w 0" \
	-a -u 10.0.0.1:53 -r 10.1.0.9:53 -w 0
ok "-e changes method and weight" "-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 7" \
	-e -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 7
ok "-e without -w resets the weight to 1 (as ipvsadm)" "-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 1" \
	--edit-server -t 10.0.0.1:80 -r 10.1.0.1:8080 -m
ok "-d removes a destination" "!-a -t 10.0.0.1:80 -r 10.1.0.5:80 -i -w 1 --tun-type gre --tun-nocsum" \
	-d -t 10.0.0.1:80 -r 10.1.0.5:80
ok "--delete-server (long)" "!-a -u 10.0.0.1:53 -r 10.1.0.9:53 -g -w 0" \
	--delete-server -u 10.0.0.1:53 -r 10.1.0.9:53

# ------------------------------------------------------------ listings
listing_has()
{
	local desc=$1 re=$2 out
	shift 2
	if out=$(adm "$@" 2>&1) && grep -qE -- "$re" <<<"$out"; then
		ktap_test_pass "$desc"
	else
		diag "${ADM_BIN##*/} $*:" "$out"
		ktap_test_fail "$desc"
	fi
}
if ((VLB_ONLY)); then
	listing_has "-Ln starts with the vlb version line" '^vlb version [0-9]+\.[0-9]+\.[0-9]+ \(size=[0-9]+\)$' -Ln
else
	listing_has "-Ln starts with the version line" '^IP Virtual Server version' -Ln
fi
listing_has "-Ln lists the thresholds with --thresholds" \
	'^  -> 10\.1\.0\.1:8080 +0 +0 +0 +0 +$' -Ln --thresholds
listing_has "-Ln -t shows one service" '^TCP  10\.0\.0\.1:80 rr$' -Ln -t 10.0.0.1:80
listing_has "-l is -L" '^FWM  5 wrr$' -l -n
listing_has "--list --numeric (long)" '^UDP  10\.0\.0\.3:514 rr ops$' --list --numeric
listing_has "--stats header" '^Prot LocalAddress:Port +Conns +InPkts +OutPkts +InBytes +OutBytes$' -Ln --stats
listing_has "--rate header" '^Prot LocalAddress:Port +CPS +InPPS +OutPPS +InBPS +OutBPS$' -Ln --rate
listing_has "--exact counters" '^  -> 10\.1\.0\.1:8080 +0 +0 +0 +0 +0$' -Ln --stats --exact
listing_has "--persistent-conn header" 'Weight +PersistConn +ActiveConn +InActConn' -Ln --persistent-conn
listing_has "--sort is accepted" '^TCP  \[2001:db8::1\]:443 wlc$' -Ln --sort
listing_has "-Lnc lists connections" '^pro expire state +source +virtual +destination$' -Lnc
listing_has "-h prints the usage" '-A\|E|--add-service' -h
ok "-Z zeroes every counter" - -Z
ok "-Z one service" - -Z -t 10.0.0.1:80
ok "--set changes the timeouts" - --set 100 20 30
listing_has "-L --timeout shows them" '^Timeout \(tcp tcpfin udp\): 100 20 30$' -L --timeout
ok "--set 0 keeps a timeout" - --set 0 21 0
listing_has "-L --timeout after --set 0 21 0" '^Timeout \(tcp tcpfin udp\): 100 21 30$' -L --timeout

if ((VLB_ONLY)); then
	out=$(adm -Ln --json 2>&1)
	if n=$("$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
def count(o):
	if isinstance(o, dict):
		return sum(count(v) for v in o.values()) + (1 if "scheduler" in o or "sched" in o else 0)
	if isinstance(o, list):
		return sum(count(v) for v in o)
	return 0
print(count(d))' <<<"$out") && [[ $n -ge 9 ]]; then
		ktap_test_pass "--json is valid JSON listing every service ($n)"
	else
		diag "-Ln --json:" "${out:0:2000}"
		ktap_test_fail "--json is valid JSON listing every service"
	fi
	out=$(adm -Ln --stats --json 2>&1)
	if "$PYTHON" -c 'import json,sys; json.load(sys.stdin)' <<<"$out"; then
		ktap_test_pass "--stats --json is valid JSON"
	else
		diag "${out:0:2000}"
		ktap_test_fail "--stats --json is valid JSON"
	fi
fi

# -------------------------------------------------------- save/restore
saved=$(adm -Sn)
ok "-D deletes a service and its destinations" "!-A -t 10.0.0.1:80 -s rr" -D -t 10.0.0.1:80
ok "--delete-service (long)" "!-A -f 6 -6 -s rr -p 60 -M 64" --delete-service -f 6 -6
ok "-C clears everything" - -C
listing_has "-Ln after -C lists no service" '^  -> RemoteAddress:Port +Forward Weight ActiveConn InActConn$' -Ln
ktap_test_result "-Sn after -C is empty" test -z "$(adm -Sn)"
KNOWN_STATE=
adm -R <<<"$saved"
ktap_test_result "-R restores what -S saved" test "$(adm -Sn)" == "$saved"
adm -C
printf 'ipvsadm -A -t 10.0.0.9:80 -s rr\n-a -t 10.0.0.9:80 -r 10.1.0.1:80 -m\n\n' | adm -R
ktap_test_result "-R takes lines with a leading 'ipvsadm' and blank lines" \
	has_line "-a -t 10.0.0.9:80 -r 10.1.0.1:80 -m -w 1"
adm -C
adm -R <<<"$saved"
KNOWN_STATE=

# ------------------------------------------------------------ bad input
bad "unknown scheduler" 'sched' -A -t 10.0.0.1:90 -s nosuch
bad "bad IPv4 address" 'address|host|invalid|illegal' -A -t 10.0.0.300:80 -s rr
bad "bad IPv6 address" 'address|host|invalid|illegal' -A -t [2001:db8::zz]:80 -s rr
bad "port 0 without persistence" 'port|persist' -A -t 10.0.0.1:0 -s rr
bad "port 65536" 'port|address|illegal' -A -t 10.0.0.1:65536 -s rr
bad "real server port 65536" 'port|address|illegal' -a -t 10.0.0.1:80 -r 10.1.1.1:65536 -m
bad "weight < 0" 'weight' -a -t 10.0.0.1:80 -r 10.1.1.1:80 -m -w -1
bad "weight > INT_MAX" 'weight' -a -t 10.0.0.1:80 -r 10.1.1.1:80 -m -w 2147483648
bad "upper threshold < lower threshold" 'thresh|range' -a -t 10.0.0.1:80 -r 10.1.1.1:80 -m -x 5 -y 10
bad "duplicate service" 'exist' -A -t 10.0.0.1:80 -s wlc
bad "duplicate destination" 'exist' -a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m
bad "deleting a service that does not exist" 'no such|not (found|defined|exist)|does not exist' \
	-D -t 10.0.0.1:99
bad "deleting a destination that does not exist" 'no such|not (found|defined|exist)|does not exist' \
	-d -t 10.0.0.1:80 -r 10.1.1.99:80
bad "editing a service that does not exist" 'no such|not (found|defined|exist)|does not exist' \
	-E -t 10.0.0.1:99 -s rr
bad "editing a destination that does not exist" 'no such|not (found|defined|exist)|does not exist' \
	-e -t 10.0.0.1:80 -r 10.1.1.99:80 -w 2
bad "adding a destination to a missing service" 'no such|not (found|defined|exist)|does not exist' \
	-a -t 10.0.0.1:99 -r 10.1.1.1:80 -m
bad "family mismatch (IPv6 NAT server of an IPv4 service)" 'family' \
	-a -t 10.0.0.1:80 -r [2001:db8::9]:80 -m
bad "-6 without -f" '6|fwmark|illegal|only' -A -t 10.0.0.1:91 -6 -s rr
bad "fwmark 0" 'fwmark|mark|zero|illegal|invalid' -A -f 0 -s rr
bad "one-packet scheduling on TCP" 'one-packet|udp|ops' -A -t 10.0.0.1:92 -s rr -o
bad "persistence timeout 0" 'timeout|persist|illegal|invalid' -A -t 10.0.0.1:93 -s rr -p 0
bad "persistence timeout above 31 days" 'timeout|persist|illegal|invalid' -A -t 10.0.0.1:93 -s rr -p 2678401
# IPVS takes any mask; vlb keeps a prefix length, so it must refuse one.
((VLB_ONLY)) &&
	bad "non-contiguous netmask" 'mask|illegal|invalid' -A -t 10.0.0.1:94 -s rr -p -M 255.0.255.0
bad "--tun-port without gue" 'tun|port|conflict' -a -t 10.0.0.1:80 -r 10.1.1.2:80 -i --tun-port 9
bad "tunnel options with masquerading" 'tun|conflict' -a -t 10.0.0.1:80 -r 10.1.1.3:80 -m --tun-type gre
bad "sh flags with another scheduler" 'flag|sched|illegal' -A -t 10.0.0.1:95 -s rr -b sh-port
bad "--set above 31 days" 'timeout|range|illegal|invalid' --set 2678401 0 0
bad "an unknown option" 'option|unrecognized|unknown|bad' -A -t 10.0.0.1:96 --bogus
bad "two commands at once" 'command|option|illegal|only|multiple' -A -D -t 10.0.0.1:97

# ------------------------------------------------------------ permissions
permission()
{
	local desc=$1 before after out rc
	shift
	before=${KNOWN_STATE:-$(state)}
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	after=$(state)
	KNOWN_STATE=$after
	diag "$*: exit $rc: ${out%%$'\n'*}"
	if ((rc != 0)) && grep -qiE 'permi|not permitted|denied' <<<"$out" &&
		[[ $before == "$after" ]]; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}
permission "an unprivileged user cannot add a service" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$ADM_BIN" -A -t 10.0.0.1:98 -s rr
permission "an unprivileged user cannot list" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$ADM_BIN" -Ln
permission "root of a new user namespace cannot add a service in ours" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	unshare -Ur "$ADM_BIN" -A -t 10.0.0.1:98 -s rr
permission "root of a new user namespace cannot flush ours" \
	unshare -Ur "$ADM_BIN" -C
if ((VLB_ONLY)); then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Urn sh -c "
		'$ADM_BIN' -A -t 10.0.0.1:80 -s rr && '$ADM_BIN' -a -t 10.0.0.1:80 -r 10.1.0.1:80 -m &&
		'$ADM_BIN' -Sn" 2>&1)
	if [[ $out == *"-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1"* ]]; then
		ktap_test_pass "a user namespace administers its own network namespace"
	else
		diag "$out"
		ktap_test_fail "a user namespace administers its own network namespace"
	fi
fi

# ------------------------------------------------- malformed netlink requests
if ((VLB_ONLY)); then
	out=$("$PYTHON" "$SELFTESTS/genl_raw.py" --first $((KTAP_NUM + 1)) 2>&1)
	echo "$out"
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	if ((p + f == 0)); then
		ktap_test_fail "genl_raw.py ran"
	fi
	KTAP_NUM=$((KTAP_NUM + p + f))
	KTAP_PASS=$((KTAP_PASS + p))
	KTAP_FAIL=$((KTAP_FAIL + f))
	after=$(adm -Sn)
	ktap_test_result "malformed requests changed nothing" test "$after" == "$saved"
fi

ktap_finished

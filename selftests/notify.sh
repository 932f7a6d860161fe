#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration-change notifications: `vlbadm --monitor` (subscribed to the
# family's "config" multicast group) must print one line per change, in
# order, for service and destination add/edit/delete, --set and flush, and
# nothing for a request that failed or for changes in another namespace.

. "$(dirname "$0")/lib.sh"
set -f	# IPv6 "[addr]:port" arguments are no glob patterns

require_root
enter_private_netns "$@"
require_vlb

setup_ns OTHER
log=$(mktemp)
defer rm -f "$log"

adm()
{
	"$VLBADM" "$@"
}

seen()
{
	grep -qxF -- "$1" "$log"
}

"$VLBADM" --monitor >"$log" 2>&1 &
MONITOR=$!
defer kill "$MONITOR"

ktap_print_header

# The monitor subscribes some time after it starts: repeat a probe change
# until it shows up, then start from a known line.
probe()
{
	adm -A -t 10.9.9.9:9 -s rr 2>/dev/null
	adm -D -t 10.9.9.9:9 2>/dev/null
	busywait 300 seen "del -D -t 10.9.9.9:9"
}
if busywait 20000 probe; then
	ktap_test_pass "--monitor receives events"
else
	diag "monitor output:" "$(cat "$log")"
	ktap_test_fail "--monitor receives events"
	ktap_finished
fi
start=$(($(wc -l <"$log") + 1))

# Each change and the line it must produce.
expected=()
change()
{
	local line=$1
	shift
	adm "$@" || diag "vlbadm $* failed"
	expected+=("$line")
}
change "new -A -t 10.0.0.1:80 -s rr" -A -t 10.0.0.1:80 -s rr
change "set -E -t 10.0.0.1:80 -s wlc -p 60" -E -t 10.0.0.1:80 -s wlc -p 60
change "new -a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 2" -a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 2
change "set -e -t 10.0.0.1:80 -r 10.1.0.1:80 -g -w 5" -e -t 10.0.0.1:80 -r 10.1.0.1:80 -g -w 5
# Failed requests and another namespace's changes must not show up.
adm -A -t 10.0.0.1:80 -s rr 2>/dev/null
adm -a -t 10.0.0.1:80 -r 10.1.0.1:80 -m 2>/dev/null
adm -D -t 10.0.0.99:80 2>/dev/null
in_ns "$OTHER" "$VLBADM" -A -t 10.0.0.50:80 -s rr
in_ns "$OTHER" "$VLBADM" -C
change "del -d -t 10.0.0.1:80 -r 10.1.0.1:80" -d -t 10.0.0.1:80 -r 10.1.0.1:80
change "new -A -u [2001:db8::1]:53 -s rr" -A -u [2001:db8::1]:53 -s rr
change "new -a -u [2001:db8::1]:53 -r [2001:db8:1::1]:53 -m -w 1" \
	-a -u [2001:db8::1]:53 -r [2001:db8:1::1]:53 -m
change "new -A -f 7 -s lc" -A -f 7 -s lc
change "del -D -t 10.0.0.1:80" -D -t 10.0.0.1:80
change "set --set 100 20 30" --set 100 20 30
change "flush" -C
# -R: one event per line.
printf -- '-A -t 10.0.0.2:80 -s rr\n-a -t 10.0.0.2:80 -r 10.1.0.2:80 -m\n' | adm -R
expected+=("new -A -t 10.0.0.2:80 -s rr" "new -a -t 10.0.0.2:80 -r 10.1.0.2:80 -m -w 1")
# A marker: every event before it has arrived once it has.
change "new -A -t 10.0.0.3:80 -s rr" -A -t 10.0.0.3:80 -s rr

busywait 10000 seen "new -A -t 10.0.0.3:80 -s rr"
mapfile -t got < <(tail -n +"$start" "$log")
for i in "${!expected[@]}"; do
	if [[ ${got[i]:-} == "${expected[i]}" ]]; then
		ktap_test_pass "event: ${expected[i]}"
	else
		diag "line $((i + 1)) after the probe: '${got[i]:-}'"
		ktap_test_fail "event: ${expected[i]}"
	fi
done
if ((${#got[@]} == ${#expected[@]})); then
	ktap_test_pass "no event for failed requests or other namespaces"
else
	diag "events:" "${got[@]}"
	ktap_test_fail "no event for failed requests or other namespaces"
fi
if kill -0 "$MONITOR" 2>/dev/null; then
	ktap_test_pass "--monitor keeps running"
else
	ktap_test_fail "--monitor keeps running"
fi

ktap_finished

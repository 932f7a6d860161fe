#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tear-down under load: `rmmod vlb` while services are configured, TCP and
# UDP traffic is flowing through them and a --monitor listener is
# subscribed; then deleting the director's namespace with live services and
# traffic. Both must free everything: the runner fails the test on any
# kernel warning, and vlb's slab caches (under slub_debug in the VM) report
# leftover objects when they are destroyed. No vlb cache may survive rmmod.

. "$(dirname "$0")/lib.sh"

require_root
require_command ss
require_vlb

FLOOD_SECONDS=60

adm()
{
	in_ns "$D" "$VLBADM" "$@"
}

no_vlb_slabs()
{
	! grep -q '^vlb' /proc/slabinfo
}

# A NAT rr service for TCP and UDP on a new topology, clients hammering it.
start_load()
{
	local proto i rules=
	topo_create && topo_servers 80 || return 1
	for proto in -t -u; do
		rules+="-A $proto $VIP:80 -s rr"$'\n'
		for i in 0 1 2; do
			rules+="-a $proto $VIP:80 -r ${RS_ADDRS[i]}:80 -m"$'\n'
		done
	done
	adm -R <<<"$rules" || return 1
	for proto in tcp udp; do
		in_ns "$C" "$PYTHON" "$NETHELPER" flood --proto $proto --addr $VIP \
			--port 80 --seconds $FLOOD_SECONDS >/dev/null 2>&1 &
	done
	# Until both protocols have connections through vlb.
	busywait 30000 flowing
}

flowing()
{
	local l
	l=$(adm -Ln --stats --exact)
	[[ $(list_stats TCP $VIP:80 <<<"$l" | cut -d' ' -f1) -ge 3 &&
		$(list_stats UDP $VIP:80 <<<"$l" | cut -d' ' -f1) -ge 3 ]]
}

ktap_print_header
ktap_set_plan 8

if start_load; then
	ktap_test_pass "traffic flows through vlb"
else
	diag "$(adm -Ln --stats --exact 2>&1)"
	ktap_test_fail "traffic flows through vlb"
fi
in_ns "$D" "$VLBADM" --monitor >/dev/null 2>&1 &
monitor=$!
defer kill $monitor
diag "$(adm -Lnc 2>/dev/null | wc -l) connection lines at rmmod"
out=$(rmmod vlb 2>&1)
ktap_test_result "rmmod under traffic with services configured" test -z "$out" -a ! -d /sys/module/vlb
[[ -n $out ]] && diag "$out"
ktap_test_result "no vlb slab cache is left" no_vlb_slabs
cleanup_all

if vlb_load; then
	ktap_test_pass "vlb.ko loads again"
else
	ktap_test_fail "vlb.ko loads again"
fi
if start_load; then
	ktap_test_pass "traffic flows again"
else
	ktap_test_fail "traffic flows again"
fi
# Delete the director's namespace under the same load.
ip netns del "$D"
NS_LIST=("${NS_LIST[@]/$D/}")
ktap_test_pass "director namespace deleted with live services"
cleanup_all
# rmmod waits for the namespace's teardown (pernet exit) to finish.
out=$(busywait 30000 rmmod vlb 2>&1)
ktap_test_result "rmmod after the namespace deletion" test ! -d /sys/module/vlb
ktap_test_result "no vlb slab cache is left after it" no_vlb_slabs

# Leave the module loaded, as the other tests expect to find it.
vlb_load
ktap_finished

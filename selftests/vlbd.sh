#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vlbd, the health-checking daemon, against real servers in namespaces:
# it programs a NAT service from a keepalived.conf-style file, removes a
# server whose listener stops within delay_loop*(retry+1)+connect_timeout
# (or sets it to weight 0 with inhibit_on_failure; or, under quorum, swaps
# in the sorry server), brings it back after `rise` successes, refuses a
# bad file on SIGHUP and applies a good one as a difference while a client
# keeps requesting, and survives kill -9 and a restart without a single
# change to the module (watched with vlbadm --monitor). One server of each
# checker kind: TCP_CHECK, HTTP_GET with an MD5 digest, MISC_CHECK.

. "$(dirname "$0")/lib.sh"

require_root
require_vlb
VLBD=${VLBD:-$TOP/tools/vlbd/vlbd}
[[ -x $VLBD ]] || ktap_skip_all "no $VLBD (make tools)"
require_command bash

# Timing of the checks, and the bounds they give.
DELAY_LOOP=1
RETRY=1
CONNECT_TIMEOUT=1
RISE=2
DOWN_BOUND_MS=$(((DELAY_LOOP * (RETRY + 1) + CONNECT_TIMEOUT) * 1000))
UP_BOUND_MS=$(((DELAY_LOOP * RISE + CONNECT_TIMEOUT) * 1000))
# Polling costs a vlbadm run (0.1-0.3 s under an emulated CPU): slack.
SLACK_MS=1500
# The bounds are checked on the module's own change events, which arrive
# within a few scheduling delays of the change: a smaller slack.
EVENT_SLACK_MS=500

ktap_print_header
ktap_set_plan 22

WORK=$(mktemp -d)
defer rm -rf "$WORK"
LOG=$WORK/vlbd.log
VLBD_PID=

topo_create || { diag "topology failed"; exit $KSFT_FAIL; }

# One echo-name server per real server, so that one can be stopped alone.
declare -a RS_PID
start_rs()
{
	local i=$1 line fd
	exec {fd}< <(exec "$PYTHON" "$NETHELPER" serve --port 80 \
		--ns "rs$((i + 1))=/run/netns/${RS_NS[i]}" 2>&1)
	RS_PID[i]=$!
	read -r -t 60 -u "$fd" line
	[[ $line == ready ]]
}

stop_rs()
{
	kill "${RS_PID[$1]}" 2>/dev/null
	wait "${RS_PID[$1]}" 2>/dev/null
}
defer eval 'for p in "${RS_PID[@]}"; do kill $p; done'

for i in 0 1 2; do
	start_rs $i || { diag "real server $i did not start"; exit $KSFT_FAIL; }
done

# conf FILE [RS3_WEIGHT] [EXTRA]: the configuration, with the third
# server's weight and extra text at the end (what the good reload changes).
write_conf()
{
	cat >"$1" <<-EOF
	! vlbd.sh: written for vlbd, in keepalived's syntax
	global_defs {
	    router_id vlbd-selftest
	    http_status 127.0.0.1 9180
	}
	virtual_server $VIP 80 {
	    delay_loop $DELAY_LOOP
	    lb_algo rr
	    lb_kind NAT
	    protocol TCP
	    retry $RETRY
	    delay_before_retry $DELAY_LOOP
	    connect_timeout $CONNECT_TIMEOUT
	    warmup 0
	    rise $RISE
	    real_server ${RS_ADDRS[0]} 80 {
	        TCP_CHECK {
	        }
	    }
	    real_server ${RS_ADDRS[1]} 80 {
	        HTTP_GET {
	            url {
	                path /health
	                digest $(printf 'rs2\n' | md5sum | cut -d' ' -f1)
	            }
	        }
	    }
	    real_server ${RS_ADDRS[2]} 80 {
	        weight ${2:-1}
	        MISC_CHECK {
	            misc_path "/bin/bash -c '</dev/tcp/${RS_ADDRS[2]}/80'"
	            misc_timeout 2
	        }
	    }
	}
	# the same servers, inhibited instead of removed
	virtual_server $VIP 81 {
	    delay_loop $DELAY_LOOP
	    lb_algo rr
	    lb_kind NAT
	    retry $RETRY
	    delay_before_retry $DELAY_LOOP
	    connect_timeout $CONNECT_TIMEOUT
	    warmup 0
	    inhibit_on_failure
	    real_server ${RS_ADDRS[0]} 80 {
	        TCP_CHECK {
	        }
	    }
	    real_server ${RS_ADDRS[1]} 80 {
	        TCP_CHECK {
	        }
	    }
	}
	# two servers needed, or the sorry server takes over
	virtual_server $VIP 82 {
	    delay_loop $DELAY_LOOP
	    lb_algo rr
	    lb_kind NAT
	    retry $RETRY
	    delay_before_retry $DELAY_LOOP
	    connect_timeout $CONNECT_TIMEOUT
	    warmup 0
	    quorum 2
	    sorry_server ${RS_ADDRS[2]} 80
	    real_server ${RS_ADDRS[0]} 80 {
	        TCP_CHECK {
	        }
	    }
	    real_server ${RS_ADDRS[1]} 80 {
	        TCP_CHECK {
	        }
	    }
	}
	# weight ramps up over slow_start when the server returns
	virtual_server $VIP 84 {
	    delay_loop $DELAY_LOOP
	    lb_algo wrr
	    lb_kind NAT
	    retry $RETRY
	    delay_before_retry $DELAY_LOOP
	    connect_timeout $CONNECT_TIMEOUT
	    warmup 0
	    slow_start 10
	    real_server ${RS_ADDRS[0]} 80 {
	        weight 20
	        TCP_CHECK {
	        }
	    }
	}
	${3:-}
	EOF
}

listing()
{
	in_ns "$D" "$VLBADM" -Ln
}

# dests PORT: the destinations of TCP VIP:PORT with their weights,
# "addr:port/weight ...", sorted.
dests()
{
	listing | awk -v s="$VIP:$1" '
		$1 != "->" { cur = ($1 == "TCP" && $2 == s) }
		$1 == "->" && cur && $2 != "RemoteAddress:Port" { print $2 "/" $4 }' |
		sort | xargs
}

dests_are()
{
	[[ $(dests "$1") == "$2" ]]
}

# Background processes are started with nsenter itself, not in_ns: the
# shell function would put a subshell between $! and the process.
start_vlbd()
{
	NOTIFY_SOCKET=${NOTIFY:-} nsenter --net="/run/netns/$D" "$VLBD" -f "$1" >>"$LOG" 2>&1 &
	VLBD_PID=$!
}
defer eval '[[ -n $VLBD_PID ]] && kill -9 $VLBD_PID'

# bash's own clock: no process to start, so event stamps do not lag
now_ms()
{
	local us=${EPOCHREALTIME/[.,]/}
	echo $((us / 1000))
}

log_has()
{
	grep -q -- "$1" "$LOG"
}

all3="${RS_ADDRS[0]}:80/1 ${RS_ADDRS[1]}:80/1 ${RS_ADDRS[2]}:80/1"
two="${RS_ADDRS[0]}:80/1 ${RS_ADDRS[1]}:80/1"

# 1: the file is valid
write_conf "$WORK/vlbd.conf"
ktap_test_result "vlbd -t accepts the configuration" "$VLBD" -t -f "$WORK/vlbd.conf"

# 2-3: start (with a systemd notification socket); every server of every
# service appears
socat -u UNIX-RECV:"$WORK/notify.sock" OPEN:"$WORK/notify.txt",creat,append &
notify_pid=$!
defer kill "$notify_pid"
busywait 5000 test -S "$WORK/notify.sock"
NOTIFY=$WORK/notify.sock start_vlbd "$WORK/vlbd.conf"
if busywait 15000 dests_are 80 "$all3"; then
	ktap_test_pass "vlbd programs TCP_CHECK, HTTP_GET and MISC_CHECK servers ($all3)"
else
	diag "$(listing)" "$(cat "$LOG")"
	ktap_test_fail "vlbd programs TCP_CHECK, HTTP_GET and MISC_CHECK servers"
fi
if busywait 5000 dests_are 81 "$two" && busywait 5000 dests_are 82 "$two"; then
	ktap_test_pass "the inhibit and quorum services have both servers"
else
	diag "$(listing)"
	ktap_test_fail "the inhibit and quorum services have both servers"
fi

# 4: traffic goes round the three
ans=$(client_requests tcp $VIP 80 6 | sort -u | xargs)
ktap_test_result "the client reaches every server ($ans)" test "$ans" == "rs1 rs2 rs3"

# 5: vlbd --status, from the endpoint in the director's namespace
st=$(in_ns "$D" "$VLBD" --status -f "$WORK/vlbd.conf" 2>&1)
if grep -q "^  ${RS_ADDRS[1]}:80 *up   weight 1/1" <<<"$st" &&
	grep -q "^    HTTP_GET   up   [0-9]* attempts, [0-9]* failed; last: /health: status 200" <<<"$st" &&
	grep -q "^TCP $VIP:84: quorum up" <<<"$st"; then
	ktap_test_pass "vlbd --status shows every server and the last result of its checks"
else
	diag "$st"
	ktap_test_fail "vlbd --status shows every server and the last result of its checks"
fi

# The module's change notifications, stamped as they arrive: when a
# destination really went or came, without the lag of polling listings.
nsenter --net="/run/netns/$D" "$VLBADM" --monitor > >(while IFS= read -r l; do
	us=${EPOCHREALTIME/[.,]/}; echo "$((us / 1000)) $l"; done >"$WORK/events") 2>&1 &
events_pid=$!
defer kill "$events_pid"
sleep 0.5

# event_ms SINCE TEXT: when the first event holding TEXT after SINCE came
event_ms()
{
	awk -v t="$1" -v s="$2" '$1 >= t && index($0, s) { print $1; exit }' "$WORK/events"
}

has_event()
{
	[[ -n $(event_ms "$@") ]]
}

# 6-9: rs1's listener stops
t0=$(now_ms)
stop_rs 0
down="${RS_ADDRS[1]}:80/1 ${RS_ADDRS[2]}:80/1"
busywait $((DOWN_BOUND_MS + SLACK_MS)) dests_are 80 "$down"
busywait 2000 has_event "$t0" "del -d -t $VIP:80 -r ${RS_ADDRS[0]}:80"
ev=$(event_ms "$t0" "del -d -t $VIP:80 -r ${RS_ADDRS[0]}:80")
if [[ -n $ev ]] && ((ev - t0 <= DOWN_BOUND_MS + EVENT_SLACK_MS)); then
	ktap_test_pass "a stopped server is removed in $((ev - t0)) ms (bound ${DOWN_BOUND_MS} ms)"
else
	diag "$(listing)" "$(tail -n 20 "$LOG")" "events:" "$(cat "$WORK/events")"
	ktap_test_fail "a stopped server is removed within ${DOWN_BOUND_MS} ms (${ev:+$((ev - t0)) ms})"
fi
if busywait $((DOWN_BOUND_MS + SLACK_MS)) dests_are 81 \
	"${RS_ADDRS[0]}:80/0 ${RS_ADDRS[1]}:80/1"; then
	ktap_test_pass "with inhibit_on_failure it stays at weight 0"
else
	diag "$(listing)"
	ktap_test_fail "with inhibit_on_failure it stays at weight 0"
fi
if busywait $((DOWN_BOUND_MS + SLACK_MS)) dests_are 82 "${RS_ADDRS[2]}:80/1"; then
	ktap_test_pass "below quorum the sorry server replaces the servers"
else
	diag "$(listing)"
	ktap_test_fail "below quorum the sorry server replaces the servers"
fi
ans=$(client_requests tcp $VIP 80 4 | sort -u | xargs)
ktap_test_result "the client only reaches the live servers ($ans)" test "$ans" == "rs2 rs3"

# 10-11: rs1 returns after RISE successes
start_rs 0
t0=$(now_ms)
busywait $((UP_BOUND_MS + SLACK_MS)) dests_are 80 "$all3"
busywait 2000 has_event "$t0" "new -a -t $VIP:80 -r ${RS_ADDRS[0]}:80"
ev=$(event_ms "$t0" "new -a -t $VIP:80 -r ${RS_ADDRS[0]}:80")
if [[ -n $ev ]] && ((ev - t0 <= UP_BOUND_MS + EVENT_SLACK_MS)); then
	ktap_test_pass "a restarted server returns in $((ev - t0)) ms (rise $RISE, bound ${UP_BOUND_MS} ms)"
else
	diag "$(listing)" "$(tail -n 20 "$LOG")" "events:" "$(cat "$WORK/events")"
	ktap_test_fail "a restarted server returns within ${UP_BOUND_MS} ms (${ev:+$((ev - t0)) ms})"
fi
if busywait 5000 dests_are 82 "$two" && busywait 3000 dests_are 81 "$two" &&
	log_has "succeeded $RISE times: up"; then
	ktap_test_pass "quorum is regained, the inhibited server is back at its weight"
else
	diag "$(listing)"
	ktap_test_fail "quorum is regained, the inhibited server is back at its weight"
fi

# 12: slow_start: the weight climbs to 20 over 10 s, in steps (seen at
# least once between 0 and 20, however late this test polls)
weights=
ramp_done()
{
	local w
	w=$(dests 84)
	w=${w##*/}
	[[ " $weights " == *" $w "* ]] || weights+=" $w"
	[[ $w == 20 ]]
}
if busywait $((10000 + SLACK_MS + 2000)) ramp_done && (($(wc -w <<<"$weights") >= 2)); then
	ktap_test_pass "slow_start ramps the returned server's weight up (weights seen:$weights)"
else
	diag "$(listing)"
	ktap_test_fail "slow_start ramps the returned server's weight up (weights seen:$weights)"
fi

# 13-14: a bad file on SIGHUP changes nothing
before=$(in_ns "$D" "$VLBADM" -Sn)
cp "$WORK/vlbd.conf" "$WORK/good.conf"
write_conf "$WORK/vlbd.conf" 1 "virtual_server $VIP 83 {
    lb_algo nosuch
}"
kill -HUP "$VLBD_PID"
if busywait 5000 log_has "reload refused: 1 error"; then
	ktap_test_pass "a bad file on SIGHUP is refused"
else
	diag "$(tail -n 20 "$LOG")"
	ktap_test_fail "a bad file on SIGHUP is refused"
fi
log_has "vlbd.conf:[0-9]*: lb_algo: unknown scheduler 'nosuch'" ||
	diag "the error is not in the log: $(tail -n 5 "$LOG")"
sleep 2
after=$(in_ns "$D" "$VLBADM" -Sn)
if [[ $before == "$after" ]] && kill -0 "$VLBD_PID"; then
	ktap_test_pass "after the refused reload the module and vlbd are unchanged"
else
	diag "before:" "$before" "after:" "$after"
	ktap_test_fail "after the refused reload the module and vlbd are unchanged"
fi

# 15-17: a good file on SIGHUP, under traffic: only the difference
nsenter --net="/run/netns/$C" "$PYTHON" "$NETHELPER" request --proto tcp --addr $VIP --port 80 \
	--count 40 >"$WORK/traffic" 2>&1 &
traffic=$!
sleep 0.5
mark=$(wc -l <"$LOG")
write_conf "$WORK/vlbd.conf" 3 "virtual_server $VIP 83 {
    lb_algo wrr
    real_server ${RS_ADDRS[0]} 80 {
    }
}"
kill -HUP "$VLBD_PID"
want="${RS_ADDRS[0]}:80/1 ${RS_ADDRS[1]}:80/1 ${RS_ADDRS[2]}:80/3"
if busywait 10000 dests_are 80 "$want" && busywait 5000 dests_are 83 "${RS_ADDRS[0]}:80/1"; then
	ktap_test_pass "a good file on SIGHUP is applied (weight 3, a new service)"
else
	diag "$(listing)" "$(tail -n 20 "$LOG")"
	ktap_test_fail "a good file on SIGHUP is applied"
fi
changes=$(tail -n +$((mark + 1)) "$LOG" | grep -E 'adding|setting|removing|deleted|service added')
diag "changes made by the reload:" "$changes"
if [[ $(grep -c . <<<"$changes") == 3 ]] &&
	grep -q "TCP $VIP:80: setting ${RS_ADDRS[2]}:80 weight 3" <<<"$changes" &&
	grep -q "TCP $VIP:83: service added" <<<"$changes" &&
	grep -q "TCP $VIP:83: adding ${RS_ADDRS[0]}:80 weight 1" <<<"$changes"; then
	ktap_test_pass "the reload changed exactly what differs (3 changes)"
else
	ktap_test_fail "the reload changed exactly what differs"
fi
wait "$traffic"
errors=$(grep -c '^error' "$WORK/traffic")
answers=$(grep -c '^rs' "$WORK/traffic")
ktap_test_result "no request failed during the reload ($answers answers, $errors errors)" \
	test "$errors" == 0 -a "$answers" == 40

# 18-20: kill -9, restart: the module does not change at all, even for a
# server that is down at the time (removed, inhibited, replaced by the
# sorry server): a restart must not bring it back, nor flap the others
stop_rs 0
busywait $((DOWN_BOUND_MS + SLACK_MS)) dests_are 80 "${RS_ADDRS[1]}:80/1 ${RS_ADDRS[2]}:80/3" &&
	busywait 3000 dests_are 81 "${RS_ADDRS[0]}:80/0 ${RS_ADDRS[1]}:80/1" &&
	busywait 3000 dests_are 82 "${RS_ADDRS[2]}:80/1" ||
	diag "rs1 did not go down before the restart: $(listing)"
before=$(in_ns "$D" "$VLBADM" -Sn)
nsenter --net="/run/netns/$D" "$VLBADM" --monitor >"$WORK/monitor" 2>&1 &
monitor=$!
defer kill "$monitor"
sleep 1
kill -9 "$VLBD_PID"
wait "$VLBD_PID" 2>/dev/null
VLBD_PID=
ans=$(client_requests tcp $VIP 80 4 | sort -u | xargs)
ktap_test_result "with vlbd dead the module keeps forwarding ($ans)" test "$ans" == "rs2 rs3"
mark=$(wc -l <"$LOG")
start_vlbd "$WORK/vlbd.conf"
busywait 10000 eval 'tail -n +$((mark + 1)) "$LOG" | grep -q "started:"'
# a few rounds of checks, in which a flap would show
sleep 3
after=$(in_ns "$D" "$VLBADM" -Sn)
kill "$monitor"
wait "$monitor" 2>/dev/null
if [[ $before == "$after" ]]; then
	ktap_test_pass "after kill -9 and a restart (one server down) the listing is the same"
else
	diag "before:" "$before" "after:" "$after"
	ktap_test_fail "after kill -9 and a restart the listing is the same"
fi
if [[ ! -s $WORK/monitor ]]; then
	ktap_test_pass "the restart made no change at all (vlbadm --monitor saw none)"
else
	diag "$(cat "$WORK/monitor")"
	ktap_test_fail "the restart made no change at all"
fi

# 21: the systemd notifications (sent by the first vlbd)
got=$(tr '\n' ' ' <"$WORK/notify.txt")
# (socat writes the datagrams one after the other, without separators)
if [[ $got == "READY=1 STATUS=running"*"RELOADING=1 MONOTONIC_USEC="*"READY=1 STATUS=reload refused"*"RELOADING=1 MONOTONIC_USEC="*"READY=1 STATUS=running"* ]]; then
	ktap_test_pass "sd_notify: READY=1 at start, RELOADING=1 then READY=1 around each reload"
else
	diag "notifications: $got"
	ktap_test_fail "sd_notify: READY=1 at start, RELOADING=1 then READY=1 around each reload"
fi

# 22: SIGTERM: vlbd exits, the services stay
before=$(in_ns "$D" "$VLBADM" -Sn)
kill -TERM "$VLBD_PID"
wait "$VLBD_PID"
rc=$?
VLBD_PID=
after=$(in_ns "$D" "$VLBADM" -Sn)
if ((rc == 0)) && [[ $before == "$after" ]]; then
	ktap_test_pass "SIGTERM: vlbd exits 0 and leaves the services in place"
else
	diag "exit $rc" "$after"
	ktap_test_fail "SIGTERM: vlbd exits 0 and leaves the services in place"
fi
diag "vlbd's log:" "$(cat "$LOG")"

in_ns "$D" "$VLBADM" -C
ktap_finished

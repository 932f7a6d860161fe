#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# How many real servers one vlbd checks on one core: N TCP_CHECK servers
# (127.0.X.Y, all local) at delay_loop 1, for S seconds, with vlbd
# --check-only (no module needed) and one Python listener that accepts and
# closes. Prints vlbd's CPU use (of one core), the checks per second the
# listener saw, and how many servers were ever declared down (any is a
# sign vlbd did not keep up). Not part of `make check`: a measurement.
#
# DAEMON=keepalived measures Debian's keepalived instead, on the same
# servers: its checker process (keepalived -C) programs IPVS, so it needs
# the ip_vs module (run it in the VM, where ip_vs loads; vlbd's side can run
# there too for a same-machine ratio). Its CPU is the checker's plus the
# parent's.
#
# Usage: bench-checks.sh [N [SECONDS [KIND]]]   KIND: tcp (default) or http
set -u
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cd "$(dirname "$0")" || exit 1
N=${1:-2000}
SECS=${2:-20}
KIND=${3:-tcp}
PORT=${PORT:-18080}
VLBD=${VLBD:-../vlbd}
DAEMON=${DAEMON:-vlbd}
dir=$(mktemp -d)
trap 'kill $lpid $vpid 2>/dev/null; [[ $DAEMON == keepalived ]] && ipvsadm -C; rm -rf "$dir"' EXIT

python3 - "$PORT" "$dir/accepts" <<'PY' &
import os, socket, sys, signal, select
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(4096); s.setblocking(False)
n = 0
def dump(*_):
    open(sys.argv[2] + ".tmp", "w").write("%d\n" % n)
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
def out(*_):
    dump(); sys.exit(0)
signal.signal(signal.SIGTERM, out)
signal.signal(signal.SIGUSR1, dump)
conns = {}
p = select.epoll(); p.register(s, select.EPOLLIN)
while True:
    for fd, ev in p.poll():
        if fd == s.fileno():
            try:
                while True:
                    c, _ = s.accept(); c.setblocking(False); n += 1
                    conns[c.fileno()] = c; p.register(c, select.EPOLLIN)
            except BlockingIOError:
                pass
        else:
            c = conns.pop(fd); p.unregister(fd)
            try:
                if c.recv(4096):
                    c.sendall(b"HTTP/1.0 200 OK\r\n\r\nok\n")
            except OSError:
                pass
            c.close()
PY
lpid=$!

{
	echo "virtual_server 10.255.0.1 80 {"
	echo "    delay_loop 1"
	echo "    connect_timeout 1"
	echo "    warmup 1"
	for ((i = 0; i < N; i++)); do
		echo "    real_server 127.0.$((i / 250 + 1)).$((i % 250 + 1)) $PORT {"
		if [[ $KIND == http ]]; then
			echo "        HTTP_GET { url { path / } }"
		else
			echo "        TCP_CHECK { }"
		fi
		echo "    }"
	done
	echo "}"
} >"$dir/bench.conf"
sleep 0.5

ticks=$(getconf CLK_TCK)
# cpu_of PID...: utime+stime ticks summed (fields 14, 15 of stat)
cpu_of()
{
	local p sum=0 st
	for p; do
		read -ra st < <(sed 's/.*) //' /proc/$p/stat)
		sum=$((sum + st[11] + st[12]))
	done
	echo $sum
}
if [[ $DAEMON == keepalived ]]; then
	modprobe ip_vs || { echo "bench-checks: keepalived needs ip_vs"; exit 4; }
	# keepalived's TCP_CHECK has no warmup of its own; connect_timeout as vlbd's
	sed -i -e '/warmup/d' "$dir/bench.conf"
	keepalived -n -l -C -f "$dir/bench.conf" -p "$dir/k.pid" -c "$dir/kc.pid" \
		>"$dir/log" 2>&1 &
	vpid=$!
	for _ in $(seq 50); do [[ -s $dir/kc.pid ]] && break; sleep 0.1; done
	pids="$vpid $(cat "$dir/kc.pid")"
	sleep 5		# keepalived reads 2,000 servers, programs IPVS, starts
else
	"$VLBD" --check-only -f "$dir/bench.conf" 2>"$dir/log" &
	vpid=$!
	pids=$vpid
	sleep 2		# past the warmup
fi
# accepts_now: the listener's count so far
accepts_now()
{
	rm -f "$dir/accepts"
	kill -USR1 $lpid
	while [[ ! -s $dir/accepts ]]; do sleep 0.05; done
	cat "$dir/accepts"
}
a0=$(accepts_now)
c0=$(cpu_of $pids)
t0=$(date +%s%N)
sleep "$SECS"
c1=$(cpu_of $pids)
t1=$(date +%s%N)
a1=$(accepts_now)
kill $vpid
wait $vpid 2>/dev/null
kill $lpid
wait $lpid 2>/dev/null
# fields 14 and 15 of stat (utime, stime) are 11 and 12 after "pid (comm) "
cpu=$(( (c1 - c0) * 1000000000 / ticks ))
wall=$((t1 - t0))
downs=$(grep -c ' is down\|Removing service\|TCP connection to .* failed' "$dir/log")
echo "servers $N ($KIND), ${SECS}s: $DAEMON CPU $((cpu * 100 / wall))% of one core," \
	"$(awk -v a="$((a1 - a0))" -v s="$wall" 'BEGIN { printf "%.0f", a / s * 1e9 }') checks/s" \
	"seen by the listener, servers declared down: $downs"

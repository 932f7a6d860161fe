#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vlbd's checkers on the host, against local servers, with --check-only
# (no module needed): HTTP_GET with a right and a wrong digest, status
# codes, SSL_GET over TLS and against a plain server, a server that never
# answers (timeout), TCP_CHECK to a closed port and with connect_ip,
# bindto and connect_port, MISC_CHECK exit codes, misc_dynamic and a
# script killed at its timeout, rise counting; then SIGHUP with a bad file
# (refused) and a good one (server state kept). TAP on stdout, numbered
# from $1 + 1; the last line says how many passed and failed.
cd "$(dirname "$0")" || exit 1
VLBD=${VLBD:-../vlbd}
n=${1:-0}
pass=0
fail=0
dir=$(mktemp -d)
trap 'kill $spid $vpid 2>/dev/null; rm -rf "$dir"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=vlbd-test -days 1 \
	-keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null || {
	echo "not ok $((n + 1)) - checks.sh: cannot make a test certificate"
	echo "0 passed, 1 failed"
	exit 1
}

# The servers: HTTP 200 "ok\n", HTTP 500, TLS HTTP 200, silent. Prints
# the four ports once they listen.
python3 - "$dir" <<'PY' >"$dir/ports" &
import socket, ssl, sys, threading
d = sys.argv[1]
def listener():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 0)); s.listen(64); return s
def serve(s, reply, tls=None):
    while True:
        c, _ = s.accept()
        try:
            if tls:
                c = tls.wrap_socket(c, server_side=True)
            buf = b""
            while b"\r\n\r\n" not in buf:
                data = c.recv(4096)
                if not data:
                    break
                buf += data
            if reply and buf:
                c.sendall(reply)
            c.close()
        except (OSError, ssl.SSLError):
            c.close()
def silent(s):
    keep = []
    while True:
        keep.append(s.accept()[0])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(d + "/cert.pem", d + "/key.pem")
socks = [listener() for _ in range(4)]
for s, r, t in ((socks[0], b"HTTP/1.0 200 OK\r\n\r\nok\n", None),
                (socks[1], b"HTTP/1.0 500 Oops\r\n\r\nbad\n", None),
                (socks[2], b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n", ctx)):
    threading.Thread(target=serve, args=(s, r, t), daemon=True).start()
threading.Thread(target=silent, args=(socks[3],), daemon=True).start()
print(" ".join(str(s.getsockname()[1]) for s in socks), flush=True)
threading.Event().wait()
PY
spid=$!
for _ in $(seq 50); do [[ -s $dir/ports ]] && break; sleep 0.1; done
read -r HTTP H500 TLS SILENT <"$dir/ports"
# a port nobody listens on
CLOSED=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
OK_MD5=$(printf 'ok\n' | md5sum | cut -d' ' -f1)

HTTP_STATUS=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

conf()
{
	cat <<-EOF
	global_defs {
	    router_id checks-test
	    http_status 127.0.0.1 $HTTP_STATUS
	}
	virtual_server 10.255.0.1 80 {
	    delay_loop 0.2
	    delay_before_retry 0.1
	    connect_timeout 1.5
	    warmup 0
	    alpha
	    rise 2
	    real_server 127.0.0.1 $HTTP {
	        HTTP_GET {
	            url {
	                path /
	                digest $OK_MD5
	            }
	        }
	    }
	    real_server 127.0.0.2 $HTTP {
	        HTTP_GET {
	            url {
	                path /x
	                digest 00000000000000000000000000000000
	            }
	        }
	    }
	    real_server 127.0.0.3 $H500 {
	        HTTP_GET {
	            url {
	                path /
	            }
	        }
	    }
	    real_server 127.0.0.4 $H500 {
	        HTTP_GET {
	            url {
	                path /
	                status_code 5xx
	            }
	            url {
	                path /again
	                status_code 500
	            }
	        }
	    }
	    real_server 127.0.0.5 $TLS {
	        SSL_GET {
	            url {
	                path /
	                digest $OK_MD5
	            }
	            virtualhost www.example.com
	        }
	    }
	    real_server 127.0.0.6 $HTTP {
	        SSL_GET {
	            url {
	                path /
	            }
	        }
	    }
	    real_server 127.0.0.7 $SILENT {
	        HTTP_GET {
	            url {
	                path /
	            }
	        }
	    }
	    real_server 127.0.0.8 $CLOSED {
	        TCP_CHECK { }
	    }
	    real_server 127.0.0.9 80 {
	        TCP_CHECK {
	            connect_ip 127.0.0.1
	            connect_port $HTTP
	            bindto 127.0.0.42
	        }
	    }
	    real_server 127.0.0.10 80 {
	        MISC_CHECK {
	            misc_path "/bin/sleep 10"
	            misc_timeout 0.3
	        }
	    }
	    real_server 127.0.0.11 80 {
	        MISC_CHECK {
	            misc_path "/bin/sh -c 'exit 7'"
	            misc_dynamic
	            misc_timeout 2
	        }
	    }
	    real_server 127.0.0.12 80 {
	        MISC_CHECK {
	            misc_path /bin/false
	            misc_timeout 2
	        }
	    }
	    real_server 127.0.0.13 80 {
	        MISC_CHECK {
	            misc_path "/bin/sh -c 'exit 7'"
	            misc_timeout 2
	        }
	    }
	}
	${1:-}
	EOF
}
conf >"$dir/vlbd.conf"

"$VLBD" --check-only -D -f "$dir/vlbd.conf" 2>"$dir/log" &
vpid=$!
sleep 0.5
if ! kill -0 $vpid 2>/dev/null; then
	echo "not ok $((n + 1)) - checks: vlbd --check-only runs"
	sed 's/^/# /' "$dir/log"
	echo "0 passed, 1 failed"
	exit 1
fi

# t DESC PATTERN: the log shows PATTERN, within 10 s (a loaded machine
# makes checks late, never different)
t()
{
	local i
	n=$((n + 1))
	for ((i = 0; i < 100; i++)); do
		grep -q -- "$2" "$dir/log" && break
		sleep 0.1
	done
	if grep -q -- "$2" "$dir/log"; then
		pass=$((pass + 1)); echo "ok $n - checks: $1"
	else
		fail=$((fail + 1)); echo "not ok $n - checks: $1"; echo "#   no '$2' in the log"
	fi
}

t_not()
{
	n=$((n + 1))
	if ! grep -q -- "$2" "$dir/log"; then
		pass=$((pass + 1)); echo "ok $n - checks: $1"
	else
		fail=$((fail + 1)); echo "not ok $n - checks: $1"; grep -- "$2" "$dir/log" | sed 's/^/#   /'
	fi
}

V="TCP 10.255.0.1:80"
t "HTTP_GET with the right digest comes up after rise 2" \
	"$V: HTTP_GET of 127.0.0.1:$HTTP succeeded 2 times: up"
t "HTTP_GET with a wrong digest fails, naming both" \
	"HTTP_GET of 127.0.0.2:$HTTP failed (/x: digest $OK_MD5, not 00000000000000000000000000000000)"
t "HTTP_GET fails on status 500 by default" "HTTP_GET of 127.0.0.3:$H500 failed (/: status 500)"
t "status_code 5xx and 500 accept it, every url is checked" \
	"HTTP_GET of 127.0.0.4:$H500 succeeded 2 times: up"
t "SSL_GET over TLS with a digest comes up" "SSL_GET of 127.0.0.5:$TLS succeeded 2 times: up"
t "SSL_GET against a plain HTTP server fails" "SSL_GET of 127.0.0.6:$HTTP failed ("
t "a server that never answers times out" "HTTP_GET of 127.0.0.7:$SILENT failed (timed out)"
t "TCP_CHECK to a closed port is refused" \
	"TCP_CHECK of 127.0.0.8:$CLOSED failed (connect: Connection refused)"
t "TCP_CHECK with connect_ip, connect_port and bindto" "TCP_CHECK of 127.0.0.9:80 succeeded 2 times: up"
t "a MISC_CHECK script is killed at misc_timeout" "MISC_CHECK of 127.0.0.10:80 failed (timed out after 0.3s)"
t "misc_dynamic: exit 7 is success (weight 5)" "MISC_CHECK of 127.0.0.11:80 succeeded 2 times: up"
t "MISC_CHECK exit 1 is a failure" "MISC_CHECK of 127.0.0.12:80 failed (exit status 1)"
t "without misc_dynamic exit 7 is a failure" "MISC_CHECK of 127.0.0.13:80 failed (exit status 7)"
t_not "no failing server ever came up" "127.0.0.\(2\|3\|6\|7\|8\|10\|12\|13\):[0-9]* is up"
# the hung script: one copy at a time, never two (sampled for a second)
n=$((n + 1))
max=0
seen=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	c=$(ps -o comm= --ppid "$vpid" | grep -c '^sleep$')
	((c > max)) && max=$c
	((c == 1)) && seen=1
	sleep 0.1
done
if ((max == 1 && seen)); then
	pass=$((pass + 1)); echo "ok $n - checks: one copy of a hung script runs at a time"
else
	fail=$((fail + 1)); echo "not ok $n - checks: one copy of a hung script runs at a time (max $max)"
fi

# the status endpoint
get()
{
	python3 -c 'import sys, urllib.request
try:
    r = urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2]), timeout=5)
    sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print("HTTP %d" % e.code)' "$HTTP_STATUS" "$1"
}
# t_out DESC COMMAND PATTERN: COMMAND's output shows PATTERN, within 10 s
t_out()
{
	local i out
	n=$((n + 1))
	for ((i = 0; i < 20; i++)); do
		out=$(eval "$2" 2>&1)
		grep -q -- "$3" <<<"$out" && break
		sleep 0.5
	done
	if grep -q -- "$3" <<<"$out"; then
		pass=$((pass + 1)); echo "ok $n - status: $1"
	else
		fail=$((fail + 1)); echo "not ok $n - status: $1"; echo "#   no '$3' in:"
		sed 's/^/#   /' <<<"$out" | head -n 20
	fi
}
t_out "/metrics: an up server" 'get /metrics' "^vlbd_real_server_up{vs=\"$V\",rs=\"127.0.0.1:$HTTP\"} 1\$"
t_out "/metrics: a down server" 'get /metrics' "^vlbd_real_server_up{vs=\"$V\",rs=\"127.0.0.2:$HTTP\"} 0\$"
t_out "/metrics: misc_dynamic's weight" 'get /metrics' "^vlbd_real_server_weight{vs=\"$V\",rs=\"127.0.0.11:80\"} 5\$"
t_out "/metrics: check attempts counted" 'get /metrics' \
	"^vlbd_check_attempts_total{vs=\"$V\",rs=\"127.0.0.8:$CLOSED\",check=\"TCP_CHECK\",n=\"0\"} [1-9]"
status_json()
{
	get /status | python3 -c 'import json, sys
d = json.load(sys.stdin)
rs = d["virtual_servers"][0]["real_servers"]
print(d["router_id"], len(rs), sum(r["up"] for r in rs), rs[7]["checks"][0]["last_result"])'
}
t_out "/status is JSON with every server" status_json "^checks-test 13 5 connect: Connection refused\$"
t_out "an unknown path is a 404" 'get /nope' "^HTTP 404\$"
t_out "vlbd --status shows each server and check" '"$VLBD" --status -f "$dir/vlbd.conf"' \
	"^  127.0.0.1:$HTTP  *up   weight 1/1"
t_out "vlbd --status shows why a check fails" '"$VLBD" --status -f "$dir/vlbd.conf"' \
	"^    MISC_CHECK DOWN [0-9]* attempts, [0-9]* failed; last: exit status 1"

# reload: a bad file is refused, a good one keeps the servers' state
conf "virtual_server 10.255.0.2 80 { lb_algo nosuch }" >"$dir/vlbd.conf"
kill -HUP $vpid
sleep 0.5
t "SIGHUP with a bad file is refused with its error" "reload refused: 1 error"
t "the error names the file and line" "vlbd.conf:[0-9]*: lb_algo: unknown scheduler 'nosuch'"
mark=$(wc -l <"$dir/log")
conf "virtual_server 10.255.0.2 80 { real_server 127.0.0.1 $HTTP { TCP_CHECK { } } }" >"$dir/vlbd.conf"
kill -HUP $vpid
sleep 1
t "SIGHUP with a good file is applied" "reloaded: 2 virtual servers"
n=$((n + 1))
if tail -n +$((mark + 1)) "$dir/log" | grep -q "$V: HTTP_GET of 127.0.0.1:$HTTP succeeded .*: up"; then
	fail=$((fail + 1)); echo "not ok $n - checks: an unchanged server keeps its state over a reload"
else
	pass=$((pass + 1)); echo "ok $n - checks: an unchanged server keeps its state over a reload"
fi
kill -TERM $vpid
wait $vpid
rc=$?
n=$((n + 1))
if ((rc == 0)); then
	pass=$((pass + 1)); echo "ok $n - checks: SIGTERM stops vlbd with status 0"
else
	fail=$((fail + 1)); echo "not ok $n - checks: SIGTERM stops vlbd with status 0 (got $rc)"
fi
((fail)) && sed 's/^/# /' "$dir/log" | tail -n 40
echo "$pass passed, $fail failed"
((fail == 0))

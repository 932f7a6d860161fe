#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: vlb balancing real packets. In a QEMU guest (--vm=1, the
# default) or on this machine (--vm=0, which must be able to load modules),
# it builds a client, a director and three real servers in network
# namespaces, configures a NAT round-robin service with vlbadm, sends a few
# requests that the three servers answer in turn, and shows the counters.
#
# Usage: demo.sh [--vm=1|0] [--kernel=KVER]

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
vm=1
kver=
for arg; do
	case $arg in
	--vm=*) vm=${arg#*=} ;;
	--kernel=*) kver=${arg#*=} ;;
	--inside) vm=inside ;;
	*) echo "demo.sh: unknown argument $arg" >&2; exit 2 ;;
	esac
done

if [[ $vm == 1 ]]; then
	if [[ -z $kver ]]; then
		kver=$(ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' |
			sort -V | tail -n 1)
	fi
	for f in "$top/build/$kver/vlb.ko" "$top/tools/vlbadm/vlbadm"; do
		[[ -e $f ]] || { echo "demo.sh: $f is missing (make module tools)" >&2; exit 1; }
	done
	dir=$top/build/vm/demo-$kver.run$$
	mkdir -p "$dir"
	echo 'exec ./selftests/demo.sh --inside' >"$dir/cmd.sh"
	echo "Booting Linux $kver in QEMU (about 10-20 s)..."
	"$here/vm/run-vm.sh" --kernel="$kver" --dir="$dir" --timeout=600 --follow "$dir/cmd.sh"
	rc=$?
	rm -rf "$top/build/vm/demo-$kver"
	mv "$dir" "$top/build/vm/demo-$kver"
	exit $rc
fi

. "$here/lib.sh"

say()
{
	printf '\n==> %s\n' "$*"
}

run()
{
	echo "director# vlbadm ${*}"
	in_ns "$D" "$VLBADM" "$@"
}

[[ -r $VLB_KO && -x $VLBADM ]] || { echo "demo: build vlb.ko and vlbadm first" >&2; exit 1; }
vlb_load || exit 1

say "vlb demo on Linux $(uname -r)"
cat <<EOF
   client                director                        real servers
   10.0.1.2  ------->  VIP $VIP:80   --- NAT, rr --->  rs1 ${RS_ADDRS[0]}:80
                       (10.0.1.1 | 10.0.2.1)            rs2 ${RS_ADDRS[1]}:80
                                                        rs3 ${RS_ADDRS[2]}:80
EOF
topo_create && topo_servers 80 || { echo "demo: cannot build the topology" >&2; exit 1; }

say "Configure the virtual service (ipvsadm syntax)"
run -A -t $VIP:80 -s rr
for i in 0 1 2; do
	run -a -t $VIP:80 -r "${RS_ADDRS[i]}:80" -m
done
run -Ln

say "The client sends 6 TCP requests to $VIP:80"
n=0
while read -r answer; do
	n=$((n + 1))
	echo "  request $n -> answered by $answer"
done < <(client_requests tcp $VIP 80 6)

say "Counters"
run -Ln --stats
echo
in_ns "$D" "$VLBADM" -C
cleanup_all
echo "demo: done"

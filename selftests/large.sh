#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Large configurations: 10,000 services restored with one `vlbadm -R` (which
# must batch its requests: seconds, not minutes), then 100,000 destinations
# spread over 100 services, then many destinations in a single service; each
# listed completely by -Ln and -Sn (dumps that span many netlink messages)
# and flushed. The times are printed; under an emulated CPU they mean
# little by themselves, so only a generous bound is asserted.

. "$(dirname "$0")/lib.sh"

require_root
enter_private_netns "$@"
require_vlb

RESTORE_LIMIT=${VLB_LARGE_LIMIT:-120}	# seconds, for any one -R here
ONE_SVC_DESTS=${VLB_LARGE_ONE:-20000}

work=$(mktemp -d)
defer rm -rf "$work"

adm()
{
	"$VLBADM" "$@"
}

ms_since()
{
	echo $((($(date +%s%N) - $1) / 1000000))
}

# restore DESC FILE: -R from FILE, timed, as one test case.
restore()
{
	local desc=$1 file=$2 t0 ms out
	t0=$(date +%s%N)
	out=$(adm -R <"$file" 2>&1)
	local rc=$?
	ms=$(ms_since "$t0")
	if ((rc == 0 && ms <= RESTORE_LIMIT * 1000)); then
		ktap_test_pass "$desc in ${ms} ms"
	else
		diag "vlbadm -R: exit $rc after ${ms} ms (limit ${RESTORE_LIMIT}s)" "${out:0:1000}"
		ktap_test_fail "$desc in ${ms} ms"
	fi
}

# count DESC WANT ARGS...: the listing has WANT lines (timed).
count()
{
	local desc=$1 want=$2 t0 n ms
	shift 2
	t0=$(date +%s%N)
	n=$(adm "$@" | wc -l)
	ms=$(ms_since "$t0")
	if ((n == want)); then
		ktap_test_pass "$desc: $n lines in ${ms} ms"
	else
		diag "vlbadm $*: $n lines, want $want"
		ktap_test_fail "$desc"
	fi
}

flush()
{
	local t0
	t0=$(date +%s%N)
	if adm -C && [[ -z $(adm -Sn) ]]; then
		ktap_test_pass "-C removes $1 in $(ms_since "$t0") ms"
	else
		ktap_test_fail "-C removes $1"
	fi
}

ktap_print_header
ktap_set_plan 12

# 10,000 services, no destinations: 10.(i/65536).(i/256%256).(i%256):80.
awk 'BEGIN { for (i = 1; i <= 10000; i++)
	printf "-A -t 10.%d.%d.%d:80 -s rr\n", int(i / 65536), int(i / 256) % 256, i % 256 }' \
	>"$work/services"
restore "-R of 10,000 services" "$work/services"
count "-Ln lists all 10,000 services" $((3 + 10000)) -Ln
count "-Sn saves all 10,000 services" 10000 -Sn
flush "10,000 services"

# 100 services of 1,000 destinations each: 100,000 destinations.
awk 'BEGIN { for (s = 1; s <= 100; s++) {
	printf "-A -t 10.255.0.%d:80 -s wrr\n", s
	for (d = 1; d <= 1000; d++)
		printf "-a -t 10.255.0.%d:80 -r 10.%d.%d.%d:8080 -m -w %d\n",
			s, s, int(d / 256), d % 256, d % 7 + 1 } }' >"$work/dests"
restore "-R of 100 services with 1,000 destinations each" "$work/dests"
count "-Ln lists all 100,000 destinations" $((3 + 100 + 100000)) -Ln
count "-Sn saves all 100,000 destinations" $((100 + 100000)) -Sn
flush "100,000 destinations"

# Many destinations in one service: one dump of the service's destinations.
awk -v n="$ONE_SVC_DESTS" 'BEGIN { print "-A -u 10.254.0.1:53 -s rr"
	for (d = 1; d <= n; d++)
		printf "-a -u 10.254.0.1:53 -r 10.%d.%d.%d:53 -m\n",
			100 + int(d / 65536), int(d / 256) % 256, d % 256 }' >"$work/one"
restore "-R of one service with $ONE_SVC_DESTS destinations" "$work/one"
count "-Ln -u lists all $ONE_SVC_DESTS destinations of the service" $((2 + 1 + ONE_SVC_DESTS)) \
	-Ln -u 10.254.0.1:53
count "-Ln --stats --exact lists them too" $((3 + 1 + ONE_SVC_DESTS)) -Ln --stats --exact
flush "$ONE_SVC_DESTS destinations of one service"

ktap_finished

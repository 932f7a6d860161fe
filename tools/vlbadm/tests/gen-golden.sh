#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate golden/*.out from Debian's real ipvsadm 1.31, run under
# ipvsadm-shim.so (which stands in for the kernel's IPVS netlink family and
# /proc/net/ip_vs_conn). Run from tools/vlbadm/tests via `make -C tools golden`.
set -eu
IPVSADM=${IPVSADM:-/usr/sbin/ipvsadm}
SHIM=$PWD/ipvsadm-shim.so
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

run() {
	# ipvsadm reports itself as argv[0]; keep it "ipvsadm" whatever the path.
	LD_PRELOAD=$SHIM SHIM_LOG=$LOG "$@"
}

out=golden/parse.out
: > "$out"
grep -v '^#' parse-cases.txt | while IFS= read -r line; do
	[ -n "$line" ] || continue
	: > "$LOG"
	echo "== $line" >> "$out"
	rc=0
	# shellcheck disable=SC2086
	SHIM_STATE=fixtures/basic.state run bash -c 'exec -a ipvsadm "$0" "$@"' \
		"$IPVSADM" $line 2>> "$out" > /dev/null || rc=$?
	echo "rc=$rc" >> "$out"
	grep -E '^(NEW_SERVICE|SET_SERVICE|DEL_SERVICE|NEW_DEST|SET_DEST|DEL_DEST|FLUSH|ZERO|SET_CONFIG)' \
		"$LOG" >> "$out" || true
done

out=golden/list.out
: > "$out"
grep -v '^#' list-cases.txt | while read -r fixture args; do
	[ -n "$fixture" ] || continue
	echo "== $fixture${args:+ $args}" >> "$out"
	rc=0
	# shellcheck disable=SC2086
	SHIM_STATE=fixtures/$fixture SHIM_CONN=fixtures/conns.proc run \
		bash -c 'exec -a ipvsadm "$0" "$@"' "$IPVSADM" $args >> "$out" 2>&1 || rc=$?
	echo "rc=$rc" >> "$out"
done
echo "golden files regenerated"

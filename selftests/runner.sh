#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every selftest once on the running kernel, the way kselftest's
# runner.sh does: each test under its own timeout, its KTAP output nested
# (indented four spaces) under one "ok N" / "not ok N" line. A test also
# fails when the kernel logs a warning, BUG, oops or leak while it runs; a
# last case checks the whole log of the run. Used inside the test VM by
# run.sh --vm=1 and directly by run.sh --vm=0.
#
# Usage: runner.sh [TEST.sh...]   (default: all, or $VLB_TESTS)
# Exit status 0 only when every test passed or skipped.

cd "$(dirname "$0")" || exit 1
. ./lib.sh
trap - EXIT

# Every *.sh here but the harness itself is a test: these first, in this
# order, then the others alphabetically, unload.sh last (it unloads vlb).
all_tests()
{
	local first="control.sh compat.sh large.sh nat.sh notify.sh" t
	echo "$first"
	for t in *.sh; do
		case " $first lib.sh run.sh runner.sh demo.sh unload.sh " in
		*" $t "*) ;;
		*) echo "$t" ;;
		esac
	done
	echo unload.sh
}
tests=("$@")
((${#tests[@]})) || read -ra tests <<<"${VLB_TESTS:-$(all_tests | xargs)}"

declare -A timeouts=([large.sh]=1200)
start_mark=$(klog_mark)
failed=0

ktap_print_header
echo "# vlb selftests on $(uname -r), $(nproc) CPUs"
ktap_set_plan $((${#tests[@]} + 1))
for t in "${tests[@]}"; do
	echo "# selftests: vlb: $t"
	mark=$(klog_mark)
	t0=$(date +%s%N)
	timeout -k 10 "${timeouts[$t]:-600}" bash "./$t" 2>&1 | sed -u 's/^/    /'
	rc=${PIPESTATUS[0]}
	ms=$((($(date +%s%N) - t0) / 1000000))
	bad=$(klog_since "$mark" | grep -E "$KLOG_BAD")
	if [[ -n $bad ]]; then
		echo "    # the kernel logged while $t ran:"
		klog_since "$mark" | tail -n 60 | sed 's/^/    # /'
		rc=1
	fi
	desc="selftests: vlb: $t # time=${ms}ms"
	case $rc in
	0) ktap_test_pass "$desc" ;;
	4) ktap_test_skip "selftests: vlb: $t" "time=${ms}ms" ;;
	124|137) ktap_test_fail "selftests: vlb: $t # TIMEOUT"; failed=1 ;;
	*) ktap_test_fail "$desc exit=$rc"; failed=1 ;;
	esac
done

bad=$(klog_since "$start_mark" | grep -E "$KLOG_BAD")
if [[ -n $bad ]]; then
	echo "$bad" | head -n 40 | sed 's/^/# /'
	ktap_test_fail "kernel log has no warning, BUG, oops or leak"
	failed=1
else
	ktap_test_pass "kernel log has no warning, BUG, oops or leak"
fi
exit $failed

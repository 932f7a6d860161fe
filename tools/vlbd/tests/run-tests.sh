#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vlbd's host unit tests: the configuration checker, `vlbd -t`, on files.
#
#   good/NAME.conf  must pass with no message; when good/NAME.expect exists,
#                   `vlbd -t -d` (the model with every default filled in)
#                   must print exactly that; "# warn: TEXT" lines at the top
#                   are warnings that must be printed, exactly, and no other.
#   bad/NAME.conf   must fail (exit 1), printing exactly the errors given by
#                   its "# expect: FILE:LINE: MESSAGE" lines, no more, no less.
#
# Plus a few command-line cases, checks.sh: the checkers against local
# servers, and test_vrrp: VRRP's packets and state machine. TAP output, then "N passed, N failed";
# exit 1 if any failed.
cd "$(dirname "$0")" || exit 1
VLBD=${VLBD:-../vlbd}
pass=0
fail=0
n=0

ok()
{
	n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"
}

not_ok()
{
	n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"
	shift
	printf '# %s\n' "$@"
}

for f in good/*.conf; do
	out=$("$VLBD" -t -d -f "$f" 2>/tmp/vlbd-test-err.$$)
	rc=$?
	err=$(cat /tmp/vlbd-test-err.$$)
	want_err=$(sed -n 's/^# warn: //p' "$f")
	exp=${f%.conf}.expect
	if ((rc != 0)); then
		not_ok "$f is valid" "exit $rc" "$err"
	elif [[ $err != "$want_err" ]]; then
		not_ok "$f is valid" "messages:" "$err" "wanted:" "$want_err"
	elif [[ -e $exp ]] && ! diff -u "$exp" - <<<"$out" >/tmp/vlbd-test-diff.$$; then
		not_ok "$f is valid and reads as $exp" "$(cat /tmp/vlbd-test-diff.$$)"
	else
		[[ -e $exp ]] && ok "$f is valid and reads as $exp" || ok "$f is valid"
	fi
done

for f in bad/*.conf; do
	"$VLBD" -t -f "$f" >/dev/null 2>/tmp/vlbd-test-err.$$
	rc=$?
	# errors only, in any order (the checks after parsing come last)
	got=$(grep -v -e ' errors\?$' -e ': warning: ' /tmp/vlbd-test-err.$$ | sort)
	want=$(sed -n 's/^# expect: //p' "$f" | sort)
	if [[ -z $want ]]; then
		not_ok "$f: has # expect lines"
	elif ((rc != 1)); then
		not_ok "$f is refused" "exit $rc, wanted 1" "$got"
	elif [[ $got != "$want" ]]; then
		not_ok "$f is refused with its message" "got:" "$got" "wanted:" "$want"
	else
		ok "$f is refused: $(head -n1 <<<"$want")"
	fi
done
rm -f /tmp/vlbd-test-err.$$ /tmp/vlbd-test-diff.$$

# command line
cmd_case()
{
	local desc=$1 want_rc=$2 want=$3 out rc
	shift 3
	out=$("$VLBD" "$@" 2>&1)
	rc=$?
	if ((rc == want_rc)) && [[ $out == *"$want"* ]]; then
		ok "$desc"
	else
		not_ok "$desc" "exit $rc (wanted $want_rc), output:" "$out"
	fi
}
cmd_case "vlbd -h prints the usage" 0 "Usage: vlbd [OPTIONS]" -h
cmd_case "vlbd -v prints the version" 0 "vlbd 0." -v
cmd_case "an unknown option is refused" 2 "unknown option --frobnicate" --frobnicate
cmd_case "-f without a file is refused" 2 "option -f needs an argument" -t -f
cmd_case "a stray argument is refused" 2 "unexpected argument 'extra'" -t extra
cmd_case "--log takes stderr or syslog" 2 "--log: 'file' is not stderr or syslog" --log file
cmd_case "-d goes with -t" 2 "--dump-conf goes with --config-test" -d
cmd_case "a missing file is an error" 1 "nonexistent.conf:0: No such file or directory" \
	-t -f nonexistent.conf
cmd_case "the daemon refuses a bad file before doing anything" 1 "not starting" \
	-f bad/unknown-top.conf

# the checkers themselves, against local servers (checks.sh)
out=$(./checks.sh "$n")
echo "$out" | sed '$d'
read -r p _ f _ < <(tail -n 1 <<<"$out")
pass=$((pass + p))
fail=$((fail + f))
n=$((n + p + f))

# VRRP's codec (against keepalived's adverts) and state machine (test_vrrp.c)
out=$(./test_vrrp)
while IFS= read -r line; do
	case $line in
	"ok "*) ok "vrrp: ${line#ok * - }" ;;
	"not ok "*) not_ok "vrrp: ${line#not ok * - }" ;;
	esac
done <<<"$out"

echo "1..$n"
echo "$pass passed, $fail failed"
((fail == 0))

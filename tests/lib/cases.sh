# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Guest tests made of lettered cases (source after common.sh): each case
# runs in a subshell with its own cleanups and TEST_TMP, so one that stops
# early (a refused activation, a timeout) leaves nothing behind and the
# next still runs; a check that fails inside a case is noted and the case
# goes on to its other checks.
#
#   run_case ID "TITLE" FUNC [ARG...]   run one case (CASES_ONLY="b d": only those)
#   soft ID MSG                         a failed check; the case goes on
#   soft_eq ID ACTUAL EXPECTED WHAT     PASS line or soft failure
#   soft_pass ID MSG                    a passed check of case ID
#   case_ok ID                          0 if case ID has no failed check yet
#                                       (in an if: a false `case_ok X && ...`
#                                       ending a case would stop it)
#   cases_end                           the test's verdict: fail if any case failed
#   lock_check_verdict ID               soft failure unless dm-raidx reaped md's
#                                       sync thread, and md's mutex-bound calls
#                                       all held it (after load_lock_check)

# Soft failures go to a file: they happen in the case's subshell.
CASES_FAILS=$TEST_TMP/case-failures
: >"$CASES_FAILS"
CASES_FAILED=()

soft() {
	echo "case $1: FAIL: $2"
	echo "$1: $2" >>"$CASES_FAILS"
}

# lock_check_verdict CASE: a failed check of CASE unless dm-raidx reaped
# md's sync thread itself (the path the check is for), and md's mutex-bound
# functions were never called without the mutex (the kernel log names each
# caller that did) nor went unchecked.
lock_check_verdict() {
	local reaps bad missed
	reaps=$(cat /sys/module/md_lock_check/parameters/target_reaps)
	bad=$(cat /sys/module/md_lock_check/parameters/violations)
	missed=$(cat /sys/module/md_lock_check/parameters/missed)
	echo "md-lock-check: dm-raidx reaped $reaps times; $bad calls without the reconfig mutex, $missed unchecked"
	if [ "$reaps" -gt 0 ]; then
		soft_pass "$1" "dm-raidx reaped md's sync thread itself"
	else
		soft "$1" "dm-raidx never reaped md's sync thread: the locking was not tested"
	fi
	soft_eq "$1" "$bad" 0 "md calls without the reconfig mutex (dmesg names them)"
	soft_eq "$1" "$missed" 0 "md calls the checker missed"
}

soft_eq() {
	if [ "$2" = "$3" ]; then
		pass "case $1: $4: $2"
	else
		soft "$1" "$4: expected '$3', got '$2'"
	fi
}

soft_pass() {
	pass "case $1: $2"
}

case_ok() {
	! grep -q "^$1: " "$CASES_FAILS"
}

run_case() {
	local id=$1 title=$2 rc before
	shift 2
	[ -z "${CASES_ONLY:-}" ] || [[ " $CASES_ONLY " == *" $id "* ]] || return 0
	echo
	echo "==== case $id: $title"
	before=$(wc -l <"$CASES_FAILS")
	trap - ERR
	set +e
	(
		set -e
		trap _on_err ERR
		_CLEANUPS=()
		_ERR_SEEN=0
		TEST_TMP=$(mktemp -d "$TEST_TMP/case-$id.XXXXXX")
		trap _on_exit EXIT
		trap 'exit 143' TERM
		trap 'exit 130' INT
		"$@"
	)
	rc=$?
	set -e
	trap _on_err ERR
	if [ "$rc" != 0 ]; then
		echo "case $id: FAIL: stopped (exit $rc), see above ($title)"
		echo "$id: stopped" >>"$CASES_FAILS"
		CASES_FAILED+=("$id")
	elif [ "$(wc -l <"$CASES_FAILS")" != "$before" ]; then
		echo "case $id: FAIL: $(($(wc -l <"$CASES_FAILS") - before)) check(s) failed ($title)"
		CASES_FAILED+=("$id")
	else
		echo "case $id: PASS"
	fi
}

cases_end() {
	echo
	if [ ${#CASES_FAILED[@]} -gt 0 ]; then
		sed 's/^/    /' "$CASES_FAILS"
		fail "$TEST_NAME: failed cases: ${CASES_FAILED[*]}"
	fi
	echo "$TEST_NAME: all cases passed"
}

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Assertions for the host test scripts that check plain functions
# (tests/host/bench-report.sh, tests/host/guest-verdict.sh): each check
# counts, and host_check_summary prints the closing "N passed, N failed"
# and returns non-zero if anything failed.

HOST_PASSED=0
HOST_FAILED=0

# check DESCRIPTION COMMAND...: passes if COMMAND succeeds.
check() {
	local what=$1
	shift
	if "$@"; then
		HOST_PASSED=$((HOST_PASSED + 1))
		echo "PASS: $what"
	else
		HOST_FAILED=$((HOST_FAILED + 1))
		echo "FAIL: $what"
	fi
}

is() { [ "$1" = "$2" ]; }		# is A B: equal strings
not() { ! "$@"; }			# not COMMAND...: COMMAND fails
has() { grep -qF -- "$2" "$1"; }	# has FILE TEXT
lacks() { ! grep -qF -- "$2" "$1"; }	# lacks FILE TEXT

host_check_summary() {
	echo "$HOST_PASSED passed, $HOST_FAILED failed"
	[ "$HOST_FAILED" -eq 0 ]
}

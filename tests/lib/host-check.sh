# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The one pass/fail counter of the host test scripts (tests/host/*.sh):
# every check counts, and host_check_summary prints the closing
# "N passed, N failed" that scripts/check.sh adds up, and returns non-zero
# if anything failed.
#
#   host_pass [MSG] / host_fail MSG   count one result (a PASS line with MSG)
#   host_add_passed N                 N passed checks of a C unit binary
#   check DESCRIPTION COMMAND...      passes if COMMAND succeeds

HOST_PASSED=0
HOST_FAILED=0

host_pass() {
	HOST_PASSED=$((HOST_PASSED + 1))
	[ $# -eq 0 ] || echo "PASS: $*"
}

host_fail() {
	HOST_FAILED=$((HOST_FAILED + 1))
	echo "FAIL: $*"
}

host_add_passed() {
	HOST_PASSED=$((HOST_PASSED + $1))
}

check() {
	local what=$1
	shift
	if "$@"; then
		host_pass "$what"
	else
		host_fail "$what"
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

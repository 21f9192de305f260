#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: tests/run-guest.sh [--quiet-summary] [TEST...]
#
# Boots the test guest once and runs the given guest tests (names like
# 00-guest-smoke, or paths; default: all tests/guest/*.sh in name order).
# Prints "PASS name (Ns)" / "FAIL name (reason)" per test and ends with
# "N passed, N failed".  --quiet-summary (or RUN_GUEST_QUIET_SUMMARY=1)
# leaves out that last line, for scripts/check.sh, which reads
# build/guest-results/summary.tsv (name, PASS|FAIL, seconds, reason).
#
# GUEST_TIMEOUT_SCALE=N multiplies every test's timeout (the debug
# kernel, make check-debug); GUEST_KIMAGE/GUEST_KMODDIR/GUEST_KVER boot
# another kernel (tests/lib/qemu.sh).  On a kernel with kmemleak a test
# whose <test>/kmemleak holds leak reports fails.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export TOP
QUIET_SUMMARY=${RUN_GUEST_QUIET_SUMMARY:-0}
export GUEST_RESULTS=${GUEST_RESULTS:-$TOP/build/guest-results}
BOOT_TIMEOUT=${GUEST_BOOT_TIMEOUT:-120}

# shellcheck source=tests/lib/qemu.sh
. "$TOP/tests/lib/qemu.sh"
# shellcheck source=tests/lib/test-header.sh
. "$TOP/tests/lib/test-header.sh"

# Kernel reports of the debug kernel's checkers that BAD_KLOG
# (test-header.sh) does not match by itself: most come as WARNING or BUG
# lines, these do not (lockdep's "INFO: trying to register non-static
# key", an RCU stall, a panic), or may come on a line of their own.
DEBUG_KLOG='ODEBUG:|list_(add|del) corruption|non-static key|detected stalls|sleeping function called from invalid context|Kernel panic'
KLOG_RE="$BAD_KLOG|$DEBUG_KLOG"

# TEST -> absolute path of tests/guest/TEST.sh (or TEST itself).
resolve_test() {
	local t=$1
	if [ -f "$t" ]; then realpath "$t"
	elif [ -f "$TOP/tests/guest/$t" ]; then echo "$TOP/tests/guest/$t"
	elif [ -f "$TOP/tests/guest/$t.sh" ]; then echo "$TOP/tests/guest/$t.sh"
	else echo "run-guest: no such test: $t" >&2; return 1
	fi
}

# verdict NAME -> prints "PASS|FAIL<TAB>seconds<TAB>reason"
verdict() {
	local d=$GUEST_RESULTS/$1 rc secs bad path
	secs=$(cat "$d/seconds" 2>/dev/null || echo 0)
	if [ ! -f "$GUEST_RESULTS/booted" ]; then
		printf 'FAIL\t0\tguest did not boot\n'; return
	fi
	if [ ! -f "$d/started" ]; then
		printf 'FAIL\t0\tnot run: guest died before it\n'; return
	fi
	if [ ! -f "$d/rc" ]; then
		printf 'FAIL\t0\tno exit code: guest died or hung in this test\n'; return
	fi
	rc=$(cat "$d/rc")
	path=$(resolve_test "$1" 2>/dev/null || true)
	if [ -n "$path" ] && stock_warnings_allowed "$path"; then
		rm -f "$d/stock-warnings"
		bad=$(without_stock_warnings "$d/stock-warnings" <"$d/dmesg" 2>/dev/null |
			grep -E -m1 "$KLOG_RE" || true)
	else
		bad=$(grep -E -m1 "$KLOG_RE" "$d/dmesg" 2>/dev/null || true)
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		printf 'FAIL\t%s\ttimed out\n' "$secs"
	elif [ "$rc" != 0 ]; then
		printf 'FAIL\t%s\texit %s\n' "$secs" "$rc"
	elif [ -n "$bad" ]; then
		printf 'FAIL\t%s\tkernel log: %s\n' "$secs" "$(echo "$bad" | cut -c1-120)"
	elif [ -s "$d/kmemleak" ]; then
		printf 'FAIL\t%s\tkmemleak: %s suspected leaks\n' "$secs" \
			"$(grep -c '^unreferenced object' "$d/kmemleak")"
	else
		printf 'PASS\t%s\t\n' "$secs"
	fi
}

show_failure() {
	local d=$GUEST_RESULTS/$1
	if [ -f "$d/log" ]; then
		echo "---- $1: last lines of log ($d/log)"
		tail -n 25 "$d/log" | sed 's/^/    /'
	fi
	if [ -s "$d/dmesg" ]; then
		echo "---- $1: last lines of kernel log ($d/dmesg)"
		tail -n 30 "$d/dmesg" | sed 's/^/    /'
	fi
	if [ -s "$d/kmemleak" ]; then
		echo "---- $1: first lines of kmemleak ($d/kmemleak)"
		head -n 30 "$d/kmemleak" | sed 's/^/    /'
	fi
	if [ ! -f "$GUEST_RESULTS/booted" ] && [ -s "$GUEST_RESULTS/qemu.out" ]; then
		echo "---- qemu output ($GUEST_RESULTS/qemu.out)"
		tail -n 10 "$GUEST_RESULTS/qemu.out" | sed 's/^/    /'
	fi
	if [ ! -f "$d/rc" ] && [ -f "$GUEST_RESULTS/console.log" ]; then
		echo "---- guest console ($GUEST_RESULTS/console.log)"
		tail -n 30 "$GUEST_RESULTS/console.log" | sed 's/^/    /'
	fi
	echo "----"
}

# A kernel report during boot or between tests belongs to no test: say
# so (it fails nothing), so that it is not missed on the debug kernel.
boot_reports() {
	local f line
	for f in boot-dmesg between-dmesg boot-kmemleak; do
		[ -s "$GUEST_RESULTS/$f" ] || continue
		if [ "$f" = boot-kmemleak ]; then
			line="$(grep -c '^unreferenced object' "$GUEST_RESULTS/$f") suspected leaks"
		else
			line=$(grep -E -m1 "$KLOG_RE" "$GUEST_RESULTS/$f" || true)
		fi
		[ -z "$line" ] ||
			echo "run-guest: kernel report outside any test ($GUEST_RESULTS/$f): $(echo "$line" | cut -c1-120)"
	done
}

main() {
	local tests=() t
	while [ $# -gt 0 ]; do
		case "$1" in
		--quiet-summary) QUIET_SUMMARY=1 ;;
		-h|--help) sed -n '3,11p' "$0"; exit 0 ;;
		*) tests+=("$(resolve_test "$1")") ;;
		esac
		shift
	done
	if [ ${#tests[@]} -eq 0 ]; then
		for t in "$TOP"/tests/guest/*.sh; do [ -f "$t" ] && tests+=("$t"); done
	fi
	[ ${#tests[@]} -gt 0 ] || { echo "run-guest: no tests" >&2; exit 1; }

	rm -rf "$GUEST_RESULTS"
	mkdir -p "$GUEST_RESULTS"
	printf '%s\n' "${tests[@]}" >"$GUEST_RESULTS/tests.list"
	local total=$BOOT_TIMEOUT scale=${GUEST_TIMEOUT_SCALE:-1}
	[[ $scale =~ ^[1-9][0-9]*$ ]] ||
		{ echo "run-guest: GUEST_TIMEOUT_SCALE must be a positive integer" >&2; exit 1; }
	# Per test: its timeout, the agent's kill grace and reset, and on a
	# kmemleak kernel the two scans.
	for t in "${tests[@]}"; do
		total=$((total + $(test_timeout "$t") * scale + 20 * scale))
	done

	local start=$SECONDS
	export GUEST_ENV_VARS="${GUEST_ENV_VARS:-} GUEST_TEST_TIMEOUT GUEST_TIMEOUT_SCALE"
	guest_boot "$TOP/tests/lib/guest-agent.sh" "$total" || true
	echo "run-guest: guest ran $((SECONDS - start))s ($(guest_pick_accel), kernel ${KVER:-?}), results in $GUEST_RESULTS"
	boot_reports

	local passed=0 failed=0 name v status secs reason
	: >"$GUEST_RESULTS/summary.tsv"
	for t in "${tests[@]}"; do
		name=$(basename "$t" .sh)
		v=$(verdict "$name")
		IFS=$'\t' read -r status secs reason <<<"$v"
		printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$secs" "$reason" \
			>>"$GUEST_RESULTS/summary.tsv"
		if [ "$status" = PASS ]; then
			echo "PASS $name (${secs}s)"
			passed=$((passed + 1))
		else
			echo "FAIL $name ($reason)"
			show_failure "$name"
			failed=$((failed + 1))
		fi
	done
	[ "$QUIET_SUMMARY" = 1 ] || echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

main "$@"

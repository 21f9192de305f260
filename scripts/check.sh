#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: scripts/check.sh [--host-only | --guest-only]   (make check)
#
# Builds the module (and, unless --guest-only, the tools), runs every
# executable tests/host/*.sh (each prints its own "N passed, N failed"),
# then the guest tests in one QEMU boot (tests/run-guest.sh), and prints
# one aggregated "N passed, N failed".  Exits non-zero if anything failed
# or nothing ran.  Logs go to build/logs/.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP"
LOGS=$TOP/build/logs
PASSED=0
FAILED=0
START=$SECONDS

ok() { echo "PASS $1"; PASSED=$((PASSED + 1)); }
bad() { echo "FAIL $1"; FAILED=$((FAILED + 1)); }

# step NAME CMD...: one pass/fail for a build step; log tail on failure.
step() {
	local name=$1; shift
	if "$@" >"$LOGS/$name.log" 2>&1; then
		ok "$name"
	else
		bad "$name (see build/logs/$name.log)"
		tail -n 30 "$LOGS/$name.log" | sed 's/^/    /'
	fi
}

build_tools() {
	if [ ! -f tools/Makefile ]; then
		echo "tools/Makefile missing" >&2
		return 1
	fi
	make tools
}

# Sum the "N passed, N failed" line of each host test script.
run_host_tests() {
	local t name rc line p f
	for t in tests/host/*.sh; do
		[ -x "$t" ] || continue
		name=$(basename "$t" .sh)
		echo "== host test $name"
		rc=0
		"$t" 2>&1 | tee "$LOGS/host-$name.log" || rc=$?
		line=$(grep -E '^([A-Za-z_-]+: )?[0-9]+ passed, [0-9]+ failed' \
			"$LOGS/host-$name.log" | tail -n1 || true)
		if [ -z "$line" ]; then
			# No count line: the exit code is the only verdict.
			if [ "$rc" = 0 ]; then ok "$name"; else bad "$name (exit $rc, no summary line)"; fi
			continue
		fi
		p=$(echo "$line" | sed -E 's/^([A-Za-z_-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/')
		f=$(echo "$line" | sed -E 's/^([A-Za-z_-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
		PASSED=$((PASSED + p))
		FAILED=$((FAILED + f))
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			bad "$name (exit $rc although it reported 0 failed)"
		fi
	done
}

# Guest tests: one boot; counts from build/guest-results/summary.tsv.
run_guest_tests() {
	local summary=$TOP/build/guest-results/summary.tsv p f
	echo "== guest tests"
	rm -f "$summary"
	bash tests/run-guest.sh --quiet-summary || true
	if [ ! -f "$summary" ]; then
		bad "guest tests (run-guest.sh wrote no summary)"
		return
	fi
	p=$(awk -F'\t' '$2 == "PASS"' "$summary" | wc -l)
	f=$(awk -F'\t' '$2 != "PASS"' "$summary" | wc -l)
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
}

# The module builds with W=1 and sparse without a single warning, and
# checkpatch --strict is clean.
kernel_hygiene() {
	local out
	touch dm-target/raidx*.c
	out=$(make module 2>&1)
	if grep -E "warning:|error:" <<<"$out"; then
		echo "module build warnings" >&2
		return 1
	fi
	out=$(make sparse 2>&1)
	if grep -E "warning:|error:" <<<"$out"; then
		echo "sparse warnings" >&2
		return 1
	fi
	make checkpatch
}

main() {
	local mode=all
	case "${1:-}" in
	--host-only) mode=host ;;
	--guest-only) mode=guest ;;
	"") ;;
	*) echo "usage: $0 [--host-only|--guest-only]" >&2; exit 2 ;;
	esac
	mkdir -p "$LOGS"

	echo "== build"
	step module make module
	step kernel-hygiene kernel_hygiene
	[ "$mode" = guest ] || step tools build_tools
	# Every guest, the host tests' ones too, loads the lock checker.
	step test-kmod make test-kmod
	# The crash-replay tools build clean (-Werror): make crash-replay and
	# scripts/crash-replay-saved.sh run them in the guest.
	[ "$mode" = host ] || step crash-replay-tools make -C tests/crash/replay
	[ "$mode" = guest ] || run_host_tests
	[ "$mode" = host ] || run_guest_tests

	local wall=$((SECONDS - START))
	echo "check: wall time ${wall}s" | tee "$TOP/build/check-time.txt"
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
}

main "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Power-cut test: for each raid5 consistency policy (resync, ppl, journal
# writeback) boot a guest that builds a 4-leg raid5_ls on virtio disks and
# writes numbered, flushed batches (logging each acknowledged one to the
# results share), SIGKILL QEMU a seeded-random 0-2 s after the guest says
# "go", then boot a second guest on the same images that activates the
# array, waits for recovery, verifies every acknowledged batch and runs a
# check (mismatch_cnt must be 0).  Guest side: tests/crash/sigkill-raid5.sh.
#
#   CRASH_SEED   seed for the kill delays (default 1)
#   POLICIES     subset to run (default "resync ppl journal")
# Last line: "N passed, N failed".
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/qemu.sh
. "$TOP/tests/lib/qemu.sh"

GUEST_SCRIPT=$TOP/tests/crash/sigkill-raid5.sh
WORK=$TOP/build/crash-sigkill
SEED=${CRASH_SEED:-1}
POLICIES=${POLICIES:-resync ppl journal}
RANDOM=$SEED
# shellcheck source=tests/lib/host-check.sh
. "$TOP/tests/lib/host-check.sh"

[ -f "$TOP/dm-target/dm-raidx.ko" ] || {
	host_fail "crash-sigkill: dm-target/dm-raidx.ko not built"
	host_check_summary
	exit 1
}

result() { # result PASS|FAIL POLICY MSG
	if [ "$1" = PASS ]; then
		host_pass "crash-sigkill $2: $3"
	else
		host_fail "crash-sigkill $2: $3"
	fi
}

run_policy() {
	local policy=$1 dir imgs=() i delay_ms acked verdict
	dir=$WORK/$policy
	rm -rf "$dir"
	mkdir -p "$dir/results"
	for i in 0 1 2 3; do
		truncate -s 4M "$dir/meta$i.img"
		truncate -s 32M "$dir/data$i.img"
		imgs+=("$dir/meta$i.img" "$dir/data$i.img")
	done
	truncate -s 16M "$dir/journal.img"
	imgs+=("$dir/journal.img")
	GUEST_RESULTS=$dir/results

	# Guest #1: load, killed.
	GUEST_ARGS=(--load "$policy")
	guest_start "$GUEST_SCRIPT" 200 "${imgs[@]}" || {
		result FAIL "$policy" "guest #1 did not start"; return; }
	if ! guest_wait_file "$GUEST_RESULTS/go" 180; then
		guest_kill
		result FAIL "$policy" "guest #1 never signalled go (see $GUEST_RESULTS/guest-load.log)"
		tail -n 20 "$GUEST_RESULTS/guest-load.log" 2>/dev/null | sed 's/^/  | /'
		return
	fi
	delay_ms=$((RANDOM % 2001))
	sleep "$((delay_ms / 1000)).$(printf %03d $((delay_ms % 1000)))"
	guest_kill
	cp "$GUEST_RESULTS/console.log" "$GUEST_RESULTS/console-load.log" 2>/dev/null
	acked=$(grep -sc "^[0-9][0-9]*$" "$GUEST_RESULTS/acked" || true)
	echo "crash-sigkill $policy: killed ${delay_ms} ms after go, $acked batches acked"

	# Guest #2: recover and verify.
	GUEST_ARGS=(--verify "$policy")
	guest_boot "$GUEST_SCRIPT" 300 "${imgs[@]}" || true
	verdict=$(cat "$GUEST_RESULTS/verdict" 2>/dev/null)
	case $verdict in
	PASS*) result PASS "$policy" "${verdict#PASS: } (kill at +${delay_ms} ms)" ;;
	FAIL*) result FAIL "$policy" "${verdict#FAIL: } (kill at +${delay_ms} ms)" ;;
	*) result FAIL "$policy" "guest #2 gave no verdict (kill at +${delay_ms} ms)" ;;
	esac
	case $verdict in
	PASS*) ;;
	*) tail -n 25 "$GUEST_RESULTS/guest-verify.log" 2>/dev/null | sed 's/^/  | /' ;;
	esac
}

start=$SECONDS
for p in $POLICIES; do
	run_policy "$p"
done
echo "crash-sigkill: seed $SEED, $((SECONDS - start)) s; logs in $WORK/<policy>/results"
host_check_summary

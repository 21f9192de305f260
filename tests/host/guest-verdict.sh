#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/lib/test-header.sh, which both the guest agent and the host read:
# a test's timeout and its "stock-warnings: allowed" anywhere in its
# leading comment block (a grown header once hid the latter, and the
# allowed stock WARN failed test 44), nothing below that block, and the
# kernel-log filter that sets aside WARN blocks of the stock dm_raid
# only.  Last line: "N passed, N failed".
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=tests/lib/host-check.sh
. "$TOP/tests/lib/host-check.sh"
# shellcheck source=tests/lib/test-header.sh
. "$TOP/tests/lib/test-header.sh"

bad_klog_in() { grep -qE "$BAD_KLOG" "$@"; }

# mk_test FILE HEADER_LINES [LINE...]: a test whose header has HEADER_LINES
# filler comment lines, then the given lines, then code.
mk_test() {
	local f=$1 n=$2 i
	shift 2
	{
		echo '#!/bin/bash'
		for ((i = 0; i < n; i++)); do echo "# filler $i"; done
		printf '%s\n' "$@"
		echo 'echo code'
		echo '# timeout: 5'
		echo '# stock-warnings: allowed'
	} >"$f"
}

mk_test "$TMP/long" 60 '# timeout: 777' '# stock-warnings: allowed (why)'
mk_test "$TMP/plain" 3
check "timeout below line 60 of the header" is "$(test_timeout "$TMP/long")" 777
check "stock-warnings below line 60 of the header" stock_warnings_allowed "$TMP/long"
check "default timeout 300" is "$(GUEST_TEST_TIMEOUT='' test_timeout "$TMP/plain")" 300
check "GUEST_TEST_TIMEOUT is the default" is "$(GUEST_TEST_TIMEOUT=42 test_timeout "$TMP/plain")" 42
check "nothing after the first code line counts (stock-warnings)" \
	not stock_warnings_allowed "$TMP/plain"

# The real tests: every header gives a number, and the one test that
# drives the stock target into its WARN says so.
bad=""
for t in "$TOP"/tests/guest/*.sh; do
	[[ $(test_timeout "$t") =~ ^[0-9]+$ ]] || bad+=" $(basename "$t")"
done
check "every guest test has a numeric timeout${bad:+ (not:$bad)}" is "$bad" ""
check "44-journal-wrap allows stock warnings" \
	stock_warnings_allowed "$TOP/tests/guest/44-journal-wrap.sh"
check "45-journal-dead does not" \
	not stock_warnings_allowed "$TOP/tests/guest/45-journal-dead.sh"

# A log with one WARN through the stock dm_raid and one through dm_raidx.
warn_block() {	# warn_block MODULE
	printf '%s\n' '[   1.0] ------------[ cut here ]------------' \
		"[   1.1] WARNING: CPU: 1 PID: 9 at kernel/kthread.c:661 kthread_park+0x81/0x90" \
		'[   1.2] Call Trace:' \
		"[   1.3]  raid_dtr+0x23/0x40 [$1]" \
		'[   1.4] ---[ end trace 0000000000000000 ]---'
}
{
	echo '[   0.5] md: resync of RAID array mdX'
	warn_block dm_raid
	echo '[   2.0] between'
	warn_block dm_raidx
	echo '[   3.0] after'
} >"$TMP/dmesg"
without_stock_warnings "$TMP/kept" <"$TMP/dmesg" >"$TMP/left"
check "the stock WARN is set aside" grep -q '\[dm_raid\]' "$TMP/kept"
check "the dm-raidx WARN is not" not grep -q '\[dm_raidx\]' "$TMP/kept"
check "the dm-raidx WARN still fails the test" \
	is "$(grep -cE "$BAD_KLOG" "$TMP/left")" 1
check "lines outside WARN blocks are kept" is "$(grep -c 'between\|after\|resync' "$TMP/left")" 3
warn_block dm_raid >"$TMP/only-stock"
without_stock_warnings "$TMP/kept2" <"$TMP/only-stock" >"$TMP/left2"
check "a log with only the stock WARN passes" not bad_klog_in "$TMP/left2"
echo "INFO: task dmsetup:494 blocked for more than 120 seconds." >"$TMP/hung"
check "BAD_KLOG catches a hung task" bad_klog_in "$TMP/hung"
echo "[  75.0] md-lock-check: dm-raidx called md_reap_sync_thread from raidx_message+0xd5/0x2c0 [dm_raidx] without the reconfig mutex of md 00000000e5876291" >"$TMP/unlocked"
check "BAD_KLOG catches dm-raidx calling md without its mutex" bad_klog_in "$TMP/unlocked"
echo "[  75.0] md-lock-check: md_reap_sync_thread called from raid_message+0x1e4/0x310 [dm_raid] without the reconfig mutex of md 00000000e5876291" >"$TMP/stock-unlocked"
check "BAD_KLOG leaves the stock target's unlocked reap to its test" not bad_klog_in "$TMP/stock-unlocked"

host_check_summary

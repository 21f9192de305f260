# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What a guest test declares in its leading comment block, and the kernel
# log lines that fail it.  Read the same way by the guest agent (the
# timeout) and by tests/run-guest.sh on the host (the whole guest's
# timeout, the verdict); tests/host/guest-verdict.sh checks it.

# Kernel log lines that fail a test even if it exited 0; the last: dm-raidx
# called an md function without the reconfig mutex (tests/kmod/).
# shellcheck disable=SC2034 # used by the scripts that source this file
BAD_KLOG='WARNING:|BUG:|Oops|general protection|possible circular locking|inconsistent lock state|possible recursive locking|blocked for more than|kernel BUG|UBSAN|KASAN|leak|md-lock-check: dm-raidx'

# header_block TEST: the lines before the first that is not a comment.
# Headers grow, so nothing below counts lines.
header_block() {
	sed -n '/^[^#]/q; p' "$1" 2>/dev/null
}

# test_timeout TEST: its "# timeout: SECONDS", else $GUEST_TEST_TIMEOUT,
# else 300.
test_timeout() {
	local t
	t=$(header_block "$1" | sed -n 's/^# *timeout: *\([0-9]\+\).*/\1/p' | head -n1)
	echo "${t:-${GUEST_TEST_TIMEOUT:-300}}"
}

# stock_warnings_allowed TEST: the test says "# stock-warnings: allowed",
# because it drives the stock dm-raid into a known bug of its own (the
# kthread_park WARN when a journaled stock array is removed).
stock_warnings_allowed() {
	header_block "$1" | grep -q '^# *stock-warnings: *allowed'
}

# without_stock_warnings KEEP < DMESG: the log minus every WARNING block
# ("cut here" .. "end trace") whose call trace runs through the stock
# dm_raid module; those blocks are appended to the file KEEP.
without_stock_warnings() {
	awk -v keep="$1" '
		/-+\[ cut here \]-+/ { inblk = 1; blk = "" }
		inblk {
			blk = blk $0 "\n"
			if ($0 ~ /---\[ end trace/) {
				inblk = 0
				if (blk ~ /\[dm_raid\]/) printf "%s", blk >> keep
				else printf "%s", blk
			}
			next
		}
		{ print }
		END { if (inblk) printf "%s", blk }'
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A raid5 with a write journal: the journal character follows the mode,
# the journal_mode message switches a running array, the table printed
# afterwards says so, and reloading that very table keeps the mode.  The
# consistency_policy message is refused on a journaled array (test 43
# covers it on resync/ppl arrays).
# timeout: 300
. "$(dirname "$0")/../lib/common.sh"

load_raidx
MB=16
raid5_journal_legs 4 $MB 16

dm_create jr "0 $sectors raid raid5_ls 3 128 journal_dev $JDEV 4$legs"
assert_eq "$(raid_field jr 11)" A "journal char, writethrough"
write_pattern /dev/mapper/jr 61 $((2 << 20))
wait_sync jr 200

run dmsetup message jr 0 journal_mode writeback
assert_eq "$(raid_field jr 11)" a "journal char after journal_mode writeback"
table=$(dmsetup table jr)
assert_match "$table" "journal_mode writeback" "table line after the message"
pass "journal_mode message switches a running array"

if dmsetup message jr 0 journal_mode sideways 2>/dev/null; then
	fail "bogus journal mode accepted"
fi
if dmsetup message jr 0 consistency_policy ppl 2>/dev/null; then
	fail "consistency_policy ppl accepted on a journaled array"
fi
pass "bad messages refused"

write_pattern /dev/mapper/jr 62 $((2 << 20))
dm_remove jr
dm_create jr "$table"
assert_eq "$(raid_field jr 11)" a "journal char after reloading the printed table"
assert_eq "$(sha_of /dev/mapper/jr $((2 << 20)))" "$(pattern_sha 62 $((2 << 20)))" "data"
pass "reloading the printed table reproduces writeback"
dm_remove jr

# Without journal_mode on the table the superblock's mode wins.
dm_create jr "0 $sectors raid raid5_ls 3 128 journal_dev $JDEV 4$legs"
assert_eq "$(raid_field jr 11)" a "mode kept in the superblock"
pass "superblock remembers the journal mode"
echo "journal messages: all checks passed"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed tables on dm-raidx (loaded as "raid"), part 2: bad values of
# keywords, region size, raid10, journal and consistency policy.  Each is
# refused with its own ti->error message and leaves nothing behind
# (expect_table_rejected).
# timeout: 300
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat.sh"

bad_table_setup
# ---- values ----
rej "$L1 3 0 sync nosync $R1" "sync and nosync are mutually exclusive"
rej "$L1 4 0 rebuild 0 sync $R1" "sync/nosync and rebuild are mutually exclusive"
rej "$L1 4 0 nosync rebuild 1 $R1" "sync/nosync and rebuild are mutually exclusive"
rej "$L1 3 0 rebuild 2 $R1" "Invalid rebuild index given"
rej "$L1 3 0 rebuild -1 $R1" "Invalid rebuild index given"
rej "$L1 5 0 rebuild 1 rebuild 1 $R1" "rebuild for this index already given"
rej "$L1 5 0 write_mostly 0 write_mostly 1 $R1" "Can't set all raid1 devices to write_mostly"
rej "$L1 3 0 write_mostly 5 $R1" "Invalid write_mostly index given"
rej "$L1 5 0 write_mostly 1 write_mostly 1 $R1" "write_mostly for this index already given"
rej "$L1 5 0 min_recovery_rate 100 max_recovery_rate 50 $R1" "Bogus recovery rates"
rej "$L1 3 0 min_recovery_rate -1 $R1" "min_recovery_rate out of range"
rej "$L1 3 0 max_recovery_rate x $R1" "max_recovery_rate out of range"
rej "$L1 3 0 daemon_sleep -1 $R1" "daemon sleep period out of range"
rej "$L1 3 0 max_write_behind -2 $R1" "Max write-behind limit out of range"
rej "$L5 3 64 stripe_cache -1 $R5" "Bogus stripe cache entries value"
rej "$L1 3 0 region_size 3000 $R1" "Region size is not a power of 2"
rej "$L1 3 0 region_size $((4 * LEG)) $R1" "Supplied region size is too large"
rej "$L1 3 0 region_size abc $R1" "Bad numerical argument given for region_size"
rej "$L5 3 128 region_size 64 $R5" "Region size is smaller than the chunk size"
rej "$L5 3 64 delta_disks 0 $R5" "Too many delta_disk requested"
rej "$L5 3 64 data_offset 7 $R5" "Bogus data_offset value"
rej "$L5 3 64 data_offset 16 $R5" "Bogus data_offset value"

# region_size below len/2^21: needs a long target; a 4 TiB sparse leg
# (only the table is parsed, no I/O reaches it).
truncate -s 4T "$TEST_TMP/huge"
HUGE=$(losetup -f --show "$TEST_TMP/huge")
on_cleanup losetup -d "$HUGE"
rej "0 $((8 << 30)) raid raid1 3 0 region_size 2048 2 - $HUGE - ${D[1]}" "Supplied region size is too small"

# ---- raid10 ----
rej "$L10 3 64 raid10_copies 5 $R10" "Bad value for 'raid10_copies'"
rej "$L10 3 64 raid10_copies 1 $R10" "Bad value for 'raid10_copies'"
rej "$L10 3 64 raid10_format diagonal $R10" "Invalid 'raid10_format' value given"
rej "$L10 4 64 raid10_format near raid10_use_near_sets $R10" "'raid10_use_near_sets' are incompatible"
rej "$L10 2 64 raid10_use_near_sets $R10" "'raid10_use_near_sets' are incompatible"

# ---- journal and consistency policy ----
make_legs 1 2 >/dev/null
SMALL=${LEG_DATA[0]}
rej "$L5 3 64 journal_mode writethrough $R5" "raid4/5/6 'journal_mode' is invalid without 'journal_dev'"
rej "$L5 5 64 journal_dev ${M[3]} journal_mode writesometimes $R5" "Invalid 'journal_mode' argument"
rej "$L5 3 64 journal_dev $SMALL $R5" "No space for raid4/5/6 journal"
rej "$L5 3 64 journal_dev /dev/nonexistent $R5" "raid4/5/6 journal device lookup failure"
# Every word is checked before any device is opened: a bad word after
# (or a bad leg word beside) a journal that does not exist is what the
# table is refused for.
rej "$L5 5 64 journal_dev /dev/nonexistent stripe_cache x $R5" "Bogus stripe cache entries value"
rej "$L5 5 64 journal_dev /dev/nonexistent region_size 3000 $R5" "Region size is not a power of 2"
rej "$L5 3 64 journal_dev /dev/nonexistent 3 ${M[0]} ${D[0]} ${M[1]} - ${M[2]} ${D[2]}" \
	"No data device supplied with metadata device"
rej "$L5 3 64 consistency_policy bitmap $R5" "Invalid 'consistency_policy'"
rej "$L5 3 64 consistency_policy journal $R5" "consistency_policy journal needs a journal_dev"
rej "$L5 5 64 consistency_policy ppl journal_dev ${M[3]} $R5" "consistency_policy ppl excludes journal_dev"
rej "$L6 3 64 consistency_policy ppl $R10" "consistency_policy ppl needs raid5"
rej "$L5 3 64 consistency_policy ppl $R5" "consistency_policy ppl needs data_offset"


echo "27-bad-values: every bad keyword value refused cleanly"

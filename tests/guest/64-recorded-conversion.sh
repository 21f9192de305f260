#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Superblocks that record a conversion with no reshape in progress (the
# reshape flag clear, reshape_position at the end): a conversion set up
# that never started, a reshape md ended but whose new geometry it had not
# taken over yet, or damage.  The stock target resets such "inconclusive
# reshape" content (rs_reset_inconclusive_reshape()) and runs the old
# geometry.  A raid5_ls on 4 legs, filled, its superblocks then changed
# with raidx_testimg (the data stays in the old geometry):
#  (a) delta_disks 1 on every leg: activates under dm-raidx with its
#      data, check 0, and the superblocks written back record delta 0 (a
#      table must name the legs the data has, so resetting the delta is
#      safe).  Before 1.20.2 dm-raidx passed the delta on to md, whose
#      raid5_run() hit BUG_ON(mddev->delta_disks != 0) (review of the
#      rs->geo refactor, issue 12).
#  (b) a new layout and chunk (raid5_rs, 128 sectors) on every leg:
#      dm-raidx refuses the array, naming the unfinished conversion (the
#      superblocks cannot say whether the data is already in the new
#      geometry: a reshape md ended but had not taken over; before 1.20.2
#      dm-raidx ran the old one, as the stock target does); the stock
#      target runs it (here correctly) and writes the conversion away,
#      after which dm-raidx runs it too.
#  (c) (a) under the stock target, then dm-raidx again: the same data.
# timeout: 900
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cases.sh"

load_raidx raidx
need_testimg
MB=16
CHUNK=64

# filled: a new raid5_ls on 4 legs, synced, filled (SHA), removed.
filled() {
	filled_array rc 3 "raid5_ls 3 $CHUNK region_size 1024"
}

# poke_all FIELD=VALUE...: on every leg's superblock.
poke_all() {
	local i
	for i in 0 1 2 3; do
		run "$TESTIMG" poke "${LEG_META[i]}" "$@"
	done
}

# runs CASE TABLE: the array activates with its data, check finds 0.
runs() {
	dm_create rc "$2"
	wait_sync rc 300
	soft_eq "$1" "$(sha_of /dev/mapper/rc)" "$SHA" "data"
	soft_eq "$1" "$(mismatches rc)" 0 "mismatch_cnt after check"
	dm_remove rc
}

# delta_disks of leg 0's superblock (signed 32 bits at byte 84).
sb_delta() {
	local v
	v=$(sb_field "${LEG_META[0]}" 84 4)
	echo $((v >= 2147483648 ? v - 4294967296 : v))
}

case_a() {
	filled
	poke_all delta_disks=1
	assert_eq "$(sb_delta)" 1 "delta_disks poked"
	runs a "$TABLE"
	soft_eq a "$(sb_delta)" 0 "delta_disks written back"
}

case_b() {
	filled
	poke_all new_layout=3 new_stripe_sectors=128
	expect_table_rejected "$TABLE" "Unfinished conversion"
	load_stock_dmraid
	runs b "${TABLE/ raidx / raid }"
	runs b "$TABLE"
}

case_c() {
	filled
	poke_all delta_disks=1
	load_stock_dmraid
	runs c "${TABLE/ raidx / raid }"
	runs c "$TABLE"
}

run_case a "delta_disks 1 recorded without a reshape" case_a
run_case b "a new layout and chunk recorded without a reshape: refused; the stock target" case_b
run_case c "delta_disks 1 without a reshape: stock target, then dm-raidx" case_c
cases_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A raid4/5/6 that crashed (recorded dirty) while some of its legs were
# lost (issue 11, item D).  Data md computes from parity the crash may
# have torn reads back wrong, so such a start is refused ("Cannot start
# dirty degraded array (write hole)"), unless no data is computed from
# parity: every leg md does not read holds parity only and is there for
# md to recover from the data (a raid6's other parity checked on the way),
# as md's own raid5_run() allows (dirty_parity_disks).  Before 1.20.6 every
# lost leg was refused, healthy data or not.
#  (a) raid6_ls_6, leg 3 (Q only) stale (3 events behind) and garbage, P of
#      the first stripe torn (leg 2's first chunk garbage): starts; data
#      intact, check 0 after the recovery (refused before 1.20.6);
#  (b) raid4, its parity leg 0 missing (`- -`): refused (the parity that
#      comes back later from the bitmap could keep what the crash tore);
#  (c) raid6_ls_6, leg 3 (Q) missing: refused (P is read, and may be torn);
#  (d) raid5_ls, data-and-parity leg 1 stale: refused;
#  (e) raid4 crashed in its resync (recorded at 4096), leg 0 missing:
#      refused;
#  (f) raid4, parity leg 0 recorded failed by the others (one event
#      behind, as a failure leaves it), its first chunk torn (garbage) in a
#      region the bitmap marks: starts, leg 0 recovered from the bitmap,
#      data intact, check 0 (refused before 1.20.6).
# timeout: 900
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cases.sh"

load_raidx raidx
need_testimg
MB=16
CHUNK=128
HOLE="Cannot start dirty degraded array (write hole)"

# crashed: every leg's superblock records the array not shut down cleanly.
crashed() {
	local i
	for i in 0 1 2 3; do
		run "$TESTIMG" poke "${LEG_META[i]}" ext.state=1
	done
}

# stale LEG: LEG's superblock three events behind the others.
stale() {
	local e
	e=$(sb_field "${LEG_META[0]}" 16 8)
	[ "$1" != 0 ] || e=$(sb_field "${LEG_META[1]}" 16 8)
	run "$TESTIMG" poke "${LEG_META[$1]}" events=$((e - 3))
}

# garbage LEG SECTORS: the first SECTORS of LEG's data overwritten.
garbage() {
	dd if=/dev/urandom of="${LEG_DATA[$1]}" bs=512 count="$2" \
		oflag=direct status=none
}

# without LEG TYPE_AND_PARAMS: the 4-leg table with LEG given as `- -`.
without() {
	local i t="0 $S raidx $2 4"
	for i in 0 1 2 3; do
		if [ "$i" = "$1" ]; then t+=" - -"
		else t+=" ${LEG_META[i]} ${LEG_DATA[i]}"; fi
	done
	echo "$t"
}

case_a() {
	filled_array pl 2 "raid6_ls_6 3 $CHUNK region_size 1024"
	crashed
	stale 3
	garbage 3 $((MB * 2048))
	# raid6_ls_6 on 4 legs: stripe 0 has P on leg 2 (raid5 left-symmetric
	# over legs 0-2), Q on leg 3
	garbage 2 $CHUNK
	dm_create pl "$TABLE"
	wait_sync pl 300
	soft_eq a "$(sha_of /dev/mapper/pl)" "$SHA" "data"
	soft_eq a "$(mismatches pl)" 0 "mismatch_cnt after check"
	dm_remove pl
}

case_b() {
	local params="3 $CHUNK region_size 1024"
	filled_array pl 3 "raid4 $params"
	crashed
	expect_table_rejected "$(without 0 "raid4 $params")" "$HOLE"
	pass "case b: refused"
}

case_c() {
	local params="3 $CHUNK region_size 1024"
	filled_array pl 2 "raid6_ls_6 $params"
	crashed
	expect_table_rejected "$(without 3 "raid6_ls_6 $params")" "$HOLE"
	pass "case c: refused"
}

case_d() {
	filled_array pl 3 "raid5_ls 3 $CHUNK region_size 1024"
	crashed
	stale 1
	expect_table_rejected "$TABLE" "$HOLE"
	pass "case d: refused"
}

case_e() {
	local i params="3 $CHUNK region_size 1024"
	filled_array pl 3 "raid4 $params"
	crashed
	for i in 0 1 2 3; do
		run "$TESTIMG" poke "${LEG_META[i]}" array_resync_offset=4096
	done
	expect_table_rejected "$(without 0 "raid4 $params")" "$HOLE"
	pass "case e: refused"
}

case_f() {
	local i e
	filled_array pl 3 "raid4 3 $CHUNK region_size 1024"
	e=$(sb_field "${LEG_META[1]}" 16 8)
	# md's failure of leg 0 wrote the others' superblocks and bitmap
	# headers one event on, and cleared no bit since (degraded)
	for i in 1 2 3; do
		run "$TESTIMG" poke "${LEG_META[i]}" failed_devices=1 \
			events=$((e + 1)) bitmap.events=$((e + 1))
	done
	garbage 0 $CHUNK
	# the bitmap marks regions 0-7: its bits follow the 256-byte header
	# at byte 4096 of each metadata device
	for i in 0 1 2 3; do
		printf '\377' | dd of="${LEG_META[i]}" bs=1 seek=4352 \
			conv=notrunc,fsync status=none
	done
	crashed
	dm_create pl "$TABLE"
	wait_sync pl 300
	soft_eq f "$(sha_of /dev/mapper/pl)" "$SHA" "data"
	soft_eq f "$(mismatches pl)" 0 "mismatch_cnt after check"
	dm_remove pl
}

run_case a "raid6: Q stale and P torn after a crash: starts, recovered" case_a
run_case b "raid4: parity leg missing after a crash: refused" case_b
run_case c "raid6: Q missing after a crash: refused" case_c
run_case d "raid5_ls: a data leg stale after a crash: refused" case_d
run_case e "raid4 crashed in its resync, parity leg missing: refused" case_e
run_case f "raid4: torn parity leg recorded failed after a crash: recovered" case_f
cases_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A crashed raid5 (superblocks dirty, a stripe's parity wrong, its region
# marked in the bitmap beyond the first 512 bytes of bits) activated with
# a table that makes dm-raidx write the superblocks before md loads the
# bitmap.  md_bitmap_create() had left only the header in the page that
# holds the first bits, and that superblock write put the page back with
# those bits zeroed: md then resynced nothing and the wrong parity stayed (the
# write hole crash replay found, tests/crash/replay/cases/switch-p103).
#  (z) the image without the bitmap bit: nothing resyncs it, so `check`
#      finds the wrong stripe (what proves the image can fail a case);
#  (a) a table without data_offset (the recorded one kept): no superblock
#      write before the bitmap loads, check 0;
#  (b) the table gives data_offset (as PPL and switch tables do), so
#      superblocks are written first: check 0.  Before (1.18.4): 8;
#  (c) a shorter table (a shrink) writes them too: check 0.  Before: 8.
# timeout: 300
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cases.sh"

load_raidx raidx
need_testimg

CHUNK=8			# sectors: region 4 KiB, so bit 4096 is 16 MiB in
OFF=2048		# data_offset: reshape space (the data stays at 0)
LEG_MB=25		# 24 MiB of data a leg and the reshape space
ROW=32768		# the wrong stripe, sectors into each leg
BIT=$((ROW / CHUNK))	# its bit: byte 512 of the bits, past md's read
S=$(striped_sectors 24 2)
PARAMS="5 $CHUNK region_size $CHUNK data_offset $OFF"
PLAIN="3 $CHUNK region_size $CHUNK"	# the recorded data_offset kept

# crash_image TYPE "PARAMS" LEN: the crash image of a TYPE array, made
# once: synced, full of data, removed, its superblocks then marked dirty
# and leg 1's 4 KiB at ROW overwritten (that stripe's parity now wrong).
# Kept as TYPE-crashI (data), TYPE-nobitsI (metadata)
# and TYPE-bitsI: the same with the region of ROW marked in every leg's
# bitmap (4 KiB header page at 4096, 256-byte header, bits little-endian).
IMG=$TEST_TMP		# each case gets its own TEST_TMP
make_legs 3 $LEG_MB >/dev/null
LEGS=$(leg_args)
crash_image() {
	local i
	for i in 0 1 2; do	# a new array, not the last image's
		dd if=/dev/zero of="${LEG_META[i]}" bs=1M count=1 oflag=direct status=none
	done
	dm_create bf "0 $3 raidx $1 $2 3$LEGS"
	wait_sync bf 300
	write_pattern /dev/mapper/bf bf $(($3 * 512))
	dm_remove bf
	for i in 0 1 2; do
		run "$TESTIMG" poke "${LEG_META[i]}" ext.state=1
	done
	head -c 4096 /dev/urandom |
		dd of="${LEG_DATA[1]}" bs=512 seek=$ROW oflag=direct conv=notrunc status=none
	sync	# what went through the loop devices is in their files
	for i in 0 1 2; do
		cp --sparse=always "$IMG/meta$i" "$IMG/$1-nobits$i"
		cp --sparse=always "$IMG/meta$i" "$IMG/$1-bits$i"
		printf '\xff' | dd of="$IMG/$1-bits$i" bs=1 seek=$((4096 + 256 + BIT / 8)) \
			conv=notrunc status=none
		cp --sparse=always "$IMG/data$i" "$IMG/$1-crash$i"
	done
}
crash_image raid5_ls "$PARAMS" "$S"

# activate TYPE BITS LEN "WORDS": restore TYPE's crash image (with the
# bit or not), activate it with LEN and WORDS, let md resync and recover,
# check: MISMATCHES.
activate() {
	local i
	for i in 0 1 2; do
		cp --sparse=always "$IMG/$1-$([ "$2" = 1 ] && echo bits || echo nobits)$i" \
			"$IMG/meta$i"
		cp --sparse=always "$IMG/$1-crash$i" "$IMG/data$i"
	done
	dm_create bf "0 $3 raidx $1 $4 3$LEGS"
	wait_sync bf 300
	MISMATCHES=$(mismatches bf)
	dm_remove bf
}

case_z() {
	activate raid5_ls 0 "$S" "$PLAIN"
	if [ "$MISMATCHES" -gt 0 ]; then
		soft_pass z "without the bit, check finds the wrong stripe: $MISMATCHES"
	else
		soft z "check found nothing wrong in the image: the cases prove nothing"
	fi
}

case_a() {
	activate raid5_ls 1 "$S" "$PLAIN"
	soft_eq a "$MISMATCHES" 0 "mismatch_cnt"
}

case_b() {
	activate raid5_ls 1 "$S" "$PARAMS"
	soft_eq b "$MISMATCHES" 0 "mismatch_cnt"
}

# 8 MiB less: the stripe at ROW (16 MiB into each leg of 20) stays in.
case_c() {
	activate raid5_ls 1 $((S - 16384)) "$PLAIN"
	soft_eq c "$MISMATCHES" 0 "mismatch_cnt"
}

run_case z "the image without its bitmap bit: check finds the stripe" case_z
run_case a "same table: the bitmap's bit resyncs the stripe" case_a
run_case b "data_offset given: superblocks written before the bitmap loads" case_b
run_case c "a shrink: superblocks written before the bitmap loads" case_c
cases_end

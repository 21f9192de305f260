#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# LVM2's takeovers, unchanged LVM2 on dm-raidx loaded as "raid" (issue
# 13): the tables and reloads lvconvert really issues.
#  - raid5_ls (3 stripes, 4 legs) -> raid6_ls_6 (5 legs, the Q leg
#    allocated and rebuilt), then back to raid5_ls (Q dropped);
#  - raid5_n (3 stripes, parity on the last leg) -> raid6_n_6 (Q leg
#    appended, rebuilt) -> raid5_n;
#  - raid1 on 2 legs -> raid5 (2 legs) -> raid1;
# each step: the segment type lvs reports, the LV in sync, its data, a
# --syncaction check with 0 mismatches.  The dm tables LVM loads are
# printed to the log.
# timeout: 600
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat.sh"

raidx_as_raid
lsmod | grep -q '^dm_raid ' && fail "stock dm-raid is loaded"

VG=tkvg
MIB=$((1 << 20))
lvm_test_vg "$VG" tkpv 6 48

lv_field() {
	lvs --noheadings -o "$2" "$VG/$1" | tr -d ' '
}

wait_lv_sync() {
	local t=0
	while [ "$(lv_field "$1" sync_percent)" != 100.00 ] ||
		[ "$(lv_field "$1" raid_sync_action)" != idle ]; do
		[ $t -lt 600 ] || fail "LV $1 not in sync: $(lvs -a "$VG" 2>&1)"
		sleep 0.5
		t=$((t + 1))
	done
}

# settled LV SEGTYPE BYTES SEED WHAT: the LV is SEGTYPE, in sync, holds
# its data, and a check finds nothing.
settled() {
	wait_lv_sync "$1"
	assert_eq "$(lv_field "$1" segtype)" "$2" "$5: segment type"
	assert_eq "$(sha_of "/dev/mapper/$VG-$1" "$3")" "$(pattern_sha "$4" "$3")" "$5: data"
	run lvchange -q --syncaction check "$VG/$1"
	sleep 1
	wait_lv_sync "$1"
	assert_eq "$(lv_field "$1" raid_mismatch_count)" 0 "$5: mismatches after check"
	echo "$5: $(dmsetup table "$VG-$1")"
	pass "$5"
}

# raid5_to_raid6_and_back LV RAID5 RAID6: a RAID5 LV of 3 stripes, filled,
# taken over to RAID6 (4 -> 5 legs: the Q leg allocated and rebuilt) and
# back to RAID5 (Q dropped), settled at each step.
raid5_to_raid6_and_back() {
	local lv=$1 r5=$2 r6=$3 bytes=$((12 * MIB))

	run lvcreate -q -y -n "$lv" -L 12M --type "$r5" -i3 "$VG"
	write_pattern "/dev/mapper/$VG-$lv" "$lv" $bytes
	settled "$lv" "$r5" $bytes "$lv" "$r5 created"
	run lvconvert -q -y --type "$r6" "$VG/$lv"
	settled "$lv" "$r6" $bytes "$lv" "lvconvert $r5 -> $r6"
	assert_eq "$(raid_field "$VG-$lv" 5)" 5 "$r6 legs"
	run lvconvert -q -y --type "$r5" "$VG/$lv"
	settled "$lv" "$r5" $bytes "$lv" "lvconvert $r6 -> $r5"
	assert_eq "$(raid_field "$VG-$lv" 5)" 4 "$r5 legs again"
	run lvremove -q -y "$VG/$lv"
}

raid5_to_raid6_and_back r5 raid5_ls raid6_ls_6
raid5_to_raid6_and_back r5n raid5_n raid6_n_6

# ---- raid1 -> raid5 -> raid1 on 2 legs --------------------------------------
run lvcreate -q -y -n r1 -L 8M --type raid1 -m1 "$VG"
BYTES=$((8 * MIB))
write_pattern "/dev/mapper/$VG-r1" r1 $BYTES
settled r1 raid1 $BYTES r1 "raid1 created"
run lvconvert -q -y --type raid5 "$VG/r1"
settled r1 raid5 $BYTES r1 "lvconvert raid1 -> raid5"
run lvconvert -q -y --type raid1 "$VG/r1"
settled r1 raid1 $BYTES r1 "lvconvert raid5 -> raid1"
run lvremove -q -y "$VG/r1"

echo "62-lvm-takeover: LVM2's takeovers on dm-raidx kept the data"

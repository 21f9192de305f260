#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Refused tables on dm-raidx (loaded as "raid"), part 3: bad device lists,
# and tables that ask to convert an existing array (takeover, layout,
# chunk or device count change, delta_disks, new legs without rebuild).
# Each is refused with its own ti->error message and leaves nothing
# behind; the superblocks are byte-identical afterwards and the arrays
# activate as before.
# timeout: 300
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat.sh"

bad_table_setup
# ---- devices ----
rej "$L1 1 0 2 ${M[0]} ${D[0]} ${M[1]} /dev/nonexistent" "RAID device lookup failure"
rej "$L1 1 0 2 ${M[0]} ${D[0]} /dev/nonexistent ${D[1]}" "RAID metadata device lookup failure"
rej "$L1 1 0 2 ${M[0]} ${D[0]} ${M[1]} -" "No data device supplied with metadata device"
rej "$L1 3 0 rebuild 1 2 ${M[0]} ${D[0]} - -" "Drive designated for rebuild not specified"
rej "0 $LEG raid raid5_ls 1 64 1 ${M[0]} ${D[0]}" "Insufficient number of devices"
rej "0 $LEG raid raid6_zr 1 64 2 ${M[0]} ${D[0]} ${M[1]} ${D[1]}" "Insufficient number of devices"
rej "0 $((2 * LEG - 1)) raid raid5_ls 1 64 $R5" "Target length not divisible by number of data devices"
rej "0 $((LEG + 8)) raid raid1 1 0 $R1" "Component device(s) too small"
rej "0 $((3 * LEG)) raid raid5_ls 1 64 $R5" "Component device(s) too small"

# ---- requests against an existing array ----
seed_sbs() {
	local i
	for ((i = 0; i < $1; i++)); do sb_hex "${M[i]}" 4096; done | sha256sum
}
run dm_create ex5 "$L5 3 64 region_size 1024 $R5"
write_pattern /dev/mapper/ex5 ex5 $((4 << 20))
wait_sync ex5 200
dm_remove ex5
before=$(seed_sbs 3)
before_events=$(for i in 0 1 2; do dd if="${M[i]}" bs=4096 count=1 iflag=direct status=none | sha256sum; done)

make_legs 1 "$MB" >/dev/null
FRESH="${LEG_META[0]} ${LEG_DATA[0]}"
R5_4="4 ${M[0]} ${D[0]} ${M[1]} ${D[1]} ${M[2]} ${D[2]} $FRESH"
# Takeovers that would not keep the data are refused for what they lack
# (leg count, raid10 layout, chunk, raid5 <-> raid6 the same rotation:
# stricter than the stock target, see raid6_ra_6 below); possible ones
# are not made yet.
rej "0 $LEG raid raid1 1 0 3 ${M[0]} ${D[0]} ${M[1]} ${D[1]} ${M[2]} ${D[2]}" \
	"takeover not possible: raid5 -> raid1 needs 2 legs"
rej "0 $((3 * LEG)) raid raid0 1 64 $R5" "takeover not possible: raid5 -> raid0 needs raid4 or raid5_n, 1 leg less"
rej "0 $LEG raid raid6_zr 3 64 region_size 1024 $R5" "takeover not possible: raid6 needs 4 legs"
rej "0 $((2 * LEG)) raid raid5_rs 3 64 region_size 1024 $R5" "Reshape to another layout is not supported by dm-raidx yet"
rej "0 $((2 * LEG)) raid raid4 3 64 region_size 1024 $R5" "Reshape to another layout is not supported by dm-raidx yet"
rej "$L5 3 128 region_size 1024 $R5" "Reshape to another chunk size is not supported by dm-raidx yet"
# A fourth, fresh leg is a device count change, and is named as such.
rej "0 $((3 * LEG)) raid raid5_ls 3 64 region_size 1024 $R5_4" \
	"Changing the number of devices is not supported by dm-raidx yet"
# The stock target would run this raid5_ls as raid6_ra_6.
rej "0 $((2 * LEG)) raid raid6_ra_6 5 64 region_size 1024 rebuild 3 $R5_4" \
	"takeover not possible: raid5 -> raid6 needs the same rotation"
rej "0 $LEG raid raid5_ls 3 64 region_size 1024 2 ${M[0]} ${D[0]} ${M[1]} ${D[1]}" \
	"Changing the number of devices is not supported by dm-raidx yet"
rej "$L5 3 64 region_size 1024 3 ${M[0]} ${D[0]} $FRESH ${M[2]} ${D[2]}" \
	"New device injected into existing raid set without 'rebuild'"
rej "$L5 3 64 region_size 1024 3 ${M[0]} ${D[0]} - - - -" "Insufficient redundancy to activate array"
rej "$L5 3 64 region_size 1024 3 ${M[1]} ${D[1]} ${M[0]} ${D[0]} ${M[2]} ${D[2]}" "Cannot change device positions in raid set"
# Only the first leg (read first, so the freshest) out of place: 1.18.5
# checked every leg's place but the freshest's, and ran leg 2 as leg 0.
rej "$L5 3 64 region_size 1024 3 ${M[2]} ${D[2]} ${M[1]} ${D[1]} - -" "Cannot change device positions in raid set"

after=$(seed_sbs 3)
after_events=$(for i in 0 1 2; do dd if="${M[i]}" bs=4096 count=1 iflag=direct status=none | sha256sum; done)
assert_eq "$after" "$before" "superblocks after the refused conversions"
assert_eq "$after_events" "$before_events" "superblock blocks (events included) after the refused conversions"
run dm_create ex5 "$L5 3 64 region_size 1024 $R5"
assert_eq "$(raid_health ex5)" AAA "existing raid5 after the refusals"
assert_eq "$(raid_field ex5 8)" idle "existing raid5 after the refusals: no sync"
assert_eq "$(sha_of /dev/mapper/ex5 $((4 << 20)))" "$(pattern_sha ex5 $((4 << 20)))" "existing raid5 data"
dm_remove ex5
pass "existing raid5_ls untouched by the refused conversions"

# raid1 legs (fresh ones) with a raid5 table
make_legs 2 "$MB" >/dev/null
R1X="2 ${LEG_META[0]} ${LEG_DATA[0]} ${LEG_META[1]} ${LEG_DATA[1]}"
run dm_create ex1 "$L1 3 0 region_size 1024 $R1X"
wait_sync ex1 200
dm_remove ex1
# Takeovers dm-raidx makes (test 60), refused here for what comes with
# them.
rej "0 $LEG raid raid5_ls 5 64 region_size 1024 rebuild 1 $R1X" "A takeover cannot rebuild or resync in the same table"
rej "0 $((LEG / 2)) raid raid10 3 64 region_size 1024 $R1X" "A takeover keeps the array's size"
rej "0 $((2 * LEG)) raid raid0 1 64 $R1X" "takeover not possible: raid1 -> raid0 needs 1 leg"
rej "$L1 5 0 region_size 1024 delta_disks -1 1 ${LEG_META[0]} ${LEG_DATA[0]}" "Reshape (delta_disks) is not supported by dm-raidx yet"
run dm_create ex1 "$L1 3 0 region_size 1024 $R1X"
assert_eq "$(raid_health ex1)" AA "existing raid1 after the refusals"
assert_eq "$(raid_field ex1 8)" idle "existing raid1 after the refusals: no sync"
dm_remove ex1
pass "existing raid1 untouched by the refused conversions"


# Last, so a failure here does not hide the checks above: adding a leg
# with delta_disks must be refused as a reshape, not as a leg without
# 'rebuild' (see build/h3-module-bugs.md).
rej "0 $((3 * LEG)) raid raid5_ls 5 64 region_size 1024 delta_disks 1 $R5_4" "Reshape (delta_disks) is not supported by dm-raidx yet"
rej "$L1 5 0 region_size 1024 delta_disks 1 3 ${R1X#2 } $FRESH" \
	"Reshape (delta_disks) is not supported by dm-raidx yet"

echo "28-refused-conversions: bad device lists and conversions refused, arrays untouched"

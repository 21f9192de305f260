#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The raid0/1/4/5 types dm-raid.rst documents (raid6 and raid10:
# 26-levels-raid6-raid10),
# on dm-raidx loaded as "raid":
# create with metadata devices, resync, data checksum, check finds no
# mismatches (not raid0), and one leg failed under a level that tolerates
# it keeps the data.  Then arrays without metadata devices (raid1/4/5/6/10,
# written again after a check) and degraded creates with a '-' leg.
# timeout: 360
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat.sh"

raidx_as_raid
MB=16
LEG=$((MB << 11))
BYTES=$((4 << 20))

one_level raid0 3 64
one_level raid1 2 0
one_level raid4 3 64
for t in raid5_n raid5_la raid5_ra raid5_ls raid5_rs; do
	one_level "$t" 3 64
done
pass "raid0/1/4/5 types with metadata devices"

# ---- no metadata devices: '-' instead of the metadata device ----
# Each is written, checked (a sync), then written again: after every sync
# md leaves a superblock change pending, which with the stock target's
# set-up (external metadata that no daemon acknowledges) hangs every later
# raid4/5/6 write for good (raidx-table.c, no_superblocks).  Such an array
# is not resynced when created, so each starts on zeroed legs of its own.
for type in raid1 raid4 raid5_ls raid6_zr raid10; do
	n=3
	case $type in raid1) n=2 ;; raid6*) n=4 ;; esac
	make_legs "$n" "$MB" >/dev/null
	legs=""
	mm=""
	for ((i = 0; i < n; i++)); do
		legs+=" - ${LEG_DATA[i]}"
		# the table prints devices as major:minor
		mm+=" - $(printf '%d:%d' "0x$(stat -L -c %t "${LEG_DATA[i]}")" "0x$(stat -L -c %T "${LEG_DATA[i]}")")"
	done
	sectors=$(data_sectors "$type" "$n" "$LEG")
	chunk=64; [ "$type" = raid1 ] && chunk=0
	run dm_create nm-$type "0 $sectors raid $type 1 $chunk $n$legs"
	ratio=$(raid_field nm-$type 7)
	assert_eq "$(raid_field nm-$type 8) ${ratio%/*}" "idle ${ratio#*/}" "no-meta $type: no resync when created"
	write_pattern /dev/mapper/nm-$type "nm$type" "$BYTES"
	wait_sync nm-$type 200
	assert_eq "$(raid_health nm-$type)" "$(all_A "$n")" "no-meta $type health"
	assert_eq "$(sha_of /dev/mapper/nm-$type "$BYTES")" "$(pattern_sha "nm$type" "$BYTES")" "no-meta $type data"
	assert_clean nm-$type
	assert_eq "$(dmsetup table nm-$type)" "0 $sectors raid $type 1 $chunk $n$mm" "no-meta $type table"
	write_pattern /dev/mapper/nm-$type "nm2$type" "$BYTES"
	assert_eq "$(sha_of /dev/mapper/nm-$type "$BYTES")" "$(pattern_sha "nm2$type" "$BYTES")" "no-meta $type data written after the check"
	dm_remove nm-$type
	pass "$type without metadata devices"
done

# a raid5 without metadata devices and with a leg missing starts (md
# refuses a degraded raid4/5/6 only when it has a resync due)
make_legs 3 "$MB" >/dev/null
sectors=$(data_sectors raid5_ls 3 "$LEG")
run dm_create nm-dg "0 $sectors raid raid5_ls 1 64 3 - ${LEG_DATA[0]} - - - ${LEG_DATA[2]}"
write_pattern /dev/mapper/nm-dg nmdg "$BYTES"
assert_eq "$(raid_health nm-dg)" "A-A" "no-meta degraded raid5 health"
assert_eq "$(sha_of /dev/mapper/nm-dg "$BYTES")" "$(pattern_sha nmdg "$BYTES")" "no-meta degraded raid5 data"
dm_remove nm-dg
pass "raid5 without metadata devices, a leg missing"

# ---- degraded creates: '- -' for a missing leg ----
make_legs 3 "$MB" >/dev/null
run dm_create dg-raid1 "0 $LEG raid raid1 3 0 region_size 1024 3 ${LEG_META[0]} ${LEG_DATA[0]} ${LEG_META[1]} ${LEG_DATA[1]} - -"
write_pattern /dev/mapper/dg-raid1 dg1 "$BYTES"
wait_sync dg-raid1 200
assert_eq "$(raid_health dg-raid1)" "AA-" "degraded raid1 health"
assert_eq "$(sha_of /dev/mapper/dg-raid1 "$BYTES")" "$(pattern_sha dg1 "$BYTES")" "degraded raid1 data"
assert_clean dg-raid1
dm_remove dg-raid1
pass "raid1 created with a missing leg"

make_legs 3 "$MB" >/dev/null
sectors=$(data_sectors raid5_ls 3 "$LEG")
run dm_create dg-raid5 "0 $sectors raid raid5_ls 4 64 nosync region_size 1024 3 ${LEG_META[0]} ${LEG_DATA[0]} - - ${LEG_META[2]} ${LEG_DATA[2]}"
write_pattern /dev/mapper/dg-raid5 dg5 "$BYTES"
assert_eq "$(raid_health dg-raid5)" "A-A" "degraded raid5 health"
assert_eq "$(sha_of /dev/mapper/dg-raid5 "$BYTES")" "$(pattern_sha dg5 "$BYTES")" "degraded raid5 data"
dm_remove dg-raid5
# Activating it again must find the same degraded array.
run dm_create dg-raid5 "0 $sectors raid raid5_ls 3 64 region_size 1024 3 ${LEG_META[0]} ${LEG_DATA[0]} - - ${LEG_META[2]} ${LEG_DATA[2]}"
assert_eq "$(sha_of /dev/mapper/dg-raid5 "$BYTES")" "$(pattern_sha dg5 "$BYTES")" "degraded raid5 data, reactivated"
dm_remove dg-raid5
pass "raid5_ls created (nosync) with a missing leg"

echo "20-levels: all raid types passed"

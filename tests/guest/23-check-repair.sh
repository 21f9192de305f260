#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check and repair on dm-raidx (loaded as "raid"): one leg's data area is
# overwritten with garbage while the array is down (a mirror copy, or a
# parity/P chunk, so the array's data itself stays recoverable), then
# 'check' counts mismatches, 'repair' fixes them, a second 'check' finds
# none, and the array's data is what was written.
# timeout: 300
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat.sh"

raidx_as_raid
MB=16
LEG=$((MB << 11))
BYTES=$((8 << 20))

# corrupt_case TYPE LEGS CHUNK BAD_LEG BAD_OFFSET_KIB BAD_KIB [EXTRA...]
corrupt_case() {
	local type=$1 n=$2 chunk=$3 bad=$4 off=$5 kib=$6 name=cr-$1 sectors mm
	shift 6
	local params="$chunk region_size 1024${*:+ $*}" start=$SECONDS
	make_legs "$n" "$MB" >/dev/null
	local legs="" i
	for ((i = 0; i < n; i++)); do legs+=" ${LEG_META[i]} ${LEG_DATA[i]}"; done
	sectors=$(data_sectors "$type" "$n" "$LEG")
	# shellcheck disable=SC2086
	set -- $params
	local table="0 $sectors raid $type $# $params $n$legs"
	run dm_create "$name" "$table"
	write_pattern /dev/mapper/$name "$type" "$BYTES"
	wait_sync "$name" 200
	assert_clean "$name"
	dm_remove "$name"

	# garbage into the data area of one leg, array down
	_pattern "garbage-$type" $((kib << 10)) |
		dd of="${LEG_DATA[bad]}" bs=1024 seek="$off" conv=notrunc oflag=direct status=none
	run dm_create "$name" "$table"
	assert_eq "$(raid_field "$name" 8)" idle "$type: activation after corruption: no sync"
	sync_action "$name" check
	mm=$(raid_field "$name" 9)
	[ "$mm" -gt 0 ] || fail "$type: check after corrupting leg $bad found no mismatches"
	pass "$type: check counts $mm mismatched sectors"
	sync_action "$name" repair
	assert_clean "$name"
	assert_eq "$(raid_health "$name")" "$(all_A "$n")" "$type: health after repair"
	assert_eq "$(sha_of /dev/mapper/$name "$BYTES")" "$(pattern_sha "$type" "$BYTES")" "$type: data after repair"
	dm_remove "$name"
	# the repair is on disk: activated again, check stays clean
	run dm_create "$name" "$table"
	assert_clean "$name"
	assert_eq "$(sha_of /dev/mapper/$name "$BYTES")" "$(pattern_sha "$type" "$BYTES")" "$type: data reactivated"
	dm_remove "$name"
	pass "$type: repair fixed $mm mismatches, second check finds 0, data unchanged ($((SECONDS - start))s)"
}

# raid1: the second mirror, 1 MiB in.
corrupt_case raid1 2 0 1 1024 64
# raid5_ls, 3 legs, 32 KiB chunks: stripe 0 keeps parity on leg 2.
corrupt_case raid5_ls 3 64 2 0 32
# raid6_zr (md's ROTATING_ZERO_RESTART), 4 legs: stripe 0 keeps P on
# leg 0 and Q on leg 1.
corrupt_case raid6_zr 4 64 0 0 32
corrupt_case raid6_zr 4 64 1 0 32
# raid10 near, 2 copies, 4 legs: chunk 0 is on legs 0 and 1.
corrupt_case raid10 4 64 1 0 32 raid10_copies 2 raid10_format near

echo "23-check-repair: check/repair found and fixed every corruption"

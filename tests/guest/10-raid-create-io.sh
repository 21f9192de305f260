#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# raid1 and raid5_ls with metadata devices: create, resync to completion,
# serve I/O with checksums, status fields as dm-raid.rst documents them,
# check finds no mismatches, a failed leg shows 'D' and the data stays.
# timeout: 300
. "$(dirname "$0")/../lib/common.sh"

load_raidx
MB=32
BYTES=$((8 << 20))

# one_level TYPE LEGS CHUNK: the whole life cycle of one array.
one_level() {
	local type=$1 n=$2 chunk=$3 name=t-$1 legs="" i sectors data dev
	make_legs "$n" "$MB"
	for ((i = 0; i < n; i++)); do
		dm_wrap "$name-d$i" "${LEG_DATA[i]}"
		legs+=" ${LEG_META[i]} /dev/mapper/$name-d$i"
	done
	sectors=$(( (MB << 11) ))
	case $type in
	raid1) data=1 ;;
	raid5*) data=$((n - 1)); sectors=$(( sectors / chunk * chunk )) ;;
	esac
	sectors=$((sectors * data))
	dm_create "$name" "0 $sectors raid $type 3 $chunk region_size 2048 $n$legs"
	dev=/dev/mapper/$name
	assert_match "$(dmsetup status "$name")" \
		"^0 $sectors raid $type $n [aA]{$n} [0-9]+/[0-9]+ (resync|idle|frozen) 0 0 -$" "status after create"
	assert_eq "$(dmsetup table "$name" | cut -d' ' -f1-9)" \
		"0 $sectors raid $type 3 $chunk region_size 2048 $n" "table line"

	write_pattern "$dev" 11 "$BYTES"
	wait_sync "$name" 240
	assert_eq "$(raid_health "$name")" "$(printf 'A%.0s' $(seq "$n"))" "health in sync"
	assert_eq "$(sha_of "$dev" "$BYTES")" "$(pattern_sha 11 "$BYTES")" "data after resync"
	pass "$type: created, resynced, data intact"

	run dmsetup message "$name" 0 check
	sleep 1
	wait_sync "$name" 240
	assert_eq "$(raid_field "$name" 9)" 0 "mismatch_cnt after check"
	pass "$type: check finds 0 mismatches"

	dm_swap_error "$name-d1"
	# Reading the failed leg's region makes md notice; writes do for sure.
	write_pattern "$dev" 12 "$BYTES" || true
	sleep 2
	assert_match "$(raid_health "$name")" "D" "health after leg failure"
	assert_eq "$(sha_of "$dev" "$BYTES")" "$(pattern_sha 12 "$BYTES")" "data after leg failure"
	pass "$type: failed leg shows D, data intact"
	dm_remove "$name"
}

one_level raid1 2 0
one_level raid5_ls 4 64
echo "raid create/io: all checks passed"

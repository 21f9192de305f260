#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Arrays created by dm-raidx activate under the stock dm-raid with the
# same data, the same table and status text, and a clean check; then go
# back to dm-raidx.  (21-cross-activation covers stock -> dm-raidx.)
# timeout: 400
. "$(dirname "$0")/../lib/common.sh"

load_stock_dmraid
load_raidx raidx
MB=24
BYTES=$((4 << 20))

# normalised TARGET_NAME DEV STATUS|TABLE: text with the target name cut.
normalised() {
	dmsetup "$2" "$1" | sed -E 's/ raidx? / TARGET /'
}

move() {
	local type=$1 n=$2 chunk=$3 name=x2s-$1 legs="" i sectors data t_x s_x
	make_legs "$n" "$MB" >/dev/null
	for ((i = 0; i < n; i++)); do legs+=" ${LEG_META[i]} ${LEG_DATA[i]}"; done
	case $type in
	raid1) data=1 ;;
	raid6*) data=$((n - 2)) ;;
	raid10) data=$((n / 2)) ;;
	*) data=$((n - 1)) ;;
	esac
	sectors=$(striped_sectors $MB $data)
	dm_create "$name" "0 $sectors raidx $type 3 $chunk region_size 2048 $n$legs"
	write_pattern /dev/mapper/$name 41 "$BYTES"
	wait_sync "$name" 300
	t_x=$(normalised "$name" table)
	s_x=$(normalised "$name" status)
	dm_remove "$name"

	dm_create "$name" "0 $sectors raid $type 3 $chunk region_size 2048 $n$legs"
	sleep 1
	wait_sync "$name" 300
	assert_eq "$(sha_of /dev/mapper/$name "$BYTES")" "$(pattern_sha 41 "$BYTES")" "$type: data under stock"
	assert_eq "$(normalised "$name" table)" "$t_x" "$type: table text"
	assert_eq "$(normalised "$name" status)" "$s_x" "$type: status text"
	dmsetup message "$name" 0 check
	sleep 1
	wait_sync "$name" 300
	assert_eq "$(raid_field "$name" 9)" 0 "$type: mismatch_cnt under stock"
	write_pattern /dev/mapper/$name 42 "$BYTES"
	dm_remove "$name"

	dm_create "$name" "0 $sectors raidx $type 3 $chunk region_size 2048 $n$legs"
	wait_sync "$name" 300
	assert_eq "$(sha_of /dev/mapper/$name "$BYTES")" "$(pattern_sha 42 "$BYTES")" "$type: data back under dm-raidx"
	dm_remove "$name"
	pass "$type: dm-raidx -> stock -> dm-raidx, same data, table, status"
}

move raid1 2 0
move raid5_ls 4 64
move raid6_zr 4 64
move raid10 4 64
echo "raidx to stock: all checks passed"

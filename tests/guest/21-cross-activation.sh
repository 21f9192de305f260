#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The compatibility proof: stock dm-raid ("raid") and dm-raidx ("raidx")
# loaded side by side.  Arrays created by one are activated by the other
# and back, for raid1, raid5_ls, raid6_zr and raid10: same data, same
# `dmsetup table` and `status` text (target name aside), same superblock
# and bitmap superblock bytes (events aside).  A degraded array (a leg
# failed under stock, recorded in the superblocks) moves across too.
# timeout: 600
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat.sh"

modprobe -a dm-mod md-mod raid0 raid1 raid10 raid456
load_raidx raidx
load_stock_dmraid
on_cleanup modprobe -r dm_raid
md_fast_sync
lsmod | grep -q '^dm_raid ' || fail "stock dm-raid not loaded"
dmsetup targets | grep -q '^raidx ' || fail "target raidx not registered"
dmsetup targets | grep -q '^raid ' || fail "target raid not registered"
pass "stock raid $(dmsetup targets | awk '$1 == "raid" {print $2}') and raidx $(dmsetup targets | awk '$1 == "raidx" {print $2}') loaded"

MB=16
LEG=$((MB << 11))
BYTES=$((4 << 20))

# activate TARGET: create $NAME from $TABLE with the given target name.
activate() {
	dm_create "$NAME" "${TABLE/@T@/$1}"
}

# snapshot TAG: table and status (target name normalised) while active.
snapshot() {
	dmsetup table "$NAME" | sed -E 's/^([0-9]+ [0-9]+) raidx /\1 raid /' >"$TEST_TMP/$1.table"
	dmsetup status "$NAME" | sed -E 's/^([0-9]+ [0-9]+) raidx /\1 raid /' >"$TEST_TMP/$1.status"
}

# sbs TAG: superblock and bitmap superblock bytes of every leg, after removal.
sbs() {
	local i sb bm
	: >"$TEST_TMP/$1.sb"
	for ((i = 0; i < N; i++)); do
		sb=$(sb_hex "${LEG_META[i]}")
		bm=$(bm_hex "${LEG_META[i]}")
		[ ${#sb} = 296 ] && [ ${#bm} = 144 ] || fail "leg $i: could not read the superblocks"
		echo "leg $i sb $sb" >>"$TEST_TMP/$1.sb"
		echo "leg $i bm $bm" >>"$TEST_TMP/$1.sb"
	done
}

# same WHAT TAG1 TAG2: the two snapshot files must match.
same() {
	if ! diff -u "$TEST_TMP/$2.$1" "$TEST_TMP/$3.$1" >&2; then
		fail "$TYPE: $1 differs between $2 and $3"
	fi
}

cross() {
	TYPE=$1 N=$2
	local chunk=$3 copies=2 start=$SECONDS
	shift 3
	local params="$chunk region_size 1024${*:+ $*}"
	NAME=x-$TYPE
	make_legs "$N" "$MB" >/dev/null
	wrap_legs "$NAME" "$N"
	local sectors
	sectors=$(data_sectors "$TYPE" "$N" "$LEG" "$copies")
	# shellcheck disable=SC2086
	set -- $params
	TABLE="0 $sectors @T@ $TYPE $# $params $N$LEGS"
	local dev=/dev/mapper/$NAME
	# raid10 near 2 copies on 4 legs: sync ratio counts array sectors
	LEGSECT=$LEG
	[ "$TYPE" = raid10 ] && LEGSECT=$sectors

	# stock creates
	activate raid
	write_pattern "$dev" "$TYPE-1" "$BYTES"
	wait_sync "$NAME" 200
	snapshot stock1
	dm_remove "$NAME"
	sbs stock1

	# raidx takes over the stock array: no resync, same view
	activate raidx
	assert_match "$(raid_field "$NAME" 7) $(raid_field "$NAME" 8)" "^$LEGSECT/$LEGSECT idle\$" \
		"$TYPE: raidx on a clean stock array: no resync"
	wait_sync "$NAME" 60
	assert_eq "$(sha_of "$dev" "$BYTES")" "$(pattern_sha "$TYPE-1" "$BYTES")" "$TYPE: stock data read by raidx"
	snapshot raidx1
	same table stock1 raidx1
	same status stock1 raidx1
	dm_remove "$NAME"
	sbs raidx1
	same sb stock1 raidx1
	pass "$TYPE: stock -> raidx: data, table, status, superblocks equal"

	# raidx writes, stock reads back
	activate raidx
	write_pattern "$dev" "$TYPE-2" "$BYTES"
	wait_sync "$NAME" 60
	snapshot raidx2
	dm_remove "$NAME"
	sbs raidx2
	activate raid
	assert_match "$(raid_field "$NAME" 7) $(raid_field "$NAME" 8)" "^$LEGSECT/$LEGSECT idle\$" \
		"$TYPE: stock on a clean raidx array: no resync"
	wait_sync "$NAME" 60
	assert_eq "$(sha_of "$dev" "$BYTES")" "$(pattern_sha "$TYPE-2" "$BYTES")" "$TYPE: raidx data read by stock"
	snapshot stock2
	same table raidx2 stock2
	same status raidx2 stock2
	assert_clean "$NAME"
	dm_remove "$NAME"
	sbs stock2
	same sb raidx2 stock2
	pass "$TYPE: raidx -> stock: data, table, status, superblocks equal ($((SECONDS - start))s)"
}

cross raid1 2 0
cross raid5_ls 3 64
cross raid6_zr 4 64
cross raid10 4 64 raid10_copies 2 raid10_format near

# ---- a degraded array moves across ----
cross_degraded() {
	TYPE=$1 N=$2
	local chunk=$3 start=$SECONDS
	local params="$chunk region_size 1024"
	NAME=xd-$TYPE
	make_legs "$N" "$MB" >/dev/null
	wrap_legs "$NAME" "$N"
	local sectors want
	sectors=$(data_sectors "$TYPE" "$N" "$LEG")
	local full="0 $sectors @T@ $TYPE 3 $params $N$LEGS" i
	# the same array with leg 1 left out ('- -')
	local part="0 $sectors @T@ $TYPE 3 $params $N"
	for ((i = 0; i < N; i++)); do
		if [ "$i" = 1 ]; then part+=" - -"; else part+=" ${LEG_META[i]} /dev/mapper/$NAME-d$i"; fi
	done
	TABLE=$full
	local dev=/dev/mapper/$NAME
	want=$(all_A "$N" | sed 's/./D/2')

	activate raid
	write_pattern "$dev" "$TYPE-d1" "$BYTES"
	wait_sync "$NAME" 200
	dm_swap_error "$NAME-d1"
	write_pattern "$dev" "$TYPE-d2" "$BYTES"
	sleep 1
	assert_eq "$(raid_health "$NAME")" "$want" "$TYPE: stock health after failing leg 1"
	dm_remove "$NAME"

	# leg 1 left out: both targets must agree on everything
	TABLE=$part
	want=$(all_A "$N" | sed 's/./-/2')
	activate raidx
	assert_eq "$(raid_health "$NAME")" "$want" "$TYPE: raidx health of the degraded stock array"
	assert_eq "$(sha_of "$dev" "$BYTES")" "$(pattern_sha "$TYPE-d2" "$BYTES")" "$TYPE: degraded data under raidx"
	snapshot draidx
	dm_remove "$NAME"
	sbs draidx
	activate raid
	assert_eq "$(sha_of "$dev" "$BYTES")" "$(pattern_sha "$TYPE-d2" "$BYTES")" "$TYPE: degraded data under stock"
	snapshot dstock
	dm_remove "$NAME"
	sbs dstock
	same table draidx dstock
	same status draidx dstock
	same sb draidx dstock
	pass "$TYPE: degraded (leg 1 failed under stock) activates the same under raidx"

	# leg 1 comes back with its stale superblock: raidx recovers it
	dm_swap_linear "$NAME-d1" "${LEG_DATA[1]}"
	TABLE=$full
	activate raidx
	wait_sync "$NAME" 200
	assert_eq "$(raid_health "$NAME")" "$(all_A "$N")" "$TYPE: raidx recovered the stale leg"
	assert_eq "$(sha_of "$dev" "$BYTES")" "$(pattern_sha "$TYPE-d2" "$BYTES")" "$TYPE: data after raidx recovery"
	assert_clean "$NAME"
	snapshot rraidx
	dm_remove "$NAME"
	sbs rraidx
	activate raid
	wait_sync "$NAME" 60
	assert_eq "$(raid_health "$NAME")" "$(all_A "$N")" "$TYPE: stock sees the recovered array healthy"
	assert_eq "$(sha_of "$dev" "$BYTES")" "$(pattern_sha "$TYPE-d2" "$BYTES")" "$TYPE: data under stock after recovery"
	snapshot rstock
	assert_clean "$NAME"
	dm_remove "$NAME"
	sbs rstock
	same table rraidx rstock
	same status rraidx rstock
	same sb rraidx rstock
	pass "$TYPE: stale leg recovered by raidx, stock agrees ($((SECONDS - start))s)"
}

cross_degraded raid5_ls 3 64
cross_degraded raid1 2 0

echo "21-cross-activation: stock and raidx activate each other's arrays identically"

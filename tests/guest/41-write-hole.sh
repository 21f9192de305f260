#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The raid5 write hole, demonstrated and closed, deterministically.
#
# A 3-leg raid5_ls (chunk 64 KiB: stripe 0 is D0 on leg 0, D1 on leg 1,
# parity on leg 2) is written and synced, then run degraded without leg 1,
# so D1 exists only as D0 xor P.  The first 4 KiB of D0 is rewritten
# while leg 2 holds its writes back: the journal or PPL entry and the new
# D0 land, the parity does not.  A copy of every device taken at that
# moment is the crash image.  Started from it, degraded, D1,
# never written, reads back as new D0 xor old P unless a log repairs it:
#  (a) policy resync: D1 is corrupt, on dm-raidx (forced) and on stock;
#  (b) ppl, journal writethrough, journal writeback: D1 is intact;
#  (c) policy resync on dm-raidx refuses the dirty degraded start, saying why.
# The same with the policy switched by message on the running array just
# before the write: resync -> ppl closes the hole, ppl -> resync opens it.
# timeout: 900
. "$(dirname "$0")/../lib/common.sh"

load_stock_dmraid
load_raidx raidx
modprobe dm-delay
PARAM=/sys/module/dm_raidx/parameters/start_dirty_degraded
MB=16
CHUNK=128			# sectors
A_BYTES=$((1 << 20))		# pattern A over the first 8 stripes

# block_sha DEV N: sha256 of the Nth 4 KiB block of the array.  Block 0 is
# the start of D0, block 16 the start of D1 (chunk 64 KiB).
block_sha() {
	dd if="$1" bs=4k skip="$2" count=1 iflag=direct status=none |
		sha256sum | cut -d' ' -f1
}

# ext_state META: the dm-raidx superblock extension's state word
# (byte 152+60; bit 0: dirty).  The stock target writes no extension.
ext_state() {
	dd if="$1" bs=512 count=1 status=none | od -An -tu4 -j212 -N4 | tr -d ' '
}

# delay_writes NAME LOOP FROM TO: writes to LOOP in sectors [FROM, TO), the
# data area, take 30 s; writes outside it (a PPL area) and reads go
# straight through.
delay_writes() {
	local len table=""
	len=$(dev_sectors "$2")
	[ "$3" -gt 0 ] && table="0 $3 linear $2 0"$'\n'
	table+="$3 $(($4 - $3)) delay $2 $3 0 $2 $3 30000"
	[ "$4" -lt "$len" ] && table+=$'\n'"$4 $((len - $4)) linear $2 $4"
	dmsetup suspend "$1"
	echo "$table" | dmsetup load "$1"
	dmsetup resume "$1"
}

# snap_loop FILE: loop device on a copy of FILE, removed at cleanup.
snap_loop() {
	cp --sparse=always "$1" "$1.snap"
	losetup -f --show "$1.snap"
}

# scenario TARGET POLICY: one run.  Sets D1_INTACT and D0_NEW (yes|no),
# and REFUSED=yes if dm-raidx refused the dirty degraded start.
scenario() {
	local target=$1 policy=$2 params off=0 i legs_all legs_deg leg_sectors
	local sectors dev name=wh sha_d1 sha_b dd_pid t jdev
	local mark=${#_CLEANUPS[@]}
	make_legs 3 $MB >/dev/null
	new_loop JLOOP "$TEST_TMP/journal" 16
	for i in 0 1 2; do
		dm_wrap "wh-d$i" "${LEG_DATA[i]}"
	done

	# ppl-runtime: a resync array (room after the data for the PPL) is
	# switched to ppl while degraded; resync-runtime: a ppl array is
	# switched to resync.  switch_to names the message's policy.
	local switch_to="" reserve=0
	case $policy in
	resync) params="1 $CHUNK" ;;
	ppl) off=2048; params="5 $CHUNK consistency_policy ppl data_offset $off" ;;
	ppl-runtime) reserve=2048; switch_to=ppl; params="1 $CHUNK" ;;
	resync-runtime)
		off=2048; switch_to=resync
		params="5 $CHUNK consistency_policy ppl data_offset $off" ;;
	journal-wt) params="5 $CHUNK journal_dev $JLOOP journal_mode writethrough" ;;
	journal-wb) params="5 $CHUNK journal_dev $JLOOP journal_mode writeback" ;;
	esac
	leg_sectors=$(( ((MB << 11) - off - reserve) / CHUNK * CHUNK ))
	sectors=$((leg_sectors * 2))
	legs_all=" ${LEG_META[0]} /dev/mapper/wh-d0 ${LEG_META[1]} /dev/mapper/wh-d1 ${LEG_META[2]} /dev/mapper/wh-d2"
	legs_deg=" ${LEG_META[0]} /dev/mapper/wh-d0 - - ${LEG_META[2]} /dev/mapper/wh-d2"
	dev=/dev/mapper/$name

	# 1. healthy, pattern A, in sync
	dm_create $name "0 $sectors $target raid5_ls $params 3$legs_all"
	write_pattern $dev 31 $A_BYTES
	wait_sync $name 300
	sha_d1=$(block_sha $dev 16)
	dm_remove $name

	# 2. degraded: D1 now lives only as D0 xor P
	dm_create $name "0 $sectors $target raid5_ls $params 3$legs_deg"
	assert_eq "$(block_sha $dev 16)" "$sha_d1" "$policy: D1 reconstructed while degraded"
	sleep 1
	if [ -n "$switch_to" ]; then
		run dmsetup message $name 0 consistency_policy $switch_to
		params=$(dmsetup table $name | sed "s/.* raid5_ls \([0-9]* .*\) 3 .*/\1/")
		case $switch_to in
		ppl) assert_match "$(dmsetup status $name)" " ppl$" "$policy: status" ;;
		*) assert_match "$(dmsetup status $name)" "[^l]$" "$policy: status" ;;
		esac
	fi

	# 3. One 4 KiB write to D0, caught in flight: the parity write to leg
	# 2 is held back, everything before it (journal, PPL, D0) lands.
	delay_writes wh-d2 "${LEG_DATA[2]}" $off $((off + leg_sectors))
	sha_b=$(_pattern 32 4096 | sha256sum | cut -d' ' -f1)
	(_pattern 32 4096 | dd of=$dev bs=4k count=1 iflag=fullblock oflag=direct status=none) &
	dd_pid=$!
	for t in $(seq 100); do
		[ "$(dd if="${LEG_DATA[0]}" bs=512 skip=$off count=8 iflag=direct status=none |
			sha256sum | cut -d' ' -f1)" = "$sha_b" ] && break
		sleep 0.2
	done
	[ "$t" -lt 100 ] || fail "$policy: D0 never reached leg 0"

	# 4. The crash image: every surviving device as it is right now.
	local m0 d0 m2 d2
	m0=$(snap_loop "$TEST_TMP/meta0"); on_cleanup losetup -d "$m0"
	d0=$(snap_loop "$TEST_TMP/data0"); on_cleanup losetup -d "$d0"
	m2=$(snap_loop "$TEST_TMP/meta2"); on_cleanup losetup -d "$m2"
	d2=$(snap_loop "$TEST_TMP/data2"); on_cleanup losetup -d "$d2"
	jdev=$(snap_loop "$TEST_TMP/journal"); on_cleanup losetup -d "$jdev"
	wait "$dd_pid"
	dm_remove $name
	[ "$target" = raidx ] && [ "$policy" != journal-wt ] && [ "$policy" != journal-wb ] &&
		assert_eq "$(ext_state "$m0")" 1 "$policy: crash image records the array dirty"
	params=${params//$JLOOP/$jdev}
	legs_deg=" $m0 $d0 - - $m2 $d2"

	# 5. restart the crash image, degraded
	REFUSED=no
	if [ "$target" = raidx ] && [ "${policy%-runtime}" = resync ]; then
		expect_table_rejected "0 $sectors raidx raid5_ls $params 3$legs_deg" \
			"Cannot start dirty degraded array (write hole)"
		REFUSED=yes
		echo 1 >$PARAM
		on_cleanup sh -c "echo 0 >$PARAM"
	fi
	dm_create $name "0 $sectors $target raid5_ls $params 3$legs_deg"
	[ "$target" = raidx ] && echo 0 >$PARAM
	sleep 1
	D1_INTACT=no
	[ "$(block_sha $dev 16)" = "$sha_d1" ] && D1_INTACT=yes
	D0_NEW=no
	[ "$(block_sha $dev 0)" = "$sha_b" ] && D0_NEW=yes
	echo "result: target=$target policy=$policy D1_intact=$D1_INTACT D0_new=$D0_NEW refused=$REFUSED"
	undo_since "$mark"
}

scenario raid resync
assert_eq "$D1_INTACT" no "(a) stock dm-raid, resync: D1 corrupted by the write hole"
pass "(a) stock dm-raid: the write hole corrupts data never written"

scenario raidx resync
assert_eq "$REFUSED" yes "(c) dm-raidx refuses the dirty degraded start"
assert_eq "$D1_INTACT" no "(a) dm-raidx forced, resync: D1 corrupted"
pass "(a)+(c) dm-raidx resync: refused; forced, the write hole shows"

for p in ppl journal-wt journal-wb ppl-runtime; do
	scenario raidx $p
	assert_eq "$D1_INTACT" yes "(b) dm-raidx $p: D1 intact"
	assert_eq "$D0_NEW" yes "(b) dm-raidx $p: acknowledged D0 write kept"
	pass "(b) dm-raidx $p closes the write hole"
done

scenario raidx resync-runtime
assert_eq "$REFUSED" yes "dm-raidx switched ppl -> resync refuses the dirty degraded start"
assert_eq "$D1_INTACT" no "dm-raidx switched ppl -> resync: D1 corrupted, as with resync"
pass "switched back to resync at runtime, the write hole is open again"
echo "write hole: all checks passed"

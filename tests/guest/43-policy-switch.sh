#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The consistency_policy message on a running raid5, as md's sysfs
# consistency_policy does it:
#  - refused with a reason: unknown policy, journal, missing argument,
#    while the initial resync runs, without PPL space before data_offset;
#  - resync -> ppl: the status and the printed table name ppl, data stays,
#    `check` finds 0 mismatches, the superblock carries the PPL incompat
#    bit (the stock target refuses it), reloading the printed table keeps ppl;
#  - ppl -> resync: the log stops, no bitmap until the next activation, so
#    the superblock carries the no-bitmap incompat bit and the stock target
#    still refuses; reloading the printed table writes a fresh bitmap,
#    clears the bit, and the stock target then takes the array with its data.
# (That the runtime-enabled PPL really closes the write hole is test 41.)
# timeout: 600
. "$(dirname "$0")/../lib/common.sh"

load_stock_dmraid
load_raidx raidx
MB=24
OFF=2048	# sectors before the data: 1 MiB of PPL space
n=3
make_legs $n $MB >/dev/null
legs=$(leg_args)
BYTES=$((4 << 20))
dev=/dev/mapper/px

# incompat META: incompat_features of the stock superblock (byte 144),
# read past the page cache.
incompat() {
	dd if="$1" bs=512 count=1 iflag=direct status=none |
		od -An -tu4 -j144 -N4 | tr -d ' '
}

# msg_refused NAME "LOG SUBSTRING" WORD...: the message must fail and the
# kernel log must say why.
msg_refused() {
	local name=$1 want=$2 mark
	shift 2
	mark="msg_refused-$$-$RANDOM"
	echo "$mark" >/dev/kmsg
	if dmsetup message "$name" 0 "$@" 2>/dev/null; then
		fail "message accepted, expected '$want': $*"
	fi
	dmesg | sed -n "/$mark/,\$p" | grep -qF -- "$want" ||
		fail "kernel log lacks '$want' for message: $*"
	pass "message refused ($want): $*"
}

check_clean() {
	run dmsetup message "$1" 0 check
	sleep 1
	wait_sync "$1" 240
	assert_eq "$(raid_field "$1" 9)" 0 "$2: mismatch_cnt after check"
}

wipe_metadata() {
	local m
	for m in "${LEG_META[@]}"; do
		dd if=/dev/zero of="$m" bs=1M count=4 oflag=direct status=none
	done
}

# ---- 0. refusals on an array without PPL space ----------------------------
# Leg 0's data device sits behind a suspended dm-linear, so the initial
# resync cannot finish before the first message (on an idle guest a 24 MiB
# resync takes half a second, whatever max_recovery_rate says).
sectors0=$(striped_sectors $MB $((n - 1)))
dm_wrap px-d0 "${LEG_DATA[0]}"
dmsetup suspend px-d0
legs0=" ${LEG_META[0]} /dev/mapper/px-d0${legs#* "${LEG_META[0]}" "${LEG_DATA[0]}"}"
dm_create px "0 $sectors0 raidx raid5_ls 1 64 $n$legs0"
sleep 1
msg_refused px "wait until resync" consistency_policy ppl
msg_refused px "is not ppl or resync" consistency_policy journal
msg_refused px "is not ppl or resync" consistency_policy sideways
msg_refused px "needs exactly one argument" consistency_policy
dmsetup resume px-d0
wait_sync px 300
msg_refused px "no room for PPL" consistency_policy ppl
assert_eq "$(raid_field px 9)" 0 "still resync after refusals"
assert_match "$(dmsetup status px)" "[^l]$" "status still without ppl"
dm_remove px
dm_remove px-d0
wipe_metadata

# ---- 1. resync array with room for PPL ------------------------------------
leg_data=$(( ((MB << 11) - OFF) / 128 * 128 ))
sectors=$(( leg_data * (n - 1) ))
dm_create px "0 $sectors raidx raid5_ls 3 64 data_offset $OFF $n$legs"
write_pattern $dev 71 $BYTES
wait_sync px 300
assert_eq "$(incompat "${LEG_META[0]}")" 0 "incompat of a resync array"
pass "resync raid5 with data_offset $OFF synced"

# ---- 2. resync -> ppl -------------------------------------------------------
run dmsetup message px 0 consistency_policy ppl
assert_match "$(dmsetup status px)" " ppl$" "status after the switch to ppl"
assert_match "$(dmsetup table px)" "consistency_policy ppl" "table after the switch"
assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha 71 $BYTES)" "data after the switch"
write_pattern $dev 72 $BYTES
assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha 72 $BYTES)" "data written with ppl"
check_clean px "ppl"
assert_eq "$(incompat "${LEG_META[0]}")" 1 "incompat: PPL"
run dmsetup message px 0 consistency_policy ppl
pass "resync -> ppl at runtime"

printed=$(dmsetup table px)
dm_remove px
expect_table_rejected "0 $sectors raid raid5_ls 3 64 data_offset $OFF $n$legs" \
	"No incompatible feature flags supported yet"
dm_create px "$printed"
assert_match "$(dmsetup status px)" " ppl$" "status after reloading the printed table"
assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha 72 $BYTES)" "data after reload"
pass "reloading the printed table keeps ppl and the data"

# ---- 3. ppl -> resync -------------------------------------------------------
run dmsetup message px 0 consistency_policy resync
assert_match "$(dmsetup status px)" "[^l]$" "status after the switch to resync"
assert_match "$(dmsetup table px)" "consistency_policy resync" "table after the switch"
write_pattern $dev 73 $BYTES
check_clean px "resync without bitmap"
assert_eq "$(incompat "${LEG_META[0]}")" 4 "incompat: no valid bitmap"
printed=$(dmsetup table px)
dm_remove px
expect_table_rejected "0 $sectors raid raid5_ls 3 64 data_offset $OFF $n$legs" \
	"No incompatible feature flags supported yet"
pass "ppl -> resync at runtime; the stock target refuses the bitmap-less array"

# ---- 4. reload as resync: fresh bitmap, stock may take the array back -------
dm_create px "$printed"
wait_sync px 300
assert_match "$(dmsetup status px)" "[^l]$" "status after reload"
assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha 73 $BYTES)" "data after reload"
dm_remove px
assert_eq "$(incompat "${LEG_META[0]}")" 0 "incompat after the fresh bitmap"
bm_magic=$(dd if="${LEG_META[0]}" bs=4096 skip=1 count=1 iflag=direct status=none |
	od -An -tx4 -N4 | tr -d ' ')
assert_eq "$bm_magic" 6d746962 "bitmap magic written again"
pass "reload as resync writes a fresh bitmap"

dm_create px "0 $sectors raid raid5_ls 3 64 data_offset $OFF $n$legs"
wait_sync px 300
assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha 73 $BYTES)" "data on the stock target"
check_clean px "stock"
dm_remove px
pass "the stock target takes the array back with its data"

if dmesg | grep -E "WARNING:|BUG:|general protection"; then
	fail "kernel warnings during the test"
fi
echo "policy switch: all checks passed"

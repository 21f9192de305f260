#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# raid_repair on metadata of the stock dm-raid target: a zeroed superblock,
# a stale leg and a destroyed bitmap are repaired onto new metadata
# devices, which activate, resync and return the original data.  The
# stale-failed-bits field case: activation fails, --clear-stale-failed
# fixes it.
# timeout: 600
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/tools-guest.sh"

load_stock_dmraid
need_testimg

for type in raid1 raid5_ls; do
	tools_array "tr-$type" "$type" 3
	M=("${LEG_META[@]}")

	"$TESTIMG" poke "${M[1]}" zero-sb
	blank_metas 3
	rt_expect 0 raid_repair -i "${M[@]}" -o "${BLANK[@]}"
	err_has "leg 1 .*full rebuild"
	tools_activate "tr-$type-a" "${BLANK[@]}"
	activated_ok "tr-$type-a"
	dm_remove "tr-$type-a"
	rt_expect 0 raid_check "${BLANK[@]}"
	pass "$type: zeroed superblock repaired; rebuilt leg resynced, data intact"

	for i in 0 1 2; do "$TESTIMG" poke "${M[i]}" zero-bitmap; done
	blank_metas 3
	rt_expect 0 raid_repair -i "${M[@]}" -o "${BLANK[@]}"
	err_has "bitmap: none usable"
	tools_activate "tr-$type-b" "${BLANK[@]}"
	activated_ok "tr-$type-b"
	dm_remove "tr-$type-b"
	pass "$type: destroyed bitmaps replaced; full resync, data intact"
done

# The LVM2 field case: every superblock says every leg failed.
tools_array tr-sf raid1 3
M=("${LEG_META[@]}")
for i in 0 1 2; do "$TESTIMG" poke "${M[i]}" failed_devices=7; done
if echo "$(_table tr-sf raid1 "${M[@]}")" | dmsetup create tr-sf-x 2>/dev/null; then
	dmsetup remove tr-sf-x
	echo "note: the stock target activated despite all failed bits"
else
	pass "stale failed bits: stock activation fails"
fi
blank_metas 3
rt_expect 1 raid_repair -i "${M[@]}" -o "${BLANK[@]}"
err_has "see --clear-stale-failed"
rt_expect 0 raid_repair --clear-stale-failed -i "${M[@]}" -o "${BLANK[@]}"
tools_activate tr-sf-a "${BLANK[@]}"
activated_ok tr-sf-a
pass "stale failed bits cleared; array activates with its data"
echo "tools repair: all checks passed"

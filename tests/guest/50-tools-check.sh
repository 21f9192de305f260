#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# raid_check against metadata the stock dm-raid target wrote: clean after
# resync; then each damage (zeroed superblock, flipped events, zeroed
# bitmap header, leg from another array, stale failed bits) is reported
# as exactly that damage, and check never writes.
# timeout: 300
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/tools-guest.sh"

load_stock_dmraid
need_testimg

for type in raid1 raid5_ls; do
	tools_array "tc-$type" "$type" 3
	M=("${LEG_META[@]}")
	rt_expect 0 raid_check "${M[@]}"
	grep -q field "$RT_ERR" && fail "findings on a clean $type array"
	pass "$type: stock metadata checks clean"

	# Keep pristine copies to restore between damages.
	for i in 0 1 2; do dd if="${M[i]}" of="$TEST_TMP/orig$i" bs=1M status=none; done
	restore_orig() {
		for i in 0 1 2; do dd if="$TEST_TMP/orig$i" of="${M[i]}" bs=1M status=none; done
	}
	sums() { for d in "${M[@]}"; do sha_of "$d"; done; }

	"$TESTIMG" poke "${M[1]}" zero-sb
	before=$(sums)
	rt_expect 1 raid_check "${M[@]}"
	err_has "${M[1]}: field magic: found 0x00000000, expected 0x64526d44"
	assert_eq "$(sums)" "$before" "raid_check left its input untouched"
	pass "$type: zeroed superblock reported"
	restore_orig

	ev=$("$RT" raid_dump "${M[@]}" | grep -o 'events="[0-9]*"' | head -1 | tr -dc 0-9)
	"$TESTIMG" poke "${M[2]}" events=$((ev - 1))
	rt_expect 1 raid_check "${M[@]}"
	err_has "${M[2]}: field events: found $((ev - 1)), expected $ev"
	pass "$type: flipped events reported"
	restore_orig

	"$TESTIMG" poke "${M[0]}" zero-bitmap
	rt_expect 1 raid_check "${M[@]}"
	err_has "${M[0]}: field bitmap.magic: found 0"
	pass "$type: destroyed bitmap header reported"
	restore_orig

	"$TESTIMG" poke "${M[1]}" bitmap.sync_size=12345
	rt_expect 1 raid_check "${M[@]}"
	err_has "${M[1]}: field bitmap.sync_size: found 12345"
	pass "$type: bitmap not covering the device reported"
	restore_orig

	for i in 0 1 2; do "$TESTIMG" poke "${M[i]}" failed_devices=7; done
	rt_expect 1 raid_check "${M[@]}"
	err_has "more legs failed"
	pass "$type: stale failed bits reported"
	restore_orig
done

# A leg from another array: a raid1 leg in a raid5 set.
tools_array tc-other raid1 2
other=${LEG_META[0]}
tools_array tc-r5 raid5_ls 3
dd if="$other" of="${LEG_META[2]}" bs=1M status=none
rt_expect 1 raid_check "${LEG_META[@]}"
err_has "${LEG_META[2]}: field (num_devices|level|layout)"
pass "leg from another array reported"
echo "tools check: all checks passed"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a crash or a size change does to md's resync bounds (review
# findings of issue 11; a, b, c and d failed before their fix, c2 is the
# positive side of c):
#  (a) a crash during the first resync, with a write in flight below the
#      resync's checkpoint (its parity held back by dm-delay): restarted
#      from that crash image, the whole array is resynced again and
#      `check` finds 0 mismatches.  Before: it went on
#      from the checkpoint and the half-written stripe stayed wrong.
#  (b) a crashed array (superblocks recorded dirty) activated with longer
#      legs: the resync reaches the new end, so the grown part, full of
#      old garbage, gets its parity; after the next activation `check`
#      finds 0.  Before: md's resync_max_sectors stayed at the old size.
#  (c) raid10 far cannot change size (md's raid10_resize refuses it: the
#      far copies would move): refused with a message, the array then
#      activates at its size with its data; raid10 offset grows, its data
#      intact and check 0 after the next activation.
#  (d) a raid10 offset array whose data sits at 2048 (as a stock reshape
#      leaves it) activates without data_offset at its data, as with the
#      stock target.  Before: dm-raidx took offset for far and put every
#      leg's data at 0.
# timeout: 900
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cases.sh"

load_raidx raidx
modprobe dm-delay
TESTIMG=$TOP/tools/tests/raidx_testimg
[ -x "$TESTIMG" ] || fail "$TESTIMG not built (make tools)"
CHUNK=128			# sectors

# sb_u64 META BYTE: a u64 of the superblock (40: array_resync_offset).
sb_u64() {
	dd if="$1" bs=512 count=1 iflag=direct status=none |
		od -An -tu8 -j"$2" -N8 | tr -d ' '
}

# hold_writes NAME DEV: dm-linear NAME over DEV starts delaying its
# writes by 60 s (reads go straight through).
hold_writes() {
	local len
	len=$(dev_sectors "$2")
	run dmsetup suspend "$1"
	echo "0 $len delay $2 0 0 $2 0 60000" | run dmsetup load "$1"
	run dmsetup resume "$1"
}

# image FILE: a loop device over a copy of FILE (the crash image).
image() {
	local dev
	cp --sparse=always "$1" "$1.img"
	dev=$(losetup -f --show "$1.img")
	on_cleanup losetup -d "$dev"
	echo "$dev"
}

# random_fill FILE: old garbage over all of FILE.
random_fill() {
	head -c "$(stat -c %s "$1")" /dev/urandom | dd of="$1" conv=notrunc status=none
}

# ---------------------------------------------------------------------------
case_a() {
	local MB=16 legs s dev=/dev/mapper/cr d0 i t cp_sec ratio dd_pid
	local sha_rest m img=""
	make_legs 3 $MB >/dev/null
	for i in 0 1 2; do
		dm_wrap "cr-d$i" "${LEG_DATA[i]}"
	done
	legs=" ${LEG_META[0]} /dev/mapper/cr-d0 ${LEG_META[1]} /dev/mapper/cr-d1 ${LEG_META[2]} /dev/mapper/cr-d2"
	s=$(striped_sectors $MB 2)
	# Slow enough to stop on the way: 16 MiB a leg at 256 KiB/s (md only
	# throttles above min_recovery_rate, 1000 KiB/s by default).  Only
	# the first 4 MiB of the array are written, so the writer cannot
	# outlast the resync on a fast host.
	dm_create cr "0 $s raidx raid5_ls 5 $CHUNK min_recovery_rate 128 max_recovery_rate 256 3$legs"
	write_pattern $dev a $((4 << 20))
	for t in $(seq 240); do
		ratio=$(raid_field cr 7)
		[ $((${ratio%/*} * 8)) -ge "${ratio#*/}" ] && break
		sleep 0.5
	done
	run dmsetup message cr 0 frozen
	sleep 1
	cp_sec=$(sb_u64 "${LEG_META[0]}" 40)
	echo "resync frozen at $(raid_field cr 7), checkpoint recorded: $cp_sec"
	[ "$cp_sec" -gt $((CHUNK * 2)) ] && [ "$cp_sec" -lt $((s / 2)) ] ||
		{ soft a "checkpoint $cp_sec not inside the first leg's data: the case proves nothing"; return 0; }

	# Stripe 0: D0 on leg 0, parity on leg 2.  Rewrite its first 4 KiB
	# while leg 2 holds writes: D0 lands, the parity does not.
	hold_writes cr-d2 "${LEG_DATA[2]}"
	(_pattern new 4096 | dd of=$dev bs=4k count=1 oflag=direct status=none) &
	dd_pid=$!
	for t in $(seq 100); do
		[ "$(dd if="${LEG_DATA[0]}" bs=4k count=1 iflag=direct status=none |
			sha256sum | cut -d' ' -f1)" = "$(pattern_sha new 4096)" ] && break
		sleep 0.2
	done
	[ "$t" -lt 100 ] || { soft a "the write never reached leg 0"; return 0; }
	# the crash image: every device as it is now
	for i in 0 1 2; do
		img+=" $(image "$TEST_TMP/meta$i") $(image "$TEST_TMP/data$i")"
	done
	img=${img# }
	wait "$dd_pid" || true
	dm_remove cr
	soft_eq a "$(sb_u64 "${img%% *}" 40)" "$cp_sec" "crash image records the checkpoint"

	run dm_create cr "0 $s raidx raid5_ls 1 $CHUNK 3 $img"
	wait_sync cr 300
	sha_rest=$(dd if=$dev bs=4k skip=1 count=1023 iflag=direct status=none | sha256sum | cut -d' ' -f1)
	soft_eq a "$sha_rest" "$(_pattern a $((4 << 20)) | tail -c +4097 | sha256sum | cut -d' ' -f1)" \
		"data beside the write in flight"
	m=$(mismatches cr)
	soft_eq a "$m" 0 "mismatch_cnt after the restarted resync"
}

# ---------------------------------------------------------------------------
case_b() {
	local MB=16 small=8 legs s s_big dev=/dev/mapper/gr i img="" m sha
	make_legs 3 $MB >/dev/null
	for i in 0 1 2; do
		random_fill "$TEST_TMP/data$i"
		dm_create "gr-d$i" "0 $((small << 11)) linear ${LEG_DATA[i]} 0"
	done
	legs=" ${LEG_META[0]} /dev/mapper/gr-d0 ${LEG_META[1]} /dev/mapper/gr-d1 ${LEG_META[2]} /dev/mapper/gr-d2"
	s=$(striped_sectors $small 2)
	s_big=$(striped_sectors $MB 2)
	dm_create gr "0 $s raidx raid5_ls 1 $CHUNK 3$legs"
	wait_sync gr 300
	write_pattern $dev b $((s * 512))
	sha=$(sha_of $dev)
	dm_remove gr
	# a crash with nothing in flight: superblocks recorded dirty
	for i in 0 1 2; do
		run "$TESTIMG" poke "${LEG_META[i]}" ext.state=1
		dm_remove "gr-d$i"
	done
	img=$(leg_args)

	run dm_create gr "0 $s_big raidx raid5_ls 1 $CHUNK 3$img"
	wait_sync gr 300
	soft_eq b "$(raid_field gr 7)" "$((s_big / 2))/$((s_big / 2))" "resync reached the grown end"
	soft_eq b "$(sha_of $dev $((s * 512)))" "$sha" "data of the old size"
	dm_remove gr
	run dm_create gr "0 $s_big raidx raid5_ls 1 $CHUNK 3$img"
	wait_sync gr 300
	m=$(mismatches gr)
	soft_eq b "$m" 0 "mismatch_cnt over the grown array, next activation"
}

# ---------------------------------------------------------------------------
# r10_grow FORMAT: 4 legs, 2 copies, 8 MiB grown to 16 MiB a leg.
r10_table() {
	echo "0 $1 raidx raid10 5 $CHUNK raid10_copies 2 raid10_format $2 4$3"
}

case_c() {
	local fmt=$1 MB=16 small=8 legs s s_big dev=/dev/mapper/r10g i sha m
	make_legs 4 $MB >/dev/null
	legs=""
	for i in 0 1 2 3; do
		random_fill "$TEST_TMP/data$i"
		dm_create "r10g-d$i" "0 $((small << 11)) linear ${LEG_DATA[i]} 0"
		legs+=" ${LEG_META[i]} /dev/mapper/r10g-d$i"
	done
	s=$(((small << 11) * 2))
	s_big=$(((MB << 11) * 2))
	dm_create r10g "$(r10_table $s "$fmt" "$legs")"
	wait_sync r10g 300
	write_pattern $dev "c$fmt" $((s * 512))
	sha=$(sha_of $dev)
	dm_remove r10g
	for i in 0 1 2 3; do
		dm_remove "r10g-d$i"
	done
	legs=$(leg_args)
	if [ "$fmt" = far ]; then
		expect_table_rejected "$(r10_table $s_big far "$legs")" \
			"Cannot resize a raid10 far array: its far copies would move"
		run dm_create r10g "$(r10_table $s far "$legs")"
		soft_eq c "$(sha_of $dev)" "$sha" "far: data at the recorded size"
		return 0
	fi
	run dm_create r10g "$(r10_table $s_big "$fmt" "$legs")"
	wait_sync r10g 300
	soft_eq c "$(sha_of $dev $((s * 512)))" "$sha" "$fmt: data of the old size"
	dm_remove r10g
	run dm_create r10g "$(r10_table $s_big "$fmt" "$legs")"
	wait_sync r10g 300
	m=$(mismatches r10g)
	soft_eq c "$m" 0 "$fmt: mismatch_cnt over the grown array, next activation"
}

# ---------------------------------------------------------------------------
case_d() {
	local MB=8 s dev=/dev/mapper/r10o i sha off=2048 moved="" f loop
	make_legs 4 $MB >/dev/null
	s=$(((MB << 11) * 2))
	dm_create r10o "$(r10_table $s offset "$(leg_args)")"
	wait_sync r10o 300
	write_pattern $dev d $((s * 512))
	sha=$(sha_of $dev)
	dm_remove r10o
	# each leg's data moved 1 MiB up, as a reshape leaves it
	for i in 0 1 2 3; do
		f=$TEST_TMP/moved$i
		truncate -s $(((MB << 20) + (off << 9))) "$f"
		dd if="${LEG_DATA[i]}" of="$f" bs=512 seek=$off conv=notrunc status=none
		loop=$(losetup -f --show "$f")
		on_cleanup losetup -d "$loop"
		run "$TESTIMG" poke "${LEG_META[i]}" data_offset=$off new_data_offset=$off
		moved+=" ${LEG_META[i]} $loop"
	done
	run dm_create r10o "$(r10_table $s offset "$moved")"
	soft_eq d "$(sha_of $dev)" "$sha" "data read at the recorded offset"
}

run_case a "crash during the first resync, a write in flight below the checkpoint" case_a
run_case b "crashed array activated with longer legs: the resync reaches the new end" case_b
run_case c "raid10 far refuses a size change" case_c far
run_case c2 "raid10 offset grows, the grown part synced" case_c offset
run_case d "raid10 offset with its data at 2048 activates there without data_offset" case_d
cases_end

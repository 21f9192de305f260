#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a crash or a size change does to md's resync bounds (review
# findings of issue 11; a to h failed before their fix, c2 is the
# positive side of c, i a guard):
#  (a) a crash during the first resync, with a write in flight below the
#      resync's checkpoint (its parity held back by dm-delay): restarted
#      from that crash image, the resync starts again at 0 (the bitmap's
#      regions, and all above the checkpoint) and `check` finds 0
#      mismatches.  Before: it went on from the checkpoint and the
#      half-written stripe stayed wrong.
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
#  (e) a grow's resync stopped on the way (frozen, then a clean stop):
#      every region above its checkpoint has its bit on the metadata
#      device's bitmap, so whatever resync md runs next (md starts at 0
#      and skips clean regions once it drops a requested one) cannot skip
#      the grown part; a `check` meanwhile is refused (md's check records
#      the regions it passes in sync, repairing nothing); the next
#      activation syncs it all, check 0.  Before (1.18.2): no bit of the
#      grown part on disk, and the check accepted.
#  (f) a raid1 leg fails during a grow's resync: md ends that resync
#      itself, forgetting it was requested, and the leg, revived, is
#      recovered by the bitmap; the grown part must be part of that, so
#      `check` finds 0 once the array is whole.  Before (1.18.2): the
#      grown part stayed as each leg had it.
#  (g) a 3-leg raid1 crashed with legs 1 and 2 holding different data in
#      a region its bitmap marks, activated with leg 0 missing: the two
#      copies left are resynced, `check` finds 0.  Before (1.18.2): a
#      degraded array was never resynced after a crash.
#  (h) a raid1 whose leg 1 failed and missed writes comes back with the
#      bitmap header on leg 0 stale (as a crash during a region-size
#      change leaves it): leg 1 is recovered in full, check 0.  Before
#      (1.18.3): md took the stale bitmap's bits as not needed and
#      recovered nothing.
#  (i) a table that grows a resync raid5 (leaving room for the log) and
#      switches it to PPL is refused (md would replay a log into an array
#      recorded unsynced); the switch alone is taken.  1.18.3 refused it
#      too, by another rule ("Cannot grow a PPL array into its log"): this
#      case guards the resync rule a review thought lost, and its message.
# timeout: 900
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cases.sh"

load_raidx raidx
modprobe dm-delay
need_testimg
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

# filled_small_array NAME SECTORS "TYPE PARAMS" SMALL_MB: the legs (made
# by the caller) full of old garbage and seen through dm-linear NAME-dI of
# SMALL_MB MiB each; on them an array NAME of SECTORS, synced, filled
# with pattern NAME and removed.  Sets SMALL_LEGS (the legs as a table
# gives them) and SMALL_SHA (the array's data).
filled_small_array() {
	local name=$1 sectors=$2 type=$3 small=$4 i
	SMALL_LEGS=""
	for ((i = 0; i < ${#LEG_DATA[@]}; i++)); do
		random_fill "$TEST_TMP/data$i"
		dm_create "$name-d$i" "0 $((small << 11)) linear ${LEG_DATA[i]} 0"
		SMALL_LEGS+=" ${LEG_META[i]} /dev/mapper/$name-d$i"
	done
	dm_create "$name" "0 $sectors raidx $type ${#LEG_DATA[@]}$SMALL_LEGS"
	wait_sync "$name" 300
	write_pattern "/dev/mapper/$name" "$name" $((sectors * 512))
	SMALL_SHA=$(sha_of "/dev/mapper/$name")
	dm_remove "$name"
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
	local MB=16 small=8 s s_big dev=/dev/mapper/gr i img="" m sha
	make_legs 3 $MB >/dev/null
	s=$(striped_sectors $small 2)
	s_big=$(striped_sectors $MB 2)
	filled_small_array gr $s "raid5_ls 1 $CHUNK" $small
	sha=$SMALL_SHA
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

# ---------------------------------------------------------------------------
# dirty_missing META FROM: how many regions from the one holding sector
# FROM to the last have no bit on META's bitmap (raid_dump's ranges).
dirty_missing() {
	"$TOP/tools/raidx_tools" raid_dump "$1" | awk -v from="$2" '
		/<bitmap / {
			match($0, /chunksize="[0-9]+"/)
			region = substr($0, RSTART + 11, RLENGTH - 12) / 512
			match($0, / regions="[0-9]+"/)
			n = substr($0, RSTART + 10, RLENGTH - 11) + 0
		}
		/<dirty / {
			match($0, /begin="[0-9]+"/); b = substr($0, RSTART + 7, RLENGTH - 8) + 0
			match($0, /end="[0-9]+"/); e = substr($0, RSTART + 5, RLENGTH - 6) + 0
			for (i = b; i <= e; i++) d[i] = 1
		}
		END {
			if (!region || !n) { print "no bitmap"; exit }
			m = 0
			for (i = int(from / region); i < n; i++) if (!(i in d)) m++
			print m
		}'
}

case_e() {
	local MB=16 small=8 legs s s_big dev=/dev/mapper/ge i sha cp_sec m
	make_legs 3 $MB >/dev/null
	s=$(striped_sectors $small 2)
	s_big=$(striped_sectors $MB 2)
	# 512 KiB regions: 32 a leg, 16 of them grown
	filled_small_array ge $s "raid5_ls 3 $CHUNK region_size 1024" $small
	sha=$SMALL_SHA
	for i in 0 1 2; do
		dm_remove "ge-d$i"
	done
	legs=$(leg_args)

	# the grown part's resync, 8 MiB a leg at 128 KiB/s, stopped at once
	dm_create ge "0 $s_big raidx raid5_ls 7 $CHUNK region_size 1024 min_recovery_rate 128 max_recovery_rate 128 3 $legs"
	run dmsetup message ge 0 frozen
	if dmsetup message ge 0 check 2>/dev/null; then
		soft e "check accepted while the grown part's resync is due"
		run dmsetup message ge 0 frozen
	else
		soft_pass e "check refused while a resync is due"
		dmesg | grep -q "a resync is due from" ||
			soft e "the refusal of check left no message in the kernel log"
		soft_eq e "$(raid_field ge 8)" frozen "still frozen after the refused check"
	fi
	dm_remove ge
	cp_sec=$(sb_u64 "${LEG_META[0]}" 40)
	echo "grown resync stopped, checkpoint recorded: $cp_sec (old end $((small << 11)))"
	[ "$cp_sec" -ge $((small << 11)) ] && [ "$cp_sec" -lt $((MB << 11)) ] ||
		{ soft e "checkpoint $cp_sec not inside the grown part: the case proves nothing"; return 0; }
	for i in 0 1 2; do
		m=$(dirty_missing "${LEG_META[i]}" "$cp_sec")
		soft_eq e "$m" 0 "regions above the checkpoint without their bit, meta$i"
	done

	run dm_create ge "0 $s_big raidx raid5_ls 3 $CHUNK region_size 1024 3 $legs"
	wait_sync ge 300
	soft_eq e "$(sha_of $dev $((s * 512)))" "$sha" "data of the old size"
	m=$(mismatches ge)
	soft_eq e "$m" 0 "mismatch_cnt over the grown array"
}

# ---------------------------------------------------------------------------
case_f() {
	local MB=16 small=8 legs dev=/dev/mapper/g1 i sha t m
	make_legs 2 $MB >/dev/null
	filled_small_array g1 $((small << 11)) "raid1 3 0 region_size 1024" $small
	legs=$SMALL_LEGS
	sha=$SMALL_SHA
	# the legs at full size, leg 1 so that it can fail
	for i in 0 1; do
		dmsetup suspend "g1-d$i"
		echo "0 $((MB << 11)) linear ${LEG_DATA[i]} 0" | run dmsetup load "g1-d$i"
		dmsetup resume "g1-d$i"
	done

	dm_create g1 "0 $((MB << 11)) raidx raid1 7 0 region_size 1024 min_recovery_rate 128 max_recovery_rate 128 2$legs"
	sleep 2
	dm_swap_error g1-d1
	for t in $(seq 100); do
		[ "$(raid_health g1)" = AD ] && break
		sleep 0.2
	done
	soft_eq f "$(raid_health g1)" AD "leg 1 failed during the grown part's resync"
	dmsetup suspend --noflush g1-d1
	echo "0 $((MB << 11)) linear ${LEG_DATA[1]} 0" | run dmsetup load g1-d1
	dmsetup resume g1-d1
	# a resume of the array revives its failed legs
	run dmsetup suspend g1
	run dmsetup resume g1
	wait_sync g1 300
	soft_eq f "$(raid_health g1)" AA "leg 1 back"
	dm_remove g1

	run dm_create g1 "0 $((MB << 11)) raidx raid1 3 0 region_size 1024 2$legs"
	wait_sync g1 300
	soft_eq f "$(sha_of $dev $((small << 20)))" "$sha" "data of the old size"
	m=$(mismatches g1)
	soft_eq f "$m" 0 "mismatch_cnt over the grown raid1"
}

# ---------------------------------------------------------------------------
case_g() {
	local MB=8 dev=/dev/mapper/dr i m legs
	make_legs 3 $MB >/dev/null
	dm_create dr "0 $((MB << 11)) raidx raid1 3 0 region_size 1024 3$(leg_args)"
	wait_sync dr 300
	write_pattern $dev g $((1 << 20))
	dm_remove dr
	# the crash: a write reached leg 1 only; the bitmap marks regions 0-7
	_pattern other 65536 | dd of="${LEG_DATA[1]}" bs=64k count=1 iflag=fullblock oflag=direct conv=notrunc status=none
	for i in 1 2; do
		printf '\377' | dd of="${LEG_META[i]}" bs=1 seek=$((4096 + 256)) conv=notrunc status=none
		run "$TESTIMG" poke "${LEG_META[i]}" ext.state=1
	done
	legs=" - - ${LEG_META[1]} ${LEG_DATA[1]} ${LEG_META[2]} ${LEG_DATA[2]}"
	run dm_create dr "0 $((MB << 11)) raidx raid1 3 0 region_size 1024 3$legs"
	wait_sync dr 300
	soft_eq g "$(dd if="${LEG_DATA[1]}" bs=64k count=1 iflag=direct status=none | sha256sum | cut -d' ' -f1)" \
		"$(dd if="${LEG_DATA[2]}" bs=64k count=1 iflag=direct status=none | sha256sum | cut -d' ' -f1)" \
		"legs 1 and 2 agree on the region the crash left different"
	m=$(mismatches dr)
	soft_eq g "$m" 0 "mismatch_cnt of the two legs left"
}

# ---------------------------------------------------------------------------
case_h() {
	local MB=8 dev=/dev/mapper/sh i t legs
	make_legs 2 $MB >/dev/null
	dm_wrap sh-d1 "${LEG_DATA[1]}"
	legs=" ${LEG_META[0]} ${LEG_DATA[0]} ${LEG_META[1]} /dev/mapper/sh-d1"
	dm_create sh "0 $((MB << 11)) raidx raid1 3 0 region_size 1024 2$legs"
	wait_sync sh 300
	write_pattern $dev h1 $((MB << 20))
	# leg 1 fails; all that is written next it misses
	dm_swap_error sh-d1
	write_pattern $dev h2 $((MB << 20))
	for t in $(seq 50); do
		[ "$(raid_health sh)" = AD ] && break
		sleep 0.2
	done
	soft_eq h "$(raid_health sh)" AD "leg 1 failed"
	dm_remove sh
	dmsetup suspend sh-d1
	echo "0 $((MB << 11)) linear ${LEG_DATA[1]} 0" | run dmsetup load sh-d1
	dmsetup resume sh-d1
	for i in 0 1; do
		run "$TESTIMG" poke "${LEG_META[i]}" bitmap.state=2
	done

	run dm_create sh "0 $((MB << 11)) raidx raid1 3 0 region_size 1024 2$legs"
	wait_sync sh 300
	soft_eq h "$(raid_health sh)" AA "leg 1 back"
	soft_eq h "$(dd if=/dev/mapper/sh-d1 bs=1M count=$MB iflag=direct status=none | sha256sum | cut -d' ' -f1)" \
		"$(pattern_sha h2 $((MB << 20)))" "leg 1 holds what was written while it was out"
	soft_eq h "$(mismatches sh)" 0 "mismatch_cnt"
}

# ---------------------------------------------------------------------------
case_i() {
	local MB=16 small=8 s s_big i dev=/dev/mapper/gi
	make_legs 3 $MB >/dev/null
	s=$(striped_sectors $small 2)
	# to 12 MiB a leg: room left after the data for the log
	s_big=$(striped_sectors 12 2)
	filled_small_array gi $s "raid5_ls 1 $CHUNK" $small
	for i in 0 1 2; do
		dm_remove "gi-d$i"
	done
	expect_table_rejected "0 $s_big raidx raid5_ls 3 $CHUNK consistency_policy ppl 3$(leg_args)" \
		"consistency_policy ppl: grow the array first, then switch"
	run dm_create gi "0 $s raidx raid5_ls 3 $CHUNK consistency_policy ppl 3$(leg_args)"
	soft_eq i "$(sha_of $dev)" "$SMALL_SHA" "data after the switch alone"
}

run_case a "crash during the first resync, a write in flight below the checkpoint" case_a
run_case b "crashed array activated with longer legs: the resync reaches the new end" case_b
run_case c "raid10 far refuses a size change" case_c far
run_case c2 "raid10 offset grows, the grown part synced" case_c offset
run_case d "raid10 offset with its data at 2048 activates there without data_offset" case_d
run_case e "a grow's resync stopped on the way: the grown part marked on disk, check refused" case_e
run_case f "a raid1 leg fails during a grow's resync: its recovery covers the grown part" case_f
run_case g "a degraded raid1 crashed with its copies different: resynced" case_g
run_case h "a failed raid1 leg comes back under a stale bitmap header: recovered in full" case_h
run_case i "a table that grows and switches to PPL is refused" case_i
cases_end

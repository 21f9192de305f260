#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Takeover (issue 13): a table of another level over the same legs.
# dm-raidx makes the takeovers whose legs stay where they are; md runs
# the new level on them as they are, so they must all be in sync.
#  (a) raid6_ls_6 on 4 legs -> raid5_ls on 3 (the Q leg dropped, as
#      LVM2's lvconvert --type raid5 does): data, check 0, superblocks
#      record raid5 on 3 legs, the next activation runs as raid5, the
#      stock target activates it too.
#  (b) raid1 on 2 legs -> raid5_ls on 2 -> raid1 on 2: data, check 0.
#  (c) raid1 on 3 legs -> raid10 near 3 -> raid1: data, check 0.
#  (d) refused, superblocks left as they were: a missing leg, a leg
#      recorded failed, an unclean array, an array not in sync, a
#      rebuild in the same table, another size, a rotation md would
#      misread (takeover not possible), the Q leg given in place of leg 0,
#      raid6 -> raid5 under the consistency policy ppl, raid5 -> raid6
#      without rebuilding the added leg or rebuilding a kept one.
#  (e) a crash during the takeover's superblock write: one leg still
#      records raid6 on 4 legs, one event behind: taken as a member,
#      its superblock rewritten, data, check 0.
#  (f) the takeover as a live reload of the raid6 (dmsetup reload while
#      it runs, then suspend and resume): data, check 0.
#  (g) raid1 on 2 legs -> raid5_ls on 2, then recorded dirty (a crash)
#      and activated with a leg missing: it runs (its parity is a copy of
#      its data: no write hole), data; the leg rebuilt while the array is
#      still recorded dirty: data, check 0.
#  (h) raid5_ls on 3 legs -> raid6_ls_6 on 4 as LVM2 does it (the added Q
#      leg named for rebuild, then the table without it as a live reload
#      mid-recovery): data, check 0, superblocks 6/4; back to raid5; to
#      raid6 again without rebuilding Q: refused; a crash while Q is
#      rebuilt (recorded dirty, rebuild still in the table): starts, data,
#      check 0; the stock target activates the raid6.
# Each case failed before dm-raidx 1.19.0 ("not supported by dm-raidx
# yet"), but d, which it refused too (with other messages); g failed
# before 1.20.0 ("Cannot start dirty degraded array (write hole)"), h
# too ("not supported by dm-raidx yet").
# timeout: 900
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cases.sh"

load_raidx raidx
need_testimg
MB=16
CHUNK=128
R6="raid6_ls_6 3 $CHUNK region_size 1024"
R5="raid5_ls 3 $CHUNK region_size 1024"

# sb_u32 META BYTE: a u32 of the superblock (8 num_devices, 48 level).
sb_u32() {
	sb_field "$1" "$2" 4
}

# legs_of N: " META DATA" of the first N legs make_legs made.
legs_of() {
	local i
	for ((i = 0; i < $1; i++)); do
		printf ' %s %s' "${LEG_META[i]}" "${LEG_DATA[i]}"
	done
}

# filled NAME N "TYPE PARAMS" SECTORS: a new array of N legs, synced,
# filled with pattern NAME, removed.  Sets SHA (its data).
filled() {
	dm_create "$1" "0 $4 raidx $3 $2$(legs_of "$2")"
	wait_sync "$1" 300
	write_pattern "/dev/mapper/$1" "$1" $(($4 * 512))
	SHA=$(sha_of "/dev/mapper/$1")
	dm_remove "$1"
}

# runs CASE NAME "TABLE": activate, data equal to SHA, check 0, remove.
runs() {
	dm_create "$2" "$3"
	wait_sync "$2" 300
	soft_eq "$1" "$(sha_of "/dev/mapper/$2")" "$SHA" "data as $(echo "$3" | cut -d' ' -f4)"
	soft_eq "$1" "$(mismatches "$2")" 0 "mismatch_cnt as $(echo "$3" | cut -d' ' -f4)"
	dm_remove "$2"
}

# wipe_metas N: the first N legs' metadata zeroed (legs of no array).
wipe_metas() {
	local i
	for ((i = 0; i < $1; i++)); do
		dd if=/dev/zero of="${LEG_META[i]}" bs=1M count=1 oflag=direct status=none
	done
}

sb_sums() {
	local i
	for ((i = 0; i < $1; i++)); do
		dd if="${LEG_META[i]}" bs=4096 count=1 iflag=direct status=none | md5sum
	done
}

# ---------------------------------------------------------------------------
case_a() {
	local s i
	make_legs 4 $MB >/dev/null
	s=$(striped_sectors $MB 2)
	filled tk 4 "$R6" "$s"
	runs a tk "0 $s raidx $R5 3$(legs_of 3)"
	for i in 0 1 2; do
		soft_eq a "$(sb_u32 "${LEG_META[i]}" 48)/$(sb_u32 "${LEG_META[i]}" 8)" \
			5/3 "leg $i superblock level/legs"
	done
	runs a tk "0 $s raidx $R5 3$(legs_of 3)"
	load_stock_dmraid
	runs a tk "0 $s raid $R5 3$(legs_of 3)"
}

case_b() {
	local s
	make_legs 2 $MB >/dev/null
	s=$((MB << 11))
	s=$((s / CHUNK * CHUNK))
	filled tk 2 "raid1 3 0 region_size 1024" "$s"
	runs b tk "0 $s raidx raid5_ls 3 $CHUNK region_size 1024 2$(legs_of 2)"
	soft_eq b "$(sb_u32 "${LEG_META[1]}" 48)" 5 "superblock level after raid1 -> raid5"
	runs b tk "0 $s raidx raid1 3 0 region_size 1024 2$(legs_of 2)"
	soft_eq b "$(sb_u32 "${LEG_META[1]}" 48)" 1 "superblock level after raid5 -> raid1"
}

case_c() {
	local s=$((MB << 11))
	make_legs 3 $MB >/dev/null
	s=$((s / CHUNK * CHUNK))
	filled tk 3 "raid1 3 0 region_size 1024" "$s"
	runs c tk "0 $s raidx raid10 5 $CHUNK raid10_copies 3 region_size 1024 3$(legs_of 3)"
	soft_eq c "$(sb_u32 "${LEG_META[2]}" 48)" 10 "superblock level after raid1 -> raid10"
	runs c tk "0 $s raidx raid1 3 0 region_size 1024 3$(legs_of 3)"
}

# refused CASE "TABLE" "MESSAGE" N: refused with MESSAGE, the first N
# legs' superblocks unchanged.
refused() {
	local before
	before=$(sb_sums "$4")
	if expect_table_rejected "$2" "$3"; then
		soft_eq "$1" "$(sb_sums "$4")" "$before" "superblocks unchanged: $3"
	fi
}

case_d() {
	local s i t5
	make_legs 4 $MB >/dev/null
	s=$(striped_sectors $MB 2)
	filled tk 4 "$R6" "$s"
	t5="0 $s raidx $R5 3"
	refused d "$t5 - - $(legs_of 3 | cut -d' ' -f4-)" \
		"Cannot take over a degraded array" 4
	refused d "0 $s raidx raid5_ls 5 $CHUNK region_size 1024 rebuild 1 3$(legs_of 3)" \
		"A takeover cannot rebuild" 4
	refused d "0 $((s - 2 * CHUNK)) raidx $R5 3$(legs_of 3)" \
		"A takeover keeps the array's size" 4
	refused d "0 $s raidx raid5_ra 3 $CHUNK region_size 1024 3$(legs_of 3)" \
		"takeover not possible" 4
	# the Q leg given first (and first read: the freshest leg's place
	# was not checked before 1.19.0, and md would read Q as data)
	refused d "$t5 ${LEG_META[3]} ${LEG_DATA[3]} ${LEG_META[1]} ${LEG_DATA[1]} ${LEG_META[2]} ${LEG_DATA[2]}" \
		"Cannot change device positions in raid set" 4
	refused d "0 $s raidx raid5_ls 5 $CHUNK region_size 1024 consistency_policy ppl 3$(legs_of 3)" \
		"Takeover of an array with a journal or ppl" 4
	# a leg recorded failed
	cp --sparse=always "$TEST_TMP/meta0" "$TEST_TMP/meta0.keep"
	for i in 0 1 2 3; do
		run "$TESTIMG" poke "${LEG_META[i]}" failed_devices=2
	done
	refused d "$t5$(legs_of 3)" "Cannot take over a degraded array" 4
	for i in 0 1 2 3; do
		run "$TESTIMG" poke "${LEG_META[i]}" failed_devices=0 ext.state=1
	done
	refused d "$t5$(legs_of 3)" "Cannot take over an unclean array" 4
	for i in 0 1 2 3; do
		run "$TESTIMG" poke "${LEG_META[i]}" ext.state=0 array_resync_offset=4096
	done
	refused d "$t5$(legs_of 3)" "Cannot take over an array that is not in sync" 4
	# raid5 -> raid6 adds a leg, which must be rebuilt, and only it
	wipe_metas 4
	filled tk 3 "$R5" "$s"
	refused d "0 $s raidx $R6 4$(legs_of 4)" \
		"New device injected into existing raid set without 'rebuild'" 3
	refused d "0 $s raidx raid6_ls_6 7 $CHUNK region_size 1024 rebuild 1 rebuild 3 4$(legs_of 4)" \
		"A takeover cannot rebuild" 3
}

case_e() {
	local s i
	make_legs 4 $MB >/dev/null
	s=$(striped_sectors $MB 2)
	filled tk 4 "$R6" "$s"
	cp --sparse=always "$TEST_TMP/meta1" "$TEST_TMP/meta1.before"
	# The takeover's superblock write is done once the table is resumed;
	# nothing is written to the idle array before its removal.
	dm_create tk "0 $s raidx $R5 3$(legs_of 3)"
	sync
	for i in 0 2; do
		cp --sparse=always "$TEST_TMP/meta$i" "$TEST_TMP/meta$i.after"
	done
	dm_remove tk
	# the crash image: legs 0 and 2 written, leg 1 not yet
	for i in 0 2; do
		cp --sparse=always "$TEST_TMP/meta$i.after" "$TEST_TMP/meta$i"
	done
	cp --sparse=always "$TEST_TMP/meta1.before" "$TEST_TMP/meta1"
	soft_eq e "$(sb_u32 "${LEG_META[1]}" 48)" 6 "leg 1 records raid6 again"
	runs e tk "0 $s raidx $R5 3$(legs_of 3)"
	soft_eq e "$(sb_u32 "${LEG_META[1]}" 48)/$(sb_u32 "${LEG_META[1]}" 8)" 5/3 \
		"leg 1 superblock rewritten"
	if dmesg | grep -q "written before a takeover a crash cut short"; then
		soft_pass e "the kernel log names the torn write"
	else
		soft e "no kernel log line about the torn takeover write"
	fi
}

case_f() {
	local s
	make_legs 4 $MB >/dev/null
	s=$(striped_sectors $MB 2)
	filled tk 4 "$R6" "$s"
	dm_create tk "0 $s raidx $R6 4$(legs_of 4)"
	wait_sync tk 300
	echo "0 $s raidx $R5 3$(legs_of 3)" | run dmsetup reload tk
	run dmsetup suspend tk
	run dmsetup resume tk
	soft_eq f "$(raid_field tk 4)" raid5_ls "level after the reload"
	wait_sync tk 300
	soft_eq f "$(sha_of /dev/mapper/tk)" "$SHA" "data after the live takeover"
	soft_eq f "$(mismatches tk)" 0 "mismatch_cnt after the live takeover"
	dm_remove tk
}

case_g() {
	local s i
	make_legs 2 $MB >/dev/null
	s=$((MB << 11))
	s=$((s / CHUNK * CHUNK))
	filled tk 2 "raid1 3 0 region_size 1024" "$s"
	runs g tk "0 $s raidx $R5 2$(legs_of 2)"
	for i in 0 1; do
		run "$TESTIMG" poke "${LEG_META[i]}" ext.state=1
	done
	if echo "0 $s raidx $R5 2 - - ${LEG_META[1]} ${LEG_DATA[1]}" | dmsetup create tk; then
		on_cleanup dm_remove tk
		soft_eq g "$(sha_of /dev/mapper/tk)" "$SHA" "data of the dirty raid5 with leg 0 missing"
		dm_remove tk
	else
		soft g "a dirty 2-leg raid5 with a leg missing was refused"
	fi
	run "$TESTIMG" poke "${LEG_META[1]}" ext.state=1
	runs g tk "0 $s raidx raid5_ls 5 $CHUNK region_size 1024 rebuild 0 2$(legs_of 2)"
}

case_h() {
	local s i
	make_legs 4 $MB >/dev/null
	s=$(striped_sectors $MB 2)
	filled tk 3 "$R5" "$s"
	# LVM2's first table: raid6 with the added Q leg to rebuild
	dm_create tk "0 $s raidx raid6_ls_6 5 $CHUNK region_size 1024 rebuild 3 4$(legs_of 4)"
	soft_eq h "$(raid_field tk 4)" raid6_ls_6 "level"
	soft_eq h "$(sha_of /dev/mapper/tk)" "$SHA" "data while Q is rebuilt"
	# LVM2's second table, without rebuild, as a live reload
	echo "0 $s raidx $R6 4$(legs_of 4)" | run dmsetup reload tk
	run dmsetup suspend tk
	run dmsetup resume tk
	wait_sync tk 300
	soft_eq h "$(raid_health tk)" AAAA "health after the recovery"
	soft_eq h "$(sha_of /dev/mapper/tk)" "$SHA" "data after Q is rebuilt"
	soft_eq h "$(mismatches tk)" 0 "mismatch_cnt as raid6"
	dm_remove tk
	for i in 0 1 2 3; do
		soft_eq h "$(sb_u32 "${LEG_META[i]}" 48)/$(sb_u32 "${LEG_META[i]}" 8)" \
			6/4 "leg $i superblock level/legs"
	done
	# back to raid5 (the Q leg keeps its older raid6 superblock) ...
	runs h tk "0 $s raidx $R5 3$(legs_of 3)"
	# ... and to raid6 again without rebuilding it: refused
	refused h "0 $s raidx $R6 4$(legs_of 4)" \
		"A takeover rebuilds the legs it adds" 4
	# a crash while Q is rebuilt: recorded dirty, the table still names
	# the Q leg for rebuild; it holds parity only, so the array starts
	dm_create tk "0 $s raidx raid6_ls_6 5 $CHUNK region_size 1024 rebuild 3 4$(legs_of 4)"
	dm_remove tk
	for i in 0 1 2 3; do
		run "$TESTIMG" poke "${LEG_META[i]}" ext.state=1
	done
	if echo "0 $s raidx raid6_ls_6 5 $CHUNK region_size 1024 rebuild 3 4$(legs_of 4)" |
		dmsetup create tk; then
		on_cleanup dm_remove tk
		wait_sync tk 300
		soft_eq h "$(sha_of /dev/mapper/tk)" "$SHA" "data after the crash"
		soft_eq h "$(mismatches tk)" 0 "mismatch_cnt after the crash"
		dm_remove tk
	else
		soft h "a crashed raid6 rebuilding its Q leg was refused"
	fi
	load_stock_dmraid
	runs h tk "0 $s raid $R6 4$(legs_of 4)"
}

run_case a "raid6_ls_6 on 4 legs -> raid5_ls on 3" case_a
run_case b "raid1 on 2 legs <-> raid5_ls on 2" case_b
run_case c "raid1 on 3 legs <-> raid10 near 3" case_c
run_case d "refused takeovers leave the superblocks alone" case_d
run_case e "a crash during the takeover's superblock write" case_e
run_case f "the takeover as a live reload" case_f
run_case g "a dirty 2-leg raid5 with a leg missing, then rebuilt" case_g
run_case h "raid5_ls on 3 legs -> raid6_ls_6 on 4 (Q added), and back" case_h
cases_end

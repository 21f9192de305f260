#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Data offsets and PPL placement (issue 11, module items 1, 2 and 4): every
# leg's own data_offset is used, the PPL never lies over data, and an
# array whose data sits at an offset survives a missing, a grown and a
# rebuilt leg.  Every case checks the data (sha256 of the whole array) and
# `check` (0 mismatches), and prints "case <id>: PASS|FAIL: ..." per check;
# a case that cannot go on stops, the next one still runs.
#  a   4-leg raid5_ls made with `consistency_policy ppl data_offset 2048`
#      (log before the data), filled, switched to resync by message,
#      reactivated clean from its printed table and filled again, then
#      activated from that table with leg 0 given as `- -` (item 1: leg
#      0's offset, 0 when it is missing, was taken for every leg):
#      a1  that degraded activation reads back the whole array's data;
#      a2  `consistency_policy ppl` on it (refused with a message, or
#          taken) changes no data, and after removal a clean activation
#          with all legs is accepted, recovers leg 0, reads the data, and
#          `check` finds 0 mismatches.
#  ctl-a  the same with leg 3 missing: the control (passes on the old
#      module too).
#  b   raid5 switched to PPL by message with its log AFTER the data (4096
#      free sectors per leg, no data_offset), then activated with a table
#      long enough for the data to fill each leg (a grow; item 2): either
#      refused with a message (the old array activates, data intact), or
#      taken, and then after a fill and 64 random 4 KiB writes in the first
#      8 MiB the grown tail is unchanged, `check` 0, and the next
#      activation succeeds with the data.
#  c1  a resync raid5 with its data at 2048 (made as in a), leg 1 wiped
#      (metadata and data) and rebuilt by `rebuild 1` from a table without
#      data_offset (as LVM loads it; the rebuilt leg then starts at 0, as
#      the stock target puts it): data and `check` 0 after the recovery,
#      and the next activation is accepted with the data (item 4).
#  c2  the same on a PPL array (data_offset 2048) with leg 0 (item 4).
# Not run, on purpose: case a's degraded table (leg 0 `- -`, data_offset
# 2048) against the stock dm-raid.  Its rs_adjust_data_offsets() takes
# bdev_nr_sectors() of leg 0's bdev, which a missing leg does not have: a
# NULL pointer dereference in raid_ctr (issue 11) that would take the
# whole guest, and every test after this one, down with it.
# timeout: 600
# shellcheck disable=SC2030,SC2031 # each case's own TEST_TMP (run_case)
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cases.sh"

load_raidx raidx
MB=8			# data legs; make_legs' metadata legs are 4 MiB
LEG=$((MB << 11))	# sectors per data leg
OFF=2048		# data_offset of the PPL arrays: 1 MiB of log before the data
N=4

# ---- helpers (this test only) ----------------------------------------------

# check_sha ID WHAT DEV SHA [BYTES]: sha256 of DEV (its first BYTES) is SHA.
check_sha() {
	local got
	got=$(sha_of "$3" "${5:-$(blockdev --getsize64 "$3")}")
	if [ "$got" = "$4" ]; then
		soft_pass "$1" "$2"
	else
		soft "$1" "$2: data differ (sha $got, expected $4)"
	fi
}

# fill DEV SEED BYTES: write_pattern, generating the pattern once; sets WANT
# to its sha256.
fill() {
	_pattern "$2" "$3" >"$TEST_TMP/fill"
	dd if="$TEST_TMP/fill" of="$1" bs=1M oflag=direct status=none
	WANT=$(sha256sum <"$TEST_TMP/fill" | cut -d' ' -f1)
	rm -f "$TEST_TMP/fill"
}

# try_create NAME TABLE: create NAME (removed at cleanup), or return 1 with
# REFUSAL set to the kernel's reason (empty if it gave none) and
# REFUSAL_ALL to everything it logged and dmsetup said.
try_create() {
	local err
	klog_mark
	if err=$(echo "$2" | dmsetup create "$1" 2>&1); then
		on_cleanup dm_remove "$1"
		return 0
	fi
	sleep 0.2
	REFUSAL=$(klog_since | grep -E "device-mapper: table: .*raidx: " | tr '\n' ' ')
	REFUSAL_ALL="$(klog_since | grep -F "device-mapper" | tr '\n' ' ') dmsetup: $(tr '\n' ' ' <<<"$err")"
	return 1
}

# must_create ID NAME TABLE WHAT: create, or stop case ID saying why not.
must_create() {
	try_create "$2" "$3" || fail "case $1: $4 refused: $REFUSAL_ALL"
}

# check_clean ID WHAT NAME: `check` finds 0 mismatches.
check_clean() {
	local m
	dmsetup message "$3" 0 check
	sleep 1
	wait_sync "$3" 240
	m=$(raid_field "$3" 9)
	if [ "$m" = 0 ]; then
		soft_pass "$1" "$2: check found 0 mismatches"
	else
		soft "$1" "$2: check found mismatch_cnt $m"
	fi
}

# wipe DEV: zero all of it.
wipe() {
	dd if=/dev/zero of="$1" bs=1M count=$(($(blockdev --getsize64 "$1") >> 20)) \
		oflag=direct status=none
}

# leg_words TABLE I "META DATA": TABLE (as dmsetup prints it, N legs) with
# the two words of leg I replaced ("- -" for a missing leg).
leg_words() {
	awk -v n=$N -v leg="$2" -v words="$3" '{
		if ($(NF - 2 * n) != n) exit 1
		f = NF - 2 * n + 1 + 2 * leg
		$f = words
		$(f + 1) = ""
		gsub(/ +/, " ")
		sub(/ $/, "")
		print
	}' <<<"$1"
}

# without_data_offset TABLE: TABLE without its data_offset words, as LVM
# loads an array that is not reshaping.
without_data_offset() {
	awk '{
		for (i = 6; i < NF; i++)
			if ($i == "data_offset") {
				$i = ""
				$(i + 1) = ""
				$5 -= 2
				break
			}
		gsub(/ +/, " ")
		print
	}' <<<"$1"
}

# with_rebuild TABLE I: TABLE with "rebuild I" added to its raid params.
with_rebuild() {
	awk -v leg="$2" '{ $5 += 2; $6 = $6 " rebuild " leg; print }' <<<"$1"
}

# ppl_array_at_offset ID NAME SEED: a synced 4-leg raid5_ls made with PPL,
# its data at OFF on every leg, filled with SEED; sets SECTORS, BYTES, WANT.
ppl_array_at_offset() {
	make_legs $N $MB >/dev/null
	SECTORS=$(( (LEG - OFF) / 128 * 128 * (N - 1) ))
	BYTES=$((SECTORS * 512))
	must_create "$1" "$2" "0 $SECTORS raidx raid5_ls 5 64 consistency_policy ppl data_offset $OFF $N$(leg_args)" \
		"PPL array with data_offset $OFF"
	wait_sync "$2" 240
	fill "/dev/mapper/$2" "$3" "$BYTES"
	assert_eq "$(raid_field "$2" 10)" "$OFF" "case $1: data_offset in the status"
}

# ppl_to_resync ID NAME SEED: switch NAME to resync by message, reactivate
# it from its printed table (which writes a fresh bitmap), check the data,
# fill it again with SEED, so its data was last written by a resync array;
# sets TABLE (the printed table) and WANT.  (The writes matter on the old
# module: this reactivation, which writes the fresh bitmap, is recorded
# unclean (ext state dirty) when removed without writes, and a degraded
# activation after it is refused as "dirty degraded" before it could show
# item 1.)
ppl_to_resync() {
	run dmsetup message "$2" 0 consistency_policy resync
	TABLE=$(dmsetup table "$2")
	dm_remove "$2"
	must_create "$1" "$2" "$TABLE" "clean reactivation as resync"
	wait_sync "$2" 240
	assert_match "$(dmsetup status "$2")" "[^l]$" "case $1: status without ppl"
	check_sha "$1" "clean reactivation as resync: data" "/dev/mapper/$2" "$WANT"
	fill "/dev/mapper/$2" "$3" "$BYTES"
	TABLE=$(dmsetup table "$2")
	echo "table: $TABLE"
	assert_match "$TABLE" " data_offset $OFF " "case $1: printed table"
}

# ---- a: a leg missing on an array whose data sits at OFF (item 1) ----------

# leg_areas: "leg I SHA" for every leg but $miss: sha256 of its data area,
# the sectors from OFF to the end of the data device.
leg_areas() {
	local i
	for ((i = 0; i < N; i++)); do
		[ "$i" = "$miss" ] && continue
		echo "leg $i $(dd if="${LEG_DATA[i]}" bs=512 skip=$OFF iflag=direct status=none |
			sha256sum | cut -d' ' -f1)"
	done
}

# case_a PREFIX LEG: cases PREFIX1 and PREFIX2 with LEG missing.
case_a() {
	local id=$1 miss=$2 name=do-a dev=/dev/mapper/do-a table before after changed
	ppl_array_at_offset "$id" "$name" "$id-ppl"
	ppl_to_resync "$id" "$name" "$id-resync"
	dm_remove "$name"

	# a1: activated with a leg missing, the array reads its data.
	table=$(leg_words "$TABLE" "$miss" "- -")
	must_create "${id}1" "$name" "$table" "degraded activation (leg $miss missing)"
	wait_sync "$name" 240
	echo "degraded: $(dmsetup status "$name")"
	check_sha "${id}1" "degraded activation with leg $miss missing reads the whole array's data" \
		"$dev" "$WANT"

	# a2: switching it to PPL changes no data, neither what the array
	# reads nor the data area [OFF, end) of any leg (the log may only go
	# before it: no room after); refused with a reason, or taken.  Then
	# the leg comes back and the array is whole again.
	before=$(sha_of "$dev")
	leg_areas >"$TEST_TMP/areas"
	klog_mark
	if dmsetup message "$name" 0 consistency_policy ppl 2>/dev/null; then
		echo "consistency_policy ppl taken: $(dmsetup status "$name")"
	else
		sleep 0.2
		if klog_since | grep -q "raidx"; then
			echo "consistency_policy ppl refused: $(klog_since | grep raidx | tr '\n' ' ')"
		else
			soft "${id}2" "consistency_policy ppl refused without a reason in the kernel log"
		fi
	fi
	after=$(sha_of "$dev")
	if [ "$after" = "$before" ]; then
		soft_pass "${id}2" "consistency_policy ppl on the degraded array: it reads what it read before"
	else
		soft "${id}2" "consistency_policy ppl on the degraded array: it reads different data (sha $after, before the message $before)"
	fi
	changed=$(leg_areas | { diff "$TEST_TMP/areas" - || true; } | sed -n 's/^> \(leg [0-9]*\).*/\1/p' | tr '\n' ' ')
	if [ -z "$changed" ]; then
		soft_pass "${id}2" "consistency_policy ppl on the degraded array: no leg's data area changed"
	else
		soft "${id}2" "consistency_policy ppl on the degraded array overwrote the data area (sectors $OFF..$LEG) of: $changed"
	fi
	table=$(dmsetup table "$name")
	echo "degraded table: $table"
	dm_remove "$name"

	must_create "${id}2" "$name" "$(leg_words "$table" "$miss" "${LEG_META[miss]} ${LEG_DATA[miss]}")" \
		"clean activation with all legs after the degraded run"
	wait_sync "$name" 240
	echo "all legs: $(dmsetup status "$name")"
	check_sha "${id}2" "all legs back: data" "$dev" "$WANT"
	check_clean "${id}2" "all legs back" "$name"
}

# ---- b: growing an array whose PPL lies after the data (item 2) ------------

case_b() {
	local id=b name=do-b dev=/dev/mapper/do-b free=4096 old new ref i off changed
	make_legs $N $MB >/dev/null
	old=$(( (LEG - free) * (N - 1) ))
	new=$(( LEG * (N - 1) ))
	must_create $id "$name" "0 $old raidx raid5_ls 1 64 $N$(leg_args)" \
		"resync raid5 with $free free sectors after the data"
	wait_sync "$name" 240
	fill "$dev" b-old $((old * 512))
	run dmsetup message "$name" 0 consistency_policy ppl
	assert_match "$(dmsetup status "$name")" " ppl$" "case $id: status after the switch to ppl"
	assert_eq "$(raid_field "$name" 10)" 0 "case $id: data_offset (so the log went after the data)"
	TABLE=$(dmsetup table "$name")
	echo "table: $TABLE"
	dm_remove "$name"

	if ! try_create "$name" "0 $new${TABLE#"0 $old"}"; then
		if [ -n "$REFUSAL" ]; then
			soft_pass $id "grow refused: $REFUSAL"
		else
			soft $id "grow refused without a reason in the kernel log: $REFUSAL_ALL"
		fi
		must_create $id "$name" "$TABLE" "activation at the old size after the refused grow"
		wait_sync "$name" 240
		check_sha $id "after the refused grow: data" "$dev" "$WANT"
		check_clean $id "after the refused grow" "$name"
		return 0
	fi
	echo "grown: $(dmsetup status "$name")"
	assert_eq "$(blockdev --getsz "$dev")" "$new" "case $id: grown size"
	wait_sync "$name" 240
	check_sha $id "grow taken: data of the old size" "$dev" "$WANT" $((old * 512))

	ref=$TEST_TMP/ref
	_pattern b-new $((new * 512)) >"$ref"
	dd if="$ref" of="$dev" bs=1M oflag=direct status=none
	_pattern b-blocks $((64 * 4096)) >"$TEST_TMP/blocks"
	RANDOM=46
	for ((i = 0; i < 64; i++)); do
		off=$((RANDOM % 2048))	# a 4 KiB block in the first 8 MiB
		dd if="$TEST_TMP/blocks" of="$dev" bs=4096 skip=$i seek=$off count=1 \
			oflag=direct conv=notrunc status=none
		dd if="$TEST_TMP/blocks" of="$ref" bs=4096 skip=$i seek=$off count=1 \
			conv=notrunc status=none
	done
	changed=
	for ((i = 0; i < (new - old) >> 11; i++)); do
		[ "$(dd if="$dev" bs=1M skip=$(((old >> 11) + i)) count=1 iflag=direct status=none |
			sha256sum)" = "$(dd if="$ref" bs=1M skip=$(((old >> 11) + i)) count=1 status=none |
			sha256sum)" ] || changed+=" $i"
	done
	if [ -z "$changed" ]; then
		soft_pass $id "grown tail unchanged by 64 random 4 KiB writes in the first 8 MiB"
	else
		soft $id "grown tail changed by 64 random 4 KiB writes in the first 8 MiB: MiB$changed of its $(((new - old) >> 11)) differ"
	fi
	WANT=$(sha256sum <"$ref" | cut -d' ' -f1)
	check_sha $id "grown array after the writes: data" "$dev" "$WANT"
	check_clean $id "grown array" "$name"
	TABLE=$(dmsetup table "$name")
	dm_remove "$name"
	must_create $id "$name" "$TABLE" "next activation of the grown array"
	wait_sync "$name" 240
	check_sha $id "next activation of the grown array: data" "$dev" "$WANT"
}

# ---- c: a leg rebuilt on an array whose data sits at OFF (item 4) ----------

# rebuild_leg ID NAME LEG TABLE: remove NAME, wipe LEG (metadata and data),
# activate TABLE with "rebuild LEG", then TABLE again.
rebuild_leg() {
	local id=$1 name=$2 leg=$3 table=$4
	dm_remove "$name"
	wipe "${LEG_META[leg]}"
	wipe "${LEG_DATA[leg]}"
	must_create "$id" "$name" "$(with_rebuild "$table" "$leg")" "rebuild $leg of the wiped leg"
	wait_sync "$name" 240
	echo "rebuilt: $(dmsetup status "$name")"
	check_sha "$id" "after rebuild $leg: data" "/dev/mapper/$name" "$WANT"
	check_clean "$id" "after rebuild $leg" "$name"
	dm_remove "$name"
	must_create "$id" "$name" "$table" "next activation after rebuild $leg"
	wait_sync "$name" 240
	check_sha "$id" "next activation after rebuild $leg: data" "/dev/mapper/$name" "$WANT"
	check_clean "$id" "next activation after rebuild $leg" "$name"
}

case_c1() {
	ppl_array_at_offset c1 do-c1 c1-ppl
	ppl_to_resync c1 do-c1 c1-resync
	rebuild_leg c1 do-c1 1 "$(without_data_offset "$TABLE")"
}

case_c2() {
	ppl_array_at_offset c2 do-c2 c2-ppl
	rebuild_leg c2 do-c2 0 "$(dmsetup table do-c2)"
}

run_case a "leg 0 missing, data at $OFF (item 1)" case_a a 0
run_case ctl-a "leg 3 missing, data at $OFF (control)" case_a ctl-a 3
run_case b "grow with the PPL after the data (item 2)" case_b
run_case c1 "rebuild 1 on a resync array with its data at $OFF (item 4)" case_c1
run_case c2 "rebuild 0 on a PPL array with data_offset $OFF (item 4)" case_c2

cases_end

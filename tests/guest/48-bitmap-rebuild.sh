#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Issue 11, module items 8 and 9:
#  a) after a ppl -> resync switch by message, the next activation (with
#     the table LVM would load: no data_offset, no consistency_policy)
#     writes a bitmap: its magic "bitm" is at byte 4096 of every metadata
#     device, and the activation after that succeeds (not "invalid bitmap
#     file superblock: bad magic"); data intact, check 0;
#  b) a raid5 whose initial resync was interrupted by a failed leg is not
#     in sync: its status does not claim N/N, and a table that replaces
#     the failed leg with fresh devices and `rebuild <n>` is refused with
#     "not in-sync" (the stock target's text: "'rebuild' specified while
#     raid set is not in-sync"), leaving nothing behind; the array stays
#     usable;
#  c) superblocks an activation writes before any I/O (here the fresh
#     bitmap after ppl -> resync) record the array clean: removed without
#     a write, the array then starts degraded (it was refused as "Cannot
#     start dirty degraded array (write hole)": the write in preresume
#     recorded "dirty" and nothing wrote "clean" after it).
# Every sub-case prints "case X: ..." and the test goes on after a failed
# one; it exits non-zero if any failed.
# timeout: 420
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cases.sh"

load_raidx raidx
MB=16
OFF=2048
n=4
MIB=$((1 << 20))
BYTES=$((4 * MIB))

# bitmap_magic META: the 4 bytes at byte 4096, as a little-endian u32.
bitmap_magic() {
	dd if="$1" bs=4096 skip=1 count=1 iflag=direct status=none |
		od -An -tx4 -N4 | tr -d ' '
}

# try_create NAME TABLE: dm_create, but on failure print the kernel's
# reason and fail with it.
try_create() {
	local m="create $1 $RANDOM"
	klog_mark "$m"
	if ! echo "$2" | dmsetup create "$1" 2>"$TEST_TMP/create.err"; then
		klog_since "$m" | grep -vF "$TEST_NAME:" | head -10 || true
		fail "activation refused: $(klog_since "$m" | grep -E "bitmap|Failed|raidx: " | tr '\n' '|' | head -c 400)"
	fi
	on_cleanup dm_remove "$1"
}

# ---- a) ppl -> resync, then LVM's table: the bitmap gets written ---------------
case_a() {
	local name=bm-px sectors legs i m plain dev=/dev/mapper/bm-px
	make_legs $n $MB >/dev/null
	legs=$(leg_args)
	sectors=$(( ((MB << 11) - OFF) / 128 * 128 * (n - 1) ))
	run dm_create $name "0 $sectors raidx raid5_ls 5 64 consistency_policy ppl data_offset $OFF $n$legs"
	write_pattern $dev a1 $BYTES
	wait_sync $name 300
	run dmsetup message $name 0 consistency_policy resync
	assert_match "$(dmsetup status $name)" "[^l]$" "case a: status after the switch to resync"
	dm_remove $name

	# what LVM loads: neither data_offset nor consistency_policy
	plain="0 $sectors raidx raid5_ls 1 64 $n$legs"
	klog_mark "case a first reactivation"
	echo "+ dmsetup create $name '$plain'"
	try_create $name "$plain"
	wait_sync $name 300
	assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha a1 $BYTES)" "case a: data after the first reactivation"
	write_pattern $dev a2 $BYTES
	dm_remove $name
	klog_since "case a first reactivation" | grep -E "bitmap" || true
	local bad=0
	for ((i = 0; i < n; i++)); do
		m=$(bitmap_magic "${LEG_META[i]}")
		echo "leg $i: word at byte 4096 of the metadata device: $m"
		[ "$m" = 6d746962 ] || bad=$((bad + 1))
	done
	[ $bad = 0 ] && pass "case a: bitmap magic 'bitm' on every metadata device" ||
		echo "case a: FAIL: no bitmap magic 'bitm' (6d746962) at byte 4096 on $bad of $n metadata devices"

	klog_mark "case a second reactivation"
	echo "+ dmsetup create $name '$plain'"
	try_create $name "$plain"
	wait_sync $name 300
	assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha a2 $BYTES)" "case a: data after the second reactivation"
	assert_eq "$(mismatches $name)" 0 "case a: mismatch_cnt after check"
	[ $bad = 0 ] || fail "case a: bitmap missing after the first reactivation"
	pass "case a: ppl -> resync -> LVM table -> write -> reactivation works, data intact, check 0"
}
run_case a "ppl -> resync by message, reactivated twice with LVM's table" case_a

# ---- b) rebuild refused while the initial resync is unfinished -------------------
case_b() {
	local name=bm-rb sectors i legs st ratio params rb before after m fresh_meta fresh_data
	local big=32 dev=/dev/mapper/bm-rb
	make_legs $n $big >/dev/null
	legs=""
	for ((i = 0; i < n; i++)); do
		dm_wrap "$name-d$i" "${LEG_DATA[i]}"
		legs+=" ${LEG_META[i]} /dev/mapper/$name-d$i"
	done
	sectors=$(striped_sectors $big $((n - 1)))
	# about 64 KiB/s per leg: the initial resync of 32 MiB legs cannot end
	# during this case
	params="64 region_size 1024 min_recovery_rate 32 max_recovery_rate 64"
	run dm_create $name "0 $sectors raidx raid5_ls 7 $params $n$legs"
	sleep 2
	st=$(dmsetup status $name)
	echo "status in the initial resync: $st"
	ratio=$(echo "$st" | awk '{print $7}')
	[ "${ratio%/*}" != "${ratio#*/}" ] || fail "case b: initial resync already finished (rate limit ignored?): $st"

	# leg 1's data device fails
	dm_swap_error $name-d1
	dd if=$dev of=/dev/null bs=1M count=8 iflag=direct status=none 2>/dev/null || true
	sleep 3
	st=$(dmsetup status $name)
	echo "status after leg 1 failed: $st"
	local errs=0
	ratio=$(echo "$st" | awk '{print $7}')
	if [ "${ratio%/*}" = "${ratio#*/}" ]; then
		echo "case b: FAIL: status claims $ratio in sync after the initial resync was interrupted: $st"
		errs=$((errs + 1))
	else
		pass "case b: status does not claim the interrupted array in sync ($ratio)"
	fi

	# lvconvert --repair: leg 1 replaced by fresh (zeroed) devices, rebuild 1
	new_loop fresh_meta "$TEST_TMP/fresh-meta" 4
	new_loop fresh_data "$TEST_TMP/fresh-data" $big
	rb="0 $sectors raidx raid5_ls 9 $params rebuild 1 $n"
	for ((i = 0; i < n; i++)); do
		if [ $i = 1 ]; then rb+=" $fresh_meta $fresh_data"
		else rb+=" ${LEG_META[i]} /dev/mapper/$name-d$i"; fi
	done
	before=$(_kernel_state)
	klog_mark "case b rebuild"
	echo "+ dmsetup reload $name '$rb'"
	if echo "$rb" | dmsetup reload $name 2>"$TEST_TMP/reload.err"; then
		echo "case b: FAIL: 'rebuild 1' accepted while the raid set is not in sync ($st)"
		klog_since "case b rebuild" | grep -E "raidx|md/raid" | head -5 || true
		dmsetup clear $name
		sleep 1
		errs=$((errs + 1))
	else
		sleep 0.5
		if grep -q "not in-sync" <<<"$(klog_since "case b rebuild")"; then
			pass "case b: rebuild refused: $(klog_since "case b rebuild" | grep -m1 "not in-sync")"
		else
			klog_since "case b rebuild" | tail -5
			echo "case b: FAIL: rebuild refused, but the kernel log lacks 'not in-sync'"
			errs=$((errs + 1))
		fi
		after=$(_kernel_state)
		if [ "$before" != "$after" ]; then
			diff <(echo "$before") <(echo "$after") || true
			echo "case b: FAIL: the refused table left state behind"
			errs=$((errs + 1))
		fi
	fi
	grep -q "Tables present: *LIVE$" <<<"$(dmsetup info $name)" ||
		fail "case b: inactive table left: $(dmsetup info $name | grep Tables)"

	# the array stays usable (degraded)
	write_pattern $dev b1 $BYTES
	assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha b1 $BYTES)" "case b: data on the degraded array"
	echo "status at the end: $(dmsetup status $name)"
	[ $errs = 0 ] || fail "case b: $errs check(s) failed above"
	pass "case b: rebuild refused while not in sync, array usable"
}
run_case b "raid5 leg failed in its initial resync: rebuild refused" case_b

# ---- c) an activation that writes superblocks records the array clean --------
case_c() {
	local name=bm-cl sectors legs deg plain i dev=/dev/mapper/bm-cl
	make_legs $n $MB >/dev/null
	legs=$(leg_args)
	sectors=$(( ((MB << 11) - OFF) / 128 * 128 * (n - 1) ))
	run dm_create $name "0 $sectors raidx raid5_ls 5 64 consistency_policy ppl data_offset $OFF $n$legs"
	write_pattern $dev c1 $BYTES
	wait_sync $name 300
	run dmsetup message $name 0 consistency_policy resync
	dm_remove $name
	plain="0 $sectors raidx raid5_ls 1 64 $n$legs"
	try_create $name "$plain"
	wait_sync $name 300
	dm_remove $name
	deg=""
	for ((i = 0; i < n - 1; i++)); do
		deg+=" ${LEG_META[i]} ${LEG_DATA[i]}"
	done
	deg+=" - -"
	klog_mark "case c degraded"
	echo "+ dmsetup create $name '0 $sectors raidx raid5_ls 1 64 $n$deg'"
	try_create $name "0 $sectors raidx raid5_ls 1 64 $n$deg"
	assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha c1 $BYTES)" "case c: data on the degraded array"
	pass "case c: removed without a write, the array is recorded clean and starts degraded"
}
run_case c "superblocks written on activation record the array clean" case_c

cases_end

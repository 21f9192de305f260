#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Legs whose own superblock says less than the array does (issue 11;
# found by the review of the raid5 -> raid6 takeover, issue 13).  A raid6_ls_6
# on 4 legs, synced and filled; leg 3 holds Q only, so its data can be
# made garbage without changing what the array reads, and `check` shows
# whether it was recovered.
#  (a) leg 3 three events behind, recorded failed by no leg (a
#      superblock write it missed in a crash, a leg put back from an older
#      copy), its data garbage: recovered in full (md's assembly kicks
#      such a leg), check 0.  Before 1.20.0 it was trusted as in sync.
#  (b) leg 3 recorded failed by the others, its own superblock saying it
#      failed in a recovery at 1 MiB, its data garbage beyond: recovered in
#      full, not only where the bitmap has bits (it has none: the array
#      was shut down cleanly), check 0.  Before 1.20.0: bitmap only.
#  (c) recorded dirty (a crash) with data leg 1 mid-recovery, and the
#      table naming Q for rebuild: refused (md would rebuild leg 1 from
#      parity the crash may have torn).  The first draft of the raid5 ->
#      raid6 takeover (Q-only rebuilds after a crash) accepted it.
#  (d) leg 3's superblock records position -1 (md took it out of the
#      array without failing it: a recovery it gave up on), recovering at
#      1 MiB, its data garbage: placed at its table position and
#      recovered in full, check 0.  Before 1.20.1 the array was refused
#      ("legs disagree"); the stock target resumes the recovery at 1 MiB.
#  (e) leg 0, the first leg read, records position -1 and a recovery
#      from 0 (what md leaves) at the same events as the others: it is not
#      taken as the reference (refused before 1.20.1), and is recovered
#      in full from the others.
#  (f) leg 3 records position -1 one event ahead of the others (their
#      superblock write cut short), its data garbage: the freshest leg is
#      the reference but serves nothing, recovered in full (refused
#      before 1.20.1, review of the first draft).
#  (g) as (d), but met in a reload: the raid table is loaded over a live
#      zero table, analysed provisionally at load and again when md starts
#      it in preresume; recovered in full, check 0.
# timeout: 1200
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cases.sh"

load_raidx raidx
need_testimg
MB=16
CHUNK=128
R6="raid6_ls_6 3 $CHUNK region_size 1024"

# synced: a new raid6 on 4 legs, synced, filled (SHA), removed.
synced() {
	filled_array tk 2 "$R6"
}

# garbage_q FROM_SECTOR: leg 3's data from FROM_SECTOR on overwritten.
garbage_q() {
	dd if=/dev/urandom of="${LEG_DATA[3]}" bs=512 seek="$1" \
		count=$((MB * 2048 - $1)) oflag=direct status=none
}

# recovered CASE: activate, the recovery runs, data and check 0.
recovered() {
	dm_create tk "$TABLE"
	wait_sync tk 300
	soft_eq "$1" "$(sha_of /dev/mapper/tk)" "$SHA" "data"
	soft_eq "$1" "$(mismatches tk)" 0 "mismatch_cnt after check"
	dm_remove tk
}

case_a() {
	local e
	synced
	e=$(sb_field "${LEG_META[0]}" 16 8)
	run "$TESTIMG" poke "${LEG_META[3]}" events=$((e - 3))
	garbage_q 0
	echo "stale-legs a" >/dev/kmsg
	recovered a
	if dmesg | sed -n '/stale-legs a/,$p' | grep -q "events behind and not recorded failed"; then
		soft_pass a "the kernel log names the stale leg"
	else
		soft a "no kernel log line about the stale leg"
	fi
}

case_b() {
	local i e
	synced
	e=$(sb_field "${LEG_META[0]}" 16 8)
	for i in 0 1 2; do
		run "$TESTIMG" poke "${LEG_META[i]}" failed_devices=8
	done
	run "$TESTIMG" poke "${LEG_META[3]}" events=$((e - 1)) disk_recovery_offset=2048
	garbage_q 2048
	recovered b
}

case_c() {
	local i
	synced
	run "$TESTIMG" poke "${LEG_META[1]}" disk_recovery_offset=4096
	for i in 0 1 2 3; do
		run "$TESTIMG" poke "${LEG_META[i]}" ext.state=1
	done
	expect_table_rejected "0 $S raidx raid6_ls_6 5 $CHUNK region_size 1024 rebuild 3 4$(leg_args)" \
		"Cannot rebuild an unclean array"
}

# detached_log CASE MARK: the kernel log names the detached leg.
detached_log() {
	if dmesg | sed -n "/$2/,\$p" | grep -q "taken out by md, not failed: recovered in full"; then
		soft_pass "$1" "the kernel log names the detached leg"
	else
		soft "$1" "no kernel log line about the detached leg"
	fi
}

# detached_q CASE: a synced array whose leg 3 md took out (position -1)
# while recovering it at 1 MiB, its data garbage; a kernel log mark.
detached_q() {
	synced
	run "$TESTIMG" poke "${LEG_META[3]}" array_position=4294967295 \
		disk_recovery_offset=2048
	garbage_q 0
	echo "stale-legs $1" >/dev/kmsg
}

case_d() {
	detached_q d
	recovered d
	detached_log d "stale-legs d"
}

case_e() {
	synced
	run "$TESTIMG" poke "${LEG_META[0]}" array_position=4294967295 \
		disk_recovery_offset=0
	echo "stale-legs e" >/dev/kmsg
	recovered e
	detached_log e "stale-legs e"
}

case_f() {
	local e
	synced
	e=$(sb_field "${LEG_META[0]}" 16 8)
	run "$TESTIMG" poke "${LEG_META[3]}" array_position=4294967295 \
		events=$((e + 1)) disk_recovery_offset=0
	garbage_q 0
	echo "stale-legs f" >/dev/kmsg
	recovered f
	detached_log f "stale-legs f"
}

# A reload: the device's live table (a zero target) makes the analysis of
# the raid table provisional at load, and md starts it only in preresume,
# from the superblocks read again.  Both analyses meet the detached leg.
case_g() {
	detached_q g
	dm_create tk "0 $S zero"
	run dmsetup load tk --table "$TABLE"
	run dmsetup resume tk
	soft_eq g "$(dmsetup table tk | awk '{print $3}')" raidx "target after the reload"
	wait_sync tk 300
	soft_eq g "$(sha_of /dev/mapper/tk)" "$SHA" "data"
	soft_eq g "$(mismatches tk)" 0 "mismatch_cnt after check"
	dm_remove tk
	detached_log g "stale-legs g"
}

run_case a "a leg three events behind, recorded failed by none" case_a
run_case b "a leg the others record failed, failed in its recovery" case_b
run_case c "a crashed raid6 with a data leg mid-recovery, Q to rebuild" case_c
run_case d "leg 3 detached by md (position -1), recovering" case_d
run_case e "leg 0 detached by md at the same events" case_e
run_case f "leg 3 detached by md, one event ahead" case_f
run_case g "leg 3 detached by md, met in a reload (provisional analysis)" case_g
cases_end

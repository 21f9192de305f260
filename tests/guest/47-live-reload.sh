#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A table loaded while the old one is live is not a crash (issue 11,
# module item 3).  dm loads the new table while the old instance still
# runs the array (`dmsetup reload`, LVM's preload before suspend,
# `lvchange --refresh`); the superblocks the live instance writes say
# "dirty" while writes are in flight, and that must not make the new
# constructor replay logs, resync, or refuse the array.  Data legs sit
# behind dm-delay (+30 ms per write) so writes are always in flight.
#  a) PPL raid5 under three direct-I/O writers, 10 rounds of
#     reload <same table>; suspend; resume: no PPL recovery in the kernel
#     log (md's PPL messages are pr_debug: the test turns on dynamic debug
#     for ppl_load* and ppl_recover_entry's "write parity"), data intact,
#     `check` finds 0 mismatches;
#  b) the same on a resync raid5 (bitmap): no "not shut down cleanly",
#     no resync started by the reloads, data intact, check 0;
#  c) a degraded resync raid5 (a leg `- -`) under writers: every busy
#     same-table reload is accepted (not "Cannot start dirty degraded
#     array"), data intact;
#  d) "a table that is loaded but never resumed changes nothing": on a
#     live PPL raid5 (d1) and a writeback-journal raid5 (d2) under writers,
#     reload <same table>; clear: no PPL/journal recovery, data intact,
#     check 0;
#  e) LVM's lvchange-rebuild-raid.sh pattern on a 3-leg raid1 in use (a
#     writer runs throughout; legs 1 and 2 zeroed beforehand): reload with
#     `rebuild 1 rebuild 2`, resume, and while md recovers (~1 MiB/s) the
#     flags-reset reload without the rebuild words: no "not shut down
#     cleanly", the status shows the recovering legs as 'a' and not idle,
#     recovery ends, every leg holds the data, check 0;
#  f) a reload repeating the table's `rebuild 0` while a new raid4 is in
#     its first resync is refused with "'rebuild' specified while raid set
#     is not in-sync" (a rebuild from unsynced parity; the fuzzer's seed
#     20261130 case 346 met it), and the running array goes on: the live
#     table stays, the resync ends, data intact, check 0;
#  g) raid10 with more legs than copies resyncs in array sectors: a
#     reload once the resync is past one leg's size is accepted (it was
#     refused as "resync offset beyond the device size": fuzzer case 286),
#     the resync goes on (legs filled with different data first: a skipped
#     resync leaves copies check counts), check 0.
# Every sub-case prints "case X: ..." and the test goes on after a failed
# one; it exits non-zero if any failed.  CASES_ONLY="f g" runs those only.
# timeout: 900
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cases.sh"

load_raidx raidx
modprobe dm-delay
MB=16
OFF=2048			# sectors of PPL space before the data
n=4
MIB=$((1 << 20))
FILL=$((8 * MIB))		# bytes filled with a known pattern before the writers
AREA=$((512 << 10))		# bytes each writer rewrites, at WOFF[k] MiB
WOFF=(0 3 6)
ROUNDS=10
DELAY_MS=30

# ---- helpers (local to this test) --------------------------------------------

# Turn on md's PPL recovery messages (pr_debug in raid5-ppl.c).
DYNDBG=/sys/kernel/debug/dynamic_debug/control
ppl_debug() {
	local op=$1
	[ -e $DYNDBG ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
	[ -w $DYNDBG ] || { echo "note: no dynamic debug: PPL recovery checked by data only"; return 0; }
	echo "module raid456 func ppl_load ${op}p" >$DYNDBG || true
	echo "module raid456 func ppl_load_distributed ${op}p" >$DYNDBG || true
	echo "module raid456 func ppl_recover_entry format \"write parity\" ${op}p" >$DYNDBG || true
}
ppl_debug +
on_cleanup ppl_debug -

# delay_legs PREFIX N: every LEG_DATA[i] behind dm-delay (writes +DELAY_MS);
# sets LEGS (table words) for the metadata devices and the delayed legs.
delay_legs() {
	local i
	LEGS=""
	for ((i = 0; i < $2; i++)); do
		dm_create "$1-d$i" "0 $(dev_sectors "${LEG_DATA[i]}") delay ${LEG_DATA[i]} 0 0 ${LEG_DATA[i]} 0 $DELAY_MS"
		LEGS+=" ${LEG_META[i]} /dev/mapper/$1-d$i"
	done
}

# writer DEV FILE SEEK_MIB STOPFILE: write FILE.0, FILE.1, FILE.0, ... at
# SEEK_MIB with 16 KiB direct writes (partial stripes: read-modify-write,
# PPL entries, and data that changes, so parity rebuilt from a stale log
# is wrong) until STOPFILE exists; each pass completes and its number is
# left in FILE.last.  At most 150 s.
writer() {
	local end=$((SECONDS + 150)) i=0
	while [ ! -e "$4" ] && [ $SECONDS -lt $end ]; do
		dd if="$2.$i" of="$1" bs=16k seek=$(($3 * 64)) oflag=direct conv=notrunc status=none || return 1
		echo $i >"$2.last"
		i=$((1 - i))
	done
}

WPIDS=()
# start_writers DEV SEED: three writers on their own areas.
start_writers() {
	local k
	rm -f "$TEST_TMP/stop"
	WPIDS=()
	for k in 0 1 2; do
		_pattern "$2-w$k-0" "$AREA" >"$TEST_TMP/w$k.0"
		_pattern "$2-w$k-1" "$AREA" >"$TEST_TMP/w$k.1"
		writer "$1" "$TEST_TMP/w$k" "${WOFF[k]}" "$TEST_TMP/stop" &
		WPIDS+=($!)
	done
	on_cleanup kill_writers
}
# stop_writers: let every writer end its pass; fails if one failed.
stop_writers() {
	local p rc=0
	touch "$TEST_TMP/stop"
	for p in "${WPIDS[@]}"; do
		wait "$p" || rc=1
	done
	WPIDS=()
	return $rc
}
kill_writers() {
	local p
	touch "$TEST_TMP/stop" 2>/dev/null
	for p in "${WPIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	WPIDS=()
	return 0
}

# fill DEV SEED: the first FILL bytes get a known pattern.
fill() {
	write_pattern "$1" "$2" "$FILL"
}
# expect_sha SEED WSEED: sha of the first FILL bytes after fill SEED and
# the last complete pass of each writer (start_writers; none if WSEED is
# empty).
expect_sha() {
	local k f=$TEST_TMP/expect
	_pattern "$1" "$FILL" >"$f"
	if [ -n "${2:-}" ]; then
		for ((k = 0; k < 3; k++)); do
			dd if="$TEST_TMP/w$k.$(cat "$TEST_TMP/w$k.last")" of="$f" bs=1M \
				seek="${WOFF[k]}" conv=notrunc status=none
		done
	fi
	sha256sum <"$f" | cut -d' ' -f1
	rm -f "$f"
}
# check_data CASE DEV FILLSEED WRITERSEED (soft)
check_data() {
	soft_eq "$1" "$(sha_of "/dev/mapper/$2" "$FILL")" "$(expect_sha "$3" "${4:-}")" "sha256 of the data"
}

# check_clean CASE DEV (soft)
check_clean() {
	soft_eq "$1" "$(mismatches "$2")" 0 "mismatch_cnt after check"
}

# busy_reloads DEV TABLE ROUNDS: reload <same table>; suspend; resume,
# ROUNDS times, 0.5 s apart.  Prints the rounds whose reload was refused
# to $TEST_TMP/refused and the statuses after each resume to
# $TEST_TMP/statuses.
busy_reloads() {
	local dev=$1 table=$2 r
	: >"$TEST_TMP/refused"
	: >"$TEST_TMP/statuses"
	for ((r = 1; r <= $3; r++)); do
		sleep 0.5
		if ! echo "$table" | dmsetup reload "$dev" 2>>"$TEST_TMP/reload.err"; then
			echo "$r" >>"$TEST_TMP/refused"
		fi
		dmsetup suspend "$dev"
		dmsetup resume "$dev"
		echo "round $r: $(dmsetup status "$dev")" >>"$TEST_TMP/statuses"
	done
	cat "$TEST_TMP/statuses"
}

# ppl_recovery_lines MARK: PPL recovery md logged since MARK.
ppl_recovery_lines() {
	klog_since "$1" | grep -E "recovered_entries: [1-9]|write parity|ppl_recover" || true
}

leg_data=$(( ((MB << 11) - OFF) / 128 * 128 ))
PPL_SECTORS=$((leg_data * (n - 1)))
R5_SECTORS=$(striped_sectors $MB $((n - 1)))

# ---- a) PPL raid5: busy same-table reloads ------------------------------------
case_a() {
	local name=lr-ppl table bad
	make_legs $n $MB >/dev/null
	delay_legs $name $n
	table="0 $PPL_SECTORS raidx raid5_ls 5 64 consistency_policy ppl data_offset $OFF $n$LEGS"
	run dm_create $name "$table"
	wait_sync $name 300
	fill /dev/mapper/$name fa
	klog_mark "case a reloads"
	start_writers /dev/mapper/$name a
	sleep 2
	busy_reloads $name "$table" $ROUNDS
	stop_writers || soft a "a writer failed"
	sleep 1
	bad=$(ppl_recovery_lines "case a reloads")
	if [ -n "$bad" ]; then
		grep -m10 recovered_entries <<<"$bad" || true
		soft a "PPL recovery ran on the live array during the reloads: $(echo "$bad" | grep -c "write parity") 'write parity' lines, $(echo "$bad" | grep -c "recovered_entries") ppl_load* lines with recovered_entries > 0"
	fi
	[ "$(klog_since "case a reloads" | grep -c "ppl_load" || true)" != 0 ] ||
		echo "note: no ppl_load debug line since the reloads (dynamic debug off, or ppl_load not called)"
	[ ! -s "$TEST_TMP/refused" ] || soft a "reload refused in rounds $(tr '\n' ' ' <"$TEST_TMP/refused")"
	check_clean a $name
	check_data a $name fa a
	if case_ok a; then pass "case a: $ROUNDS busy reloads of a PPL raid5: no PPL recovery, data intact, check 0"; fi
}
run_case a "PPL raid5, $ROUNDS busy same-table reloads" case_a

# ---- b) resync raid5 (bitmap): busy same-table reloads -----------------------
case_b() {
	local name=lr-rs table lines
	make_legs $n $MB >/dev/null
	delay_legs $name $n
	table="0 $R5_SECTORS raidx raid5_ls 3 64 region_size 1024 $n$LEGS"
	run dm_create $name "$table"
	wait_sync $name 300
	fill /dev/mapper/$name fb
	klog_mark "case b reloads"
	start_writers /dev/mapper/$name b
	sleep 2
	busy_reloads $name "$table" $ROUNDS
	stop_writers || soft b "a writer failed"
	sleep 1
	local unclean resyncs busy
	unclean=$(klog_since "case b reloads" | grep -c "not shut down cleanly" || true)
	resyncs=$(klog_since "case b reloads" | grep -c "md: resync of RAID array" || true)
	busy=$(grep -vc " idle " "$TEST_TMP/statuses" || true)
	[ ! -s "$TEST_TMP/refused" ] || soft b "reload refused in rounds $(tr '\n' ' ' <"$TEST_TMP/refused")"
	[ "$unclean" = 0 ] || soft b "$unclean of $ROUNDS busy reloads logged 'not shut down cleanly'"
	[ "$resyncs" = 0 ] || soft b "the reloads started $resyncs resync(s) ('md: resync of RAID array')"
	[ "$busy" = 0 ] || soft b "$busy of $ROUNDS statuses right after resume were not idle"
	wait_sync $name 300
	check_data b $name fb b
	check_clean b $name
	if case_ok b; then pass "case b: $ROUNDS busy reloads of a resync raid5: no resync, data intact, check 0"; fi
}
run_case b "resync raid5 (bitmap), $ROUNDS busy same-table reloads" case_b

# ---- c) degraded resync raid5: a busy same-table reload is accepted ------------
case_c() {
	local name=lr-dg table i legs err
	make_legs $n $MB >/dev/null
	delay_legs $name $n
	run dm_create $name "0 $R5_SECTORS raidx raid5_ls 3 64 region_size 1024 $n$LEGS"
	wait_sync $name 300
	fill /dev/mapper/$name fc
	dm_remove $name
	# leg 3 missing from the start of this activation
	legs=""
	for ((i = 0; i < n - 1; i++)); do
		legs+=" ${LEG_META[i]} /dev/mapper/$name-d$i"
	done
	legs+=" - -"
	table="0 $R5_SECTORS raidx raid5_ls 3 64 region_size 1024 $n$legs"
	run dm_create $name "$table"
	echo "status degraded: $(dmsetup status $name)"
	klog_mark "case c reloads"
	start_writers /dev/mapper/$name c
	sleep 2
	busy_reloads $name "$table" 3
	stop_writers || soft c "a writer failed"
	if [ -s "$TEST_TMP/refused" ]; then
		err=$(klog_since "case c reloads" | grep -E "raidx: |Cannot start" | sort -u || true)
		head -5 <<<"$err"
		soft c "busy same-table reload of a degraded raid5 refused in rounds $(tr '\n' ' ' <"$TEST_TMP/refused"): $(grep -m1 -o 'Cannot start[^:]*' <<<"$err" || true)"
	fi
	check_data c $name fc c
	if case_ok c; then pass "case c: busy same-table reloads of a degraded resync raid5 accepted, data intact"; fi
}
run_case c "degraded resync raid5, busy same-table reload accepted" case_c

# ---- d) a loaded but never resumed table changes nothing ----------------------
# reload_clear DEV TABLE ROUNDS: reload the same table and drop it again.
reload_clear() {
	local r
	: >"$TEST_TMP/refused"
	for ((r = 1; r <= $3; r++)); do
		sleep 1
		echo "$2" | dmsetup reload "$1" || echo "$r" >>"$TEST_TMP/refused"
		dmsetup clear "$1"
	done
	grep -q "Tables present: *LIVE$" <<<"$(dmsetup info "$1")" ||
		fail "inactive table left: $(dmsetup info "$1" | grep Tables)"
}

case_d1() {
	local name=lr-dp table bad
	make_legs $n $MB >/dev/null
	delay_legs $name $n
	table="0 $PPL_SECTORS raidx raid5_ls 5 64 consistency_policy ppl data_offset $OFF $n$LEGS"
	run dm_create $name "$table"
	wait_sync $name 300
	fill /dev/mapper/$name fd1
	klog_mark "case d1 loads"
	start_writers /dev/mapper/$name d1
	sleep 2
	reload_clear $name "$table" 3
	stop_writers || soft d1 "a writer failed"
	sleep 1
	bad=$(ppl_recovery_lines "case d1 loads")
	if [ -n "$bad" ]; then
		grep -m10 recovered_entries <<<"$bad" || true
		soft d1 "loading (never resuming) a table ran PPL recovery on the live array: $(echo "$bad" | grep -c "write parity") 'write parity' lines"
	fi
	[ ! -s "$TEST_TMP/refused" ] || soft d1 "load refused in rounds $(tr '\n' ' ' <"$TEST_TMP/refused")"
	check_clean d1 $name
	check_data d1 $name fd1 d1
	if case_ok d1; then pass "case d1: PPL raid5: reload + clear under writers changed nothing"; fi
}
run_case d1 "PPL raid5, reload + clear (never resumed) under writers" case_d1

case_d2() {
	local name=lr-dj table bad JDEV
	make_legs $n $MB >/dev/null
	new_loop JDEV "$TEST_TMP/journal" 16
	delay_legs $name $n
	table="0 $R5_SECTORS raidx raid5_ls 5 64 journal_dev $JDEV journal_mode writeback $n$LEGS"
	run dm_create $name "$table"
	wait_sync $name 300
	fill /dev/mapper/$name fd2
	klog_mark "case d2 loads"
	start_writers /dev/mapper/$name d2
	sleep 2
	reload_clear $name "$table" 3
	stop_writers || soft d2 "a writer failed"
	sleep 1
	bad=$(klog_since "case d2 loads" | grep -E "recovering [0-9]+ data-only stripes|r5l_recovery|journal.*(replay|recover)" || true)
	if [ -n "$bad" ]; then
		head -10 <<<"$bad"
		soft d2 "loading (never resuming) a table replayed the live journal ($(wc -l <<<"$bad") times): $(sed -n '1s/^\[[^]]*\] //p' <<<"$bad")"
	fi
	[ ! -s "$TEST_TMP/refused" ] || soft d2 "load refused in rounds $(tr '\n' ' ' <"$TEST_TMP/refused")"
	check_clean d2 $name
	check_data d2 $name fd2 d2
	if case_ok d2; then pass "case d2: writeback journal raid5: reload + clear under writers changed nothing"; fi
}
run_case d2 "writeback journal raid5, reload + clear (never resumed) under writers" case_d2

# ---- e) raid1 rebuild, then LVM's flags-reset reload while recovering ----------
# As lvchange --rebuild does it on an LV in use: a writer rewrites the
# first MiB (with the data it already holds) throughout.
case_e() {
	local name=lr-r1 i legs base st st0 r0 leg=$((MB << 11)) bytes=$((8 * MIB)) dev=/dev/mapper/lr-r1
	make_legs 3 $MB >/dev/null
	legs=""
	for ((i = 0; i < 3; i++)); do
		dm_wrap "$name-d$i" "${LEG_DATA[i]}"
		legs+=" ${LEG_META[i]} /dev/mapper/$name-d$i"
	done
	# about 1 MiB/s: recovery of a 16 MiB leg takes ~16 s
	base="0 region_size 1024 min_recovery_rate 512 max_recovery_rate 1024"
	run dm_create $name "0 $leg raidx raid1 7 $base 3$legs"
	write_pattern $dev fe "$bytes"
	wait_sync $name 300
	dm_remove $name
	# legs 1 and 2 lose their data (what the rebuild must bring back)
	for i in 1 2; do
		dd if=/dev/zero of="/dev/mapper/$name-d$i" bs=1M count=$MB oflag=direct status=none
	done
	run dm_create $name "0 $leg raidx raid1 7 $base 3$legs"
	_pattern fe "$AREA" >"$TEST_TMP/we.0"
	cp "$TEST_TMP/we.0" "$TEST_TMP/we.1"
	rm -f "$TEST_TMP/stop"
	writer $dev "$TEST_TMP/we" 0 "$TEST_TMP/stop" &
	WPIDS=($!)
	on_cleanup kill_writers
	sleep 1
	# lvchange --rebuild: reload with the rebuild words, suspend, resume
	klog_mark "case e rebuild"
	echo "0 $leg raidx raid1 11 $base rebuild 1 rebuild 2 3$legs" | run dmsetup reload $name
	run dmsetup suspend $name
	run dmsetup resume $name
	sleep 2
	st0=$(dmsetup status $name)
	echo "status recovering: $st0"
	# LVM's flags-reset reload: the same table without the rebuild words
	echo "0 $leg raidx raid1 7 $base 3$legs" | run dmsetup reload $name
	run dmsetup suspend $name
	run dmsetup resume $name
	sleep 1
	st=$(dmsetup status $name)
	echo "status after the flags-reset reload: $st"
	if grep -q "not shut down cleanly" <<<"$(klog_since "case e rebuild")"; then
		soft e "a reload logged: $(klog_since "case e rebuild" | grep -m1 "not shut down cleanly" | sed 's/^\[[^]]*\] //')"
	fi
	# ~1 MiB/s: from under 3/4 done, recovery cannot end within 2 s
	r0=$(awk '{print $7}' <<<"$st0")
	if [ $((${r0%/*} * 4)) -lt $((${r0#*/} * 3)) ] && [[ $(awk '{print $6}' <<<"$st") != *a* ]]; then
		soft e "status claims the legs in sync 2 s after recovery was at $r0: $st"
	fi
	if [ $((${r0%/*} * 4)) -lt $((${r0#*/} * 3)) ] && [ "$(awk '{print $8}' <<<"$st")" = idle ]; then
		soft e "status says idle while md recovers (recovery was at $r0 2 s before): $st"
	fi
	stop_writers || soft e "the writer failed"
	wait_sync $name 300
	sleep 2
	wait_sync $name 300
	soft_eq e "$(raid_health $name)" AAA "health after recovery"
	for i in 0 1 2; do
		soft_eq e "$(sha_of "/dev/mapper/$name-d$i" "$bytes")" "$(pattern_sha fe "$bytes")" "sha256 of leg $i"
	done
	check_clean e $name
	if case_ok e; then pass "case e: raid1 rebuild + flags-reset reload: no unclean restart, legs shown recovering, data on every leg"; fi
}
run_case e "raid1 rebuild 1 rebuild 2, flags-reset reload while recovering" case_e

# ratio_of DEV: md's progress as a percentage (status field 7, "done/total").
ratio_of() {
	local r
	r=$(raid_field "$1" 7)
	echo $((${r%/*} * 100 / ${r#*/}))
}

# wait_ratio DEV PCT SECONDS: until the sync is at least PCT % done.
wait_ratio() {
	local end=$((SECONDS + $3))
	while [ "$(raid_field "$1" 8)" = idle ] || [ "$(ratio_of "$1")" -lt "$2" ]; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.5
	done
}

# same_reload CASE DEV TABLE: reload the same table while the array syncs,
# suspend, resume; the sync must go on from at least where it was, and
# if it is over by then, md must have logged its end (a sync the reload
# marked done without doing it logs nothing).
same_reload() {
	local before after t
	klog_mark "same_reload $1 $2"
	before=$(ratio_of "$2")
	if ! echo "$3" | dmsetup reload "$2" 2>"$TEST_TMP/reload.err"; then
		soft "$1" "same-table reload refused: $(dmesg | grep -E 'raidx|table' | tail -n 3 | tr '\n' ' ')"
		return 0
	fi
	run dmsetup suspend "$2"
	run dmsetup resume "$2"
	# md restarts the sync from its thread: give it a moment
	for ((t = 0; t < 20; t++)); do
		[ "$(raid_field "$2" 8)" = idle ] || break
		sleep 0.5
	done
	after=$(ratio_of "$2")
	echo "case $1: $(raid_field "$2" 8) at $before % before the reload, $after % after ($(dmsetup status "$2"))"
	if [ "$(raid_field "$2" 8)" = idle ] &&
		! klog_since "same_reload $1 $2" | grep -qE 'md: .*: (resync|requested-resync|recovery) done'; then
		soft "$1" "the sync ended with the reload at $before % without md finishing it: $(dmsetup status "$2")"
	elif [ "$after" -lt $((before - 5)) ]; then
		soft "$1" "the sync started over: $before % before the reload, $after % after"
	fi
}

# ---- f) a reload repeating 'rebuild' while the array is not in sync ---------
case_f() {
	local name=lr-rb table dev=/dev/mapper/lr-rb
	make_legs 4 $MB >/dev/null
	# a new raid4 made with rebuild 0 (its parity leg: md starts a new
	# array with a leg to rebuild only when that leg holds parity alone,
	# as in the fuzzer's case), reloaded in its first resync
	table="0 $R5_SECTORS raidx raid4 9 128 region_size 1024 min_recovery_rate 512 max_recovery_rate 1024 rebuild 0 4$(leg_args)"
	run dm_create $name "$table"
	write_pattern $dev f1 "$FILL"
	wait_ratio $name 20 120 || soft f "no sync reached 20 %: $(dmsetup status $name)"
	klog_mark "case f reload"
	if echo "$table" | dmsetup reload $name 2>/dev/null; then
		soft f "the reload was accepted: a leg rebuilt from parity the array has not synced"
		run dmsetup clear $name
	elif ! klog_since "case f reload" | grep -q "'rebuild' specified while raid set is not in-sync"; then
		soft f "the reload was refused without the reason: $(klog_since "case f reload" | tr '\n' ' ')"
	else
		soft_pass f "reload repeating rebuild 0 during the first resync refused with the reason"
	fi
	soft_eq f "$(dmsetup info $name | sed -n 's/^Tables present: *//p')" LIVE "tables of $name after the refusal"
	wait_sync $name 300
	check_data f $name f1
	check_clean f $name
	if case_ok f; then pass "case f: the refused reload left the running array syncing, data intact"; fi
}
run_case f "reload repeating 'rebuild' during the first resync: refused, the array goes on" case_f

# ---- g) raid10, 3 legs, 2 copies: a reload past one leg's size ---------------------
case_g() {
	local name=lr-r10 table sectors i dev=/dev/mapper/lr-r10
	make_legs 3 $MB >/dev/null
	# different data on each leg: a resync skipped anywhere leaves
	# copies that differ, which check counts
	for ((i = 0; i < 3; i++)); do
		write_pattern "${LEG_DATA[i]}" "g-leg$i" $((MB << 20))
	done
	sectors=$(( (MB << 11) / 128 * 128 * 3 / 2 ))
	table="0 $sectors raidx raid10 7 128 region_size 1024 min_recovery_rate 512 max_recovery_rate 1024 3$(leg_args)"
	run dm_create $name "$table"
	write_pattern $dev g "$FILL"
	# past 2/3 of the array is past one leg's size
	wait_ratio $name 75 180 || soft g "resync did not reach 75 %: $(dmsetup status $name)"
	same_reload g $name "$table"
	wait_sync $name 300
	check_data g $name g
	check_clean g $name
	if case_ok g; then pass "case g: raid10 reload with the resync past one leg accepted, data intact"; fi
}
run_case g "raid10 3 legs: reload with the resync past one leg's size" case_g

cases_end

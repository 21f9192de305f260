#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Messages that race (issue 11, items 5 and 6).  The legs sit behind
# dm-linear; for the racing part they are swapped to dm-delay (+1 s per
# write), so the policy switch's PPL header writes take seconds and the
# other message surely comes while it is under way.
#  (a) two `consistency_policy ppl` at once on a resync raid5: what md
#      runs is what the status shows and what the superblocks record
#      (before 1.18.0 the loser, refused by md, recorded resync while md
#      ran PPL); activated again without the word it runs ppl; data,
#      check 0.
#  (b) `check` sent while a `consistency_policy ppl` is writing its
#      headers: it does not start a sync before the switch has ended
#      (before 1.18.0 it started at once and the switch then dropped the
#      bitmap under it); data, check 0.
#  (c) `idle` and `frozen` sent while md's sync thread ends, beside a
#      suspend and resume of the table, 30 rounds under writes: no hang,
#      no kernel report, data, check 0.  md reaps its sync thread under
#      its reconfig mutex; a message that reaps it without (before
#      1.18.0) races md's own reap and its superblock write; the race is
#      rare, so tests/kmod/md-lock-check.ko also looks at every call of
#      md_reap_sync_thread (and mddev_suspend/resume) whether the caller
#      holds the mutex.
#  (d) the checker's own control: the stock dm-raid of Linux 6.1 reaps
#      without the mutex (raid_message), and the checker must say so.
# timeout: 900
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cases.sh"

load_raidx
modprobe dm-delay
MB=16
BYTES=$((2 << 20))
SLOW_MS=1000
OFF=2048	# sectors before the data: room for the PPL

# ext_policy META: the consistency_policy the extension records (raid_dump).
ext_policy() {
	"$TOP/tools/raidx_tools" raid_dump "$1" 2>/dev/null |
		sed -n 's/.*<ext [^>]*consistency_policy="\([0-9]*\)".*/\1/p' | head -1
}

# wrapped_raid5 NAME: a 3-leg raid5_ls with its data OFF sectors into
# each leg (room for the PPL, as every version of dm-raidx needs), each
# data leg behind dm-linear NAME-dI; sets LEGS and TABLE, creates NAME,
# fills BYTES, waits for the sync.
wrapped_raid5() {
	local i
	make_legs 3 $MB >/dev/null
	LEGS=""
	for i in 0 1 2; do
		dm_wrap "$1-d$i" "${LEG_DATA[i]}"
		LEGS+=" ${LEG_META[i]} /dev/mapper/$1-d$i"
	done
	TABLE="0 $(( ((MB << 11) - OFF) / 128 * 128 * 2 )) raid raid5_ls 3 64 data_offset $OFF 3$LEGS"
	dm_create "$1" "$TABLE"
	write_pattern "/dev/mapper/$1" "$1" $BYTES
	wait_sync "$1" 300
}

# legs_speed NAME slow|fast: writes to the data legs of NAME get +SLOW_MS,
# or none (a suspend flushes what is in flight before the swap).
legs_speed() {
	local i dev len table
	for i in 0 1 2; do
		dev=${LEG_DATA[i]}
		len=$(dev_sectors "$dev")
		if [ "$2" = slow ]; then
			table="0 $len delay $dev 0 0 $dev 0 $SLOW_MS"
		else
			table="0 $len linear $dev 0"
		fi
		dmsetup suspend "$1-d$i"
		echo "$table" | dmsetup load "$1-d$i"
		dmsetup resume "$1-d$i"
	done
}

# after_checks CASE NAME: data intact, and a check finds nothing.
after_checks() {
	soft_eq "$1" "$(sha_of "/dev/mapper/$2" $BYTES)" "$(pattern_sha "$2" $BYTES)" "data"
	soft_eq "$1" "$(mismatches "$2")" 0 "mismatch_cnt after check"
}

case_a() {
	local r1=0 r2=0 p1 p2 st i
	wrapped_raid5 r61a
	legs_speed r61a slow
	timeout 120 dmsetup message r61a 0 consistency_policy ppl &
	p1=$!
	sleep 0.3
	timeout 120 dmsetup message r61a 0 consistency_policy ppl &
	p2=$!
	wait $p1 || r1=$?
	wait $p2 || r2=$?
	legs_speed r61a fast
	echo "message return codes: $r1 $r2"
	[ $r1 != 124 ] && [ $r2 != 124 ] || soft a "a message hung"
	[ $r1 = 0 ] || [ $r2 = 0 ] || soft a "neither ppl message succeeded"
	st=$(dmsetup status r61a)
	echo "status: $st"
	soft_eq a "${st##* }" ppl "policy in the status after two ppl messages"
	after_checks a r61a
	dm_remove r61a
	for i in 0 1 2; do
		soft_eq a "$(ext_policy "${LEG_META[i]}")" 2 "policy recorded on leg $i"
	done
	dm_create r61a "$TABLE"
	st=$(dmsetup status r61a)
	soft_eq a "${st##* }" ppl "policy after activation without the word"
	after_checks a r61a
	dm_remove r61a
}

case_b() {
	local r1=0 r2=0 p1 p2 t_ppl t_check
	wrapped_raid5 r61b
	legs_speed r61b slow
	(
		rc=0
		timeout 120 dmsetup message r61b 0 consistency_policy ppl || rc=$?
		date +%s%N >"$TEST_TMP/t_ppl"
		exit $rc
	) &
	p1=$!
	sleep 0.5
	(
		rc=0
		timeout 120 dmsetup message r61b 0 check || rc=$?
		date +%s%N >"$TEST_TMP/t_check"
		exit $rc
	) &
	p2=$!
	wait $p1 || r1=$?
	wait $p2 || r2=$?
	legs_speed r61b fast
	t_ppl=$(cat "$TEST_TMP/t_ppl")
	t_check=$(cat "$TEST_TMP/t_check")
	echo "return codes: ppl $r1, check $r2; the check returned $(((t_check - t_ppl) / 1000000)) ms after the switch"
	[ $r1 != 124 ] && [ $r2 != 124 ] || soft b "a message hung"
	# The check may be refused (busy) or wait for the switch, which
	# takes seconds on these legs; it may not start while the switch
	# still writes its headers (half a second of slack for the order
	# two processes report in).
	if [ $r1 = 0 ] && [ $r2 = 0 ]; then
		if [ $((t_ppl - t_check)) -gt 500000000 ]; then
			soft b "the check started while the policy switch was under way"
		else
			soft_pass b "the check started after the switch ended"
		fi
	else
		soft_pass b "one of the two was refused (ppl $r1, check $r2)"
	fi
	wait_sync r61b 300
	echo "status: $(dmsetup status r61b)"
	after_checks b r61b
	dm_remove r61b
}

case_c() {
	local round pids p rc wpid end
	load_lock_check
	wrapped_raid5 r61c
	# Writes all along: md's thread has superblocks to write.
	(
		end=$((SECONDS + 240))
		while [ ! -e "$TEST_TMP/stop" ] && [ $SECONDS -lt $end ]; do
			dd if=/dev/urandom of=/dev/mapper/r61c bs=64k count=16 \
				seek=64 oflag=direct status=none || exit 1
		done
	) &
	wpid=$!
	for round in $(seq 1 30); do
		timeout 60 dmsetup message r61c 0 check || true
		sleep "0.0$((RANDOM % 10))"
		pids=()
		timeout 60 dmsetup message r61c 0 idle 2>/dev/null &
		pids+=($!)
		timeout 60 dmsetup message r61c 0 frozen 2>/dev/null &
		pids+=($!)
		if [ $((round % 3)) = 0 ]; then
			(timeout 60 dmsetup suspend r61c && timeout 60 dmsetup resume r61c) &
			pids+=($!)
		fi
		for p in "${pids[@]}"; do
			rc=0
			wait "$p" || rc=$?
			[ $rc != 124 ] || soft c "round $round: a message or suspend hung"
		done
		dmsetup info r61c | grep -q "State: *ACTIVE" || dmsetup resume r61c
		timeout 60 dmsetup message r61c 0 idle || true
	done
	touch "$TEST_TMP/stop"
	wait $wpid || soft c "the writer failed"
	wait_sync r61c 300
	after_checks c r61c
	dm_remove r61c
	lock_check_verdict c
}

case_d() {
	local i legs="" round bad=0
	load_stock_dmraid
	load_lock_check
	make_legs 3 $MB >/dev/null
	for i in 0 1 2; do
		legs+=" ${LEG_META[i]} ${LEG_DATA[i]}"
	done
	# 1 MiB/s: a check runs for seconds, so "idle" finds its thread.  md
	# throttles only above the minimum rate, which an earlier test may
	# have raised system-wide (compat.sh): the table sets its own.
	dm_create r61d "0 $(( (MB << 11) / 128 * 128 * 2 )) raid raid5_ls 5 64 min_recovery_rate 512 max_recovery_rate 1024 3$legs"
	wait_sync r61d 300
	for round in 1 2 3 4 5 6 7 8 9 10; do
		dmsetup message r61d 0 check
		sleep 0.5
		dmsetup message r61d 0 idle
		bad=$(cat /sys/module/md_lock_check/parameters/violations)
		[ "$bad" = 0 ] || break
	done
	echo "md-lock-check: $bad calls without the reconfig mutex after $round rounds"
	if [ "$bad" -gt 0 ] &&
		dmesg | grep -q "md_reap_sync_thread called from raid_message"; then
		soft_pass d "the checker reports the stock target's unlocked reap"
	else
		soft d "the checker missed the stock target's unlocked reap"
	fi
	dm_remove r61d
}

run_case a "two consistency_policy ppl messages at once" case_a
run_case b "check while a policy switch writes its headers" case_b
run_case c "idle/frozen while the sync thread ends, beside suspends" case_c
run_case d "the lock checker catches the stock target's unlocked reap" case_d
cases_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A mirror whose legs may differ (a crash, recorded dirty, with the regions
# of the writes in flight in its bitmap) gets a leg to recover (issue 11,
# limit H).  md recovers before it resyncs, and a raid1/raid10 recovery
# takes the regions it passes off the bitmap while writing the recovered
# leg only: the resync after it skipped them, and the legs that stayed
# kept their differences for good.  From 1.20.6 the legs to recover wait
# out of the array until the resync has ended.
#  (a) raid1 on 3 legs: leg 1's first 64 KiB differ from leg 0's (a write
#      that reached one leg), the bitmap marks the region, the array is
#      recorded dirty; the table asks `rebuild 2` (leg 2 garbage).  The
#      legs that stay are resynced, then leg 2 recovered: data as leg 0
#      held it, check 0, the kernel log names the wait.  Before 1.20.6:
#      mismatches (leg 1 kept its difference).
#  (b) raid10 near, 2 copies on 4 legs: leg 1 differs from leg 0 in their
#      first chunk, same crash; `rebuild 3`: check 0.
#  (c) as (a), but leg 2 comes back recorded failed by the others instead
#      of rebuilt (a leg that failed before the crash), its first chunk
#      garbage: it waits too and is recovered from the bitmap; check 0.
#  (d) as (a) on a 2-leg raid1 with `rebuild 1`: nothing can differ (one
#      leg is read), leg 1 is recovered at once (no wait in the log).
#  (e) a 3-leg raid1 resyncing after the same crash (leg 1 differs in
#      region 7, the resync rate-limited), leg 2 fails and comes back, and
#      a suspend and resume revives it before the resync reached region 7:
#      it waits for the resync too (review of the first draft: a revived
#      leg was recovered at once, and the resync then skipped region 7);
#      check 0.
# timeout: 900
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cases.sh"

load_raidx raidx
need_testimg
MB=16
WAIT="waiting for the resync"

# crashed N: the first 8 bitmap regions marked and every one of the N legs
# recorded not shut down cleanly.  The bits follow the bitmap's 256-byte
# header at byte 4096 of each metadata device.
crashed() {
	local i
	for ((i = 0; i < $1; i++)); do
		printf '\377' | dd of="${LEG_META[i]}" bs=1 seek=4352 \
			conv=notrunc,fsync status=none
		run "$TESTIMG" poke "${LEG_META[i]}" ext.state=1
	done
}

# garbage LEG SECTORS: the first SECTORS of LEG's data overwritten.
garbage() {
	dd if=/dev/urandom of="${LEG_DATA[$1]}" bs=512 count="$2" \
		oflag=direct status=none
}

# filled N TYPE_AND_PARAMS SECTORS: a new array on N legs, synced, filled;
# sets TABLE_TAIL (the legs) and SHA.
filled() {
	make_legs "$1" $MB >/dev/null
	TABLE_TAIL="$1$(leg_args)"
	dm_create wr "0 $3 raidx $2 $TABLE_TAIL"
	wait_sync wr 300
	write_pattern /dev/mapper/wr wr $(($3 * 512))
	SHA=$(sha_of /dev/mapper/wr)
	dm_remove wr
}

# wait_recovery MARK: the sync is over: the legs that waited (if any did,
# as the kernel log says after MARK) were placed, and their recovery ended.
wait_recovery() {
	local t=0 log
	while [ $t -lt 600 ]; do
		log=$(dmesg | sed -n "/$1/,\$p")
		if grep -q "resync ended: recovering" <<<"$log" ||
			! grep -q "$WAIT" <<<"$log"; then
			break
		fi
		sleep 0.5
		t=$((t + 1))
	done
	wait_sync wr 300
}

# recovered CASE TABLE WANT_WAIT: activate, wait for the resync and the
# recovery, check data and mismatch_cnt, and whether the log names the wait.
recovered() {
	local m="rebuild-waits $1 $RANDOM"
	echo "$m" >/dev/kmsg
	dm_create wr "$2"
	wait_recovery "$m"
	soft_eq "$1" "$(dmsetup status wr | awk '{print $6}')" \
		"$(printf 'A%.0s' $(seq 1 "$4"))" "health after the recovery"
	soft_eq "$1" "$(sha_of /dev/mapper/wr)" "$SHA" "data"
	soft_eq "$1" "$(mismatches wr)" 0 "mismatch_cnt after check"
	dm_remove wr
	if dmesg | sed -n "/$m/,\$p" | grep -q "$WAIT"; then
		soft_eq "$1" yes "$3" "the kernel log names the wait"
	else
		soft_eq "$1" no "$3" "the kernel log names the wait"
	fi
}

case_a() {
	local s=$((MB * 2048))
	filled 3 "raid1 3 0 region_size 1024" $s
	garbage 1 128
	garbage 2 $s
	crashed 3
	recovered a "0 $s raidx raid1 5 0 region_size 1024 rebuild 2 $TABLE_TAIL" yes 3
}

case_b() {
	local s
	s=$(striped_sectors $MB 2)
	filled 4 "raid10 3 128 region_size 1024" "$s"
	garbage 1 128
	garbage 3 $((MB * 2048))
	crashed 4
	recovered b "0 $s raidx raid10 5 128 region_size 1024 rebuild 3 $TABLE_TAIL" yes 4
}

case_c() {
	local s=$((MB * 2048)) i
	filled 3 "raid1 3 0 region_size 1024" $s
	garbage 1 128
	crashed 3
	# legs 0 and 1 record leg 2 failed (bit 2), as md does when a leg fails
	for i in 0 1; do
		run "$TESTIMG" poke "${LEG_META[i]}" failed_devices=4
	done
	garbage 2 128
	recovered c "0 $s raidx raid1 3 0 region_size 1024 $TABLE_TAIL" yes 3
}

case_d() {
	local s=$((MB * 2048))
	filled 2 "raid1 3 0 region_size 1024" $s
	garbage 1 $s
	crashed 2
	recovered d "0 $s raidx raid1 5 0 region_size 1024 rebuild 1 $TABLE_TAIL" no 2
}

case_e() {
	# 8 MiB legs: the rate limit governs the recovery and check too
	local MB=8 i legs="" t st done s
	s=$((MB * 2048))
	make_legs 3 $MB >/dev/null
	for i in 0 1 2; do
		dm_wrap "wr-d$i" "${LEG_DATA[i]}"
		legs+=" ${LEG_META[i]} /dev/mapper/wr-d$i"
	done
	dm_create wr "0 $s raidx raid1 3 0 region_size 1024 3$legs"
	wait_sync wr 300
	write_pattern /dev/mapper/wr wr $((s * 512))
	SHA=$(sha_of /dev/mapper/wr)
	dm_remove wr
	# a write that reached leg 1 only, in region 7 (sector 7168 on)
	dd if=/dev/urandom of=/dev/mapper/wr-d1 bs=512 seek=7168 count=128 \
		oflag=direct status=none
	crashed 3
	# regions 0-7 (4 MiB) at 96 KiB/s: region 7 after about 37 s
	dm_create wr "0 $s raidx raid1 7 0 region_size 1024 min_recovery_rate 64 max_recovery_rate 96 3$legs"
	sleep 1
	dm_swap_error wr-d2
	for t in $(seq 100); do
		[ "$(raid_health wr | cut -c3)" = D ] && break
		sleep 0.2
	done
	soft_eq e "$(raid_health wr | cut -c3)" D "leg 2 failed during the resync"
	dmsetup suspend --noflush wr-d2
	echo "0 $s linear ${LEG_DATA[2]} 0" | run dmsetup load wr-d2
	dmsetup resume wr-d2
	st=$(dmsetup status wr)
	done=$(echo "$st" | awk '{split($7, r, "/"); print r[1]}')
	echo "status before the revive: $st"
	if [ "$done" -ge 7168 ]; then
		soft e "the resync passed region 7 ($done) before the revive: the case proves nothing"
	fi
	# a resume of the array revives its failed legs
	echo "rebuild-waits e revive" >/dev/kmsg
	run dmsetup suspend wr
	run dmsetup resume wr
	wait_recovery "rebuild-waits e revive"
	soft_eq e "$(raid_health wr)" AAA "health after the recovery"
	soft_eq e "$(sha_of /dev/mapper/wr)" "$SHA" "data"
	soft_eq e "$(mismatches wr)" 0 "mismatch_cnt after check"
	dm_remove wr
	if dmesg | sed -n '/rebuild-waits e revive/,$p' | grep -q "$WAIT"; then
		soft_pass e "the kernel log names the wait"
	else
		soft e "no wait for the resync in the kernel log"
	fi
}

run_case a "raid1, 3 legs: rebuild after a crash waits for the resync" case_a
run_case b "raid10 near on 4 legs: rebuild after a crash waits" case_b
run_case c "raid1: a failed leg back after a crash waits" case_c
run_case d "raid1, 2 legs: nothing to wait for" case_d
run_case e "raid1: a leg revived during the resync waits for it" case_e
cases_end

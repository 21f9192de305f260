#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Journal replay after the log has wrapped, stock dm-raid against dm-raidx.
#
# md's journal (raid5-cache) starts replay at rdev->journal_tail and seeds
# its checksums from the array uuid; r5l_write_super() only moves the tail
# in memory and asks the superblock writer to keep it.  The stock target
# keeps neither: every activation replays from sector 0 of the journal with
# a zero seed.  dm-raidx persists both in its superblock extension.
#
# Per target and journal mode, a 3-leg raid5 with an 8 MiB journal:
# clean case, three activations:
#   1. the first MiB (X) is written 16 times with pattern A, 1 MiB O_DIRECT
#      writes: ~24 MiB through the journal, so it wraps;
#   2. X is written once with pattern B; clean removal;
#   3. X is read.  A replay of stale entries would bring A back.
# crash case: A 16 times, then B once, then every device (legs and
# journal, each behind a dm-linear) is suspended with --noflush so nothing
# more reaches it, and copied: the crash image.  Started from it, X must
# read B, the acknowledged write (in writeback mode B may exist only in
# the journal), and `check` must find 0 mismatches.  In writeback mode
# also with B in partial stripes only, which md keeps in the journal
# until reclaim ("data-only" stripes), so only a replay can bring B back.
# dm-raidx must pass both; the stock outcome is printed for the record
# (see the README and the issue notes).
# sync case: the crash image started with 'sync' (initialise the array
# again), which must keep the journal and replay it first (md must report
# data-only stripes recovered; the data legs start zeroed, so B cannot
# come from an earlier case): after a dm-raidx crash (its persisted uuid
# and tail), after a stock crash whose log has not wrapped (no extension:
# the all-zero uuid, sector 0), and after a dm-raidx crash of an array
# the stock target made (the all-zero uuid in the extension).  Before
# 1.20.3 dm-raidx gave the last two a new random uuid there, md
# discarded the log, and B with it.
#
# Removing a writeback array whose cache holds stripes can deadlock in md:
# md_stop_writes() quiesces raid5 holding the reconfig mutex, the journal's
# reclaim, moving the tail on a journal that can discard, flags a
# superblock update only that mutex allows, and raid5 handles no stripe
# until it is done.  dm-raidx empties the cache first (raidx-md.c); the
# stock target hangs there for good.  So dm-raidx runs on loop journals,
# which discard and on which it hung before that fix, and runs its
# partial-stripe case three times; the stock target runs on journals with
# discard turned off, so that its outcomes can be printed at all.
# timeout: 1200
# stock-warnings: allowed (removing a journaled stock array WARNs in
# kthread_park: its raid_dtr parks the journal reclaim thread that
# its postsuspend already parked)
. "$(dirname "$0")/../lib/common.sh"

load_stock_dmraid
load_raidx raidx
MB=16
n=3
X=$((1 << 20))
raid5_journal_legs $n $MB 8
dev=/dev/mapper/jw

# no_discard DEV: the loop device DEV stops offering discard, and so does
# every dm device later stacked on it.
no_discard() {
	local q
	q=/sys/block/$(basename "$(readlink -f "$1")")/queue/discard_max_bytes
	echo 0 >"$q"
	[ "$(cat "$q")" = 0 ] || fail "$1: discard still on"
}

# wipe: metadata, journal and data, so X reads B after a crash only if
# B reached the legs or the journal replay brought it back.
wipe() {
	local d
	for d in "${LEG_META[@]}" "$JDEV" "${LEG_DATA[@]}"; do
		dd if=/dev/zero of="$d" bs=1M oflag=direct status=none 2>/dev/null || true
	done
}

# x_state [EXPECTED_SHA]: yes (B, or what B left), stale-A, or other, for
# what X reads now.
x_state() {
	local sha
	sha=$(sha_of $dev $X)
	if [ "$sha" = "${1:-$(pattern_sha 82 $X)}" ]; then echo yes
	elif [ "$sha" = "$(pattern_sha 81 $X)" ]; then echo stale-A
	else echo other
	fi
}

# check_mismatch: mismatch_cnt after a check, once any resync is over
# (md refuses a check while one is due); "refused" if md did.
check_mismatch() {
	wait_sync jw 300
	run dmsetup message jw 0 check >&2 || { echo refused; return; }
	sleep 1
	wait_sync jw 300
	raid_field jw 9
}

# journal_case TARGET MODE: sets X_SHA_OK (yes: B survived) and MISMATCH.
journal_case() {
	local target=$1 mode=$2 table i
	wipe
	table="0 $sectors $target raid5_ls 5 128 journal_dev $JDEV journal_mode $mode $n$legs"

	dm_create jw "$table"
	wait_sync jw 300
	for ((i = 0; i < 16; i++)); do
		write_pattern $dev 81 $X
	done
	assert_eq "$(sha_of $dev $X)" "$(pattern_sha 81 $X)" "$target $mode: A written"
	dm_remove jw

	dm_create jw "$table"
	assert_eq "$(sha_of $dev $X)" "$(pattern_sha 81 $X)" "$target $mode: A after reactivation"
	write_pattern $dev 82 $X
	assert_eq "$(sha_of $dev $X)" "$(pattern_sha 82 $X)" "$target $mode: B written"
	dm_remove jw

	dm_create jw "$table"
	X_SHA_OK=$(x_state)
	MISMATCH=$(check_mismatch)
	echo "result: clean target=$target mode=$mode X_after_third_activation=$X_SHA_OK mismatch_cnt=$MISMATCH"
	dm_remove jw
}

WRAPPERS="jw-j jw-m0 jw-d0 jw-m1 jw-d1 jw-m2 jw-d2"

resume_wrappers() {
	local f
	for f in $WRAPPERS; do
		dmsetup resume "$f" 2>/dev/null || true
	done
}

# write_b_partial: B into the first 64 KiB (one chunk, one data leg) of
# each 128 KiB of X, so every stripe it touches stays partial: in writeback
# mode such stripes wait in the journal (md's "data-only" stripes).  Prints
# the sha256 X must then read.
write_b_partial() {
	local i
	_pattern 81 $X >"$TEST_TMP/xA"
	_pattern 82 $X >"$TEST_TMP/xB"
	for ((i = 0; i < X / 65536; i += 2)); do
		dd if="$TEST_TMP/xB" of=$dev bs=64k skip=$i seek=$i count=1 \
			oflag=direct status=none
		dd if="$TEST_TMP/xB" of="$TEST_TMP/xA" bs=64k skip=$i seek=$i \
			count=1 conv=notrunc status=none
	done
	sha256sum <"$TEST_TMP/xA" | cut -d' ' -f1
}

# crash_case TARGET MODE [HOW [THEN]]: sets CRASH_X (yes: B survived),
# CRASH_MISMATCH, and CRASH_REPLAYED (the data-only stripes md reported
# recovering from the journal).  TARGET runs the array, or BORN,TARGET:
# BORN creates it, TARGET takes it over.  HOW: full (B over all of X),
# partial (B in partial stripes only), or partial-nowrap (the same after
# one write of A, so the journal never wraps).  THEN: the target and
# extra words that start the crash image (default TARGET alone), e.g.
# "raidx sync".
crash_case() {
	local target=${1#*,} born=${1%,*} mode=$2 how=${3:-full} table
	local wrapped="" i f snaps=() mark=${#_CLEANUPS[@]} want="" laps=16
	local then words
	read -r then words <<<"${4:-$target}"
	[ "$how" = partial-nowrap ] && laps=1
	wipe
	for i in 0 1 2; do
		dm_wrap jw-m$i "${LEG_META[i]}"
		dm_wrap jw-d$i "${LEG_DATA[i]}"
		wrapped+=" /dev/mapper/jw-m$i /dev/mapper/jw-d$i"
	done
	dm_wrap jw-j "$JDEV"
	table="raid5_ls 5 128 journal_dev /dev/mapper/jw-j journal_mode $mode $n$wrapped"
	dm_create jw "0 $sectors $born $table"
	# Runs before jw's removal if the test dies while the legs are held.
	on_cleanup resume_wrappers
	wait_sync jw 300
	if [ "$born" != "$target" ]; then
		dm_remove jw
		dm_create jw "0 $sectors $target $table"
		wait_sync jw 300
	fi
	for ((i = 0; i < laps; i++)); do
		write_pattern $dev 81 $X
	done
	if [ "$how" != full ]; then
		want=$(write_b_partial)
	else
		write_pattern $dev 82 $X
	fi

	# The crash: nothing more reaches any device from here on.
	for f in $WRAPPERS; do
		dmsetup suspend --noflush --nolockfs $f
	done
	for f in meta0 data0 meta1 data1 meta2 data2 journal; do
		cp --sparse=always "$TEST_TMP/$f" "$TEST_TMP/$f.crash"
		snaps+=("$(losetup -f --show "$TEST_TMP/$f.crash")")
		on_cleanup losetup -d "${snaps[-1]}"
	done
	[ "$then" = raidx ] || no_discard "${snaps[6]}"
	resume_wrappers
	dm_remove jw

	klog_mark	# a mark of its own: the last restart's log starts there
	dm_create jw "0 $sectors $then raid5_ls $((5 + $(wc -w <<<"$words"))) 128 ${words:+$words }journal_dev ${snaps[6]} journal_mode $mode $n ${snaps[*]:0:6}"
	CRASH_X=$(x_state "$want")
	CRASH_MISMATCH=$(check_mismatch)
	CRASH_REPLAYED=$(klog_since | sed -n 's/.*recovering \([0-9]*\) data-only stripes.*/\1/p' | head -1)
	CRASH_REPLAYED=${CRASH_REPLAYED:-0}
	echo "result: crash ($how B) target=$target, started by $then${words:+ $words} mode=$mode X_after_crash=$CRASH_X mismatch_cnt=$CRASH_MISMATCH replayed_data_only_stripes=$CRASH_REPLAYED"
	dm_remove jw
	undo_since "$mark"
	rm -f "$TEST_TMP"/*.crash
}

for mode in writethrough writeback; do
	journal_case raidx $mode
	assert_eq "$X_SHA_OK" yes "dm-raidx $mode: the last write survives"
	assert_eq "$MISMATCH" 0 "dm-raidx $mode: mismatch_cnt"
	crash_case raidx $mode
	assert_eq "$CRASH_X" yes "dm-raidx $mode, crash: the acknowledged write survives"
	assert_eq "$CRASH_MISMATCH" 0 "dm-raidx $mode, crash: mismatch_cnt"
	pass "dm-raidx $mode: replay starts at the persisted tail, clean and after a crash"
done
for round in 1 2 3; do
	crash_case raidx writeback partial
	assert_eq "$CRASH_X" yes "dm-raidx writeback, crash with partial stripes cached ($round): B survives"
	assert_eq "$CRASH_MISMATCH" 0 "dm-raidx writeback, partial stripes ($round): mismatch_cnt"
done
pass "dm-raidx writeback: partial stripes held in the journal survive a crash, removal with them cached does not hang"
crash_case raidx writeback partial "raidx sync"
[ "$CRASH_REPLAYED" -gt 0 ] || fail "dm-raidx writeback crash, started with 'sync': md replayed no data-only stripes"
assert_eq "$CRASH_X" yes "dm-raidx writeback crash, started with 'sync': B survives"
assert_eq "$CRASH_MISMATCH" 0 "dm-raidx writeback crash, started with 'sync': mismatch_cnt"
pass "dm-raidx writeback: 'sync' after a crash replays the journal first"

no_discard "$JDEV"
STOCK_RESULT=()
for mode in writethrough writeback; do
	journal_case raid $mode
	crash_case raid $mode
	STOCK_RESULT+=("$mode: clean X=$X_SHA_OK mismatch=$MISMATCH, crash X=$CRASH_X mismatch=$CRASH_MISMATCH")
done
crash_case raid writeback partial
STOCK_RESULT+=("writeback, partial stripes: crash X=$CRASH_X mismatch=$CRASH_MISMATCH")
crash_case raid writeback partial-nowrap "raidx sync"
[ "$CRASH_REPLAYED" -gt 0 ] || fail "stock writeback crash, started by dm-raidx with 'sync': md replayed no data-only stripes"
assert_eq "$CRASH_X" yes "stock writeback crash, started by dm-raidx with 'sync': B survives"
assert_eq "$CRASH_MISMATCH" 0 "stock writeback crash, started by dm-raidx with 'sync': mismatch_cnt"
pass "stock writeback crash: dm-raidx 'sync' keeps the all-zero uuid and replays the journal"
crash_case raid,raidx writeback partial "raidx sync"
[ "$CRASH_REPLAYED" -gt 0 ] || fail "stock-made array, dm-raidx writeback crash, 'sync': md replayed no data-only stripes"
assert_eq "$CRASH_X" yes "stock-made array, dm-raidx writeback crash, 'sync': B survives"
assert_eq "$CRASH_MISMATCH" 0 "stock-made array, dm-raidx writeback crash, 'sync': mismatch_cnt"
pass "stock-made array run by dm-raidx: 'sync' after a crash keeps the all-zero uuid and replays the journal"
printf 'stock dm-raid outcome: %s\n' "${STOCK_RESULT[@]}"
echo "journal wrap: all checks passed"

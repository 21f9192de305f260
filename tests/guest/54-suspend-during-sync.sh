#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Suspending or removing an array while md syncs it never hangs (found by
# the table fuzzer, test 53).  md_stop_writes() stops a sync thread and
# quiesces raid4/5/6 holding md's reconfig mutex; the sync thread's end
# and raid5's stripe handling can wait for a superblock update that needs
# that mutex.  dm-raidx stops the sync thread unlocked and drains the
# array with md's suspend first.  Each case runs a few rounds, every
# dmsetup call bounded by `timeout` (a hang fails the case at once, and
# the guest agent prints the blocked tasks):
#  a) a journaled raid5 (writethrough) and raid6 (writeback) removed
#     during their first resync, right after a few writes;
#  b) a PPL raid5 under a writer: `idle`, `repair`, then a reload that
#     changes max_recovery_rate, suspend and resume, while the repair runs;
#  c) a resync raid5 under a writer, suspended and resumed during `check`.
# Afterwards the data written before each round reads back and `check`
# finds no mismatch.
# timeout: 500
. "$(dirname "$0")/../lib/common.sh"

load_raidx
MB=16
n=3
MIB=$((1 << 20))
BYTES=$((2 * MIB))
LIMIT=60	# seconds any single dmsetup call may take

# bounded CMD...: run with a time limit; a hang is a failure.
bounded() {
	timeout "$LIMIT" "$@" || fail "hung or failed (${LIMIT}s): $*"
}

# try CMD...: may be refused (a sync action already runs), must not hang.
try() {
	local rc=0
	timeout "$LIMIT" "$@" 2>/dev/null || rc=$?
	[ "$rc" != 124 ] || fail "hung (${LIMIT}s): $*"
}

# writer DEV: rewrite one MiB past the checked data until killed.
writer() {
	(while _pattern w "$MIB" | dd of="$1" bs=64k seek=$((BYTES / 65536)) \
		iflag=fullblock oflag=direct status=none 2>/dev/null; do :; done) &
	WRITER=$!
	on_cleanup kill "$WRITER"
}

mismatches() {
	bounded dmsetup message "$1" 0 check
	sleep 1
	wait_sync "$1" 300
	raid_field "$1" 9
}

# ---- a) journal arrays removed during their first resync ----------------
# As the fuzzer's reproducers: create, three 64 KiB writes, remove, while
# md resyncs at full speed (raid5 writethrough) and on a raid6 writeback.
journal_rounds() {
	local type=$1 n=$2 mode=$3 round
	raid5_journal_legs "$n" $MB 16
	sectors=$(striped_sectors $MB $((n - ${4:-1})))
	for round in 1 2 3 4 5; do
		for m in "${LEG_META[@]}" "$JDEV"; do
			dd if=/dev/zero of="$m" bs=1M count=4 oflag=direct status=none
		done
		bounded dmsetup create sd --table \
			"0 $sectors raid $type 7 64 region_size 4096 journal_dev $JDEV journal_mode $mode $n$legs"
		write_pattern /dev/mapper/sd "a$round" $((3 * 65536))
		bounded dmsetup remove sd
	done
	pass "a: $type $mode journal array removed during its first resync, 5 rounds"
}
journal_rounds raid5_la 5 writethrough
undo_since 0
load_raidx
journal_rounds raid6_rs_6 6 writeback 2

# ---- b) PPL array: repair, then a reload and suspend under I/O -------------
undo_since 0
load_raidx
make_legs $n $MB >/dev/null
legs=$(leg_args)
OFF=2048
sectors=$(( ((MB << 11) - OFF) / 128 * 128 * (n - 1) ))
ppl="0 $sectors raid raid5_ls 5 64 consistency_policy ppl data_offset $OFF"
bounded dmsetup create sp --table "$ppl $n$legs"
dev=/dev/mapper/sp
write_pattern $dev b $BYTES
wait_sync sp 300
writer $dev
for round in 1 2 3; do
	try dmsetup message sp 0 idle
	try dmsetup message sp 0 repair
	echo "$ppl max_recovery_rate $((1000 + round)) $n$legs" |
		sed "s/ 5 64 / 7 64 /" | bounded dmsetup reload sp
	bounded dmsetup suspend sp
	bounded dmsetup resume sp
	sleep 1
done
kill "$WRITER"; wait "$WRITER" 2>/dev/null || true
wait_sync sp 300
assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha b $BYTES)" "b: data after the rounds"
assert_eq "$(mismatches sp)" 0 "b: mismatches after check"
bounded dmsetup remove sp
pass "b: PPL array: repair + reload + suspend under I/O, 3 rounds, no hang"

# ---- c) resync array: suspend and resume during check under I/O -----------
undo_since 0
load_raidx
make_legs $n $MB >/dev/null
legs=$(leg_args)
sectors=$(( (MB << 11) / 128 * 128 * (n - 1) ))
bounded dmsetup create sc --table "0 $sectors raid raid5_ls 3 64 max_recovery_rate 1024 $n$legs"
dev=/dev/mapper/sc
write_pattern $dev c $BYTES
wait_sync sc 300
writer $dev
for round in 1 2 3; do
	try dmsetup message sc 0 check
	sleep 0.5
	bounded dmsetup suspend sc
	bounded dmsetup resume sc
done
kill "$WRITER"; wait "$WRITER" 2>/dev/null || true
wait_sync sc 300
assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha c $BYTES)" "c: data after the rounds"
assert_eq "$(mismatches sc)" 0 "c: mismatches after check"
bounded dmsetup remove sc
pass "c: resync array suspended during check under I/O, 3 rounds, no hang"
echo "suspend during sync: all checks passed"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A journal joining an array that ran without one starts a log of its own.
# md replays whatever valid log it finds where the superblocks say the log
# starts, and its checksums are seeded by the array uuid.  The stock
# target's arrays have the all-zero uuid; so do the superblocks dm-raidx
# keeps for them while they run without a log.  A journal device that
# still holds the log of another such array (LVM does not wipe a journal
# LV it allocates) must not be replayed into this one: the joining journal
# starts an empty log (its first block cleared, so md makes a new one).
#
#  a) array s1 (stock target, journal j) writes pattern 71 through j;
#  b) array s2 (stock target, no journal) runs under dm-raidx without a
#     journal, which writes pattern 72 and records the array (extension,
#     zero uuid);
#  c) s2 under dm-raidx with journal j: the superblocks record the journal
#     at resume, md runs it, s2 still holds pattern 72 with no mismatches;
#     after writes its log has moved past sector 0: the incompat bit;
#  d) the stock target refuses s2 now; dm-raidx reactivates it as it is.
# (A superblock only the stock target wrote cannot tell a journal that
# joins from the stock target's own: dm-raidx does what the stock target
# does, and replays from sector 0 under the all-zero uuid.)
#
# The stock target reads its log from sector 0, every time.  md ends each
# activation's replay with a jump in sequence numbers, so a log that has
# moved on holds at sector 0 a chain of old entries that stops there.
#  e) array s3 (stock target, journal j3) writes pattern 75, then runs
#     under dm-raidx, which writes pattern 76: the stock target refuses s3
#     (it would replay pattern 75 over 76), its superblocks record the
#     tail (not 0) and the incompat bit;
#  f) dm-raidx reads pattern 76 from s3, and check finds no mismatches.
# The array keeps its uuid when a journal joins, so legs that missed it
# still belong to it:
#  g) a journal joins while leg 3 is missing; leg 3 comes back and is
#     recovered, the data intact;
#  h) the first superblock write after a join cut short (leg 2 still says
#     resync, one event behind): the array assembles, data intact.
# A journal joins a running array by a reload (LVM reloads the live
# array), and md starts the new table only in preresume:
#  i) s6 (made by the stock target, run by dm-raidx: all-zero uuid) gets
#     journal j6, which holds the stock array s6a's log, by `dmsetup
#     load; suspend; resume` of the live device: nothing replayed, the
#     superblocks record the journal, s6's data intact, check 0.
# timeout: 600
# stock-warnings: allowed (removing a journaled stock array WARNs in
# kthread_park: its raid_dtr parks the journal reclaim thread that its
# postsuspend already parked)
. "$(dirname "$0")/../lib/common.sh"

load_stock_dmraid
load_raidx raidx
MB=16
BYTES=$((2 << 20))

# legs_of VAR PREFIX: four legs of MB MiB (make_legs, files named by
# PREFIX, so each array keeps its own) as table words in VAR (make_legs
# not in a command substitution: its cleanups would be lost).
legs_of() {
	make_legs 4 "$MB" "$2-" >/dev/null
	printf -v "$1" '%s' "$(leg_args)"
}

# journal VAR NAME: a 16 MiB journal device without discard.  md discards
# the log space it reclaims where the device can; without, the log stays
# on the device as a reused LV's would (and a journal on a disk that
# cannot discard).
journal() {
	new_loop "$1" "$TEST_TMP/$2" 16
	echo 0 >"/sys/block/$(basename "${!1}")/queue/discard_max_bytes"
}

journal JDEV journal
sectors=$(striped_sectors $MB 3)

# joined NAME META0 SEED, after a journal joined NAME (klog_mark before):
# md replayed nothing (it logs what it replays), leg 0's superblock
# records the journal (at resume, before any write can be acknowledged),
# md runs it, NAME holds pattern SEED and check finds no mismatches.
joined() {
	local replayed
	replayed=$(klog_since | grep -c 'md/raid:.*recovering' || true)
	assert_eq "$replayed" 0 "md replay lines when the journal joined $1"
	assert_eq "$(sb_field "$2" 160 4)" 1 "$1's recorded policy once resumed (journal)"
	assert_eq "$(raid_field "$1" 11)" A "$1's journal character (md runs the journal)"
	assert_eq "$(sha_of "/dev/mapper/$1" "$BYTES")" "$(pattern_sha "$3" "$BYTES")" \
		"$1's data after the journal joined (another array's log replayed into it?)"
	assert_eq "$(mismatches "$1")" 0 "$1's mismatch_cnt after check"
}

# zero_uuid_array NAME LEGS SEED: a raid5 the stock target made (synced),
# then written (pattern SEED) by dm-raidx without a journal: a write makes
# dm-raidx record the array, its extension with the all-zero uuid.  Left
# running.
zero_uuid_array() {
	dm_create "$1" "0 $sectors raid raid5_ls 1 128 4$2"
	wait_sync "$1" 200
	dm_remove "$1"
	dm_create "$1" "0 $sectors raidx raid5_ls 1 128 4$2"
	write_pattern "/dev/mapper/$1" "$3" "$BYTES"
}

# ---- a) -------------------------------------------------------------------
legs_of legs1 s1
dm_create s1 "0 $sectors raid raid5_ls 3 128 journal_dev $JDEV 4$legs1"
wait_sync s1 200
write_pattern /dev/mapper/s1 71 "$BYTES"
dm_remove s1
magic=$(dd if="$JDEV" bs=4096 count=1 iflag=direct status=none | od -An -tx4 -N4 | tr -d ' ')
assert_eq "$magic" 6433c509 "s1's log at the start of the journal device (r5l meta magic)"
pass "a: the stock target's journal holds s1's log"

# ---- b) -------------------------------------------------------------------
legs_of legs2 s2
zero_uuid_array s2 "$legs2" 72
dm_remove s2
meta0=$(echo "$legs2" | awk '{print $1}')
assert_eq "$(sb_field "$meta0" 152 4)" $((0x78446152)) "s2's extension magic"
assert_eq "$(sb_field "$meta0" 160 4)" 0 "s2's recorded policy (resync)"
assert_eq "$(sb_field "$meta0" 168 8)$(sb_field "$meta0" 176 8)" 00 "s2's recorded uuid"
pass "b: s2 ran under dm-raidx without a journal, all-zero uuid"

# ---- c) -------------------------------------------------------------------
klog_mark
dm_create s2 "0 $sectors raidx raid5_ls 3 128 journal_dev $JDEV 4$legs2"
# before 1.20.4 md logged "recovering 0 data-only stripes and 192
# data-parity stripes": s1's log, over s2's data
joined s2 "$meta0" 72
write_pattern /dev/mapper/s2 73 "$BYTES"
dm_remove s2
assert_eq "$(sb_field "$meta0" 168 8)$(sb_field "$meta0" 176 8)" 00 "s2's uuid (kept)"
tail=$(sb_field "$meta0" 184 8)
[ "$tail" -gt 0 ] || fail "c: s2's journal tail is $tail after writes and a clean stop"
incompat=$(sb_field "$meta0" 144 4)
[ $((incompat & 2)) -ne 0 ] || fail "c: tail $tail, incompat_features $incompat lacks the journal bit"
pass "c: the joining journal started an empty log, s1's was not replayed"

# ---- d) -------------------------------------------------------------------
expect_table_rejected "0 $sectors raid raid5_ls 3 128 journal_dev $JDEV 4$legs2" \
	"No incompatible feature flags supported yet"
dm_create s2 "0 $sectors raidx raid5_ls 3 128 journal_dev $JDEV 4$legs2"
assert_eq "$(sha_of /dev/mapper/s2 "$BYTES")" "$(pattern_sha 73 "$BYTES")" "s2's data reactivated"
dm_remove s2
pass "d: stock refuses s2, dm-raidx reactivates it"

# ---- e) -------------------------------------------------------------------
journal J3 journal3
legs_of legs3 s3
dm_create s3 "0 $sectors raid raid5_ls 3 128 journal_dev $J3 4$legs3"
wait_sync s3 200
write_pattern /dev/mapper/s3 75 "$BYTES"
dm_remove s3
dm_create s3 "0 $sectors raidx raid5_ls 3 128 journal_dev $J3 4$legs3"
write_pattern /dev/mapper/s3 76 "$BYTES"
dm_remove s3
# What the stock target would make of s3 (for the record), then the checks.
if echo "0 $sectors raid raid5_ls 3 128 journal_dev $J3 4$legs3" |
	dmsetup create s3-stock 2>/dev/null; then
	case $(sha_of /dev/mapper/s3-stock "$BYTES") in
	"$(pattern_sha 75 "$BYTES")") seen="pattern 75: the old log replayed over 76" ;;
	"$(pattern_sha 76 "$BYTES")") seen="pattern 76" ;;
	*) seen="neither pattern" ;;
	esac
	dm_remove s3-stock
	fail "e: the stock target took s3 and read $seen"
fi
expect_table_rejected "0 $sectors raid raid5_ls 3 128 journal_dev $J3 4$legs3" \
	"No incompatible feature flags supported yet"
meta3=$(echo "$legs3" | awk '{print $1}')
assert_eq "$(sb_field "$meta3" 168 8)$(sb_field "$meta3" 176 8)" 00 "s3's uuid (the stock target's)"
tail=$(sb_field "$meta3" 184 8)
[ "$tail" -gt 0 ] || fail "e: s3's recorded journal tail is $tail, expected past sector 0"
incompat=$(sb_field "$meta3" 144 4)
[ $((incompat & 2)) -ne 0 ] ||
	fail "e: journal tail $tail recorded, but incompat_features $incompat lacks the journal bit"
pass "e: s3's log moved on to sector $tail: the incompat bit, the stock target refuses s3"

# ---- f) -------------------------------------------------------------------
dm_create s3 "0 $sectors raidx raid5_ls 3 128 journal_dev $J3 4$legs3"
assert_eq "$(sha_of /dev/mapper/s3 "$BYTES")" "$(pattern_sha 76 "$BYTES")" "s3's data under dm-raidx"
assert_eq "$(mismatches s3)" 0 "s3's mismatch_cnt after check"
dm_remove s3
pass "f: dm-raidx reads what it wrote to s3"

# ---- g) -------------------------------------------------------------------
# A journal joins while leg 3 is missing; leg 3 comes back without rebuild.
legs_of legs4 s4
journal J4 journal4
part4=$(echo "$legs4" | awk '{print " " $1 " " $2 " " $3 " " $4 " " $5 " " $6}')
dm_create s4 "0 $sectors raidx raid5_ls 1 128 4$legs4"
wait_sync s4 200
dm_remove s4
dm_create s4 "0 $sectors raidx raid5_ls 3 128 journal_dev $J4 4$part4 - -"
write_pattern /dev/mapper/s4 77 "$BYTES"
dm_remove s4
dm_create s4 "0 $sectors raidx raid5_ls 3 128 journal_dev $J4 4$legs4"
wait_sync s4 200
assert_eq "$(raid_field s4 6)" AAAA "s4's health once leg 3 is back"
assert_eq "$(sha_of /dev/mapper/s4 "$BYTES")" "$(pattern_sha 77 "$BYTES")" "s4's data"
assert_eq "$(mismatches s4)" 0 "s4's mismatch_cnt after check"
dm_remove s4
pass "g: a leg that missed the journal's joining comes back"

# ---- h) -------------------------------------------------------------------
# The first superblock write after the join cut short: leg 2 still
# records the array without a journal, one event behind.
legs_of legs5 s5
journal J5 journal5
meta52=$(echo "$legs5" | awk '{print $5}')
dm_create s5 "0 $sectors raidx raid5_ls 1 128 4$legs5"
write_pattern /dev/mapper/s5 78 "$BYTES"
dm_remove s5
dd if="$meta52" of="$TEST_TMP/meta52" bs=4096 count=1 iflag=direct status=none
dm_create s5 "0 $sectors raidx raid5_ls 3 128 journal_dev $J5 4$legs5"
dm_remove s5
dd if="$TEST_TMP/meta52" of="$meta52" bs=4096 count=1 oflag=direct status=none
assert_eq "$(sb_field "$meta52" 160 4)" 0 "leg 2's recorded policy (resync, as before the join)"
dm_create s5 "0 $sectors raidx raid5_ls 3 128 journal_dev $J5 4$legs5"
assert_eq "$(sha_of /dev/mapper/s5 "$BYTES")" "$(pattern_sha 78 "$BYTES")" "s5's data"
wait_sync s5 200
assert_eq "$(mismatches s5)" 0 "s5's mismatch_cnt after check"
dm_remove s5
pass "h: a join whose first superblock write was cut short still assembles"
# ---- i) -------------------------------------------------------------------
journal J6 journal6
legs_of legs6a s6a
dm_create s6a "0 $sectors raid raid5_ls 3 128 journal_dev $J6 4$legs6a"
wait_sync s6a 200
write_pattern /dev/mapper/s6a 79 "$BYTES"
dm_remove s6a
legs_of legs6 s6
meta6=$(echo "$legs6" | awk '{print $1}')
zero_uuid_array s6 "$legs6" 80
assert_eq "$(sb_field "$meta6" 168 8)$(sb_field "$meta6" 176 8)" 00 "s6's recorded uuid"
klog_mark
run dmsetup load s6 --table "0 $sectors raidx raid5_ls 3 128 journal_dev $J6 4$legs6"
run dmsetup suspend s6
run dmsetup resume s6
joined s6 "$meta6" 80
dm_remove s6
pass "i: a journal joining by a live reload started an empty log"
echo "journal joins: all checks passed"

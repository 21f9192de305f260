#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Consistency-policy edge states (issue 11, items 5 and 10):
#  a) a journal_dev added to an existing resync array: the status shows
#     the journal, and the superblock records policy journal (1), not the
#     old resync the array no longer runs;
#  b) a writeback journal started degraded runs writethrough (as md does,
#     'A') but keeps writeback recorded: the whole array, activated
#     again, runs writeback ('a');
#  c) concurrent messages on one raid5: two `consistency_policy ppl` and a
#     `check` at once, then `resync` and `check` at once, a few rounds:
#     no hang, status and superblocks agree on the policy afterwards, data
#     intact, check 0;
#  d) loading dm-raidx as "raid" while the stock dm_raid holds the name
#     fails with a message saying what to do.
# timeout: 420
. "$(dirname "$0")/../lib/common.sh"

MB=16
n=4
BYTES=$((2 << 20))

# ext_policy META: the consistency_policy the extension records (raid_dump).
ext_policy() {
	"$TOP/tools/raidx_tools" raid_dump "$1" 2>/dev/null |
		sed -n 's/.*<ext [^>]*consistency_policy="\([0-9]*\)".*/\1/p' | head -1
}

load_raidx
raid5_journal_legs $n $MB 16
plain="0 $sectors raid raid5_ls 1 64 $n$legs"
jdev="0 $sectors raid raid5_ls 3 64 journal_dev $JDEV $n$legs"

# ---- a) journal added to a resync array --------------------------------------
dm_create pe "$plain"
write_pattern /dev/mapper/pe a $BYTES
wait_sync pe 300
dm_remove pe
dm_create pe "$jdev"
assert_eq "$(raid_field pe 11)" A "a: journal character"
write_pattern /dev/mapper/pe a2 $BYTES
dm_remove pe
assert_eq "$(ext_policy "${LEG_META[0]}")" 1 "a: policy the superblock records (1 = journal)"
pass "a: journal added to a resync array is recorded as journal"

# ---- b) writeback asked for, started degraded --------------------------------
dm_create pe "0 $sectors raid raid5_ls 5 64 journal_dev $JDEV journal_mode writeback $n$legs"
assert_eq "$(raid_field pe 11)" a "b: writeback on the whole array"
dm_remove pe
deg=""
for ((i = 0; i < n - 1; i++)); do deg+=" ${LEG_META[i]} ${LEG_DATA[i]}"; done
dm_create pe "0 $sectors raid raid5_ls 3 64 journal_dev $JDEV $n$deg - -"
assert_eq "$(raid_field pe 11)" A "b: degraded: md runs writethrough"
dm_remove pe
# The leg that was missing comes back recovering; md runs writethrough
# while the array is degraded, so the mode shows on the next activation.
dm_create pe "$jdev"
wait_sync pe 300
dm_remove pe
dm_create pe "$jdev"
assert_eq "$(raid_field pe 11)" a "b: whole again: the recorded writeback runs"
assert_eq "$(sha_of /dev/mapper/pe $BYTES)" "$(pattern_sha a2 $BYTES)" "b: data"
dm_remove pe
pass "b: a degraded start does not overwrite the recorded writeback"

# ---- c) concurrent messages --------------------------------------------------
undo_since 0
load_raidx
make_legs 3 $MB >/dev/null
legs=$(leg_args)
sectors=$(striped_sectors $MB 2)
dm_create pc "0 $sectors raid raid5_ls 1 64 3$legs"
write_pattern /dev/mapper/pc c $BYTES
wait_sync pc 300
for round in 1 2 3; do
	timeout 120 dmsetup message pc 0 consistency_policy ppl 2>/dev/null &
	p1=$!
	timeout 120 dmsetup message pc 0 consistency_policy ppl 2>/dev/null &
	p2=$!
	timeout 120 dmsetup message pc 0 check 2>/dev/null &
	p3=$!
	for p in $p1 $p2 $p3; do
		rc=0; wait $p || rc=$?
		[ $rc != 124 ] || fail "c: round $round: a message hung"
	done
	wait_sync pc 300
	st=$(dmsetup status pc)
	timeout 120 dmsetup message pc 0 consistency_policy resync 2>/dev/null &
	p1=$!
	timeout 120 dmsetup message pc 0 check 2>/dev/null &
	p2=$!
	for p in $p1 $p2; do
		rc=0; wait $p || rc=$?
		[ $rc != 124 ] || fail "c: round $round: a message hung"
	done
	wait_sync pc 300
	echo "round $round: after ppl: $st; now: $(dmsetup status pc)"
done
# What the status shows is what the superblocks record.
want=0
dmsetup status pc | grep -q " ppl$" && want=2
dm_remove pc
for m in "${LEG_META[@]}"; do
	assert_eq "$(ext_policy "$m")" $want "c: recorded policy on $m"
done
dm_create pc "0 $sectors raid raid5_ls 1 64 3$legs"
assert_eq "$(sha_of /dev/mapper/pc $BYTES)" "$(pattern_sha c $BYTES)" "c: data"
dmsetup message pc 0 check
sleep 1
wait_sync pc 300
assert_eq "$(raid_field pc 9)" 0 "c: mismatches"
dm_remove pc
pass "c: concurrent policy and sync messages: no hang, policy recorded as run"

# ---- d) the name taken by the stock target -----------------------------------
undo_since 0
modprobe dm-raid
mark="55-policy-edges: load over stock"
echo "$mark" >/dev/kmsg
if insmod "$RAIDX_KO" 2>/dev/null; then
	rmmod dm_raidx
	fail "d: dm-raidx registered \"raid\" beside the stock target"
fi
dmesg | sed -n "/$mark/,\$p" | grep -q "use target_name=raidx" ||
	fail "d: the refusal does not say what to do"
modprobe -r dm-raid
pass "d: loading over the stock target says to unload it or rename"
echo "policy edges: all checks passed"

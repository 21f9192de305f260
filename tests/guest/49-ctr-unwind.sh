#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every late failure of the constructor unwinds completely (issue 11,
# item 7), and a reload whose start fails in preresume can be undone:
#  a) a journaled raid5 whose stripe_cache md refuses (over 32768): md has
#     run and started when the stripe cache is set; refused with the stripe
#     cache named, nothing left behind, no WARN (before the fix md_stop()
#     ran on the already suspended array and parked the journal's reclaim
#     thread twice);
#  b) a resync raid5 whose bitmap header is damaged: md_run() fails after
#     the personality started (the bitmap comes last); refused, nothing
#     left behind; with the header put back it activates, data intact;
#  c) the same bad stripe_cache in a reload of the live array: the load is
#     analysed provisionally and accepted, the resume fails and says why
#     in the kernel log, and reloading the good table brings the array
#     back with its data;
#  d) the module unloads at the end: nothing kept a reference.
# timeout: 400
. "$(dirname "$0")/../lib/common.sh"

load_raidx
MB=16
n=3
BYTES=$((2 << 20))
raid5_journal_legs $n $MB 16
dev=/dev/mapper/uw

# ---- a) late failure after md_run()+md_start(): the stripe cache --------
good="0 $sectors raid raid5_ls 3 128 journal_dev $JDEV $n$legs"
bad="0 $sectors raid raid5_ls 5 128 journal_dev $JDEV stripe_cache 40000 $n$legs"
dm_create uw "$good"
write_pattern $dev 41 $BYTES
wait_sync uw 300
dm_remove uw
expect_table_rejected "$bad" "Failed to set raid4/5/6 stripe cache size"
dm_create uw "$good"
assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha 41 $BYTES)" "a: data after the refused table"
dm_remove uw
pass "a: stripe cache refusal unwound (no WARN, nothing left)"

# ---- c) the same failure in preresume of a reload ------------------------
dm_create uw "$good"
echo "49-ctr-unwind: reload c" >/dev/kmsg
echo "$bad" | dmsetup reload uw
if dmsetup resume uw 2>/dev/null; then
	fail "c: resume of a reload md cannot start was accepted"
fi
dmesg | sed -n '/49-ctr-unwind: reload c/,$p' | grep -q "cannot start the reloaded array" ||
	fail "c: the kernel log does not say why the reload did not start"
echo "$good" | dmsetup reload uw
dmsetup resume uw
assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha 41 $BYTES)" "c: data after the good reload"
dmsetup message uw 0 check
wait_sync uw 300
assert_eq "$(raid_field uw 9)" 0 "c: mismatches after check"
dm_remove uw
pass "c: a reload that cannot start is refused at resume and undone by the good table"

# ---- b) md_run() fails after the personality ran: the bitmap -------------
for m in "${LEG_META[@]}" "$JDEV"; do
	dd if=/dev/zero of="$m" bs=1M count=4 oflag=direct status=none
done
good="0 $sectors raid raid5_ls 1 128 $n$legs"
dm_create uw "$good"
write_pattern $dev 42 $BYTES
wait_sync uw 300
dm_remove uw
for i in "${!LEG_META[@]}"; do
	dd if="${LEG_META[i]}" of="$TEST_TMP/bm$i" bs=4096 skip=1 count=1 iflag=direct status=none
	printf 'XXXX' | dd of="${LEG_META[i]}" bs=1 seek=4096 conv=notrunc status=none
done
sync
expect_table_rejected "$good" "Failed to run raid array"
for i in "${!LEG_META[@]}"; do
	dd if="$TEST_TMP/bm$i" of="${LEG_META[i]}" bs=4096 seek=1 count=1 oflag=direct conv=notrunc status=none
done
dm_create uw "$good"
assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha 42 $BYTES)" "b: data after the bitmap was put back"
dm_remove uw
pass "b: md_run() failure after the personality started unwound"

# ---- d) nothing holds the module ------------------------------------------
unload_raidx
pass "d: dm-raidx unloads"
echo "ctr unwind: all checks passed"

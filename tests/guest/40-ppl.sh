#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# consistency_policy ppl on raid5: created with the PPL before data_offset,
# no bitmap, status names the policy, data survives a failed leg, the
# superblock carries the PPL incompat flag so the stock target refuses the
# array, and a reload without the word keeps the policy.
# timeout: 300
. "$(dirname "$0")/../lib/common.sh"

load_stock_dmraid
load_raidx raidx
MB=24
OFF=2048 # sectors before the data: 1 MiB of PPL
n=4
make_legs $n $MB
legs=""
for ((i = 0; i < n; i++)); do
	dm_wrap "ppl-d$i" "${LEG_DATA[i]}"
	legs+=" ${LEG_META[i]} /dev/mapper/ppl-d$i"
done
leg_data=$(( (MB << 11) - OFF ))
leg_data=$(( leg_data / 128 * 128 ))
sectors=$(( leg_data * (n - 1) ))
BYTES=$((8 << 20))

expect_table_rejected "0 $sectors raidx raid6_zr 3 64 consistency_policy ppl $((n))$legs" \
	"consistency_policy ppl needs raid5"
expect_table_rejected "0 $sectors raidx raid5_ls 3 64 consistency_policy ppl $n$legs" \
	"consistency_policy ppl needs data_offset"
expect_table_rejected "0 $sectors raidx raid5_ls 4 64 consistency_policy ppl data_offset $OFF $n$legs" \
	"Invalid number of supplied raid devices"

table="0 $sectors raidx raid5_ls 5 64 consistency_policy ppl data_offset $OFF $n$legs"
dm_create ppl "$table"
assert_match "$(dmsetup status ppl)" " ppl$" "status names the policy"
assert_match "$(dmsetup table ppl)" "consistency_policy ppl" "table names the policy"
write_pattern /dev/mapper/ppl 21 "$BYTES"
wait_sync ppl 240
assert_eq "$(sha_of /dev/mapper/ppl "$BYTES")" "$(pattern_sha 21 "$BYTES")" "data"
dmesg | grep -q "PPL" || true
pass "raid5 with ppl created and synced"

run dmsetup message ppl 0 check
sleep 1
wait_sync ppl 240
assert_eq "$(raid_field ppl 9)" 0 "mismatch_cnt"
pass "check: 0 mismatches"

dm_remove ppl
# Superblock: incompat bit 0x1 (PPL) at byte 144, policy 2 at 152+8.
incompat=$(od -An -tu4 -j144 -N4 "${LEG_META[0]}" | tr -d ' ')
assert_eq "$incompat" 1 "incompat_features"
pass "superblock records PPL as incompatible feature"

expect_table_rejected "0 $sectors raid raid5_ls 1 64 $n$legs" \
	"No incompatible feature flags supported yet"
pass "stock dm-raid refuses the PPL array"

# Reload without the word: the superblock keeps the policy.
dm_create ppl "0 $sectors raidx raid5_ls 1 64 $n$legs"
assert_match "$(dmsetup status ppl)" " ppl$" "policy kept from superblock"
assert_eq "$(sha_of /dev/mapper/ppl "$BYTES")" "$(pattern_sha 21 "$BYTES")" "data after reload"
pass "reload keeps ppl and data"

dm_swap_error ppl-d2
write_pattern /dev/mapper/ppl 22 "$BYTES" || true
sleep 2
assert_match "$(raid_health ppl)" "D" "health"
assert_eq "$(sha_of /dev/mapper/ppl "$BYTES")" "$(pattern_sha 22 "$BYTES")" "degraded data"
pass "degraded ppl array serves data"
echo "ppl: all checks passed"

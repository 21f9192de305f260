#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Queue limits and discards as the stock target sets them: io_min is the
# chunk, io_opt the full stripe; discards pass for raid1/10 (legs that
# discard), and for raid4/5/6 only with devices_handle_discard_safely.
# timeout: 240
. "$(dirname "$0")/../lib/common.sh"

load_raidx
MB=16
PARAM=/sys/module/dm_raidx/parameters/devices_handle_discard_safely

queue() { # queue DMNAME ATTR
	cat "/sys/block/$(basename "$(readlink -f "/dev/mapper/$1")")/queue/$2" 2>/dev/null ||
		cat "/sys/block/dm-$(dmsetup info -c --noheadings -o minor "$1" | tr -d ' ')/queue/$2"
}

make_legs 4 $MB >/dev/null
legs=""
for i in 0 1 2 3; do legs+=" ${LEG_META[i]} ${LEG_DATA[i]}"; done
r5_sectors=$(striped_sectors $MB 3)

dm_create lim5 "0 $r5_sectors raid raid5_ls 1 128 4$legs"
assert_eq "$(queue lim5 minimum_io_size)" 65536 "raid5 io_min = chunk"
assert_eq "$(queue lim5 optimal_io_size)" $((65536 * 3)) "raid5 io_opt = chunk x data legs"
assert_eq "$(queue lim5 discard_max_bytes)" 0 "raid5 discards off by default"
pass "raid5: io_min, io_opt, no discards by default"
dm_remove lim5

echo Y >$PARAM
on_cleanup sh -c "echo N >$PARAM"
dm_create lim5 "0 $r5_sectors raid raid5_ls 1 128 4$legs"
[ "$(queue lim5 discard_max_bytes)" -gt 0 ] || fail "raid5 discards with devices_handle_discard_safely=Y"
pass "raid5: discards behind the safety switch"
dm_remove lim5
echo N >$PARAM

make_legs 2 $MB >/dev/null
dm_create lim1 "0 $((MB << 11)) raid raid1 1 0 2 ${LEG_META[0]} ${LEG_DATA[0]} ${LEG_META[1]} ${LEG_DATA[1]}"
[ "$(queue lim1 discard_max_bytes)" -gt 0 ] || fail "raid1 passes discards"
wait_sync lim1 200
write_pattern /dev/mapper/lim1 51 $((1 << 20))
blkdiscard -o 0 -l $((1 << 20)) /dev/mapper/lim1
pass "raid1: discards pass through"
echo "limits/discard: all checks passed"

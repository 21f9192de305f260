#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest itself works: md/dm modules load, loop devices, dmsetup and
# lvm run, the test helpers behave.  Everything else builds on this.
# timeout: 120
. "$(dirname "$0")/../lib/common.sh"

assert_eq "$(uname -r)" "$KVER" "running kernel"
pass "kernel $KVER"

modprobe -a dm-mod md-mod raid0 raid1 raid10 raid456
load_stock_dmraid
for m in dm_mod md_mod raid1 raid456 dm_raid; do
	lsmod | grep -q "^$m " || fail "module $m not loaded"
done
pass "md and dm modules load"

make_legs 3 16
assert_eq "$(blockdev --getsize64 "${LEG_DATA[0]}")" $((16 << 20)) "leg size"
pass "loop devices: ${LEG_META[*]} ${LEG_DATA[*]}"

# dmsetup: a linear mapping, data written through it reads back the same.
dm_wrap smoke-lin "${LEG_DATA[0]}"
write_pattern /dev/mapper/smoke-lin 7 $((4 << 20))
assert_eq "$(sha_of /dev/mapper/smoke-lin $((4 << 20)))" "$(pattern_sha 7 $((4 << 20)))" \
	"sha through dm-linear"
assert_eq "$(sha_of "${LEG_DATA[0]}" $((4 << 20)))" "$(pattern_sha 7 $((4 << 20)))" \
	"sha of the loop device"
pass "dmsetup linear + data pattern"

dm_swap_error smoke-lin
if dd if=/dev/mapper/smoke-lin of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null; then
	fail "read from error target succeeded"
fi
pass "dm_swap_error fails I/O"

# Stock dm-raid: the reference we replace.  First a table that fails after
# the first leg was opened: the helper checks it was released again.
expect_table_rejected "0 8192 raid raid1 1 0 2 - ${LEG_DATA[1]} - /dev/nonexistent" \
	"RAID device lookup failure"

sz=$(dev_sectors "${LEG_DATA[1]}")
dm_create smoke-r1 "0 $sz raid raid1 3 0 region_size 1024 2 ${LEG_META[1]} ${LEG_DATA[1]} ${LEG_META[2]} ${LEG_DATA[2]}"
wait_sync smoke-r1 60
assert_match "$(dmsetup status smoke-r1)" ' raid raid1 2 AA 32768/32768 idle ' "raid1 status"
assert_eq "$(raid_health smoke-r1)" AA "raid_health"
pass "stock dm-raid raid1: $(dmsetup status smoke-r1)"

lvm version >/dev/null || fail "lvm does not run"
pvs >/dev/null || fail "pvs fails with the test lvm.conf"
pass "lvm runs"

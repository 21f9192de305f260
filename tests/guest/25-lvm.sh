#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# LVM2, unchanged, on dm-raidx loaded as "raid" (stock dm-raid not loaded):
# raid1, raid5, raid6, raid10 and raid0 LVs are created and synced, lvs
# reports them, --syncaction check finds no mismatches, lvextend keeps the
# data, and after a PV fails 'lvconvert --repair' moves the lost images to
# a spare PV and the LV is fully healthy with its data.  The dm tables LVM
# generates are printed to the log.
# timeout: 420
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat.sh"

raidx_as_raid
lsmod | grep -q '^dm_raid ' && fail "stock dm-raid is loaded"

NPV=6
VG=h3vg
MIB=$((1 << 20))

# The PVs are dm-linear wrappers over loop devices, so one can be failed;
# LVM sees only the wrappers (not the loop devices under them).
lvm_test_vg "$VG" h3pv $NPV 64
pass "VG $VG on $NPV PVs"

# lv NAME SIZE_MB LVCREATE_ARGS...
declare -A SIZE
lv() {
	local name=$1 size=$2
	shift 2
	run lvcreate -q -y -n "$name" -L "${size}M" "$@" "$VG"
	SIZE[$name]=$((size * MIB))
	[ -b "/dev/mapper/$VG-$name" ] || fail "LV $name: no /dev/mapper/$VG-$name"
	write_pattern "/dev/mapper/$VG-$name" "$name" "${SIZE[$name]}"
}

lv r1 8 --type raid1 -m1
lv r5 12 --type raid5 -i3
lv r6 12 --type raid6 -i3
lv r10 8 --type raid10 -i2 -m1
lv r0 8 --type raid0 -i2
LVS=(r1 r5 r6 r10 r0)

echo "---- dmsetup table as LVM generates it"
dmsetup table | grep -E "^$VG-r[0-9]+: " | sort
echo "----"

# lv_field LV FIELD
lv_field() {
	lvs --noheadings -o "$2" "$VG/$1" | tr -d ' '
}

wait_lv_sync() {
	local lv=$1 t=0
	while [ "$(lv_field "$lv" sync_percent)" != 100.00 ] ||
		[ "$(lv_field "$lv" raid_sync_action)" != idle ]; do
		[ $t -lt 400 ] || fail "LV $lv not in sync: $(lvs -a "$VG" 2>&1)"
		sleep 0.5
		t=$((t + 1))
	done
}

for l in r1 r5 r6 r10; do
	wait_lv_sync "$l"
done
run lvs -a -o name,segtype,size,raid_sync_action,raid_mismatch_count,sync_percent,devices "$VG"
for l in "${LVS[@]}"; do
	assert_eq "$(sha_of "/dev/mapper/$VG-$l" "${SIZE[$l]}")" "$(pattern_sha "$l" "${SIZE[$l]}")" "LV $l data"
done
for l in r1 r5 r6 r10; do
	assert_eq "$(lv_field "$l" raid_mismatch_count)" 0 "LV $l mismatch count"
	assert_eq "$(lv_field "$l" sync_percent)" 100.00 "LV $l sync_percent"
done
pass "raid1/5/6/10/0 LVs created, synced, data intact"

for l in r1 r5 r6 r10; do
	run lvchange -q --syncaction check "$VG/$l"
	sleep 1
	wait_lv_sync "$l"
	assert_eq "$(lv_field "$l" raid_mismatch_count)" 0 "LV $l mismatch count after check"
	assert_eq "$(raid_field "$VG-$l" 9)" 0 "LV $l status mismatch_cnt after check"
done
pass "lvchange --syncaction check: no mismatches"

for l in r1 r5 r0; do
	old=${SIZE[$l]}
	run lvextend -q -L+8M "$VG/$l"
	new=$(blockdev --getsize64 "/dev/mapper/$VG-$l")
	[ "$new" -gt "$old" ] || fail "lvextend $l: size $new, was $old"
	[ "$l" = r0 ] || wait_lv_sync "$l"
	assert_eq "$(sha_of "/dev/mapper/$VG-$l" "$old")" "$(pattern_sha "$l" "$old")" "LV $l data after lvextend"
	write_pattern "/dev/mapper/$VG-$l" "$l-x" "$new"
	SIZE[$l]=$new
	assert_eq "$(sha_of "/dev/mapper/$VG-$l")" "$(pattern_sha "$l-x" "$new")" "LV $l whole after lvextend"
	echo "after lvextend: $(dmsetup table "$VG-$l")"
done
for l in r1 r5; do
	run lvchange -q --syncaction check "$VG/$l"
	sleep 1
	wait_lv_sync "$l"
	assert_eq "$(lv_field "$l" raid_mismatch_count)" 0 "LV $l mismatch after lvextend + check"
done
pass "lvextend -L+8M grows r1, r5, r0 with data kept"

# ---- a PV fails; lvconvert --repair onto a spare ----
run lvremove -q -y "$VG/r6" "$VG/r10" "$VG/r0"
bad=$(lvs -a --noheadings -o devices "$VG/r1_rimage_1" | tr -d ' ' | sed 's/(.*//' | sort -u | head -n1)
echo "failing PV $bad (holds r1_rimage_1)"
run lvs -a -o name,devices "$VG"
# the LVs with an image on it (once it failed, LVM shows it as [unknown])
USERS=()
for l in r1 r5; do
	lvs -a --noheadings -o devices "$VG" -S "lv_name=~^${l}_" | grep -q "$bad(" && USERS+=("$l")
done
echo "LVs on $bad: ${USERS[*]}"
dm_swap_error "${bad#/dev/mapper/}"
REPAIR=()
for l in "${USERS[@]}"; do
	write_pattern "/dev/mapper/$VG-$l" "$l-y" "${SIZE[$l]}"
	t=0
	until [[ $(raid_health "$VG-$l") == *D* ]]; do
		[ $t -lt 20 ] || fail "$l: no failed leg after writing with $bad failed: $(dmsetup status "$VG-$l")"
		sleep 0.5
		t=$((t + 1))
	done
	REPAIR+=("$l")
done
[[ " ${REPAIR[*]} " == *" r1 "* ]] || fail "r1 does not use the failed PV"
for l in "${REPAIR[@]}"; do
	echo "before repair: $l: $(dmsetup status "$VG-$l")"
	run lvconvert -q -y --repair "$VG/$l"
	wait_lv_sync "$l"
	wait_sync "$VG-$l" 200
	n=$(raid_field "$VG-$l" 5)
	assert_eq "$(raid_health "$VG-$l")" "$(all_A "$n")" "LV $l health after repair"
	assert_eq "$(sha_of "/dev/mapper/$VG-$l")" "$(pattern_sha "$l-y" "${SIZE[$l]}")" "LV $l data after repair"
	echo "after repair: $l: $(dmsetup table "$VG-$l")"
done
if lvs -a --noheadings -o devices "$VG" 2>/dev/null | grep -q "$bad("; then
	fail "an LV still uses the failed PV $bad"
fi
# The failed PV is no longer used: drop it, then LVM changes the VG again.
run vgreduce -q --removemissing "$VG"
for l in "${REPAIR[@]}"; do
	run lvchange -q --syncaction check "$VG/$l"
	sleep 1
	wait_lv_sync "$l"
	assert_eq "$(lv_field "$l" raid_mismatch_count)" 0 "LV $l mismatch after repair"
done
run lvs -a -o name,segtype,size,raid_sync_action,raid_mismatch_count,sync_percent,devices "$VG"
pass "lvconvert --repair moved ${REPAIR[*]} off the failed PV, healthy, data intact"

# Leave nothing behind: deactivate while the failed PV is still missing.
run vgchange -q -an "$VG"
echo "25-lvm: LVM2 works unchanged on dm-raidx"

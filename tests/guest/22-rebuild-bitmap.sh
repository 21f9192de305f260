#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Recovery paths of dm-raidx (loaded as "raid"):
#  - 'rebuild N' onto a fresh leg (zeroed metadata and data) recovers it;
#  - a transiently failed leg comes back through the bitmap on
#    suspend/resume, rewriting only the dirty regions;
#  - an unclean stop (a crash image: metadata and data copied while the
#    bitmap is dirty) resyncs only the dirty regions on activation;
#  - growing the legs and the table length grows the array, data kept.
# timeout: 480
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat.sh"
need_testimg

raidx_as_raid
MB=16
LEG=$((MB << 11))
BYTES=$((8 << 20))
MIB=$((1 << 20))

# expected sha of the array's first BYTES: seed A all over, seed B in the
# first MiB.
mixed_sha() {
	{ _pattern "$2" "$MIB"; _pattern "$1" "$BYTES" | tail -c +$((MIB + 1)); } |
		sha256sum | cut -d' ' -f1
}

# ---- rebuild N onto a fresh leg ----
rebuild_fresh() {
	local type=$1 n=$2 chunk=$3 name=rb-$1 sectors legs i w
	make_legs "$n" "$MB" >/dev/null
	local meta=("${LEG_META[@]}") data=("${LEG_DATA[@]}")
	wrap_legs "$name" "$n"
	sectors=$(data_sectors "$type" "$n" "$LEG")
	run dm_create "$name" "0 $sectors raid $type 3 $chunk region_size 1024 $n$LEGS"
	write_pattern /dev/mapper/$name rb "$BYTES"
	wait_sync "$name" 200
	dm_remove "$name"

	# leg 1 replaced by a brand-new (all zero) metadata and data device
	make_legs 1 "$MB" >/dev/null
	dm_wrap "$name-new" "${LEG_DATA[0]}"
	legs=""
	for ((i = 0; i < n; i++)); do
		if [ "$i" = 1 ]; then legs+=" ${LEG_META[0]} /dev/mapper/$name-new"
		else legs+=" ${meta[i]} /dev/mapper/$name-d$i"; fi
	done
	run dm_create "$name" "0 $sectors raid $type 5 $chunk region_size 1024 rebuild 1 $n$legs"
	wait_sync "$name" 200
	assert_eq "$(raid_health "$name")" "$(all_A "$n")" "$type: health after rebuild"
	w=$(dev_write_sectors /dev/mapper/$name-new)
	[ "$w" -ge "$LEG" ] || fail "$type: rebuild wrote only $w sectors of $LEG to the new leg"
	assert_eq "$(sha_of /dev/mapper/$name "$BYTES")" "$(pattern_sha rb "$BYTES")" "$type: data after rebuild"
	assert_clean "$name"
	dm_remove "$name"
	# and without 'rebuild' it is just the healthy array
	run dm_create "$name" "0 $sectors raid $type 3 $chunk region_size 1024 $n$legs"
	assert_eq "$(raid_field "$name" 8)" idle "$type: after rebuild: no more sync"
	assert_eq "$(raid_health "$name")" "$(all_A "$n")" "$type: health reactivated after rebuild"
	assert_eq "$(sha_of /dev/mapper/$name "$BYTES")" "$(pattern_sha rb "$BYTES")" "$type: data reactivated after rebuild"
	dm_remove "$name"
	pass "$type: rebuild 1 onto a fresh leg ($w sectors written to it)"
}

rebuild_fresh raid1 2 0
rebuild_fresh raid5_ls 3 64

# ---- transient failure: back through the bitmap ----
transient() {
	local type=$1 n=$2 chunk=$3 name=tr-$1 sectors w0 w
	make_legs "$n" "$MB" >/dev/null
	wrap_legs "$name" "$n"
	sectors=$(data_sectors "$type" "$n" "$LEG")
	run dm_create "$name" "0 $sectors raid $type 3 $chunk region_size 1024 $n$LEGS"
	write_pattern /dev/mapper/$name tA "$BYTES"
	wait_sync "$name" 200

	dm_swap_error "$name-d1"
	write_pattern /dev/mapper/$name tB "$MIB"
	sleep 1
	assert_eq "$(raid_health "$name")" "$(all_A "$n" | sed 's/./D/2')" "$type: health with leg 1 failed"
	dm_swap_linear "$name-d1" "${LEG_DATA[1]}"
	w0=$(dev_write_sectors /dev/mapper/$name-d1)
	run dmsetup suspend "$name"
	run dmsetup resume "$name"
	wait_sync "$name" 200
	assert_eq "$(raid_health "$name")" "$(all_A "$n")" "$type: health after leg 1 came back"
	w=$(($(dev_write_sectors /dev/mapper/$name-d1) - w0))
	[ "$w" -gt 0 ] || fail "$type: nothing written to the returning leg"
	[ "$w" -lt $((LEG / 2)) ] ||
		fail "$type: returning leg got $w of $LEG sectors rewritten: not a bitmap recovery"
	assert_eq "$(sha_of /dev/mapper/$name "$BYTES")" "$(mixed_sha tA tB)" "$type: data after bitmap recovery"
	assert_clean "$name"
	dm_remove "$name"
	pass "$type: transiently failed leg re-added via the bitmap ($w of $LEG sectors rewritten)"
}

transient raid1 2 0
transient raid5_ls 3 64

# ---- unclean stop: a crash image with dirty bitmap bits ----
crash() {
	local type=$1 n=$2 chunk=$3 name=cr-$1 sectors i w params
	make_legs "$n" "$MB" >/dev/null
	wrap_legs "$name" "$n"
	sectors=$(data_sectors "$type" "$n" "$LEG")
	params="3 $chunk region_size 1024"
	run dm_create "$name" "0 $sectors raid $type $params $n$LEGS"
	write_pattern /dev/mapper/$name cA "$BYTES"
	wait_sync "$name" 200
	# md clears bitmap bits in two daemon passes (5 s each): after that
	# only the regions the next write touches are dirty when we copy.
	sleep 15
	write_pattern /dev/mapper/$name cB "$MIB"
	# The crash image: every metadata and data device as it is right now.
	# md records the array clean 200 ms after the last write (safemode),
	# which a slow copy can pass: the image is then of a crash just before
	# that superblock write, recorded dirty (the bits are set either way:
	# md clears them only after two bitmap daemon passes).
	for ((i = 0; i < n; i++)); do
		cp --sparse=always "$TEST_TMP/meta$i" "$TEST_TMP/crash-meta$i"
		cp --sparse=always "$TEST_TMP/data$i" "$TEST_TMP/crash-data$i"
		run "$TESTIMG" poke "$TEST_TMP/crash-meta$i" ext.state=1
	done
	dm_remove "$name"

	local legs="" m d
	for ((i = 0; i < n; i++)); do
		m=$(losetup -f --show "$TEST_TMP/crash-meta$i")
		on_cleanup losetup -d "$m"
		d=$(losetup -f --show "$TEST_TMP/crash-data$i")
		on_cleanup losetup -d "$d"
		dm_wrap "$name-c$i" "$d"
		legs+=" $m /dev/mapper/$name-c$i"
	done
	local before=0 after=0
	for ((i = 0; i < n; i++)); do before=$((before + $(dev_write_sectors /dev/mapper/$name-c$i))); done
	echo "crash image $name" >/dev/kmsg
	run dm_create "$name" "0 $sectors raid $type $params $n$legs"
	echo "status after activation: $(dmsetup status "$name")"
	# Until md's thread picked up the dirty bits the status reads idle
	# and in sync: give it time, then wait until the writes stopped.
	sleep 3
	wait_sync "$name" 200
	sleep 2
	wait_sync "$name" 200
	echo "status after resync: $(dmsetup status "$name")"
	for ((i = 0; i < n; i++)); do after=$((after + $(dev_write_sectors /dev/mapper/$name-c$i))); done
	w=$((after - before))
	# md resynced the dirty regions: raid1 copies them, raid5 checks
	# parity there and writes only what is wrong (nothing, here).
	dmesg | sed -n "/crash image $name/,\$p" | grep -q "not shut down cleanly" ||
		fail "$type: crash image: no resync of the dirty regions"
	[ "$type" != raid1 ] || [ "$w" -gt 0 ] ||
		fail "$type: crash image: no resync writes at all (bitmap bits lost?)"
	[ "$w" -lt $((LEG * n / 2)) ] ||
		fail "$type: crash image: $w of $((LEG * n)) sectors rewritten: full resync, not bitmap-driven"
	assert_eq "$(raid_health "$name")" "$(all_A "$n")" "$type: health after crash resync"
	assert_eq "$(sha_of /dev/mapper/$name "$BYTES")" "$(mixed_sha cA cB)" "$type: data after crash resync"
	assert_clean "$name"
	dm_remove "$name"
	pass "$type: unclean stop resynced through the bitmap ($w sectors rewritten)"
}

# ---- growing the legs and the array ----
grow() {
	local type=$1 n=$2 chunk=$3 name=gr-$1 small big i
	make_legs "$n" "$MB" >/dev/null
	local half=$((LEG / 2)) legs=""
	for ((i = 0; i < n; i++)); do
		dm_create "$name-d$i" "0 $half linear ${LEG_DATA[i]} 0"
		legs+=" ${LEG_META[i]} /dev/mapper/$name-d$i"
	done
	small=$(data_sectors "$type" "$n" "$half")
	big=$(data_sectors "$type" "$n" "$LEG")
	run dm_create "$name" "0 $small raid $type 3 $chunk region_size 1024 $n$legs"
	write_pattern /dev/mapper/$name g1 $((small * 512))
	wait_sync "$name" 200

	# like lvextend: suspend, grow the legs, load the longer table, resume
	run dmsetup suspend "$name"
	for ((i = 0; i < n; i++)); do
		echo "0 $LEG linear ${LEG_DATA[i]} 0" | dmsetup load "$name-d$i"
		dmsetup resume "$name-d$i"
	done
	echo "0 $big raid $type 3 $chunk region_size 1024 $n$legs" | run dmsetup load "$name"
	run dmsetup resume "$name"
	assert_eq "$(blockdev --getsz /dev/mapper/$name)" "$big" "$type: array size after grow"
	wait_sync "$name" 200
	assert_eq "$(raid_health "$name")" "$(all_A "$n")" "$type: health after grow"
	assert_eq "$(sha_of /dev/mapper/$name $((small * 512)))" "$(pattern_sha g1 $((small * 512)))" "$type: old data after grow"
	write_pattern /dev/mapper/$name g2 $((big * 512))
	assert_eq "$(sha_of /dev/mapper/$name)" "$(pattern_sha g2 $((big * 512)))" "$type: whole grown array"
	assert_clean "$name"
	dm_remove "$name"
	run dm_create "$name" "0 $big raid $type 3 $chunk region_size 1024 $n$legs"
	assert_eq "$(raid_field "$name" 8)" idle "$type: grown array reactivated: no sync"
	assert_eq "$(sha_of /dev/mapper/$name)" "$(pattern_sha g2 $((big * 512)))" "$type: grown array reactivated: data"
	dm_remove "$name"
	pass "$type: grown from $small to $big sectors, data kept"
}

grow raid1 2 0
grow raid5_ls 3 64

# Last, so its failure does not hide the checks above (see
# build/h3-module-bugs.md: dm-raidx rewrites whole legs here).
crash raid1 2 0
crash raid5_ls 3 64
crash raid6_zr 4 64
crash raid10 4 64

echo "22-rebuild-bitmap: rebuild, bitmap recovery, crash resync and grow passed"

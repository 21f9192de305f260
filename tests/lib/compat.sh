# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the drop-in replacement tests (tests/guest/2*.sh), sourced
# after common.sh.
#
#   raidx_as_raid              stock dm-raid out, dm-raidx loaded as "raid"
#   md_fast_sync               md resync speed limits raised
#   data_sectors TYPE N LEG_SECTORS [COPIES]   array length for N legs
#   wrap_legs PREFIX N         dm_wrap every LEG_DATA[i] as PREFIX-d$i and
#                              sets LEGS=" meta /dev/mapper/PREFIX-d$i ..."
#   dm_swap_linear NAME DEV    reload NAME as linear over all of DEV
#   sync_action DEV ACTION     message ACTION, wait for it to finish
#   assert_clean DEV           check finds 0 mismatches
#   sb_hex DEV [BYTES]         hex of the first BYTES (148) of a superblock,
#                              events (bytes 16..23) blanked
#   bm_hex DEV                 same for the bitmap superblock
#   dev_write_sectors DEV      sectors written to DEV so far (/sys/.../stat)
#   all_A N                    "AAA..." N times
#   one_level TYPE LEGS CHUNK [PARAMS...]  create, resync, checksum, check,
#                              fail legs (uses MB, LEG, BYTES)

# md_fast_sync: md resyncs at full speed only while the array is idle;
# tests want full speed always (needs md-mod loaded).
md_fast_sync() {
	{
		echo 500000 >/proc/sys/dev/raid/speed_limit_max
		echo 200000 >/proc/sys/dev/raid/speed_limit_min
	} 2>/dev/null || true
}

# Stock dm-raid and dm-raidx both register "raid": the stock one must go.
raidx_as_raid() {
	modprobe -a dm-mod md-mod raid0 raid1 raid10 raid456
	if lsmod | grep -q '^dm_raid '; then
		modprobe -r dm_raid || rmmod dm_raid
	fi
	load_raidx
	md_fast_sync
}

all_A() {
	printf 'A%.0s' $(seq "$1")
}

# data_sectors TYPE N LEG_SECTORS [COPIES]: target length that uses all of
# LEG_SECTORS (a chunk multiple) on each of N legs.
data_sectors() {
	local type=$1 n=$2 leg=$3 copies=${4:-2}
	case $type in
	raid1) echo "$leg" ;;
	raid0) echo $((leg * n)) ;;
	raid4 | raid5*) echo $((leg * (n - 1))) ;;
	raid6*) echo $((leg * (n - 2))) ;;
	raid10*) echo $((leg * n / copies)) ;;
	*) fail "data_sectors: unknown type $type" ;;
	esac
}

# wrap_legs PREFIX N: data legs behind dm-linear (so they can be failed).
wrap_legs() {
	local i
	LEGS=""
	for ((i = 0; i < $2; i++)); do
		dm_wrap "$1-d$i" "${LEG_DATA[i]}"
		LEGS+=" ${LEG_META[i]} /dev/mapper/$1-d$i"
	done
}

dm_swap_linear() {
	dmsetup suspend --noflush "$1"
	echo "0 $(dev_sectors "$2") linear $2 0" | dmsetup load "$1"
	dmsetup resume "$1"
}

# sync_action DEV ACTION: send check/repair and wait until it finished.
sync_action() {
	local dev=$1 action=$2 t=0
	dmsetup message "$dev" 0 "$action"
	# Wait until md picked it up (or it already ran through).
	while [ "$(raid_field "$dev" 8)" = idle ] && [ $t -lt 10 ]; do
		sleep 0.2
		t=$((t + 1))
	done
	wait_sync "$dev" 200
}

assert_clean() {
	sync_action "$1" check
	assert_eq "$(raid_field "$1" 9)" 0 "$1: mismatch_cnt after check"
}

sb_hex() {
	# O_DIRECT reads whole sectors: read 4 KiB, keep BYTES
	dd if="$1" bs=4096 count=1 iflag=direct status=none | head -c "${2:-148}" |
		od -An -tx1 -v | tr -d ' \n' |
		sed -E 's/^(.{32}).{16}/\1XXXXXXXXXXXXXXXX/'
}

# bm_hex DEV: the md bitmap superblock (first 72 bytes at 4 KiB of the
# metadata device), events and events_cleared (bytes 24..39) blanked.
bm_hex() {
	dd if="$1" bs=4096 skip=1 count=1 iflag=direct status=none | head -c 72 |
		od -An -tx1 -v | tr -d ' \n' |
		sed -E 's/^(.{48}).{32}/\1XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/'
}

# sectors written to a block device (field 7 of /sys/block/X/stat).
dev_write_sectors() {
	# /dev/mapper nodes are not symlinks here (no udev): go by dev_t
	local mm
	mm=$(printf '%d:%d' "0x$(stat -L -c %t "$1")" "0x$(stat -L -c %T "$1")")
	awk '{print $7}' "/sys/dev/block/$mm/stat"
}

# one_level TYPE LEGS CHUNK [EXTRA PARAMS...]: the life cycle of one array
# with metadata devices on dm-linear wrapped legs (20-levels, 26-levels-raid6-raid10).
one_level() {
	local type=$1 n=$2 chunk=$3 name copies=2 params sectors dev fail_leg want i
	shift 3
	local extra=("$@")
	name=lv-$type
	[ ${#extra[@]} -eq 0 ] || name+=$(printf -- '-%s' "${extra[@]}")
	for ((i = 0; i < ${#extra[@]}; i++)); do
		[ "${extra[i]}" = raid10_copies ] && copies=${extra[i + 1]}
	done
	local start=$SECONDS
	make_legs "$n" "$MB" >/dev/null
	wrap_legs "$name" "$n"
	sectors=$(data_sectors "$type" "$n" "$LEG" "$copies")
	if [ "$type" = raid0 ]; then
		params="$chunk${extra[*]:+ ${extra[*]}}"
	else
		params="$chunk region_size 1024${extra[*]:+ ${extra[*]}}"
	fi
	# shellcheck disable=SC2086
	set -- $params
	run dm_create "$name" "0 $sectors raid $type $# $params $n$LEGS"
	dev=/dev/mapper/$name
	assert_eq "$(dmsetup table "$name" | cut -d' ' -f1-4)" "0 $sectors raid $type" "$type: table"
	assert_eq "$(blockdev --getsz "$dev")" "$sectors" "$type: array size"

	write_pattern "$dev" "$type" "$BYTES"
	wait_sync "$name" 200
	assert_eq "$(raid_health "$name")" "$(all_A "$n")" "$type: health after resync"
	assert_eq "$(sha_of "$dev" "$BYTES")" "$(pattern_sha "$type" "$BYTES")" "$type: data after resync"
	if [ "$type" != raid0 ]; then
		assert_clean "$name"
	fi

	# Fail leg 1 where the level survives it (raid10: leg 1 mirrors leg 0).
	if [ "$type" != raid0 ]; then
		fail_leg=1
		dm_swap_error "$name-d$fail_leg"
		write_pattern "$dev" "$type-2" "$BYTES" || fail "$type: write with a failed leg"
		sleep 1
		want=$(all_A "$n" | sed "s/./D/$((fail_leg + 1))")
		assert_eq "$(raid_health "$name")" "$want" "$type: health after leg $fail_leg failed"
		assert_eq "$(sha_of "$dev" "$BYTES")" "$(pattern_sha "$type-2" "$BYTES")" \
			"$type: data with leg $fail_leg failed"
		if [[ $type == raid6* ]]; then
			# raid6 survives a second failure.
			dm_swap_error "$name-d2"
			write_pattern "$dev" "$type-3" "$BYTES" || fail "$type: write with 2 failed legs"
			sleep 1
			assert_eq "$(raid_health "$name")" "$(echo "$want" | sed 's/./D/3')" "$type: health, 2 legs failed"
			assert_eq "$(sha_of "$dev" "$BYTES")" "$(pattern_sha "$type-3" "$BYTES")" \
				"$type: data with 2 legs failed"
		fi
	fi
	dm_remove "$name"
	# the wrappers now, not at exit: dozens of idle dm devices slow md down
	for ((i = 0; i < n; i++)); do dm_remove "$name-d$i"; done
	pass "$type ${extra[*]}: $n legs, $((SECONDS - start))s"
}


# bad_table_setup: dm-raidx as "raid" and four 16 MiB legs for the table
# tests.  Sets M[], D[] (meta, data), LEG (sectors), the device groups R1
# R5 R10 ("<#devs> <meta> <data>..."), the table heads L1 L5 L6 L10, and
# rej as a short name for expect_table_rejected.
bad_table_setup() {
	raidx_as_raid
	MB=16
	LEG=$((MB << 11))
	make_legs 4 "$MB" >/dev/null
	M=("${LEG_META[@]}")
	D=("${LEG_DATA[@]}")
	R1="2 ${M[0]} ${D[0]} ${M[1]} ${D[1]}"
	R5="3 ${M[0]} ${D[0]} ${M[1]} ${D[1]} ${M[2]} ${D[2]}"
	R10="4 ${M[0]} ${D[0]} ${M[1]} ${D[1]} ${M[2]} ${D[2]} ${M[3]} ${D[3]}"
	L1="0 $LEG raid raid1"
	L5="0 $((2 * LEG)) raid raid5_ls"
	L6="0 $((2 * LEG)) raid raid6_zr"
	L10="0 $((2 * LEG)) raid raid10"
}

rej() { expect_table_rejected "$@"; }

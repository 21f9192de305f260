# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for tests/guest/5?-tools-*.sh, sourced after common.sh: a stock
# dm-raid array on loop devices whose metadata the tools then inspect.
#
#   tools_array NAME TYPE N        create, write data, resync, deactivate;
#                                  sets TA_TABLE_ARGS, TA_SECTORS, TA_SHA
#   tools_activate NAME META...    activate over LEG_DATA with other metas
#   blank_metas N                  BLANK[i]: fresh 4 MiB loop devices
#   rt ARGS...                     run raidx_tools, keeping stderr in $RT_ERR

RT=${RT:-$TOP/tools/raidx_tools}
RT_ERR=$TEST_TMP/rt.err
TA_BYTES=$((8 << 20))
TA_MB=32

[ -x "$RT" ] || fail "$RT not built (make -C tools)"

rt() {
	local rc=0
	echo "+ raidx_tools $*"
	"$RT" "$@" 2>"$RT_ERR" || rc=$?
	sed 's/^/    /' "$RT_ERR"
	return $rc
}

# rt_expect RC ARGS...: exit code must be RC
rt_expect() {
	local want=$1 rc=0
	shift
	rt "$@" || rc=$?
	assert_eq "$rc" "$want" "exit code of raidx_tools $*"
}

err_has() {
	grep -Eq -- "$1" "$RT_ERR" || fail "tools stderr lacks /$1/"
}

_table() {	# NAME TYPE META...
	local type=$2 n legs="" i chunk=0
	shift 2
	n=$#
	case $type in raid1) chunk=0 ;; *) chunk=64 ;; esac
	for ((i = 0; i < n; i++)); do
		legs+=" $1 ${LEG_DATA[i]}"
		shift
	done
	echo "0 $TA_SECTORS raid $type 3 $chunk region_size 2048 $n$legs"
}

tools_array() {
	local name=$1 type=$2 n=$3 data
	make_legs "$n" "$TA_MB"
	TA_TYPE=$type
	case $type in
	raid1) data=1 ;;
	raid5*) data=$((n - 1)) ;;
	raid6*) data=$((n - 2)) ;;
	raid10) data=$((n / 2)) ;;
	esac
	TA_SECTORS=$(( (TA_MB << 11) / 64 * 64 * data ))
	dm_create "$name" "$(_table "$name" "$type" "${LEG_META[@]}")"
	write_pattern "/dev/mapper/$name" 21 "$TA_BYTES"
	wait_sync "$name" 240
	TA_SHA=$(pattern_sha 21 "$TA_BYTES")
	assert_eq "$(sha_of "/dev/mapper/$name" "$TA_BYTES")" "$TA_SHA" "data"
	dm_remove "$name"
}

tools_activate() {
	local name=$1
	shift
	dm_create "$name" "$(_table "$name" "$TA_TYPE" "$@")"
}

blank_metas() {
	local i
	BLANK=()
	for ((i = 0; i < $1; i++)); do
		new_loop "BLANK[$i]" "$TEST_TMP/blank$i-$RANDOM" 4
	done
}

# activated_ok NAME: in sync, all legs alive, data as written
activated_ok() {
	wait_sync "$1" 240
	assert_match "$(raid_health "$1")" '^A+$' "health of $1"
	assert_eq "$(sha_of "/dev/mapper/$1" "$TA_BYTES")" "$TA_SHA" \
		"data of $1"
}

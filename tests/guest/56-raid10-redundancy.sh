#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Which legs a raid10 may lose is md's rule (raid10's enough(): every run
# of near*far neighbouring legs, starting every near_copies legs, keeps
# one leg), the one rule raidx-format.c holds for the module and the
# tools.  raid10 far and near over 4 legs, filled, then activated with two
# legs missing: the pairs md can run activate and read back the data (and
# raid_check agrees), the pairs it cannot are refused for want of
# redundancy, before md is asked.
# timeout: 600
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat.sh"

raidx_as_raid
MB=16
LEG=$((MB << 11))
BYTES=$((4 << 20))
RC=$TOP/tools/raid_check

# table_with_missing FORMAT A B: the 4-leg table with legs A and B as "- -".
table_with_missing() {
	local fmt=$1 i legs=""
	for ((i = 0; i < 4; i++)); do
		if [ "$i" = "$2" ] || [ "$i" = "$3" ]; then
			legs+=" - -"
		else
			legs+=" ${LEG_META[i]} ${LEG_DATA[i]}"
		fi
	done
	echo "0 $(data_sectors raid10 4 "$LEG" 2) raid raid10 5 64 raid10_format $fmt raid10_copies 2 4$legs"
}

# metas_with_missing A B: raid_check's arguments, "-" for legs A and B.
metas_with_missing() {
	local i
	for ((i = 0; i < 4; i++)); do
		if [ "$i" = "$1" ] || [ "$i" = "$2" ]; then echo -n " -"
		else echo -n " ${LEG_META[i]}"; fi
	done
}

# save_legs / restore_legs: every activation with legs missing records
# them failed on the others, so each case starts from the filled array.
save_legs() {
	local i
	for ((i = 0; i < 4; i++)); do
		dd if="${LEG_META[i]}" of="$TEST_TMP/saved-meta$i" bs=1M iflag=direct status=none
		dd if="${LEG_DATA[i]}" of="$TEST_TMP/saved-data$i" bs=1M iflag=direct status=none
	done
}
restore_legs() {
	local i
	for ((i = 0; i < 4; i++)); do
		dd if="$TEST_TMP/saved-meta$i" of="${LEG_META[i]}" bs=1M oflag=direct status=none
		dd if="$TEST_TMP/saved-data$i" of="${LEG_DATA[i]}" bs=1M oflag=direct status=none
	done
}

# one_format FORMAT "RUNS..." "REFUSED...": pairs "A,B" of missing legs.
one_format() {
	local fmt=$1 runs=$2 refused=$3 name=r10-$1 pair a b
	make_legs 4 "$MB" >/dev/null
	run dm_create "$name" "$(table_with_missing "$fmt" x x)"
	write_pattern "/dev/mapper/$name" "$fmt" "$BYTES"
	wait_sync "$name" 300
	dm_remove "$name"
	save_legs
	for pair in $runs; do
		a=${pair%,*} b=${pair#*,}
		restore_legs
		# shellcheck disable=SC2046
		if "$RC" -q $(metas_with_missing "$a" "$b"); then
			pass "raid10 $fmt, legs $a and $b missing: raid_check agrees it runs"
		else
			fail "raid10 $fmt, legs $a and $b missing: raid_check says it cannot run"
		fi
		run dm_create "$name" "$(table_with_missing "$fmt" "$a" "$b")"
		assert_eq "$(sha_of "/dev/mapper/$name" "$BYTES")" \
			"$(pattern_sha "$fmt" "$BYTES")" \
			"raid10 $fmt, legs $a and $b missing: data"
		dm_remove "$name"
	done
	for pair in $refused; do
		a=${pair%,*} b=${pair#*,}
		restore_legs
		# shellcheck disable=SC2046
		if "$RC" -q $(metas_with_missing "$a" "$b"); then
			fail "raid10 $fmt, legs $a and $b missing: raid_check says it runs"
		else
			pass "raid10 $fmt, legs $a and $b missing: raid_check agrees it cannot"
		fi
		expect_table_rejected "$(table_with_missing "$fmt" "$a" "$b")" \
			"Insufficient redundancy to activate array"
	done
}

# far 2: a chunk's far copy sits on the next leg, so neighbours matter.
one_format far "0,2 1,3" "0,1 1,2 0,3"
# near 2: mirror sets {0,1} {2,3}.
one_format near "0,2 1,2 0,3" "0,1 2,3"
echo "56-raid10-redundancy: raid10 far and near run exactly with md's legs"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# raid_dump then raid_restore onto blank devices (xml and json) gives an
# array that the stock target activates with the same data; the restored
# metadata is byte-identical where it matters.
# timeout: 400
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/tools-guest.sh"

load_stock_dmraid

for type in raid1 raid5_ls raid6_zr raid10; do
	n=3
	case $type in raid6_zr|raid10) n=4 ;; esac
	tools_array "td-$type" "$type" "$n"
	M=("${LEG_META[@]}")
	for fmt in xml json; do
		rt_expect 0 raid_dump -f "$fmt" -o "$TEST_TMP/d.$fmt" "${M[@]}"
		blank_metas "$n"
		rt_expect 0 raid_restore -i "$TEST_TMP/d.$fmt" -o "${BLANK[@]}"
		rt_expect 0 raid_check "${BLANK[@]}"
		tools_activate "td-$type-$fmt" "${BLANK[@]}"
		activated_ok "td-$type-$fmt"
		dm_remove "td-$type-$fmt"
		pass "$type: $fmt dump restored onto blank devices activates"
	done
done
echo "tools dump/restore: all checks passed"

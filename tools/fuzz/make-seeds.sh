#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Seed corpus for fuzz_format: real superblocks, bitmap headers and dumps
# made by the test image writer (tests/raidx_testimg mkimage), each
# prefixed by the selector byte.
set -euo pipefail
OUT=$1
HERE=$(cd "$(dirname "$0")/.." && pwd)
RT=$HERE/raidx_tools
TESTIMG=$HERE/tests/raidx_testimg
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
rm -rf "$OUT" && mkdir -p "$OUT"
n=0
for spec in "raid1 2 clean" "raid5_ls 3 degraded" "raid6_zr 4 resync" \
	    "raid10 4 clean" "raid0 2 clean" "raid5_ls 3 clean --ext"; do
	set -- $spec
	imgs=()
	for ((i = 0; i < $2; i++)); do imgs+=("$T/l$i"); done
	"$TESTIMG" mkimage --type "$1" --state "$3" ${4:-} "${imgs[@]}"
	n=$((n + 1))
	{ printf '\0'; dd if="$T/l0" bs=4096 count=1 status=none; } > "$OUT/sb-$n"
	{ printf '\0'; dd if="$T/l0" bs=4096 count=1 status=none
	  dd if="$T/l1" bs=4096 count=1 status=none; } \
		> "$OUT/member-$n"
	{ printf '\1'; printf '\0\0\2\0\0\0\0\0'
	  dd if="$T/l0" bs=256 skip=16 count=1 status=none; } \
		> "$OUT/bitmap-$n"
	{ printf '\2'; "$RT" raid_dump "${imgs[@]}"; } > "$OUT/xml-$n"
	{ printf '\2'; "$RT" raid_dump -f json "${imgs[@]}"; } > "$OUT/json-$n"
done

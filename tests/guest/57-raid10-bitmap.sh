#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# raid10 with more legs than copies: md's write-intent bitmap covers the
# array, not one leg (raid10_run and raid10_resize size it by
# raid10_size()).  A reload that changes region_size resized the bitmap
# to one leg's size (the stock target does the same), so a write to the
# upper half of the array set no bit: after a crash those regions were
# never resynced and the copies could differ (found by a review).  On 4
# legs near 2 (the array is two legs long), chunks of 4 KiB: after a
# reload from region_size 16 to 8 (4096 regions: md counts 2048 of them
# per page, so one leg's worth fills exactly one page and the upper half
# had no counters at all), a 4 KiB write in the lower and one in the
# upper half each leave their region's bit set on disk; the bitmap
# header records the new region size before any write (md wrote the
# bits in the new layout at the resize); data reads back; check finds 0
# mismatches.
# timeout: 300
. "$(dirname "$0")/../lib/common.sh"

load_raidx raidx
MB=8
make_legs 4 $MB >/dev/null
S=$(((MB << 11) * 2))		# 4 legs, 2 copies
LOW=1000 HIGH=$((S - 2000))	# array sectors written

# bit_on_disk META REGION_SECTORS SECTOR: the bitmap bit of the region
# holding array SECTOR, as md wrote it on META (header: 256 bytes at
# 4 KiB, the bits right after it, bit N of the little-endian bitmap).
bit_on_disk() {
	local c=$(($3 / $2)) byte v
	byte=$((4096 + 256 + c / 8))
	# O_DIRECT: md writes the bitmap around the page cache
	v=$(dd if="$1" bs=4096 skip=$((byte / 4096)) count=1 iflag=direct status=none |
		od -An -tu1 -j $((byte % 4096)) -N1 | tr -d ' ')
	echo $(((${v:-0} >> (c % 8)) & 1))
}

# header_chunk META: the bitmap header's chunksize (bytes, u32 at 52).
header_chunk() {
	dd if="$1" bs=4096 skip=1 count=1 iflag=direct status=none |
		od -An -tu4 -j52 -N4 | tr -d ' '
}

# write4k DEV SECTOR SEED: one 4 KiB block of a known pattern.
write4k() {
	_pattern "$3" 4096 | dd of="$1" bs=4096 seek=$(($2 / 8)) oflag=direct status=none
}

table() {
	echo "0 $S raidx raid10 4 8 nosync region_size $1 4$(leg_args)"
}

dev=/dev/mapper/r10bm
run dm_create r10bm "$(table 16)"
write_pattern $dev base $((S * 512))
# md clears bits two daemon passes (5 s each) after the last write
sleep 12
echo "$(table 8)" | run dmsetup reload r10bm
run dmsetup suspend r10bm
run dmsetup resume r10bm
# before any write: the header of the resized bitmap is on disk already
assert_eq "$(header_chunk "${LEG_META[0]}")" $((8 * 512)) "bitmap header chunksize after the reload"
write4k $dev $LOW low
write4k $dev $HIGH high
assert_eq "$(bit_on_disk "${LEG_META[0]}" 8 $LOW)" 1 "bit of the lower-half write after the reload"
assert_eq "$(bit_on_disk "${LEG_META[0]}" 8 $HIGH)" 1 "bit of the upper-half write after the reload (array sector $HIGH of $S)"
assert_eq "$(dd if=$dev bs=4096 skip=$((HIGH / 8)) count=1 iflag=direct status=none | sha256sum | cut -d' ' -f1)" \
	"$(pattern_sha high 4096)" "data of the upper-half write"
assert_eq "$(mismatches r10bm)" 0 "mismatch_cnt after check"
pass "raid10 4 legs near 2: after a region_size reload the bitmap covers the whole array"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed tables on dm-raidx (loaded as "raid"), part 1: counts, raid
# types, chunk sizes, keywords.  Each is refused with its own ti->error
# message and leaves no dm device, md device or holder behind
# (expect_table_rejected).  Also devices named twice, a leg without a
# metadata device beside legs with one, and lengths md does not make of
# the legs.  Part 2: 27-bad-values, part 3: 28-refused-conversions.
# timeout: 300
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat.sh"

bad_table_setup

# ---- counts ----
rej "0 $LEG raid" "No arguments"
rej "0 $LEG raid raid7 1 0 $R1" "Unrecognised raid_type"
rej "$L1 x 0 $R1" "Cannot understand number of raid parameters"
rej "$L1 0 0 $R1" "Cannot understand number of raid parameters"
rej "$L1 40 0 $R1" "Cannot understand number of raid parameters"
rej "$L1 1 0 3 ${M[0]} ${D[0]} ${M[1]} ${D[1]}" "Invalid number of supplied raid devices"
rej "$L1 1 0 two ${M[0]} ${D[0]} ${M[1]} ${D[1]}" "Invalid number of supplied raid devices"
rej "$L1 1 0 0" "Invalid number of supplied raid devices"
rej "$L1 1 0 2 ${M[0]} ${D[0]} ${M[1]}" "Invalid number of supplied raid devices"
rej "$L1 1 0" "Cannot understand number of raid devices parameters"
rej "$L1 2 0 region_size" "Cannot understand number of raid devices parameters"

# ---- chunk size ----
rej "$L5 1 abc $R5" "Bad numerical argument given for chunk_size"
rej "$L5 1 -8 $R5" "Bad numerical argument given for chunk_size"
rej "$L5 1 100 $R5" "Chunk size must be a power of 2"
rej "$L5 1 4 $R5" "Chunk size value is too small"
rej "$L5 1 0 $R5" "Chunk size must be a power of 2"

# ---- keywords ----
rej "$L1 3 0 foo 1 $R1" "Unable to parse RAID parameter"
rej "$L1 2 0 region_size_x $R1" "Unable to parse RAID parameter"
rej "$L1 3 0 stripe_cache 256 $R1" "Invalid flags combination"
rej "0 $((2 * LEG)) raid raid0 3 64 region_size 1024 $R1" "Invalid flags combination"
rej "0 $((2 * LEG)) raid raid0 2 64 sync $R1" "Invalid flags combination"
rej "$L5 3 64 raid10_copies 2 $R5" "Invalid flags combination"
rej "$L1 3 0 raid10_format near $R1" "Invalid flags combination"
rej "$L5 3 64 write_mostly 0 $R5" "Invalid flags combination"
rej "$L10 3 64 journal_dev ${M[3]} $R10" "Invalid flags combination"
rej "$L6 2 64 nosync $R10" "Invalid flags combination"
rej "$L1 5 0 region_size 1024 region_size 2048 $R1" "Parameter given more than once"
rej "$L1 2 0 region_size $R1" "Wrong number of raid parameters given"
rej "$L1 2 0 daemon_sleep $R1" "Wrong number of raid parameters given"

# ---- devices named twice (found by the table fuzzer, test 53) ----
# A leg's data twice, a leg's metadata as another's data, a leg as the
# journal: each was accepted and wrote one leg over another.
rej "$L1 1 0 2 ${M[0]} ${D[0]} ${M[1]} ${D[0]}" "Device given twice in raid set"
rej "$L1 1 0 2 ${M[0]} ${D[0]} ${D[0]} ${D[1]}" "Device given twice in raid set"
rej "$L5 3 64 journal_dev ${D[2]} $R5" "Device given twice in raid set"

# ---- a leg without a metadata device beside legs with one ----
# md keeps that leg's superblock and bitmap at the start of its data
# device: the stock target accepts the table and md writes a bitmap over
# the data (found by a review: "bitm" at byte 4096 of data leg 1).
rej "$L1 1 0 2 ${M[0]} ${D[0]} - ${D[1]}" "Metadata device missing for a leg"

# ---- a length md does not make of the legs (also test 53) ----
# raid10 rounds its size down to whole chunks: the last sectors of such a
# table were mapped to nothing.
rej "0 $((LEG - 1)) raid raid10 1 64 2 ${M[0]} ${D[0]} ${M[1]} ${D[1]}" "Target length leaves a partial chunk on each device"

echo "24-bad-tables: every malformed count/type/chunk/keyword table refused cleanly"

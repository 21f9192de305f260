#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every raid6 type and the raid10 near/far/offset layouts of dm-raid.rst,
# on dm-raidx loaded as "raid": create with metadata devices, resync, data
# checksum, check finds no mismatches, one (raid6: then two) failed legs
# keep the data (see one_level in compat.sh).
# timeout: 600
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat.sh"

raidx_as_raid
MB=16
LEG=$((MB << 11))
BYTES=$((4 << 20))

for t in raid6_zr raid6_nr raid6_nc raid6_n_6 raid6_la_6 raid6_ra_6 raid6_ls_6 raid6_rs_6; do
	one_level "$t" 4 64
done
one_level raid10 4 64 raid10_format near raid10_copies 2
one_level raid10 4 64 raid10_format far raid10_copies 2
one_level raid10 3 64 raid10_format offset raid10_copies 2
one_level raid10 3 64 raid10_copies 3
echo "26-levels-raid6-raid10: all raid6 and raid10 types passed"

// SPDX-License-Identifier: GPL-2.0
/*
 * array-rules.c - rules of the array that the kernel applies and the
 * tools must apply the same way, but that dm-target/raidx-format.c does
 * not have yet.  They belong there, next to the field rules, so that the
 * module and the tools share one copy; until they move, nothing else in
 * tools/ may restate them.
 */
#include "raidx-tools.h"

/*
 * dm-raid super_validate: no bitmap for raid0 or journaled raid4/5/6;
 * none for PPL, and none until dm-raidx writes a fresh one after PPL.
 */
bool rx_array_has_bitmap(const struct raidx_sb *sb)
{
	if (sb->level == 0)
		return false;
	if (sb->incompat_features & (RAIDX_INCOMPAT_JOURNAL |
				     RAIDX_INCOMPAT_STALE_BITMAP))
		return false;
	if (sb->has_ext && (sb->consistency_policy == RAIDX_POLICY_JOURNAL ||
			    sb->consistency_policy == RAIDX_POLICY_PPL))
		return false;
	return true;
}

/*
 * What md stores in bitmap sync_size: mddev->resync_max_sectors, which
 * is the per-device size for raid1/4/5/6 and the array size for raid10
 * (raid10_run sets it to raid10_size()).
 */
unsigned long long rx_bitmap_sync_sectors(const struct raidx_sb *sb)
{
	return sb->level == 10 ? sb->array_sectors : sb->sectors;
}

/*
 * Index of the freshest leg with a valid superblock, or -1: the one
 * super_load() trusts (raidx_sb_fresher() is the shared comparison).
 */
int rx_freshest(const struct rx_array *a)
{
	int best = -1;
	unsigned int i;

	for (i = 0; i < a->nr; i++) {
		if (!a->legs[i].sb_valid)
			continue;
		if (best < 0 || raidx_sb_fresher(&a->legs[i].sb,
						 &a->legs[best].sb))
			best = i;
	}
	return best;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * raidx-md.c - driving md for a dm target.
 *
 * Owns: starting and stopping the md personality, the stripe cache, the
 * device-mapper suspend/resume protocol (postsuspend, preresume, resume),
 * loading and resizing the write-intent bitmap, and reviving legs that
 * failed transiently.  The array is started read-only and frozen in the
 * constructor and only begins to write and resync on the first resume,
 * so that a table that is loaded but never resumed changes nothing.
 */
#include "raidx.h"
#include "md-bitmap.h"
#include "raid5.h"

static int set_stripe_cache(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	struct r5conf *conf = md->private;
	unsigned int min_stripes = max(md->chunk_sectors,
				       md->new_chunk_sectors) / 2;
	unsigned int nr = max_t(unsigned int, rs->params.stripe_cache,
				min_stripes);
	int r;

	if (!conf) {
		rs->ti->error =
			"Cannot change stripe_cache size on inactive RAID set";
		return -EINVAL;
	}
	if (nr != rs->params.stripe_cache)
		DMINFO("Adjusting requested %u stripe cache entries to %u to suit stripe size",
		       rs->params.stripe_cache, nr);
	if (conf->min_nr_stripes == nr)
		return 0;
	r = raid5_set_cache_size(md, nr);
	if (r)
		rs->ti->error = "Failed to set raid4/5/6 stripe cache size";
	return r;
}

/* md_run() + md_start(), leaving the array suspended until resume. */
int raidx_start_array(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	int r;

	md->ro = 1;
	md->in_sync = 1;
	set_bit(MD_RECOVERY_FROZEN, &md->recovery);

	mddev_lock_nointr(md);
	r = md_run(md);
	md->in_sync = 0;
	if (r) {
		rs->ti->error = "Failed to run raid array";
		mddev_unlock(md);
		return r;
	}
	r = md_start(md);
	if (r) {
		rs->ti->error = "Failed to start raid array";
		goto fail;
	}
	r = raidx_policy_after_start(rs);
	if (r)
		goto fail;

	mddev_suspend(md);
	rs->suspended = true;
	if (rs_is_raid456(rs)) {
		r = set_stripe_cache(rs);
		if (r)
			goto fail;
	}
	mddev_unlock(md);
	return 0;
fail:
	md_stop(md);
	mddev_unlock(md);
	return r;
}

void raidx_stop_array(struct raidx_set *rs)
{
	mddev_lock_nointr(&rs->md);
	/*
	 * md_stop() quiesces the personality itself; quiescing a suspended
	 * (already quiesced) raid5 journal again parks its reclaim thread
	 * twice and WARNs.  The array is frozen, so resuming starts nothing.
	 */
	if (rs->suspended) {
		mddev_resume(&rs->md);
		rs->suspended = false;
	}
	md_stop(&rs->md);
	mddev_unlock(&rs->md);
}

/*
 * md_stop_writes() quiesces raid456 holding the reconfig mutex, and the
 * quiesce writes a journal's write-back cache out.  The journal's reclaim
 * then moves the log tail; on a journal device that can discard it flags
 * a superblock update it cannot make without that mutex, and raid5
 * handles no stripe while the update is pending: the quiesce waits
 * forever (the stock target hangs there).  mddev_suspend() quiesces with
 * MD_ALLOW_SB_UPDATE, so raid5d writes the superblock on its behalf;
 * emptying the cache that way first leaves md_stop_writes() nothing to
 * wait for, as the table is suspended and no new write can refill it.
 */
static void flush_journal_cache(struct raidx_set *rs)
{
	if (!rs->journal.dev || !rs->md.pers)
		return;
	mddev_lock_nointr(&rs->md);
	mddev_suspend(&rs->md);
	mddev_resume(&rs->md);
	mddev_unlock(&rs->md);
}

void raidx_postsuspend(struct dm_target *ti)
{
	struct raidx_set *rs = ti->private;

	if (rs->suspended)
		return;
	rs->suspended = true;
	/* Writes must stop before the suspend, or it can deadlock. */
	if (!test_bit(MD_RECOVERY_FROZEN, &rs->md.recovery)) {
		flush_journal_cache(rs);
		md_stop_writes(&rs->md);
	}
	mddev_lock_nointr(&rs->md);
	mddev_suspend(&rs->md);
	mddev_unlock(&rs->md);
}

/*
 * A leg marked Faulty whose superblock reads again is given back to the
 * personality; the bitmap then resyncs only what changed meanwhile.
 */
static void revive_faulty_legs(struct raidx_set *rs)
{
	DECLARE_BITMAP(revived, RAIDX_MAX_DEVICES);
	struct mddev *md = &rs->md;
	unsigned int i;

	if (!md->pers || !md->pers->hot_add_disk || !md->pers->hot_remove_disk)
		return;

	bitmap_zero(revived, RAIDX_MAX_DEVICES);
	for (i = 0; i < rs->raid_disks; i++) {
		struct md_rdev *rdev = &rs->dev[i].rdev;
		unsigned long flags = rdev->flags;

		if (!test_bit(Faulty, &rdev->flags) || !rdev->meta_bdev ||
		    raidx_read_sb(rdev, true))
			continue;

		DMINFO("Faulty %s device #%u has readable super block.  Attempting to revive it.",
		       rs->type->name, i);
		clear_bit(In_sync, &rdev->flags);
		if (rdev->raid_disk >= 0) {
			if (md->pers->hot_remove_disk(md, rdev)) {
				rdev->flags = flags;
				continue;
			}
		} else {
			rdev->raid_disk = i;
			rdev->saved_raid_disk = i;
		}
		clear_bit(Faulty, &rdev->flags);
		clear_bit(WriteErrorSeen, &rdev->flags);
		if (md->pers->hot_add_disk(md, rdev)) {
			rdev->raid_disk = -1;
			rdev->saved_raid_disk = -1;
			rdev->flags = flags;
			continue;
		}
		clear_bit(In_sync, &rdev->flags);
		rdev->recovery_offset = 0;
		set_bit(i, revived);
	}
	raidx_clear_failed_bits(rs, revived);
}

static int load_bitmap(struct raidx_set *rs)
{
	int r;

	if (rs_is_raid0(rs) || rs->bitmap_loaded)
		return 0;
	rs->bitmap_loaded = true;
	r = md_bitmap_load(&rs->md);
	if (r)
		DMERR("Failed to load bitmap");
	return r;
}

int raidx_preresume(struct dm_target *ti)
{
	struct raidx_set *rs = ti->private;
	struct mddev *md = &rs->md;
	unsigned int want_chunk;
	int r;

	/* Only the first resume of this table starts anything. */
	if (rs->preresumed)
		return 0;
	rs->preresumed = true;

	/* New or rebuilt legs need their superblocks before the bitmap. */
	if (rs->write_sbs)
		raidx_write_superblocks(rs);

	r = load_bitmap(rs);
	if (r)
		return r;

	if (rs->grow) {
		md->array_sectors = rs->array_sectors;
		md->dev_sectors = rs->dev_sectors;
		raidx_set_rdev_sectors(rs);
		raidx_set_capacity(rs);
	}

	want_chunk = to_bytes(rs->params.region_size);
	if (rs->bitmap_loaded && md->bitmap &&
	    (rs->grow || (want_chunk &&
			  md->bitmap_info.chunksize != want_chunk))) {
		r = md_bitmap_resize(md->bitmap, md->dev_sectors,
				     want_chunk ?: md->bitmap_info.chunksize, 0);
		if (r)
			DMERR("Failed to resize bitmap");
	}

	set_bit(MD_RECOVERY_FROZEN, &md->recovery);
	if (md->recovery_cp && md->recovery_cp < MaxSector) {
		set_bit(MD_RECOVERY_REQUESTED, &md->recovery);
		md->resync_min = md->recovery_cp;
		if (rs->grow)
			md->resync_max_sectors = md->dev_sectors;
	}
	return 0;
}

void raidx_resume(struct dm_target *ti)
{
	struct raidx_set *rs = ti->private;
	struct mddev *md = &rs->md;

	if (rs->resumed) {
		/* A later resume is the admin's way to retry failed legs. */
		mddev_lock_nointr(md);
		revive_faulty_legs(rs);
		mddev_unlock(md);
	}
	rs->resumed = true;

	if (!rs->suspended)
		return;
	rs->suspended = false;
	mddev_lock_nointr(md);
	clear_bit(MD_RECOVERY_FROZEN, &md->recovery);
	md->ro = 0;
	/*
	 * With superblocks, start clean as md_run() does for md's own arrays:
	 * the first write marks the superblocks dirty and safemode marks them
	 * clean again, which is how a crash is told from a clean stop.
	 * Without superblocks there is nothing to record; md's safemode
	 * marks such an array clean once writes stop.
	 */
	md->in_sync = md->persistent && md->recovery_cp == MaxSector;
	mddev_resume(md);
	mddev_unlock(md);
}

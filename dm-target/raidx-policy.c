// SPDX-License-Identifier: GPL-2.0
/*
 * raidx-policy.c - how a raid4/5/6 array closes its write hole.
 *
 * Owns: the consistency policy (resync = bitmap, journal = md's
 * raid5-cache on a journal device, ppl = md's raid5-ppl in space before
 * the data), the rules that decide which one an array may use, setting up
 * the mddev and rdevs for it before md_run(), the journal mode, and the
 * messages that switch either at runtime.
 */
#include "raidx.h"
#include "raid5.h"
#include "md-bitmap.h"

static int refuse(struct raidx_set *rs, const char *why)
{
	rs->ti->error = (char *)why;
	return -EINVAL;
}

/* Table-only rules, before any superblock is read. */
int raidx_policy_check(struct raidx_set *rs)
{
	bool journal = rs_given(rs, RAIDX_ARG_JOURNAL_DEV);

	if (!rs_given(rs, RAIDX_ARG_CONSISTENCY_POLICY)) {
		rs->policy = journal ? RAIDX_POLICY_JOURNAL :
				       RAIDX_POLICY_RESYNC;
		return 0;
	}

	rs->policy = rs->params.policy;
	switch (rs->policy) {
	case RAIDX_POLICY_JOURNAL:
		if (!journal)
			return refuse(rs, "consistency_policy journal needs a journal_dev");
		break;
	case RAIDX_POLICY_PPL:
		if (journal)
			return refuse(rs, "consistency_policy ppl excludes journal_dev");
		if (rs->type->level != 5)
			return refuse(rs, "consistency_policy ppl needs raid5");
		break;
	default:
		if (journal)
			return refuse(rs, "journal_dev implies consistency_policy journal");
		break;
	}
	return 0;
}

/* PPL space: at most 1 MiB, and md needs a 4 KiB header plus a stripe. */
#define RAIDX_PPL_MAX_SECTORS	2048
#define RAIDX_PPL_MIN_SECTORS	16

/*
 * Where the PPL of each leg lives: [ppl_sector, ppl_sector + ppl_size) on
 * the data device, outside the data.  A table that creates a PPL array
 * puts it before the data, in the space data_offset leaves; a running
 * array switched to PPL has its data at data_offset already, so it uses
 * the space before the data if there is any, else the space after it
 * (which the stock target keeps for reshapes; PPL arrays do not reshape).
 * Either way at most RAIDX_PPL_MAX_SECTORS.  Sets up the rdevs for md's
 * ppl_validate_rdev(); returns why it cannot, or NULL.
 */
static const char *ppl_layout(struct raidx_set *rs, sector_t data_offset,
			      bool fresh, bool after_data)
{
	sector_t data_end = data_offset + rs->md.dev_sectors;
	sector_t room = 0;
	struct md_rdev *rdev;

	rdev_for_each(rdev, &rs->md)
		if (!test_bit(Journal, &rdev->flags) && rdev->bdev) {
			sector_t size = bdev_nr_sectors(rdev->bdev);

			if (size < data_end)
				return "Component device(s) too small for data_offset and data";
			if (!room || size - data_end < room)
				room = size - data_end;
		}

	if (fresh || !rs->ppl_size) {
		if (data_offset >= RAIDX_PPL_MIN_SECTORS) {
			rs->ppl_sector = 0;
			rs->ppl_size = min_t(sector_t, data_offset,
					     RAIDX_PPL_MAX_SECTORS);
		} else if (after_data && room >= RAIDX_PPL_MIN_SECTORS) {
			rs->ppl_sector = data_end;
			rs->ppl_size = min_t(sector_t, room,
					     RAIDX_PPL_MAX_SECTORS);
		} else {
			return after_data ?
			       "no room for PPL: needs 16 free sectors before or after the data" :
			       "consistency_policy ppl needs data_offset >= 32";
		}
	}
	if (rs->ppl_sector + rs->ppl_size > data_offset &&
	    rs->ppl_sector < data_end)
		return "PPL space overlaps the data area";
	if (rs->ppl_sector + rs->ppl_size > data_end + room)
		return "Component device(s) too small for the PPL";
	if (rs->raid_disks > 64)
		return "consistency_policy ppl supports at most 64 devices";

	rdev_for_each(rdev, &rs->md) {
		if (test_bit(Journal, &rdev->flags))
			continue;
		rdev->data_offset = data_offset;
		rdev->ppl.sector = rs->ppl_sector;
		rdev->ppl.size = rs->ppl_size;
		/*
		 * md checks the PPL against a superblock on the same device;
		 * ours lives on the metadata device, so point past it.
		 */
		rdev->ppl.offset = RAIDX_PPL_MIN_SECTORS;
	}
	return NULL;
}

static int place_ppl(struct raidx_set *rs, bool new_array)
{
	struct mddev *md = &rs->md;
	sector_t data_offset = new_array ? rs->params.data_offset :
					   rs->dev[0].rdev.data_offset;
	const char *why = ppl_layout(rs, data_offset, new_array, !new_array);
	struct md_rdev *rdev;

	if (why)
		return refuse(rs, why);
	/* No reshape space: the data stays where the PPL ends. */
	rdev_for_each(rdev, md)
		rdev->new_data_offset = rdev->data_offset;
	/* PPL and a bitmap are exclusive in md. */
	md->bitmap_info.offset = 0;
	md->bitmap_info.default_offset = 0;
	set_bit(MD_HAS_PPL, &md->flags);
	return 0;
}

/*
 * After the superblocks are read: reconcile the table's policy with the
 * superblock's, and set up the mddev for it before md_run().
 */
int raidx_policy_prepare(struct raidx_set *rs)
{
	bool new_array = test_bit(MD_ARRAY_FIRST_USE, &rs->md.flags);

	if (rs->sb_has_ext && rs->sb_journal_mode >= 0 &&
	    !rs_given(rs, RAIDX_ARG_JOURNAL_MODE))
		rs->journal.mode = rs->sb_journal_mode;

	if (!new_array && rs->sb_policy >= 0 &&
	    !rs_given(rs, RAIDX_ARG_CONSISTENCY_POLICY)) {
		if (rs->sb_policy == RAIDX_POLICY_JOURNAL && !rs->journal.dev)
			return refuse(rs, "Array has a write journal: table must name journal_dev");
		if (rs->sb_policy != RAIDX_POLICY_JOURNAL)
			rs->policy = rs->sb_policy;
	}

	/*
	 * Journal and PPL checksums are seeded from the array uuid.  md also
	 * stamps it into the bitmap header and refuses a bitmap whose uuid
	 * differs, so an array the stock target may open (no log, so no
	 * incompat bit) keeps the all-zero uuid the stock target uses.
	 */
	if (rs->policy == RAIDX_POLICY_PPL || rs->journal.dev)
		memcpy(rs->md.uuid, rs->uuid, sizeof(rs->md.uuid));

	/*
	 * A table that changes the policy of a crashed PPL array would throw
	 * its log away, and a crashed array changed to PPL could replay a
	 * stale one: the recorded policy must recover the array first.
	 */
	if (!new_array && rs->sb_dirty && rs->sb_policy >= 0 &&
	    rs->policy != rs->sb_policy &&
	    (rs->policy == RAIDX_POLICY_PPL ||
	     rs->sb_policy == RAIDX_POLICY_PPL))
		return refuse(rs,
			      "Unclean array: activate it with its recorded consistency_policy first");

	if (rs->policy != RAIDX_POLICY_PPL) {
		rs->ppl_size = 0;
		/*
		 * The bitmap area is stale after PPL (or after a runtime switch
		 * dropped the bitmap): have md write a fresh header, which it
		 * does on MD_ARRAY_FIRST_USE only.
		 */
		if (rs->bitmap_stale && rs->md.bitmap_info.offset) {
			set_bit(MD_ARRAY_FIRST_USE, &rs->md.flags);
			rs->bitmap_stale = false;
		}
		return 0;
	}
	if (rs_is_reshaping(rs))
		return refuse(rs, "consistency_policy ppl cannot start during a reshape");
	rs->bitmap_stale = true;
	return place_ppl(rs, new_array);
}

/* Once md runs: apply the journal mode the table or superblock asks. */
int raidx_policy_after_start(struct raidx_set *rs)
{
	int r;

	if (!rs->journal.dev ||
	    (!rs_given(rs, RAIDX_ARG_JOURNAL_MODE) &&
	     rs->journal.mode == RAIDX_JOURNAL_WRITETHROUGH))
		return 0;

	r = r5c_journal_mode_set(&rs->md, rs->journal.mode);
	if (r == -EINVAL && rs->md.degraded &&
	    rs->journal.mode == RAIDX_JOURNAL_WRITEBACK) {
		/* md itself falls back to writethrough when degraded. */
		DMWARN("Degraded array: journal runs writethrough, not writeback");
		rs->journal.mode = RAIDX_JOURNAL_WRITETHROUGH;
		return 0;
	}
	if (r)
		rs->ti->error = "Failed to set raid4/5/6 journal mode";
	return r;
}

static int set_journal_mode(struct raidx_set *rs, const char *name)
{
	int mode = raidx_journal_mode_by_name(name);
	int r;

	if (mode < 0) {
		DMERR("journal_mode: unknown mode '%s' (writethrough|writeback)",
		      name);
		return -EINVAL;
	}
	if (!rs->journal.dev) {
		DMERR("journal_mode: array has no journal device");
		return -EINVAL;
	}
	/* md_update_sb() on a live array wants the mddev lock. */
	mddev_lock_nointr(&rs->md);
	r = r5c_journal_mode_set(&rs->md, mode);
	if (!r) {
		rs->journal.mode = mode;
		set_bit(RAIDX_ARG_JOURNAL_MODE, &rs->params.given);
		raidx_write_superblocks(rs);
	}
	mddev_unlock(&rs->md);
	if (r)
		DMERR("journal_mode %s refused by md (%d)%s", name, r,
		      r == -EINVAL ? ": writeback needs a non-degraded array" :
				     "");
	return r;
}

/*
 * md_bitmap_destroy() is not exported, so take the bitmap out of the
 * suspended array the way md's "bitmap none" does: disconnect it under
 * md's locks, stop the daemon timeout, free it.  raid5 has no write-behind
 * or serial pool to drain.  Called with the mddev locked and suspended.
 */
static void drop_bitmap(struct mddev *md)
{
	struct bitmap *bitmap = md->bitmap;

	mutex_lock(&md->bitmap_info.mutex);
	spin_lock(&md->lock);
	md->bitmap = NULL;
	spin_unlock(&md->lock);
	mutex_unlock(&md->bitmap_info.mutex);
	md->bitmap_info.offset = 0;
	md->bitmap_info.default_offset = 0;
	if (md->thread)
		md->thread->timeout = MAX_SCHEDULE_TIMEOUT;
	if (bitmap)
		md_bitmap_free(bitmap);
}

/*
 * md reads the PPL headers when it enables the log on a running array and
 * refuses any it cannot verify (mdadm writes them first, as we do): an
 * empty header with the array's signature, the rest of the space zeroed.
 */
static int write_empty_ppl_headers(struct raidx_set *rs)
{
	u32 signature = raidx_ppl_signature(rs->uuid);
	struct md_rdev *rdev;
	struct page *page;
	int r = 0;

	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	raidx_ppl_empty_header(page_address(page), signature);
	rdev_for_each(rdev, &rs->md) {
		if (test_bit(Journal, &rdev->flags) || !rdev->bdev ||
		    rdev->raid_disk < 0 || test_bit(Faulty, &rdev->flags))
			continue;
		r = blkdev_issue_zeroout(rdev->bdev, rdev->ppl.sector,
					 rdev->ppl.size, GFP_KERNEL, 0);
		if (!r && !sync_page_io(rdev, rdev->ppl.sector - rdev->data_offset,
					RAIDX_PPL_HEADER_SIZE, page,
					REQ_OP_WRITE | REQ_SYNC | REQ_FUA,
					false))
			r = -EIO;
		if (r)
			break;
	}
	__free_page(page);
	return r;
}

/*
 * resync -> ppl: PPL space outside the data, a uuid for its checksums,
 * the bitmap dropped (md refuses PPL beside one), then md's personality
 * starts the log and writes the superblocks, which now carry the policy.
 */
static int enable_ppl(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	unsigned int ppl_size = rs->ppl_size;
	sector_t ppl_sector = rs->ppl_sector;
	const char *why;
	int r;

	why = ppl_layout(rs, rs->dev[0].rdev.data_offset, true, true);
	if (why) {
		DMERR("consistency_policy ppl: %s", why);
		r = -EINVAL;
		goto out_layout;
	}
	if (!memchr_inv(rs->uuid, 0, sizeof(rs->uuid)))
		generate_random_uuid(rs->uuid);
	r = write_empty_ppl_headers(rs);
	if (r) {
		DMERR("consistency_policy ppl: cannot write PPL headers (%d)", r);
		goto out_layout;
	}

	mddev_lock_nointr(md);
	mddev_suspend(md);
	memcpy(md->uuid, rs->uuid, sizeof(md->uuid));
	drop_bitmap(md);
	rs->bitmap_stale = true;
	mddev_resume(md);
	mddev_unlock(md);

	rs->policy = RAIDX_POLICY_PPL;
	r = md->pers->change_consistency_policy(md, "ppl");
	if (!r)
		return 0;
	/* The bitmap is gone either way: resync without one until reload. */
	DMERR("consistency_policy ppl refused by md (%d); no bitmap until reload",
	      r);
	rs->policy = RAIDX_POLICY_RESYNC;
	rs->ppl_size = 0;
	mddev_lock_nointr(md);
	raidx_write_superblocks(rs);
	mddev_unlock(md);
	return r;

out_layout:
	rs->ppl_size = ppl_size;
	rs->ppl_sector = ppl_sector;
	return r;
}

/*
 * ppl -> resync, as md does it: the log stops, no bitmap comes back (md
 * cannot create one on a running array), so until the next activation,
 * which writes a fresh bitmap, a crash costs a full resync.
 */
static int disable_ppl(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	unsigned int ppl_size = rs->ppl_size;
	int r;

	rs->policy = RAIDX_POLICY_RESYNC;
	rs->ppl_size = 0;
	r = md->pers->change_consistency_policy(md, "resync");
	if (r) {
		DMERR("consistency_policy resync refused by md (%d)", r);
		rs->policy = RAIDX_POLICY_PPL;
		rs->ppl_size = ppl_size;
		return r;
	}
	DMINFO("%s: PPL off; no bitmap until the next activation",
	       dm_device_name(dm_table_get_md(rs->ti->table)));
	return 0;
}

/* "consistency_policy ppl|resync", as md's sysfs consistency_policy. */
static int switch_policy(struct raidx_set *rs, const char *name)
{
	struct mddev *md = &rs->md;
	int policy = raidx_policy_by_name(name);
	int r;

	if (policy != RAIDX_POLICY_PPL && policy != RAIDX_POLICY_RESYNC) {
		DMERR("consistency_policy: '%s' is not ppl or resync (journal: table)",
		      name);
		return -EINVAL;
	}
	if (policy == rs->policy)
		return 0;
	if (rs->policy == RAIDX_POLICY_JOURNAL) {
		DMERR("consistency_policy: the array has a write journal; it keeps it");
		return -EINVAL;
	}
	if (md->level != 5) {
		DMERR("consistency_policy ppl needs raid5");
		return -EINVAL;
	}
	if (!md->persistent) {
		DMERR("consistency_policy: needs metadata devices to record the policy");
		return -EINVAL;
	}
	if (dm_suspended(rs->ti) || !md->pers || md->ro ||
	    !md->pers->change_consistency_policy) {
		DMERR("consistency_policy: array is not running read-write");
		return -EBUSY;
	}
	if (rs_is_reshaping(rs) || md->recovery_cp != MaxSector ||
	    test_bit(MD_RECOVERY_RUNNING, &md->recovery)) {
		DMERR("consistency_policy: wait until resync, recovery or reshape has finished");
		return -EBUSY;
	}

	r = policy == RAIDX_POLICY_PPL ? enable_ppl(rs) : disable_ppl(rs);
	if (r)
		return r;
	rs->params.policy = policy;
	set_bit(RAIDX_ARG_CONSISTENCY_POLICY, &rs->params.given);
	return 0;
}

/* Messages "journal_mode <m>" and "consistency_policy <p>". */
int raidx_policy_message(struct raidx_set *rs, unsigned int argc, char **argv)
{
	if (argc != 2) {
		DMERR("%s needs exactly one argument", argv[0]);
		return -EINVAL;
	}
	if (!strcasecmp(argv[0], "journal_mode"))
		return set_journal_mode(rs, argv[1]);
	return switch_policy(rs, argv[1]);
}

/* The journal character of the status line. */
const char *raidx_journal_status(struct raidx_set *rs)
{
	if (!rs->journal.dev)
		return "-";
	if (test_bit(Faulty, &rs->journal.rdev.flags))
		return "D";
	return rs->journal.mode == RAIDX_JOURNAL_WRITETHROUGH ? "A" : "a";
}

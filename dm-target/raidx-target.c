// SPDX-License-Identifier: GPL-2.0
/*
 * raidx-target.c - the dm-raidx device-mapper target.
 *
 * Owns: module load/unload, the target_type, the constructor's sequence
 * (parse, read superblocks, decide what this table means for the array,
 * start md), the destructor, bio mapping, queue limits, discards and
 * table events.  The pieces each step calls live in the files raidx.h
 * lists.
 */
#include "raidx.h"

#define RAIDX_VERSION_MAJOR	1
#define RAIDX_VERSION_MINOR	17
#define RAIDX_VERSION_PATCH	1

static char *target_name = "raid";
module_param(target_name, charp, 0444);
MODULE_PARM_DESC(target_name,
		 "Name to register the target under (default \"raid\"; e.g. \"raidx\" to run beside the stock dm-raid)");

bool raidx_discard_safe;
module_param_named(devices_handle_discard_safely, raidx_discard_safe, bool,
		   0644);
MODULE_PARM_DESC(devices_handle_discard_safely,
		 "Set to Y if all devices in each array reliably return zeroes on reads from discarded regions");

bool raidx_start_dirty_degraded;
module_param_named(start_dirty_degraded, raidx_start_dirty_degraded, bool,
		   0644);
MODULE_PARM_DESC(start_dirty_degraded,
		 "Start a raid4/5/6 array with consistency_policy resync even when it crashed while degraded (its stripes may be wrong: the write hole)");

/*
 * ---- Events and capacity ----
 */
void raidx_set_capacity(struct raidx_set *rs)
{
	struct gendisk *disk = dm_disk(dm_table_get_md(rs->ti->table));

	set_capacity_and_notify(disk, rs->md.array_sectors);
}

/* md calls this on a leg failure; LVM's dmeventd waits for the event. */
static void raidx_table_event(struct work_struct *ws)
{
	struct raidx_set *rs = container_of(ws, struct raidx_set,
					    md.event_work);

	smp_rmb(); /* the newest mddev state */
	if (!rs_is_reshaping(rs)) {
		if (rs_is_raid10(rs))
			raidx_set_rdev_sectors(rs);
		raidx_set_capacity(rs);
	}
	dm_table_event(rs->ti->table);
}

/*
 * ---- Constructor decisions ----
 */
static void setup_recovery(struct raidx_set *rs, sector_t from)
{
	struct mddev *md = &rs->md;

	if (rs_is_raid0(rs))
		md->recovery_cp = MaxSector;
	else if (rs_is_raid6(rs))
		/* parity and Q must both be right: no nosync for raid6 */
		md->recovery_cp = from;
	else
		md->recovery_cp = rs_given(rs, RAIDX_ARG_NOSYNC) ?
				  MaxSector : from;
}

static sector_t reshape_space(struct raidx_set *rs)
{
	struct md_rdev *rdev = &rs->dev[0].rdev;
	sector_t space;

	space = max(rdev->data_offset, rdev->new_data_offset) -
		min(rdev->data_offset, rdev->new_data_offset);
	return max(space, rs->params.data_offset);
}

static bool rs_is_reshapable(struct raidx_set *rs)
{
	return rs_is_raid456(rs) || rs_is_raid1(rs) ||
	       (rs_is_raid10(rs) &&
		raidx_r10_far_copies(rs->md.new_layout) < 2);
}

/*
 * data_offset on the table records where free reshape space lies; with
 * no reshape it only toggles new_data_offset, as the stock target does,
 * so superblocks written by either target agree.
 */
static int adjust_data_offsets(struct raidx_set *rs)
{
	sector_t offset = 0, new_offset = 0, want = rs->params.data_offset;
	struct md_rdev *rdev;

	/* A PPL array's data_offset says where its log ends, not reshape. */
	if (rs->policy == RAIDX_POLICY_PPL)
		return 0;

	if (!rs_given(rs, RAIDX_ARG_DATA_OFFSET)) {
		if (rs_is_reshapable(rs))
			return 0;
	} else {
		offset = want ? rs->dev[0].rdev.data_offset : 0;
		new_offset = offset ? 0 : want;
		rs->write_sbs = true;
		if (want && rs->dev[0].rdev.bdev &&
		    bdev_nr_sectors(rs->dev[0].rdev.bdev) - rs->md.dev_sectors <
		    32) {
			rs->ti->error = offset ? "No space for forward reshape" :
						 "No space for backward reshape";
			return -ENOSPC;
		}
	}

	/* Offsets shift the resync position too. */
	if (rs->md.recovery_cp < rs->md.dev_sectors)
		rs->md.recovery_cp += rs->dev[0].rdev.data_offset;

	rdev_for_each(rdev, &rs->md)
		if (!test_bit(Journal, &rdev->flags)) {
			rdev->data_offset = offset;
			rdev->new_data_offset = new_offset;
		}
	return 0;
}

static sector_t first_rdev_sectors(struct raidx_set *rs)
{
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++)
		if (rs->dev[i].rdev.bdev && rs->dev[i].rdev.sectors)
			return rs->dev[i].rdev.sectors;
	return 0;
}

/*
 * What does this table mean for the array its superblocks describe: a
 * new array, a rebuild, a size change, or the same array again?
 */
static int decide(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	sector_t sb_array = md->array_sectors, rdev_sectors, space;
	int r;

	if (test_bit(MD_ARRAY_FIRST_USE, &md->flags)) {
		if (rs_given(rs, RAIDX_ARG_DELTA_DISKS)) {
			rs->ti->error = "Reshape (delta_disks) is not supported by dm-raidx yet";
			return -EOPNOTSUPP;
		}
		if (rs_is_raid6(rs) && rs_given(rs, RAIDX_ARG_NOSYNC)) {
			rs->ti->error =
				"'nosync' not allowed for new raid6 set";
			return -EINVAL;
		}
		setup_recovery(rs, 0);
		rs->write_sbs = true;
		md->raid_disks = rs->raid_disks;
		md->delta_disks = 0;
		return 0;
	}

	/*
	 * As md does for its own superblocks: after a crash while degraded,
	 * parity may not match the data it covers, so the missing leg's data
	 * computed from it may be wrong.  Only a log (journal, PPL) knows.
	 */
	if (rs_is_raid456(rs) && rs->policy == RAIDX_POLICY_RESYNC &&
	    rs->sb_dirty && rs->degraded_legs && !raidx_start_dirty_degraded) {
		DMERR("Crashed with writes in flight and %u leg(s) missing:",
		      rs->degraded_legs);
		DMERR("data of the missing leg may read back wrong.");
		DMERR("Restore or rebuild the leg, or set start_dirty_degraded=1.");
		rs->ti->error = "Cannot start dirty degraded array (write hole)";
		return -EINVAL;
	}

	/*
	 * After a crash the bitmap knows which regions had writes in flight,
	 * but md only resyncs them when the array is recorded dirty; the
	 * stock target never records that and leaves them unsynced.
	 */
	if (rs->policy == RAIDX_POLICY_RESYNC && rs->sb_dirty &&
	    md->bitmap_info.offset && !rs->degraded_legs &&
	    !rs_given(rs, RAIDX_ARG_NOSYNC) && md->recovery_cp == MaxSector) {
		DMINFO("Array was not shut down cleanly: resyncing the regions its bitmap marks");
		md->recovery_cp = 0;
	}

	rdev_sectors = first_rdev_sectors(rs);
	if (!rdev_sectors) {
		rs->ti->error = "Invalid rdev size";
		return -EINVAL;
	}
	space = reshape_space(rs);
	rs->grow = rs->dev_sectors != rdev_sectors &&
		   rs->dev_sectors > rdev_sectors - space;

	if (rs_given(rs, RAIDX_ARG_REBUILD)) {
		rs->grow = false;
		rs->write_sbs = true;
		setup_recovery(rs, MaxSector);
	} else if (rs->grow) {
		/* Run at the recorded size; preresume grows it. */
		r = raidx_set_sizes(rs, sb_array, false);
		if (r)
			return r;
		setup_recovery(rs, min(md->recovery_cp, md->dev_sectors));
	} else {
		r = raidx_set_sizes(rs, rs->ti->len, false);
		if (r)
			return r;
		if (sb_array > rs->array_sectors)
			rs->write_sbs = true;
	}
	md->new_level = md->level;
	md->new_layout = md->layout;
	md->new_chunk_sectors = md->chunk_sectors;
	return 0;
}

/*
 * ---- Discards ----
 */
static void configure_discards(struct raidx_set *rs)
{
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++) {
		struct block_device *bdev = rs->dev[i].rdev.bdev;

		if (!bdev || !bdev_max_discard_sectors(bdev))
			return;
	}
	/* Parity stays right only if discarded blocks read back as zero. */
	if (rs_is_raid456(rs) && !raidx_discard_safe) {
		DMINFO("raid456 discard support disabled due to discard_zeroes_data uncertainty.");
		DMINFO("Set dm-raidx.devices_handle_discard_safely=Y to override.");
		return;
	}
	rs->ti->num_discard_bios = 1;
}

/*
 * ---- Target methods ----
 */
static int raidx_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct raidx_set *rs;
	int r;

	rs = raidx_parse_table(ti, argc, argv);
	if (IS_ERR(rs))
		return PTR_ERR(rs);

	r = raidx_set_sizes(rs, ti->len, false);
	if (r)
		goto bad;
	rs->array_sectors = rs->md.array_sectors;
	rs->dev_sectors = rs->md.dev_sectors;

	r = raidx_load_superblocks(rs);
	if (r)
		goto bad;

	INIT_WORK(&rs->md.event_work, raidx_table_event);
	ti->private = rs;
	ti->num_flush_bios = 1;
	ti->needs_bio_set_dev = true;

	r = decide(rs);
	if (!r)
		r = adjust_data_offsets(rs);
	if (!r)
		r = raidx_policy_prepare(rs);
	if (r)
		goto bad;

	r = raidx_start_array(rs);
	if (r)
		goto bad;
	configure_discards(rs);
	return 0;
bad:
	ti->private = NULL;
	raidx_free_set(rs);
	return r;
}

static void raidx_dtr(struct dm_target *ti)
{
	struct raidx_set *rs = ti->private;

	raidx_stop_array(rs);
	raidx_free_set(rs);
}

static int raidx_map(struct dm_target *ti, struct bio *bio)
{
	struct raidx_set *rs = ti->private;

	/* Past the end of a still-growing array: wait for the grow. */
	if (unlikely(bio_has_data(bio) &&
		     bio_end_sector(bio) > rs->md.array_sectors))
		return DM_MAPIO_REQUEUE;

	md_handle_request(&rs->md, bio);
	return DM_MAPIO_SUBMITTED;
}

static int raidx_iterate_devices(struct dm_target *ti,
				 iterate_devices_callout_fn fn, void *data)
{
	struct raidx_set *rs = ti->private;
	unsigned int i;
	int r = 0;

	for (i = 0; !r && i < rs->raid_disks; i++)
		if (rs->dev[i].data_dev)
			r = fn(ti, rs->dev[i].data_dev, 0, rs->md.dev_sectors,
			       data);
	return r;
}

static void raidx_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct raidx_set *rs = ti->private;
	unsigned int chunk = to_bytes(rs->md.chunk_sectors);

	blk_limits_io_min(limits, chunk);
	blk_limits_io_opt(limits, chunk * (rs->md.raid_disks -
					   rs->type->parity_devs));
}

static struct target_type raidx_target = {
	.version = { RAIDX_VERSION_MAJOR, RAIDX_VERSION_MINOR,
		     RAIDX_VERSION_PATCH },
	.module = THIS_MODULE,
	.ctr = raidx_ctr,
	.dtr = raidx_dtr,
	.map = raidx_map,
	.status = raidx_status,
	.message = raidx_message,
	.iterate_devices = raidx_iterate_devices,
	.io_hints = raidx_io_hints,
	.postsuspend = raidx_postsuspend,
	.preresume = raidx_preresume,
	.resume = raidx_resume,
};

static int __init raidx_init(void)
{
	if (!target_name || !*target_name) {
		DMERR("target_name must not be empty");
		return -EINVAL;
	}
	raidx_target.name = target_name;
	DMINFO("Loading target \"%s\" version %u.%u.%u", target_name,
	       RAIDX_VERSION_MAJOR, RAIDX_VERSION_MINOR, RAIDX_VERSION_PATCH);
	return dm_register_target(&raidx_target);
}

static void __exit raidx_exit(void)
{
	dm_unregister_target(&raidx_target);
}

module_init(raidx_init);
module_exit(raidx_exit);

MODULE_DESCRIPTION(DM_NAME " raid0/1/10/4/5/6 target with journal and PPL");
MODULE_LICENSE("GPL");

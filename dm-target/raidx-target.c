// SPDX-License-Identifier: GPL-2.0
/*
 * raidx-target.c - the dm-raidx device-mapper target.
 *
 * Owns: module load/unload, the target_type, the constructor's sequence
 * (parse, open the devices, build the mddev, read superblocks, decide
 * what this table means for the array, start md), which table runs an
 * array (a reload starts md only once the table it replaces is
 * suspended), the destructor, bio mapping, queue limits and discards.
 * The pieces each step calls live in the files raidx.h lists.
 */
#include "raidx.h"

#define RAIDX_VERSION_MAJOR	1
#define RAIDX_VERSION_MINOR	20
#define RAIDX_VERSION_PATCH	6

static char *target_name = "raid";
module_param(target_name, charp, 0444);
MODULE_PARM_DESC(target_name,
		 "Name to register the target under (default \"raid\"; e.g. \"raidx\" to run beside the stock dm-raid)");

static bool raidx_discard_safe;
module_param_named(devices_handle_discard_safely, raidx_discard_safe, bool,
		   0644);
MODULE_PARM_DESC(devices_handle_discard_safely,
		 "Set to Y if all devices in each array reliably return zeroes on reads from discarded regions");

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
		DMINFO("%s: raid4/5/6 discards off: dm_raidx.devices_handle_discard_safely=N",
		       raidx_name(rs));
		return;
	}
	rs->ti->num_discard_bios = 1;
}

/*
 * ---- Which table runs the array ----
 *
 * dm loads a new table while the old one is live (a reload, LVM's
 * preload) and destroys the old one only after the new one resumed.  The
 * live instance keeps writing superblocks meanwhile, so what they say is
 * not yet the state of the array, and md_run() now would replay logs the
 * live array is still writing.  A table loaded into a device with a live
 * table, or while another started instance shares a device with it, is
 * analysed provisionally (to refuse what is wrong at load time) and
 * started in preresume, when the other is suspended and has recorded its
 * state, from superblocks read again.
 */
static LIST_HEAD(running_sets);
static DEFINE_MUTEX(running_lock);	/* the list and the flags below */

static bool dm_dev_same(struct dm_dev *a, struct dm_dev *b)
{
	return a && b && a->bdev->bd_dev == b->bdev->bd_dev;
}

static bool uses_dev(struct raidx_set *rs, struct dm_dev *dev)
{
	unsigned int i;

	if (dm_dev_same(rs->journal.dev, dev))
		return true;
	for (i = 0; i < rs->raid_disks; i++)
		if (dm_dev_same(rs->dev[i].meta_dev, dev) ||
		    dm_dev_same(rs->dev[i].data_dev, dev))
			return true;
	return false;
}

static bool shares_devices(struct raidx_set *a, struct raidx_set *b)
{
	unsigned int i;

	if (uses_dev(b, a->journal.dev))
		return true;
	for (i = 0; i < a->raid_disks; i++)
		if (uses_dev(b, a->dev[i].meta_dev) ||
		    uses_dev(b, a->dev[i].data_dev))
			return true;
	return false;
}

/*
 * Another set that has claimed (runs, or is starting) an array sharing a
 * device with @rs; with @busy_only, only one that may write: not quiet.
 * Called with running_lock held.
 */
static struct raidx_set *claimed_peer(struct raidx_set *rs, bool busy_only)
{
	struct raidx_set *other;

	list_for_each_entry(other, &running_sets, running)
		if (other != rs && shares_devices(rs, other) &&
		    (!busy_only || !other->quiet))
			return other;
	return NULL;
}

static void claim(struct raidx_set *rs)
{
	rs->quiet = false;
	list_add(&rs->running, &running_sets);
}

static void unclaim(struct raidx_set *rs)
{
	mutex_lock(&running_lock);
	list_del_init(&rs->running);
	mutex_unlock(&running_lock);
}

static void set_quiet(struct raidx_set *rs, bool quiet)
{
	mutex_lock(&running_lock);
	rs->quiet = quiet;
	mutex_unlock(&running_lock);
}

/*
 * Is this table loaded into a device whose live table (of any target:
 * this one, the stock raid target, the linear table LVM converts from)
 * may still run the array?  dm exports no way to look at the live table,
 * but binding one sets the capacity, and no table has length 0.
 */
static bool device_is_live(struct raidx_set *rs)
{
	return get_capacity(dm_disk(dm_table_get_md(rs->ti->table))) != 0;
}

/*
 * What the table means for the array, once it is built: the legs hold
 * the table's size -> leg state from the table -> read and check
 * superblocks -> adopt the recorded policy -> decide -> data offsets ->
 * policy set-up.
 * @provisional: another instance still writes the superblocks, so their
 * dirty state says nothing about a crash and is not acted on.
 */
static int raidx_analyse(struct raidx_set *rs, bool provisional)
{
	int r;

	rs->provisional = provisional;
	r = raidx_legs_hold(rs, rs->dev_sectors);
	if (r)
		return r;
	raidx_table_leg_state(rs);
	r = raidx_load_superblocks(rs);
	if (r)
		return r;
	if (provisional)
		rs->sb_dirty = false;
	r = raidx_policy_adopt(rs);
	if (!r)
		r = raidx_decide(rs);
	if (!r)
		r = raidx_adjust_data_offsets(rs);
	if (!r)
		r = raidx_policy_prepare(rs);
	return r;
}

/*
 * Preresume of a reloaded table: start md once every other table that
 * runs the array is quiet (suspended with its state recorded, or never
 * resumed).  Those are superseded: they may be destroyed, not resumed.
 * md is started once per table: after a failed start the set's md state
 * cannot be reused, so the table must be loaded again.
 */
static int start_deferred(struct raidx_set *rs)
{
	struct raidx_set *peer, *other;
	int r;

	if (rs->md_tried) {
		DMERR("%s: the array did not start with this table; load it again",
		      raidx_name(rs));
		return -EINVAL;
	}
	mutex_lock(&running_lock);
	peer = claimed_peer(rs, true);
	if (peer) {
		mutex_unlock(&running_lock);
		DMERR("%s: array still runs in table of %s; suspend or remove it first",
		      raidx_name(rs), raidx_name(peer));
		return -EBUSY;
	}
	list_for_each_entry(other, &running_sets, running)
		if (shares_devices(rs, other))
			other->superseded = true;
	claim(rs);
	mutex_unlock(&running_lock);

	raidx_forget_superblocks(rs);
	raidx_size_superblocks(rs);
	r = raidx_analyse(rs, false);
	if (!r)
		r = raidx_start_array(rs);
	if (r) {
		DMERR("%s: cannot start the reloaded array: %s", raidx_name(rs),
		      rs->ti->error ?: "error");
		raidx_md_table_geometry(rs);
		unclaim(rs);
		return r;
	}
	rs->deferred = false;
	set_quiet(rs, true);
	return 0;
}

/*
 * ---- Target methods ----
 */
static int raidx_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct raidx_set *rs, *peer;
	int r;

	rs = raidx_parse_table(ti, argc, argv);
	if (IS_ERR(rs))
		return PTR_ERR(rs);
	r = raidx_open_devices(rs);
	if (!r)
		r = raidx_build_md(rs);
	if (r)
		goto bad;

	ti->private = rs;
	ti->num_flush_bios = 1;
	ti->needs_bio_set_dev = true;

	/*
	 * The claim makes a table loaded meanwhile for the same array wait
	 * for this one; only the list operations hold the lock, not the I/O.
	 */
	mutex_lock(&running_lock);
	peer = claimed_peer(rs, false);
	rs->peer_resync = peer && peer->started ? raidx_resync_position(peer) :
						  MaxSector;
	rs->deferred = device_is_live(rs) || peer;
	if (!rs->deferred)
		claim(rs);
	mutex_unlock(&running_lock);

	r = raidx_analyse(rs, rs->deferred);
	if (!r && !rs->deferred)
		r = raidx_start_array(rs);
	if (r) {
		unclaim(rs);
		goto bad;
	}
	if (!rs->deferred)
		set_quiet(rs, true);
	if (rs->deferred)
		DMINFO("%s: reload of a live table: array starts on resume",
		       raidx_name(rs));
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
	unclaim(rs);
	raidx_free_set(rs);
}

static int raidx_preresume_target(struct dm_target *ti)
{
	struct raidx_set *rs = ti->private;
	int r;

	if (rs->deferred) {
		r = start_deferred(rs);
		if (r)
			return r;
	}
	/* Checked and cleared together, so no takeover slips in between. */
	mutex_lock(&running_lock);
	r = rs->superseded ? -EBUSY : 0;
	if (!r)
		rs->quiet = false;
	mutex_unlock(&running_lock);
	if (r) {
		DMERR("%s: another table has taken this array over; load this one again",
		      raidx_name(rs));
		return r;
	}
	r = raidx_preresume(ti);
	/* Never resumed: another table may take the array over. */
	if (r)
		set_quiet(rs, true);
	return r;
}

/* After postsuspend has recorded the array's state, a reload may start. */
static void raidx_postsuspend_target(struct dm_target *ti)
{
	struct raidx_set *rs = ti->private;

	/* No message may start a sync or write superblocks meanwhile. */
	mutex_lock(&rs->message_lock);
	raidx_postsuspend(ti);
	mutex_unlock(&rs->message_lock);
	if (rs->started)
		set_quiet(rs, true);
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
	sector_t leg = raidx_run_geometry(rs).dev_sectors;
	unsigned int i;
	int r = 0;

	for (i = 0; !r && i < rs->raid_disks; i++)
		if (rs->dev[i].data_dev)
			r = fn(ti, rs->dev[i].data_dev, 0, leg, data);
	return r;
}

/*
 * dm asks for the limits of a reloaded table before md runs it: then the
 * geometry is the one its analysis decided (a raid1's chunk is the
 * superblock's, not the table's), afterwards md's.
 */
static void raidx_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct raidx_set *rs = ti->private;
	const struct raidx_geometry g = raidx_run_geometry(rs);

	blk_limits_io_min(limits, to_bytes(g.chunk_sectors));
	blk_limits_io_opt(limits, to_bytes(g.chunk_sectors) *
			  (g.raid_disks - rs->type->parity_devs));
}

static struct target_type raidx_target = {
	.version = { RAIDX_VERSION_MAJOR, RAIDX_VERSION_MINOR,
		     RAIDX_VERSION_PATCH },
	.module = THIS_MODULE,
	/* In the order dm calls them over a table's life. */
	.ctr = raidx_ctr,
	.iterate_devices = raidx_iterate_devices,
	.io_hints = raidx_io_hints,
	.preresume = raidx_preresume_target,
	.resume = raidx_resume,
	.map = raidx_map,
	.status = raidx_status,
	.message = raidx_message,
	.postsuspend = raidx_postsuspend_target,
	.dtr = raidx_dtr,
};

static int __init raidx_init(void)
{
	int r;

	if (!target_name || !*target_name) {
		DMERR("target_name must not be empty");
		return -EINVAL;
	}
	raidx_target.name = target_name;
	DMINFO("Loading target \"%s\" version %u.%u.%u", target_name,
	       RAIDX_VERSION_MAJOR, RAIDX_VERSION_MINOR, RAIDX_VERSION_PATCH);
	r = dm_register_target(&raidx_target);
	if (r == -EEXIST)
		DMERR("target %s is taken (stock dm_raid?): rmmod dm_raid or use target_name=raidx",
		      target_name);
	return r;
}

static void __exit raidx_exit(void)
{
	dm_unregister_target(&raidx_target);
}

module_init(raidx_init);
module_exit(raidx_exit);

MODULE_DESCRIPTION(DM_NAME " raid0/1/10/4/5/6 target with journal and PPL");
MODULE_LICENSE("GPL");

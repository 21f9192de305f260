// SPDX-License-Identifier: GPL-2.0
/*
 * raidx-md.c - driving md for a dm target.
 *
 * Owns: the mddev a table describes (the constructor's build step),
 * starting and stopping the md personality, the stripe cache, the
 * device-mapper suspend/resume protocol (postsuspend, preresume, resume),
 * loading and resizing the write-intent bitmap, reviving legs that
 * failed transiently, legs held out of the array until its resync ends,
 * the capacity and table events md raises, the journal mode md starts
 * with and a joining journal's empty log.  The array is started
 * read-only (in the constructor, or in preresume for a reload, see
 * raidx-target.c), frozen in preresume, and only begins to write and
 * resync on the first resume.
 */
#include "raidx.h"
#include "md-bitmap.h"
#include "raid5.h"

/*
 * ---- Capacity and table events ----
 */
/* Every data leg md holds is md's per-leg size; a journal has its own. */
static void set_rdev_sectors(struct raidx_set *rs)
{
	struct md_rdev *rdev;

	rdev_for_each(rdev, &rs->md)
		if (!test_bit(Journal, &rdev->flags))
			rdev->sectors = rs->md.dev_sectors;
}

static void set_dm_capacity(struct raidx_set *rs)
{
	struct gendisk *disk = dm_disk(dm_table_get_md(rs->ti->table));

	set_capacity_and_notify(disk, rs->md.array_sectors);
}

/*
 * md queues this when a leg fails or the array changes size; LVM's
 * dmeventd waits for the table event to repair.  A reshape moves the
 * sizes as it goes, and md reports its end with one more event, so only
 * a settled array passes its sizes on.
 */
static void table_event(struct work_struct *ws)
{
	struct raidx_set *rs = container_of(ws, struct raidx_set,
					    md.event_work);
	bool settled;

	smp_rmb(); /* the newest mddev state */
	settled = !rs_is_reshaping(rs);
	if (settled && rs_is_raid10(rs))
		set_rdev_sectors(rs);
	if (settled)
		set_dm_capacity(rs);
	/*
	 * md queues this when a sync ends, too.  The placement needs the
	 * reconfig mutex, which md_stop_writes() holds while it flushes
	 * md_misc_wq, where this runs: it goes on another queue.
	 */
	if (READ_ONCE(rs->legs_after_resync) && rs->md.recovery_cp == MaxSector)
		queue_work(system_long_wq, &rs->place_legs_work);
	dm_table_event(rs->ti->table);
}

/*
 * raidx_recovery_waits_for_resync() on the running array: a leg to be
 * recovered now would make md skip regions its resync still needs.
 */
static bool recovery_must_wait(struct raidx_set *rs)
{
	struct md_rdev *rdev;
	unsigned int in_sync = 0;

	rdev_for_each(rdev, &rs->md)
		if (rdev->raid_disk >= 0 && test_bit(In_sync, &rdev->flags) &&
		    !test_bit(Faulty, &rdev->flags) &&
		    !test_bit(Journal, &rdev->flags))
			in_sync++;
	return raidx_recovery_waits_for_resync(rs->md.level,
					       rs->md.recovery_cp != MaxSector,
					       in_sync);
}

/* Leg @i waits out of the array, md skipping it, until the resync ends. */
static void hold_leg_for_resync(struct raidx_set *rs, unsigned int i)
{
	DMINFO("%s: leg %u waiting for the resync before its recovery",
	       raidx_name(rs), i);
	rs->dev[i].rdev.raid_disk = -1;
	set_bit(Candidate, &rs->dev[i].rdev.flags);
	WRITE_ONCE(rs->legs_after_resync, true);
}

/*
 * Legs the decision held out until the resync ended (leg.after_resync)
 * go to their table positions once it has, recovered by md: in full, or
 * from the bitmap for a leg that came back from a failure (its bits were
 * kept while it was out: md's writes to a degraded mirror keep them).
 * Called with the reconfig mutex held; not while suspended (resume comes
 * back here) or while a sync runs (its end does).
 */
static void place_legs_after_resync(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	bool placed = false, waiting = false;
	unsigned int i;

	if (!rs->legs_after_resync || !rs->started || rs->suspended ||
	    !md->pers || md->recovery_cp != MaxSector ||
	    test_bit(MD_RECOVERY_RUNNING, &md->recovery))
		return;
	for (i = 0; i < rs->raid_disks; i++) {
		struct md_rdev *rdev = &rs->dev[i].rdev;

		if (!test_bit(Candidate, &rdev->flags))
			continue;
		/* failed meanwhile (its superblock write): a failed leg now */
		if (test_bit(Faulty, &rdev->flags)) {
			clear_bit(Candidate, &rdev->flags);
			continue;
		}
		rdev->raid_disk = i;
		rdev->recovery_offset = 0;
		clear_bit(In_sync, &rdev->flags);
		if (md->pers->hot_add_disk(md, rdev)) {
			DMWARN("%s: leg %u not placed after the resync (suspend, resume to retry)",
			       raidx_name(rs), i);
			rdev->raid_disk = -1;
			waiting = true;
			continue;
		}
		clear_bit(Candidate, &rdev->flags);
		DMINFO("%s: resync ended: recovering leg %u", raidx_name(rs), i);
		placed = true;
	}
	if (placed) {
		set_bit(MD_SB_CHANGE_DEVS, &md->sb_flags);
		/* what md_check_recovery() sets too: the status says "recover" */
		set_bit(MD_RECOVERY_RECOVER, &md->recovery);
		set_bit(MD_RECOVERY_NEEDED, &md->recovery);
	}
	/* the status sees the recovery due before the legs stop waiting */
	smp_mb__after_atomic();
	WRITE_ONCE(rs->legs_after_resync, waiting);
	if (placed)
		md_wakeup_thread(md->thread);
}

static void place_legs_work(struct work_struct *ws)
{
	struct raidx_set *rs = container_of(ws, struct raidx_set,
					    place_legs_work);

	mddev_lock_nointr(&rs->md);
	place_legs_after_resync(rs);
	mddev_unlock(&rs->md);
}

/*
 * ---- Step 3 of the constructor: the mddev the table describes ----
 */
static int build_leg(struct raidx_set *rs, unsigned int i)
{
	struct raidx_dev *d = &rs->dev[i];
	struct md_rdev *rdev = &d->rdev;

	if (md_rdev_init(rdev)) {
		rs->ti->error = "Cannot allocate raid context";
		return -ENOMEM;
	}
	rdev->raid_disk = i;
	rdev->mddev = &rs->md;
	if (d->meta_dev) {
		rdev->sb_page = alloc_page(GFP_KERNEL);
		if (!rdev->sb_page) {
			rs->ti->error = "Failed to allocate superblock page";
			return -ENOMEM;
		}
		rdev->meta_bdev = d->meta_dev->bdev;
	}
	if (d->data_dev) {
		rdev->bdev = d->data_dev->bdev;
		list_add_tail(&rdev->same_set, &rs->md.disks);
	}
	return 0;
}

/*
 * Each leg's superblock is one logical block of its metadata device, at
 * its start: set at the build, and again before a reloaded table reads
 * the superblocks anew at its start (the block size may have changed
 * since the load; load_leg() refuses sizes that cannot hold one).
 */
void raidx_size_superblocks(struct raidx_set *rs)
{
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++) {
		struct md_rdev *rdev = &rs->dev[i].rdev;

		if (rdev->meta_bdev) {
			rdev->sb_start = 0;
			rdev->sb_size = bdev_logical_block_size(rdev->meta_bdev);
		}
	}
}

static int build_journal(struct raidx_set *rs)
{
	struct md_rdev *jdev = &rs->journal.rdev;

	if (!rs->journal.dev)
		return 0;
	if (md_rdev_init(jdev)) {
		rs->ti->error = "Cannot allocate raid context";
		return -ENOMEM;
	}
	jdev->mddev = &rs->md;
	jdev->bdev = rs->journal.dev->bdev;
	jdev->sectors = bdev_nr_sectors(jdev->bdev);
	set_bit(Journal, &jdev->flags);
	/* md wants the journal after the data devices. */
	list_add_tail(&jdev->same_set, &rs->md.disks);
	return 0;
}

/*
 * An array without metadata devices keeps no state, like md's own
 * "build" arrays, and is set up as those are: not persistent and not
 * externally managed.  The stock target marks it external, as if a
 * metadata daemon would acknowledge each superblock change; none does,
 * so after any sync (resync, check) md leaves MD_SB_CHANGE_PENDING set
 * for good and raid4/5/6 handles no stripe again: every later write
 * hangs.  Not external, md clears the bit itself.
 */
static void set_persistence(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;

	md->external = 0;
	md->sync_super = raidx_sync_super;
	md->persistent = raidx_has_metadata_devs(rs);
	if (md->persistent)
		md->major_version = 2;
}

/*
 * md's geometry and sizes from rs->geo: the table's when the mddev is
 * built, the decided ones when md starts.
 */
static void set_md_geometry(struct raidx_set *rs)
{
	const struct raidx_geometry *g = &rs->geo;
	struct mddev *md = &rs->md;

	md->level = g->level;
	md->layout = g->layout;
	md->chunk_sectors = g->chunk_sectors;
	md->raid_disks = g->raid_disks;
	md->new_level = g->new_level;
	md->new_layout = g->new_layout;
	md->new_chunk_sectors = g->new_chunk_sectors;
	md->delta_disks = g->delta_disks;
	md->events = g->events;
	md->array_sectors = g->array_sectors;
	md->dev_sectors = g->dev_sectors;
	set_rdev_sectors(rs);
}

/*
 * The table's geometry, in rs->geo and md: what the build sets up, and
 * what a reloaded table whose start failed goes back to (dm swapped it
 * in, to be replaced: its status and table lines then tell of the
 * table's geometry, not of a decision md never ran; its legs show what
 * the analysis found of them, which says why it failed).
 */
void raidx_md_table_geometry(struct raidx_set *rs)
{
	raidx_table_geometry(rs);
	set_md_geometry(rs);
}

/* What the table's words ask of md, checked by raidx_parse_table(). */
static int apply_params(struct raidx_set *rs)
{
	struct raidx_params *p = &rs->params;
	struct mddev *md = &rs->md;

	raidx_md_table_geometry(rs);
	if (rs_given(rs, RAIDX_ARG_DAEMON_SLEEP))
		md->bitmap_info.daemon_sleep = p->daemon_sleep;
	if (rs_given(rs, RAIDX_ARG_MAX_WRITE_BEHIND))
		md->bitmap_info.max_write_behind = p->max_write_behind;
	md->sync_speed_min = p->min_recovery_rate;
	md->sync_speed_max = p->max_recovery_rate;
	if (md->level) {
		sector_t region = p->region_size ?:
				  raidx_region_default(rs->ti->len);

		md->bitmap_info.chunksize = to_bytes(region);
	}
	return dm_set_target_max_io_len(rs->ti, p->chunk_sectors ?:
					to_sector(md->bitmap_info.chunksize));
}

/*
 * The mddev and its rdevs as the table alone describes them, from the
 * checked words and the opened devices; the superblocks, read next,
 * may say otherwise.  On error ti->error says why; raidx_free_set()
 * releases what was set up.
 */
int raidx_build_md(struct raidx_set *rs)
{
	unsigned int i;
	int r;

	mddev_init(&rs->md);
	INIT_WORK(&rs->md.event_work, table_event);
	INIT_WORK(&rs->place_legs_work, place_legs_work);
	for (i = 0; i < rs->raid_disks; i++) {
		r = build_leg(rs, i);
		if (r)
			return r;
	}
	raidx_size_superblocks(rs);
	r = build_journal(rs);
	if (r)
		return r;
	set_persistence(rs);
	return apply_params(rs);
}

/*
 * ---- Starting and stopping md ----
 */
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
		DMINFO("%s: stripe_cache %u raised to %u to hold a full stripe",
		       raidx_name(rs), rs->params.stripe_cache, nr);
	if (conf->min_nr_stripes == nr)
		return 0;
	r = raid5_set_cache_size(md, nr);
	if (r)
		rs->ti->error = "Failed to set raid4/5/6 stripe cache size";
	return r;
}

/*
 * md checks a leg's PPL against a superblock on the same device, which
 * ours is not (it lives on the metadata device): md is told the log lies
 * past one (rdev->ppl.offset, in sectors from the superblock).
 */
#define PPL_PAST_SUPERBLOCK	16

/* Where leg @rdev's PPL lies, for md (none: size 0). */
void raidx_rdev_ppl(struct md_rdev *rdev, const struct raidx_leg_state *leg)
{
	rdev->ppl.sector = leg->ppl_sector;
	rdev->ppl.size = leg->ppl_size;
	rdev->ppl.offset = leg->ppl_size ? PPL_PAST_SUPERBLOCK : 0;
}

/* Where md places a leg and what of it md recovers. */
static void give_leg_place(struct md_rdev *rdev,
			   const struct raidx_leg_state *leg)
{
	rdev->raid_disk = leg->raid_disk;
	rdev->saved_raid_disk = leg->saved_raid_disk;
	rdev->recovery_offset = leg->recovery_offset;
	rdev->data_offset = leg->data_offset;
	rdev->new_data_offset = leg->new_data_offset;
	raidx_rdev_ppl(rdev, leg);
}

/*
 * What the analysis decided for md, written in one place: the geometry
 * and sizes, each leg's state, the journal's tail, where the resync
 * starts, where the bitmap lies, md's flags for a new array or bitmap, a
 * log and a joining leg, and the uuid.  A provisional analysis (a reload)
 * is redone before md starts, and only the last one may reach the mddev.
 */
static void apply_decision(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	unsigned int i;

	set_md_geometry(rs);
	rs->legs_after_resync = false;
	for (i = 0; i < rs->raid_disks; i++) {
		const struct raidx_leg_state *leg = &rs->dev[i].leg;
		struct md_rdev *rdev = &rs->dev[i].rdev;

		give_leg_place(rdev, leg);
		assign_bit(In_sync, &rdev->flags, leg->in_sync);
		assign_bit(Faulty, &rdev->flags, leg->faulty);
		assign_bit(WriteMostly, &rdev->flags, leg->write_mostly);
		/* md adds no Candidate as a spare: place_legs_after_resync() */
		clear_bit(Candidate, &rdev->flags);
		if (leg->after_resync)
			hold_leg_for_resync(rs, i);
	}
	rs->journal.rdev.journal_tail = rs->journal.tail;
	md->recovery_cp = rs->resync_from;
	md->bitmap_info.offset = rs->bitmap_sector;
	md->bitmap_info.default_offset = rs->bitmap_sector;
	assign_bit(MD_ARRAY_FIRST_USE, &md->flags,
		   rs->new_array || rs->fresh_bitmap);
	/* raidx_policy_prepare() refuses a PPL it could not place. */
	assign_bit(MD_HAS_PPL, &md->flags, rs->policy == RAIDX_POLICY_PPL);
	assign_bit(MD_SB_CHANGE_DEVS, &md->sb_flags, rs->leg_joined);
	if (rs->md_gets_uuid)
		memcpy(md->uuid, rs->uuid, sizeof(md->uuid));
	else
		memset(md->uuid, 0, sizeof(md->uuid));
}

/*
 * Once md runs (md starts every journal writethrough): the journal mode
 * the table or the superblocks ask.
 */
static int start_journal_mode(struct raidx_set *rs)
{
	int r;

	rs->journal.running_mode = RAIDX_JOURNAL_WRITETHROUGH;
	if (!rs->journal.dev ||
	    (!rs_given(rs, RAIDX_ARG_JOURNAL_MODE) &&
	     rs->journal.mode == RAIDX_JOURNAL_WRITETHROUGH))
		return 0;

	r = r5c_journal_mode_set(&rs->md, rs->journal.mode);
	if (r == -EINVAL && rs->md.degraded &&
	    rs->journal.mode == RAIDX_JOURNAL_WRITEBACK) {
		/*
		 * md itself falls back to writethrough when degraded.  The
		 * superblocks keep "writeback": the next activation of the
		 * whole array runs it again, as the admin asked.
		 */
		DMWARN("%s: degraded array: journal runs writethrough, not writeback",
		       raidx_name(rs));
		return 0;
	}
	if (r)
		rs->ti->error = "Failed to set raid4/5/6 journal mode";
	else
		rs->journal.running_mode = rs->journal.mode;
	return r;
}

/*
 * A journal that joins the array starts an empty log
 * (raidx_policy_prepare() says why): with its first block cleared, md
 * finds no log at tail 0 and creates one under a random sequence number,
 * md's own guard against the older entries behind it.  md writes that
 * block itself right after; nothing of this array is there yet.
 */
static int clear_joining_journal(struct raidx_set *rs)
{
	struct page *page;
	bool ok;

	if (!rs->journal_joins)
		return 0;
	/* maybe in preresume: reclaim must not wait on a suspended device */
	page = alloc_page(GFP_NOIO | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	ok = sync_page_io(&rs->journal.rdev, 0, PAGE_SIZE, page,
			  REQ_OP_WRITE | REQ_SYNC | REQ_FUA, false);
	__free_page(page);
	if (!ok) {
		rs->ti->error = "Failed to clear the first block of the new journal";
		return -EIO;
	}
	return 0;
}

/*
 * md_run() + md_start(), leaving the array suspended until resume.  Every
 * failure unwinds completely: nothing of md stays allocated or running.
 */
int raidx_start_array(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	int r;

	r = clear_joining_journal(rs);
	if (r)
		return r;
	rs->md_tried = true;
	apply_decision(rs);
	/*
	 * Read-only until resume: md starts no sync on it (md_run() clears
	 * md's recovery flags, so a "frozen" set here would not last;
	 * preresume freezes the array for the resume to thaw).
	 */
	md->ro = 1;
	md->in_sync = 1;

	mddev_lock_nointr(md);
	r = md_run(md);
	md->in_sync = 0;
	if (r) {
		/*
		 * A personality whose run() succeeded took md's writes_pending
		 * reference; md_run() drops the personality on a later failure
		 * (the bitmap) but not the reference: md_stop() would.
		 */
		percpu_ref_exit(&md->writes_pending);
		rs->ti->error = "Failed to run raid array";
		mddev_unlock(md);
		return r;
	}
	r = md_start(md);
	if (r) {
		rs->ti->error = "Failed to start raid array";
		goto fail;
	}
	/* After md_run(): a PPL recovery there may have found it clean. */
	rs->recorded_resync = md->recovery_cp;
	/*
	 * The personality sizes the array itself (raid0/10 round to whole
	 * chunks): a table longer than that would map sectors md does not
	 * have.  A grow reaches the table's length only in preresume.
	 */
	if (!rs->grow && md->array_sectors < rs->ti->len) {
		DMERR("%s: table length %llu exceeds the %llu sectors md made of the legs",
		      raidx_name(rs), (unsigned long long)rs->ti->len,
		      (unsigned long long)md->array_sectors);
		rs->ti->error = "Target length exceeds the raid set size";
		r = -EINVAL;
		goto fail;
	}
	r = start_journal_mode(rs);
	if (r)
		goto fail;
	/*
	 * Before mddev_suspend(): a failure after it would need a resume
	 * (md_stop() quiesces again, and the suspend holds the task's
	 * memalloc_noio state) to unwind.
	 */
	if (rs_is_raid456(rs)) {
		r = set_stripe_cache(rs);
		if (r)
			goto fail;
	}

	mddev_suspend(md);
	rs->suspended = true;
	/* md's state, not the decision, from here: raidx_run_geometry() */
	smp_store_release(&rs->started, true);
	mddev_unlock(md);
	return 0;
fail:
	md_stop(md);
	mddev_unlock(md);
	cancel_work_sync(&rs->place_legs_work);
	return r;
}

/*
 * md_bitmap_destroy() is not exported, so take the bitmap out of the
 * suspended array the way md's "bitmap none" does: disconnect it under
 * md's locks, stop the daemon timeout, free it.  Called with the mddev
 * locked and suspended after writes were quiesced, so no raid1
 * write-behind is still in flight to wait for.
 */
void raidx_drop_bitmap(struct mddev *md)
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

void raidx_stop_array(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;

	if (!rs->started)
		return;
	mddev_lock_nointr(md);
	/*
	 * Postsuspend stopped the writes and recorded the array's state (or
	 * it never went read-write).  A table that replaces this one is
	 * already running when dm destroys this one: a superblock or bitmap
	 * header written now would put stale state over the new instance's.
	 * md_stop() flushes the bitmap whatever md->ro says, so the bitmap
	 * goes first, while md is still suspended.
	 */
	md->ro = 1;
	if (rs->suspended)
		raidx_drop_bitmap(md);
	/*
	 * md_stop() quiesces the personality itself; quiescing a suspended
	 * (already quiesced) raid5 journal again parks its reclaim thread
	 * twice and WARNs.  The array is frozen, so resuming starts nothing.
	 */
	if (rs->suspended) {
		mddev_resume(md);
		rs->suspended = false;
	}
	md_stop(md);
	rs->started = false;
	mddev_unlock(md);
	/* md_stop() flushed the table events that queue it; it finds md gone */
	cancel_work_sync(&rs->place_legs_work);
}

/*
 * md_reap_sync_thread() forgets that a resync was requested; the next
 * one md starts would go by the bitmap from sector 0 and skip what the
 * request was for (a grown part).  Ask again from where it stopped.
 * Called with the reconfig mutex held, the sync thread reaped.
 */
static void rearm_requested_resync(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;

	if (!rs->resync_requested)
		return;
	if (md->recovery_cp == MaxSector) {
		rs->resync_requested = false;
		return;
	}
	md->resync_min = md->recovery_cp;
	set_bit(MD_RECOVERY_REQUESTED, &md->recovery);
}

/*
 * Stop a running sync thread.  md_reap_sync_thread() needs the reconfig
 * mutex, and the sync thread may wait for something that needs it too (a
 * superblock update), so the thread is stopped unlocked and reaped
 * locked, as md's own "idle" action does.  md_stop_writes() stops it
 * holding the mutex and can wait for it for good.
 */
void raidx_stop_sync_thread(struct mddev *md)
{
	sector_t reshape_position;

	if (!test_bit(MD_RECOVERY_RUNNING, &md->recovery))
		return;
	mddev_lock_nointr(md);
	/*
	 * md starts its sync thread from a work item: one queued or under
	 * way would start it after this returned.  (Never set up: never
	 * queued.)
	 */
	if (md->del_work.func)
		flush_work(&md->del_work);
	if (md->sync_thread) {
		reshape_position = md->reshape_position;
		mddev_unlock(md);
		set_bit(MD_RECOVERY_INTR, &md->recovery);
		md_unregister_thread(&md->sync_thread);
		mddev_lock_nointr(md);
		/* Others may have changed both while unlocked. */
		md->reshape_position = reshape_position;
		set_bit(MD_RECOVERY_INTR, &md->recovery);
		md_reap_sync_thread(md);
		rearm_requested_resync(mddev_to_rs(md));
	}
	mddev_unlock(md);
}

/*
 * md_stop_writes() quiesces raid456 holding the reconfig mutex.  raid5
 * handles no stripe while a superblock update is pending, and such an
 * update needs that mutex: the journal's reclaim asks for one when it
 * moves the log tail (on a journal device that can discard), and an
 * interrupted sync asks for one when it ends.  The quiesce then waits
 * forever (the stock target hangs there).  mddev_suspend() quiesces with
 * MD_ALLOW_SB_UPDATE, so md's thread writes the superblock on its
 * behalf: draining the array that way first (the write-back cache too)
 * leaves md_stop_writes() nothing to wait for, as the table is suspended
 * and no new write can come.
 */
static void drain_array(struct raidx_set *rs)
{
	if (!rs->md.pers)
		return;
	mddev_lock_nointr(&rs->md);
	mddev_suspend(&rs->md);
	mddev_resume(&rs->md);
	mddev_unlock(&rs->md);
}

void raidx_postsuspend(struct dm_target *ti)
{
	struct raidx_set *rs = ti->private;

	if (!rs->started || rs->suspended)
		return;
	rs->suspended = true;
	/*
	 * Writes must stop before the suspend, or it can deadlock.  Stopping
	 * them also records the array clean (and a recovery's progress), so
	 * a table loaded meanwhile finds superblocks that say what this one
	 * did, not a crash.  A "frozen" sync action does not skip it: only
	 * an array that never went read-write has nothing to record.
	 */
	if (!rs->md.ro) {
		set_bit(MD_RECOVERY_FROZEN, &rs->md.recovery);
		raidx_stop_sync_thread(&rs->md);
		drain_array(rs);
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
	struct raidx_leg_state placed;
	struct mddev *md = &rs->md;
	unsigned int i;

	if (!md->pers || !md->pers->hot_add_disk || !md->pers->hot_remove_disk)
		return;

	bitmap_zero(revived, RAIDX_MAX_DEVICES);
	for (i = 0; i < rs->raid_disks; i++) {
		struct md_rdev *rdev = &rs->dev[i].rdev;
		unsigned long flags = rdev->flags;

		if (!test_bit(Faulty, &rdev->flags) || !rdev->meta_bdev ||
		    raidx_read_sb(rs, i))
			continue;

		DMINFO("%s: faulty %s device #%u has readable super block; reviving it",
		       raidx_name(rs), rs->type->name, i);
		clear_bit(In_sync, &rdev->flags);
		if (rdev->raid_disk >= 0) {
			if (md->pers->hot_remove_disk(md, rdev)) {
				rdev->flags = flags;
				continue;
			}
		} else if (!rs->dev[i].unread) {
			/*
			 * Failed while running: back via the bitmap if it was
			 * in sync; failed in a recovery, in full.
			 */
			rdev->raid_disk = i;
			rdev->saved_raid_disk =
				rdev->recovery_offset == MaxSector ? i : -1;
		} else if (raidx_place_unread_leg(rs, i, &placed)) {
			give_leg_place(rdev, &placed);
			rdev->sectors = md->dev_sectors;
		} else {
			rdev->flags = flags;
			continue;
		}
		clear_bit(Faulty, &rdev->flags);
		clear_bit(WriteErrorSeen, &rdev->flags);
		clear_bit(Candidate, &rdev->flags);
		if (recovery_must_wait(rs)) {
			hold_leg_for_resync(rs, i);
		} else if (md->pers->hot_add_disk(md, rdev)) {
			/* raid10 takes no leg back while a resync is due */
			DMWARN("%s: %s device #%u not taken back: resume again after the resync",
			       raidx_name(rs), rs->type->name, i);
			rdev->raid_disk = -1;
			rdev->saved_raid_disk = -1;
			rdev->flags = flags;
			continue;
		} else {
			clear_bit(In_sync, &rdev->flags);
			rdev->recovery_offset = 0;
		}
		rs->dev[i].unread = false;
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
	/*
	 * A stale header makes md set every bit, but on a degraded array it
	 * also takes them as not needed (it reads events_cleared as current),
	 * so a leg coming back would be recovered from the bitmap and skip
	 * all of it (md's own superblock checks would recover it in full, as
	 * a spare).  Every bit is made needed instead.
	 */
	if (rs->md.bitmap && rs->md.degraded &&
	    test_bit(BITMAP_STALE, &rs->md.bitmap->flags))
		rs->md.bitmap->events_cleared = 0;
	r = md_bitmap_load(&rs->md);
	if (r)
		DMERR("%s: failed to load bitmap (%d)", raidx_name(rs), r);
	return r;
}

/*
 * What md's resync covers (raidx_resync_span()) at md's sizes, or at the
 * table's (@table_sizes: where a grow takes md).
 */
static sector_t resync_span(struct raidx_set *rs, bool table_sizes)
{
	struct raidx_geometry g = {
		.level = rs->geo.level,
		.array_sectors = table_sizes ? rs->array_sectors :
					       rs->md.array_sectors,
		.dev_sectors = table_sizes ? rs->dev_sectors : rs->md.dev_sectors,
	};

	return raidx_resync_span(&g);
}

/*
 * A longer table grows the array here, while no I/O runs.  md's resync
 * and check stop at resync_max_sectors, which md_run() set for the old
 * size: without the new end, a resync after a crash (or any check)
 * would never reach the grown part, and the bitmap would record the old
 * size.
 */
static void grow_array(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;

	md->array_sectors = rs->array_sectors;
	md->dev_sectors = rs->dev_sectors;
	md->resync_max_sectors = resync_span(rs, false);
	set_rdev_sectors(rs);
	set_dm_capacity(rs);
}

/* md's resync span once preresume has grown the array. */
static sector_t resync_end(struct raidx_set *rs)
{
	return resync_span(rs, rs->grow);
}

static bool bitmap_usable(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;

	return rs->bitmap_loaded && md->bitmap && !mddev_is_clustered(md);
}

/* Is anything not in sync, to be marked in the bitmap on disk? */
static bool marks_due(struct raidx_set *rs)
{
	return bitmap_usable(rs) && rs->md.recovery_cp != MaxSector &&
	       rs->unsynced_from < resync_end(rs);
}

/*
 * The bitmap needs counters for the regions a grow adds, or another size
 * of region when the table asks for one; before md's sizes change, so a
 * grow whose bitmap cannot follow is refused rather than run with writes
 * beyond the old size untracked.  With marks to set, the resize is done
 * as at bitmap creation (init): the grown part's counters stay 0, so
 * mark_unsynced() can put their bits on disk, which md's resize would
 * not; the array is suspended, so md need not quiesce it, and pages left
 * unwritten keep old bits, which can only cost a longer resync.
 *
 * Bits of another region size must not be read with the old header: the
 * header on disk says "stale" (a crash means a full resync) until the
 * bits are written and the superblocks carry the new header.  md leaves
 * the pages dirty while the bitmap is stale, and *resized tells the
 * caller to write them.
 */
static int fit_bitmap(struct raidx_set *rs, bool marks, bool *resized)
{
	struct mddev *md = &rs->md;
	struct bitmap *bitmap = md->bitmap;
	unsigned long region = to_bytes(rs->params.region_size) ?:
			       md->bitmap_info.chunksize;
	bool new_region = region != md->bitmap_info.chunksize;
	int r;

	*resized = false;
	if (!bitmap_usable(rs) || (!rs->grow && !new_region))
		return 0;
	if (new_region) {
		set_bit(BITMAP_STALE, &bitmap->flags);
		md_bitmap_update_sb(bitmap);
	}
	r = md_bitmap_resize(bitmap, resync_end(rs), region, marks);
	/* A write error kicked the bitmap meanwhile: it stays stale. */
	if (new_region && !test_bit(BITMAP_WRITE_ERROR, &bitmap->flags))
		clear_bit(BITMAP_STALE, &bitmap->flags);
	if (r) {
		DMERR("%s: failed to resize bitmap (%d)%s", raidx_name(rs), r,
		      rs->grow ? ": not growing the array" : "");
		/* md left the old layout: its header again, not stale */
		if (new_region)
			md_bitmap_update_sb(bitmap);
		/* Without a grow the old bitmap still covers the array. */
		return rs->grow ? r : 0;
	}
	*resized = true;
	return 0;
}

/*
 * Bits on disk, and "needed" in memory, for every region from
 * rs->unsynced_from to the end: md then resyncs them whichever way its
 * next resync starts (from the bitmap at 0 after a crash or once it drops
 * a requested one), and forgets them only once synced.  A write that
 * fails does exactly this to its regions.  6.1's bitmap API; 6.12 calls
 * these through md->bitmap_ops.
 */
static void mark_unsynced(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	sector_t from = rs->unsynced_from, end = resync_span(rs, false);

	md_bitmap_startwrite(md->bitmap, from, end - from, 0);
	md_bitmap_endwrite(md->bitmap, from, end - from, 0, 0);
}

/*
 * After the grow: marks, the bits, then the header with the new size and
 * region size with the superblocks, now rather than at the first write,
 * so a crash in between reads the bits right.
 */
static void record_bitmap(struct raidx_set *rs, bool marks, bool resized)
{
	if (!marks && !resized)
		return;
	if (marks)
		mark_unsynced(rs);
	md_bitmap_unplug(rs->md.bitmap);
	WARN_ON_ONCE(raidx_write_superblocks(rs));
}

/*
 * An interrupted resync goes on from its checkpoint, not from sector 0,
 * as the stock target does it: md starts a requested sync at resync_min
 * and does not skip regions its bitmap calls clean.  A resync from 0 is
 * the bitmap's: only the regions it marks (and mark_unsynced() marked).
 */
static void resync_from_checkpoint(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;

	if (md->recovery_cp == MaxSector || !md->recovery_cp)
		return;
	rs->resync_requested = true;
	set_bit(MD_RECOVERY_REQUESTED, &md->recovery);
	md->resync_min = md->recovery_cp;
}

int raidx_preresume(struct dm_target *ti)
{
	struct raidx_set *rs = ti->private;
	struct mddev *md = &rs->md;
	bool marks, resized;
	int r;

	/*
	 * Only the first resume of this table starts anything.  A bitmap md
	 * failed to load cannot be loaded again over what it half read, nor
	 * run without: this table is done.
	 */
	if (rs->bitmap_load_failed) {
		DMERR("%s: its bitmap did not load with this table; load it again",
		      raidx_name(rs));
		return -EINVAL;
	}
	if (rs->preresumed)
		return 0;
	rs->preresumed = true;

	/*
	 * New or rebuilt legs need their superblocks before the bitmap.
	 * Nothing has been written through this table yet: record the array
	 * clean unless md has a resync to do, as resume will set it (md_run()
	 * leaves it "dirty"), or a removal before the first write would
	 * leave superblocks that say this table crashed.
	 */
	md->in_sync = md->persistent && md->recovery_cp == MaxSector;
	if (rs->write_sbs) {
		r = raidx_write_superblocks(rs);
		if (r) {
			/* nothing written yet: a retry reads again */
			rs->preresumed = false;
			return r;
		}
	}

	r = load_bitmap(rs);
	if (r) {
		rs->bitmap_load_failed = true;
		return r;
	}

	marks = marks_due(rs);
	r = fit_bitmap(rs, marks, &resized);
	if (r) {
		/* all before is done again by a retry, harmlessly */
		rs->preresumed = false;
		return r;
	}
	if (rs->grow)
		grow_array(rs);
	record_bitmap(rs, marks, resized);
	/* Nothing starts before resume unfreezes the array. */
	set_bit(MD_RECOVERY_FROZEN, &md->recovery);
	resync_from_checkpoint(rs);
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
	/* under the mutex: a placement waits for md to run again */
	rs->suspended = false;
	/* the resync may have ended while a suspend kept them waiting */
	place_legs_after_resync(rs);
	mddev_unlock(md);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * raidx-decide.c - what a table means for the array its superblocks
 * describe.
 *
 * Owns: the decision step of the constructor: a new array, the same array
 * again, a rebuild, a grow, a crash to recover (or to refuse: the write
 * hole), where each leg's data lies (data_offset), and recognising a table
 * that asks to convert an existing array (takeover to another level,
 * reshape to another layout, chunk size or device count), which, until
 * dm-raidx implements conversions, is refused before anything is written,
 * with a message that says what was asked.  Reads the superblocks'
 * findings (raidx-metadata.c); decides the array's geometry and sizes
 * (rs->geo) and where md's resync starts, which raidx_start_array()
 * writes into the mddev.
 */
#include "raidx.h"

static bool raidx_start_dirty_degraded;
module_param_named(start_dirty_degraded, raidx_start_dirty_degraded, bool,
		   0644);
MODULE_PARM_DESC(start_dirty_degraded,
		 "Start a raid4/5/6 array with consistency_policy resync even when it crashed while degraded, and rebuild legs of one not in sync (stripes may be wrong: the write hole)");

/*
 * ---- Constructor decisions ----
 */
static void setup_recovery(struct raidx_set *rs, sector_t from)
{
	if (rs_is_raid0(rs))
		rs->resync_from = MaxSector;
	else if (rs_is_raid6(rs))
		/* parity and Q must both be right: no nosync for raid6 */
		rs->resync_from = from;
	else
		rs->resync_from = rs_given(rs, RAIDX_ARG_NOSYNC) ?
				  MaxSector : from;
}

/*
 * Reshape space recorded for the array (the freshest leg's: a missing or
 * rebuilt leg 0 would say nothing), or what the table asks for.
 */
static sector_t reshape_space(struct raidx_set *rs)
{
	sector_t a = rs->sb_data_offset, b = rs->sb_new_data_offset;

	return max(max(a, b) - min(a, b), rs->params.data_offset);
}

static bool rs_is_reshapable(struct raidx_set *rs)
{
	return rs_is_raid456(rs) || rs_is_raid1(rs) ||
	       (rs_is_raid10(rs) && !raidx_r10_is_far(rs->geo.new_layout));
}

/*
 * data_offset on the table records where free reshape space lies.  With
 * no reshape, "data_offset 0" says the space was taken away in front of
 * the data (LVM shortens the legs), and any other value toggles
 * new_data_offset, as the stock target does, so superblocks written by
 * either target agree.  Each leg keeps its own data_offset: a rebuilt or
 * missing leg says nothing about where the others hold their data.
 */
int raidx_adjust_data_offsets(struct raidx_set *rs)
{
	sector_t want = rs->params.data_offset;
	unsigned int i;

	/* A PPL array's data_offset says where its log ends, not reshape. */
	if (rs->policy == RAIDX_POLICY_PPL)
		return 0;
	if (!rs_given(rs, RAIDX_ARG_DATA_OFFSET) && rs_is_reshapable(rs))
		return 0;
	if (rs_given(rs, RAIDX_ARG_DATA_OFFSET))
		rs->write_sbs = true;

	for (i = 0; i < rs->raid_disks; i++) {
		struct raidx_leg_state *leg = &rs->dev[i].leg;

		if (!rs->dev[i].data_dev)
			continue;
		if (!want) {
			leg->data_offset = 0;
			leg->new_data_offset = 0;
			continue;
		}
		if (!rs_given(rs, RAIDX_ARG_DATA_OFFSET))
			continue;
		leg->new_data_offset = leg->data_offset ? 0 : want;
		if (bdev_nr_sectors(rs->dev[i].data_dev->bdev) <
		    rs->geo.dev_sectors + RAIDX_MIN_FREE_RESHAPE_SECTORS) {
			rs->ti->error = leg->data_offset ?
					"No space for forward reshape" :
					"No space for backward reshape";
			return -ENOSPC;
		}
	}
	return 0;
}

/*
 * The per-leg size the array has: what the first present leg's superblock
 * records, or the table's where it records none (before v1.9.0; a new,
 * unread leg, or one without a metadata device).
 */
static sector_t first_rdev_sectors(struct raidx_set *rs)
{
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++)
		if (rs->dev[i].data_dev)
			return rs->dev[i].sb_sectors ?: rs->dev_sectors;
	return 0;
}

/*
 * Does md read data from leg @i once it runs?  Not from a leg missing,
 * unplaced, stale, recorded failed, recovering, or rebuilt by this table.
 * Valid once adopt_leg_state() has run; before it, 'faulty' still marks
 * a leg recorded failed, which adopt_leg_state() turns into a recovery.
 */
static bool md_reads_leg(struct raidx_set *rs, unsigned int i)
{
	struct raidx_dev *d = &rs->dev[i];

	return d->data_dev && d->leg.raid_disk >= 0 && !d->stale &&
	       d->leg.in_sync && !d->leg.faulty &&
	       !test_bit(i, rs->params.rebuild);
}

/*
 * A raid4/5/6 leg is rebuilt from the parity of the others.  Where that
 * parity may be wrong the rebuilt leg would be filled with garbage: while
 * the array's own resync has not reached the end (parity never computed
 * there), and after a crash of a resync-policy array (stripes with writes
 * in flight: the bitmap resync that repairs them and the rebuild cannot
 * run together).  A journal or PPL array repairs its parity from its log
 * when md starts, before any rebuild, so it may rebuild after a crash; so
 * may a 2-leg raid4/5, whose parity is a copy (raidx_write_hole()), and
 * so may an array whose legs md will not read data from (rebuilt,
 * recovering, recorded failed, missing) all hold parity only (a raid6's
 * Q leg a takeover added): they are computed from data that stays, and
 * md starts such an array dirty too (raid5.c: dirty_parity_disks).  A
 * rebuild sets md's resync position past the end, so md's own rule does
 * not look at the other legs again: this must.
 */
static bool rebuilds_only_parity(struct raidx_set *rs)
{
	const struct raidx_geometry *g = &rs->geo;
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++)
		if (!md_reads_leg(rs, i) &&
		    !raidx_leg_only_parity(g->level, g->layout,
					   g->raid_disks, i))
			return false;
	return true;
}

static int check_rebuild_allowed(struct raidx_set *rs)
{
	bool log_repairs = rs->sb_policy == RAIDX_POLICY_PPL ||
			   rs->sb_policy == RAIDX_POLICY_JOURNAL;
	sector_t resync;

	if (!rs_is_raid456(rs))
		return 0;
	if (raidx_start_dirty_degraded) {
		DMWARN("%s: start_dirty_degraded: rebuild allowed whatever the sync state",
		       raidx_name(rs));
		return 0;
	}
	if (rs->sb_dirty && !log_repairs &&
	    raidx_write_hole(rs->geo.level, rs->geo.raid_disks) &&
	    !rebuilds_only_parity(rs)) {
		DMERR("%s: 'rebuild' of an array that was not shut down cleanly",
		      raidx_name(rs));
		rs->ti->error =
			"Cannot rebuild an unclean array: activate it without rebuild first";
		return -EINVAL;
	}
	/*
	 * While another table runs the array, its superblocks say nothing
	 * final about the sync state: that table knows.  Otherwise the
	 * recorded position (a crashed PPL array records 0: its log repairs
	 * the parity).
	 */
	if (rs->provisional)
		resync = rs->peer_resync;
	else if (rs->sb_dirty && rs->sb_policy == RAIDX_POLICY_PPL)
		resync = MaxSector;
	else
		resync = rs->resync_from;
	if (resync != MaxSector && resync < rs->geo.dev_sectors) {
		DMERR("%s: 'rebuild' specified while raid set is not in-sync (recovery_cp=%llu)",
		      raidx_name(rs), (unsigned long long)resync);
		rs->ti->error = "'rebuild' specified while raid set is not in-sync";
		return -EINVAL;
	}
	return 0;
}

/*
 * A new array: every leg is new, recovery from the start.  No superblock
 * was adopted: the geometry is the table's.
 */
static int decide_new_array(struct raidx_set *rs)
{
	if (rs_given(rs, RAIDX_ARG_DELTA_DISKS)) {
		rs->ti->error = "Reshape (delta_disks) is not supported by dm-raidx yet";
		return -EOPNOTSUPP;
	}
	if (rs_is_raid6(rs) && rs_given(rs, RAIDX_ARG_NOSYNC)) {
		rs->ti->error = "'nosync' not allowed for new raid6 set";
		return -EINVAL;
	}
	setup_recovery(rs, 0);
	rs->unsynced_from = rs->resync_from;
	rs->write_sbs = true;
	return 0;
}

/*
 * A degraded raid4/5/6 that crashed: may md start it?  Its parity may not
 * match the data it covers where writes were in flight, so data md
 * computes from parity may read back wrong.  md computes none when every
 * leg it does not read holds parity only and is there to be recovered
 * from the data (raid5.c: dirty_parity_disks in raid5_run()); md checks
 * and repairs a raid6's other parity on the way (handle_parity_checks6()).
 * A missing one is refused, as md refuses it: whatever parity stays torn
 * then (a raid6's P with Q missing, a raid4's parity leg when it comes
 * back recovered from the bitmap, whose crash bits the degraded array's
 * run may have cleared) would rebuild wrong data later.
 */
static bool crash_spares_data(struct raidx_set *rs)
{
	unsigned int i;

	if (!rebuilds_only_parity(rs))
		return false;
	for (i = 0; i < rs->raid_disks; i++) {
		struct raidx_dev *d = &rs->dev[i];

		if (!d->data_dev || !d->rdev.sb_page || d->leg.raid_disk < 0)
			return false;
	}
	return true;
}

/* An array recorded dirty: what its crash means for this activation. */
static int decide_after_crash(struct raidx_set *rs)
{
	const struct raidx_geometry *g = &rs->geo;

	/*
	 * As md does for its own superblocks: after a crash while degraded,
	 * parity may not match the data it covers, so the missing leg's data
	 * computed from it may be wrong.  Only a log (journal, PPL) knows.
	 * A 2-leg raid4/5 has no such hole, but md refuses it too while its
	 * resync has not ended (a crash in a resync).
	 */
	if (rs_is_raid456(rs) && rs->policy == RAIDX_POLICY_RESYNC &&
	    rs->degraded_legs && !raidx_start_dirty_degraded &&
	    (raidx_write_hole(g->level, g->raid_disks) ||
	     rs->resync_from != MaxSector) &&
	    !crash_spares_data(rs)) {
		DMERR("%s: crashed with writes in flight and %u leg(s) missing:",
		      raidx_name(rs), rs->degraded_legs);
		DMERR("%s: data of the missing leg may read back wrong.",
		      raidx_name(rs));
		DMERR("%s: restore or rebuild the leg, or set start_dirty_degraded=1.",
		      raidx_name(rs));
		rs->ti->error = "Cannot start dirty degraded array (write hole)";
		return -EINVAL;
	}

	/*
	 * After a crash the bitmap knows which regions had writes in flight,
	 * but md only resyncs them when the array is recorded dirty; the
	 * stock target never records that and leaves them unsynced.  The
	 * copies a degraded raid1/raid10 still has may differ as much.  A
	 * degraded raid4/5/6 started with start_dirty_degraded is left as it
	 * is, at the user's risk.  One whose lost legs hold parity only is
	 * recorded dirty on: md recovers those legs first over every region
	 * with a bit (as needed from 0, whatever the bitmap's events_cleared
	 * says), and a crash before the end finds it dirty again.
	 */
	if (rs->policy != RAIDX_POLICY_RESYNC || !rs->bitmap_sector ||
	    (rs->degraded_legs && rs_is_raid456(rs) &&
	     !crash_spares_data(rs)) ||
	    rs_given(rs, RAIDX_ARG_NOSYNC))
		return 0;
	if (rs->resync_from == MaxSector) {
		DMINFO("%s: not shut down cleanly: resyncing the regions its bitmap marks",
		       raidx_name(rs));
	} else {
		/*
		 * A resync was under way (or due: 0).  Going on from its
		 * checkpoint would leave writes in flight below it unsynced
		 * (md loads their bits as not needed), so the resync starts
		 * at 0, driven by the bitmap; what lies above the checkpoint
		 * gets bits on disk in preresume (a grow's part has none, nor
		 * has an array the stock target grew).
		 */
		DMINFO("%s: crashed in a resync at %llu: resyncing from it and bitmap regions",
		       raidx_name(rs), (unsigned long long)rs->resync_from);
	}
	rs->resync_from = 0;
	return 0;
}

/*
 * A raid1 or raid10 with a resync due (a crash, an unfinished resync) and
 * two legs or more md reads data from: those may differ.  md recovers a
 * leg before it resyncs (md_check_recovery()), and a mirror's recovery
 * takes every region it passes off the bitmap's list (md_bitmap_start_sync()
 * of an array no longer degraded) while writing the recovered leg only:
 * the resync after it skips those regions, and the legs that stayed keep
 * their differences for good (reads then depend on which leg serves them).
 */
static bool mirrors_may_differ(struct raidx_set *rs)
{
	unsigned int i, read = 0;

	for (i = 0; i < rs->raid_disks; i++)
		read += md_reads_leg(rs, i);
	return raidx_recovery_waits_for_resync(rs->geo.level,
					       rs->resync_from != MaxSector &&
					       !rs_given(rs, RAIDX_ARG_NOSYNC),
					       read);
}

/*
 * So the legs to be recovered wait out of the array: md resyncs the legs
 * it reads (keeping the bits of the regions the absent legs miss), and
 * raidx-md.c places the waiting ones once the resync has ended, for md to
 * recover them.  Their superblocks record their place and a recovery from
 * the start meanwhile, which a later activation recovers in full.
 */
static void wait_for_resync(struct raidx_set *rs)
{
	unsigned int i;

	if (!mirrors_may_differ(rs))
		return;
	for (i = 0; i < rs->raid_disks; i++) {
		struct raidx_dev *d = &rs->dev[i];

		if (d->data_dev && d->leg.raid_disk >= 0 && !d->leg.faulty &&
		    !md_reads_leg(rs, i))
			d->leg.after_resync = true;
	}
}

/* The same array again: a rebuild, a grow, or as recorded. */
static int decide_size_and_recovery(struct raidx_set *rs)
{
	struct raidx_geometry *g = &rs->geo;
	sector_t sb_array = rs->sb_array_sectors, rdev_sectors, old_end;
	int r;

	rdev_sectors = first_rdev_sectors(rs);
	if (!rdev_sectors) {
		rs->ti->error = "Invalid rdev size";
		return -EINVAL;
	}
	rs->grow = rs->dev_sectors != rdev_sectors &&
		   rs->dev_sectors > rdev_sectors - reshape_space(rs);
	/* raid10_resize refuses it: the far copies would be read elsewhere */
	if (rs_is_raid10(rs) && raidx_r10_is_far(g->layout) &&
	    rs->dev_sectors != rdev_sectors) {
		DMERR("%s: raid10 far: %llu sectors per leg recorded, table asks for %llu",
		      raidx_name(rs), (unsigned long long)rdev_sectors,
		      (unsigned long long)rs->dev_sectors);
		rs->ti->error = "Cannot resize a raid10 far array: its far copies would move";
		return -EINVAL;
	}

	if (rs_given(rs, RAIDX_ARG_REBUILD)) {
		rs->grow = false;
		rs->write_sbs = true;
		/*
		 * The resync a mirror's rebuilt legs wait for is kept
		 * (wait_for_resync()); otherwise the rebuild records the
		 * array in sync, as the stock target does.
		 */
		if (!mirrors_may_differ(rs)) {
			rs->unsynced_from = MaxSector;
			setup_recovery(rs, MaxSector);
		}
	} else if (rs->grow) {
		/* Run at the recorded size; preresume grows it. */
		r = raidx_sizes_for(rs, sb_array, &g->array_sectors,
				    &g->dev_sectors);
		if (!r)
			r = raidx_legs_hold(rs, g->dev_sectors);
		if (r)
			return r;
		old_end = raidx_resync_span(g);
		setup_recovery(rs, min(rs->resync_from, old_end));
		/*
		 * md_bitmap_resize() puts no bits on disk for the grown part
		 * (in memory, not even all of it): preresume does, so that a
		 * resync md starts later (after a crash, or once md drops the
		 * requested one from the old end) cannot skip it.
		 */
		if (rs->resync_from == MaxSector)
			rs->unsynced_from = MaxSector;
		else
			rs->unsynced_from = min(rs->unsynced_from, old_end);
	} else if (sb_array > rs->array_sectors) {
		rs->write_sbs = true;
	}
	/*
	 * With no reshape in progress, a conversion the superblocks record
	 * (new geometry, a device delta) never started: the array is what
	 * it was.  The stock target resets it the same way, and md's raid5
	 * BUGs on a device delta without a reshape.
	 */
	g->new_level = g->level;
	g->new_layout = g->layout;
	g->new_chunk_sectors = g->chunk_sectors;
	g->delta_disks = 0;
	return 0;
}

/*
 * ---- Takeover ----
 *
 * Which takeovers are made: raidx_takeover_supported() (raidx-format.c).
 */
static int refuse_takeover(struct raidx_set *rs, const char *why)
{
	DMERR("%s: takeover refused: %s", raidx_name(rs), why);
	rs->ti->error = (char *)why;
	return -EINVAL;
}

/*
 * Is leg @pos of a takeover's table one the new level adds (a Q leg),
 * which holds nothing yet?
 */
bool raidx_takeover_adds(const struct raidx_set *rs, unsigned int pos)
{
	unsigned int first, count;

	if (!rs->takeover)
		return false;
	raidx_takeover_leg(&rs->takeover_from, &rs->takeover_to, pos, &first,
			   &count);
	return !count;
}

/*
 * Every leg the array keeps one md reads data from, and not new; every
 * leg the takeover adds present and placed (check_takeover_rebuilds()
 * made it a rebuilt one).
 */
static bool takeover_legs_whole(struct raidx_set *rs)
{
	unsigned int i;

	if (rs->degraded_legs)
		return false;
	for (i = 0; i < rs->raid_disks; i++) {
		struct raidx_dev *d = &rs->dev[i];

		if (!d->data_dev || !d->rdev.sb_page || d->leg.raid_disk < 0)
			return false;
		if (!raidx_takeover_adds(rs, i) &&
		    (rs->dev[i].first_use || !md_reads_leg(rs, i)))
			return false;
	}
	return true;
}

/*
 * 'rebuild' names exactly the legs the takeover adds: md computes them
 * from the others.  A leg that keeps data is never rebuilt in a takeover
 * (md would run the new level over a leg still empty).
 */
static int check_takeover_rebuilds(struct raidx_set *rs)
{
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++) {
		bool rebuild = test_bit(i, rs->params.rebuild);

		if (raidx_takeover_adds(rs, i) && !rebuild) {
			DMERR("%s: leg %u is added by the takeover: it needs 'rebuild %u'",
			      raidx_name(rs), i, i);
			return refuse_takeover(rs,
				"A takeover rebuilds the legs it adds: 'rebuild' missing");
		}
		if (!raidx_takeover_adds(rs, i) && rebuild)
			return refuse_takeover(rs,
				"A takeover cannot rebuild or resync in the same table");
	}
	return 0;
}

/*
 * md runs the new level's personality on the legs as they are (as with
 * the stock target: md's ->takeover is not called), so they must hold
 * what it reads: every kept leg in sync, nothing to resync or repair from
 * a log, the same size.  A leg the new level adds (raid5 -> raid6: Q) is
 * rebuilt: md recovers it from the data.  The stock target checks less
 * (it takes a rebuild of any leg or a degraded array along); the
 * superblocks then record the new level.
 */
static int decide_takeover(struct raidx_set *rs)
{
	/* a live table that is not ours (or not started) says nothing */
	sector_t resync = rs->provisional ?
			  min(rs->peer_resync, rs->sb_resync_offset) :
			  rs->sb_resync_offset;
	int r;

	/* ("sync" made every leg new: not a takeover) */
	if (rs_given(rs, RAIDX_ARG_NOSYNC))
		return refuse_takeover(rs,
			"A takeover cannot rebuild or resync in the same table");
	r = check_takeover_rebuilds(rs);
	if (r)
		return r;
	if (rs->journal.dev || rs->policy != RAIDX_POLICY_RESYNC ||
	    rs->sb_policy != RAIDX_POLICY_RESYNC)
		return refuse_takeover(rs,
			"Takeover of an array with a journal or ppl is not supported");
	if (rs->sb_dirty)
		return refuse_takeover(rs,
			"Cannot take over an unclean array: activate it as it is first");
	if (resync != MaxSector)
		return refuse_takeover(rs,
			"Cannot take over an array that is not in sync");
	if (!takeover_legs_whole(rs))
		return refuse_takeover(rs,
			"Cannot take over a degraded array or one recovering a leg");
	if (rs->array_sectors != rs->sb_array_sectors ||
	    rs->dev_sectors != first_rdev_sectors(rs))
		return refuse_takeover(rs,
			"A takeover keeps the array's size: resize it apart");

	raidx_table_geometry(rs);
	rs->resync_from = MaxSector;
	rs->unsynced_from = MaxSector;
	rs->write_sbs = true;
	return 0;
}

/*
 * What does this table mean for the array its superblocks describe: a
 * new array, a takeover, a rebuild, a size change, a crash, or the same
 * array again?
 * Writes where md's resync starts (rs->resync_from), the sizes md runs
 * at (rs->geo), rs->write_sbs, rs->grow, rs->unsynced_from, and the legs
 * that wait for the resync (leg.after_resync).
 */
int raidx_decide(struct raidx_set *rs)
{
	int r;

	if (rs->new_array)
		return decide_new_array(rs);
	if (rs->takeover)
		return decide_takeover(rs);
	/* Where the recorded resync stands; a rebuild or a grow moves it. */
	rs->resync_from = rs_recorded_resync_offset(rs);
	rs->unsynced_from = rs->resync_from;
	if (rs_given(rs, RAIDX_ARG_REBUILD)) {
		r = check_rebuild_allowed(rs);
		if (r)
			return r;
	}
	if (rs->sb_dirty) {
		r = decide_after_crash(rs);
		if (r)
			return r;
	}
	r = decide_size_and_recovery(rs);
	if (!r)
		wait_for_resync(rs);
	/*
	 * md replays a PPL only into an array recorded unsynced, and marks
	 * it clean itself once the log is replayed: a crashed PPL array
	 * stays so whatever 'rebuild' or 'nosync' ask for.
	 */
	if (!r && rs->sb_dirty && rs->policy == RAIDX_POLICY_PPL)
		rs->resync_from = 0;
	return r;
}

/*
 * ---- Conversions ----
 */

static const char *type_name(unsigned int level, unsigned int layout)
{
	const struct raidx_type *t = raidx_type_by_level_layout(level, layout);

	return t ? t->name : "unknown";
}

/*
 * Compare what the table asks for with what the superblock records.
 * Returns 0 when they agree, else sets ti->error and returns -EINVAL (a
 * takeover that would not keep the data) or -EOPNOTSUPP (a conversion
 * dm-raidx does not make yet).
 */
int raidx_refuse_layout_change(struct raidx_set *rs, unsigned int sb_level,
			       unsigned int sb_layout, unsigned int sb_chunk,
			       unsigned int sb_disks)
{
	unsigned int level = rs->type->level;
	unsigned int layout = rs->table_layout;

	if (rs_given(rs, RAIDX_ARG_DELTA_DISKS)) {
		rs->ti->error =
			"Reshape (delta_disks) is not supported by dm-raidx yet";
		return -EOPNOTSUPP;
	}
	if (level != sb_level) {
		const struct raidx_shape from = {
			.level = sb_level, .layout = sb_layout,
			.chunk = sb_chunk, .disks = sb_disks,
		};
		const struct raidx_shape to = {
			.level = level, .layout = layout,
			.chunk = rs->params.chunk_sectors,
			.disks = rs->raid_disks,
		};
		const char *why = raidx_takeover_refusal(&from, &to);

		if (!why && raidx_takeover_supported(&from, &to)) {
			DMINFO("%s: takeover from %s (%u legs) to %s (%u legs)",
			       raidx_name(rs), type_name(sb_level, sb_layout),
			       sb_disks, rs->type->name, rs->raid_disks);
			rs->takeover = true;
			rs->takeover_from = from;
			rs->takeover_to = to;
			return 0;
		}
		DMERR("%s: takeover from %s (%u legs) to %s (%u legs) requested%s%s",
		      raidx_name(rs), type_name(sb_level, sb_layout), sb_disks,
		      rs->type->name, rs->raid_disks, why ? ": " : "", why ?: "");
		if (why) {
			rs->ti->error = (char *)why;
			return -EINVAL;
		}
		rs->ti->error =
			"Takeover to another raid level is not supported by dm-raidx yet";
		return -EOPNOTSUPP;
	}
	if (layout != sb_layout) {
		DMERR("%s: layout change from %s (0x%x) to %s (0x%x) requested",
		      raidx_name(rs), type_name(sb_level, sb_layout), sb_layout,
		      type_name(level, layout), layout);
		rs->ti->error =
			"Reshape to another layout is not supported by dm-raidx yet";
		return -EOPNOTSUPP;
	}
	if (level != 1 && rs->params.chunk_sectors != sb_chunk) {
		DMERR("%s: chunk change from %u to %u sectors requested",
		      raidx_name(rs), sb_chunk, rs->params.chunk_sectors);
		rs->ti->error =
			"Reshape to another chunk size is not supported by dm-raidx yet";
		return -EOPNOTSUPP;
	}
	if (rs->raid_disks != sb_disks) {
		DMERR("%s: device count change from %u to %u requested",
		      raidx_name(rs), sb_disks, rs->raid_disks);
		rs->ti->error =
			"Changing the number of devices is not supported by dm-raidx yet";
		return -EOPNOTSUPP;
	}
	return 0;
}

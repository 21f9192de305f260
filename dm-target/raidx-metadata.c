// SPDX-License-Identifier: GPL-2.0
/*
 * raidx-metadata.c - superblocks on the metadata devices.
 *
 * Owns: reading every leg's superblock, choosing the freshest, checking
 * that the legs belong together, deciding which legs are new, stale,
 * failed or to be rebuilt, and md's sync_super hook that writes them back
 * (with the bitmap's first bits read in before, as md writes that page).
 * Byte layout and field rules live in raidx-format.c; this file only moves
 * them between disk pages and the analysis (md's sync_super hook: from
 * the mddev).
 */
#include "raidx.h"
#include "md-bitmap.h"

/*
 * ---- Reading and writing one superblock ----
 */
/*
 * Read leg @i's superblock into its page: at load, and when a failed leg
 * may have come back.  What follows from a failure is the caller's.
 */
int raidx_read_sb(struct raidx_set *rs, unsigned int i)
{
	struct md_rdev *rdev = &rs->dev[i].rdev;

	if (sync_page_io(rdev, 0, rdev->sb_size, rdev->sb_page, REQ_OP_READ,
			 true))
		return 0;
	DMERR("%s: failed to read superblock of device at position %u",
	      raidx_name(rs), i);
	return -EIO;
}

static void decode_rdev_sb(struct md_rdev *rdev, struct raidx_sb *sb)
{
	raidx_sb_decode(page_address(rdev->sb_page), rdev->sb_size, sb);
	/* Before v1.9.0 only the first failed word existed. */
	if (!(sb->compat_features & RAIDX_COMPAT_V190))
		memset(&sb->failed[1], 0, sizeof(sb->failed) - sizeof(u64));
}

/* @journal_tail: the tail this superblock records (md moves it meanwhile) */
static u32 incompat_features(struct raidx_set *rs, sector_t journal_tail)
{
	u32 f = 0;

	if (rs->policy == RAIDX_POLICY_PPL)
		f |= RAIDX_INCOMPAT_PPL;
	else if (rs->bitmap_stale)
		f |= RAIDX_INCOMPAT_NO_BITMAP;
	/*
	 * The stock target reads a journal from sector 0 under the all-zero
	 * uuid.  A log under a uuid of its own it cannot read; one whose
	 * tail has moved on holds at sector 0 a chain of older entries
	 * (each activation's replay ends it with a jump in sequence
	 * numbers), which it would replay over newer data.
	 */
	if (rs->journal.dev && (memchr_inv(rs->uuid, 0, sizeof(rs->uuid)) ||
				journal_tail))
		f |= RAIDX_INCOMPAT_JOURNAL;
	return f;
}

/*
 * The resync position the status reports.  md ends a raid4/5/6 resync it
 * cannot do (more legs missing than parity covers) by skipping to the end
 * and calling the array in sync, though the parity there was never
 * computed.  The superblocks record what md runs (anything else makes md
 * refuse the degraded array for good), but while the array stays that
 * degraded the status shows where the resync really stopped, so LVM does
 * not take it for an array in sync (it refuses a repair then).
 */
sector_t raidx_resync_position(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	int max_degraded = rs_is_raid6(rs) ? 2 : 1;

	/* Followed at each superblock write: arrays with metadata only. */
	if (rs_is_raid456(rs) && md->persistent &&
	    md->degraded >= max_degraded &&
	    md->recovery_cp > rs->recorded_resync)
		return rs->recorded_resync;
	return md->recovery_cp;
}

/* Follow md's resync position, except across a skip while degraded. */
static void note_resync_position(struct raidx_set *rs)
{
	rs->recorded_resync = raidx_resync_position(rs);
}

/* Table position of a data leg's rdev; -1 for the journal's. */
static int leg_of(struct raidx_set *rs, struct md_rdev *rdev)
{
	if (rdev == &rs->journal.rdev)
		return -1;
	return container_of(rdev, struct raidx_dev, rdev) - rs->dev;
}

/* The array's shape and size, and a reshape under way, as md runs them. */
static void record_geometry(struct raidx_sb *sb, const struct mddev *md)
{
	sb->level = md->level;
	sb->layout = md->layout;
	sb->stripe_sectors = md->chunk_sectors;
	sb->new_level = md->new_level;
	sb->new_layout = md->new_layout;
	sb->new_stripe_sectors = md->new_chunk_sectors;
	sb->delta_disks = md->delta_disks;

	smp_rmb(); /* the sync thread moves reshape_position */
	sb->reshape_position = md->reshape_position;
	if (sb->reshape_position != MaxSector) {
		sb->flags = RAIDX_SB_RESHAPE_ACTIVE;
		if (md->delta_disks < 0 || md->reshape_backwards)
			sb->flags |= RAIDX_SB_RESHAPE_BACKWARDS;
	}
	sb->array_sectors = md->array_sectors;
}

/*
 * md's sync_super hook: fill the page of @rdev from the live array.
 * md_update_sb() writes the page afterwards.
 */
void raidx_sync_super(struct mddev *md, struct md_rdev *rdev)
{
	struct raidx_set *rs = mddev_to_rs(md);
	struct raidx_sb sb = { 0 };
	unsigned int i;

	if (!rdev->meta_bdev)
		return;

	/* Failed bits accumulate until a leg is revived or reloaded. */
	for (i = 0; i < rs->raid_disks; i++)
		if (!rs->dev[i].data_dev ||
		    test_bit(Faulty, &rs->dev[i].rdev.flags))
			set_bit(i, rs->failed);
	for (i = 0; i < rs->raid_disks; i++)
		raidx_sb_set_failed(&sb, i, test_bit(i, rs->failed));

	sb.magic = RAIDX_SB_MAGIC;
	sb.compat_features = RAIDX_COMPAT_V190;
	sb.num_devices = md->raid_disks;
	sb.array_position = rdev->raid_disk;
	sb.events = md->events;
	sb.disk_recovery_offset = rdev->recovery_offset;
	/*
	 * md took this leg out of the array without failing it (it gave up
	 * recovering it).  The stock format would say position -1, and the
	 * stock target would then resume the leg's recovery from an offset
	 * that missed what was written meanwhile: record its place and a
	 * recovery from the start, which both targets recover in full.  Not
	 * failed: the stock target would take a failed leg back from the
	 * bitmap only.
	 */
	if (rdev->raid_disk < 0) {
		sb.array_position = leg_of(rs, rdev);
		sb.disk_recovery_offset = 0;
	}
	/*
	 * PPL recovery runs only for an array recorded dirty, so a PPL array
	 * records dirty while md has writes outstanding, as md's own
	 * superblocks do; the stock format keeps the resync position only.
	 */
	if (rs->policy == RAIDX_POLICY_PPL && !md->in_sync)
		sb.array_resync_offset = 0;
	else
		sb.array_resync_offset = md->recovery_cp;
	record_geometry(&sb, md);
	sb.data_offset = rdev->data_offset;
	sb.new_data_offset = rdev->new_data_offset;
	sb.sectors = rdev->sectors;
	/* md's journal reclaim moves the tail without the reconfig mutex */
	if (rs->journal.dev)
		sb.journal_tail = READ_ONCE(rs->journal.rdev.journal_tail);
	sb.incompat_features = incompat_features(rs, sb.journal_tail);

	sb.has_ext = true;
	sb.consistency_policy = rs->policy;
	sb.journal_mode = rs->journal.mode;
	memcpy(sb.uuid, rs->uuid, sizeof(sb.uuid));
	/* Each leg records its own PPL: legs may hold data at other offsets. */
	if (rs->policy == RAIDX_POLICY_PPL) {
		sb.ppl_sector = rdev->ppl.sector;
		sb.ppl_size = rdev->ppl.size;
	}
	if (!md->in_sync)
		sb.ext_state |= RAIDX_EXT_DIRTY;

	note_resync_position(rs);
	raidx_sb_encode(&sb, page_address(rdev->sb_page), rdev->sb_size);
}

/*
 * md_bitmap_create() leaves in the bitmap's first page only the header
 * (its md_bitmap_resize() copies that much into a fresh zeroed page), but
 * md_update_sb() writes that whole page, and the rest of it holds the
 * first bits (6.1's md-bitmap.c).  A superblock write before
 * md_bitmap_load() would clear those bits on disk, and the regions a
 * crash left dirty there would never be resynced.  So, before any such
 * write (raidx_write_superblocks() below calls this), the bits are read in,
 * from the leg md_bitmap_load() will read them from (same rule as md's
 * read_sb_page()), under md's header.  No read is needed for a stale
 * bitmap (loading sets all its bits) nor once the bitmap is loaded.
 */
static int read_bitmap_bits(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	struct bitmap *bitmap = md->bitmap;
	struct page *sb_page, *page;
	struct md_rdev *rdev;
	unsigned int bytes;
	int r = -EIO;

	if (!bitmap || rs->bitmap_loaded || mddev_is_clustered(md) ||
	    test_bit(BITMAP_STALE, &bitmap->flags))
		return 0;
	sb_page = bitmap->storage.sb_page;
	if (!sb_page)
		return 0;
	/* the device is suspended: reclaim must not wait on its writes */
	page = alloc_page(GFP_NOIO);
	if (!page)
		return -ENOMEM;
	bytes = min_t(unsigned long, bitmap->storage.bytes, PAGE_SIZE);
	rdev_for_each(rdev, md) {
		if (!test_bit(In_sync, &rdev->flags) ||
		    test_bit(Faulty, &rdev->flags) ||
		    test_bit(Bitmap_sync, &rdev->flags))
			continue;
		if (!sync_page_io(rdev, md->bitmap_info.offset,
				  roundup(bytes, bdev_logical_block_size(rdev->bdev)),
				  page, REQ_OP_READ, true))
			continue;
		if (bytes > sizeof(bitmap_super_t))
			memcpy_page(sb_page, sizeof(bitmap_super_t), page,
				    sizeof(bitmap_super_t),
				    bytes - sizeof(bitmap_super_t));
		r = 0;
		break;
	}
	__free_page(page);
	if (r)
		DMERR("%s: cannot read the bitmap's first bits from any leg",
		      raidx_name(rs));
	return r;
}

/*
 * Write every superblock now.  md_update_sb() writes nothing while the
 * array is read-only (only marks the change), but a table that is not
 * yet resumed is read-only and still has to record new legs and flags.
 * md_update_sb() also writes the bitmap's first page: before the bitmap
 * is loaded, its bits are read in first, and if no leg yields them
 * nothing is written (the error is returned; a retry may read them).
 * Once the bitmap is loaded this cannot fail.
 */
int raidx_write_superblocks(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	int was_ro = md->ro;
	int r;

	r = read_bitmap_bits(rs);
	if (r)
		return r;
	md->ro = 0;
	set_bit(MD_SB_CHANGE_DEVS, &md->sb_flags);
	md_update_sb(md, 1);
	md->ro = was_ro;
	return 0;
}

void raidx_clear_failed_bits(struct raidx_set *rs,
			     const unsigned long *cleared)
{
	bitmap_andnot(rs->failed, rs->failed, cleared, rs->raid_disks);
}

/*
 * Back to what the table alone says, as raidx_build_md() left it, so
 * the superblocks can be read and acted on again (a reloaded table that
 * starts only once the table it replaces has recorded its state).
 */
void raidx_forget_superblocks(struct raidx_set *rs)
{
	unsigned int i;

	rs->new_array = false;
	rs->fresh_bitmap = false;
	rs->leg_joined = false;
	rs->md_gets_uuid = false;
	raidx_table_geometry(rs);
	rs->geo.events = 0;

	/* each leg's own state: raidx_table_leg_state() starts it again */
	for (i = 0; i < rs->raid_disks; i++) {
		struct raidx_dev *d = &rs->dev[i];

		d->first_use = false;
		d->unread = false;
		d->stale = false;
		d->sb_sectors = 0;
	}

	bitmap_zero(rs->failed, RAIDX_MAX_DEVICES);
	rs->degraded_legs = 0;
	rs->sb_has_ext = false;
	rs->sb_dirty = false;
	rs->sb_policy = -1;
	rs->sb_journal_mode = -1;
	rs->bitmap_stale = false;
	rs->sb_data_offset = 0;
	rs->sb_new_data_offset = 0;
	rs->write_sbs = false;
	rs->grow = false;
	rs->takeover = false;
	memset(&rs->takeover_from, 0, sizeof(rs->takeover_from));
	memset(&rs->takeover_to, 0, sizeof(rs->takeover_to));
	rs->unsynced_from = MaxSector;
	rs->resync_requested = false;
	memset(rs->uuid, 0, sizeof(rs->uuid));
	rs->ppl_sector = 0;
	rs->ppl_size = 0;
	rs->journal.tail = 0;
	rs->sync_sb_events = 0;
	rs->sync_keeps_journal = false;
	rs->journal_joins = false;
	rs->journal.mode = rs->params.journal_mode;
	raidx_table_policy(rs);
}

/*
 * A leg whose superblock could not be read when the table was loaded
 * never got its place (raid_disk -1, data_offset 0).  Now that it reads
 * again: is it this array's leg at @pos?  Then it goes where a working
 * leg keeps its data and log, and is recovered in full, since what it
 * holds is of unknown age: @leg says so, for md.  Returns false to
 * leave it out.
 */
bool raidx_place_unread_leg(struct raidx_set *rs, unsigned int pos,
			    struct raidx_leg_state *leg)
{
	struct md_rdev *rdev = &rs->dev[pos].rdev, *ref = NULL, *r;
	struct raidx_sb sb;

	rdev_for_each(r, &rs->md)
		if (!test_bit(Journal, &r->flags) && r != rdev &&
		    r->raid_disk >= 0 && test_bit(In_sync, &r->flags) &&
		    !test_bit(Faulty, &r->flags)) {
			ref = r;
			break;
		}
	decode_rdev_sb(rdev, &sb);
	if (!ref || sb.magic != RAIDX_SB_MAGIC ||
	    (sb.array_position != pos && !raidx_sb_detached(&sb)) ||
	    (sb.has_ext && memcmp(sb.uuid, rs->uuid, sizeof(sb.uuid))) ||
	    bdev_nr_sectors(rdev->bdev) < ref->data_offset + rs->md.dev_sectors) {
		DMWARN("%s: leg %u reads again but cannot take its place: not revived",
		       raidx_name(rs), pos);
		return false;
	}
	*leg = (struct raidx_leg_state) {
		.raid_disk = pos,
		.saved_raid_disk = -1,	/* md: a full recovery */
		.data_offset = ref->data_offset,
		.new_data_offset = ref->new_data_offset,
		.ppl_sector = ref->ppl.sector,
		.ppl_size = ref->ppl.size,
	};
	return true;
}

/*
 * ---- Findings of the shared validators go to the kernel log. ----
 */
struct finding_ctx {
	struct raidx_set *rs;
	int leg;
};

static void log_finding(void *p, enum raidx_severity sev, const char *field,
			unsigned long long found, unsigned long long expected,
			const char *why)
{
	struct finding_ctx *ctx = p;
	struct raidx_dev *d = &ctx->rs->dev[ctx->leg];

	if (sev == RAIDX_FATAL)
		DMERR("%s: %s (leg %d): superblock field %s: found %llu, expected %llu: %s",
		      raidx_name(ctx->rs), d->meta_dev->name, ctx->leg, field,
		      found, expected, why);
	else
		DMWARN("%s: %s (leg %d): superblock field %s: found %llu, expected %llu: %s",
		       raidx_name(ctx->rs), d->meta_dev->name, ctx->leg, field,
		       found, expected, why);
}

/*
 * ---- Analysis ----
 */

/*
 * "sync" met a fresher superblock: keep its journal's identity if it
 * records one, the stock target's included (no extension, no incompat
 * bit: the all-zero uuid, the log read from sector 0), else none.
 */
static void sync_keep_journal(struct raidx_set *rs, const struct raidx_sb *sb)
{
	bool journal = sb->has_ext ?
		       sb->consistency_policy == RAIDX_POLICY_JOURNAL :
		       !sb->ext_corrupt && !sb->incompat_features;

	rs->sync_sb_events = sb->events;
	rs->sync_keeps_journal = journal;
	if (journal)
		memcpy(rs->uuid, sb->uuid, sizeof(rs->uuid));
	else
		memset(rs->uuid, 0, sizeof(rs->uuid));
	rs->journal.tail = journal ? sb->journal_tail : 0;
}

/*
 * Read the superblock of leg @i.  A leg without our magic, or one the
 * table names for rebuild, is new: it gets a fresh superblock later.
 */
static int load_leg(struct raidx_set *rs, unsigned int i,
		    struct raidx_sb *sb)
{
	struct raidx_dev *d = &rs->dev[i];
	struct md_rdev *rdev = &d->rdev;
	int r;

	if (rdev->sb_size < RAIDX_EXT_OFFSET + RAIDX_EXT_SIZE ||
	    rdev->sb_size > PAGE_SIZE) {
		rs->ti->error =
			"superblock size of a logical block is no longer valid";
		return -EINVAL;
	}

	/*
	 * "sync": initialise the array again as if it were new.  A journal
	 * keeps its uuid and tail, though: the uuid seeds the journal
	 * checksums, and without both md would discard a crashed write-back
	 * cache (acknowledged writes).  A superblock without the extension
	 * (the stock target's) records neither: its journal was written with
	 * the all-zero uuid from sector 0, as every activation reads it.
	 * Anything else gets a new uuid, so an old PPL cannot pass for the
	 * new array's and cancel the resync.  The freshest superblock
	 * decides, so a stale one left on a leg cannot lend its identity.
	 * What cannot be read here is simply written new.
	 */
	if (rs_given(rs, RAIDX_ARG_SYNC)) {
		if (rs->journal.dev &&
		    sync_page_io(rdev, 0, rdev->sb_size, rdev->sb_page,
				 REQ_OP_READ, true)) {
			decode_rdev_sb(rdev, sb);
			if (sb->magic == RAIDX_SB_MAGIC &&
			    sb->events > rs->sync_sb_events)
				sync_keep_journal(rs, sb);
		}
		d->first_use = true;
		return 0;
	}

	r = raidx_read_sb(rs, i);
	if (r)
		return r;
	decode_rdev_sb(rdev, sb);
	if (sb->magic != RAIDX_SB_MAGIC ||
	    (!d->leg.in_sync && !d->leg.recovery_offset)) {
		d->first_use = true;
		rs->leg_joined = true;
	}
	return 0;
}

/* Feature words first: they decide whether anything else can be read. */
static int check_features(struct raidx_set *rs, const struct raidx_sb *sb)
{
	if (sb->compat_features & ~RAIDX_COMPAT_KNOWN) {
		rs->ti->error =
			"Unable to assemble array: Unknown flag(s) in compatible feature flags";
		return -EINVAL;
	}
	if (sb->incompat_features & ~RAIDX_INCOMPAT_KNOWN) {
		rs->ti->error =
			"Unable to assemble array: unknown incompatible feature flags";
		return -EINVAL;
	}
	return 0;
}

/*
 * A leg's superblock: its features known, its fields valid, and, for an
 * older leg (@ref: the freshest), of the array the freshest describes.
 * Each finding is logged with the leg.
 */
static int check_leg_sb(struct raidx_set *rs, int leg,
			const struct raidx_sb *ref, const struct raidx_sb *sb)
{
	struct finding_ctx ctx = { rs, leg };
	struct raidx_report rep = { log_finding, &ctx };
	int r;

	r = check_features(rs, sb);
	if (r)
		return r;
	if (raidx_sb_validate(sb, &rep))
		goto bad;
	if (ref && raidx_sb_validate_member(ref, sb, sb->array_position, &rep))
		goto bad;
	return 0;
bad:
	rs->ti->error = ref ?
		"Unable to assemble array: legs disagree (see kernel log)" :
		"Unable to assemble array: Invalid superblocks";
	return -EINVAL;
}

/* Take geometry and identity from the freshest superblock. */
static int adopt_freshest(struct raidx_set *rs, int leg,
			  const struct raidx_sb *sb)
{
	struct raidx_geometry *g = &rs->geo;
	int r;

	r = check_leg_sb(rs, leg, NULL, sb);
	if (r)
		return r;

	g->events = sb->events ?: 1;
	g->raid_disks = sb->num_devices;
	g->level = sb->level;
	g->layout = sb->layout;
	g->chunk_sectors = sb->stripe_sectors;

	if (sb->compat_features & RAIDX_COMPAT_V190) {
		g->new_level = sb->new_level;
		g->new_layout = sb->new_layout;
		g->new_chunk_sectors = sb->new_stripe_sectors;
		g->delta_disks = sb->delta_disks;
		rs->sb_array_sectors = sb->array_sectors;
		if (sb->flags & RAIDX_SB_RESHAPE_ACTIVE) {
			rs->ti->error =
				"Array is mid-reshape; dm-raidx cannot continue reshapes yet";
			return -EOPNOTSUPP;
		}
		if (raidx_sb_conversion_unfinished(sb)) {
			DMERR("%s: conversion to level %u layout 0x%x chunk %u, no reshape",
			      raidx_name(rs), sb->new_level, sb->new_layout,
			      sb->new_stripe_sectors);
			rs->ti->error =
				"Unfinished conversion: finish or revert it with the stock target";
			return -EOPNOTSUPP;
		}
	} else {
		g->new_level = g->level;
		g->new_layout = g->layout;
		g->new_chunk_sectors = g->chunk_sectors;
		g->delta_disks = 0;
		DMINFO("%s: superblocks older than v1.9.0: upgrading them",
		       raidx_name(rs));
	}

	rs->sb_resync_offset = sb->array_resync_offset;

	bitmap_zero(rs->failed, RAIDX_MAX_DEVICES);
	rs->sb_data_offset = sb->data_offset;
	rs->sb_new_data_offset = sb->new_data_offset;
	if (sb->has_ext) {
		memcpy(rs->uuid, sb->uuid, sizeof(rs->uuid));
		rs->sb_policy = sb->consistency_policy;
		rs->sb_journal_mode = sb->journal_mode;
		if (sb->consistency_policy == RAIDX_POLICY_PPL) {
			rs->ppl_sector = sb->ppl_sector;
			rs->ppl_size = sb->ppl_size;
		}
		rs->journal.tail = sb->journal_tail;
	} else {
		rs->sb_policy = rs->journal.dev ? RAIDX_POLICY_JOURNAL :
						  RAIDX_POLICY_RESYNC;
		rs->sb_journal_mode = -1;
	}
	rs->sb_has_ext = sb->has_ext;
	rs->sb_dirty = sb->has_ext && (sb->ext_state & RAIDX_EXT_DIRTY);
	rs->bitmap_stale = sb->incompat_features & RAIDX_INCOMPAT_STALE_BITMAP;
	return 0;
}

/*
 * New legs may only join an existing array when the table says why:
 * 'rebuild' for a replacement.  Anything else would silently resync a
 * leg the admin did not mean to replace.
 */
static int check_new_legs(struct raidx_set *rs)
{
	unsigned int new_legs = 0, rebuilds = 0, rebuild_and_new = 0, i;

	for (i = 0; i < rs->raid_disks; i++) {
		struct raidx_dev *d = &rs->dev[i];

		if (!d->data_dev)
			continue;
		if (d->first_use)
			new_legs++;
		if (!d->leg.in_sync) {
			DMINFO("%s: leg %u to be rebuilt: its superblock is rewritten",
			       raidx_name(rs), i);
			rebuilds++;
			if (d->first_use)
				rebuild_and_new++;
		}
	}

	if (!rebuilds) {
		if (new_legs) {
			rs->ti->error =
				"New device injected into existing raid set without 'rebuild'";
			return -EINVAL;
		}
		return 0;
	}
	if (new_legs != rebuild_and_new) {
		rs->ti->error = "New device provided without 'rebuild'";
		return -EINVAL;
	}
	return 0;
}

/*
 * A leg whose superblock records no position: md took it out of the
 * array without failing it, because it could not recover it (written so
 * by the stock target, and by dm-raidx before 1.20.1).  Nothing on
 * it is known good, so it is recovered in full at its table position.
 */
static void mark_detached(struct raidx_set *rs, int leg)
{
	DMWARN("%s: leg %d: taken out by md, not failed: recovered in full",
	       raidx_name(rs), leg);
	rs->dev[leg].stale = true;
}

/*
 * Check each older leg against the freshest and apply the failed bits.
 * A leg whose superblock says it belongs to another array, or to another
 * geometry, is refused rather than silently resynced over.
 */
static int check_member(struct raidx_set *rs, int leg,
			const struct raidx_sb *ref, const struct raidx_sb *sb)
{
	struct raidx_leg_state *state = &rs->dev[leg].leg;
	int r;

	r = check_leg_sb(rs, leg, ref, sb);
	if (r)
		return r;

	if (raidx_sb_detached(sb)) {
		mark_detached(rs, leg);
	} else if (sb->array_position != state->raid_disk) {
		if (!raidx_leg_may_move(rs->geo.level, rs->geo.layout,
					rs->geo.raid_disks)) {
			rs->ti->error =
				"Cannot change device positions in raid set";
			return -EINVAL;
		}
		DMINFO("%s: leg recorded at position %u now at %d",
		       raidx_name(rs), sb->array_position, state->raid_disk);
	}

	/* It records the shape before the takeover: rewritten at resume. */
	if (raidx_sb_torn_takeover(ref, sb))
		rs->write_sbs = true;
	/*
	 * Recovered in full, never trusted.  Not judged while another table
	 * runs the array: its writes between two legs' reads make events
	 * differ (the superblocks are read again at resume).
	 */
	if (!rs->provisional && raidx_sb_stale(ref, sb) &&
	    !raidx_sb_detached(sb)) {
		DMWARN("%s: leg %d: %llu events behind and not recorded failed: recovered in full",
		       raidx_name(rs), leg,
		       (unsigned long long)(ref->events - sb->events));
		rs->dev[leg].stale = true;
	}

	/* A leg recorded as failed comes back through partial recovery. */
	if (raidx_sb_failed(ref, sb->array_position))
		state->faulty = true;
	return 0;
}

/*
 * Enough legs left to serve data?  A leg without a readable superblock,
 * stale or out of sync is lost.  Outside raid10 a leg on its first use (to be
 * recovered) is not counted, as dm-raid does not: md_run() then refuses
 * what md cannot run.  raid10 counts it, as md's enough() does.
 */
static int check_redundancy(struct raidx_set *rs)
{
	bool lost[RAIDX_MAX_DEVICES] = { false };
	unsigned int i, disks = min_t(unsigned int, rs->raid_disks,
				      rs->geo.raid_disks);

	/* md's raid0 refuses a missing leg itself. */
	if (rs->geo.level == 0)
		return 0;
	for (i = 0; i < disks; i++) {
		struct raidx_dev *d = &rs->dev[i];

		lost[i] = !d->rdev.sb_page || d->stale || !d->leg.in_sync;
		if (!rs_is_raid10(rs) && d->first_use)
			lost[i] = false;
	}
	return raidx_legs_enough(rs->geo.level, rs->geo.layout, disks,
				 lost) ? 0 : -EINVAL;
}

/* Leg @i's own state from its own superblock. */
static void adopt_leg_state(struct raidx_set *rs, unsigned int i,
			    const struct raidx_sb *sb)
{
	struct raidx_dev *d = &rs->dev[i];
	struct raidx_leg_state *leg = &d->leg;

	if (!d->first_use) {
		if (sb->compat_features & RAIDX_COMPAT_V190)
			d->sb_sectors = sb->sectors;
		leg->recovery_offset = sb->disk_recovery_offset;
		if (leg->recovery_offset == MaxSector)
			leg->in_sync = true;
		else if (!rs_is_reshaping(rs))
			leg->in_sync = false;
		leg->data_offset = sb->data_offset;
		leg->new_data_offset = sb->new_data_offset;
		if (sb->has_ext && sb->consistency_policy == RAIDX_POLICY_PPL) {
			leg->ppl_sector = sb->ppl_sector;
			leg->ppl_size = sb->ppl_size;
		}
	} else if (bdev_nr_sectors(d->rdev.bdev) >=
		   rs->sb_data_offset + rs->dev_sectors) {
		/*
		 * A leg that joins an existing array (a rebuild) holds its data
		 * where the others do, and its log where the freshest leg has
		 * its own, so the legs stay alike for PPL and reshapes.  The
		 * stock target puts it at offset 0; md runs either.
		 */
		leg->data_offset = rs->sb_data_offset;
		leg->new_data_offset = rs->sb_new_data_offset;
		leg->ppl_sector = rs->ppl_sector;
		leg->ppl_size = rs->ppl_size;
	}

	/*
	 * A leg that comes back is out of sync until the bitmap says, if it
	 * was in sync when it failed; one that failed in a recovery holds
	 * nothing the bitmap knows of beyond that point, and a stale one
	 * missed writes the bitmap may have forgotten: in full.
	 */
	if (leg->faulty || d->stale) {
		leg->faulty = false;
		leg->recovery_offset = 0;
		leg->in_sync = false;
		leg->saved_raid_disk = !d->first_use && !d->stale &&
			sb->disk_recovery_offset == MaxSector ?
			leg->raid_disk : -1;
	}
}

/*
 * Read every leg's superblock into @sbs.  *@freshest: the freshest leg
 * that is not new (-1: all new); *@legs counts the legs whose superblock
 * could be read.
 */
static int read_legs(struct raidx_set *rs, struct raidx_sb *sbs,
		     unsigned int *legs, int *freshest)
{
	unsigned int i;
	int r;

	*freshest = -1;
	for (i = 0; i < rs->raid_disks; i++) {
		struct raidx_dev *d = &rs->dev[i];

		if (!d->data_dev || !d->meta_dev)
			continue;
		r = load_leg(rs, i, &sbs[i]);
		if (r == -EIO) {
			d->leg.faulty = true;
			/* raid0 cannot run without every leg */
			if (rs_is_raid0(rs))
				continue;
			/* left out; a resume tries it again */
			d->leg.raid_disk = -1;
			d->leg.saved_raid_disk = -1;
			d->unread = true;
			continue;
		}
		if (r)
			return r;
		(*legs)++;
		if (d->first_use)
			continue;
		if (*freshest < 0 || raidx_sb_fresher(&sbs[i], &sbs[*freshest]))
			*freshest = i;
	}
	return 0;
}

static void new_array(struct raidx_set *rs)
{
	DMINFO("%s: superblocks created for new raid set", raidx_name(rs));
	rs->new_array = true;
	/* A journal kept through "sync" keeps its uuid, all-zero or not. */
	if (!rs->sync_keeps_journal &&
	    !memchr_inv(rs->uuid, 0, sizeof(rs->uuid)))
		generate_random_uuid(rs->uuid);
	rs->sb_policy = -1;
	rs->sb_journal_mode = -1;
	rs->geo.events = 1;
}

/*
 * An existing array: geometry from the freshest leg (@fresh), every other
 * leg checked against it, failed and degraded legs counted, each leg's
 * own state taken.
 */
static int existing_array(struct raidx_set *rs, int fresh,
			  const struct raidx_sb *sbs)
{
	const struct raidx_geometry *g = &rs->geo;
	struct raidx_sb ref = sbs[fresh];
	unsigned int i;
	int r;

	r = adopt_freshest(rs, fresh, &ref);
	/* A conversion request explains new legs better than "rebuild". */
	if (!r)
		r = raidx_refuse_layout_change(rs, g->level, g->layout,
					       g->chunk_sectors, g->raid_disks);
	/* Older superblocks record no size to check a takeover against. */
	if (!r && rs->takeover && !(ref.compat_features & RAIDX_COMPAT_V190)) {
		rs->ti->error =
			"Takeover needs v1.9.0 superblocks: activate the array as it is first";
		r = -EINVAL;
	}
	if (!r)
		r = check_new_legs(rs);
	if (r)
		return r;
	/*
	 * Members are checked below; the freshest must sit where it was,
	 * unless md took it out of the array: then it serves nothing (every
	 * readable leg so: check_redundancy() refuses).
	 */
	if (raidx_sb_detached(&ref)) {
		mark_detached(rs, fresh);
	} else if (ref.array_position != rs->dev[fresh].leg.raid_disk &&
		   !raidx_leg_may_move(g->level, g->layout, g->raid_disks)) {
		DMERR("%s: leg recorded at position %u given at %d",
		      raidx_name(rs), ref.array_position,
		      rs->dev[fresh].leg.raid_disk);
		rs->ti->error = "Cannot change device positions in raid set";
		return -EINVAL;
	}

	for (i = 0; i < rs->raid_disks; i++) {
		struct raidx_dev *d = &rs->dev[i];

		/* a leg a takeover adds holds nothing: decide checks it */
		if (!d->data_dev || !d->rdev.sb_page || d->leg.raid_disk < 0 ||
		    d->first_use || i == fresh || raidx_takeover_adds(rs, i))
			continue;
		r = check_member(rs, i, &ref, &sbs[i]);
		if (r)
			return r;
	}
	if (raidx_sb_failed(&ref, fresh))
		rs->dev[fresh].leg.faulty = true;

	/* a stale leg serves nothing until recovered: as good as missing */
	for (i = 0; i < rs->raid_disks; i++)
		if (!rs->dev[i].data_dev || rs->dev[i].leg.raid_disk < 0 ||
		    raidx_sb_failed(&ref, i) || rs->dev[i].stale)
			rs->degraded_legs++;

	if (check_redundancy(rs)) {
		rs->ti->error = "Insufficient redundancy to activate array";
		return -EINVAL;
	}

	for (i = 0; i < rs->raid_disks; i++) {
		struct raidx_dev *d = &rs->dev[i];

		if (d->data_dev && d->rdev.sb_page && d->leg.raid_disk >= 0)
			adopt_leg_state(rs, i, &sbs[i]);
	}
	return 0;
}

/*
 * The "read superblocks" step: every leg's superblock read and checked,
 * the array's geometry (rs->geo) and each leg's state set from them;
 * rs->new_array when every leg is new.
 */
int raidx_load_superblocks(struct raidx_set *rs)
{
	struct raidx_sb *sbs;
	unsigned int legs = 0;
	int freshest, r;

	/* in sync unless a superblock says otherwise (none: no metadata) */
	rs->sb_resync_offset = MaxSector;
	rs->sb_array_sectors = rs->array_sectors;

	sbs = kcalloc(rs->raid_disks, sizeof(*sbs), GFP_KERNEL);
	if (!sbs) {
		rs->ti->error = "Cannot allocate superblock buffers";
		return -ENOMEM;
	}

	r = read_legs(rs, sbs, &legs, &freshest);
	if (r || !legs)
		goto out;

	bitmap_zero(rs->failed, RAIDX_MAX_DEVICES);
	if (freshest >= 0)
		r = existing_array(rs, freshest, sbs);
	else
		new_array(rs);
out:
	kfree(sbs);
	return r;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * raidx-policy.c - how a raid4/5/6 array closes its write hole.
 *
 * Owns: the consistency policy (resync = bitmap, journal = md's
 * raid5-cache on a journal device, ppl = md's raid5-ppl in space before
 * the data), the rules that weigh what the superblocks record against
 * what the table asks (the table's own rules are in raidx-table.c),
 * what md and each leg get for it before md_run(), and the messages
 * that switch the policy or the journal mode at runtime (md starts the
 * journal mode in raidx-md.c).
 */
#include "raidx.h"
#include "raid5.h"

/* PPL space: at most 1 MiB, and md needs a 4 KiB header plus a stripe. */
#define RAIDX_PPL_MAX_SECTORS	2048
#define RAIDX_PPL_MIN_SECTORS	16

/*
 * Where the PPL of one leg lives: [ppl_sector, ppl_sector + ppl_size) on
 * its data device @bdev, outside its data.  A leg that has a log (its
 * superblock said where) keeps it.  Otherwise the log goes in the space
 * the leg's data_offset leaves before its data, or, with @after_data (a
 * running array switched to PPL, whose data may sit at offset 0), in the
 * space after it, which the stock target keeps for reshapes; PPL arrays
 * do not reshape.  At most RAIDX_PPL_MAX_SECTORS.  Every leg uses its own
 * data_offset: a rebuilt or missing leg says nothing about the others.
 * Returns why it cannot, or NULL.
 */
static const char *place_leg_ppl(struct raidx_set *rs,
				 struct block_device *bdev,
				 struct raidx_leg_state *leg, bool after_data)
{
	sector_t size = bdev_nr_sectors(bdev);
	sector_t data = raidx_run_geometry(rs).dev_sectors;
	sector_t data_end = leg->data_offset + data;
	sector_t grown_end = leg->data_offset + max(data, rs->dev_sectors);
	sector_t room;

	if (size < data_end)
		return "Component device(s) too small for data_offset and data";
	room = size - data_end;

	if (!leg->ppl_size) {
		if (leg->data_offset >= RAIDX_PPL_MIN_SECTORS) {
			leg->ppl_sector = 0;
			leg->ppl_size = min_t(sector_t, leg->data_offset,
					      RAIDX_PPL_MAX_SECTORS);
		} else if (after_data && room >= RAIDX_PPL_MIN_SECTORS) {
			leg->ppl_sector = data_end;
			leg->ppl_size = min_t(sector_t, room,
					      RAIDX_PPL_MAX_SECTORS);
		} else {
			return after_data ?
			       "no room for PPL: needs 16 free sectors before or after the data" :
			       "consistency_policy ppl needs data_offset >= 32";
		}
	}
	if (leg->ppl_sector + leg->ppl_size > leg->data_offset &&
	    leg->ppl_sector < data_end)
		return "PPL space overlaps the data area";
	/* md itself refuses to resize an array with a log (raid5_resize). */
	if (leg->ppl_sector + leg->ppl_size > leg->data_offset &&
	    leg->ppl_sector < grown_end)
		return "Cannot grow a PPL array into its log: switch it to resync first";
	if (leg->ppl_sector + leg->ppl_size > size)
		return "Component device(s) too small for the PPL";
	return NULL;
}

/*
 * Place every present leg's log: in @legs (indexed by leg), or, if NULL,
 * in what the analysis decides for each leg.  On failure no leg keeps a
 * new one.
 */
static const char *place_ppl_logs(struct raidx_set *rs,
				  struct raidx_leg_state *legs, bool after_data)
{
	const char *why = NULL;
	unsigned int i;

	if (rs->raid_disks > 64)
		return "consistency_policy ppl supports at most 64 devices";
	for (i = 0; i < rs->raid_disks && !why; i++)
		if (rs->dev[i].data_dev)
			why = place_leg_ppl(rs, rs->dev[i].data_dev->bdev,
					    legs ? &legs[i] : &rs->dev[i].leg,
					    after_data);
	for (i = 0; why && i < rs->raid_disks; i++) {
		struct raidx_leg_state *leg = legs ? &legs[i] : &rs->dev[i].leg;

		leg->ppl_sector = 0;
		leg->ppl_size = 0;
	}
	return why;
}

static int place_ppl(struct raidx_set *rs, bool new_array)
{
	const char *why;
	unsigned int i;

	if (new_array)
		for (i = 0; i < rs->raid_disks; i++) {
			struct raidx_leg_state *leg = &rs->dev[i].leg;

			if (!rs->dev[i].data_dev)
				continue;
			leg->data_offset = rs->params.data_offset;
			leg->ppl_sector = 0;
			leg->ppl_size = 0;
		}
	why = place_ppl_logs(rs, NULL, !new_array);
	if (why)
		return raidx_refuse(rs, why);
	/* No reshape space: the data stays where the PPL ends. */
	for (i = 0; i < rs->raid_disks; i++)
		if (rs->dev[i].data_dev)
			rs->dev[i].leg.new_data_offset =
				rs->dev[i].leg.data_offset;
	return 0;
}

/*
 * The table's policy (or its journal_dev) wins, else the recorded one;
 * a crashed array keeps the one it crashed with.
 */
static int adopt_policy(struct raidx_set *rs)
{
	if (rs->sb_has_ext && rs->sb_journal_mode >= 0 &&
	    !rs_given(rs, RAIDX_ARG_JOURNAL_MODE))
		rs->journal.mode = rs->sb_journal_mode;

	if (rs->new_array || rs->sb_policy < 0)
		return 0;
	if (rs->sb_policy == RAIDX_POLICY_JOURNAL && !rs->journal.dev)
		return raidx_refuse(rs, "Array has a write journal: table must name journal_dev");
	if (!rs_given(rs, RAIDX_ARG_CONSISTENCY_POLICY) && !rs->journal.dev)
		rs->policy = rs->sb_policy;
	/*
	 * A crashed array is recovered by the policy it ran: a table that
	 * changes it would throw a log away, replay a stale one, or skip
	 * the resync (a journal added to a crashed resync array).
	 */
	if (rs->sb_dirty && rs->policy != rs->sb_policy)
		return raidx_refuse(rs,
				    "Unclean array: activate it with its recorded consistency_policy first");
	return 0;
}

/*
 * After the superblocks are read, before anything decides on the array:
 * the policy in force, and with it whether md keeps a bitmap (the one
 * place that says so; a runtime switch to PPL drops it in raidx-md.c).
 * The bitmap lives on the metadata devices: none without them.
 */
int raidx_policy_adopt(struct raidx_set *rs)
{
	int r;

	r = adopt_policy(rs);
	if (r)
		return r;
	rs->bitmap_sector = rs->md.persistent &&
			    raidx_has_bitmap(rs->type->level, rs->policy) ?
			    RAIDX_BITMAP_SECTOR : 0;
	return 0;
}

/*
 * A journal joining an array whose superblocks record another policy
 * starts an empty log (raidx-md.c clears its first block).  md replays any
 * log whose block at the recorded tail checks out under the array uuid:
 * what the device still holds of another array's log (a reused LV; the
 * stock target's arrays all have the all-zero uuid) or of an earlier
 * journal would be replayed over this array's newer data.  The uuid stays:
 * legs that missed this activation still belong to the array.  Only
 * superblocks with our extension say what the array ran: the stock target
 * records no journal, and without metadata devices nothing is recorded;
 * both are read as their journal's own log, as the stock target reads
 * them.  The superblocks record the journal at resume, before the first
 * write: on an array already marked dirty no write waits for them, and
 * after a crash a write-back log they do not record would be cleared
 * again.
 */
static void prepare_joining_journal(struct raidx_set *rs)
{
	rs->journal_joins = rs->journal.dev && !rs->new_array &&
			    rs->sb_has_ext &&
			    rs->sb_policy != RAIDX_POLICY_JOURNAL;
	if (rs->journal_joins) {
		rs->journal.tail = 0;	/* defensive: recorded only with one */
		rs->write_sbs = true;
	}
}

/* Set up the mddev for the policy in force, before md_run(). */
int raidx_policy_prepare(struct raidx_set *rs)
{
	bool new_array = rs->new_array;

	/*
	 * Every PPL array needs a uuid of its own: the log signature is
	 * derived from it, and a shared all-zero one would let one array's
	 * log pass for another's.  An array that already keeps a log keeps
	 * the uuid the log was written with (a new one would make md refuse
	 * it): a PPL array, or a journal (all-zero if the stock target
	 * made it).
	 */
	if (rs->policy == RAIDX_POLICY_PPL &&
	    rs->sb_policy != RAIDX_POLICY_PPL &&
	    !memchr_inv(rs->uuid, 0, sizeof(rs->uuid)))
		generate_random_uuid(rs->uuid);

	prepare_joining_journal(rs);

	/*
	 * Journal and PPL checksums are seeded from the array uuid.  md also
	 * stamps it into the bitmap header and refuses a bitmap whose uuid
	 * differs, so an array the stock target may open (no log, so no
	 * incompat bit) keeps the all-zero uuid the stock target uses.
	 */
	rs->md_gets_uuid = rs->policy == RAIDX_POLICY_PPL || rs->journal.dev;

	if (rs->policy != RAIDX_POLICY_PPL) {
		/*
		 * The bitmap area is stale after PPL (or after a runtime switch
		 * dropped the bitmap): md writes a fresh header only on
		 * MD_ARRAY_FIRST_USE, and only into memory; the superblock
		 * write before the bitmap is loaded puts it on disk (loading
		 * reads the header page back from disk).
		 */
		if (rs->bitmap_stale && rs->bitmap_sector) {
			rs->fresh_bitmap = true;
			rs->bitmap_stale = false;
			rs->write_sbs = true;
		}
		return 0;
	}
	if (rs_is_reshaping(rs))
		return raidx_refuse(rs, "consistency_policy ppl cannot start during a reshape");
	/*
	 * md replays a PPL into an array recorded unsynced: an old log left
	 * from an earlier PPL period (its signature still valid) would be
	 * replayed over newer data.  As the message, only for one in sync.
	 */
	if (!new_array && rs->sb_policy != RAIDX_POLICY_PPL &&
	    (rs_recorded_resync_offset(rs) != MaxSector ||
	     rs->resync_from != MaxSector))
		return raidx_refuse(rs, rs->grow ?
				    "consistency_policy ppl: grow the array first, then switch" :
				    "consistency_policy ppl: let the array's resync finish first");
	rs->bitmap_stale = true;
	return place_ppl(rs, new_array);
}

static int set_journal_mode(struct raidx_set *rs, const char *name)
{
	int mode = raidx_journal_mode_by_name(name);
	int r;

	if (mode < 0) {
		DMERR("%s: journal_mode: unknown mode '%s' (writethrough|writeback)",
		      raidx_name(rs), name);
		return -EINVAL;
	}
	if (!rs->journal.dev) {
		DMERR("%s: journal_mode: array has no journal device",
		      raidx_name(rs));
		return -EINVAL;
	}
	if (!rs->md.pers) {
		DMERR("%s: journal_mode: array is not running", raidx_name(rs));
		return -EBUSY;
	}
	/* md_update_sb() on a live array wants the mddev lock. */
	mddev_lock_nointr(&rs->md);
	r = r5c_journal_mode_set(&rs->md, mode);
	if (!r) {
		WRITE_ONCE(rs->journal.mode, mode);
		rs->journal.running_mode = mode;
		smp_mb__before_atomic(); /* the mode before the word */
		set_bit(RAIDX_ARG_JOURNAL_MODE, &rs->params.given);
		WARN_ON_ONCE(raidx_write_superblocks(rs));
	}
	mddev_unlock(&rs->md);
	if (r)
		DMERR("%s: journal_mode %s refused by md (%d)%s", raidx_name(rs),
		      name, r,
		      r == -EINVAL ? ": writeback needs a non-degraded array" :
				     "");
	return r;
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
 * A running array's legs get a log each, placed from md's view of them;
 * md reads them only once the policy switch starts its PPL.
 */
static int give_md_ppl_logs(struct raidx_set *rs)
{
	struct raidx_leg_state *legs;
	const char *why;
	unsigned int i;

	legs = kcalloc(rs->raid_disks, sizeof(*legs), GFP_KERNEL);
	if (!legs)
		return -ENOMEM;
	for (i = 0; i < rs->raid_disks; i++)
		legs[i] = raidx_run_leg(rs, i);
	/*
	 * A placement that fails leaves every leg without a log, so the
	 * next try starts afresh (too many legs: nothing was placed).
	 */
	why = place_ppl_logs(rs, legs, true);
	for (i = 0; i < rs->raid_disks; i++)
		if (rs->dev[i].data_dev)
			raidx_rdev_ppl(&rs->dev[i].rdev, &legs[i]);
	kfree(legs);
	if (why) {
		DMERR("%s: consistency_policy ppl: %s", raidx_name(rs), why);
		return -EINVAL;
	}
	return 0;
}

/*
 * resync -> ppl: PPL space outside each leg's data, a uuid for its
 * checksums, the bitmap dropped (md refuses PPL beside one), then md's
 * personality starts the log.  The superblocks name PPL only once md runs
 * it; from the moment the bitmap is gone until then they say "resync
 * without a bitmap", so a crash in between costs a full resync, never a
 * replay of a log md did not keep or a resync that skips regions.
 */
static int enable_ppl(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	struct md_rdev *rdev;
	int r;

	r = give_md_ppl_logs(rs);
	if (r)
		return r;
	if (!memchr_inv(rs->uuid, 0, sizeof(rs->uuid)))
		generate_random_uuid(rs->uuid);
	r = write_empty_ppl_headers(rs);
	if (r) {
		DMERR("%s: consistency_policy ppl: cannot write PPL headers (%d)",
		      raidx_name(rs), r);
		goto out_logs;
	}

	mddev_lock_nointr(md);
	mddev_suspend(md);
	/*
	 * A suspend and resume of the table meanwhile clears the freeze:
	 * a sync thread using the bitmap must not have started since.
	 */
	if (md->sync_thread || test_bit(MD_RECOVERY_RUNNING, &md->recovery)) {
		mddev_resume(md);
		mddev_unlock(md);
		DMERR("%s: consistency_policy ppl: a sync action started meanwhile",
		      raidx_name(rs));
		r = -EBUSY;
		goto out_logs;
	}
	memcpy(md->uuid, rs->uuid, sizeof(md->uuid));
	raidx_drop_bitmap(md);
	rs->bitmap_stale = true;
	/* Before any write can happen without the bitmap. */
	WARN_ON_ONCE(raidx_write_superblocks(rs));
	mddev_resume(md);
	mddev_unlock(md);

	r = md->pers->change_consistency_policy(md, "ppl");
	/* What md runs decides, not the return code (it can fail late). */
	mddev_lock_nointr(md);
	if (test_bit(MD_HAS_PPL, &md->flags)) {
		rs->policy = RAIDX_POLICY_PPL;
		WARN_ON_ONCE(raidx_write_superblocks(rs));
	}
	mddev_unlock(md);
	if (rs->policy == RAIDX_POLICY_PPL)
		return 0;
	r = r ?: -EIO;
	DMERR("%s: consistency_policy ppl refused by md (%d); no bitmap until reload",
	      raidx_name(rs), r);

out_logs:
	rdev_for_each(rdev, md)
		if (!test_bit(Journal, &rdev->flags))
			memset(&rdev->ppl, 0, sizeof(rdev->ppl));
	return r;
}

/*
 * ppl -> resync, as md does it: the log stops, no bitmap comes back (md
 * cannot create one on a running array), so until the next activation,
 * which writes a fresh bitmap, a crash costs a full resync.  The
 * superblocks say resync before md stops the log: a crash after md
 * stopped it must not find a policy that replays its stale entries.
 */
static int disable_ppl(struct raidx_set *rs)
{
	struct mddev *md = &rs->md;
	int r;

	mddev_lock_nointr(md);
	rs->policy = RAIDX_POLICY_RESYNC;
	WARN_ON_ONCE(raidx_write_superblocks(rs));
	mddev_unlock(md);

	r = md->pers->change_consistency_policy(md, "resync");
	/*
	 * md stops the log before a step that can still fail (resizing the
	 * stripes): whether md runs PPL decides what is recorded, not r.
	 */
	if (test_bit(MD_HAS_PPL, &md->flags)) {
		DMERR("%s: consistency_policy resync refused by md (%d)",
		      raidx_name(rs), r);
		mddev_lock_nointr(md);
		rs->policy = RAIDX_POLICY_PPL;
		WARN_ON_ONCE(raidx_write_superblocks(rs));
		mddev_unlock(md);
		return r ?: -EIO;
	}
	if (r)
		DMWARN("%s: md stopped the PPL but reported %d", raidx_name(rs),
		       r);
	DMINFO("%s: PPL off; no bitmap until the next activation",
	       raidx_name(rs));
	return 0;
}

/*
 * Freeze md's sync actions while the policy changes, so no check,
 * repair or recovery starts (and holds the bitmap) meanwhile.  Returns
 * -EBUSY when one runs or is due.  Messages are serialised by the
 * caller, so no "check" message can unfreeze it in between.
 */
static int freeze_idle_array(struct raidx_set *rs, bool *was_frozen)
{
	struct mddev *md = &rs->md;
	int r = 0;

	mddev_lock_nointr(md);
	if (rs_is_reshaping(rs) || md->recovery_cp != MaxSector ||
	    md->sync_thread || test_bit(MD_RECOVERY_RUNNING, &md->recovery))
		r = -EBUSY;
	else
		*was_frozen = test_and_set_bit(MD_RECOVERY_FROZEN,
					       &md->recovery);
	mddev_unlock(md);
	return r;
}

static void thaw_array(struct raidx_set *rs, bool was_frozen)
{
	struct mddev *md = &rs->md;

	if (was_frozen)
		return;
	clear_bit(MD_RECOVERY_FROZEN, &md->recovery);
	set_bit(MD_RECOVERY_NEEDED, &md->recovery);
	md_wakeup_thread(md->thread);
}

/* "consistency_policy ppl|resync", as md's sysfs consistency_policy. */
static int switch_policy(struct raidx_set *rs, const char *name)
{
	struct mddev *md = &rs->md;
	int policy = raidx_policy_by_name(name);
	bool was_frozen = false;
	int r;

	if (policy != RAIDX_POLICY_PPL && policy != RAIDX_POLICY_RESYNC) {
		DMERR("%s: consistency_policy: '%s' is not ppl or resync (journal: table)",
		      raidx_name(rs), name);
		return -EINVAL;
	}
	if (policy == rs->policy)
		return 0;
	if (rs->policy == RAIDX_POLICY_JOURNAL) {
		DMERR("%s: consistency_policy: the array has a write journal; it keeps it",
		      raidx_name(rs));
		return -EINVAL;
	}
	if (md->level != 5) {
		DMERR("%s: consistency_policy ppl needs raid5", raidx_name(rs));
		return -EINVAL;
	}
	if (!md->persistent) {
		DMERR("%s: consistency_policy: needs metadata devices to record the policy",
		      raidx_name(rs));
		return -EINVAL;
	}
	if (dm_suspended(rs->ti) || !md->pers || md->ro ||
	    !md->pers->change_consistency_policy) {
		DMERR("%s: consistency_policy: array is not running read-write",
		      raidx_name(rs));
		return -EBUSY;
	}
	if (freeze_idle_array(rs, &was_frozen)) {
		DMERR("%s: consistency_policy: wait until resync, recovery or reshape has finished",
		      raidx_name(rs));
		return -EBUSY;
	}

	r = policy == RAIDX_POLICY_PPL ? enable_ppl(rs) : disable_ppl(rs);
	thaw_array(rs, was_frozen);
	if (r)
		return r;
	/*
	 * The table printed back names the policy now in force.  After a
	 * switch to resync it differs from the table LVM loads for the
	 * array (no word), which is what makes LVM's next reload of it
	 * really load a table, and the new table brings the bitmap back.
	 */
	WRITE_ONCE(rs->params.policy, policy);
	smp_mb__before_atomic(); /* the policy before the word printing it */
	set_bit(RAIDX_ARG_CONSISTENCY_POLICY, &rs->params.given);
	return 0;
}

/* Messages "journal_mode <m>" and "consistency_policy <p>". */
int raidx_policy_message(struct raidx_set *rs, unsigned int argc, char **argv)
{
	if (argc != 2) {
		DMERR("%s: %s needs exactly one argument", raidx_name(rs),
		      argv[0]);
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
	return rs->journal.running_mode == RAIDX_JOURNAL_WRITETHROUGH ? "A" : "a";
}

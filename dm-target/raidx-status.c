// SPDX-License-Identifier: GPL-2.0
/*
 * raidx-status.c - what dmsetup status, table and message see.
 *
 * Owns: the status line (health characters, sync ratio, sync action,
 * mismatch count, data offset, journal character), the IMA measurement
 * line, and the sync-action messages.  The field order and meaning follow
 * Documentation/admin-guide/device-mapper/dm-raid.rst exactly, because
 * LVM2 and monitoring tools parse them positionally.
 */
#include "raidx.h"

enum sync_action {
	SYNC_FROZEN,
	SYNC_RESHAPE,
	SYNC_RESYNC,
	SYNC_CHECK,
	SYNC_REPAIR,
	SYNC_RECOVER,
	SYNC_IDLE,
};

static const char * const sync_action_names[] = {
	[SYNC_FROZEN] = "frozen",
	[SYNC_RESHAPE] = "reshape",
	[SYNC_RESYNC] = "resync",
	[SYNC_CHECK] = "check",
	[SYNC_REPAIR] = "repair",
	[SYNC_RECOVER] = "recover",
	[SYNC_IDLE] = "idle",
};

/*
 * md has no single "what is the sync thread doing" field: it is spelled by
 * flag combinations, and some imply others (a reshape sets SYNC too, a
 * check sets REQUESTED too).  Rows are tried in order, the first whose
 * flags are all set names the action, so each row only has to tell its
 * action apart from the rows below it.
 */
static const struct {
	unsigned long flags;
	enum sync_action action;
} running_sync_kinds[] = {
	{ BIT(MD_RECOVERY_RESHAPE), SYNC_RESHAPE },
	{ BIT(MD_RECOVERY_SYNC) | BIT(MD_RECOVERY_REQUESTED) |
	  BIT(MD_RECOVERY_CHECK), SYNC_CHECK },
	{ BIT(MD_RECOVERY_SYNC) | BIT(MD_RECOVERY_REQUESTED), SYNC_REPAIR },
	{ BIT(MD_RECOVERY_SYNC), SYNC_RESYNC },
	{ BIT(MD_RECOVERY_RECOVER), SYNC_RECOVER },
};

/* Is md's sync thread running, or about to run, for this snapshot? */
static bool sync_underway(struct mddev *md, unsigned long recovery)
{
	/* A thread done with its I/O may not have been reaped yet. */
	if (test_bit(MD_RECOVERY_DONE, &recovery))
		return false;
	if (test_bit(MD_RECOVERY_RUNNING, &recovery))
		return true;
	/* A read-only array never acts on NEEDED. */
	return !md->ro && test_bit(MD_RECOVERY_NEEDED, &recovery);
}

static enum sync_action sync_action_of(struct mddev *md,
				       unsigned long recovery)
{
	unsigned int i;

	if (test_bit(MD_RECOVERY_FROZEN, &recovery))
		return SYNC_FROZEN;
	/* the resync has ended, the legs that waited for it are not placed */
	if (!sync_underway(md, recovery))
		return READ_ONCE(mddev_to_rs(md)->legs_after_resync) &&
		       md->recovery_cp == MaxSector ? SYNC_RECOVER : SYNC_IDLE;
	for (i = 0; i < ARRAY_SIZE(running_sync_kinds); i++) {
		if ((recovery & running_sync_kinds[i].flags) !=
		    running_sync_kinds[i].flags)
			continue;
		/* A resync md runs as requested is still the array's resync. */
		if (running_sync_kinds[i].action == SYNC_REPAIR &&
		    mddev_to_rs(md)->resync_requested &&
		    md->recovery_cp != MaxSector)
			return SYNC_RESYNC;
		return running_sync_kinds[i].action;
	}
	/* Between two steps of a reshape md sets no sync flag. */
	return md->reshape_position != MaxSector ? SYNC_RESHAPE : SYNC_IDLE;
}

/* What the health characters may claim about the whole set. */
struct sync_view {
	sector_t progress;
	bool in_sync;		/* every leg may be shown 'A' */
	bool resyncing;		/* every leg must be shown 'a' */
};

static bool all_legs_in_sync(struct raidx_set *rs)
{
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++)
		if (rs->dev[i].data_dev && !raidx_run_leg(rs, i).in_sync)
			return false;
	return true;
}

static struct sync_view view_sync(struct raidx_set *rs,
				  unsigned long recovery,
				  enum sync_action action, sector_t max)
{
	struct mddev *md = &rs->md;
	struct sync_view v = { 0 };
	sector_t done;

	if (rs_is_raid0(rs)) {
		v.progress = max;
		v.in_sync = true;
		return v;
	}

	done = (action == SYNC_IDLE && !test_bit(MD_RECOVERY_INTR, &recovery)) ?
	       raidx_resync_position(rs) : md->curr_resync_completed;
	/*
	 * A recovery not started yet (sync_action_of(), or a leg just
	 * placed) has done nothing; one just ended leaves every leg in sync.
	 */
	if (action == SYNC_RECOVER &&
	    !test_bit(MD_RECOVERY_RUNNING, &recovery) && !all_legs_in_sync(rs))
		done = 0;

	if (action == SYNC_IDLE && done >= max)
		v.in_sync = test_bit(MD_RECOVERY_RECOVER, &recovery);
	else if (action == SYNC_RESYNC || action == SYNC_RESHAPE)
		v.resyncing = true;
	else if (action == SYNC_CHECK || action == SYNC_REPAIR)
		/* md may check while legs wait out of the array for a resync */
		v.in_sync = !READ_ONCE(rs->legs_after_resync);
	else if (action == SYNC_RECOVER)
		;	/* the recovering legs show 'a' on their own */
	else if (test_bit(MD_RECOVERY_NEEDED, &recovery))
		v.resyncing = true;
	else
		v.in_sync = all_legs_in_sync(rs);

	v.progress = min(done, max);
	return v;
}

/*
 *  'D' dead leg or journal, 'a' alive but not in sync (or a writeback
 *  journal), 'A' alive and in sync (or a writethrough journal), '-' absent.
 */
static char leg_health(const struct sync_view *v, struct raidx_set *rs,
		       unsigned int i)
{
	struct raidx_leg_state leg;

	if (!rs->dev[i].data_dev)
		return '-';
	leg = raidx_run_leg(rs, i);
	if (leg.faulty)
		return 'D';
	if (v->resyncing || (!v->in_sync && !leg.in_sync))
		return 'a';
	return 'A';
}

/*
 * The data offset of the array: that of the first leg holding current
 * data.  A missing leg has none, and a rebuilt one may differ (the stock
 * target puts it at 0), so leg 0 alone can mislead LVM's reshape logic.
 */
static sector_t array_data_offset(struct raidx_set *rs)
{
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++) {
		struct raidx_leg_state leg = raidx_run_leg(rs, i);

		if (rs->dev[i].data_dev && leg.in_sync && !leg.faulty)
			return leg.data_offset;
	}
	return raidx_run_leg(rs, 0).data_offset;
}

static void emit_info(struct raidx_set *rs, char *result, unsigned int maxlen)
{
	struct mddev *md = &rs->md;
	const struct raidx_type *t;
	unsigned int sz = 0, i;
	unsigned long recovery;
	enum sync_action action;
	struct sync_view v;
	sector_t max;
	u64 mismatches;

	t = raidx_type_by_level_layout(md->new_level, md->new_layout);
	if (!t)
		return;
	DMEMIT("%s %d ", t->name, md->raid_disks);

	smp_rmb(); /* the newest mddev state */
	max = rs->preresumed ? md->resync_max_sectors :
			       raidx_run_geometry(rs).dev_sectors;
	recovery = md->recovery;
	/* A reloaded table md has not started (yet): nothing runs. */
	action = rs->started ? sync_action_of(md, recovery) : SYNC_FROZEN;
	v = view_sync(rs, recovery, action, max);
	mismatches = (md->last_sync_action &&
		      !strcasecmp(md->last_sync_action, "check")) ?
		     atomic64_read(&md->resync_mismatches) : 0;

	for (i = 0; i < rs->raid_disks; i++)
		DMEMIT("%c", leg_health(&v, rs, i));
	DMEMIT(" %llu/%llu", (unsigned long long)v.progress,
	       (unsigned long long)max);
	DMEMIT(" %s", sync_action_names[action]);
	DMEMIT(" %llu", (unsigned long long)mismatches);
	DMEMIT(" %llu", (unsigned long long)array_data_offset(rs));
	DMEMIT(" %s", raidx_journal_status(rs));
	/* Beyond the stock fields, so positional parsers are unaffected. */
	if (rs->policy == RAIDX_POLICY_PPL)
		DMEMIT(" %s", raidx_policy_name(rs->policy));
}

static void emit_ima(struct raidx_set *rs, char *result, unsigned int maxlen)
{
	struct mddev *md = &rs->md;
	const struct raidx_type *t;
	struct sync_view v = { 0 };
	unsigned int sz = 0, i;

	t = raidx_type_by_level_layout(md->new_level, md->new_layout);
	if (!t)
		return;
	DMEMIT_TARGET_NAME_VERSION(rs->ti->type);
	DMEMIT(",raid_type=%s,raid_disks=%d", t->name, md->raid_disks);
	smp_rmb(); /* the newest mddev state */
	DMEMIT(",raid_state=%s",
	       sync_action_names[rs->started ? sync_action_of(md, md->recovery) :
						SYNC_FROZEN]);
	v.in_sync = all_legs_in_sync(rs);
	for (i = 0; i < rs->raid_disks; i++)
		DMEMIT(",raid_device_%d_status=%c", i, leg_health(&v, rs, i));
	if (rs_is_raid456(rs))
		DMEMIT(",journal_dev_mode=%s",
		       raidx_journal_mode_name(rs->journal.running_mode) ?: "invalid");
	DMEMIT(",consistency_policy=%s;", raidx_policy_name(rs->policy));
}

void raidx_status(struct dm_target *ti, status_type_t type,
		  unsigned int status_flags, char *result, unsigned int maxlen)
{
	struct raidx_set *rs = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		emit_info(rs, result, maxlen);
		break;
	case STATUSTYPE_TABLE:
		raidx_emit_table(rs, result, maxlen, &sz);
		break;
	case STATUSTYPE_IMA:
		emit_ima(rs, result, maxlen);
		break;
	}
}

/*
 * ---- Messages ----
 */
/*
 * The sync actions a message may ask for, and the md recovery flags each
 * sets before md's thread is woken to act on them.  "resync" and
 * "recover" only unfreeze md, which then does what it finds to do.
 */
static const struct {
	const char *word;
	bool stops;		/* stops a running sync instead of starting one */
	bool freezes;		/* and keeps md from starting another */
	unsigned long flags;
} sync_messages[] = {
	{ "idle", true, false, 0 },
	{ "frozen", true, true, 0 },
	{ "resync", false, false, 0 },
	{ "recover", false, false, BIT(MD_RECOVERY_RECOVER) },
	{ "check", false, false, BIT(MD_RECOVERY_SYNC) |
	  BIT(MD_RECOVERY_REQUESTED) | BIT(MD_RECOVERY_CHECK) },
	{ "repair", false, false, BIT(MD_RECOVERY_SYNC) |
	  BIT(MD_RECOVERY_REQUESTED) },
};

/* md's thread acts on NEEDED; a sync request also ends read-auto mode. */
static void wake_md_for_sync(struct mddev *md)
{
	bool leave_read_auto = md->ro == 2;

	if (leave_read_auto)
		md->ro = 0;
	set_bit(MD_RECOVERY_NEEDED, &md->recovery);
	if (md->suspended)
		return;
	if (leave_read_auto)
		md_wakeup_thread(md->sync_thread);
	md_wakeup_thread(md->thread);
}

static int sync_message(struct raidx_set *rs, const char *action)
{
	struct mddev *md = &rs->md;
	unsigned long flags;
	unsigned int i, bit;

	for (i = 0; i < ARRAY_SIZE(sync_messages); i++)
		if (!strcasecmp(action, sync_messages[i].word))
			break;
	if (!md->pers || !md->pers->sync_request) {
		DMERR("%s: %s: this raid level has no sync actions (or the array is not running)",
		      raidx_name(rs), action);
		return -EINVAL;
	}
	if (i == ARRAY_SIZE(sync_messages)) {
		DMERR("%s: unknown message '%s'", raidx_name(rs), action);
		return -EINVAL;
	}

	/*
	 * md's check goes through the bitmap as a resync does and records
	 * the regions it passes in sync, repairing nothing: while a resync
	 * is due that would leave them unsynced.  Refused before anything
	 * changes, so a frozen array stays frozen.
	 */
	if ((sync_messages[i].flags & BIT(MD_RECOVERY_CHECK)) &&
	    md->recovery_cp != MaxSector) {
		DMERR("%s: check: a resync is due from %llu: send resync or repair",
		      raidx_name(rs), (unsigned long long)md->recovery_cp);
		return -EBUSY;
	}
	if (sync_messages[i].freezes)
		set_bit(MD_RECOVERY_FROZEN, &md->recovery);
	else
		clear_bit(MD_RECOVERY_FROZEN, &md->recovery);
	if (sync_messages[i].stops) {
		raidx_stop_sync_thread(md);
	} else {
		/* One sync at a time: md runs one thread per array. */
		if (sync_action_of(md, md->recovery) != SYNC_IDLE)
			return -EBUSY;
		/*
		 * SYNC last, as md's own sync_action does: md's thread may
		 * look at any moment, and one that sees SYNC must also see
		 * REQUESTED and CHECK or it runs another kind of sync.
		 */
		flags = sync_messages[i].flags & ~BIT(MD_RECOVERY_SYNC);
		for_each_set_bit(bit, &flags, BITS_PER_LONG)
			set_bit(bit, &md->recovery);
		if (sync_messages[i].flags & BIT(MD_RECOVERY_SYNC)) {
			/* set_bit() orders nothing: the others before SYNC */
			smp_mb__before_atomic();
			set_bit(MD_RECOVERY_SYNC, &md->recovery);
		}
	}
	wake_md_for_sync(md);
	return 0;
}

/* One message at a time: two that change the array must not interleave. */
int raidx_message(struct dm_target *ti, unsigned int argc, char **argv,
		  char *result, unsigned int maxlen)
{
	struct raidx_set *rs = ti->private;
	int r;

	mutex_lock(&rs->message_lock);
	/*
	 * A suspended table has recorded the array's state (a reload may
	 * have taken it over): nothing may change or write it any more.
	 */
	if (!rs->started || rs->suspended || rs->superseded) {
		DMERR("%s: message '%s' refused: the array is suspended or not running",
		      raidx_name(rs), argv[0]);
		r = -EBUSY;
	} else if (!strcasecmp(argv[0], "journal_mode") ||
	    !strcasecmp(argv[0], "consistency_policy")) {
		r = raidx_policy_message(rs, argc, argv);
	} else if (argc != 1) {
		DMERR("%s: message '%s' takes no arguments", raidx_name(rs),
		      argv[0]);
		r = -EINVAL;
	} else {
		r = sync_message(rs, argv[0]);
	}
	mutex_unlock(&rs->message_lock);
	return r;
}

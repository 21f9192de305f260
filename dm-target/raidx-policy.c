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

static int refuse(struct raidx_set *rs, char *why)
{
	rs->ti->error = why;
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
 * the data device, before data_offset.  A new array takes all the space
 * the table's data_offset leaves, up to RAIDX_PPL_MAX_SECTORS.
 */
static int place_ppl(struct raidx_set *rs, bool new_array)
{
	struct mddev *md = &rs->md;
	sector_t data_offset;
	struct md_rdev *rdev;

	if (new_array || !rs->ppl_size) {
		data_offset = new_array ? rs->params.data_offset :
					  rs->dev[0].rdev.data_offset;
		if (data_offset < RAIDX_PPL_MIN_SECTORS)
			return refuse(rs, "consistency_policy ppl needs data_offset >= 32");
		rs->ppl_sector = 0;
		rs->ppl_size = min_t(sector_t, data_offset,
				     RAIDX_PPL_MAX_SECTORS);
	} else {
		data_offset = rs->dev[0].rdev.data_offset;
	}
	if (rs->ppl_sector + rs->ppl_size > data_offset)
		return refuse(rs, "PPL space overlaps the data area");
	if (rs->raid_disks > 64)
		return refuse(rs, "consistency_policy ppl supports at most 64 devices");

	rdev_for_each(rdev, md) {
		if (test_bit(Journal, &rdev->flags))
			continue;
		if (rdev->bdev &&
		    bdev_nr_sectors(rdev->bdev) < data_offset + md->dev_sectors)
			return refuse(rs, "Component device(s) too small for data_offset and data");
		rdev->data_offset = data_offset;
		rdev->new_data_offset = data_offset;
		rdev->ppl.sector = rs->ppl_sector;
		rdev->ppl.size = rs->ppl_size;
		/*
		 * md checks the PPL against a superblock on the same device;
		 * ours lives on the metadata device, so point past it.
		 */
		rdev->ppl.offset = RAIDX_PPL_MIN_SECTORS;
	}
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

	if (rs->policy != RAIDX_POLICY_PPL) {
		rs->ppl_size = 0;
		return 0;
	}
	if (rs_is_reshaping(rs))
		return refuse(rs, "consistency_policy ppl cannot start during a reshape");
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
	mddev_lock_nointr(&rs->md);
	r = r5c_journal_mode_set(&rs->md, mode);
	mddev_unlock(&rs->md);
	if (r) {
		DMERR("journal_mode %s refused by md (%d)%s", name, r,
		      r == -EINVAL ? ": writeback needs a non-degraded array" :
				     "");
		return r;
	}
	rs->journal.mode = mode;
	set_bit(RAIDX_ARG_JOURNAL_MODE, &rs->params.given);
	raidx_write_superblocks(rs);
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

	DMERR("consistency_policy: switching policy at runtime is not implemented yet");
	return -EOPNOTSUPP;
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

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
		if (rs->type->level != 5 || rs->type->algorithm ==
		    RAIDX_ALG_PARITY_0)
			return refuse(rs, "consistency_policy ppl needs raid5");
		return refuse(rs, "consistency_policy ppl is not implemented yet");
	default:
		if (journal)
			return refuse(rs, "journal_dev implies consistency_policy journal");
		break;
	}
	return 0;
}

/*
 * After the superblocks are read: an array keeps the policy its
 * superblock records unless the table names one.
 */
void raidx_policy_setup(struct raidx_set *rs)
{
	if (rs->sb_has_ext && rs->sb_journal_mode >= 0 &&
	    !rs_given(rs, RAIDX_ARG_JOURNAL_MODE))
		rs->journal.mode = rs->sb_journal_mode;
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

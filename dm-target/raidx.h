/* SPDX-License-Identifier: GPL-2.0 */
/*
 * raidx.h - what the parts of dm-raidx share.
 *
 * Owns: struct raidx_set (one per raid target instance), the parsed table
 * (struct raidx_params), and the prototypes each file exports to the
 * others.  Which file owns what:
 *
 *   raidx-target.c    module init, target_type, ctr/dtr, which table runs
 *                     the array, map, io hints
 *   raidx-table.c     table words -> struct raidx_params (and back), the
 *                     devices they name
 *   raidx-metadata.c  superblocks on the metadata devices
 *   raidx-md.c        driving md: the mddev a table describes, run, stop,
 *                     suspend, resume, revive legs
 *   raidx-status.c    status lines and messages
 *   raidx-policy.c    consistency policy: journal and PPL
 *   raidx-decide.c    what a table means for the array: new, same, rebuild,
 *                     grow, crash, data offsets, conversions (takeover,
 *                     reshape: refused for now)
 *   raidx-format.c    the on-disk format, shared with tools/
 */
#ifndef DM_RAIDX_H
#define DM_RAIDX_H

#include <linux/device-mapper.h>
#include <linux/module.h>

#include "md.h"
#include "raidx-format.h"

#define DM_MSG_PREFIX "raidx"

/* Table words with an argument-less or one-argument form. */
enum raidx_arg {
	RAIDX_ARG_SYNC,
	RAIDX_ARG_NOSYNC,
	RAIDX_ARG_REBUILD,
	RAIDX_ARG_DAEMON_SLEEP,
	RAIDX_ARG_MIN_RECOVERY_RATE,
	RAIDX_ARG_MAX_RECOVERY_RATE,
	RAIDX_ARG_WRITE_MOSTLY,
	RAIDX_ARG_MAX_WRITE_BEHIND,
	RAIDX_ARG_STRIPE_CACHE,
	RAIDX_ARG_REGION_SIZE,
	RAIDX_ARG_RAID10_COPIES,
	RAIDX_ARG_RAID10_FORMAT,
	RAIDX_ARG_DELTA_DISKS,
	RAIDX_ARG_DATA_OFFSET,
	RAIDX_ARG_RAID10_USE_NEAR_SETS,
	RAIDX_ARG_JOURNAL_DEV,
	RAIDX_ARG_JOURNAL_MODE,
	RAIDX_ARG_CONSISTENCY_POLICY,
	RAIDX_ARG_COUNT
};

/* Where md finds the bitmap, in sectors from the metadata start. */
#define RAIDX_BITMAP_SECTOR	(RAIDX_BITMAP_OFFSET >> SECTOR_SHIFT)

/* Free sectors a leg needs beside its data for an out-of-place reshape. */
#define RAIDX_MIN_FREE_RESHAPE_SECTORS	32

#define RAIDX_DEV_WORDS	((RAIDX_MAX_DEVICES + BITS_PER_LONG - 1) / BITS_PER_LONG)

/* What the table line asked for, before any superblock is read. */
struct raidx_params {
	unsigned long given;		/* bit per enum raidx_arg */
	unsigned int chunk_sectors;
	unsigned long rebuild[RAIDX_DEV_WORDS];
	unsigned long write_mostly[RAIDX_DEV_WORDS];
	unsigned long daemon_sleep;
	int min_recovery_rate;
	int max_recovery_rate;
	unsigned long max_write_behind;	/* kB, as md keeps it */
	int stripe_cache;
	int region_size;		/* sectors; 0: pick a default */
	int raid10_copies;
	int raid10_format;
	int delta_disks;
	sector_t data_offset;
	int journal_mode;
	int policy;
	const char *journal_path;	/* as raidx_dev's meta_path */
};

/*
 * The array's shape and size as the constructor sees it: the table's when
 * the mddev is built (raidx_table_geometry()), the freshest superblock's
 * once they are read, then what the decision makes of it (a takeover: the
 * table's again; a grow: the recorded size, which preresume grows).  md
 * gets the decision in one place, when it starts (raidx_start_array();
 * the build and a failed start give it the table's); from then on md's
 * own fields are the array's (raidx_run_geometry()).
 */
struct raidx_geometry {
	int level;
	int layout;
	int chunk_sectors;
	int raid_disks;
	int new_level;
	int new_layout;
	int new_chunk_sectors;
	int delta_disks;
	u64 events;
	sector_t array_sectors;
	sector_t dev_sectors;		/* per leg, and each leg's rdev */
};

/*
 * What the analysis decides for one leg.  md's rdev gets it only when md
 * starts (apply_decision(), raidx-md.c), so an analysis that is
 * provisional (another table runs the array) or fails leaves the rdev as
 * the build made it.  Once md runs, md's rdev is the leg's truth and
 * this is stale: read a leg through raidx_run_leg().
 */
struct raidx_leg_state {
	int raid_disk;			/* -1: left out of the array */
	int saved_raid_disk;		/* >= 0: the bitmap may spare a recovery */
	bool in_sync;
	/*
	 * Unreadable (left out; a resume tries again), or, until
	 * adopt_leg_state() turns it into a recovery, recorded failed.
	 */
	bool faulty;
	bool write_mostly;
	sector_t recovery_offset;
	sector_t data_offset;
	sector_t new_data_offset;
	sector_t ppl_sector;		/* its PPL: [sector, sector + size) */
	unsigned int ppl_size;		/* 0: none */
	/*
	 * To be recovered, but only once md's resync has ended: until then
	 * md gets it unplaced (raidx-decide.c: wait_for_resync()).
	 */
	bool after_resync;
};

struct raidx_dev {
	/*
	 * The table's words (NULL for "-"), pointing into dm's argv: set by
	 * raidx_parse_table(), used and cleared by raidx_open_devices().
	 */
	const char *meta_path;
	const char *data_path;
	struct dm_dev *meta_dev;
	struct dm_dev *data_dev;
	struct md_rdev rdev;
	struct raidx_leg_state leg;	/* decided, for md_run() */
	bool first_use;		/* no valid superblock: written fresh */
	bool unread;		/* superblock unreadable at load: no place yet */
	bool stale;		/* events behind, not recorded failed: recover */
	sector_t sb_sectors;	/* its superblock's data size; 0: none said */
};

struct raidx_set {
	struct dm_target *ti;
	const struct raidx_type *type;	/* as the table names it */
	int table_layout;		/* md layout the table asks for */
	struct raidx_params params;

	/*
	 * Sizes the table asks for (raidx_open_devices()); may exceed the
	 * superblock's (grow).
	 */
	sector_t array_sectors;
	sector_t dev_sectors;
	/* The array's size the superblocks record (older ones: the table's). */
	sector_t sb_array_sectors;

	struct raidx_geometry geo;

	/*
	 * Decided by the analysis for md, and written into the mddev only
	 * when it starts (raidx_start_array()): where md's resync starts
	 * (recovery_cp), where the bitmap lies on the metadata devices (0:
	 * none).  Not followed afterwards (md moves the one, a policy switch
	 * drops the other): read md's fields once md runs.
	 */
	sector_t resync_from;
	sector_t bitmap_sector;
	/*
	 * Likewise decided, and given to md's flags when it starts: no leg
	 * has a superblock, so md writes fresh ones and a fresh bitmap
	 * (new_array: MD_ARRAY_FIRST_USE); the bitmap area holds none, so
	 * md writes a new header (fresh_bitmap: the same flag); a leg
	 * without a usable superblock joins, so md records the change of
	 * devices (leg_joined: MD_SB_CHANGE_DEVS).  The uuid md stamps into
	 * logs and the bitmap is rs->uuid or zero (raidx_policy_prepare()).
	 * Valid until md runs: a policy switch then changes md's own.
	 */
	bool new_array;
	bool fresh_bitmap;
	bool leg_joined;
	bool md_gets_uuid;		/* md gets rs->uuid, else zero */

	/* Decided by the constructor, acted on in preresume. */
	bool write_sbs;
	bool grow;
	bool takeover;			/* the table asks for another level */
	struct raidx_shape takeover_from; /* what the superblocks record */
	struct raidx_shape takeover_to;	/* what the table asks for */
	/*
	 * Nothing from here to the end is known to be in sync (MaxSector:
	 * all is, but for what the bitmap marks).  Preresume puts bits for
	 * it in the bitmap on disk, so every later resync md starts (after a
	 * crash, after md dropped a request) covers it.
	 */
	sector_t unsynced_from;
	/*
	 * md runs the array's resync as a requested one (from resync_min,
	 * through regions the bitmap calls clean) until it reaches the end:
	 * re-armed whenever md drops the request with an interrupted sync.
	 */
	bool resync_requested;
	/*
	 * Legs md holds out of the array (Candidate) until its resync has
	 * ended, and the work that then places them (raidx-md.c).
	 */
	bool legs_after_resync;
	struct work_struct place_legs_work;

	/*
	 * Another table of this module ran the array when this one was
	 * loaded (a reload): md is started only in preresume, once that
	 * instance is suspended, from superblocks read again then.
	 */
	bool deferred;
	bool provisional;		/* analysed while another table runs */
	sector_t peer_resync;		/* that table's resync position */
	bool md_tried;			/* md_run() was called */
	bool started;			/* md_run() succeeded */
	struct list_head running;	/* on the list of claimed sets */
	bool quiet;			/* cannot write: suspended or never resumed */
	bool superseded;		/* another table took the array over */
	struct mutex message_lock;	/* one message at a time */

	/* Lifecycle, so a second resume does not start the array again. */
	bool preresumed;
	bool bitmap_load_failed;	/* md's bitmap half loaded: load again */
	bool resumed;
	bool suspended;
	bool bitmap_loaded;

	/* Legs recorded as failed since this table was loaded. */
	unsigned long failed[RAIDX_DEV_WORDS];

	/* What the freshest superblock said (-1: nothing, new array). */
	bool sb_has_ext;
	bool sb_dirty;			/* crashed with writes in flight */
	unsigned int degraded_legs;	/* missing or recorded failed */
	int sb_policy;
	int sb_journal_mode;
	bool bitmap_stale;		/* bitmap area holds no valid bitmap */
	sector_t recorded_resync;	/* resync position before md skipped it */
	u64 sync_sb_events;		/* "sync": the freshest superblock's */
	bool sync_keeps_journal;	/* and it records a journal to keep */
	bool journal_joins;		/* a new log: md must not find an old one */
	sector_t sb_data_offset;	/* the freshest leg's data offsets, */
	sector_t sb_new_data_offset;	/* given to legs that are new */
	sector_t sb_resync_offset;	/* the freshest superblock's */

	/* Identity and log state persisted in the superblock extension. */
	u8 uuid[16];
	int policy;			/* enum raidx_policy in force */
	sector_t ppl_sector;		/* the freshest leg's PPL, given */
	unsigned int ppl_size;		/* to legs that are new */

	struct {
		struct dm_dev *dev;
		struct md_rdev rdev;
		sector_t tail;		/* decided: where md starts the log */
		int mode;		/* asked for and recorded */
		int running_mode;	/* what md runs: writethrough while degraded */
	} journal;

	struct mddev md;
	unsigned int raid_disks;
	struct raidx_dev dev[];
};

static inline struct raidx_set *mddev_to_rs(struct mddev *mddev)
{
	return container_of(mddev, struct raidx_set, md);
}

/* The dm device ("major:minor", as dm core names it), for log lines. */
static inline const char *raidx_name(struct raidx_set *rs)
{
	return dm_device_name(dm_table_get_md(rs->ti->table));
}

/* Refuse the table: @why is what dmsetup and the kernel log show. */
static inline int raidx_refuse(struct raidx_set *rs, const char *why)
{
	rs->ti->error = (char *)why;
	return -EINVAL;
}

static inline bool rs_given(struct raidx_set *rs, enum raidx_arg arg)
{
	return test_bit(arg, &rs->params.given);
}

static inline bool rs_is_raid0(struct raidx_set *rs)
{
	return rs->geo.level == 0;
}

static inline bool rs_is_raid1(struct raidx_set *rs)
{
	return rs->geo.level == 1;
}

static inline bool rs_is_raid10(struct raidx_set *rs)
{
	return rs->geo.level == 10;
}

static inline bool rs_is_raid6(struct raidx_set *rs)
{
	return rs->geo.level == 6;
}

static inline bool rs_is_raid456(struct raidx_set *rs)
{
	return rs->geo.level >= 4 && rs->geo.level <= 6;
}

static inline bool rs_is_reshaping(struct raidx_set *rs)
{
	return rs->md.reshape_position != MaxSector;
}

/* Where the superblocks say the resync stands, unless 'nosync' says done. */
static inline sector_t rs_recorded_resync_offset(struct raidx_set *rs)
{
	return rs_given(rs, RAIDX_ARG_NOSYNC) ? MaxSector : rs->sb_resync_offset;
}

/*
 * The array's geometry and sizes: md's once md runs the table, since md
 * moves them (a grow, a reshape); before, what the analysis decided,
 * which md receives only when it starts (a reloaded table waits for its
 * resume).
 */
static inline struct raidx_geometry
raidx_run_geometry(const struct raidx_set *rs)
{
	const struct mddev *md = &rs->md;

	/* pairs with raidx_start_array(): md_run()'s set-up is visible */
	if (!smp_load_acquire(&rs->started))
		return rs->geo;
	return (struct raidx_geometry) {
		.level = md->level,
		.layout = md->layout,
		.chunk_sectors = md->chunk_sectors,
		.raid_disks = md->raid_disks,
		.new_level = md->new_level,
		.new_layout = md->new_layout,
		.new_chunk_sectors = md->new_chunk_sectors,
		.delta_disks = md->delta_disks,
		.events = md->events,
		.array_sectors = md->array_sectors,
		.dev_sectors = md->dev_sectors,
	};
}

/* Leg @i as md holds it once md runs the table; before, as decided. */
static inline struct raidx_leg_state
raidx_run_leg(const struct raidx_set *rs, unsigned int i)
{
	const struct md_rdev *rdev = &rs->dev[i].rdev;

	/* pairs with raidx_start_array(): md_run()'s set-up is visible */
	if (!smp_load_acquire(&rs->started))
		return rs->dev[i].leg;
	return (struct raidx_leg_state) {
		.raid_disk = rdev->raid_disk,
		.saved_raid_disk = rdev->saved_raid_disk,
		.in_sync = test_bit(In_sync, &rdev->flags),
		.faulty = test_bit(Faulty, &rdev->flags),
		.write_mostly = test_bit(WriteMostly, &rdev->flags),
		.recovery_offset = rdev->recovery_offset,
		.data_offset = rdev->data_offset,
		.new_data_offset = rdev->new_data_offset,
		.ppl_sector = rdev->ppl.sector,
		.ppl_size = rdev->ppl.size,
	};
}

/*
 * What md's resync and the bitmap cover (md's resync_max_sectors): a
 * leg, but for raid10 the array (raid10_run and raid10_resize size both
 * by raid10_size()), larger than a leg with more legs than copies.
 */
static inline sector_t raidx_resync_span(const struct raidx_geometry *g)
{
	return g->level == 10 ? g->array_sectors : g->dev_sectors;
}

/* raidx-target.c: nothing the other files call */

/* raidx-table.c */
struct raidx_set *raidx_parse_table(struct dm_target *ti, unsigned int argc,
				    char **argv);
int raidx_open_devices(struct raidx_set *rs);
bool raidx_has_metadata_devs(const struct raidx_set *rs);
void raidx_free_set(struct raidx_set *rs);
void raidx_emit_table(struct raidx_set *rs, char *result,
		      unsigned int maxlen, unsigned int *sz);
int raidx_sizes_for(struct raidx_set *rs, sector_t len, sector_t *array,
		    sector_t *dev);
int raidx_legs_hold(struct raidx_set *rs, sector_t dev);
void raidx_table_geometry(struct raidx_set *rs);
void raidx_table_leg_state(struct raidx_set *rs);
int raidx_table_policy(struct raidx_set *rs);

/* raidx-metadata.c */
int raidx_load_superblocks(struct raidx_set *rs);
int __must_check raidx_write_superblocks(struct raidx_set *rs);
int raidx_read_sb(struct raidx_set *rs, unsigned int i);
void raidx_sync_super(struct mddev *md, struct md_rdev *rdev);
void raidx_clear_failed_bits(struct raidx_set *rs,
			     const unsigned long *cleared);
void raidx_forget_superblocks(struct raidx_set *rs);
sector_t raidx_resync_position(struct raidx_set *rs);
bool raidx_place_unread_leg(struct raidx_set *rs, unsigned int pos,
			    struct raidx_leg_state *leg);

/* raidx-md.c */
int raidx_build_md(struct raidx_set *rs);
void raidx_size_superblocks(struct raidx_set *rs);
void raidx_rdev_ppl(struct md_rdev *rdev, const struct raidx_leg_state *leg);
void raidx_drop_bitmap(struct mddev *md);
void raidx_stop_sync_thread(struct mddev *md);
int raidx_start_array(struct raidx_set *rs);
void raidx_md_table_geometry(struct raidx_set *rs);
void raidx_stop_array(struct raidx_set *rs);
int raidx_preresume(struct dm_target *ti);
void raidx_resume(struct dm_target *ti);
void raidx_postsuspend(struct dm_target *ti);

/* raidx-status.c */
void raidx_status(struct dm_target *ti, status_type_t type,
		  unsigned int status_flags, char *result, unsigned int maxlen);
int raidx_message(struct dm_target *ti, unsigned int argc, char **argv,
		  char *result, unsigned int maxlen);

/* raidx-policy.c */
int raidx_policy_adopt(struct raidx_set *rs);
int raidx_policy_prepare(struct raidx_set *rs);
int raidx_policy_message(struct raidx_set *rs, unsigned int argc,
			 char **argv);
const char *raidx_journal_status(struct raidx_set *rs);

/* raidx-decide.c */
int raidx_decide(struct raidx_set *rs);
int raidx_adjust_data_offsets(struct raidx_set *rs);
bool raidx_takeover_adds(const struct raidx_set *rs, unsigned int pos);
int raidx_refuse_layout_change(struct raidx_set *rs, unsigned int sb_level,
			       unsigned int sb_layout, unsigned int sb_chunk,
			       unsigned int sb_disks);

#endif /* DM_RAIDX_H */

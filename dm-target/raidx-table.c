// SPDX-License-Identifier: GPL-2.0
/*
 * raidx-table.c - the table line, in and out.
 *
 * Owns the constructor's first two steps: parsing "<raid_type> <#params>
 * <params> <#devs> <meta data>..." into a new struct raidx_set (its
 * params, and what the words alone decide: the md layout the table asks
 * for, the policy and journal mode asked for), every word checked,
 * nothing opened and md untouched (raidx_parse_table()), then getting the devices it names
 * (raidx_open_devices()); and putting them, the size arithmetic that
 * follows from the table, and printing the table line back.  One
 * keyword table drives both the parser and the printer, so the two
 * cannot drift apart and the parameter count is never computed by hand.
 */
#include "raidx.h"
#include "md-bitmap.h"
#include "raid5.h"

/* Levels a keyword is valid for. */
#define LV_0	BIT(0)
#define LV_1	BIT(1)
#define LV_10	BIT(2)
#define LV_45	BIT(3)
#define LV_6	BIT(4)
#define LV_REDUNDANT	(LV_1 | LV_10 | LV_45 | LV_6)
#define LV_PARITY	(LV_45 | LV_6)

/* Minimum free sectors before the data for an out-of-place reshape. */
#define RAIDX_MIN_RESHAPE_SPACE	32
/* Minimum raid4/5/6 journal size: 4 MiB. */
#define RAIDX_MIN_JOURNAL_SECTORS 8192

struct raidx_keyword {
	const char *name;
	bool takes_value;
	bool repeats;		/* rebuild and write_mostly name one leg each */
	unsigned int levels;
	int (*parse)(struct raidx_set *rs, const char *value);
};

/*
 * ---- Value parsers: each sets ti->error naming its keyword on failure. ----
 */
static int parse_int(struct raidx_set *rs, const char *value, int min,
		     int max, int *out, char *error)
{
	int v;

	if (kstrtoint(value, 10, &v) || v < min || v > max) {
		rs->ti->error = error;
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_leg_index(struct raidx_set *rs, const char *value,
			   unsigned long *bits, char *bad_index,
			   char *twice)
{
	int leg, r;

	r = parse_int(rs, value, 0, rs->raid_disks - 1, &leg, bad_index);
	if (r)
		return r;
	if (test_and_set_bit(leg, bits)) {
		rs->ti->error = twice;
		return -EINVAL;
	}
	return 0;
}

static int parse_rebuild(struct raidx_set *rs, const char *value)
{
	return parse_leg_index(rs, value, rs->params.rebuild,
			       "Invalid rebuild index given",
			       "rebuild for this index already given");
}

static int parse_write_mostly(struct raidx_set *rs, const char *value)
{
	return parse_leg_index(rs, value, rs->params.write_mostly,
			       "Invalid write_mostly index given",
			       "write_mostly for this index already given");
}

static int parse_daemon_sleep(struct raidx_set *rs, const char *value)
{
	int v, r;

	r = parse_int(rs, value, 0, INT_MAX, &v,
		      "daemon sleep period out of range");
	rs->params.daemon_sleep = v;
	return r;
}

static int parse_min_rate(struct raidx_set *rs, const char *value)
{
	return parse_int(rs, value, 0, INT_MAX, &rs->params.min_recovery_rate,
			 "min_recovery_rate out of range");
}

static int parse_max_rate(struct raidx_set *rs, const char *value)
{
	return parse_int(rs, value, 0, INT_MAX, &rs->params.max_recovery_rate,
			 "max_recovery_rate out of range");
}

static int parse_max_write_behind(struct raidx_set *rs, const char *value)
{
	int v, r;

	/* dm counts sectors, md keeps kB */
	r = parse_int(rs, value, 0, 2 * COUNTER_MAX + 1, &v,
		      "Max write-behind limit out of range");
	rs->params.max_write_behind = v / 2;
	return r;
}

static int parse_stripe_cache(struct raidx_set *rs, const char *value)
{
	return parse_int(rs, value, 0, INT_MAX, &rs->params.stripe_cache,
			 "Bogus stripe cache entries value");
}

static int parse_region_size(struct raidx_set *rs, const char *value)
{
	return parse_int(rs, value, 0, INT_MAX, &rs->params.region_size,
			 "Bad numerical argument given for region_size");
}

static int parse_raid10_copies(struct raidx_set *rs, const char *value)
{
	return parse_int(rs, value, 2, rs->raid_disks,
			 &rs->params.raid10_copies,
			 "Bad value for 'raid10_copies'");
}

static int parse_raid10_format(struct raidx_set *rs, const char *value)
{
	rs->params.raid10_format = raidx_r10_alg_by_name(value);
	if (rs->params.raid10_format < 0) {
		rs->ti->error = "Invalid 'raid10_format' value given";
		return -EINVAL;
	}
	return 0;
}

static int parse_delta_disks(struct raidx_set *rs, const char *value)
{
	int max = RAIDX_MAX_DEVICES - rs->type->min_devs;
	int r;

	r = parse_int(rs, value, -max, max, &rs->params.delta_disks,
		      "Too many delta_disk requested");
	if (!r && !rs->params.delta_disks) {
		rs->ti->error = "Too many delta_disk requested";
		r = -EINVAL;
	}
	return r;
}

static int parse_data_offset(struct raidx_set *rs, const char *value)
{
	int v, r;

	r = parse_int(rs, value, 0, INT_MAX, &v, "Bogus data_offset value");
	if (!r && v && (v < RAIDX_MIN_RESHAPE_SPACE || v % 8)) {
		rs->ti->error = "Bogus data_offset value";
		r = -EINVAL;
	}
	rs->params.data_offset = v;
	return r;
}

static int parse_flag(struct raidx_set *rs, const char *value)
{
	return 0;
}

/* Only the word here: raidx_open_devices() opens it. */
static int parse_journal_dev(struct raidx_set *rs, const char *value)
{
	rs->params.journal_path = value;
	return 0;
}

static int parse_journal_mode(struct raidx_set *rs, const char *value)
{
	rs->params.journal_mode = raidx_journal_mode_by_name(value);
	if (rs->params.journal_mode < 0) {
		rs->ti->error = "Invalid 'journal_mode' argument";
		return -EINVAL;
	}
	return 0;
}

static int parse_policy(struct raidx_set *rs, const char *value)
{
	rs->params.policy = raidx_policy_by_name(value);
	if (rs->params.policy < 0) {
		rs->ti->error =
			"Invalid 'consistency_policy': use resync, ppl or journal";
		return -EINVAL;
	}
	return 0;
}

/* In the order the stock target prints them; indexed by enum raidx_arg. */
static const struct raidx_keyword keywords[RAIDX_ARG_COUNT] = {
	[RAIDX_ARG_SYNC] = { "sync", false, false, LV_REDUNDANT, parse_flag },
	[RAIDX_ARG_NOSYNC] = { "nosync", false, false,
			       LV_1 | LV_10 | LV_45, parse_flag },
	[RAIDX_ARG_REBUILD] = { "rebuild", true, true, LV_REDUNDANT,
				parse_rebuild },
	[RAIDX_ARG_DAEMON_SLEEP] = { "daemon_sleep", true, false,
				     LV_REDUNDANT, parse_daemon_sleep },
	[RAIDX_ARG_MIN_RECOVERY_RATE] = { "min_recovery_rate", true, false,
					  LV_REDUNDANT, parse_min_rate },
	[RAIDX_ARG_MAX_RECOVERY_RATE] = { "max_recovery_rate", true, false,
					  LV_REDUNDANT, parse_max_rate },
	[RAIDX_ARG_WRITE_MOSTLY] = { "write_mostly", true, true, LV_1,
				     parse_write_mostly },
	[RAIDX_ARG_MAX_WRITE_BEHIND] = { "max_write_behind", true, false,
					 LV_1, parse_max_write_behind },
	[RAIDX_ARG_STRIPE_CACHE] = { "stripe_cache", true, false, LV_PARITY,
				     parse_stripe_cache },
	[RAIDX_ARG_REGION_SIZE] = { "region_size", true, false, LV_REDUNDANT,
				    parse_region_size },
	[RAIDX_ARG_RAID10_COPIES] = { "raid10_copies", true, false, LV_10,
				      parse_raid10_copies },
	[RAIDX_ARG_RAID10_FORMAT] = { "raid10_format", true, false, LV_10,
				      parse_raid10_format },
	[RAIDX_ARG_DELTA_DISKS] = { "delta_disks", true, false, LV_REDUNDANT,
				    parse_delta_disks },
	[RAIDX_ARG_DATA_OFFSET] = { "data_offset", true, false,
				    LV_0 | LV_REDUNDANT, parse_data_offset },
	[RAIDX_ARG_RAID10_USE_NEAR_SETS] = { "raid10_use_near_sets", false,
					     false, LV_10, parse_flag },
	[RAIDX_ARG_JOURNAL_DEV] = { "journal_dev", true, false, LV_PARITY,
				    parse_journal_dev },
	[RAIDX_ARG_JOURNAL_MODE] = { "journal_mode", true, false, LV_PARITY,
				     parse_journal_mode },
	[RAIDX_ARG_CONSISTENCY_POLICY] = { "consistency_policy", true, false,
					   LV_PARITY, parse_policy },
};

static unsigned int type_level_bit(const struct raidx_type *t)
{
	switch (t->level) {
	case 0:
		return LV_0;
	case 1:
		return LV_1;
	case 10:
		return LV_10;
	case 6:
		return LV_6;
	default:
		return LV_45;
	}
}

static const struct raidx_keyword *find_keyword(const char *word,
						enum raidx_arg *arg)
{
	int i;

	for (i = 0; i < RAIDX_ARG_COUNT; i++)
		if (!strcasecmp(keywords[i].name, word)) {
			*arg = i;
			return &keywords[i];
		}
	return NULL;
}

/*
 * ---- The parameter group ----
 */
static int parse_chunk(struct raidx_set *rs, const char *word)
{
	int v;

	if (kstrtoint(word, 10, &v) || v < 0) {
		rs->ti->error = "Bad numerical argument given for chunk_size";
		return -EINVAL;
	}
	if (rs->type->level == 1) {
		if (v)
			DMINFO("%s: raid1 has no chunks: chunk size %d ignored",
			       raidx_name(rs), v);
		v = 0;
	} else if (!is_power_of_2(v)) {
		rs->ti->error = "Chunk size must be a power of 2";
		return -EINVAL;
	} else if (v < 8) {
		rs->ti->error = "Chunk size value is too small";
		return -EINVAL;
	}
	rs->params.chunk_sectors = v;
	return 0;
}

/* Cross-keyword rules, checked once every keyword is known. */
static int check_param_combinations(struct raidx_set *rs)
{
	struct raidx_params *p = &rs->params;

	if (rs_given(rs, RAIDX_ARG_SYNC) && rs_given(rs, RAIDX_ARG_NOSYNC)) {
		rs->ti->error = "sync and nosync are mutually exclusive";
		return -EINVAL;
	}
	if (rs_given(rs, RAIDX_ARG_REBUILD) &&
	    (rs_given(rs, RAIDX_ARG_SYNC) || rs_given(rs, RAIDX_ARG_NOSYNC))) {
		rs->ti->error =
			"sync/nosync and rebuild are mutually exclusive";
		return -EINVAL;
	}
	if (bitmap_weight(p->write_mostly, rs->raid_disks) >= rs->raid_disks) {
		rs->ti->error = "Can't set all raid1 devices to write_mostly";
		return -EINVAL;
	}
	if (p->max_recovery_rate && p->min_recovery_rate > p->max_recovery_rate) {
		rs->ti->error = "Bogus recovery rates";
		return -EINVAL;
	}
	if (rs_given(rs, RAIDX_ARG_JOURNAL_MODE) &&
	    !rs_given(rs, RAIDX_ARG_JOURNAL_DEV)) {
		rs->ti->error =
			"raid4/5/6 'journal_mode' is invalid without 'journal_dev'";
		return -EINVAL;
	}
	if (rs->type->level == 10 && p->raid10_copies > rs->raid_disks) {
		rs->ti->error = "Not enough devices to satisfy specification";
		return -EINVAL;
	}
	if (rs->type->level == 10 &&
	    rs_given(rs, RAIDX_ARG_RAID10_USE_NEAR_SETS) &&
	    (p->raid10_format == RAIDX_R10_ALG_DEFAULT ||
	     p->raid10_format == RAIDX_R10_ALG_NEAR)) {
		rs->ti->error =
			"RAID10 format 'near' and 'raid10_use_near_sets' are incompatible";
		return -EINVAL;
	}
	return 0;
}

static int parse_params(struct raidx_set *rs, struct dm_arg_set *as,
			unsigned int nr_words)
{
	unsigned int level_bit = type_level_bit(rs->type);
	const struct raidx_keyword *kw;
	enum raidx_arg arg;
	const char *word, *value;
	int r;

	r = parse_chunk(rs, dm_shift_arg(as));
	if (r)
		return r;
	nr_words--;

	while (nr_words--) {
		word = dm_shift_arg(as);
		kw = find_keyword(word, &arg);
		if (!kw) {
			DMERR("%s: unable to parse RAID parameter: %s",
			      raidx_name(rs), word);
			rs->ti->error = "Unable to parse RAID parameter";
			return -EINVAL;
		}
		if (!(kw->levels & level_bit)) {
			DMERR("%s: '%s' is not valid for raid type %s",
			      raidx_name(rs), kw->name, rs->type->name);
			rs->ti->error = "Invalid flags combination";
			return -EINVAL;
		}
		if (test_and_set_bit(arg, &rs->params.given) && !kw->repeats) {
			DMERR("%s: '%s' given more than once", raidx_name(rs),
			      kw->name);
			rs->ti->error = "Parameter given more than once";
			return -EINVAL;
		}
		value = NULL;
		if (kw->takes_value) {
			if (!nr_words--) {
				DMERR("%s: '%s' needs a value", raidx_name(rs),
				      kw->name);
				rs->ti->error =
					"Wrong number of raid parameters given";
				return -EINVAL;
			}
			value = dm_shift_arg(as);
		}
		r = kw->parse(rs, value);
		if (r)
			return r;
	}
	return check_param_combinations(rs);
}

/*
 * ---- The device group: the words here, the devices in the open step ----
 */
static int parse_legs(struct raidx_set *rs, struct dm_arg_set *as)
{
	unsigned int i;

	dm_shift_arg(as);	/* the device count, already read */
	for (i = 0; i < rs->raid_disks; i++) {
		const char *meta = dm_shift_arg(as);
		const char *data = dm_shift_arg(as);
		struct raidx_dev *d = &rs->dev[i];

		d->meta_path = strcmp(meta, "-") ? meta : NULL;
		d->data_path = strcmp(data, "-") ? data : NULL;
		if (d->data_path)
			continue;
		if (test_bit(i, rs->params.rebuild)) {
			rs->ti->error =
				"Drive designated for rebuild not specified";
			return -EINVAL;
		}
		if (d->meta_path) {
			rs->ti->error =
				"No data device supplied with metadata device";
			return -EINVAL;
		}
	}
	if (as->argc)
		DMWARN("%s: ignoring %u words after the device list",
		       raidx_name(rs), as->argc);
	return 0;
}

static int get_dev(struct raidx_set *rs, const char *path,
		   struct dm_dev **dev, char *error)
{
	int r;

	r = dm_get_device(rs->ti, path, dm_table_get_mode(rs->ti->table), dev);
	if (r)
		rs->ti->error = error;
	return r;
}

/* The table's devices in order: meta and data of each leg, the journal. */
static struct dm_dev *table_dev(struct raidx_set *rs, unsigned int k)
{
	if (k == 2 * rs->raid_disks)
		return rs->journal.dev;
	return k % 2 ? rs->dev[k / 2].data_dev : rs->dev[k / 2].meta_dev;
}

/*
 * A device named twice (metadata, data or journal) would have one
 * leg's superblock or data written over another's.
 */
static int refuse_duplicate_devices(struct raidx_set *rs)
{
	unsigned int k, l, n = 2 * rs->raid_disks + 1;
	struct dm_dev *a, *b;

	for (k = 0; k < n; k++) {
		a = table_dev(rs, k);
		for (l = k + 1; a && l < n; l++) {
			b = table_dev(rs, l);
			if (b && a->bdev->bd_dev == b->bdev->bd_dev) {
				DMERR("%s: device %s is named twice in the table",
				      raidx_name(rs), a->name);
				rs->ti->error = "Device given twice in raid set";
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Once raidx_open_devices() has run: whether the array keeps superblocks. */
bool raidx_has_metadata_devs(const struct raidx_set *rs)
{
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++)
		if (rs->dev[i].meta_dev)
			return true;
	return false;
}

/*
 * md keeps the superblock and bitmap of a leg without a metadata device
 * at the start of its data device (sync_page_io() falls back to it): in
 * an array that has superblocks, such a leg would get a bitmap written
 * over its data.  The stock target accepts the table; LVM never makes
 * one.  Every leg with data has a metadata device, or none has.
 */
static int refuse_mixed_metadata(struct raidx_set *rs)
{
	unsigned int i;

	if (!raidx_has_metadata_devs(rs))
		return 0;
	for (i = 0; i < rs->raid_disks; i++)
		if (rs->dev[i].data_dev && !rs->dev[i].meta_dev) {
			DMERR("%s: leg %u has data but no metadata device; other legs have one",
			      raidx_name(rs), i);
			rs->ti->error =
				"Metadata device missing for a leg: give every leg one, or none";
			return -EINVAL;
		}
	return 0;
}

/*
 * The journal first, then each leg's metadata and data device: the order
 * the stock target opens them in, so a table whose only faults are bad
 * devices is refused for the same one.  Unlike the stock target, every
 * word is checked before: a bad word wins over a bad device.
 */
static int open_each(struct raidx_set *rs)
{
	unsigned int i;
	int r;

	if (rs->params.journal_path) {
		r = get_dev(rs, rs->params.journal_path, &rs->journal.dev,
			    "raid4/5/6 journal device lookup failure");
		if (r)
			return r;
		if (bdev_nr_sectors(rs->journal.dev->bdev) <
		    RAIDX_MIN_JOURNAL_SECTORS) {
			rs->ti->error = "No space for raid4/5/6 journal";
			return -ENOSPC;
		}
	}
	for (i = 0; i < rs->raid_disks; i++) {
		struct raidx_dev *d = &rs->dev[i];

		if (d->meta_path) {
			r = get_dev(rs, d->meta_path, &d->meta_dev,
				    "RAID metadata device lookup failure");
			if (r)
				return r;
		}
		if (d->data_path) {
			r = get_dev(rs, d->data_path, &d->data_dev,
				    "RAID device lookup failure");
			if (r)
				return r;
		}
	}
	return 0;
}

/*
 * Step 2 of the constructor: open every device the table names, refuse
 * tables whose devices cannot make an array, and size the array the
 * table asks for.  On error ti->error says why; raidx_free_set() puts
 * what was opened.
 */
int raidx_open_devices(struct raidx_set *rs)
{
	unsigned int i;
	int r;

	r = open_each(rs);
	/* The words belong to dm's argv, which ends with the constructor. */
	rs->params.journal_path = NULL;
	for (i = 0; i < rs->raid_disks; i++) {
		rs->dev[i].meta_path = NULL;
		rs->dev[i].data_path = NULL;
	}
	if (!r)
		r = refuse_duplicate_devices(rs);
	if (!r)
		r = refuse_mixed_metadata(rs);
	if (!r)
		r = raidx_sizes_for(rs, rs->ti->len, &rs->array_sectors,
				    &rs->dev_sectors);
	return r;
}

/*
 * Rules on words that only the whole table decides: the region size
 * against the table length and chunk, the raid10 layout its keywords
 * make, the policy against the journal.  Nothing is opened yet, and md
 * is not touched: raidx_build_md() applies what passes.
 */
static int check_table_rules(struct raidx_set *rs)
{
	struct raidx_params *p = &rs->params;
	u64 len = rs->ti->len;
	const char *refusal;
	int layout;

	if (rs->type->level && p->region_size) {
		refusal = raidx_region_refusal(len, p->chunk_sectors,
					       p->region_size);
		if (refusal) {
			DMERR("%s: region_size %d: %s (least %llu, table length %llu sectors)",
			      raidx_name(rs), p->region_size, refusal,
			      raidx_region_least(len), len);
			rs->ti->error = (char *)refusal;
			return -EINVAL;
		}
	}
	if (rs->type->level == 10) {
		layout = raidx_r10_layout(p->raid10_format, p->raid10_copies,
					  rs_given(rs, RAIDX_ARG_RAID10_USE_NEAR_SETS));
		if (layout < 0 || !raidx_type_by_level_layout(10, layout)) {
			rs->ti->error = "Failed to recognize new raid10 layout";
			return -EINVAL;
		}
		rs->table_layout = layout;
	}
	rs->journal.mode = p->journal_mode;
	return raidx_table_policy(rs);
}

/*
 * The policy the table asks for, and the table-only rules for it, before
 * any superblock is read (raidx_policy_adopt() weighs what they record).
 * Also how a reloaded table starts its analysis over.
 */
int raidx_table_policy(struct raidx_set *rs)
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
			return raidx_refuse(rs, "consistency_policy journal needs a journal_dev");
		break;
	case RAIDX_POLICY_PPL:
		if (journal)
			return raidx_refuse(rs, "consistency_policy ppl excludes journal_dev");
		if (rs->type->level != 5)
			return raidx_refuse(rs, "consistency_policy ppl needs raid5");
		break;
	default:
		if (journal)
			return raidx_refuse(rs, "journal_dev implies consistency_policy journal");
		break;
	}
	return 0;
}

/*
 * ---- Leg state the table sets ----
 */
/*
 * Each leg's state as the table alone gives it, at the start of every
 * analysis: at its table position, with no data offset or log yet, and
 * in sync unless named for 'rebuild'.  The superblocks say otherwise
 * where they can, and what they say wins unless the table asks for
 * rebuild or [no]sync.
 */
void raidx_table_leg_state(struct raidx_set *rs)
{
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++) {
		bool rebuild = test_bit(i, rs->params.rebuild);

		rs->dev[i].leg = (struct raidx_leg_state) {
			.raid_disk = i,
			.saved_raid_disk = -1,
			.in_sync = !rebuild,
			.recovery_offset = rebuild ? 0 : MaxSector,
			.write_mostly = test_bit(i, rs->params.write_mostly),
		};
	}
}

/*
 * ---- Sizes ----
 */
/*
 * The array's shape as the table names it (raidx.h: struct
 * raidx_geometry), until the superblocks say otherwise.  The events
 * count is the superblocks' alone: kept.
 */
void raidx_table_geometry(struct raidx_set *rs)
{
	struct raidx_geometry *g = &rs->geo;

	g->level = rs->type->level;
	g->layout = rs->table_layout;
	g->chunk_sectors = rs->params.chunk_sectors;
	g->raid_disks = rs->raid_disks;
	g->new_level = g->level;
	g->new_layout = g->layout;
	g->new_chunk_sectors = g->chunk_sectors;
	g->delta_disks = 0;
	g->array_sectors = rs->array_sectors;
	g->dev_sectors = rs->dev_sectors;
}

/*
 * The array and per-leg sectors that hold @len sectors of the table's
 * level: for the table's length (raidx_open_devices()), or the length
 * the superblocks record (a grow runs at it until preresume).  On error
 * sets ti->error and leaves *@array and *@dev as they were.
 */
int raidx_sizes_for(struct raidx_set *rs, sector_t len, sector_t *array,
		    sector_t *dev)
{
	unsigned int data = rs->raid_disks - rs->type->parity_devs;
	unsigned int copies = rs->params.raid10_copies;
	sector_t a = len, d = len;

	if (rs->type->level == 10) {
		d = len * copies;
		if (sector_div(d, data))
			goto bad;
		a = d * data;
		if (sector_div(a, copies))
			goto bad;
	} else if (rs->type->level != 1) {
		if (sector_div(d, data))
			goto bad;
		a = d * data;
	}

	/*
	 * md sizes striped legs in whole chunks: a length that leaves a
	 * partial chunk per leg would map sectors md does not have.
	 */
	if (rs->type->level != 1 && rs->params.chunk_sectors &&
	    (d & (rs->params.chunk_sectors - 1))) {
		rs->ti->error =
			"Target length leaves a partial chunk on each device";
		return -EINVAL;
	}
	*array = a;
	*dev = d;
	return 0;
bad:
	rs->ti->error = "Target length not divisible by number of data devices";
	return -EINVAL;
}

/*
 * Does every present leg hold @dev sectors?  Asked by every analysis, as
 * a leg may have shrunk between a reload and its start.
 */
int raidx_legs_hold(struct raidx_set *rs, sector_t dev)
{
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++) {
		struct dm_dev *leg = rs->dev[i].data_dev;

		if (leg && bdev_nr_sectors(leg->bdev) < dev) {
			rs->ti->error = "Component device(s) too small";
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * ---- Allocation ----
 */
/* What a table leaves unsaid; the values dm-raid.rst documents. */
static void default_params(struct raidx_params *p)
{
	p->policy = RAIDX_POLICY_RESYNC;
	p->journal_mode = RAIDX_JOURNAL_WRITETHROUGH;
	p->raid10_format = RAIDX_R10_ALG_DEFAULT;
	p->raid10_copies = 2;
	p->stripe_cache = 256;
}

static struct raidx_set *alloc_set(struct dm_target *ti,
				   const struct raidx_type *type,
				   unsigned int legs)
{
	struct raidx_set *rs;

	/* Every level needs a leg of data beyond its parity. */
	if (!legs || legs <= type->parity_devs) {
		ti->error = "Insufficient number of devices";
		return ERR_PTR(-EINVAL);
	}
	rs = kzalloc(struct_size(rs, dev, legs), GFP_KERNEL);
	if (!rs) {
		ti->error = "Cannot allocate raid context";
		return ERR_PTR(-ENOMEM);
	}
	rs->ti = ti;
	rs->type = type;
	rs->raid_disks = legs;
	rs->table_layout = type->algorithm;
	INIT_LIST_HEAD(&rs->running);
	mutex_init(&rs->message_lock);
	default_params(&rs->params);
	return rs;
}

/*
 * Release what the constructor steps took: the rdevs raidx_build_md()
 * set up, the devices raidx_open_devices() opened, the set.
 */
void raidx_free_set(struct raidx_set *rs)
{
	struct dm_dev *dev;
	unsigned int k;

	/* A zeroed rdev (the build did not get to it) clears as well. */
	for (k = 0; k < rs->raid_disks; k++)
		md_rdev_clear(&rs->dev[k].rdev);
	md_rdev_clear(&rs->journal.rdev);
	for (k = 0; k <= 2 * rs->raid_disks; k++) {
		dev = table_dev(rs, k);
		if (dev)
			dm_put_device(rs->ti, dev);
	}
	kfree(rs);
}

/*
 * Step 1 of the constructor: the table line into rs->params (and
 * rs->table_layout, rs->policy, rs->journal.mode), every word checked.
 * Nothing is opened and md is not touched; the device words are kept
 * for raidx_open_devices(), which runs in the same constructor call.
 * On error ti->error says why and nothing is left allocated.
 */
struct raidx_set *raidx_parse_table(struct dm_target *ti, unsigned int argc,
				    char **argv)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv }, legs_as;
	struct dm_arg param_count = { 1, argc,
		"Cannot understand number of raid parameters" };
	struct dm_arg leg_count = { 1, RAIDX_MAX_DEVICES,
		"Cannot understand number of raid devices parameters" };
	const struct raidx_type *type;
	unsigned int nr_params, nr_legs;
	struct raidx_set *rs;
	const char *word;
	int r;

	word = dm_shift_arg(&as);
	if (!word) {
		ti->error = "No arguments";
		return ERR_PTR(-EINVAL);
	}
	type = raidx_type_by_name(word);
	if (!type) {
		ti->error = "Unrecognised raid_type";
		return ERR_PTR(-EINVAL);
	}

	if (dm_read_arg_group(&param_count, &as, &nr_params, &ti->error))
		return ERR_PTR(-EINVAL);

	/* Peek at the device count behind the parameters. */
	legs_as = as;
	dm_consume_args(&legs_as, nr_params);
	if (!legs_as.argc) {
		ti->error =
			"Cannot understand number of raid devices parameters";
		return ERR_PTR(-EINVAL);
	}
	leg_count.max = min_t(unsigned int, RAIDX_MAX_DEVICES,
			      (legs_as.argc - 1) / 2);
	if (!leg_count.max ||
	    dm_read_arg(&leg_count, &legs_as, &nr_legs, &ti->error)) {
		ti->error = "Invalid number of supplied raid devices";
		return ERR_PTR(-EINVAL);
	}

	rs = alloc_set(ti, type, nr_legs);
	if (IS_ERR(rs))
		return rs;

	r = parse_params(rs, &as, nr_params);
	if (!r)
		r = parse_legs(rs, &as);
	if (!r)
		r = check_table_rules(rs);
	if (r) {
		raidx_free_set(rs);
		return ERR_PTR(r);
	}
	return rs;
}

/*
 * ---- Printing the table line back ----
 */
struct emitter {
	char *result;		/* NULL: only count words */
	unsigned int maxlen;
	unsigned int *sz;
	unsigned int words;
};

static __printf(2, 3) void emit(struct emitter *e, const char *fmt, ...)
{
	unsigned int sz;
	va_list args;
	int n;

	e->words++;
	if (!e->result)
		return;
	sz = *e->sz;
	if (sz >= e->maxlen)
		return;
	va_start(args, fmt);
	n = vscnprintf(e->result + sz, e->maxlen - sz, fmt, args);
	va_end(args);
	*e->sz = sz + n;
}

static void emit_legs(struct emitter *e, const char *name,
		      const unsigned long *legs, unsigned int count)
{
	unsigned int i;

	for_each_set_bit(i, legs, count) {
		emit(e, " %s", name);
		emit(e, " %u", i);
	}
}

/* One keyword and its current value, as the stock target reports it. */
static void emit_keyword(struct raidx_set *rs, enum raidx_arg arg,
			 struct emitter *e)
{
	struct mddev *md = &rs->md;
	const char *name = keywords[arg].name;
	struct r5conf *conf;

	switch (arg) {
	case RAIDX_ARG_REBUILD:
		emit_legs(e, name, rs->params.rebuild, rs->raid_disks);
		return;
	case RAIDX_ARG_WRITE_MOSTLY:
		emit_legs(e, name, rs->params.write_mostly, rs->raid_disks);
		return;
	default:
		break;
	}

	emit(e, " %s", name);
	switch (arg) {
	case RAIDX_ARG_DAEMON_SLEEP:
		emit(e, " %lu", md->bitmap_info.daemon_sleep);
		break;
	case RAIDX_ARG_MIN_RECOVERY_RATE:
		emit(e, " %d", md->sync_speed_min);
		break;
	case RAIDX_ARG_MAX_RECOVERY_RATE:
		emit(e, " %d", md->sync_speed_max);
		break;
	case RAIDX_ARG_MAX_WRITE_BEHIND:
		emit(e, " %lu", md->bitmap_info.max_write_behind);
		break;
	case RAIDX_ARG_STRIPE_CACHE:
		conf = rs_is_raid456(rs) ? md->private : NULL;
		emit(e, " %d", conf ? conf->max_nr_stripes : 0);
		break;
	case RAIDX_ARG_REGION_SIZE:
		emit(e, " %llu", (unsigned long long)
		     to_sector(md->bitmap_info.chunksize));
		break;
	case RAIDX_ARG_RAID10_COPIES:
		emit(e, " %u", raidx_r10_copies(md->layout));
		break;
	case RAIDX_ARG_RAID10_FORMAT:
		emit(e, " %s", raidx_r10_format_name(md->layout));
		break;
	case RAIDX_ARG_DELTA_DISKS:
		emit(e, " %d", max(rs->params.delta_disks, md->delta_disks));
		break;
	case RAIDX_ARG_DATA_OFFSET:
		emit(e, " %llu", (unsigned long long)rs->params.data_offset);
		break;
	case RAIDX_ARG_JOURNAL_DEV:
		emit(e, " %s", rs->journal.dev ? rs->journal.dev->name : "-");
		break;
	case RAIDX_ARG_JOURNAL_MODE:
		emit(e, " %s",
		     raidx_journal_mode_name(READ_ONCE(rs->journal.mode)));
		break;
	case RAIDX_ARG_CONSISTENCY_POLICY:
		/* not rs->policy: a switch sets that before md agrees */
		emit(e, " %s", raidx_policy_name(READ_ONCE(rs->params.policy)));
		break;
	default:
		break;
	}
}

static void emit_params(struct raidx_set *rs, unsigned long given,
			struct emitter *e)
{
	int arg;

	for (arg = 0; arg < RAIDX_ARG_COUNT; arg++)
		if (test_bit(arg, &given))
			emit_keyword(rs, arg, e);
}

void raidx_emit_table(struct raidx_set *rs, char *result,
		      unsigned int maxlen, unsigned int *sz)
{
	struct emitter count = { NULL }, out = { result, maxlen, sz };
	/*
	 * Which words to print, read once: a message may add one meanwhile,
	 * and the count printed first must match the words that follow.
	 */
	unsigned long given = READ_ONCE(rs->params.given);
	unsigned int i;

	smp_rmb(); /* the values the words print, published before them */
	/* The chunk size is the first parameter and always present. */
	emit_params(rs, given, &count);
	/* the decided chunk of a reloaded table md has not started yet */
	emit(&out, "%s %u %u", rs->type->name, count.words + 1,
	     raidx_run_geometry(rs).new_chunk_sectors);
	emit_params(rs, given, &out);
	emit(&out, " %u", rs->raid_disks);
	for (i = 0; i < rs->raid_disks; i++) {
		struct raidx_dev *d = &rs->dev[i];

		emit(&out, " %s", d->meta_dev ? d->meta_dev->name : "-");
		emit(&out, " %s", d->data_dev ? d->data_dev->name : "-");
	}
}

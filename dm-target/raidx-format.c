// SPDX-License-Identifier: GPL-2.0
/*
 * raidx-format.c - pure encode/decode/validate of dm-raid metadata.
 *
 * Owns: the raid type table, raid10 layout arithmetic, superblock and
 * bitmap header (de)serialisation, and every validation rule that the
 * kernel, raid_check and raid_repair apply.  Compiled unchanged into the
 * module and into tools/ (see raidx-format.h); it must not call anything
 * that does not exist in both worlds.
 */
#include "raidx-format.h"
#include "raidx-ondisk.h"

/*
 * ---- Raid types ----
 */
const struct raidx_type raidx_types[] = {
	/* table word, md level, md layout, parity legs, fewest legs */
	{ "raid0", 0, 0, 0, 2 },
	{ "raid1", 1, 0, 0, 2 },
	{ "raid10_far", 10, RAIDX_R10_ALG_FAR, 0, 2 },
	{ "raid10_offset", 10, RAIDX_R10_ALG_OFFSET, 0, 2 },
	{ "raid10_near", 10, RAIDX_R10_ALG_NEAR, 0, 2 },
	{ "raid10", 10, RAIDX_R10_ALG_DEFAULT, 0, 2 },
	{ "raid4", 5, RAIDX_ALG_PARITY_0, 1, 2 },
	{ "raid5_n", 5, RAIDX_ALG_PARITY_N, 1, 2 },
	{ "raid5_ls", 5, RAIDX_ALG_LEFT_SYMMETRIC, 1, 2 },
	{ "raid5_rs", 5, RAIDX_ALG_RIGHT_SYMMETRIC, 1, 2 },
	{ "raid5_la", 5, RAIDX_ALG_LEFT_ASYMMETRIC, 1, 2 },
	{ "raid5_ra", 5, RAIDX_ALG_RIGHT_ASYMMETRIC, 1, 2 },
	{ "raid6_zr", 6, RAIDX_ALG_ROTATING_ZERO_RESTART, 2, 4 },
	{ "raid6_nr", 6, RAIDX_ALG_ROTATING_N_RESTART, 2, 4 },
	{ "raid6_nc", 6, RAIDX_ALG_ROTATING_N_CONTINUE, 2, 4 },
	{ "raid6_n_6", 6, RAIDX_ALG_PARITY_N, 2, 4 },
	{ "raid6_ls_6", 6, RAIDX_ALG_LEFT_SYMMETRIC_6, 2, 4 },
	{ "raid6_rs_6", 6, RAIDX_ALG_RIGHT_SYMMETRIC_6, 2, 4 },
	{ "raid6_la_6", 6, RAIDX_ALG_LEFT_ASYMMETRIC_6, 2, 4 },
	{ "raid6_ra_6", 6, RAIDX_ALG_RIGHT_ASYMMETRIC_6, 2, 4 },
};

const unsigned int raidx_nr_types = ARRAY_SIZE(raidx_types);

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static bool word_eq(const char *a, const char *b)
{
	while (*a && lower(*a) == lower(*b)) {
		a++;
		b++;
	}
	return lower(*a) == lower(*b);
}

const struct raidx_type *raidx_type_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < raidx_nr_types; i++)
		if (word_eq(raidx_types[i].name, name))
			return &raidx_types[i];
	return NULL;
}

unsigned int raidx_r10_near_copies(u32 layout)
{
	return layout & 0xff;
}

unsigned int raidx_r10_far_copies(u32 layout)
{
	return (layout >> RAIDX_R10_FAR_SHIFT) & 0xff;
}

/*
 * md's far layout (not offset): the far copies lie a fixed fraction of
 * each leg apart, so the leg's size places them and md cannot resize it.
 */
bool raidx_r10_is_far(u32 layout)
{
	return !(layout & RAIDX_R10_OFFSET) && raidx_r10_far_copies(layout) > 1;
}

unsigned int raidx_r10_copies(u32 layout)
{
	unsigned int n = raidx_r10_near_copies(layout);
	unsigned int f = raidx_r10_far_copies(layout);

	return n > f ? n : f;
}

/* Table words of the raid10 formats; "raid10" alone means near. */
static const char * const r10_alg_names[] = {
	[RAIDX_R10_ALG_NEAR] = "near",
	[RAIDX_R10_ALG_OFFSET] = "offset",
	[RAIDX_R10_ALG_FAR] = "far",
};

/*
 * The format an md raid10 layout word describes, -1 for none.  The offset
 * bit decides alone; otherwise whichever of near and far copies is above
 * one, near when both are (LVM2 reads the status that way).
 */
static int r10_alg_of(u32 layout)
{
	if (layout & RAIDX_R10_OFFSET)
		return RAIDX_R10_ALG_OFFSET;
	if (raidx_r10_near_copies(layout) > 1)
		return RAIDX_R10_ALG_NEAR;
	if (raidx_r10_far_copies(layout) > 1)
		return RAIDX_R10_ALG_FAR;
	return -1;
}

const char *raidx_r10_format_name(u32 layout)
{
	int alg = r10_alg_of(layout);

	return alg < 0 ? "unknown" : r10_alg_names[alg];
}

int raidx_r10_alg_by_name(const char *name)
{
	int alg;

	for (alg = 0; alg < (int)ARRAY_SIZE(r10_alg_names); alg++)
		if (r10_alg_names[alg] && word_eq(name, r10_alg_names[alg]))
			return alg;
	return -1;
}

int raidx_r10_layout(int alg, unsigned int copies, bool near_sets)
{
	u32 sets = near_sets ? 0 : RAIDX_R10_USE_FAR_SETS;

	switch (alg) {
	case RAIDX_R10_ALG_DEFAULT:
	case RAIDX_R10_ALG_NEAR:
		return (1 << RAIDX_R10_FAR_SHIFT) | copies;
	case RAIDX_R10_ALG_OFFSET:
		return RAIDX_R10_OFFSET | sets |
		       (copies << RAIDX_R10_FAR_SHIFT) | 1;
	case RAIDX_R10_ALG_FAR:
		return sets | (copies << RAIDX_R10_FAR_SHIFT) | 1;
	default:
		return -1;
	}
}

/* Does raid10 type @t describe @layout? */
static bool r10_type_matches(const struct raidx_type *t, u32 layout)
{
	int alg = r10_alg_of(layout);

	if (t->algorithm == RAIDX_R10_ALG_DEFAULT)
		return alg == RAIDX_R10_ALG_NEAR;
	return alg >= 0 && t->algorithm == (unsigned int)alg;
}

/*
 * Searched from the end, as the stock target does, so that "raid10" (the
 * default) and "raid6_n_6" win over their aliases when status is printed.
 */
const struct raidx_type *raidx_type_by_level_layout(unsigned int level,
						    unsigned int layout)
{
	unsigned int i = raidx_nr_types;

	while (i--) {
		const struct raidx_type *t = &raidx_types[i];

		if (t->level != level)
			continue;
		if (level == 10 ? r10_type_matches(t, layout) :
				  t->algorithm == layout)
			return t;
	}
	return NULL;
}

unsigned int raidx_data_devs(u32 level, u32 devs)
{
	switch (level) {
	case 1:
		return 1;
	case 4:
	case 5:
		return devs > 1 ? devs - 1 : 0;
	case 6:
		return devs > 2 ? devs - 2 : 0;
	default:
		return devs;
	}
}

bool raidx_write_hole(u32 level, u32 disks)
{
	return (level == 4 || level == 5 || level == 6) &&
	       raidx_data_devs(level, disks) > 1;
}

unsigned int raidx_redundancy(u32 level, u32 layout, u32 disks)
{
	switch (level) {
	case 1:
		return disks ? disks - 1 : 0;
	case 4:
	case 5:
		return 1;
	case 6:
		return 2;
	case 10:
		return raidx_r10_near_copies(layout) *
		       raidx_r10_far_copies(layout) - 1;
	default:
		return 0;
	}
}

/*
 * raid10 keeps near * far copies of a chunk on consecutive legs (wrapping
 * at the end), and the sets start every near_copies legs: an array can
 * run while each such run of legs keeps one leg in sync.  Far and offset
 * layouts (near_copies 1) thus lose data with any two neighbours gone,
 * whatever their count.
 */
static bool r10_legs_enough(u32 layout, u32 disks, const bool *lost)
{
	u32 near = raidx_r10_near_copies(layout);
	u32 copies = near * raidx_r10_far_copies(layout);
	u32 first = 0, k, leg;
	bool kept;

	if (!copies || !near || !disks)
		return false;
	do {
		kept = false;
		for (k = 0, leg = first; k < copies; k++, leg = (leg + 1) % disks)
			kept |= !lost[leg];
		if (!kept)
			return false;
		first = (first + near) % disks;
	} while (first);
	return true;
}

bool raidx_legs_enough(u32 level, u32 layout, u32 disks, const bool *lost)
{
	u32 i, n = 0;

	if (level == 10)
		return r10_legs_enough(layout, disks, lost);
	for (i = 0; i < disks; i++)
		n += lost[i];
	if (level == 1)
		return n < disks;
	return n <= raidx_redundancy(level, layout, disks);
}

bool raidx_leg_may_move(u32 level, u32 layout, u32 disks)
{
	u32 near = raidx_r10_near_copies(layout);

	if (level == 1)
		return true;
	return level == 10 && !(layout & RAIDX_R10_OFFSET) && near > 1 &&
	       !(disks % near);
}

/*
 * ---- Takeover: a level change on the same legs ----
 *
 * The new personality reads the legs as its own, so a takeover keeps the
 * data only where both levels lay it out the same way; legs the new
 * level adds are rebuilt.  The stock target checks the level pair and
 * little else (dm runs the new personality directly, never md's
 * ->takeover, which would check the geometry): each pair here is allowed
 * only with a leg count, raid10 layout and chunk size that keep the data
 * (one leg count per pair, but raid0 on 1 leg -> raid1 on any), so
 * stricter than the stock target wherever it would hand md legs laid out
 * another way (raid5 <-> raid6 of another rotation, raid10 far -> raid1,
 * the wrong number of legs).  Conversions that would keep the data only
 * with another leg count (a takeover and a reshape at once) are refused
 * as well.  Where the old legs sit
 * in the new table (raid0 -> raid10 interleaves them with the new
 * mirrors, raid6 -> raid5 drops the last leg) is the caller's to check.
 */
#define TAKEOVER_NO	"takeover not possible"
#define REFUSE(why)	TAKEOVER_NO ": " why

/* md's raid10 near layout with @copies copies (as the table makes it). */
static bool r10_is_near(u32 layout, unsigned int copies)
{
	return !(layout & RAIDX_R10_OFFSET) &&
	       raidx_r10_far_copies(layout) == 1 &&
	       raidx_r10_near_copies(layout) == copies;
}

/* Striped on both sides: the stripes line up only with the same chunk. */
static const char *same_chunk(const struct raidx_shape *from,
			      const struct raidx_shape *to)
{
	return from->chunk == to->chunk ? NULL :
	       REFUSE("the chunk size must stay");
}

static const char *takeover_from_raid0(const struct raidx_shape *from,
				       const struct raidx_shape *to)
{
	unsigned int n = from->disks;

	if (n == 1 && to->level == 1)
		return NULL;
	if (n == 1 && to->level == 5)
		return to->disks == 2 ? NULL :
		       REFUSE("raid0 -> raid5 on 1 leg needs 2 legs");
	if (to->level == 10)
		return to->disks % n == 0 && to->disks > n &&
		       r10_is_near(to->layout, to->disks / n) ?
		       same_chunk(from, to) :
		       REFUSE("raid0 -> raid10 needs near, legs x copies");
	if (to->level == 5 || to->level == 6) {
		if (to->layout != RAIDX_ALG_PARITY_N)
			return REFUSE("raid0 -> raid4/5/6 needs raid5_n/raid6_n_6");
		/* raid5_n adds a parity leg, raid6_n_6 two */
		return to->disks == n + (to->level == 6 ? 2 : 1) ?
		       same_chunk(from, to) :
		       REFUSE("raid0 -> raid5_n/raid6_n_6 adds 1/2 legs");
	}
	return TAKEOVER_NO;
}

static const char *takeover_from_raid1(const struct raidx_shape *from,
				       const struct raidx_shape *to)
{
	if (to->level == 5)
		return from->disks == 2 && to->disks == 2 ? NULL :
		       REFUSE("raid1 -> raid4/5 needs 2 legs");
	if (to->level == 0)
		return from->disks == 1 && to->disks == 1 ? NULL :
		       REFUSE("raid1 -> raid0 needs 1 leg");
	if (to->level == 10)
		return to->disks == from->disks && to->disks > 1 &&
		       r10_is_near(to->layout, to->disks) ? NULL :
		       REFUSE("raid1 -> raid10 needs near, a copy per leg");
	return TAKEOVER_NO;
}

static const char *takeover_from_raid10(const struct raidx_shape *from,
					const struct raidx_shape *to)
{
	unsigned int near = raidx_r10_near_copies(from->layout);
	unsigned int far = raidx_r10_far_copies(from->layout);

	if (from->layout & RAIDX_R10_OFFSET)
		return REFUSE("raid10_offset converts to no other level");
	if (to->level == 0) {
		if (far == 1 && near > 1 && !(from->disks % near) &&
		    to->disks == from->disks / near)
			return same_chunk(from, to);
		if (near == 1 && far > 1 && to->disks == from->disks)
			return same_chunk(from, to);
		return REFUSE("raid10 -> raid0 keeps a leg per mirror set");
	}
	if (to->level == 1)
		return r10_is_near(from->layout, from->disks) &&
		       to->disks == from->disks ? NULL :
		       REFUSE("raid10 -> raid1 needs near, a copy per leg");
	if (to->level == 5)
		return from->disks == 2 && to->disks == 2 &&
		       r10_is_near(from->layout, 2) ? NULL :
		       REFUSE("raid10 -> raid4/5 needs raid10 near on 2 legs");
	return TAKEOVER_NO;
}

/* raid5 rotations and their raid6 counterparts (Q on the last leg). */
static bool same_rotation(u32 raid5_layout, u32 raid6_layout)
{
	if (raid5_layout == RAIDX_ALG_PARITY_N)
		return raid6_layout == RAIDX_ALG_PARITY_N;
	return raid5_layout <= RAIDX_ALG_RIGHT_SYMMETRIC &&
	       raid6_layout == raid5_layout + RAIDX_ALG_LEFT_ASYMMETRIC_6;
}

/*
 * raid5_n keeps its parity on the last leg, dm's raid4 (PARITY_0) on the
 * first: raid0 is the other legs (LVM2 drops raid4's parity leg and moves
 * the others down one position).
 */
static const char *takeover_from_raid5(const struct raidx_shape *from,
				       const struct raidx_shape *to)
{
	if (to->level == 0)
		return (from->layout == RAIDX_ALG_PARITY_N ||
			from->layout == RAIDX_ALG_PARITY_0) &&
		       to->disks == from->disks - 1 ? same_chunk(from, to) :
		       REFUSE("raid5 -> raid0 needs raid4 or raid5_n, 1 leg less");
	if (to->level == 1)
		return from->disks == 2 && to->disks == 2 ? NULL :
		       REFUSE("raid5 -> raid1 needs 2 legs");
	if (to->level == 6) {
		if (!same_rotation(from->layout, to->layout))
			return REFUSE("raid5 -> raid6 needs the same rotation");
		return to->disks == from->disks + 1 ? same_chunk(from, to) :
		       REFUSE("raid5 -> raid6 adds 1 leg");
	}
	/* raid10 too: the stock target refuses it (rs_setup_takeover) */
	return TAKEOVER_NO;
}

static const char *takeover_from_raid6(const struct raidx_shape *from,
				       const struct raidx_shape *to)
{
	if (to->level == 0)
		return from->layout == RAIDX_ALG_PARITY_N &&
		       to->disks == from->disks - 2 ? same_chunk(from, to) :
		       REFUSE("raid6 -> raid0 needs raid6_n_6, 2 legs less");
	if (to->level == 5) {
		if (!same_rotation(to->layout, from->layout))
			return REFUSE("raid6 -> raid5 needs the same rotation");
		return to->disks == from->disks - 1 ? same_chunk(from, to) :
		       REFUSE("raid6 -> raid5 drops 1 leg");
	}
	return TAKEOVER_NO;
}

/*
 * md level 4 never comes from dm (its "raid4" is level 5, parity on leg
 * 0), so a level-4 superblock converts to nothing.
 */
const char *raidx_takeover_refusal(const struct raidx_shape *from,
				   const struct raidx_shape *to)
{
	if (from->level == to->level)
		return NULL;
	/* md runs raid6 on 4 legs at least, whatever it came from */
	if (to->level == 6 && to->disks < 4)
		return REFUSE("raid6 needs 4 legs");
	switch (from->level) {
	case 0:
		return takeover_from_raid0(from, to);
	case 1:
		return takeover_from_raid1(from, to);
	case 10:
		return takeover_from_raid10(from, to);
	case 5:
		return takeover_from_raid5(from, to);
	case 6:
		return takeover_from_raid6(from, to);
	default:
		return TAKEOVER_NO;
	}
}

#undef REFUSE
#undef TAKEOVER_NO

/*
 * The legs a takeover adds: raid0 -> raid1 and raid0 -> raid10 near
 * (every copy but the first of each mirror set), raid0 -> raid4/5/6 and
 * raid5 -> raid6 (the parity legs at the end).
 */
static bool takeover_adds_leg(const struct raidx_shape *from,
			      const struct raidx_shape *to, unsigned int pos)
{
	if (from->level == 0 && to->level == 10)
		return pos % (to->disks / from->disks);
	return pos >= from->disks;
}

void raidx_takeover_leg(const struct raidx_shape *from,
			const struct raidx_shape *to, unsigned int pos,
			unsigned int *first, unsigned int *count)
{
	unsigned int copies;

	*first = pos;
	*count = 1;
	if (takeover_adds_leg(from, to, pos)) {
		*count = 0;
		return;
	}
	if (from->level == 0 && to->level == 10) {
		*first = pos / (to->disks / from->disks);
		return;
	}
	if (from->level == 10 && to->level == 0 &&
	    raidx_r10_far_copies(from->layout) == 1) {
		/* any mirror of the set holds the data */
		copies = raidx_r10_near_copies(from->layout);
		*first = pos * copies;
		*count = copies;
		return;
	}
	if (from->level == 5 && from->layout == RAIDX_ALG_PARITY_0 &&
	    to->level == 0)
		*first = pos + 1;
}

/*
 * The takeovers dm-raidx makes: those whose recorded legs all stay where
 * they are (raid6_*_6 -> raid5_* dropping the Q leg, raid1 <-> raid4/5 on
 * 2 legs, raid1 <-> raid10 near with a copy per leg, raid10 near on 2
 * legs -> raid4/5), and where a leg is added, it holds parity only
 * (raid5_* -> raid6_*_6 and raid5_n -> raid6_n_6: the Q leg appended), so
 * md computes it from data that stays in place.  Those that move legs or
 * involve raid0 are not made yet.
 */
bool raidx_takeover_supported(const struct raidx_shape *from,
			      const struct raidx_shape *to)
{
	unsigned int i, first, count;

	if (!from->level || !to->level)
		return false;
	for (i = 0; i < to->disks; i++) {
		raidx_takeover_leg(from, to, i, &first, &count);
		if (!count && raidx_leg_only_parity(to->level, to->layout,
						    to->disks, i))
			continue;
		if (count != 1 || first != i)
			return false;
	}
	return true;
}

bool raidx_leg_only_parity(u32 level, u32 layout, u32 disks, u32 pos)
{
	if (level == 5 && layout == RAIDX_ALG_PARITY_0)
		return pos == 0;
	if (level == 5 && layout == RAIDX_ALG_PARITY_N)
		return pos == disks - 1;
	if (level != 6)
		return false;
	if (layout == RAIDX_ALG_PARITY_N)
		return pos >= disks - 2;
	/* the *_6 layouts of raid5's rotations keep Q on the last leg */
	if (layout >= RAIDX_ALG_LEFT_ASYMMETRIC_6 &&
	    layout <= RAIDX_ALG_RIGHT_SYMMETRIC_6)
		return pos == disks - 1;
	return false;
}

bool raidx_recovery_waits_for_resync(u32 level, bool resync_due,
				     unsigned int legs_read)
{
	return (level == 1 || level == 10) && resync_due && legs_read >= 2;
}

/*
 * md's bitmap code handles any region count, but dm-raid has always kept a
 * bitmap to 2^21 regions and LVM2 picks region_size by that bound, so the
 * same tables must be accepted and refused here.
 */
#define RAIDX_REGION_DEFAULT	8192ULL		/* 4 MiB */
#define RAIDX_BITMAP_CHUNK_MAX	BIT_ULL(31)	/* md's u32 chunksize */

u64 raidx_region_least(u64 len)
{
	return len / RAIDX_REGIONS_MAX;
}

/* Smallest power of two within the bound; never below 4 MiB. */
u64 raidx_region_default(u64 len)
{
	u64 region = RAIDX_REGION_DEFAULT;

	while (region < raidx_region_least(len))
		region <<= 1;
	return region;
}

/* The refusal texts are dm-raid's: LVM2 and users know them. */
const char *raidx_region_refusal(u64 len, u64 chunk, u64 region)
{
	if (region > len)
		return "Supplied region size is too large";
	if (region < raidx_region_least(len))
		return "Supplied region size is too small";
	if (region & (region - 1))
		return "Region size is not a power of 2";
	if (region < chunk)
		return "Region size is smaller than the chunk size";
	return NULL;
}

static const char * const policy_names[RAIDX_POLICY_COUNT] = {
	[RAIDX_POLICY_RESYNC] = "resync",
	[RAIDX_POLICY_JOURNAL] = "journal",
	[RAIDX_POLICY_PPL] = "ppl",
};

static const char * const journal_mode_names[RAIDX_JOURNAL_MODE_COUNT] = {
	[RAIDX_JOURNAL_WRITETHROUGH] = "writethrough",
	[RAIDX_JOURNAL_WRITEBACK] = "writeback",
};

const char *raidx_policy_name(u32 policy)
{
	return policy < RAIDX_POLICY_COUNT ? policy_names[policy] : NULL;
}

int raidx_policy_by_name(const char *name)
{
	int i;

	for (i = 0; i < RAIDX_POLICY_COUNT; i++)
		if (word_eq(policy_names[i], name))
			return i;
	return -1;
}

const char *raidx_journal_mode_name(u32 mode)
{
	return mode < RAIDX_JOURNAL_MODE_COUNT ? journal_mode_names[mode] :
						 NULL;
}

int raidx_journal_mode_by_name(const char *name)
{
	int i;

	for (i = 0; i < RAIDX_JOURNAL_MODE_COUNT; i++)
		if (word_eq(journal_mode_names[i], name))
			return i;
	return -1;
}

bool raidx_sb_failed(const struct raidx_sb *sb, unsigned int dev)
{
	if (dev >= 64 * RAIDX_FAILED_WORDS)
		return false;
	return (sb->failed[dev / 64] >> (dev % 64)) & 1;
}

void raidx_sb_set_failed(struct raidx_sb *sb, unsigned int dev, bool failed)
{
	u64 bit;

	if (dev >= 64 * RAIDX_FAILED_WORDS)
		return;
	bit = 1ULL << (dev % 64);
	if (failed)
		sb->failed[dev / 64] |= bit;
	else
		sb->failed[dev / 64] &= ~bit;
}

u32 raidx_crc32c(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78 & (0 - (crc & 1)));
	}
	return crc;
}

/*
 * ---- Superblock encode/decode ----
 */
static u32 ext_csum(const struct raidx_disk_ext *e)
{
	return ~raidx_crc32c(~0U, e, offsetof(struct raidx_disk_ext, csum));
}

void raidx_sb_decode(const void *buf, size_t len, struct raidx_sb *sb)
{
	const struct raidx_disk_sb *d = buf;
	const struct raidx_disk_ext *e;
	unsigned int i;

	memset(sb, 0, sizeof(*sb));
	if (len < RAIDX_SB_SIZE)
		return;

	sb->magic = le32_to_cpu(d->magic);
	sb->compat_features = le32_to_cpu(d->compat_features);
	sb->num_devices = le32_to_cpu(d->num_devices);
	sb->array_position = le32_to_cpu(d->array_position);
	sb->events = le64_to_cpu(d->events);
	sb->failed[0] = le64_to_cpu(d->failed_devices);
	for (i = 1; i < RAIDX_FAILED_WORDS; i++)
		sb->failed[i] = le64_to_cpu(d->extended_failed_devices[i - 1]);
	sb->disk_recovery_offset = le64_to_cpu(d->disk_recovery_offset);
	sb->array_resync_offset = le64_to_cpu(d->array_resync_offset);
	sb->level = le32_to_cpu(d->level);
	sb->layout = le32_to_cpu(d->layout);
	sb->stripe_sectors = le32_to_cpu(d->stripe_sectors);
	sb->flags = le32_to_cpu(d->flags);
	sb->reshape_position = le64_to_cpu(d->reshape_position);
	sb->new_level = le32_to_cpu(d->new_level);
	sb->new_layout = le32_to_cpu(d->new_layout);
	sb->new_stripe_sectors = le32_to_cpu(d->new_stripe_sectors);
	sb->delta_disks = (s32)le32_to_cpu(d->delta_disks);
	sb->array_sectors = le64_to_cpu(d->array_sectors);
	sb->data_offset = le64_to_cpu(d->data_offset);
	sb->new_data_offset = le64_to_cpu(d->new_data_offset);
	sb->sectors = le64_to_cpu(d->sectors);
	sb->incompat_features = le32_to_cpu(d->incompat_features);

	if (len < RAIDX_EXT_OFFSET + RAIDX_EXT_SIZE)
		return;
	e = (const void *)((const u8 *)buf + RAIDX_EXT_OFFSET);
	if (le32_to_cpu(e->magic) != RAIDX_EXT_MAGIC)
		return;
	if (le32_to_cpu(e->size) != RAIDX_EXT_SIZE ||
	    le32_to_cpu(e->csum) != ext_csum(e)) {
		sb->ext_corrupt = true;
		return;
	}
	sb->has_ext = true;
	sb->consistency_policy = le32_to_cpu(e->consistency_policy);
	sb->journal_mode = le32_to_cpu(e->journal_mode);
	memcpy(sb->uuid, e->uuid, sizeof(sb->uuid));
	sb->journal_tail = le64_to_cpu(e->journal_tail);
	sb->journal_seq = le64_to_cpu(e->journal_seq);
	sb->ppl_sector = le64_to_cpu(e->ppl_sector);
	sb->ppl_size = le32_to_cpu(e->ppl_size);
	sb->ext_state = le32_to_cpu(e->state);
}

void raidx_sb_encode(const struct raidx_sb *sb, void *buf, size_t len)
{
	struct raidx_disk_sb *d = buf;
	struct raidx_disk_ext *e;
	unsigned int i;

	memset(buf, 0, len);
	d->magic = cpu_to_le32(sb->magic);
	d->compat_features = cpu_to_le32(sb->compat_features);
	d->num_devices = cpu_to_le32(sb->num_devices);
	d->array_position = cpu_to_le32(sb->array_position);
	d->events = cpu_to_le64(sb->events);
	d->failed_devices = cpu_to_le64(sb->failed[0]);
	for (i = 1; i < RAIDX_FAILED_WORDS; i++)
		d->extended_failed_devices[i - 1] = cpu_to_le64(sb->failed[i]);
	d->disk_recovery_offset = cpu_to_le64(sb->disk_recovery_offset);
	d->array_resync_offset = cpu_to_le64(sb->array_resync_offset);
	d->level = cpu_to_le32(sb->level);
	d->layout = cpu_to_le32(sb->layout);
	d->stripe_sectors = cpu_to_le32(sb->stripe_sectors);
	d->flags = cpu_to_le32(sb->flags);
	d->reshape_position = cpu_to_le64(sb->reshape_position);
	d->new_level = cpu_to_le32(sb->new_level);
	d->new_layout = cpu_to_le32(sb->new_layout);
	d->new_stripe_sectors = cpu_to_le32(sb->new_stripe_sectors);
	d->delta_disks = cpu_to_le32((u32)sb->delta_disks);
	d->array_sectors = cpu_to_le64(sb->array_sectors);
	d->data_offset = cpu_to_le64(sb->data_offset);
	d->new_data_offset = cpu_to_le64(sb->new_data_offset);
	d->sectors = cpu_to_le64(sb->sectors);
	d->incompat_features = cpu_to_le32(sb->incompat_features);

	if (!sb->has_ext)
		return;
	e = (void *)((u8 *)buf + RAIDX_EXT_OFFSET);
	e->magic = cpu_to_le32(RAIDX_EXT_MAGIC);
	e->size = cpu_to_le32(RAIDX_EXT_SIZE);
	e->consistency_policy = cpu_to_le32(sb->consistency_policy);
	e->journal_mode = cpu_to_le32(sb->journal_mode);
	memcpy(e->uuid, sb->uuid, sizeof(e->uuid));
	e->journal_tail = cpu_to_le64(sb->journal_tail);
	e->journal_seq = cpu_to_le64(sb->journal_seq);
	e->ppl_sector = cpu_to_le64(sb->ppl_sector);
	e->ppl_size = cpu_to_le32(sb->ppl_size);
	e->state = cpu_to_le32(sb->ext_state);
	e->csum = cpu_to_le32(ext_csum(e));
}

bool raidx_sb_fresher(const struct raidx_sb *a, const struct raidx_sb *b)
{
	if (a->events != b->events)
		return a->events > b->events;
	return !raidx_sb_detached(a) && raidx_sb_detached(b);
}

bool raidx_sb_detached(const struct raidx_sb *sb)
{
	return sb->array_position == RAIDX_POSITION_DETACHED;
}

bool raidx_sb_conversion_unfinished(const struct raidx_sb *sb)
{
	if (!(sb->compat_features & RAIDX_COMPAT_V190) ||
	    (sb->flags & RAIDX_SB_RESHAPE_ACTIVE) ||
	    sb->level < 4 || sb->level > 6)
		return false;
	return sb->new_level != sb->level || sb->new_layout != sb->layout ||
	       sb->new_stripe_sectors != sb->stripe_sectors;
}

/*
 * ---- Validation ----
 */
static unsigned int report(const struct raidx_report *rep,
			   enum raidx_severity sev, const char *field,
			   unsigned long long found,
			   unsigned long long expected, const char *why)
{
	if (rep && rep->finding)
		rep->finding(rep->ctx, sev, field, found, expected, why);
	return sev == RAIDX_FATAL;
}

static bool is_pow2(u64 v)
{
	return v && !(v & (v - 1));
}

/* Checks of the geometry words shared by level/layout and new_*. */
static unsigned int check_geometry(u32 level, u32 layout, u32 chunk,
				   const char *lf, const char *tf,
				   const char *cf, const struct raidx_report *rep)
{
	unsigned int bad = 0;

	if (level != 0 && level != 1 && level != 4 && level != 5 &&
	    level != 6 && level != 10)
		return report(rep, RAIDX_FATAL, lf, level, 5,
			      "not a raid level md supports here");

	if (!raidx_type_by_level_layout(level == 4 ? 5 : level, layout))
		bad += report(rep, RAIDX_FATAL, tf, layout, 0,
			      "layout unknown for this raid level");
	if (level == 10 && raidx_r10_copies(layout) < 2)
		bad += report(rep, RAIDX_FATAL, tf, layout, 2,
			      "raid10 needs at least 2 copies");

	if (level == 1) {
		if (chunk)
			report(rep, RAIDX_WARNING, cf, chunk, 0,
			       "raid1 has no chunk size");
	} else if (!is_pow2(chunk) || chunk < 8) {
		bad += report(rep, RAIDX_FATAL, cf, chunk, 128,
			      "chunk must be a power of 2 of at least 8 sectors");
	}
	return bad;
}

/*
 * How far md's resync position can go (raidx_sb_resync_sectors(), a leg
 * or for raid10 the array), with the slack the stock target's positions
 * have always had: a leg's data offset.
 */
static u64 resync_limit(const struct raidx_sb *sb)
{
	u64 leg = sb->sectors + sb->data_offset;
	u64 resync = raidx_sb_resync_sectors(sb);

	return resync > leg ? resync : leg;
}

/*
 * md keeps a write-intent bitmap only with the resync policy (md refuses
 * one beside a journal or a PPL) and only with redundancy to resync.
 */
bool raidx_has_bitmap(u32 level, int policy)
{
	return level != 0 && policy == RAIDX_POLICY_RESYNC;
}

/*
 * What md's resync covers (resync_max_sectors) and a bitmap's sync_size:
 * a leg for raid1/4/5/6, the array for raid10 (raid10_run sets it to the
 * array size, larger than a leg with more legs than copies).
 */
u64 raidx_sb_resync_sectors(const struct raidx_sb *sb)
{
	return sb->level == 10 ? sb->array_sectors : sb->sectors;
}

/* Fields of the stock superblock before v1.9.0. */
static unsigned int validate_base(const struct raidx_sb *sb,
				  const struct raidx_report *rep)
{
	bool v190 = sb->compat_features & RAIDX_COMPAT_V190;
	unsigned int bad = 0, dev;

	/* A detached leg: its users say what they make of it, but raid0 */
	if (raidx_sb_detached(sb) && !sb->level)
		bad += report(rep, RAIDX_FATAL, "array_position",
			      sb->array_position, sb->num_devices - 1,
			      "raid0 leg out of the array: raid0 has none to spare");
	else if (!raidx_sb_detached(sb) &&
		 sb->array_position >= sb->num_devices)
		bad += report(rep, RAIDX_FATAL, "array_position",
			      sb->array_position, sb->num_devices - 1,
			      "position beyond the device count");

	if (!sb->events)
		report(rep, RAIDX_WARNING, "events", 0, 1,
		       "event counter never advanced");

	bad += check_geometry(sb->level, sb->layout, sb->stripe_sectors,
			      "level", "layout", "stripe_sectors", rep);

	for (dev = sb->num_devices; dev < 64 * RAIDX_FAILED_WORDS; dev++)
		if ((v190 || dev < 64) && raidx_sb_failed(sb, dev)) {
			bad += report(rep, RAIDX_FATAL, "failed_devices", dev,
				      sb->num_devices - 1,
				      "failed bit set beyond the device count");
			break;
		}

	if (sb->disk_recovery_offset != RAIDX_MAX_SECTOR && v190 &&
	    sb->disk_recovery_offset > sb->sectors)
		bad += report(rep, RAIDX_FATAL, "disk_recovery_offset",
			      sb->disk_recovery_offset, sb->sectors,
			      "recovery offset beyond the device size");
	if (sb->array_resync_offset != RAIDX_MAX_SECTOR && v190 &&
	    sb->array_resync_offset > resync_limit(sb))
		bad += report(rep, RAIDX_FATAL, "array_resync_offset",
			      sb->array_resync_offset, resync_limit(sb),
			      "resync offset beyond the device size");
	return bad;
}

/* The v1.9.0 fields: reshape state, new geometry, sizes and offsets. */
static unsigned int validate_v190(const struct raidx_sb *sb,
				  const struct raidx_report *rep)
{
	unsigned int bad = 0;
	bool reshaping, idle;

	if (sb->flags & ~RAIDX_SB_FLAGS_KNOWN)
		bad += report(rep, RAIDX_FATAL, "flags", sb->flags,
			      sb->flags & RAIDX_SB_FLAGS_KNOWN,
			      "unknown state flags");
	reshaping = sb->flags & RAIDX_SB_RESHAPE_ACTIVE;
	idle = sb->reshape_position == RAIDX_MAX_SECTOR;
	if (reshaping == idle)
		bad += report(rep, RAIDX_FATAL, "reshape_position",
			      sb->reshape_position,
			      (sb->flags & RAIDX_SB_RESHAPE_ACTIVE) ?
			      0 : RAIDX_MAX_SECTOR,
			      "reshape position disagrees with the reshape flag");

	bad += check_geometry(sb->new_level, sb->new_layout,
			      sb->new_stripe_sectors, "new_level",
			      "new_layout", "new_stripe_sectors", rep);

	if (sb->delta_disks <= -RAIDX_MAX_DEVICES ||
	    sb->delta_disks >= RAIDX_MAX_DEVICES)
		bad += report(rep, RAIDX_FATAL, "delta_disks",
			      (unsigned long long)(long long)sb->delta_disks,
			      0, "device delta out of range");

	if (!sb->sectors)
		bad += report(rep, RAIDX_FATAL, "sectors", 0, 1,
			      "zero device size");
	if (!sb->array_sectors)
		bad += report(rep, RAIDX_FATAL, "array_sectors", 0, 1,
			      "zero array size");
	if (sb->data_offset % 8 || sb->new_data_offset % 8)
		bad += report(rep, RAIDX_FATAL, "data_offset",
			      sb->data_offset, sb->data_offset & ~7ULL,
			      "data offset not 4 KiB aligned");

	if (!(sb->flags & RAIDX_SB_RESHAPE_ACTIVE) && sb->sectors) {
		u64 expect = sb->sectors *
			     raidx_data_devs(sb->level,
					     sb->num_devices);

		if (sb->level == 10 && raidx_r10_copies(sb->layout))
			expect = sb->sectors * sb->num_devices /
				 raidx_r10_copies(sb->layout);
		if (sb->level != 0 && sb->array_sectors > expect)
			bad += report(rep, RAIDX_FATAL, "array_sectors",
				      sb->array_sectors, expect,
				      "array larger than its devices hold");
	}
	return bad;
}

/* The dm-raidx extension and the incompat bits that need it. */
static unsigned int validate_ext(const struct raidx_sb *sb,
				 const struct raidx_report *rep)
{
	unsigned int bad = 0;

	if (sb->ext_corrupt)
		bad += report(rep, RAIDX_FATAL, "ext.csum", 1, 0,
			      "dm-raidx extension present but corrupt");
	if ((sb->incompat_features & (RAIDX_INCOMPAT_PPL |
				      RAIDX_INCOMPAT_JOURNAL)) &&
	    !sb->has_ext)
		bad += report(rep, RAIDX_FATAL, "ext.magic", 0,
			      RAIDX_EXT_MAGIC,
			      "incompat feature needs the dm-raidx extension");
	if (!sb->has_ext)
		return bad;

	if (sb->consistency_policy >= RAIDX_POLICY_COUNT)
		bad += report(rep, RAIDX_FATAL, "ext.consistency_policy",
			      sb->consistency_policy, RAIDX_POLICY_RESYNC,
			      "unknown consistency policy");
	if (sb->ext_state & ~RAIDX_EXT_STATE_KNOWN)
		bad += report(rep, RAIDX_FATAL, "ext.state", sb->ext_state,
			      sb->ext_state & RAIDX_EXT_STATE_KNOWN,
			      "unknown state bits");
	if (sb->journal_mode >= RAIDX_JOURNAL_MODE_COUNT)
		bad += report(rep, RAIDX_FATAL, "ext.journal_mode",
			      sb->journal_mode, RAIDX_JOURNAL_WRITETHROUGH,
			      "unknown journal mode");
	if (sb->consistency_policy == RAIDX_POLICY_PPL) {
		if (!(sb->incompat_features & RAIDX_INCOMPAT_PPL))
			bad += report(rep, RAIDX_FATAL, "incompat_features",
				      sb->incompat_features,
				      sb->incompat_features |
				      RAIDX_INCOMPAT_PPL,
				      "PPL array without the PPL incompat bit");
		if (sb->level != 5)
			bad += report(rep, RAIDX_FATAL, "level", sb->level, 5,
				      "PPL needs raid5");
		if (!sb->ppl_size)
			bad += report(rep, RAIDX_FATAL, "ext.ppl_size", 0, 8,
				      "PPL policy without PPL space");
		else if (sb->ppl_sector + sb->ppl_size > sb->data_offset &&
			 sb->ppl_sector < sb->data_offset + sb->sectors)
			bad += report(rep, RAIDX_FATAL, "ext.ppl_sector",
				      sb->ppl_sector, 0,
				      "PPL overlaps the data area");
	} else if (sb->incompat_features & RAIDX_INCOMPAT_PPL) {
		bad += report(rep, RAIDX_FATAL, "incompat_features",
			      sb->incompat_features,
			      sb->incompat_features & ~RAIDX_INCOMPAT_PPL,
			      "PPL incompat bit without PPL policy");
	}
	return bad;
}

unsigned int raidx_sb_validate(const struct raidx_sb *sb,
			       const struct raidx_report *rep)
{
	unsigned int bad = 0;

	if (sb->magic != RAIDX_SB_MAGIC)
		return report(rep, RAIDX_FATAL, "magic", sb->magic,
			      RAIDX_SB_MAGIC, "no dm-raid superblock");

	if (sb->compat_features & ~RAIDX_COMPAT_KNOWN)
		bad += report(rep, RAIDX_FATAL, "compat_features",
			      sb->compat_features, RAIDX_COMPAT_KNOWN,
			      "unknown compatible feature bits");
	if (sb->incompat_features & ~RAIDX_INCOMPAT_KNOWN)
		bad += report(rep, RAIDX_FATAL, "incompat_features",
			      sb->incompat_features, RAIDX_INCOMPAT_KNOWN,
			      "unknown incompatible feature bits");

	if (sb->num_devices < 1 || sb->num_devices > RAIDX_MAX_DEVICES)
		return bad + report(rep, RAIDX_FATAL, "num_devices",
				    sb->num_devices, RAIDX_MAX_DEVICES,
				    "device count out of range 1..253");

	bad += validate_base(sb, rep);
	if (!(sb->compat_features & RAIDX_COMPAT_V190)) {
		report(rep, RAIDX_WARNING, "compat_features", 0,
		       RAIDX_COMPAT_V190,
		       "pre-1.9.0 superblock; upgraded on next activation");
		return bad;
	}
	bad += validate_v190(sb, rep);
	return bad + validate_ext(sb, rep);
}

static unsigned int same(const struct raidx_report *rep, const char *field,
			 u64 found, u64 expected, const char *why)
{
	if (found == expected)
		return 0;
	return report(rep, RAIDX_FATAL, field, found, expected, why);
}

/*
 * A takeover writes every superblock once, in the suspended array before
 * any data: a crash during that write leaves legs one event behind that
 * record the shape the freshest leg was taken over from, at the same
 * place, in sync, clean, of the same size.  Their data is what the new
 * level reads, so they are members.  A leg whose write failed is
 * recorded failed by the next superblock write: it is a member too, any
 * number of events behind, and comes back through recovery.
 */
bool raidx_sb_torn_takeover(const struct raidx_sb *ref,
			    const struct raidx_sb *sb)
{
	bool failed = raidx_sb_failed(ref, sb->array_position);
	const struct raidx_shape from = {
		.level = sb->level, .layout = sb->layout,
		.chunk = sb->stripe_sectors, .disks = sb->num_devices,
	};
	const struct raidx_shape to = {
		.level = ref->level, .layout = ref->layout,
		.chunk = ref->stripe_sectors, .disks = ref->num_devices,
	};

	if (sb->level == ref->level || sb->array_position >= ref->num_devices ||
	    !(sb->events + 1 == ref->events ||
	      (failed && sb->events < ref->events)))
		return false;
	if (sb->disk_recovery_offset != RAIDX_MAX_SECTOR ||
	    sb->array_sectors != ref->array_sectors ||
	    sb->sectors != ref->sectors ||
	    (sb->has_ext && (sb->ext_state & RAIDX_EXT_DIRTY)))
		return false;
	return !raidx_takeover_refusal(&from, &to) &&
	       raidx_takeover_supported(&from, &to);
}

bool raidx_sb_stale(const struct raidx_sb *ref, const struct raidx_sb *sb)
{
	if (raidx_sb_detached(sb))
		return true;
	return ref->level && sb->events + 1 < ref->events &&
	       !raidx_sb_failed(ref, sb->array_position) &&
	       !raidx_sb_torn_takeover(ref, sb);
}

/* What a member's events, behind the freshest leg's, make of it. */
static void report_events(const struct raidx_sb *ref,
			  const struct raidx_sb *sb,
			  const struct raidx_report *rep)
{
	if (raidx_sb_stale(ref, sb))
		report(rep, RAIDX_WARNING, "events", sb->events, ref->events,
		       "stale leg, not recorded failed: recovered in full");
	else if (sb->events < ref->events &&
		 raidx_sb_failed(ref, sb->array_position))
		report(rep, RAIDX_WARNING, "events", sb->events, ref->events,
		       "leg recorded failed: recovered from the others");
	else if (sb->events < ref->events)
		report(rep, RAIDX_WARNING, "events", sb->events, ref->events,
		       "one event behind (a superblock write cut short): taken as in sync");
}

unsigned int raidx_sb_validate_member(const struct raidx_sb *ref,
				      const struct raidx_sb *sb,
				      unsigned int pos,
				      const struct raidx_report *rep)
{
	unsigned int bad = 0;

	if (raidx_sb_torn_takeover(ref, sb)) {
		report(rep, RAIDX_WARNING, "level", sb->level, ref->level,
		       "written before a takeover a crash cut short: a member at the new level");
	} else {
		bad += same(rep, "num_devices", sb->num_devices,
			    ref->num_devices,
			    "device count differs from the freshest leg");
		bad += same(rep, "level", sb->level, ref->level,
			    "raid level differs from the freshest leg");
		bad += same(rep, "layout", sb->layout, ref->layout,
			    "layout differs from the freshest leg");
		bad += same(rep, "stripe_sectors", sb->stripe_sectors,
			    ref->stripe_sectors,
			    "chunk differs from the freshest leg");
	}
	/*
	 * md reads every leg at its own data_offset, and the stock target
	 * puts a rebuilt leg at offset 0 whatever the others use: legs may
	 * differ.  raidx_sb_validate() checks each leg's own layout.
	 */
	if (sb->data_offset != ref->data_offset)
		report(rep, RAIDX_WARNING, "data_offset", sb->data_offset,
		       ref->data_offset,
		       "data offset differs from the freshest leg (a rebuilt leg)");

	/* A detached leg goes where the table says. */
	if (!raidx_sb_detached(sb) && sb->array_position != pos) {
		if (raidx_leg_may_move(ref->level, ref->layout,
				       ref->num_devices))
			report(rep, RAIDX_WARNING, "array_position",
			       sb->array_position, pos,
			       "leg moved: raid1/raid10 near take it at its new place");
		else
			bad += report(rep, RAIDX_FATAL, "array_position",
				      sb->array_position, pos,
				      "superblock belongs to another position");
	}
	if (ref->has_ext && sb->has_ext &&
	    memcmp(ref->uuid, sb->uuid, sizeof(sb->uuid)))
		bad += report(rep, RAIDX_FATAL, "ext.uuid", 0, 0,
			      "superblock belongs to another array");
	/* a detached leg is recovered in full whatever its events */
	if (!raidx_sb_detached(sb))
		report_events(ref, sb, rep);
	if (sb->array_sectors != ref->array_sectors &&
	    sb->events == ref->events)
		bad += report(rep, RAIDX_FATAL, "array_sectors",
			      sb->array_sectors, ref->array_sectors,
			      "array size differs at the same events");
	return bad;
}

/*
 * ---- Partial Parity Log header ----
 */
u32 raidx_ppl_signature(const u8 *uuid)
{
	return ~raidx_crc32c(~0U, uuid, 16);
}

static u32 ppl_header_csum(const u8 *buf)
{
	const size_t at = offsetof(struct raidx_disk_ppl_header, checksum);
	static const u8 zero[4];
	u32 crc;

	crc = raidx_crc32c(~0U, buf, at);
	crc = raidx_crc32c(crc, zero, sizeof(zero));
	crc = raidx_crc32c(crc, buf + at + 4, RAIDX_PPL_HEADER_SIZE - at - 4);
	return ~crc;
}

void raidx_ppl_empty_header(void *buf, u32 signature)
{
	struct raidx_disk_ppl_header *h = buf;

	memset(buf, 0, RAIDX_PPL_HEADER_SIZE);
	memset(h->reserved, 0xff, sizeof(h->reserved));
	h->signature = cpu_to_le32(signature);
	h->checksum = cpu_to_le32(ppl_header_csum(buf));
}

/*
 * ---- Read only by the tools ----
 *
 * Checking a bitmap header, proposing a region size for a rewritten
 * bitmap, reading a PPL header: the module has md do these, so they are
 * not built into it.
 */
#ifndef __KERNEL__
/*
 * Smallest power-of-two region (bytes) of at least @least bytes (and at
 * least a sector) that covers @sectors with at most 2^21 bits; 0 if none
 * fits md's u32 chunksize.  What a rewritten bitmap uses and what a
 * check proposes.
 */
u64 raidx_bitmap_region_bytes(u64 sectors, u64 least)
{
	u64 bytes = 512;

	while (bytes < least && bytes <= RAIDX_BITMAP_CHUNK_MAX)
		bytes <<= 1;

	while (bytes <= RAIDX_BITMAP_CHUNK_MAX) {
		u64 region = bytes >> 9;

		if (sectors / region + (sectors % region != 0) <=
		    RAIDX_REGIONS_MAX)
			return bytes;
		bytes <<= 1;
	}
	return 0;
}

/*
 * The same from a superblock: the policy recorded (a journal bit means a
 * journal whatever the extension says; none: the stock target's resync),
 * and no bitmap while the area is marked stale (after PPL, until dm-raidx
 * writes a fresh header).
 */
bool raidx_sb_has_bitmap(const struct raidx_sb *sb)
{
	int policy = RAIDX_POLICY_RESYNC;

	if (sb->incompat_features & RAIDX_INCOMPAT_STALE_BITMAP)
		return false;
	if (sb->incompat_features & RAIDX_INCOMPAT_JOURNAL)
		policy = RAIDX_POLICY_JOURNAL;
	else if (sb->has_ext && sb->consistency_policy < RAIDX_POLICY_COUNT)
		policy = sb->consistency_policy;	/* unknown: keep the area */
	return raidx_has_bitmap(sb->level, policy);
}

/* Bitmap header */
void raidx_bitmap_decode(const void *buf, size_t len,
			 struct raidx_bitmap_sb *bm)
{
	const struct raidx_disk_bitmap_sb *d = buf;

	memset(bm, 0, sizeof(*bm));
	if (len < RAIDX_BITMAP_SB_SIZE)
		return;
	bm->magic = le32_to_cpu(d->magic);
	bm->version = le32_to_cpu(d->version);
	memcpy(bm->uuid, d->uuid, sizeof(bm->uuid));
	bm->events = le64_to_cpu(d->events);
	bm->events_cleared = le64_to_cpu(d->events_cleared);
	bm->sync_size = le64_to_cpu(d->sync_size);
	bm->state = le32_to_cpu(d->state);
	bm->chunksize = le32_to_cpu(d->chunksize);
	bm->daemon_sleep = le32_to_cpu(d->daemon_sleep);
	bm->write_behind = le32_to_cpu(d->write_behind);
	bm->sectors_reserved = le32_to_cpu(d->sectors_reserved);
	bm->nodes = le32_to_cpu(d->nodes);
}

void raidx_bitmap_encode(const struct raidx_bitmap_sb *bm, void *buf,
			 size_t len)
{
	struct raidx_disk_bitmap_sb *d = buf;

	memset(buf, 0, len < RAIDX_BITMAP_SB_SIZE ? len : RAIDX_BITMAP_SB_SIZE);
	if (len < RAIDX_BITMAP_SB_SIZE)
		return;
	d->magic = cpu_to_le32(bm->magic);
	d->version = cpu_to_le32(bm->version);
	memcpy(d->uuid, bm->uuid, sizeof(d->uuid));
	d->events = cpu_to_le64(bm->events);
	d->events_cleared = cpu_to_le64(bm->events_cleared);
	d->sync_size = cpu_to_le64(bm->sync_size);
	d->state = cpu_to_le32(bm->state);
	d->chunksize = cpu_to_le32(bm->chunksize);
	d->daemon_sleep = cpu_to_le32(bm->daemon_sleep);
	d->write_behind = cpu_to_le32(bm->write_behind);
	d->sectors_reserved = cpu_to_le32(bm->sectors_reserved);
	d->nodes = cpu_to_le32(bm->nodes);
}

/*
 * Both from values read off the disk: round up without adding first, so
 * a sync_size near 2^64 cannot wrap to a small count.
 */
u64 raidx_bitmap_regions(const struct raidx_bitmap_sb *bm)
{
	u64 chunk = bm->chunksize >> 9;
	u64 n;

	if (!chunk)
		return 0;
	n = bm->sync_size / chunk;
	return n * chunk == bm->sync_size ? n : n + 1;
}

u64 raidx_bitmap_bytes(const struct raidx_bitmap_sb *bm)
{
	u64 regions = raidx_bitmap_regions(bm);

	return regions / 8 + ((regions & 7) ? 1 : 0);
}

unsigned int raidx_bitmap_validate(const struct raidx_bitmap_sb *bm,
				   u64 dev_sectors,
				   const struct raidx_report *rep)
{
	unsigned int bad = 0;

	if (bm->magic != RAIDX_BITMAP_MAGIC)
		return report(rep, RAIDX_FATAL, "bitmap.magic", bm->magic,
			      RAIDX_BITMAP_MAGIC, "no md bitmap header");
	if (bm->version < RAIDX_BITMAP_MAJOR_LO ||
	    bm->version > RAIDX_BITMAP_MAJOR_CLUSTERED)
		bad += report(rep, RAIDX_FATAL, "bitmap.version", bm->version,
			      RAIDX_BITMAP_MAJOR_HI, "unknown bitmap version");
	if (!is_pow2(bm->chunksize) || bm->chunksize < 512)
		bad += report(rep, RAIDX_FATAL, "bitmap.chunksize",
			      bm->chunksize, 4 << 20,
			      "region size must be a power of 2 bytes >= 512");
	if (bm->events_cleared > bm->events)
		bad += report(rep, RAIDX_FATAL, "bitmap.events_cleared",
			      bm->events_cleared, bm->events,
			      "cleared events ahead of the bitmap events");
	if (dev_sectors && bm->sync_size != dev_sectors)
		bad += report(rep, RAIDX_FATAL, "bitmap.sync_size",
			      bm->sync_size, dev_sectors,
			      "bitmap does not cover the device size");
	if (bm->state & RAIDX_BITMAP_STALE)
		report(rep, RAIDX_WARNING, "bitmap.state", bm->state,
		       bm->state & ~RAIDX_BITMAP_STALE,
		       "bitmap stale: a full resync will follow");
	return bad;
}

bool raidx_ppl_header_valid(const void *buf, u32 signature)
{
	const struct raidx_disk_ppl_header *h = buf;

	return le32_to_cpu(h->checksum) == ppl_header_csum(buf) &&
	       le32_to_cpu(h->signature) == signature;
}
#endif /* !__KERNEL__ */

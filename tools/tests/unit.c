// SPDX-License-Identifier: GPL-2.0
/*
 * unit.c - host unit tests of field validation (through the shared
 * validators), array-level checks and the dump parser.  Prints one line
 * per failure and "N passed, N failed" last.
 */
#include <stdlib.h>
#include <string.h>

#include "raidx-tools.h"

static unsigned int passed, failed;

#define EXPECT(cond, ...) do {						\
		if (cond) {						\
			passed++;					\
		} else {						\
			failed++;					\
			printf("FAIL %s:%d: ", __FILE__, __LINE__);	\
			printf(__VA_ARGS__);				\
			printf("\n");					\
		}							\
	} while (0)

struct seen {
	char fields[32][48];
	unsigned int n, fatal;
};

static void collect(void *ctx, enum raidx_severity sev, const char *field,
		    unsigned long long found, unsigned long long expected,
		    const char *why)
{
	struct seen *s = ctx;

	(void)found; (void)expected; (void)why;
	if (sev == RAIDX_FATAL)
		s->fatal++;
	if (s->n < 32)
		snprintf(s->fields[s->n++], 48, "%s%s",
			 sev == RAIDX_FATAL ? "" : "w:", field);
}

static bool saw(const struct seen *s, const char *f)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->fields[i], f))
			return true;
	return false;
}

static void good_sb(struct raidx_sb *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->magic = RAIDX_SB_MAGIC;
	sb->compat_features = RAIDX_COMPAT_V190;
	sb->num_devices = 3;
	sb->events = 10;
	sb->disk_recovery_offset = RAIDX_MAX_SECTOR;
	sb->array_resync_offset = RAIDX_MAX_SECTOR;
	sb->level = sb->new_level = 5;
	sb->layout = sb->new_layout = RAIDX_ALG_LEFT_SYMMETRIC;
	sb->stripe_sectors = sb->new_stripe_sectors = 128;
	sb->reshape_position = RAIDX_MAX_SECTOR;
	sb->sectors = 1 << 20;
	sb->array_sectors = 2 << 20;
}

/* Mutate one field of a good superblock; the named field must be fatal. */
#define SB_CASE(field_name, stmt) do {					\
		struct raidx_sb sb;					\
		struct seen s = { .n = 0 };				\
		struct raidx_report rep = { collect, &s };		\
		good_sb(&sb);						\
		stmt;							\
		raidx_sb_validate(&sb, &rep);				\
		EXPECT(s.fatal && saw(&s, field_name),			\
		       "sb field %s not reported fatal", field_name);	\
	} while (0)

static void test_sb_fields(void)
{
	struct raidx_sb sb;
	struct seen s = { .n = 0 };
	struct raidx_report rep = { collect, &s };

	good_sb(&sb);
	EXPECT(!raidx_sb_validate(&sb, &rep) && !s.n,
	       "good superblock has findings");
	SB_CASE("magic", sb.magic = 0);
	SB_CASE("compat_features", sb.compat_features = 0x3);
	SB_CASE("incompat_features", sb.incompat_features = 0x80);
	SB_CASE("num_devices", sb.num_devices = 0);
	SB_CASE("num_devices", sb.num_devices = 254);
	SB_CASE("array_position", sb.array_position = 3);
	SB_CASE("level", sb.level = 7);
	SB_CASE("layout", sb.layout = 77);
	SB_CASE("stripe_sectors", sb.stripe_sectors = 100);
	SB_CASE("failed_devices", raidx_sb_set_failed(&sb, 5, true));
	SB_CASE("failed_devices", raidx_sb_set_failed(&sb, 200, true));
	SB_CASE("disk_recovery_offset", sb.disk_recovery_offset = 3 << 20);
	SB_CASE("array_resync_offset", sb.array_resync_offset = 3 << 20);
	SB_CASE("flags", sb.flags = 0x10);
	SB_CASE("reshape_position", sb.flags = RAIDX_SB_RESHAPE_ACTIVE);
	SB_CASE("new_level", sb.new_level = 3);
	SB_CASE("new_layout", sb.new_layout = 99);
	SB_CASE("new_stripe_sectors", sb.new_stripe_sectors = 3);
	SB_CASE("delta_disks", sb.delta_disks = 300);
	SB_CASE("sectors", sb.sectors = 0);
	SB_CASE("array_sectors", sb.array_sectors = 0);
	SB_CASE("array_sectors", sb.array_sectors = 5 << 20);
	SB_CASE("data_offset", sb.data_offset = 3);
	SB_CASE("ext.csum", sb.ext_corrupt = true);
	SB_CASE("ext.magic", sb.incompat_features = RAIDX_INCOMPAT_PPL);
	SB_CASE("ext.consistency_policy",
		(sb.has_ext = true, sb.consistency_policy = 9));
	SB_CASE("ext.journal_mode", (sb.has_ext = true, sb.journal_mode = 9));
	SB_CASE("ext.ppl_size", (sb.has_ext = true,
		sb.consistency_policy = RAIDX_POLICY_PPL,
		sb.incompat_features = RAIDX_INCOMPAT_PPL));

	/* raid10 resyncs in array sectors: past a leg's size is fine. */
	SB_CASE("array_resync_offset", (sb.level = sb.new_level = 10,
		sb.layout = sb.new_layout = 0x102, sb.array_sectors = 3 << 19,
		sb.array_resync_offset = (3 << 19) + 8));
	good_sb(&sb);
	sb.level = sb.new_level = 10;
	sb.layout = sb.new_layout = 0x102;	/* near 2 */
	sb.array_sectors = 3 << 19;		/* 3 legs, 2 copies */
	sb.array_resync_offset = (1 << 20) + 8;
	s.n = s.fatal = 0;
	EXPECT(!raidx_sb_validate(&sb, &rep) && !s.n,
	       "raid10 resync offset inside the array (past a leg) refused: %s",
	       s.n ? s.fields[0] : "-");

	/* Warnings: not fatal. */
	good_sb(&sb);
	sb.events = 0;
	s.n = s.fatal = 0;
	EXPECT(!raidx_sb_validate(&sb, &rep) && saw(&s, "w:events"),
	       "events 0 must warn only");
}

static void test_member(void)
{
	struct raidx_sb ref, sb;
	struct seen s = { .n = 0 };
	struct raidx_report rep = { collect, &s };

	good_sb(&ref);
	sb = ref;
	sb.array_position = 1;
	EXPECT(!raidx_sb_validate_member(&ref, &sb, 1, &rep),
	       "matching member rejected");
	sb.events = 5;
	s.n = s.fatal = 0;
	EXPECT(!raidx_sb_validate_member(&ref, &sb, 1, &rep) &&
	       saw(&s, "w:events"), "stale member must warn");
	sb = ref;
	sb.layout = RAIDX_ALG_RIGHT_SYMMETRIC;
	s.n = s.fatal = 0;
	EXPECT(raidx_sb_validate_member(&ref, &sb, 0, &rep) &&
	       saw(&s, "layout"), "layout mismatch not fatal");
	sb = ref;
	s.n = s.fatal = 0;
	EXPECT(raidx_sb_validate_member(&ref, &sb, 2, &rep) &&
	       saw(&s, "array_position"), "position mismatch not fatal");
	/* A rebuilt leg may hold its data at another offset (stock: 0). */
	sb = ref;
	sb.array_position = 1;
	sb.data_offset = ref.data_offset + 2048;
	s.n = s.fatal = 0;
	EXPECT(!raidx_sb_validate_member(&ref, &sb, 1, &rep) &&
	       saw(&s, "w:data_offset"),
	       "data_offset of a rebuilt leg must warn, not refuse");
}

/*
 * A leg md took out of the array without failing it records position -1
 * (md, dm-raidx and the stock target alike): a member to recover in full
 * at its table position, never the reference at equal events.
 */
static void test_detached(void)
{
	struct raidx_sb ref, sb;
	struct seen s = { .n = 0 };
	struct raidx_report rep = { collect, &s };

	good_sb(&ref);
	sb = ref;
	sb.array_position = RAIDX_POSITION_DETACHED;
	EXPECT(raidx_sb_detached(&sb) && !raidx_sb_detached(&ref),
	       "position -1 is detached, a real position is not");
	EXPECT(!raidx_sb_validate(&sb, &rep), "a detached leg refused alone");
	s.n = s.fatal = 0;
	EXPECT(!raidx_sb_validate_member(&ref, &sb, 2, &rep) && !s.fatal,
	       "a detached leg refused as a member");
	EXPECT(raidx_sb_stale(&ref, &sb),
	       "a detached leg at the same events not recovered in full");
	EXPECT(raidx_sb_fresher(&ref, &sb) && !raidx_sb_fresher(&sb, &ref),
	       "a detached leg preferred to a placed one at equal events");
	sb.events = ref.events + 1;
	EXPECT(raidx_sb_fresher(&sb, &ref),
	       "more events no longer the fresher for a detached leg");
	/* md never takes a raid0 leg out: such a superblock is damage */
	sb = ref;
	sb.level = 0;
	sb.layout = 0;
	sb.array_position = RAIDX_POSITION_DETACHED;
	s.n = s.fatal = 0;
	EXPECT(raidx_sb_validate(&sb, &rep) && saw(&s, "array_position"),
	       "a detached raid0 leg accepted");
}

/*
 * A conversion recorded with no reshape in progress: refused for raid4/5/6
 * (the data may already be in the new geometry); a device delta alone,
 * other levels, a reshape in progress and old superblocks are not it.
 */
static void test_conversion_unfinished(void)
{
	static const struct {
		const char *what;
		int level, layout, chunk, new_level, new_layout, new_chunk;
		int delta, flags;
		u32 compat;
		bool unfinished;
	} cases[] = {
		{ "idle raid5", 5, 2, 128, 5, 2, 128, 0, 0, RAIDX_COMPAT_V190, false },
		{ "device delta only", 5, 2, 128, 5, 2, 128, 1, 0, RAIDX_COMPAT_V190, false },
		{ "new layout", 5, 2, 128, 5, 3, 128, 0, 0, RAIDX_COMPAT_V190, true },
		{ "new chunk", 5, 2, 128, 5, 2, 64, 0, 0, RAIDX_COMPAT_V190, true },
		{ "new level", 5, 2, 128, 6, 18, 128, 0, 0, RAIDX_COMPAT_V190, true },
		{ "raid6 new layout", 6, 8, 128, 6, 9, 128, 0, 0, RAIDX_COMPAT_V190, true },
		{ "raid4 new chunk", 4, 5, 128, 4, 5, 256, 0, 0, RAIDX_COMPAT_V190, true },
		{ "reshape in progress", 5, 2, 128, 5, 3, 128, 0,
		  RAIDX_SB_RESHAPE_ACTIVE, RAIDX_COMPAT_V190, false },
		{ "raid10 new layout", 10, 0x102, 128, 10, 0x103, 128, 0, 0,
		  RAIDX_COMPAT_V190, false },
		{ "raid1 new chunk", 1, 0, 0, 1, 0, 128, 0, 0, RAIDX_COMPAT_V190, false },
		{ "before v1.9.0", 5, 2, 128, 5, 3, 128, 0, 0, 0, false },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct raidx_sb sb;

		good_sb(&sb);
		sb.level = cases[i].level;
		sb.layout = cases[i].layout;
		sb.stripe_sectors = cases[i].chunk;
		sb.new_level = cases[i].new_level;
		sb.new_layout = cases[i].new_layout;
		sb.new_stripe_sectors = cases[i].new_chunk;
		sb.delta_disks = cases[i].delta;
		sb.flags = cases[i].flags;
		sb.compat_features = cases[i].compat;
		EXPECT(raidx_sb_conversion_unfinished(&sb) ==
		       cases[i].unfinished, cases[i].what);
	}
}

/*
 * A takeover's superblock write cut short by a crash: legs one event
 * behind at the old shape are members; anything else still disagrees.
 */
static void test_torn_takeover(void)
{
	struct raidx_sb ref, sb;
	struct seen s = { .n = 0 };
	struct raidx_report rep = { collect, &s };

	/* raid6_ls_6 on 4 legs taken over to raid5_ls on 3 */
	good_sb(&ref);
	ref.events = 11;
	sb = ref;
	sb.events = 10;
	sb.level = sb.new_level = 6;
	sb.layout = sb.new_layout = RAIDX_ALG_LEFT_SYMMETRIC_6;
	sb.num_devices = 4;
	sb.array_position = 2;
	EXPECT(raidx_sb_torn_takeover(&ref, &sb), "raid6 -> raid5: torn");
	EXPECT(!raidx_sb_validate_member(&ref, &sb, 2, &rep) &&
	       saw(&s, "w:level"), "torn takeover member refused");
	/* two events behind: the array ran meanwhile, not a torn write */
	sb.events = 9;
	s.n = s.fatal = 0;
	EXPECT(!raidx_sb_torn_takeover(&ref, &sb) &&
	       raidx_sb_validate_member(&ref, &sb, 2, &rep),
	       "raid6 member 2 events behind accepted");
	/* ... unless the freshest records it failed (its write failed) */
	raidx_sb_set_failed(&ref, 2, true);
	EXPECT(raidx_sb_torn_takeover(&ref, &sb), "failed leg at raid6: member");
	raidx_sb_set_failed(&ref, 2, false);
	/* a leg that was not in sync, dirty, or of another size: not ours */
	sb.events = 10;
	sb.disk_recovery_offset = 4096;
	EXPECT(!raidx_sb_torn_takeover(&ref, &sb), "recovering leg taken");
	sb.disk_recovery_offset = RAIDX_MAX_SECTOR;
	sb.has_ext = true;
	sb.ext_state = RAIDX_EXT_DIRTY;
	EXPECT(!raidx_sb_torn_takeover(&ref, &sb), "dirty leg taken");
	sb.has_ext = false;
	sb.ext_state = 0;
	sb.array_sectors = ref.array_sectors / 2;
	EXPECT(!raidx_sb_torn_takeover(&ref, &sb), "other size taken");
	sb.array_sectors = ref.array_sectors;
	/* a rotation md would misread */
	sb.layout = RAIDX_ALG_RIGHT_ASYMMETRIC_6;
	EXPECT(!raidx_sb_torn_takeover(&ref, &sb), "other rotation taken");
	/* the same event count is no torn write */
	sb.layout = RAIDX_ALG_LEFT_SYMMETRIC_6;
	sb.events = 11;
	EXPECT(!raidx_sb_torn_takeover(&ref, &sb), "same events taken");
	/* raid1 on 2 legs -> raid5 on 2 */
	good_sb(&ref);
	ref.num_devices = 2;
	ref.events = 11;
	sb = ref;
	sb.events = 10;
	sb.level = sb.new_level = 1;
	sb.layout = sb.new_layout = 0;
	sb.stripe_sectors = sb.new_stripe_sectors = 0;
	sb.array_position = 1;
	EXPECT(raidx_sb_torn_takeover(&ref, &sb), "raid1 -> raid5: torn");
	/* raid5_ls on 3 -> raid6_ls_6 on 4 (Q added): a kept leg is torn */
	good_sb(&ref);
	ref.events = 11;
	ref.level = ref.new_level = 6;
	ref.layout = ref.new_layout = RAIDX_ALG_LEFT_SYMMETRIC_6;
	ref.num_devices = 4;
	sb = ref;
	sb.events = 10;
	sb.level = sb.new_level = 5;
	sb.layout = sb.new_layout = RAIDX_ALG_LEFT_SYMMETRIC;
	sb.num_devices = 3;
	sb.array_position = 1;
	EXPECT(raidx_sb_torn_takeover(&ref, &sb), "raid5 -> raid6: torn");
	/* stale: more than one event behind, not failed, not torn */
	good_sb(&ref);
	ref.events = 11;
	sb = ref;
	sb.array_position = 1;
	sb.events = 10;
	EXPECT(!raidx_sb_stale(&ref, &sb), "one event behind taken as stale");
	sb.events = 9;
	EXPECT(raidx_sb_stale(&ref, &sb), "two events behind not stale");
	raidx_sb_set_failed(&ref, 1, true);
	EXPECT(!raidx_sb_stale(&ref, &sb), "failed leg taken as stale");
	raidx_sb_set_failed(&ref, 1, false);
	ref.level = sb.level = 0;
	EXPECT(!raidx_sb_stale(&ref, &sb), "raid0 leg taken as stale");
	/* raid0 -> raid5_n is not made yet, so not taken as torn */
	good_sb(&ref);
	ref.events = 11;
	sb = ref;
	sb.events = 10;
	sb.array_position = 1;
	sb.level = sb.new_level = 0;
	ref.level = ref.new_level = 5;
	ref.layout = RAIDX_ALG_PARITY_N;
	ref.num_devices = 3;
	sb.num_devices = 2;
	sb.stripe_sectors = 128;
	EXPECT(!raidx_sb_torn_takeover(&ref, &sb), "raid0 -> raid5_n taken");
}

static void good_bm(struct raidx_bitmap_sb *bm)
{
	memset(bm, 0, sizeof(*bm));
	bm->magic = RAIDX_BITMAP_MAGIC;
	bm->version = 4;
	bm->events = bm->events_cleared = 10;
	bm->sync_size = 1 << 20;
	bm->chunksize = 1 << 20;
	bm->daemon_sleep = 5;
}

#define BM_CASE(field_name, stmt) do {					\
		struct raidx_bitmap_sb bm;				\
		struct seen s = { .n = 0 };				\
		struct raidx_report rep = { collect, &s };		\
		good_bm(&bm);						\
		stmt;							\
		raidx_bitmap_validate(&bm, 1 << 20, &rep);		\
		EXPECT(s.fatal && saw(&s, field_name),			\
		       "bitmap field %s not reported fatal", field_name); \
	} while (0)

static void test_bitmap(void)
{
	struct raidx_bitmap_sb bm;
	struct seen s = { .n = 0 };
	struct raidx_report rep = { collect, &s };

	good_bm(&bm);
	EXPECT(!raidx_bitmap_validate(&bm, 1 << 20, &rep) && !s.n,
	       "good bitmap has findings");
	EXPECT(raidx_bitmap_regions(&bm) == 512, "regions");
	EXPECT(raidx_bitmap_bytes(&bm) == 64, "bytes");
	/* Sizes near 2^64 must not wrap to a small count (issue 11). */
	bm.sync_size = ~0ULL;
	bm.chunksize = 4096;
	EXPECT(raidx_bitmap_regions(&bm) == 1ULL << 61,
	       "regions of 2^64-1 sectors wrapped: %llu",
	       (unsigned long long)raidx_bitmap_regions(&bm));
	bm.chunksize = 512;
	EXPECT(raidx_bitmap_regions(&bm) == ~0ULL &&
	       raidx_bitmap_bytes(&bm) == 1ULL << 61,
	       "bytes of 2^64-1 regions wrapped: %llu",
	       (unsigned long long)raidx_bitmap_bytes(&bm));
	bm.chunksize = 0;
	EXPECT(!raidx_bitmap_regions(&bm) && !raidx_bitmap_bytes(&bm),
	       "chunksize 0 divides by zero");
	good_bm(&bm);
	BM_CASE("bitmap.magic", bm.magic = 1);
	BM_CASE("bitmap.version", bm.version = 2);
	BM_CASE("bitmap.version", bm.version = 6);
	BM_CASE("bitmap.chunksize", bm.chunksize = 3000);
	BM_CASE("bitmap.chunksize", bm.chunksize = 256);
	BM_CASE("bitmap.events_cleared", bm.events_cleared = 11);
	BM_CASE("bitmap.sync_size", bm.sync_size = 5);
	good_bm(&bm);
	bm.state = RAIDX_BITMAP_STALE;
	s.n = s.fatal = 0;
	EXPECT(!raidx_bitmap_validate(&bm, 1 << 20, &rep) &&
	       saw(&s, "w:bitmap.state"), "stale bitmap must warn only");
}

/*
 * One case table for the array rules the module and the tools share
 * (raidx-format.c): redundancy as md's raid10 enough() and raid5/6
 * max_degraded count it, and where legs may move.  Hand-computed from
 * md's rules, not from the code under test.
 */
static const struct {
	u32 level, layout, disks;
	u32 lost;		/* bit i: leg i missing or out of sync */
	bool enough;
} redundancy_cases[] = {
	{ 0, 0, 2, 0x0, true },
	{ 0, 0, 2, 0x1, false },
	{ 1, 0, 3, 0x3, true },
	{ 1, 0, 3, 0x7, false },
	{ 5, RAIDX_ALG_LEFT_SYMMETRIC, 3, 0x1, true },
	{ 5, RAIDX_ALG_LEFT_SYMMETRIC, 3, 0x3, false },
	{ 6, RAIDX_ALG_ROTATING_ZERO_RESTART, 4, 0x3, true },
	{ 6, RAIDX_ALG_ROTATING_ZERO_RESTART, 4, 0x7, false },
	/* near 2 over 4: mirror sets {0,1} {2,3} */
	{ 10, 0x102, 4, 0x5, true },
	{ 10, 0x102, 4, 0x6, true },
	{ 10, 0x102, 4, 0x3, false },
	{ 10, 0x102, 4, 0xc, false },
	/* near 2 over 3: copies on {0,1} {2,0} {1,2}: any two lost */
	{ 10, 0x102, 3, 0x1, true },
	{ 10, 0x102, 3, 0x5, false },
	{ 10, 0x102, 3, 0x6, false },
	/* far 2 over 4: the far copy is on the next leg, so only
	 * neighbours matter (issue 12: legs 0 and 2 lost runs) */
	{ 10, 0x201, 4, 0x5, true },
	{ 10, 0x201, 4, 0x6, false },
	{ 10, 0x201, 4, 0x9, false },
	/* offset 2 over 4: as far */
	{ 10, 0x10201, 4, 0x5, true },
	{ 10, 0x10201, 4, 0x3, false },
	/* near 3 over 6: sets {0,1,2} {3,4,5} */
	{ 10, 0x103, 6, 0x1b, true },
	{ 10, 0x103, 6, 0x7, false },
	/* far field 0: md refuses the layout */
	{ 10, 0x002, 4, 0x0, false },
};

static const struct {
	u32 level, layout, disks;
	bool may_move;
} move_cases[] = {
	{ 1, 0, 2, true },
	{ 10, 0x102, 4, true },
	{ 10, 0x102, 3, false },
	{ 10, 0x201, 4, false },
	{ 10, 0x10201, 4, false },
	{ 5, RAIDX_ALG_LEFT_SYMMETRIC, 3, false },
	{ 0, 0, 2, false },
};

/* The bitmap region rule: dm-raid's bound of 2^21 regions, 4 MiB floor. */
static void test_region(void)
{
	const u64 big = 16385ULL << 21;
	const char *why;

	EXPECT(raidx_region_default(0) == 8192, "default region of 0");
	EXPECT(raidx_region_default(8192ULL << 21) == 8192,
	       "default region at the bound");
	EXPECT(raidx_region_default(big) == 32768,
	       "default region above the bound: %llu",
	       (unsigned long long)raidx_region_default(big));
	EXPECT(raidx_region_least(big) == 16385, "least region");
	EXPECT(!raidx_region_refusal(big, 128, 16384 * 2), "good region");
	why = raidx_region_refusal(1024, 0, 2048);
	EXPECT(why && strstr(why, "too large"), "region over the length");
	why = raidx_region_refusal(big, 0, 8192);
	EXPECT(why && strstr(why, "too small"), "region under the bound");
	why = raidx_region_refusal(big, 0, 3 * 16384);
	EXPECT(why && strstr(why, "power of 2"), "region not a power of 2");
	why = raidx_region_refusal(big, 65536, 32768);
	EXPECT(why && strstr(why, "chunk size"), "region under the chunk");
}

/* Which arrays have a bitmap: one rule for module and tools. */
static const struct {
	u32 level;
	u32 incompat;
	bool has_ext;
	u32 policy;
	bool bitmap;
} bitmap_cases[] = {
	{ 1, 0, false, 0, true },			/* stock raid1 */
	{ 5, 0, false, 0, true },			/* stock raid5 */
	{ 10, 0, true, RAIDX_POLICY_RESYNC, true },
	{ 0, 0, false, 0, false },			/* raid0 */
	{ 5, RAIDX_INCOMPAT_JOURNAL, true, RAIDX_POLICY_JOURNAL, false },
	{ 5, RAIDX_INCOMPAT_JOURNAL, false, 0, false },	/* bit wins */
	{ 5, RAIDX_INCOMPAT_PPL, true, RAIDX_POLICY_PPL, false },
	{ 5, RAIDX_INCOMPAT_NO_BITMAP, true, RAIDX_POLICY_RESYNC, false },
	{ 6, 0, true, RAIDX_POLICY_RESYNC, true },
	{ 5, 0, true, 9, true },		/* unknown policy: kept */
};

static void test_has_bitmap(void)
{
	struct raidx_sb sb;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bitmap_cases); i++) {
		good_sb(&sb);
		sb.level = bitmap_cases[i].level;
		sb.incompat_features = bitmap_cases[i].incompat;
		sb.has_ext = bitmap_cases[i].has_ext;
		sb.consistency_policy = bitmap_cases[i].policy;
		EXPECT(raidx_sb_has_bitmap(&sb) == bitmap_cases[i].bitmap,
		       "bitmap case %u: expected %d", i,
		       bitmap_cases[i].bitmap);
	}
	EXPECT(!raidx_has_bitmap(1, RAIDX_POLICY_PPL), "raid1 ppl has none");
	EXPECT(raidx_has_bitmap(4, RAIDX_POLICY_RESYNC), "raid4 resync has one");

	/* raid10 resyncs (and its bitmap covers) the array, others a leg. */
	good_sb(&sb);
	EXPECT(raidx_sb_resync_sectors(&sb) == sb.sectors, "raid5 resync size");
	sb.level = 10;
	EXPECT(raidx_sb_resync_sectors(&sb) == sb.array_sectors,
	       "raid10 resync size");

	/* Regions: at least the given size, at most 2^21 of them. */
	EXPECT(raidx_bitmap_region_bytes(1ULL << 20, 512) == 512,
	       "small device keeps 512-byte regions");
	EXPECT(raidx_bitmap_region_bytes((1ULL << 21) + 1, 512) == 1024,
	       "one sector past 2^21 doubles the region");
	EXPECT(raidx_bitmap_region_bytes(1ULL << 20, 4U << 20) == 4U << 20,
	       "a given region is kept when it fits");
	EXPECT(raidx_bitmap_region_bytes(1ULL << 50, 512) == 0,
	       "no u32 region covers 2^50 sectors");
	EXPECT(raidx_bitmap_region_bytes(1ULL << 20, 0) == 512,
	       "a least below a sector is a sector");
	EXPECT(raidx_bitmap_region_bytes(1ULL << 20, 3000) == 4096,
	       "a least that is no power of 2 rounds up");
}

static void test_redundancy(void)
{
	struct raidx_sb sb;
	struct seen s = { .n = 0 };
	struct raidx_report rep = { collect, &s };
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(redundancy_cases); i++) {
		bool lost[32] = { false };

		for (k = 0; k < redundancy_cases[i].disks; k++)
			lost[k] = redundancy_cases[i].lost & (1u << k);
		EXPECT(raidx_legs_enough(redundancy_cases[i].level,
					 redundancy_cases[i].layout,
					 redundancy_cases[i].disks, lost) ==
		       redundancy_cases[i].enough,
		       "raid%u layout 0x%x, %u legs, lost 0x%x: enough %d",
		       redundancy_cases[i].level, redundancy_cases[i].layout,
		       redundancy_cases[i].disks, redundancy_cases[i].lost,
		       redundancy_cases[i].enough);
	}
	for (i = 0; i < ARRAY_SIZE(move_cases); i++)
		EXPECT(raidx_leg_may_move(move_cases[i].level,
					  move_cases[i].layout,
					  move_cases[i].disks) ==
		       move_cases[i].may_move,
		       "raid%u layout 0x%x, %u legs: may move %d",
		       move_cases[i].level, move_cases[i].layout,
		       move_cases[i].disks, move_cases[i].may_move);

	/* The tools judge a moved leg as the module does. */
	good_sb(&sb);
	sb.level = 1;
	sb.layout = 0;
	sb.array_position = 0;
	EXPECT(!raidx_sb_validate_member(&sb, &sb, 1, &rep) &&
	       saw(&s, "w:array_position"),
	       "a moved raid1 leg must warn, not refuse");

	sb.level = 10;
	EXPECT(raidx_sb_resync_sectors(&sb) == sb.array_sectors,
	       "raid10 bitmap covers the array");
	sb.level = 0;
	EXPECT(!raidx_sb_has_bitmap(&sb), "raid0 has no bitmap");
	sb.level = 5;
	sb.incompat_features = RAIDX_INCOMPAT_JOURNAL;
	EXPECT(!raidx_sb_has_bitmap(&sb), "journal array has no bitmap");
}

#define SH(l, lay, d) { l, lay, 128, d }	/* chunk 128 sectors */
#define SHC(l, lay, c, d) { l, lay, c, d }
/* md's raid10 layout words, as the table makes them */
#define R10N(c)	((1 << RAIDX_R10_FAR_SHIFT) | (c))
#define R10F(c)	(RAIDX_R10_USE_FAR_SETS | (c) << RAIDX_R10_FAR_SHIFT | 1)
#define R10O(c)	(RAIDX_R10_OFFSET | RAIDX_R10_USE_FAR_SETS |		\
		 (c) << RAIDX_R10_FAR_SHIFT | 1)
#define LS	RAIDX_ALG_LEFT_SYMMETRIC
#define PN	RAIDX_ALG_PARITY_N

/*
 * Takeovers: allowed only with the leg count, raid10 layout and chunk
 * that keep the data (stricter than the stock target, which checks the
 * level pair and little else).
 */
static const struct {
	struct raidx_shape from, to;
	bool ok;
} takeover_cases[] = {
	/* same level: not a takeover */
	{ SH(5, LS, 3), SH(5, PN, 3), true },
	/* raid0 */
	{ SH(0, 0, 2), SH(5, PN, 3), true },
	{ SH(0, 0, 2), SH(5, PN, 4), false },
	{ SH(0, 0, 2), SH(5, PN, 2), false },
	{ SH(0, 0, 3), SH(6, PN, 5), true },
	{ SH(0, 0, 2), SH(6, PN, 3), false },
	{ SH(0, 0, 2), SHC(5, PN, 256, 3), false },
	{ SH(0, 0, 2), SH(5, RAIDX_ALG_PARITY_0, 3), false },	/* raid4 */
	{ SH(0, 0, 2), SH(5, LS, 3), false },
	{ SH(0, 0, 3), SH(6, RAIDX_ALG_ROTATING_ZERO_RESTART, 5), false },
	{ SH(0, 0, 2), SH(10, R10N(2), 4), true },
	{ SH(0, 0, 2), SH(10, R10N(3), 6), true },
	{ SH(0, 0, 2), SH(10, R10N(2), 6), false },
	{ SH(0, 0, 2), SH(10, R10N(2), 3), false },
	{ SH(0, 0, 2), SH(10, R10N(2), 2), false },
	{ SH(0, 0, 2), SH(10, R10F(2), 4), false },
	{ SH(0, 0, 2), SH(10, R10O(2), 4), false },
	{ SH(0, 0, 2), SHC(10, R10N(2), 64, 4), false },
	{ SH(0, 0, 1), SHC(1, 0, 0, 2), true },
	{ SH(0, 0, 1), SH(5, LS, 2), true },
	{ SH(0, 0, 1), SH(5, LS, 3), false },
	{ SH(0, 0, 2), SHC(1, 0, 0, 2), false },
	/* raid1 */
	{ SHC(1, 0, 0, 2), SH(5, LS, 2), true },
	{ SHC(1, 0, 0, 2), SH(5, RAIDX_ALG_PARITY_0, 2), true },	/* raid4 */
	{ SHC(1, 0, 0, 2), SH(5, LS, 3), false },
	{ SHC(1, 0, 0, 3), SH(5, LS, 3), false },
	{ SHC(1, 0, 0, 3), SH(10, R10N(3), 3), true },
	{ SHC(1, 0, 0, 2), SH(10, R10N(2), 2), true },
	{ SHC(1, 0, 0, 3), SH(10, R10N(2), 3), false },
	{ SHC(1, 0, 0, 2), SH(10, R10N(2), 4), false },
	{ SHC(1, 0, 0, 2), SH(10, R10F(2), 2), false },
	{ SHC(1, 0, 0, 1), SH(0, 0, 1), true },
	{ SHC(1, 0, 0, 1), SH(0, 0, 2), false },
	{ SHC(1, 0, 0, 2), SH(0, 0, 2), false },
	{ SHC(1, 0, 0, 4), SH(6, PN, 4), false },
	/* raid10 */
	{ SH(10, R10N(2), 4), SH(0, 0, 2), true },
	{ SH(10, R10N(2), 4), SH(0, 0, 4), false },
	{ SH(10, R10N(2), 5), SH(0, 0, 2), false },
	{ SH(10, R10N(2), 4), SHC(0, 0, 64, 2), false },
	{ SH(10, R10F(2), 4), SH(0, 0, 4), true },
	{ SH(10, R10F(2), 4), SH(0, 0, 2), false },
	{ SH(10, R10O(2), 4), SH(0, 0, 4), false },
	{ SH(10, R10O(2), 2), SHC(1, 0, 0, 2), false },
	{ SH(10, R10N(2), 2), SHC(1, 0, 0, 2), true },
	{ SH(10, R10F(2), 2), SHC(1, 0, 0, 2), false },
	{ SH(10, R10N(2), 4), SHC(1, 0, 0, 4), false },
	{ SH(10, R10N(2), 2), SH(5, LS, 2), true },
	{ SH(10, R10F(2), 2), SH(5, LS, 2), false },
	{ SH(10, R10N(2), 4), SH(5, LS, 4), false },
	{ SH(10, R10N(2), 4), SH(6, PN, 4), false },
	/* raid5 */
	{ SH(5, PN, 3), SH(0, 0, 2), true },
	{ SH(5, PN, 4), SH(0, 0, 4), false },
	{ SH(5, PN, 3), SHC(0, 0, 64, 2), false },
	{ SH(5, LS, 3), SH(0, 0, 2), false },
	{ SH(5, RAIDX_ALG_PARITY_0, 3), SH(0, 0, 2), true },	/* raid4 */
	{ SH(5, RAIDX_ALG_PARITY_0, 3), SH(0, 0, 3), false },
	{ SH(5, LS, 2), SHC(1, 0, 0, 2), true },
	{ SH(5, LS, 3), SHC(1, 0, 0, 3), false },
	{ SH(5, LS, 2), SH(10, R10N(2), 2), false },	/* stock refuses */
	{ SH(5, PN, 3), SH(6, PN, 4), true },
	{ SH(5, PN, 3), SH(6, PN, 5), false },
	{ SH(5, LS, 3), SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 4), true },
	{ SH(5, LS, 3), SHC(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 64, 4), false },
	{ SH(5, LS, 3), SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 5), false },
	{ SH(5, RAIDX_ALG_LEFT_ASYMMETRIC, 3),
	  SH(6, RAIDX_ALG_LEFT_ASYMMETRIC_6, 4), true },
	{ SH(5, RAIDX_ALG_RIGHT_SYMMETRIC, 3),
	  SH(6, RAIDX_ALG_RIGHT_SYMMETRIC_6, 4), true },
	{ SH(5, RAIDX_ALG_RIGHT_ASYMMETRIC, 3),
	  SH(6, RAIDX_ALG_RIGHT_ASYMMETRIC_6, 4), true },
	/* the stock target allows these; md would misread most stripes */
	{ SH(5, LS, 3), SH(6, RAIDX_ALG_RIGHT_ASYMMETRIC_6, 4), false },
	{ SH(5, RAIDX_ALG_PARITY_0, 3), SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 4),
	  false },
	{ SH(5, PN, 3), SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 4), false },
	/* the stock target refuses it too */
	{ SH(5, LS, 3), SH(6, RAIDX_ALG_ROTATING_ZERO_RESTART, 4), false },
	/* md runs raid6 on 4 legs at least */
	{ SH(5, LS, 2), SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 3), false },
	{ SH(5, PN, 2), SH(6, PN, 3), false },
	{ SH(0, 0, 1), SH(6, PN, 3), false },
	/* raid6 */
	{ SH(6, PN, 4), SH(0, 0, 2), true },
	{ SH(6, PN, 5), SH(0, 0, 4), false },
	{ SH(6, RAIDX_ALG_ROTATING_ZERO_RESTART, 4), SH(0, 0, 2), false },
	{ SH(6, PN, 4), SH(5, PN, 3), true },
	{ SH(6, PN, 5), SH(5, PN, 5), false },
	{ SH(6, PN, 4), SHC(5, PN, 64, 3), false },
	{ SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 4), SH(5, LS, 3), true },
	{ SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 5), SH(5, LS, 3), false },
	{ SH(6, RAIDX_ALG_RIGHT_ASYMMETRIC_6, 4),
	  SH(5, RAIDX_ALG_RIGHT_ASYMMETRIC, 3), true },
	{ SH(6, RAIDX_ALG_ROTATING_ZERO_RESTART, 4), SH(5, LS, 3), false },
	{ SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 4),
	  SH(5, RAIDX_ALG_RIGHT_SYMMETRIC, 3), false },
	{ SH(6, PN, 4), SH(5, RAIDX_ALG_PARITY_0, 3), false },
	{ SH(6, PN, 4), SHC(1, 0, 0, 4), false },
	{ SH(6, PN, 4), SH(10, R10N(2), 4), false },
	/* more shapes */
	{ SH(10, R10N(3), 6), SH(0, 0, 2), true },
	{ SH(10, R10N(2), 2), SH(0, 0, 1), true },
	{ SH(10, R10F(3), 3), SH(0, 0, 3), true },
	{ SH(10, 3 << RAIDX_R10_FAR_SHIFT | 1, 3), SH(0, 0, 3), true },
	{ SHC(1, 0, 0, 3), SH(10, R10N(3), 3), true },
	{ SH(10, R10N(3), 3), SHC(1, 0, 0, 3), true },
	{ SH(5, PN, 2), SH(0, 0, 1), true },
	{ SHC(1, 0, 0, 1), SH(10, R10N(1), 1), false },
	/* md level 4 never comes from dm */
	{ SH(4, 0, 3), SH(5, PN, 3), false },
};

static void test_takeover(void)
{
	const char *why;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(takeover_cases); i++) {
		why = raidx_takeover_refusal(&takeover_cases[i].from,
					     &takeover_cases[i].to);
		EXPECT(!why == takeover_cases[i].ok,
		       "takeover raid%u/0x%x/%u -> raid%u/0x%x/%u: %s",
		       takeover_cases[i].from.level,
		       takeover_cases[i].from.layout,
		       takeover_cases[i].from.disks,
		       takeover_cases[i].to.level,
		       takeover_cases[i].to.layout,
		       takeover_cases[i].to.disks, why ? why : "allowed");
	}
}

/*
 * Where each leg of the new table finds its data after a takeover:
 * recorded legs first .. first + count - 1, or count 0 for a new leg.
 */
static const struct {
	struct raidx_shape from, to;
	unsigned int pos, first, count;
} takeover_legs[] = {
	/* raid0 -> raid5_n / raid6_n_6: parity legs appended */
	{ SH(0, 0, 2), SH(5, PN, 3), 0, 0, 1 },
	{ SH(0, 0, 2), SH(5, PN, 3), 1, 1, 1 },
	{ SH(0, 0, 2), SH(5, PN, 3), 2, 2, 0 },
	{ SH(0, 0, 3), SH(6, PN, 5), 3, 3, 0 },
	{ SH(0, 0, 3), SH(6, PN, 5), 4, 4, 0 },
	/* raid0 -> raid10 near: new mirrors interleaved */
	{ SH(0, 0, 2), SH(10, R10N(2), 4), 0, 0, 1 },
	{ SH(0, 0, 2), SH(10, R10N(2), 4), 1, 1, 0 },
	{ SH(0, 0, 2), SH(10, R10N(2), 4), 2, 1, 1 },
	{ SH(0, 0, 2), SH(10, R10N(2), 4), 3, 3, 0 },
	{ SH(0, 0, 2), SH(10, R10N(3), 6), 3, 1, 1 },
	{ SH(0, 0, 2), SH(10, R10N(3), 6), 5, 5, 0 },
	/* raid0 on 1 leg -> raid1 / raid5 */
	{ SH(0, 0, 1), SHC(1, 0, 0, 3), 0, 0, 1 },
	{ SH(0, 0, 1), SHC(1, 0, 0, 3), 2, 2, 0 },
	{ SH(0, 0, 1), SH(5, LS, 2), 1, 1, 0 },
	/* raid10 near -> raid0: any mirror of the set */
	{ SH(10, R10N(2), 4), SH(0, 0, 2), 0, 0, 2 },
	{ SH(10, R10N(2), 4), SH(0, 0, 2), 1, 2, 2 },
	{ SH(10, R10N(3), 6), SH(0, 0, 2), 1, 3, 3 },
	{ SH(10, R10F(2), 4), SH(0, 0, 4), 3, 3, 1 },
	/* raid4 -> raid0: parity (leg 0) dropped, the others move down */
	{ SH(5, RAIDX_ALG_PARITY_0, 3), SH(0, 0, 2), 0, 1, 1 },
	{ SH(5, RAIDX_ALG_PARITY_0, 3), SH(0, 0, 2), 1, 2, 1 },
	/* raid5_n / raid6_n_6 -> raid0, raid6 -> raid5: last legs dropped */
	{ SH(5, PN, 3), SH(0, 0, 2), 1, 1, 1 },
	{ SH(6, PN, 4), SH(0, 0, 2), 1, 1, 1 },
	{ SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 4), SH(5, LS, 3), 2, 2, 1 },
	/* raid5 -> raid6: Q appended */
	{ SH(5, LS, 3), SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 4), 2, 2, 1 },
	{ SH(5, LS, 3), SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 4), 3, 3, 0 },
	/* same legs, same places */
	{ SHC(1, 0, 0, 2), SH(5, LS, 2), 1, 1, 1 },
	{ SH(5, LS, 2), SHC(1, 0, 0, 2), 1, 1, 1 },
	{ SHC(1, 0, 0, 3), SH(10, R10N(3), 3), 2, 2, 1 },
	{ SH(10, R10N(3), 3), SHC(1, 0, 0, 3), 2, 2, 1 },
	{ SH(10, R10N(2), 2), SH(5, LS, 2), 1, 1, 1 },
};

/* Which takeovers the module makes (the rest are refused as not yet). */
static const struct {
	struct raidx_shape from, to;
	bool made;
} takeovers_made[] = {
	{ SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 4), SH(5, LS, 3), true },
	{ SH(5, LS, 3), SH(6, RAIDX_ALG_LEFT_SYMMETRIC_6, 4), true },
	{ SH(5, PN, 3), SH(6, PN, 4), true },
	{ SHC(1, 0, 0, 2), SH(5, LS, 2), true },
	{ SHC(1, 0, 0, 3), SH(10, R10N(3), 3), true },
	{ SH(0, 0, 2), SH(5, PN, 3), false },
	{ SH(0, 0, 2), SH(10, R10N(2), 4), false },
	{ SH(10, R10N(2), 4), SH(0, 0, 2), false },
	{ SH(5, RAIDX_ALG_PARITY_0, 3), SH(0, 0, 2), false },
	{ SH(6, PN, 4), SH(0, 0, 2), false },
};

static void test_takeovers_made(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(takeovers_made); i++)
		EXPECT(raidx_takeover_supported(&takeovers_made[i].from,
						&takeovers_made[i].to) ==
		       takeovers_made[i].made,
		       "takeover raid%u/%u -> raid%u/%u: made %d",
		       takeovers_made[i].from.level,
		       takeovers_made[i].from.disks,
		       takeovers_made[i].to.level, takeovers_made[i].to.disks,
		       takeovers_made[i].made);
}

static void test_takeover_legs(void)
{
	unsigned int i, first, count;

	for (i = 0; i < ARRAY_SIZE(takeover_legs); i++) {
		EXPECT(!raidx_takeover_refusal(&takeover_legs[i].from,
					       &takeover_legs[i].to),
		       "takeover_legs[%u]: not an allowed takeover", i);
		raidx_takeover_leg(&takeover_legs[i].from, &takeover_legs[i].to,
				   takeover_legs[i].pos, &first, &count);
		EXPECT(count == takeover_legs[i].count &&
		       (!count || first == takeover_legs[i].first),
		       "takeover raid%u/%u -> raid%u/%u leg %u: got %u+%u, want %u+%u",
		       takeover_legs[i].from.level, takeover_legs[i].from.disks,
		       takeover_legs[i].to.level, takeover_legs[i].to.disks,
		       takeover_legs[i].pos, first, count,
		       takeover_legs[i].first, takeover_legs[i].count);
	}
}

/* Legs that hold parity only: what a rebuild may recompute after a crash. */
static const struct {
	u32 level, layout, disks, pos;
	bool parity;
} only_parity[] = {
	{ 5, PN, 4, 3, true },
	{ 5, PN, 4, 2, false },
	{ 5, RAIDX_ALG_PARITY_0, 4, 0, true },	/* raid4 */
	{ 5, RAIDX_ALG_PARITY_0, 4, 3, false },
	{ 5, LS, 4, 3, false },			/* rotating */
	{ 6, PN, 5, 3, true },			/* P */
	{ 6, PN, 5, 4, true },			/* Q */
	{ 6, PN, 5, 2, false },
	{ 6, RAIDX_ALG_LEFT_SYMMETRIC_6, 5, 4, true },
	{ 6, RAIDX_ALG_LEFT_SYMMETRIC_6, 5, 3, false },	/* rotating P */
	{ 6, RAIDX_ALG_ROTATING_ZERO_RESTART, 5, 4, false },
	{ 1, 0, 2, 1, false },			/* copies */
};

static void test_only_parity(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(only_parity); i++)
		EXPECT(raidx_leg_only_parity(only_parity[i].level,
					     only_parity[i].layout,
					     only_parity[i].disks,
					     only_parity[i].pos) ==
		       only_parity[i].parity,
		       "raid%u/0x%x on %u legs, leg %u: parity only %d",
		       only_parity[i].level, only_parity[i].layout,
		       only_parity[i].disks, only_parity[i].pos,
		       only_parity[i].parity);
}

/* Where a crash while degraded can tear a stripe (the write hole). */
static const struct {
	u32 level, disks;
	bool hole;
} write_holes[] = {
	{ 1, 2, false }, { 1, 3, false }, { 10, 4, false }, { 0, 3, false },
	{ 4, 2, false }, { 5, 2, false }, { 4, 3, true }, { 5, 3, true },
	{ 5, 8, true }, { 6, 4, true }, { 6, 5, true },
};

static void test_write_hole(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(write_holes); i++)
		EXPECT(raidx_write_hole(write_holes[i].level,
					write_holes[i].disks) ==
		       write_holes[i].hole,
		       "raid%u on %u legs: write hole %d",
		       write_holes[i].level, write_holes[i].disks,
		       write_holes[i].hole);
}

static const char *const bad_dumps[] = {
	"",
	"<",
	"<raid_metadata version=\"1\" nr_legs=\"1\">",
	"<raid_metadata version=\"2\" nr_legs=\"1\"/>",
	"<raid_metadata version=\"1\" nr_legs=\"0\"/>",
	"<raid_metadata version=\"1\" nr_legs=\"1\"/>",
	"<raid_metadata version=\"1\" nr_legs=\"1\"><leg size=\"1\"/>"
	"</raid_metadata>",
	"<raid_metadata version=\"1\" nr_legs=\"1\">text</raid_metadata>",
	"<x version=\"1\" nr_legs=\"1\"/>",
	"{\"raid_metadata\": {\"version\": 1, \"nr_legs\": 1}}",
	"{\"raid_metadata\": {\"version\": 1.5}}",
	"{\"raid_metadata\": {\"version\": 1, \"nr_legs\": 1,",
	"{\"a\":{}, \"b\":{}}",
	"<raid_metadata version=\"1\" nr_legs=\"1\"><leg missing=\"1\"/>"
	"</raid_metadata> trailing",
	/* issue 11: refused, not ignored */
	"<raid_metadata version=\"1\" nr_legs=\"1\"><leg missing=\"0\"/>"
	"</raid_metadata>",
	"<raid_metadata version=\"1\" nr_legs=\"1\" nr_legs=\"1\">"
	"<leg missing=\"1\"/></raid_metadata>",
	"<raid_metadata version=\"1\" nr_legs=\"1\" x=\"1\">"
	"<leg missing=\"1\"/></raid_metadata>",
	"<raid_metadata version=\"1\" nr_legs=\"1\"><leg missing=\"1\"/>"
	"<other/></raid_metadata>",
	"<raid_metadata version=\"1\" nr_legs=\"1\"><leg missing=\"1\">"
	"<superblock/></leg></raid_metadata>",
};

static void test_parser(void)
{
	char err[256];
	size_t i;
	struct rx_array *a;

	for (i = 0; i < sizeof(bad_dumps) / sizeof(bad_dumps[0]); i++) {
		err[0] = '\0';
		a = rx_parse(bad_dumps[i], strlen(bad_dumps[i]), err,
			     sizeof(err));
		EXPECT(!a && err[0], "bad dump %zu accepted", i);
		rx_array_free(a);
	}
	static const char ok[] = "<raid_metadata version=\"1\" nr_legs=\"1\">"
		"<leg index=\"0\" device=\"-\" missing=\"1\"/>"
		"</raid_metadata>";

	a = rx_parse(ok, strlen(ok), err, sizeof(err));
	EXPECT(a && a->nr == 1 && a->legs[0].missing, "missing leg: %s",
	       a ? "" : err);
	rx_array_free(a);
}

/* crc32c against RFC 3720 vectors; md's PPL header as md writes it. */
static void test_ppl(void)
{
	static const unsigned char zeros[32];
	unsigned char hdr[RAIDX_PPL_HEADER_SIZE], uuid[16];
	struct raidx_sb sb;
	unsigned int i, ff = 0;
	u32 sig;

	EXPECT(~raidx_crc32c(~0U, "123456789", 9) == 0xE3069283,
	       "crc32c(123456789)");
	EXPECT(~raidx_crc32c(~0U, zeros, 32) == 0x8A9136AA,
	       "crc32c(32 zero bytes)");

	for (i = 0; i < 16; i++)
		uuid[i] = i * 17;
	sig = raidx_ppl_signature(uuid);
	EXPECT(sig == ~raidx_crc32c(~0U, uuid, 16), "signature is ~crc32c(uuid)");
	raidx_ppl_empty_header(hdr, sig);
	for (i = 0; i < RAIDX_PPL_HDR_RESERVED; i++)
		ff += hdr[i] == 0xff;
	EXPECT(ff == RAIDX_PPL_HDR_RESERVED, "reserved bytes 0xff");
	EXPECT(le32toh(*(u32 *)(hdr + 512)) == sig, "signature at byte 512");
	EXPECT(!memcmp(hdr + 516, zeros, 16), "padding, generation, entries zero");
	EXPECT(!memcmp(hdr + 536, zeros, 32), "no entries");
	EXPECT(raidx_ppl_header_valid(hdr, sig), "empty header valid");
	EXPECT(!raidx_ppl_header_valid(hdr, sig + 1), "other array's signature");
	hdr[4000] ^= 1;
	EXPECT(!raidx_ppl_header_valid(hdr, sig), "flipped bit caught");

	memset(&sb, 0, sizeof(sb));
	sb.level = 5;
	EXPECT(raidx_sb_has_bitmap(&sb), "raid5 resync has a bitmap");
	sb.incompat_features = RAIDX_INCOMPAT_NO_BITMAP;
	EXPECT(!raidx_sb_has_bitmap(&sb), "no bitmap after a runtime switch");
	sb.incompat_features = RAIDX_INCOMPAT_PPL;
	EXPECT(!raidx_sb_has_bitmap(&sb), "no bitmap with PPL");
}

int main(void)
{
	rx_quiet = true;
	test_sb_fields();
	test_member();
	test_detached();
	test_conversion_unfinished();
	test_bitmap();
	test_region();
	test_has_bitmap();
	test_redundancy();
	test_takeover();
	test_takeover_legs();
	test_torn_takeover();
	test_only_parity();
	test_write_hole();
	test_takeovers_made();
	test_parser();
	test_ppl();
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * repair.c - raid_repair: rebuild consistent metadata from what survives.
 *
 * How the stock target reads what we write (dm-raid.c):
 *  - super_load() picks the superblock with the highest events as the
 *    freshest; a device without magic is "new" and refused unless the
 *    table says rebuild, so we never leave a leg without magic.
 *  - super_validate(): disk_recovery_offset != MaxSector clears In_sync
 *    and md recovers the leg from that offset: 0 means fully.
 *  - super_init_validation(): a failed bit in the freshest superblock
 *    makes the leg Faulty, then super_validate() turns that into a
 *    bitmap-based partial recovery (saved_raid_disk set).  For a leg whose
 *    own superblock was lost that partial recovery cannot be trusted, so
 *    rebuilt legs get recovery offset 0 and a clear failed bit.
 *  - md_bitmap_read_sb() refuses a bitmap with bad magic, which fails the
 *    activation; BITMAP_STALE (or events behind the array) makes
 *    md_bitmap_init_from_disk() dirty every bit; a dirty bit is only
 *    resynced when recovery_cp (array_resync_offset) is below MaxSector.
 *  - raid5_run() refuses a degraded array with recovery_cp != MaxSector,
 *    because dm-raid does not set ok_start_degraded.
 */
#include <stdlib.h>
#include <string.h>

#include "raidx-tools.h"

enum leg_fate {
	FATE_KEEP,	/* agrees with the reference: keep its sync state */
	FATE_PARTIAL,	/* stale but marked failed: bitmap recovery */
	FATE_REBUILD,	/* lost its superblock: full recovery */
	FATE_ABSENT,	/* no input; no output either */
};

static const char *const fate_name[] = {
	[FATE_KEEP] = "keep", [FATE_PARTIAL] = "partial recovery",
	[FATE_REBUILD] = "full rebuild", [FATE_ABSENT] = "absent",
};

struct repair {
	struct rx_array *in;
	char **out;
	unsigned int nout;
	bool clear_stale_failed;
	int ref;			/* index of the reference leg */
	enum leg_fate fate[RAIDX_MAX_DEVICES];
	struct rx_array *res;		/* what gets written */
	struct rx_outs outs;		/* opened before the first write */
};

/* Print validator findings as the reasons for a decision. */
struct explain {
	const char *dev;
	unsigned int leg;
};

static void explain_finding(void *ctx, enum raidx_severity sev,
			    const char *field, unsigned long long found,
			    unsigned long long expected, const char *why)
{
	const struct explain *x = ctx;
	char f[32], e[32];

	if (sev != RAIDX_FATAL)
		return;
	rx_format_value(f, sizeof(f), field, found);
	rx_format_value(e, sizeof(e), field, expected);
	rx_info("%s: field %s: found %s, expected %s (%s) [leg %u %s]",
		x->dev, field, f, e, why, x->leg, rx_structure(field));
}

/*
 * Legs of one array.  The data offset is not part of it: md reads each
 * leg at its own (the stock target puts a rebuilt leg at 0), as
 * raidx_sb_validate_member() says; a kept leg keeps its own offsets.
 */
static bool same_geometry(const struct raidx_sb *a, const struct raidx_sb *b)
{
	return a->num_devices == b->num_devices && a->level == b->level &&
	       a->layout == b->layout &&
	       a->stripe_sectors == b->stripe_sectors &&
	       a->has_ext == b->has_ext &&
	       (!a->has_ext || !memcmp(a->uuid, b->uuid, 16));
}

/*
 * The reference: the freshest superblock of the largest group of valid
 * legs sharing a geometry (ties go to the group holding the freshest).
 */
static int pick_reference(struct rx_array *a)
{
	unsigned int i, j, best_n = 0;
	int best = -1;

	for (i = 0; i < a->nr; i++) {
		unsigned int n = 0;
		int fresh = -1;

		if (!a->legs[i].sb_valid)
			continue;
		for (j = 0; j < a->nr; j++) {
			if (!a->legs[j].sb_valid ||
			    !same_geometry(&a->legs[i].sb, &a->legs[j].sb))
				continue;
			n++;
			if (fresh < 0 || raidx_sb_fresher(&a->legs[j].sb,
							  &a->legs[fresh].sb))
				fresh = j;
		}
		if (n > best_n || (n == best_n && best >= 0 &&
				   raidx_sb_fresher(&a->legs[fresh].sb,
						    &a->legs[best].sb))) {
			best_n = n;
			best = fresh;
		}
	}
	if (best >= 0)
		rx_info("reference: leg %d (%s), events %llu; %u of %u legs "
			"agree on its geometry", best, a->legs[best].path,
			(unsigned long long)a->legs[best].sb.events, best_n,
			a->nr);
	return best;
}

static void validate_inputs(struct rx_array *a)
{
	unsigned int i;

	for (i = 0; i < a->nr; i++) {
		struct rx_leg *l = &a->legs[i];
		struct explain x = { l->path, i };
		struct raidx_report rep = { explain_finding, &x };

		if (l->missing)
			continue;
		l->sb_valid = !rx_sb_validate(&l->sb, &rep);
	}
}

static enum leg_fate decide(struct repair *rp, unsigned int i)
{
	struct rx_leg *l = &rp->in->legs[i];
	const struct raidx_sb *ref = &rp->in->legs[rp->ref].sb;
	struct explain x = { l->path, i };
	struct raidx_report rep = { explain_finding, &x };
	bool has_out = i < rp->nout && strcmp(rp->out[i], "-");

	if (l->missing || !l->readable) {
		if (!has_out)
			return FATE_ABSENT;
		rx_info("leg %u: no input; the new device %s gets a superblock "
			"and is rebuilt fully", i, rp->out[i]);
		return FATE_REBUILD;
	}
	if (!l->sb_valid) {
		rx_info("leg %u (%s): superblock invalid (reasons above): "
			"full rebuild", i, l->path);
		return FATE_REBUILD;
	}
	if (!same_geometry(ref, &l->sb) ||
	    raidx_sb_validate_member(ref, &l->sb, i, &rep)) {
		rx_info("leg %u (%s): superblock disagrees with the reference "
			"(another array or position): full rebuild", i,
			l->path);
		return FATE_REBUILD;
	}
	if (raidx_sb_detached(&l->sb)) {
		rx_info("leg %u (%s): taken out of the array by md without "
			"being failed (position -1): full rebuild", i,
			l->path);
		return FATE_REBUILD;
	}
	if (l->sb.events < ref->events) {
		if (raidx_sb_failed(ref, i)) {
			rx_info("leg %u (%s): stale (events %llu < %llu) and "
				"marked failed: the kernel recovers it from "
				"the bitmap (in full if it failed in a "
				"recovery)", i, l->path,
				(unsigned long long)l->sb.events,
				(unsigned long long)ref->events);
			return FATE_PARTIAL;
		}
		rx_info("leg %u (%s): stale (events %llu < %llu) but not "
			"marked failed: the kernel would trust it; full "
			"rebuild", i, l->path,
			(unsigned long long)l->sb.events,
			(unsigned long long)ref->events);
		return FATE_REBUILD;
	}
	return FATE_KEEP;
}

/* --clear-stale-failed: only when every leg is present and agrees. */
static int clear_failed(struct repair *rp, struct raidx_sb *sb)
{
	const struct raidx_sb *ref = &rp->in->legs[rp->ref].sb;
	unsigned int i, refuse = 0;

	for (i = 0; i < rp->in->nr; i++) {
		const struct rx_leg *l = &rp->in->legs[i];

		if (rp->fate[i] != FATE_KEEP) {
			rx_info("--clear-stale-failed: leg %u (%s) is %s, "
				"not intact", i, l->path,
				l->missing ? "missing" : fate_name[rp->fate[i]]);
			refuse++;
		} else if (l->sb.events != ref->events) {
			rx_info("--clear-stale-failed: leg %u events %llu "
				"differ from %llu", i,
				(unsigned long long)l->sb.events,
				(unsigned long long)ref->events);
			refuse++;
		}
	}
	if (refuse) {
		rx_info("--clear-stale-failed: refusing: the failed bits may "
			"be real; nothing written");
		return -1;
	}
	for (i = 0; i < RAIDX_FAILED_WORDS; i++)
		if (sb->failed[i])
			rx_info("--clear-stale-failed: clearing failed bits "
				"word %u (0x%llx): all legs agree at events "
				"%llu", i, (unsigned long long)sb->failed[i],
				(unsigned long long)ref->events);
	memset(sb->failed, 0, sizeof(sb->failed));
	return 0;
}

/* A bitmap that md would load for this array, or NULL. */
static const struct rx_leg *pick_bitmap(struct repair *rp)
{
	const struct raidx_sb *ref = &rp->in->legs[rp->ref].sb;
	const struct rx_leg *best = NULL;
	unsigned int i;

	for (i = 0; i < rp->in->nr; i++) {
		const struct rx_leg *l = &rp->in->legs[i];
		struct explain x = { l->path, i };
		struct raidx_report rep = { explain_finding, &x };

		if (rp->fate[i] != FATE_KEEP)
			continue;
		if (!l->has_bitmap || !l->bits ||
		    raidx_bitmap_validate(&l->bm, raidx_sb_resync_sectors(ref),
					  &rep) || !l->bm.daemon_sleep) {
			rx_info("leg %u (%s): bitmap unusable", i, l->path);
			continue;
		}
		if (!best || l->bm.events > best->bm.events)
			best = l;
	}
	return best;
}

static int fresh_bitmap(struct repair *rp, struct rx_leg *o,
			bool degraded)
{
	const struct raidx_sb *ref = &rp->in->legs[rp->ref].sb;
	unsigned long long sync = raidx_sb_resync_sectors(ref);
	u32 chunk = RX_DEFAULT_REGION_BYTES;
	unsigned long long region;
	unsigned int i;

	/* Keep a surviving region size if any header still has one. */
	for (i = 0; i < rp->in->nr; i++) {
		u32 c = rp->in->legs[i].bm.chunksize;

		if (rp->in->legs[i].has_bitmap &&
		    rp->in->legs[i].bm.magic == RAIDX_BITMAP_MAGIC &&
		    c >= 512 && !(c & (c - 1))) {
			chunk = c;
			break;
		}
	}
	/* At most 2^21 regions, of at most 2 GiB (md's u32 chunksize) */
	region = raidx_bitmap_region_bytes(sync, chunk);
	if (!region) {
		rx_err("bitmap: %llu sectors per device need more than 2^21 "
		       "regions of the largest region size (2 GiB): "
		       "refusing to write a bitmap md cannot use", sync);
		return -1;
	}
	chunk = region;
	memset(&o->bm, 0, sizeof(o->bm));
	o->bm.magic = RAIDX_BITMAP_MAGIC;
	o->bm.version = RAIDX_BITMAP_MAJOR_HI;
	o->bm.events = ref->events;
	o->bm.events_cleared = ref->events;
	o->bm.sync_size = sync;
	o->bm.state = RAIDX_BITMAP_STALE;
	o->bm.chunksize = chunk;
	o->bm.daemon_sleep = 5;
	o->has_bitmap = true;
	rx_leg_set_bits(o, NULL, raidx_bitmap_bytes(&o->bm));
	if (o->bits)
		memset(o->bits, 0xff, o->nbits_bytes);
	(void)degraded;
	return 0;
}

static bool is_degraded(struct repair *rp)
{
	unsigned int i;

	for (i = 0; i < rp->in->nr; i++)
		if (rp->fate[i] != FATE_KEEP)
			return true;
	return false;
}

/* Build the output array from the reference and the decisions. */
static int build(struct repair *rp)
{
	const struct raidx_sb *ref = &rp->in->legs[rp->ref].sb;
	struct raidx_sb sb = *ref;
	const struct rx_leg *src = NULL;
	bool bitmap = raidx_sb_has_bitmap(ref), degraded = is_degraded(rp);
	unsigned int i;

	if (rp->clear_stale_failed && clear_failed(rp, &sb))
		return -1;
	if (bitmap) {
		src = pick_bitmap(rp);
		if (src) {
			rx_info("bitmap: copying the one of %s (events %llu) "
				"to every leg", src->path,
				(unsigned long long)src->bm.events);
		} else {
			rx_info("bitmap: none usable; writing a new one with "
				"every region dirty and the stale flag set");
			if (!degraded || ref->level == 1 || ref->level == 10) {
				rx_info("bitmap: array_resync_offset set to 0 "
					"so md resyncs the whole array");
				sb.array_resync_offset = 0;
			} else {
				rx_info("bitmap: array degraded: leaving "
					"array_resync_offset (md refuses to "
					"start a dirty degraded raid%u); "
					"rebuilt legs are recovered fully "
					"anyway", ref->level);
			}
		}
	}

	for (i = 0; i < rp->res->nr; i++) {
		struct rx_leg *o = &rp->res->legs[i];
		const struct rx_leg *l = &rp->in->legs[i];

		o->path = i < rp->nout ? rp->out[i] : "-";
		o->missing = !strcmp(o->path, "-");
		o->sb = sb;
		o->sb.array_position = i;
		switch (rp->fate[i]) {
		case FATE_KEEP:
		case FATE_PARTIAL:
			/* Its data and log stay where they are. */
			o->sb.disk_recovery_offset =
				l->sb.disk_recovery_offset;
			o->sb.data_offset = l->sb.data_offset;
			o->sb.new_data_offset = l->sb.new_data_offset;
			o->sb.ppl_sector = l->sb.ppl_sector;
			o->sb.ppl_size = l->sb.ppl_size;
			break;
		case FATE_REBUILD:
			o->sb.disk_recovery_offset = 0;
			raidx_sb_set_failed(&o->sb, i, false);
			break;
		case FATE_ABSENT:
			break;
		}
		if (!bitmap || o->missing)
			continue;
		if (src) {
			o->bm = src->bm;
			o->has_bitmap = true;
			rx_leg_set_bits(o, src->bits, src->nbits_bytes);
		} else if (fresh_bitmap(rp, o, degraded)) {
			return -1;
		}
		if (!o->bits)
			return -1;
	}
	return 0;
}

/* Would the kernel start this?  Enough legs must be in sync. */
static int check_redundancy(struct repair *rp)
{
	const struct raidx_sb *ref = &rp->res->legs[0].sb;
	bool lost[RAIDX_MAX_DEVICES + 1] = { false };
	unsigned int i;

	for (i = 0; i < rp->res->nr; i++) {
		const struct raidx_sb *sb = &rp->res->legs[i].sb;

		lost[i] = rp->fate[i] == FATE_ABSENT ||
			  raidx_sb_failed(sb, i) ||
			  sb->disk_recovery_offset != RAIDX_MAX_SECTOR;
	}
	if (raidx_legs_enough(ref->level, ref->layout, ref->num_devices, lost))
		return 0;
	rx_info("refusing: too few legs in sync to recover the others "
		"(raid%u tolerates %u)%s", ref->level,
		raidx_redundancy(ref->level, ref->layout, ref->num_devices),
		rp->clear_stale_failed ? "" :
		"; if every leg is intact and only the failed bits are "
		"stale, see --clear-stale-failed");
	return -1;
}

/*
 * The shared pre-flight, with every input named (even one that could not
 * be read) so that none of them is ever written.
 */
static int check_outputs(struct repair *rp)
{
	struct rx_ident *ins = calloc(rp->in->nr + 1, sizeof(*ins));
	char (*what)[32] = calloc(rp->in->nr + 1, sizeof(*what));
	unsigned int i, nin = 0;
	int r = RX_EXIT_PROBLEMS;

	if (!ins || !what)
		goto out;
	for (i = 0; i < rp->in->nr; i++) {
		const struct rx_leg *l = &rp->in->legs[i];

		if (!strcmp(l->path, "-"))
			continue;
		snprintf(what[nin], sizeof(what[nin]), "leg %u", i);
		ins[nin].what = what[nin];
		ins[nin].path = l->path;
		ins[nin].have_st = l->have_st;
		ins[nin].st = l->st;
		nin++;
	}
	r = rx_outs_open(&rp->outs, rp->res, rp->out, rp->nout, ins, nin);
out:
	free(ins);
	free(what);
	return r;
}

/* Re-read what was written and check it, as raid_check would. */
static int verify(void *ctx)
{
	struct repair *rp = ctx;
	struct rx_check_opts o = { true };
	struct rx_array *v = rx_array_new(rp->res->nr);
	unsigned int warn;
	int r = -1;

	if (!v)
		return -1;
	if (rx_read_array(v, rp->out, rp->nout))
		goto out;
	if (rx_check_array(v, &warn, &o)) {
		rx_err("the repaired metadata does not validate (see above)");
		goto out;
	}
	r = 0;
out:
	rx_array_free(v);
	return r;
}

static int repair(struct repair *rp)
{
	unsigned int i;
	int r;

	validate_inputs(rp->in);
	rp->ref = pick_reference(rp->in);
	if (rp->ref < 0) {
		rx_err("no valid superblock on any input: the geometry cannot "
		       "be recovered");
		return RX_EXIT_PROBLEMS;
	}
	if (rp->in->legs[rp->ref].sb.flags & RAIDX_SB_RESHAPE_ACTIVE) {
		rx_err("the array is reshaping; repair would lose the reshape "
		       "position's meaning: refusing");
		return RX_EXIT_PROBLEMS;
	}
	if (rp->in->nr != rp->in->legs[rp->ref].sb.num_devices) {
		rx_err("%u input legs given; the array has %u", rp->in->nr,
		       rp->in->legs[rp->ref].sb.num_devices);
		return RX_EXIT_USAGE;
	}
	for (i = 0; i < rp->in->nr; i++) {
		rp->fate[i] = decide(rp, i);
		if (rp->fate[i] == FATE_KEEP)
			rx_info("leg %u (%s): agrees with the reference: "
				"kept", i, rp->in->legs[i].path);
	}
	rp->res = rx_array_new(rp->in->nr);
	if (!rp->res)
		return RX_EXIT_PROBLEMS;
	if (build(rp) || check_redundancy(rp))
		return RX_EXIT_PROBLEMS;
	r = check_outputs(rp);
	if (r)
		return r;
	if (rx_outs_commit(&rp->outs, rp->res, verify, rp))
		return RX_EXIT_PROBLEMS;
	rx_info("repaired metadata written to %u device%s", rp->nout,
		rp->nout == 1 ? "" : "s");
	return RX_EXIT_OK;
}

static void repair_usage(FILE *f)
{
	fprintf(f, "Usage: raid_repair [options] -i DEV... -o DEV...\n"
		"Rebuild consistent metadata for one dm-raid array from the "
		"input metadata\ndevices (table order, '-' for a missing leg) "
		"onto as many new output\ndevices.  Inputs are only read; every "
		"decision is explained on stderr.\n"
		"Options:\n"
		"  -i, --input DEV...        damaged metadata devices\n"
		"  -o, --output DEV...       new metadata devices\n"
		"      --clear-stale-failed  clear failed-device bits when every "
		"leg is\n"
		"                            present, valid and agrees\n");
	rx_usage_common(f);
}

int cmd_repair(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "clear-stale-failed", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	struct rx_getopt g = { "-i:o:", opts, repair_usage };
	struct repair rp = { 0 };
	char **in = calloc(argc + 1, sizeof(*in));
	unsigned int nin = 0, i, j;
	char **cur = NULL;
	unsigned int *ncur = NULL;
	int c, r = RX_EXIT_USAGE;

	rp.out = calloc(argc + 1, sizeof(*rp.out));
	if (!in || !rp.out)
		goto out;
	while ((c = rx_getopt(&g, argc, argv, &r)) != RX_OPT_END) {
		switch (c) {
		case RX_OPT_EXIT:
			goto out;
		case 'C':
			rp.clear_stale_failed = true;
			break;
		case 'i':
			cur = in;
			ncur = &nin;
			in[nin++] = optarg;
			break;
		case 'o':
			cur = rp.out;
			ncur = &rp.nout;
			rp.out[rp.nout++] = optarg;
			break;
		case 1:
			if (!cur) {
				rx_err("unexpected argument '%s'", optarg);
				r = RX_EXIT_USAGE;
				goto out;
			}
			cur[(*ncur)++] = optarg;
			break;
		}
	}
	r = RX_EXIT_USAGE;
	if (!nin || nin != rp.nout || nin > RAIDX_MAX_DEVICES) {
		rx_err("need as many -o devices as -i devices (got %u and %u)",
		       nin, rp.nout);
		if (!rx_quiet)
			repair_usage(stderr);
		goto out;
	}
	rp.in = rx_array_new(nin);
	if (!rp.in) {
		r = RX_EXIT_PROBLEMS;
		goto out;
	}
	/* Unreadable inputs are what repair exists for: treat as missing. */
	for (i = 0; i < nin; i++) {
		struct rx_leg *l = &rp.in->legs[i];

		l->path = in[i];
		l->missing = !strcmp(in[i], "-");
		if (!l->missing && rx_read_leg(l)) {
			if (l->have_st && !S_ISREG(l->st.st_mode) &&
			    !S_ISBLK(l->st.st_mode))
				goto out;	/* a FIFO is a usage error */
			rx_info("leg %u (%s): unreadable: treated as missing",
				i, in[i]);
			l->missing = true;
		}
		/* By name too: an input that could not be stat()ed. */
		for (j = 0; j < i && strcmp(in[i], "-"); j++)
			if (!strcmp(in[j], in[i]) ||
			    (l->have_st && rp.in->legs[j].have_st &&
			     rx_same_dev(&l->st, &rp.in->legs[j].st))) {
				rx_err("%s: input given twice (legs %u and "
				       "%u): refused", in[i], j, i);
				goto out;
			}
	}
	r = repair(&rp);
out:
	if (rx_outs_close(&rp.outs) && r == RX_EXIT_OK)
		r = RX_EXIT_PROBLEMS;
	rx_array_free(rp.in);
	rx_array_free(rp.res);
	free(rp.out);
	free(in);
	return r;
}

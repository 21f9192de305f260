// SPDX-License-Identifier: GPL-2.0
/*
 * check.c - raid_check, and the array check that restore and repair reuse.
 *
 * Field rules come from raidx_sb_validate(), raidx_sb_validate_member()
 * and raidx_bitmap_validate(); this file adds only what needs the whole
 * array or the device: missing legs, redundancy, bitmap placement and the
 * relation between bitmap and superblock.
 */
#include <stdlib.h>
#include <string.h>

#include "raidx-tools.h"

/*
 * Findings are collected and printed together, so that a warning on a
 * field that also has a fatal finding on the same device is dropped: one
 * verdict per field.
 */
struct finding {
	const char *dev;
	int leg;			/* -1: not one leg */
	enum raidx_severity sev;
	char field[48];
	unsigned long long found, expected;
	char why[160];
};

struct finding_ctx {
	const char *dev;
	int leg;
	bool print;
	unsigned int warnings;
	struct finding *f;
	unsigned int n, cap;
	bool oom;
};

static void print_finding(void *p, enum raidx_severity sev,
			  const char *field, unsigned long long found,
			  unsigned long long expected, const char *why)
{
	struct finding_ctx *c = p;
	struct finding *f;

	if (c->n == c->cap) {
		unsigned int cap = c->cap ? 2 * c->cap : 32;

		f = realloc(c->f, cap * sizeof(*f));
		if (!f) {
			c->oom = true;
			return;
		}
		c->f = f;
		c->cap = cap;
	}
	f = &c->f[c->n++];
	f->dev = c->dev;
	f->leg = c->leg;
	f->sev = sev;
	snprintf(f->field, sizeof(f->field), "%s", field);
	f->found = found;
	f->expected = expected;
	snprintf(f->why, sizeof(f->why), "%s", why);
}

/* Magic numbers and bit masks in hex, signed fields signed. */
void rx_format_value(char *buf, size_t len, const char *field,
		     unsigned long long v)
{
	const char *base = strrchr(field, '.');
	size_t n;

	base = base ? base + 1 : field;
	n = strlen(base);
	if (!strcmp(base, "magic"))
		snprintf(buf, len, "0x%08llx", v);
	else if (!strcmp(base, "flags") || !strcmp(base, "state") ||
		 (n > 9 && !strcmp(base + n - 9, "_features")))
		snprintf(buf, len, "0x%llx", v);
	else if (!strcmp(base, "delta_disks"))
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%llu", v);
}

const char *rx_structure(const char *field)
{
	if (!strncmp(field, "bitmap.", 7))
		return "bitmap";
	if (!strncmp(field, "ext.", 4))
		return "superblock extension";
	return "superblock";
}

static bool has_fatal(const struct finding_ctx *c, const struct finding *w)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (c->f[i].sev == RAIDX_FATAL && c->f[i].dev == w->dev &&
		    !strcmp(c->f[i].field, w->field))
			return true;
	return false;
}

static void flush_findings(struct finding_ctx *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++) {
		const struct finding *f = &c->f[i];
		char found[32], expected[32], where[48] = "";

		if (f->sev == RAIDX_WARNING) {
			if (has_fatal(c, f))
				continue;
			c->warnings++;
		}
		if (!c->print || rx_quiet)
			continue;
		rx_format_value(found, sizeof(found), f->field, f->found);
		rx_format_value(expected, sizeof(expected), f->field,
				f->expected);
		if (f->leg >= 0 && strcmp(f->field, "device"))
			snprintf(where, sizeof(where), " [leg %d %s]", f->leg,
				 rx_structure(f->field));
		else if (f->leg >= 0)
			snprintf(where, sizeof(where), " [leg %d]", f->leg);
		fprintf(stderr, "%s: %s: %sfield %s: found %s, expected %s "
			"(%s)%s\n", rx_prog, f->dev,
			f->sev == RAIDX_WARNING ? "warning: " : "", f->field,
			found, expected, f->why, where);
	}
	if (c->oom && !rx_quiet)
		fprintf(stderr, "%s: out of memory: findings lost\n",
			rx_prog);
	free(c->f);
	c->f = NULL;
	c->n = c->cap = 0;
}

/* Findings the tools add themselves go through the same printer. */
static unsigned int tool_finding(struct finding_ctx *c,
				 enum raidx_severity sev, const char *field,
				 unsigned long long found,
				 unsigned long long expected, const char *why)
{
	print_finding(c, sev, field, found, expected, why);
	return sev == RAIDX_FATAL;
}

/*
 * Sizes from the disk that Linux cannot have: a block device holds at
 * most 2^63 - 1 bytes (loff_t), 2^54 sectors.  Past that, products and
 * sums of sizes in the shared validator could wrap.
 */
#define RX_MAX_SECTORS		(1ULL << 54)

static unsigned int limit(const struct raidx_report *rep, const char *field,
			  unsigned long long v, unsigned long long max,
			  const char *why)
{
	if (v <= max)
		return 0;
	if (rep)
		rep->finding(rep->ctx, RAIDX_FATAL, field, v, max, why);
	return 1;
}

unsigned int rx_sb_validate(const struct raidx_sb *sb,
			    const struct raidx_report *rep)
{
	const char *why = "beyond what Linux addresses (2^63 bytes)";
	unsigned int bad = 0;

	if (sb->magic != RAIDX_SB_MAGIC)
		return raidx_sb_validate(sb, rep);
	bad += limit(rep, "sectors", sb->sectors, RX_MAX_SECTORS - 1, why);
	bad += limit(rep, "array_sectors", sb->array_sectors,
		     RX_MAX_SECTORS - 1, why);
	bad += limit(rep, "data_offset", sb->data_offset, RX_MAX_SECTORS - 1,
		     why);
	if (bad)
		return bad;	/* the shared rules would compute garbage */
	return raidx_sb_validate(sb, rep);
}

static bool uuid_zero(const u8 *u)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (u[i])
			return false;
	return true;
}

/*
 * The bitmap of one leg against its superblock and the device: what
 * md_bitmap_read_sb() would refuse or treat as stale.
 */
static unsigned int check_bitmap(struct rx_leg *l, const struct raidx_sb *ref,
				 struct finding_ctx *c)
{
	struct raidx_report rep = { print_finding, c };
	const struct raidx_bitmap_sb *bm = &l->bm;
	unsigned long long bytes, regions, want;
	unsigned int bad;

	if (!l->has_bitmap)
		return tool_finding(c, RAIDX_FATAL, "bitmap.magic", 0,
				    RAIDX_BITMAP_MAGIC,
				    "device too small for a bitmap header");
	bad = raidx_bitmap_validate(bm, raidx_sb_resync_sectors(ref), &rep);
	if (bm->magic != RAIDX_BITMAP_MAGIC)
		return bad;

	/* md compares the bitmap uuid with mddev->uuid: zero in dm-raid. */
	if (!uuid_zero(bm->uuid) &&
	    !(ref->has_ext && !memcmp(bm->uuid, ref->uuid, 16)))
		bad += tool_finding(c, RAIDX_FATAL, "bitmap.uuid", 1, 0,
				    "bitmap uuid mismatch: md refuses it");
	if (!bm->daemon_sleep)
		bad += tool_finding(c, RAIDX_FATAL, "bitmap.daemon_sleep", 0, 5,
				    "daemon sleep period out of range");
	if (bm->write_behind > 16383)
		bad += tool_finding(c, RAIDX_FATAL, "bitmap.write_behind",
				    bm->write_behind, 0,
				    "write-behind limit out of range");
	if (bm->events < ref->events)
		tool_finding(c, RAIDX_WARNING, "bitmap.events", bm->events,
			     ref->events,
			     "bitmap out of date: full recovery follows");

	regions = raidx_bitmap_regions(bm);
	bytes = raidx_bitmap_bytes(bm);
	want = raidx_bitmap_region_bytes(raidx_sb_resync_sectors(ref), 512);
	if (regions > RAIDX_REGIONS_MAX)
		tool_finding(c, RAIDX_WARNING, "bitmap.chunksize",
			     bm->chunksize, want ? want : 1ULL << 31,
			     want ? "more regions than dm-raid allows (2^21)" :
			     "more regions than dm-raid allows (2^21) even at the largest region size");
	if (ref->level != 1 && ref->stripe_sectors &&
	    bm->chunksize && bm->chunksize < ref->stripe_sectors * 512ULL)
		tool_finding(c, RAIDX_WARNING, "bitmap.chunksize",
			     bm->chunksize, ref->stripe_sectors * 512ULL,
			     "region size below the chunk size");
	/* bytes <= 2^61: the sum cannot wrap */
	if (bytes && RX_BITMAP_BITS_OFFSET + bytes > l->size)
		bad += tool_finding(c, RAIDX_FATAL, "bitmap.bits",
				    l->size, RX_BITMAP_BITS_OFFSET + bytes,
				    "bitmap bits extend beyond the device");
	return bad;
}

/* Legs in sync for the kernel: present, valid, not failed, not recovering */
static void lost_legs(const struct rx_array *a, const struct raidx_sb *ref,
		      bool *lost)
{
	unsigned int i;

	for (i = 0; i < ref->num_devices && i < a->nr; i++) {
		const struct rx_leg *l = &a->legs[i];

		lost[i] = l->missing || !l->sb_valid ||
			  raidx_sb_detached(&l->sb) ||
			  raidx_sb_failed(ref, i) ||
			  l->sb.disk_recovery_offset != RAIDX_MAX_SECTOR ||
			  l->sb.events < ref->events;
	}
	for (; i < ref->num_devices; i++)
		lost[i] = true;
}

static unsigned int check_array_state(struct rx_array *a,
				      const struct raidx_sb *ref,
				      const char *refdev, int refleg,
				      struct finding_ctx *c)
{
	bool lost[RAIDX_MAX_DEVICES + 1] = { false };
	unsigned int bad = 0, i;

	c->dev = refdev;
	c->leg = refleg;
	if (a->nr != ref->num_devices)
		bad += tool_finding(c, RAIDX_FATAL, "num_devices", a->nr,
				    ref->num_devices,
				    "number of devices given differs");
	if (ref->array_resync_offset != RAIDX_MAX_SECTOR)
		tool_finding(c, RAIDX_WARNING, "array_resync_offset",
			     ref->array_resync_offset, RAIDX_MAX_SECTOR,
			     "array resync incomplete; md continues it");
	if (raidx_sb_conversion_unfinished(ref))
		bad += tool_finding(c, RAIDX_FATAL, "new_layout",
				    ref->new_layout, ref->layout,
				    "another level, layout or chunk recorded "
				    "with no reshape in progress: dm-raidx "
				    "refuses the array, the stock target runs "
				    "the old geometry though the data may be "
				    "in the new one; finish or revert the "
				    "conversion with the stock target");
	for (i = 0; i < ref->num_devices && i < a->nr; i++) {
		char why[96];

		if (!raidx_sb_failed(ref, i))
			continue;
		snprintf(why, sizeof(why), "device %u marked failed: "
			 "recovered on activation", i);
		tool_finding(c, RAIDX_WARNING, "failed_devices", 1, 0, why);
	}
	for (i = 0; i < ref->num_devices && i < a->nr; i++) {
		const struct rx_leg *l = &a->legs[i];

		/*
		 * The stock dm-raid never compares a leg's events with the
		 * freshest: a stale leg that is neither failed nor
		 * recovering would be trusted as in sync by it.  dm-raidx
		 * recovers one more than an event behind in full
		 * (raidx_sb_stale()) and takes one a single event behind,
		 * as md does (a superblock write a crash cut short).  The
		 * metadata needs repair either way: the array may meet the
		 * stock target.
		 */
		/*
		 * md records a recovery from 0 for a leg it takes out; from
		 * elsewhere the stock target would resume it there and miss
		 * what was written meanwhile.
		 */
		if (l->sb_valid && raidx_sb_detached(&l->sb)) {
			c->dev = l->path;
			c->leg = i;
			if (l->sb.disk_recovery_offset)
				bad += tool_finding(c, RAIDX_FATAL,
					"array_position", l->sb.array_position,
					i, "taken out of the array by md, not "
					"failed, recovery recorded past 0: "
					"dm-raidx recovers it in full, the "
					"stock target would resume there and "
					"miss what was written meanwhile");
			else
				tool_finding(c, RAIDX_WARNING, "array_position",
					     l->sb.array_position, i,
					     "taken out of the array by md, not "
					     "failed: recovered in full");
			continue;
		}
		if (l->sb_valid &&
		    l->sb.disk_recovery_offset != RAIDX_MAX_SECTOR) {
			c->dev = l->path;
			c->leg = i;
			tool_finding(c, RAIDX_WARNING, "disk_recovery_offset",
				     l->sb.disk_recovery_offset,
				     RAIDX_MAX_SECTOR,
				     "leg not in sync: md recovers it from "
				     "this offset");
		}
		if (!l->sb_valid || l->sb.events >= ref->events ||
		    raidx_sb_failed(ref, i) ||
		    l->sb.disk_recovery_offset != RAIDX_MAX_SECTOR)
			continue;
		c->dev = l->path;
		c->leg = i;
		bad += tool_finding(c, RAIDX_FATAL, "events", l->sb.events,
				    ref->events,
				    raidx_sb_stale(ref, &l->sb) ?
				    "stale leg not marked failed or recovering: "
				    "dm-raidx recovers it in full, the stock "
				    "target would trust its data" :
				    "stale leg not marked failed or recovering: "
				    "one event behind, the kernel would trust "
				    "its data");
	}
	c->dev = refdev;
	c->leg = refleg;
	lost_legs(a, ref, lost);
	if (!raidx_legs_enough(ref->level, ref->layout, ref->num_devices,
			       lost)) {
		unsigned int n = 0;

		for (i = 0; i < ref->num_devices; i++)
			n += lost[i];
		bad += tool_finding(c, RAIDX_FATAL, "failed_devices", n,
				    raidx_redundancy(ref->level, ref->layout,
					     ref->num_devices),
				    "more legs failed, missing or stale than "
				    "the raid level tolerates: activation fails");
	}
	return bad;
}

unsigned int rx_check_array(struct rx_array *a, unsigned int *warnings,
			    const struct rx_check_opts *o)
{
	struct finding_ctx c = { NULL, -1, o->print, 0 };
	struct raidx_report rep = { print_finding, &c };
	unsigned int bad = 0, i;
	int fresh;

	for (i = 0; i < a->nr; i++) {
		struct rx_leg *l = &a->legs[i];

		c.dev = l->path;
		c.leg = i;
		if (l->missing) {
			tool_finding(&c, RAIDX_WARNING, "device", i, i,
				     "leg missing: array runs degraded");
			continue;
		}
		l->sb_valid = !rx_sb_validate(&l->sb, &rep);
		bad += !l->sb_valid;
	}

	fresh = rx_freshest(a);
	if (fresh < 0) {
		flush_findings(&c);
		/* One line for the array, not a finding on a field. */
		rx_err("no valid superblock on any of the %u legs: the array "
		       "cannot be assembled", a->nr);
		*warnings = c.warnings;
		return bad + 1;
	}

	for (i = 0; i < a->nr; i++) {
		struct rx_leg *l = &a->legs[i];

		if (!l->sb_valid)
			continue;
		c.dev = l->path;
		c.leg = i;
		if ((int)i != fresh || l->sb.array_position != i) {
			unsigned int m = raidx_sb_validate_member(
				&a->legs[fresh].sb, &l->sb, i, &rep);

			if (m)
				l->sb_valid = false;
			bad += m;
		}
		if (raidx_sb_has_bitmap(&a->legs[fresh].sb) && l->sb_valid)
			bad += check_bitmap(l, &a->legs[fresh].sb, &c);
	}
	bad += check_array_state(a, &a->legs[fresh].sb, a->legs[fresh].path,
				 fresh, &c);
	flush_findings(&c);
	*warnings = c.warnings;
	return bad;
}

/*----------------------------------------------------------------*/

static void check_usage(FILE *f)
{
	fprintf(f, "Usage: raid_check [options] DEV...\n"
		"Check the metadata devices of one dm-raid array, given in "
		"table order\n('-' for a missing leg).  Opens them read-only.\n"
		"Options:\n"
		"  --strict       warnings count as problems (exit 1)\n");
	rx_usage_common(f);
}

static void summary(const struct rx_array *a, unsigned int bad,
		    unsigned int warn)
{
	int fresh = rx_freshest(a);
	const struct raidx_type *t;

	if (rx_quiet)
		return;
	if (fresh < 0) {
		printf("unknown: %u legs, no valid superblock, damaged "
		       "(%u error%s, %u warning%s)\n", a->nr, bad,
		       bad == 1 ? "" : "s", warn, warn == 1 ? "" : "s");
		return;
	}
	t = raidx_type_by_level_layout(a->legs[fresh].sb.level,
				       a->legs[fresh].sb.layout);
	printf("%s: %u legs, events %llu, %s (%u error%s, %u warning%s)\n",
	       t ? t->name : "raid?", a->nr,
	       (unsigned long long)a->legs[fresh].sb.events,
	       bad ? "damaged" : warn ? "usable" : "clean", bad,
	       bad == 1 ? "" : "s", warn, warn == 1 ? "" : "s");
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct rx_getopt g = { "", opts, check_usage };
	struct rx_check_opts o = { true };
	struct rx_array *a;
	unsigned int bad, warn;
	bool strict = false;
	int c, r;

	while ((c = rx_getopt(&g, argc, argv, &r)) != RX_OPT_END) {
		if (c == RX_OPT_EXIT)
			return r;
		if (c == 's')
			strict = true;
	}
	if (optind >= argc) {
		rx_err("no metadata device given");
		if (!rx_quiet)
			check_usage(stderr);
		return RX_EXIT_USAGE;
	}
	if (argc - optind > RAIDX_MAX_DEVICES) {
		rx_err("more than %u devices", RAIDX_MAX_DEVICES);
		return RX_EXIT_USAGE;
	}
	a = rx_array_new(argc - optind);
	if (!a)
		return RX_EXIT_PROBLEMS;
	r = rx_read_array(a, argv + optind, argc - optind);
	if (r) {
		rx_array_free(a);
		return r;
	}
	bad = rx_check_array(a, &warn, &o);
	summary(a, bad, warn);
	rx_array_free(a);
	if (bad || (strict && warn))
		return RX_EXIT_PROBLEMS;
	return RX_EXIT_OK;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dump.c - raid_dump, and the mapping between struct rx_array and the dump
 * tree (doc/raid-dump-format.md) used by raid_dump and raid_restore.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "raidx-tools.h"
#include "tree.h"

enum ftype { F_U32, F_U64, F_S32 };

struct field {
	const char *name;
	size_t off;
	enum ftype type;
};

#define SBF(n, m, t) { n, offsetof(struct raidx_sb, m), t }
#define BMF(n, m, t) { n, offsetof(struct raidx_bitmap_sb, m), t }

/* Every member of the stock superblock, in on-disk order. */
static const struct field sb_fields[] = {
	SBF("magic", magic, F_U32),
	SBF("compat_features", compat_features, F_U32),
	SBF("num_devices", num_devices, F_U32),
	SBF("array_position", array_position, F_U32),
	SBF("events", events, F_U64),
	SBF("failed_devices", failed[0], F_U64),
	SBF("disk_recovery_offset", disk_recovery_offset, F_U64),
	SBF("array_resync_offset", array_resync_offset, F_U64),
	SBF("level", level, F_U32),
	SBF("layout", layout, F_U32),
	SBF("stripe_sectors", stripe_sectors, F_U32),
	SBF("flags", flags, F_U32),
	SBF("reshape_position", reshape_position, F_U64),
	SBF("new_level", new_level, F_U32),
	SBF("new_layout", new_layout, F_U32),
	SBF("new_stripe_sectors", new_stripe_sectors, F_U32),
	SBF("delta_disks", delta_disks, F_S32),
	SBF("array_sectors", array_sectors, F_U64),
	SBF("data_offset", data_offset, F_U64),
	SBF("new_data_offset", new_data_offset, F_U64),
	SBF("sectors", sectors, F_U64),
	SBF("extended_failed_devices0", failed[1], F_U64),
	SBF("extended_failed_devices1", failed[2], F_U64),
	SBF("extended_failed_devices2", failed[3], F_U64),
	SBF("incompat_features", incompat_features, F_U32),
};

static const struct field ext_fields[] = {
	SBF("consistency_policy", consistency_policy, F_U32),
	SBF("journal_mode", journal_mode, F_U32),
	SBF("journal_tail", journal_tail, F_U64),
	SBF("journal_seq", journal_seq, F_U64),
	SBF("ppl_sector", ppl_sector, F_U64),
	SBF("ppl_size", ppl_size, F_U32),
	SBF("state", ext_state, F_U32),
};

static const struct field bm_fields[] = {
	BMF("magic", magic, F_U32),
	BMF("version", version, F_U32),
	BMF("events", events, F_U64),
	BMF("events_cleared", events_cleared, F_U64),
	BMF("sync_size", sync_size, F_U64),
	BMF("state", state, F_U32),
	BMF("chunksize", chunksize, F_U32),
	BMF("daemon_sleep", daemon_sleep, F_U32),
	BMF("write_behind", write_behind, F_U32),
	BMF("sectors_reserved", sectors_reserved, F_U32),
	BMF("nodes", nodes, F_U32),
};

#define NF(a) (sizeof(a) / sizeof((a)[0]))

/*----------------------------------------------------------------
 * Array -> tree
 *--------------------------------------------------------------*/
static int put_fields(struct rx_node *n, const void *obj,
		      const struct field *f, size_t nf)
{
	const char *base = obj;
	size_t i;
	int r = 0;

	for (i = 0; i < nf; i++) {
		const char *p = base + f[i].off;

		switch (f[i].type) {
		case F_U32:
			r |= rx_node_set_u64(n, f[i].name, *(const u32 *)p);
			break;
		case F_U64:
			r |= rx_node_set_u64(n, f[i].name, *(const u64 *)p);
			break;
		case F_S32:
			r |= rx_node_set_s64(n, f[i].name, *(const s32 *)p);
			break;
		}
	}
	return r;
}

static int put_uuid(struct rx_node *n, const u8 *uuid)
{
	char hex[33];
	unsigned int i;

	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", uuid[i]);
	return rx_node_set(n, "uuid", hex, true);
}

static int put_sb(struct rx_node *leg, const struct raidx_sb *sb)
{
	struct rx_node *n = rx_node_add(leg, "superblock"), *e;
	const struct raidx_type *t;
	unsigned int d;
	int r;

	if (!n)
		return -1;
	r = put_fields(n, sb, sb_fields, NF(sb_fields));
	t = raidx_type_by_level_layout(sb->level, sb->layout);
	r |= rx_node_set(n, "raid_type", t ? t->name : "unknown", true);
	for (d = 0; d < 64 * RAIDX_FAILED_WORDS; d++) {
		if (!raidx_sb_failed(sb, d))
			continue;
		e = rx_node_add(n, "failed");
		r |= !e || rx_node_set_u64(e, "device", d);
	}
	if (sb->ext_corrupt) {
		e = rx_node_add(n, "ext");
		r |= !e || rx_node_set(e, "corrupt", "1", false);
	} else if (sb->has_ext) {
		e = rx_node_add(n, "ext");
		r |= !e || put_fields(e, sb, ext_fields, NF(ext_fields)) ||
		     put_uuid(e, sb->uuid);
	}
	return r;
}

static bool bit_set(const unsigned char *bits, u64 i)
{
	return bits[i / 8] & (1U << (i % 8));
}

static int put_bitmap(struct rx_node *leg, const struct rx_leg *l)
{
	struct rx_node *n = rx_node_add(leg, "bitmap"), *e;
	u64 regions = raidx_bitmap_regions(&l->bm), i, dirty = 0;
	int r;

	if (!n)
		return -1;
	r = put_fields(n, &l->bm, bm_fields, NF(bm_fields));
	r |= put_uuid(n, l->bm.uuid);
	if (!l->bits || l->bm.magic != RAIDX_BITMAP_MAGIC)
		return r | rx_node_set(n, "bits", "unavailable", true);
	r |= rx_node_set_u64(n, "regions", regions);
	for (i = 0; i < regions; i++) {
		u64 b = i;

		if (!bit_set(l->bits, i))
			continue;
		while (i + 1 < regions && bit_set(l->bits, i + 1))
			i++;
		dirty += i - b + 1;
		e = rx_node_add(n, "dirty");
		r |= !e || rx_node_set_u64(e, "begin", b) ||
		     rx_node_set_u64(e, "end", i);
	}
	return r | rx_node_set_u64(n, "dirty_regions", dirty);
}

static struct rx_node *array_tree(const struct rx_array *a)
{
	struct rx_node *root = rx_node_new("raid_metadata");
	unsigned int i;
	int r;

	if (!root)
		return NULL;
	r = rx_node_set_u64(root, "version", RX_DUMP_VERSION);
	r |= rx_node_set(root, "generator", "raidx_tools " RAIDX_TOOLS_VERSION,
			 true);
	r |= rx_node_set_u64(root, "nr_legs", a->nr);
	for (i = 0; i < a->nr && !r; i++) {
		const struct rx_leg *l = &a->legs[i];
		struct rx_node *leg = rx_node_add(root, "leg");

		if (!leg) {
			r = -1;
			break;
		}
		r |= rx_node_set_u64(leg, "index", i);
		r |= rx_node_set(leg, "device", l->path ? l->path : "-", true);
		if (l->missing) {
			r |= rx_node_set(leg, "missing", "1", false);
			continue;
		}
		r |= rx_node_set_u64(leg, "size", l->size);
		r |= put_sb(leg, &l->sb);
		if (l->has_bitmap && raidx_sb_has_bitmap(&l->sb))
			r |= put_bitmap(leg, l);
	}
	if (r) {
		rx_node_free(root);
		return NULL;
	}
	return root;
}

int rx_dump(FILE *f, const struct rx_array *a, enum rx_fmt fmt)
{
	struct rx_node *root = array_tree(a);

	if (!root)
		return -1;
	if (fmt == RX_FMT_JSON)
		rx_tree_write_json(f, root);
	else
		rx_tree_write_xml(f, root);
	rx_node_free(root);
	return ferror(f) ? -1 : 0;
}

/*----------------------------------------------------------------
 * Tree -> array
 *--------------------------------------------------------------*/
struct perr {
	char *buf;
	size_t len;
};

static int fail(struct perr *e, const char *fmt, const char *a,
		const char *b)
{
	snprintf(e->buf, e->len, fmt, a, b);
	return -1;
}

/* Strict integer: decimal, or 0x hex; no sign unless @sign. */
static int parse_ull(const char *s, bool sign, unsigned long long *v)
{
	char *end;
	bool neg = false;

	if (!s || !*s)
		return -1;
	if (sign && *s == '-') {
		neg = true;
		s++;
	}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			       ? 16 : 10);
	if (errno || *end)
		return -1;
	if (neg) {
		if (*v > 0x80000000ULL)
			return -1;
		*v = -*v;
	}
	return 0;
}

static int get_u64(const struct rx_node *n, const char *k,
		   unsigned long long *v, struct perr *e)
{
	const char *s = rx_node_get(n, k);

	if (!s)
		return fail(e, "<%s>: missing attribute %s", n->name, k);
	if (parse_ull(s, false, v))
		return fail(e, "attribute %s: bad number \"%s\"", k, s);
	return 0;
}

static int get_fields(const struct rx_node *n, void *obj,
		      const struct field *f, size_t nf, struct perr *e)
{
	char *base = obj;
	size_t i;

	for (i = 0; i < nf; i++) {
		const char *s = rx_node_get(n, f[i].name);
		unsigned long long v;
		char *p = base + f[i].off;

		if (!s)
			return fail(e, "<%s>: missing attribute %s", n->name,
				    f[i].name);
		if (parse_ull(s, f[i].type == F_S32, &v))
			return fail(e, "attribute %s: bad number \"%s\"",
				    f[i].name, s);
		switch (f[i].type) {
		case F_U32:
			if (v > 0xffffffffULL)
				return fail(e, "attribute %s: \"%s\" exceeds "
					    "32 bits", f[i].name, s);
			*(u32 *)p = v;
			break;
		case F_U64:
			*(u64 *)p = v;
			break;
		case F_S32:
			if ((long long)v > 0x7fffffffLL)
				return fail(e, "attribute %s: \"%s\" out of "
					    "range", f[i].name, s);
			*(s32 *)p = (s32)(long long)v;
			break;
		}
	}
	return 0;
}

/*
 * What a dump may hold, per element: every attribute and child element
 * not listed is refused, as is a duplicate (an attribute given twice, or a
 * second <superblock>, <ext> or <bitmap>), rather than ignored.
 */
static bool listed(const char *const *l, const char *k)
{
	for (; l && *l; l++)
		if (!strcmp(*l, k))
			return true;
	return false;
}

static int check_attrs(const struct rx_node *n, const struct field *f,
		       size_t nf, const char *const *extra, struct perr *e)
{
	unsigned int i, j;
	size_t k;

	for (i = 0; i < n->nattr; i++) {
		const char *key = n->attr[i].key;
		bool known = listed(extra, key);

		for (k = 0; k < nf && !known; k++)
			known = !strcmp(f[k].name, key);
		if (!known)
			return fail(e, "<%s>: unknown attribute %s", n->name,
				    key);
		for (j = 0; j < i; j++)
			if (!strcmp(n->attr[j].key, key))
				return fail(e, "<%s>: attribute %s given twice",
					    n->name, key);
	}
	return 0;
}

static int check_kids(const struct rx_node *n, const char *const *allowed,
		      const char *const *single, struct perr *e)
{
	unsigned int i, j;

	for (i = 0; i < n->nkid; i++) {
		const char *k = n->kid[i]->name;

		if (!listed(allowed, k))
			return fail(e, "<%s>: unknown element <%s>", n->name,
				    k);
		for (j = 0; j < i && listed(single, k); j++)
			if (!strcmp(n->kid[j]->name, k))
				return fail(e, "<%s>: more than one <%s>",
					    n->name, k);
	}
	return 0;
}

/* A flag attribute ("missing", "corrupt") has exactly one value: "1". */
static int get_flag(const struct rx_node *n, const char *k, bool *v,
		    struct perr *e)
{
	const char *s = rx_node_get(n, k);

	*v = false;
	if (!s)
		return 0;
	if (strcmp(s, "1"))
		return fail(e, "<%s>: %s must be \"1\" or absent", n->name,
			    k);
	*v = true;
	return 0;
}

static int get_uuid(const struct rx_node *n, u8 *uuid, struct perr *e)
{
	const char *s = rx_node_get(n, "uuid");
	unsigned int i;

	if (!s || strlen(s) != 32)
		return fail(e, "<%s>: uuid must be 32 hex digits", n->name,
			    "");
	for (i = 0; i < 16; i++) {
		char h[3] = { s[2 * i], s[2 * i + 1], 0 };
		char *end;

		uuid[i] = strtoul(h, &end, 16);
		if (*end || h[0] == '-' || h[0] == '+' || h[0] == ' ')
			return fail(e, "<%s>: bad uuid \"%s\"", n->name, s);
	}
	return 0;
}

static int get_sb(const struct rx_node *n, struct raidx_sb *sb,
		  struct perr *e)
{
	static const char *const extra[] = { "raid_type", NULL };
	static const char *const kids[] = { "failed", "ext", NULL };
	static const char *const single[] = { "ext", NULL };
	static const char *const failed[] = { "device", NULL };
	static const char *const corrupt[] = { "corrupt", NULL };
	static const char *const uuid[] = { "uuid", NULL };
	const struct rx_node *x = rx_node_child(n, "ext");
	unsigned int i;
	bool bad;

	memset(sb, 0, sizeof(*sb));
	if (check_attrs(n, sb_fields, NF(sb_fields), extra, e) ||
	    check_kids(n, kids, single, e))
		return -1;
	for (i = 0; i < n->nkid; i++)
		if (!strcmp(n->kid[i]->name, "failed") &&
		    (check_attrs(n->kid[i], NULL, 0, failed, e) ||
		     check_kids(n->kid[i], NULL, NULL, e)))
			return -1;
	if (get_fields(n, sb, sb_fields, NF(sb_fields), e))
		return -1;
	if (!x)
		return 0;
	if (check_kids(x, NULL, NULL, e) || get_flag(x, "corrupt", &bad, e))
		return -1;
	if (bad) {
		sb->ext_corrupt = true;
		return check_attrs(x, NULL, 0, corrupt, e);
	}
	sb->has_ext = true;
	return check_attrs(x, ext_fields, NF(ext_fields), uuid, e) ||
	       get_fields(x, sb, ext_fields, NF(ext_fields), e) ||
	       get_uuid(x, sb->uuid, e);
}

/* Set bits b..end (inclusive): whole bytes at once, O(bytes). */
static void set_range(unsigned char *bits, u64 b, u64 end)
{
	for (; b <= end && b % 8; b++)
		bits[b / 8] |= 1U << (b % 8);
	if (b > end)
		return;
	if (end - b + 1 >= 8) {
		u64 n = (end - b + 1) / 8;

		memset(bits + b / 8, 0xff, n);
		b += n * 8;
	}
	for (; b <= end; b++)
		bits[b / 8] |= 1U << (b % 8);
}

static int get_bitmap(const struct rx_node *n, struct rx_leg *l,
		      struct perr *e)
{
	static const char *const extra[] = { "uuid", "regions",
					     "dirty_regions", NULL };
	static const char *const unavailable[] = { "uuid", "bits", "regions",
						   "dirty_regions", NULL };
	static const char *const kids[] = { "dirty", NULL };
	static const char *const range[] = { "begin", "end", NULL };
	const char *bits = rx_node_get(n, "bits");
	u64 bytes, regions, next = 0;
	unsigned int i;

	if (check_attrs(n, bm_fields, NF(bm_fields),
			bits ? unavailable : extra, e) ||
	    check_kids(n, bits ? NULL : kids, NULL, e))
		return -1;
	if (get_fields(n, &l->bm, bm_fields, NF(bm_fields), e) ||
	    get_uuid(n, l->bm.uuid, e))
		return -1;
	l->has_bitmap = true;
	if (bits) {
		if (strcmp(bits, "unavailable"))
			return fail(e, "<bitmap>: bits must be \"unavailable\" "
				    "or absent, not \"%s\"%s", bits, "");
		return 0;	/* bits unavailable when dumped */
	}
	regions = raidx_bitmap_regions(&l->bm);
	bytes = raidx_bitmap_bytes(&l->bm);
	if (!bytes || bytes > RX_MAX_BITMAP_BYTES)
		return fail(e, "<bitmap>: chunksize/sync_size give an "
			    "unusable region count%s%s", "", "");
	rx_leg_set_bits(l, NULL, bytes);
	if (!l->bits)
		return fail(e, "out of memory%s%s", "", "");
	/* Ascending and disjoint, as raid_dump writes them: O(ranges). */
	for (i = 0; i < n->nkid; i++) {
		const struct rx_node *d = n->kid[i];
		unsigned long long b, end;

		if (check_attrs(d, NULL, 0, range, e) ||
		    check_kids(d, NULL, NULL, e) ||
		    get_u64(d, "begin", &b, e) || get_u64(d, "end", &end, e))
			return -1;
		if (b > end || end >= regions)
			return fail(e, "<dirty>: range %s..%s outside the "
				    "bitmap", rx_node_get(d, "begin"),
				    rx_node_get(d, "end"));
		if (b < next)
			return fail(e, "<dirty>: range %s..%s overlaps or "
				    "precedes the one before it (ranges are "
				    "ascending and disjoint)",
				    rx_node_get(d, "begin"),
				    rx_node_get(d, "end"));
		set_range(l->bits, b, end);
		next = end + 1;
	}
	return 0;
}

static int get_leg(const struct rx_node *n, struct rx_leg *l,
		   struct perr *e)
{
	static const char *const absent[] = { "index", "device", "missing",
					      NULL };
	static const char *const present[] = { "index", "device", "size",
					       NULL };
	static const char *const kids[] = { "superblock", "bitmap", NULL };
	const struct rx_node *sb = rx_node_child(n, "superblock");
	const struct rx_node *bm = rx_node_child(n, "bitmap");
	unsigned long long size;
	bool missing;

	if (get_flag(n, "missing", &missing, e))
		return -1;
	if (missing) {
		l->missing = true;
		return check_attrs(n, NULL, 0, absent, e) ||
		       check_kids(n, NULL, NULL, e);
	}
	if (check_attrs(n, NULL, 0, present, e) ||
	    check_kids(n, kids, kids, e))
		return -1;
	if (!sb)
		return fail(e, "<leg>: no <superblock>%s%s", "", "");
	if (get_u64(n, "size", &size, e))
		return -1;
	l->size = size;
	l->readable = true;
	if (get_sb(sb, &l->sb, e))
		return -1;
	if (bm)
		return get_bitmap(bm, l, e);
	return 0;
}

static struct rx_array *tree_array(const struct rx_node *root,
				   struct perr *e)
{
	unsigned long long ver, nr;
	struct rx_array *a;
	unsigned int i, k = 0;

	static const char *const attrs[] = { "version", "generator",
					     "nr_legs", NULL };
	static const char *const kids[] = { "leg", NULL };

	if (strcmp(root->name, "raid_metadata")) {
		fail(e, "root element is <%s>, not <raid_metadata>",
		     root->name, "");
		return NULL;
	}
	if (check_attrs(root, NULL, 0, attrs, e) ||
	    check_kids(root, kids, NULL, e))
		return NULL;
	if (get_u64(root, "version", &ver, e) ||
	    get_u64(root, "nr_legs", &nr, e))
		return NULL;
	if (ver != RX_DUMP_VERSION) {
		fail(e, "dump format version %s not supported (this tool "
		     "reads version 1)%s", rx_node_get(root, "version"), "");
		return NULL;
	}
	if (!nr || nr > RAIDX_MAX_DEVICES) {
		fail(e, "nr_legs %s out of range%s",
		     rx_node_get(root, "nr_legs"), "");
		return NULL;
	}
	a = rx_array_new(nr);
	if (!a) {
		fail(e, "out of memory%s%s", "", "");
		return NULL;
	}
	for (i = 0; i < root->nkid; i++) {
		const struct rx_node *leg = root->kid[i];

		if (k >= nr) {
			fail(e, "more <leg> elements than nr_legs%s%s", "", "");
			goto bad;
		}
		a->legs[k].path = "-";
		if (get_leg(leg, &a->legs[k], e))
			goto bad;
		k++;
	}
	if (k != nr) {
		fail(e, "fewer <leg> elements than nr_legs%s%s", "", "");
		goto bad;
	}
	return a;
bad:
	rx_array_free(a);
	return NULL;
}

struct rx_array *rx_parse(const char *buf, size_t len, char *err,
			  size_t errlen)
{
	struct perr e = { err, errlen };
	struct rx_node *root;
	struct rx_array *a;
	size_t i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\n' ||
			   buf[i] == '\t' || buf[i] == '\r'))
		i++;
	if (i < len && buf[i] == '{')
		root = rx_tree_parse_json(buf, len, err, errlen);
	else
		root = rx_tree_parse_xml(buf, len, err, errlen);
	if (!root)
		return NULL;
	a = tree_array(root, &e);
	rx_node_free(root);
	return a;
}

/*----------------------------------------------------------------*/

/*
 * The dump file: a regular file (created if need be) that is none of the
 * inputs.  It is truncated only after fstat() showed what was opened, so
 * neither an input nor a FIFO is ever truncated or blocked on.
 */
static FILE *open_output(const char *path, const struct rx_array *a)
{
	struct stat st;
	unsigned int i;
	FILE *f;
	int fd;

	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		rx_err("%s: not a regular file: refused (write to stdout to "
		       "feed a pipe)", path);
		return NULL;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK |
		  O_NOCTTY, 0644);
	if (fd < 0) {
		rx_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		rx_err("%s: not a regular file: refused", path);
		goto fail;
	}
	for (i = 0; i < a->nr; i++)
		if (!a->legs[i].missing && a->legs[i].have_st &&
		    rx_same_dev(&a->legs[i].st, &st)) {
			rx_err("%s: the output is also an input (leg %u, %s): "
			       "refused, nothing written", path, i,
			       a->legs[i].path);
			goto fail;
		}
	if (ftruncate(fd, 0)) {
		rx_err("%s: %s", path, strerror(errno));
		goto fail;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	f = fdopen(fd, "w");
	if (!f) {
		rx_err("%s: %s", path, strerror(errno));
		goto fail;
	}
	return f;
fail:
	close(fd);
	return NULL;
}

static void dump_usage(FILE *f)
{
	fprintf(f, "Usage: raid_dump [options] DEV...\n"
		"Dump the metadata of one dm-raid array (metadata devices in "
		"table order,\n'-' for a missing leg).  Opens them "
		"read-only.\n"
		"Options:\n"
		"  -o, --output FILE        write to FILE instead of stdout\n"
		"  -f, --format xml|json    output format (default xml)\n");
	rx_usage_common(f);
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct rx_getopt g = { "o:f:", opts, dump_usage };
	enum rx_fmt fmt = RX_FMT_XML;
	const char *out = NULL;
	struct rx_array *a;
	FILE *f = stdout;
	int c, r;

	while ((c = rx_getopt(&g, argc, argv, &r)) != RX_OPT_END) {
		switch (c) {
		case RX_OPT_EXIT:
			return r;
		case 'o':
			out = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "xml")) {
				fmt = RX_FMT_XML;
			} else if (!strcmp(optarg, "json")) {
				fmt = RX_FMT_JSON;
			} else {
				rx_err("unknown format '%s' (xml or json)",
				       optarg);
				return RX_EXIT_USAGE;
			}
			break;
		}
	}
	if (optind >= argc || argc - optind > RAIDX_MAX_DEVICES) {
		rx_err("give 1 to %u metadata devices", RAIDX_MAX_DEVICES);
		if (!rx_quiet)
			dump_usage(stderr);
		return RX_EXIT_USAGE;
	}
	a = rx_array_new(argc - optind);
	if (!a)
		return RX_EXIT_PROBLEMS;
	r = rx_read_array(a, argv + optind, argc - optind);
	if (r)
		goto out;
	if (out) {
		f = open_output(out, a);
		if (!f) {
			r = RX_EXIT_USAGE;
			goto out;
		}
	}
	r = rx_dump(f, a, fmt) ? RX_EXIT_PROBLEMS : RX_EXIT_OK;
	if (f != stdout && fclose(f))
		r = RX_EXIT_PROBLEMS;
	else if (f == stdout && fflush(f))
		r = RX_EXIT_PROBLEMS;
	if (r)
		rx_err("%s: write error", out ? out : "stdout");
out:
	rx_array_free(a);
	return r;
}

/*
 * Set one field by its dump name ("events", "bitmap.chunksize",
 * "ext.ppl_size"); used by "poke" of the test binary tests/raidx_testimg.
 */
int rx_set_field(struct rx_leg *l, const char *name, const char *val)
{
	const struct field *f = sb_fields;
	size_t nf = NF(sb_fields), i;
	unsigned long long v;
	char *base = (char *)&l->sb;

	if (!strncmp(name, "bitmap.", 7)) {
		f = bm_fields;
		nf = NF(bm_fields);
		base = (char *)&l->bm;
		name += 7;
	} else if (!strncmp(name, "ext.", 4)) {
		f = ext_fields;
		nf = NF(ext_fields);
		name += 4;
	}
	if (parse_ull(val, true, &v))
		return -1;
	for (i = 0; i < nf; i++) {
		char *p = base + f[i].off;

		if (strcmp(f[i].name, name))
			continue;
		if (f[i].type == F_U64)
			*(u64 *)p = v;
		else
			*(u32 *)p = (u32)v;
		return 0;
	}
	return -1;
}

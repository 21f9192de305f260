// SPDX-License-Identifier: GPL-2.0
/*
 * meta.c - messages, device I/O and array-level checks for raidx_tools.
 *
 * Devices are opened O_RDONLY unless the caller is a writing command; we
 * use pread/pwrite on whatever path we get, so block devices and plain
 * image files work alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "raidx-tools.h"

const char *rx_prog = "raidx_tools";
bool rx_quiet;

void rx_err(const char *fmt, ...)
{
	va_list ap;

	if (rx_quiet)
		return;
	fprintf(stderr, "%s: ", rx_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Explanations (repair decisions) also go to stderr: stdout may be data. */
void rx_info(const char *fmt, ...)
{
	va_list ap;

	if (rx_quiet)
		return;
	fprintf(stderr, "%s: ", rx_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void rx_usage_common(FILE *f)
{
	fprintf(f,
		"  -h, --help     print this help and exit\n"
		"  -V, --version  print the dm-raidx version and exit\n"
		"  -q, --quiet    no messages; the exit code tells the result\n"
		"Exit status: 0 clean/success, 1 problems found or operation "
		"failed,\n             2 usage error or unusable input.\n");
}

int rx_version(void)
{
	printf("%s\n", RAIDX_TOOLS_VERSION);
	return RX_EXIT_OK;
}

int rx_common_option(int c, void (*usage)(FILE *f))
{
	switch (c) {
	case 'h':
		usage(stdout);
		return RX_EXIT_OK;
	case 'V':
		return rx_version();
	case 'q':
		rx_quiet = true;
		return RX_OPT_NEXT;
	case '?':
	case ':':
		usage(stderr);
		return RX_EXIT_USAGE;
	default:
		return RX_OPT_OWN;
	}
}

/*----------------------------------------------------------------*/

struct rx_array *rx_array_new(unsigned int nr)
{
	struct rx_array *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->nr = nr;
	a->legs = calloc(nr ? nr : 1, sizeof(*a->legs));
	if (!a->legs) {
		free(a);
		return NULL;
	}
	return a;
}

void rx_array_free(struct rx_array *a)
{
	unsigned int i;

	if (!a)
		return;
	for (i = 0; i < a->nr; i++)
		free(a->legs[i].bits);
	free(a->legs);
	free(a);
}

void rx_leg_set_bits(struct rx_leg *l, const void *bits, size_t len)
{
	free(l->bits);
	l->bits = NULL;
	l->nbits_bytes = 0;
	if (!len)
		return;
	l->bits = calloc(1, len);
	if (!l->bits)
		return;
	if (bits)
		memcpy(l->bits, bits, len);
	l->nbits_bytes = len;
}

/*----------------------------------------------------------------
 * I/O
 *--------------------------------------------------------------*/
/* lseek works for block devices and files alike; no linux/fs.h needed. */
static unsigned long long fd_size(int fd)
{
	off_t end = lseek(fd, 0, SEEK_END);

	return end < 0 ? 0 : (unsigned long long)end;
}

static const char *ftype_name(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/*
 * stat() before open(): a FIFO would block open() until a writer came,
 * a character device (a tape, a tty) has no fixed contents.
 */
int rx_stat_path(const char *path, struct stat *st, bool *have)
{
	*have = false;
	if (stat(path, st)) {
		rx_err("%s: %s", path, strerror(errno));
		return RX_EXIT_USAGE;
	}
	*have = true;
	if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode)) {
		rx_err("%s: %s, not a regular file or block device: refused",
		       path, ftype_name(st->st_mode));
		return RX_EXIT_USAGE;
	}
	return 0;
}

/* Block devices are the same by st_rdev, everything else by dev/inode. */
bool rx_same_dev(const struct stat *a, const struct stat *b)
{
	if (S_ISBLK(a->st_mode) || S_ISBLK(b->st_mode))
		return S_ISBLK(a->st_mode) && S_ISBLK(b->st_mode) &&
		       a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * open() after rx_stat_path(), without blocking, and make sure it opened
 * what was checked (the path may have been replaced in between).
 */
static int open_checked(const char *path, int flags, const struct stat *st)
{
	struct stat now;
	int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, &now) || !rx_same_dev(st, &now) ||
	    (now.st_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	/* Only a FIFO cares; clear it so I/O behaves as always. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* Returns bytes transferred; short only on an error (errno set). */
static size_t pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = 0;	/* end of device */
			break;
		}
		done += n;
	}
	return done;
}

static size_t pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = ENOSPC;
			break;
		}
		done += n;
	}
	return done;
}

/* Read bitmap header and, if it fits the device and our bound, its bits. */
static void read_bitmap(int fd, struct rx_leg *l)
{
	unsigned char hdr[RAIDX_BITMAP_SB_SIZE];
	unsigned long long bytes;

	if (l->size < RX_BITMAP_BITS_OFFSET ||
	    pread_full(fd, hdr, sizeof(hdr), RAIDX_BITMAP_OFFSET) !=
	    sizeof(hdr))
		return;
	raidx_bitmap_decode(hdr, sizeof(hdr), &l->bm);
	l->has_bitmap = true;
	if (l->bm.magic != RAIDX_BITMAP_MAGIC)
		return;
	bytes = raidx_bitmap_bytes(&l->bm);
	if (!bytes || bytes > RX_MAX_BITMAP_BYTES ||
	    bytes > l->size - RX_BITMAP_BITS_OFFSET)
		return;
	rx_leg_set_bits(l, NULL, bytes);
	if (l->bits && pread_full(fd, l->bits, bytes, RX_BITMAP_BITS_OFFSET) !=
	    bytes)
		rx_leg_set_bits(l, NULL, 0);
}

int rx_read_leg(struct rx_leg *l)
{
	size_t len;
	int fd, r;

	if (l->missing)
		return 0;
	r = rx_stat_path(l->path, &l->st, &l->have_st);
	if (r)
		return r;
	fd = open_checked(l->path, O_RDONLY, &l->st);
	if (fd < 0) {
		rx_err("%s: %s", l->path, strerror(errno));
		return RX_EXIT_USAGE;
	}
	l->size = fd_size(fd);
	if (l->size < RX_MIN_BLOCK) {
		rx_err("%s: too small (%llu bytes) to hold a superblock",
		       l->path, l->size);
		close(fd);
		return RX_EXIT_USAGE;
	}
	len = l->size < RX_SB_AREA ? l->size : RX_SB_AREA;
	if (pread_full(fd, l->raw, len, 0) != len) {
		rx_err("%s: read error: %s", l->path,
		       errno ? strerror(errno) : "short read");
		close(fd);
		return RX_EXIT_USAGE;
	}
	l->readable = true;
	raidx_sb_decode(l->raw, len, &l->sb);
	read_bitmap(fd, l);
	close(fd);
	return 0;
}

/*
 * Pre-flight and read every leg; a non-raid0 leg too small for the bitmap
 * is unusable input, and so is a device given twice.
 */
int rx_read_array(struct rx_array *a, char **paths, unsigned int nr)
{
	unsigned int i, j;
	int r;

	for (i = 0; i < nr; i++) {
		struct rx_leg *l = &a->legs[i];

		l->path = paths[i];
		l->missing = !strcmp(paths[i], "-");
		r = rx_read_leg(l);
		if (r)
			return r;
		for (j = 0; j < i && !l->missing; j++)
			if (!a->legs[j].missing &&
			    rx_same_dev(&a->legs[j].st, &l->st)) {
				rx_err("%s: given twice (legs %u and %u): "
				       "refused", l->path, j, i);
				return RX_EXIT_USAGE;
			}
		if (l->missing || l->sb.magic != RAIDX_SB_MAGIC)
			continue;
		if (rx_array_has_bitmap(&l->sb) &&
		    l->size < RX_BITMAP_BITS_OFFSET) {
			rx_err("%s: too small (%llu bytes) for superblock and "
			       "bitmap header (%u bytes)", l->path, l->size,
			       RX_BITMAP_BITS_OFFSET);
			return RX_EXIT_USAGE;
		}
	}
	return 0;
}

/*
 * Write superblock area (4 KiB, encoded from l->sb so the extension and
 * zero padding are canonical) and, when asked, bitmap header and bits.
 * Only for the hidden test subcommands; the tools use rx_outs_write().
 */
int rx_write_leg(const char *path, const struct rx_leg *l, bool bitmap)
{
	unsigned char area[RX_SB_AREA];
	unsigned char hdr[RAIDX_BITMAP_SB_SIZE];
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0) {
		rx_err("%s: %s", path, strerror(errno));
		return -1;
	}
	raidx_sb_encode(&l->sb, area, sizeof(area));
	if (pwrite_full(fd, area, sizeof(area), 0) != sizeof(area))
		r = -1;
	if (!r && bitmap) {
		raidx_bitmap_encode(&l->bm, hdr, sizeof(hdr));
		if (pwrite_full(fd, hdr, sizeof(hdr), RAIDX_BITMAP_OFFSET) !=
		    sizeof(hdr))
			r = -1;
		if (!r && l->nbits_bytes &&
		    pwrite_full(fd, l->bits, l->nbits_bytes,
				RX_BITMAP_BITS_OFFSET) != l->nbits_bytes)
			r = -1;
	}
	if (!r && fsync(fd) && errno != EINVAL)
		r = -1;
	if (r)
		rx_err("%s: write error: %s", path, strerror(errno));
	if (close(fd))
		r = -1;
	return r;
}

/*----------------------------------------------------------------
 * Outputs
 *--------------------------------------------------------------*/
static void outs_free(struct rx_outs *os)
{
	unsigned int i, k;

	for (i = 0; os->o && i < os->n; i++) {
		struct rx_out *o = &os->o[i];

		if (o->fd >= 0)
			close(o->fd);
		for (k = 0; k < o->nr; k++)
			free(o->r[k].old);
	}
	free(os->o);
	os->o = NULL;
	os->n = 0;
}

static int open_output(struct rx_out *o)
{
	bool have;
	int flags = O_RDWR;

	if (rx_stat_path(o->path, &o->st, &have))
		return -1;
	/*
	 * O_EXCL on a block device fails with EBUSY while the kernel holds
	 * it (a dm table, md, a mount) or another program opened it O_EXCL:
	 * that is live metadata, as thin_restore says.
	 */
	if (S_ISBLK(o->st.st_mode))
		flags |= O_EXCL;
	o->fd = open_checked(o->path, flags, &o->st);
	if (o->fd < 0) {
		if (errno == EBUSY)
			rx_err("%s: device is in use (held by the kernel or "
			       "opened exclusively): refusing to overwrite "
			       "live metadata", o->path);
		else
			rx_err("%s: cannot open for writing: %s", o->path,
			       strerror(errno));
		return -1;
	}
	o->size = fd_size(o->fd);
	return 0;
}

int rx_outs_open(struct rx_outs *os, char **paths, unsigned int n,
		 const struct rx_ident *ins, unsigned int nin)
{
	unsigned int i, j;

	os->n = n;
	os->o = calloc(n ? n : 1, sizeof(*os->o));
	if (!os->o) {
		rx_err("out of memory");
		os->n = 0;
		return RX_EXIT_PROBLEMS;
	}
	for (i = 0; i < n; i++)
		os->o[i].fd = -1;
	for (i = 0; i < n; i++) {
		struct rx_out *o = &os->o[i];

		o->path = paths[i];
		if (!strcmp(o->path, "-"))
			continue;
		/* Inputs that could not be read still have a name. */
		for (j = 0; j < nin; j++)
			if (!strcmp(ins[j].path, o->path))
				goto is_input;
		if (open_output(o))
			goto fail;
		for (j = 0; j < nin; j++)
			if (ins[j].have_st && rx_same_dev(&ins[j].st, &o->st))
				goto is_input;
		for (j = 0; j < i; j++)
			if (os->o[j].fd >= 0 &&
			    rx_same_dev(&os->o[j].st, &o->st)) {
				rx_err("%s: output given twice (outputs %u and "
				       "%u): refused", o->path, j, i);
				goto fail;
			}
		continue;
is_input:
		rx_err("%s: output %u is also an input (%s, %s): refused, "
		       "nothing written", o->path, i, ins[j].what,
		       ins[j].path);
		goto fail;
	}
	return 0;
fail:
	outs_free(os);
	return RX_EXIT_USAGE;
}

unsigned long long rx_leg_need(const struct rx_leg *l, bool bitmap)
{
	if (!bitmap)
		return RX_SB_AREA;
	return RX_BITMAP_BITS_OFFSET + l->nbits_bytes;
}

static void add_range(struct rx_out *o, unsigned long long off,
		      const void *data, size_t len)
{
	struct rx_range *r = &o->r[o->nr++];

	r->off = off;
	r->data = data;
	r->len = len;
}

/* Ranges to write, and a copy of what they overwrite. */
static int prepare(struct rx_out *o, const struct rx_leg *l)
{
	bool bitmap = rx_array_has_bitmap(&l->sb);
	unsigned int k;

	if (o->size < rx_leg_need(l, bitmap)) {
		rx_err("%s: too small: %llu bytes, the metadata needs %llu",
		       o->path, o->size, rx_leg_need(l, bitmap));
		return -1;
	}
	raidx_sb_encode(&l->sb, o->area, sizeof(o->area));
	if (bitmap) {
		raidx_bitmap_encode(&l->bm, o->hdr, sizeof(o->hdr));
		add_range(o, RAIDX_BITMAP_OFFSET, o->hdr, sizeof(o->hdr));
		if (l->nbits_bytes)
			add_range(o, RX_BITMAP_BITS_OFFSET, l->bits,
				  l->nbits_bytes);
	}
	add_range(o, 0, o->area, sizeof(o->area));	/* last: commits */
	for (k = 0; k < o->nr; k++) {
		struct rx_range *r = &o->r[k];

		r->old = malloc(r->len);
		if (!r->old) {
			rx_err("%s: out of memory", o->path);
			return -1;
		}
		errno = 0;
		if (pread_full(o->fd, r->old, r->len, r->off) != r->len) {
			rx_err("%s: cannot read what would be overwritten "
			       "(bytes %llu..%llu): %s; nothing written",
			       o->path, r->off, r->off + r->len - 1,
			       errno ? strerror(errno) : "short read");
			return -1;
		}
	}
	return 0;
}

static int sync_out(struct rx_out *o)
{
	if (fsync(o->fd) && errno != EINVAL) {
		rx_err("%s: flush error: %s", o->path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Phase 0 reads what will be overwritten on every output; phase 1 writes
 * bitmap headers and bits; phase 2 the superblocks, which make a device
 * valid.  A crash leaves at worst new bitmaps behind old superblocks.
 */
int rx_outs_write(struct rx_outs *os, const struct rx_array *a)
{
	unsigned int i, k, phase;

	if (a->nr != os->n) {
		rx_err("internal error: %u legs for %u outputs", a->nr, os->n);
		return -1;
	}
	for (i = 0; i < os->n; i++)
		if (os->o[i].fd >= 0 && prepare(&os->o[i], &a->legs[i]))
			return -1;
	for (phase = 1; phase <= 2; phase++) {
		for (i = 0; i < os->n; i++) {
			struct rx_out *o = &os->o[i];

			if (o->fd < 0)
				continue;
			for (k = 0; k < o->nr; k++) {
				struct rx_range *r = &o->r[k];

				if ((phase == 1) != (r->off != 0))
					continue;
				r->done = pwrite_full(o->fd, r->data, r->len,
						      r->off);
				if (r->done != r->len) {
					rx_err("%s: write error at byte %llu: "
					       "%s", o->path, r->off + r->done,
					       strerror(errno));
					goto undo;
				}
			}
			if (sync_out(o))
				goto undo;
		}
	}
	return 0;
undo:
	rx_outs_undo(os);
	return -1;
}

/* Put back what was overwritten; say so for every device touched. */
int rx_outs_undo(struct rx_outs *os)
{
	unsigned int i, k;
	int bad = 0;

	for (i = 0; i < os->n; i++) {
		struct rx_out *o = &os->o[i];
		bool touched = false, ok = true;

		if (o->fd < 0)
			continue;
		for (k = o->nr; k-- > 0; ) {
			struct rx_range *r = &o->r[k];

			if (!r->done)
				continue;
			touched = true;
			if (pwrite_full(o->fd, r->old, r->done, r->off) !=
			    r->done)
				ok = false;
			else
				r->done = 0;
		}
		if (!touched)
			continue;
		if (ok && sync_out(o))
			ok = false;
		if (ok) {
			rx_err("%s: previous contents put back", o->path);
		} else {
			rx_err("%s: could not put the previous contents back: "
			       "%s; the device holds a partial write",
			       o->path, strerror(errno));
			bad = -1;
		}
	}
	return bad;
}

int rx_outs_close(struct rx_outs *os)
{
	unsigned int i;
	int r = 0;

	for (i = 0; os->o && i < os->n; i++) {
		struct rx_out *o = &os->o[i];

		if (o->fd >= 0 && close(o->fd)) {
			rx_err("%s: close error: %s", o->path,
			       strerror(errno));
			r = -1;
		}
		o->fd = -1;
	}
	outs_free(os);
	return r;
}

/*----------------------------------------------------------------
 * Array semantics
 *--------------------------------------------------------------*/

/*
 * dm-raid super_validate: no bitmap for raid0 or journaled raid4/5/6;
 * none for PPL, and none until dm-raidx writes a fresh one after PPL.
 */
bool rx_array_has_bitmap(const struct raidx_sb *sb)
{
	if (sb->level == 0)
		return false;
	if (sb->incompat_features & (RAIDX_INCOMPAT_JOURNAL |
				     RAIDX_INCOMPAT_STALE_BITMAP))
		return false;
	if (sb->has_ext && (sb->consistency_policy == RAIDX_POLICY_JOURNAL ||
			    sb->consistency_policy == RAIDX_POLICY_PPL))
		return false;
	return true;
}

/*
 * What md stores in bitmap sync_size: mddev->resync_max_sectors, which
 * is the per-device size for raid1/4/5/6 and the array size for raid10
 * (raid10_run sets it to raid10_size()).
 */
unsigned long long rx_bitmap_sync_sectors(const struct raidx_sb *sb)
{
	return sb->level == 10 ? sb->array_sectors : sb->sectors;
}

unsigned int rx_redundancy(const struct raidx_sb *sb)
{
	switch (sb->level) {
	case 1:
		return sb->num_devices ? sb->num_devices - 1 : 0;
	case 4:
	case 5:
		return 1;
	case 6:
		return 2;
	case 10:
		return raidx_r10_copies(sb->layout) ?
		       raidx_r10_copies(sb->layout) - 1 : 0;
	default:
		return 0;
	}
}

/*
 * Can the array run with @lost legs out of sync?  Mirrors
 * validate_raid_redundancy(): raid10 near counts per mirror group, the
 * other raid10 layouts conservatively in total.
 */
bool rx_redundancy_ok(const struct raidx_sb *sb, const bool *lost)
{
	unsigned int i, n = 0, copies;

	for (i = 0; i < sb->num_devices; i++)
		n += lost[i];
	if (sb->level != 10 || raidx_r10_near_copies(sb->layout) < 2)
		return n <= rx_redundancy(sb);

	copies = raidx_r10_near_copies(sb->layout);
	for (i = 0; i < sb->num_devices; i++) {
		unsigned int k, bad = 0;

		for (k = 0; k < copies; k++)
			bad += lost[(i + k) % sb->num_devices];
		if (bad >= copies)
			return false;
	}
	return true;
}

/* Index of the freshest leg with a valid superblock, or -1. */
int rx_freshest(const struct rx_array *a)
{
	int best = -1;
	unsigned int i;

	for (i = 0; i < a->nr; i++) {
		if (!a->legs[i].sb_valid)
			continue;
		if (best < 0 || raidx_sb_fresher(&a->legs[i].sb,
						 &a->legs[best].sb))
			best = i;
	}
	return best;
}

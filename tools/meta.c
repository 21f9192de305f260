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

int rx_preflight(const char *path, unsigned long long *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		rx_err("%s: %s", path, strerror(errno));
		return RX_EXIT_USAGE;
	}
	*size = fd_size(fd);
	close(fd);
	if (*size < RX_MIN_BLOCK) {
		rx_err("%s: too small (%llu bytes) to hold a superblock",
		       path, *size);
		return RX_EXIT_USAGE;
	}
	return 0;
}

static int pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static int pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

/* Read bitmap header and, if it fits the device and our bound, its bits. */
static void read_bitmap(int fd, struct rx_leg *l)
{
	unsigned char hdr[RAIDX_BITMAP_SB_SIZE];
	unsigned long long bytes;

	if (l->size < RX_BITMAP_BITS_OFFSET ||
	    pread_full(fd, hdr, sizeof(hdr), RAIDX_BITMAP_OFFSET))
		return;
	raidx_bitmap_decode(hdr, sizeof(hdr), &l->bm);
	l->has_bitmap = true;
	if (l->bm.magic != RAIDX_BITMAP_MAGIC)
		return;
	bytes = raidx_bitmap_bytes(&l->bm);
	if (!bytes || bytes > RX_MAX_BITMAP_BYTES ||
	    RX_BITMAP_BITS_OFFSET + bytes > l->size)
		return;
	rx_leg_set_bits(l, NULL, bytes);
	if (l->bits && pread_full(fd, l->bits, bytes, RX_BITMAP_BITS_OFFSET))
		rx_leg_set_bits(l, NULL, 0);
}

int rx_read_leg(struct rx_leg *l)
{
	size_t len;
	int fd, r;

	if (l->missing)
		return 0;
	r = rx_preflight(l->path, &l->size);
	if (r)
		return r;
	fd = open(l->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rx_err("%s: %s", l->path, strerror(errno));
		return RX_EXIT_USAGE;
	}
	len = l->size < RX_SB_AREA ? l->size : RX_SB_AREA;
	if (pread_full(fd, l->raw, len, 0)) {
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
 * is unusable input.
 */
int rx_read_array(struct rx_array *a, char **paths, unsigned int nr)
{
	unsigned int i;
	int r;

	for (i = 0; i < nr; i++) {
		struct rx_leg *l = &a->legs[i];

		l->path = paths[i];
		l->missing = !strcmp(paths[i], "-");
		r = rx_read_leg(l);
		if (r)
			return r;
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
	if (pwrite_full(fd, area, sizeof(area), 0))
		r = -1;
	if (!r && bitmap) {
		raidx_bitmap_encode(&l->bm, hdr, sizeof(hdr));
		if (pwrite_full(fd, hdr, sizeof(hdr), RAIDX_BITMAP_OFFSET))
			r = -1;
		if (!r && l->nbits_bytes &&
		    pwrite_full(fd, l->bits, l->nbits_bytes,
				RX_BITMAP_BITS_OFFSET))
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

/* Zero the superblock area so a half-written device is never valid. */
int rx_zero_sb(const char *path)
{
	unsigned char zero[RX_SB_AREA] = { 0 };
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = pwrite_full(fd, zero, sizeof(zero), 0);
	fsync(fd);
	close(fd);
	return r;
}

bool rx_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) || stat(b, &sb))
		return false;
	if (S_ISBLK(sa.st_mode) && S_ISBLK(sb.st_mode))
		return sa.st_rdev == sb.st_rdev;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
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

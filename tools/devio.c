// SPDX-License-Identifier: GPL-2.0
/*
 * devio.c - reading metadata devices, and the I/O primitives every
 * writer shares.
 *
 * Every path is stat()ed before it is opened and only regular files and
 * block devices are accepted, so a FIFO or a character device is refused
 * without blocking.  pread/pwrite work on either, so image files and
 * block devices behave alike.  Inputs are opened O_RDONLY: a tool that
 * reads a device never writes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "raidx-tools.h"

/* lseek works for block devices and files alike; no linux/fs.h needed. */
unsigned long long rx_fd_size(int fd)
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
int rx_open_checked(const char *path, int flags, const struct stat *st)
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

size_t rx_pread_full(int fd, void *buf, size_t len, off_t off)
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

size_t rx_pwrite_full(int fd, const void *buf, size_t len, off_t off)
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
	    rx_pread_full(fd, hdr, sizeof(hdr), RAIDX_BITMAP_OFFSET) !=
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
	if (l->bits &&
	    rx_pread_full(fd, l->bits, bytes, RX_BITMAP_BITS_OFFSET) != bytes)
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
	fd = rx_open_checked(l->path, O_RDONLY, &l->st);
	if (fd < 0) {
		rx_err("%s: %s", l->path, strerror(errno));
		return RX_EXIT_USAGE;
	}
	l->size = rx_fd_size(fd);
	if (l->size < RX_MIN_BLOCK) {
		rx_err("%s: too small (%llu bytes) to hold a superblock",
		       l->path, l->size);
		close(fd);
		return RX_EXIT_USAGE;
	}
	len = l->size < RX_SB_AREA ? l->size : RX_SB_AREA;
	if (rx_pread_full(fd, l->raw, len, 0) != len) {
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
		if (raidx_sb_has_bitmap(&l->sb) &&
		    l->size < RX_BITMAP_BITS_OFFSET) {
			rx_err("%s: too small (%llu bytes) for superblock and "
			       "bitmap header (%u bytes)", l->path, l->size,
			       RX_BITMAP_BITS_OFFSET);
			return RX_EXIT_USAGE;
		}
	}
	return 0;
}

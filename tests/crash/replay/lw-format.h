/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The on-disk format of a dm-log-writes log, as written by
 * drivers/md/dm-log-writes.c (Linux 6.1) and described in
 * Documentation/admin-guide/device-mapper/log-writes.rst.
 *
 * Byte 0 holds the super.  Entries start one log sector later; each is one
 * log sector holding the entry header (and, for a MARK, the mark text right
 * after it), followed by nr_sectors log sectors of data, except for a
 * DISCARD, which logs no data.  "sector" and "nr_sectors" count sectors of
 * the logged device's logical block size (the super's sectorsize), not 512.
 * All fields are little-endian.
 */
#ifndef LW_FORMAT_H
#define LW_FORMAT_H

#include <stdint.h>
#include <endian.h>

#define LW_FLUSH	(1u << 0)
#define LW_FUA		(1u << 1)
#define LW_DISCARD	(1u << 2)
#define LW_MARK		(1u << 3)
#define LW_METADATA	(1u << 4)
#define LW_KNOWN_FLAGS	(LW_FLUSH | LW_FUA | LW_DISCARD | LW_MARK | LW_METADATA)

#define LW_VERSION	1ULL
#define LW_MAGIC	0x6a736677736872ULL

/* The kernel takes the sector size from bdev_logical_block_size(). */
#define LW_MIN_SECTORSIZE	512u
#define LW_MAX_SECTORSIZE	65536u

struct lw_super {
	uint64_t magic;
	uint64_t version;
	uint64_t nr_entries;
	uint32_t sectorsize;
} __attribute__((packed));

struct lw_entry {
	uint64_t sector;
	uint64_t nr_sectors;
	uint64_t flags;
	uint64_t data_len;
} __attribute__((packed));

_Static_assert(sizeof(struct lw_super) == 28, "log_write_super is 28 bytes");
_Static_assert(sizeof(struct lw_entry) == 32, "log_write_entry is 32 bytes");

#endif

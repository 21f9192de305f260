/* SPDX-License-Identifier: GPL-2.0 */
/*
 * raidx-ondisk.h - compile-time pins of the on-disk format.
 *
 * Owns: the size of every on-disk struct in raidx-format.h and the byte
 * offset of every one of their fields, in the manner of xfs_ondisk.h.
 * Included by raidx-format.c only, so it is checked in the module build
 * and in every tools/ build; a layout change fails the compile there.
 *
 * The numbers are not whatever the structs happen to compute: the stock
 * superblock is pinned to struct dm_raid_superblock (drivers/md/dm-raid.c,
 * v1.15.1, Linux 6.1), the bitmap header to md's bitmap_super_t
 * (drivers/md/md-bitmap.h) and the PPL header to struct ppl_header
 * (include/uapi/linux/raid/md_p.h).  Only struct raidx_disk_ext is our
 * own; its numbers are the layout dm-raidx has always written.
 */
#ifndef RAIDX_ONDISK_H
#define RAIDX_ONDISK_H

#include "raidx-format.h"

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/stddef.h>
#else
#include <assert.h>
#include <stddef.h>
#endif

#define RAIDX_CHECK_SIZE(type, size) \
	static_assert(sizeof(struct type) == (size), \
		      "on-disk format: sizeof(struct " #type ") != " #size)

#define RAIDX_CHECK_OFFSET(type, field, offset) \
	static_assert(offsetof(struct type, field) == (offset), \
		      "on-disk format: " #type "." #field " not at " #offset)

#define RAIDX_CHECK_VALUE(name, value) \
	static_assert((name) == (value), \
		      "on-disk format: " #name " != " #value)

/*
 * The stock superblock at byte 0: struct dm_raid_superblock, 148 bytes.
 * Bytes 60..147 are the v1.9.0 extension (FEATURE_FLAG_SUPPORTS_V190).
 */
RAIDX_CHECK_SIZE(raidx_disk_sb, 148);
RAIDX_CHECK_OFFSET(raidx_disk_sb, magic, 0);
RAIDX_CHECK_OFFSET(raidx_disk_sb, compat_features, 4);
RAIDX_CHECK_OFFSET(raidx_disk_sb, num_devices, 8);
RAIDX_CHECK_OFFSET(raidx_disk_sb, array_position, 12);
RAIDX_CHECK_OFFSET(raidx_disk_sb, events, 16);
RAIDX_CHECK_OFFSET(raidx_disk_sb, failed_devices, 24);
RAIDX_CHECK_OFFSET(raidx_disk_sb, disk_recovery_offset, 32);
RAIDX_CHECK_OFFSET(raidx_disk_sb, array_resync_offset, 40);
RAIDX_CHECK_OFFSET(raidx_disk_sb, level, 48);
RAIDX_CHECK_OFFSET(raidx_disk_sb, layout, 52);
RAIDX_CHECK_OFFSET(raidx_disk_sb, stripe_sectors, 56);
RAIDX_CHECK_OFFSET(raidx_disk_sb, flags, 60);
RAIDX_CHECK_OFFSET(raidx_disk_sb, reshape_position, 64);
RAIDX_CHECK_OFFSET(raidx_disk_sb, new_level, 72);
RAIDX_CHECK_OFFSET(raidx_disk_sb, new_layout, 76);
RAIDX_CHECK_OFFSET(raidx_disk_sb, new_stripe_sectors, 80);
RAIDX_CHECK_OFFSET(raidx_disk_sb, delta_disks, 84);
RAIDX_CHECK_OFFSET(raidx_disk_sb, array_sectors, 88);
RAIDX_CHECK_OFFSET(raidx_disk_sb, data_offset, 96);
RAIDX_CHECK_OFFSET(raidx_disk_sb, new_data_offset, 104);
RAIDX_CHECK_OFFSET(raidx_disk_sb, sectors, 112);
RAIDX_CHECK_OFFSET(raidx_disk_sb, extended_failed_devices, 120);
RAIDX_CHECK_OFFSET(raidx_disk_sb, incompat_features, 144);
RAIDX_CHECK_VALUE(RAIDX_SB_SIZE, sizeof(struct raidx_disk_sb));

/*
 * dm-raid.c's constants that the superblock layout depends on:
 * DM_RAID_MAGIC, FEATURE_FLAG_SUPPORTS_V190, SB_FLAG_RESHAPE_*,
 * MAX_RAID_DEVICES and DISKS_ARRAY_ELEMS (64-bit failed-device words).
 */
RAIDX_CHECK_VALUE(RAIDX_SB_MAGIC, 0x64526D44);
RAIDX_CHECK_VALUE(RAIDX_COMPAT_V190, 0x1);
RAIDX_CHECK_VALUE(RAIDX_SB_RESHAPE_ACTIVE, 0x1);
RAIDX_CHECK_VALUE(RAIDX_SB_RESHAPE_BACKWARDS, 0x2);
RAIDX_CHECK_VALUE(RAIDX_MAX_DEVICES, 253);
RAIDX_CHECK_VALUE(RAIDX_FAILED_WORDS, 4);

/*
 * The dm-raidx extension at byte 152 (no kernel counterpart).  It must sit
 * after the stock superblock, end within the smallest logical block (the
 * stock target reads and zeroes one logical block) and before the bitmap;
 * csum is its last word, covering the bytes before it.
 */
RAIDX_CHECK_SIZE(raidx_disk_ext, 96);
RAIDX_CHECK_OFFSET(raidx_disk_ext, magic, 0);
RAIDX_CHECK_OFFSET(raidx_disk_ext, size, 4);
RAIDX_CHECK_OFFSET(raidx_disk_ext, consistency_policy, 8);
RAIDX_CHECK_OFFSET(raidx_disk_ext, journal_mode, 12);
RAIDX_CHECK_OFFSET(raidx_disk_ext, uuid, 16);
RAIDX_CHECK_OFFSET(raidx_disk_ext, journal_tail, 32);
RAIDX_CHECK_OFFSET(raidx_disk_ext, journal_seq, 40);
RAIDX_CHECK_OFFSET(raidx_disk_ext, ppl_sector, 48);
RAIDX_CHECK_OFFSET(raidx_disk_ext, ppl_size, 56);
RAIDX_CHECK_OFFSET(raidx_disk_ext, state, 60);
RAIDX_CHECK_OFFSET(raidx_disk_ext, reserved, 64);
RAIDX_CHECK_OFFSET(raidx_disk_ext, csum, 92);
RAIDX_CHECK_VALUE(RAIDX_EXT_SIZE, sizeof(struct raidx_disk_ext));
RAIDX_CHECK_VALUE(RAIDX_EXT_OFFSET, 152);
static_assert(RAIDX_EXT_OFFSET >= RAIDX_SB_SIZE,
	      "on-disk format: extension overlaps the stock superblock");
static_assert(RAIDX_EXT_OFFSET + RAIDX_EXT_SIZE <= 512,
	      "on-disk format: extension does not fit a 512-byte block");
static_assert(offsetof(struct raidx_disk_ext, csum) + sizeof(__le32) ==
	      RAIDX_EXT_SIZE,
	      "on-disk format: extension csum is not its last word");

/*
 * md's bitmap_super_t at byte 4096 (dm-raid.c: bitmap_info.offset =
 * to_sector(4096)), 256 bytes, bits from byte 4352.  BITMAP_MAGIC,
 * BITMAP_MAJOR_LO/HI/CLUSTERED and bit BITMAP_STALE of state from
 * md-bitmap.h.
 */
RAIDX_CHECK_SIZE(raidx_disk_bitmap_sb, 256);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, magic, 0);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, version, 4);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, uuid, 8);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, events, 24);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, events_cleared, 32);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, sync_size, 40);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, state, 48);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, chunksize, 52);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, daemon_sleep, 56);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, write_behind, 60);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, sectors_reserved, 64);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, nodes, 68);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, cluster_name, 72);
RAIDX_CHECK_OFFSET(raidx_disk_bitmap_sb, pad, 136);
RAIDX_CHECK_VALUE(RAIDX_BITMAP_SB_SIZE, sizeof(struct raidx_disk_bitmap_sb));
RAIDX_CHECK_VALUE(RAIDX_BITMAP_OFFSET, 4096);
static_assert(RAIDX_EXT_OFFSET + RAIDX_EXT_SIZE <= RAIDX_BITMAP_OFFSET,
	      "on-disk format: extension overlaps the bitmap header");
RAIDX_CHECK_VALUE(RAIDX_BITMAP_MAGIC, 0x6d746962);
RAIDX_CHECK_VALUE(RAIDX_BITMAP_MAJOR_LO, 3);
RAIDX_CHECK_VALUE(RAIDX_BITMAP_MAJOR_HI, 4);
RAIDX_CHECK_VALUE(RAIDX_BITMAP_MAJOR_CLUSTERED, 5);
RAIDX_CHECK_VALUE(RAIDX_BITMAP_STALE, 1 << 1);

/*
 * The fixed part of md's struct ppl_header: everything before entries[],
 * which start at byte 536 (PPL_HEADER_SIZE 4096 less PPL_HDR_ENTRY_SPACE
 * 3560).  PPL_HDR_RESERVED 512 bytes of 0xff come first.
 */
RAIDX_CHECK_SIZE(raidx_disk_ppl_header, 536);
RAIDX_CHECK_OFFSET(raidx_disk_ppl_header, reserved, 0);
RAIDX_CHECK_OFFSET(raidx_disk_ppl_header, signature, 512);
RAIDX_CHECK_OFFSET(raidx_disk_ppl_header, padding, 516);
RAIDX_CHECK_OFFSET(raidx_disk_ppl_header, generation, 520);
RAIDX_CHECK_OFFSET(raidx_disk_ppl_header, entries_count, 528);
RAIDX_CHECK_OFFSET(raidx_disk_ppl_header, checksum, 532);
RAIDX_CHECK_VALUE(RAIDX_PPL_HEADER_SIZE, 4096);
RAIDX_CHECK_VALUE(RAIDX_PPL_HDR_RESERVED, 512);

#undef RAIDX_CHECK_SIZE
#undef RAIDX_CHECK_OFFSET
#undef RAIDX_CHECK_VALUE

#endif /* RAIDX_ONDISK_H */

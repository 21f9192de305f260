/* SPDX-License-Identifier: GPL-2.0 */
/*
 * raidx-format.h - the on-disk format of dm-raid/dm-raidx metadata devices.
 *
 * Owns: the byte layout of the superblock that the stock dm-raid target
 * (v1.15.1) writes at sector 0 of every metadata device, the dm-raidx
 * extension that follows it, and md's write-intent bitmap header at 4 KiB.
 * Everything here is pure: no I/O, no locks, no allocation.  The same
 * source is compiled into the kernel module and into tools/ (through
 * include/raidx-format-user.h), so the tools and the host fuzzers
 * exercise exactly the code the kernel runs.
 *
 * Layout of a metadata device (all integers little endian):
 *
 *   byte 0     struct raidx_disk_sb      148 bytes, the stock superblock
 *   byte 152   struct raidx_disk_ext     dm-raidx extension (optional)
 *   ...        zero up to the logical block size
 *   byte 4096  md bitmap_super_t         256 bytes (absent for raid0/journal)
 *   byte 4352  bitmap bits, one per region, little-endian bit order
 *
 * The stock target zeroes everything after byte 148 whenever it writes a
 * superblock, and refuses an array with any bit set in incompat_features or
 * an unknown bit in compat_features.  So the extension carries its own magic
 * and checksum: if the stock target rewrote the superblock, the extension is
 * simply gone.  Features the stock target cannot honour (PPL, a persisted
 * journal tail) set an incompat bit so that it refuses the array instead.
 */
#ifndef RAIDX_FORMAT_H
#define RAIDX_FORMAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/byteorder.h>
#else
#include "raidx-format-user.h"
#endif

/*----------------------------------------------------------------*/

#define RAIDX_SB_MAGIC			0x64526D44	/* "DmRd" */
#define RAIDX_EXT_MAGIC			0x78446152	/* "RaDx" */
#define RAIDX_MAX_DEVICES		253
#define RAIDX_FAILED_WORDS		4	/* 64-bit words of failed bits */
#define RAIDX_MAX_SECTOR		(~0ULL)

/* compat_features: the only bit the stock target knows. */
#define RAIDX_COMPAT_V190		0x1
#define RAIDX_COMPAT_KNOWN		RAIDX_COMPAT_V190

/* flags */
#define RAIDX_SB_RESHAPE_ACTIVE		0x1
#define RAIDX_SB_RESHAPE_BACKWARDS	0x2
#define RAIDX_SB_FLAGS_KNOWN		0x3

/*
 * incompat_features: any bit makes the stock target refuse the array
 * ("No incompatible feature flags supported yet").
 */
#define RAIDX_INCOMPAT_PPL		0x1	/* raid5 partial parity log */
#define RAIDX_INCOMPAT_JOURNAL		0x2	/* journal uuid, or tail past 0 */
/*
 * The bitmap area holds no valid bitmap (the array ran with PPL, or a
 * runtime switch dropped the bitmap): dm-raidx writes a fresh one on the
 * next activation; the stock target would trip over the stale one.
 */
#define RAIDX_INCOMPAT_NO_BITMAP	0x4
#define RAIDX_INCOMPAT_KNOWN		0x7
/* Either bit: the bitmap area at RAIDX_BITMAP_OFFSET is not to be trusted. */
#define RAIDX_INCOMPAT_STALE_BITMAP	(RAIDX_INCOMPAT_PPL | RAIDX_INCOMPAT_NO_BITMAP)

/* Offsets of the superblock parts, in bytes from the device start. */
#define RAIDX_SB_SIZE			148
#define RAIDX_EXT_OFFSET		152
#define RAIDX_EXT_SIZE			96
#define RAIDX_BITMAP_OFFSET		4096
#define RAIDX_BITMAP_SB_SIZE		256

/* md bitmap header constants (md-bitmap.h) */
#define RAIDX_BITMAP_MAGIC		0x6d746962	/* "bitm" */
#define RAIDX_BITMAP_MAJOR_LO		3
#define RAIDX_BITMAP_MAJOR_HI		4
#define RAIDX_BITMAP_MAJOR_CLUSTERED	5
#define RAIDX_BITMAP_STALE		0x2	/* state bit: needs full resync */

/* md's Partial Parity Log header (md_p.h, struct ppl_header) */
#define RAIDX_PPL_HEADER_SIZE		4096
#define RAIDX_PPL_HDR_RESERVED		512	/* filled with 0xff */

/* md raid5/6 layouts (raid5.h) */
#define RAIDX_ALG_LEFT_ASYMMETRIC	0
#define RAIDX_ALG_RIGHT_ASYMMETRIC	1
#define RAIDX_ALG_LEFT_SYMMETRIC	2
#define RAIDX_ALG_RIGHT_SYMMETRIC	3
#define RAIDX_ALG_PARITY_0		4
#define RAIDX_ALG_PARITY_N		5
#define RAIDX_ALG_ROTATING_ZERO_RESTART	8
#define RAIDX_ALG_ROTATING_N_RESTART	9
#define RAIDX_ALG_ROTATING_N_CONTINUE	10
#define RAIDX_ALG_LEFT_ASYMMETRIC_6	16
#define RAIDX_ALG_RIGHT_ASYMMETRIC_6	17
#define RAIDX_ALG_LEFT_SYMMETRIC_6	18
#define RAIDX_ALG_RIGHT_SYMMETRIC_6	19

/* md raid10 layout word: near copies, far copies << 8, flag bits */
#define RAIDX_R10_OFFSET		BIT(16)
#define RAIDX_R10_USE_FAR_SETS		BIT(18)
#define RAIDX_R10_FAR_SHIFT		8

/* ext.state: md had writes in flight when this superblock was written. */
#define RAIDX_EXT_DIRTY			0x1
#define RAIDX_EXT_STATE_KNOWN		RAIDX_EXT_DIRTY

/* Consistency policies (ext.consistency_policy) */
enum raidx_policy {
	RAIDX_POLICY_RESYNC = 0,
	RAIDX_POLICY_JOURNAL = 1,
	RAIDX_POLICY_PPL = 2,
	RAIDX_POLICY_COUNT
};

/* Journal modes, numbered as md's r5c_journal_mode */
enum raidx_journal_mode {
	RAIDX_JOURNAL_WRITETHROUGH = 0,
	RAIDX_JOURNAL_WRITEBACK = 1,
	RAIDX_JOURNAL_MODE_COUNT
};

/*----------------------------------------------------------------*/

/* The stock superblock, byte for byte. */
struct raidx_disk_sb {
	__le32 magic;
	__le32 compat_features;
	__le32 num_devices;
	__le32 array_position;
	__le64 events;
	__le64 failed_devices;		/* devices 0..63 */
	__le64 disk_recovery_offset;
	__le64 array_resync_offset;
	__le32 level;
	__le32 layout;
	__le32 stripe_sectors;
	/* v1.9.0 extension (RAIDX_COMPAT_V190) */
	__le32 flags;
	__le64 reshape_position;
	__le32 new_level;
	__le32 new_layout;
	__le32 new_stripe_sectors;
	__le32 delta_disks;
	__le64 array_sectors;
	__le64 data_offset;
	__le64 new_data_offset;
	__le64 sectors;
	__le64 extended_failed_devices[RAIDX_FAILED_WORDS - 1];
	__le32 incompat_features;
} __packed;

/* dm-raidx extension, at RAIDX_EXT_OFFSET. */
struct raidx_disk_ext {
	__le32 magic;			/* RAIDX_EXT_MAGIC */
	__le32 size;			/* RAIDX_EXT_SIZE */
	__le32 consistency_policy;	/* enum raidx_policy */
	__le32 journal_mode;		/* enum raidx_journal_mode */
	__u8 uuid[16];			/* seeds journal and PPL checksums */
	__le64 journal_tail;		/* sector on the journal device */
	__le64 journal_seq;		/* last sequence md's journal wrote */
	__le64 ppl_sector;		/* PPL start, relative to data device */
	__le32 ppl_size;		/* PPL sectors, header included */
	__le32 state;			/* RAIDX_EXT_* */
	__le32 reserved[7];
	__le32 csum;			/* crc32c of the bytes before it */
} __packed;

/* md's bitmap_super_t, byte for byte. */
struct raidx_disk_bitmap_sb {
	__le32 magic;
	__le32 version;
	__u8 uuid[16];
	__le64 events;
	__le64 events_cleared;
	__le64 sync_size;
	__le32 state;
	__le32 chunksize;
	__le32 daemon_sleep;
	__le32 write_behind;
	__le32 sectors_reserved;
	__le32 nodes;
	__u8 cluster_name[64];
	__u8 pad[120];
} __packed;

/* The fixed part of md's PPL header; entries follow up to 4 KiB. */
struct raidx_disk_ppl_header {
	__u8 reserved[RAIDX_PPL_HDR_RESERVED];
	__le32 signature;
	__le32 padding;
	__le64 generation;
	__le32 entries_count;
	__le32 checksum;		/* ~crc32c of the 4 KiB, this zero */
} __packed;

/*----------------------------------------------------------------*/

/* A decoded superblock, in CPU byte order. */
struct raidx_sb {
	u32 magic;
	u32 compat_features;
	u32 num_devices;
	u32 array_position;
	u64 events;
	u64 failed[RAIDX_FAILED_WORDS];
	u64 disk_recovery_offset;
	u64 array_resync_offset;
	u32 level;
	u32 layout;
	u32 stripe_sectors;
	u32 flags;
	u64 reshape_position;
	u32 new_level;
	u32 new_layout;
	u32 new_stripe_sectors;
	s32 delta_disks;
	u64 array_sectors;
	u64 data_offset;
	u64 new_data_offset;
	u64 sectors;
	u32 incompat_features;

	/* The extension; has_ext is false when absent or its csum is bad. */
	bool has_ext;
	bool ext_corrupt;
	u32 consistency_policy;
	u32 journal_mode;
	u8 uuid[16];
	u64 journal_tail;
	u64 journal_seq;
	u64 ppl_sector;
	u32 ppl_size;
	u32 ext_state;
};

struct raidx_bitmap_sb {
	u32 magic;
	u32 version;
	u8 uuid[16];
	u64 events;
	u64 events_cleared;
	u64 sync_size;
	u32 state;
	u32 chunksize;
	u32 daemon_sleep;
	u32 write_behind;
	u32 sectors_reserved;
	u32 nodes;
};

/* One raid type word of the table line, e.g. "raid5_ls". */
struct raidx_type {
	const char *name;
	unsigned int level;
	unsigned int algorithm;	/* md layout; raid10: RAIDX_R10_ALG_* */
	unsigned int parity_devs;	/* legs' worth of parity */
	unsigned int min_devs;		/* fewest legs the table may name */
};

/* raid10 formats, as named on the table line */
enum raidx_r10_alg {
	RAIDX_R10_ALG_DEFAULT = 0,
	RAIDX_R10_ALG_NEAR = 1,
	RAIDX_R10_ALG_OFFSET = 2,
	RAIDX_R10_ALG_FAR = 3,
};

/*
 * Findings of the validators go through a callback so the kernel can log
 * them and the tools can print them with the device name.  @field names
 * the superblock member as raid_dump prints it.
 */
enum raidx_severity { RAIDX_FATAL, RAIDX_WARNING };

struct raidx_report {
	void (*finding)(void *ctx, enum raidx_severity sev, const char *field,
			unsigned long long found, unsigned long long expected,
			const char *why);
	void *ctx;
};

/*----------------------------------------------------------------*/

/* Table of raid types, in the order dm-raid.rst lists them. */
extern const struct raidx_type raidx_types[];
extern const unsigned int raidx_nr_types;

/* Look up a raid type by table word (case-insensitive); NULL if unknown. */
const struct raidx_type *raidx_type_by_name(const char *name);

/* Look up the raid type describing md's @level and @layout; NULL if none. */
const struct raidx_type *raidx_type_by_level_layout(unsigned int level,
						    unsigned int layout);

/* raid10 layout word helpers */
unsigned int raidx_r10_near_copies(u32 layout);
unsigned int raidx_r10_far_copies(u32 layout);
unsigned int raidx_r10_copies(u32 layout);
bool raidx_r10_is_far(u32 layout);
const char *raidx_r10_format_name(u32 layout);
int raidx_r10_alg_by_name(const char *name);
/* md layout for a raid10 format; @near_sets disables far sets. */
int raidx_r10_layout(int alg, unsigned int copies, bool near_sets);

/* Number of devices holding data (not parity or copies) for @level, @devs. */
unsigned int raidx_data_devs(u32 level, u32 devs);

/*
 * Can a crash leave a stripe whose parity no longer matches its data, so
 * a missing leg's data computed from it reads back wrong (the write
 * hole)?  raid4/5/6 with more than one data leg.  A 2-leg raid4/5 (LVM2's
 * step between raid1 and raid5) holds one data chunk and a copy of it
 * per stripe: whichever of the two a crash left, it is a whole chunk.
 */
bool raidx_write_hole(u32 level, u32 disks);
/*
 * Can md run an array of @level/@layout over @disks legs when the legs
 * with @lost[i] set are missing or out of sync?  md's own rule (raid10's
 * enough(), raid5/6's max_degraded), so a table the module refuses for
 * want of redundancy is one md would refuse too.
 */
bool raidx_legs_enough(u32 level, u32 layout, u32 disks, const bool *lost);
/* How many legs the array may lose in the best case. */
unsigned int raidx_redundancy(u32 level, u32 layout, u32 disks);
/*
 * May a leg sit at another table position than its superblock records?
 * dm-raid allows it where LVM2 moves legs: raid1, and raid10 near with
 * whole mirror sets.
 */
bool raidx_leg_may_move(u32 level, u32 layout, u32 disks);

/* An array's geometry: md level, layout and chunk, and its legs. */
struct raidx_shape {
	u32 level;
	u32 layout;
	u32 chunk;	/* sectors */
	u32 disks;
};

/*
 * Does an array shaped @from keep its data when md runs it as @to on
 * the same legs (a level change; new legs rebuilt)?  NULL if it does
 * (or the level is the same), else why not.  Leg order is the caller's.
 */
const char *raidx_takeover_refusal(const struct raidx_shape *from,
				   const struct raidx_shape *to);
/*
 * After a takeover @from -> @to that raidx_takeover_refusal() allows,
 * where leg @pos of the new table finds its data: any of the recorded
 * legs *first .. *first + *count - 1 (a raid10 mirror set going to
 * raid0), or, with *count 0, nowhere: a leg the new level adds, which
 * the table must rebuild.
 */
void raidx_takeover_leg(const struct raidx_shape *from,
			const struct raidx_shape *to, unsigned int pos,
			unsigned int *first, unsigned int *count);
/* The takeovers dm-raidx makes (a subset of those that keep the data). */
bool raidx_takeover_supported(const struct raidx_shape *from,
			      const struct raidx_shape *to);
/* Does leg @pos hold parity (P or Q) only, never data, in this layout? */
bool raidx_leg_only_parity(u32 level, u32 layout, u32 disks, u32 pos);
/*
 * Must a leg to be recovered wait until md's resync has ended?  md
 * recovers first, and a raid1/raid10 recovery takes the regions it passes
 * off the bitmap while writing the recovered leg only: the copies md
 * reads (@legs_read) would keep what made them differ.
 */
bool raidx_recovery_waits_for_resync(u32 level, bool resync_due,
				     unsigned int legs_read);

/*
 * Write-intent bitmap regions (sectors one bitmap bit covers) of a table
 * @len sectors long: the default when the table gives none, and the
 * reason a given @region is refused (NULL if it is not).  @least is the
 * smallest region allowed.
 */
#define RAIDX_REGIONS_MAX	BIT_ULL(21)	/* dm-raid's bitmap bound */
u64 raidx_region_least(u64 len);
u64 raidx_region_default(u64 len);
const char *raidx_region_refusal(u64 len, u64 chunk, u64 region);

/*
 * Does md keep a write-intent bitmap for an array of @level with
 * @policy (enum raidx_policy)?
 */
bool raidx_has_bitmap(u32 level, int policy);

/* Names of policies and journal modes; NULL/-1 if unknown. */
const char *raidx_policy_name(u32 policy);
int raidx_policy_by_name(const char *name);
const char *raidx_journal_mode_name(u32 mode);
int raidx_journal_mode_by_name(const char *name);

/* Failed-device bits */
bool raidx_sb_failed(const struct raidx_sb *sb, unsigned int dev);
void raidx_sb_set_failed(struct raidx_sb *sb, unsigned int dev, bool failed);

/* crc32c (Castagnoli), seed ~0 in and out as md uses it. */
u32 raidx_crc32c(u32 crc, const void *buf, size_t len);

/*
 * Decode the superblock in @buf (@len bytes, at least RAIDX_SB_SIZE).
 * Never fails: garbage decodes to garbage that raidx_sb_validate() rejects.
 * Fields of the v1.9.0 extension are zero when the compat bit is absent,
 * as the stock target treats them.
 */
void raidx_sb_decode(const void *buf, size_t len, struct raidx_sb *sb);

/*
 * Encode @sb into @buf (@len bytes, at least RAIDX_EXT_OFFSET +
 * RAIDX_EXT_SIZE), zeroing everything after it.  The extension is written
 * when sb->has_ext is set.
 */
void raidx_sb_encode(const struct raidx_sb *sb, void *buf, size_t len);

/*
 * Validate one superblock on its own.  Returns the number of fatal
 * findings; every finding (fatal or not) goes to @rep when non-NULL.
 */
unsigned int raidx_sb_validate(const struct raidx_sb *sb,
			       const struct raidx_report *rep);

/* A member written before a takeover a crash interrupted (see .c). */
bool raidx_sb_torn_takeover(const struct raidx_sb *ref,
			    const struct raidx_sb *sb);
/*
 * Validate that @sb (from the device at table position @pos) belongs to
 * the same array as @ref, the freshest superblock.  Returns the number of
 * fatal findings.
 */
/*
 * Is @sb, a member at position @sb->array_position of the array @ref
 * describes, stale: more than one event behind and not recorded failed
 * (a superblock write it missed in a crash, a leg put back from an
 * older copy)?  No write the others recorded says what it missed: md's
 * assembly kicks such a leg, the kernel recovers it in full.  One event
 * behind is a write a crash cut short: md takes it.  A detached leg
 * (raidx_sb_detached()) is stale whatever its events.
 */
bool raidx_sb_stale(const struct raidx_sb *ref, const struct raidx_sb *sb);
unsigned int raidx_sb_validate_member(const struct raidx_sb *ref,
				      const struct raidx_sb *sb,
				      unsigned int pos,
				      const struct raidx_report *rep);

/* Sectors md's resync covers and a bitmap's sync_size must equal. */
u64 raidx_sb_resync_sectors(const struct raidx_sb *sb);

/*
 * True when @a is fresher than @b: higher events, or as many and @b is
 * detached while @a is not (md writes the superblock of a leg it took out
 * of the array with the others').
 */
bool raidx_sb_fresher(const struct raidx_sb *a, const struct raidx_sb *b);

/*
 * array_position of a leg md took out of the array without failing it
 * (its raid_disk -1: md gave up recovering it), as the stock target and
 * dm-raidx before 1.20.1 write it.  Such a leg holds nothing the array
 * can trust: recovered in full at its table position.
 */
#define RAIDX_POSITION_DETACHED	0xffffffffU
bool raidx_sb_detached(const struct raidx_sb *sb);

/*
 * A raid4/5/6 superblock that records another level, layout or chunk
 * size with no reshape in progress.  It is written so both when a
 * conversion was set up but never started (the data in the old
 * geometry) and when md has ended a reshape but not yet taken the new
 * geometry over (the data in the new one, raid5's end_reshape() before
 * raid5_finish_reshape()); the superblock does not say which.  The stock
 * target runs the old geometry; dm-raidx refuses the array.  (A device
 * delta alone is harmless: the leg count a table must match is the one
 * the data has.)
 */
bool raidx_sb_conversion_unfinished(const struct raidx_sb *sb);

/*
 * PPL: the header signature md uses for an array it owns (not external),
 * ~crc32c of the array uuid, and an empty header (no entries) in @buf,
 * RAIDX_PPL_HEADER_SIZE bytes, as md writes it when it starts a log.
 */
u32 raidx_ppl_signature(const u8 *uuid);
void raidx_ppl_empty_header(void *buf, u32 signature);

/* ---- Read only by the tools: not built into the module ---- */
#ifndef __KERNEL__
/* Region (bytes) of a rewritten bitmap; see raidx-format.c. */
u64 raidx_bitmap_region_bytes(u64 sectors, u64 least);

/*
 * Whether the bitmap area of the leg @sb came from holds a bitmap md
 * would load (a table may still ask for another policy, and an area
 * marked stale gets a fresh bitmap on the next activation with resync).
 */
bool raidx_sb_has_bitmap(const struct raidx_sb *sb);

/* Bitmap header at RAIDX_BITMAP_OFFSET. */
void raidx_bitmap_decode(const void *buf, size_t len,
			 struct raidx_bitmap_sb *bm);
void raidx_bitmap_encode(const struct raidx_bitmap_sb *bm, void *buf,
			 size_t len);
/*
 * Validate a bitmap header against its array: @dev_sectors is the
 * per-device size the bitmap must cover.  Returns fatal findings.
 */
unsigned int raidx_bitmap_validate(const struct raidx_bitmap_sb *bm,
				   u64 dev_sectors,
				   const struct raidx_report *rep);
/* Number of regions (bits) a bitmap covers. */
u64 raidx_bitmap_regions(const struct raidx_bitmap_sb *bm);
/* Bytes of bits following the header. */
u64 raidx_bitmap_bytes(const struct raidx_bitmap_sb *bm);

/* True when @buf is a PPL header md would accept with @signature. */
bool raidx_ppl_header_valid(const void *buf, u32 signature);
#endif /* !__KERNEL__ */

#endif /* RAIDX_FORMAT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * raidx-tools.h - shared pieces of the raidx_tools multi-call binary.
 *
 * One header for the whole binary, in sections by the file that owns
 * them: messages (msg.c), options (options.c), the in-memory image of one
 * array's metadata (array.c), reading devices (devio.c), writing outputs
 * (outputs.c), the array check (check.c) and
 * the dump (dump.c, tree.c).  Field-level rules live in
 * dm-target/raidx-format.c; nothing here may restate them.
 */
#ifndef RAIDX_TOOLS_H
#define RAIDX_TOOLS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "raidx-format.h"
#include "version.h"

/* Exit codes, documented in every man page. */
enum {
	RX_EXIT_OK = 0,		/* clean / success */
	RX_EXIT_PROBLEMS = 1,	/* problems found, or the operation failed */
	RX_EXIT_USAGE = 2,	/* usage error or unusable input */
};

#define RX_SB_AREA		4096	/* bytes read as "the superblock" */
#define RX_MIN_BLOCK		512	/* smallest logical block */
#define RX_BITMAP_BITS_OFFSET	(RAIDX_BITMAP_OFFSET + RAIDX_BITMAP_SB_SIZE)
#define RX_DUMP_VERSION		1	/* doc/raid-dump-format.md */
/* Sanity bound on bitmap bits we hold in memory (2^24 regions, 2 MiB). */
#define RX_MAX_BITMAP_BYTES	(1ULL << 21)
/* dm-raid's default region size when none survives (validate_region_size) */
#define RX_DEFAULT_REGION_BYTES	(4U << 20)

/* One leg (metadata device) of an array, in table order. */
struct rx_leg {
	const char *path;	/* as given; "-" for a missing leg */
	bool missing;		/* "-" on the command line / in the dump */
	bool readable;		/* the superblock area could be read */
	bool have_st;		/* st holds stat(path), even if unreadable */
	struct stat st;
	unsigned long long size;	/* device bytes; 0 if unknown */
	unsigned char raw[RX_SB_AREA];	/* first 4 KiB as read */
	struct raidx_sb sb;
	bool sb_valid;		/* raidx_sb_validate() found nothing fatal */

	bool has_bitmap;	/* a bitmap header was read or parsed */
	struct raidx_bitmap_sb bm;
	unsigned char *bits;	/* raidx_bitmap_bytes(&bm) bytes, or NULL */
	unsigned long long nbits_bytes;
};

struct rx_array {
	unsigned int nr;
	struct rx_leg *legs;
};

/* msg.c: "prog: text" on stderr, nothing under -q. */
extern const char *rx_prog;
extern bool rx_quiet;

void rx_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rx_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * options.c: -h, -V, -q and unknown options, alike for every command.
 * A command fills the first three fields with its own options only;
 * rx_getopt() adds the common ones and returns the command's next own
 * option (1 for an operand when @shortopts starts with '-'), RX_OPT_END
 * after the last one, or RX_OPT_EXIT when the command must return
 * *exit_code now (help or version printed, or a usage error).
 */
#define RX_OPT_END		(-1)
#define RX_OPT_EXIT		(-2)
#define RX_MAX_LONGOPTS		16

struct rx_getopt {
	const char *shortopts;
	const struct option *longopts;	/* ends with an all-zero entry */
	void (*usage)(FILE *f);
	/* filled on the first call */
	bool ready;
	char all_short[32];
	struct option all_long[RX_MAX_LONGOPTS + 1];
};

int rx_getopt(struct rx_getopt *g, int argc, char **argv, int *exit_code);
void rx_usage_common(FILE *f);
int rx_version(void);

/* array.c: the in-memory image */
struct rx_array *rx_array_new(unsigned int nr);
void rx_array_free(struct rx_array *a);
void rx_leg_set_bits(struct rx_leg *l, const void *bits, size_t len);

/*
 * devio.c: reading devices.  Every path is stat()ed before it is opened:
 * only regular files and block devices are accepted, so a FIFO or a
 * character device is refused without blocking.  rx_read_leg() reads
 * superblock area, bitmap header and bits; rx_read_array() also refuses
 * a device given twice.  Both return 0 or RX_EXIT_USAGE after printing
 * why.  The primitives below them are shared with the writers.
 */
int rx_stat_path(const char *path, struct stat *st, bool *have);
bool rx_same_dev(const struct stat *a, const struct stat *b);
int rx_read_leg(struct rx_leg *l);
int rx_read_array(struct rx_array *a, char **paths, unsigned int nr);
int rx_open_checked(const char *path, int flags, const struct stat *st);
unsigned long long rx_fd_size(int fd);
/* Bytes transferred; short only on an error (errno set, 0 at the end). */
size_t rx_pread_full(int fd, void *buf, size_t len, off_t off);
size_t rx_pwrite_full(int fd, const void *buf, size_t len, off_t off);

/*
 * outputs.c: the devices raid_restore and raid_repair write.
 *
 * rx_outs_open() is the pre-flight: it opens every output read-write
 * (O_EXCL on block devices: a device in use is live metadata and
 * refused) before anything is written, refuses an output that is one of
 * @ins (inputs, the dump) or given twice, and one too small for its leg
 * of @a.  It then points each leg of @a at its output (path, size), so
 * that later checks judge the device the leg will live on.  Outputs "-"
 * are skipped.  On failure nothing stays open.
 *
 * rx_outs_commit() saves the bytes it will overwrite, writes bitmaps
 * first and superblocks last, then calls @verify (if any); a failed
 * write or verification puts the saved bytes back.
 */
struct rx_ident {
	const char *what;	/* "input leg 2", "the dump" */
	const char *path;
	bool have_st;
	struct stat st;
};

struct rx_range {
	unsigned long long off;
	size_t len;
	const void *data;
	unsigned char *old;	/* what was there before */
	size_t done;		/* bytes written so far */
};

struct rx_out {
	const char *path;
	int fd;			/* -1 for "-" */
	struct stat st;
	unsigned long long size;
	unsigned int nr;	/* ranges: bitmap header, bits, superblock */
	struct rx_range r[3];
	unsigned char area[RX_SB_AREA];
	unsigned char hdr[RAIDX_BITMAP_SB_SIZE];
};

struct rx_outs {
	unsigned int n;
	struct rx_out *o;
};

int rx_outs_open(struct rx_outs *os, struct rx_array *a, char **paths,
		 unsigned int n, const struct rx_ident *ins, unsigned int nin);
int rx_outs_commit(struct rx_outs *os, const struct rx_array *a,
		   int (*verify)(void *ctx), void *ctx);
int rx_outs_close(struct rx_outs *os);

/*
 * check.c: raidx_sb_validate() behind the tools' bounds on sizes (2^54
 * sectors), so that nothing computed from a superblock can wrap.
 */
unsigned int rx_sb_validate(const struct raidx_sb *sb,
			    const struct raidx_report *rep);

/* array.c: the freshest leg with a valid superblock, or -1. */
int rx_freshest(const struct rx_array *a);

/*
 * Check a whole array.  Findings are printed (unless quiet) as
 * "prog: dev: [warning: ]field F: found X, expected Y (why)".
 * Returns fatal count; *warnings gets the warning count.
 */
struct rx_check_opts {
	bool print;
};
unsigned int rx_check_array(struct rx_array *a, unsigned int *warnings,
			    const struct rx_check_opts *o);

/*
 * Message helpers: @v of @field as text (magic, masks, flags and state in
 * hex, delta_disks signed), and the structure a field belongs to.
 */
void rx_format_value(char *buf, size_t len, const char *field,
		     unsigned long long v);
const char *rx_structure(const char *field);

/* Dump / parse */
enum rx_fmt { RX_FMT_XML, RX_FMT_JSON };
int rx_dump(FILE *f, const struct rx_array *a, enum rx_fmt fmt);
/* Set one field by its dump name ("events", "bitmap.chunksize"). */
int rx_set_field(struct rx_leg *l, const char *name, const char *val);
/* Parse @len bytes of a dump; NULL + message in @err on failure. */
struct rx_array *rx_parse(const char *buf, size_t len, char *err,
			  size_t errlen);

/* The commands (main.c calls them by name) */
int cmd_check(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_repair(int argc, char **argv);

#endif /* RAIDX_TOOLS_H */

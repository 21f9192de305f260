// SPDX-License-Identifier: GPL-2.0
/*
 * log-replay: read a dm-log-writes log and rebuild the logged device as it
 * was after entry N, so the crash-replay harness can assemble an array from
 * leg images taken at any point of one global write order.
 *
 *   log-replay info LOG
 *   log-replay list LOG
 *   log-replay points LOG N
 *   log-replay lastmark LOG UPTO [PREFIX]
 *   log-replay replay LOG DEV UPTO
 *   log-replay replay LOG DEV FROM UPTO
 *
 * Exit codes: 0 ok, 1 usage (also: an index past the log, DEV is the log),
 * 2 bad log, 3 I/O error.  The log is only ever opened read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lw-format.h"

#define EXIT_USAGE	1
#define EXIT_BADLOG	2
#define EXIT_IO		3

/* Copy data in pieces this big: a log entry can be as large as a bio. */
#define COPY_CHUNK	(1u << 20)

struct lw_log {
	const char *path;
	int fd;
	uint64_t size;		/* bytes */
	uint32_t ss;		/* sector size from the super */
	uint64_t nr_entries;
	unsigned char *sect;	/* one log sector, for entry headers */
};

struct lw_ent {
	uint64_t index;
	uint64_t offset;	/* of the header sector in the log */
	uint64_t sector;	/* on the logged device, in ss units */
	uint64_t nr;		/* sectors, ss units */
	uint32_t flags;
	uint64_t data_off;	/* of the data in the log, if any */
	uint64_t data_bytes;	/* 0 for a discard: nothing logged */
	char mark[LW_MAX_SECTORSIZE];
};

static void usage(void)
{
	fputs("usage: log-replay info LOG\n"
	      "       log-replay list LOG\n"
	      "       log-replay points LOG N\n"
	      "       log-replay lastmark LOG UPTO [PREFIX]\n"
	      "       log-replay replay LOG DEV UPTO\n"
	      "       log-replay replay LOG DEV FROM UPTO\n"
	      "exit: 0 ok, 1 usage, 2 bad log, 3 I/O error\n", stderr);
}

static int log_err(const struct lw_log *log, int rc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "log-replay: %s: ", log->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return rc;
}

static int ent_err(const struct lw_log *log, uint64_t index, const char *fmt,
		   ...)
{
	va_list ap;

	fprintf(stderr, "log-replay: %s: entry %" PRIu64 ": ", log->path, index);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_BADLOG;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* pread all of it; a short read of a file we sized is an I/O error too. */
static int read_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, (const char *)buf + done, len - done, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

/* Works for files and block devices alike. */
static int fd_size(int fd, uint64_t *size)
{
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < 0)
		return -1;
	*size = end;
	return 0;
}

static int check_super(struct lw_log *log, const struct lw_super *sb)
{
	uint32_t ss = le32toh(sb->sectorsize);

	if (le64toh(sb->magic) != LW_MAGIC)
		return log_err(log, EXIT_BADLOG, "bad magic 0x%" PRIx64
			       " (not a dm-log-writes log)",
			       (uint64_t)le64toh(sb->magic));
	if (le64toh(sb->version) != LW_VERSION)
		return log_err(log, EXIT_BADLOG, "unknown version %" PRIu64,
			       (uint64_t)le64toh(sb->version));
	if (ss < LW_MIN_SECTORSIZE || ss > LW_MAX_SECTORSIZE || (ss & (ss - 1)))
		return log_err(log, EXIT_BADLOG, "bad sector size %" PRIu32, ss);
	log->ss = ss;
	log->nr_entries = le64toh(sb->nr_entries);
	/* Every entry takes at least its header sector after the super. */
	if (log->size / ss < 1 || log->nr_entries > log->size / ss - 1)
		return log_err(log, EXIT_BADLOG, "super claims %" PRIu64
			       " entries, the log has room for at most %" PRIu64,
			       log->nr_entries,
			       log->size / ss ? log->size / ss - 1 : 0);
	return 0;
}

static int log_open(struct lw_log *log, const char *path)
{
	struct lw_super sb;

	memset(log, 0, sizeof(*log));
	log->path = path;
	log->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (log->fd < 0)
		return log_err(log, EXIT_IO, "open: %s", strerror(errno));
	if (fd_size(log->fd, &log->size))
		return log_err(log, EXIT_IO, "size: %s", strerror(errno));
	if (log->size < sizeof(sb))
		return log_err(log, EXIT_BADLOG, "too short for a super (%" PRIu64
			       " bytes)", log->size);
	if (read_full(log->fd, &sb, sizeof(sb), 0))
		return log_err(log, EXIT_IO, "reading the super: %s",
			       strerror(errno));
	if (check_super(log, &sb))
		return EXIT_BADLOG;
	log->sect = malloc(log->ss);
	if (!log->sect)
		return log_err(log, EXIT_IO, "out of memory");
	return 0;
}

static void log_close(struct lw_log *log)
{
	free(log->sect);
	if (log->fd >= 0)
		close(log->fd);
}

/* A mark is the kernel's kstrndup() of the message: no NUL, fits the sector. */
static int check_mark(const struct lw_log *log, struct lw_ent *e,
		      uint64_t data_len)
{
	const char *text = (const char *)log->sect + sizeof(struct lw_entry);

	if (e->flags != LW_MARK)
		return ent_err(log, e->index, "MARK combined with flags 0x%x",
			       e->flags);
	if (e->nr)
		return ent_err(log, e->index, "MARK with %" PRIu64 " sectors",
			       e->nr);
	if (data_len > log->ss - sizeof(struct lw_entry) - 1)
		return ent_err(log, e->index, "mark text of %" PRIu64
			       " bytes does not fit a %" PRIu32 "-byte sector",
			       data_len, log->ss);
	if (memchr(text, '\0', data_len))
		return ent_err(log, e->index, "mark text holds a NUL byte");
	memcpy(e->mark, text, data_len);
	e->mark[data_len] = '\0';
	return 0;
}

/* Where the data of a write lives in the log, and that it is all there. */
static int place_data(const struct lw_log *log, struct lw_ent *e)
{
	e->data_off = e->offset + log->ss;
	if (e->flags & LW_DISCARD) {
		if (e->flags & (LW_FLUSH | LW_FUA))
			return ent_err(log, e->index, "DISCARD with FLUSH/FUA");
		e->data_bytes = 0;
		return 0;
	}
	if (!e->nr && !(e->flags & LW_FLUSH))
		return ent_err(log, e->index, "write of 0 sectors without FLUSH");
	if (e->nr > (log->size - e->data_off) / log->ss)
		return ent_err(log, e->index, "%" PRIu64 " sectors of data at "
			       "byte %" PRIu64 " run past the end of the log (%"
			       PRIu64 " bytes)", e->nr, e->data_off, log->size);
	e->data_bytes = e->nr * log->ss;
	return 0;
}

/*
 * Read and check the entry whose header sector is at *off; on success
 * *off is the next entry's header.
 */
static int read_entry(const struct lw_log *log, uint64_t index, uint64_t *off,
		      struct lw_ent *e)
{
	const struct lw_entry *raw = (const void *)log->sect;
	uint64_t flags, data_len;
	int rc;

	memset(e, 0, offsetof(struct lw_ent, mark) + 1);
	e->index = index;
	e->offset = *off;
	if (*off > log->size || log->size - *off < log->ss)
		return ent_err(log, index, "header at byte %" PRIu64
			       " past the end of the log (%" PRIu64 " bytes)",
			       *off, log->size);
	if (read_full(log->fd, log->sect, log->ss, *off))
		return log_err(log, EXIT_IO, "entry %" PRIu64 ": read: %s",
			       index, strerror(errno ? errno : EIO));
	e->sector = le64toh(raw->sector);
	e->nr = le64toh(raw->nr_sectors);
	flags = le64toh(raw->flags);
	data_len = le64toh(raw->data_len);
	if (flags & ~(uint64_t)LW_KNOWN_FLAGS)
		return ent_err(log, index, "unknown flags 0x%" PRIx64, flags);
	e->flags = flags;
	if (e->flags & LW_MARK)
		rc = check_mark(log, e, data_len);
	else if (data_len)
		/* Only marks carry inline data in the kernel we support. */
		rc = ent_err(log, index, "data_len %" PRIu64 " on a non-mark "
			     "entry", data_len);
	else
		rc = place_data(log, e);
	if (rc)
		return rc;
	if (e->sector > UINT64_MAX - e->nr)
		return ent_err(log, index, "sector %" PRIu64 " + %" PRIu64
			       " overflows", e->sector, e->nr);
	*off = e->offset + log->ss + e->data_bytes;
	return 0;
}

static void flag_text(uint32_t flags, char *buf, size_t len)
{
	static const char *const names[] = {
		"FLUSH", "FUA", "DISCARD", "MARK", "METADATA"
	};
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & (1u << i)))
			continue;
		used += snprintf(buf + used, len - used, "%s%s",
				 used ? "|" : "", names[i]);
	}
	if (!used)
		snprintf(buf, len, "WRITE");
}

/* Marks are the user's text: keep list output one line per entry. */
static void print_mark(const char *s)
{
	for (; *s; s++)
		putchar((*s >= 0x20 && *s < 0x7f) ? *s : '?');
}

static int cmd_info(struct lw_log *log)
{
	printf("sectorsize %" PRIu32 "\nentries %" PRIu64 "\nlog_bytes %"
	       PRIu64 "\n", log->ss, log->nr_entries, log->size);
	return 0;
}

static int cmd_list(struct lw_log *log)
{
	static struct lw_ent e;
	uint64_t i, off = log->ss;
	char flags[64];
	int rc;

	printf("# index\tsector\tnr_sectors\tflags\tmark  (sectorsize %"
	       PRIu32 ")\n", log->ss);
	for (i = 0; i < log->nr_entries; i++) {
		rc = read_entry(log, i, &off, &e);
		if (rc)
			return rc;
		flag_text(e.flags, flags, sizeof(flags));
		printf("%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%s\t", i,
		       e.sector, e.nr, flags);
		print_mark(e.mark);
		putchar('\n');
	}
	return 0;
}

/*
 * Add m evenly spaced indices over [0, E-1] (both ends included); return
 * how many of sel[] are now set.
 */
static uint64_t add_spaced(unsigned char *sel, uint64_t E, uint64_t m)
{
	uint64_t k, n = 0;

	for (k = 0; k < m; k++) {
		uint64_t idx = m == 1 ? E - 1 :
			(uint64_t)((unsigned __int128)k * (E - 1) / (m - 1));
		sel[idx] = 1;
	}
	for (k = 0; k < E; k++)
		n += sel[k];
	return n;
}

static int cmd_points(struct lw_log *log, uint64_t want)
{
	static struct lw_ent e;
	uint64_t i, off = log->ss, have = 0, m;
	unsigned char *sel;
	int rc = 0;

	if (!log->nr_entries)
		return 0;
	sel = calloc(log->nr_entries, 1);
	if (!sel)
		return log_err(log, EXIT_IO, "out of memory");
	for (i = 0; i < log->nr_entries && !rc; i++) {
		rc = read_entry(log, i, &off, &e);
		if (!rc && (e.flags & (LW_FLUSH | LW_FUA)))
			sel[i] = 1, have++;
	}
	/* Top up with evenly spaced points until there are enough. */
	for (m = have < want ? want - have : 0; !rc && have < want; ) {
		have = add_spaced(sel, log->nr_entries, m);
		if (m >= log->nr_entries)
			break;
		m += want > have ? want - have : 0;
	}
	for (i = 0; i < log->nr_entries && !rc; i++)
		if (sel[i])
			printf("%" PRIu64 "\n", i);
	free(sel);
	return rc;
}

static int check_index(const struct lw_log *log, const char *what, uint64_t v)
{
	if (v < log->nr_entries)
		return 0;
	return log_err(log, EXIT_USAGE, "%s %" PRIu64 " is past the last entry "
		       "(%" PRIu64 " entries)", what, v, log->nr_entries);
}

static int cmd_lastmark(struct lw_log *log, uint64_t upto, const char *prefix)
{
	static struct lw_ent e;
	static char last[LW_MAX_SECTORSIZE];
	uint64_t i, off = log->ss;
	bool found = false;
	int rc;

	rc = check_index(log, "UPTO", upto);
	for (i = 0; !rc && i <= upto; i++) {
		rc = read_entry(log, i, &off, &e);
		if (rc || !(e.flags & LW_MARK))
			continue;
		if (prefix && strncmp(e.mark, prefix, strlen(prefix)))
			continue;
		strcpy(last, e.mark);
		found = true;
	}
	if (!rc && found) {
		print_mark(last);
		putchar('\n');
	}
	return rc;
}

struct replay_dev {
	const char *path;
	int fd;
	uint64_t sectors;	/* in log sectors */
	unsigned char *buf;	/* COPY_CHUNK bytes */
};

static int dev_err(const struct replay_dev *dev, uint64_t index, int err)
{
	fprintf(stderr, "log-replay: %s: entry %" PRIu64 ": %s\n", dev->path,
		index, strerror(err ? err : EIO));
	return EXIT_IO;
}

/* Replaying onto the log would destroy the very thing we read. */
static int same_file(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) || fstat(b, &sb))
		return 0;
	if (S_ISBLK(sa.st_mode) && S_ISBLK(sb.st_mode))
		return sa.st_rdev == sb.st_rdev;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int dev_open(struct replay_dev *dev, const struct lw_log *log,
		    const char *path)
{
	uint64_t bytes;

	dev->path = path;
	dev->buf = NULL;
	dev->fd = open(path, O_WRONLY | O_CLOEXEC);
	if (dev->fd < 0) {
		fprintf(stderr, "log-replay: %s: open: %s\n", path,
			strerror(errno));
		return EXIT_IO;
	}
	if (same_file(dev->fd, log->fd)) {
		fprintf(stderr, "log-replay: %s: is the log itself\n", path);
		return EXIT_USAGE;
	}
	if (fd_size(dev->fd, &bytes)) {
		fprintf(stderr, "log-replay: %s: size: %s\n", path,
			strerror(errno));
		return EXIT_IO;
	}
	dev->sectors = bytes / log->ss;
	dev->buf = calloc(1, COPY_CHUNK);
	if (!dev->buf) {
		fprintf(stderr, "log-replay: out of memory\n");
		return EXIT_IO;
	}
	return 0;
}

static void dev_close(struct replay_dev *dev)
{
	free(dev->buf);
	if (dev->fd >= 0)
		close(dev->fd);
}

static int check_fits(const struct lw_log *log, const struct replay_dev *dev,
		      const struct lw_ent *e)
{
	if (!e->nr || e->sector + e->nr <= dev->sectors)
		return 0;
	return ent_err(log, e->index, "sectors %" PRIu64 "..%" PRIu64
		       " lie past the end of %s (%" PRIu64 " sectors of %"
		       PRIu32 " bytes)", e->sector, e->sector + e->nr - 1,
		       dev->path, dev->sectors, log->ss);
}

/*
 * A discard is replayed as zeroes: that is what the replay-log tool does
 * on a device without discard, and the one reading that does not depend on
 * the leg's discard support.
 */
static int apply_entry(const struct lw_log *log, struct replay_dev *dev,
		       const struct lw_ent *e)
{
	uint64_t done = 0, total = e->nr * log->ss;
	uint64_t dst = e->sector * log->ss;
	size_t n;

	if (!e->nr || (e->flags & LW_MARK))
		return 0;
	if (e->flags & LW_DISCARD)
		memset(dev->buf, 0, COPY_CHUNK);
	while (done < total) {
		n = total - done < COPY_CHUNK ? total - done : COPY_CHUNK;
		if (!(e->flags & LW_DISCARD) &&
		    read_full(log->fd, dev->buf, n, e->data_off + done))
			return log_err(log, EXIT_IO, "entry %" PRIu64
				       ": read: %s", e->index,
				       strerror(errno ? errno : EIO));
		if (write_full(dev->fd, dev->buf, n, dst + done))
			return dev_err(dev, e->index, errno);
		done += n;
	}
	return 0;
}

/*
 * Check entries 0..upto first, so a bad log leaves DEV untouched, and note
 * where entry "from" starts; then apply from..upto.
 */
static int replay(struct lw_log *log, struct replay_dev *dev, uint64_t from,
		  uint64_t upto)
{
	static struct lw_ent e;
	uint64_t i, off = log->ss, from_off = 0;
	int rc = 0;

	for (i = 0; i <= upto && !rc; i++) {
		if (i == from)
			from_off = off;
		rc = read_entry(log, i, &off, &e);
		if (!rc)
			rc = check_fits(log, dev, &e);
	}
	for (i = from, off = from_off; i <= upto && !rc; i++) {
		rc = read_entry(log, i, &off, &e);
		if (!rc)
			rc = apply_entry(log, dev, &e);
	}
	if (!rc && fdatasync(dev->fd)) {
		fprintf(stderr, "log-replay: %s: fdatasync: %s\n", dev->path,
			strerror(errno));
		rc = EXIT_IO;
	}
	return rc;
}

static int cmd_replay(struct lw_log *log, const char *path, uint64_t from,
		      uint64_t upto)
{
	struct replay_dev dev;
	int rc;

	rc = check_index(log, "UPTO", upto);
	if (!rc && from > upto)
		rc = log_err(log, EXIT_USAGE, "FROM %" PRIu64 " is after UPTO %"
			     PRIu64, from, upto);
	if (rc)
		return rc;
	rc = dev_open(&dev, log, path);
	if (!rc)
		rc = replay(log, &dev, from, upto);
	dev_close(&dev);
	return rc;
}

/* argv after the subcommand and LOG; returns an exit code. */
static int dispatch(struct lw_log *log, const char *cmd, int argc, char **argv)
{
	uint64_t a, b;

	if (!strcmp(cmd, "info") && argc == 0)
		return cmd_info(log);
	if (!strcmp(cmd, "list") && argc == 0)
		return cmd_list(log);
	if (!strcmp(cmd, "points") && argc == 1 && parse_u64(argv[0], &a))
		return cmd_points(log, a);
	if (!strcmp(cmd, "lastmark") && (argc == 1 || argc == 2) &&
	    parse_u64(argv[0], &a))
		return cmd_lastmark(log, a, argc == 2 ? argv[1] : NULL);
	if (!strcmp(cmd, "replay") && argc == 2 && parse_u64(argv[1], &a))
		return cmd_replay(log, argv[0], 0, a);
	if (!strcmp(cmd, "replay") && argc == 3 && parse_u64(argv[1], &a) &&
	    parse_u64(argv[2], &b))
		return cmd_replay(log, argv[0], a, b);
	usage();
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const char *const cmds[] = {
		"info", "list", "points", "lastmark", "replay"
	};
	struct lw_log log;
	size_t i;
	int rc;

	if (argc < 3) {
		usage();
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i]))
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		usage();
		return EXIT_USAGE;
	}
	rc = log_open(&log, argv[2]);
	if (!rc)
		rc = dispatch(&log, argv[1], argc - 3, argv + 3);
	log_close(&log);
	if (fflush(stdout) && !rc)
		rc = EXIT_IO;
	return rc;
}

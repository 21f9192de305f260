// SPDX-License-Identifier: GPL-2.0
/*
 * crash-workload: write checksummed, numbered, generation-stamped blocks
 * to a device in a seeded order, flush at seeded points, and record after
 * each flush which writes the flush acknowledged.  The record goes to a
 * file on another device (it must survive the crash being simulated), and
 * each acknowledgement can be pinned to a position in a dm-log-writes log
 * with a mark, so a replayed image can be checked against exactly the
 * writes acknowledged before it.
 *
 *   crash-workload [-b BLOCKS] [-n WRITES] [-f FLUSH_EVERY] [-s SEED]
 *                  [-m LOGDEV] [-x STOP_AFTER] DEV RECORD
 *
 * Record file (each line fsync'd before the workload goes on):
 *   # crash-workload 1 blocks=B writes=W flush_every=F seed=S block_size=4096
 *   batch K B1@G1 B2@G2 ...     written, about to flush (before flush K)
 *   acked K mark=cw-K           flush K returned: batch K is durable
 *   done
 * The mark "cw-K" is sent (dmsetup message LOGDEV 0 mark cw-K) after the
 * "acked" line is on disk, so a mark in the log always has its line.
 *
 * DEV is opened with O_DIRECT; where that is refused (a file on tmpfs) the
 * workload says so and writes through the page cache: fdatasync still
 * orders the acknowledgement after the data.
 *
 * Exit codes: 0 ok, 1 usage, 3 I/O error (a failed mark included).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cw-common.h"

#define EXIT_USAGE	1
#define EXIT_IO		3

struct workload {
	struct cw_params p;
	uint64_t stop_after;	/* writes before a simulated crash; 0: none */
	const char *dev_path, *rec_path, *logdev;
	int dev, rec;
	void *buf;
	uint64_t *seq;
	char *line;		/* the batch line being built */
	size_t line_len, line_cap;
};

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "crash-workload: %s: %s: %s\n", path, what,
		strerror(errno ? errno : EIO));
	return EXIT_IO;
}

static void usage(void)
{
	fputs("usage: crash-workload [-b BLOCKS] [-n WRITES] [-f FLUSH_EVERY] "
	      "[-s SEED] [-m LOGDEV] [-x STOP_AFTER] DEV RECORD\n"
	      "exit: 0 ok, 1 usage, 3 I/O error\n", stderr);
}

static int parse_num(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int parse_args(struct workload *w, int argc, char **argv)
{
	uint64_t *dst;
	int c;

	w->p.writes = 1000;
	w->p.flush_every = 16;
	w->p.seed = 1;
	while ((c = getopt(argc, argv, "b:n:f:s:m:x:")) != -1) {
		switch (c) {
		case 'b': dst = &w->p.blocks; break;
		case 'n': dst = &w->p.writes; break;
		case 'f': dst = &w->p.flush_every; break;
		case 's': dst = &w->p.seed; break;
		case 'x': dst = &w->stop_after; break;
		case 'm': w->logdev = optarg; continue;
		default: return -1;
		}
		if (parse_num(optarg, dst))
			return -1;
	}
	if (optind != argc - 2 || !w->p.flush_every ||
	    w->p.flush_every > UINT64_MAX / 2)
		return -1;
	w->dev_path = argv[optind];
	w->rec_path = argv[optind + 1];
	return 0;
}

static int open_dev(struct workload *w)
{
	off_t end;

	w->dev = open(w->dev_path, O_WRONLY | O_DIRECT | O_CLOEXEC);
	if (w->dev < 0 && errno == EINVAL) {
		fprintf(stderr, "crash-workload: %s: O_DIRECT refused, "
			"writing through the page cache\n", w->dev_path);
		w->dev = open(w->dev_path, O_WRONLY | O_CLOEXEC);
	}
	if (w->dev < 0)
		return fail("open", w->dev_path);
	end = lseek(w->dev, 0, SEEK_END);
	if (end < 0)
		return fail("size", w->dev_path);
	if (!w->p.blocks)
		w->p.blocks = end / CW_BLOCK_SIZE;
	if (!w->p.blocks || w->p.blocks > (uint64_t)end / CW_BLOCK_SIZE) {
		fprintf(stderr, "crash-workload: %s: %" PRIu64 " blocks of %u "
			"bytes do not fit its %lld bytes\n", w->dev_path,
			w->p.blocks, CW_BLOCK_SIZE, (long long)end);
		return EXIT_USAGE;
	}
	return 0;
}

/* The record must not live on the device it describes. */
static int open_record(struct workload *w)
{
	struct stat sd, sr;

	w->rec = open(w->rec_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
		      O_CLOEXEC, 0644);
	if (w->rec < 0)
		return fail("open", w->rec_path);
	if (!fstat(w->dev, &sd) && !fstat(w->rec, &sr) &&
	    S_ISBLK(sd.st_mode) && sr.st_dev == sd.st_rdev) {
		fprintf(stderr, "crash-workload: %s: lives on %s itself\n",
			w->rec_path, w->dev_path);
		return EXIT_USAGE;
	}
	return 0;
}

static int record(struct workload *w, const char *text, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(w->rec, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail("write", w->rec_path);
		text += n;
		len -= n;
	}
	if (fsync(w->rec))
		return fail("fsync", w->rec_path);
	return 0;
}

static int line_add(struct workload *w, const char *fmt, uint64_t a,
		    uint64_t b)
{
	int n;

	for (;;) {
		n = snprintf(w->line + w->line_len, w->line_cap - w->line_len,
			     fmt, a, b);
		if (n < 0)
			return fail("format", w->rec_path);
		if ((size_t)n < w->line_cap - w->line_len)
			break;
		w->line_cap = 2 * w->line_cap + n;
		w->line = realloc(w->line, w->line_cap);
		if (!w->line)
			return fail("out of memory", w->rec_path);
	}
	w->line_len += n;
	return 0;
}

static int write_block(struct workload *w, uint64_t i)
{
	uint64_t block = w->seq[i];
	ssize_t n;

	cw_fill_block(w->buf, w->p.seed, block, i + 1);
	n = pwrite(w->dev, w->buf, CW_BLOCK_SIZE, block * CW_BLOCK_SIZE);
	if (n != CW_BLOCK_SIZE)
		return fail("write", w->dev_path);
	return line_add(w, " %" PRIu64 "@%" PRIu64, block, i + 1);
}

/* dmsetup message LOGDEV 0 mark TEXT; $CW_DMSETUP replaces dmsetup. */
static int send_mark(struct workload *w, const char *text)
{
	const char *prog = getenv("CW_DMSETUP") ? getenv("CW_DMSETUP") :
			   "dmsetup";
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return fail("fork", prog);
	if (!pid) {
		execlp(prog, prog, "message", w->logdev, "0", "mark", text,
		       (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return fail("waitpid", prog);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "crash-workload: %s message %s 0 mark %s "
			"failed (status %d)\n", prog, w->logdev, text, status);
		return EXIT_IO;
	}
	return 0;
}

/* Record the batch, flush, record the acknowledgement, then mark it. */
static int flush_batch(struct workload *w, uint64_t k, int use_fsync)
{
	char text[96];
	int rc;

	rc = line_add(w, "\n", 0, 0);
	if (!rc)
		rc = record(w, w->line, w->line_len);
	if (rc)
		return rc;
	if (use_fsync ? fsync(w->dev) : fdatasync(w->dev))
		return fail(use_fsync ? "fsync" : "fdatasync", w->dev_path);
	snprintf(text, sizeof(text), "acked %" PRIu64 " mark=" CW_MARK_PREFIX
		 "%" PRIu64 "\n", k, k);
	rc = record(w, text, strlen(text));
	if (rc || !w->logdev)
		return rc;
	snprintf(text, sizeof(text), CW_MARK_PREFIX "%" PRIu64, k);
	return send_mark(w, text);
}

static int run(struct workload *w)
{
	struct cw_rng frng;
	uint64_t i = 0, k = 0, left, r;
	int rc = 0;

	cw_flush_rng(&frng, &w->p);
	while (i < w->p.writes && !rc) {
		left = cw_next_batch(&frng, &w->p);
		r = cw_rng_next(&frng);
		w->line_len = 0;
		/* extra arguments are ignored: one helper for every piece */
		rc = line_add(w, "batch %" PRIu64, ++k, 0);
		for (; left && i < w->p.writes && !rc; left--, i++) {
			if (w->stop_after && i == w->stop_after)
				return 0;	/* the simulated crash */
			rc = write_block(w, i);
		}
		if (!rc)
			rc = flush_batch(w, k, r & 1);
	}
	if (!rc)
		rc = record(w, "done\n", 5);
	if (!rc)
		printf("crash-workload: %" PRIu64 " writes, %" PRIu64
		       " flushes over %" PRIu64 " blocks, seed %" PRIu64 "\n",
		       w->p.writes, k, w->p.blocks, w->p.seed);
	return rc;
}

static int setup(struct workload *w)
{
	char hdr[256];
	int rc;

	rc = open_dev(w);
	if (!rc)
		rc = open_record(w);
	if (rc)
		return rc;
	w->seq = cw_sequence(&w->p);
	w->line_cap = 256;
	w->line = malloc(w->line_cap);
	if (posix_memalign(&w->buf, CW_BLOCK_SIZE, CW_BLOCK_SIZE) ||
	    !w->seq || !w->line)
		return fail("out of memory", w->dev_path);
	cw_format_header(hdr, sizeof(hdr), &w->p);
	return record(w, hdr, strlen(hdr));
}

int main(int argc, char **argv)
{
	struct workload w = { .dev = -1, .rec = -1 };
	int rc;

	if (parse_args(&w, argc, argv)) {
		usage();
		return EXIT_USAGE;
	}
	rc = setup(&w);
	if (!rc)
		rc = run(&w);
	free(w.buf);
	free(w.seq);
	free(w.line);
	if (w.dev >= 0)
		close(w.dev);
	if (w.rec >= 0)
		close(w.rec);
	return rc;
}

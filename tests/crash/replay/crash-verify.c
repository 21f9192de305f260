// SPDX-License-Identifier: GPL-2.0
/*
 * crash-verify: check a device (the array assembled from leg images
 * replayed to some log position) against a crash-workload record.
 *
 *   crash-verify [--mark TEXT | --acked K | --all] DEV RECORD
 *
 * --mark cw-K (the last workload mark at or before the replay point, from
 * "log-replay lastmark LOG P cw-"), --acked K: flushes 1..K were
 * acknowledged; --mark "" or --mark none: none was; --all (the default):
 * every "acked" line of the record counts.
 *
 * The initial content is zero: the harness starts from zeroed legs and a
 * freshly created array (raid5 parity of zeroes is zero), so "never written"
 * means "reads back as zeroes".  Per 4 KiB block:
 *   - acknowledged at generation G: a valid block of its own number with a
 *     generation >= G (a later one may have reached the disk unflushed);
 *   - written by the workload but not acknowledged: zeroes or a valid block
 *     of a generation the workload really wrote there;
 *   - never written (the sequence regenerated from the seed never touches
 *     it, or it lies past the workload's range): zeroes.
 * Valid: magic, crc32c, block number, seed, and the content regenerated
 * from (seed, block, generation).
 *
 * Output: one verdict line, then on failure up to 20 "block N: why" lines.
 * Exit codes: 0 pass, 1 usage, 2 bad record, 3 I/O error, 4 data check
 * failed.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cw-common.h"

#define EXIT_USAGE	1
#define EXIT_BADREC	2
#define EXIT_IO		3
#define EXIT_DATA	4

#define MAX_REPORTED	20
#define READ_BLOCKS	256	/* 1 MiB per read */
#define ALL_FLUSHES	UINT64_MAX

struct verify {
	const char *dev_path, *rec_path;
	struct cw_params p;
	uint64_t upto;		/* last acknowledged flush that counts */
	uint64_t *seq;		/* regenerated write sequence */
	uint64_t *want;		/* per block: acknowledged generation, 0 none */
	uint64_t *last;		/* per block: last generation written, 0 none */
	uint64_t flushes;	/* "acked" lines in the record */
	uint64_t nr_bad, nr_acked, nr_zero;
	void *expect;
	uint64_t *pending;	/* block, generation pairs of the open batch */
	size_t nr_pending, cap_pending;
	char report[MAX_REPORTED][160];
};

static void usage(void)
{
	fputs("usage: crash-verify [--mark TEXT | --acked K | --all] DEV RECORD\n"
	      "exit: 0 pass, 1 usage, 2 bad record, 3 I/O error, "
	      "4 data check failed\n", stderr);
}

static int rec_err(const struct verify *v, unsigned long line, const char *msg)
{
	fprintf(stderr, "crash-verify: %s: line %lu: %s\n", v->rec_path, line,
		msg);
	return EXIT_BADREC;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* "cw-K" -> K; "" and "none" -> 0. */
static int parse_mark(const char *text, uint64_t *k)
{
	size_t n = strlen(CW_MARK_PREFIX);

	if (!*text || !strcmp(text, "none")) {
		*k = 0;
		return 0;
	}
	if (strncmp(text, CW_MARK_PREFIX, n))
		return -1;
	return parse_u64(text + n, k);
}

static int parse_args(struct verify *v, int argc, char **argv)
{
	int i;

	v->upto = ALL_FLUSHES;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--all")) {
			v->upto = ALL_FLUSHES;
			continue;
		}
		if (i + 1 == argc)
			return -1;
		if (!strcmp(argv[i], "--mark")) {
			if (parse_mark(argv[++i], &v->upto))
				return -1;
		} else if (!strcmp(argv[i], "--acked")) {
			if (parse_u64(argv[++i], &v->upto))
				return -1;
		} else {
			return -1;
		}
	}
	if (argc - i != 2)
		return -1;
	v->dev_path = argv[i];
	v->rec_path = argv[i + 1];
	return 0;
}

static int add_pending(struct verify *v, uint64_t b, uint64_t g)
{
	uint64_t *p;

	if (v->nr_pending + 2 > v->cap_pending) {
		v->cap_pending = 2 * v->cap_pending + 64;
		p = realloc(v->pending, v->cap_pending * sizeof(*p));
		if (!p)
			return -1;
		v->pending = p;
	}
	v->pending[v->nr_pending++] = b;
	v->pending[v->nr_pending++] = g;
	return 0;
}

/*
 * "batch K B@G ...": the pairs must be writes the sequence really made.
 * They only count once an "acked K" line says the flush returned.
 */
static int parse_batch(struct verify *v, char *rest, unsigned long no)
{
	unsigned long long b, g;
	char *w, *save;

	v->nr_pending = 0;
	for (w = strtok_r(rest, " \n", &save); w;
	     w = strtok_r(NULL, " \n", &save)) {
		if (sscanf(w, "%llu@%llu", &b, &g) != 2)
			return rec_err(v, no, "bad block@generation");
		if (!g || g > v->p.writes || v->seq[g - 1] != b)
			return rec_err(v, no, "block@generation the seeded "
				       "sequence never wrote");
		if (add_pending(v, b, g))
			return rec_err(v, no, "out of memory");
	}
	return 0;
}

static void ack_pending(struct verify *v, uint64_t k)
{
	size_t i;
	uint64_t b, g;

	if (v->upto != ALL_FLUSHES && k > v->upto)
		return;
	for (i = 0; i < v->nr_pending; i += 2) {
		b = v->pending[i];
		g = v->pending[i + 1];
		v->want[b] = g > v->want[b] ? g : v->want[b];
	}
}

static int parse_line(struct verify *v, char *line, unsigned long no,
		      uint64_t *batches)
{
	unsigned long long k;
	int used = 0;

	if (sscanf(line, "batch %llu%n", &k, &used) == 1) {
		if (k != *batches + 1)
			return rec_err(v, no, "batches out of order");
		*batches = k;
		return parse_batch(v, line + used, no);
	}
	if (sscanf(line, "acked %llu", &k) == 1) {
		if (k != *batches || k != v->flushes + 1)
			return rec_err(v, no, "acked without its batch");
		v->flushes = k;
		ack_pending(v, k);
		return 0;
	}
	if (!strcmp(line, "done\n"))
		return 0;
	return rec_err(v, no, "unknown line");
}

static int alloc_tables(struct verify *v)
{
	uint64_t i;

	v->seq = cw_sequence(&v->p);
	v->want = calloc(v->p.blocks, sizeof(*v->want));
	v->last = calloc(v->p.blocks, sizeof(*v->last));
	if (!v->seq || !v->want || !v->last) {
		fprintf(stderr, "crash-verify: out of memory\n");
		return EXIT_IO;
	}
	for (i = 0; i < v->p.writes; i++)
		v->last[v->seq[i]] = i + 1;
	return 0;
}

static int read_record(struct verify *v)
{
	unsigned long no = 1;
	uint64_t batches = 0;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int rc;

	f = fopen(v->rec_path, "r");
	if (!f) {
		fprintf(stderr, "crash-verify: %s: %s\n", v->rec_path,
			strerror(errno));
		return EXIT_IO;
	}
	if (getline(&line, &cap, f) < 0 || cw_parse_header(line, &v->p))
		rc = rec_err(v, 1, "not a crash-workload record");
	else
		rc = alloc_tables(v);
	while (!rc && getline(&line, &cap, f) >= 0)
		rc = parse_line(v, line, ++no, &batches);
	if (!rc && v->upto != ALL_FLUSHES && v->upto > v->flushes) {
		fprintf(stderr, "crash-verify: %s: flush %" PRIu64 " was never "
			"acknowledged (last: %" PRIu64 ")\n", v->rec_path,
			v->upto, v->flushes);
		rc = EXIT_BADREC;
	}
	free(line);
	fclose(f);
	return rc;
}

/* Count every bad block, keep the first MAX_REPORTED reasons; returns 1. */
static int __attribute__((format(printf, 3, 4)))
bad(struct verify *v, uint64_t b, const char *fmt, ...)
{
	char *line;
	va_list ap;
	int n;

	if (v->nr_bad++ >= MAX_REPORTED)
		return 1;
	line = v->report[v->nr_bad - 1];
	n = snprintf(line, sizeof(v->report[0]), "block %" PRIu64 ": ", b);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(v->report[0]) - n, fmt, ap);
	va_end(ap);
	return 1;
}

/* A block with a header: did the workload write it here, is it new enough? */
static int check_written(struct verify *v, uint64_t b, const void *buf,
			  uint64_t want)
{
	struct cw_hdr h;
	uint32_t crc;

	memcpy(&h, buf, sizeof(h));
	memcpy(v->expect, buf, CW_BLOCK_SIZE);
	((struct cw_hdr *)v->expect)->crc = 0;
	crc = cw_crc32c(0, v->expect, CW_BLOCK_SIZE);
	h.block = le64toh(h.block);
	h.gen = le64toh(h.gen);
	if (crc != le32toh(h.crc))
		return bad(v, b, "checksum mismatch (header: block %" PRIu64
			   " generation %" PRIu64 ")", h.block, h.gen);
	if (h.block != b)
		return bad(v, b, "holds block %" PRIu64 " generation %" PRIu64
			   " (misdirected write)", h.block, h.gen);
	if (le64toh(h.seed) != v->p.seed)
		return bad(v, b, "written by another run (seed %" PRIu64 ")",
			   (uint64_t)le64toh(h.seed));
	if (!h.gen || h.gen > v->p.writes || v->seq[h.gen - 1] != b)
		return bad(v, b, "generation %" PRIu64 " never written here",
			   h.gen);
	if (h.gen < want)
		return bad(v, b, "stale: generation %" PRIu64 ", acknowledged %"
			   PRIu64 " (lost write)", h.gen, want);
	cw_fill_block(v->expect, v->p.seed, b, h.gen);
	if (memcmp(v->expect, buf, CW_BLOCK_SIZE))
		return bad(v, b, "content differs from generation %" PRIu64,
			   h.gen);
	return 0;
}

static int check_block(struct verify *v, uint64_t b, const void *buf)
{
	uint64_t want = b < v->p.blocks ? v->want[b] : 0;
	uint64_t last = b < v->p.blocks ? v->last[b] : 0;
	struct cw_hdr h;

	v->nr_acked += !!want;
	if (cw_block_zero(buf)) {
		v->nr_zero++;
		if (want)
			return bad(v, b, "reads zeroes, acknowledged "
				   "generation %" PRIu64 " (lost write)", want);
		return 0;
	}
	memcpy(&h, buf, sizeof(h));
	if (!last)
		return bad(v, b, "changed, but the workload never wrote it");
	if (le32toh(h.magic) != CW_MAGIC)
		return bad(v, b, "no valid header (torn or garbage), "
			   "acknowledged generation %" PRIu64, want);
	return check_written(v, b, buf, want);
}

static int open_dev(struct verify *v, uint64_t *blocks)
{
	off_t end;
	int fd;

	/* Read around the page cache: the array under it was just assembled. */
	fd = open(v->dev_path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0 && errno == EINVAL)
		fd = open(v->dev_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (end = lseek(fd, 0, SEEK_END)) < 0) {
		fprintf(stderr, "crash-verify: %s: %s\n", v->dev_path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*blocks = end / CW_BLOCK_SIZE;
	return fd;
}

static int scan(struct verify *v, int fd, uint64_t blocks)
{
	uint64_t b, i, n;
	unsigned char *buf;
	ssize_t got;

	if (posix_memalign((void **)&buf, CW_BLOCK_SIZE,
			   READ_BLOCKS * CW_BLOCK_SIZE))
		return EXIT_IO;
	for (b = 0; b < blocks; b += n) {
		n = blocks - b < READ_BLOCKS ? blocks - b : READ_BLOCKS;
		got = pread(fd, buf, n * CW_BLOCK_SIZE, b * CW_BLOCK_SIZE);
		if (got != (ssize_t)(n * CW_BLOCK_SIZE)) {
			fprintf(stderr, "crash-verify: %s: read at block %"
				PRIu64 ": %s\n", v->dev_path, b,
				got < 0 ? strerror(errno) : "short read");
			free(buf);
			return EXIT_IO;
		}
		for (i = 0; i < n; i++)
			check_block(v, b + i, buf + i * CW_BLOCK_SIZE);
	}
	free(buf);
	return 0;
}

static int verify_dev(struct verify *v)
{
	uint64_t blocks, through, i;
	int fd, rc;

	fd = open_dev(v, &blocks);
	if (fd < 0)
		return EXIT_IO;
	if (blocks < v->p.blocks) {
		fprintf(stderr, "crash-verify: %s: %" PRIu64 " blocks, the "
			"record wrote to %" PRIu64 "\n", v->dev_path, blocks,
			v->p.blocks);
		close(fd);
		return EXIT_USAGE;
	}
	rc = scan(v, fd, blocks);
	close(fd);
	if (rc)
		return rc;
	through = v->upto == ALL_FLUSHES ? v->flushes : v->upto;
	printf("crash-verify: %s: %" PRIu64 " blocks, %" PRIu64
	       " acknowledged through flush %" PRIu64 ", %" PRIu64 " zero, %"
	       PRIu64 " bad\n", v->nr_bad ? "FAIL" : "PASS", blocks,
	       v->nr_acked, through, v->nr_zero, v->nr_bad);
	for (i = 0; i < v->nr_bad && i < MAX_REPORTED; i++)
		printf("%s\n", v->report[i]);
	return v->nr_bad ? EXIT_DATA : 0;
}

int main(int argc, char **argv)
{
	struct verify v = { 0 };
	int rc;

	if (parse_args(&v, argc, argv)) {
		usage();
		return EXIT_USAGE;
	}
	v.expect = malloc(CW_BLOCK_SIZE);
	rc = v.expect ? read_record(&v) : EXIT_IO;
	if (!rc)
		rc = verify_dev(&v);
	free(v.seq);
	free(v.want);
	free(v.last);
	free(v.expect);
	free(v.pending);
	return rc;
}

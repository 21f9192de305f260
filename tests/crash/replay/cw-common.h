/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What crash-workload writes and crash-verify checks: the block layout, the
 * seeded write sequence (both sides regenerate it from the seed, so the
 * verifier knows every block the workload may have touched without
 * trusting the device), and the record file.
 *
 * A block (CW_BLOCK_SIZE bytes) starts with struct cw_hdr; the rest is
 * filler drawn from a generator seeded by (seed, block, generation).  The
 * crc32c covers the whole block with the crc field zero.  Write i (from 0)
 * of a run carries generation i + 1, so a generation names exactly one
 * write and a later write always has a larger one.
 */
#ifndef CW_COMMON_H
#define CW_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CW_BLOCK_SIZE	4096u
#define CW_MAGIC	0x31425743u	/* "CWB1" little-endian */
#define CW_MARK_PREFIX	"cw-"

struct cw_hdr {
	uint32_t magic;
	uint32_t crc;
	uint64_t block;
	uint64_t gen;
	uint64_t seed;
} __attribute__((packed));

struct cw_params {
	uint64_t blocks;	/* writes land in [0, blocks) */
	uint64_t writes;
	uint64_t flush_every;	/* mean writes between flushes */
	uint64_t seed;
};

struct cw_rng {
	uint64_t s;
};

uint32_t cw_crc32c(uint32_t crc, const void *buf, size_t len);
void cw_rng_seed(struct cw_rng *r, uint64_t seed);
uint64_t cw_rng_next(struct cw_rng *r);

/* The block numbers written, in order: seq[i] gets generation i + 1. */
uint64_t *cw_sequence(const struct cw_params *p);
/* How many writes follow the flush before (at least 1). */
uint64_t cw_next_batch(struct cw_rng *flush_rng, const struct cw_params *p);
void cw_flush_rng(struct cw_rng *r, const struct cw_params *p);

void cw_fill_block(void *buf, uint64_t seed, uint64_t block, uint64_t gen);
bool cw_block_zero(const void *buf);

int cw_parse_header(const char *line, struct cw_params *p);
int cw_format_header(char *buf, size_t len, const struct cw_params *p);

#endif

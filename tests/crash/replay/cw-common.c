// SPDX-License-Identifier: GPL-2.0
/*
 * Shared by crash-workload and crash-verify; see cw-common.h.
 */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw-common.h"

_Static_assert(sizeof(struct cw_hdr) == 32, "cw_hdr is 32 bytes");

/* Castagnoli, reflected: the crc32c of "123456789" is 0xe3069283. */
uint32_t cw_crc32c(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	const unsigned char *p = buf;
	uint32_t c;
	int i, k;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			c = i;
			for (k = 0; k < 8; k++)
				c = (c >> 1) ^ (c & 1 ? 0x82f63b78u : 0);
			table[i] = c;
		}
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* splitmix64: tiny, and the same numbers on every host. */
void cw_rng_seed(struct cw_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t cw_rng_next(struct cw_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t *cw_sequence(const struct cw_params *p)
{
	uint64_t *seq = calloc(p->writes ? p->writes : 1, sizeof(*seq));
	struct cw_rng r;
	uint64_t i;

	if (!seq)
		return NULL;
	cw_rng_seed(&r, p->seed);
	for (i = 0; i < p->writes; i++)
		seq[i] = cw_rng_next(&r) % p->blocks;
	return seq;
}

/* A stream of its own, so flush points never shift the block sequence. */
void cw_flush_rng(struct cw_rng *r, const struct cw_params *p)
{
	cw_rng_seed(r, p->seed ^ 0x666c757368ULL);
}

/* Uniform in [1, 2 * flush_every - 1]: mean flush_every. */
uint64_t cw_next_batch(struct cw_rng *r, const struct cw_params *p)
{
	return 1 + cw_rng_next(r) % (2 * p->flush_every - 1);
}

void cw_fill_block(void *buf, uint64_t seed, uint64_t block, uint64_t gen)
{
	struct cw_hdr *h = buf;
	unsigned char *fill = (unsigned char *)buf + sizeof(*h);
	struct cw_rng r;
	uint64_t v;
	size_t i;

	cw_rng_seed(&r, seed ^ (block * 0x2545f4914f6cdd1dULL) ^
		    (gen * 0x9e3779b97f4a7c15ULL));
	for (i = 0; i < CW_BLOCK_SIZE - sizeof(*h); i += sizeof(v)) {
		v = htole64(cw_rng_next(&r));
		memcpy(fill + i, &v, sizeof(v));
	}
	h->magic = htole32(CW_MAGIC);
	h->crc = 0;
	h->block = htole64(block);
	h->gen = htole64(gen);
	h->seed = htole64(seed);
	h->crc = htole32(cw_crc32c(0, buf, CW_BLOCK_SIZE));
}

bool cw_block_zero(const void *buf)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < CW_BLOCK_SIZE; i++)
		if (p[i])
			return false;
	return true;
}

/* "# crash-workload 1 blocks=B writes=W flush_every=F seed=S block_size=N" */
int cw_parse_header(const char *line, struct cw_params *p)
{
	unsigned long long b, w, f, s;
	unsigned int bs;

	if (sscanf(line, "# crash-workload 1 blocks=%llu writes=%llu "
		   "flush_every=%llu seed=%llu block_size=%u",
		   &b, &w, &f, &s, &bs) != 5)
		return -1;
	if (!b || !f || bs != CW_BLOCK_SIZE)
		return -1;
	p->blocks = b;
	p->writes = w;
	p->flush_every = f;
	p->seed = s;
	return 0;
}

int cw_format_header(char *buf, size_t len, const struct cw_params *p)
{
	return snprintf(buf, len, "# crash-workload 1 blocks=%" PRIu64
			" writes=%" PRIu64 " flush_every=%" PRIu64 " seed=%"
			PRIu64 " block_size=%u\n", p->blocks, p->writes,
			p->flush_every, p->seed, CW_BLOCK_SIZE);
}

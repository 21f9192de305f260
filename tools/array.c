// SPDX-License-Identifier: GPL-2.0
/*
 * array.c - the in-memory image of one array's metadata (struct rx_array):
 * allocating it and the bitmap bits each leg owns.
 */
#include <stdlib.h>
#include <string.h>

#include "raidx-tools.h"

struct rx_array *rx_array_new(unsigned int nr)
{
	struct rx_array *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->nr = nr;
	a->legs = calloc(nr ? nr : 1, sizeof(*a->legs));
	if (!a->legs) {
		free(a);
		return NULL;
	}
	return a;
}

void rx_array_free(struct rx_array *a)
{
	unsigned int i;

	if (!a)
		return;
	for (i = 0; i < a->nr; i++)
		free(a->legs[i].bits);
	free(a->legs);
	free(a);
}

/* Replace the bits by @len bytes of @bits (zeroes if NULL); 0 drops them. */
void rx_leg_set_bits(struct rx_leg *l, const void *bits, size_t len)
{
	free(l->bits);
	l->bits = NULL;
	l->nbits_bytes = 0;
	if (!len)
		return;
	l->bits = calloc(1, len);
	if (!l->bits)
		return;
	if (bits)
		memcpy(l->bits, bits, len);
	l->nbits_bytes = len;
}

/*
 * Index of the freshest leg with a valid superblock, or -1: the one the
 * kernel trusts (raidx_sb_fresher() is the shared comparison).
 */
int rx_freshest(const struct rx_array *a)
{
	int best = -1;
	unsigned int i;

	for (i = 0; i < a->nr; i++) {
		if (!a->legs[i].sb_valid)
			continue;
		if (best < 0 || raidx_sb_fresher(&a->legs[i].sb,
						 &a->legs[best].sb))
			best = i;
	}
	return best;
}

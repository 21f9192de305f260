// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_format.c - libFuzzer target for the shared format code and the
 * dump parser.  The first byte picks what the rest feeds: superblock
 * decode/validate (alone and against a second superblock), bitmap header
 * decode/validate, or the XML/JSON dump parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "raidx-tools.h"

static void sink(void *ctx, enum raidx_severity sev, const char *field,
		 unsigned long long found, unsigned long long expected,
		 const char *why)
{
	/* Touch the strings so ASan sees a bad pointer. */
	*(size_t *)ctx += strlen(field) + strlen(why) + sev +
			  (size_t)(found ^ expected);
}

static void fuzz_sb(const uint8_t *d, size_t n, struct raidx_report *rep)
{
	struct raidx_sb a, b;
	unsigned char buf[RX_SB_AREA];
	size_t half = n / 2;

	raidx_sb_decode(d, n, &a);
	raidx_sb_validate(&a, rep);
	raidx_sb_decode(d, half, &a);
	raidx_sb_decode(d + half, n - half, &b);
	raidx_sb_validate_member(&a, &b, n & 0xff, rep);
	/* Round trip: encode what we decoded, decode again, must agree. */
	raidx_sb_decode(d, n, &a);
	raidx_sb_encode(&a, buf, sizeof(buf));
	raidx_sb_decode(buf, sizeof(buf), &b);
	if (a.has_ext != b.has_ext || a.events != b.events ||
	    memcmp(a.failed, b.failed, sizeof(a.failed)))
		abort();
}

static void fuzz_bitmap(const uint8_t *d, size_t n, struct raidx_report *rep)
{
	struct raidx_bitmap_sb bm;
	u64 dev = 0;

	if (n >= 8)
		memcpy(&dev, d, 8);
	raidx_bitmap_decode(n >= 8 ? d + 8 : d, n >= 8 ? n - 8 : n, &bm);
	raidx_bitmap_validate(&bm, dev, rep);
	raidx_bitmap_regions(&bm);
	raidx_bitmap_bytes(&bm);
}

static void fuzz_parse(const uint8_t *d, size_t n)
{
	char err[256];
	struct rx_array *a = rx_parse((const char *)d, n, err, sizeof(err));
	struct rx_check_opts o = { false };
	unsigned int warn;
	FILE *f;

	if (!a)
		return;
	rx_check_array(a, &warn, &o);
	/* Anything we parse we must be able to write again. */
	f = fopen("/dev/null", "w");
	if (f) {
		rx_dump(f, a, RX_FMT_XML);
		rx_dump(f, a, RX_FMT_JSON);
		fclose(f);
	}
	rx_array_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t acc = 0;
	struct raidx_report rep = { sink, &acc };

	rx_quiet = true;
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_sb(data + 1, size - 1, &rep);
		break;
	case 1:
		fuzz_bitmap(data + 1, size - 1, &rep);
		break;
	default:
		fuzz_parse(data + 1, size - 1);
		break;
	}
	return 0;
}

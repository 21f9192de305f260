// SPDX-License-Identifier: GPL-2.0
/*
 * restore.c - raid_restore: write a dump back onto metadata devices.
 *
 * The dump is validated with exactly the checks raid_check applies, sized
 * against the real output devices, and only then written.  A failed write
 * zeroes the superblocks already written, so no half-restored device
 * passes for valid.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "raidx-tools.h"

#define RX_MAX_DUMP_BYTES	(256U << 20)

static void restore_usage(FILE *f)
{
	fprintf(f, "Usage: raid_restore [options] -i FILE -o DEV...\n"
		"Write the metadata in FILE (a raid_dump, xml or json) to the "
		"metadata\ndevices DEV..., in table order ('-' for a leg "
		"missing in the dump).\n"
		"Options:\n"
		"  -i, --input FILE    the dump to restore\n"
		"  -o, --output DEV... metadata devices to write\n");
	rx_usage_common(f);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (!f) {
		rx_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (*len + 65536 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 1 << 20;
			if (cap > RX_MAX_DUMP_BYTES) {
				rx_err("%s: larger than %u MiB", path,
				       RX_MAX_DUMP_BYTES >> 20);
				goto fail;
			}
			nb = realloc(buf, cap);
			if (!nb)
				goto fail;
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (!n)
			break;
	}
	if (ferror(f)) {
		rx_err("%s: read error", path);
		goto fail;
	}
	fclose(f);
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/* Outputs must exist, be distinct, match the dump's missing legs, fit. */
static int check_outputs(struct rx_array *a, char **out, unsigned int nout)
{
	unsigned int i, j;

	if (nout != a->nr) {
		rx_err("the dump has %u legs but %u output devices were given",
		       a->nr, nout);
		return RX_EXIT_USAGE;
	}
	for (i = 0; i < nout; i++) {
		struct rx_leg *l = &a->legs[i];
		unsigned long long need = RX_SB_AREA, size;

		if (l->missing != !strcmp(out[i], "-")) {
			rx_err("%s: leg %u is %s in the dump", out[i], i,
			       l->missing ? "missing" : "present");
			return RX_EXIT_USAGE;
		}
		l->path = out[i];
		if (l->missing)
			continue;
		for (j = 0; j < i; j++)
			if (rx_same_file(out[i], out[j])) {
				rx_err("%s: given twice", out[i]);
				return RX_EXIT_USAGE;
			}
		if (rx_preflight(out[i], &size))
			return RX_EXIT_USAGE;
		if (l->has_bitmap && rx_array_has_bitmap(&l->sb))
			need = RX_BITMAP_BITS_OFFSET + l->nbits_bytes;
		if (size < need) {
			rx_err("%s: too small: %llu bytes, the metadata needs "
			       "%llu", out[i], size, need);
			return RX_EXIT_USAGE;
		}
		/* Check the bitmap against the device it will live on. */
		l->size = size;
	}
	return 0;
}

static int check_bits_present(const struct rx_array *a)
{
	unsigned int i;

	for (i = 0; i < a->nr; i++) {
		const struct rx_leg *l = &a->legs[i];

		if (l->missing || !rx_array_has_bitmap(&l->sb))
			continue;
		if (!l->has_bitmap || !l->bits) {
			rx_err("%s: leg %u: the dump has no bitmap bits; "
			       "refusing to write a bitmap that would claim "
			       "the array clean", l->path, i);
			return -1;
		}
	}
	return 0;
}

static int write_all(struct rx_array *a)
{
	unsigned int i, done;

	for (done = 0; done < a->nr; done++) {
		struct rx_leg *l = &a->legs[done];

		if (l->missing)
			continue;
		if (rx_write_leg(l->path, l, rx_array_has_bitmap(&l->sb)))
			goto undo;
	}
	return 0;
undo:
	for (i = 0; i <= done && i < a->nr; i++)
		if (!a->legs[i].missing) {
			rx_err("%s: zeroing the superblock after the failed "
			       "restore", a->legs[i].path);
			rx_zero_sb(a->legs[i].path);
		}
	return -1;
}

int cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct rx_check_opts o = { true };
	char **out = calloc(argc + 1, sizeof(*out));
	unsigned int nout = 0, warn;
	const char *in = NULL;
	struct rx_array *a = NULL;
	char err[256], *buf = NULL;
	size_t len;
	int c, r = RX_EXIT_USAGE;

	if (!out)
		return RX_EXIT_PROBLEMS;
	while ((c = getopt_long(argc, argv, "-hVqi:o:", opts, NULL)) != -1) {
		r = rx_common_option(c, restore_usage);
		if (r == RX_OPT_NEXT)
			continue;
		if (r != RX_OPT_OWN)
			goto out;
		r = RX_EXIT_USAGE;
		switch (c) {
		case 'i':
			in = optarg;
			break;
		case 'o':
		case 1:		/* more devices after -o DEV */
			if (c == 1 && !nout) {
				rx_err("unexpected argument '%s'", optarg);
				goto out;
			}
			out[nout++] = optarg;
			break;
		default:
			restore_usage(stderr);
			goto out;
		}
	}
	r = RX_EXIT_USAGE;
	if (!in || !nout) {
		rx_err("need -i FILE and -o DEV...");
		if (!rx_quiet)
			restore_usage(stderr);
		goto out;
	}
	buf = read_file(in, &len);
	if (!buf)
		goto out;
	a = rx_parse(buf, len, err, sizeof(err));
	if (!a) {
		rx_err("%s: %s", in, err);
		goto out;
	}
	r = check_outputs(a, out, nout);
	if (r)
		goto out;
	r = RX_EXIT_PROBLEMS;
	if (check_bits_present(a))
		goto out;
	if (rx_check_array(a, &warn, &o)) {
		rx_err("%s: does not validate; nothing written", in);
		goto out;
	}
	if (write_all(a))
		goto out;
	r = RX_EXIT_OK;
out:
	rx_array_free(a);
	free(buf);
	free(out);
	return r;
}

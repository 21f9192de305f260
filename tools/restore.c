// SPDX-License-Identifier: GPL-2.0
/*
 * restore.c - raid_restore: write a dump back onto metadata devices.
 *
 * The dump is validated with exactly the checks raid_check applies, sized
 * against the real output devices, and only then written.  Every output
 * is opened before the first write; a failed write puts back what was
 * overwritten, so no output is left half-restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/*
 * The dump must be a regular file: it is compared with the outputs, and a
 * FIFO would block (give a pipe's contents through a file).
 */
static char *read_file(const char *path, size_t *len, struct stat *st)
{
	char *buf = NULL;
	size_t cap = 0;
	bool have;
	int fd;

	*len = 0;
	if (rx_stat_path(path, st, &have))
		return NULL;
	if (!S_ISREG(st->st_mode)) {
		rx_err("%s: the dump must be a regular file", path);
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		rx_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (*len == cap) {
			char *nb;

			cap = cap ? cap * 2 : 1 << 20;
			if (cap > RX_MAX_DUMP_BYTES) {
				rx_err("%s: larger than %u MiB", path,
				       RX_MAX_DUMP_BYTES >> 20);
				goto fail;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				rx_err("%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rx_err("%s: read error: %s", path, strerror(errno));
			goto fail;
		}
		if (!n)
			break;
		*len += n;
	}
	close(fd);
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/*
 * The outputs must match the dump's legs, '-' where it has none; the
 * rest (distinct, writable, not in use, not the dump, large enough) is
 * the pre-flight raid_repair runs too.
 */
static int check_outputs(struct rx_array *a, struct rx_outs *os, char **out,
			 unsigned int nout, const struct rx_ident *dump)
{
	unsigned int i;

	if (nout != a->nr) {
		rx_err("the dump has %u legs but %u output devices were given",
		       a->nr, nout);
		return RX_EXIT_USAGE;
	}
	for (i = 0; i < nout; i++) {
		if (a->legs[i].missing != !strcmp(out[i], "-")) {
			rx_err("%s: leg %u is %s in the dump", out[i], i,
			       a->legs[i].missing ? "missing" : "present");
			return RX_EXIT_USAGE;
		}
	}
	return rx_outs_open(os, a, out, nout, dump, 1);
}

static int check_bits_present(const struct rx_array *a)
{
	unsigned int i;

	for (i = 0; i < a->nr; i++) {
		const struct rx_leg *l = &a->legs[i];

		if (l->missing || !raidx_sb_has_bitmap(&l->sb))
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

int cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct rx_getopt g = { "-i:o:", opts, restore_usage };
	struct rx_check_opts o = { true };
	struct rx_outs os = { 0 };
	struct rx_ident dump = { "the dump", NULL, false };
	char **out = calloc(argc + 1, sizeof(*out));
	unsigned int nout = 0, warn;
	const char *in = NULL;
	struct rx_array *a = NULL;
	char err[256], *buf = NULL;
	size_t len;
	int c, r = RX_EXIT_USAGE;

	if (!out)
		return RX_EXIT_PROBLEMS;
	while ((c = rx_getopt(&g, argc, argv, &r)) != RX_OPT_END) {
		switch (c) {
		case RX_OPT_EXIT:
			goto out;
		case 'i':
			in = optarg;
			break;
		case 'o':
		case 1:		/* more devices after -o DEV */
			if (c == 1 && !nout) {
				rx_err("unexpected argument '%s'", optarg);
				r = RX_EXIT_USAGE;
				goto out;
			}
			out[nout++] = optarg;
			break;
		}
	}
	r = RX_EXIT_USAGE;
	if (!in || !nout) {
		rx_err("need -i FILE and -o DEV...");
		if (!rx_quiet)
			restore_usage(stderr);
		goto out;
	}
	dump.path = in;
	buf = read_file(in, &len, &dump.st);
	if (!buf)
		goto out;
	dump.have_st = true;
	a = rx_parse(buf, len, err, sizeof(err));
	if (!a) {
		rx_err("%s: %s", in, err);
		goto out;
	}
	r = check_outputs(a, &os, out, nout, &dump);
	if (r)
		goto out;
	r = RX_EXIT_PROBLEMS;
	if (check_bits_present(a))
		goto out;
	if (rx_check_array(a, &warn, &o)) {
		rx_err("%s: does not validate; nothing written", in);
		goto out;
	}
	if (rx_outs_commit(&os, a, NULL, NULL))
		goto out;
	r = RX_EXIT_OK;
out:
	if (rx_outs_close(&os) && r == RX_EXIT_OK)
		r = RX_EXIT_PROBLEMS;
	rx_array_free(a);
	free(buf);
	free(out);
	return r;
}

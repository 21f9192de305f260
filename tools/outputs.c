// SPDX-License-Identifier: GPL-2.0
/*
 * outputs.c - the devices raid_restore and raid_repair write, and the
 * promises they keep about them:
 *
 *  - never an input: an output that is one of the inputs (by name, or by
 *    device once opened) or given twice is refused before anything is
 *    written;
 *  - never a device in use: block devices are opened O_EXCL, which the
 *    kernel refuses while a dm table, md or a mount holds them;
 *  - never half an output: every output is opened and sized first, what
 *    a write will overwrite is read and kept, and a failed write or a
 *    failed verification puts it back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "raidx-tools.h"

static void outs_free(struct rx_outs *os)
{
	unsigned int i, k;

	for (i = 0; os->o && i < os->n; i++) {
		struct rx_out *o = &os->o[i];

		if (o->fd >= 0)
			close(o->fd);
		for (k = 0; k < o->nr; k++)
			free(o->r[k].old);
	}
	free(os->o);
	os->o = NULL;
	os->n = 0;
}

static int open_output(struct rx_out *o)
{
	bool have;
	int flags = O_RDWR;

	if (rx_stat_path(o->path, &o->st, &have))
		return -1;
	/*
	 * O_EXCL on a block device fails with EBUSY while the kernel holds
	 * it (a dm table, md, a mount) or another program opened it O_EXCL:
	 * that is live metadata, as thin_restore says.
	 */
	if (S_ISBLK(o->st.st_mode))
		flags |= O_EXCL;
	o->fd = rx_open_checked(o->path, flags, &o->st);
	if (o->fd < 0) {
		if (errno == EBUSY)
			rx_err("%s: device is in use (held by the kernel or "
			       "opened exclusively): refusing to overwrite "
			       "live metadata", o->path);
		else
			rx_err("%s: cannot open for writing: %s", o->path,
			       strerror(errno));
		return -1;
	}
	o->size = rx_fd_size(o->fd);
	return 0;
}

/* Open every output that is not "-"; refuse inputs and repeats. */
static int open_all(struct rx_outs *os, char **paths, unsigned int n,
		    const struct rx_ident *ins, unsigned int nin)
{
	unsigned int i, j;

	os->n = n;
	os->o = calloc(n ? n : 1, sizeof(*os->o));
	if (!os->o) {
		rx_err("out of memory");
		os->n = 0;
		return RX_EXIT_PROBLEMS;
	}
	for (i = 0; i < n; i++)
		os->o[i].fd = -1;
	for (i = 0; i < n; i++) {
		struct rx_out *o = &os->o[i];

		o->path = paths[i];
		if (!strcmp(o->path, "-"))
			continue;
		/* Inputs that could not be read still have a name. */
		for (j = 0; j < nin; j++)
			if (!strcmp(ins[j].path, o->path))
				goto is_input;
		if (open_output(o))
			return RX_EXIT_USAGE;
		for (j = 0; j < nin; j++)
			if (ins[j].have_st && rx_same_dev(&ins[j].st, &o->st))
				goto is_input;
		for (j = 0; j < i; j++)
			if (os->o[j].fd >= 0 &&
			    rx_same_dev(&os->o[j].st, &o->st)) {
				rx_err("%s: output given twice (outputs %u and "
				       "%u): refused", o->path, j, i);
				return RX_EXIT_USAGE;
			}
		continue;
is_input:
		rx_err("%s: output %u is also an input (%s, %s): refused, "
		       "nothing written", o->path, i, ins[j].what,
		       ins[j].path);
		return RX_EXIT_USAGE;
	}
	return 0;
}

/* Does the metadata of @l (with its bitmap if @bitmap) fit on @o? */
static bool leg_fits(const struct rx_out *o, const struct rx_leg *l,
		     bool bitmap)
{
	unsigned long long need = RX_SB_AREA;

	if (bitmap)
		need = RX_BITMAP_BITS_OFFSET + l->nbits_bytes;
	if (o->size >= need)
		return true;
	rx_err("%s: too small: %llu bytes, the metadata needs %llu", o->path,
	       o->size, need);
	return false;
}

/*
 * Every output must hold its leg.  From here on each leg of @a is judged
 * on the device it will live on (its size, its name in messages).
 */
static int check_sizes(struct rx_outs *os, struct rx_array *a)
{
	unsigned int i;
	int r = 0;

	for (i = 0; i < os->n; i++) {
		struct rx_leg *l = &a->legs[i];

		l->path = os->o[i].path;
		if (l->missing)
			continue;
		if (!leg_fits(&os->o[i], l, l->has_bitmap &&
			      raidx_sb_has_bitmap(&l->sb)))
			r = RX_EXIT_USAGE;
		l->size = os->o[i].size;
		l->readable = true;
	}
	return r;
}

int rx_outs_open(struct rx_outs *os, struct rx_array *a, char **paths,
		 unsigned int n, const struct rx_ident *ins, unsigned int nin)
{
	int r;

	if (a->nr != n) {
		rx_err("internal error: %u legs for %u outputs", a->nr, n);
		return RX_EXIT_PROBLEMS;
	}
	r = open_all(os, paths, n, ins, nin);
	if (!r)
		r = check_sizes(os, a);
	if (r)
		outs_free(os);
	return r;
}

/*----------------------------------------------------------------
 * Writing, and putting back
 *--------------------------------------------------------------*/
static void add_range(struct rx_out *o, unsigned long long off,
		      const void *data, size_t len)
{
	struct rx_range *r = &o->r[o->nr++];

	r->off = off;
	r->data = data;
	r->len = len;
}

/* Ranges to write, and a copy of what they overwrite. */
static int prepare(struct rx_out *o, const struct rx_leg *l)
{
	bool bitmap = raidx_sb_has_bitmap(&l->sb);
	unsigned int k;

	if (!leg_fits(o, l, bitmap))
		return -1;
	raidx_sb_encode(&l->sb, o->area, sizeof(o->area));
	if (bitmap) {
		raidx_bitmap_encode(&l->bm, o->hdr, sizeof(o->hdr));
		add_range(o, RAIDX_BITMAP_OFFSET, o->hdr, sizeof(o->hdr));
		if (l->nbits_bytes)
			add_range(o, RX_BITMAP_BITS_OFFSET, l->bits,
				  l->nbits_bytes);
	}
	add_range(o, 0, o->area, sizeof(o->area));	/* last: commits */
	for (k = 0; k < o->nr; k++) {
		struct rx_range *r = &o->r[k];

		r->old = malloc(r->len);
		if (!r->old) {
			rx_err("%s: out of memory", o->path);
			return -1;
		}
		errno = 0;
		if (rx_pread_full(o->fd, r->old, r->len, r->off) != r->len) {
			rx_err("%s: cannot read what would be overwritten "
			       "(bytes %llu..%llu): %s; nothing written",
			       o->path, r->off, r->off + r->len - 1,
			       errno ? strerror(errno) : "short read");
			return -1;
		}
	}
	return 0;
}

static int sync_out(struct rx_out *o)
{
	if (fsync(o->fd) && errno != EINVAL) {
		rx_err("%s: flush error: %s", o->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Write the ranges of one phase: 1 bitmaps, 2 superblocks (offset 0). */
static int write_phase(struct rx_out *o, unsigned int phase)
{
	unsigned int k;

	for (k = 0; k < o->nr; k++) {
		struct rx_range *r = &o->r[k];

		if ((phase == 1) != (r->off != 0))
			continue;
		r->done = rx_pwrite_full(o->fd, r->data, r->len, r->off);
		if (r->done != r->len) {
			rx_err("%s: write error at byte %llu: %s", o->path,
			       r->off + r->done, strerror(errno));
			return -1;
		}
	}
	return sync_out(o);
}

/*
 * First read what will be overwritten on every output, then write bitmap
 * headers and bits everywhere, then the superblocks, which make a device
 * valid: a crash leaves at worst new bitmaps behind old superblocks.
 */
static int write_all(struct rx_outs *os, const struct rx_array *a)
{
	unsigned int i, phase;

	for (i = 0; i < os->n; i++)
		if (os->o[i].fd >= 0 && prepare(&os->o[i], &a->legs[i]))
			return -1;
	for (phase = 1; phase <= 2; phase++)
		for (i = 0; i < os->n; i++)
			if (os->o[i].fd >= 0 && write_phase(&os->o[i], phase))
				return -1;
	return 0;
}

/* Put back what was overwritten; say so for every device touched. */
static void undo(struct rx_outs *os)
{
	unsigned int i, k;

	for (i = 0; i < os->n; i++) {
		struct rx_out *o = &os->o[i];
		bool touched = false, ok = true;

		if (o->fd < 0)
			continue;
		for (k = o->nr; k-- > 0; ) {
			struct rx_range *r = &o->r[k];

			if (!r->done)
				continue;
			touched = true;
			if (rx_pwrite_full(o->fd, r->old, r->done, r->off) !=
			    r->done)
				ok = false;
			else
				r->done = 0;
		}
		if (!touched)
			continue;
		if (ok && sync_out(o))
			ok = false;
		if (ok)
			rx_err("%s: previous contents put back", o->path);
		else
			rx_err("%s: could not put the previous contents back: "
			       "%s; the device holds a partial write",
			       o->path, strerror(errno));
	}
}

int rx_outs_commit(struct rx_outs *os, const struct rx_array *a,
		   int (*verify)(void *ctx), void *ctx)
{
	if (a->nr != os->n) {
		rx_err("internal error: %u legs for %u outputs", a->nr, os->n);
		return -1;
	}
	if (write_all(os, a) || (verify && verify(ctx))) {
		undo(os);
		return -1;
	}
	return 0;
}

int rx_outs_close(struct rx_outs *os)
{
	unsigned int i;
	int r = 0;

	for (i = 0; os->o && i < os->n; i++) {
		struct rx_out *o = &os->o[i];

		if (o->fd >= 0 && close(o->fd)) {
			rx_err("%s: close error: %s", o->path,
			       strerror(errno));
			r = -1;
		}
		o->fd = -1;
	}
	outs_free(os);
	return r;
}

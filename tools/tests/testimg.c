// SPDX-License-Identifier: GPL-2.0
/*
 * testimg.c - raidx_testimg, the tests' image writer: "mkimage" writes
 * realistic metadata for a whole array onto files or devices, "poke"
 * damages one.  A binary of its own, never installed and not in the man
 * pages: the host and guest tests build images with it through the
 * shared encoders, and it writes where it is told, without the checks of
 * the real tools (tools/outputs.c).
 *
 *   raidx_testimg mkimage [--type T] [--state S] ... FILE...
 *   raidx_testimg poke FILE field=value|zero-sb|zero-bitmap...
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "raidx-tools.h"

/*
 * Write superblock area (4 KiB, encoded from l->sb so the extension and
 * zero padding are canonical) and, when asked, bitmap header and bits.
 */
static int write_leg(const char *path, const struct rx_leg *l, bool bitmap)
{
	unsigned char area[RX_SB_AREA];
	unsigned char hdr[RAIDX_BITMAP_SB_SIZE];
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0) {
		rx_err("%s: %s", path, strerror(errno));
		return -1;
	}
	raidx_sb_encode(&l->sb, area, sizeof(area));
	if (rx_pwrite_full(fd, area, sizeof(area), 0) != sizeof(area))
		r = -1;
	if (!r && bitmap) {
		raidx_bitmap_encode(&l->bm, hdr, sizeof(hdr));
		if (rx_pwrite_full(fd, hdr, sizeof(hdr),
				   RAIDX_BITMAP_OFFSET) != sizeof(hdr))
			r = -1;
		if (!r && l->nbits_bytes &&
		    rx_pwrite_full(fd, l->bits, l->nbits_bytes,
				   RX_BITMAP_BITS_OFFSET) != l->nbits_bytes)
			r = -1;
	}
	if (!r && fsync(fd) && errno != EINVAL)
		r = -1;
	if (r)
		rx_err("%s: write error: %s", path, strerror(errno));
	if (close(fd))
		r = -1;
	return r;
}

/*----------------------------------------------------------------
 * mkimage
 *--------------------------------------------------------------*/
struct mkopts {
	const struct raidx_type *type;
	unsigned int devices;
	unsigned long long sectors;	/* per-device data sectors */
	unsigned long long events;
	unsigned long long size;	/* image bytes for new files */
	unsigned int region;		/* bitmap chunk bytes */
	const char *state;		/* clean | degraded | resync */
	bool ext;
	unsigned int copies;
	unsigned int seed;		/* varies the ext uuid */
};

static void make_sb(const struct mkopts *o, struct raidx_sb *sb)
{
	unsigned int copies = o->copies;
	unsigned int i;

	memset(sb, 0, sizeof(*sb));
	sb->magic = RAIDX_SB_MAGIC;
	sb->compat_features = RAIDX_COMPAT_V190;
	sb->num_devices = o->devices;
	sb->events = o->events;
	sb->disk_recovery_offset = RAIDX_MAX_SECTOR;
	sb->array_resync_offset = RAIDX_MAX_SECTOR;
	sb->level = o->type->level;
	sb->layout = o->type->level == 10 ?
		     (u32)raidx_r10_layout(o->type->algorithm, copies, true) :
		     o->type->algorithm;
	sb->stripe_sectors = sb->level == 1 ? 0 : 128;
	sb->reshape_position = RAIDX_MAX_SECTOR;
	sb->new_level = sb->level;
	sb->new_layout = sb->layout;
	sb->new_stripe_sectors = sb->stripe_sectors;
	sb->sectors = o->sectors;
	sb->array_sectors = sb->level == 10 ?
		o->sectors * o->devices / copies :
		o->sectors * raidx_data_devs(sb->level, o->devices);
	if (!strcmp(o->state, "resync"))
		sb->array_resync_offset = o->sectors / 2;
	if (o->ext) {
		sb->has_ext = true;
		for (i = 0; i < 16; i++)
			sb->uuid[i] = (u8)(0x5a + i * 7 + o->seed);
	}
}

static void make_bitmap(const struct mkopts *o, const struct raidx_sb *sb,
			struct rx_leg *l)
{
	u64 regions, r;

	memset(&l->bm, 0, sizeof(l->bm));
	l->bm.magic = RAIDX_BITMAP_MAGIC;
	l->bm.version = RAIDX_BITMAP_MAJOR_HI;
	l->bm.events = sb->events;
	l->bm.events_cleared = sb->events;
	l->bm.sync_size = raidx_sb_resync_sectors(sb);
	l->bm.chunksize = o->region;
	l->bm.daemon_sleep = 5;
	l->has_bitmap = true;
	rx_leg_set_bits(l, NULL, raidx_bitmap_bytes(&l->bm));
	regions = raidx_bitmap_regions(&l->bm);
	if (!strcmp(o->state, "clean") || !l->bits)
		return;
	/* Some dirty regions: a few at the start and one in the middle. */
	for (r = 0; r < regions && r < 3; r++)
		l->bits[r / 8] |= 1U << (r % 8);
	r = regions / 2;
	l->bits[r / 8] |= 1U << (r % 8);
}

static int prepare(const char *path, unsigned long long size)
{
	struct stat st;
	int fd;

	if (!stat(path, &st) && S_ISBLK(st.st_mode))
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, size)) {
		rx_err("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int write_images(const struct mkopts *o, char **paths)
{
	bool degraded = !strcmp(o->state, "degraded");
	unsigned int i, last = o->devices - 1;
	struct rx_leg l;
	int r = 0;

	for (i = 0; i < o->devices && !r; i++) {
		if (!strcmp(paths[i], "-"))
			continue;
		memset(&l, 0, sizeof(l));
		make_sb(o, &l.sb);
		l.sb.array_position = i;
		/*
		 * Degraded: the last leg dropped out at events-1; the others
		 * recorded it as failed and moved on.
		 */
		if (degraded && i == last)
			l.sb.events--;
		else if (degraded)
			raidx_sb_set_failed(&l.sb, last, true);
		if (raidx_sb_has_bitmap(&l.sb))
			make_bitmap(o, &l.sb, &l);
		r = prepare(paths[i], o->size) ||
		    write_leg(paths[i], &l, raidx_sb_has_bitmap(&l.sb));
		free(l.bits);
	}
	return r ? RX_EXIT_PROBLEMS : RX_EXIT_OK;
}

static int cmd_mkimage(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "sectors", required_argument, NULL, 's' },
		{ "events", required_argument, NULL, 'e' },
		{ "size", required_argument, NULL, 'S' },
		{ "region", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 'x' },
		{ "copies", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 'u' },
		{ "ext", no_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 }
	};
	struct mkopts o = {
		raidx_type_by_name("raid1"), 0, 2048 * 64, 10, 4 << 20,
		64 << 10, "clean", false, 2, 0
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			o.type = raidx_type_by_name(optarg);
			break;
		case 's':
			o.sectors = strtoull(optarg, NULL, 0);
			break;
		case 'e':
			o.events = strtoull(optarg, NULL, 0);
			break;
		case 'S':
			o.size = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			o.region = strtoul(optarg, NULL, 0);
			break;
		case 'x':
			o.state = optarg;
			break;
		case 'c':
			o.copies = strtoul(optarg, NULL, 0);
			break;
		case 'u':
			o.seed = strtoul(optarg, NULL, 0);
			break;
		case 'E':
			o.ext = true;
			break;
		default:
			return RX_EXIT_USAGE;
		}
	}
	o.devices = argc - optind;
	if (!o.type || o.devices < o.type->min_devs || !o.copies ||
	    o.devices > RAIDX_MAX_DEVICES || o.events < 2 ||
	    (strcmp(o.state, "clean") && strcmp(o.state, "degraded") &&
	     strcmp(o.state, "resync"))) {
		rx_err("mkimage: bad type, state or device count");
		return RX_EXIT_USAGE;
	}
	return write_images(&o, argv + optind);
}

/*----------------------------------------------------------------
 * poke DEV ACTION...: field=value, zero-sb, zero-bitmap
 *--------------------------------------------------------------*/
static int cmd_poke(int argc, char **argv)
{
	struct rx_leg l = { 0 };
	bool bitmap = false;
	int i, r;

	if (argc < 3) {
		rx_err("poke DEV field=value|zero-sb|zero-bitmap...");
		return RX_EXIT_USAGE;
	}
	l.path = argv[1];
	r = rx_read_leg(&l);
	if (r)
		return r;
	for (i = 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!strcmp(argv[i], "zero-sb")) {
			memset(&l.sb, 0, sizeof(l.sb));
		} else if (!strcmp(argv[i], "zero-bitmap")) {
			memset(&l.bm, 0, sizeof(l.bm));
			bitmap = true;
		} else if (eq) {
			*eq = '\0';
			if (rx_set_field(&l, argv[i], eq + 1)) {
				rx_err("poke: bad field or value '%s'",
				       argv[i]);
				free(l.bits);
				return RX_EXIT_USAGE;
			}
			bitmap |= !strncmp(argv[i], "bitmap.", 7);
		} else {
			rx_err("poke: unknown action '%s'", argv[i]);
			free(l.bits);
			return RX_EXIT_USAGE;
		}
	}
	/* Header only: bits stay as they are on the device. */
	rx_leg_set_bits(&l, NULL, 0);
	r = write_leg(l.path, &l, bitmap);
	return r ? RX_EXIT_PROBLEMS : RX_EXIT_OK;
}

/*----------------------------------------------------------------*/

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "mkimage")) {
		rx_prog = "mkimage";
		return cmd_mkimage(argc - 1, argv + 1);
	}
	if (argc >= 2 && !strcmp(argv[1], "poke")) {
		rx_prog = "poke";
		return cmd_poke(argc - 1, argv + 1);
	}
	fprintf(stderr, "Usage: raidx_testimg mkimage|poke ARGS...\n"
		"(test-only: writes without the checks of the real tools)\n");
	return RX_EXIT_USAGE;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * lw-synth (test only): write a dm-log-writes log from a script, so the
 * replay tool can be tested on the host without the kernel target.
 *
 *   lw-synth [-s SECTORSIZE] [-n NR_ENTRIES] OUT < SCRIPT
 *
 * Script lines (# comments):
 *   write SECTOR NR BYTE [flush] [fua] [meta]   NR sectors, every byte BYTE
 *   flush                                        empty FLUSH
 *   discard SECTOR NR
 *   mark TEXT
 * -n writes that entry count into the super instead of the real one (to
 * make a lying super).  Prints "entry I offset BYTES" per entry so a test
 * can patch a header in place.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lw-format.h"

static uint32_t ss = 512;
static FILE *out;
static uint64_t off, count;

static void die(const char *msg, unsigned long line)
{
	fprintf(stderr, "lw-synth: line %lu: %s\n", line, msg);
	exit(1);
}

static void put(const void *buf, size_t len)
{
	if (fwrite(buf, 1, len, out) != len) {
		perror("lw-synth: write");
		exit(1);
	}
	off += len;
}

static void put_entry(uint64_t sector, uint64_t nr, uint64_t flags,
		      const char *mark)
{
	unsigned char *sect = calloc(1, ss);
	struct lw_entry e = {
		.sector = htole64(sector),
		.nr_sectors = htole64(nr),
		.flags = htole64(flags),
		.data_len = htole64(mark ? strlen(mark) : 0),
	};

	if (!sect)
		exit(1);
	printf("entry %" PRIu64 " offset %" PRIu64 "\n", count++, off);
	memcpy(sect, &e, sizeof(e));
	if (mark)
		memcpy(sect + sizeof(e), mark, strlen(mark));
	put(sect, ss);
	free(sect);
}

static void put_data(uint64_t nr, int byte)
{
	unsigned char *sect = malloc(ss);

	if (!sect)
		exit(1);
	memset(sect, byte, ss);
	while (nr--)
		put(sect, ss);
	free(sect);
}

static uint64_t write_flags(char *rest)
{
	uint64_t flags = 0;
	char *w;

	for (w = strtok(rest, " \t\n"); w; w = strtok(NULL, " \t\n")) {
		if (!strcmp(w, "flush"))
			flags |= LW_FLUSH;
		else if (!strcmp(w, "fua"))
			flags |= LW_FUA;
		else if (!strcmp(w, "meta"))
			flags |= LW_METADATA;
	}
	return flags;
}

static void do_line(char *line, unsigned long no)
{
	unsigned long long sector, nr;
	int byte, used = 0;
	char *text;

	if (line[0] == '#' || line[0] == '\n' || !line[0])
		return;
	if (sscanf(line, "write %llu %llu %i%n", &sector, &nr, &byte,
		   &used) == 3) {
		put_entry(sector, nr, write_flags(line + used), NULL);
		put_data(nr, byte);
	} else if (!strncmp(line, "flush", 5)) {
		put_entry(0, 0, LW_FLUSH, NULL);
	} else if (sscanf(line, "discard %llu %llu", &sector, &nr) == 2) {
		put_entry(sector, nr, LW_DISCARD, NULL);
	} else if (!strncmp(line, "mark ", 5)) {
		text = line + 5;
		text[strcspn(text, "\n")] = '\0';
		put_entry(0, 0, LW_MARK, text);
	} else {
		die("unknown command", no);
	}
}

int main(int argc, char **argv)
{
	struct lw_super sb = { 0 };
	long long forced = -1;
	unsigned long no = 0;
	char line[4096];
	unsigned char *pad;
	int c;

	while ((c = getopt(argc, argv, "s:n:")) != -1) {
		if (c == 's')
			ss = strtoul(optarg, NULL, 0);
		else if (c == 'n')
			forced = strtoll(optarg, NULL, 0);
		else
			return 1;
	}
	if (optind != argc - 1 || ss < sizeof(struct lw_super)) {
		fputs("usage: lw-synth [-s SECTORSIZE] [-n NR] OUT < SCRIPT\n",
		      stderr);
		return 1;
	}
	out = fopen(argv[optind], "w");
	pad = calloc(1, ss);
	if (!out || !pad) {
		perror("lw-synth");
		return 1;
	}
	put(pad, ss);		/* the super, filled in at the end */
	while (fgets(line, sizeof(line), stdin))
		do_line(line, ++no);
	sb.magic = htole64(LW_MAGIC);
	sb.version = htole64(LW_VERSION);
	sb.nr_entries = htole64(forced >= 0 ? (uint64_t)forced : count);
	sb.sectorsize = htole32(ss);
	if (fseek(out, 0, SEEK_SET) || fwrite(&sb, sizeof(sb), 1, out) != 1 ||
	    fclose(out)) {
		perror("lw-synth");
		return 1;
	}
	free(pad);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * raidx-takeover.c - changes of level, layout, chunk or device count.
 *
 * Owns: recognising a table that asks to convert an existing array
 * (takeover to another level, reshape to another layout, chunk size or
 * device count) and, until dm-raidx implements conversions, refusing it
 * before anything is written, with a message that says what was asked.
 */
#include "raidx.h"

static const char *type_name(unsigned int level, unsigned int layout)
{
	const struct raidx_type *t = raidx_type_by_level_layout(level, layout);

	return t ? t->name : "unknown";
}

/*
 * Compare what the table asks for with what the superblock records.
 * Returns 0 when they agree, else sets ti->error and returns -EOPNOTSUPP.
 */
int raidx_refuse_layout_change(struct raidx_set *rs, unsigned int sb_level,
			       unsigned int sb_layout, unsigned int sb_chunk,
			       unsigned int sb_disks)
{
	unsigned int level = rs->type->level;
	unsigned int layout = rs->table_layout;

	if (rs_given(rs, RAIDX_ARG_DELTA_DISKS)) {
		rs->ti->error =
			"Reshape (delta_disks) is not supported by dm-raidx yet";
		return -EOPNOTSUPP;
	}
	if (level != sb_level) {
		DMERR("Takeover from %s to %s requested",
		      type_name(sb_level, sb_layout), rs->type->name);
		rs->ti->error =
			"Takeover to another raid level is not supported by dm-raidx yet";
		return -EOPNOTSUPP;
	}
	if (layout != sb_layout) {
		DMERR("Layout change from %s (0x%x) to %s (0x%x) requested",
		      type_name(sb_level, sb_layout), sb_layout,
		      type_name(level, layout), layout);
		rs->ti->error =
			"Reshape to another layout is not supported by dm-raidx yet";
		return -EOPNOTSUPP;
	}
	if (level != 1 && rs->params.chunk_sectors != sb_chunk) {
		DMERR("Chunk change from %u to %u sectors requested", sb_chunk,
		      rs->params.chunk_sectors);
		rs->ti->error =
			"Reshape to another chunk size is not supported by dm-raidx yet";
		return -EOPNOTSUPP;
	}
	if (rs->raid_disks != sb_disks) {
		DMERR("Device count change from %u to %u requested", sb_disks,
		      rs->raid_disks);
		rs->ti->error =
			"Changing the number of devices is not supported by dm-raidx yet";
		return -EOPNOTSUPP;
	}
	return 0;
}

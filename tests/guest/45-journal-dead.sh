#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A dead journal device is handled as md handles it and reported, never
# silently ignored.  A raid5 with a journal, in each mode, loses its
# journal device (it starts failing every I/O): md fails the journal and
# refuses writes rather than run without the log it promised; dm-raidx
# shows 'D' as the journal character, the kernel log names the failure,
# and data md acknowledged reads back intact.
# timeout: 400
. "$(dirname "$0")/../lib/common.sh"

load_raidx
MB=16
n=3
BYTES=$((2 << 20))
raid5_journal_legs $n $MB 16
dev=/dev/mapper/jd

for mode in writethrough writeback; do
	for m in "${LEG_META[@]}" "$JDEV"; do
		dd if=/dev/zero of="$m" bs=1M count=4 oflag=direct status=none
	done
	dm_wrap jd-j "$JDEV"
	dm_create jd "0 $sectors raid raid5_ls 5 128 journal_dev /dev/mapper/jd-j journal_mode $mode $n$legs"
	write_pattern $dev 91 $BYTES
	wait_sync jd 300
	want=A
	[ $mode = writeback ] && want=a
	assert_eq "$(raid_field jd 11)" $want "$mode: journal char before"

	mark="journal-dead-$mode-$$"
	echo "$mark" >/dev/kmsg
	dm_swap_error jd-j
	if _pattern 92 $BYTES | dd of=$dev bs=1M iflag=fullblock oflag=direct \
		status=none 2>/dev/null; then
		WRITE=accepted
	else
		WRITE=failed
	fi
	sleep 1
	assert_eq "$(raid_field jd 11)" D "$mode: journal char after the journal died"
	klog=$(dmesg | sed -n "/$mark/,\$p")
	echo "$klog" | grep -E "md/raid|raidx|journal" | head -n 8
	grep -qiE "journal|Disk failure" <<<"$klog" ||
		fail "$mode: kernel log says nothing about the journal failure"
	# md fails writes it cannot log; what it did acknowledge must read back.
	if [ $WRITE = failed ]; then
		# dd stops at its first failed 1 MiB write: the second MiB was
		# never touched and must read back as before.
		got=$(dd if=$dev bs=1M skip=1 count=1 iflag=direct status=none | sha256sum | cut -d' ' -f1)
		assert_eq "$got" "$(_pattern 91 $BYTES | tail -c $((1 << 20)) | sha256sum | cut -d' ' -f1)" \
			"$mode: data beyond the failed write"
	else
		assert_eq "$(sha_of $dev $BYTES)" "$(pattern_sha 92 $BYTES)" "$mode: acknowledged write"
	fi
	if _pattern 93 4096 | dd of=$dev bs=4k count=1 oflag=direct status=none 2>/dev/null; then
		LATER=accepted
	else
		LATER=failed
	fi
	echo "result: mode=$mode write_during_failure=$WRITE later_write=$LATER status='$(dmsetup status jd)'"
	assert_eq "$LATER" failed "$mode: writes after the journal died are refused, not run unlogged"
	dm_remove jd
	dm_remove jd-j
	pass "$mode: dead journal reported ('D'), writes refused, not ignored"
done
echo "dead journal: all checks passed"

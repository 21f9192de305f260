# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Kernel helpers with no side effect on the caller's error handling or
# cleanups, shared by the guest tests (through common.sh) and the guest
# side of the bench (bench/guest-bench.sh).
#
#   raidx_insmod KO [TARGET_NAME]       md personalities, the .ko's
#                                       dependencies, then the .ko
#   klog_mark [TEXT] / klog_since [TEXT]
#                                       a line in the kernel log, and the
#                                       lines after it (the last mark
#                                       without TEXT); tagged $KLOG_TAG

KLOG_TAG=${KLOG_TAG:-${TEST_NAME:-raidx}}

raidx_insmod() {
	local deps
	modprobe -a dm-mod md-mod raid0 raid1 raid10 raid456 || return 1
	deps=$(modinfo -F depends "$1" 2>/dev/null | tr ',' ' ')
	# shellcheck disable=SC2086
	[ -z "$deps" ] || modprobe -a $deps || return 1
	if [ "${2:-raid}" = raid ]; then
		insmod "$1"
	else
		insmod "$1" "target_name=$2"
	fi
}

klog_mark() {
	KMARK=${1:-mark-$RANDOM$RANDOM}
	echo "$KLOG_TAG: $KMARK" >/dev/kmsg
}

klog_since() {
	dmesg | sed -n "/$KLOG_TAG: ${1:-$KMARK}\$/,\$p" | sed 1d
}

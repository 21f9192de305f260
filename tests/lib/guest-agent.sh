#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the guest (started by tests/run-guest.sh through qemu.sh).
# For each test listed in /results/tests.list it writes to
# /results/<name>/: started, log (stdout+stderr), dmesg (kernel log of
# that test only), rc, seconds.  The host judges the results.
#
# A test may set its own timeout with a line "# timeout: SECONDS" in its
# leading comment block; the default is $GUEST_TEST_TIMEOUT (300).
# GUEST_TIMEOUT_SCALE (an integer, default 1) multiplies every timeout:
# the debug kernel runs the same tests several times slower.
#
# On a kernel with kmemleak (the debug kernel, scripts/debug-kernel.sh)
# each test also gets kmemleak: the leak reports found after it, if any
# (the host fails the test for them).
set -uo pipefail

RESULTS=${RESULTS:-/results}
TIMEOUT_SCALE=${GUEST_TIMEOUT_SCALE:-1}
KMEMLEAK=/sys/kernel/debug/kmemleak
export DM_DISABLE_UDEV=1
# shellcheck source=tests/lib/test-header.sh
. "$TOP/tests/lib/test-header.sh"

# Leftovers would break the next test; remove them and say so in the log.
reset_devices() {
	local left
	left=$(dmsetup ls 2>/dev/null | grep -v '^No devices found' || true)
	if [ -n "$left" ]; then
		echo "agent: removing leftover dm devices: $left"
		# A test killed mid-way may leave legs suspended: resume them
		# first, or removing the array above them waits forever.
		dmsetup ls 2>/dev/null | awk '{print $1}' | while read -r d; do
			dmsetup resume "$d" >/dev/null 2>&1 || true
		done
		dmsetup remove_all -f >/dev/null 2>&1 || true
	fi
	losetup -D 2>/dev/null || true
	# Each test starts without dm-raidx or dm-raid: both register "raid".
	rmmod dm_raidx 2>/dev/null || true
	rmmod dm_raid 2>/dev/null || true
}

# blocked_tasks: the kernel stack of every task in uninterruptible sleep.
# Run after a test timed out: what its kill could not end is what hung.
blocked_tasks() {
	local p
	for p in /proc/[0-9]*; do
		grep -q '^State:.*D' "$p/status" 2>/dev/null || continue
		echo "agent: blocked: pid ${p#/proc/} $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
		sed 's/^/agent:     /' "$p/stack" 2>/dev/null
	done
}

# kmemleak_on: the kernel has kmemleak and it is still running (it turns
# itself off for good when it runs out of memory, and says so in dmesg).
kmemleak_on() {
	mountpoint -q /sys/kernel/debug ||
		mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
	[ -w "$KMEMLEAK" ]
}

# kmemleak_collect FILE: the leaks kmemleak finds now go to FILE (removed
# if there are none), then they are cleared so that the next test is
# charged only with its own.  kmemleak reports nothing younger than 5 s,
# and a pointer in flight (a register, a list being moved) can hide an
# object from one scan: wait out the age, scan twice.  A scan writes
# "N new suspected memory leaks" to the kernel log, which the caller
# collects with the test's dmesg.
kmemleak_collect() {
	local out=$1
	kmemleak_on || return 0
	sleep 5
	echo scan >"$KMEMLEAK" 2>/dev/null
	sleep 2
	echo scan >"$KMEMLEAK" 2>/dev/null
	cat "$KMEMLEAK" >"$out" 2>/dev/null
	echo clear >"$KMEMLEAK" 2>/dev/null
	[ -s "$out" ] || rm -f "$out"
}

run_one() {
	local test=$1 name dir t start end rc
	name=$(basename "$test" .sh)
	dir=$RESULTS/$name
	mkdir -p "$dir"
	t=$(( $(test_timeout "$test") * TIMEOUT_SCALE ))
	dmesg -c >>"$RESULTS/between-dmesg" 2>&1 || true
	touch "$dir/started"
	start=$(date +%s)
	# timeout signals the test's whole process group (so a foreground
	# sleep dies too and the test's TERM trap runs its cleanups); -k:
	# a test that ignores TERM gets KILL.
	(cd /tmp && exec timeout -k 15 "$t" bash "$test") >"$dir/log" 2>&1 </dev/null
	rc=$?
	end=$(date +%s)
	if [ "$rc" = 124 ]; then
		echo "agent: timed out after ${t}s" >>"$dir/log"
		sleep 2
		blocked_tasks >>"$dir/log" 2>&1
	fi
	reset_devices >>"$dir/log" 2>&1
	sync
	# After the reset: a leak of the test's devices shows only once they
	# are gone.
	kmemleak_collect "$dir/kmemleak"
	dmesg -c >"$dir/dmesg" 2>&1 || true
	echo $((end - start)) >"$dir/seconds"
	# rc last: its presence means "the test finished".
	echo "$rc" >"$dir/rc"
}

main() {
	touch "$RESULTS/booted"
	modprobe loop 2>/dev/null || true
	# What boot leaked is nobody's test: set it aside first.
	kmemleak_collect "$RESULTS/boot-kmemleak"
	dmesg -c >"$RESULTS/boot-dmesg" 2>&1 || true
	local test
	while read -r test; do
		[ -n "$test" ] && run_one "$test"
	done <"$RESULTS/tests.list"
	touch "$RESULTS/done"
}

main "$@"

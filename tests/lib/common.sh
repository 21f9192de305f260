# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by every guest test (tests/guest/*.sh).  Runs inside the QEMU
# guest as root; the host filesystem is visible at the same paths.
#
#   on_cleanup CMD [ARG...]     run CMD at exit (LIFO), even on failure
#   fail MSG / pass MSG         end the test / note a passed check
#   assert_eq ACTUAL EXPECTED [WHAT]
#   assert_match STRING ERE [WHAT]
#   load_raidx [TARGET_NAME]    insmod $RAIDX_KO (target_name= if not raid),
#                               and the lock checker (load_lock_check)
#   unload_raidx / load_stock_dmraid
#   load_lock_check             count md calls made without the reconfig
#                               mutex (tests/kmod/md-lock-check.c; verdict:
#                               lock_check_verdict in cases.sh)
#   make_legs N SIZE_MB         sets LEG_META[i], LEG_DATA[i] (loop devs)
#   dm_wrap NAME DEV            dm-linear NAME over DEV (/dev/mapper/NAME)
#   dm_swap_error NAME          reload NAME as the error target
#   wait_sync DEV [TIMEOUT]     wait for a raid DEV to be idle and in sync
#   write_pattern DEV SEED BYTES / pattern_sha SEED BYTES / sha_of DEV [BYTES]
#   raid_health DEV / raid_field DEV N
#   mismatches DEV              run a check, print mismatch_cnt
#   expect_table_rejected "TABLE" "ERROR SUBSTRING"
#   klog_mark / klog_since, raidx_insmod: tests/lib/kernel.sh
#
# Call make_legs and dm_wrap directly, not in $(...): they register
# cleanups and set variables, which a subshell would lose.
set -euo pipefail
set -E # ERR trap in functions too

COMMON_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=${TOP:-$(cd "$COMMON_LIB_DIR/../.." && pwd)}
RAIDX_KO=${RAIDX_KO:-$TOP/dm-target/dm-raidx.ko}
LOCK_CHECK_KO=${LOCK_CHECK_KO:-$TOP/tests/kmod/md-lock-check.ko}
# No udev in the guest: libdevmapper must create /dev/mapper nodes itself.
export DM_DISABLE_UDEV=1
export LVM_SUPPRESS_FD_WARNINGS=1
TEST_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
TEST_TMP=$(mktemp -d "/tmp/$TEST_NAME.XXXXXX")
# shellcheck source=tests/lib/kernel.sh
. "$COMMON_LIB_DIR/kernel.sh"

# ---- cleanup stack ------------------------------------------------------

_CLEANUPS=()

# on_cleanup CMD [ARG...]: remember a command (quoted safely) to run at exit.
on_cleanup() {
	_CLEANUPS+=("$(printf '%q ' "$@")")
}

# undo_since N: run the cleanups registered after the first N, newest first,
# and forget them (a test that repeats a scenario cleans up after each).
undo_since() {
	local i
	for ((i = ${#_CLEANUPS[@]} - 1; i >= $1; i--)); do
		eval "${_CLEANUPS[i]}" >/dev/null 2>&1 || true
		unset '_CLEANUPS[i]'
	done
}

# Run registered cleanups newest first; a failing one does not stop the rest.
cleanup() {
	local i
	set +e
	for ((i = ${#_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${_CLEANUPS[i]}" >/dev/null 2>&1 ||
			echo "cleanup: '${_CLEANUPS[i]}' failed" >&2
	done
	_CLEANUPS=()
	rm -rf "$TEST_TMP"
}

_on_exit() {
	local rc=$?
	trap - EXIT
	cleanup
	exit "$rc"
}

# Say where a set -e failure happened (only the innermost frame).
_ERR_SEEN=0
_on_err() {
	local rc=$?
	[ "$_ERR_SEEN" = 1 ] && return
	_ERR_SEEN=1
	echo "ERROR: '$BASH_COMMAND' exited $rc at ${BASH_SOURCE[1]:-?}:${BASH_LINENO[0]}" >&2
}

trap _on_exit EXIT
trap _on_err ERR
# A signal (the agent's per-test timeout) must still run the cleanups.
trap 'exit 143' TERM
trap 'exit 130' INT

# ---- assertions -----------------------------------------------------------

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pass() {
	echo "PASS: $*"
}

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

# assert_match STRING ERE [WHAT]
assert_match() {
	[[ $1 =~ $2 ]] || fail "${3:-value}: '$1' does not match /$2/"
}

# Run a command, echoing it first (for readable test logs).
# Arguments with spaces are shown single-quoted, so the line can be pasted.
run() {
	local a line="+"
	for a in "$@"; do
		case "$a" in
		*[[:space:]]*) line+=" '$a'" ;;
		*) line+=" $a" ;;
		esac
	done
	echo "$line"
	"$@"
}

# ---- modules --------------------------------------------------------------

# load_raidx [TARGET_NAME]: load dm-raidx (registering TARGET_NAME, default
# "raid") after the md personalities and whatever the .ko depends on.
load_raidx() {
	local name=${1:-raid}
	[ -f "$RAIDX_KO" ] || fail "$RAIDX_KO not built (run 'make module')"
	lsmod | grep -q '^dm_raidx ' && unload_raidx
	# The stock dm-raid (maybe left by an earlier test) owns "raid".
	if [ "$name" = raid ] && lsmod | grep -q '^dm_raid '; then
		modprobe -r dm-raid || fail "stock dm-raid is loaded and busy"
	fi
	raidx_insmod "$RAIDX_KO" "$name" || fail "cannot load $RAIDX_KO"
	on_cleanup unload_raidx
	load_lock_check
}

# unload_raidx: rmmod, retrying briefly (md drops references lazily).
unload_raidx() {
	local i
	lsmod | grep -q '^dm_raidx ' || return 0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rmmod dm_raidx 2>/dev/null && return 0
		sleep 0.5
	done
	rmmod dm_raidx
}

# load_lock_check: probe md's functions that need the array's reconfig
# mutex, counting calls made without it (a dm-raidx caller also fails the
# test through the kernel log); unloaded at exit.  Loaded afresh: fresh
# counts, and md (which load_raidx loaded) may have been reloaded since,
# which leaves a kprobe on its old code dead.
load_lock_check() {
	[ -f "$LOCK_CHECK_KO" ] || fail "$LOCK_CHECK_KO not built (run 'make test-kmod')"
	lsmod | grep -q '^md_lock_check ' && rmmod md_lock_check
	insmod "$LOCK_CHECK_KO" || fail "cannot load $LOCK_CHECK_KO"
	on_cleanup rmmod md_lock_check
}

# The stock target also registers "raid": only one of them can be loaded
# unless dm-raidx got another target_name.
load_stock_dmraid() {
	if lsmod | grep -q '^dm_raidx ' &&
		[ "$(cat /sys/module/dm_raidx/parameters/target_name 2>/dev/null)" = raid ]; then
		unload_raidx
	fi
	modprobe dm-raid
	on_cleanup modprobe -r dm-raid
}

# ---- devices --------------------------------------------------------------

LEG_META=()
LEG_DATA=()

# new_loop VAR FILE SIZE_MB: a loop device over a fresh sparse FILE on the
# guest tmpfs, its path stored in VAR, detached at cleanup.
new_loop() {
	local _new_loop_dev
	rm -f "$2" # a reused name must not bring back old metadata
	truncate -s "${3}M" "$2"
	_new_loop_dev=$(losetup -f --show "$2") || fail "new_loop: no loop device for $2"
	on_cleanup losetup -d "$_new_loop_dev"
	printf -v "$1" '%s' "$_new_loop_dev"
}

# striped_sectors LEG_MB DATA_LEGS: table length of an array striping
# over DATA_LEGS legs of LEG_MB MiB, each cut to whole 64 KiB chunks.
striped_sectors() {
	echo $(( ($1 << 11) / 128 * 128 * $2 ))
}

# raid5_journal_legs N LEG_MB JOURNAL_MB: what a raid5 with a write journal
# needs: N legs (make_legs), a journal loop device in JDEV, the legs' table
# words in legs and the length of the N-leg raid5 in sectors.
raid5_journal_legs() {
	make_legs "$1" "$2" >/dev/null
	new_loop JDEV "$TEST_TMP/journal" "$3"
	legs=$(leg_args)
	sectors=$(striped_sectors "$2" $(($1 - 1)))
}

# make_legs N SIZE_MB [PREFIX]: N legs, each a 4 MiB metadata loop device
# plus a SIZE_MB data loop device, backed by files in guest RAM (tmpfs)
# named PREFIXmetaI and PREFIXdataI (another PREFIX keeps earlier legs).
# Sets LEG_META[0..N-1] and LEG_DATA[0..N-1]; prints "meta data" per leg.
make_legs() {
	local n=$1 size=$2 prefix=${3:-} i
	modprobe loop
	LEG_META=()
	LEG_DATA=()
	for ((i = 0; i < n; i++)); do
		new_loop "LEG_META[$i]" "$TEST_TMP/${prefix}meta$i" 4
		new_loop "LEG_DATA[$i]" "$TEST_TMP/${prefix}data$i" "$size"
		echo "${LEG_META[i]} ${LEG_DATA[i]}"
	done
}

# leg_args: " META DATA" for every leg make_legs made, for a table line.
leg_args() {
	local i
	for ((i = 0; i < ${#LEG_META[@]}; i++)); do
		printf ' %s %s' "${LEG_META[i]}" "${LEG_DATA[i]}"
	done
}

# filled_array NAME DATA_LEGS TYPE_AND_PARAMS: a new dm-raidx array (target
# name raidx) on 4 legs of $MB MiB (make_legs), synced, filled with a
# pattern, removed; sets S (its sectors), TABLE (its table line) and SHA
# (its content).
filled_array() {
	local name=$1
	make_legs 4 "$MB" >/dev/null
	S=$(striped_sectors "$MB" "$2")
	TABLE="0 $S raidx $3 4$(leg_args)"
	dm_create "$name" "$TABLE"
	wait_sync "$name" 300
	write_pattern "/dev/mapper/$name" "$name" $((S * 512))
	SHA=$(sha_of "/dev/mapper/$name")
	dm_remove "$name"
}

# dev_sectors DEV: size in 512-byte sectors.
dev_sectors() {
	blockdev --getsz "$1"
}

# dm_create NAME "TABLE": create a dm device, removed at cleanup.
dm_create() {
	echo "$2" | dmsetup create "$1"
	on_cleanup dm_remove "$1"
}

# dm_remove NAME: remove, retrying (a just-closed device can be busy).
dm_remove() {
	local i
	dmsetup info "$1" >/dev/null 2>&1 || return 0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		dmsetup remove "$1" 2>/dev/null && return 0
		sleep 0.3
	done
	dmsetup remove "$1"
}

# dm_wrap NAME DEV: dm-linear NAME over all of DEV, so the leg can later be
# failed with dm_swap_error NAME.  The device is /dev/mapper/NAME.
dm_wrap() {
	dm_create "$1" "0 $(dev_sectors "$2") linear $2 0"
}

# dm_swap_error NAME: make every I/O to NAME fail, keeping its size.
dm_swap_error() {
	local len
	len=$(dmsetup table "$1" | awk '{n += $2} END {print n}')
	dmsetup suspend --noflush "$1"
	echo "0 $len error" | dmsetup load "$1"
	dmsetup resume "$1"
}

# ---- raid status ------------------------------------------------------------

# raid_field DEV N: Nth field of `dmsetup status DEV` (1-based), i.e.
# 4 type, 5 #devs, 6 health, 7 synced/total, 8 sync_action, 9 mismatch_cnt.
raid_field() {
	dmsetup status "$1" | awk -v n="$2" '{print $n}'
}

raid_health() {
	raid_field "$1" 6
}

# wait_sync DEV [TIMEOUT_S]: until sync_action is idle and synced == total.
wait_sync() {
	local dev=$1 timeout=${2:-120} st ratio action t=0
	while :; do
		st=$(dmsetup status "$dev")
		ratio=$(echo "$st" | awk '{print $7}')
		action=$(echo "$st" | awk '{print $8}')
		if [ "$action" = idle ] && [ "${ratio%/*}" = "${ratio#*/}" ]; then
			return 0
		fi
		[ "$t" -ge $((timeout * 2)) ] &&
			fail "wait_sync $dev: not in sync after ${timeout}s: $st"
		sleep 0.5
		t=$((t + 1))
	done
}

# mismatches DEV: run a `check` on a raid DEV, wait for it, print mismatch_cnt.
# (The check may not show in the status at once: wait for it to start.)
mismatches() {
	dmsetup message "$1" 0 check
	local t=0
	while [ "$(raid_field "$1" 8)" = idle ] && [ $t -lt 10 ]; do
		sleep 0.2
		t=$((t + 1))
	done
	wait_sync "$1" 300
	raid_field "$1" 9
}

# ---- data -------------------------------------------------------------------

# _pattern SEED BYTES: deterministic pseudo-random bytes (AES-CTR keyed by
# the seed), different in every block so misplaced blocks are caught.
_pattern() {
	local key
	key=$(printf '%s' "$1" | sha256sum | cut -c1-32)
	# Finite input (not /dev/zero | head) so nothing dies of SIGPIPE.
	head -c "$2" /dev/zero |
		openssl enc -aes-128-ctr -nosalt -K "$key" -iv 0 2>/dev/null
}

# write_pattern DEV SEED BYTES: BYTES (a multiple of 4096) from offset 0,
# O_DIRECT so the data really reached the device when this returns.
write_pattern() {
	_pattern "$2" "$3" |
		dd of="$1" bs=1M iflag=fullblock oflag=direct status=none
}

# pattern_sha SEED BYTES: sha256 write_pattern wrote.
pattern_sha() {
	_pattern "$1" "$2" | sha256sum | cut -d' ' -f1
}

# sha_of DEV [BYTES]: sha256 of the first BYTES (default all) read with
# O_DIRECT, so it comes from the device and not the page cache.
sha_of() {
	local bytes=${2:-$(blockdev --getsize64 "$1")}
	dd if="$1" bs=1M iflag=direct,count_bytes count="$bytes" status=none |
		sha256sum | cut -d' ' -f1
}

# ---- negative tests -----------------------------------------------------------

# Snapshot of everything a rejected table must not leave behind.
_kernel_state() {
	dmsetup ls 2>/dev/null | sort
	local b h
	for b in /sys/devices/virtual/block/*; do
		case "${b##*/}" in loop*|ram*|\*) ;; *) echo "${b##*/}" ;; esac
	done
	cat /proc/mdstat 2>/dev/null
	for h in /sys/block/*/holders/* /sys/block/*/*/holders/*; do
		[ -e "$h" ] && echo "holder $h"
	done
	true
}

# expect_table_rejected "TABLE" "ERROR SUBSTRING": dmsetup create must fail,
# the kernel log must contain the substring (ti->error), and no dm device,
# md device or block-device holder may be left behind.
expect_table_rejected() {
	local table=$1 want=$2 name before after log
	name=reject-$$-$RANDOM
	before=$(_kernel_state)
	# Marker so we only search the log written by this attempt.
	echo "expect_table_rejected: $name" >/dev/kmsg
	if echo "$table" | dmsetup create "$name" 2>"$TEST_TMP/rej.err"; then
		dm_remove "$name"
		fail "table accepted, expected '$want': $table"
	fi
	sleep 0.2
	log=$(dmesg | sed -n "/expect_table_rejected: $name/,\$p")
	if ! grep -qF -- "$want" <<<"$log"; then
		echo "dmesg since attempt:" >&2
		echo "$log" >&2
		cat "$TEST_TMP/rej.err" >&2
		fail "kernel log lacks '$want' for: $table"
	fi
	after=$(_kernel_state)
	if [ "$before" != "$after" ]; then
		diff <(echo "$before") <(echo "$after") >&2 || true
		fail "rejected table left state behind: $table"
	fi
	pass "rejected ($want): $table"
}

# ---- LVM ----------------------------------------------------------------------

# A private lvm.conf: no udev, no dmeventd, no devices file, loop devices
# and virtio disks visible.
_setup_lvm_conf() {
	export LVM_SYSTEM_DIR=$TEST_TMP/lvm
	mkdir -p "$LVM_SYSTEM_DIR" /run/lock/lvm /run/lvm
	cat >"$LVM_SYSTEM_DIR/lvm.conf" <<'EOF'
devices {
	scan = [ "/dev" ]
	filter = [ "a|^/dev/loop[0-9]+$|", "a|^/dev/vd[a-z]+$|", "a|^/dev/mapper/|", "a|^/dev/dm-|", "a|^/dev/ram[0-9]+$|", "r|.*|" ]
	obtain_device_list_from_udev = 0
	external_device_info_source = "none"
	use_devicesfile = 0
}
activation {
	udev_sync = 0
	udev_rules = 0
	monitoring = 0
}
global {
	event_activation = 0
}
backup {
	backup = 0
	archive = 0
}
EOF
}
_setup_lvm_conf

# lvm_test_vg VG PREFIX NPV PV_MB: a VG on NPV PVs of PV_MB MiB, each a
# dm-linear wrapper PREFIX<i> over a loop device (so one can be failed
# with dm_swap_error), the only devices LVM sees; PV[i] their paths.
# Removed at cleanup.
lvm_test_vg() {
	local vg=$1 prefix=$2 n=$3 mb=$4 i
	modprobe loop
	PV=()
	for ((i = 0; i < n; i++)); do
		new_loop "PVLOOP[$i]" "$TEST_TMP/pv$i" "$mb"
		dm_wrap "$prefix$i" "${PVLOOP[i]}"
		PV[i]=/dev/mapper/$prefix$i
	done
	sed -i "s#^\tfilter = .*#\tfilter = [ \"a|^/dev/mapper/$prefix[0-9]+\$|\", \"r|.*|\" ]\n\tglobal_filter = [ \"a|^/dev/mapper/$prefix[0-9]+\$|\", \"r|.*|\" ]#" \
		"$LVM_SYSTEM_DIR/lvm.conf"
	grep -q "$prefix" "$LVM_SYSTEM_DIR/lvm.conf" || fail "lvm.conf filter not set"
	run pvcreate -q "${PV[@]}"
	run vgcreate -q -s 1M "$vg" "${PV[@]}"
	on_cleanup vgremove -ff -y "$vg"
	on_cleanup vgchange -an "$vg"
}

# ---- superblocks --------------------------------------------------------------

# sb_field META BYTE SIZE: the unsigned SIZE-byte field at BYTE of the
# superblock on META, read past the page cache (8 num_devices, 16 events,
# 48 level).
sb_field() {
	dd if="$1" bs=512 count=1 iflag=direct status=none |
		od -An -tu"$3" -j"$2" -N"$3" | tr -d ' '
}

# need_testimg: sets TESTIMG to the test-only image tool (mkimage, poke:
# tools/tests/raidx_testimg, not installed), failing the test when it is
# not built.
need_testimg() {
	TESTIMG=$TOP/tools/tests/raidx_testimg
	[ -x "$TESTIMG" ] || fail "$TESTIMG not built (make tools)"
}

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) a debug kernel for the test guest: Debian's
# linux-source-6.1 of exactly the guest kernel's version (DEBVER in
# $CACHE/env.sh), configured small (x86_64_defconfig + kvm_guest.config)
# with md and dm as modules and the kernel's own checkers on: KASAN,
# lockdep (PROVE_LOCKING, PROVE_RCU), DEBUG_ATOMIC_SLEEP, kmemleak,
# DEBUG_OBJECTS, DEBUG_LIST/SG/PLIST/NOTIFIERS.  Then builds dm-raidx.ko
# against it into build/debug/ (dm-target/ is left alone).
#
#   scripts/debug-kernel.sh            build kernel and module (cached)
#   scripts/debug-kernel.sh --kernel   only the kernel
#   scripts/debug-kernel.sh --env      print the GUEST_* settings of the
#                                      built kernel (fails if not built)
#   scripts/debug-kernel.sh --check [TEST...]   build, then run the guest
#                                      tests (default all) on it
#                                      (make check-debug)
#
# --check runs tests/run-guest.sh with the debug kernel, its module tree
# and build/debug/dm-raidx.ko, results in build/debug/guest-results/
# (GUEST_RESULTS), GUEST_MEM 4096 (KASAN's shadow and quarantine, kmemleak's
# objects) and GUEST_TIMEOUT_SCALE 4 (the checkers slow the guest down);
# each may be set in the environment instead.  The guest agent scans
# kmemleak after each test; any kernel report (KASAN, lockdep, kmemleak,
# ODEBUG, list corruption: all WARNING/BUG lines) fails the test it
# appeared in, as on the normal kernel.
#
# Everything lands in $CACHE/debug-kernel-$DEBVER-<hash>/, the hash taken
# over the configuration below, so a config change builds a new kernel and
# an unchanged one is reused:
#   build/        the O= object tree, kept: it is KDIR for external modules
#   root/lib/modules/<kver>/   modules_install output (the guest's KMODDIR)
#   bzImage       the kernel the guest boots
#   env.sh        DEBUG_KVER, DEBUG_KIMAGE, DEBUG_KMODDIR, DEBUG_KDIR
#   build-time    seconds the kernel build took
# JOBS (default 2) is make's -j: the machine is shared.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CACHE:-$TOP/.cache}
BUILD=${BUILD:-$TOP/build}
JOBS=${JOBS:-2}

log() { echo "debug-kernel: $*" >&2; }
die() { echo "debug-kernel: ERROR: $*" >&2; exit 1; }

# Options set on top of x86_64_defconfig + kvm_guest.config, as
# scripts/config arguments.  Every --enable/--module here is checked after
# olddefconfig (which silently drops an option whose dependencies fail).
# Editing this list changes the cache key.  The --disable block keeps the
# build small (2 shared cores): the guest boots from -kernel, mounts its
# root over 9p (it needs INET, not more IP), mounts no disk
# file system, has no network device, display, USB, SCSI, ATA or IOMMU,
# and needs no security module, keyring or tracer.  KPROBES is on for
# tests/kmod/md-lock-check.ko (md calls made without the reconfig
# mutex, which 6.1's lockdep does not assert).  ACPI stays: the guest
# powers off through it.  Block cgroups stay (md and dm bios carry them
# on the guest kernel too).
config_args() {
	cat <<'EOF'
--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT
--disable DEBUG_INFO_DWARF4
--disable DEBUG_INFO_DWARF5
--enable DEBUG_INFO_NONE
--disable DEBUG_INFO_BTF
--disable MODULE_SIG
--disable MODULE_SIG_ALL
--disable WERROR
--enable MODULES
--enable MODULE_UNLOAD
--enable BLK_DEV_INITRD
--enable RD_GZIP
--enable DEVTMPFS
--enable TMPFS
--enable CONFIGFS_FS
--enable DEBUG_FS
--enable MAGIC_SYSRQ
--enable PRINTK_TIME
--enable AIO
--enable VIRTIO_PCI
--enable VIRTIO_BLK
--enable NET_9P
--enable NET_9P_VIRTIO
--enable 9P_FS
--enable OVERLAY_FS
--enable DETECT_HUNG_TASK
--enable MD
--module BLK_DEV_MD
--module MD_RAID0
--module MD_RAID1
--module MD_RAID10
--module MD_RAID456
--module BLK_DEV_DM
--module DM_RAID
--module DM_DELAY
--module DM_FLAKEY
--module DM_LOG_WRITES
--module DM_ZERO
--module DM_SNAPSHOT
--module DM_MIRROR
--enable DM_UEVENT
--module BLK_DEV_LOOP
--module BLK_DEV_RAM
--enable KASAN
--enable KASAN_GENERIC
--enable PROVE_LOCKING
--enable PROVE_RCU
--enable DEBUG_ATOMIC_SLEEP
--enable DEBUG_KMEMLEAK
--disable DEBUG_KMEMLEAK_DEFAULT_OFF
--disable DEBUG_KMEMLEAK_AUTO_SCAN
--set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 40000
--enable DEBUG_OBJECTS
--enable DEBUG_OBJECTS_FREE
--enable DEBUG_OBJECTS_TIMERS
--enable DEBUG_OBJECTS_WORK
--enable DEBUG_OBJECTS_RCU_HEAD
--enable DEBUG_OBJECTS_PERCPU_COUNTER
--set-val DEBUG_OBJECTS_ENABLE_DEFAULT 1
--enable DEBUG_LIST
--enable DEBUG_SG
--enable DEBUG_PLIST
--enable DEBUG_NOTIFIERS
--set-val LOCKDEP_BITS 16
--enable KPROBES
--set-val LOCKDEP_CHAINS_BITS 17
--disable DRM
--disable AGP
--disable SOUND
--disable USB_SUPPORT
--disable HID
--disable CFG80211
--disable WIRELESS
--disable WLAN
--disable NETFILTER
--disable ETHERNET
--disable NFS_FS
--disable ROOT_NFS
--disable HIBERNATION
--disable LOGO
--disable SECURITY_SELINUX
--disable SECURITY
--disable AUDIT
--disable IPV6
--disable NETLABEL
--disable NETWORK_SECMARK
--disable XFRM_USER
--disable NET_SCHED
--disable IP_MULTICAST
--disable IP_ADVANCED_ROUTER
--disable IP_PNP
--disable SCSI
--disable ATA
--disable EXT4_FS
--disable QUOTA
--disable ISO9660_FS
--disable VFAT_FS
--disable MSDOS_FS
--disable FAT_FS
--disable AUTOFS4_FS
--disable AUTOFS_FS
--disable INPUT_MOUSE
--disable FB
--disable X86_MCE
--disable MICROCODE
--disable KEXEC
--disable CRASH_DUMP
--disable SUSPEND
--disable PROFILING
--disable FTRACE
--disable EFI
--disable NUMA
--disable PCCARD
--disable MACINTOSH_DRIVERS
--disable VIRTIO_INPUT
--disable PACKET
--disable NETDEVICES
--disable RFKILL
--disable I2C
--disable WATCHDOG
--disable X86_PLATFORM_DEVICES
--disable IOMMU_SUPPORT
--disable DMADEVICES
--disable KEYS
--disable HUGETLBFS
--disable CGROUP_RDMA
--disable CGROUP_FREEZER
--disable CGROUP_HUGETLB
--disable CGROUP_PERF
--disable CGROUP_MISC
--disable CGROUP_DEBUG
--disable PM_DEBUG
--disable DEBUG_WX
--disable DEBUG_STACK_USAGE
EOF
}

# The cache key: source version, kernel release and the configuration.
cache_key() {
	{
		echo "$DEBVER $DEBUG_KVER"
		config_args
	} | sha256sum | cut -c1-12
}

# The source must be the guest kernel's own version: anything else would
# test different md code than the guest normally runs.
check_source() {
	local tarball=/usr/src/linux-source-6.1.tar.xz have
	have=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
		die "linux-source-6.1 is not installed: run 'make deps'"
	[ "$have" = "$DEBVER" ] ||
		die "linux-source-6.1 is $have, the guest kernel is $DEBVER: run 'make deps' (or apt-get install linux-source-6.1=$DEBVER)"
	[ -f "$tarball" ] || die "$tarball missing (reinstall linux-source-6.1)"
}

# Unpack the full source once per Debian version (1.5 GB, 15 s); shared by
# every configuration.  Unpacked under a temporary name, then renamed, so
# an interrupted unpack is never taken for a complete one.
unpack_source() {
	SRC=$CACHE/linux-source-full-$DEBVER
	if [ -f "$SRC/Makefile" ]; then return 0; fi
	local tmp=$CACHE/linux-source-full-$DEBVER.tmp.$$ upstream sub
	log "unpacking /usr/src/linux-source-6.1.tar.xz"
	rm -rf "$tmp"; mkdir -p "$tmp"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$tmp"
	upstream=${DEBVER%%-*}
	sub=$(sed -n 's/^SUBLEVEL = //p' "$tmp/linux-source-6.1/Makefile")
	[ "6.1.$sub" = "$upstream" ] ||
		die "source tarball is 6.1.$sub, expected $upstream"
	mv "$tmp/linux-source-6.1" "$SRC"
	rmdir "$tmp"
}

kmake() {
	make -C "$SRC" O="$DIR/build" KERNELRELEASE="$DEBUG_KVER" "$@"
}

# Wanted options that did not end up as asked: olddefconfig drops an
# option quietly when a dependency is missing.
check_config() {
	local cfg=$DIR/build/.config op name val bad=0
	while read -r op name val; do
		case "$op" in
		--enable) val=y ;;
		--module) val=m ;;
		--set-val) ;;
		--disable)
			if grep -q "^CONFIG_$name=" "$cfg"; then
				log "config: CONFIG_$name wanted off, is $(grep "^CONFIG_$name=" "$cfg")"
				bad=1
			fi
			continue ;;
		*) continue ;;
		esac
		if ! grep -qx "CONFIG_$name=$val" "$cfg"; then
			log "config: CONFIG_$name wanted $val, is $(grep "^CONFIG_$name=\|^# CONFIG_$name is" "$cfg" || echo 'absent')"
			bad=1
		fi
	done < <(config_args)
	# Options the list does not name but the guest or the point of the
	# build needs (selected by the ones above).
	for name in DEBUG_KERNEL LOCKDEP DEBUG_LOCK_ALLOC DEBUG_SPINLOCK \
		DEBUG_MUTEXES PREEMPT_COUNT STACKTRACE KALLSYMS; do
		grep -qx "CONFIG_$name=y" "$cfg" ||
			{ log "config: CONFIG_$name is not y"; bad=1; }
	done
	if grep -q '^CONFIG_DEBUG_INFO=y' "$cfg"; then
		log "config: CONFIG_DEBUG_INFO still on"; bad=1
	fi
	[ "$bad" = 0 ] || die "configuration lacks options above (see $cfg)"
}

configure() {
	local args
	log "configuring in $DIR/build"
	mkdir -p "$DIR/build"
	kmake -s x86_64_defconfig
	kmake -s kvm_guest.config
	mapfile -t args < <(config_args | tr ' ' '\n')
	"$SRC/scripts/config" --file "$DIR/build/.config" "${args[@]}"
	kmake -s olddefconfig
	check_config
}

# Configure, build bzImage and modules, install the modules under root/.
# Done only when the "done" stamp is missing; the stamp comes last, so an
# interrupted build is resumed (make redoes what is missing) next time.
build_kernel() {
	if [ -f "$DIR/done" ]; then
		log "reusing $DIR (built in $(cat "$DIR/build-time" 2>/dev/null || echo '?') s)"
		return 0
	fi
	check_source
	unpack_source
	local t0 t1
	t0=$(date +%s)
	if [ ! -f "$DIR/configured" ]; then
		configure
		touch "$DIR/configured"
	fi
	log "building $DEBUG_KVER (make -j$JOBS bzImage modules), log $DIR/build.log"
	if ! kmake -j"$JOBS" bzImage modules >"$DIR/build.log" 2>&1; then
		tail -30 "$DIR/build.log" >&2
		die "kernel build failed, log $DIR/build.log"
	fi
	rm -rf "$DIR/root"
	kmake -s INSTALL_MOD_PATH="$DIR/root" modules_install \
		>>"$DIR/build.log" 2>&1 || die "modules_install failed, log $DIR/build.log"
	[ -f "$DIR/root/lib/modules/$DEBUG_KVER/modules.dep" ] ||
		die "no modules.dep under $DIR/root/lib/modules/$DEBUG_KVER"
	# The install links point at the object tree; the guest needs neither.
	rm -f "$DIR/root/lib/modules/$DEBUG_KVER/build" \
		"$DIR/root/lib/modules/$DEBUG_KVER/source"
	cp "$DIR/build/arch/x86/boot/bzImage" "$DIR/bzImage"
	t1=$(date +%s)
	echo $((t1 - t0)) >"$DIR/build-time"
	{
		echo "# Written by scripts/debug-kernel.sh."
		printf 'DEBUG_KVER=%q\n' "$DEBUG_KVER"
		printf 'DEBUG_KIMAGE=%q\n' "$DIR/bzImage"
		printf 'DEBUG_KMODDIR=%q\n' "$DIR/root/lib/modules/$DEBUG_KVER"
		printf 'DEBUG_KDIR=%q\n' "$DIR/build"
	} >"$DIR/env.sh"
	touch "$DIR/done"
	log "built $DEBUG_KVER in $(( (t1 - t0) / 60 )) min $(( (t1 - t0) % 60 )) s"
}

# dm-raidx.ko for the debug kernel: a copy of dm-target/ built in
# build/debug/src, so the tree's own dm-raidx.ko (others use it) stays.
# md's private headers come from KSRC, the same Debian version.
build_module() {
	local src=$BUILD/debug/src
	rm -rf "$src"
	mkdir -p "$src"
	cp -a "$TOP"/dm-target/. "$src/"
	# Objects of a build against another kernel must not be reused.
	find "$src" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name 'Module.symvers' \
		-o -name 'modules.order' \) -delete
	log "building dm-raidx.ko against $DEBUG_KVER"
	make -C "$DIR/build" M="$src" MD_SRC="$KSRC/drivers/md" \
		CONFIG_DM_RAIDX=m -j"$JOBS" modules >"$BUILD/debug/module.log" 2>&1 ||
		{ cat "$BUILD/debug/module.log" >&2; die "module build failed"; }
	cp "$src/dm-raidx.ko" "$BUILD/debug/dm-raidx.ko"
	local vm
	vm=$(modinfo -F vermagic "$BUILD/debug/dm-raidx.ko")
	case "$vm" in
	"$DEBUG_KVER "*) ;;
	*) die "dm-raidx.ko has vermagic '$vm', expected $DEBUG_KVER" ;;
	esac
	log "module: $BUILD/debug/dm-raidx.ko"

	# The test-only modules (tests/kmod/), built the same way.
	src=$BUILD/debug/kmod
	rm -rf "$src"
	mkdir -p "$src"
	cp "$TOP"/tests/kmod/Kbuild "$TOP"/tests/kmod/*.c "$src/"
	rm -f "$src"/*.mod.c
	make -C "$DIR/build" M="$src" MD_SRC="$KSRC/drivers/md" \
		-j"$JOBS" modules >"$BUILD/debug/kmod.log" 2>&1 ||
		{ cat "$BUILD/debug/kmod.log" >&2; die "test module build failed"; }
	cp "$src/md-lock-check.ko" "$BUILD/debug/md-lock-check.ko"
}

# GUEST_* overrides for tests/lib/qemu.sh, RAIDX_KO and LOCK_CHECK_KO.
print_env() {
	[ -f "$DIR/done" ] || die "debug kernel not built: run 'make debug-kernel'"
	# shellcheck source=/dev/null
	. "$DIR/env.sh"
	printf 'GUEST_KVER=%q\nGUEST_KIMAGE=%q\nGUEST_KMODDIR=%q\nRAIDX_KO=%q\n' \
		"$DEBUG_KVER" "$DEBUG_KIMAGE" "$DEBUG_KMODDIR" "$BUILD/debug/dm-raidx.ko"
	printf 'LOCK_CHECK_KO=%q\n' "$BUILD/debug/md-lock-check.ko"
}

# The guest tests on the debug kernel; run-guest.sh's exit status.
run_check() {
	local t0 rc=0
	eval "$(print_env)"
	export GUEST_KVER GUEST_KIMAGE GUEST_KMODDIR RAIDX_KO LOCK_CHECK_KO
	export GUEST_ENV_VARS="${GUEST_ENV_VARS:-} RAIDX_KO LOCK_CHECK_KO"
	export GUEST_RESULTS=${GUEST_RESULTS:-$BUILD/debug/guest-results}
	export GUEST_MEM=${GUEST_MEM:-4096}
	export GUEST_TIMEOUT_SCALE=${GUEST_TIMEOUT_SCALE:-4}
	t0=$(date +%s)
	bash "$TOP/tests/run-guest.sh" "$@" || rc=$?
	log "guest tests on $GUEST_KVER took $(( ($(date +%s) - t0) / 60 )) min, results in $GUEST_RESULTS"
	return "$rc"
}

main() {
	[ -f "$CACHE/env.sh" ] || die "$CACHE/env.sh missing: run 'make deps'"
	# shellcheck source=/dev/null
	. "$CACHE/env.sh"
	# 6.1.0-57-amd64 -> 6.1.0-57-debug: distinct module tree, same ABI name.
	DEBUG_KVER=${KVER%-*}-debug
	DIR=$CACHE/debug-kernel-$DEBVER-$(cache_key)
	case "${1:-}" in
	--env) print_env; return ;;
	--kernel) build_kernel ;;
	--check) shift; build_kernel; build_module; run_check "$@" ;;
	"") build_kernel; build_module ;;
	*) die "usage: $0 [--kernel|--env|--check [TEST...]]" ;;
	esac
}

main "$@"

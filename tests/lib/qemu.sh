# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Host-side helpers to boot the Debian kernel from scripts/setup.sh in QEMU
# with the host's root filesystem as the guest's (read-only 9p + tmpfs
# overlay).  See doc/guest.md.  Source this file; it needs bash.
#
#   guest_boot SCRIPT TIMEOUT [DISK...]   boot, run SCRIPT, wait; returns 0
#                                         if the guest powered off in time
#   guest_start SCRIPT TIMEOUT [DISK...]  same, in the background
#   guest_wait_file FILE TIMEOUT          wait until FILE exists (guest signal)
#   guest_kill                            SIGKILL QEMU now (crash tests)
#   guest_wait                            wait for a guest_start'ed QEMU
#
# Environment (all optional):
#   GUEST_RESULTS  host dir shared writable as /results (default
#                  $TOP/build/guest-results); .guest-cmd, console.log go there
#   GUEST_ACCEL    tcg | kvm | auto (default auto: kvm if a probe boots)
#   GUEST_MEM      MiB (3072)     GUEST_SMP  CPUs (2)
#   GUEST_ENV_VARS names of host variables to export into the guest script
#   GUEST_ARGS     bash array of arguments passed to SCRIPT (set by caller)
#   GUEST_KIMAGE, GUEST_KMODDIR, GUEST_KVER   boot another kernel than
#                  $CACHE/env.sh's KIMAGE, KMODDIR, KVER (all three
#                  together; scripts/debug-kernel.sh --env prints them)

QEMU_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=${TOP:-$(cd "$QEMU_LIB_DIR/../.." && pwd)}
CACHE=${CACHE:-$TOP/.cache}
GUEST_RESULTS=${GUEST_RESULTS:-$TOP/build/guest-results}
GUEST_MEM=${GUEST_MEM:-3072}
GUEST_SMP=${GUEST_SMP:-2}
GUEST_ACCEL=${GUEST_ACCEL:-auto}
QEMU_PID=
QEMU_TIMER_PID=
QEMU_TIMEOUT=0
QEMU_KILLED=0

# Modules the initramfs needs to reach the 9p root; the rest come from the
# bind-mounted module tree once we are in the real root.
GUEST_INITRD_MODS=(virtio_pci 9pnet_virtio 9p overlay virtio_blk)

guest_load_env() {
	[ -f "$CACHE/env.sh" ] || {
		echo "qemu.sh: $CACHE/env.sh missing: run 'make deps'" >&2
		return 1
	}
	# shellcheck source=/dev/null
	. "$CACHE/env.sh"
	# Another kernel (the debug kernel): the three go together, a module
	# tree of one kernel does not load into another.
	if [ -n "${GUEST_KIMAGE:-}${GUEST_KMODDIR:-}${GUEST_KVER:-}" ]; then
		if [ -z "${GUEST_KIMAGE:-}" ] || [ -z "${GUEST_KMODDIR:-}" ] ||
			[ -z "${GUEST_KVER:-}" ]; then
			echo "qemu.sh: set all of GUEST_KIMAGE, GUEST_KMODDIR, GUEST_KVER or none" >&2
			return 1
		fi
		KIMAGE=$GUEST_KIMAGE KMODDIR=$GUEST_KMODDIR KVER=$GUEST_KVER
	fi
}

# The /init of the initramfs: busybox only.  Kept as a here-doc so its
# text is part of the cache key.
guest_init_script() {
	cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /lower /rw /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in /m/*.ko; do
	[ -e "$m" ] || continue
	insmod "$m" || echo "init: insmod $m failed"
done
for w in $(cat /proc/cmdline); do
	case "$w" in
	guest_kver=*) KVER=${w#*=} ;;
	guest_moddir=*) MODDIR=${w#*=} ;;
	esac
done
die() { echo "init: FATAL: $*"; echo o >/proc/sysrq-trigger; sleep 60; }
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose \
	hostroot /lower || die "mount hostroot"
mount -t tmpfs -o size=1g,mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work \
	/newroot || die "mount overlay"
mkdir -p "/newroot/lib/modules/$KVER" /newroot/results
mount --bind "/newroot$MODDIR" "/newroot/lib/modules/$KVER" || die "bind modules"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results \
	/newroot/results || die "mount results"
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
# devtmpfs lacks these; bash process substitution needs /dev/fd.
ln -s /proc/self/fd /newroot/dev/fd
ln -s /proc/self/fd/0 /newroot/dev/stdin
ln -s /proc/self/fd/1 /newroot/dev/stdout
ln -s /proc/self/fd/2 /newroot/dev/stderr
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs -o size=2g tmpfs /newroot/tmp
mount -t tmpfs -o mode=0755 tmpfs /newroot/run
mkdir -p /newroot/run/lock /newroot/run/lvm
mount -t configfs configfs /newroot/sys/kernel/config 2>/dev/null
mount -t debugfs debugfs /newroot/sys/kernel/debug 2>/dev/null
echo "init: switching root"
# PID 1 powers off when the guest command returns; panic=-1 + -no-reboot
# end QEMU if anything kills PID 1 instead.
exec switch_root /newroot /bin/bash -c \
	'PATH=/usr/sbin:/usr/bin:/sbin:/bin; /bin/bash /results/.guest-cmd; echo o >/proc/sysrq-trigger; while :; do read -r -t 60 _ </dev/console; done'
EOF
}

# initrd_modules: the .ko files (dependencies first) the initramfs needs.
# A kernel with virtio or 9p built in (the debug kernel) has fewer:
# modprobe prints "builtin NAME" for those.  A module that is neither is
# an error: the guest would not reach its root.
initrd_modules() {
	local base=${KMODDIR%/lib/modules/*} m out
	for m in "${GUEST_INITRD_MODS[@]}"; do
		# modprobe takes one module per call (extra words are parameters).
		out=$(modprobe -d "$base" -S "$KVER" --show-depends "$m" 2>&1) || {
			echo "qemu.sh: no module $m for $KVER in $KMODDIR: $out" >&2
			return 1
		}
		echo "$out"
	done | awk '$1 == "insmod" && !seen[$2]++ {print $2}'
}

# Build (or reuse) the initramfs; prints its path.  Keyed by KVER, the
# hash of this file (editing the init script rebuilds it) and the kernel
# (image and module tree paths, modules.dep), so another kernel of the
# same KVER or a rebuilt one gets its own.
guest_initramfs() {
	guest_load_env || return 1
	local key out tmp ko mods
	key=$({
		sha256sum "${BASH_SOURCE[0]}"
		echo "$KIMAGE $KMODDIR"
		stat -c '%s %Y' "$KMODDIR/modules.dep" 2>/dev/null
	} | sha256sum | cut -c1-12)
	out=$CACHE/initramfs-$KVER-$key.cpio.gz
	if [ -f "$out" ]; then echo "$out"; return 0; fi
	tmp=$(mktemp -d)
	mkdir -p "$tmp/bin" "$tmp/m"
	# A dynamically linked busybox would need libc in the initramfs.
	if ! file -L /bin/busybox | grep -q 'statically linked'; then
		echo "qemu.sh: /bin/busybox is not static (install busybox-static)" >&2
		rm -rf "$tmp"; return 1
	fi
	cp /bin/busybox "$tmp/bin/busybox"
	guest_init_script >"$tmp/init"
	chmod +x "$tmp/init"
	mods=$(initrd_modules) || { rm -rf "$tmp"; return 1; }
	local n=10
	for ko in $mods; do
		cp "$ko" "$tmp/m/$n-$(basename "$ko")"
		n=$((n + 1))
	done
	# Unique temp name: two runs may build at once.
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.$$.tmp"
	mv "$out.$$.tmp" "$out"
	rm -rf "$tmp"
	# Older builds of this kernel's initramfs are dead weight now.
	find "$CACHE" -maxdepth 1 -name "initramfs-$KVER-*.cpio.gz" \
		! -name "$(basename "$out")" -delete
	echo "$out"
}

# Write the script PID 1 runs in the guest: exports + the guest script.
guest_write_cmd() {
	local script=$1; shift
	local v
	{
		echo "# generated by tests/lib/qemu.sh"
		echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
		echo "export HOME=/root TERM=dumb GUEST=1 RESULTS=/results"
		printf 'export TOP=%q KVER=%q RAIDX_KO=%q\n' \
			"$TOP" "$KVER" "$TOP/dm-target/dm-raidx.ko"
		for v in ${GUEST_ENV_VARS:-}; do
			[ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
		done
		# The guest mounts its own tmpfs on /tmp: a checkout there (as a
		# CI clone may be) comes in through its own share.
		printf 'if [ ! -d %q ]; then mkdir -p %q && mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose repo %q; fi\n' \
			"$TOP" "$TOP" "$TOP"
		printf 'cd %q\n' "$TOP"
		printf '%q ' /bin/bash "$script" "$@"
		echo
	} >"$GUEST_RESULTS/.guest-cmd"
}

# Does KVM boot to userspace?  Probe once per kernel, cache the answer.
guest_pick_accel() {
	case "$GUEST_ACCEL" in tcg|kvm) echo "$GUEST_ACCEL"; return ;; esac
	local stamp=$CACHE/accel-$KVER
	if [ -f "$stamp" ]; then cat "$stamp"; return; fi
	local res=tcg probe_dir
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		probe_dir=$(mktemp -d)
		printf 'echo ok >/results/probe\n' >"$probe_dir/probe.sh"
		if (GUEST_ACCEL=kvm GUEST_RESULTS=$probe_dir \
			guest_boot "$probe_dir/probe.sh" 15) >/dev/null 2>&1 &&
			[ -f "$probe_dir/probe" ]; then
			res=kvm
		fi
		rm -rf "$probe_dir"
	fi
	echo "$res" >"$stamp"
	echo "$res"
}

# Start QEMU in the background.  Sets QEMU_PID; a watchdog SIGKILLs it
# after TIMEOUT seconds.
guest_start() {
	local script=$1 timeout=$2; shift 2
	guest_load_env || return 1
	mkdir -p "$GUEST_RESULTS"
	local initrd accel disk i=0
	initrd=$(guest_initramfs) || return 1
	accel=$(guest_pick_accel)
	guest_write_cmd "$(realpath "$script")" ${GUEST_ARGS[@]+"${GUEST_ARGS[@]}"}
	local args=(
		-accel "$accel" -m "$GUEST_MEM" -smp "$GUEST_SMP"
		-cpu "$([ "$accel" = kvm ] && echo host || echo max)"
		-nographic -monitor none -no-reboot
		-serial "file:$GUEST_RESULTS/console.log"
		-kernel "$KIMAGE" -initrd "$initrd"
		-append "console=ttyS0 loglevel=5 panic=-1 guest_kver=$KVER guest_moddir=$KMODDIR"
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=$GUEST_RESULTS,mount_tag=results,security_model=none,multidevs=remap"
		-virtfs "local,path=$TOP,mount_tag=repo,security_model=none,readonly=on,multidevs=remap"
		-nic none
	)
	for disk in "$@"; do
		# serial= lets a guest test tell the disks apart in /sys/block.
		args+=(-drive "if=none,id=disk$i,file=$disk,format=raw,cache=writeback"
			-device "virtio-blk-pci,drive=disk$i,serial=disk$i")
		i=$((i + 1))
	done
	rm -f "$GUEST_RESULTS/console.log"
	qemu-system-x86_64 "${args[@]}" </dev/null >"$GUEST_RESULTS/qemu.out" 2>&1 &
	QEMU_PID=$!
	# Watchdog: a hung guest must never hang the test run.
	# Its fds go to /dev/null and it kills its own sleep when stopped, so
	# no orphan keeps a caller's pipe (make check | tee) open.
	local qpid=$QEMU_PID
	(
		exec </dev/null >/dev/null 2>&1
		sleep "$timeout" &
		local spid=$!
		trap 'kill $spid; exit 0' TERM
		wait "$spid"
		kill -9 "$qpid"
	) &
	QEMU_TIMER_PID=$!
	QEMU_TIMEOUT=$timeout
	QEMU_KILLED=0
}

# Wait for QEMU to exit; returns its status (137 if killed).
guest_wait() {
	local rc=0
	[ -n "$QEMU_PID" ] || return 1
	wait "$QEMU_PID" 2>/dev/null || rc=$?
	kill "$QEMU_TIMER_PID" 2>/dev/null || true
	wait "$QEMU_TIMER_PID" 2>/dev/null || true
	QEMU_PID=
	if [ "$rc" = 137 ] && [ "$QEMU_KILLED" = 0 ]; then
		echo "qemu.sh: guest timed out after ${QEMU_TIMEOUT}s, killed" >&2
	elif [ "$rc" != 0 ] && [ "$QEMU_KILLED" = 0 ]; then
		echo "qemu.sh: qemu exited $rc: $(tail -c 300 "$GUEST_RESULTS/qemu.out")" >&2
	fi
	return "$rc"
}

# Crash tests: wait until the guest creates FILE (in the results share) or
# QEMU exits.  Returns 0 only if the file appeared.
guest_wait_file() {
	local file=$1 timeout=${2:-60} t=0
	while [ "$t" -lt $((timeout * 10)) ]; do
		[ -e "$file" ] && return 0
		if ! kill -0 "$QEMU_PID" 2>/dev/null; then
			[ -e "$file" ] && return 0
			echo "qemu.sh: guest ended before $file appeared:" \
				"$(tail -c 300 "$GUEST_RESULTS/qemu.out")" >&2
			return 1
		fi
		sleep 0.1
		t=$((t + 1))
	done
	return 1
}

# Power cut: SIGKILL QEMU; what QEMU had written to the disk files stays.
guest_kill() {
	[ -n "$QEMU_PID" ] || return 0
	QEMU_KILLED=1
	kill -9 "$QEMU_PID" 2>/dev/null || true
	guest_wait || true
}

# Boot, run SCRIPT [GUEST_ARGS...] as the guest's init job, wait.
guest_boot() {
	guest_start "$@" || return 1
	guest_wait
}

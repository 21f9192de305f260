#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build Debian 12's LVM2 (lvm2 2.03.16-2) with the dm-raidx series in
# lvm-patches/ applied.
#
#   scripts/lvm.sh          `make lvm`: the `lvm` binary (and its command
#                           links) in a private prefix, never over the
#                           system's LVM
#   scripts/lvm.sh --deb    `make lvm-deb`: Debian packages in build/lvm-deb/
#   scripts/lvm.sh --fetch  only fetch the source package into the cache
#
# Steps: fetch the source package with apt (cached in .cache/lvm2-src/, so
# a second run needs no network) -> unpack with dpkg-source, which applies
# Debian's own debian/patches -> apply lvm-patches/series in order ->
# configure, build, install.
#
# The private prefix is .cache/lvm2-<debian version>-<hash>/, the hash
# covering lvm-patches/, the configure options and BUILD_REV: editing a
# patch builds a new prefix, an unchanged series reuses the old one.
# `$PREFIX/sbin/lvm` is what tests run; `scripts/lvm.sh --print-prefix`
# prints the prefix (without building).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CACHE:-$TOP/.cache}
BUILD=${BUILD:-$TOP/build}
# LVM_PATCHES: another series directory (e.g. a prefix of the series, to
# check that each patch builds on its own).
PATCHES=${LVM_PATCHES:-$TOP/lvm-patches}
JOBS=${JOBS:-2}
export DEBIAN_FRONTEND=noninteractive

PKG=lvm2
DEBVER=2.03.16-2        # bookworm's lvm2; the series is made against it
UPVER=${DEBVER%-*}
SRCCACHE=$CACHE/lvm2-src
DSC=$SRCCACHE/${PKG}_${DEBVER}.dsc
# The temporary deb-src entry; its name says who wrote it.
APT_ENTRY=/etc/apt/sources.list.d/dm-raidx-lvm2-src.sources

log() { echo "lvm: $*" >&2; }
die() { echo "lvm: ERROR: $*" >&2; exit 1; }

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi

# Bump when build_private changes what it installs (not for messages or
# the --deb path), so cached prefixes are rebuilt.
BUILD_REV=2

# What a private build depends on: the source package (DEBVER), the
# configure options, BUILD_REV and the patches (names and contents, in
# series order).
series_hash() {
	{
		echo "$DEBVER $BUILD_REV"
		printf '%s\n' "${CONFIGURE_OPTS[@]}"
		cat "$PATCHES/series"
		local p
		while read -r p; do
			echo "== $p"
			cat "$PATCHES/$p"
		done < <(series_patches)
	} | sha256sum | cut -c1-12
}

# Patch names from lvm-patches/series: quilt's format, '#' comments,
# optional "-pN" after the name (refused: every patch is -p1).
series_patches() {
	[ -f "$PATCHES/series" ] || return 0
	local line name rest
	while read -r line; do
		line=${line%%#*}
		read -r name rest <<<"$line" || true
		[ -n "$name" ] || continue
		[ -z "$rest" ] || [ "$rest" = "-p1" ] ||
			die "lvm-patches/series: $name: only -p1 patches are supported"
		echo "$name"
	done <"$PATCHES/series"
}

# ---- fetch -------------------------------------------------------------------

# Every file the .dsc lists is in the cache (dpkg-source checks their
# checksums again when it unpacks).
src_cached() {
	[ -f "$DSC" ] || return 1
	local f
	while read -r f; do
		[ -z "$f" ] || [ -f "$SRCCACHE/$f" ] || return 1
	done < <(awk '/^Files:/{on=1;next} /^[^ ]/{on=0} on{print $3}' "$DSC")
}

remove_apt_entry() {
	if [ -f "$APT_ENTRY" ]; then
		$SUDO rm -f "$APT_ENTRY"
		# Refresh the lists so apt forgets the Sources indexes again.
		$SUDO apt-get update -qq || log "WARNING: apt-get update after removing $APT_ENTRY failed"
	fi
}

# The system lists only binary archives (deb); `apt-get source` needs a
# deb-src entry.  Add one for the same mirror and suite for the time of the
# download and remove it afterwards, also on failure or interruption, so
# the machine's apt set-up is left as we found it.  apt checks the
# downloaded files against the signed Sources index.
fetch_source() {
	if src_cached; then
		log "source: cached in ${SRCCACHE#"$TOP"/}"
		return 0
	fi
	command -v dpkg-source >/dev/null || die "dpkg-source missing (apt-get install dpkg-dev)"
	[ ! -e "$APT_ENTRY" ] || die "$APT_ENTRY exists (left by an interrupted run?): remove it and run apt-get update"
	trap remove_apt_entry EXIT
	trap 'exit 130' INT TERM
	log "adding temporary $APT_ENTRY"
	$SUDO tee "$APT_ENTRY" >/dev/null <<'EOF'
# Written by dm-raidx scripts/lvm.sh for `apt-get source lvm2`; removed
# again when it ends.  If you see this file, that run was killed: remove it.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	$SUDO apt-get update -qq
	local tmp
	tmp=$(mktemp -d /tmp/dm-raidx-lvm2-src.XXXXXX)
	# apt downloads as user _apt, which must be able to write here, or it
	# warns and falls back to downloading as root.
	$SUDO chown _apt "$tmp" 2>/dev/null || true
	# --download-only: unpacking is ours to do (below, into build/).
	(cd "$tmp" && apt-get source -q --download-only "$PKG=$DEBVER") ||
		{ rm -rf "$tmp"; die "apt-get source $PKG=$DEBVER failed"; }
	mkdir -p "$SRCCACHE"
	mv "$tmp"/* "$SRCCACHE"/
	rmdir "$tmp"
	remove_apt_entry
	trap - EXIT INT TERM
	src_cached || die "download incomplete: files of $(basename "$DSC") missing in $SRCCACHE"
	log "source: $(find "$SRCCACHE" -type f -printf '%f ')"
}

# ---- unpack and patch --------------------------------------------------------

# Apply our series to the tree in $1 with patch -p1 (no quilt needed), in
# order; a patch that does not apply cleanly (no fuzz) stops the build and
# is named.
apply_series() {
	local dir=$1 p n=0 out
	while read -r p; do
		[ -f "$PATCHES/$p" ] || die "${PATCHES#"$TOP"/}/series names $p, which does not exist"
		if ! out=$(patch -d "$dir" -p1 -N -F0 --no-backup-if-mismatch <"$PATCHES/$p" 2>&1); then
			echo "$out" >&2
			die "patch ${PATCHES#"$TOP"/}/$p does not apply to $PKG $DEBVER (after Debian's patches and the ones before it in series)"
		fi
		n=$((n + 1))
	done < <(series_patches)
	log "applied $n patch(es) from lvm-patches/series"
}

# dpkg-source -x applies debian/patches (format 3.0 (quilt)) exactly as
# the Debian build does, and records them in .pc/.  It checks the files'
# checksums against the .dsc; its gpgv complaint about the signature
# (no debian-keyring here) is dropped: apt verified the files against the
# signed Sources index when it downloaded them.
unpack() {
	local dest=$1
	rm -rf "$dest"
	mkdir -p "$(dirname "$dest")"
	if ! dpkg-source -q -x "$DSC" "$dest" 2>&1 >/dev/null |
		{ grep -v '^gpgv:' >&2 || true; }; then
		die "dpkg-source -x $(basename "$DSC") failed"
	fi
}

# ---- private build -----------------------------------------------------------

# Build dependencies of the private build: a subset of debian/control's,
# only what the configure options below use.
LVM_BUILD_PKGS=(build-essential pkgconf libaio-dev libblkid-dev)

apt_install() {
	local miss=() p
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' ||
			miss+=("$p")
	done
	[ ${#miss[@]} -eq 0 ] && return 0
	log "installing: ${miss[*]}"
	$SUDO apt-get install -y -qq --no-install-recommends "${miss[@]}" >/dev/null
}

# Configure options, and why:
# * the system, locking and run directories are Debian's (/etc/lvm,
#   /run/lock/lvm, /run/lvm): this lvm manages the same VGs as the system's
#   and must take the same file locks; tests point LVM_SYSTEM_DIR at their
#   own lvm.conf;
# * no udev synchronisation or rules: the test guest runs no udev
#   (tests/lib/common.sh sets DM_DISABLE_UDEV=1 and udev_sync = 0), so
#   libdm creates the /dev nodes itself; it also drops libudev from the
#   build.  A real machine with udev uses `make lvm-deb` instead;
# * no dmeventd, lvmpolld, cmirrord, notify-dbus: the guest runs
#   none of them (monitoring = 0), and leaving dmeventd out means lvm links
#   no libdevmapper-event.so, which would pull the system's libdevmapper.so;
# * no readline/editline, SELinux or systemd journal: not needed to run
#   commands, fewer build dependencies;
# * libblkid wiping stays on as in Debian's build (lvcreate signature
#   wiping behaves the same as the system lvm).
# LVM2's `lvm` links the internal copy of libdm statically
# (device_mapper/libdevice-mapper.a), where the series changes the status
# parser and the table builder; check_binary below makes sure it loads no
# libdevmapper.so at all, so the system's can never be picked up.
CONFIGURE_OPTS=(
	--with-default-system-dir=/etc/lvm
	--with-default-locking-dir=/run/lock/lvm
	--with-default-run-dir=/run/lvm
	--with-default-pid-dir=/run
	--with-default-dm-run-dir=/run
	--disable-udev_sync --disable-udev_rules
	--disable-dmeventd --disable-lvmpolld --disable-cmirrord
	--disable-notify-dbus --disable-app-machineid --disable-systemd-journal
	--disable-readline --disable-editline --disable-selinux
	--enable-blkid_wiping
	--disable-nls
)

check_binary() {
	local bin=$1
	[ -x "$bin" ] || die "$bin was not built"
	if ldd "$bin" | grep -q 'libdevmapper'; then
		ldd "$bin" >&2
		die "$bin links a shared libdevmapper: it must use its internal copy"
	fi
	"$bin" version >/dev/null 2>&1 || true
}

build_private() {
	local hash prefix src start end
	hash=$(series_hash)
	prefix=$CACHE/lvm2-$DEBVER-$hash
	if [ -f "$prefix/.done" ]; then
		log "cached: $prefix/sbin/lvm (series unchanged)"
		echo "$prefix"
		return 0
	fi
	start=$(date +%s)
	fetch_source
	apt_install "${LVM_BUILD_PKGS[@]}"
	src=$BUILD/lvm2
	log "unpacking $PKG $DEBVER into ${src#"$TOP"/}"
	unpack "$src"
	apply_series "$src"
	rm -rf "$prefix"
	log "configure (prefix ${prefix#"$TOP"/})"
	(cd "$src" && ./configure -q --prefix="$prefix" "${CONFIGURE_OPTS[@]}" \
		>"$BUILD/lvm2-configure.log" 2>&1) ||
		{ tail -30 "$BUILD/lvm2-configure.log" >&2; die "configure failed (log: build/lvm2-configure.log)"; }
	log "make -j$JOBS (log: build/lvm2-make.log)"
	# Only what `lvm` needs: the internal libraries and tools/ (not the
	# public libdm, dmsetup or the daemons).  -Werror is not added: the
	# point is LVM2's own warnings, not a stricter build than Debian's.
	(cd "$src" && make -j"$JOBS" tools >"$BUILD/lvm2-make.log" 2>&1) ||
		{ grep -E 'error|Error' "$BUILD/lvm2-make.log" | head -30 >&2; die "make failed (log: build/lvm2-make.log)"; }
	# LVM2's unit tests (test/unit, a few seconds; the series adds raid
	# status parsing cases).  Their shell suite needs a kernel: not here.
	(cd "$src" && make -j"$JOBS" test/unit/unit-test >>"$BUILD/lvm2-make.log" 2>&1 &&
		test/unit/unit-test run >"$BUILD/lvm2-unit-test.log" 2>&1) ||
		{ tail -20 "$BUILD/lvm2-unit-test.log" >&2; die "unit tests failed (log: build/lvm2-unit-test.log)"; }
	log "unit tests: $(tail -1 "$BUILD/lvm2-unit-test.log")"
	# lvm and its command links, and fsadm and lvmdump: lvm runs fsadm
	# from the prefix for `lvresize --resizefs`.
	(cd "$src" && make -C tools install_tools_dynamic >"$BUILD/lvm2-install.log" 2>&1 &&
		make -C scripts install_lvm2 >>"$BUILD/lvm2-install.log" 2>&1) ||
		{ tail -20 "$BUILD/lvm2-install.log" >&2; die "install failed (log: build/lvm2-install.log)"; }
	check_binary "$prefix/sbin/lvm"
	end=$(date +%s)
	printf '%s\n' "$DEBVER" "$(series_patches | tr '\n' ' ')" >"$prefix/.done"
	log "built $prefix/sbin/lvm in $((end - start)) s"
	echo "$prefix"
}

# ---- Debian packages ---------------------------------------------------------

DEB_LOCALVER=${DEBVER}+raidx1

build_deb() {
	local dir=$BUILD/lvm-deb src start end p
	start=$(date +%s)
	fetch_source
	src=$dir/$PKG-$UPVER
	rm -rf "$dir"
	mkdir -p "$dir"
	log "unpacking $PKG $DEBVER into ${src#"$TOP"/}"
	unpack "$src"
	# Build dependencies from the unpacked debian/control: apt-get
	# build-dep takes a source directory, no deb-src entry needed.
	if ! (cd "$src" && dpkg-checkbuilddeps >/dev/null 2>&1); then
		log "installing the build dependencies of $PKG (apt-get build-dep)"
		$SUDO apt-get build-dep -y -qq --no-install-recommends "$src" >/dev/null
	fi
	# Our series goes after Debian's in debian/patches, so the source
	# package carries it and dpkg-source applies it as any Debian patch.
	while read -r p; do
		cp "$PATCHES/$p" "$src/debian/patches/$p"
		echo "$p" >>"$src/debian/patches/series"
	done < <(series_patches)
	# Apply now (rather than leave it to dpkg-buildpackage) to name a
	# patch that fails before anything is built.
	(cd "$src" && dpkg-source --before-build . >/dev/null) ||
		die "dpkg-source could not apply the series (see above)"
	# A local version above Debian's: dpkg -i upgrades the installed
	# packages, and the next Debian update replaces them again.
	{
		echo "$PKG ($DEB_LOCALVER) bookworm; urgency=medium"
		echo
		echo "  * dm-raidx: lvm-patches/ series ($(series_patches | wc -l) patches)."
		echo
		echo " -- dm-raidx <dm-raidx@localhost>  $(date -R)"
		echo
		cat "$src/debian/changelog"
	} >"$src/debian/changelog.new"
	mv "$src/debian/changelog.new" "$src/debian/changelog"
	log "dpkg-buildpackage -b (log: build/lvm-deb/build.log)"
	# With the system's PATH only, as a Debian build daemon has it: a
	# developer's PATH may put another python3 (pyenv) first, whose
	# modules lack pyudev, and lvm2-dbusd's configure then fails.
	(cd "$src" && env PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEB_BUILD_OPTIONS="nocheck parallel=$JOBS" \
		dpkg-buildpackage -b -uc -us >"$dir/build.log" 2>&1) ||
		{ tail -40 "$dir/build.log" >&2; die "dpkg-buildpackage failed (log: build/lvm-deb/build.log)"; }
	end=$(date +%s)
	log "packages in ${dir#"$TOP"/}/ ($((end - start)) s):"
	ls "$dir"/*.deb >&2
}

main() {
	case "${1:-}" in
	"") build_private ;;
	--deb) build_deb ;;
	--fetch) fetch_source ;;
	--print-prefix) echo "$CACHE/lvm2-$DEBVER-$(series_hash)" ;;
	*) die "usage: $0 [--deb|--fetch|--print-prefix]" ;;
	esac
}

# One line, read whole before it runs: editing this file during a long
# build cannot make bash read a half-changed rest of it.
main "$@"; exit

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything dm-raidx needs to build and test on Debian 12, then
# unpack the matching kernel image (not installed: it only boots in QEMU),
# module tree and the md/dm source we compile against.  Writes
# $CACHE/env.mk and $CACHE/env.sh.  Idempotent: a second run only checks
# stamps and takes about a second.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CACHE:-$TOP/.cache}
export DEBIAN_FRONTEND=noninteractive

PKGS=(qemu-system-x86 lvm2 dmsetup mdadm fio thin-provisioning-tools
      busybox-static cpio kmod sparse build-essential bc flex bison
      libelf-dev gnuplot-nox e2fsprogs xxd xz-utils dpkg-dev openssl
      clang libclang-rt-14-dev jq
      util-linux file python3)

log() { echo "setup: $*" >&2; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }

# apt-get needs root; CI and dev machines run as root, but allow sudo.
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi

# Packages (or pkg=version specs) from "$@" that are not installed at all
# or not at the requested version.
missing_pkgs() {
	local spec name want have
	for spec in "$@"; do
		name=${spec%%=*}
		want=
		[ "$spec" != "$name" ] && want=${spec#*=}
		have=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$name" \
			2>/dev/null || true)
		case "$have" in
		"ii  "*) [ -z "$want" ] || [ "${have#ii  }" = "$want" ] \
				|| echo "$spec" ;;
		*) echo "$spec" ;;
		esac
	done
}

APT_UPDATED=0
apt_update_once() {
	[ "$APT_UPDATED" = 1 ] && return 0
	log "apt-get update"
	$SUDO apt-get update -qq
	APT_UPDATED=1
}

# Install only what is missing; refresh the package lists only then.
apt_install() {
	local miss
	miss=$(missing_pkgs "$@")
	[ -z "$miss" ] && return 0
	# shellcheck disable=SC2086 # word splitting of the package list wanted
	log "installing:" $miss
	apt_update_once
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $miss >/dev/null
}

# The candidate version of linux-image-amd64 names the ABI (NN) and the
# Debian version; everything else is pinned to it.
find_kernel_version() {
	local cand dep
	cand=$(apt-cache policy linux-image-amd64 2>/dev/null |
		awk '/Candidate:/ {print $2}')
	if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
		apt_update_once
		cand=$(apt-cache policy linux-image-amd64 |
			awk '/Candidate:/ {print $2}')
	fi
	[ -n "$cand" ] && [ "$cand" != "(none)" ] ||
		die "no candidate for linux-image-amd64; check /etc/apt/sources.list"
	dep=$(apt-cache show "linux-image-amd64=$cand" |
		sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*\) (= \([^)]*\)).*/\1 \2/p' |
		head -n1)
	[ -n "$dep" ] || die "cannot parse Depends of linux-image-amd64=$cand"
	IMGPKG=${dep%% *}
	DEBVER=${dep#* }
	KVER=${IMGPKG#linux-image-}
}

# Fetch the image .deb (apt-get download writes to the cwd).
download_image() {
	local debs=$CACHE/debs
	mkdir -p "$debs"
	DEB=$(ls "$debs/${IMGPKG}_${DEBVER//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$DEB" ]; then
		log "downloading $IMGPKG=$DEBVER"
		# The _apt sandbox warning (root-owned dir) is harmless.
		(cd "$debs" && apt-get download -q "$IMGPKG=$DEBVER" 2>&1 |
			grep -v 'sandbox' >&2 || true)
		DEB=$(ls "$debs/${IMGPKG}_${DEBVER//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
		[ -n "$DEB" ] || die "apt-get download $IMGPKG=$DEBVER failed"
	fi
}

# Unpack (not install) the kernel; modules.dep is not shipped, so depmod.
extract_image() {
	KROOT=$CACHE/kernel-$DEBVER
	local stamp=$KROOT/.extracted
	[ -f "$stamp" ] && return 0
	log "extracting $(basename "$DEB") into $KROOT"
	rm -rf "$KROOT"
	mkdir -p "$KROOT"
	dpkg-deb -x "$DEB" "$KROOT"
	depmod -b "$KROOT" "$KVER"
	dpkg-deb -f "$DEB" Version >"$KROOT/.debver"
	touch "$stamp"
}

# Only the parts of the tree we build against or read docs from.
extract_source() {
	KSRC=$CACHE/linux-source-$DEBVER
	local stamp=$KSRC/.extracted tarball=/usr/src/linux-source-6.1.tar.xz
	[ -f "$stamp" ] && return 0
	[ -f "$tarball" ] || die "$tarball missing (linux-source-6.1 not installed?)"
	log "extracting drivers/md etc. from $tarball"
	rm -rf "$KSRC"
	mkdir -p "$KSRC"
	tar -xJf "$tarball" -C "$KSRC" --strip-components=1 \
		--wildcards '*/drivers/md' '*/scripts' '*/include/linux/raid' \
		'*/Documentation/admin-guide/device-mapper'
	touch "$stamp"
}

# Image, headers and source must be the same Debian build, or the module
# we compile will not load in the guest.
verify_versions() {
	local img hdr src
	img=$(cat "$KROOT/.debver")
	hdr=$(dpkg-query -W -f='${Version}' "linux-headers-$KVER" 2>/dev/null || echo none)
	src=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo none)
	if [ "$img" != "$DEBVER" ] || [ "$hdr" != "$DEBVER" ] || [ "$src" != "$DEBVER" ]; then
		cat >&2 <<EOF
setup: ERROR: kernel version mismatch (all must be $DEBVER for $KVER):
  linux-image-$KVER (extracted in $KROOT): $img
  linux-headers-$KVER (installed): $hdr
  linux-source-6.1 (installed): $src
Fix: apt-get update && apt-get install linux-headers-$KVER=$DEBVER \\
       linux-source-6.1=$DEBVER ; then rm -rf $CACHE and re-run make deps.
EOF
		exit 1
	fi
}

write_env() {
	local kdir=/usr/src/linux-headers-$KVER
	local kimage=$KROOT/boot/vmlinuz-$KVER
	local kmoddir=$KROOT/lib/modules/$KVER
	[ -f "$kimage" ] || die "$kimage missing after extraction"
	[ -f "$kmoddir/modules.dep" ] || die "$kmoddir/modules.dep missing"
	[ -d "$kdir" ] || die "$kdir missing"
	{
		echo "# Generated by scripts/setup.sh; do not edit."
		echo "KVER := $KVER"
		echo "DEBVER := $DEBVER"
		echo "KDIR := $kdir"
		echo "KSRC := $KSRC"
		echo "KIMAGE := $kimage"
		echo "KMODDIR := $kmoddir"
	} >"$CACHE/env.mk.tmp"
	{
		echo "# Generated by scripts/setup.sh; do not edit."
		echo "KVER='$KVER'"
		echo "DEBVER='$DEBVER'"
		echo "KDIR='$kdir'"
		echo "KSRC='$KSRC'"
		echo "KIMAGE='$kimage'"
		echo "KMODDIR='$kmoddir'"
	} >"$CACHE/env.sh.tmp"
	mv "$CACHE/env.mk.tmp" "$CACHE/env.mk"
	mv "$CACHE/env.sh.tmp" "$CACHE/env.sh"
}

main() {
	mkdir -p "$CACHE"
	apt_install "${PKGS[@]}"
	find_kernel_version
	apt_install "linux-headers-$KVER=$DEBVER" "linux-source-6.1=$DEBVER"
	download_image
	extract_image
	extract_source
	verify_versions
	write_env
	log "ok: KVER=$KVER DEBVER=$DEBVER (cache $CACHE)"
}

main "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of raidx_tools on plain image files: the C unit tests, the
# standard CLI behaviour of every tool, raid_check on generated arrays and
# on each kind of damage, dump/restore round trips and every raid_repair
# decision.  RAIDX_TOOLS_DIR selects the binaries (make asan sets it).
# Images are made and damaged by the test-only tests/raidx_testimg.
# Last line: "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
D=${RAIDX_TOOLS_DIR:-$TOP/tools}
RT=$D/raidx_tools
TI=$D/tests/raidx_testimg
[ -x "$TI" ] || TI=$TOP/tools/tests/raidx_testimg
UNIT=$D/unit
[ -x "$UNIT" ] || UNIT=$TOP/tools/tests/unit
# A fresh checkout has not built the test binaries yet.
[ -x "$UNIT" ] || make -s -C "$TOP/tools" tests/unit >/dev/null
[ -x "$TI" ] || make -s -C "$TOP/tools" tests/raidx_testimg >/dev/null
W=$(mktemp -d)
trap 'chmod -R u+w "$W"; rm -rf "$W"' EXIT
# shellcheck source=tests/lib/host-check.sh
. "$TOP/tests/lib/host-check.sh"

ok() { host_pass; }
ko() { host_fail "$*"; }

# expect RC CMD... : run, keep stderr in $W/err, compare the exit code
expect() {
	local want=$1 rc; shift
	"$@" >"$W/out" 2>"$W/err"; rc=$?
	if [ "$rc" = "$want" ]; then ok; else
		ko "exit $rc, wanted $want: $*"; sed 's/^/    /' "$W/err" | head -5
	fi
}
# err_has REGEX: the last command's stderr matches
err_has() {
	if grep -Eq -- "$1" "$W/err"; then ok; else
		ko "stderr lacks /$1/"; sed 's/^/    /' "$W/err" | head -8
	fi
}
err_lacks() {
	if grep -Eq -- "$1" "$W/err"; then ko "stderr has /$1/"; else ok; fi
}
sums() { sha256sum "$@" | awk '{print $1}' | tr '\n' ' '; }
# readonly_run RC CMD... FILES via RO_FILES: the files are unchanged
readonly_run() {
	local before
	before=$(sums "${RO_FILES[@]}")
	expect "$@"
	if [ "$before" = "$(sums "${RO_FILES[@]}")" ]; then ok; else
		ko "read-only command changed its input: $*"; fi
}
mk() { (cd "$W" && "$TI" mkimage "$@") || ko "mkimage $*"; }
poke() { "$TI" poke "$@" || ko "poke $*"; }
blank() { local f; for f; do [ "$f" = - ] && continue; rm -f "$f"; truncate -s 4M "$f"; done; }

# --- C unit tests ---------------------------------------------------------
if out=$("$UNIT"); then ok; else ko "unit tests"; echo "$out" | grep FAIL; fi
u=$(echo "$out" | tail -1 | awk '/passed/ {print $1}')
host_add_passed "${u:-0}"

# --- standard CLI behaviour, for each tool --------------------------------
mk --type raid1 a0 a1
RO_FILES=("$W/a0" "$W/a1")
for t in raid_check raid_dump raid_restore raid_repair; do
	expect 0 "$D/$t" --help;        grep -q "Usage: $t" "$W/out" && ok || ko "$t --help"
	expect 0 "$D/$t" -h
	expect 0 "$D/$t" -V;            grep -qx '[0-9][0-9.]*[^ ]*' "$W/out" && ok || ko "$t -V"
	expect 0 "$D/$t" --version
	expect 2 "$D/$t" --no-such-option
	expect 2 "$D/$t"
	expect 0 "$RT" "$t" --version	# multi-call through argv[1]
done
expect 2 "$RT" no_such_command
# The tools carry the module's version (dm-target/raidx-target.c).
V=$(awk '/^#define RAIDX_VERSION_(MAJOR|MINOR|PATCH)/ { v = v s $3; s = "." }
	END { print v }' "$TOP/dm-target/raidx-target.c")
expect 0 "$D/raid_check" -V
[ -n "$V" ] && [ "$(cat "$W/out")" = "$V" ] && ok || ko "-V: $(cat "$W/out"), module $V"
# The test-only image writer is neither a command nor installed.
for t in mkimage poke; do expect 2 "$RT" "$t"; done
if make -s -C "$TOP/tools" install DESTDIR="$W/inst" >/dev/null 2>&1 &&
   [ -x "$W/inst/usr/sbin/raid_check" ] &&
   [ -z "$(find "$W/inst" -name '*testimg*')" ]; then ok; else
	ko "make install: raid_check missing or raidx_testimg installed"; fi
# missing, unreadable, too small, corrupted input
for t in raid_check raid_dump; do
	expect 2 "$D/$t" "$W/nonexistent" "$W/a1"; err_has "nonexistent: No such file"
	if [ "$(id -u)" != 0 ]; then
		cp "$W/a0" "$W/unreadable"; chmod 000 "$W/unreadable"
		expect 2 "$D/$t" "$W/unreadable" "$W/a1"
	fi
	truncate -s 100 "$W/tiny"; expect 2 "$D/$t" "$W/tiny" "$W/a1"; err_has "too small"
	cp "$W/a0" "$W/small"; truncate -s 4200 "$W/small"
	expect 2 "$D/$t" "$W/small" "$W/a1"; err_has "small: too small"
	expect 2 "$D/$t" -q "$W/nonexistent"; [ -s "$W/err" ] && ko "$t -q printed" || ok
done
expect 2 "$D/raid_restore" -i "$W/nonexistent" -o "$W/a0"
printf 'garbage' > "$W/garbage.xml"; blank "$W/g0"
expect 2 "$D/raid_restore" -i "$W/garbage.xml" -o "$W/g0"; err_has "garbage.xml: offset"
expect 2 "$D/raid_repair" -i "$W/a0" "$W/a1" -o "$W/g0"
expect 2 "$D/raid_repair" -i "$W/a0" "$W/a1" -o "$W/a0" "$W/g0"; err_has "also an input"
cp "$W/a0" "$W/c0"; dd if=/dev/urandom of="$W/c0" bs=4096 count=1 conv=notrunc status=none
RO_FILES=("$W/c0" "$W/a1")
readonly_run 1 "$D/raid_check" "$W/c0" "$W/a1"; err_has "c0: field magic"
readonly_run 0 "$D/raid_dump" "$W/c0" "$W/a1"

# --- clean arrays of every level are clean, and check/dump are read-only ----
for spec in "raid1 2" "raid1 3" "raid5_ls 3" "raid5_n 4" "raid6_zr 4" \
	    "raid6_nc 5" "raid10 4" "raid0 3"; do
	set -- $spec; imgs=()
	for ((i = 0; i < $2; i++)); do imgs+=("$W/$1-$i"); done
	mk --type "$1" "${imgs[@]}"
	RO_FILES=("${imgs[@]}")
	readonly_run 0 "$D/raid_check" "${imgs[@]}"; err_lacks "field"
	readonly_run 0 "$D/raid_dump" -o "$W/$1.xml" "${imgs[@]}"
	readonly_run 0 "$D/raid_dump" -f json -o "$W/$1.json" "${imgs[@]}"
	for f in xml json; do
		outs=(); for ((i = 0; i < $2; i++)); do outs+=("$W/$1-r$f$i"); done
		blank "${outs[@]}"
		expect 0 "$D/raid_restore" -i "$W/$1.$f" -o "${outs[@]}"
		same=1
		for ((i = 0; i < $2; i++)); do
			cmp -s -n 1048576 "${imgs[$i]}" "${outs[$i]}" || same=0
		done
		[ $same = 1 ] && ok || ko "$1 $f restore differs from original"
	done
done
mk --type raid5_ls --state degraded --ext d0 d1 d2
expect 0 "$D/raid_check" "$W/d0" "$W/d1" "$W/d2"
err_has "d2: warning: field events: found 9, expected 10"
err_has "device 2 marked failed"
expect 1 "$D/raid_check" --strict "$W/d0" "$W/d1" "$W/d2"
mk --type raid6_zr --state resync r0 r1 r2 r3
expect 0 "$D/raid_check" "$W/r0" "$W/r1" "$W/r2" "$W/r3"; err_has "array_resync_offset"
expect 0 "$D/raid_check" "$W/r0" - "$W/r2" "$W/r3"; err_has "leg missing"
expect 1 "$D/raid_check" "$W/r0" - - -

# --- each damage is reported as exactly that ----------------------------
damage() {	# NAME CHECK_RC REGEX SETUP...
	local name=$1 rc=$2 re=$3; shift 3
	mk --type raid1 --events 40 "$name-0" "$name-1" "$name-2"
	"$@"
	expect "$rc" "$D/raid_check" "$W/$name-0" "$W/$name-1" "$W/$name-2"
	err_has "$re"
}
damage zsb 1 "zsb-1: field magic: found 0" poke "$W/zsb-1" zero-sb
damage ev 1 "ev-2: field events: found 8, expected 40 \(stale leg not marked" \
	poke "$W/ev-2" events=8
damage bmz 1 "bmz-0: field bitmap.magic: found 0" poke "$W/bmz-0" zero-bitmap
damage bmt 2 "bmt-1: too small" truncate -s 4300 "$W/bmt-1"
damage bmb 1 "bmb-1: field bitmap.bits: found" bash -c \
	"'$TI' poke '$W/bmb-1' bitmap.chunksize=512 && truncate -s 8192 '$W/bmb-1'"
damage lvl 1 "lvl-0: field level: found 9" poke "$W/lvl-0" level=9
# raid1 and raid10 near legs may move (the module takes them at their new
# place, as dm-raid does); a raid4/5/6 leg may not.
damage pos 0 "pos-1: warning: field array_position: found 2, expected 1" \
	poke "$W/pos-1" array_position=2
mk --type raid5_ls p5-0 p5-1 p5-2
"$TI" poke "$W/p5-1" array_position=2
expect 1 "$D/raid_check" "$W/p5-0" "$W/p5-1" "$W/p5-2"
err_has "p5-1: field array_position: found 2, expected 1"
# a raid5 recording another layout with no reshape: refused by dm-raidx
# (the data may already be in it); a device delta alone is harmless
mk --type raid5_ls cv-0 cv-1 cv-2
for i in 0 1 2; do "$TI" poke "$W/cv-$i" new_layout=3; done
expect 1 "$D/raid_check" "$W/cv-0" "$W/cv-1" "$W/cv-2"
err_has "cv-0: field new_layout: found 3, expected 2 \(another level, layout or chunk"
mk --type raid5_ls dd-0 dd-1 dd-2
for i in 0 1 2; do "$TI" poke "$W/dd-$i" delta_disks=1; done
expect 0 "$D/raid_check" "$W/dd-0" "$W/dd-1" "$W/dd-2"
err_lacks "field"
damage foreign 1 "foreign-2: field num_devices: found 2, expected 3" \
	bash -c "cd '$W' && '$TI' mkimage --type raid1 --events 40 x0 foreign-2"
damage sfail 1 "more legs failed" bash -c "for i in 0 1 2; do \
	'$TI' poke '$W/sfail-'\$i failed_devices=7; done"
damage bmev 0 "bmev-0: warning: field bitmap.events: found 3" \
	poke "$W/bmev-0" bitmap.events=3 bitmap.events_cleared=3
damage bmuuid 1 "field bitmap.uuid" bash -c \
	"printf '\x01' | dd of='$W/bmuuid-0' bs=1 seek=4104 conv=notrunc status=none"
damage ds 1 "field bitmap.daemon_sleep" poke "$W/ds-0" bitmap.daemon_sleep=0

# --- restore refusals --------------------------------------------------
mk --type raid1 v0 v1
"$D/raid_dump" -o "$W/v.xml" "$W/v0" "$W/v1"
blank "$W/o0" "$W/o1"; RO_FILES=("$W/o0" "$W/o1")
sed 's/num_devices="2"/num_devices="0"/' "$W/v.xml" > "$W/bad.xml"
readonly_run 1 "$D/raid_restore" -i "$W/bad.xml" -o "$W/o0" "$W/o1"; err_has "does not validate"
sed 's/version="1" generator/version="9" generator/' "$W/v.xml" > "$W/bad.xml"
readonly_run 2 "$D/raid_restore" -i "$W/bad.xml" -o "$W/o0" "$W/o1"; err_has "version 9"
readonly_run 2 "$D/raid_restore" -i "$W/v.xml" -o "$W/o0"
truncate -s 4000 "$W/tiny0"; RO_FILES=("$W/o0" "$W/tiny0")
readonly_run 2 "$D/raid_restore" -i "$W/v.xml" -o "$W/o0" "$W/tiny0"
sed '/<dirty/d; s/ regions="[0-9]*"/ bits="unavailable"/' "$W/v.xml" > "$W/nobits.xml"
blank "$W/o0" "$W/o1"; RO_FILES=("$W/o0" "$W/o1")
readonly_run 1 "$D/raid_restore" -i "$W/nobits.xml" -o "$W/o0" "$W/o1"; err_has "no bitmap bits"

# --- repair decisions ----------------------------------------------------
rep() {	# RC IN... -- OUT...
	local rc=$1; shift
	local ins=() outs=()
	while [ "$1" != -- ]; do ins+=("$1"); shift; done; shift
	outs=("$@"); blank "${outs[@]}"
	RO_FILES=(); for f in "${ins[@]}"; do [ "$f" = - ] || RO_FILES+=("$f"); done
	readonly_run "$rc" "$D/raid_repair" -i "${ins[@]}" -o "${outs[@]}"
}
s=$W/s; mk --type raid1 --events 30 s0 s1 s2
poke "$s"1 zero-sb
rep 0 "$s"0 "$s"1 "$s"2 -- "$s"o0 "$s"o1 "$s"o2
err_has "leg 1 .*superblock invalid.*full rebuild"; err_has "bitmap: copying"
expect 0 "$D/raid_check" "$s"o0 "$s"o1 "$s"o2
err_has "so1: warning: field disk_recovery_offset: found 0"
poke "$s"2 events=5
rep 0 "$s"0 "$s"1 "$s"2 -- "$s"o0 "$s"o1 "$s"o2; err_has "leg 2 .*stale .*not marked failed.*full rebuild"
mk --type raid5_ls --events 30 s0 s1 s2; poke "$s"2 events=5
rep 1 "$s"0 - "$s"2 -- "$s"o0 "$s"o1 "$s"o2; err_has "refusing: too few legs"
[ "$(head -c 4 "$s"o0 | od -An -tx1 | tr -d ' ')" = 00000000 ] && ok || ko "refused repair wrote"
mk --type raid1 --events 30 s0 s1 s2
rep 0 "$s"0 - "$s"2 -- "$s"o0 "$s"o1 "$s"o2; err_has "leg 1: no input"
rep 0 "$s"0 - "$s"2 -- "$s"o0 - "$s"o2
mk --type raid1 --events 30 s0 s1 s2
(cd "$W" && "$TI" mkimage --type raid5_ls --events 99 y0 y1 s2)
rep 0 "$s"0 "$s"1 "$s"2 -- "$s"o0 "$s"o1 "$s"o2
err_has "2 of 3 legs agree"; err_has "leg 2 .*(invalid|disagrees).*full rebuild"
mk --type raid5_ls --state degraded --events 30 s0 s1 s2
rep 0 "$s"0 "$s"1 "$s"2 -- "$s"o0 "$s"o1 "$s"o2; err_has "leg 2 .*marked failed: the kernel recovers it from the bitmap"
mk --type raid1 --events 30 s0 s1 s2
for i in 0 1 2; do poke "$s$i" zero-bitmap; done
rep 0 "$s"0 "$s"1 "$s"2 -- "$s"o0 "$s"o1 "$s"o2
err_has "none usable; writing a new one"; err_has "array_resync_offset set to 0"
"$D/raid_dump" "$s"o0 "$s"o1 "$s"o2 > "$W/out.xml"
grep -q 'state="2"' "$W/out.xml" && [ "$(grep -c '<dirty begin="0" end="15"/>' "$W/out.xml")" = 3 ] && ok || ko "new bitmap not all dirty + stale"
mk --type raid5_ls --events 30 s0 s1 s2
poke "$s"2 zero-sb; for i in 0 1; do poke "$s$i" zero-bitmap; done
rep 0 "$s"0 "$s"1 "$s"2 -- "$s"o0 "$s"o1 "$s"o2; err_has "array degraded: leaving array_resync_offset"
for i in 0 1 2; do poke "$s$i" zero-sb; done
rep 1 "$s"0 "$s"1 "$s"2 -- "$s"o0 "$s"o1 "$s"o2; err_has "no valid superblock"
mk --type raid5_ls --events 30 s0 s1 s2; poke "$s"0 flags=1 reshape_position=100
poke "$s"1 flags=1 reshape_position=100; poke "$s"2 flags=1 reshape_position=100
rep 1 "$s"0 "$s"1 "$s"2 -- "$s"o0 "$s"o1 "$s"o2; err_has "reshaping"
# --clear-stale-failed
mk --type raid1 --events 30 s0 s1 s2
for i in 0 1 2; do poke "$s$i" failed_devices=7; done
rep 1 "$s"0 "$s"1 "$s"2 -- "$s"o0 "$s"o1 "$s"o2; err_has "see --clear-stale-failed"
RO_FILES=("$s"0 "$s"1 "$s"2)
readonly_run 0 "$D/raid_repair" --clear-stale-failed -i "$s"0 "$s"1 "$s"2 -o "$s"o0 "$s"o1 "$s"o2
err_has "clearing failed bits word 0 \(0x7\)"
expect 0 "$D/raid_check" "$s"o0 "$s"o1 "$s"o2; err_lacks "field"
poke "$s"2 events=29
readonly_run 1 "$D/raid_repair" --clear-stale-failed -i "$s"0 "$s"1 "$s"2 -o "$s"o0 "$s"o1 "$s"o2
err_has "leg 2 .*(events|stale)"; err_has "refusing"
readonly_run 1 "$D/raid_repair" --clear-stale-failed -i "$s"0 "$s"1 - -o "$s"o0 "$s"o1 "$s"o2
err_has "leg 2 .*missing"

# --- issue 11: outputs, inputs, arithmetic, dump strictness, messages ----
# Each block names the defect it guards against; every one of them failed
# on the tools before the fix.

# Run as an unprivileged user so that file modes bite (root ignores them).
NB=()
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
		NB=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)"
		    --clear-groups)
	else
		NB=(false)
	fi
fi
U=$W/nb; mkdir -p "$U"; chmod 711 "$W"; chmod 777 "$U"
own() { [ "$(id -u)" = 0 ] && chown "$(id -u nobody):$(id -g nobody)" "$@"; true; }
fill() { local f; for f; do head -c 4194304 /dev/urandom > "$f"; done; }

# 2. raid_repair wrote to an unreadable input given again as output, then
#    "zeroed its superblock".  The input has unreadable sectors: a preload
#    shim makes pread() of it fail with EIO, writes go through.
EIO_SO=$W/eio-preload.so
if cc -shared -fPIC -o "$EIO_SO" "$TOP/tools/tests/eio-preload.c" -ldl 2>/dev/null; then
	mk --type raid1 --events 30 u0 u1 u2; blank "$W/uo0" "$W/uo2"
	RO_FILES=("$W/u0" "$W/u1" "$W/u2")
	readonly_run 2 env LD_PRELOAD="$EIO_SO" RAIDX_EIO_PATH="$W/u1" \
		ASAN_OPTIONS=verify_asan_link_order=0 \
		"$D/raid_repair" -i "$W/u0" "$W/u1" "$W/u2" -o "$W/uo0" "$W/u1" "$W/uo2"
	err_has "leg 1 .*unreadable"; err_has "u1: output 1 is also an input"
else
	ko "cannot build the EIO preload shim"
fi
# 2. raid_dump -o an input overwrote it and exited 0.
mk --type raid1 di0 di1; RO_FILES=("$W/di0" "$W/di1")
readonly_run 2 "$D/raid_dump" -o "$W/di1" "$W/di0" "$W/di1"; err_has "also an input"
ln -sf "$W/di0" "$W/di0.link"
readonly_run 2 "$D/raid_dump" -o "$W/di0.link" "$W/di0" "$W/di1"; err_has "also an input"
# 2. raid_restore wrote over the dump it was reading.
mk --type raid0 dr0 dr1 dr2
"$D/raid_dump" -o "$W/dr.xml" "$W/dr0" "$W/dr1" "$W/dr2"
printf '%8192s\n' '' >> "$W/dr.xml"; blank "$W/dro1" "$W/dro2"
RO_FILES=("$W/dr.xml" "$W/dro1" "$W/dro2")
readonly_run 2 "$D/raid_restore" -i "$W/dr.xml" -o "$W/dr.xml" "$W/dro1" "$W/dro2"
err_has "also an input \(the dump"
# 2. The same input twice was read as two legs.
RO_FILES=("$W/a0")
readonly_run 2 "$D/raid_check" "$W/a0" "$W/a0"; err_has "given twice"
readonly_run 2 "$D/raid_dump" "$W/a0" "$W/a0"; err_has "given twice"
mk --type raid1 --events 30 t0 t1 t2; blank "$W/to0" "$W/to1" "$W/to2"
RO_FILES=("$W/t0" "$W/t2" "$W/to0" "$W/to1" "$W/to2")
readonly_run 2 "$D/raid_repair" -i "$W/t0" "$W/t0" "$W/t2" -o "$W/to0" "$W/to1" "$W/to2"
err_has "given twice"

# 3. An output that cannot be opened for writing was found only after the
#    earlier outputs were written, and they were then zeroed.
if [ "${NB[0]:-}" != false ]; then
	(cd "$U" && "$TI" mkimage --type raid1 w0 w1)
	"$D/raid_dump" -o "$U/w.xml" "$U/w0" "$U/w1"
	fill "$U/wo0" "$U/wo1"; own "$U"/*; chmod 444 "$U/wo1"
	before=$(sums "$U/wo0" "$U/wo1")
	expect 2 "${NB[@]}" "$D/raid_restore" -i "$U/w.xml" -o "$U/wo0" "$U/wo1"
	err_has "wo1: cannot open for writing"
	[ "$before" = "$(sums "$U/wo0" "$U/wo1")" ] && ok || ko "restore changed an output before failing"
	expect 2 "${NB[@]}" "$D/raid_repair" -i "$U/w0" "$U/w1" -o "$U/wo0" "$U/wo1"
	err_has "wo1: cannot open for writing"
	[ "$before" = "$(sums "$U/wo0" "$U/wo1")" ] && ok || ko "repair changed an output before failing"
fi
# 3. A write failing half-way (file size limit) zeroed every superblock; now
#    what was overwritten is put back.
mk --type raid1 --region 512 fz0 fz1
"$D/raid_dump" -o "$W/fz.xml" "$W/fz0" "$W/fz1"
fill "$W/fzo0" "$W/fzo1"; before=$(sums "$W/fzo0" "$W/fzo1")
expect 1 bash -c 'trap "" XFSZ; ulimit -f 5; exec "$@"' - \
	"$D/raid_restore" -i "$W/fz.xml" -o "$W/fzo0" "$W/fzo1"
err_has "fzo0: previous contents put back"
[ "$before" = "$(sums "$W/fzo0" "$W/fzo1")" ] && ok || ko "failed restore left its outputs changed"

# 1. A block device in use (held O_EXCL, as a live dm table holds it) was
#    written.  Needs root, a loop device and python3 to hold it.
LO=
if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null && command -v python3 >/dev/null; then
	truncate -s 4M "$W/lo.img"
	LO=$(losetup -f --show "$W/lo.img" 2>/dev/null) || LO=
fi
if [ -n "$LO" ]; then
	trap 'losetup -d "$LO"; chmod -R u+w "$W"; rm -rf "$W"' EXIT
	mk --type raid1 lv0 lv1; "$D/raid_dump" -o "$W/lv.xml" "$W/lv0" "$W/lv1"
	blank "$W/lvo1"
	python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)
open(sys.argv[2], "w").close()
time.sleep(120)' "$LO" "$W/held" &
	hold=$!
	for _ in $(seq 100); do [ -e "$W/held" ] && break; sleep 0.05; done
	before=$(sums "$LO")
	expect 2 "$D/raid_restore" -i "$W/lv.xml" -o "$LO" "$W/lvo1"; err_has "live metadata"
	expect 2 "$D/raid_repair" -i "$W/lv0" "$W/lv1" -o "$LO" "$W/lvo1"; err_has "live metadata"
	[ "$before" = "$(sums "$LO")" ] && ok || ko "a device in use was written"
	kill "$hold"; wait "$hold" 2>/dev/null
	expect 0 "$D/raid_restore" -i "$W/lv.xml" -o "$LO" "$W/lvo1"
	expect 0 "$D/raid_check" "$LO" "$W/lvo1"
	expect 2 "$D/raid_dump" -o "$LO" "$W/lv0" "$W/lv1"; err_has "not a regular file"
fi

# 4. Arithmetic on values from the disk: SIGFPE past 2^43 sectors ...
mk --type raid1 --events 30 ov0 ov1 ov2
for i in 0 1 2; do poke "$W/ov$i" sectors=17592186044416 array_sectors=17592186044416 zero-bitmap; done
blank "$W/ovo0" "$W/ovo1" "$W/ovo2"
RO_FILES=("$W/ovo0" "$W/ovo1" "$W/ovo2")
readonly_run 1 "$D/raid_repair" -i "$W/ov0" "$W/ov1" "$W/ov2" -o "$W/ovo0" "$W/ovo1" "$W/ovo2"
err_has "more than 2\^21 regions"
# ... and a bitmap size that wrapped to nothing made garbage "clean".
M64=18446744073709551615
damage wrap 1 "wrap-0: field sectors: found $M64" bash -c "for i in 0 1 2; do \
	'$TI' poke '$W/wrap-'\$i sectors=$M64 array_sectors=$M64 \
	bitmap.sync_size=$M64 bitmap.chunksize=4096; done"
grep -q "clean\|usable" "$W/out" && ko "garbage called clean/usable" || ok

# 5. Dirty ranges: ascending, disjoint, O(ranges); unknown or duplicate
#    elements and attributes, and missing="0", are refused.
mk --type raid5_ls --state resync dd0 dd1 dd2
"$D/raid_dump" -o "$W/dd.xml" "$W/dd0" "$W/dd1" "$W/dd2"
"$D/raid_dump" -f json -o "$W/dd.json" "$W/dd0" "$W/dd1" "$W/dd2"
blank "$W/ddo0" "$W/ddo1" "$W/ddo2"; RO_FILES=("$W/ddo0" "$W/ddo1" "$W/ddo2")
bad_dump() {	# REGEX SED-SCRIPT [json]
	local ext=${3:-xml}
	sed "$2" "$W/dd.$ext" > "$W/bad.$ext"
	cmp -s "$W/dd.$ext" "$W/bad.$ext" && ko "sed '$2' changed nothing"
	readonly_run 2 "$D/raid_restore" -i "$W/bad.$ext" -o "$W/ddo0" "$W/ddo1" "$W/ddo2"
	err_has "$1"
}
bad_dump "ascending and disjoint" '0,/<dirty begin="512"/s//<dirty begin="1"/'
bad_dump "ascending and disjoint" '0,/\(<dirty begin="0" end="2"\/>\)/s//\1\1/'
bad_dump "unknown element <foo>" '0,/<\/leg>/s//<foo\/><\/leg>/'
bad_dump "unknown attribute colour" '0,/<superblock /s//<superblock colour="red" /'
bad_dump "attribute events given twice" '0,/ events="10"/s// events="10" events="1"/'
bad_dump "more than one <bitmap>" '0,/<\/leg>/s//<bitmap\/><\/leg>/'
bad_dump 'missing must be "1"' '0,/<leg index="1" device="[^"]*" size="[0-9]*">/s//<leg index="1" missing="0" size="4194304">/'
bad_dump "unknown attribute" '0,/"layout"/s//"colour": 1, "layout"/' json
bad_dump "given twice" '0,/"layout"/s//"level": 5, "layout"/' json
# Overlapping ranges cost O(ranges x regions) (minutes here): refused at once.
mk --type raid1 --region 512 --state resync sl0 sl1
"$D/raid_dump" -o "$W/sl.xml" "$W/sl0" "$W/sl1"
{ sed -n '1,/<dirty/{/<dirty/!p}' "$W/sl.xml"
  yes '<dirty begin="0" end="131071"/>' | head -n 100000
  sed -n '/<dirty begin="65536"/,$p' "$W/sl.xml"; } > "$W/slow.xml"
blank "$W/slo0" "$W/slo1"; RO_FILES=("$W/slo0" "$W/slo1")
readonly_run 2 timeout 10 "$D/raid_restore" -i "$W/slow.xml" -o "$W/slo0" "$W/slo1"
err_has "ascending and disjoint"
RO_FILES=("$W/ddo0" "$W/ddo1" "$W/ddo2")
expect 0 "$D/raid_restore" -i "$W/dd.xml" -o "$W/ddo0" "$W/ddo1" "$W/ddo2"
cmp -s -n 1048576 "$W/dd0" "$W/ddo0" && ok || ko "restore of a valid dump differs"

# 6. A FIFO blocked every tool in open(); now refused at once.
mkfifo "$W/fifo"
for t in raid_check raid_dump; do
	expect 2 timeout 5 "$D/$t" "$W/fifo" "$W/a1"; err_has "fifo: a FIFO"
done
expect 2 timeout 5 "$D/raid_dump" -o "$W/fifo" "$W/a0" "$W/a1"; err_has "not a regular file"
expect 2 timeout 5 "$D/raid_restore" -i "$W/fifo" -o "$W/g0"; err_has "fifo: a FIFO"
blank "$W/ff0"
expect 2 timeout 5 "$D/raid_restore" -i "$W/v.xml" -o "$W/ff0" "$W/fifo"; err_has "fifo: a FIFO"
expect 2 timeout 5 "$D/raid_repair" -i "$W/a0" "$W/fifo" -o "$W/ff0" "$W/g0"; err_has "fifo: a FIFO"
expect 2 timeout 5 "$D/raid_repair" -i "$W/a0" "$W/a1" -o "$W/ff0" "$W/fifo"; err_has "fifo: a FIFO"

# 7. Messages: magic in hex, signed fields signed, leg and structure named,
#    one summary line when nothing is valid, one verdict per field.
mk --type raid1 --events 40 ms0 ms1 ms2; poke "$W/ms1" zero-sb; poke "$W/ms0" zero-bitmap
expect 1 "$D/raid_check" "$W/ms0" "$W/ms1" "$W/ms2"
err_has "ms1: field magic: found 0x00000000, expected 0x64526d44 .*\[leg 1 superblock\]"
err_has "ms0: field bitmap.magic: found 0x00000000, expected 0x6d746962 .*\[leg 0 bitmap\]"
mk --type raid1 sg0 sg1; poke "$W/sg1" delta_disks=-300
expect 1 "$D/raid_check" "$W/sg0" "$W/sg1"; err_has "field delta_disks: found -300"
mk --type raid1 nv0 nv1; poke "$W/nv0" zero-sb; poke "$W/nv1" level=9
expect 1 "$D/raid_check" "$W/nv0" "$W/nv1"
err_lacks "nv0: field magic: found [0-9a-fx]*, expected [0-9a-fx]* \(no valid superblock"
[ "$(grep -c "no valid superblock" "$W/err")" = 1 ] && ok || ko "not one stderr line for no valid superblock"
[ "$(grep -c "no valid superblock" "$W/out")" = 1 ] && ok || ko "no summary line when no superblock is valid"
mk --type raid1 --events 40 cv0 cv1 cv2; poke "$W/cv2" events=8
expect 1 "$D/raid_check" "$W/cv0" "$W/cv1" "$W/cv2"
err_has "cv2: field events: found 8"; err_lacks "cv2: warning: field events"
mk --type raid1 cf0 cf1 cf2; for i in 0 1 2; do poke "$W/cf$i" failed_devices=7; done
expect 1 "$D/raid_check" "$W/cf0" "$W/cf1" "$W/cf2"
err_has "field failed_devices: .*activation fails"; err_lacks "warning: field failed_devices"

# 8. "make tools" ran the kernel set-up (scripts/setup.sh) when no set-up
#    existed yet.  A stand-in shell records what make would run.
printf '#!/bin/bash\ncase "$*" in *setup.sh*) echo SETUP >> "%s"; exit 1;; esac\nexec /bin/bash "$@"\n' \
	"$W/setup.log" > "$W/sh"; chmod +x "$W/sh"
make -n -C "$TOP" tools CACHE="$W/nocache" SHELL="$W/sh" >/dev/null 2>&1
[ ! -e "$W/setup.log" ] && ok || ko "make tools runs the kernel set-up"

# One rule with the kernel (issue 11 item 4): a leg whose data lies at
# another offset (the stock target rebuilds legs at 0) belongs to the
# array.  raid_check warns, raid_repair keeps each leg at its own offset
# (it used to call such a leg foreign and rebuild it in full).
mk --type raid5_ls do0 do1 do2
poke "$W/do0" data_offset=2048; poke "$W/do2" data_offset=2048
RO_FILES=("$W/do0" "$W/do1" "$W/do2")
readonly_run 0 "$D/raid_check" "$W/do0" "$W/do1" "$W/do2"
err_has "do1: warning: field data_offset: found 0, expected 2048"
blank "$W/doo0" "$W/doo1" "$W/doo2"
readonly_run 0 "$D/raid_repair" -i "$W/do0" "$W/do1" "$W/do2" -o "$W/doo0" "$W/doo1" "$W/doo2"
err_has "leg 1 \(.*do1\): agrees with the reference: kept"
"$D/raid_dump" "$W/doo0" "$W/doo1" "$W/doo2" >"$W/do.xml" 2>/dev/null
if [ "$(grep -o ' data_offset="[0-9]*"' "$W/do.xml" | tr -d '\n')" = ' data_offset="2048" data_offset="0" data_offset="2048"' ]; then
	ok
else
	ko "raid_repair did not keep each leg's data_offset: $(grep -o ' data_offset="[0-9]*"' "$W/do.xml" | tr '\n' ' ')"
fi

host_check_summary

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of raidx_tools on plain image files: the C unit tests, the
# standard CLI behaviour of every tool, raid_check on generated arrays and
# on each kind of damage, dump/restore round trips and every raid_repair
# decision.  RAIDX_TOOLS_DIR selects the binaries (make asan sets it).
# Last line: "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
D=${RAIDX_TOOLS_DIR:-$TOP/tools}
RT=$D/raidx_tools
UNIT=$D/unit
[ -x "$UNIT" ] || UNIT=$TOP/tools/tests/unit
# A fresh checkout has not built the unit test binary yet.
[ -x "$UNIT" ] || make -s -C "$TOP/tools" tests/unit >/dev/null
W=$(mktemp -d)
trap 'chmod -R u+w "$W"; rm -rf "$W"' EXIT
PASS=0 FAIL=0

ok() { PASS=$((PASS + 1)); }
ko() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }

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
mk() { (cd "$W" && "$RT" mkimage "$@") || ko "mkimage $*"; }
poke() { "$RT" poke "$@" || ko "poke $*"; }
blank() { local f; for f; do [ "$f" = - ] && continue; rm -f "$f"; truncate -s 4M "$f"; done; }

# --- C unit tests ---------------------------------------------------------
if out=$("$UNIT"); then ok; else ko "unit tests"; echo "$out" | grep FAIL; fi
u=$(echo "$out" | tail -1 | awk '/passed/ {print $1}')
PASS=$((PASS + ${u:-0}))

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
	"'$RT' poke '$W/bmb-1' bitmap.chunksize=512 && truncate -s 8192 '$W/bmb-1'"
damage lvl 1 "lvl-0: field level: found 9" poke "$W/lvl-0" level=9
damage pos 1 "pos-1: field array_position: found 2, expected 1" \
	poke "$W/pos-1" array_position=2
damage foreign 1 "foreign-2: field num_devices: found 2, expected 3" \
	bash -c "cd '$W' && '$RT' mkimage --type raid1 --events 40 x0 foreign-2"
damage sfail 1 "more legs failed" bash -c "for i in 0 1 2; do \
	'$RT' poke '$W/sfail-'\$i failed_devices=7; done"
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
(cd "$W" && "$RT" mkimage --type raid5_ls --events 99 y0 y1 s2)
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

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]

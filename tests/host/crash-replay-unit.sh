#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The crash replay tools (tests/crash/replay/, issue 14) without a kernel:
# log-replay on dm-log-writes logs made by the test-only lw-synth (list,
# points, replay, discards as zeroes, incremental replay equal to a full
# one, every kind of corrupted log refused with exit 2 and a message naming
# the entry, the log never written), crash-workload on a plain file (record
# lines, marks through a fake dmsetup, same seed same image) and
# crash-verify on that file: intact, partly written, with a corrupted, a
# lost, a stale, a misdirected and a stray block.  Everything runs built
# with -Werror and under ASan/UBSan.  Last line: "N passed, N failed".
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC=$TOP/tests/crash/replay
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=tests/lib/host-check.sh
. "$TOP/tests/lib/host-check.sh"

export ASAN_OPTIONS=abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=halt_on_error=1:exitcode=99

make -s -C "$SRC" OUT="$TMP/bin" all >"$TMP/build.log" 2>&1
check "tools build with -Wall -Wextra -Werror" test $? = 0
make -s -C "$SRC" ASAN_OUT="$TMP/asan" asan >"$TMP/build-asan.log" 2>&1
check "tools build with -fsanitize=address,undefined" test $? = 0
if [ ! -x "$TMP/asan/log-replay" ]; then
	cat "$TMP/build.log" "$TMP/build-asan.log"
	host_check_summary
	exit 1
fi
B=$TMP/asan
LR=$B/log-replay
CW=$B/crash-workload
CV=$B/crash-verify

# rc_is N CMD...: CMD exits with N (stdout and stderr to $TMP/out, $TMP/err)
rc_is() {
	local want=$1 rc=0
	shift
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" = "$want" ] || { echo "  exit $rc, wanted $want: $*"; \
		sed 's/^/  | /' "$TMP/err" | head -5; return 1; }
}

# fill FILE SECTOR NR BYTE: NR 512-byte sectors of BYTE (two hex digits,
# not 00) at SECTOR
# shellcheck disable=SC2059
fill() {
	head -c $(($3 * 512)) /dev/zero | tr '\0' "$(printf "\\x$4")" |
		dd of="$1" bs=512 seek="$2" conv=notrunc status=none
}

# zero FILE SECTOR NR
zero() { dd if=/dev/zero of="$1" bs=512 seek="$2" count="$3" conv=notrunc status=none; }

# poke FILE OFFSET HEXBYTES...: overwrite bytes at OFFSET
# shellcheck disable=SC2059
poke() {
	local f=$1 off=$2 hex
	shift 2
	hex=$(printf '\\x%s' "$@")
	printf "$hex" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# offset_of SYNTH_OUTPUT I: byte offset of entry I's header
offset_of() { awk -v i="$2" '$1 == "entry" && $2 == i { print $4 }' "$1"; }

# ---------------------------------------------------------------- the log
cat >"$TMP/small.script" <<'EOF'
write 0 4 0x11
write 8 2 0x22
flush
mark hello world
discard 2 1
write 4 1 0x33 fua
write 6 2 0x44 flush meta
mark dm-log-writes-end
EOF
"$B/lw-synth" "$TMP/small.log" <"$TMP/small.script" >"$TMP/small.offsets"
check "lw-synth writes a log" test -s "$TMP/small.log"
LOGSUM=$(md5sum <"$TMP/small.log")

rc_is 0 "$LR" list "$TMP/small.log"
check "list exits 0" test $? = 0
cat >"$TMP/list.want" <<'EOF'
# index	sector	nr_sectors	flags	mark  (sectorsize 512)
0	0	4	WRITE	
1	8	2	WRITE	
2	0	0	FLUSH	
3	0	0	MARK	hello world
4	2	1	DISCARD	
5	4	1	FUA	
6	6	2	FLUSH|METADATA	
7	0	0	MARK	dm-log-writes-end
EOF
check "list: index, sector, nr_sectors, flags, mark text" \
	cmp -s "$TMP/out" "$TMP/list.want"
rc_is 0 "$LR" info "$TMP/small.log"
check "info: sector size and entry count" \
	is "$(tr '\n' ' ' <"$TMP/out")" "sectorsize 512 entries 8 log_bytes 9216 "

points() { "$LR" points "$1" "$2" | tr '\n' ' '; }
check "points 3: exactly the FLUSH/FUA entries" is "$(points "$TMP/small.log" 3)" "2 5 6 "
check "points 5: flushes plus both ends" is "$(points "$TMP/small.log" 5)" "0 2 5 6 7 "
check "points 100: every entry once" is "$(points "$TMP/small.log" 100)" "0 1 2 3 4 5 6 7 "
rc_is 0 "$LR" lastmark "$TMP/small.log" 6
check "lastmark before the end mark" is "$(cat "$TMP/out")" "hello world"
rc_is 0 "$LR" lastmark "$TMP/small.log" 7 hello
check "lastmark with a prefix" is "$(cat "$TMP/out")" "hello world"
rc_is 0 "$LR" lastmark "$TMP/small.log" 2
check "lastmark before any mark: empty" test ! -s "$TMP/out"

# Replay onto a device full of 0xff: writes land, the discard zeroes.
head -c 8192 /dev/zero | tr '\0' '\377' >"$TMP/dev"
cp "$TMP/dev" "$TMP/want"
fill "$TMP/want" 0 4 11
fill "$TMP/want" 8 2 22
cp "$TMP/want" "$TMP/want.1"
zero "$TMP/want" 2 1
fill "$TMP/want" 4 1 33
fill "$TMP/want" 6 2 44
cp "$TMP/dev" "$TMP/dev.1"
rc_is 0 "$LR" replay "$TMP/small.log" "$TMP/dev.1" 1
check "replay to entry 1: the first two writes only" cmp -s "$TMP/dev.1" "$TMP/want.1"
rc_is 0 "$LR" replay "$TMP/small.log" "$TMP/dev" 7
check "replay to the end: exit 0" test $? = 0
check "replay to the end: writes, discard as zeroes, untouched sectors kept" \
	cmp -s "$TMP/dev" "$TMP/want"
rc_is 0 "$LR" replay "$TMP/small.log" "$TMP/dev.1" 2 7
check "incremental 2..7 after 0..1 equals the full replay" cmp -s "$TMP/dev.1" "$TMP/want"

# A 4 KiB-sector log: sector numbers count 4 KiB sectors.
printf 'write 1 1 0x5a\nflush\n' | "$B/lw-synth" -s 4096 "$TMP/4k.log" >/dev/null
truncate -s 16K "$TMP/dev4k"
rc_is 0 "$LR" replay "$TMP/4k.log" "$TMP/dev4k" 1
check "4096-byte sectors: data at byte 4096" \
	is "$(od -An -v -tx1 -j 4096 -N 4096 "$TMP/dev4k" | sort -u | tr -d ' ')" \
	"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"

# A bigger random log: stepping from point to point gives, at every point,
# what a replay from entry 0 gives.
RANDOM=14
{
	for ((i = 0; i < 400; i++)); do
		case $((RANDOM % 10)) in
		0) echo flush ;;
		1) echo "discard $((RANDOM % 60)) $((RANDOM % 4 + 1))" ;;
		2) echo "mark m$i" ;;
		3) echo "write $((RANDOM % 60)) $((RANDOM % 4 + 1)) $((RANDOM % 255 + 1)) fua" ;;
		*) echo "write $((RANDOM % 60)) $((RANDOM % 4 + 1)) $((RANDOM % 255 + 1))" ;;
		esac
	done
} >"$TMP/big.script"
"$B/lw-synth" "$TMP/big.log" <"$TMP/big.script" >/dev/null
"$LR" points "$TMP/big.log" 60 >"$TMP/points"
nflush=$("$LR" list "$TMP/big.log" | grep -cE '	(FLUSH|FUA)')
check "points 60 on 400 entries: at least 60" test "$(wc -l <"$TMP/points")" -ge 60
check "points: sorted and unique" sort -n -u -c "$TMP/points"
check "points: every FLUSH/FUA entry is one" test \
	"$(comm -12 <("$LR" list "$TMP/big.log" | awk -F'\t' '$4 ~ /FLUSH|FUA/ {print $1}' | sort) \
		<(sort "$TMP/points") | wc -l)" = "$nflush"
check "points 1000 on 400 entries: all 400" test "$("$LR" points "$TMP/big.log" 1000 | wc -l)" = 400
truncate -s 32K "$TMP/inc"
prev=-1
same=0
steps=0
while read -r p; do
	"$LR" replay "$TMP/big.log" "$TMP/inc" $((prev + 1)) "$p" || break
	rm -f "$TMP/full"
	truncate -s 32K "$TMP/full"
	"$LR" replay "$TMP/big.log" "$TMP/full" "$p" || break
	cmp -s "$TMP/inc" "$TMP/full" && same=$((same + 1))
	steps=$((steps + 1))
	prev=$p
done <"$TMP/points"
check "incremental replay equals full replay at all $steps points" \
	test "$same" = "$(wc -l <"$TMP/points")"

# ------------------------------------------------------- bad logs, exit 2
# bad_log NAME ENTRY_TEXT CMD...: a copy of small.log patched by CMD,
# refused by list with exit 2 and a message containing ENTRY_TEXT.
bad_log() {
	local name=$1 text=$2
	shift 2
	cp "$TMP/small.log" "$TMP/bad.log"
	"$@"
	rc_is 2 "$LR" list "$TMP/bad.log"
	check "$name: exit 2" test $? = 0
	check "$name: message names it ($text)" has "$TMP/err" "$text"
}
E1=$(offset_of "$TMP/small.offsets" 1)
E3=$(offset_of "$TMP/small.offsets" 3)
E4=$(offset_of "$TMP/small.offsets" 4)
E6=$(offset_of "$TMP/small.offsets" 6)
bad_log "bad magic" "bad.log: bad magic" poke "$TMP/bad.log" 0 00
bad_log "version 2" "unknown version 2" poke "$TMP/bad.log" 8 02
bad_log "sector size 1000" "bad sector size 1000" poke "$TMP/bad.log" 24 e8 03
bad_log "entry count past the log size" "super claims 1000 entries" \
	poke "$TMP/bad.log" 16 e8 03
bad_log "entry count one too many" "entry 8: header at byte 9216 past the end" \
	poke "$TMP/bad.log" 16 09
bad_log "unknown flag" "entry 4: unknown flags 0x44" poke "$TMP/bad.log" $((E4 + 16)) 44
bad_log "data past the end of the log" "entry 1: 65538 sectors of data" \
	poke "$TMP/bad.log" $((E1 + 10)) 01
bad_log "mark text too long" "entry 3: mark text of 600 bytes" \
	poke "$TMP/bad.log" $((E3 + 24)) 58 02
bad_log "mark with sectors" "entry 3: MARK with 1 sectors" poke "$TMP/bad.log" $((E3 + 8)) 01
bad_log "inline data on a write" "entry 1: data_len 5 on a non-mark" \
	poke "$TMP/bad.log" $((E1 + 24)) 05
bad_log "discard with FUA" "entry 4: DISCARD with FLUSH/FUA" poke "$TMP/bad.log" $((E4 + 16)) 06
bad_log "truncated in entry 6's data" "entry 6: 2 sectors of data" \
	truncate -s $((E6 + 512 + 100)) "$TMP/bad.log"
bad_log "sector overflow" "entry 1: sector 18446744073709551615 + 2 overflows" \
	poke "$TMP/bad.log" "$E1" ff ff ff ff ff ff ff ff

# A write past the device: refused before anything is written.
truncate -s 2K "$TMP/small.dev"
printf 'keep' | dd of="$TMP/small.dev" conv=notrunc status=none
before=$(md5sum <"$TMP/small.dev")
rc_is 2 "$LR" replay "$TMP/small.log" "$TMP/small.dev" 7
check "write past the device: exit 2" test $? = 0
check "write past the device: message names entry 1" has "$TMP/err" "entry 1: sectors 8..9 lie past the end"
check "write past the device: device untouched" is "$(md5sum <"$TMP/small.dev")" "$before"
rc_is 2 "$LR" replay "$TMP/bad.log" "$TMP/dev" 7
check "replay of a truncated log: exit 2" test $? = 0

# Usage and I/O errors.
rc_is 1 "$LR"
check "no arguments: exit 1" test $? = 0
rc_is 1 "$LR" frobnicate "$TMP/small.log"
check "unknown subcommand: exit 1" test $? = 0
rc_is 1 "$LR" replay "$TMP/small.log" "$TMP/dev" 8
check "UPTO past the last entry: exit 1" test $? = 0
rc_is 1 "$LR" replay "$TMP/small.log" "$TMP/dev" 5 3
check "FROM after UPTO: exit 1" test $? = 0
rc_is 1 "$LR" points "$TMP/small.log" -3
check "negative point count: exit 1" test $? = 0
rc_is 1 "$LR" replay "$TMP/small.log" "$TMP/small.log" 3
check "replay onto the log itself: refused, exit 1" test $? = 0
rc_is 3 "$LR" list "$TMP/no-such-log"
check "missing log: exit 3" test $? = 0
rc_is 3 "$LR" replay "$TMP/small.log" "$TMP/no-such-dev" 3
check "missing device: exit 3" test $? = 0
check "the log was never written" is "$(md5sum <"$TMP/small.log")" "$LOGSUM"

# ------------------------------------------------------------ the workload
cat >"$TMP/fake-dmsetup" <<EOF
#!/bin/sh
echo "\$*" >>"$TMP/marks"
EOF
chmod +x "$TMP/fake-dmsetup"
export CW_DMSETUP=$TMP/fake-dmsetup
WL=(-b 200 -n 3000 -f 20 -s 7)
truncate -s 1M "$TMP/img"	# 256 blocks: 56 past the workload's range
rc_is 0 "$CW" "${WL[@]}" -m logdev "$TMP/img" "$TMP/rec"
check "workload on a file: exit 0" test $? = 0
check "record header" has "$TMP/rec" "# crash-workload 1 blocks=200 writes=3000 flush_every=20 seed=7 block_size=4096"
check "record ends with done" is "$(tail -n1 "$TMP/rec")" "done"
nacked=$(grep -c '^acked ' "$TMP/rec")
check "about 3000/20 flushes ($nacked)" test "$nacked" -gt 100 -a "$nacked" -lt 220
check "each batch line precedes its acked line" \
	awk '/^batch/ { b = $2 } /^acked/ { if ($2 != b) exit 1 }' "$TMP/rec"
check "3000 block@generation pairs recorded" \
	test "$(grep '^batch' "$TMP/rec" | tr ' ' '\n' | grep -c @)" = 3000
check "one mark per flush, after its acked line" \
	test "$(wc -l <"$TMP/marks")" = "$nacked"
check "mark text: message logdev 0 mark cw-K" \
	is "$(sed -n 3p "$TMP/marks")" "message logdev 0 mark cw-3"
rc_is 0 "$CV" --all "$TMP/img" "$TMP/rec"
check "verify the finished run: exit 0" test $? = 0
check "verify: one PASS line" is "$(wc -l <"$TMP/out") $(cut -c1-19 "$TMP/out")" "1 crash-verify: PASS:"
rc_is 0 "$CV" --mark cw-3 "$TMP/img" "$TMP/rec"
check "verify at an early mark: later generations are fine" test $? = 0
rc_is 0 "$CV" --mark none "$TMP/img" "$TMP/rec"
check "verify with nothing acknowledged: written blocks are fine" test $? = 0

truncate -s 1M "$TMP/img2"
CW_DMSETUP=/bin/false rc_is 3 "$CW" "${WL[@]}" -m logdev "$TMP/img2" "$TMP/rec2"
check "workload: a failed mark is an I/O error, exit 3" test $? = 0
rm -f "$TMP/img2"
truncate -s 1M "$TMP/img2"
rc_is 0 "$CW" "${WL[@]}" "$TMP/img2" "$TMP/rec2"
check "same seed, same image" cmp -s "$TMP/img" "$TMP/img2"
rc_is 1 "$CW" -b 300 "$TMP/img2" "$TMP/rec2"
check "workload: more blocks than the device: exit 1" test $? = 0
rc_is 1 "$CW" -f 0 "$TMP/img2" "$TMP/rec2"
check "workload: flush interval 0: exit 1" test $? = 0

# A run cut short after 1234 writes (a crash): what was acknowledged holds.
truncate -s 1M "$TMP/old"
rc_is 0 "$CW" "${WL[@]}" -x 1234 "$TMP/old" "$TMP/rec.old"
check "workload stopped after 1234 writes: no done line" lacks "$TMP/rec.old" "done"
rc_is 0 "$CV" "$TMP/old" "$TMP/rec.old"
check "verify the cut-short run: exit 0" test $? = 0
# The finished image at an early acknowledgement passes; the cut-short
# image against the finished record does not (its later flushes are lost).
rc_is 4 "$CV" --all "$TMP/old" "$TMP/rec"
check "old image against the final record: lost writes, exit 4" test $? = 0
check "old image: reported as stale or zero" grep -qE 'stale|reads zeroes' "$TMP/out"

# damage NAME WHAT_TEXT CMD...: a copy of the finished image damaged by CMD
# fails verification with exit 4, a FAIL verdict and WHAT_TEXT.
damage() {
	local name=$1 text=$2
	shift 2
	cp "$TMP/img" "$TMP/dmg"
	"$@"
	rc_is 4 "$CV" --all "$TMP/dmg" "$TMP/rec"
	check "$name: exit 4" test $? = 0
	check "$name: FAIL verdict first" is "$(head -c 19 "$TMP/out")" "crash-verify: FAIL:"
	check "$name: reported ($text)" has "$TMP/out" "$text"
}
# The last batch's first write: acknowledged at the end, with its generation.
read -r LB LG < <(awk '/^batch/ { l = $3 } END { split(l, a, "@"); print a[1], a[2] }' "$TMP/rec")
damage "flipped byte in an acknowledged block" "block $LB: checksum mismatch" \
	poke "$TMP/dmg" $((LB * 4096 + 1000)) 00
damage "acknowledged block zeroed" "block $LB: reads zeroes, acknowledged generation $LG (lost write)" \
	dd if=/dev/zero of="$TMP/dmg" bs=4096 seek="$LB" count=1 conv=notrunc status=none
# An older version of a block: one the cut-short run wrote, rewritten later.
SB=""
for pair in $(grep '^batch' "$TMP/rec" | tail -n 30 | cut -d' ' -f3-); do
	b=${pair%@*}
	if [ "$(od -An -tx4 -N4 -j $((b * 4096)) "$TMP/old" | tr -d ' ')" = 31425743 ] &&
		! cmp -s <(dd if="$TMP/old" bs=4096 skip="$b" count=1 status=none) \
			<(dd if="$TMP/img" bs=4096 skip="$b" count=1 status=none); then
		SB=$b
		break
	fi
done
check "found a block rewritten after the cut ($SB)" test -n "$SB"
damage "acknowledged block rolled back to an older generation" "block $SB: stale: generation" \
	dd if="$TMP/old" of="$TMP/dmg" bs=4096 skip="$SB" seek="$SB" count=1 conv=notrunc status=none
OB=$(( (SB + 1) % 200 ))
damage "a block's content written to another block" "block $OB: holds block $SB" \
	dd if="$TMP/img" of="$TMP/dmg" bs=4096 skip="$SB" seek="$OB" count=1 conv=notrunc status=none
damage "a block the workload never wrote changed" "block 250: changed, but the workload never wrote it" \
	poke "$TMP/dmg" $((250 * 4096 + 7)) 01
damage "garbage over an acknowledged block" "no valid header (torn or garbage)" \
	dd if=/dev/urandom of="$TMP/dmg" bs=4096 seek="$LB" count=1 conv=notrunc status=none
damage "30 blocks zeroed: verdict counts 30" "30 bad" \
	dd if=/dev/zero of="$TMP/dmg" bs=4096 count=30 conv=notrunc status=none
check "30 blocks zeroed: at most 20 listed" test "$(grep -c '^block ' "$TMP/out")" = 20

# Verifier usage and record errors.
rc_is 1 "$CV" --mark "$TMP/img" "$TMP/rec"
check "verify: --mark without the record: exit 1" test $? = 0
rc_is 2 "$CV" --mark cw-9999 "$TMP/img" "$TMP/rec"
check "verify: a mark the record never acknowledged: exit 2" test $? = 0
{ head -n 3 "$TMP/rec"; echo 'batch 2 5@999999'; } >"$TMP/rec.bad"
rc_is 2 "$CV" "$TMP/img" "$TMP/rec.bad"
check "verify: a block@generation the sequence never wrote: exit 2" has "$TMP/err" "line 4"
echo 'hello' >"$TMP/rec.bad"
rc_is 2 "$CV" "$TMP/img" "$TMP/rec.bad"
check "verify: not a record: exit 2" test $? = 0
rc_is 3 "$CV" "$TMP/no-such-dev" "$TMP/rec"
check "verify: missing device: exit 3" test $? = 0

host_check_summary

#!/usr/bin/env bash
# Run checkpatch --strict on the module sources and the test modules.
# md's own identifiers (rdev flags such as In_sync, WriteMostly) trip
# CAMELCASE; we cannot rename them, so CamelCase findings for names that
# md's headers define are dropped, and anything else fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$top/.cache/env.sh"
md_names=$(grep -ohE '\b[A-Z][A-Za-z_]*[a-z][A-Z][A-Za-z_]*\b|\b[A-Z][a-z]+_[a-z]+\b|\b[A-Z][a-z]+\b' \
	"$KSRC"/drivers/md/md.h "$KSRC"/drivers/md/raid5.h | sort -u)
cd "$top"
# The test modules, without the .mod.c files kbuild generates beside them.
mapfile -t kmods < <(find tests/kmod -name '*.c' ! -name '*.mod.c' | sort)
out=$(perl "$KSRC/scripts/checkpatch.pl" --strict --no-tree --terse \
	-f dm-target/raidx*.c dm-target/raidx*.h "${kmods[@]}" 2>&1 | grep -E ': (ERROR|WARNING|CHECK):' || true)
bad=""
while IFS= read -r line; do
	[ -n "$line" ] || continue
	name=$(sed -n 's/.*Avoid CamelCase: <\([^>]*\)>.*/\1/p' <<<"$line")
	if [ -n "$name" ] && grep -qx "$name" <<<"$md_names"; then
		continue
	fi
	bad+="$line"$'\n'
done <<<"$out"
if [ -n "$bad" ]; then
	printf '%s' "$bad"
	echo "checkpatch: findings above"
	exit 1
fi
echo "checkpatch --strict: clean (md's own CamelCase flag names excepted)"

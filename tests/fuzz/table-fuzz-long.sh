#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Long run of the table and message fuzzer (make fuzz-guest): the guest
# test 53-table-fuzz with a larger budget, FUZZ_SECONDS (default 1800)
# and FUZZ_CASES (default 1000000); FUZZ_SEED replays a run.  Not a
# tests/guest/ test, so make check does not run it; its own timeout
# covers the budget plus the last message round and the cleanup.
# timeout: 2400
# A new seed each run (the short run in make check keeps a fixed one).
export FUZZ_SEED=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
export FUZZ_CASES=${FUZZ_CASES:-1000000}
export FUZZ_SECONDS=${FUZZ_SECONDS:-1800}
exec bash "$(dirname "$0")/../guest/53-table-fuzz.sh"

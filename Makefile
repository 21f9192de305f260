# SPDX-License-Identifier: GPL-2.0
#
# dm-raidx top-level build.  `make demo` and `make check` are the two
# commands a newcomer needs; both install what they need first.

SHELL := /bin/bash
TOP := $(CURDIR)
CACHE ?= $(TOP)/.cache
BUILD ?= $(TOP)/build

# Written by scripts/setup.sh: KVER, DEBVER, KDIR, KSRC, KIMAGE, KMODDIR.
ENV_MK := $(CACHE)/env.mk
# Goals that need no kernel (the user-space tools) read the set-up when it
# exists but never run it: make remakes any included file it has a rule
# for, so a plain "-include $(ENV_MK)" would download a kernel first.
KERNEL_FREE_GOALS := tools fuzz clean
ifeq ($(filter-out $(KERNEL_FREE_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(wildcard $(ENV_MK))
else
-include $(ENV_MK)
endif

.PHONY: all deps module tools check check-host check-guest demo bench \
	bench-quick fuzz fuzz-long checkpatch sparse install clean fuzz-guest \
	debug-kernel check-debug crash-replay crash-replay-short test-kmod

all: module tools

deps $(ENV_MK):
	bash scripts/setup.sh

module: $(ENV_MK)
	$(MAKE) -C $(KDIR) M=$(TOP)/dm-target MD_SRC=$(KSRC)/drivers/md \
		CONFIG_DM_RAIDX=m W=1 modules

# Test-only modules the guest tests load (tests/kmod/), never installed.
test-kmod: $(ENV_MK)
	$(MAKE) -C $(KDIR) M=$(TOP)/tests/kmod MD_SRC=$(KSRC)/drivers/md W=1 \
		modules

sparse: $(ENV_MK)
	$(MAKE) -C $(KDIR) M=$(TOP)/dm-target MD_SRC=$(KSRC)/drivers/md \
		CONFIG_DM_RAIDX=m C=2 modules

checkpatch: $(ENV_MK)
	bash scripts/checkpatch.sh

tools:
	$(MAKE) -C tools

check: deps
	bash scripts/check.sh

check-host: deps
	bash scripts/check.sh --host-only

check-guest: deps
	bash scripts/check.sh --guest-only

demo: deps module
	bash scripts/demo.sh

bench: deps module
	bash bench/run.sh --full

bench-quick: deps module
	bash bench/run.sh --quick

fuzz: tools
	$(MAKE) -C tools fuzz-long

# Long run of the guest table/message fuzzer (53-table-fuzz): about 35 min.
fuzz-guest: deps module
	FUZZ_CASES=$${FUZZ_CASES:-1000000} FUZZ_SECONDS=$${FUZZ_SECONDS:-1800} \
	GUEST_ENV_VARS="$${GUEST_ENV_VARS:-} RAIDX_KO FUZZ_SEED FUZZ_CASES FUZZ_SECONDS FUZZ_ONLY FUZZ_PHASE FUZZ_DMSETUP FUZZ_AVOID" \
		bash tests/run-guest.sh tests/fuzz/table-fuzz-long.sh

# A kernel of the guest's version with KASAN, lockdep, kmemleak and the
# other checkers, and dm-raidx.ko built against it (build/debug/); cached
# under .cache/debug-kernel-*.  check-debug runs every guest test on it
# (TESTS="a b" for some); a kernel report fails the test it came in.
debug-kernel: $(ENV_MK)
	bash scripts/debug-kernel.sh

check-debug: $(ENV_MK) tools
	bash scripts/debug-kernel.sh --check $(TESTS)

# Crash replay (tests/crash/replay/): every case at >= 1000 points for
# dm-raidx and the stock target, hours under TCG; the short run checks
# about 50 points per case on dm-raidx.  CRASH_CASES / CRASH_TARGETS /
# CRASH_POINTS narrow it.  Table: build/crash-replay/summary.{tsv,md}.
crash-replay: deps module test-kmod
	bash scripts/crash-replay.sh $(CRASH_CASES)

crash-replay-short: deps module test-kmod
	bash scripts/crash-replay.sh --short $(CRASH_CASES)

# Debian's lvm2 2.03.16-2 with lvm-patches/ applied (scripts/lvm.sh; the
# source package is cached in .cache/lvm2-src/).  lvm: the lvm binary in
# .cache/lvm2-<version>-<series hash>/sbin/, rebuilt only when the series
# changes, the system's LVM untouched (minutes from an empty cache).
# lvm-deb: Debian packages in build/lvm-deb/ (much longer).
.PHONY: lvm lvm-deb
lvm:
	bash scripts/lvm.sh

lvm-deb:
	bash scripts/lvm.sh --deb

install: module tools
	$(MAKE) -C tools install
	$(MAKE) -C $(KDIR) M=$(TOP)/dm-target MD_SRC=$(KSRC)/drivers/md \
		CONFIG_DM_RAIDX=m modules_install

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP)/dm-target clean 2>/dev/null
	-$(MAKE) -C $(KDIR) M=$(TOP)/tests/kmod clean 2>/dev/null
	-$(MAKE) -C tools clean
	rm -rf $(BUILD)

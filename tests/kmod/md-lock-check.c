// SPDX-License-Identifier: GPL-2.0
/*
 * md-lock-check.c - a test-only module: does every caller of md's
 * functions that need the array's reconfig mutex hold it?
 *
 * md_reap_sync_thread() changes the array's legs and superblocks and
 * must run under mddev->reconfig_mutex; Linux 6.1 does not assert that,
 * so neither lockdep nor a test that merely races it (the race is rare)
 * notices a caller without it.  This module puts a kprobe on each
 * function below and, at every call, looks whether the calling task owns
 * the mutex.  Calls without it are counted and logged with the caller;
 * a dm-raidx caller's line fails the guest test it comes in (BAD_KLOG),
 * as a lockdep report would, and every test that loads dm-raidx loads
 * this module too (load_raidx).  dm-raidx's own reaps are counted, so a
 * test can show that it reached the path it means to check.  Only direct
 * calls are attributed: what md does for dm-raidx is md's call.
 *
 * It looks at entry only: what happens while a caller drops the mutex
 * on purpose (as md's action_store() does around md_unregister_thread())
 * is not seen.
 *
 * Never installed: tests/lib/common.sh (load_lock_check) loads it in the
 * guest; make test-kmod builds it.
 */
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "md.h"

/*
 * md functions whose callers must hold the array's reconfig mutex (the
 * first is the one dm-raidx's reaps are counted for).  Not md_update_sb():
 * md's own thread calls it without the mutex.
 */
static const char *const checked[] = {
	"md_reap_sync_thread",
	"mddev_suspend",
	"mddev_resume",
};

static struct kprobe probes[ARRAY_SIZE(checked)];
static atomic_t target_reaps = ATOMIC_INIT(0);
static atomic_t violations = ATOMIC_INIT(0);

static int get_target_reaps(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&target_reaps));
}

static int get_violations(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&violations));
}

/* A hit kprobes had to drop (one probe inside another) was not checked. */
static int get_missed(char *buf, const struct kernel_param *kp)
{
	unsigned long missed = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(probes); i++)
		missed += probes[i].nmissed;
	return sysfs_emit(buf, "%lu\n", missed);
}

static const struct kernel_param_ops target_reaps_ops = {
	.get = get_target_reaps,
};

static const struct kernel_param_ops violations_ops = {
	.get = get_violations,
};

static const struct kernel_param_ops missed_ops = {
	.get = get_missed,
};

module_param_cb(target_reaps, &target_reaps_ops, NULL, 0444);
MODULE_PARM_DESC(target_reaps, "md_reap_sync_thread() calls made by dm-raidx");
module_param_cb(violations, &violations_ops, NULL, 0444);
MODULE_PARM_DESC(violations,
		 "Calls made without holding the array's reconfig mutex");
module_param_cb(missed, &missed_ops, NULL, 0444);
MODULE_PARM_DESC(missed, "Calls kprobes could not check");

/*
 * The mutex's owner word holds the owning task with flag bits in its
 * low three bits (kernel/locking/mutex.c, MUTEX_FLAGS); mutex.h offers
 * only "locked by anyone", and a lock another task holds protects
 * nothing here.
 */
static bool held_by_current(struct mutex *lock)
{
	unsigned long owner = atomic_long_read(&lock->owner);

	return (struct task_struct *)(owner & ~0x07UL) == current;
}

static int before_call(struct kprobe *p, struct pt_regs *regs)
{
	struct mddev *md = (struct mddev *)regs_get_kernel_argument(regs, 0);
	unsigned long caller = *(unsigned long *)kernel_stack_pointer(regs);
	char name[KSYM_SYMBOL_LEN];
	bool from_target;

	/* "function+0x1/0x2 [module]": __module_address() is not exported */
	sprint_symbol(name, caller);
	from_target = !!strstr(name, " [dm_raidx]");
	if (from_target && p == &probes[0])
		atomic_inc(&target_reaps);
	if (held_by_current(&md->reconfig_mutex))
		return 0;

	atomic_inc(&violations);
	/* tests/lib/test-header.sh: this line fails the test it comes in */
	if (from_target)
		pr_warn("md-lock-check: dm-raidx called %s from %pB without the reconfig mutex of md %p\n",
			p->symbol_name, (void *)caller, md);
	else
		pr_warn_ratelimited("md-lock-check: %s called from %pB without the reconfig mutex of md %p\n",
				    p->symbol_name, (void *)caller, md);
	return 0;
}

static int __init lock_check_init(void)
{
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(checked); i++) {
		probes[i].symbol_name = checked[i];
		probes[i].pre_handler = before_call;
		r = register_kprobe(&probes[i]);
		if (r) {
			pr_err("md-lock-check: cannot probe %s: %d\n",
			       checked[i], r);
			while (i--)
				unregister_kprobe(&probes[i]);
			return r;
		}
	}
	return 0;
}

static void __exit lock_check_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(checked); i++)
		unregister_kprobe(&probes[i]);
}

module_init(lock_check_init);
module_exit(lock_check_exit);
MODULE_DESCRIPTION("Test-only: report md calls made without the reconfig mutex");
MODULE_LICENSE("GPL");

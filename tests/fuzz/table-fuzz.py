#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Table and message fuzzer for dm-raidx, run inside the test guest.

Driven by tests/guest/53-table-fuzz.sh (short run, part of `make check`)
and `make fuzz-guest` (long run).  Two phases:

tables    random valid tables from a corpus (every level and layout,
          resync / ppl / journal, region_size, stripe_cache, rebuild,
          [no]sync, write_mostly, missing legs, data_offset) and mutations
          of them.  Each case: `dmsetup create`; a refusal must leave a
          kernel message naming the reason and nothing behind; an accepted
          table must read back a pattern, and leave nothing behind after
          `dmsetup remove`.
messages  a few live arrays (raid1, raid5 resync, raid5 ppl, raid5 journal)
          under a background writer and during resync get random messages,
          same-table reloads and harmless table changes; afterwards a
          pattern written before reads back, `check` finds 0 mismatches,
          and removal leaves nothing behind.

Every case has its own RNG seeded by (seed, case), so one case replays
alone: FUZZ_SEED=S FUZZ_ONLY=N (stale-metadata cases also depend on what
the case before left on the legs: replay from N-1 then).

Findings are printed as "DEFECT <kind> ..." lines with the table or the
message sequence; the exit code is 1 if there was any.  A kernel splat or
a hang ends the run at once (exit 2/3).
"""

import argparse
import errno
import collections
import glob
import mmap
import os
import random
import re
import subprocess
import sys
import threading
import time

BAD_KLOG = re.compile(
    r'WARNING:|BUG:|Oops|general protection|possible circular locking|'
    r'inconsistent lock state|possible recursive locking|'
    r'blocked for more than|kernel BUG|UBSAN|KASAN|leak')
# dm core's line for a refused target: "device-mapper: table: 253:3: raid: why"
DM_TABLE_ERR = re.compile(r'device-mapper: table: \S+: (\S+): (.*)$')
# Lines that never name a reason by themselves.
GENERIC = re.compile(r'error adding target to table|Unknown error|'
                     r'table-fuzz:')
MD_THREAD = re.compile(r'^mdX_|^md[0-9]')

T0 = time.monotonic()


def log(*a):
    print('[%6.1f]' % (time.monotonic() - T0), *a, flush=True)


class Fatal(Exception):
    """A splat or a hang: stop at once (exit code in .code)."""

    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code


# ---- the kernel log -----------------------------------------------------

class Kmsg:
    """Reads /dev/kmsg from where it was opened on; mark() writes a line."""

    def __init__(self):
        self.fd = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)
        self.wfd = os.open('/dev/kmsg', os.O_WRONLY)

    def mark(self, text):
        os.write(self.wfd, ('table-fuzz: %s\n' % text).encode())

    def read(self):
        out = []
        while True:
            try:
                rec = os.read(self.fd, 8192)
            except BlockingIOError:
                break
            except BrokenPipeError:  # records overwritten: go on
                continue
            if not rec:
                break
            head, _, msg = rec.decode(errors='replace').partition(';')
            out.append(msg.split('\n')[0])
        return out


KMSG = None
STATE = None
DMSETUP_SHARE = 0.1
DM_MAJOR = 253
# FUZZ_AVOID=journal-resync-remove: wait for the resync before removing a
# journaled array (a known hang), to look past it.
AVOID_JOURNAL_RESYNC_REMOVE = 'journal-resync-remove' in \
    os.environ.get('FUZZ_AVOID', '')
DEFECTS = []
STATS = collections.Counter()
REFUSALS = collections.Counter()
TIMES = collections.Counter()


class timed:
    """with timed('what'): adds the seconds to TIMES['what']."""

    def __init__(self, what):
        self.what = what

    def __enter__(self):
        self.t = time.monotonic()

    def __exit__(self, *a):
        TIMES[self.what] += time.monotonic() - self.t


def defect(kind, what, klog=()):
    DEFECTS.append((kind, what))
    log('DEFECT %s %s' % (kind, what))
    for line in klog:
        log('    klog: %s' % line)


# md's own warning when two legs are one device: a defect of the table
# check (the test fails on it as on any WARNING), but no kernel splat, so
# the run goes on.
SAME_DISK = re.compile(r'WARNING: (\S+) appears to be on the same physical disk as (\S+)')


def blocked_tasks():
    """Kernel stacks of the tasks in D state (for a hang report)."""
    out = []
    for st in glob.glob('/proc/[0-9]*/task/[0-9]*/stat'):
        try:
            with open(st) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            if fields[0] != 'D':
                continue
            d = os.path.dirname(st)
            with open(d + '/comm') as f:
                comm = f.read().strip()
            with open(d + '/stack') as f:
                stack = f.read().split('\n')
        except OSError:
            continue
        out.append('blocked: %s %s' % (d, comm))
        out += ['    ' + l for l in stack if l]
    return out


def check_splat(lines, what):
    for l in lines:
        if SAME_DISK.search(l):
            defect('same-disk', 'a table naming one device for two legs was '
                   'accepted (md: "%s"): %s' % (l, what))
    bad = [l for l in lines if BAD_KLOG.search(l) and 'table-fuzz:' not in l
           and not SAME_DISK.search(l)]
    if bad:
        defect('splat', what, lines[-60:])
        raise Fatal(2, 'kernel splat: %s' % bad[0])


# ---- running things with bounded waits ------------------------------------

def sh(args, stdin=None, timeout=60, what=None):
    """Run a command; (rc, stdout, stderr).  A command that does not end
    within timeout (even after SIGKILL: D state) is a hang."""
    p = subprocess.Popen(args, stdin=subprocess.PIPE if stdin is not None
                         else subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        try:
            p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        defect('hang', '%s did not finish within %ss: %s' %
               (args[0], timeout, what or ' '.join(args)),
               (KMSG.read() if KMSG else []) + blocked_tasks())
        raise Fatal(3, 'hang: %s' % ' '.join(args))
    return p.returncode, out, err


def with_timeout(fn, timeout, what):
    """Run fn() in a thread (I/O that may block in D state)."""
    res = {}

    def body():
        try:
            res['v'] = fn()
        except Exception as e:  # noqa: BLE001 (re-raised below)
            res['e'] = e
    t = threading.Thread(target=body, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        defect('hang', '%s did not finish within %ss' % (what, timeout),
               KMSG.read() + blocked_tasks())
        raise Fatal(3, 'hang: ' + what)
    if 'e' in res:
        raise res['e']
    return res.get('v')


# ---- device-mapper ioctls ---------------------------------------------------------
#
# Spawning dmsetup costs about 0.7 s in the emulated guest, so table cases
# talk to /dev/mapper/control directly (a share of them, FUZZ_DMSETUP,
# still goes through `dmsetup create`).  The same steps as dmsetup create:
# DEV_CREATE, TABLE_LOAD, resume; on a failure DEV_REMOVE.

import fcntl
import struct

DM_HDR = struct.Struct('=3I7IQ128s129s7s')          # struct dm_ioctl, 312 bytes
DM_SPEC = struct.Struct('=QQiI16s')                # struct dm_target_spec
DM_LIST_DEVICES, DM_DEV_CREATE, DM_DEV_REMOVE = 2, 3, 4
DM_DEV_SUSPEND, DM_TABLE_LOAD, DM_TARGET_MSG = 6, 9, 14
DM_SUSPEND_FLAG = 1 << 1


class DmError(Exception):
    def __init__(self, op, err):
        super().__init__('%s: %s' % (op, os.strerror(err)))
        self.errno = err


class Dm:
    def __init__(self):
        self.fd = os.open('/dev/mapper/control', os.O_RDWR)

    def _ioctl(self, cmd, name='', flags=0, data=b'', target_count=0,
               out_size=0):
        size = DM_HDR.size + max(len(data), out_size)
        hdr = DM_HDR.pack(4, 0, 0, size, DM_HDR.size, target_count, 0,
                          flags, 0, 0, 0, name.encode()[:127], b'', b'')
        buf = bytearray(hdr + data + bytes(size - DM_HDR.size - len(data)))
        req = (3 << 30) | (DM_HDR.size << 16) | (0xfd << 8) | cmd
        try:
            fcntl.ioctl(self.fd, req, buf, True)
        except OSError as e:
            raise DmError(('list', '', '', 'create', 'remove', '', 'resume',
                           '', '', 'load', '', '', '', '', 'message')[cmd],
                          e.errno) from None
        return buf

    def create(self, name):
        buf = self._ioctl(DM_DEV_CREATE, name)
        dev = DM_HDR.unpack_from(buf)[10]
        return os.minor(dev)

    def load(self, name, start, length, ttype, params):
        p = params.encode() + b'\0'
        p += bytes(-len(p) % 8)
        spec = DM_SPEC.pack(start, length, 0, 0, ttype.encode()[:15]) + p
        self._ioctl(DM_TABLE_LOAD, name, data=spec, target_count=1)

    def resume(self, name):
        self._ioctl(DM_DEV_SUSPEND, name)

    def remove(self, name):
        self._ioctl(DM_DEV_REMOVE, name)

    def message(self, name, msg):
        data = struct.pack('=Q', 0) + msg.encode() + b'\0'
        self._ioctl(DM_TARGET_MSG, name, data=data + bytes(-len(data) % 8))

    def names(self):
        buf = self._ioctl(DM_LIST_DEVICES, out_size=65536)
        off, out = DM_HDR.size, []
        if struct.unpack_from('=Q', buf, off)[0] == 0:
            return out
        while True:
            dev, nxt = struct.unpack_from('=QI', buf, off)
            name = bytes(buf[off + 12:buf.index(0, off + 12)]).decode()
            out.append(name)
            if not nxt:
                return sorted(out)
            off += nxt


DM = None


def parse_line(line):
    """What dmsetup does with a table line: (start, len, type, params) or
    a user-space error string."""
    w = line.split()
    if len(w) < 3:
        return 'Invalid format on line 1 of table on stdin.'
    try:
        start, length = int(w[0]), int(w[1])
        if not (0 <= start < 2 ** 64 and 0 <= length < 2 ** 64) or \
                not w[0].isdigit() or not w[1].isdigit():
            raise ValueError
    except ValueError:
        return 'Invalid format on line 1 of table on stdin.'
    return start, length, w[2], ' '.join(w[3:])


def dm_create(name, line, what):
    """(minor or None, user-space error or '')"""
    p = parse_line(line)
    if isinstance(p, str):
        return None, p
    start, length, ttype, params = p

    def body():
        try:
            minor = DM.create(name)
        except DmError as e:
            return None, str(e)
        try:
            DM.load(name, start, length, ttype, params)
            DM.resume(name)
        except DmError as e:
            try:
                DM.remove(name)
            except DmError as e2:
                defect('remove', '%s: could not remove after %s: %s' %
                       (what, e, e2))
            return None, str(e)
        return minor, ''
    return with_timeout(body, 120, 'create ' + what)


# ---- what must not be left behind -------------------------------------------

def snapshot(full=False):
    """dm devices (by ioctl, or `dmsetup ls` when full), virtual block
    devices, /proc/mdstat, holders, md kernel threads."""
    s = ['dm ' + n for n in DM.names()]
    if full:
        rc, out, _ = sh(['dmsetup', 'ls'], timeout=30)
        s += sorted('dmsetup ' + l for l in out.splitlines()
                    if 'No devices found' not in l)
    for b in sorted(os.listdir('/sys/devices/virtual/block')):
        if not b.startswith(('loop', 'ram')):
            s.append('vblock ' + b)
    with open('/proc/mdstat') as f:
        s.append(f.read())
    for h in sorted(glob.glob('/sys/block/*/holders/*') +
                    glob.glob('/sys/block/*/*/holders/*')):
        s.append('holder ' + h)
    threads = collections.Counter()
    for c in glob.glob('/proc/[0-9]*/comm'):
        try:
            with open(c) as f:
                comm = f.read().strip()
        except OSError:
            continue
        if MD_THREAD.search(comm):
            threads[comm] += 1
    s += ['thread %s x%d' % kv for kv in sorted(threads.items())]
    return s


def same_state(before, what, extra_klog=()):
    """Compare with before, retrying for up to 3 s (teardown is quick but
    not instant).  On a difference: report, clean up, return False."""
    full = any(l.startswith('dmsetup ') for l in before)
    for _ in range(10):
        after = snapshot(full)
        if after == before:
            return True
        time.sleep(0.3)
    gone = [l for l in before if l not in after]
    new = [l for l in after if l not in before]
    defect('leak', '%s: left behind %s; gone %s' % (what, new, gone),
           list(extra_klog) + KMSG.read())
    # Clean up what we can, so the next case starts from the baseline.
    for l in new:
        if l.startswith('dm fz'):
            name = l.split()[1]
            sh(['dmsetup', 'resume', name], timeout=60)
            sh(['dmsetup', 'remove', '--retry', name], timeout=120)
    return False


# ---- block I/O ------------------------------------------------------------------

def pattern(tag, n):
    return random.Random(tag).randbytes(n)


def dev_size(dev):
    fd = os.open(dev, os.O_RDONLY)
    try:
        return os.lseek(fd, 0, os.SEEK_END)
    finally:
        os.close(fd)


def dio_write(dev, off, data):
    buf = mmap.mmap(-1, len(data))
    buf[:] = data
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
    try:
        n = os.pwritev(fd, [buf], off)
        if n != len(data):
            raise OSError(0, 'short write %d of %d' % (n, len(data)))
    finally:
        os.close(fd)


def dio_read(dev, off, n):
    buf = mmap.mmap(-1, n)
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    try:
        got = os.preadv(fd, [buf], off)
        if got != n:
            raise OSError(0, 'short read %d of %d' % (got, n))
    finally:
        os.close(fd)
    return bytes(buf)


def zero(dev, nbytes):
    """Zero the first nbytes of dev (O_DIRECT, so md sees it)."""
    size = dev_size(dev)
    n = min(nbytes, size) // 4096 * 4096
    if n:
        dio_write(dev, 0, bytes(n))


# ---- the table model -------------------------------------------------------------

FLAGS = {'sync', 'nosync', 'raid10_use_near_sets'}
VALUED = ['rebuild', 'daemon_sleep', 'min_recovery_rate', 'max_recovery_rate',
          'write_mostly', 'max_write_behind', 'stripe_cache', 'region_size',
          'raid10_copies', 'raid10_format', 'delta_disks', 'data_offset',
          'journal_dev', 'journal_mode', 'consistency_policy']
KEYWORDS = sorted(FLAGS) + VALUED

# name: (parity devices, min legs, max legs in the corpus)
TYPES = {
    'raid0': (0, 2, 4), 'raid1': (0, 2, 4), 'raid10': (0, 2, 5),
    'raid4': (1, 3, 5), 'raid5_n': (1, 3, 5), 'raid5_ls': (1, 3, 5),
    'raid5_rs': (1, 3, 5), 'raid5_la': (1, 3, 5), 'raid5_ra': (1, 3, 5),
    'raid6_zr': (2, 4, 6), 'raid6_nr': (2, 4, 6), 'raid6_nc': (2, 4, 6),
    'raid6_n_6': (2, 4, 6), 'raid6_ls_6': (2, 4, 6), 'raid6_rs_6': (2, 4, 6),
    'raid6_la_6': (2, 4, 6), 'raid6_ra_6': (2, 4, 6),
}
OTHER_TYPES = ['raid10_far', 'raid10_near', 'raid10_offset', 'raid7',
               'raid5', 'raid6', 'RAID1', 'raid', 'linear', '']
EXTREME = ['-1', '0', '1', '2', '7', '8', '15', '16', '17', '31', '33', '4095',
           '65535', '65536', '2147483647', '2147483648', '-2147483648',
           '4294967295', '4294967296', '9223372036854775807',
           '18446744073709551615', '18446744073709551616',
           '99999999999999999999999999', 'abc', '0x10', '1e3', '+8', '08',
           '1.5', '-0', '4k', '-', 'none']
JUNK_WORDS = ['foo', 'REBUILD', 'Sync', 'sync2', 'region_sizes', 'ppl',
              'journal', 'raid5_ls', '--', 'data_offset=2048', '0', '-',
              'consistency_policy=ppl']
NONEXIST = ['/dev/nonexistent', '/dev/loop250', '/dev/null', '/tmp',
            '7:250', '999:999', 'loop0', '/dev/mapper/none', '253:250']


def level(t):
    if t == 'raid0':
        return 0
    if t == 'raid1':
        return 1
    if t.startswith('raid10'):
        return 10
    if t.startswith('raid6'):
        return 6
    return 5


class Table:
    def __init__(self, rtype, chunk, params, legs, length, start=0):
        self.rtype, self.chunk, self.length, self.start = rtype, chunk, length, start
        self.params = [list(p) for p in params]   # [word, value...]
        self.legs = [list(l) for l in legs]      # [meta, data]
        self.notes = []

    def copy(self):
        t = Table(self.rtype, self.chunk, self.params, self.legs, self.length,
                  self.start)
        t.notes = list(self.notes)
        return t

    def words(self):
        pw = [w for p in self.params for w in p]
        w = [str(self.start), str(self.length), 'raid', self.rtype,
             str(1 + len(pw)), str(self.chunk)] + pw + [str(len(self.legs))]
        for m, d in self.legs:
            w += [m, d]
        return w

    def render(self):
        return ' '.join(w for w in self.words() if w != '')

    def has(self, word):
        return any(p[0] == word for p in self.params)

    def get(self, word):
        for p in self.params:
            if p[0] == word:
                return p[1] if len(p) > 1 else True
        return None

    def set(self, word, value):
        for p in self.params:
            if p[0] == word:
                p[1:] = [str(value)]
                return
        self.params.append([word, str(value)])

    @staticmethod
    def parse(line):
        w = line.split()
        start, length, rtype = int(w[0]), int(w[1]), w[3]
        npar = int(w[4])
        chunk = w[5]
        pw = w[6:5 + npar]
        params, i = [], 0
        while i < len(pw):
            if pw[i] in FLAGS:
                params.append([pw[i]])
                i += 1
            else:
                params.append(pw[i:i + 2])
                i += 2
        rest = w[5 + npar:]
        n = int(rest[0])
        legs = [rest[1 + 2 * j:3 + 2 * j] for j in range(n)]
        return Table(rtype, chunk, params, legs, length, start)


class Pool:
    """The table-phase devices."""

    def __init__(self, metas, datas, journal, small, leg_sectors):
        self.metas, self.datas = metas, datas
        self.journal, self.small = journal, small
        self.leg_sectors = leg_sectors


def gen_valid(rng, pool):
    """A table the module should accept on freshly zeroed legs."""
    group = rng.choice(['raid0', 'raid1', 'raid10', 'raid4', 'raid5', 'raid6'])
    rtype = rng.choice([t for t in sorted(TYPES) if t.startswith(group) and
                        (group != 'raid1' or t == 'raid1')])
    parity, lo, hi = TYPES[rtype]
    lv = level(rtype)
    n = rng.randint(lo, min(hi, len(pool.datas)))
    params = []
    t = Table(rtype, 0, [], [], 0)
    chunk = 0 if lv == 1 else rng.choice([16, 32, 64, 128, 256])
    t.chunk = chunk
    copies = 2
    if lv == 10:
        fmt = rng.choice(['near', 'far', 'offset', None])
        if n >= 3 and rng.random() < 0.3:
            copies = 3
        if copies != 2 or rng.random() < 0.5:
            params.append(['raid10_copies', str(copies)])
        if fmt:
            params.append(['raid10_format', fmt])
        if fmt in ('far', 'offset') and rng.random() < 0.3:
            params.append(['raid10_use_near_sets'])
    policy = 'resync'
    data_offset = 0
    if lv in (5, 6):
        r = rng.random()
        if lv == 5 and rtype != 'raid4' and r < 0.3:
            policy = 'ppl'
            data_offset = rng.choice([2048, 2048, 1024, 256, 32])
            params.append(['consistency_policy', 'ppl'])
        elif r < 0.55:
            policy = 'journal'
            params.append(['journal_dev', pool.journal])
            if rng.random() < 0.6:
                params.append(['journal_mode',
                               rng.choice(['writethrough', 'writeback'])])
            if rng.random() < 0.3:
                params.append(['consistency_policy', 'journal'])
        elif rng.random() < 0.3:
            params.append(['consistency_policy', 'resync'])
        if rng.random() < 0.4:
            params.append(['stripe_cache', str(rng.choice([32, 256, 1024]))])
    if lv != 0 and policy != 'ppl' and rng.random() < 0.25:
        data_offset = rng.choice([32, 64, 2048])
    if data_offset:
        params.append(['data_offset', str(data_offset)])
    if lv != 0 and rng.random() < 0.5:
        params.append(['region_size',
                       str(max(chunk, rng.choice([1024, 2048, 4096, 8192])))])
    # missing legs within what the level survives
    missing = set()
    if lv not in (0, 6) and policy != 'journal' and rng.random() < 0.25:
        can = {1: n - 1, 10: 1 if copies >= 2 else 0, 5: 1, 6: 2}[lv]
        for _ in range(rng.randint(1, max(1, can))):
            missing.add(rng.randrange(n))
        if lv == 1 and len(missing) >= n:
            missing.pop()
        if lv == 10 and len(missing) > 1:
            missing = {min(missing)}
    sync_word = None
    if missing and lv == 5:
        # md starts a new degraded raid4/5 only if told it is in sync
        params.append(['nosync'])
    elif lv != 0 and rng.random() < 0.3:
        choices = ['sync'] + (['nosync'] if lv != 6 else [])
        sync_word = rng.choice(choices)
        params.append([sync_word])
    elif lv != 0 and not missing and rng.random() < 0.2:
        for i in rng.sample(range(n), 1 if lv != 6 else rng.randint(1, 2)):
            params.append(['rebuild', str(i)])
    if lv == 1 and n > 1 and rng.random() < 0.3:
        params.append(['write_mostly', str(rng.randrange(n))])
        if rng.random() < 0.7:
            params.append(['max_write_behind',
                           str(rng.choice([256, 1024, 8192]))])
    if lv != 0 and rng.random() < 0.2:
        params.append(['daemon_sleep', str(rng.choice([1000, 5000, 60000]))])
    if lv != 0 and rng.random() < 0.3:
        lo_r = rng.choice([0, 100, 1000])
        params.append(['min_recovery_rate', str(lo_r)])
        params.append(['max_recovery_rate', str(lo_r + rng.choice([0, 1000, 100000]))])
    rng.shuffle(params)
    no_meta = (policy == 'resync' and not data_offset and rng.random() < 0.1)
    legs = []
    for i in range(n):
        if i in missing:
            legs.append(['-', '-'])
        else:
            legs.append(['-' if no_meta else pool.metas[i], pool.datas[i]])
    # sizes
    usable = pool.leg_sectors - data_offset
    unit = max(chunk, 8)
    dev = usable // unit * unit
    if rng.random() < 0.3:
        dev -= unit * rng.randint(1, 8)
    if lv == 10:
        dev = dev // (unit * copies) * unit * copies
        length = dev * n // copies
    elif lv == 1:
        length = dev
    else:
        length = dev * (n - parity)
    t.params, t.legs, t.length = params, legs, length
    t.notes = ['valid']
    return t


def mutate(rng, t, pool):
    """1-3 mutations of a valid table; returns (table or word list, notes)."""
    t = t.copy()
    t.notes = []
    raw = None
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        m = rng.randrange(17)
        lv = level(t.rtype)
        if raw is None and m <= 12:
            if m == 0 and t.params:                      # drop a parameter
                p = t.params.pop(rng.randrange(len(t.params)))
                t.notes.append('drop %s' % p[0])
            elif m == 1 and t.params:                    # duplicate one
                p = rng.choice(t.params)
                t.params.insert(rng.randrange(len(t.params) + 1), list(p))
                t.notes.append('dup %s' % p[0])
            elif m == 2:                                 # add a keyword
                w = rng.choice(KEYWORDS)
                if w in FLAGS:
                    p = [w]
                else:
                    v = {'journal_dev': rng.choice([pool.journal, pool.small,
                                                    pool.datas[0], NONEXIST[0]]),
                         'journal_mode': rng.choice(['writethrough', 'writeback', 'bogus']),
                         'consistency_policy': rng.choice(['resync', 'ppl', 'journal', 'bitmap']),
                         'raid10_format': rng.choice(['near', 'far', 'offset', 'diagonal']),
                         }.get(w, rng.choice(EXTREME[:18] + ['1024', '2048', '3']))
                    p = [w, v]
                t.params.insert(rng.randrange(len(t.params) + 1), p)
                t.notes.append('add %s' % ' '.join(p))
            elif m == 3 and any(len(p) > 1 for p in t.params):   # bad value
                p = rng.choice([p for p in t.params if len(p) > 1])
                p[1] = rng.choice(EXTREME + NONEXIST[:2])
                t.notes.append('value %s=%s' % (p[0], p[1]))
            elif m == 4:                                 # chunk size
                t.chunk = rng.choice(EXTREME + ['8', '4', '512', '1024', '65536'])
                t.notes.append('chunk %s' % t.chunk)
            elif m == 5:                                 # raid type
                t.rtype = rng.choice(sorted(TYPES) + OTHER_TYPES)
                t.notes.append('type %s' % t.rtype)
            elif m == 6:                                 # length / start
                c = rng.randrange(6)
                if c == 0:
                    t.length = rng.choice([0, 1, 8, 2 ** 32, 2 ** 40, 2 ** 63 - 1])
                elif c == 1:
                    t.length += rng.choice([-1, 1, 8, -8, 128])
                elif c == 2:
                    t.length *= 2
                elif c == 3:
                    t.length = t.length // 2 + 1
                elif c == 4:
                    t.start = rng.choice([1, 8, 2048])
                else:
                    t.length = pool.leg_sectors * 64
                t.notes.append('len %d start %d' % (t.length, t.start))
            elif m == 7 and t.legs:                      # missing legs
                i = rng.randrange(len(t.legs))
                c = rng.randrange(4)
                if c == 0:
                    for j in rng.sample(range(len(t.legs)),
                                        rng.randint(1, len(t.legs))):
                        t.legs[j] = ['-', '-']
                elif c == 1:
                    t.legs[i][0] = '-'
                elif c == 2:
                    t.legs[i][1] = '-'
                else:
                    t.legs[i] = ['-', '-']
                    if lv != 0:
                        t.params.append(['rebuild', str(i)])
                t.notes.append('missing legs %s' % t.legs)
            elif m == 8 and t.legs:                      # nonexistent paths
                i = rng.randrange(len(t.legs))
                t.legs[i][rng.randrange(2)] = rng.choice(NONEXIST)
                t.notes.append('nonexistent leg %d' % i)
            elif m == 9 and len(t.legs) > 1:             # a leg twice
                i, j = rng.sample(range(len(t.legs)), 2)
                c = rng.randrange(4)
                if c == 0:
                    t.legs[i] = list(t.legs[j])
                elif c == 1:
                    t.legs[i][1] = t.legs[j][1]
                elif c == 2:
                    t.legs[i][0] = t.legs[j][1]
                else:
                    t.legs[i][0] = t.legs[i][1]
                t.notes.append('leg twice %d<-%d (%d)' % (i, j, c))
            elif m == 10:                                # leg count
                c = rng.randrange(3)
                if c == 0 and t.legs:
                    t.legs.pop(rng.randrange(len(t.legs)))
                elif c == 1:
                    used = {d for l in t.legs for d in l}
                    free = [k for k in range(len(pool.datas))
                            if pool.datas[k] not in used]
                    if free:
                        k = rng.choice(free)
                        t.legs.append([pool.metas[k], pool.datas[k]])
                else:
                    rng.shuffle(t.legs)
                t.notes.append('legs %d (%d)' % (len(t.legs), c))
            elif m == 11 and t.legs:                     # a small leg
                t.legs[rng.randrange(len(t.legs))][1] = pool.small
                t.notes.append('small leg')
            elif m == 12:                                # wrong-level word
                w, v = rng.choice([
                    ('raid10_copies', '2'), ('raid10_format', 'far'),
                    ('write_mostly', '0'), ('max_write_behind', '256'),
                    ('stripe_cache', '256'), ('journal_dev', pool.journal),
                    ('journal_mode', 'writeback'), ('consistency_policy', 'ppl'),
                    ('consistency_policy', 'journal'), ('nosync', None),
                    ('raid10_use_near_sets', None), ('region_size', '1024'),
                    ('data_offset', '2048'), ('delta_disks', '1'),
                    ('delta_disks', '-1'), ('rebuild', '0')])
                t.params.append([w] if v is None else [w, v])
                t.notes.append('word %s %s on %s' % (w, v, t.rtype))
        else:                                            # raw word edits
            if raw is None:
                raw = t.words()
            c = rng.randrange(7)
            if not raw:
                raw = ['0']
            if c == 0 and len(raw) > 1:
                i = rng.randrange(len(raw))
                t.notes.append('raw drop %d %s' % (i, raw.pop(i)))
            elif c == 1:
                i = rng.randrange(len(raw))
                raw.insert(i, raw[i])
                t.notes.append('raw dup %d %s' % (i, raw[i]))
            elif c == 2 and len(raw) > 1:
                i, j = rng.sample(range(len(raw)), 2)
                raw[i], raw[j] = raw[j], raw[i]
                t.notes.append('raw swap %d %d' % (i, j))
            elif c == 3:
                i = rng.randrange(len(raw))
                raw[i] = rng.choice(EXTREME + JUNK_WORDS)
                t.notes.append('raw word %d=%s' % (i, raw[i]))
            elif c == 4:                                 # counts
                i = rng.choice([4, len(raw) - 1 - 2 * len(t.legs)])
                if 0 <= i < len(raw):
                    raw[i] = rng.choice(['0', '1', '-1', '64', '65', '100000',
                                         str(int(raw[i]) + 1) if raw[i].lstrip('-').isdigit() else '1',
                                         str(int(raw[i]) - 1) if raw[i].lstrip('-').isdigit() else '1'])
                    t.notes.append('raw count %d=%s' % (i, raw[i]))
            elif c == 5:
                extra = rng.choice([['foo'], ['-', '-'], [pool.metas[0]],
                                    ['rebuild', '0']])
                raw += extra
                t.notes.append('raw trailing %s' % extra)
            elif len(raw) > 1:
                cut = rng.randrange(1, len(raw))
                raw = raw[:cut]
                t.notes.append('raw truncate %d' % cut)
    return (raw if raw is not None else t), t.notes


# ---- one table case ---------------------------------------------------------------

def refusal_reason(lines, err):
    """The reason a refusal names, or None."""
    for l in lines:
        m = DM_TABLE_ERR.search(l)
        if m and not GENERIC.search(m.group(2)):
            return l
    for l in lines:
        if ('device-mapper' in l or 'md/' in l or l.startswith('md:') or
                ' md' in l or 'raid' in l) and not GENERIC.search(l):
            return l
    if 'Invalid format' in err or 'Invalid target' in err or \
            'Invalid argument count' in err or 'empty' in err.lower():
        return 'dmsetup (user space): ' + err.strip().splitlines()[0]
    return None


def dm_node(minor):
    """/dev/dm-MINOR (devtmpfs makes it; no udev for /dev/mapper)."""
    dev = '/dev/dm-%d' % minor
    if not os.path.exists(dev):
        dev = '/tmp/table-fuzz-dm-%d' % minor
        if not os.path.exists(dev):
            os.mknod(dev, 0o600 | 0o060000, os.makedev(DM_MAJOR, minor))
    return dev


def accepted_io(dev, rng, tag):
    """Pattern write/read on an accepted array; returns a problem or None."""
    name = dev
    size = dev_size(dev)
    if size < 4096:
        return None
    problems = []
    spots = [0]
    if size > 1 << 20:
        spots.append(rng.randrange(size // 65536) * 65536)
        spots.append(size - 65536)
    for off in spots:
        n = min(65536, size - off) // 4096 * 4096
        data = pattern('%s-%d' % (tag, off), n)
        try:
            with_timeout(lambda: dio_write(dev, off, data), 120,
                         'write to %s' % name)
            back = with_timeout(lambda: dio_read(dev, off, n), 120,
                                'read from %s' % name)
        except OSError as e:
            problems.append('I/O error at %d: %s' % (off, e))
            continue
        if back != data:
            problems.append('data at byte %d did not read back' % off)
    # Read the first spot again after the others (overlapping legs show here).
    n = min(65536, size) // 4096 * 4096
    try:
        back = with_timeout(lambda: dio_read(dev, 0, n), 120, 'read')
        if back != pattern('%s-0' % tag, n) and not problems:
            problems.append('byte 0 changed after writes elsewhere')
    except OSError as e:
        if not problems:
            problems.append('re-read: %s' % e)
    return '; '.join(problems) or None


def dm_remove(name, timeout=120, ioctl=False, what=''):
    for i in range(20):
        if ioctl:
            try:
                with_timeout(lambda: DM.remove(name), timeout,
                             'remove %s (%s)' % (name, what))
                return True
            except DmError as e:
                if e.errno == errno.ENXIO:
                    return True
            time.sleep(0.3)
            continue
        rc, _, err = sh(['dmsetup', 'remove', name], timeout=timeout,
                        what='remove %s (%s)' % (name, what))
        if rc == 0:
            return True
        if 'No such device' in err or 'not exist' in err:
            return True
        time.sleep(0.3)
    return False


def wipe_legs(pool, line):
    """Zero superblocks, bitmaps and journal; on data legs the PPL space
    before data_offset (at most 1 MiB is used) or the first 64 KiB."""
    for d in pool.metas + [pool.journal]:
        zero(d, 64 << 10)
    m = re.search(r'data_offset (\d+)', line)
    nbytes = min(int(m.group(1)) * 512, 1 << 20) if m else 0
    for d in pool.datas:
        zero(d, max(64 << 10, nbytes))


def run_case(case, seed, pool, fresh, verbose):
    rng = random.Random('%s-%d' % (seed, case))
    base = gen_valid(rng, pool)
    mutated = rng.random() < 0.75
    if mutated:
        obj, notes = mutate(rng, base, pool)
    else:
        obj, notes = base, ['valid']
    line = ' '.join(w for w in obj if w != '') if isinstance(obj, list) \
        else obj.render()
    keep_stale = rng.random() < 0.12
    if not keep_stale or fresh:
        with timed('zero'):
            wipe_legs(pool, line)
    use_dmsetup = rng.random() < DMSETUP_SHARE
    name = 'fz%d' % case
    what = 'seed %s case %d%s%s (%s): %s' % (
        seed, case, ' stale-legs' if keep_stale and not fresh else '',
        ' dmsetup' if use_dmsetup else '', ', '.join(notes), line)
    global STATE
    before = STATE
    KMSG.read()
    KMSG.mark('case %d' % case)
    if use_dmsetup:
        rc, out, err = sh(['dmsetup', 'create', name], stdin=line + '\n',
                          timeout=120, what=what)
        minor = None
        if rc == 0:
            _, out, _ = sh(['dmsetup', 'info', '-c', '--noheadings', '-o',
                            'minor', name], timeout=60)
            minor = int(out.strip())
    else:
        with timed('create'):
            minor, err = dm_create(name, line, what)
        rc = 0 if minor is not None else 1
    lines = KMSG.read()
    check_splat(lines, what)
    if rc != 0:
        reason = refusal_reason(lines, err)
        STATS['refused'] += 1
        if reason is None:
            defect('no-message', what, lines + ['dmsetup: ' + err.strip()])
        else:
            short = re.sub(r'^.*?: raid: ', '', reason)
            short = re.sub(r'\d+', 'N', short)[:90]
            REFUSALS[short] += 1
            if not mutated:
                STATS['valid-refused'] += 1
                log('note: corpus table refused: %s -- %s' % (what, reason))
        if verbose:
            log('case %d refused: %s' % (case, reason))
        with timed('state'):
            ok = same_state(before, 'refused ' + what, lines)
        if not ok:
            STATE = snapshot()
        return
    STATS['accepted'] += 1
    if mutated:
        STATS['mutated-accepted'] += 1
    if verbose:
        log('case %d accepted: %s' % (case, line))
    dev = dm_node(minor)
    try:
        with timed('io'):
            problem = accepted_io(dev, rng, '%s-%d' % (seed, case))
        if problem:
            _, st, _ = sh(['dmsetup', 'status', name], timeout=30)
            defect('data', '%s: %s; status: %s' % (what, problem, st.strip()),
                   KMSG.read())
        if rng.random() < 0.15:
            # a live reload of the table the target prints
            rc2, tab, _ = sh(['dmsetup', 'table', name], timeout=30)
            ok = live_reload(name, tab.strip(), what)
            if ok and not problem:
                n = min(65536, dev_size(dev)) // 4096 * 4096
                if n and with_timeout(lambda: dio_read(dev, 0, n), 120, 'read') \
                        != pattern('%s-%d-0' % (seed, case), n):
                    defect('data', '%s: byte 0 changed by a same-table reload'
                           % what, KMSG.read())
        if rng.random() < 0.2:
            msg = rng.choice(['check', 'idle', 'frozen', 'repair', 'resync',
                              'recover', 'consistency_policy ppl',
                              'consistency_policy resync', 'journal_mode writeback',
                              'foo', 'check now'])
            send_message(name, msg, what, ioctl=True)
    finally:
        if isinstance(sys.exc_info()[1], Fatal):
            raise sys.exc_info()[1]  # a hang: touching the array would hang too
        lines2 = KMSG.read()
        if AVOID_JOURNAL_RESYNC_REMOVE and 'journal_dev' in line:
            # known hang: removing a journaled array during its resync
            wait_idle(name, 120, what, quiet=True)
        with timed('remove'):
            removed = dm_remove(name, ioctl=True, what=what)
        if not removed:
            defect('remove', 'could not remove %s: %s' % (name, what), lines2)
        lines2 += KMSG.read()
        check_splat(lines2, what)
        with timed('state'):
            ok = same_state(before, 'accepted+removed ' + what, lines2)
        if not ok:
            STATE = snapshot()


def live_reload(name, table, what):
    """reload <table>; suspend; resume.  False if it did not come back."""
    KMSG.mark('reload %s' % name)
    rc, _, err = sh(['dmsetup', 'reload', name], stdin=table + '\n', timeout=120,
                    what='reload ' + what)
    lines = KMSG.read()
    check_splat(lines, what)
    if rc != 0:
        reason = refusal_reason(lines, err)
        if reason is None:
            defect('no-message', 'reload refused: %s: %s' % (what, table), lines)
        elif ' rebuild ' in ' %s ' % table and 'not in-sync' in reason:
            # dm-raidx refuses to rebuild a raid4/5/6 leg from parity the
            # array has not finished syncing, whatever the running table
            # asked for: the live table goes on (issue 11, item 9).
            log('note: reload with rebuild refused while not in sync: %s: %s'
                % (what, table))
        else:
            defect('reload-refused', 'same/harmless table refused on reload: '
                   '%s: %s' % (what, table), lines)
        return False
    rc, _, err = sh(['dmsetup', 'suspend', name], timeout=180,
                    what='suspend ' + what)
    if rc != 0:
        defect('suspend', '%s: %s' % (what, err.strip()), KMSG.read())
    rc, _, err = sh(['dmsetup', 'resume', name], timeout=180,
                    what='resume ' + what)
    lines = KMSG.read()
    check_splat(lines, what)
    if rc != 0:
        defect('resume', 'resume after reload failed: %s: %s: %s' %
               (what, table, err.strip()), lines)
        # Escape hatch: the error target, so blocked I/O ends.
        size = table.split()[1]
        sh(['dmsetup', 'load', name], stdin='0 %s error\n' % size, timeout=60)
        sh(['dmsetup', 'resume', name], timeout=60)
        return False
    return True


def send_message(name, msg, what, ioctl=False):
    KMSG.mark('message %s %s' % (name, msg))
    if ioctl:
        try:
            with_timeout(lambda: DM.message(name, msg), 180,
                         'message %s: %s' % (msg, what))
            rc, err = 0, ''
        except DmError as e:
            rc, err = 1, str(e)
    else:
        rc, out, err = sh(['dmsetup', 'message', name, '0'] + msg.split(),
                          timeout=180, what='message %s: %s' % (msg, what))
    lines = KMSG.read()
    check_splat(lines, 'message %s: %s' % (msg, what))
    if rc != 0:
        reason = [l for l in lines if ('device-mapper' in l or 'md/' in l or
                                       l.startswith('md'))
                  and not GENERIC.search(l)]
        if not reason:
            if 'busy' in err.lower():
                STATS['message-busy-silent'] += 1
            else:
                defect('no-message', 'message "%s" refused without a kernel '
                       'message: %s: %s' % (msg, what, err.strip()), lines)
        STATS['message-refused'] += 1
    else:
        STATS['message-accepted'] += 1
    return rc


def table_phase(args, pool, deadline):
    cases = range(args.only, args.only + 1) if args.only is not None \
        else range(args.cases)
    first = True
    for case in cases:
        if time.monotonic() > deadline:
            log('tables: time budget reached after %d cases' % case)
            break
        run_case(case, args.seed, pool, first, args.verbose)
        first = False
        STATS['cases'] += 1
        if STATS['cases'] % 50 == 0:
            log('tables: %d cases, %s, seconds %s' % (
                STATS['cases'], dict(STATS),
                {k: round(v, 1) for k, v in TIMES.items()}))


# ---- messages to live arrays ------------------------------------------------------

def status(name):
    rc, out, _ = sh(['dmsetup', 'status', name], timeout=60)
    return out.split()


def wait_idle(name, timeout, what, quiet=False):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        st = status(name)
        if len(st) >= 9:
            done, total = st[6].split('/')
            if st[7] == 'idle' and done == total:
                return st
        time.sleep(0.5)
    if quiet:
        return None
    defect('sync-stuck', '%s: not idle and in sync after %ds: %s' %
           (what, timeout, ' '.join(status(name))), KMSG.read())
    return None


class Writer:
    """A time-limited fio random writer on [off, off+size) bytes."""

    def __init__(self, dev, off, size, seconds):
        self.p = subprocess.Popen(
            ['timeout', '-k', '5', str(seconds + 5), 'fio', '--name=fz',
             '--filename=' + dev, '--rw=randwrite', '--bs=4k', '--direct=1',
             '--ioengine=psync', '--offset=%d' % off, '--size=%d' % size,
             '--time_based', '--runtime=%d' % seconds, '--numjobs=2',
             '--group_reporting', '--minimal'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def stop(self, what):
        if self.p.poll() is None:
            self.p.terminate()
        try:
            out, err = self.p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            defect('hang', 'writer did not stop: %s' % what, KMSG.read())
            raise Fatal(3, 'writer hang')
        rc = self.p.returncode
        f = out.split(';')
        # fio ends 0 at its runtime, 128 or so when stopped by TERM; what
        # counts is the error field of its terse line (field 5).
        if len(f) < 5:
            return 'writer exit %s without a result: %s' % (rc, err.strip()[-300:])
        if f[4] != '0':
            return 'writer saw error %s (exit %s): %s' % (f[4], rc, err.strip()[-300:])
        return None


def msg_array_tables(kind, rng, mp):
    """(name, table, promises mismatch 0)"""
    metas, datas, jdev, leg = mp.metas, mp.datas, mp.journal, mp.leg_sectors
    rate = rng.choice([2000, 4000, 8000])
    if kind == 'raid1':
        n = 2
        params = ['region_size', '1024', 'max_recovery_rate', str(rate)]
        dev = leg // 8 * 8
        length, rtype, chunk = dev, 'raid1', 0
    else:
        n = 4
        rtype, chunk = 'raid5_ls', 64
        params = ['region_size', '2048', 'max_recovery_rate', str(rate)]
        off = 0
        if kind == 'raid5-ppl':
            params += ['consistency_policy', 'ppl', 'data_offset', '2048']
            off = 2048
        elif kind == 'raid5-journal':
            params += ['journal_dev', jdev, 'journal_mode',
                       rng.choice(['writethrough', 'writeback'])]
        if rng.random() < 0.5:
            params += ['stripe_cache', str(rng.choice([64, 256]))]
        dev = (leg - off) // chunk * chunk
        length = dev * (n - 1)
    legs = ' '.join('%s %s' % (metas[i], datas[i]) for i in range(n))
    return ('0 %d raid %s %d %d %s %d %s' % (
        length, rtype, len(params) + 1, chunk, ' '.join(params), n, legs))


MESSAGES = [
    'check', 'repair', 'idle', 'frozen', 'resync', 'recover',
    'consistency_policy ppl', 'consistency_policy resync',
    'consistency_policy journal', 'consistency_policy bogus',
    'consistency_policy', 'consistency_policy ppl resync',
    'journal_mode writethrough', 'journal_mode writeback',
    'journal_mode bogus', 'journal_mode', 'foo', 'check now', 'idle 1',
    'CHECK', 'reshape', 'frozen frozen',
]


def harmless(rng, table):
    """The printed table with one harmless parameter changed."""
    t = Table.parse(table)
    c = rng.randrange(4)
    if c == 0 or (c == 3 and level(t.rtype) not in (5, 6)):
        t.set('max_recovery_rate', rng.choice([2000, 8000, 100000]))
    elif c == 1:
        t.set('min_recovery_rate', rng.choice([0, 100, 1000]))
        mx = t.get('max_recovery_rate')
        if mx is not None and int(mx) < 1000:
            t.set('max_recovery_rate', 100000)
    elif c == 2:
        t.set('daemon_sleep', rng.choice([1000, 5000, 10000]))
    else:
        t.set('stripe_cache', rng.choice([64, 256, 512]))
    return t.render()


def message_round(rnd, kind, args, mp, seconds):
    rng = random.Random('%s-msg-%d-%s' % (args.seed, rnd, kind))
    name = 'fzm-%s' % kind
    table = msg_array_tables(kind, rng, mp)
    what = 'seed %s message round %d %s' % (args.seed, rnd, kind)
    log('messages: %s: %s' % (what, table))
    for d in mp.metas + [mp.journal]:
        zero(d, 64 << 10)
    for d in mp.datas:
        zero(d, 1 << 20)
    before = snapshot(full=True)
    KMSG.read()
    KMSG.mark('messages %s' % what)
    rc, _, err = sh(['dmsetup', 'create', name], stdin=table + '\n',
                    timeout=120, what=what)
    lines = KMSG.read()
    check_splat(lines, what)
    if rc != 0:
        defect('valid-refused', '%s: %s: %s' % (what, table, err.strip()), lines)
        same_state(before, what, lines)
        return
    dev = '/dev/mapper/' + name
    seq = []
    try:
        size = dev_size(dev)
        keep = 1 << 20                                  # never touched by the writer
        data = pattern('%s-keep' % what, keep)
        with_timeout(lambda: dio_write(dev, 0, data), 120, 'pattern write')
        woff = 2 << 20
        writer = Writer(dev, woff, min(size - woff, 16 << 20), seconds + 30)
        end = time.monotonic() + seconds
        steps = 0
        while time.monotonic() < end or steps < 6:
            steps += 1
            r = rng.random()
            if r < 0.55:
                msg = rng.choice(MESSAGES)
                seq.append('message ' + msg)
                rc = send_message(name, msg, '%s after %s' % (what, seq))
                seq[-1] += ' -> %s' % ('ok' if rc == 0 else 'refused')
            elif r < 0.75:
                _, tab, _ = sh(['dmsetup', 'table', name], timeout=60)
                seq.append('same-table reload')
                if not live_reload(name, tab.strip(), '%s after %s' % (what, seq)):
                    break
            elif r < 0.9:
                _, tab, _ = sh(['dmsetup', 'table', name], timeout=60)
                new = harmless(rng, tab.strip())
                seq.append('reload ' + ' '.join(new.split()[3:]))
                if not live_reload(name, new, '%s after %s' % (what, seq)):
                    break
            else:
                s = rng.choice([0.2, 0.5, 1, 2])
                seq.append('sleep %s' % s)
                time.sleep(s)
            STATS['message-steps'] += 1
        seqtxt = '; '.join(seq)
        problem = writer.stop(what)
        if problem:
            defect('writer', '%s: %s; sequence: %s' % (what, problem, seqtxt),
                   KMSG.read())
        # Let the array settle: unfreeze, full speed, wait for the sync.
        send_message(name, 'idle', what)
        _, tab, _ = sh(['dmsetup', 'table', name], timeout=60)
        t = Table.parse(tab.strip())
        t.set('max_recovery_rate', 1000000)
        t.set('min_recovery_rate', 200000)
        live_reload(name, t.render(), what + ' (settle)')
        st = wait_idle(name, 300, '%s; sequence: %s' % (what, seqtxt))
        back = with_timeout(lambda: dio_read(dev, 0, keep), 120, 'pattern read')
        if back != data:
            defect('data', '%s: the pattern written before the sequence did '
                   'not read back; sequence: %s' % (what, seqtxt), KMSG.read())
        if st is not None and 'A' * len(st[5]) == st[5]:
            rc = send_message(name, 'check', what)
            t0 = time.monotonic()
            while rc == 0 and time.monotonic() - t0 < 10 and status(name)[7] == 'idle':
                time.sleep(0.2)
            st = wait_idle(name, 300, what + ' check')
            if st and st[8] != '0':
                defect('mismatch', '%s: check found mismatch_cnt %s after the '
                       'sequence: %s (status %s)' % (what, st[8], seqtxt, ' '.join(st)),
                       KMSG.read())
            elif st:
                log('messages: %s: %d steps, check 0: %s' % (what, steps, seqtxt))
        elif st is not None:
            defect('health', '%s: health %s after the sequence: %s' %
                   (what, st[5], seqtxt), KMSG.read())
    finally:
        if isinstance(sys.exc_info()[1], Fatal):
            raise sys.exc_info()[1]  # a hang: touching the array would hang too
        lines = KMSG.read()
        check_splat(lines, what)
        if not dm_remove(name, timeout=180, what=what):
            defect('remove', 'could not remove %s: %s' % (name, what), KMSG.read())
        lines = KMSG.read()
        check_splat(lines, what)
        same_state(before, 'message round %s' % what, lines)


def message_phase(args, mp, deadline):
    kinds = ['raid1', 'raid5-resync', 'raid5-ppl', 'raid5-journal']
    rnd = 0
    while True:
        for kind in kinds:
            left = deadline - time.monotonic()
            per = max(15, min(60, left / 4 - 20))
            if rnd > 0 and left < per + 60:
                return
            message_round(rnd, kind, args, mp, per)
        rnd += 1
        if args.only is not None or time.monotonic() > deadline - 120:
            return


# ---- main -------------------------------------------------------------------------

def main():
    global KMSG, DM, STATE, DMSETUP_SHARE, DM_MAJOR
    ap = argparse.ArgumentParser()
    ap.add_argument('--seed', required=True)
    ap.add_argument('--cases', type=int, default=2000)
    ap.add_argument('--seconds', type=int, default=240)
    ap.add_argument('--only', type=int, default=None)
    ap.add_argument('--phase', default='tables,messages')
    ap.add_argument('--verbose', action='store_true')
    ap.add_argument('--metas', required=True)
    ap.add_argument('--datas', required=True)
    ap.add_argument('--journal', required=True)
    ap.add_argument('--small', required=True)
    ap.add_argument('--msg-metas', required=True)
    ap.add_argument('--msg-datas', required=True)
    ap.add_argument('--msg-journal', required=True)
    args = ap.parse_args()
    KMSG = Kmsg()
    DM = Dm()
    DM_MAJOR = os.major(os.stat('/dev/mapper/control').st_rdev)
    with open('/proc/devices') as f:
        for l in f:
            if l.split()[1:] == ['device-mapper']:
                DM_MAJOR = int(l.split()[0])
    DMSETUP_SHARE = float(os.environ.get('FUZZ_DMSETUP', '0.1'))
    pool = Pool(args.metas.split(), args.datas.split(), args.journal,
                args.small, dev_size(args.datas.split()[0]) // 512)
    mp = Pool(args.msg_metas.split(), args.msg_datas.split(), args.msg_journal,
              None, dev_size(args.msg_datas.split()[0]) // 512)
    phases = args.phase.split(',')
    start = time.monotonic()
    total = args.seconds
    tables_end = start + (total * 0.5 if 'messages' in phases else total)
    code = 0
    baseline = snapshot(full=True)
    STATE = snapshot()
    try:
        if 'tables' in phases:
            table_phase(args, pool, tables_end)
        if 'messages' in phases:
            message_phase(args, mp, start + total)
    except Fatal as e:
        log('FATAL: %s' % e)
        code = e.code
    log('stats: %s' % dict(STATS))
    log('refusals by message (%d kinds):' % len(REFUSALS))
    for msg, n in REFUSALS.most_common():
        log('  %5d  %s' % (n, msg))
    if code == 0 and snapshot(full=True) != baseline:
        defect('leak', 'state at the end differs from the start', [])
    if DEFECTS:
        log('%d defect(s):' % len(DEFECTS))
        for kind, what in DEFECTS:
            log('  DEFECT %s %s' % (kind, what))
        code = code or 1
    log('seed %s: %s' % (args.seed, 'FAILED' if code else 'ok'))
    return code


if __name__ == '__main__':
    sys.exit(main())

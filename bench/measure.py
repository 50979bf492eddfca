# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What bench/run.py measures besides wall time: machine, load, peak RSS, CPU, emulator capacity.

Linux only: everything is read from /proc.
"""

import datetime
import os
import platform
import sys
import threading
import time

SCAN_SECONDS = 0.05  # how often /proc is listed for new module processes
POLL_SECONDS = 0.01  # how often VmHWM of the processes found is read
YOUNG_SECONDS = 2.0  # how long a new pid's command line is re-read (between fork and exec it is the parent's)
QUIET_BUSY_CORES = 0.5  # "quiet": less than half a core busy over one second
CLOCK_TICKS = os.sysconf('SC_CLK_TCK')


# ----- machine -------------------------------------------------------------------------------

def _read(path):
    with open(path, encoding='utf-8', errors='replace') as handle:
        return handle.read()


def machine():
    """Cores, memory, CPU model, kernel, Python and library versions, date."""
    import ansible  # pylint: disable=import-outside-toplevel
    import msal  # pylint: disable=import-outside-toplevel
    import requests  # pylint: disable=import-outside-toplevel
    model = 'unknown'
    for line in _read('/proc/cpuinfo').splitlines():
        if line.startswith('model name'):
            model = line.split(':', 1)[1].strip()
            break
    memory_kib = 0
    for line in _read('/proc/meminfo').splitlines():
        if line.startswith('MemTotal:'):
            memory_kib = int(line.split()[1])
    return {
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'cores': os.cpu_count(),
        'cpu': model,
        'memory_gib': round(memory_kib / 1024.0 / 1024.0, 1),
        'kernel': platform.release(),
        'python': platform.python_version(),
        'ansible_core': ansible.__version__,
        'msal': msal.__version__,
        'requests': requests.__version__,
        'executable': sys.executable,
    }


# ----- load ----------------------------------------------------------------------------------

def load_average():
    return float(_read('/proc/loadavg').split()[0])


def _cpu_times():
    fields = [int(value) for value in _read('/proc/stat').splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields), idle


def busy_cores(seconds=1.0):
    """How many cores were busy, on average, over the next `seconds`."""
    total_before, idle_before = _cpu_times()
    time.sleep(seconds)
    total_after, idle_after = _cpu_times()
    total = total_after - total_before
    if total <= 0:
        return 0.0
    return (os.cpu_count() or 1) * (1.0 - (idle_after - idle_before) / float(total))


def wait_for_quiet(max_wait, log):
    """Wait (at most max_wait seconds) until less than half a core is busy; returns what was seen.

    The 1-minute load average lags by a minute and includes our own previous run, so the
    decision uses the CPU busy over the last second; the load average is recorded beside it.
    """
    started = time.monotonic()
    while True:
        busy = busy_cores()
        waited = time.monotonic() - started
        if busy < QUIET_BUSY_CORES or waited >= max_wait:
            quiet = busy < QUIET_BUSY_CORES
            if not quiet:
                log('machine still busy (%.2f cores) after %.0f s: measuring anyway, flagged' % (busy, waited))
            return {'load_1min': load_average(), 'busy_cores': round(busy, 2), 'waited_s': round(waited, 1), 'quiet': quiet}
        if int(waited) % 15 == 0:
            log('waiting for a quiet machine (%.2f cores busy, load %.2f)' % (busy, load_average()))


def wait_for_low_load(threshold, max_wait, log):
    """Wait (at most max_wait seconds) until the 1-minute load average is below threshold."""
    started = time.monotonic()
    load = load_average()
    while load >= threshold and time.monotonic() - started < max_wait:
        log('1-minute load %.2f >= %.1f: waiting' % (load, threshold))
        time.sleep(10)
        load = load_average()
    return load


# ----- processes -----------------------------------------------------------------------------

def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (None once it is gone)."""
    try:
        fields = _read('/proc/%d/stat' % pid).rsplit(')', 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / float(CLOCK_TICKS)


def _status_kib(pid, key):
    try:
        for line in _read('/proc/%d/status' % pid).splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None  # a zombie has no memory lines


def parent_pid(pid):
    try:
        return int(_read('/proc/%d/stat' % pid).rsplit(')', 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def descends_from(pid, ancestor, depth=20):
    """Whether `ancestor` is among the parents of `pid` (bounded walk up the ppid chain)."""
    for _level in range(depth):
        pid = parent_pid(pid)
        if pid is None or pid <= 1:
            return False
        if pid == ancestor:
            return True
    return False


def _cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            return handle.read().split(b'\0')
    except OSError:
        return []


class PeakRssWatcher(object):
    """Peak RSS (VmHWM) of every Python process, started by this one, whose command line names `marker`.

    A background thread lists /proc every SCAN_SECONDS, finds the new pids that run the
    marker (an AnsiballZ_<module>.py payload, or a peer's script; a pid's command line is
    re-read during its first seconds, since a fork runs its parent's until it execs), and reads
    VmHWM of the live ones every POLL_SECONDS. VmHWM is the kernel's own high-water mark of the
    resident set, so a read only has to happen before the process releases its memory at exit:
    growth in the last POLL_SECONDS before that is the only thing that can be missed.
    ansible-core 2.19 runs the module inside the AnsiballZ process (no second interpreter), so
    that process is the module process.
    """

    def __init__(self, marker, ancestor=None):
        self.marker = marker.encode('utf-8')
        self.ancestor = ancestor or os.getpid()
        self.peak_kib = 0
        self.processes = 0
        self._seen = set()
        self._young = {}  # pid -> first seen: a fork may not have exec'd its program yet
        self._watched = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self):
        """Peak RSS in MB (10**6 bytes); VmHWM is given in KiB."""
        return round(self.peak_kib * 1024 / 1e6, 1) if self.peak_kib else None

    def _matches(self, pid):
        argv = _cmdline(pid)
        if not argv or b'python' not in os.path.basename(argv[0]):
            return False  # the /bin/sh -c wrapper names the payload too
        # Other engineers' tests run the same module on this machine: count only our own children.
        return any(self.marker in arg for arg in argv[1:]) and descends_from(pid, self.ancestor)

    def _scan(self):
        now = time.monotonic()
        pids = set(int(name) for name in os.listdir('/proc') if name.isdigit())
        for pid in pids - self._seen:
            self._seen.add(pid)
            self._young[pid] = now
        for pid, first_seen in list(self._young.items()):
            if pid not in pids or now - first_seen > YOUNG_SECONDS:
                del self._young[pid]
            elif pid not in self._watched and self._matches(pid):
                self._watched.add(pid)
                self.processes += 1

    def _read_peaks(self):
        for pid in list(self._watched):
            peak = _status_kib(pid, 'VmHWM:')
            if peak is None:
                self._watched.discard(pid)  # exited
            elif peak > self.peak_kib:
                self.peak_kib = peak

    def _loop(self):
        while not self._stop.is_set():
            self._scan()
            for _poll in range(int(SCAN_SECONDS / POLL_SECONDS)):
                self._read_peaks()
                if self._stop.wait(POLL_SECONDS):
                    break
        self._scan()
        self._read_peaks()

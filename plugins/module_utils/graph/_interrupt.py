# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What stops a run from outside: a signal, or the controller that started the module going away.

Ansible's workers call setsid() (ansible-core 2.19 worker.py ``_detach``), so the module runs in a
session of its own: Ctrl-C in a terminal interrupts ansible-playbook but never reaches the module,
and AWX's cancel (ansible-runner ``handle_termination``: SIGKILL to ansible-playbook's process
group) kills ansible-playbook but not the worker or the module. Left alone, the module's batch
workers go on writing to every remaining user, and nobody reads the report. So the module stops
(the client's ``Stop``: envelopes already sent finish, nothing more is sent, every user is reported)
when any of these happens:

- SIGINT, SIGTERM or SIGHUP reaches it (a ``kill``, a pexpect-based runner, a terminal closing);
  a second signal of the same kind gets the default behaviour back;
- a process of the controller above it disappears: its parent, and every ancestor up to the
  outermost Ansible process (ansible-playbook), are watched;
- its stdout pipe has no reader left (the worker that would read the result is gone: Linux
  reports POLLERR on the write end of such a pipe).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import select
import signal
import sys
import threading

STOP_SIGNALS = ('SIGINT', 'SIGTERM', 'SIGHUP')
WATCH_INTERVAL_MS = 250


def install(stop):
    """Route the stop signals and the controller's disappearance to ``stop``; main thread only."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, _handler(stop, name, number))
    _watch_controller(stop)


def _handler(stop, name, number):
    def handle(_signum, _frame):
        # The next one of this kind is not ours: an impatient second Ctrl-C interrupts at once.
        signal.signal(number, signal.default_int_handler if name == 'SIGINT' else signal.SIG_DFL)
        stop.stop_everything('the run was stopped by %s' % name)
    return handle


def _state_and_parent(pid):
    """(state letter, parent pid) from /proc (Linux), or (None, None) when the process is gone."""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as handle:
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
            fields = handle.read().rsplit(b')', 1)[1].split()
        return fields[0].decode('ascii'), int(fields[1])
    except (IOError, OSError, ValueError, IndexError):
        return None, None


def _parent_of(pid):
    return _state_and_parent(pid)[1]


def _is_ansible(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            words = handle.read().split(b'\0')[:3]
    except (IOError, OSError):
        return False
    return any(os.path.basename(word).startswith(b'ansible') for word in words)


def controller_processes():
    """The module's ancestors up to the outermost Ansible process (ansible-playbook): the controller.

    Only the parent when no Ansible process is above (the module run by hand or remotely); never
    further than ansible-playbook, so that a shell that started it in the background may exit.
    """
    chain = []
    pid = os.getppid()
    while pid and pid > 1 and len(chain) < 64:
        chain.append(pid)
        pid = _parent_of(pid)
    ansible = [index for index, ancestor in enumerate(chain) if _is_ansible(ancestor)]
    return chain[:ansible[-1] + 1] if ansible else chain[:1]


def _gone(pid, parent=None):
    """Whether a watched process has ended (a zombie has), or, below the outermost one, lost its parent.

    A process is reparented the moment its parent exits, even while the parent is a zombie not yet
    reaped (AWX's runner SIGKILLs ansible-playbook and reaps it later), so a changed parent is the
    earliest sign that a controller process above it is gone.
    """
    state, current_parent = _state_and_parent(pid)
    if state is None or state in ('Z', 'X'):
        return True
    return parent is not None and current_parent != parent


def _stdout_poller():
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), 0)  # POLLERR and POLLHUP are always reported
        return poller
    except (AttributeError, ValueError, OSError):
        return None  # no pollable stdout (tests, another platform)


def _watch_controller(stop):
    chain = controller_processes()
    # Every process but the outermost must keep its parent; the outermost (ansible-playbook) must live.
    watched = [(pid, _parent_of(pid)) for pid in chain[:-1]] + [(pid, None) for pid in chain[-1:]]
    parent = os.getppid()
    poller = _stdout_poller()

    def controller_gone():
        if os.getppid() != parent or any(_gone(pid, its_parent) for pid, its_parent in watched):
            return True
        events = poller.poll(WATCH_INTERVAL_MS) if poller is not None else []
        return any(mask & (select.POLLERR | select.POLLHUP) for _fd, mask in events)

    def watch():
        while stop.everything is None:
            if controller_gone():
                stop.stop_everything('the run was stopped: the controller that started the module went away'
                                     ' (ansible-playbook ended or was cancelled)')
                return
            if poller is None:
                stop.wait(WATCH_INTERVAL_MS / 1000.0)

    thread = threading.Thread(target=watch, name='controller-watch')
    thread.daemon = True
    thread.start()

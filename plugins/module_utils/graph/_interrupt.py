# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What stops a run from outside: a signal, or the controller that started the module going away.

Ctrl-C sends SIGINT to the whole terminal's process group, the module included; AWX's cancel
(ansible-runner) and a plain ``kill`` send SIGINT or SIGTERM to ansible-playbook only, whose
worker then dies without telling the module, and pexpect-based runners send SIGHUP first. Python's
defaults would either kill the module mid-envelope or raise KeyboardInterrupt in the main thread
while the batch workers go on sending every remaining envelope. So each of these signals, and a
closed stdout pipe (the controller's read end is gone: Linux reports POLLERR on the write end),
sets the client's ``Stop``: the envelopes already sent finish, nothing more is sent, and the module
reports every user. A second signal of the same kind gets the default behaviour back.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

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


def _watch_controller(stop):
    try:
        descriptor = sys.stdout.fileno()
        poller = select.poll()
        poller.register(descriptor, 0)  # POLLERR and POLLHUP are always reported
    except (AttributeError, ValueError, OSError):
        return  # no pollable stdout (tests, another platform): signals still work

    def watch():
        while stop.everything is None:
            if any(events & (select.POLLERR | select.POLLHUP) for _fd, events in poller.poll(WATCH_INTERVAL_MS)):
                stop.stop_everything('the run was stopped: the controller that started the module went away'
                                     ' (ansible-playbook ended)')
                return

    thread = threading.Thread(target=watch, name='controller-watch')
    thread.daemon = True
    thread.start()

# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start the emulator in a subprocess and talk to its /_emulator/* API.

    with Emulator(args=('--tenant', 'contoso', '--time-scale', '0.01')) as emulator:
        emulator.info['graph_url'], emulator.stats()['writes'], emulator.reset()

REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE are exported on these machines and override
a Session's verify (toolchain.md), so every call passes verify=ca_path itself;
trust_env is off so no proxy from the environment sits between us and 127.0.0.1.
"""

import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time

import requests

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
READY_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10
READY_KEYS = ('authority_url', 'tenant_id', 'graph_url', 'ca_path')


class EmulatorError(RuntimeError):
    """The emulator did not start, or an /_emulator call failed."""


class Emulator:
    def __init__(self, args=(), python=sys.executable, env=None, ready_timeout=READY_TIMEOUT_SECONDS):
        self.args = [str(arg) for arg in args]
        self.python = python
        self.env = env
        self.ready_timeout = ready_timeout
        self.info = None
        self.process = None
        self._stderr = None
        self._session = None

    # -- life cycle -------------------------------------------------------------

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        if self.process is not None:
            raise EmulatorError('the emulator is already running')
        self._stderr = tempfile.TemporaryFile(mode='w+', encoding='utf-8', errors='replace')
        self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=self._stderr, env=self.env)
        try:
            self.info = self._ready_line()
        except EmulatorError:
            self.stop()
            raise
        self._session = requests.Session()
        self._session.trust_env = False
        return self

    def command(self):
        """The emulator's command line; a subclass may put a wrapper in front of the package."""
        return [self.python, PACKAGE_DIR] + self.args

    def _ready_line(self):
        deadline = time.monotonic() + self.ready_timeout
        line = b''
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while not line.endswith(b'\n'):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise EmulatorError('no ready line within %ss%s' % (self.ready_timeout, self._stderr_tail()))
                if not selector.select(remaining):
                    continue
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    self.process.wait(timeout=5)
                    raise EmulatorError('the emulator exited with status %s before it was ready%s' % (self.process.returncode, self._stderr_tail()))
                line += chunk
        try:
            info = json.loads(line.decode('utf-8').splitlines()[0])
        except ValueError:
            raise EmulatorError('the ready line is not JSON: %r%s' % (line, self._stderr_tail())) from None
        missing = [key for key in READY_KEYS if key not in info]
        if missing:
            raise EmulatorError('the ready line lacks %s: %r' % (', '.join(missing), info))
        return info

    def _stderr_tail(self, limit=4000):
        if self._stderr is None:
            return ''
        self._stderr.flush()
        self._stderr.seek(0)
        text = self._stderr.read()[-limit:]
        return ('\n--- emulator stderr ---\n' + text) if text.strip() else ''

    def stderr(self):
        """Everything the emulator wrote to standard error so far."""
        return self._stderr_tail(limit=10 ** 7)

    def stop(self, timeout=STOP_TIMEOUT_SECONDS):
        """SIGTERM (the emulator saves --state-file and exits), then SIGKILL after timeout seconds."""
        if self._session is not None:
            self._session.close()
            self._session = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process.stdout.close()
            self.process = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    # -- /_emulator/* -------------------------------------------------------------

    @property
    def url(self):
        return self.info['graph_url']

    def _call(self, method, name, body=None):
        if self._session is None:
            raise EmulatorError('the emulator is not running')
        response = self._session.request(method, '%s/_emulator/%s' % (self.url, name), json=body,
                                         verify=self.info['ca_path'], timeout=60)
        if response.status_code >= 400:
            raise EmulatorError('%s /_emulator/%s -> %d: %s' % (method, name, response.status_code, response.text))
        return response.json()

    def stats(self):
        return self._call('GET', 'stats')

    def state(self):
        return self._call('GET', 'state')

    def reset(self, config=False):
        """Tenant, counters, throttle buckets, fault sequence and log back to the start; knobs too if config=True."""
        return self._call('POST', 'reset', {'config': bool(config)})

    def config(self):
        return self._call('GET', 'config')

    def configure(self, **knobs):
        return self._call('POST', 'config', knobs)

    def log(self):
        return self._call('GET', 'log')['entries']

    def register_app(self, data):
        return self._call('POST', 'apps', data)

    def save(self, path=None):
        return self._call('POST', 'save', {'path': path} if path else {})

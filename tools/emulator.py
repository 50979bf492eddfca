# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make emulator`: the Graph emulator in the foreground, and how to point a playbook at it.

Starts `tests/graph_emulator` with a tenant fixture on a fixed port and a fixed certificate
directory (so the settings stay the same from one start to the next), then prints, ready to paste,
the `module_defaults` block for the collection's `graph` action group and writes the same settings
as a vars file (`-e @emulator-vars.yml`). Ctrl-C stops it. Every start begins from the fixture:
changes made by playbooks are not kept.

    python tools/emulator.py [--tenant contoso|PATH] [--port 8443] [--vars-file PATH] [-- EMULATOR_OPTIONS...]
"""

import argparse
import os
import signal
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests'))

from graph_emulator.fixtures import FixtureError, read_fixture  # noqa: E402  pylint: disable=wrong-import-position
from graph_emulator.launcher import Emulator, EmulatorError  # noqa: E402  pylint: disable=wrong-import-position

STATE_DIR = os.path.join(REPO_ROOT, '.tmp', 'emulator')
COLLECTIONS_DIR = os.path.join(REPO_ROOT, '.tmp', 'collections')
# The app a playbook signs in as: it may assign licences and set usage locations.
WRITE_ROLES = {'LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All'}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tenant', default='contoso', help='fixture name in tests/graph_emulator/tenants, or a path')
    parser.add_argument('--port', type=int, default=8443, help='port on 127.0.0.1 (0: any free port)')
    parser.add_argument('--vars-file', default=os.path.join(REPO_ROOT, 'emulator-vars.yml'))
    parser.add_argument('emulator_options', nargs='*', help='more options for tests/graph_emulator, after --')
    return parser.parse_args(argv)


def playbook_app(tenant):
    """The fixture's first app with a secret that never expires and the rights to write licences."""
    try:
        apps = read_fixture(tenant).get('apps') or []
    except FixtureError as error:
        sys.exit('make emulator: %s' % error)
    for app in apps:
        if WRITE_ROLES <= set(app.get('roles') or []):
            for secret in app.get('secrets') or []:
                if secret.get('expires') is None:
                    return app['client_id'], secret['value']
    sys.exit('make emulator: tenant %s has no app with a lasting secret and the roles %s' % (tenant, ', '.join(sorted(WRITE_ROLES))))


def settings(info, client_id, client_secret):
    return [
        ('tenant_id', info['tenant_id']),
        ('client_id', client_id),
        ('client_secret', client_secret),
        ('authority_url', info['authority_url']),
        ('graph_url', info['graph_url']),
        ('ca_path', info['ca_path']),
    ]


def write_vars_file(path, pairs):
    """The same settings as m365_* variables, the names the sample playbooks read."""
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('# Written by make emulator: the local Graph emulator, not a real tenant.\n')
        for name, value in pairs:
            handle.write('m365_%s: "%s"\n' % (name, value))


def build_collection_tree():
    """Playbooks find the collection as it is in this working tree under .tmp/collections."""
    subprocess.run([sys.executable, os.path.join(REPO_ROOT, 'tools', 'collection_tree.py'), COLLECTIONS_DIR],
                   check=True, stdout=subprocess.DEVNULL)


def print_instructions(pairs, vars_file, tenant):
    block = '\n'.join('      %s: %s' % (name, value) for name, value in pairs)
    print('''
Graph emulator running with the %(tenant)s tenant (Ctrl-C stops it; every start begins afresh).

In another terminal, in %(root)s:

  source .venv/bin/activate
  export ANSIBLE_COLLECTIONS_PATH=%(collections)s

Paste this into your play (next to hosts:) to point every m365.licensing module at the emulator:

  module_defaults:
    group/m365.licensing.graph:
%(block)s

or leave your play as it is and pass the same settings as variables (the sample playbooks read them):

  ansible-playbook playbooks/report_teams_seats.yml -e @%(vars_file)s
''' % dict(tenant=tenant, root=REPO_ROOT, collections=COLLECTIONS_DIR, block=block, vars_file=os.path.relpath(vars_file, REPO_ROOT)),
          flush=True)


def stop_on_sigterm(signum, frame):
    """kill (or a CI timeout) stops the emulator too, through main's finally."""
    raise KeyboardInterrupt


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    client_id, client_secret = playbook_app(args.tenant)
    build_collection_tree()
    emulator = Emulator(args=['--tenant', args.tenant, '--port', str(args.port), '--state-dir', STATE_DIR]
                        + args.emulator_options)
    try:
        emulator.start()
    except EmulatorError as error:
        hint = ' (port %d in use? try: make emulator PORT=%d)' % (args.port, args.port + 1) if 'in use' in str(error) else ''
        sys.exit('make emulator: the emulator did not start%s: %s' % (hint, error))
    try:
        pairs = settings(emulator.info, client_id, client_secret)
        write_vars_file(args.vars_file, pairs)
        print_instructions(pairs, args.vars_file, args.tenant)
        emulator.process.wait()
        sys.exit('make emulator: the emulator stopped with status %s%s' % (emulator.process.returncode, emulator.stderr()))
    except KeyboardInterrupt:
        print('\nStopping the emulator.')
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        emulator.stop()


if __name__ == '__main__':
    main()

# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""python tests/graph_emulator [options]: start the emulator, print the ready line, serve until SIGTERM/SIGINT.

The ready line is one JSON object on stdout whose values mean exactly what the
module options of the same names mean (docs/development.md):
{"authority_url", "tenant_id", "graph_url", "ca_path"}.
"""

import json
import os
import shutil
import signal
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def require_libraries():
    """Started with a Python that lacks PyJWT, cryptography or PyYAML (the system python3, say): say how to run it."""
    missing = []
    for module, package in (('jwt', 'PyJWT'), ('cryptography', 'cryptography'), ('yaml', 'PyYAML')):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        sys.exit('graph emulator: this Python (%s) lacks %s. Run the emulator from the project\'s venv:\n'
                 '  make emulator                                (creates .venv if needed, prints the playbook settings)\n'
                 '  .venv/bin/python tests/graph_emulator ...    (once .venv exists: make venv-demo)'
                 % (sys.executable, ', '.join(missing)))


require_libraries()

from graph_emulator.batch import BatchProcessor
from graph_emulator.certs import create_certificates
from graph_emulator.config import KnobError, KnobStore, build_parser, knobs_from_args
from graph_emulator.entra import Entra, TokenStore
from graph_emulator.faults import FaultInjector
from graph_emulator.graph_api import GraphApi
from graph_emulator.server import EmulatorApp, EmulatorHTTPServer, RequestLog, Stats, make_ssl_context
from graph_emulator.tenancy import CurrentTenant, MultiTenantApp, add_arguments, registry_from_args
from graph_emulator.tenant import Tenant
from graph_emulator.throttle import Throttle


def load_tenant(args):
    """The one tenant, or a CurrentTenant over a registry of many (--tenants, --tenants-file)."""
    registry = registry_from_args(args)
    if registry is not None:
        return CurrentTenant(registry)
    if args.generate_users is not None:
        tenant = Tenant.generate(users=args.generate_users, skus=50, seed=args.seed)
    else:
        tenant = Tenant.load(args.tenant)
    if args.state_file and os.path.exists(args.state_file):
        tenant.restore_state(args.state_file)
    return tenant


def url_host(host):
    """The host clients put in URLs: a wildcard bind is reached through loopback."""
    if host in ('0.0.0.0', ''):
        return '127.0.0.1'
    if host == '::':
        return '[::1]'
    return '[%s]' % host if ':' in host else host


def tenant_delays(tenant):
    """The tenant's own replication delays: the defaults of the matching knobs."""
    return {
        'provisioning_delay': tenant.provisioning_delay_s,
        'usage_location_lag': tenant.usage_location_lag_s,
        'group_propagation_delay': tenant.group_propagation_delay_s,
    }


def push_tenant_delays(tenant):
    """Keep the tenant's replication knobs in step with /_emulator/config."""
    def apply(knobs):
        tenant.provisioning_delay_s = knobs.provisioning_delay
        tenant.usage_location_lag_s = knobs.usage_location_lag
        tenant.group_propagation_delay_s = knobs.group_propagation_delay
        tenant.teams_processing_delay_s = knobs.teams_processing_delay
    return apply


def build(args, state_dir):
    """Wire tenant, certificates, handlers and the HTTPS server; returns (server, app, request_log)."""
    tenant = load_tenant(args)
    knob_store = KnobStore(knobs_from_args(args, tenant_delays(tenant)))
    knobs = knob_store.current
    knob_store.on_change(push_tenant_delays(tenant))
    ca_path, certificate_path, key_path = create_certificates(state_dir, args.host)
    server = EmulatorHTTPServer((args.host, args.port), None, make_ssl_context(certificate_path, key_path))
    base_url = 'https://%s:%d' % (url_host(args.host), server.server_address[1])
    stats, tokens = Stats(), TokenStore()
    throttle, faults = Throttle(knobs), FaultInjector(knobs, args.seed)
    graph = GraphApi(tenant, knobs, tokens, throttle, faults, stats, base_url)
    batch = BatchProcessor(graph, knobs, faults, stats, args.seed)
    entra = Entra(tenant, knobs, tokens, stats, faults, base_url, base_url)
    request_log = RequestLog(args.log_size, args.log_file)
    info = {'authority_url': base_url, 'tenant_id': tenant.tenant_id, 'graph_url': base_url, 'ca_path': ca_path}
    resettables = [tenant.reset, stats.reset, throttle.reset, faults.reseed, batch.reseed, request_log.clear]
    app_args = (knob_store, (entra, graph, batch), stats, request_log, resettables, info, args.state_file)
    if isinstance(tenant, CurrentTenant):
        info['tenants'] = [{'tenant_id': item.tenant_id, 'domain': item.domain} for item in tenant.registry.tenants]
        server.app = MultiTenantApp(tenant, tokens, *app_args)
    else:
        server.app = EmulatorApp(tenant, *app_args)
    return server, server.app, request_log


def install_stop_handlers(server, app):
    """SIGTERM/SIGINT: wake sleeping handlers and stop serve_forever from another thread (it cannot stop itself)."""
    def stop(signum, frame):
        app.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def serve(args, state_dir):
    """Build, announce, serve until a stop signal; returns the exit status."""
    try:
        server, app, request_log = build(args, state_dir)
    except (KnobError, OSError, ValueError) as error:
        sys.stderr.write('graph emulator: cannot start: %s\n' % error)
        return 2
    install_stop_handlers(server, app)
    sys.stdout.write(json.dumps(app.info) + '\n')
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        app.stopping.set()
        server.server_close()
        if args.state_file:
            app.tenant.save_state(args.state_file)
        request_log.close()
    return 0


def main(argv=None):
    parser = build_parser()
    add_arguments(parser)
    args = parser.parse_args(argv)
    temporary_state_dir = args.state_dir is None
    state_dir = tempfile.mkdtemp(prefix='graph-emulator-') if temporary_state_dir else args.state_dir
    os.makedirs(state_dir, exist_ok=True)
    try:
        return serve(args, state_dir)
    finally:
        if temporary_state_dir:
            shutil.rmtree(state_dir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())

# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line and run-time knobs of the Graph emulator.

Every knob that GET/POST /_emulator/config exposes lives in `Knobs`; the
command line sets the start values and /_emulator/reset with {"config": true}
puts them back.
"""

import argparse
import copy
import dataclasses
import threading

from .faults import parse_script

FAULT_KINDS = ('429', '503', '504', 'reset', 'slow')


class KnobError(ValueError):
    """A knob name or value that the emulator cannot accept."""


@dataclasses.dataclass
class Knobs:
    """Run-time behaviour. Names match the /_emulator/config keys."""

    latency_ms: float = 0.0
    # Server time per $batch item, added to the one latency_ms an envelope pays.
    # None means 5 % of latency_ms (a batch of 20 then costs twice a single call).
    batch_item_ms: float = None
    throttle: bool = True
    time_scale: float = 1.0
    # Write quotas that replace graph-facts §5.2's for tests: {'Tenant_Application' | 'Tenant' | 'Application': writes per window}.
    write_quotas: dict = dataclasses.field(default_factory=dict)
    # graph-facts §5.1 says usage keeps being counted while a client is throttled.
    # How much a rejected request counts is not documented (UNVERIFIED); by default
    # a 429 costs nothing, so Retry-After is exact for a client that honours it.
    throttle_charge_rejected: bool = False
    fault_rate: float = 0.0
    fault_kinds: tuple = FAULT_KINDS
    fault_token: bool = False
    slow_seconds: float = 35.0
    token_lifetime: int = 3599
    provisioning_delay: float = 0.0
    usage_location_lag: float = 0.0
    group_propagation_delay: float = 0.0
    # Seconds Teams takes to see a new licence (graph-facts §12.3; phone_numbers.py).
    teams_processing_delay: float = 0.0
    # The token endpoint accepts only "{graph_url}/.default" by default, so a client
    # that ignores its graph_url when building the scope fails here as it would
    # against a national cloud (graph-facts §6). True also accepts the public
    # https://graph.microsoft.com resource.
    accept_public_scope: bool = False
    # App Service style managed identity (IDENTITY_ENDPOINT + IDENTITY_HEADER).
    identity_header: str = 'emulator-identity-header'
    # Deterministic faults for named requests (faults.py "scripted faults"): malformed 200 bodies,
    # exact Retry-After values (0, a day), token-endpoint 5xx and HTML pages.
    fault_script: tuple = ()


def _parse_bool(value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('1', 'true', 'yes', 'on'):
        return True
    if text in ('0', 'false', 'no', 'off'):
        return False
    raise KnobError('expected on/off or true/false, got %r' % (value,))


def _parse_non_negative(value):
    number = float(value)
    if number < 0:
        raise KnobError('must not be negative: %r' % (value,))
    return number


def _parse_positive(value):
    number = float(value)
    if number <= 0:
        raise KnobError('must be greater than 0: %r' % (value,))
    return number


def _parse_rate(value):
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise KnobError('a rate is between 0 and 1: %r' % (value,))
    return number


def _parse_optional_ms(value):
    if value is None or value == '':
        return None
    return _parse_non_negative(value)


def _parse_lifetime(value):
    number = int(value)
    if number < 1:
        raise KnobError('token lifetime is at least 1 second: %r' % (value,))
    return number


def parse_fault_kinds(value):
    """'429,reset' or ['429', 'reset'] -> ('429', 'reset'); unknown kinds are an error."""
    if isinstance(value, str):
        items = [item.strip() for item in value.split(',') if item.strip()]
    else:
        items = [str(item).strip() for item in value]
    unknown = sorted(set(items) - set(FAULT_KINDS))
    if unknown:
        raise KnobError('unknown fault kinds %s; choose from %s' % (', '.join(unknown), ', '.join(FAULT_KINDS)))
    return tuple(dict.fromkeys(items))


WRITE_QUOTA_SCOPES = ('Tenant_Application', 'Tenant', 'Application')


def parse_write_quotas(value):
    """'Application=60,Tenant=180' or {'Application': 60} -> {scope: positive int}; '' or {} restores §5.2."""
    if isinstance(value, str):
        pairs = [item.split('=', 1) for item in value.split(',') if item.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise KnobError('expected SCOPE=QUOTA pairs separated by commas, got %r' % (value,))
        value = {name.strip(): number for name, number in pairs}
    if not isinstance(value, dict):
        raise KnobError('expected a mapping of scope to quota, got %r' % (value,))
    unknown = sorted(set(value) - set(WRITE_QUOTA_SCOPES))
    if unknown:
        raise KnobError('unknown scopes %s; choose from %s' % (', '.join(unknown), ', '.join(WRITE_QUOTA_SCOPES)))
    quotas = {name: int(number) for name, number in value.items()}
    if any(number < 1 for number in quotas.values()):
        raise KnobError('a write quota is at least 1: %r' % (value,))
    return quotas


def _parse_text(value):
    text = str(value)
    if not text:
        raise KnobError('must not be empty')
    return text


KNOB_PARSERS = {
    'latency_ms': _parse_non_negative,
    'batch_item_ms': _parse_optional_ms,
    'throttle': _parse_bool,
    'time_scale': _parse_positive,
    'write_quotas': parse_write_quotas,
    'throttle_charge_rejected': _parse_bool,
    'fault_rate': _parse_rate,
    'fault_kinds': parse_fault_kinds,
    'fault_token': _parse_bool,
    'slow_seconds': _parse_non_negative,
    'token_lifetime': _parse_lifetime,
    'provisioning_delay': _parse_non_negative,
    'usage_location_lag': _parse_non_negative,
    'group_propagation_delay': _parse_non_negative,
    'teams_processing_delay': _parse_non_negative,
    'accept_public_scope': _parse_bool,
    'identity_header': _parse_text,
    'fault_script': parse_script,
}


class KnobStore:
    """Thread-safe holder of the current knobs and the start-up values."""

    def __init__(self, knobs):
        self._lock = threading.Lock()
        self._initial = copy.deepcopy(knobs)
        self._current = knobs
        self._listeners = []

    @property
    def current(self):
        """The live Knobs object; read attributes, never assign them directly."""
        return self._current

    def on_change(self, listener):
        """Call listener(knobs) after every change (used to push delays into the tenant)."""
        self._listeners.append(listener)
        listener(self._current)

    def as_dict(self):
        with self._lock:
            values = dataclasses.asdict(self._current)
        values['fault_kinds'] = list(values['fault_kinds'])
        values['fault_script'] = [dict(entry) for entry in values['fault_script']]
        return values

    def update(self, changes):
        """Validate every change first, then apply them all (all or nothing)."""
        if not isinstance(changes, dict):
            raise KnobError('the body must be a JSON object of knob names and values')
        unknown = sorted(set(changes) - set(KNOB_PARSERS))
        if unknown:
            raise KnobError('unknown knobs %s; known knobs: %s' % (', '.join(unknown), ', '.join(sorted(KNOB_PARSERS))))
        parsed = {}
        for name, value in changes.items():
            try:
                parsed[name] = KNOB_PARSERS[name](value)
            except (TypeError, ValueError) as error:
                raise KnobError('%s: %s' % (name, error)) from None
        with self._lock:
            for name, value in parsed.items():
                setattr(self._current, name, value)
        self._notify()
        return self.as_dict()

    def restore_initial(self):
        with self._lock:
            for field in dataclasses.fields(Knobs):
                setattr(self._current, field.name, copy.deepcopy(getattr(self._initial, field.name)))
        self._notify()

    def _notify(self):
        for listener in self._listeners:
            listener(self._current)


def _or_default(value, default):
    return default if value is None else value


def build_parser():
    parser = argparse.ArgumentParser(
        prog='python tests/graph_emulator',
        description='Local Microsoft Graph v1.0 + Entra token emulator over HTTPS (see tests/graph_emulator/README.md).')
    parser.add_argument('--tenant', default='contoso', help='sample tenant name (tests/graph_emulator/tenants/NAME.yml) or a YAML path')
    parser.add_argument('--generate-users', type=int, metavar='N', help='generate a tenant with N users and 50 SKUs instead of --tenant')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='0 picks a free port')
    parser.add_argument('--state-dir', metavar='DIR', help='where ca.pem and the server key go (default: a new temporary directory)')
    parser.add_argument('--state-file', metavar='PATH', help='restore tenant state from PATH at start if it exists; save on shutdown and POST /_emulator/save')
    parser.add_argument('--log-file', metavar='PATH', help='append one JSON line per request (credentials redacted)')
    parser.add_argument('--seed', type=int, default=0, help='seed for faults, $batch shuffling and --generate-users')
    parser.add_argument('--latency-ms', type=float, default=0.0, help='added to every HTTP round trip')
    parser.add_argument('--batch-item-ms', type=float, default=None, help='server time per $batch item (default 5%% of --latency-ms)')
    parser.add_argument('--throttle', choices=('on', 'off'), default='on')
    parser.add_argument('--time-scale', type=float, default=1.0, help='multiply every throttling window (0.01: 100x shorter windows)')
    parser.add_argument('--write-quotas', default='', metavar='SCOPE=N,...',
                        help='replace write quotas for tests, e.g. Application=60,Tenant=180 (windows stay; --time-scale shrinks them)')
    parser.add_argument('--fault-rate', type=float, default=0.0, help='probability of an injected fault per Graph request (0..1)')
    parser.add_argument('--fault-kinds', default=','.join(FAULT_KINDS), help='comma list of 429,503,504,reset,slow')
    parser.add_argument('--fault-token', action='store_true', help='inject faults on the token endpoints too')
    parser.add_argument('--slow-seconds', type=float, default=35.0, help='delay of a "slow" fault')
    parser.add_argument('--token-lifetime', type=int, default=3599, help='access token lifetime in seconds')
    parser.add_argument('--provisioning-delay', type=float, default=None, metavar='S', help='default: the tenant\'s own value')
    parser.add_argument('--usage-location-lag', type=float, default=None, metavar='S', help='default: the tenant\'s own value')
    parser.add_argument('--group-propagation-delay', type=float, default=None, metavar='S', help='default: the tenant\'s own value')
    parser.add_argument('--accept-public-scope', action='store_true', help='also accept https://graph.microsoft.com/.default')
    parser.add_argument('--log-size', type=int, default=2000, help='entries kept for GET /_emulator/log')
    return parser


def knobs_from_args(args, tenant_defaults=None):
    """Turn parsed CLI arguments into validated Knobs (same rules as /_emulator/config).

    tenant_defaults: {knob: value} used for the replication delays the command line left out.
    """
    tenant_defaults = tenant_defaults or {}
    store = KnobStore(Knobs())
    store.update({
        'latency_ms': args.latency_ms,
        'batch_item_ms': args.batch_item_ms,
        'throttle': args.throttle,
        'time_scale': args.time_scale,
        'write_quotas': args.write_quotas,
        'fault_rate': args.fault_rate,
        'fault_kinds': args.fault_kinds,
        'fault_token': args.fault_token,
        'slow_seconds': args.slow_seconds,
        'token_lifetime': args.token_lifetime,
        'provisioning_delay': _or_default(args.provisioning_delay, tenant_defaults.get('provisioning_delay', 0.0)),
        'usage_location_lag': _or_default(args.usage_location_lag, tenant_defaults.get('usage_location_lag', 0.0)),
        'group_propagation_delay': _or_default(args.group_propagation_delay, tenant_defaults.get('group_propagation_delay', 0.0)),
        'accept_public_scope': args.accept_public_scope,
    })
    return store.current

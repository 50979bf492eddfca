# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End a module whose result holds one long list (teams_license's users) without copying that list twice.

AnsibleModule.exit_json / fail_json copy the whole result (no_log redaction) and then write it as
one JSON text, built whole before it is printed: for 100,000 users that is a copy of every entry plus
two or three JSON texts of ~28 MB each held at once, several times what the entries themselves take.

Here Ansible still ends the module and writes everything but the long list (its warnings, invocation,
no_log redaction and exit code are its own): the list is swapped for a marker, Ansible's output is
caught, and it is written out with the marker replaced by the list, one entry at a time, each entry
redacted with the module's no_log values exactly as Ansible would. When Ansible's output cannot be
caught (a runner that records results itself), the module ends the ordinary way.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import io
import json
import sys
import uuid
from contextlib import redirect_stdout

from ansible.module_utils.common.parameters import remove_values


def _caught(end, result):
    """(what Ansible printed, Ansible's SystemExit) of end(**result); (None, None) when it did not exit."""
    output = io.StringIO()
    try:
        with redirect_stdout(output):
            end(**result)
    except SystemExit as stop:
        return output.getvalue(), stop
    return None, None


def _json_plain(values):
    """The no_log values when each is written in JSON as it is (no quote, backslash or non-ASCII to escape), else None."""
    values = [str(value) for value in values]
    return values if all(json.dumps(value)[1:-1] == value for value in values) else None


def _redacted_json(entry, no_log_values, plain_values):
    """json.dumps(remove_values(entry, no_log_values)), without walking the entry when no secret can be in it.

    A no_log value that JSON writes as it is appears in the text of any entry holding it; an entry
    whose text holds none of them is one that remove_values would give back unchanged.
    """
    text = json.dumps(entry)
    if plain_values is not None and not any(value in text for value in plain_values):
        return text
    return json.dumps(remove_values(entry, no_log_values))


def _write_entries(stream, entries, no_log_values):
    plain_values = _json_plain(no_log_values)
    stream.write('[')
    for index, entry in enumerate(entries):
        if index:
            stream.write(', ')
        stream.write(_redacted_json(entry, no_log_values, plain_values))
    stream.write(']')


def end_streamed(module, key, result, **fail):
    """exit_json(**result), or fail_json(msg=..., **result) when ``fail`` holds its msg, writing result[key] entry by entry.

    result[key] is a list or any iterable of entries (built one at a time, so they never all exist at once).
    """
    end = module.fail_json if fail else module.exit_json
    entries = result[key]
    marker = 'm365-streamed-%s' % uuid.uuid4().hex
    text, stop = _caught(end, dict(result, **dict(fail, **{key: marker})))
    quoted = json.dumps(marker)
    if text is None or text.count(quoted) != 1:
        # Not Ansible's ordinary output: end the ordinary way, the whole list in one piece.
        end(**dict(result, **dict(fail, **{key: list(entries)})))
        return
    head, tail = text.split(quoted)
    sys.stdout.write(head)
    _write_entries(sys.stdout, entries, module.no_log_values)
    sys.stdout.write(tail)
    sys.stdout.flush()
    raise stop  # Ansible's own exit, with its code, now that its output is written

# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Group-based licensing on the tenant: membership changes, processing state, member errors, history.

A mixin of Tenant (no HTTP here); tenant.py keeps the licence evaluation of one member
(`_reconcile_member`). What this file adds, each from graph-facts:

- `licenseProcessingState` goes QueuedForProcessing -> ProcessingInProgress -> ProcessingComplete
  over the propagation delay after a group write (§11.1; asynchronous, §1.5). Graph's metadata and
  the SDKs give it as `{"state": ...}`, the v1.0 page as a string (§11.1): `processing_state_shape`
  picks the shape, so clients are tested against both.
- `POST /groups/{id}/members/$ref` and `DELETE /groups/{id}/members/{id}/$ref` change the members;
  the member's licences follow after the same propagation delay (§1.5, §11.1).
- `GET /groups/{id}/membersWithLicenseErrors`: the members with a group licence in error, paged
  (§11.1).
- Only security-enabled groups take licences (§11.1).
- An inspection record of every user's licences and their assignment paths (direct, groups) over
  time (`holdings_history`), so a test can prove a user was never without a licence during a move.
"""

from .licensing import GraphApiError, bad_request, not_found
from .locking import synchronized

PROCESSING_SHAPES = ('object', 'string')
# UNVERIFIED wording: Graph's text when the reference already exists (COMMUNITY, widely quoted).
MSG_MEMBER_EXISTS = "One or more added object references already exist for the following modified properties: 'members'."
# UNVERIFIED: no recorded Graph text for a licence write on a group that is not security-enabled (§11.1 states the rule).
MSG_NOT_SECURITY_ENABLED = 'License assignment failed because group %s is not security enabled.'
MSG_BAD_REFERENCE = "Invalid object identifier '%s'."
USER_ODATA_TYPE = '#microsoft.graph.user'


def reference_id(body):
    """The object id at the end of a `{"@odata.id": ".../directoryObjects/{id}"}` body."""
    value = body.get('@odata.id') if isinstance(body, dict) else None
    if not isinstance(value, str) or '/' not in value:
        raise bad_request(MSG_BAD_REFERENCE % (value,))
    return value.rstrip('/').rsplit('/', 1)[1].lower()


class GroupLicensing(object):
    """Mixin of Tenant: the group-licensing behaviours above. Uses Tenant's lock and members."""

    processing_state_shape = 'object'

    def _reset_group_licensing(self):
        self._holdings_history = {}     # user id -> [(clock, frozenset of skuIds)]
        self._history_started = self.clock()

    # --- processing state ---------------------------------------------------------------------

    def _processing_state(self, group):
        dues = list(group.member_due.values()) + ([group.pending_at] if group.pending_at is not None else [])
        if not dues:
            state = 'ProcessingComplete'
        else:
            # First half of the delay queued, second half in progress (graph-facts §11.1 values).
            left = min(dues) - self.clock()
            state = 'ProcessingInProgress' if left <= self.group_propagation_delay_s / 2.0 else 'QueuedForProcessing'
        return state if self.processing_state_shape == 'string' else {'state': state}

    @synchronized
    def set_processing_state_shape(self, shape):
        if shape not in PROCESSING_SHAPES:
            raise ValueError('processing_state_shape must be one of %s' % ', '.join(PROCESSING_SHAPES))
        self.processing_state_shape = shape

    def _check_security_enabled(self, group):
        if not group.security_enabled:
            raise bad_request(MSG_NOT_SECURITY_ENABLED % group.id)

    # --- membership ---------------------------------------------------------------------------

    @synchronized
    def add_group_member(self, group_id, body):
        """POST /groups/{id}/members/$ref: 204; the member's group licences come after the delay."""
        group = self._require_group(group_id)
        user = self._require_user(reference_id(body))
        if user.id in group.members:
            raise bad_request(MSG_MEMBER_EXISTS)
        group.members.append(user.id)
        group.member_due[user.id] = self.clock() + self.group_propagation_delay_s

    @synchronized
    def remove_group_member(self, group_id, member_id):
        """DELETE /groups/{id}/members/{id}/$ref: 204, or 404 when not a member; licences go after the delay."""
        group = self._require_group(group_id)
        user = self._require_user(member_id)
        if user.id not in group.members:
            raise not_found(member_id)
        group.members.remove(user.id)
        group.member_due[user.id] = self.clock() + self.group_propagation_delay_s

    def _process_due_member_changes(self, group, now):
        for user_id, due in list(group.member_due.items()):
            if now < due:
                continue
            del group.member_due[user_id]
            user = self._users.get(user_id)
            if user is None:
                continue
            if user_id in group.members:
                self._reconcile_member(group, user)
            else:
                for key in [key for key in user.group_states if key[0] == group.id]:
                    del user.group_states[key]
                self._refresh_holdings(user)

    # --- member errors ------------------------------------------------------------------------

    @synchronized
    def members_with_license_errors(self, group_id, select=None, skip=0, top=None):
        """Members whose copy of one of the group's licences is in error (graph-facts §11.1)."""
        from .tenant import USER_PROPERTIES, parse_select  # the user shapes live with the tenant
        names = parse_select(select, USER_PROPERTIES, 'Microsoft.DirectoryServices.User')
        group = self._require_group(group_id)
        users = [self._users[user_id] for user_id in group.members
                 if any(key[0] == group.id and state.error for key, state in self._users[user_id].group_states.items())]
        end = None if top is None else skip + top
        return [dict(self._user_view(user, names), **{'@odata.type': USER_ODATA_TYPE}) for user in users[skip:end]]

    # --- inspection ---------------------------------------------------------------------------

    def _record_holdings(self, user):
        """Append the user's licences and their assignment paths when either changed (called on every refresh)."""
        history = self._holdings_history.setdefault(user.id, [])
        paths = dict((sku_id, ('direct',) if sku_id in user.direct else ()) for sku_id in user.held)
        for (group_id, sku_id), state in sorted(user.group_states.items()):
            if state.is_held() and sku_id in paths:
                paths[sku_id] += ('group ' + group_id,)
        snapshot = tuple(sorted(paths.items()))
        if not history or history[-1][1] != snapshot:
            history.append((self.clock(), snapshot))

    @synchronized
    def holdings_history(self):
        """{upn: [{'at': seconds since load, 'skus': [part numbers], 'paths': {part: ['direct', 'group <id>']}}]}."""
        names = dict((sku_id, sku.part_number) for sku_id, sku in self._skus.items())
        return dict((self._users[user_id].upn, [{'at': round(at - self._history_started, 3),
                                                 'skus': sorted(names.get(sku_id, sku_id) for sku_id, _paths in snapshot),
                                                 'paths': dict((names.get(sku_id, sku_id), list(paths)) for sku_id, paths in snapshot)}
                                                for at, snapshot in history])
                    for user_id, history in self._holdings_history.items() if user_id in self._users)

    @synchronized
    def set_seats(self, sku_reference, enabled):
        """Buy or cancel seats: set prepaidUnits.enabled of a SKU (by part number or skuId)."""
        if not isinstance(enabled, int) or isinstance(enabled, bool) or enabled < 0:
            raise ValueError('enabled must be a non-negative integer')
        key = str(sku_reference).lower()
        sku = next((sku for sku_id, sku in self._skus.items() if key in (sku_id, sku.part_number.lower())), None)
        if sku is None:
            raise ValueError('no SKU %s in the tenant' % sku_reference)
        sku.enabled = enabled
        return self._sku_view(sku)


__all__ = ('GroupLicensing', 'GraphApiError', 'PROCESSING_SHAPES', 'reference_id')

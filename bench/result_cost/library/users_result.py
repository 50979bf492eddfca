# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bench-only module: returns `count` entries shaped like teams_license's users (or none), nothing else.

It reads no tenant and plans nothing, so a playbook running it measures only what Ansible spends on
a result of that size: the module's JSON, the worker, register and the callback.
"""

from ansible.module_utils.basic import AnsibleModule


def entry(number, shape):
    user = {'user': 'user%06d@contoso.onmicrosoft.com' % number, 'id': '%08d-0000-4000-8000-000000000000' % number,
            'status': 'unchanged'}
    if shape == 'full':
        user.update(added=[], removed=[], plans_changed=[], inherited=[], usage_location_set=None, warnings=[], error=None)
    return user


def main():
    module = AnsibleModule(argument_spec=dict(count=dict(type='int', required=True),
                                              shape=dict(type='str', choices=['full', 'none'], required=True)),
                           supports_check_mode=True)
    count, shape = module.params['count'], module.params['shape']
    users = [entry(number, shape) for number in range(count)] if shape != 'none' else []
    module.exit_json(changed=False, users=users, summary=dict(total=count, unchanged=count))


if __name__ == '__main__':
    main()

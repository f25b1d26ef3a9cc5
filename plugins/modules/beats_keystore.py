#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: beats_keystore
short_description: Manage the secrets in the keystore of a Beat (Heartbeat, Metricbeat, Filebeat)
version_added: 0.1.0
description:
  - Creates the keystore file of a Beat and adds, updates or removes its entries, so that the Beat's
    configuration can reference each secret as C(${KEY}) instead of holding it.
  - The module reads and writes the Beats keystore file itself (format C(v1), AES-256-GCM), so neither the
    Beat's binary nor its C(keystore) command is needed on the host, and the decision is made on the values
    the file holds. The file is rewritten only when a key is added or removed or a value differs, so a run
    with nothing to change leaves the file untouched (same bytes, same modification time); the Beat's
    C(keystore add --force) rewrites it every time.
  - The file is written atomically with mode C(0600), as the Beats require of their keystore.
author:
  - esguard maintainers (@esguard)
extends_documentation_fragment:
  - esguard.security.keystore_read
requirements:
  - cryptography on the host
attributes:
  check_mode:
    support: full
    description: Reports the keys that would be added, updated or removed without writing.
  diff_mode:
    support: full
    description: The diff names every key; values never appear, a key whose value changes is marked C((new value)).
  platform:
    support: full
    platforms: posix
    description: Runs on the Beat's host, which needs the Python cryptography library and no Beat binary.
options:
  path:
    description:
      - Path of the keystore file, by default C(<path.data>/<beat>.keystore), for example
        C(/var/lib/metricbeat/metricbeat.keystore) for the official packages.
      - Its directory must exist.
    type: path
    required: true
  entries:
    description:
      - Keys and their values. A key is what the configuration references as C(${KEY}).
      - With O(state=present), each key is set to its value; other keys stay unless O(exclusive=true).
      - With O(state=absent), the keys are removed; their values are ignored and may be null.
      - Values are secrets and are never logged or shown.
    type: dict
  state:
    description:
      - V(present) creates the keystore when it is missing (empty when O(entries) is not given) and sets
        O(entries).
      - V(absent) removes the keys of O(entries); a missing keystore stays missing.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - Remove every key that is not in O(entries), so that the keystore holds exactly O(entries).
      - Needs O(entries) given explicitly (V({}) empties the keystore) and O(state=present).
    type: bool
    default: false
  password:
    description:
      - Password the keystore is encrypted with. The Beats use an empty one and offer no way to set another;
        change it only for a keystore that something else reads.
    type: str
    default: ''
  owner:
    description:
      - Owner of the keystore file, the user the Beat runs as. A Beat refuses a keystore owned by
        another user than itself or root.
    type: str
  group:
    description:
      - Group of the keystore file.
    type: str
seealso:
  - name: Secrets keystore (Metricbeat reference)
    description: How the Beats read the keystore and reference its keys.
    link: https://www.elastic.co/guide/en/beats/metricbeat/current/keystore.html
'''

EXAMPLES = r'''
- name: Metricbeat's credentials for its Elasticsearch output
  esguard.security.beats_keystore:
    path: /var/lib/metricbeat/metricbeat.keystore
    entries:
      ES_API_KEY: "{{ metricbeat_api_key.credential }}"
      ES_MONITORING_PWD: "{{ vault_beats_system_password }}"

- name: Heartbeat's keystore holds exactly these keys, owned by the user it runs as
  esguard.security.beats_keystore:
    path: /var/lib/heartbeat/heartbeat.keystore
    entries:
      ES_PWD: "{{ vault_heartbeat_writer_password }}"
    exclusive: true
    owner: heartbeat
    group: heartbeat

- name: Read the API key Filebeat holds, for a decision on the controller
  esguard.security.beats_keystore:
    path: /var/lib/filebeat/filebeat.keystore
    read_values: [ES_API_KEY]
  register: filebeat_keystore
  no_log: true

- name: A key no longer used
  esguard.security.beats_keystore:
    path: /var/lib/filebeat/filebeat.keystore
    entries:
      ES_PWD:
    state: absent
'''

RETURN = r'''
created:
  description: Whether the keystore file was created (would be, in check mode).
  returned: always
  type: bool
added:
  description: Keys added (that would be, in check mode).
  returned: always
  type: list
  elements: str
updated:
  description: Keys whose value was replaced (would be, in check mode).
  returned: always
  type: list
  elements: str
removed:
  description: Keys removed (that would be, in check mode).
  returned: always
  type: list
  elements: str
keys:
  description: Every key of the keystore after the run (that would be, in check mode); never values.
  returned: always
  type: list
  elements: str
current_values:
  description:
    - The values of the O(read_values) keys the keystore held before the run, by key; keys it did not
      hold are left out. They are secrets; use C(no_log=true) on the task.
  returned: when O(read_values) is given
  type: dict
'''

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.esguard.security.plugins.module_utils._beats_keystore import (
    AESGCM, KeystoreFileError, decode, encode, wanted_entries)
from ansible_collections.esguard.security.plugins.module_utils._errors import InputError
from ansible_collections.esguard.security.plugins.module_utils._files import (
    apply_file_attributes, read_bytes, write_atomically)
from ansible_collections.esguard.security.plugins.module_utils._keystore_plan import (
    READ_VALUES_OPTION, EntryPlan, current_values, read_only)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            entries=dict(type='dict', no_log=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            exclusive=dict(type='bool', default=False),
            password=dict(type='str', default='', no_log=True),
            owner=dict(type='str'),
            group=dict(type='str'),
            read_values=READ_VALUES_OPTION,
        ),
        required_if=[('exclusive', True, ['entries'])],
        supports_check_mode=True,
    )
    if AESGCM is None:
        module.fail_json(msg=missing_required_lib('cryptography'))
    params = module.params
    path = params['path']
    try:
        if params['exclusive'] and params['state'] == 'absent':
            raise InputError('exclusive applies to state=present only')
        wanted = wanted_entries(params['entries'], params['state'])
    except InputError as error:
        module.fail_json(msg=str(error))
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        module.fail_json(msg='the directory of the keystore %s does not exist' % path)

    try:
        content = read_bytes(path)
    except (IOError, OSError) as error:
        module.fail_json(msg='cannot read the keystore %s: %s' % (path, error.strerror))
    try:
        current = None if content is None else decode(content, params['password'])
    except KeystoreFileError as error:
        module.fail_json(msg='%s: %s' % (path, error))

    present = params['state'] == 'present'
    plan = EntryPlan(current, wanted if present else {}, params['exclusive'], remove=() if present else wanted,
                     create=present and not read_only(params))
    result = dict(changed=plan.changed, created=plan.created, added=plan.added, updated=plan.updated,
                  removed=plan.removed, keys=sorted(plan.after))
    if params['read_values'] is not None:
        result['current_values'] = current_values(current, params['read_values'])
    if module._diff:
        result['diff'] = plan.diff(path)
    if plan.changed and not module.check_mode:
        try:
            write_atomically(module, path, encode(plan.after, params['password']), secret=True)
        except (IOError, OSError) as error:
            module.fail_json(msg='cannot write the keystore %s: %s' % (path, error.strerror))
    if (content is not None or plan.created) and not read_only(params):
        result['changed'] = apply_file_attributes(module, path, True, result['changed'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: logstash_keystore
short_description: Secrets in the Logstash keystore, set only when their values differ
version_added: 0.1.0
description:
  - Creates the Logstash keystore when it is missing, and adds, updates and (with O(exclusive)) removes
    its entries, writing the file only when a value differs.
  - Reads and writes the keystore file directly, as Logstash itself reads it through the JDK
    (a PKCS#12 key store of secret-key entries with Logstash's C(keystore.seed) marker), so neither
    Logstash nor a JVM is needed on the host, and deciding whether anything changes needs no command.
  - Pipelines and C(logstash.yml) reference an entry as C(${KEY}). Key names are case-insensitive in
    Logstash and are stored in lower case.
  - The file is replaced atomically and its mode is always V(0600).
author:
  - esguard maintainers (@esguard)
requirements:
  - cryptography >= 3.3
extends_documentation_fragment:
  - ansible.builtin.files
  - esguard.security.keystore_read
attributes:
  check_mode:
    support: full
    description: Reports which keys would be added, updated or removed without writing.
  diff_mode:
    support: full
    description: Shows the key names before and after, marking keys whose value changes; never a value.
  platform:
    support: full
    platforms: posix
    description: Runs on any POSIX host that has the Python cryptography library.
options:
  path:
    description:
      - The keystore file, C(logstash.keystore) in Logstash's settings directory (C(--path.settings)).
      - Its directory must exist.
    type: path
    default: /etc/logstash/logstash.keystore
  entries:
    description:
      - Keys and their secret values.
      - A key starts with a letter, V(_) or V(.) and holds only letters, digits, V(_) and V(.), so that
        C(${KEY}) can reference it. Two keys that differ only in case are the same key for Logstash.
      - Values must be non-empty ASCII text, as Logstash requires.
      - Left out, the keystore is only created when missing (and, with O(exclusive), emptied).
      - With O(state=absent), the keys to remove; their values are ignored and may be null.
    type: dict
  state:
    description:
      - V(present) sets each key of O(entries) to its value.
      - V(absent) removes the keys of O(entries) (whatever their case); a missing keystore stays missing.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - Remove every key that is not in O(entries). Requires O(entries), which may be empty, and O(state=present).
      - Logstash's C(keystore.seed) marker is always kept.
    type: bool
    default: false
  password:
    description:
      - The keystore password, which the Logstash service must get as the environment variable
        C(LOGSTASH_KEYSTORE_PASS) (for the packaged service, in C(/etc/default/logstash) or
        C(/etc/sysconfig/logstash)).
      - Defaults to the environment variable C(LOGSTASH_KEYSTORE_PASS) of the module.
      - Without a password, Logstash's own scheme is used, as when C(LOGSTASH_KEYSTORE_PASS) is not set,
        a random password kept, merely obfuscated, at the end of the keystore file. That protects the
        secrets no better than the file's mode does.
      - A password that is not ASCII is Base64-encoded first, as Logstash does.
    type: str
notes:
  - The file's mode is always V(0600), whatever O(mode) says. Logstash runs as the C(logstash) user,
    so set O(owner=logstash).
  - O(entries) and O(password) are never logged; results and diffs name keys, never values.
  - While the keystore is read and written, the module holds the file lock that C(logstash-keystore) takes
    when it saves the file, and waits up to 30 seconds for another holder.
  - A keystore opened with a password is written back with the same password; one made without a
    password stays without. To change the password, remove the file and let the module create it again.
seealso:
  - name: Logstash keystore
    description: How Logstash reads secrets from its keystore.
    link: https://www.elastic.co/guide/en/logstash/current/keystore.html
"""

EXAMPLES = r"""
- name: Credentials of the Elasticsearch output, protected by the service's keystore password
  esguard.security.logstash_keystore:
    path: /etc/logstash/logstash.keystore
    password: "{{ logstash_keystore_password }}"
    entries:
      ES_USER: logstash_internal
      ES_PWD: "{{ logstash_internal_password }}"
    owner: logstash
    group: root

- name: Exactly these keys, nothing else
  esguard.security.logstash_keystore:
    password: "{{ logstash_keystore_password }}"
    entries:
      ES_API_KEY: "{{ publishing_key.id }}:{{ publishing_key.api_key }}"
    exclusive: true
    owner: logstash

- name: Take out the password once the output uses an API key
  esguard.security.logstash_keystore:
    password: "{{ logstash_keystore_password }}"
    entries: {ES_PWD: null}
    state: absent

- name: Read the API key Logstash holds, for a decision on the controller
  esguard.security.logstash_keystore:
    password: "{{ logstash_keystore_password }}"
    read_values: [ES_API_KEY]
  register: logstash_keystore
  no_log: true
"""

RETURN = r"""
created:
  description: Whether the keystore file was (or in check mode would be) created.
  returned: success
  type: bool
added:
  description: Keys that were (or would be) added, in lower case.
  returned: success
  type: list
  elements: str
  sample: [es_pwd]
updated:
  description: Keys whose value was (or would be) changed.
  returned: success
  type: list
  elements: str
  sample: []
removed:
  description: Keys that were (or would be) removed, by O(exclusive) or O(state=absent).
  returned: success
  type: list
  elements: str
  sample: []
keys:
  description: Every key in the keystore after the run, without Logstash's C(keystore.seed) marker.
  returned: success
  type: list
  elements: str
  sample: [es_pwd, es_user]
current_values:
  description:
    - The values of the O(read_values) keys the keystore held before the run, by the name asked (keys
      are case-insensitive); keys it did not hold are left out. They are secrets; use C(no_log=true) on the task.
  returned: when O(read_values) is given
  type: dict
"""

import os

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.esguard.security.plugins.module_utils._module import SecretMaskingModule
from ansible_collections.esguard.security.plugins.module_utils import _logstash_keystore as ks
from ansible_collections.esguard.security.plugins.module_utils._certificates import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
)
from ansible_collections.esguard.security.plugins.module_utils._keystore_plan import (
    READ_VALUES_OPTION,
    current_values,
    read_only,
)
from ansible_collections.esguard.security.plugins.module_utils._files import (
    FileLockedError,
    apply_file_attributes,
    exclusive_lock,
    read_bytes,
    write_atomically,
)

# How long to wait for another writer of the keystore, such as logstash-keystore.
LOCK_TIMEOUT = 30


def apply_plan(module, path):
    """Decide from the keystore as it is, and write it when something changes."""
    params = module.params
    only_reading = read_only(params)
    present = params['state'] == 'present'
    plan = ks.plan_keystore(path, read_bytes(path), params['entries'] if present else None, params['exclusive'],
                            params['password'], create=present and not only_reading,
                            remove=() if present else list(params['entries'] or {}))
    entries = plan.entries
    result = dict(changed=plan.changed, created=plan.created, added=entries.added, updated=entries.updated,
                  removed=entries.removed, keys=sorted(entries.after))
    if params['read_values'] is not None:
        # Logstash keeps keys in lower case and finds ${KEY} whatever its case.
        result['current_values'] = current_values(entries.existing, params['read_values'], str.lower)
    if module._diff:
        result['diff'] = entries.diff(path)
    # Removing keys from a keystore that is not there leaves it missing.
    if not module.check_mode and not only_reading and (present or os.path.exists(path)):
        if plan.changed:
            write_atomically(module, path, ks.build_keystore(entries.after, plan.password, plan.default_password),
                             secret=True)
        result['changed'] = apply_file_attributes(module, path, True, plan.changed)
    return result


def main():
    module = SecretMaskingModule(
        argument_spec=dict(
            path=dict(type='path', default=ks.DEFAULT_PATH),
            entries=dict(type='dict', no_log=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            exclusive=dict(type='bool', default=False),
            password=dict(type='str', no_log=True, fallback=(env_fallback, [ks.PASSWORD_ENV])),
            read_values=READ_VALUES_OPTION,
        ),
        required_if=[('exclusive', True, ('entries',)), ('state', 'absent', ('entries',))],
        add_file_common_args=True,
        supports_check_mode=True,
    )
    if module.params['exclusive'] and module.params['state'] == 'absent':
        module.fail_json(msg='exclusive applies to state=present only')
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib('cryptography'), exception=str(CRYPTOGRAPHY_IMPORT_ERROR))
    path = module.params['path']
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        module.fail_json(msg='the directory of the keystore %s does not exist' % path)

    try:
        with exclusive_lock(path, LOCK_TIMEOUT):
            result = apply_plan(module, path)
    except (ks.KeystoreError, FileLockedError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == '__main__':
    main()

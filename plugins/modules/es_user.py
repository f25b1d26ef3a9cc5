#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: es_user
short_description: Manage Elasticsearch native users and the passwords of built-in users
version_added: 0.1.0
description:
  - Creates, updates and deletes native users, one user or a list of users per call, with one read of all of them.
  - Fields the task does not mention keep the value they have on the server; a write never drops them.
  - Passwords are never read back. With O(update_password=when_changed) the module checks the wanted password by
    authenticating as the user with it, and sets it only when that fails.
  - Built-in users (V(elastic), V(kibana_system), V(logstash_system), V(beats_system), V(apm_system),
    V(remote_monitoring_user) and others the server reserves) can only get a new password or be enabled or disabled;
    any other change to them is refused before anything is written.
author:
  - esguard maintainers (@esguard)
extends_documentation_fragment:
  - esguard.security.connection
attributes:
  check_mode:
    support: full
    description: Check mode sends no write request. It still authenticates as users to check their passwords.
  diff_mode:
    support: full
    description: The diff shows the users that change, before and after; a password that changes shows as C(********).
  platform:
    platforms: posix
    support: full
    description: Runs wherever the Elasticsearch Python client is installed, usually with C(delegate_to=localhost).
options:
  name:
    description:
      - User name of the one user to manage. Mutually exclusive with O(users).
    type: str
  state:
    description:
      - Whether the user named by O(name) exists.
    type: str
    choices: [present, absent]
    default: present
  users:
    description:
      - Several users in one call, with the same fields as a single user.
      - Mutually exclusive with O(name).
    type: list
    elements: dict
    suboptions:
      name:
        description: User name.
        type: str
        required: true
      state:
        description: Whether the user exists.
        type: str
        choices: [present, absent]
        default: present
      roles:
        description: Roles of the user, see O(roles).
        type: list
        elements: str
      full_name:
        description: Full name, see O(full_name).
        type: str
      email:
        description: E-mail address, see O(email).
        type: str
      metadata:
        description: Free-form metadata, see O(metadata).
        type: dict
      enabled:
        description: Whether the user can authenticate, see O(enabled).
        type: bool
      password:
        description: The user's password, see O(password).
        type: str
      password_hash:
        description: A password hash instead of the password, see O(password_hash).
        type: str
  exclusive:
    description:
      - Delete every native user that O(users) does not name. Built-in users are never deleted.
      - Requires O(users), the complete list. With O(name), or with O(users) left out (for example an undefined
        variable defaulted to C(omit)), the task is refused before anything is written. To delete every native user,
        give an empty list explicitly.
    type: bool
    default: false
  roles:
    description:
      - Roles of the user. Not mentioned means unchanged (and none for a new user).
    type: list
    elements: str
  full_name:
    description:
      - Full name. Not mentioned means unchanged; an empty string clears it.
    type: str
  email:
    description:
      - E-mail address. Not mentioned means unchanged; an empty string clears it.
    type: str
  metadata:
    description:
      - Free-form metadata; keys may not start with C(_). Not mentioned means unchanged; V({}) clears it.
      - The given metadata replaces the user's whole metadata. Elasticsearch merges metadata into what it holds when
        a user is written without a password, so when keys go and no password is written in the same run the
        module first writes the user without metadata, then with the new one (RV(requests) lists both, also in
        check mode).
    type: dict
  enabled:
    description:
      - Whether the user can authenticate. Not mentioned means unchanged (and enabled for a new user).
    type: bool
  password:
    description:
      - The user's password, at least 6 characters. Required to create a user unless O(password_hash) is given;
        a user that does not exist yet and has neither is refused before anything is written (also in check mode).
      - Never logged, returned or shown in a diff.
    type: str
  password_hash:
    description:
      - A password hash instead of O(password). Elasticsearch 8.7 and later accept bcrypt (C($2a$10$...)) and
        PBKDF2-HMAC-SHA512 hashes (C({PBKDF2}<iterations>$<base64 salt>$<base64 hash>), with 1000, 10000, 50000,
        100000, 500000 or 1000000 iterations) whatever hashing algorithm the cluster is configured with; older
        versions only accept the configured algorithm.
      - A hash cannot be compared with the current password, so with O(update_password=when_changed) it is only
        written when the user is created; the module warns that it left an existing user's password alone.
    type: str
  update_password:
    description:
      - V(when_changed) sets the password when authenticating with it fails (it differs, or was changed elsewhere).
      - V(on_create) sets it only when the user is created.
      - V(always) sets it on every run, so the task always reports a change.
      - A disabled user cannot authenticate, so its password cannot be checked; with V(when_changed) the module leaves
        the password of a user that stays disabled as it is and says so in a warning. When the same task enables
        the user, the password is written together with that change.
      - Only an answer from the native realm (or the reserved realm, for built-in users) proves the password. When a
        realm ordered before the native one (for example a file realm user of the same name) accepts the password,
        the native password cannot be checked; with V(when_changed) the module leaves it as it is and says so in a
        warning.
    type: str
    choices: [always, on_create, when_changed]
    default: when_changed
seealso:
  - module: esguard.security.es_role
'''

EXAMPLES = r'''
- name: The user Filebeat publishes with
  esguard.security.es_user:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: /etc/esguard/ca.crt
    login_user: admin
    login_password: "{{ vault_es_admin_password }}"
    name: filebeat_writer
    roles: [filebeat_writer]
    password: "{{ vault_filebeat_password }}"
  delegate_to: localhost

- name: Monitoring password of the built-in beats_system user, and all shipper users at once
  esguard.security.es_user:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: /etc/esguard/ca.crt
    login_user: admin
    login_password: "{{ vault_es_admin_password }}"
    users:
      - name: beats_system
        password: "{{ vault_beats_system_password }}"
      - name: metricbeat_writer
        roles: [metricbeat_writer]
        password: "{{ vault_metricbeat_password }}"
      - name: old_shipper
        state: absent
  delegate_to: localhost

- name: Disable a user without touching its password or roles
  esguard.security.es_user:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: /etc/esguard/ca.crt
    login_user: admin
    login_password: "{{ vault_es_admin_password }}"
    name: old_shipper_2
    enabled: false
  delegate_to: localhost
'''

RETURN = r'''
users:
  description: What happened to each user.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: User name.
      type: str
      sample: filebeat_writer
    action:
      description: One of V(created), V(updated), V(deleted), V(unchanged) (what would happen, in check mode).
      type: str
      sample: updated
    done:
      description: Whether the user's writes were all sent, when a write failed part way through the list.
      type: bool
      returned: failure of a write
      sample: true
    failed:
      description: V(true) for the user whose write failed.
      type: bool
      returned: failure of a write
      sample: true
requests:
  description:
    - Every write request, in the order sent (to be sent, in check mode), by user. One user may take several.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: User name.
      type: str
      sample: filebeat_writer
    request:
      description:
        - V(put) writes a native user, V(reset_metadata) writes it without metadata first (see O(metadata)),
          V(delete) deletes it.
        - V(change_password), V(enable) and V(disable) are the only requests a built-in user takes.
      type: str
      sample: put
'''

from ansible_collections.esguard.security.plugins.module_utils._connection import connect
from ansible_collections.esguard.security.plugins.module_utils._users import (
    USER_BODY_OPTIONS, UserKind, validate, wanted_fields)
from ansible_collections.esguard.security.plugins.module_utils import _security_items


def main():
    module = _security_items.kind_module(
        'users', USER_BODY_OPTIONS, list_suboptions=True,
        update_password=dict(type='str', choices=['always', 'on_create', 'when_changed'], default='when_changed',
                             no_log=False))
    conn = connect(module)

    _security_items.run(module, conn, UserKind(module.params['update_password']), 'users', USER_BODY_OPTIONS,
                        wanted_fields, check=_security_items.each_item(validate))


if __name__ == '__main__':
    main()

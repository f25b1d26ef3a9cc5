#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: es_role_mapping
short_description: Map Elasticsearch users (PKI certificate DNs, groups, realms) to roles
version_added: 0.1.0
description:
  - Creates, updates and deletes role mappings, one mapping or a list of mappings per call, with one read of all of them.
  - A mapping gives roles (or role templates) to the users its O(rules) match, for example the clients of a PKI realm
    whose certificate subject matches a DN.
  - The comparison with the server follows its normalization (one-element lists in field rules come back as a single
    value, role templates come back as JSON strings, DNs match regardless of case and spaces), so a re-run with the
    same input writes nothing.
  - Mappings defined in the cluster's file-based settings are read-only; the module refuses to change them.
author:
  - esguard maintainers (@esguard)
extends_documentation_fragment:
  - esguard.security.connection
attributes:
  check_mode:
    support: full
    description: Check mode sends no write request.
  diff_mode:
    support: full
    description: The diff shows the mappings that change, before and after.
  platform:
    platforms: posix
    support: full
    description: Runs wherever the Elasticsearch Python client is installed, usually with C(delegate_to=localhost).
options:
  name:
    description:
      - Name of the one role mapping to manage. Mutually exclusive with O(role_mappings).
    type: str
  state:
    description:
      - Whether the mapping named by O(name) exists.
    type: str
    choices: [present, absent]
    default: present
  role_mappings:
    description:
      - Several mappings in one call; each element takes O(name), O(state) and the same fields as a single mapping.
      - Mutually exclusive with O(name).
    type: list
    elements: dict
  exclusive:
    description:
      - Delete every mapping that O(role_mappings) does not name. Read-only mappings are never deleted.
      - Requires O(role_mappings), the complete list. With O(name), or with O(role_mappings) left out (for example
        an undefined variable defaulted to C(omit)), the task is refused before anything is written. To delete every
        mapping, give an empty list explicitly.
    type: bool
    default: false
  roles:
    description:
      - Roles the matching users get. Give this or O(role_templates).
    type: list
    elements: str
  role_templates:
    description:
      - Mustache templates that produce role names from the user's details, instead of O(roles).
    type: list
    elements: dict
    suboptions:
      template:
        description:
          - 'The template: an object such as C({"source": "{{#tojson}}groups{{/tojson}}"}), or its JSON text.'
          - A string must be JSON text (the server parses it); plain text is refused before anything is written.
          - Mark mustache text C(!unsafe) in a playbook so that Ansible does not template it.
        type: raw
        required: true
      format:
        description:
          - V(string) if the template renders one role name, V(json) if it renders a JSON list of names.
        type: str
        choices: [string, json]
        default: string
  rules:
    description:
      - Which users the mapping applies to. Required when O(state=present).
      - A rule is an object with one key. C(field) matches one user field (C(username), C(dn), C(groups),
        C(realm.name) or C(metadata.<key>)) against a value, a list of values (any of them), a wildcard such as
        C(*,O=Example) or a regular expression between slashes. C(any) and C(all) take lists of rules;
        C(except) takes one rule and is only allowed directly inside C(all).
      - The rules are checked before anything is written.
    type: dict
  enabled:
    description:
      - Whether the mapping is in effect.
    type: bool
    default: true
  metadata:
    description:
      - Free-form metadata; keys may not start with C(_).
    type: dict
    default: {}
seealso:
  - module: esguard.security.es_role
  - module: esguard.security.es_cert
'''

EXAMPLES = r'''
- name: Filebeat hosts authenticate with their client certificates and get the writer role
  esguard.security.es_role_mapping:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: /etc/esguard/ca.crt
    login_user: admin
    login_password: "{{ vault_es_admin_password }}"
    name: filebeat_pki
    roles: [filebeat_writer]
    # A DN with * is matched against the DN as Elasticsearch normalizes it (lower case, no spaces after
    # commas); a DN without * matches in any case. Certificates made as the esguard.security.es_cert
    # example shows (CN=<host>,OU=filebeat,O=Example) match.
    rules:
      all:
        - field: {realm.name: pki1}
        - field: {dn: "cn=*,ou=filebeat,o=example"}
        - except:
            field: {dn: "CN=retired-host,OU=filebeat,O=Example"}
  delegate_to: localhost

# DANGER: exclusive deletes every role mapping the list does not name, including
# mappings that other tools or people made. Use it only when this list is the whole
# truth for the cluster, and run it with --check --diff first.
- name: Every mapping of the cluster, from version control
  esguard.security.es_role_mapping:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: /etc/esguard/ca.crt
    login_user: admin
    login_password: "{{ vault_es_admin_password }}"
    role_mappings:
      - name: filebeat_pki
        roles: [filebeat_writer]
        rules: {field: {dn: "cn=*,ou=filebeat,o=example"}}
      - name: groups_as_roles
        role_templates:
          # Mustache, not Jinja: !unsafe keeps Ansible from templating it.
          - template: {source: !unsafe "{{#tojson}}groups{{/tojson}}"}
            format: json
        rules: {field: {realm.name: ldap1}}
    exclusive: true
  delegate_to: localhost
'''

RETURN = r'''
role_mappings:
  description: What happened to each mapping.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Mapping name.
      type: str
      sample: filebeat_pki
    action:
      description: One of V(created), V(updated), V(deleted), V(unchanged) (what would happen, in check mode).
      type: str
      sample: created
    done:
      description: Whether the mapping's writes were all sent, when a write failed part way through the list.
      type: bool
      returned: failure of a write
      sample: true
    failed:
      description: V(true) for the mapping whose write failed.
      type: bool
      returned: failure of a write
      sample: true
requests:
  description:
    - Every write request, in the order sent (to be sent, in check mode), by mapping.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Mapping name.
      type: str
      sample: filebeat_pki
    request:
      description: V(put) or V(delete).
      type: str
      sample: put
'''

from ansible_collections.esguard.security.plugins.module_utils._connection import connect
from ansible_collections.esguard.security.plugins.module_utils._role_mappings import (
    ROLE_MAPPING_BODY_OPTIONS, RoleMappingKind, request_body, validate)
from ansible_collections.esguard.security.plugins.module_utils import _security_items


def main():
    module = _security_items.kind_module('role_mappings', ROLE_MAPPING_BODY_OPTIONS)
    conn = connect(module)

    _security_items.run(module, conn, RoleMappingKind(), 'role_mappings', ROLE_MAPPING_BODY_OPTIONS, request_body,
                        check=_security_items.each_item(validate))


if __name__ == '__main__':
    main()

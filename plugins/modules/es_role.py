#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: es_role
short_description: Manage Elasticsearch native roles
version_added: 0.1.0
description:
  - Creates, updates and deletes native roles in the Elasticsearch security index, one role or a list of roles per call.
  - The module reads the roles once and writes only those that differ from what is asked, comparing the way
    Elasticsearch does (privilege and index lists as sets, the query as JSON, server defaults filled in).
    A second run with the same input sends no write request.
  - Built-in (reserved) roles are never written; naming one is an error.
  - Cluster, index and remote cluster privilege names of the roles to be created or updated are checked against
    the cluster's list of built-in privileges before anything is written (a role the cluster already holds as
    given is not checked again, and its list is not read). Cluster and index privileges may also be action
    patterns, as Elasticsearch allows. Cluster ones start with C(cluster:) (or C(indices:admin/template/),
    C(indices:admin/index_template/)), index ones with C(indices:), for example V(cluster:monitor/main) or
    V(indices:data/read/*).
author:
  - esguard maintainers (@esguard)
extends_documentation_fragment:
  - esguard.security.connection
attributes:
  check_mode:
    support: full
    description: Check mode sends no write request and reports what would change.
  diff_mode:
    support: full
    description: The diff shows the roles that change, before and after.
  platform:
    platforms: posix
    support: full
    description: Runs wherever the Elasticsearch Python client is installed, usually with C(delegate_to=localhost).
options:
  name:
    description:
      - Name of the one role to manage. Mutually exclusive with O(roles).
    type: str
  state:
    description:
      - Whether the role named by O(name) exists.
    type: str
    choices: [present, absent]
    default: present
  roles:
    description:
      - Several roles in one call. Each element is a dictionary with C(name), C(state) (default V(present))
        and the role fields O(cluster), O(indices), O(applications), O(run_as), O(metadata), O(description),
        O(remote_indices) and O(remote_cluster), with the same meaning and checks as for a single role.
      - Mutually exclusive with O(name).
    type: list
    elements: dict
  exclusive:
    description:
      - Delete every native role that O(roles) does not name. Reserved roles are never deleted.
      - Requires O(roles), the complete list. With O(name), or with O(roles) left out (for example an undefined
        variable defaulted to C(omit)), the task is refused before anything is written. To delete every native role,
        give an empty list explicitly.
    type: bool
    default: false
  cluster:
    description:
      - Cluster privileges, for example V(monitor) or V(manage_ilm).
    type: list
    elements: str
    default: []
  indices:
    description:
      - Index privileges.
    type: list
    elements: dict
    default: []
    suboptions:
      names:
        description: Index names or patterns (wildcards, or a regular expression between slashes).
        type: list
        elements: str
        required: true
      privileges:
        description: Index privileges, for example V(create_doc) or V(read).
        type: list
        elements: str
        required: true
      field_security:
        description: Field level security.
        type: dict
        suboptions:
          grant:
            description: Fields that can be read.
            type: list
            elements: str
          except:
            description: Fields excluded from O(indices[].field_security.grant), which must then be given.
            type: list
            elements: str
      query:
        description: Document level security query, as a JSON object or a JSON string.
        type: raw
      allow_restricted_indices:
        description: Whether the patterns also cover restricted indices such as C(.security).
        type: bool
        default: false
  applications:
    description:
      - Application privileges, such as Kibana's.
    type: list
    elements: dict
    default: []
    suboptions:
      application:
        description: Application name, for example V(kibana-.kibana).
        type: str
        required: true
      privileges:
        description: Application privileges.
        type: list
        elements: str
        required: true
      resources:
        description: Resources the privileges apply to, for example V(*) or V(space:default).
        type: list
        elements: str
        required: true
  run_as:
    description:
      - Users this role may impersonate.
    type: list
    elements: str
    default: []
  metadata:
    description:
      - Free-form metadata. Keys may not start with C(_).
    type: dict
    default: {}
  description:
    description:
      - Human-readable description of the role (Elasticsearch 8.15 and later).
    type: str
  remote_indices:
    description:
      - Index privileges on remote clusters (Elasticsearch 8.14 and later).
    type: list
    elements: dict
    suboptions:
      clusters:
        description: Remote cluster aliases or patterns.
        type: list
        elements: str
        required: true
      names:
        description: Index names or patterns.
        type: list
        elements: str
        required: true
      privileges:
        description: Index privileges.
        type: list
        elements: str
        required: true
      field_security:
        description: Field level security, as in O(indices[].field_security).
        type: dict
        suboptions:
          grant:
            description: Fields that can be read.
            type: list
            elements: str
          except:
            description: Fields excluded from the granted ones.
            type: list
            elements: str
      query:
        description: Document level security query, as a JSON object or a JSON string.
        type: raw
      allow_restricted_indices:
        description: Whether the patterns also cover restricted indices.
        type: bool
        default: false
  remote_cluster:
    description:
      - Cluster privileges on remote clusters (Elasticsearch 8.15 and later).
    type: list
    elements: dict
    suboptions:
      clusters:
        description: Remote cluster aliases or patterns.
        type: list
        elements: str
        required: true
      privileges:
        description: Remote cluster privileges, for example V(monitor_enrich).
        type: list
        elements: str
        required: true
notes:
  - A write replaces the whole role. Global (configurable cluster) privileges cannot be set with this module;
    a role that holds some counts as different from the one asked for, and the write removes them. The diff shows
    them under C(global).
'''

EXAMPLES = r'''
- name: A writer role for Filebeat
  esguard.security.es_role:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: /etc/esguard/ca.crt
    login_user: admin
    login_password: "{{ vault_es_admin_password }}"
    name: filebeat_writer
    cluster: [monitor, read_ilm, read_pipeline]
    indices:
      - names: ["filebeat-*"]
        privileges: [create_doc, view_index_metadata, auto_configure]
  delegate_to: localhost

- name: Several shipper roles in one call, one of them with action-name privileges
  esguard.security.es_role:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: /etc/esguard/ca.crt
    login_user: admin
    login_password: "{{ vault_es_admin_password }}"
    roles:
      - name: metricbeat_writer
        cluster: [monitor, read_ilm]
        indices:
          - names: ["metricbeat-*"]
            privileges: [create_doc, auto_configure]
      - name: logstash_reader
        cluster: ["cluster:monitor/main"]
        indices:
          - names: ["logs-*"]
            privileges: [read, view_index_metadata]
            query: {"term": {"team": "ops"}}
      - name: old_shipper
        state: absent
  delegate_to: localhost

# DANGER: exclusive deletes every native role the list does not name, including
# roles that other tools or people made. Use it only when this list is the whole truth
# for the cluster, and run it with --check --diff first.
- name: The cluster's native roles are exactly these
  esguard.security.es_role:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: /etc/esguard/ca.crt
    login_user: admin
    login_password: "{{ vault_es_admin_password }}"
    roles:
      - name: metricbeat_writer
        cluster: [monitor, read_ilm]
        indices:
          - names: ["metricbeat-*"]
            privileges: [create_doc, auto_configure]
    exclusive: true
  delegate_to: localhost
'''

RETURN = r'''
roles:
  description: What happened to each role.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Role name.
      type: str
      sample: filebeat_writer
    action:
      description: One of V(created), V(updated), V(deleted), V(unchanged) (what would happen, in check mode).
      type: str
      sample: created
    done:
      description: Whether the role's writes were all sent, when a write failed part way through the list.
      type: bool
      returned: failure of a write
      sample: true
    failed:
      description: V(true) for the role whose write failed.
      type: bool
      returned: failure of a write
      sample: true
requests:
  description:
    - Every write request, in the order sent (to be sent, in check mode), by role.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Role name.
      type: str
      sample: filebeat_writer
    request:
      description: V(put) or V(delete).
      type: str
      sample: put
'''

from ansible_collections.esguard.security.plugins.module_utils._connection import connect
from ansible_collections.esguard.security.plugins.module_utils._roles import (
    ROLE_BODY_OPTIONS, RoleKind, builtin_privileges, request_body, validate)
from ansible_collections.esguard.security.plugins.module_utils import _security_items


def main():
    module = _security_items.kind_module('roles', ROLE_BODY_OPTIONS)
    conn = connect(module)

    def check_privilege_names(items):
        # The cluster's privilege names cost a request: read them only when a role is to be written.
        known = builtin_privileges(conn)
        for item in items:
            validate(item.name, item.body, known)

    _security_items.run(module, conn, RoleKind(), 'roles', ROLE_BODY_OPTIONS, request_body,
                        check=_security_items.each_item(validate), check_written=check_privilege_names)


if __name__ == '__main__':
    main()

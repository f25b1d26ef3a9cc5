#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: es_credential_check
short_description: Prove that a shipper's Elasticsearch credential works and holds the privileges it needs
version_added: 0.1.0
description:
  - Authenticates with the connection credential (user and password, API key or client certificate) and asks
    Elasticsearch, as that credential, whether it holds the given cluster and index privileges.
  - Confirms that Elasticsearch authenticated the credential it was given, and fails otherwise - the same
    user name for a password, the same key id for an API key, a C(pki) realm for a client certificate. A
    credential in the task replaces every credential in the environment (see the notes), so the check never
    passes on someone else's credential.
  - Fails with the list of what is missing, so a Beat or Logstash is only restarted with a credential that works.
    A failure for an API key names the key (name and id), not its owner.
  - Sends no write request.
author:
  - esguard maintainers (@esguard)
extends_documentation_fragment:
  - esguard.security.connection
attributes:
  check_mode:
    support: full
    description:
      - The module only reads, so check mode runs the same checks, with one difference. Missing privileges are
        returned in RV(missing) with a warning instead of a failure, because a change planned earlier in the same
        check run (a role or key not yet written) may grant them; check mode can then serve as a plan.
      - A credential that does not authenticate, or authenticates as someone else, fails in check mode too.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
  platform:
    platforms: posix
    support: full
    description: Runs wherever the Elasticsearch Python client is installed.
options:
  cluster:
    description:
      - Cluster privileges the credential must hold, for example V(monitor), V(read_ilm), V(read_pipeline).
    type: list
    elements: str
    default: []
  indices:
    description:
      - Index privileges the credential must hold.
    type: list
    elements: dict
    default: []
    suboptions:
      names:
        description: Index names or patterns.
        type: list
        elements: str
        required: true
      privileges:
        description: Index privileges, for example V(create_doc), V(auto_configure).
        type: list
        elements: str
        required: true
      allow_restricted_indices:
        description: Whether the names cover restricted indices.
        type: bool
        default: false
'''

EXAMPLES = r'''
# The Python client lives on the controller: the check runs there (delegate_to), with the key read from the
# Beat's host (slurp), since a lookup would read the controller's files.
- name: Read the host's Filebeat key
  ansible.builtin.slurp:
    src: /etc/filebeat/es_api_key
  register: filebeat_key
  no_log: true

- name: The host's Filebeat key can publish
  esguard.security.es_credential_check:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: /etc/esguard/ca.crt
    api_key: "{{ filebeat_key.content | b64decode | trim }}"
    cluster: [monitor, read_ilm, read_pipeline]
    indices:
      - names: ["filebeat-*"]
        privileges: [create_doc, view_index_metadata, auto_configure]
  delegate_to: localhost

# On a host that has the client, with the certificate it authenticates with. A credential in the task wins
# over any ELASTICSEARCH_* credential in that host's environment.
- name: The host's Metricbeat certificate can publish
  esguard.security.es_credential_check:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: /etc/esguard/ca.crt
    client_cert: /etc/metricbeat/certs/client.crt
    client_key: /etc/metricbeat/certs/client.key
    cluster: [monitor]
    indices:
      - names: ["metricbeat-*"]
        privileges: [create_doc, auto_configure]
'''

RETURN = r'''
identity:
  description: Who the credential authenticates as.
  returned: when the credential authenticates
  type: dict
  contains:
    username:
      description: User name (the owner, for an API key).
      type: str
    authentication_type:
      description: V(realm), V(api_key), V(token) and so on.
      type: str
    realm:
      description: Name of the realm that authenticated the credential.
      type: str
    realm_type:
      description: Type of that realm, for example V(native), V(file), V(pki), V(_es_api_key).
      type: str
    api_key_id:
      description: Id of the API key, when the credential is one.
      type: str
    api_key_name:
      description: Name of the API key, when the credential is one.
      type: str
missing:
  description:
    - The privileges not held, one line per cluster privilege or index pattern.
    - Outside check mode the module fails when any is missing; in check mode it returns them with a warning.
  returned: always
  type: list
  elements: str
  sample: ["cluster: read_ilm", "index filebeat-*: auto_configure"]
'''

from ansible_collections.esguard.security.plugins.module_utils._credential_check import run_module


def main():
    run_module()


if __name__ == '__main__':
    main()

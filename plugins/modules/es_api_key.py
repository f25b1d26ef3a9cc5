#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: es_api_key
short_description: Manage the Elasticsearch API key of one Beat or Logstash instance
version_added: 0.1.0
description:
  - Ensures that one active API key with a given name exists for the user the module logs in as,
    with the given role descriptors and metadata, or that no such key is left.
  - Elasticsearch allows several keys with the same name. A key is taken to be this module's when it has
    the name, belongs to the login user and carries the metadata tag C(managed_by=esguard.security.es_api_key)
    that the module sets. Keys made by other means are never changed or invalidated.
  - A key is created only when no active (not invalidated, not expired) key of ours exists.
    Role descriptors and metadata are updated in place; Elasticsearch allows this only to the key's owner
    logging in with a password or certificate, not with an API key.
  - The secret of a key is returned by Elasticsearch once, when the key is created, and can never be read again.
    The module hands it out in that run only, through the RV(secret) return value and, with O(secret_file),
    in a file on the target. On later runs RV(secret_known) says whether the module could check the secret.
  - With O(secret_file), an existing file is checked by authenticating with it; when it no longer
    authenticates (or names a key that is gone), a new key is created and the file rewritten.
  - With O(current_secret), the secret the shipper's host holds (read from its keystore and passed over the
    Ansible connection) decides the same way, for a task that runs on the controller and keeps nothing
    there between runs. The host's key is kept, with no write request, while it authenticates as itself,
    is one of ours with this O(name), is active and not within O(rotate_before), and has the wanted role
    descriptors and metadata (which are otherwise updated in place). Else a new key is created and its
    secret returned, for the next task to put into the host's keystore.
author:
  - esguard maintainers (@esguard)
extends_documentation_fragment:
  - esguard.security.connection
attributes:
  check_mode:
    support: full
    description: Check mode sends no write request, writes no file and reports what would change.
  diff_mode:
    support: full
    description: The diff shows the key's name, metadata, role descriptors and expiration, never its secret.
  platform:
    platforms: posix
    support: full
    description: >-
      Runs wherever the Elasticsearch Python client is installed. O(secret_file) is written on the host
      the task runs on.
options:
  name:
    description:
      - Name of the API key, for example the inventory hostname of the shipper followed by the shipper type.
    type: str
    required: true
  state:
    description:
      - V(present) ensures one active key; V(absent) invalidates every key of ours with this name.
      - V(rotated) creates a new key next to the one in use in every run, and leaves the old one active
        (RV(superseded)) so the shippers keep working until they have the new secret. Once the new secret is
        deployed, a run with O(remove_duplicates=true) invalidates the old key.
    type: str
    choices: [present, absent, rotated]
    default: present
  rotate_before:
    description:
      - Rotate (as with O(state=rotated)) when the key in use expires within this duration, for example V(7d).
        Must be shorter than O(expiration).
      - A whole number and one of the units V(w), V(d), V(h), V(m), V(s), V(ms), the duration grammar
        M(esguard.security.es_cert) uses too.
    type: str
  role_descriptors:
    description:
      - The privileges of the key, a dictionary of role name to role body. Each body has the fields of
        M(esguard.security.es_role) (C(cluster), C(indices), C(applications), C(run_as), C(metadata),
        C(description), C(remote_indices), C(remote_cluster)) and is checked the same way before anything is
        written, privilege names included (against the cluster's list of built-in privileges when the login user
        may read it, with C(read_security); otherwise by Elasticsearch in the privilege check below).
      - A key never holds more than the user it belongs to. Before a key is created or updated, the module asks
        Elasticsearch whether the login user holds the cluster, index and application privileges the descriptors
        grant, and fails naming what is missing (in check mode it warns instead, since an earlier task's change
        may be pending). Run-as and remote privileges are not part of that check.
      - An empty dictionary gives the key a snapshot of the login user's privileges.
      - When the login credential is itself an API key, Elasticsearch only creates keys whose role descriptors
        grant nothing; the module says so instead of sending the request.
    type: dict
    default: {}
  metadata:
    description:
      - Metadata of the key. Keys starting with C(_) are refused. The module adds C(managed_by), and
        C(secret_file) (the host and path of O(secret_file)) when there is one.
    type: dict
    default: {}
  expiration:
    description:
      - Lifetime of a newly created key, such as V(90d), V(12w) or V(12h), in other words a whole number and one
        of the units V(w), V(d), V(h), V(m), V(s), V(ms) (the grammar of O(rotate_before) and of
        M(esguard.security.es_cert)).
        It is checked before any request and sent to Elasticsearch in the largest unit it reads (V(12w) as
        V(84d)). Without it the key never expires. Applies at creation; an existing key keeps its expiration
        (use O(rotate_before) to replace keys before they expire).
      - A key that has expired is not active any more, so the next run creates a new one.
    type: str
  remove_duplicates:
    description:
      - Elasticsearch allows several active keys with the same name (for example left over from a run that
        failed after creating a key). They are always reported in RV(duplicates).
        With V(true) all but the kept key are invalidated.
      - The kept key is the one in O(secret_file) when that file authenticates, otherwise the newest.
      - A key whose secret file is on another host (or at another path) is never invalidated; the task fails
        instead, before any write. Several hosts sharing one key name would otherwise each replace the key the
        others use, on every run. Give each host its own key name, for example
        C(filebeat-{{ inventory_hostname }}).
    type: bool
    default: false
  secret_file:
    description:
      - Path of a file on the host the task runs on that holds the secret as C(id:api_key), the form Beats and
        Logstash read. It is written atomically, created with mode C(0600) before the secret goes in, when a key
        is created. Its directory must exist.
      - Owner, group and mode C(0600) are enforced on every run, also when the key is unchanged (reported as a
        change; in check mode only reported).
      - When the file exists, its key is the one kept, provided the file still authenticates.
      - The key records the host and path of this file in its metadata (C(secret_file)); see O(remove_duplicates).
    type: path
  secret_file_owner:
    description:
      - Owner of O(secret_file), for example the user the Beat runs as.
    type: str
  secret_file_group:
    description:
      - Group of O(secret_file).
    type: str
  return_secret:
    description:
      - Whether a newly created key's secret is returned in RV(secret).
      - When not set, the secret is returned only without O(secret_file).
    type: bool
  current_secret:
    description:
      - The API key the host currently holds, as C(id:api_key) or its base64 encoded form, for example the
        value of C(ES_API_KEY) read from the Beat's keystore with M(esguard.security.beats_keystore)'s
        O(esguard.security.beats_keystore#module:read_values) option. An empty string means the host holds none,
        and so does a value that is not an API key in either form (with a warning).
      - That key is kept while it works (see the description); otherwise a new one is created and returned
        in RV(secret). Setting this option (even to an empty string) says that the host must hold the key's
        secret, so a key of ours whose secret the host does not hold is never kept.
      - Used with O(state=present) or O(state=rotated); mutually exclusive with O(secret_file).
      - It is a secret; give the task C(no_log=true).
    type: str
notes:
  - Give the task C(no_log=true) when the secret is returned (see RV(secret)); Ansible cannot hide a return
    value on its own. With O(secret_file) the secret is not returned unless O(return_secret=true).
  - The login user needs the C(manage_own_api_key) cluster privilege (or C(manage_api_key), C(manage_security)).
seealso:
  - module: esguard.security.es_role
'''

EXAMPLES = r'''
# On each Filebeat host (the elasticsearch Python client installed there): the secret goes straight into
# a file on the host and is never returned, so the task needs no no_log.
- name: One key per Filebeat host, secret written for the Beat
  esguard.security.es_api_key:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: /etc/filebeat/certs/ca.crt
    login_user: filebeat_keys_admin
    login_password: "{{ vault_es_keys_password }}"
    name: "filebeat-{{ inventory_hostname }}"
    role_descriptors:
      filebeat_writer:
        cluster: [monitor, read_ilm, read_pipeline]
        indices:
          - names: ["filebeat-*"]
            privileges: [view_index_metadata, create_doc, auto_configure]
    expiration: 12w
    rotate_before: 2w
    secret_file: /etc/filebeat/es_api_key
    secret_file_owner: root

# From the controller (delegate_to: localhost, where the client is installed): the secret is returned
# once, when the key is created, so the task hides it (no_log) and a second task puts it on the host.
- name: One key per Logstash host, made from the controller
  esguard.security.es_api_key:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: "{{ playbook_dir }}/pki/ca.crt"
    login_user: logstash_keys_admin
    login_password: "{{ vault_es_keys_password }}"
    name: "logstash-{{ inventory_hostname }}"
    role_descriptors:
      logstash_writer:
        cluster: [monitor, manage_ilm, manage_index_templates]
        indices:
          - names: ["logstash-*"]
            privileges: [create_doc, create_index, auto_configure]
  delegate_to: localhost
  register: logstash_key
  no_log: true

- name: Write the new secret on the Logstash host
  ansible.builtin.copy:
    content: "{{ logstash_key.secret.credential }}"
    dest: /etc/logstash/es_api_key
    owner: logstash
    mode: "0600"
  when: logstash_key.secret is defined
  no_log: true

# From the controller, deciding on the key the host's keystore holds: nothing is kept on the
# controller between runs, and a run whose host key still works sends no write request.
- name: Read the key the Heartbeat host holds
  esguard.security.beats_keystore:
    path: /var/lib/heartbeat/heartbeat.keystore
    read_values: [ES_API_KEY]
  register: heartbeat_keystore
  no_log: true

- name: Keep the host's key while it works, else make a new one
  esguard.security.es_api_key:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: "{{ playbook_dir }}/pki/ca.crt"
    login_user: heartbeat_keys_admin
    login_password: "{{ vault_es_keys_password }}"
    name: "heartbeat-{{ inventory_hostname }}"
    role_descriptors:
      heartbeat_writer:
        cluster: [monitor, read_ilm]
        indices:
          - names: ["heartbeat-*", "synthetics-*"]
            privileges: [create_doc, auto_configure]
    current_secret: "{{ heartbeat_keystore.current_values.ES_API_KEY | default('') }}"
    remove_duplicates: true
  delegate_to: localhost
  register: heartbeat_key
  no_log: true

- name: Put a new key into the host's keystore
  esguard.security.beats_keystore:
    path: /var/lib/heartbeat/heartbeat.keystore
    entries:
      ES_API_KEY: "{{ heartbeat_key.secret.credential }}"
  when: heartbeat_key.secret is defined
  no_log: true

- name: Retire the key of a decommissioned host
  esguard.security.es_api_key:
    hosts: ["https://es1.example.com:9200"]
    ca_certs: "{{ playbook_dir }}/pki/ca.crt"
    login_user: filebeat_keys_admin
    login_password: "{{ vault_es_keys_password }}"
    name: "filebeat-{{ inventory_hostname }}"
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
action:
  description: One of V(created), V(rotated), V(updated), V(unchanged), V(invalidated) (what would happen,
    in check mode).
  returned: always
  type: str
  sample: created
api_key:
  description: The key kept or created, without its secret. Absent after O(state=absent) and in check mode
    when a key would be created.
  returned: when a key exists
  type: dict
  contains:
    id:
      description: Key id.
      type: str
    name:
      description: Key name.
      type: str
    expiration:
      description: Expiry time in milliseconds since the epoch; absent when the key never expires.
      type: int
    metadata:
      description: Metadata of the key.
      type: dict
    role_descriptors:
      description: Role descriptors of the key.
      type: dict
secret:
  description:
    - The secret of a key created in this run, in the forms Beats and Logstash need. Only in the run
      that created the key, and with O(secret_file) only when O(return_secret=true). Use C(no_log=true) on the task.
  returned: when a key was created
  type: dict
  contains:
    id:
      description: Key id.
      type: str
    api_key:
      description: The secret part alone.
      type: str
    credential:
      description: C(id:api_key), for C(output.elasticsearch.api_key) in Beats and C(api_key) in Logstash.
      type: str
    encoded:
      description: Base64 of C(id:api_key), for an C(Authorization) header of type C(ApiKey).
      type: str
secret_known:
  description:
    - Whether the key's secret is at hand and known to work. V(true) when the key was created in this run or
      O(secret_file) or O(current_secret) authenticates as it; V(false) when the key existed before and there
      is no secret to check.
  returned: when O(state=present)
  type: bool
duplicates:
  description: Ids of other active keys of ours with the same name (invalidated when O(remove_duplicates=true)).
  returned: always
  type: list
  elements: str
superseded:
  description:
    - Ids of keys replaced by a new key in this run (O(state=rotated) or O(rotate_before)). They stay active
      until a later run with O(remove_duplicates=true), after the new secret is deployed.
  returned: always
  type: list
  elements: str
invalidated:
  description: Ids of keys invalidated in this run (that would be, in check mode).
  returned: always
  type: list
  elements: str
'''

from ansible_collections.esguard.security.plugins.module_utils._api_keys import run_module


def main():
    run_module()


if __name__ == '__main__':
    main()

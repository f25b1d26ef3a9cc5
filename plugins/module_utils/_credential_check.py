# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Prove that a credential authenticates and holds the privileges a shipper needs.

``missing_privileges`` is pure; ``run_module`` does the two requests as the credential itself.
"""

from __future__ import annotations

from ansible_collections.esguard.security.plugins.module_utils._connection import connect, es_module

CREDENTIAL_CHECK_OPTIONS = dict(
    cluster=dict(type='list', elements='str', default=[]),
    indices=dict(type='list', elements='dict', default=[], options=dict(
        names=dict(type='list', elements='str', required=True),
        privileges=dict(type='list', elements='str', required=True),
        allow_restricted_indices=dict(type='bool', default=False),
    )),
)


def has_privileges_body(cluster, indices):
    body = {}
    if cluster:
        body['cluster'] = list(cluster)
    if indices:
        body['index'] = [dict(names=e['names'], privileges=e['privileges'],
                              allow_restricted_indices=e.get('allow_restricted_indices', False)) for e in indices]
    return body


def missing_privileges(answer):
    """Lines such as "cluster: monitor" and "index filebeat-*: create_doc" for every privilege not held."""
    missing = ['cluster: %s' % p for p, held in sorted((answer.get('cluster') or {}).items()) if not held]
    for index, privileges in sorted((answer.get('index') or {}).items()):
        lacking = [p for p, held in sorted(privileges.items()) if not held]
        if lacking:
            missing.append('index %s: %s' % (index, ', '.join(lacking)))
    return missing


def run_module():
    module = es_module(CREDENTIAL_CHECK_OPTIONS)
    conn = connect(module)
    who = conn.call('authenticate', lambda c: c.security.authenticate(), retry=True)
    identity = dict(username=who.get('username'), authentication_type=who.get('authentication_type'),
                    realm=(who.get('authentication_realm') or {}).get('name'))
    if who.get('api_key'):
        identity['api_key_id'] = who['api_key'].get('id')
    body = has_privileges_body(module.params['cluster'], module.params['indices'])
    missing = []
    if body:
        answer = conn.call('check privileges', lambda c: c.security.has_privileges(**body))
        missing = missing_privileges(dict(answer))
    if missing:
        module.fail_json(msg='the credential of %s lacks: %s' % (identity['username'], '; '.join(missing)),
                         identity=identity, missing=missing)
    module.exit_json(changed=False, identity=identity, missing=[])

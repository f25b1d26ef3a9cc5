# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Prove that a credential authenticates and holds the privileges a shipper needs.

``missing_privileges`` and ``identity_mismatch`` are pure; ``run_module`` does the two requests as the credential itself.
"""

from __future__ import annotations

from ansible_collections.esguard.security.plugins.module_utils._connection import (
    connect, es_module, presented_credential)

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


def identity_of(who):
    """The identity an _authenticate answer reports, as the module returns it."""
    realm = who.get('authentication_realm') or {}
    identity = dict(username=who.get('username'), authentication_type=who.get('authentication_type'),
                    realm=realm.get('name'), realm_type=realm.get('type'))
    if who.get('api_key'):
        identity['api_key_id'] = who['api_key'].get('id')
        identity['api_key_name'] = who['api_key'].get('name')
    return identity


def subject(identity):
    """Who an identity is, in words: the key itself for an API key, not its owner."""
    if identity.get('authentication_type') == 'api_key':
        return 'API key %s (id %s)' % (identity.get('api_key_name'), identity.get('api_key_id'))
    return 'user %s (realm %s)' % (identity.get('username'), identity.get('realm'))


def identity_mismatch(credential, identity):
    """Why the identity Elasticsearch reports is not the credential the module was given, or None.

    ``credential`` is _connection.presented_credential's answer. A key must authenticate as
    that key, a password as that user, a certificate through a PKI realm.
    """
    if credential is None:
        return None
    kind = credential['kind']
    if kind == 'api_key':
        matches = identity.get('authentication_type') == 'api_key' and identity.get('api_key_id') == credential['id']
        given = 'the API key with id %s' % credential['id']
    elif kind == 'password':
        matches = identity.get('authentication_type') == 'realm' and identity.get('username') == credential['id']
        given = 'the password of user %s' % credential['id']
    else:
        matches = identity.get('authentication_type') == 'realm' and identity.get('realm_type') == 'pki'
        given = 'the client certificate %s' % credential['id']
    if matches:
        return None
    return ('%s was given, but Elasticsearch authenticated %s: the check would prove another credential'
            % (given, subject(identity)))


def run_module():
    module = es_module(CREDENTIAL_CHECK_OPTIONS)
    conn = connect(module)
    who = conn.call('authenticate', lambda c: c.security.authenticate(), retry=True)
    identity = identity_of(dict(who))
    mismatch = identity_mismatch(presented_credential(module.params), identity)
    if mismatch:
        module.fail_json(msg=mismatch, identity=identity, missing=[])
    body = has_privileges_body(module.params['cluster'], module.params['indices'])
    missing = []
    if body:
        answer = conn.call('check privileges', lambda c: c.security.has_privileges(**body))
        missing = missing_privileges(dict(answer))
    if missing:
        lacks = '%s lacks: %s' % (subject(identity), '; '.join(missing))
        if not module.check_mode:
            module.fail_json(msg=lacks, identity=identity, missing=missing)
        # A change planned in the same check run may grant them: report, do not stop the plan.
        module.warn('%s (check mode: a pending change may grant them)' % lacks)
    module.exit_json(changed=False, identity=identity, missing=missing)

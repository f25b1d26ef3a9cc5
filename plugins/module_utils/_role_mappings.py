# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Role mappings: input checks for the rule language, and comparison with what Elasticsearch returns.

The server rewrites what it stores: a one-element list inside a ``field`` rule
comes back as a scalar, a role template comes back as a JSON string with its
``format`` filled in, and DNs match case- and space-insensitively. Comparing
the normalized forms keeps a re-run from writing again.
"""

from __future__ import annotations

import json
import re

from ansible_collections.esguard.security.plugins.module_utils._errors import InputError
from ansible_collections.esguard.security.plugins.module_utils._security_items import Kind

ROLE_MAPPING_BODY_OPTIONS = dict(
    roles=dict(type='list', elements='str'),
    role_templates=dict(type='list', elements='dict', options=dict(
        template=dict(type='raw', required=True),
        format=dict(type='str', choices=['string', 'json'], default='string'),
    )),
    rules=dict(type='dict'),
    enabled=dict(type='bool', default=True),
    metadata=dict(type='dict', default={}),
)

# Fields whose values the server compares as distinguished names.
_DN_FIELDS = ('dn', 'groups')
_COMBINATORS = ('any', 'all', 'field', 'except')
_FIELD_NAME = re.compile(r'^(username|dn|groups|realm\.name|metadata\..+)$')


class RoleMappingInputError(InputError):
    """A role mapping Elasticsearch would refuse, found before anything is written."""


def request_body(params):
    """The PUT body from module parameters."""
    body = dict(rules=params.get('rules'), enabled=params.get('enabled', True), metadata=params.get('metadata') or {})
    if params.get('roles'):
        body['roles'] = params['roles']
    if params.get('role_templates'):
        body['role_templates'] = [dict(template=t['template'], format=t.get('format') or 'string')
                                  for t in params['role_templates']]
    return body


def validate(name, params):
    where = 'role mapping %s' % name
    if params.get('roles') and params.get('role_templates'):
        raise RoleMappingInputError('%s: give roles or role_templates, not both' % where)
    if not params.get('roles') and not params.get('role_templates'):
        raise RoleMappingInputError('%s: give roles or role_templates' % where)
    if not params.get('rules'):
        raise RoleMappingInputError('%s: rules are required' % where)
    for key in params.get('metadata') or {}:
        if key.startswith('_'):
            raise RoleMappingInputError('%s: metadata keys may not start with "_" (%s)' % (where, key))
    for template in params.get('role_templates') or []:
        if not isinstance(template['template'], (str, dict)):
            raise RoleMappingInputError('%s: a role template is an object such as {source: "..."} or a string'
                                        % where)
        if isinstance(template['template'], str) and not _is_json(template['template']):
            # The server stores a string as given and parses it as JSON: plain text is refused with a parse error.
            raise RoleMappingInputError('%s: a role template given as a string must be JSON text, such as '
                                        '\'{"source": "..."}\', got %r' % (where, template['template']))
    _check_rule(where, params['rules'], parent=None)


def _is_json(text):
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _check_rule(where, rule, parent):
    if not isinstance(rule, dict) or len(rule) != 1:
        raise RoleMappingInputError('%s: each rule is an object with exactly one of %s, got %s'
                                    % (where, ', '.join(_COMBINATORS), json.dumps(rule, sort_keys=True)))
    (kind, value), = rule.items()
    if kind not in _COMBINATORS:
        raise RoleMappingInputError('%s: unknown rule %r; rules are %s' % (where, kind, ', '.join(_COMBINATORS)))
    if kind in ('any', 'all'):
        if not isinstance(value, list):
            raise RoleMappingInputError('%s: %s takes a list of rules' % (where, kind))
        for child in value:
            _check_rule(where, child, parent=kind)
    elif kind == 'except':
        if parent != 'all':
            raise RoleMappingInputError('%s: except is only allowed directly inside all' % where)
        _check_rule(where, value, parent=kind)
    else:
        if not isinstance(value, dict) or len(value) != 1:
            raise RoleMappingInputError('%s: field takes exactly one user field, such as {dn: "CN=..."}' % where)
        field = next(iter(value))
        if not _FIELD_NAME.match(field):
            raise RoleMappingInputError('%s: unknown field %r; fields are username, dn, groups, realm.name '
                                        'and metadata.<key>' % (where, field))


def _normal_dn(value):
    if not isinstance(value, str) or value.startswith('/'):
        return value
    parts = [part.strip() for part in value.split(',')]
    return ','.join('='.join(side.strip() for side in part.split('=', 1)).lower() for part in parts)


def normal_rule(rule, field=None):
    """A rule in one canonical form: field values as sorted lists, any/all children sorted."""
    if field is not None:
        values = rule if isinstance(rule, list) else [rule]
        if field in _DN_FIELDS:
            values = [_normal_dn(v) for v in values]
        return sorted(values, key=lambda v: json.dumps(v, sort_keys=True))
    (kind, value), = rule.items()
    if kind in ('any', 'all'):
        return {kind: sorted((normal_rule(child) for child in value), key=lambda r: json.dumps(r, sort_keys=True))}
    if kind == 'except':
        return {kind: normal_rule(value)}
    (name, values), = value.items()
    return {kind: {name: normal_rule(values, field=name)}}


def _normal_template(template):
    source = template.get('template')
    if isinstance(source, str):
        try:
            source = json.loads(source)
        except ValueError:
            pass
    return json.dumps(dict(template=source, format=template.get('format') or 'string'), sort_keys=True)


def comparable(mapping):
    return dict(
        roles=sorted(set(mapping.get('roles') or [])),
        role_templates=sorted(_normal_template(t) for t in mapping.get('role_templates') or []),
        rules=normal_rule(mapping['rules']) if mapping.get('rules') else None,
        enabled=mapping.get('enabled', True),
        metadata=mapping.get('metadata') or {},
    )


def same_mapping(desired, actual):
    return comparable(desired) == comparable(actual)


class RoleMappingKind(Kind):
    noun = 'role mapping'
    api = 'role_mapping'

    def same(self, desired, actual):
        return same_mapping(desired, actual)

    def reserved(self, actual):
        # Mappings from the cluster's file-based settings are read-only through the API.
        metadata = (actual or {}).get('metadata') or {}
        return bool(metadata.get('_reserved') or metadata.get('_es_reserved_role_mapping'))

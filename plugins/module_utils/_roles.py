# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Role bodies: what to send, how to compare with what Elasticsearch returns, and input checks.

Pure functions; also used for API key role descriptors, which have the same shape.
"""

from __future__ import annotations

import json

from ansible_collections.esguard.security.plugins.module_utils._errors import InputError
from ansible_collections.esguard.security.plugins.module_utils._security_items import Kind

# Characters an index name can never hold (a pattern between slashes is a regular expression and exempt).
_FORBIDDEN_INDEX_CHARS = set(' "\\<>|,/?#')

# Options of one index (or remote index) privilege entry.
INDEX_ENTRY_OPTIONS = dict(
    names=dict(type='list', elements='str', required=True),
    privileges=dict(type='list', elements='str', required=True),
    field_security=dict(type='dict', options=dict(
        grant=dict(type='list', elements='str'),
        **{'except': dict(type='list', elements='str')}
    )),
    query=dict(type='raw'),
    allow_restricted_indices=dict(type='bool', default=False),
)

ROLE_BODY_OPTIONS = dict(
    cluster=dict(type='list', elements='str', default=[]),
    indices=dict(type='list', elements='dict', default=[], options=INDEX_ENTRY_OPTIONS),
    applications=dict(type='list', elements='dict', default=[], options=dict(
        application=dict(type='str', required=True),
        privileges=dict(type='list', elements='str', required=True),
        resources=dict(type='list', elements='str', required=True),
    )),
    run_as=dict(type='list', elements='str', default=[]),
    metadata=dict(type='dict', default={}),
    description=dict(type='str'),
    remote_indices=dict(type='list', elements='dict', options=dict(
        clusters=dict(type='list', elements='str', required=True), **INDEX_ENTRY_OPTIONS)),
    remote_cluster=dict(type='list', elements='dict', options=dict(
        clusters=dict(type='list', elements='str', required=True),
        privileges=dict(type='list', elements='str', required=True),
    )),
)


# Besides its named privileges, each kind of privilege takes patterns over action names that start with one
# of these (compared without case). Remote cluster privileges take names only.
ACTION_PREFIXES = {
    'cluster': ('cluster:', 'indices:admin/template/', 'indices:admin/index_template/'),
    'index': ('indices:', 'internal:transport/proxy/indices:'),
    'remote cluster': (),
}


class RoleInputError(InputError):
    """A role body that Elasticsearch would refuse, found before anything is written."""


def _drop_empty(entry):
    return dict((k, v) for k, v in entry.items() if v is not None)


def _parse_query(query, where):
    if isinstance(query, str):
        try:
            return json.loads(query)
        except ValueError:
            raise RoleInputError('%s: query is not valid JSON' % where)
    if isinstance(query, dict):
        return query
    raise RoleInputError('%s: query must be a JSON object or a JSON string' % where)


def request_body(params):
    """The PUT body for a role from module parameters: unset optional fields are left out."""
    body = dict(cluster=params.get('cluster') or [], run_as=params.get('run_as') or [],
                metadata=params.get('metadata') or {}, applications=params.get('applications') or [])
    body['indices'] = [_index_entry(e) for e in params.get('indices') or []]
    for key in ('remote_indices', 'remote_cluster'):
        if params.get(key):
            body[key] = [_index_entry(e) if key == 'remote_indices' else dict(e) for e in params[key]]
    if params.get('description') is not None:
        body['description'] = params['description']
    return body


def _index_entry(entry):
    out = _drop_empty(dict(entry))
    if out.get('field_security'):
        out['field_security'] = _drop_empty(out['field_security'])
    else:
        out.pop('field_security', None)
    if out.get('query') in ('', {}):
        out.pop('query')
    return out


def validate(name, body, builtin_privileges=None):
    """Raise RoleInputError for what Elasticsearch would refuse; builtin_privileges is GET _builtin's answer."""
    where = 'role %s' % name
    for key in body.get('metadata') or {}:
        if key.startswith('_'):
            raise RoleInputError('%s: metadata keys may not start with "_" (%s)' % (where, key))
    for kind in ('indices', 'remote_indices'):
        for entry in body.get(kind) or []:
            names = entry['names'] if isinstance(entry['names'], list) else [entry['names']]
            if not names:
                raise RoleInputError('%s: an %s entry names no index' % (where, kind))
            for pattern in names:
                _check_index_pattern(where, pattern)
            if 'query' in entry:
                _parse_query(entry['query'], where)
            field_security = entry.get('field_security') or {}
            if field_security.get('except') and field_security.get('grant') is None:
                raise RoleInputError('%s: field_security in an %s entry gives except without grant' % (where, kind))
            if not entry.get('privileges'):
                raise RoleInputError('%s: an %s entry grants no privilege' % (where, kind))
    if builtin_privileges:
        _check_known(where, 'cluster', body.get('cluster'), builtin_privileges.get('cluster'))
        known_index = builtin_privileges.get('index')
        for kind in ('indices', 'remote_indices'):
            for entry in body.get(kind) or []:
                _check_known(where, 'index', entry.get('privileges'), known_index)
        for entry in body.get('remote_cluster') or []:
            _check_known(where, 'remote cluster', entry.get('privileges'), builtin_privileges.get('remote_cluster'))


def _check_index_pattern(where, pattern):
    if not pattern or pattern != pattern.strip():
        raise RoleInputError('%s: index pattern %r is empty or has surrounding spaces' % (where, pattern))
    if len(pattern) > 1 and pattern.startswith('/') and pattern.endswith('/'):
        return
    bad = sorted(_FORBIDDEN_INDEX_CHARS.intersection(pattern))
    if bad:
        raise RoleInputError('%s: index pattern %r contains %s, which index names cannot contain'
                             % (where, pattern, ' '.join(repr(c) for c in bad)))


def _check_known(where, kind, privileges, known):
    """Refuse privileges that are neither a name the cluster knows nor an action pattern of this kind."""
    if not known:
        return
    known_lower = set(p.lower() for p in known)
    prefixes = ACTION_PREFIXES[kind]
    unknown = [p for p in privileges or []
               if p.lower() not in known_lower and not p.lower().startswith(prefixes)]
    if unknown:
        patterns = (' or an action pattern starting with %s' % ', '.join(prefixes)) if prefixes else ''
        raise RoleInputError('%s: unknown %s privilege(s) %s; this cluster knows: %s%s'
                             % (where, kind, ', '.join(unknown), ', '.join(sorted(known)), patterns))


def _as_set(values):
    return sorted(set(values or []))


def _query_object(query):
    # The server returns the query as a JSON string even when an object was sent.
    return json.loads(query) if isinstance(query, str) else query


def _normal_index(entry, remote=False):
    names = entry.get('names')
    out = dict(names=_as_set([names] if isinstance(names, str) else names),
               privileges=_as_set(p.lower() for p in entry.get('privileges') or []),
               allow_restricted_indices=bool(entry.get('allow_restricted_indices', False)))
    field_security = entry.get('field_security') or {}
    if field_security.get('grant') is not None or field_security.get('except'):
        out['field_security'] = dict(grant=_as_set(field_security.get('grant')),
                                     exclude=_as_set(field_security.get('except')))
    query = entry.get('query')
    if query not in (None, '', {}):
        out['query'] = _query_object(query)
    if remote:
        out['clusters'] = _as_set(entry.get('clusters'))
    return json.dumps(out, sort_keys=True)


def _without_empty(value):
    """A dict with its empty dicts and lists left out, at any depth."""
    if not isinstance(value, dict):
        return value
    pruned = dict((k, _without_empty(v)) for k, v in value.items())
    return dict((k, v) for k, v in pruned.items() if v not in ({}, []))


def _configured_global(role):
    """The role's global (configurable cluster) privileges, without the empty categories the server adds.

    The server returns e.g. ``{"application": {"manage": {...}}, "profile": {}, "role": {}}``; the
    empty parts grant nothing.
    """
    return _without_empty(role.get('global') or {})


def comparable(role):
    """A role body reduced to what decides equality: server defaults filled in, lists as sets."""
    return dict(
        cluster=_as_set(p.lower() for p in role.get('cluster') or []),
        indices=sorted(_normal_index(e) for e in role.get('indices') or []),
        remote_indices=sorted(_normal_index(e, remote=True) for e in role.get('remote_indices') or []),
        remote_cluster=sorted(json.dumps(dict(clusters=_as_set(e.get('clusters')),
                                              privileges=_as_set(p.lower() for p in e.get('privileges') or [])),
                                         sort_keys=True) for e in role.get('remote_cluster') or []),
        applications=sorted(json.dumps(dict(application=a.get('application'),
                                            privileges=_as_set(a.get('privileges')),
                                            resources=_as_set(a.get('resources'))), sort_keys=True)
                            for a in role.get('applications') or []),
        run_as=_as_set(role.get('run_as')),
        metadata=role.get('metadata') or {},
        description=role.get('description') or '',
        # Not an option of this module: a role that holds global privileges differs from one that
        # does not, since the write, which replaces the whole role, removes them.
        global_privileges=_configured_global(role),
    )


def same_role(desired, actual):
    return comparable(desired) == comparable(actual)


def shown(role):
    """A role as diffs and results show it: the fields a user manages, and global privileges a write would remove."""
    keys = ('cluster', 'indices', 'applications', 'run_as', 'metadata', 'description', 'remote_indices',
            'remote_cluster')
    out = dict((k, role[k]) for k in keys if k in role and role[k] not in (None, [], {}, ''))
    for key in ('indices', 'remote_indices'):
        if key in out:
            # Queries as objects, so that a query sent as an object and read back as a string shows unchanged.
            out[key] = [dict(e, query=_query_object(e['query'])) if e.get('query') else e for e in out[key]]
    global_privileges = _configured_global(role)
    if global_privileges:
        out['global'] = global_privileges
    return out


class RoleKind(Kind):
    noun = 'role'
    api = 'role'

    def same(self, desired, actual):
        return same_role(desired, actual)

    def shown(self, body):
        return shown(body)


def builtin_privileges(conn):
    return dict(conn.call('read the built-in privileges', lambda c: c.security.get_builtin_privileges()))

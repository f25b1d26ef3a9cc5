# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""API keys: which existing key is ours, what to do with it, and the secret's formats.

The deciding functions are pure; ``run_module`` at the end does the requests and the file writing.
"""

from __future__ import annotations

import base64
import os
import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.esguard.security.plugins.module_utils._errors import InputError
from ansible_collections.esguard.security.plugins.module_utils._connection import connect, es_module
from ansible_collections.esguard.security.plugins.module_utils._files import write_atomically

from ansible_collections.esguard.security.plugins.module_utils._roles import (
    ROLE_BODY_OPTIONS, RoleInputError, request_body, same_role, shown, validate)

# Metadata the module adds to every key it creates, so that keys made by hand with
# the same name are never taken for ours (and never invalidated by us).
MANAGED_TAG_KEY = 'managed_by'
MANAGED_TAG_VALUE = 'esguard.security.es_api_key'


class ApiKeyInputError(InputError):
    """Input that Elasticsearch would refuse, found before anything is written."""


def role_descriptors_body(role_descriptors):
    """The role_descriptors to send: each descriptor checked like an es_role body."""
    body = {}
    validator = ArgumentSpecValidator(ROLE_BODY_OPTIONS)
    for name, descriptor in sorted((role_descriptors or {}).items()):
        if not isinstance(descriptor, dict):
            raise ApiKeyInputError('role_descriptors.%s must be a dictionary (a role body)' % name)
        checked = validator.validate(descriptor)
        if checked.error_messages:
            raise ApiKeyInputError('role_descriptors.%s: %s' % (name, '; '.join(checked.error_messages)))
        descriptor_body = request_body(checked.validated_parameters)
        try:
            validate(name, descriptor_body)
        except RoleInputError as error:
            raise ApiKeyInputError('role_descriptors: %s' % error)
        body[name] = descriptor_body
    return body


def desired_metadata(metadata, tag=True):
    """The user's metadata plus the module's tag; keys starting with "_" are refused like the server does."""
    out = dict(metadata or {})
    for key in out:
        if key.startswith('_'):
            raise ApiKeyInputError('metadata keys may not start with "_" (%s)' % key)
    if tag:
        if MANAGED_TAG_KEY in out and out[MANAGED_TAG_KEY] != MANAGED_TAG_VALUE:
            raise ApiKeyInputError('metadata key %s is set by the module' % MANAGED_TAG_KEY)
        out[MANAGED_TAG_KEY] = MANAGED_TAG_VALUE
    return out


def is_active(key, now_ms):
    """Not invalidated and not expired (GET has no "expired" flag)."""
    if key.get('invalidated'):
        return False
    expiration = key.get('expiration')
    return expiration is None or expiration > now_ms


def is_ours(key, name, tag=True):
    if key.get('name') != name:
        return False
    if tag:
        return (key.get('metadata') or {}).get(MANAGED_TAG_KEY) == MANAGED_TAG_VALUE
    return True


def our_active_keys(api_keys, name, now_ms, tag=True):
    """Our active keys named ``name``, newest first (the newest is the one kept)."""
    keys = [k for k in api_keys if is_ours(k, name, tag) and is_active(k, now_ms)]
    return sorted(keys, key=lambda k: (k.get('creation') or 0, k.get('id')), reverse=True)


def same_descriptors(desired, actual):
    if sorted(desired) != sorted(actual or {}):
        return False
    return all(same_role(desired[name], actual[name]) for name in desired)


def shown_key(key):
    """A key as diffs and results show it: never the secret."""
    out = dict(id=key.get('id'), name=key.get('name'), metadata=key.get('metadata') or {},
               role_descriptors=dict((n, shown(d)) for n, d in sorted((key.get('role_descriptors') or {}).items())))
    if key.get('expiration') is not None:
        out['expiration'] = key['expiration']
    return out


_DURATION_UNITS_MS = (('ms', 1), ('s', 1000), ('m', 60 * 1000), ('h', 3600 * 1000), ('d', 86400 * 1000))


def duration_ms(text):
    """An Elasticsearch-style duration (V(7d), V(12h), V(30m), V(10s), V(500ms)) in milliseconds."""
    value = (text or '').strip()
    for unit, factor in _DURATION_UNITS_MS:
        number = value[:-len(unit)]
        if value.endswith(unit) and number.isdigit():
            return int(number) * factor
    raise ApiKeyInputError('%r is not a duration such as 7d, 12h, 30m, 10s or 500ms' % text)


def check_rotation_window(expiration, rotate_before_ms):
    """A new key must outlive the rotation window, or every run would rotate again."""
    if rotate_before_ms is None or not expiration:
        return
    if duration_ms(expiration) <= rotate_before_ms:
        raise ApiKeyInputError('expiration (%s) must be longer than rotate_before, or every run would replace '
                               'the key' % expiration)


def decide(active, desired_descriptors, metadata, secret_file_key_id=None, secret_file_works=None,
           secret_file_wanted=False, rotate=False, rotate_before_ms=None, now_ms=0):
    """What to do for state=present (or rotated, with ``rotate``).

    The key that stays in use is chosen by ``decide_present``; it is rotated (a new key created
    next to it, the old one left active for the caller to retire) when ``rotate`` is asked or it
    expires within ``rotate_before_ms``. Returns (action, kept key or None, duplicate keys);
    for V(rotated) the kept key is the one superseded.
    """
    action, kept, duplicates = decide_present(active, desired_descriptors, metadata, secret_file_key_id,
                                              secret_file_works, secret_file_wanted)
    if kept is None:
        return action, kept, duplicates
    expiration = kept.get('expiration')
    expiring = rotate_before_ms is not None and expiration is not None and expiration - now_ms <= rotate_before_ms
    if rotate or expiring:
        return 'rotated', kept, duplicates
    return action, kept, duplicates


def decide_present(active, desired_descriptors, metadata, secret_file_key_id=None, secret_file_works=None,
                   secret_file_wanted=False):
    """Which key stays in use, and whether it must be created or updated.

    ``active`` is our_active_keys' answer. ``secret_file_key_id`` is the id in an existing secret
    file and ``secret_file_works`` whether it still authenticates (None when there is no file);
    ``secret_file_wanted`` says a secret file is asked for.
    Returns (action, kept key or None, duplicate keys) with action one of
    created, updated, unchanged.
    """
    if not active:
        return 'created', None, []
    kept = active[0]
    if secret_file_wanted and secret_file_key_id is None:
        # The file must hold a secret, and an existing key's secret cannot be read back.
        return 'created', None, list(active)
    if secret_file_key_id is not None:
        matching = [k for k in active if k['id'] == secret_file_key_id]
        if not matching or not secret_file_works:
            # The secret on the target is lost or no longer authenticates: only a new key helps.
            return 'created', None, list(active)
        kept = matching[0]
    duplicates = [k for k in active if k['id'] != kept['id']]
    if same_descriptors(desired_descriptors, kept.get('role_descriptors')) and \
            (kept.get('metadata') or {}) == metadata:
        return 'unchanged', kept, duplicates
    return 'updated', kept, duplicates


def secret_formats(key_id, api_key):
    """The secret in the forms shippers need: ``id:api_key`` (Beats, Logstash) and base64 ``encoded``."""
    credential = '%s:%s' % (key_id, api_key)
    return dict(id=key_id, api_key=api_key, credential=credential,
                encoded=base64.b64encode(credential.encode('utf-8')).decode('ascii'))


def secret_file_content(key_id, api_key):
    return secret_formats(key_id, api_key)['credential'] + '\n'


def parse_secret_file(text):
    """(key id, secret) from a secret file's content, or None when it is not ``id:api_key``."""
    key_id, sep, api_key = text.strip().partition(':')
    if not sep or not key_id or not api_key or ':' in api_key:
        return None
    return key_id, api_key


# What Elasticsearch answers when a key is created with an API key as the login credential.
DERIVED_KEY_ERROR = 'creating derived api keys requires an explicit role descriptor that is empty'


def derived_key_refusal(login_is_api_key, descriptors):
    """Why Elasticsearch will refuse to create this key, checked before the request, or None."""
    if login_is_api_key and (not descriptors or any(
            d.get('cluster') or d.get('indices') or d.get('applications') or d.get('run_as')
            or d.get('remote_indices') or d.get('remote_cluster') for d in descriptors.values())):
        return ('the module logs in with an API key, and Elasticsearch only lets an API key create keys whose '
                'role descriptors grant nothing; log in as a user (login_user/login_password or a client '
                'certificate) to create a key for a shipper')
    return None


API_KEY_OPTIONS = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent', 'rotated'], default='present'),
    rotate_before=dict(type='str'),
    role_descriptors=dict(type='dict', default={}),
    metadata=dict(type='dict', default={}),
    expiration=dict(type='str'),
    remove_duplicates=dict(type='bool', default=False),
    secret_file=dict(type='path'),
    secret_file_owner=dict(type='str', no_log=False),
    secret_file_group=dict(type='str', no_log=False),
    return_secret=dict(type='bool'),
)


def _now_ms():
    return int(time.time() * 1000)


def _read_secret_file(module, path):
    """(key id, secret) from an existing secret file, None when there is none; fails on an unreadable one."""
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path) as handle:
            parsed = parse_secret_file(handle.read())
    except (IOError, OSError) as error:
        module.fail_json(msg='cannot read secret_file %s: %s' % (path, error.strerror))
    if parsed is None:
        module.fail_json(msg='secret_file %s does not hold an API key as id:api_key' % path)
    return parsed


def _write_secret_file(module, path, content):
    """Write atomically with the collection's file writer: the file is 0600 before the secret lands."""
    try:
        write_atomically(module, path, content.encode('utf-8'), secret=True)
    except (IOError, OSError) as error:
        module.fail_json(msg='cannot write secret_file %s: %s' % (path, error.strerror))
    module.set_mode_if_different(path, '0600', False)
    if module.params['secret_file_owner']:
        module.set_owner_if_different(path, module.params['secret_file_owner'], False)
    if module.params['secret_file_group']:
        module.set_group_if_different(path, module.params['secret_file_group'], False)


def _invalidate(conn, ids):
    if ids:
        conn.call('invalidate API keys %s' % ', '.join(ids),
                  lambda c: c.security.invalidate_api_key(ids=ids, owner=True))


def run_module():
    """The whole es_api_key run: read our keys once, decide, write only what differs."""
    module = es_module(API_KEY_OPTIONS)
    params = module.params
    name = params['name']
    try:
        descriptors = role_descriptors_body(params['role_descriptors'])
        metadata = desired_metadata(params['metadata'])
        rotate_before_ms = duration_ms(params['rotate_before']) if params['rotate_before'] else None
        check_rotation_window(params['expiration'], rotate_before_ms)
    except ApiKeyInputError as error:
        module.fail_json(msg=str(error))
    # An API key can neither create a key that grants something nor update one, so no run could succeed.
    refusal = params['state'] != 'absent' and derived_key_refusal(bool(params['api_key']), descriptors)
    if refusal:
        module.fail_json(msg=refusal)
    conn = connect(module)
    found = conn.call('read API keys named %s' % name,
                      lambda c: c.security.get_api_key(name=name, owner=True, active_only=True))
    now_ms = _now_ms()
    active = our_active_keys(found.get('api_keys') or [], name, now_ms)
    result = dict(changed=False, duplicates=[], invalidated=[], superseded=[])

    if params['state'] == 'absent':
        ids = [k['id'] for k in active]
        result.update(changed=bool(ids), action='invalidated' if ids else 'unchanged', invalidated=ids)
        if module._diff:
            result['diff'] = dict(before=dict((k['id'], shown_key(k)) for k in active), after={})
        if not module.check_mode:
            _invalidate(conn, ids)
        module.exit_json(**result)

    file_key = _read_secret_file(module, params['secret_file'])
    file_works = None
    if file_key is not None and any(k['id'] == file_key[0] for k in active):
        file_works = conn.authenticates('check the key in secret_file', api_key=file_key) is not None
    action, kept, duplicates = decide(active, descriptors, metadata, file_key and file_key[0], file_works,
                                      secret_file_wanted=bool(params['secret_file']),
                                      rotate=params['state'] == 'rotated', rotate_before_ms=rotate_before_ms,
                                      now_ms=now_ms)
    creating = action in ('created', 'rotated')
    # A superseded key stays active until a later run, when its successor is in place, retires it.
    result['superseded'] = [kept['id']] if action == 'rotated' else []
    result['duplicates'] = [k['id'] for k in duplicates]
    to_invalidate = result['duplicates'] if params['remove_duplicates'] else []
    if duplicates and not params['remove_duplicates']:
        module.warn('%d other active API key(s) named %s exist (%s); set remove_duplicates=true to invalidate them'
                    % (len(duplicates), name, ', '.join(result['duplicates'])))
    result.update(action=action, changed=action != 'unchanged' or bool(to_invalidate), invalidated=to_invalidate,
                  secret_known=creating or bool(file_works))
    wanted = dict(name=name, metadata=metadata, role_descriptors=descriptors)
    if module._diff:
        before = shown_key(kept) if kept and action != 'rotated' else {}
        after = shown_key(dict(kept or {}, **wanted)) if kept and not creating else shown_key(wanted)
        result['diff'] = dict(before=before, after=after)
    if kept and not creating:
        result['api_key'] = shown_key(dict(kept, **wanted) if action == 'updated' else kept)

    if module.check_mode:
        module.exit_json(**result)

    if creating:
        body = dict(name=name, role_descriptors=descriptors, metadata=metadata)
        if params['expiration']:
            body['expiration'] = params['expiration']
        # Never retried: a retry after a lost answer would leave a second key behind.
        created = conn.call('create API key %s' % name, lambda c: c.security.create_api_key(**body), retry=False)
        secret = secret_formats(created['id'], created['api_key'])
        if params['secret_file']:
            _write_secret_file(module, params['secret_file'], secret_file_content(created['id'], created['api_key']))
        return_secret = params['return_secret']
        if return_secret is None:
            return_secret = not params['secret_file']
        if return_secret:
            result['secret'] = secret
        result['api_key'] = shown_key(dict(wanted, id=created['id'], expiration=created.get('expiration')))
    elif action == 'updated':
        conn.call('update API key %s (%s); only the key\'s owner logged in with a password or certificate may'
                  % (name, kept['id']),
                  lambda c: c.security.update_api_key(id=kept['id'], role_descriptors=descriptors,
                                                      metadata=metadata))
    _invalidate(conn, to_invalidate)
    module.exit_json(**result)

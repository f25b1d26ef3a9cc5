# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""API keys: which existing key is ours, what to do with it, and the secret's formats.

The deciding functions are pure; ``run_module`` at the end does the requests and the file writing.
"""

from __future__ import annotations

import base64
import socket
import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.esguard.security.plugins.module_utils._errors import InputError
from ansible_collections.esguard.security.plugins.module_utils._connection import (
    ConnectionSettingsError, api_key_credential, api_key_id, connect, es_module)
from ansible_collections.esguard.security.plugins.module_utils._credential_check import (
    has_privileges_body, missing_privileges)
from ansible_collections.esguard.security.plugins.module_utils._durations import (
    elasticsearch_form, parse_ms, require_longer)
from ansible_collections.esguard.security.plugins.module_utils._files import (
    apply_secret_file_attributes, check_output_path, read_bytes, write_atomically)
from ansible_collections.esguard.security.plugins.module_utils._roles import (
    ROLE_BODY_OPTIONS, RoleInputError, builtin_privileges, request_body, same_role, shown, validate)

# Metadata the module adds to every key it creates, so that keys made by hand with
# the same name are never taken for ours (and never invalidated by us).
MANAGED_TAG_KEY = 'managed_by'
MANAGED_TAG_VALUE = 'esguard.security.es_api_key'
# Metadata naming where a key's secret file is (host:path), so that a host never invalidates
# a key whose secret another host holds.
HOLDER_KEY = 'secret_file'


class ApiKeyInputError(InputError):
    """Input that Elasticsearch would refuse, found before anything is written."""


def role_descriptors_body(role_descriptors, known_privileges=None):
    """The role_descriptors to send: each descriptor checked like an es_role body.

    ``known_privileges`` is GET _security/privilege/_builtin's answer; with it, unknown privileges are refused.
    """
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
            validate(name, descriptor_body, known_privileges)
        except RoleInputError as error:
            raise ApiKeyInputError('role_descriptors: %s' % error)
        body[name] = descriptor_body
    return body


def desired_metadata(metadata, tag=True, holder=None):
    """The user's metadata plus the module's tag and the secret file's holder (host:path) when there is one.

    Keys starting with "_" are refused like the server does.
    """
    out = dict(metadata or {})
    for key in out:
        if key.startswith('_'):
            raise ApiKeyInputError('metadata keys may not start with "_" (%s)' % key)
    if tag:
        for key, value in ((MANAGED_TAG_KEY, MANAGED_TAG_VALUE), (HOLDER_KEY, holder)):
            if key in out and out[key] != value:
                raise ApiKeyInputError('metadata key %s is set by the module' % key)
        out[MANAGED_TAG_KEY] = MANAGED_TAG_VALUE
        if holder:
            out[HOLDER_KEY] = holder
    return out


def held_elsewhere(keys, holder):
    """The keys whose secret file is on another host or path than ``holder``: never ours to invalidate."""
    return [k for k in keys if (k.get('metadata') or {}).get(HOLDER_KEY) not in (None, holder)]


def holder_refusal(name, to_invalidate, holder):
    """Why invalidating these duplicates would break another host's working key, or None."""
    others = held_elsewhere(to_invalidate, holder)
    if not others:
        return None
    return ('remove_duplicates would invalidate API key %s named %s whose secret is in %s; each host needs its own '
            'key name (for example "filebeat-{{ inventory_hostname }}")'
            % (others[0]['id'], name, others[0]['metadata'][HOLDER_KEY]))


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


def lifetimes(expiration, rotate_before):
    """(expiration in a form Elasticsearch reads, or None; rotate_before in milliseconds, or None).

    Both are checked before any request: a new key must outlive the rotation window, or every run
    would rotate again.
    """
    rotate_before_ms = parse_ms(rotate_before, 'rotate_before') if rotate_before else None
    if not expiration:
        return None, rotate_before_ms
    expiration_ms = parse_ms(expiration, 'expiration')
    require_longer('expiration (%s)' % expiration, expiration_ms, 'zero', 0, 'the key expires as it is created')
    if rotate_before_ms is not None:
        require_longer('expiration (%s)' % expiration, expiration_ms, 'rotate_before (%s)' % rotate_before,
                       rotate_before_ms, 'every run would replace the key')
    return elasticsearch_form(expiration_ms), rotate_before_ms


def owner_privileges_request(descriptors):
    """The _has_privileges body asking whether the login user holds what the descriptors grant.

    A key never holds more than its owner, so a descriptor beyond that gives a useless key.
    Run-as and remote privileges cannot be asked this way and are left to the server.
    """
    cluster = sorted(set(p for d in descriptors.values() for p in d.get('cluster') or []))
    body = has_privileges_body(cluster, [e for d in descriptors.values() for e in d.get('indices') or []])
    applications = [dict(application=e['application'], privileges=e['privileges'], resources=e['resources'])
                    for d in descriptors.values() for e in d.get('applications') or []]
    if applications:
        body['application'] = applications
    return body


def missing_owner_privileges(answer):
    """missing_privileges' lines, plus "application APP RESOURCE: privileges" for applications."""
    missing = missing_privileges(answer)
    for application, resources in sorted((answer.get('application') or {}).items()):
        for resource, privileges in sorted(resources.items()):
            lacking = [p for p, held in sorted(privileges.items()) if not held]
            if lacking:
                missing.append('application %s %s: %s' % (application, resource, ', '.join(lacking)))
    return missing


def decide(active, desired_descriptors, metadata, held_key_id=None, held_key_works=None,
           held_secret_wanted=False, rotate=False, rotate_before_ms=None, now_ms=0):
    """What to do for state=present (or rotated, with ``rotate``).

    The key that stays in use is chosen by ``decide_present``; it is rotated (a new key created
    next to it, the old one left active for the caller to retire) when ``rotate`` is asked or it
    expires within ``rotate_before_ms``. Returns (action, kept key or None, duplicate keys);
    for V(rotated) the kept key is the one superseded.
    """
    action, kept, duplicates = decide_present(active, desired_descriptors, metadata, held_key_id,
                                              held_key_works, held_secret_wanted)
    if kept is None:
        return action, kept, duplicates
    expiration = kept.get('expiration')
    expiring = rotate_before_ms is not None and expiration is not None and expiration - now_ms <= rotate_before_ms
    if rotate or expiring:
        return 'rotated', kept, duplicates
    return action, kept, duplicates


def decide_present(active, desired_descriptors, metadata, held_key_id=None, held_key_works=None,
                   held_secret_wanted=False):
    """Which key stays in use, and whether it must be created or updated.

    ``active`` is our_active_keys' answer. The host's secret is the one in secret_file or given as
    current_secret: ``held_key_id`` is its key id and ``held_key_works`` whether it still authenticates
    as that key (None when the host holds none); ``held_secret_wanted`` says the host must hold a secret.
    Returns (action, kept key or None, duplicate keys) with action one of
    created, updated, unchanged.
    """
    if not active:
        return 'created', None, []
    kept = active[0]
    if held_secret_wanted and held_key_id is None:
        # The host must hold a secret, and an existing key's secret cannot be read back.
        return 'created', None, list(active)
    if held_key_id is not None:
        matching = [k for k in active if k['id'] == held_key_id]
        if not matching or not held_key_works:
            # The host's secret is lost, of another key, or no longer authenticates: only a new key helps.
            return 'created', None, list(active)
        kept = matching[0]
    duplicates = [k for k in active if k['id'] != kept['id']]
    if same_descriptors(desired_descriptors, kept.get('role_descriptors')) and \
            (kept.get('metadata') or {}) == metadata:
        return 'unchanged', kept, duplicates
    return 'updated', kept, duplicates


def held_key(current_secret):
    """(key id, credential to authenticate with) of the secret a host holds, or None when it holds none.

    ``current_secret`` is C(id:api_key) or its base64 encoded form; anything else (an empty keystore
    entry, a damaged value) is no usable key, so a new one is made.
    """
    if not current_secret:
        return None
    try:
        encoded = api_key_credential(current_secret)
    except ConnectionSettingsError:
        return None
    return api_key_id(encoded), encoded


def authenticates_as(answer, key_id):
    """Whether an _authenticate answer (None after a 401) is the key ``key_id`` itself."""
    return bool(answer) and (answer.get('api_key') or {}).get('id') == key_id


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
    current_secret=dict(type='str', no_log=True),
)


def _now_ms():
    return int(time.time() * 1000)


def _read_secret_file(module, path):
    """(key id, (key id, secret)) from an existing secret file, None when there is none; fails on an unreadable one.

    The second item is the credential to authenticate with, as held_key gives it."""
    try:
        data = read_bytes(path)
    except (IOError, OSError) as error:
        module.fail_json(msg='cannot read secret_file %s: %s' % (path, error.strerror))
    if data is None:
        return None
    parsed = parse_secret_file(data.decode('utf-8', 'replace'))
    if parsed is None:
        module.fail_json(msg='secret_file %s does not hold an API key as id:api_key' % path)
    return parsed[0], parsed


def _invalidate(conn, ids):
    if ids:
        conn.call('invalidate API keys %s' % ', '.join(ids),
                  lambda c: c.security.invalidate_api_key(ids=ids, owner=True))


def _may_read_builtin_privileges(conn):
    """Whether the login user may read the built-in privileges (read_security). A key administrator with
    only manage_own_api_key may not; unknown privilege names are then refused by _has_privileges, with
    Elasticsearch's reason, before the key is written."""
    answer = conn.call('check whether the login user may read the built-in privileges',
                       lambda c: c.security.has_privileges(cluster=['read_security']))
    return bool(answer.get('has_all_requested'))


def _check_owner_privileges(module, conn, name, descriptors):
    """Fail (warn in check mode, where an earlier task's pending grant may be missing) when the
    login user lacks what the descriptors grant."""
    request = owner_privileges_request(descriptors)
    if not request:
        return
    answer = dict(conn.call('check the privileges of the login user',
                            lambda c: c.security.has_privileges(**request)))
    missing = missing_owner_privileges(answer)
    if not missing:
        return
    msg = ('API key %s would grant what its owner %s does not hold, so the key could not use it: %s'
           % (name, answer.get('username'), '; '.join(missing)))
    if module.check_mode:
        module.warn(msg)
    else:
        module.fail_json(msg=msg, missing=missing)


def run_module():
    """The whole es_api_key run: read our keys once, decide, write only what differs."""
    module = es_module(API_KEY_OPTIONS, mutually_exclusive=[('secret_file', 'current_secret')])
    params = module.params
    name = params['name']
    present = params['state'] != 'absent'
    secret_file = params['secret_file'] if present else None
    holder = '%s:%s' % (socket.gethostname(), secret_file) if secret_file else None
    try:
        descriptors = role_descriptors_body(params['role_descriptors'])
        metadata = desired_metadata(params['metadata'], holder=holder)
        expiration, rotate_before_ms = lifetimes(params['expiration'], params['rotate_before'])
        if secret_file:
            check_output_path(secret_file, 'secret_file')
    except InputError as error:
        module.fail_json(msg=str(error))
    # An API key can neither create a key that grants something nor update one, so no run could succeed.
    refusal = present and derived_key_refusal(bool(params['api_key']), descriptors)
    if refusal:
        module.fail_json(msg=refusal)
    conn = connect(module)
    if present and descriptors and _may_read_builtin_privileges(conn):
        # The privilege names need the cluster's list; the rest was checked before connecting.
        try:
            descriptors = role_descriptors_body(params['role_descriptors'], builtin_privileges(conn))
        except InputError as error:
            module.fail_json(msg=str(error))
    found = conn.call('read API keys named %s' % name,
                      lambda c: c.security.get_api_key(name=name, owner=True, active_only=True))
    now_ms = _now_ms()
    active = our_active_keys(found.get('api_keys') or [], name, now_ms)
    result = dict(changed=False, duplicates=[], invalidated=[], superseded=[])

    if not present:
        ids = [k['id'] for k in active]
        result.update(changed=bool(ids), action='invalidated' if ids else 'unchanged', invalidated=ids)
        if module._diff:
            result['diff'] = dict(before=dict((k['id'], shown_key(k)) for k in active), after={})
        if not module.check_mode:
            _invalidate(conn, ids)
        module.exit_json(**result)

    if secret_file:
        held, held_from = _read_secret_file(module, secret_file), 'secret_file'
    else:
        held, held_from = held_key(params['current_secret']), 'current_secret'
        if params['current_secret'] and held is None:
            module.warn('current_secret is not an API key (id:api_key or its encoded form); a new key is made')
    held_works = None
    if held is not None and any(k['id'] == held[0] for k in active):
        held_works = authenticates_as(conn.authenticates('check the key in %s' % held_from, api_key=held[1]),
                                      held[0])
    action, kept, duplicates = decide(active, descriptors, metadata, held and held[0], held_works,
                                      held_secret_wanted=bool(secret_file) or params['current_secret'] is not None,
                                      rotate=params['state'] == 'rotated', rotate_before_ms=rotate_before_ms,
                                      now_ms=now_ms)
    creating = action in ('created', 'rotated')
    # A superseded key stays active until a later run, when its successor is in place, retires it.
    result['superseded'] = [kept['id']] if action == 'rotated' else []
    result['duplicates'] = [k['id'] for k in duplicates]
    to_invalidate = result['duplicates'] if params['remove_duplicates'] else []
    if to_invalidate:
        refusal = holder_refusal(name, duplicates, holder)
        if refusal:
            module.fail_json(msg=refusal)
    if duplicates and not params['remove_duplicates']:
        module.warn('%d other active API key(s) named %s exist (%s); set remove_duplicates=true to invalidate them'
                    % (len(duplicates), name, ', '.join(result['duplicates'])))
    if action != 'unchanged' and descriptors:
        _check_owner_privileges(module, conn, name, descriptors)
    # An existing secret file's owner, group and mode are enforced every run (only reported in check mode).
    attributes_changed = bool(secret_file) and not creating and apply_secret_file_attributes(
        module, secret_file, params['secret_file_owner'], params['secret_file_group'], False)
    result.update(action=action, invalidated=to_invalidate, secret_known=creating or bool(held_works),
                  changed=action != 'unchanged' or bool(to_invalidate) or attributes_changed)
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
        if expiration:
            body['expiration'] = expiration
        # Never retried: a retry after a lost answer would leave a second key behind.
        created = conn.call('create API key %s' % name, lambda c: c.security.create_api_key(**body), retry=False)
        secret = secret_formats(created['id'], created['api_key'])
        if secret_file:
            write_atomically(module, secret_file,
                             secret_file_content(created['id'], created['api_key']).encode('utf-8'), secret=True)
            apply_secret_file_attributes(module, secret_file, params['secret_file_owner'],
                                         params['secret_file_group'], True)
        return_secret = params['return_secret']
        if return_secret is None:
            return_secret = not secret_file
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

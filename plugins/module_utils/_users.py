# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Native and built-in users: what to write, and whether the password needs setting.

A password is never read back from Elasticsearch; whether it is still the wanted one
is found out by authenticating as the user with it.
"""

from __future__ import annotations

from ansible_collections.esguard.security.plugins.module_utils._errors import InputError
from ansible_collections.esguard.security.plugins.module_utils._security_items import Kind

# Native realm passwords shorter than this are refused by Elasticsearch.
MIN_PASSWORD_LENGTH = 6
MASK = '********'

# Fields of a user that are kept as they are on the server when the task does not mention them.
PROFILE_FIELDS = ('roles', 'full_name', 'email', 'metadata', 'enabled')

USER_BODY_OPTIONS = dict(
    roles=dict(type='list', elements='str'),
    full_name=dict(type='str'),
    email=dict(type='str'),
    metadata=dict(type='dict'),
    enabled=dict(type='bool'),
    password=dict(type='str', no_log=True),
    password_hash=dict(type='str', no_log=True),
)


class UserInputError(InputError):
    pass


def wanted_fields(params):
    """The user fields a task mentions (None means: keep what the server has)."""
    return dict((key, params.get(key)) for key in PROFILE_FIELDS + ('password', 'password_hash'))


def validate(name, wanted):
    if name != name.strip():
        # Elasticsearch refuses such names when creating, and a lookup by them finds no user.
        raise UserInputError('user name %r has leading or trailing white space' % name)
    if wanted.get('password') is not None and wanted.get('password_hash') is not None:
        raise UserInputError('user %s: give password or password_hash, not both' % name)
    password = wanted.get('password')
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UserInputError('user %s: the password must have at least %d characters'
                             % (name, MIN_PASSWORD_LENGTH))
    for key in wanted.get('metadata') or {}:
        if key.startswith('_'):
            raise UserInputError('user %s: metadata keys may not start with "_" (%s)' % (name, key))


def _same_value(key, wanted, actual):
    if key == 'roles':
        return sorted(set(wanted)) == sorted(set(actual or []))
    if key in ('full_name', 'email'):
        return (wanted or None) == (actual or None)
    if key == 'metadata':
        return wanted == (actual or {})
    return wanted == actual


def profile_changes(wanted, actual):
    """The mentioned profile fields whose value differs from the server's (all mentioned ones when new)."""
    if actual is None:
        return [key for key in PROFILE_FIELDS if wanted.get(key) is not None]
    return [key for key in PROFILE_FIELDS
            if wanted.get(key) is not None and not _same_value(key, wanted[key], actual.get(key))]


def full_body(wanted, actual):
    """The complete user for a PUT: mentioned fields from the task, the rest kept from the server.

    A PUT replaces the whole user, so leaving a field out would reset it (an
    omitted ``enabled`` re-enables a disabled user).
    """
    actual = actual or {}
    body = dict(roles=actual.get('roles') or [], metadata=actual.get('metadata') or {},
                enabled=actual.get('enabled', True))
    for key in ('full_name', 'email'):
        if actual.get(key):
            body[key] = actual[key]
    for key in PROFILE_FIELDS:
        if wanted.get(key) is not None:
            body[key] = wanted[key]
    return body


def merged_metadata(stored, sent):
    """The metadata a user has after a write without a password sent ``sent`` over ``stored``.

    Such a write is a partial update of the user's document: objects are merged key by
    key (recursively), everything else is replaced.
    """
    result = dict(stored or {})
    for key, value in sent.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged_metadata(result[key], value)
        else:
            result[key] = value
    return result


def needs_metadata_reset(body, actual):
    """Whether writing ``body`` over the native user ``actual`` would keep metadata keys the body drops.

    Only a write with a password replaces the whole document. Otherwise the metadata
    has to be reset first (a write without it resets it to empty) so that the keys the
    task removed go.
    """
    if actual is None or 'password' in body or 'password_hash' in body or 'metadata' not in body:
        return False
    return merged_metadata(actual.get('metadata'), body['metadata']) != body['metadata']


# The realms that hold the passwords this module writes: native users, and built-in users (reserved realm).
PASSWORD_REALM_TYPES = ('native', 'reserved')


def password_decision(update_password, wanted, actual, authenticate):
    """(set the password?, warning or None).

    ``authenticate`` is a callable that authenticates as the user with the wanted password
    and returns the ``_authenticate`` answer, or None when it was refused; it is only
    called when that answer can settle the question.
    """
    has_secret = wanted.get('password') is not None or wanted.get('password_hash') is not None
    if not has_secret:
        return False, None
    if actual is None or update_password == 'always':
        return True, None
    if update_password == 'on_create':
        return False, None
    name = actual.get('username', '')
    if wanted.get('password_hash') is not None:
        return False, ('the password of user %s cannot be compared with password_hash; it was left as it is '
                       '(set update_password=always to write the hash)' % name)
    if not actual.get('enabled', True):
        if wanted.get('enabled'):
            # The user is being enabled anyway: set the password in the same write.
            return True, None
        return False, ('user %s is disabled, so its password cannot be checked; it was left as it is '
                       '(set update_password=always to write it)' % name)
    return password_check(name, authenticate())


def password_check(name, answer):
    """(set the password?, warning or None) from the ``_authenticate`` answer for the wanted password.

    Only the native or reserved realm answering proves the stored password. Every realm
    of the chain refused means it differs. Another realm ordered earlier (a file realm
    user of the same name) accepting it says nothing about the stored password; writing
    it then would report a change on every run without knowing one was needed, so it is
    left as it is, with a warning.
    """
    if answer is None:
        return True, None
    realm = (answer.get('authentication_realm') or {}).get('type')
    if realm in PASSWORD_REALM_TYPES:
        return False, None
    return False, ('the password of user %s could not be checked: the %s realm, which has a user of the same name, '
                   'accepted it before the native realm was asked; it was left as it is '
                   '(set update_password=always to write it)' % (name, realm))


def shown(body):
    """A user as diffs and results show it: secrets masked."""
    out = dict((k, v) for k, v in (body or {}).items() if k in PROFILE_FIELDS and v not in (None, '', {}))
    if body and (body.get('password') is not None or body.get('password_hash') is not None):
        out['password'] = MASK
    return out


class UserKind(Kind):
    noun = 'user'
    api = 'user'
    name_param = 'username'

    def __init__(self, update_password):
        super(UserKind, self).__init__()
        self.update_password = update_password

    def refusal(self, item, actual):
        if actual is None or not self.reserved(actual):
            return None
        if item.state == 'absent':
            return 'user %s is built in and cannot be deleted' % item.name
        fixed = [key for key in profile_changes(item.body, actual) if key != 'enabled']
        if fixed:
            return ('user %s is built in: only its password and enabled can change, not %s'
                    % (item.name, ', '.join(fixed)))
        return None

    def decide(self, conn, item, actual):
        wanted = item.body
        if actual is None and wanted.get('password') is None and wanted.get('password_hash') is None:
            # The server refuses to create a native user without one.
            raise UserInputError('user %s does not exist: give password or password_hash to create it' % item.name)

        def authenticate():
            return conn.authenticates('check the password of user %s' % item.name,
                                      basic_auth=(item.name, wanted['password']))

        set_password, warning = password_decision(self.update_password, wanted, actual, authenticate)
        if warning:
            self.warnings.append(warning)
        changes = profile_changes(wanted, actual)
        if actual is not None and not changes and not set_password:
            return 'unchanged', None
        if actual is not None and self.reserved(actual):
            body = dict(enabled=wanted['enabled']) if 'enabled' in changes else {}
        else:
            body = full_body(wanted, actual)
        if set_password:
            for key in ('password', 'password_hash'):
                if wanted.get(key) is not None:
                    body[key] = wanted[key]
        return ('created' if actual is None else 'updated'), body

    def requests(self, action, body, actual):
        if action == 'deleted':
            return super(UserKind, self).requests(action, body, actual)
        if not self.reserved(actual):
            reset = [('reset_metadata', dict((k, v) for k, v in body.items() if k != 'metadata'))]
            return (reset if needs_metadata_reset(body, actual) else []) + [('put', body)]
        # Built-in users only take these calls.
        steps = []
        secret = dict((k, body[k]) for k in ('password', 'password_hash') if k in body)
        if secret:
            steps.append(('change_password', secret))
        if 'enabled' in body:
            steps.append(('enable' if body['enabled'] else 'disable', None))
        return steps

    def after(self, body, actual):
        if self.reserved(actual):
            # Built-in users keep everything but what the calls change.
            return dict(actual, **body)
        return body

    def send(self, conn, step):
        name = step.name
        if step.request == 'reset_metadata':
            conn.call('reset the metadata of user %s' % name,
                      lambda c: c.security.put_user(username=name, body=step.body))
        elif step.request == 'change_password':
            conn.call('change the password of user %s' % name,
                      lambda c: c.security.change_password(username=name, body=step.body))
        elif step.request in ('enable', 'disable'):
            conn.call('%s user %s' % (step.request, name),
                      lambda c: getattr(c.security, step.request + '_user')(username=name))
        else:
            super(UserKind, self).send(conn, step)

    def shown(self, body):
        return shown(body)

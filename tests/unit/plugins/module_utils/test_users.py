# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.esguard.security.plugins.module_utils._security_items import Item, ReservedItemError, plan
from ansible_collections.esguard.security.plugins.module_utils._users import (
    MASK, UserInputError, UserKind, full_body, password_decision, profile_changes, shown, validate, wanted_fields)

# What GET _security/user returns for a native user.
SERVER_USER = {'username': 'fb', 'roles': ['filebeat_writer'], 'full_name': None, 'email': None,
               'metadata': {}, 'enabled': True}
BUILTIN = {'username': 'beats_system', 'roles': ['beats_system'], 'full_name': None, 'email': None,
           'metadata': {'_reserved': True}, 'enabled': True}


def wanted(**fields):
    return wanted_fields(fields)


def never(*_args):
    raise AssertionError('the password must not be checked here')


def test_unmentioned_fields_are_kept_and_enabled_is_not_reset():
    disabled = dict(SERVER_USER, enabled=False, full_name='File Beat', metadata={'team': 'ops'})
    body = full_body(wanted(roles=['a']), disabled)
    assert body == {'roles': ['a'], 'full_name': 'File Beat', 'metadata': {'team': 'ops'}, 'enabled': False}


def test_a_new_user_is_enabled_with_no_roles_by_default():
    assert full_body(wanted(), None) == {'roles': [], 'metadata': {}, 'enabled': True}


def test_profile_changes_compare_roles_as_sets_and_empty_strings_as_none():
    actual = dict(SERVER_USER, roles=['b', 'a'])
    assert profile_changes(wanted(roles=['a', 'b', 'a'], full_name='', metadata={}), actual) == []
    assert profile_changes(wanted(roles=['a'], email='x@example.com', enabled=False), actual) == [
        'roles', 'email', 'enabled']
    assert profile_changes(wanted(roles=['a']), None) == ['roles']


@pytest.mark.parametrize('mode, actual, fields, authenticates, expected', [
    ('when_changed', None, dict(password='secret1'), None, True),
    ('when_changed', SERVER_USER, dict(password='secret1'), True, False),
    ('when_changed', SERVER_USER, dict(password='secret1'), False, True),
    ('on_create', SERVER_USER, dict(password='secret1'), None, False),
    ('on_create', None, dict(password='secret1'), None, True),
    ('always', SERVER_USER, dict(password='secret1'), None, True),
    ('when_changed', SERVER_USER, dict(), None, False),
])
def test_password_decision(mode, actual, fields, authenticates, expected):
    verified = never if authenticates is None else (lambda: authenticates)
    assert password_decision(mode, wanted(**fields), actual, verified) == (expected, None)


def test_a_disabled_user_cannot_be_checked_and_is_left_alone_with_a_warning():
    disabled = dict(SERVER_USER, enabled=False)
    decision, warning = password_decision('when_changed', wanted(password='secret1'), disabled, never)
    assert decision is False and 'disabled' in warning and 'secret1' not in warning


def test_a_user_being_enabled_gets_the_password_in_the_same_write():
    disabled = dict(SERVER_USER, enabled=False)
    assert password_decision('when_changed', wanted(password='secret1', enabled=True), disabled, never) == (True, None)


def test_a_hash_cannot_be_compared():
    decision, warning = password_decision('when_changed', wanted(password_hash='$2a$10$x'), SERVER_USER, never)
    assert decision is False and 'password_hash' in warning


@pytest.mark.parametrize('fields, message', [
    (dict(password='short'), 'at least 6 characters'),
    (dict(password='secret1', password_hash='$2a$'), 'not both'),
    (dict(metadata={'_x': 1}), 'may not start with "_"'),
])
def test_validate_refuses_bad_input(fields, message):
    with pytest.raises(UserInputError, match=message):
        validate('fb', wanted(**fields))


def test_shown_masks_the_password():
    expected = {'roles': ['a'], 'enabled': True, 'password': MASK}
    assert shown(dict(roles=['a'], enabled=True, password='secret1')) == expected
    assert 'password' not in shown(SERVER_USER)


class FakeConn(object):
    def __init__(self, good_password):
        self.good_password = good_password
        self.checked = []

    def authenticates(self, what, basic_auth):
        self.checked.append(basic_auth[0])
        return {'username': basic_auth[0]} if basic_auth[1] == self.good_password else None


def test_plan_for_native_users_checks_passwords_by_authenticating():
    conn = FakeConn('secret1')
    kind = UserKind('when_changed')
    result = plan(conn, kind, [Item('fb', 'present', wanted(roles=['filebeat_writer'], password='secret1')),
                               Item('mb', 'present', wanted(roles=['x'], password='secret2'))],
                  {'fb': SERVER_USER, 'mb': dict(SERVER_USER, username='mb', roles=['x'])})
    assert result.results == [dict(name='fb', action='unchanged'), dict(name='mb', action='updated')]
    assert conn.checked == ['fb', 'mb']
    assert result.diff['after'] == {'mb': {'roles': ['x'], 'enabled': True, 'password': MASK}}
    assert 'secret' not in repr(result.diff)


def test_built_in_users_take_password_and_enabled_only():
    kind = UserKind('always')
    result = plan(FakeConn(None), kind, [Item('beats_system', 'present', wanted(password='secret1', enabled=False))],
                  {'beats_system': BUILTIN})
    assert result.steps == [('updated', 'beats_system', {'enabled': False, 'password': 'secret1'})]
    with pytest.raises(ReservedItemError, match='only its password and enabled can change, not roles'):
        plan(FakeConn(None), kind, [Item('beats_system', 'present', wanted(roles=['superuser']))],
             {'beats_system': BUILTIN})
    with pytest.raises(ReservedItemError, match='cannot be deleted'):
        plan(FakeConn(None), kind, [Item('beats_system', 'absent')], {'beats_system': BUILTIN})

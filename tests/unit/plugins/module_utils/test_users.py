# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.esguard.security.plugins.module_utils._security_items import (
    Item, ReservedItemError, Step, apply, plan)
from ansible_collections.esguard.security.plugins.module_utils._users import (
    MASK, UserInputError, UserKind, full_body, merged_metadata, needs_metadata_reset, password_check, password_decision,
    profile_changes, shown, validate, wanted_fields)

# What GET _security/user returns for a native user.
SERVER_USER = {'username': 'fb', 'roles': ['filebeat_writer'], 'full_name': None, 'email': None,
               'metadata': {}, 'enabled': True}
BUILTIN = {'username': 'beats_system', 'roles': ['beats_system'], 'full_name': None, 'email': None,
           'metadata': {'_reserved': True}, 'enabled': True}


def authenticated_by(realm_type):
    """An _authenticate answer (its shape on Elasticsearch 8.19) from a realm of this type."""
    realm = {'name': realm_type + '1', 'type': realm_type}
    return {'username': 'fb', 'roles': [], 'authentication_realm': realm, 'lookup_realm': realm,
            'authentication_type': 'realm'}


def wanted(**fields):
    return wanted_fields(fields)


def never(*_args):
    raise AssertionError('the password must not be checked here')


def test_unmentioned_fields_are_kept_and_enabled_is_not_reset():
    disabled = dict(SERVER_USER, enabled=False, full_name='File Beat', metadata={'team': 'ops'})
    body = full_body(wanted(roles=['a']), disabled)
    assert body == {'roles': ['a'], 'full_name': 'File Beat', 'metadata': {'team': 'ops'}, 'enabled': False}


def test_an_empty_string_clears_email_and_full_name_and_then_compares_equal():
    described = dict(SERVER_USER, email='fb@example.com', full_name='File Beat', metadata={'team': 'ops'})
    clearing = wanted(email='', full_name='', metadata={})
    assert profile_changes(clearing, described) == ['full_name', 'email', 'metadata']
    assert full_body(clearing, described) == {'roles': ['filebeat_writer'], 'full_name': '', 'email': '',
                                              'metadata': {}, 'enabled': True}
    # Elasticsearch stores and returns the empty string as sent.
    assert profile_changes(clearing, dict(SERVER_USER, email='', full_name='')) == []


def test_a_new_user_is_enabled_with_no_roles_by_default():
    assert full_body(wanted(), None) == {'roles': [], 'metadata': {}, 'enabled': True}


def test_profile_changes_compare_roles_as_sets_and_empty_strings_as_none():
    actual = dict(SERVER_USER, roles=['b', 'a'])
    assert profile_changes(wanted(roles=['a', 'b', 'a'], full_name='', metadata={}), actual) == []
    assert profile_changes(wanted(roles=['a'], email='x@example.com', enabled=False), actual) == [
        'roles', 'email', 'enabled']
    assert profile_changes(wanted(roles=['a']), None) == ['roles']


REFUSED = 'refused'


@pytest.mark.parametrize('mode, actual, fields, answer, expected', [
    ('when_changed', None, dict(password='secret1'), None, True),
    ('when_changed', SERVER_USER, dict(password='secret1'), authenticated_by('native'), False),
    ('when_changed', SERVER_USER, dict(password='secret1'), REFUSED, True),
    ('when_changed', BUILTIN, dict(password='secret1'), authenticated_by('reserved'), False),
    ('on_create', SERVER_USER, dict(password='secret1'), None, False),
    ('on_create', None, dict(password='secret1'), None, True),
    ('always', SERVER_USER, dict(password='secret1'), None, True),
    ('when_changed', SERVER_USER, dict(), None, False),
])
def test_password_decision(mode, actual, fields, answer, expected):
    authenticate = never if answer is None else (lambda: None if answer == REFUSED else answer)
    assert password_decision(mode, wanted(**fields), actual, authenticate) == (expected, None)


@pytest.mark.parametrize('realm_type', ['file', 'ldap', 'active_directory'])
def test_another_realm_accepting_the_password_proves_nothing_and_leaves_it_with_a_warning(realm_type):
    decision, warning = password_decision('when_changed', wanted(password='secret1'), SERVER_USER,
                                          lambda: authenticated_by(realm_type))
    assert decision is False
    assert 'user fb could not be checked: the %s realm' % realm_type in warning
    assert 'secret1' not in warning


def test_an_answer_without_a_realm_proves_nothing():
    decision, warning = password_check('fb', {'username': 'fb'})
    assert decision is False and 'could not be checked' in warning


def test_the_native_and_reserved_realms_prove_the_password():
    assert password_check('fb', authenticated_by('native')) == (False, None)
    assert password_check('beats_system', authenticated_by('reserved')) == (False, None)
    assert password_check('fb', None) == (True, None)


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


@pytest.mark.parametrize('name', [' fb', 'fb ', '\tfb'])
def test_a_name_with_surrounding_white_space_is_refused(name):
    with pytest.raises(UserInputError, match='leading or trailing white space'):
        validate(name, wanted(password='secret1'))


def test_shown_masks_the_password():
    expected = {'roles': ['a'], 'enabled': True, 'password': MASK}
    assert shown(dict(roles=['a'], enabled=True, password='secret1')) == expected
    assert 'password' not in shown(SERVER_USER)


class FakeConn(object):
    def __init__(self, good_password, realm_type='native'):
        self.good_password = good_password
        self.realm_type = realm_type
        self.checked = []

    def authenticates(self, what, basic_auth):
        self.checked.append(basic_auth[0])
        if basic_auth[1] != self.good_password:
            return None
        return dict(authenticated_by(self.realm_type), username=basic_auth[0])


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
    assert result.steps == [Step('updated', 'beats_system', 'change_password', {'password': 'secret1'}),
                            Step('updated', 'beats_system', 'disable')]
    with pytest.raises(ReservedItemError, match='only its password and enabled can change, not roles'):
        plan(FakeConn(None), kind, [Item('beats_system', 'present', wanted(roles=['superuser']))],
             {'beats_system': BUILTIN})
    with pytest.raises(ReservedItemError, match='cannot be deleted'):
        plan(FakeConn(None), kind, [Item('beats_system', 'absent')], {'beats_system': BUILTIN})


def test_plan_leaves_a_password_another_realm_accepted_and_warns():
    kind = UserKind('when_changed')
    result = plan(FakeConn('secret1', realm_type='file'), kind,
                  [Item('fb', 'present', wanted(roles=['filebeat_writer'], password='secret1'))], {'fb': SERVER_USER})
    assert result.results == [dict(name='fb', action='unchanged')]
    assert len(kind.warnings) == 1 and 'the file realm' in kind.warnings[0]


def test_a_write_without_password_merges_metadata_objects_and_replaces_the_rest():
    stored = {'team': 'ops', 'tier': 1, 'nested': {'a': 1, 'b': 2}, 'tags': ['x', 'y']}
    assert merged_metadata(stored, {'team': 'platform', 'nested': {'a': 3}, 'tags': ['z']}) == {
        'team': 'platform', 'tier': 1, 'nested': {'a': 3, 'b': 2}, 'tags': ['z']}
    assert merged_metadata(None, {'a': 1}) == {'a': 1}


@pytest.mark.parametrize('body, actual, expected', [
    ({'roles': [], 'metadata': {'team': 'platform'}}, dict(SERVER_USER, metadata={'team': 'ops', 'tier': 1}), True),
    ({'roles': [], 'metadata': {}}, dict(SERVER_USER, metadata={'team': 'ops'}), True),
    ({'roles': [], 'metadata': {'n': {'a': 3}}}, dict(SERVER_USER, metadata={'n': {'a': 1, 'b': 2}}), True),
    ({'roles': [], 'metadata': {'team': 'platform', 'tier': 2}}, dict(SERVER_USER, metadata={'team': 'ops'}), False),
    ({'roles': [], 'metadata': {}, 'password': 'secret1'}, dict(SERVER_USER, metadata={'team': 'ops'}), False),
    ({'roles': [], 'metadata': {}, 'password_hash': '$2a$x'}, dict(SERVER_USER, metadata={'team': 'ops'}), False),
    ({'roles': [], 'metadata': {}}, None, False),
    ({'enabled': False}, dict(BUILTIN, metadata={'_reserved': True}), False),
])
def test_needs_metadata_reset_when_the_merge_would_keep_dropped_keys(body, actual, expected):
    assert needs_metadata_reset(body, actual) is expected


class RecordingConn(FakeConn):
    """Records every security API request a UserKind sends, as (API, user name, body)."""

    def __init__(self, good_password=None):
        super(RecordingConn, self).__init__(good_password)
        self.sent = []
        self.security = self

    def call(self, what, request, **_options):
        return request(self)

    def __getattr__(self, api):
        def request(username, body=None):
            self.sent.append((api, username, body))
        return request


def test_dropping_metadata_keys_resets_the_metadata_before_the_write():
    conn = RecordingConn()
    result = plan(conn, UserKind('when_changed'), [Item('fb', 'present', wanted(metadata={'team': 'platform'}))],
                  {'fb': dict(SERVER_USER, metadata={'team': 'ops', 'tier': 1})})
    apply(conn, UserKind('when_changed'), result, check_mode=False)
    body = {'roles': ['filebeat_writer'], 'metadata': {'team': 'platform'}, 'enabled': True}
    assert conn.sent == [('put_user', 'fb', {'roles': ['filebeat_writer'], 'enabled': True}),
                         ('put_user', 'fb', body)]


def test_a_write_that_only_adds_metadata_is_one_request():
    conn = RecordingConn()
    result = plan(conn, UserKind('when_changed'), [Item('fb', 'present', wanted(metadata={'team': 'ops'}))],
                  {'fb': SERVER_USER})
    apply(conn, UserKind('when_changed'), result, check_mode=False)
    assert [api for api, _name, _body in conn.sent] == ['put_user']


# The API each step's request is sent through.
STEP_APIS = {'put': 'put_user', 'reset_metadata': 'put_user', 'delete': 'delete_user',
             'change_password': 'change_password', 'enable': 'enable_user', 'disable': 'disable_user'}


def test_the_plan_lists_every_request_apply_sends():
    actual = {'fb': dict(SERVER_USER, metadata={'team': 'ops'}),
              'beats_system': dict(BUILTIN, enabled=False),
              'old': dict(SERVER_USER, username='old')}
    items = [Item('fb', 'present', wanted(metadata={})),                     # metadata reset, then the put
             Item('beats_system', 'present', wanted(password='secret1', enabled=True)),  # two built-in calls
             Item('new', 'present', wanted(roles=['x'], password='secret2')),
             Item('old', 'absent')]
    conn = RecordingConn()
    kind = UserKind('when_changed')
    result = plan(conn, kind, items, actual)
    apply(conn, kind, result, check_mode=False)
    assert [(STEP_APIS[step.request], step.name, step.body) for step in result.steps] == conn.sent
    assert [api for api, _name, _body in conn.sent] == [
        'put_user', 'put_user', 'change_password', 'enable_user', 'put_user', 'delete_user']


def test_a_new_user_without_a_password_is_refused_in_the_plan():
    # The server refuses it; the plan (and so check mode) must not call it "created".
    with pytest.raises(UserInputError, match='user new does not exist: give password or password_hash to create it'):
        plan(RecordingConn(), UserKind('when_changed'),
             [Item('fb', 'present', wanted(roles=['x'])), Item('new', 'present', wanted(roles=['x']))],
             {'fb': SERVER_USER})
    result = plan(RecordingConn(), UserKind('when_changed'),
                  [Item('new', 'present', wanted(password_hash='$2a$10$' + 'x' * 53))], {})
    assert result.results == [dict(name='new', action='created')]


def test_the_diff_of_a_built_in_user_is_the_user_with_the_change_applied():
    result = plan(RecordingConn(), UserKind('always'),
                  [Item('beats_system', 'present', wanted(password='secret1', enabled=False))],
                  {'beats_system': dict(BUILTIN, roles=['beats_system'], metadata={'_reserved': True})})
    before = result.diff['before']['beats_system']
    assert before == {'roles': ['beats_system'], 'metadata': {'_reserved': True}, 'enabled': True}
    assert result.diff['after']['beats_system'] == dict(before, enabled=False, password=MASK)

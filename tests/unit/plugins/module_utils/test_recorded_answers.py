# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The pure logic on answers recorded from real servers, one set per Elasticsearch version.

tests/unit/fixtures/es-<version>/ holds what that version answered for the items of
tests/unit/fixtures/inputs.json (written by tests/unit/fixtures/record.py). Every test runs
on every recorded version.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from ansible_collections.esguard.security.plugins.module_utils import (
    _api_keys, _connection, _credential_check, _role_mappings, _roles, _users)
from ansible_collections.esguard.security.plugins.module_utils._security_items import Item

FIXTURES = Path(__file__).resolve().parents[2] / 'fixtures'
INPUTS = json.loads((FIXTURES / 'inputs.json').read_text())
VERSIONS = sorted(p.name[len('es-'):] for p in FIXTURES.glob('es-*'))
PREFIX = 'esguard-fixture-'


def answer(version, name):
    return json.loads((FIXTURES / ('es-' + version) / (name + '.json')).read_text())


def test_both_majors_are_recorded():
    assert set(v.split('.')[0] for v in VERSIONS) >= {'8', '9'}


@pytest.mark.parametrize('version', VERSIONS)
def test_a_role_read_back_is_the_role_written(version):
    stored = answer(version, 'get_role')[PREFIX + 'role']
    assert _roles.same_role(_roles.request_body(INPUTS['role']), stored)
    assert not _roles.same_role(_roles.request_body(dict(INPUTS['role'], run_as=[])), stored)


@pytest.mark.parametrize('version', VERSIONS)
def test_a_built_in_role_is_reserved(version):
    assert _roles.RoleKind().reserved(answer(version, 'get_role_reserved')['superuser'])
    assert not _roles.RoleKind().reserved(answer(version, 'get_role')[PREFIX + 'role'])


@pytest.mark.parametrize('version', VERSIONS)
def test_the_role_passes_the_version_s_own_privilege_check(version):
    builtin = answer(version, 'get_builtin_privileges')
    _roles.validate('r', _roles.request_body(INPUTS['role']), builtin)
    with pytest.raises(_roles.RoleInputError, match='unknown cluster privilege'):
        _roles.validate('r', dict(cluster=['no_such_privilege']), builtin)


def test_privileges_new_in_9_are_refused_by_the_8_list_and_taken_by_the_9_list():
    majors = dict((v.split('.')[0], v) for v in VERSIONS)
    old, new = (answer(majors[m], 'get_builtin_privileges') for m in ('8', '9'))
    for kind, option in (('cluster', 'cluster'), ('index', 'indices')):
        added = sorted(set(new[kind]) - set(old[kind]))
        assert added, 'the 9.x server knows no %s privilege the 8.x one does not' % kind
        body = dict(cluster=added) if kind == 'cluster' else dict(indices=[dict(names=['x'], privileges=added)])
        _roles.validate('r', body, new)
        with pytest.raises(_roles.RoleInputError, match='unknown %s privilege' % kind):
            _roles.validate('r', body, old)


@pytest.mark.parametrize('version', VERSIONS)
def test_a_user_read_back_has_no_changes(version):
    stored = answer(version, 'get_user')[PREFIX + 'user']
    wanted = _users.wanted_fields(INPUTS['user'])
    assert _users.profile_changes(wanted, stored) == []
    assert _users.profile_changes(dict(wanted, email='other@example.com'), stored) == ['email']
    assert _users.full_body(dict.fromkeys(wanted), stored) == dict(INPUTS['user'])


@pytest.mark.parametrize('version', VERSIONS)
def test_a_built_in_user_is_reserved_and_cannot_be_deleted(version):
    stored = answer(version, 'get_user_reserved')['kibana_system']
    kind = _users.UserKind('on_create')
    assert kind.refusal(Item('kibana_system', 'absent'), stored) == 'user kibana_system is built in and cannot be deleted'


@pytest.mark.parametrize('version', VERSIONS)
def test_the_native_realm_answering_proves_the_password(version):
    assert _users.password_check(PREFIX + 'user', answer(version, 'authenticate_user')) == (False, None)


@pytest.mark.parametrize('version', VERSIONS)
def test_the_server_s_password_minimum_is_the_module_s(version):
    reason = answer(version, 'error_short_password')['body']['error']['reason']
    assert int(re.search(r'at least \[(\d+)\] characters', reason).group(1)) == _users.MIN_PASSWORD_LENGTH


@pytest.mark.parametrize('version', VERSIONS)
@pytest.mark.parametrize('name', ['role_mapping', 'role_mapping_templates'])
def test_a_role_mapping_read_back_is_the_mapping_written(version, name):
    stored = answer(version, 'get_role_mapping')[PREFIX + {'role_mapping': 'mapping'}.get(name, 'templates')]
    assert _role_mappings.same_mapping(_role_mappings.request_body(INPUTS[name]), stored)
    assert not _role_mappings.same_mapping(_role_mappings.request_body(dict(INPUTS[name], enabled=False)), stored)


@pytest.mark.parametrize('version', VERSIONS)
def test_the_api_key_read_back_is_ours_and_unchanged(version):
    keys = answer(version, 'get_api_key')['api_keys']
    wanted = INPUTS['api_key']
    descriptors = _api_keys.role_descriptors_body(wanted['role_descriptors'])
    metadata = _api_keys.desired_metadata(wanted['metadata'])
    active = _api_keys.our_active_keys(keys, PREFIX + 'key', now_ms=keys[0]['creation'])
    assert [k['id'] for k in active] == [keys[0]['id']]
    assert _api_keys.decide_present(active, descriptors, metadata)[0] == 'unchanged'
    changed = dict(descriptors, shipper=dict(descriptors['shipper'], cluster=['monitor']))
    assert _api_keys.decide_present(active, changed, metadata)[0] == 'updated'
    # Past its expiration the key is no longer active.
    assert _api_keys.our_active_keys(keys, PREFIX + 'key', now_ms=keys[0]['expiration'] + 1) == []


@pytest.mark.parametrize('version', VERSIONS)
def test_the_api_key_authenticates_as_the_key_recorded(version):
    who = answer(version, 'authenticate_api_key')
    assert who['authentication_type'] == 'api_key'
    assert who['api_key']['id'] == answer(version, 'get_api_key')['api_keys'][0]['id']


@pytest.mark.parametrize('version', VERSIONS)
def test_missing_privileges_from_the_recorded_answer(version):
    assert _credential_check.missing_privileges(answer(version, 'has_privileges')) == [
        'cluster: manage_security', 'cluster: monitor', 'index filebeat-*: create_doc, delete_index']


@pytest.mark.parametrize('version', VERSIONS)
def test_the_derived_key_refusal_is_the_server_s(version):
    error = answer(version, 'error_derived_api_key')
    assert error['status'] == 400
    assert _api_keys.DERIVED_KEY_ERROR in error['body']['error']['reason']


@pytest.mark.parametrize('version', VERSIONS)
@pytest.mark.parametrize('name, expected', [
    ('error_short_password', 'HTTP 400 validation_exception: Validation Failed: 1: passwords must be at least'),
    ('error_unknown_privilege', 'HTTP 400 action_request_validation_exception: Validation Failed: 1: unknown '
                                'cluster privilege [no_such_privilege]'),
    ('error_bad_rule', 'HTTP 400 parsing_exception: [1:30] [role-mapping] failed to parse field [rules]'),
    ('error_wrong_password', 'HTTP 401 security_exception: unable to authenticate user [esguard-fixture-user]'),
    ('error_derived_api_key', 'HTTP 400 illegal_argument_exception: creating derived api keys'),
    ('error_missing_user', 'HTTP 404 '),
    ('error_missing_role', 'HTTP 404 '),
])
def test_error_bodies_make_one_line(version, name, expected):
    recorded = answer(version, name)
    error = SimpleNamespace(status_code=recorded['status'], info=recorded['body'], message='ApiError')
    text = _connection.describe_error(error)
    assert text.startswith(expected)
    assert '\n' not in text

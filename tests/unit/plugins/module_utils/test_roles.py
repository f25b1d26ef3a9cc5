# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.esguard.security.plugins.module_utils._roles import (
    RoleInputError, request_body, same_role, shown, validate)

# What GET _security/role returns for a role PUT with only cluster and one index entry.
SERVER_ROLE = {
    'cluster': ['monitor'],
    'indices': [{'names': ['filebeat-*'], 'privileges': ['create_doc', 'auto_configure'],
                 'allow_restricted_indices': False}],
    'applications': [],
    'run_as': [],
    'metadata': {},
    'transient_metadata': {'enabled': True},
}


def desired(**fields):
    params = dict(cluster=[], indices=[], applications=[], run_as=[], metadata={}, description=None,
                  remote_indices=None, remote_cluster=None)
    params.update(fields)
    return request_body(params)


def test_server_defaults_do_not_count_as_a_difference():
    want = desired(cluster=['monitor'], indices=[{'names': ['filebeat-*'],
                                                  'privileges': ['create_doc', 'auto_configure']}])
    assert same_role(want, SERVER_ROLE)


@pytest.mark.parametrize('server_change', [
    {'cluster': ['monitor', 'manage']},
    {'run_as': ['someone']},
    {'metadata': {'team': 'ops'}},
    {'description': 'now described'},
    {'applications': [{'application': 'kibana-.kibana', 'privileges': ['read'], 'resources': ['*']}]},
    {'indices': [{'names': ['filebeat-*'], 'privileges': ['create_doc'], 'allow_restricted_indices': False}]},
    {'indices': [{'names': ['filebeat-*'], 'privileges': ['create_doc', 'auto_configure'],
                  'allow_restricted_indices': True}]},
    {'indices': [{'names': ['filebeat-*', 'other-*'], 'privileges': ['create_doc', 'auto_configure'],
                  'allow_restricted_indices': False}]},
    {'remote_indices': [{'clusters': ['r1'], 'names': ['x'], 'privileges': ['read'],
                         'allow_restricted_indices': False}]},
    {'remote_cluster': [{'clusters': ['r1'], 'privileges': ['monitor_enrich']}]},
])
def test_real_differences_are_found(server_change):
    actual = dict(SERVER_ROLE, **server_change)
    want = desired(cluster=['monitor'], indices=[{'names': ['filebeat-*'],
                                                  'privileges': ['create_doc', 'auto_configure']}])
    assert not same_role(want, actual)


def test_lists_compare_as_sets_and_privileges_ignore_case():
    want = desired(cluster=['MONITOR', 'read_ilm', 'monitor'],
                   indices=[{'names': ['b-*', 'a-*'], 'privileges': ['Read', 'view_index_metadata']},
                            {'names': ['c'], 'privileges': ['read']}])
    actual = dict(SERVER_ROLE, cluster=['read_ilm', 'monitor'], indices=[
        {'names': ['c'], 'privileges': ['read'], 'allow_restricted_indices': False},
        {'names': ['a-*', 'b-*'], 'privileges': ['view_index_metadata', 'read'], 'allow_restricted_indices': False},
    ])
    assert same_role(want, actual)


def test_a_single_index_name_string_equals_a_one_element_list():
    actual = dict(SERVER_ROLE, indices=[{'names': 'filebeat-*', 'privileges': ['create_doc', 'auto_configure']}])
    assert same_role(SERVER_ROLE, actual)


def test_query_object_equals_the_string_the_server_returns():
    want = desired(indices=[{'names': ['logs-*'], 'privileges': ['read'], 'query': {'term': {'team': 'ops'}}}])
    actual = dict(SERVER_ROLE, cluster=[], indices=[{'names': ['logs-*'], 'privileges': ['read'],
                                                     'allow_restricted_indices': False,
                                                     'query': '{"term":{"team":"ops"}}'}])
    assert same_role(want, actual)
    changed = dict(actual, indices=[dict(actual['indices'][0], query='{"term":{"team":"dev"}}')])
    assert not same_role(want, changed)


def test_empty_query_and_empty_field_security_mean_none():
    want = desired(indices=[{'names': ['x'], 'privileges': ['read'], 'query': '', 'field_security': None}])
    assert 'query' not in want['indices'][0] and 'field_security' not in want['indices'][0]
    actual = dict(SERVER_ROLE, cluster=[], indices=[{'names': ['x'], 'privileges': ['read']}])
    assert same_role(want, actual)


def test_field_security_is_compared():
    want = desired(indices=[{'names': ['x'], 'privileges': ['read'],
                             'field_security': {'grant': ['a', 'b'], 'except': ['b']}}])
    base = dict(SERVER_ROLE, cluster=[])
    assert same_role(want, dict(base, indices=[{'names': ['x'], 'privileges': ['read'],
                                                'field_security': {'grant': ['b', 'a'], 'except': ['b']}}]))
    assert not same_role(want, dict(base, indices=[{'names': ['x'], 'privileges': ['read'],
                                                    'field_security': {'grant': ['a', 'b']}}]))


def test_description_absent_equals_empty():
    assert same_role(desired(), dict(SERVER_ROLE, cluster=[], indices=[], description=''))
    assert same_role(desired(description=''), dict(SERVER_ROLE, cluster=[], indices=[]))


def test_request_body_leaves_out_unset_optional_fields():
    body = desired(cluster=['monitor'])
    assert 'description' not in body and 'remote_indices' not in body and 'remote_cluster' not in body
    assert body['indices'] == [] and body['applications'] == []


def test_shown_hides_empty_fields():
    assert shown(SERVER_ROLE) == {'cluster': ['monitor'], 'indices': SERVER_ROLE['indices']}


BUILTIN = {'cluster': ['all', 'monitor', 'read_ilm'], 'index': ['all', 'read', 'create_doc', 'auto_configure']}


def test_validate_accepts_a_good_role():
    validate('r', desired(cluster=['Monitor'], indices=[{'names': ['a-*', '/logs-[0-9]+/'],
                                                         'privileges': ['read']}]), BUILTIN)


@pytest.mark.parametrize('body, message', [
    (dict(cluster=['monitr']), 'unknown cluster privilege(s) monitr; this cluster knows: all, monitor, read_ilm'),
    (dict(indices=[{'names': ['x'], 'privileges': ['raed']}]), 'unknown index privilege(s) raed'),
    (dict(indices=[{'names': ['bad name'], 'privileges': ['read']}]), "contains ' '"),
    (dict(indices=[{'names': ['a,b'], 'privileges': ['read']}]), "contains ','"),
    (dict(indices=[{'names': [' a'], 'privileges': ['read']}]), 'surrounding spaces'),
    (dict(indices=[{'names': [], 'privileges': ['read']}]), 'names no index'),
    (dict(indices=[{'names': ['x'], 'privileges': []}]), 'grants no privilege'),
    (dict(indices=[{'names': ['x'], 'privileges': ['read'], 'query': '{not json'}]), 'query is not valid JSON'),
    (dict(metadata={'_reserved': True}), 'may not start with "_"'),
])
def test_validate_refuses_bad_input(body, message):
    with pytest.raises(RoleInputError) as error:
        validate('r', desired(**body), BUILTIN)
    assert message in str(error.value)

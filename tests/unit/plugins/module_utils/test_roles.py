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


def test_validate_accepts_action_patterns_the_server_accepts():
    # Each accepted by Elasticsearch 8.19.21 in a role PUT.
    validate('r', desired(cluster=['cluster:monitor/main', 'cluster:admin/xpack/security/*', 'Cluster:monitor/*',
                                   'indices:admin/template/get', 'indices:admin/index_template/*'],
                          indices=[{'names': ['x'], 'privileges': ['indices:data/read/*', 'INDICES:admin/get',
                                                                   'internal:transport/proxy/indices:data/read/*']}]),
             BUILTIN)


@pytest.mark.parametrize('body, message', [
    # Each refused by Elasticsearch 8.19.21: an action of the other kind, or no action pattern at all.
    (dict(cluster=['indices:data/read/*']), 'unknown cluster privilege(s) indices:data/read/*'),
    (dict(cluster=['indices:admin/template']), 'unknown cluster privilege(s) indices:admin/template'),
    (dict(cluster=['internal:foo']), 'unknown cluster privilege(s) internal:foo'),
    (dict(cluster=['monitor_main']), 'or an action pattern starting with cluster:, '),
    (dict(indices=[{'names': ['x'], 'privileges': ['cluster:monitor/*']}]),
     'unknown index privilege(s) cluster:monitor/*'),
    (dict(indices=[{'names': ['x'], 'privileges': ['indices']}]), 'unknown index privilege(s) indices;'),
    (dict(remote_cluster=[{'clusters': ['r1'], 'privileges': ['cluster:monitor/main']}]),
     'unknown remote cluster privilege(s) cluster:monitor/main; this cluster knows: monitor_enrich'),
])
def test_validate_refuses_action_patterns_of_the_wrong_kind_and_typos(body, message):
    with pytest.raises(RoleInputError) as error:
        validate('r', desired(**body), dict(BUILTIN, remote_cluster=['monitor_enrich']))
    assert message in str(error.value)


# What Elasticsearch 8.19 returns for a role PUT with every body field set (GET _security/role/NAME).
SERVER_FULL_ROLE = {
    'cluster': ['monitor'],
    'indices': [{'names': ['logs-*'], 'privileges': ['read'],
                 'field_security': {'grant': ['*'], 'except': ['secret']},
                 'query': '{"term":{"team":"ops"}}', 'allow_restricted_indices': True}],
    'applications': [{'application': 'myapp', 'privileges': ['read'], 'resources': ['*']}],
    'run_as': ['alice'],
    'metadata': {'team': 'ops', 'n': {'a': 1}},
    'transient_metadata': {'enabled': True},
    'remote_indices': [{'names': ['logs-*'], 'privileges': ['read'], 'field_security': {'grant': ['a']},
                        'query': '{"term":{"x":1}}', 'allow_restricted_indices': False, 'clusters': ['r1', 'r2']}],
    'remote_cluster': [{'privileges': ['monitor_enrich'], 'clusters': ['r1']}],
    'description': 'probe',
}

FULL_PARAMS = dict(
    cluster=['monitor'],
    indices=[{'names': ['logs-*'], 'privileges': ['read'], 'field_security': {'grant': ['*'], 'except': ['secret']},
              'query': {'term': {'team': 'ops'}}, 'allow_restricted_indices': True}],
    applications=[{'application': 'myapp', 'privileges': ['read'], 'resources': ['*']}],
    run_as=['alice'],
    metadata={'team': 'ops', 'n': {'a': 1}},
    description='probe',
    remote_indices=[{'clusters': ['r2', 'r1'], 'names': ['logs-*'], 'privileges': ['read'],
                     'field_security': {'grant': ['a'], 'except': None}, 'query': '{"term": {"x": 1}}',
                     'allow_restricted_indices': False}],
    remote_cluster=[{'clusters': ['r1'], 'privileges': ['monitor_enrich']}],
)


def test_every_field_as_the_server_returns_it_is_the_same_role():
    assert same_role(desired(**FULL_PARAMS), SERVER_FULL_ROLE)


@pytest.mark.parametrize('field', ['description', 'remote_indices', 'remote_cluster'])
def test_an_optional_field_the_server_holds_differs_from_leaving_it_out(field):
    # The server leaves these out of its answer when unset, and a PUT without them removes them.
    params = dict(FULL_PARAMS, **{field: None})
    assert field not in desired(**params)
    assert not same_role(desired(**params), SERVER_FULL_ROLE)
    assert same_role(desired(**params), dict((k, v) for k, v in SERVER_FULL_ROLE.items() if k != field))


def test_field_security_with_an_empty_grant_is_kept_as_the_server_returns_it():
    want = desired(indices=[{'names': ['x'], 'privileges': ['read'], 'field_security': {'grant': [], 'except': None}}])
    actual = dict(SERVER_ROLE, cluster=[], indices=[{'names': ['x'], 'privileges': ['read'],
                                                     'field_security': {'grant': []}, 'allow_restricted_indices': False}])
    assert same_role(want, actual)
    assert not same_role(desired(indices=[{'names': ['x'], 'privileges': ['read']}]), actual)


def test_remote_cluster_privileges_ignore_case_and_order():
    # The server keeps the case and order it was sent.
    actual = dict(SERVER_ROLE, cluster=[], indices=[],
                  remote_cluster=[{'privileges': ['MONITOR_ENRICH', 'monitor_stats'], 'clusters': ['r2', 'r1']}])
    want = desired(remote_cluster=[{'clusters': ['r1', 'r2'], 'privileges': ['monitor_stats', 'monitor_enrich']}])
    assert same_role(want, actual)


# GET returns "global" only when the role has configurable cluster privileges, with empty categories added.
GLOBAL_SET = {'application': {'manage': {'applications': ['x']}}, 'profile': {}, 'role': {}}
GLOBAL_EMPTY = {'application': {'manage': {'applications': []}}, 'profile': {}, 'role': {}}


def test_global_privileges_on_the_server_count_as_a_difference():
    want = desired(cluster=['monitor'])
    actual = dict(SERVER_ROLE, indices=[], **{'global': GLOBAL_SET})
    assert not same_role(want, actual)
    assert shown(actual)['global'] == {'application': {'manage': {'applications': ['x']}}}
    assert 'global' not in shown(want)


@pytest.mark.parametrize('empty_global', [GLOBAL_EMPTY, {'role': {}}, {}])
def test_empty_global_categories_grant_nothing_and_are_not_shown(empty_global):
    actual = dict(SERVER_ROLE, indices=[], **{'global': empty_global})
    assert same_role(desired(cluster=['monitor']), actual)
    assert 'global' not in shown(actual)


@pytest.mark.parametrize('body, message', [
    (dict(indices=[{'names': ['x'], 'privileges': ['read'], 'field_security': {'grant': None, 'except': ['s']}}]),
     'field_security in an indices entry gives except without grant'),
    (dict(remote_indices=[{'clusters': ['r1'], 'names': ['x'], 'privileges': ['read'],
                           'field_security': {'except': ['s']}}]),
     'field_security in an remote_indices entry gives except without grant'),
    (dict(remote_cluster=[{'clusters': ['r1'], 'privileges': ['monitor_enrich', 'manage']}]),
     'unknown remote cluster privilege(s) manage; this cluster knows: monitor_enrich, monitor_stats'),
])
def test_validate_refuses_what_the_server_would_refuse(body, message):
    builtin = dict(BUILTIN, remote_cluster=['monitor_enrich', 'monitor_stats'])
    with pytest.raises(RoleInputError) as error:
        validate('r', desired(**body), builtin)
    assert message in str(error.value)


def test_validate_accepts_every_field():
    builtin = dict(BUILTIN, index=BUILTIN['index'] + ['view_index_metadata'], remote_cluster=['monitor_enrich'])
    validate('r', desired(**FULL_PARAMS), builtin)


def test_shown_gives_the_query_the_server_returns_as_an_object():
    # A diff would otherwise show an unchanged query as changed (string before, object after).
    assert shown(SERVER_FULL_ROLE)['indices'] == shown(desired(**FULL_PARAMS))['indices']
    assert shown(SERVER_FULL_ROLE)['remote_indices'][0]['query'] == {'term': {'x': 1}}

# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.esguard.security.plugins.module_utils._role_mappings import (
    RoleMappingInputError, RoleMappingKind, normal_rule, request_body, same_mapping, validate)
from ansible_collections.esguard.security.plugins.module_utils._security_items import Item, ReservedItemError, plan


def desired(**fields):
    params = dict(roles=None, role_templates=None, rules={'field': {'username': '*'}}, enabled=True, metadata={})
    params.update(fields)
    return request_body(params)


# What GET _security/role_mapping returns for desired(roles=['r']).
SERVER = {'enabled': True, 'roles': ['r'], 'rules': {'field': {'username': '*'}}, 'metadata': {}}


def test_the_server_form_of_the_same_mapping_is_equal():
    assert same_mapping(desired(roles=['r']), SERVER)


def test_one_element_lists_in_field_rules_equal_the_scalar_the_server_returns():
    assert same_mapping(desired(roles=['r'], rules={'field': {'username': ['*']}}), SERVER)


def test_multi_value_field_lists_and_any_all_children_compare_in_any_order():
    mine = {'any': [{'field': {'groups': ['b', 'a']}}, {'field': {'realm.name': 'pki1'}}]}
    theirs = {'any': [{'field': {'realm.name': 'pki1'}}, {'field': {'groups': ['a', 'b']}}]}
    assert normal_rule(mine) == normal_rule(theirs)


def test_dns_compare_without_case_or_spaces_but_usernames_do_not():
    assert normal_rule({'field': {'dn': 'CN=fb-1, OU=Beats,O=Example'}}) == \
        normal_rule({'field': {'dn': 'cn=fb-1,ou=beats,o=example'}})
    assert normal_rule({'field': {'username': 'FB'}}) != normal_rule({'field': {'username': 'fb'}})


def test_regular_expressions_are_compared_as_written():
    assert normal_rule({'field': {'dn': '/CN=.*/'}}) != normal_rule({'field': {'dn': '/cn=.*/'}})


def test_except_inside_all_is_normalized_too():
    mine = {'all': [{'field': {'realm.name': 'pki1'}}, {'except': {'field': {'dn': ['CN=x,O=Y']}}}]}
    theirs = {'all': [{'except': {'field': {'dn': 'cn=x,o=y'}}}, {'field': {'realm.name': 'pki1'}}]}
    assert normal_rule(mine) == normal_rule(theirs)


def test_role_templates_come_back_as_json_strings_with_a_format():
    mine = desired(role_templates=[{'template': {'source': '{{#tojson}}groups{{/tojson}}'}, 'format': 'json'}])
    theirs = {'enabled': True, 'metadata': {}, 'rules': {'field': {'username': '*'}},
              'role_templates': [{'template': '{"source":"{{#tojson}}groups{{/tojson}}"}', 'format': 'json'}]}
    assert same_mapping(mine, theirs)
    assert not same_mapping(desired(role_templates=[{'template': {'source': 'x'}, 'format': 'string'}]), theirs)


# What GET _security/role_mapping returned on 8.19 for templates given as an object, as JSON text (kept as sent,
# spaces included) and as an object with params (re-serialized compactly, keys in the order sent).
OBSERVED_TEMPLATES = [
    {'template': '{"source":"esguard_it_{{username}}"}', 'format': 'string'},
    {'template': '{"source": "esguard_it_{{realm.name}}"}', 'format': 'string'},
    {'template': '{"source":"{{#toJson}}esguard_roles{{/toJson}}","params":{"esguard_roles":["a","b"]}}',
     'format': 'json'},
]


def test_the_observed_server_form_of_role_templates_equals_what_was_sent():
    mine = desired(role_templates=[
        {'template': {'source': 'esguard_it_{{username}}'}},
        {'template': '{"source": "esguard_it_{{realm.name}}"}', 'format': 'string'},
        {'template': {'params': {'esguard_roles': ['a', 'b']}, 'source': '{{#toJson}}esguard_roles{{/toJson}}'},
         'format': 'json'},
    ])
    theirs = {'enabled': True, 'metadata': {}, 'rules': {'field': {'username': '*'}},
              'role_templates': OBSERVED_TEMPLATES}
    assert same_mapping(mine, theirs)
    changed_params = [dict(t) for t in mine['role_templates']]
    changed_params[2]['template'] = {'source': '{{#toJson}}esguard_roles{{/toJson}}', 'params': {'esguard_roles': ['a']}}
    assert not same_mapping(dict(mine, role_templates=changed_params), theirs)
    changed_format = [dict(t) for t in mine['role_templates']]
    changed_format[0]['format'] = 'json'
    assert not same_mapping(dict(mine, role_templates=changed_format), theirs)


def test_roles_compare_as_sets_and_metadata_and_enabled_matter():
    server = dict(SERVER, roles=['a', 'b'])
    assert same_mapping(desired(roles=['b', 'a', 'b']), server)
    assert not same_mapping(desired(roles=['a', 'b'], enabled=False), server)
    assert not same_mapping(desired(roles=['a', 'b'], metadata={'k': 'v'}), server)
    assert not same_mapping(desired(roles=['a']), server)


def test_omitted_enabled_and_metadata_take_the_server_defaults():
    assert same_mapping(desired(roles=['r']), {'roles': ['r'], 'rules': {'field': {'username': '*'}}})


def test_request_body_sends_only_what_was_given():
    assert request_body(dict(roles=['r'], role_templates=None, rules={'field': {'dn': 'x'}}, enabled=False,
                             metadata=None)) == {'roles': ['r'], 'rules': {'field': {'dn': 'x'}},
                                                 'enabled': False, 'metadata': {}}


@pytest.mark.parametrize('fields, message', [
    (dict(roles=None), 'give roles or role_templates'),
    (dict(roles=['r'], role_templates=[{'template': {'source': 'x'}, 'format': 'string'}]), 'not both'),
    (dict(roles=['r'], rules=None), 'rules are required'),
    (dict(roles=['r'], metadata={'_x': 1}), 'may not start with'),
    (dict(roles=['r'], rules={'field': {'username': 'a'}, 'any': []}), 'exactly one of'),
    (dict(roles=['r'], rules={'some': []}), "unknown rule 'some'"),
    (dict(roles=['r'], rules={'any': {'field': {'dn': 'x'}}}), 'any takes a list'),
    (dict(roles=['r'], rules={'except': {'field': {'dn': 'x'}}}), 'only allowed directly inside all'),
    (dict(roles=['r'], rules={'any': [{'except': {'field': {'dn': 'x'}}}]}), 'only allowed directly inside all'),
    (dict(roles=['r'], rules={'field': {'cn': 'x'}}), "unknown field 'cn'"),
    (dict(roles=['r'], rules={'field': {'dn': 'x', 'username': 'y'}}), 'exactly one user field'),
    (dict(role_templates=[{'template': 3, 'format': 'string'}]), 'role template is an object'),
    # The server answers 400 x_content_parse_exception for a string that is not JSON.
    (dict(role_templates=[{'template': 'esguard_{{username}}', 'format': 'string'}]), 'must be JSON text'),
])
def test_bad_mappings_are_refused(fields, message):
    with pytest.raises(RoleMappingInputError, match=message):
        validate('m', desired(**fields))


def test_role_templates_as_json_text_pass():
    validate('m', desired(role_templates=[{'template': '{"source": "x_{{username}}"}', 'format': 'string'},
                                          {'template': '"x_{{username}}"', 'format': 'string'}]))


def test_good_rules_pass():
    validate('m', desired(roles=['r'], rules={'all': [{'field': {'realm.name': 'pki1'}},
                                                      {'field': {'metadata.pki_delegated_by_user': None}},
                                                      {'except': {'field': {'groups': ['a', 'b']}}}]}))


def test_file_based_mappings_are_refused_and_never_removed_by_exclusive():
    kind = RoleMappingKind()
    read_only = dict(SERVER, metadata={'_es_reserved_role_mapping': True})
    with pytest.raises(ReservedItemError, match='reserved'):
        plan(None, kind, [Item('ops', 'present', desired(roles=['x']))], {'ops': read_only})
    result = plan(None, kind, [], {'ops': read_only, 'old': SERVER}, exclusive=True)
    assert result.results == [{'name': 'old', 'action': 'deleted'}]


def test_an_unchanged_mapping_plans_no_write():
    result = plan(None, RoleMappingKind(), [Item('m', 'present', desired(roles=['r']))], {'m': SERVER})
    assert not result.changed and result.steps == []

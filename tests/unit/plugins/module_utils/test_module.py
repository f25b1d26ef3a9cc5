# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.esguard.security.plugins.module_utils._module import secret_values
from ansible_collections.esguard.security.plugins.modules import es_role, es_user
from ansible_collections.esguard.security.tests.unit.plugins.modules.module_runner import run_module

SPEC = dict(
    login_password=dict(type='str', no_log=True),
    name=dict(type='str'),
    entries=dict(type='dict', no_log=True),
    users=dict(type='list', elements='dict', options=dict(name=dict(type='str'),
                                                          password=dict(type='str', no_log=True))),
)


def test_secret_values_reach_every_depth_and_bear_wrong_types():
    params = dict(login_password='pw-top', name='visible', entries={'A': 'pw-entry', 'B': ['pw-listed']},
                  users=[{'name': 'u', 'password': 'pw-nested'}, 'not a dictionary'])
    assert secret_values(SPEC, params) == {'pw-top', 'pw-entry', 'pw-listed', 'pw-nested'}
    assert secret_values(SPEC, dict(users='not a list of dictionaries', login_password=None)) == set()


@pytest.mark.parametrize('module, args', [
    # ansible-core stops gathering no_log values at a sub-option of the wrong type.
    (es_role, dict(name='r', indices=[{'names': ['logs-*'], 'privileges': ['read'], 'field_security': ['message']}])),
    (es_user, dict(users=[{'name': 'u', 'password': 'user-Secret-1', 'metadata': ['not a dictionary']}])),
])
def test_a_sub_option_of_the_wrong_type_fails_without_showing_a_secret(capsys, module, args):
    result = run_module(module, capsys, hosts=['https://es1:9200'], login_user='admin',
                        login_password='admin-Secret-1', **args)
    assert result['failed']
    text = json.dumps(result)
    assert 'admin-Secret-1' not in text and 'user-Secret-1' not in text

# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The requests es_api_key sends: the cluster's privilege names are read only when a key is written."""

from __future__ import annotations

import pytest

from ansible_collections.esguard.security.plugins.module_utils import _api_keys
from ansible_collections.esguard.security.plugins.module_utils._connection import ElasticsearchConnection
from ansible_collections.esguard.security.plugins.modules import es_api_key
from ansible_collections.esguard.security.tests.unit.plugins.modules.module_runner import run_module

WRITER = {'writer': {'cluster': ['monitor'], 'indices': [{'names': ['filebeat-*'], 'privileges': ['create_doc']}]}}
BUILTIN = {'cluster': ['monitor', 'all'], 'index': ['create_doc', 'read', 'all']}


class RecordingClient(object):
    """A server holding ``keys``; it records every request by name."""

    def __init__(self, keys):
        self.keys = keys
        self.requests = []
        self.security = self

    def options(self, **_credential):
        return self

    def get_api_key(self, **_query):
        self.requests.append('get_api_key')
        return {'api_keys': self.keys}

    def has_privileges(self, **body):
        self.requests.append('has_privileges')
        return {'username': 'admin', 'has_all_requested': True, 'cluster': dict.fromkeys(body.get('cluster') or [], True),
                'index': {}, 'application': {}}

    def get_builtin_privileges(self):
        self.requests.append('get_builtin_privileges')
        return BUILTIN

    def create_api_key(self, **body):
        self.requests.append('create_api_key')
        return {'id': 'new', 'api_key': 'secret', 'name': body['name']}

    def update_api_key(self, **_body):
        self.requests.append('update_api_key')
        return {'updated': True}


@pytest.fixture
def server(monkeypatch):
    def serve(keys):
        client = RecordingClient(keys)
        monkeypatch.setattr(_api_keys, 'connect',
                            lambda module: ElasticsearchConnection(module, client, dict(hosts=['https://es1:9200'])))
        return client
    return serve


def held_key(descriptors):
    return dict(id='k1', name='host1', creation=1, invalidated=False, role_descriptors=descriptors,
                metadata=_api_keys.desired_metadata(None))


def run(capsys, role_descriptors=None):
    return run_module(es_api_key, capsys, hosts=['https://es1:9200'], login_user='admin', login_password='pw',
                      name='host1', role_descriptors=role_descriptors or WRITER)


def test_an_unchanged_key_costs_one_read_and_no_privilege_names(server, capsys):
    client = server([held_key(WRITER)])
    result = run(capsys)
    assert result['action'] == 'unchanged' and not result['changed']
    assert client.requests == ['get_api_key']


def test_a_new_key_has_its_privilege_names_checked_before_it_is_created(server, capsys):
    client = server([])
    result = run(capsys)
    assert result['action'] == 'created'
    assert client.requests[:3] == ['get_api_key', 'has_privileges', 'get_builtin_privileges']
    assert client.requests[-1] == 'create_api_key'


def test_an_unknown_privilege_in_a_changed_key_is_refused_before_any_write(server, capsys):
    client = server([held_key(WRITER)])
    typo = {'writer': {'cluster': ['monitr'], 'indices': WRITER['writer']['indices']}}
    result = run(capsys, typo)
    assert result['failed'] and 'unknown cluster privilege(s) monitr' in result['msg']
    assert 'update_api_key' not in client.requests

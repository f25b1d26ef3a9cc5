# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.esguard.security.plugins.module_utils._credential_check import (
    identity_mismatch, identity_of, missing_privileges, subject)

# _authenticate answers of Elasticsearch 8.19.21, recorded.
ES_8_19_AUTHENTICATED_BY_API_KEY = {
    'username': 'esguard-admin', 'roles': [], 'full_name': None, 'email': None, 'metadata': {}, 'enabled': True,
    'authentication_realm': {'name': '_es_api_key', 'type': '_es_api_key'},
    'lookup_realm': {'name': '_es_api_key', 'type': '_es_api_key'}, 'authentication_type': 'api_key',
    'api_key': {'id': 'vz-wNaIB2HGmDxETBPOy', 'name': 'filebeat-web01'}}
ES_8_19_AUTHENTICATED_BY_PASSWORD = {
    'username': 'esguard-admin', 'roles': ['superuser'], 'full_name': None, 'email': None, 'metadata': {},
    'enabled': True, 'authentication_realm': {'name': 'file1', 'type': 'file'},
    'lookup_realm': {'name': 'file1', 'type': 'file'}, 'authentication_type': 'realm'}
ES_8_19_AUTHENTICATED_BY_CERTIFICATE = {
    'username': 'esguard-it-conn-client', 'roles': ['esguard_it_conn_manager'], 'full_name': None, 'email': None,
    'metadata': {'pki_dn': 'CN=esguard-it-conn-client, OU=esguard-it, O=esguard'}, 'enabled': True,
    'authentication_realm': {'name': 'pki1', 'type': 'pki'}, 'lookup_realm': {'name': 'pki1', 'type': 'pki'},
    'authentication_type': 'realm'}
# POST _security/user/_has_privileges as a key that may only monitor.
ES_8_19_PRIVILEGES_OF_A_MONITOR_KEY = {
    'username': 'esguard-admin', 'has_all_requested': False, 'cluster': {'monitor': True, 'read_ilm': False},
    'index': {'filebeat-*': {'create_doc': False, 'auto_configure': False}}, 'application': {}}

KEY = identity_of(ES_8_19_AUTHENTICATED_BY_API_KEY)
ADMIN = identity_of(ES_8_19_AUTHENTICATED_BY_PASSWORD)
CERTIFICATE = identity_of(ES_8_19_AUTHENTICATED_BY_CERTIFICATE)


def test_the_identity_names_the_key_and_its_realm():
    assert KEY == dict(username='esguard-admin', authentication_type='api_key', realm='_es_api_key',
                       realm_type='_es_api_key', api_key_id='vz-wNaIB2HGmDxETBPOy', api_key_name='filebeat-web01')
    assert CERTIFICATE['realm_type'] == 'pki'


def test_an_api_key_is_named_by_itself_not_by_its_owner():
    assert subject(KEY) == 'API key filebeat-web01 (id vz-wNaIB2HGmDxETBPOy)'
    assert subject(ADMIN) == 'user esguard-admin (realm file1)'


@pytest.mark.parametrize('credential, identity', [
    (dict(kind='api_key', id='vz-wNaIB2HGmDxETBPOy'), KEY),
    (dict(kind='password', id='esguard-admin'), ADMIN),
    (dict(kind='certificate', id='/etc/beat/client.crt'), CERTIFICATE),
    (None, ADMIN),
])
def test_the_identity_of_the_credential_given_passes(credential, identity):
    assert identity_mismatch(credential, identity) is None


@pytest.mark.parametrize('credential, identity, message', [
    # The false pass this check exists against: a certificate given, another credential used.
    (dict(kind='certificate', id='/etc/beat/client.crt'), ADMIN,
     'the client certificate /etc/beat/client.crt was given, but Elasticsearch authenticated user esguard-admin '
     '(realm file1): the check would prove another credential'),
    (dict(kind='api_key', id='other-key-id'), KEY,
     'the API key with id other-key-id was given, but Elasticsearch authenticated API key filebeat-web01 '
     '(id vz-wNaIB2HGmDxETBPOy): the check would prove another credential'),
    (dict(kind='api_key', id='vz-wNaIB2HGmDxETBPOy'), ADMIN,
     'the API key with id vz-wNaIB2HGmDxETBPOy was given, but Elasticsearch authenticated user esguard-admin '
     '(realm file1): the check would prove another credential'),
    (dict(kind='password', id='filebeat'), ADMIN,
     'the password of user filebeat was given, but Elasticsearch authenticated user esguard-admin (realm file1): '
     'the check would prove another credential'),
    # The owner's name is not the key's identity.
    (dict(kind='password', id='esguard-admin'), KEY,
     'the password of user esguard-admin was given, but Elasticsearch authenticated API key filebeat-web01 '
     '(id vz-wNaIB2HGmDxETBPOy): the check would prove another credential'),
])
def test_another_identity_than_the_credential_given_is_refused(credential, identity, message):
    assert identity_mismatch(credential, identity) == message


def test_missing_privileges_one_line_per_cluster_privilege_or_index_pattern():
    assert missing_privileges(ES_8_19_PRIVILEGES_OF_A_MONITOR_KEY) == [
        'cluster: read_ilm', 'index filebeat-*: auto_configure, create_doc']

# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import re
import ssl

import pytest
import yaml

from ansible_collections.esguard.security.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.esguard.security.plugins.module_utils import _connection
from ansible_collections.esguard.security.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC, ConnectionSettingsError, api_key_credential, client_settings, describe_error,
    is_retryable, normalize_fingerprint)


def params(**overrides):
    base = dict(hosts=['https://es1:9200'], login_user=None, login_password=None, api_key=None, client_cert=None,
                client_key=None, ca_certs=None, ca_trusted_fingerprint=None, validate_certs=True,
                request_timeout=30.0, allow_insecure_http=False)
    base.update(overrides)
    return base


def test_api_key_in_both_forms_becomes_the_encoded_form():
    encoded = base64.b64encode(b'abc:secret').decode()
    assert api_key_credential('abc:secret') == encoded
    assert api_key_credential(encoded) == encoded


@pytest.mark.parametrize('bad', ['s3cr3t-not-base64!', ':s3cr3t', 'keyid:', base64.b64encode(b's3cr3t').decode()])
def test_malformed_api_keys_are_refused_without_echoing_them(bad):
    with pytest.raises(ConnectionSettingsError) as error:
        api_key_credential(bad)
    assert str(error.value) == 'api_key must be "id:key" or the base64 encoded form'


def test_fingerprint_spellings():
    hex_digits = 'ab' * 32
    assert normalize_fingerprint(':'.join(['AB'] * 32)) == hex_digits
    with pytest.raises(ConnectionSettingsError):
        normalize_fingerprint('abcd')


def test_credentials_over_plain_http_are_refused_unless_allowed():
    with pytest.raises(ConnectionSettingsError, match='plain HTTP'):
        client_settings(params(hosts=['http://es1:9200'], login_user='u', login_password='p'))
    settings = client_settings(params(hosts=['http://es1:9200'], login_user='u', login_password='p',
                                      allow_insecure_http=True))
    assert settings['basic_auth'] == ('u', 'p')
    # Without credentials there is nothing to leak.
    assert client_settings(params(hosts=['http://es1:9200']))['hosts'] == ['http://es1:9200']


def test_hosts_fail_over_and_status_retries_are_left_to_the_module():
    settings = client_settings(params(hosts=['https://a:9200/', 'https://b:9200']))
    assert settings['hosts'] == ['https://a:9200', 'https://b:9200']
    assert settings['max_retries'] == 1 and settings['retry_on_status'] == ()
    # In the order given, so the first URL gets the first request.
    assert settings['randomize_nodes_in_pool'] is False


def test_tls_settings():
    verifying = client_settings(params())
    assert verifying['ssl_context'].verify_mode == ssl.CERT_REQUIRED and verifying['verify_certs'] is True
    insecure = client_settings(params(validate_certs=False))
    assert insecure['ssl_context'].verify_mode == ssl.CERT_NONE and not insecure['ssl_context'].check_hostname
    # The transport sets the context's verify mode from verify_certs: both must say no.
    assert insecure['verify_certs'] is False
    with pytest.raises(ConnectionSettingsError, match='does not exist'):
        client_settings(params(ca_certs='/nonexistent/ca.pem'))


def test_a_pinned_fingerprint_keeps_the_context_that_carries_the_client_certificate(monkeypatch):
    contexts = []
    monkeypatch.setattr(_connection, 'ssl_context', lambda p: contexts.append(p['client_cert']) or 'context')
    pinned = client_settings(params(ca_trusted_fingerprint='AB' * 32, client_cert='c.pem', client_key='k.pem'))
    assert pinned['ssl_assert_fingerprint'] == 'ab' * 32
    assert pinned['ssl_context'] == 'context' and contexts == ['c.pem']
    assert 'client_cert' not in pinned


def test_plain_http_hosts_get_no_tls_options():
    plain = client_settings(params(hosts=['http://es1:9200', 'http://es2:9200']))
    assert not set(plain) & {'ssl_context', 'verify_certs', 'ssl_assert_fingerprint'}
    with pytest.raises(ConnectionSettingsError, match='all use https:// or all use http://'):
        client_settings(params(hosts=['https://es1:9200', 'http://es2:9200']))


def test_api_key_auth_is_used_instead_of_basic():
    settings = client_settings(params(api_key='abc:secret'))
    assert 'basic_auth' not in settings and settings['api_key']


class FakeApiError(Exception):
    def __init__(self, status, info):
        super(FakeApiError, self).__init__('error')
        self.status_code = status
        self.info = info


def test_describe_error_names_status_type_and_reason():
    error = FakeApiError(400, {'error': {'root_cause': [{'type': 'action_request_validation_exception',
                                                         'reason': 'Validation Failed: 1: bad;'}],
                                         'type': 'action_request_validation_exception'}, 'status': 400})
    assert describe_error(error) == 'HTTP 400 action_request_validation_exception: Validation Failed: 1: bad;'


@pytest.mark.parametrize('status, info, expected', [
    (429, {}, True), (503, {}, True), (504, {}, True), (502, {}, True),
    (500, {'error': {'type': 'unavailable_shards_exception'}}, True),
    (400, {}, False), (401, {}, False), (404, {}, False), (409, {}, False),
])
def test_retryable_answers(status, info, expected):
    assert is_retryable(FakeApiError(status, info)) is expected


def test_the_documentation_names_each_option_with_its_type_default_and_environment_variable():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    assert sorted(documented) == sorted(CONNECTION_ARGSPEC)
    for name, spec in CONNECTION_ARGSPEC.items():
        doc = documented[name]
        assert doc['type'] == spec['type'], name
        assert doc.get('default') == spec.get('default'), name
        assert re.findall(r'E\((ELASTICSEARCH_[A-Z_]+)\)', ' '.join(doc['description'])) == spec['fallback'][1], name

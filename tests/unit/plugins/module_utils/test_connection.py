# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import datetime
import re
import ssl

import certifi
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from elasticsearch import ApiError, Elasticsearch
from elastic_transport import (ApiResponseMeta, ConnectionError as EsConnectionError, ConnectionTimeout, HttpHeaders,
                               NodeConfig, TlsError)

from ansible_collections.esguard.security.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.esguard.security.plugins.module_utils import _connection
from ansible_collections.esguard.security.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC, GROUPED_ENV, ConnectionSettingsError, ElasticsearchConnection, FixedTrustContext,
    api_key_credential, api_key_id, client_settings, client_version_problem, connection_warnings, describe_error,
    is_retryable, normalize_fingerprint, presented_credential, ssl_context, with_environment)

# Answers of Elasticsearch 8.19.21, recorded.
# POST _security/api_key {"name": ..., "expiration": "3 weeks"}
ES_8_19_EXPIRATION_PARSE_ERROR = {
    'error': {'root_cause': [{'type': 'x_content_parse_exception',
                              'reason': 'Failed to build [api_key_request] after last required field arrived'}],
              'type': 'x_content_parse_exception',
              'reason': 'Failed to build [api_key_request] after last required field arrived',
              'caused_by': {'type': 'illegal_argument_exception', 'reason': 'failed to parse [3 weeks]',
                            'caused_by': {'type': 'number_format_exception',
                                          'reason': 'For input string: "3 week"'}}},
    'status': 400}
# Any request with the headers of the 9.x Python client (Accept: ...; compatible-with=9).
ES_8_19_MEDIA_TYPE_ERROR = {
    'error': {'root_cause': [{'type': 'media_type_header_exception',
                              'reason': 'Invalid media-type value on headers [Content-Type, Accept]'}],
              'type': 'media_type_header_exception',
              'reason': 'Invalid media-type value on headers [Content-Type, Accept]',
              'caused_by': {'type': 'status_exception',
                            'reason': 'Accept version must be either version 8 or 7, but found 9. '
                                      'Accept=application/vnd.elasticsearch+json; compatible-with=9'}},
    'status': 400}


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
    error = api_error(400, {'error': {'root_cause': [{'type': 'action_request_validation_exception',
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
        variables = [GROUPED_ENV[name]] if name in GROUPED_ENV else spec['fallback'][1]
        assert re.findall(r'E\((ELASTICSEARCH_[A-Z_]+)\)', ' '.join(doc['description'])) == variables, name


def test_credentials_and_trust_are_not_filled_by_ansible_and_hosts_have_no_default():
    # Ansible's fallback fills an option before the task's other options can be seen.
    for name in GROUPED_ENV:
        assert 'fallback' not in CONNECTION_ARGSPEC[name], name
    assert 'default' not in CONNECTION_ARGSPEC['hosts']


ADMIN_ENV = {'ELASTICSEARCH_USERNAME': 'admin', 'ELASTICSEARCH_PASSWORD': 'admin-secret'}
NO_CREDENTIAL = dict(login_user=None, login_password=None, api_key=None, client_cert=None, client_key=None)


@pytest.mark.parametrize('task', [
    dict(api_key='kid:secret'),
    dict(client_cert='/etc/beat/client.crt', client_key='/etc/beat/client.key'),
    # A password in the task keeps the environment's client certificate out as well.
    dict(login_user='filebeat', login_password='fb-secret'),
])
def test_a_credential_in_the_task_replaces_every_credential_of_the_environment(task):
    environ = dict(ADMIN_ENV, ELASTICSEARCH_API_KEY='envkey:secret',
                   ELASTICSEARCH_CLIENT_CERT='/env/c.pem', ELASTICSEARCH_CLIENT_KEY='/env/k.pem')
    # The environment alone would be refused (a key and a password): with the task's, it is not read.
    resolved = with_environment(params(**task), environ)
    assert {k: resolved[k] for k in NO_CREDENTIAL} == dict(NO_CREDENTIAL, **task)


def test_the_environment_fills_in_when_the_task_names_no_credential():
    resolved = with_environment(params(), dict(ADMIN_ENV, ELASTICSEARCH_API_KEY=''))
    assert (resolved['login_user'], resolved['login_password'], resolved['api_key']) == ('admin', 'admin-secret',
                                                                                         None)
    pki = with_environment(params(), {'ELASTICSEARCH_CLIENT_CERT': '~/c.pem', 'ELASTICSEARCH_CLIENT_KEY': '~/k.pem'})
    # Paths as the option's type would have them.
    assert not pki['client_cert'].startswith('~') and pki['client_key'].endswith('/k.pem')


@pytest.mark.parametrize('task, environ, message', [
    (dict(api_key='k:s', login_user='u', login_password='p'), {}, '^api_key and login_user are mutually exclusive$'),
    (dict(login_user='u'), ADMIN_ENV, '^login_user requires login_password$'),
    (dict(client_key='k.pem'), {}, '^client_key requires client_cert$'),
    ({}, dict(ADMIN_ENV, ELASTICSEARCH_API_KEY='k:s'),
     '^ELASTICSEARCH_API_KEY and ELASTICSEARCH_USERNAME are mutually exclusive$'),
    ({}, {'ELASTICSEARCH_USERNAME': 'admin'}, '^ELASTICSEARCH_USERNAME requires ELASTICSEARCH_PASSWORD$'),
    ({}, {'ELASTICSEARCH_CLIENT_CERT': 'c.pem'}, '^ELASTICSEARCH_CLIENT_CERT requires ELASTICSEARCH_CLIENT_KEY$'),
    (dict(ca_certs='ca.pem', ca_trusted_fingerprint='ab' * 32), {},
     '^ca_trusted_fingerprint and ca_certs are mutually exclusive$'),
])
def test_constraints_hold_on_the_source_used_and_name_it(task, environ, message):
    with pytest.raises(ConnectionSettingsError, match=message):
        with_environment(params(**task), environ)


def test_a_trust_anchor_in_the_task_replaces_the_environments():
    environ = {'ELASTICSEARCH_CA_TRUSTED_FINGERPRINT': 'ab' * 32, 'ELASTICSEARCH_CA_CERTS': '/env/ca.pem'}
    resolved = with_environment(params(ca_certs='/task/ca.pem'), environ)
    assert (resolved['ca_certs'], resolved['ca_trusted_fingerprint']) == ('/task/ca.pem', None)
    assert with_environment(params(), {'ELASTICSEARCH_CA_CERTS': '/env/ca.pem'})['ca_certs'] == '/env/ca.pem'


@pytest.mark.parametrize('hosts', [None, [], ['']])
def test_hosts_are_required(hosts):
    with pytest.raises(ConnectionSettingsError, match='set hosts in the task or ELASTICSEARCH_HOSTS'):
        with_environment(params(hosts=hosts), ADMIN_ENV)


def test_the_presented_credential_is_what_the_client_sends():
    encoded = base64.b64encode(b'kid:secret').decode()
    assert presented_credential(params(api_key=encoded)) == dict(kind='api_key', id='kid')
    assert api_key_id('kid:secret') == 'kid'
    both = params(login_user='fb', login_password='p', client_cert='c.pem', client_key='k.pem')
    assert presented_credential(both) == dict(kind='password', id='fb')
    certificate = params(client_cert='c.pem', client_key='k.pem')
    assert presented_credential(certificate) == dict(kind='certificate', id='c.pem')
    assert presented_credential(params()) is None


def api_error(status, body):
    meta = ApiResponseMeta(status=status, http_version='1.1', headers=HttpHeaders(), duration=0.0,
                           node=NodeConfig('https', 'es1', 9200))
    return ApiError(message='error', meta=meta, body=body)


def test_describe_error_keeps_the_reasons_that_caused_it():
    assert describe_error(api_error(400, ES_8_19_EXPIRATION_PARSE_ERROR)) == (
        'HTTP 400 x_content_parse_exception: Failed to build [api_key_request] after last required field arrived; '
        'caused by illegal_argument_exception: failed to parse [3 weeks]; '
        'caused by number_format_exception: For input string: "3 week"')


def test_a_9x_client_refused_by_an_8x_server_is_told_what_to_install():
    error = api_error(400, ES_8_19_MEDIA_TYPE_ERROR)
    message = describe_error(error, client_version=(9, 1, 0))
    assert message == ('the Elasticsearch server is 8.x and refuses the 9.x Python client: '
                       'install elasticsearch>=8.13,<9 where the module runs')
    # From an 8.x client the same answer is some other problem: shown as it is.
    assert describe_error(error, client_version=(8, 19, 3)).startswith('HTTP 400 media_type_header_exception: ')


@pytest.mark.parametrize('version, refused', [((8, 12, 1), True), ((7, 17, 0), True), ((8, 13, 0), False),
                                              ((8, 19, 3), False), ((9, 1, 0), False)])
def test_client_version(version, refused):
    problem = client_version_problem(version)
    assert bool(problem) is refused
    if refused:
        assert problem == ('the elasticsearch Python client %s is too old: install elasticsearch>=8.13,<9 where '
                           'the module runs' % '.'.join(map(str, version)))


def test_insecure_settings_warn_on_every_run_where_they_apply():
    assert connection_warnings(params()) == []
    assert connection_warnings(params(hosts=['http://es1:9200'], allow_insecure_http=True)) == [
        'allow_insecure_http is true: requests to http://es1:9200 are not encrypted, credentials included']
    # Allowed but not used: https hosts.
    assert connection_warnings(params(allow_insecure_http=True)) == []
    assert connection_warnings(params(validate_certs=False)) == [
        'validate_certs is false: the identity of the Elasticsearch server is not checked']


def make_ca(path, name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key


def test_ca_certs_are_the_only_trusted_cas_even_after_the_transport_loads_certifi(tmp_path):
    make_ca(tmp_path / 'ca.pem', 'esguard unit CA')
    for ca_certs in (str(tmp_path / 'ca.pem'), (tmp_path / 'ca.pem').read_text()):
        settings = client_settings(params(ca_certs=ca_certs))
        context = settings['ssl_context']
        node = next(iter(Elasticsearch(**settings).transport.node_pool.all()))
        # What the transport gives urllib3 with the context, and urllib3 loads into it on connect.
        assert node.pool.ca_certs == certifi.where()
        context.load_verify_locations(cafile=node.pool.ca_certs)
        assert [dict(ca['subject'][0])['commonName'] for ca in context.get_ca_certs()] == ['esguard unit CA']


def test_a_fixed_trust_context_loads_until_its_trust_is_fixed(tmp_path):
    make_ca(tmp_path / 'ca.pem', 'esguard unit CA')
    context = FixedTrustContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=certifi.where())
    assert len(context.get_ca_certs()) > 1
    # Without ca_certs, the system's default context (the transport adds certifi, as Elastic's client does).
    assert not isinstance(ssl_context(params()), FixedTrustContext)


def test_an_encrypted_client_key_is_refused_without_a_prompt(tmp_path):
    key = make_ca(tmp_path / 'client.crt', 'esguard unit client')
    (tmp_path / 'client.key').write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b'key-passphrase')))
    with pytest.raises(ConnectionSettingsError) as error:
        ssl_context(params(client_cert=str(tmp_path / 'client.crt'), client_key=str(tmp_path / 'client.key')))
    assert str(error.value) == ('client_key %s is encrypted; give the key unencrypted (readable by the user the '
                                'module runs as only)' % (tmp_path / 'client.key'))


class ModuleFailed(Exception):
    pass


class FakeModule(object):
    def fail_json(self, **result):
        raise ModuleFailed(result)


class FaultyClient(object):
    """A client whose requests answer, in turn, each of ``outcomes`` (an exception is raised)."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.requests = 0
        self.options_given = []
        self.security = self

    def options(self, **options):
        self.options_given.append(options)
        return self

    def answer(self):
        self.requests += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def authenticate(self):
        return self.answer()

    def delete_role(self, name):
        return self.answer()


def connection(client, monkeypatch):
    monkeypatch.setattr(ElasticsearchConnection, 'BACKOFF_SECONDS', 0)
    return ElasticsearchConnection(FakeModule(), client, dict(hosts=['https://es1:9200']))


def failure(call):
    with pytest.raises(ModuleFailed) as failed:
        call()
    return failed.value.args[0]


GATEWAY_TIMEOUT = api_error(504, 'Gateway Timeout')
NOT_FOUND = api_error(404, {'found': False})


def test_a_retried_delete_answered_404_is_done(monkeypatch):
    client = FaultyClient(GATEWAY_TIMEOUT, NOT_FOUND)
    conn = connection(client, monkeypatch)
    assert conn.call('delete role r', lambda c: c.security.delete_role(name='r'), delete=True) is None
    assert client.requests == 2


def test_a_delete_answered_404_at_once_or_another_request_answered_404_on_a_retry_fails(monkeypatch):
    conn = connection(FaultyClient(NOT_FOUND), monkeypatch)
    assert failure(lambda: conn.call('delete role r', lambda c: c.security.delete_role(name='r'),
                                     delete=True))['status'] == 404
    conn = connection(FaultyClient(GATEWAY_TIMEOUT, NOT_FOUND), monkeypatch)
    assert failure(lambda: conn.call('read role r', lambda c: c.security.delete_role(name='r')))['status'] == 404


@pytest.mark.parametrize('fault, message', [
    (EsConnectionError('Connection refused'),
     'check the password of user fb failed: cannot reach Elasticsearch at https://es1:9200: Connection refused'),
    (TlsError('CERTIFICATE_VERIFY_FAILED'),
     'check the password of user fb failed: TLS error talking to https://es1:9200: CERTIFICATE_VERIFY_FAILED'),
])
def test_transport_errors_while_checking_another_credential_fail_with_one_line(monkeypatch, fault, message):
    conn = connection(FaultyClient(fault), monkeypatch)
    result = failure(lambda: conn.authenticates('check the password of user fb', basic_auth=('fb', 'secret')))
    assert result == dict(msg=message)


def test_checking_another_credential_retries_and_a_401_means_it_does_not_authenticate(monkeypatch):
    conn = connection(FaultyClient(api_error(503, {}), {'username': 'fb'}, api_error(401, {})), monkeypatch)
    assert conn.authenticates('check', basic_auth=('fb', 'secret')) == {'username': 'fb'}
    assert conn.authenticates('check', basic_auth=('fb', 'wrong')) is None


def test_answers_that_mean_try_again_are_retried_with_growing_backoff(monkeypatch):
    sleeps = []
    monkeypatch.setattr(_connection.time, 'sleep', sleeps.append)
    client = FaultyClient(api_error(429, {}), api_error(502, 'Bad Gateway'), api_error(503, {}), {'username': 'u'})
    conn = ElasticsearchConnection(FakeModule(), client, dict(hosts=['https://es1:9200']))
    assert conn.call('authenticate', lambda c: c.security.authenticate()) == {'username': 'u'}
    assert client.requests == 4
    assert sleeps == [ElasticsearchConnection.BACKOFF_SECONDS * factor for factor in (1, 2, 4)]


def test_retries_end_with_the_last_answer(monkeypatch):
    client = FaultyClient(*[api_error(503, {})] * (ElasticsearchConnection.RETRIES + 1))
    result = failure(lambda: connection(client, monkeypatch).call('authenticate', lambda c: c.security.authenticate()))
    assert client.requests == ElasticsearchConnection.RETRIES + 1
    assert result['status'] == 503 and result['msg'].startswith('authenticate failed: HTTP 503')


@pytest.mark.parametrize('fault', [api_error(503, {}), api_error(502, 'Bad Gateway'), api_error(429, {}),
                                   EsConnectionError('Connection reset by peer')])
def test_a_request_that_must_not_repeat_is_sent_once_to_one_host(monkeypatch, fault):
    client = FaultyClient(fault, {'id': 'second'})
    conn = connection(client, monkeypatch)
    failure(lambda: conn.call('create API key k', lambda c: c.security.authenticate(), retry=False))
    assert client.requests == 1
    # Without the transport's fail-over to the next host, which would resend it.
    assert client.options_given == [dict(max_retries=0)]


def test_a_slow_node_fails_once_at_request_timeout_with_a_clear_message(monkeypatch):
    client = FaultyClient(ConnectionTimeout('Connection timed out'), {'username': 'u'})
    conn = ElasticsearchConnection(FakeModule(), client, dict(hosts=['https://es1:9200'], request_timeout=2.0))
    monkeypatch.setattr(ElasticsearchConnection, 'BACKOFF_SECONDS', 0)
    assert failure(lambda: conn.call('read role r', lambda c: c.security.authenticate())) == dict(
        msg='read role r failed: no answer from Elasticsearch at https://es1:9200 within request_timeout (2.0 s)')
    assert client.requests == 1

# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The test node is a real Elasticsearch with security: native realm, API keys, HTTPS."""
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from elastic_transport import TlsError
from elasticsearch import AuthenticationException, Elasticsearch


def _client(es_node, **kwargs):
    kwargs.setdefault('ca_certs', es_node['ca'])
    return Elasticsearch(es_node['url'], retry_on_timeout=False, max_retries=0, **kwargs)


@pytest.fixture
def native_user(admin, unique_name):
    role = unique_name + '-role'
    password = 'pw-' + unique_name
    admin.security.put_role(name=role, cluster=['monitor'],
                            indices=[{'names': ['esguard-test-*'], 'privileges': ['read']}])
    admin.security.put_user(username=unique_name, password=password, roles=[role])
    yield unique_name, password, role
    admin.security.delete_user(username=unique_name)
    admin.security.delete_role(name=role)


def test_native_role_and_user_authenticate(admin, es_node, native_user):
    username, password, role = native_user
    assert admin.security.get_role(name=role)[role]['cluster'] == ['monitor']
    me = _client(es_node, basic_auth=(username, password)).security.authenticate()
    assert me['username'] == username
    assert me['roles'] == [role]
    assert me['authentication_realm']['type'] == 'native'


def test_api_key_authenticates(admin, es_node, unique_name):
    key = admin.security.create_api_key(name=unique_name, role_descriptors={
        'shipper': {'cluster': ['monitor'], 'indices': [{'names': ['esguard-test-*'], 'privileges': ['create_doc']}]}})
    try:
        me = _client(es_node, api_key=key['encoded']).security.authenticate()
        assert me['authentication_type'] == 'api_key'
        assert me['api_key']['id'] == key['id']
        assert me['api_key']['name'] == unique_name
    finally:
        admin.security.invalidate_api_key(ids=[key['id']])
    with pytest.raises(AuthenticationException):
        _client(es_node, api_key=key['encoded']).security.authenticate()


def test_wrong_password_is_401(es_node, native_user):
    username, _password, _role = native_user
    with pytest.raises(AuthenticationException) as err:
        _client(es_node, basic_auth=(username, 'not-the-password')).security.authenticate()
    assert err.value.meta.status == 401


def test_untrusted_ca_is_refused(es_node, tmp_path):
    other_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, 'some other CA')])
    now = datetime.datetime.now(datetime.timezone.utc)
    other_ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(other_key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(other_key, hashes.SHA256()))
    ca_file = tmp_path / 'other-ca.pem'
    ca_file.write_bytes(other_ca.public_bytes(serialization.Encoding.PEM))
    client = _client(es_node, ca_certs=str(ca_file), basic_auth=(es_node['username'], es_node['password']))
    with pytest.raises(TlsError) as err:
        client.security.authenticate()
    assert 'CERTIFICATE_VERIFY_FAILED' in repr(err.value)


def test_http_is_refused_on_the_https_port(es_node):
    plain = es_node['url'].replace('https://', 'http://')
    client = Elasticsearch(plain, basic_auth=(es_node['username'], es_node['password']),
                           max_retries=0, request_timeout=5)
    with pytest.raises(Exception):
        client.security.authenticate()
